# SPDX-License-Identifier: GPL-2.0
# Sourced by tests/report/run.sh: guest call chains in 'vmprof report' on
# recordings with GUEST_STACK records (what 'record -g' writes), written
# by gen-fixture.  The stacks are made by hand here, frame-pointer style,
# over the test guest ELF, so that the expected chains are known exactly;
# tests/unwind runs the unwinders on real guest stacks.

# cc_fixture NAME EXTRA_INFO [nostack]: a recording with two guest
# stacks (do_compute and do_io called from _start), one cut short by the
# size of its copy, and a VMM sample charged to do_io's port I/O with
# do_io's stack, at KASLR offset $KASLR; with nostack, the same samples
# without their stacks.
cc_fixture() {
	local name=$1 info=$2 k=$KASLR s=0xffffc90000010000 drop='^$'
	[ "${3:-}" = nostack ] && drop='^stack '
	local start=$(sym "$G" _start)
	local ret=$(hex "$start + 8 + $k") c=$(hex "$A_COMPUTE + $k")
	local io=$(hex "$A_IO + $k")
	local frames="0/0/$(hex "$s + 0x20")/$ret/0/0"
	grep -v "$drop" <<EOF | gen "$name" || return 1
info mode=domain-switch event=cpu-clock isa=svm pid=4242 $info
kallsyms $HERE/host.kallsyms
stack ip=$c sp=$s bp=$(hex "$s + 0x10") seg=$s:task:top:$frames
sample ctx=guest-kernel rip=$c count=1 pid=4242
stack ip=$c sp=$s bp=$(hex "$s + 0x10") seg=$s:task:top:$frames
sample ctx=guest-kernel rip=$c count=1 pid=4242
stack ip=$io sp=$s bp=$(hex "$s + 0x10") seg=$s:task:top:$frames
sample ctx=guest-kernel rip=$io count=1 pid=4242
stack ip=$io sp=$s bp=$(hex "$s + 0x10") seg=$s:task:size:0/0
sample ctx=guest-kernel rip=$io count=1 pid=4242
stack ip=$io sp=$s bp=$(hex "$s + 0x10") seg=$s:task:top:$frames
sample ctx=vmm-kernel host-ip=$A_HOST_RUN exit-rip=$io exit=0x7b count=1 pid=4242
sample ctx=guest-kernel rip=$c count=1 pid=4242
end
EOF
}

check_callchain() {
	local lstar=$(hex "$ENTRY + $KASLR") want got

	cc_fixture cc "callgraph=fp stacksize=4096 lstar=$lstar" || {
		fail "callchain: fixture" "gen-fixture"; return; }
	run report -i "$T/cc.data" --guest-vmlinux "$G" --format folded
	want="vm:4242;guest-kernel;[incomplete: truncated];do_io 1
vm:4242;guest-kernel;_start;do_compute 2
vm:4242;guest-kernel;_start;do_io 1
vm:4242;guest-kernel;_start;do_io;exit:IOIO;kvm_arch_vcpu_ioctl_run 1
vm:4242;guest-kernel;do_compute 1"
	if [ "$RC" = 0 ] && [ "$(cat "$T/out")" = "$want" ] && [ -z "$SAN_MSG" ]; then
		pass "callchain: folded: callers root first, the charged VMM work on the guest chain, a cut chain says so"
	else
		fail "callchain: folded" "rc=$RC $SAN_MSG $(tr '\n' '|' <"$T/out") $(cat "$T/err")"
	fi

	run report -i "$T/cc.data" --guest-vmlinux "$G" --header-only
	if grep -q '^# call chains: fp unwinding of the guest stacks' "$T/out" &&
	   grep -q '^#   guest kernel samples: 5, complete chains 3 (60.00%), ended early 2: no stack recorded 1, stack copy too small' "$T/out" &&
	   grep -q '^#   charged to the guest samples: 1, complete chains 1 (100.00%)' "$T/out"; then
		pass "callchain: header: complete chains, and why the others end early"
	else
		fail "callchain: header" "$(grep '^#  ' "$T/out" | tr '\n' '|')"
	fi

	run report -i "$T/cc.data" --guest-vmlinux "$G" --no-children
	if [ "$RC" = 0 ] && grep -q '^# Overhead' "$T/out" &&
	   awk '/ do_compute /{ f = 1 } f && /---_start$/ { ok = 1 } END { exit !ok }' "$T/out"; then
		pass "callchain: text --no-children: the caller under the sampled function"
	else
		fail "callchain: text --no-children" "$(head -n 20 "$T/out" "$T/err" | tr '\n' '|')"
	fi
	run report -i "$T/cc.data" --guest-vmlinux "$G"
	if [ "$RC" = 0 ] && grep -q '^# Children  *Self' "$T/out" &&
	   grep -Eq '^ +(66|80)\.[0-9]+% +0\.00% .* _start ' "$T/out"; then
		pass "callchain: text --children: _start's row holds its callees' samples"
	else
		fail "callchain: text --children" "$(head -n 20 "$T/out" "$T/err" | tr '\n' '|')"
	fi
	run report -i "$T/cc.data" --guest-vmlinux "$G" --format json
	got=$(jget "$T/out" '([r["symbol"] for r in d["rows"]][:2], d["call_chains"]["guest_kernel"]["ends"]["truncated"], [c["frames"] for r in d["rows"] if r["symbol"] == "do_compute" for c in r["callchains"]])')
	if [ "$got" = '[["_start", "do_compute"], 1, [["_start"]]]' ]; then
		pass "callchain: json: children rows, call_chains, callchains"
	else
		fail "callchain: json" "$got"
	fi
	run report -i "$T/cc.data" --guest-vmlinux "$G" --format perf-script
	if [ "$RC" = 0 ] && awk '/ do_compute \(/ { l = NR } / _start \(/ && l == NR - 1 { ok = 1 } END { exit !ok }' "$T/out"; then
		pass "callchain: perf-script: the caller's frame after the sample's"
	else
		fail "callchain: perf-script" "$(head -n 8 "$T/out" | tr '\n' '|')"
	fi
	# The flame graph and pprof draw the same chains as folded.
	run report -i "$T/cc.data" --guest-vmlinux "$G" --format folded
	python3 "$HERE/formats-check.py" folded-json "$T/out" > "$T/cc-folded.json"
	run report -i "$T/cc.data" --guest-vmlinux "$G" --format svg -o "$T/cc.svg"
	if [ "$RC" = 0 ] && [ -z "$SAN_MSG" ] &&
	   python3 "$HERE/formats-check.py" svg-folded "$T/cc.svg" > "$T/cc-svg.json" &&
	   cmp -s "$T/cc-folded.json" "$T/cc-svg.json" &&
	   grep -q '"vm:4242;guest-kernel;_start;do_io;exit:IOIO;kvm_arch_vcpu_ioctl_run": 1' "$T/cc-svg.json"; then
		pass "callchain: svg: the flame graph's frames are the folded chains"
	else
		fail "callchain: svg" "rc=$RC $SAN_MSG $(cat "$T/cc-svg.json" 2>/dev/null) $(cat "$T/err")"
	fi
	run report -i "$T/cc.data" --guest-vmlinux "$G" --format pprof -o "$T/cc.pb.gz"
	if [ "$RC" = 0 ] && [ -z "$SAN_MSG" ] &&
	   gunzip -c "$T/cc.pb.gz" | protoc --decode=perftools.profiles.Profile \
		--proto_path="$TOP/tools/proto" profile.proto > "$T/cc.pb.txt" 2> "$T/err" &&
	   python3 "$HERE/formats-check.py" pprof-protoc "$T/cc.pb.txt" |
	   python3 -c 'import json, sys; print(json.dumps({k: v[0] for k, v in json.load(sys.stdin)["stacks"].items()}, sort_keys=True))' > "$T/cc-pprof.json" &&
	   cmp -s "$T/cc-folded.json" "$T/cc-pprof.json"; then
		pass "callchain: pprof (decoded by protoc): the samples' locations are the folded chains"
	else
		fail "callchain: pprof" "rc=$RC $SAN_MSG $(cat "$T/cc-pprof.json" 2>/dev/null) $(head -c 300 "$T/err")"
	fi
	run report -i "$T/cc.data" --guest-vmlinux "$G" --format folded --max-stack 1
	if [ "$RC" = 0 ] && ! grep -q '_start' "$T/out" && grep -q ';do_compute 3$' "$T/out"; then
		pass "callchain: --max-stack 1: the sampled function alone"
	else
		fail "callchain: --max-stack 1" "$(tr '\n' '|' <"$T/out")"
	fi

	# Stacks read before the guest LSTAR gave the KASLR offset wait
	# for it, and are named like the others.
	gen ccl <<EOF || { fail "callchain: fixture" "gen-fixture"; return; }
info mode=cpu-switch event=cpu-clock isa=svm pid=4242 callgraph=fp stacksize=4096
EOF
	cc_fixture ccl2 "callgraph=fp stacksize=4096 lstar=$lstar" &&
	head -c 24 "$T/ccl.data" > "$T/ccl3.data" &&
	tail -c +25 "$T/ccl.data" | head -c 88 >> "$T/ccl3.data" &&
	tail -c +25 "$T/ccl2.data" >> "$T/ccl3.data" ||
		{ fail "callchain: fixture" "late LSTAR"; return; }
	run report -i "$T/ccl3.data" --guest-vmlinux "$G" --format folded
	if [ "$RC" = 0 ] && ! grep -q unknown "$T/out" &&
	   grep -q '^vm:4242;guest-kernel;_start;do_compute 2$' "$T/out"; then
		pass "callchain: stacks before the LSTAR are unwound with its KASLR offset"
	else
		fail "callchain: late LSTAR" "rc=$RC $(tr '\n' '|' <"$T/out") $(cat "$T/err")"
	fi

	# Frame pointers at the edge of a frame: right after the prologue's
	# push %rbp, [RSP] is the caller's RBP and the return address is
	# above it; a word at [RSP] that is no code (in a variable) is no
	# caller.
	local s=0xffffc90000010000 ret c1 data
	ret=$(hex "$(sym "$G" _start) + 8 + $KASLR")
	c1=$(hex "$A_COMPUTE + 1 + $KASLR")
	data=$(hex "$(sym "$G" guest_ticks) + 8 + $KASLR")
	gen ccp <<EOF || { fail "callchain: fixture" "prologue"; return; }
info mode=cpu-switch event=cpu-clock isa=svm pid=4242 callgraph=fp stacksize=4096 lstar=$lstar
stack ip=$c1 sp=$s bp=$(hex "$s + 0x20") seg=$s:task:top:$(hex "$s + 0x20")/$ret/0/0/0/0
sample ctx=guest-kernel rip=$c1 pid=4242
stack ip=$c1 sp=$s bp=$(hex "$s + 0x10") seg=$s:task:top:$data/0/$(hex "$s + 0x20")/$ret/0/0
sample ctx=guest-kernel rip=$c1 pid=4242
end
EOF
	run report -i "$T/ccp.data" --guest-vmlinux "$G" --format folded
	if [ "$RC" = 0 ] &&
	   [ "$(cat "$T/out")" = "vm:4242;guest-kernel;_start;do_compute 2" ]; then
		pass "callchain: fp: the caller of a function that just pushed RBP; data at [RSP] is no caller"
	else
		fail "callchain: fp prologue" "rc=$RC $(tr '\n' '|' <"$T/out") $(cat "$T/err")"
	fi

	# --call-graph none: the profile of the same samples recorded
	# without stacks, as before call chains.
	run report -i "$T/cc.data" --guest-vmlinux "$G" --call-graph none
	cp "$T/out" "$T/cc-none.out"
	cc_fixture ccflat "lstar=$lstar" nostack &&
	run report -i "$T/ccflat.data" --guest-vmlinux "$G"
	if [ "$RC" = 0 ] && cmp -s "$T/out" "$T/cc-none.out" &&
	   grep -Eq '^ +50\.00% +3 .*do_compute' "$T/out"; then
		pass "callchain: --call-graph none: the flat profile of a recording without stacks"
	else
		fail "callchain: --call-graph none" "$(diff "$T/out" "$T/cc-none.out" | head -n 5 | tr '\n' '|')"
	fi

	# What the option and the recording cannot do is said, once.
	cc_fixture cco "callgraph=orc stacksize=4096 lstar=$lstar"
	run report -i "$T/cco.data" --guest-vmlinux "$G" --format folded
	if [ "$RC" = 0 ] && [ "$(grep -c 'no ORC unwind tables' "$T/err")" = 1 ] &&
	   grep -q 'incomplete: no_tables' "$T/out"; then
		pass "callchain: ORC with a kernel without its tables: one warning, chains marked"
	else
		fail "callchain: ORC without an image" "$(cat "$T/err") $(tr '\n' '|' <"$T/out")"
	fi
	run report -i "$T/cc.data" --call-graph bogus
	if [ "$RC" = 64 ] && grep -q "call-graph takes" "$T/err"; then
		pass "callchain: --call-graph with a bad word is a usage error"
	else
		fail "callchain: --call-graph bogus" "rc=$RC $(cat "$T/err")"
	fi
	run report -i "$T/cc.data" --format folded --children
	if [ "$RC" = 64 ] && grep -q "children applies to the text and json formats" "$T/err"; then
		pass "callchain: --children with a stack format is a usage error"
	else
		fail "callchain: --children --format folded" "rc=$RC $(cat "$T/err")"
	fi
	# record: the guest kernel image is for -g as for --guest-introspect
	# (a PID that cannot exist: the command line is all that is checked).
	run record -p 1073741823 --guest-vmlinux "$G" -d 1 -o "$T/never.data"
	local rc1=$RC err1
	err1=$(cat "$T/err")
	run record -p 1073741823 -g --guest-vmlinux "$G" -d 1 -o "$T/never.data"
	if [ "$rc1" = 64 ] && grep -q "go with --guest-introspect or -g" <<< "$err1" &&
	   [ "$RC" = 1 ] && ! grep -q "go with" "$T/err" && [ ! -e "$T/never.data" ]; then
		pass "callchain: record --guest-vmlinux goes with -g, not alone"
	else
		fail "callchain: record --guest-vmlinux with -g" "rc=$rc1/$RC $err1 $(cat "$T/err")"
	fi
}

# A GUEST_STACK record that does not fit is corrupt data, named.
check_callchain_corrupt() {
	local what
	for what in segs regs len; do
		python3 - "$T/ccbad-$what.data" "$what" <<'PYEOF'
import struct, sys
path, what = sys.argv[1], sys.argv[2]
def rec(t, body):
    body += b"\0" * (-len(body) % 8)
    return struct.pack("<II", t, 8 + len(body)) + body
out = b"VMPROF\0\1" + struct.pack("<IIQ", 1, 24, 0)
out += rec(1, struct.pack("<IIIIIiQIIQQQIIII", 1, 5, 2, 0, 1, 4242, 1000, 1, 1, 0, 1, 1, 1, 1, 2, 4096))
mask, nsegs, seglen = 1 << 8 | 1 << 7, 1, 8
if what == "segs":
    nsegs = 9
elif what == "regs":
    mask |= 1 << 40
else:
    seglen = 4096
body = struct.pack("<QHHI", mask, nsegs, 0, 0) + struct.pack("<QQ", 1, 2)
body += struct.pack("<QIHH", 0x1000, seglen, 1, 1) * min(nsegs, 1) + b"\0" * 8
out += rec(15, body)
open(path, "wb").write(out)
PYEOF
		run report -i "$T/ccbad-$what.data"
		if [ "$RC" = 1 ] && grep -q 'corrupt data at offset 112: GUEST_STACK' "$T/err" &&
		   [ "$(wc -l <"$T/err")" = 1 ]; then
			pass "callchain: corrupt GUEST_STACK ($what): one error line"
		else
			fail "callchain: corrupt GUEST_STACK ($what)" "rc=$RC $(cat "$T/err")"
		fi
	done
}
