#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Tests of the vmprof tool that need no kernel module.
#
# Builds tools/vmprof, a fixture generator (tests/report/gen-fixture.c,
# writing data files through tools/data.c), small -g "guest" ELF files
# linked at kernel-like addresses and a stand-in VMM executable; then
# runs 'vmprof report' and 'vmprof record' and checks what they print.
# Expected values come from the inputs (nm, addr2line, the sample counts
# the fixtures use), golden files are under tests/report/golden/.
#
# The whole suite runs twice: with the normal build, then with a build
# instrumented by -fsanitize=address,undefined (skipped if the compiler
# cannot link it; VMPROF_NO_ASAN=1 skips it too).
#
# Output: one line per check, "PASS: name" or "FAIL: name: why"; the exit
# status is non-zero if any check failed.
#
#   bash tests/report/run.sh              run from anywhere
#   UPDATE_GOLDEN=1 bash tests/report/run.sh   rewrite the golden files
#   REPORT_CHECKS="check_callchain" bash tests/report/run.sh   some checks
set -u

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
GOLDEN=$HERE/golden
T=$(mktemp -d "${TMPDIR:-/tmp}/vmprof-report-test.XXXXXX")
trap 'guest_teardown 2>/dev/null; rm -rf "$T"' EXIT

npass=0
nfail=0
SUFFIX=""

pass() {
	echo "PASS: $1$SUFFIX"
	npass=$((npass + 1))
}

fail() {
	echo "FAIL: $1$SUFFIX: $2"
	nfail=$((nfail + 1))
}

# ---- build ----------------------------------------------------------------

CC=${CC:-gcc}
BUILD_OK=1

if make -s -C "$TOP/tools" >"$T/build.log" 2>&1; then
	pass "build: tools/vmprof"
else
	fail "build: tools/vmprof" "make -C tools failed: $(tail -n 5 "$T/build.log" | tr '\n' ' ')"
	BUILD_OK=0
fi

HOSTCFLAGS="-std=gnu11 -Wall -Wextra -Werror -O1 -g -D_GNU_SOURCE -I$TOP/include -I$TOP/tools"
if $CC $HOSTCFLAGS -o "$T/gen-fixture" "$HERE/gen-fixture.c" \
	"$TOP/tools/data.c" "$TOP/tools/names.c" "$TOP/tools/symbolize.c" \
	"$TOP/tools/symfind.c" "$TOP/tools/kimage.c" "$TOP/tools/util.c" \
	-ldw -lelf -lzstd -ldl >"$T/gen.log" 2>&1; then
	pass "build: fixture generator"
else
	fail "build: fixture generator" "$(head -n 5 "$T/gen.log" | tr '\n' ' ')"
	BUILD_OK=0
fi

if $CC $HOSTCFLAGS -o "$T/ring-test" "$HERE/ring-test.c" \
	"$TOP/tools/ring.c" >"$T/ring.log" 2>&1; then
	pass "build: ring test"
else
	fail "build: ring test" "$(head -n 5 "$T/ring.log" | tr '\n' ' ')"
	BUILD_OK=0
fi

# The fuzz harness as a program comparing the in-memory and the
# streaming reader; with sanitizers when the compiler has them.
FUZZ_SRCS="$HERE/fuzz-data.c $TOP/tools/data.c $TOP/tools/kallsyms.c $TOP/tools/util.c"
# shellcheck disable=SC2086
if $CC $HOSTCFLAGS -DFUZZ_STANDALONE -fsanitize=address,undefined \
	-fno-sanitize-recover=all -o "$T/fuzz-data" $FUZZ_SRCS >"$T/fuzz.log" 2>&1 ||
   $CC $HOSTCFLAGS -DFUZZ_STANDALONE -o "$T/fuzz-data" $FUZZ_SRCS >>"$T/fuzz.log" 2>&1; then
	pass "build: fuzz harness"
else
	fail "build: fuzz harness" "$(head -n 5 "$T/fuzz.log" | tr '\n' ' ')"
	BUILD_OK=0
fi

# A guest kernel: freestanding, -g, linked at a kernel-like address.
GUEST_FLAGS="-g -O1 -ffreestanding -fno-pie -no-pie -nostdlib -static
	-mno-red-zone -fno-asynchronous-unwind-tables -Wl,--build-id"
if $CC $GUEST_FLAGS -mcmodel=kernel \
	-Wl,-Ttext-segment=0xffffffff81000000 \
	-o "$T/guest.elf" "$HERE/guest/guest.c" >"$T/guest.log" 2>&1 &&
   $CC $GUEST_FLAGS -DNO_SYSCALL_ENTRY -Wl,-Ttext-segment=0x200000 \
	-o "$T/plain.elf" "$HERE/guest/guest.c" >>"$T/guest.log" 2>&1 &&
   $CC -g -O1 -Wl,--build-id -o "$T/fake-vmm" "$HERE/guest/fake-vmm.c" \
	>>"$T/guest.log" 2>&1; then
	pass "build: test guest ELF files"
else
	fail "build: test guest ELF files" "$(head -n 5 "$T/guest.log" | tr '\n' ' ')"
	BUILD_OK=0
fi

if [ "$BUILD_OK" != 1 ]; then
	echo "$npass passed, $nfail failed"
	exit 1
fi

GEN=$T/gen-fixture

# ---- helpers --------------------------------------------------------------

hex() { printf '0x%x' $(($1)); }

# Address of a symbol of an ELF file, from nm.
sym() {
	local a
	a=$(nm "$1" | awk -v s="$2" '$3 == s { print $1; exit }')
	[ -n "$a" ] && echo "0x$a"
}

# Evaluate a Python expression over the JSON document in a file (as d).
jget() {
	python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
v = eval(sys.argv[2])
print(json.dumps(v) if isinstance(v, (dict, list, tuple)) or v is None else v)' "$1" "$2" 2>&1
}

# Run vmprof; stdout to $T/out, stderr to $T/err, exit status to RC.
# Sanitizer reports make the run fail whatever its exit status.
SAN_MSG=""
run() {
	"$VMPROF" "$@" >"$T/out" 2>"$T/err"
	RC=$?
	SAN_MSG=""
	if grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' "$T/err"; then
		SAN_MSG="sanitizer: $(grep -m1 -E 'ERROR|runtime error' "$T/err")"
	fi
	if [ "$RC" -ge 128 ]; then
		SAN_MSG="killed by signal $((RC - 128))"
	fi
	return 0
}

# Write a fixture: gen NAME < spec
gen() {
	"$GEN" "$T/$1.data" >"$T/gen.err" 2>&1 || {
		echo "gen-fixture failed: $(cat "$T/gen.err")" >&2
		return 1
	}
}

pct() { python3 -c "import sys; print('%.2f' % (100.0 * $1 / $2))"; }

# ---- addresses used by the fixtures -----------------------------------------

G=$T/guest.elf
ENTRY=$(sym "$G" entry_SYSCALL_64)
COMPUTE=$(sym "$G" do_compute)
IO=$(sym "$G" do_io)
IDLE=$(sym "$G" idle_loop)
PCOMPUTE=$(sym "$T/plain.elf" do_compute)
PIO=$(sym "$T/plain.elf" do_io)
VMM_FN=$(sym "$T/fake-vmm" vmm_handle_pio)
UNKNOWN_RIP=0xffffffff8fff0000
KASLR=0x1e00000

# Hot addresses inside the functions (not their first byte).
A_COMPUTE=$(hex "$COMPUTE + 4")
A_IO=$(hex "$IO + 1")
A_IDLE=$(hex "$IDLE + 1")

# An address of do_compute inside the always_inline mix_step, found with
# addr2line -i (two frames: mix_step inlined into do_compute).
INLINE_ADDR=""
COMPUTE_SIZE=$(nm -S "$G" | awk '$4 == "do_compute" { print $2 }')
for ((i = 0; i < 0x$COMPUTE_SIZE; i++)); do
	a=$(hex "$COMPUTE + i")
	out=$(addr2line -f -i -e "$G" "$a")
	if [ "$(echo "$out" | sed -n 1p)" = mix_step ]; then
		INLINE_ADDR=$a
		INLINE_LINE=$(echo "$out" | sed -n 2p)
		INLINE_LINE=${INLINE_LINE##*/}
		INLINE_LINE=${INLINE_LINE%% *}
		break
	fi
done

# The fake VMM "mapped" like the dynamic loader would: bias VMM_BASE.
VMM_BASE=0x555555554000
read -r VMM_OFF VMM_VADDR VMM_FILESZ < <(readelf -lW "$T/fake-vmm" |
	awk '$1 == "LOAD" && / R E / { print $2, $3, $5; exit }')
VMM_START=$(hex "$VMM_BASE + ($VMM_VADDR & ~0xfff)")
VMM_END=$(hex "$VMM_BASE + (($VMM_VADDR + $VMM_FILESZ + 0xfff) & ~0xfff)")
VMM_PGOFF=$(hex "$VMM_OFF & ~0xfff")
A_VMM=$(hex "$VMM_BASE + $VMM_FN + 2")

# Host kernel addresses in tests/report/host.kallsyms.
ksym() { awk -v s="$1" '$3 == s { print "0x"$1; exit }' "$HERE/host.kallsyms"; }
A_HOST_RUN=$(hex "$(ksym kvm_arch_vcpu_ioctl_run) + 0x10")
A_HOST_PIO=$(hex "$(ksym kernel_pio) + 0x20")
A_KVM_AMD=$(hex "$(ksym svm_handle_exit) + 0x8")

# Guest symbol text files made from the guest ELF with nm.
nm -n "$G" | awk 'NF == 3' >"$T/System.map"
# A kallsyms taken inside the running guest: runtime (KASLR) addresses,
# plus a module symbol.
{
	nm -n "$G" | awk 'NF == 3' | while read -r a t n; do
		printf '%016x %s %s\n' $((0x$a + KASLR)) "$t" "$n"
	done
	echo "ffffffffc0001000 t guestmod_poll	[guestmod]"
	echo "ffffffffc0001100 t guestmod_exit	[guestmod]"
} >"$T/guest.kallsyms"
A_GUESTMOD=0xffffffffc0001010

# ---- fixture specs ----------------------------------------------------------

# cpu-switch: 60 do_compute, 30 do_io (vcpu 1), 10 idle_loop, 5 unknown.
spec_basic() {
	cat <<EOF
info mode=cpu-switch event=cycles isa=svm pid=4242 vcpus=2
string host-release 6.1.0-test
string vmm-cmdline qemu-system-x86_64 -m 512
sample ctx=guest-kernel rip=$A_COMPUTE count=60
sample ctx=guest-kernel rip=$A_IO count=30 vcpu=1
sample ctx=guest-kernel rip=$A_IDLE count=10
sample ctx=guest-kernel rip=$UNKNOWN_RIP count=5
stats samples=105 lost=0 filtered=0 vcpus=2 alive=1
end
EOF
}

# The same samples moved by the KASLR offset, with or without the LSTAR.
spec_kaslr() {
	local lstar=$1
	cat <<EOF
info mode=cpu-switch event=cycles isa=vmx pid=4242 vcpus=1 $lstar
sample ctx=guest-kernel rip=$(hex "$A_COMPUTE + KASLR") count=40
sample ctx=guest-kernel rip=$(hex "$A_IO + KASLR") count=20
end
EOF
}

# domain-switch: guest samples, VMM samples charged to the exiting guest
# instruction, VMM samples of other threads, exit statistics.
spec_domain() {
	local bid=${1:-auto}
	cat <<EOF
info mode=domain-switch event=cycles isa=svm pid=4242 vcpus=2
string host-release 6.1.0-test
kallsyms $HERE/host.kallsyms
mmap start=$VMM_START end=$VMM_END pgoff=$VMM_PGOFF pid=4242 path=$T/fake-vmm build-id=$bid
sample ctx=guest-kernel rip=$A_COMPUTE count=40
sample ctx=guest-kernel rip=$A_COMPUTE count=10 vcpu=1
sample ctx=guest-kernel rip=$A_IO count=10 vcpu=1
sample ctx=vmm-kernel host-ip=$A_HOST_PIO exit-rip=$A_IO exit=0x7b count=20 pid=4242
sample ctx=vmm-user host-ip=$A_VMM exit-rip=$A_IO exit=0x7b count=5 pid=4242 vcpu=1
sample ctx=vmm-kernel host-ip=$A_KVM_AMD exit-rip=$A_COMPUTE exit=0x400 count=7 pid=4242
sample ctx=vmm-kernel host-ip=$A_KVM_AMD exit-rip=$A_IO exit=0x400 count=1 pid=4242
sample ctx=vmm-user host-ip=$A_VMM count=4 pid=4242 vcpu=0xffffffff
sample ctx=vmm-kernel host-ip=$A_HOST_RUN count=3 pid=4242 vcpu=0xffffffff
sample ctx=vmm-kernel host-ip=$A_KVM_AMD count=2 pid=4242
exit isa=svm reason=0x7b count=1000 ns=5000000
exit isa=svm reason=0x400 count=300 ns=900000
exit isa=svm reason=0x78 count=50 ns=100000000
exit-stats
stats samples=102 lost=0 filtered=0 vcpus=2 alive=0
end reason=4
EOF
}

# ---- the suite --------------------------------------------------------------

check_help() {
	local opt missing

	run --help
	if [ "$RC" = 0 ] && grep -q record "$T/out" && grep -q report "$T/out" &&
	   grep -q ' 64 ' "$T/out" && grep -q ' 2 ' "$T/out"; then
		pass "help: vmprof --help lists commands and exit codes"
	else
		fail "help: vmprof --help lists commands and exit codes" "rc=$RC"
	fi

	run record --help
	missing=""
	for opt in -p --pid --vm -a --all-cpus -e --event -F --freq -c --count \
		   --switch -o --output -d --duration -q --quiet --ring-pages \
		   -h --help "-- COMMAND" cycles instructions cache-misses \
		   branch-misses cpu-clock; do
		grep -qF -- "$opt" "$T/out" || missing="$missing $opt"
	done
	if [ "$RC" = 0 ] && [ -z "$missing" ]; then
		pass "help: vmprof record --help lists every option"
	else
		fail "help: vmprof record --help lists every option" "rc=$RC missing:$missing"
	fi

	run report --help
	missing=""
	for opt in -i --input --guest-vmlinux --guest-system-map \
		   --guest-kallsyms --kaslr-offset -s --sort --vcpu --format \
		   --exits -h --help sym dso context vcpu exit json; do
		grep -qF -- "$opt" "$T/out" || missing="$missing $opt"
	done
	if [ "$RC" = 0 ] && [ -z "$missing" ]; then
		pass "help: vmprof report --help lists every option"
	else
		fail "help: vmprof report --help lists every option" "rc=$RC missing:$missing"
	fi

	run help report
	if [ "$RC" = 0 ] && grep -qF -- --guest-vmlinux "$T/out"; then
		pass "help: vmprof help report"
	else
		fail "help: vmprof help report" "rc=$RC"
	fi

	local want
	want=$(sed -n 's/^[[:space:]]*PACKAGE_VERSION[[:space:]]*=[[:space:]]*"\{0,1\}\([^"]*\)"\{0,1\}[[:space:]]*$/\1/p' \
		"$TOP/dkms.conf" 2>/dev/null | head -n 1)
	want=${want:-0.0.0}
	run --version
	local v1 v2
	v1=$(cat "$T/out")
	run version
	v2=$(cat "$T/out")
	if [ "$v1" = "vmprof $want" ] && [ "$v2" = "vmprof $want" ]; then
		pass "version: matches dkms.conf ($want)"
	else
		fail "version: matches dkms.conf ($want)" "got '$v1' / '$v2'"
	fi

	run rep
	local rc1=$RC
	run frobnicate
	if [ "$rc1" = 64 ] && [ "$RC" = 64 ] && grep -q "unknown command" "$T/err"; then
		pass "usage: commands match exactly, unknown ones exit 64"
	else
		fail "usage: commands match exactly, unknown ones exit 64" "rc=$rc1/$RC"
	fi
}

check_record_errors() {
	local rcs=""

	run record
	rcs="$rcs $RC"
	run record -p 1 -F 100 -c 1000
	rcs="$rcs $RC"
	run record -p 1 -e nosuchevent
	rcs="$rcs $RC"
	run record -p 1 --switch sideways
	rcs="$rcs $RC"
	run record -p 1 -a
	rcs="$rcs $RC"
	run record -p 0
	rcs="$rcs $RC"
	if [ "$rcs" = " 64 64 64 64 64 64" ]; then
		pass "record: bad command lines exit 64"
	else
		fail "record: bad command lines exit 64" "exit codes:$rcs"
	fi

	if [ ! -e /dev/vmprof ]; then
		run record -p $$ -d 1 -o "$T/never.data"
		if [ "$RC" = 1 ] &&
		   grep -qF "vmprof: error: /dev/vmprof not found: the vmprof module is not loaded (try: modprobe vmprof)" "$T/err" &&
		   [ ! -e "$T/never.data" ] && [ -z "$SAN_MSG" ]; then
			pass "record: missing /dev/vmprof is explained, no file written"
		else
			fail "record: missing /dev/vmprof is explained, no file written" \
				"rc=$RC $SAN_MSG stderr: $(head -c 300 "$T/err")"
		fi
	else
		# The module is loaded here: a PID that cannot exist.
		run record -p 1073741823 -d 1 -o "$T/never.data"
		if [ "$RC" = 1 ] && grep -qE "no process with PID|vmprof: error:" "$T/err"; then
			pass "record: error for a bad PID"
		else
			fail "record: error for a bad PID" "rc=$RC $(head -c 300 "$T/err")"
		fi
	fi
}

check_basic() {
	local total=105 got want ok=1 why=""

	spec_basic | gen basic || { fail "report: basic" "fixture"; return; }
	run report -i "$T/basic.data" --guest-vmlinux "$G" --format json
	cp "$T/out" "$T/basic.json"
	if [ "$RC" != 0 ] || [ -n "$SAN_MSG" ]; then
		fail "report: cpu-switch JSON" "rc=$RC $SAN_MSG $(head -c 300 "$T/err")"
		return
	fi
	got=$(jget "$T/basic.json" '[(r["symbol"], r["samples"], r["percent"], r["context"], r["dso"]) for r in d["rows"]]')
	want=$(python3 -c "
import json
rows = [('do_compute', 60), ('do_io', 30), ('idle_loop', 10), ('[unknown]', 5)]
print(json.dumps([(s, n, float('%.2f' % (100.0 * n / $total)), 'guest-kernel',
                   'guest.elf' if s != '[unknown]' else '[unknown]') for s, n in rows]))")
	if [ "$got" = "$want" ]; then
		pass "report: function names, samples and percentages (JSON)"
	else
		fail "report: function names, samples and percentages (JSON)" "got $got want $want"
	fi

	got=$(jget "$T/basic.json" '(d["total_samples"], d["lost_samples"], d["mode"], d["event"], d["guest_samples"], d["vmm_pid"], d["host_release"])')
	if [ "$got" = '[105, 0, "cpu-switch", "cycles", 105, 4242, "6.1.0-test"]' ]; then
		pass "report: JSON header totals"
	else
		fail "report: JSON header totals" "got $got"
	fi

	got=$(jget "$T/basic.json" '[r for r in d["rows"] if r["symbol"] == "[unknown]"][0]["address"]')
	run report -i "$T/basic.data" --guest-vmlinux "$G"
	if [ "$got" = "$UNKNOWN_RIP" ] &&
	   grep -qE "^ +$(pct 5 $total)% +5 +\[unknown\] $UNKNOWN_RIP +\[unknown\] +guest-kernel\$" "$T/out"; then
		pass "report: unresolved addresses are [unknown] rows with the address"
	else
		fail "report: unresolved addresses are [unknown] rows with the address" "json address=$got; text: $(grep unknown "$T/out")"
	fi

	if [ "$RC" = 0 ] &&
	   grep -qE "^ +$(pct 60 $total)% +60 +do_compute +guest.elf +guest-kernel" "$T/out" &&
	   grep -qE "^ +$(pct 30 $total)% +30 +do_io +guest.elf +guest-kernel" "$T/out" &&
	   grep -q "^# samples: 105  lost: 0" "$T/out" &&
	   grep -q "mode: cpu-switch  event: cycles" "$T/out"; then
		pass "report: text table and header"
	else
		fail "report: text table and header" "rc=$RC $(head -c 600 "$T/out")"
	fi

	# file:line from DWARF, checked against addr2line.
	want=$(addr2line -e "$G" "$A_COMPUTE")
	want=${want##*/}
	want=${want%% *}
	got=$(jget "$T/basic.json" '[r for r in d["rows"] if r["symbol"] == "do_compute"][0].get("srcline")')
	if [ -n "$want" ] && [ "$got" = "$want" ] && grep -qF "$want" "$T/out"; then
		pass "report: file:line from DWARF ($want)"
	else
		fail "report: file:line from DWARF" "got '$got' want '$want'"
	fi

	# Inline function names.
	if [ -z "$INLINE_ADDR" ]; then
		fail "report: inlined function from DWARF" "addr2line found no inlined code in do_compute"
	else
		printf 'info mode=cpu-switch\nsample ctx=guest-kernel rip=%s count=3\nend\n' \
			"$INLINE_ADDR" | gen inline
		run report -i "$T/inline.data" --guest-vmlinux "$G" --format json
		got=$(jget "$T/out" '(d["rows"][0]["symbol"], d["rows"][0].get("inlined"), d["rows"][0].get("srcline"))')
		if [ "$got" = "[\"do_compute\", \"mix_step\", \"$INLINE_LINE\"]" ]; then
			pass "report: inlined function from DWARF (mix_step in do_compute)"
		else
			fail "report: inlined function from DWARF" "got $got want do_compute/mix_step/$INLINE_LINE"
		fi
	fi

	# The same profile from a System.map: names, no srcline.
	run report -i "$T/basic.data" --guest-system-map "$T/System.map" --format json
	got=$(jget "$T/out" '[(r["symbol"], r["samples"], r["dso"]) for r in d["rows"]]')
	if [ "$RC" = 0 ] && [ "$got" = '[["do_compute", 60, "[guest.kernel]"], ["do_io", 30, "[guest.kernel]"], ["idle_loop", 10, "[guest.kernel]"], ["[unknown]", 5, "[unknown]"]]' ]; then
		pass "report: symbols from a guest System.map"
	else
		fail "report: symbols from a guest System.map" "rc=$RC got $got"
	fi

	# No guest symbols at all: rows stay, as [unknown] with addresses.
	run report -i "$T/basic.data" --format json
	got=$(jget "$T/out" '(len(d["rows"]), sum(r["samples"] for r in d["rows"]), all(r["symbol"] == "[unknown]" and "address" in r for r in d["rows"]))')
	if [ "$RC" = 0 ] && [ "$got" = '[4, 105, true]' ]; then
		pass "report: without guest symbols every sample is kept as [unknown]"
	else
		fail "report: without guest symbols every sample is kept as [unknown]" "rc=$RC got $got"
	fi
}

check_kaslr() {
	local got want

	want="[\"do_compute\", \"do_io\", \"$(hex $KASLR)\", \"lstar\"]"
	spec_kaslr "lstar=$(hex "$ENTRY + KASLR")" | gen kaslr
	run report -i "$T/kaslr.data" --guest-vmlinux "$G" --format json
	got=$(jget "$T/out" '(d["rows"][0]["symbol"], d["rows"][1]["symbol"], d["kaslr_offset"], d["kaslr_source"])')
	if [ "$RC" = 0 ] && [ "$got" = "$want" ]; then
		pass "kaslr: offset from the recorded guest LSTAR (vmlinux)"
	else
		fail "kaslr: offset from the recorded guest LSTAR (vmlinux)" "rc=$RC got $got want $want"
	fi

	run report -i "$T/kaslr.data" --guest-system-map "$T/System.map" --format json
	got=$(jget "$T/out" '(d["rows"][0]["symbol"], d["rows"][1]["symbol"], d["kaslr_offset"], d["kaslr_source"])')
	if [ "$RC" = 0 ] && [ "$got" = "$want" ]; then
		pass "kaslr: offset from the recorded guest LSTAR (System.map)"
	else
		fail "kaslr: offset from the recorded guest LSTAR (System.map)" "rc=$RC got $got want $want"
	fi

	# A kallsyms copied from the running guest has runtime addresses:
	# offset 0, and module symbols get their module as dso.
	{
		spec_kaslr "lstar=$(hex "$ENTRY + KASLR")" | sed '/^end/d'
		echo "sample ctx=guest-kernel rip=$A_GUESTMOD count=5"
		echo end
	} | gen kallsyms
	run report -i "$T/kallsyms.data" --guest-kallsyms "$T/guest.kallsyms" --format json
	got=$(jget "$T/out" '([(r["symbol"], r["dso"], r["samples"]) for r in d["rows"]], d["kaslr_offset"])')
	if [ "$RC" = 0 ] && [ "$got" = '[[["do_compute", "[guest.kernel]", 40], ["do_io", "[guest.kernel]", 20], ["guestmod_poll", "[guestmod]", 5]], "0x0"]' ]; then
		pass "kaslr: guest kallsyms with runtime addresses and [module] names"
	else
		fail "kaslr: guest kallsyms with runtime addresses and [module] names" "rc=$RC got $got"
	fi

	spec_kaslr "" | gen kaslr-nolstar
	run report -i "$T/kaslr-nolstar.data" --guest-vmlinux "$G" --format json
	if [ "$RC" != 1 ] || ! grep -q "none of the 60 guest kernel samples .* KASLR offset 0x0 (no LSTAR was recorded).*--kaslr-offset" "$T/err"; then
		fail "kaslr: --kaslr-offset overrides" "without the offset nothing resolves, an error: rc=$RC $(head -c 300 "$T/err")"
	else
		run report -i "$T/kaslr-nolstar.data" --guest-vmlinux "$G" \
			--kaslr-offset "${KASLR#0x}" --format json
		got=$(jget "$T/out" '([r["symbol"] for r in d["rows"]], d["kaslr_offset"], d["kaslr_source"])')
		if [ "$RC" = 0 ] && [ "$got" = "[[\"do_compute\", \"do_io\"], \"$(hex $KASLR)\", \"option\"]" ]; then
			pass "kaslr: --kaslr-offset HEX undoes the offset"
		else
			fail "kaslr: --kaslr-offset HEX undoes the offset" "rc=$RC got $got"
		fi
	fi

	# --kaslr-offset also wins over a recorded LSTAR (here a wrong one).
	run report -i "$T/kaslr.data" --guest-vmlinux "$G" --kaslr-offset 0 --format json
	if [ "$RC" = 1 ] && grep -q "KASLR offset 0x0 (from --kaslr-offset)" "$T/err"; then
		pass "kaslr: --kaslr-offset overrides the recorded LSTAR"
	else
		fail "kaslr: --kaslr-offset overrides the recorded LSTAR" "rc=$RC $(head -c 300 "$T/err")"
	fi

	# A plain ELF at its link address without entry_SYSCALL_64.
	cat <<EOF | gen plain
info mode=cpu-switch lstar=0xffffffff81a00000
sample ctx=guest-kernel rip=$(hex "$PCOMPUTE + 2") count=7
sample ctx=guest-kernel rip=$(hex "$PIO + 1") count=3
end
EOF
	run report -i "$T/plain.data" --guest-vmlinux "$T/plain.elf" --format json
	got=$(jget "$T/out" '([(r["symbol"], r["samples"]) for r in d["rows"]], d["kaslr_offset"])')
	if [ "$RC" = 0 ] && [ "$got" = '[[["do_compute", 7], ["do_io", 3]], "0x0"]' ]; then
		pass "kaslr: a plain ELF at its link address uses offset 0"
	else
		fail "kaslr: a plain ELF at its link address uses offset 0" "rc=$RC got $got"
	fi
}

check_domain() {
	local got

	spec_domain auto | gen domain
	run report -i "$T/domain.data" --guest-vmlinux "$G" --format json
	cp "$T/out" "$T/domain.json"
	if [ "$RC" != 0 ] || [ -n "$SAN_MSG" ]; then
		fail "domain: report" "rc=$RC $SAN_MSG $(head -c 300 "$T/err")"
		return
	fi
	# do_io: 10 own samples + 20 + 5 IOIO + 1 NPF charged.
	got=$(jget "$T/domain.json" '[(r["samples"], r["vmm_samples"], [(e["reason"], e["code"], e["samples"]) for e in r["exit_reasons"]]) for r in d["rows"] if r["symbol"] == "do_io"]')
	if [ "$got" = '[[36, 26, [["IOIO", 123, 25], ["NPF", 1024, 1]]]]' ]; then
		pass "domain: VMM samples are charged to the exiting guest function with exit reasons"
	else
		fail "domain: VMM samples are charged to the exiting guest function with exit reasons" "do_io row: $got"
	fi
	got=$(jget "$T/domain.json" '[(r["samples"], r["vmm_samples"], r["context"]) for r in d["rows"] if r["symbol"] == "do_compute"]')
	if [ "$got" = '[[57, 7, "guest-kernel"]]' ]; then
		pass "domain: guest rows count own plus charged samples"
	else
		fail "domain: guest rows count own plus charged samples" "do_compute row: $got"
	fi
	got=$(jget "$T/domain.json" 'sorted([(r["symbol"], r["dso"], r["context"], r["samples"]) for r in d["rows"] if r["context"].startswith("vmm")])')
	if [ "$got" = '[["kvm_arch_vcpu_ioctl_run", "[kernel.kallsyms]", "vmm-kernel", 3], ["svm_handle_exit", "[kvm_amd]", "vmm-kernel", 2], ["vmm_handle_pio", "fake-vmm", "vmm-user", 4]]' ]; then
		pass "domain: VMM samples without exit info get host symbol rows (kallsyms, modules, VMM ELF)"
	else
		fail "domain: VMM samples without exit info get host symbol rows (kallsyms, modules, VMM ELF)" "got $got"
	fi
	got=$(jget "$T/domain.json" '(d["total_samples"], d["guest_samples"], d["vmm_samples"], d["guest_percent"], d["vmm_percent"], d["nr_exits"], d["mode"])')
	if [ "$got" = "[102, 60, 42, $(pct 60 102), $(pct 42 102), 1350, \"domain-switch\"]" ]; then
		pass "domain: guest/VMM shares and exit count in the header"
	else
		fail "domain: guest/VMM shares and exit count in the header" "got $got"
	fi
	got=$(jget "$T/domain.json" '[r.get("srcline") for r in d["rows"] if r["symbol"] == "vmm_handle_pio"][0]')
	if [[ "$got" == fake-vmm.c:* ]]; then
		pass "domain: VMM ELF symbolized at its mapped base with DWARF lines"
	else
		fail "domain: VMM ELF symbolized at its mapped base with DWARF lines" "srcline $got"
	fi

	run report -i "$T/domain.data" --guest-vmlinux "$G"
	if grep -qE "^ +$(pct 36 102)% +36 +26 +IOIO:25 NPF:1 +do_io +guest.elf +guest-kernel" "$T/out"; then
		pass "domain: text rows show VMM samples and top exits"
	else
		fail "domain: text rows show VMM samples and top exits" "$(grep do_io "$T/out")"
	fi

	# --exits
	run report -i "$T/domain.data" --guest-vmlinux "$G" --exits
	if [ "$RC" = 0 ] && grep -q "^# Exit reasons" "$T/out" &&
	   grep -qE "^  IOIO +0x7b +1000 +5.000 ms +- +5.000 us +25 +do_io \(25\)\$" "$T/out" &&
	   grep -qE "^  NPF +0x400 +300 +900.000 us +- +3.000 us +8 +do_compute \(7\), do_io \(1\)\$" "$T/out" &&
	   grep -qE "^  HLT +0x78 +50 +100.000 ms +- +2.000 ms +0 +-\$" "$T/out"; then
		pass "exits: --exits table with count, total and mean VMM time, guest functions"
	else
		fail "exits: --exits table with count, total and mean VMM time, guest functions" "$(sed -n '/Exit reasons/,$p' "$T/out")"
	fi
	got=$(jget "$T/domain.json" '[(e["reason"], e["code"], e["count"], e["vmm_ns"], e["mean_ns"], [f["symbol"] for f in e["functions"]]) for e in d["exits"]]')
	if [ "$got" = '[["IOIO", 123, 1000, 5000000, 5000, ["do_io"]], ["NPF", 1024, 300, 900000, 3000, ["do_compute", "do_io"]], ["HLT", 120, 50, 100000000, 2000000, []]]' ]; then
		pass "exits: JSON exits[] with names, codes, counts, VMM time"
	else
		fail "exits: JSON exits[] with names, codes, counts, VMM time" "got $got"
	fi

	# A VMM binary whose build-id changed since the recording.
	spec_domain 00112233445566778899aabbccddeeff00112233 | gen domain-badid
	run report -i "$T/domain-badid.data" --guest-vmlinux "$G" --format json
	got=$(jget "$T/out" '[(r["symbol"], r.get("address")) for r in d["rows"] if r["dso"] == "fake-vmm"]')
	if [ "$RC" = 0 ] && grep -q "build-id does not match" "$T/err" &&
	   [ "$got" = "[[\"[unknown]\", \"$A_VMM\"]]" ]; then
		pass "domain: a VMM ELF with a different build-id is rejected with a warning"
	else
		fail "domain: a VMM ELF with a different build-id is rejected with a warning" "rc=$RC got $got stderr $(head -c 200 "$T/err")"
	fi
}

check_sort() {
	local got

	run report -i "$T/domain.data" --guest-vmlinux "$G" --sort dso --format json
	got=$(jget "$T/out" '[(r["symbol"], r["dso"], r["context"], r["samples"]) for r in d["rows"]]')
	if [ "$RC" = 0 ] && [ "$got" = '[[null, "guest.elf", null, 93], [null, "fake-vmm", null, 4], [null, "[kernel.kallsyms]", null, 3], [null, "[kvm_amd]", null, 2]]' ]; then
		pass "sort: --sort dso"
	else
		fail "sort: --sort dso" "rc=$RC got $got"
	fi

	run report -i "$T/domain.data" --guest-vmlinux "$G" --sort context --format json
	got=$(jget "$T/out" '[(r["context"], r["samples"]) for r in d["rows"]]')
	if [ "$RC" = 0 ] && [ "$got" = '[["guest-kernel", 93], ["vmm-kernel", 5], ["vmm-user", 4]]' ]; then
		pass "sort: --sort context"
	else
		fail "sort: --sort context" "rc=$RC got $got"
	fi

	run report -i "$T/domain.data" --guest-vmlinux "$G" --sort sym,vcpu --format json
	got=$(jget "$T/out" '[(r["vcpu"], r["samples"]) for r in d["rows"] if r["symbol"] == "do_compute"]')
	if [ "$RC" = 0 ] && [ "$got" = '[[0, 47], [1, 10]]' ]; then
		pass "sort: --sort sym,vcpu splits rows by vCPU"
	else
		fail "sort: --sort sym,vcpu splits rows by vCPU" "rc=$RC got $got"
	fi
	run report -i "$T/domain.data" --guest-vmlinux "$G" --sort sym,vcpu
	if grep -qE "^# Overhead +Samples +VMM +Exits +Symbol +Dso +Context +vCPU" "$T/out"; then
		pass "sort: text columns follow the sort keys"
	else
		fail "sort: text columns follow the sort keys" "$(grep Overhead "$T/out")"
	fi

	run report -i "$T/domain.data" --guest-vmlinux "$G" --sort exit --format json
	got=$(jget "$T/out" '[(r["exit"], r["samples"]) for r in d["rows"]]')
	if [ "$RC" = 0 ] && [ "$got" = '[[null, 69], ["IOIO", 25], ["NPF", 8]]' ]; then
		pass "sort: --sort exit"
	else
		fail "sort: --sort exit" "rc=$RC got $got"
	fi

	run report -i "$T/domain.data" --sort sym,bogus
	if [ "$RC" = 64 ] && grep -q "unknown sort key 'bogus'" "$T/err"; then
		pass "sort: an unknown key is a usage error"
	else
		fail "sort: an unknown key is a usage error" "rc=$RC"
	fi

	run report -i "$T/domain.data" --guest-vmlinux "$G" --vcpu 1 --format json
	got=$(jget "$T/out" '(d["total_samples"], d["vcpu_filter"], [(r["symbol"], r["samples"]) for r in d["rows"]])')
	if [ "$RC" = 0 ] && [ "$got" = '[25, 1, [["do_io", 15], ["do_compute", 10]]]' ]; then
		pass "vcpu: --vcpu N keeps only that vCPU's samples"
	else
		fail "vcpu: --vcpu N keeps only that vCPU's samples" "rc=$RC got $got"
	fi
	run report -i "$T/domain.data" --vcpu x
	if [ "$RC" = 64 ]; then
		pass "vcpu: a bad --vcpu is a usage error"
	else
		fail "vcpu: a bad --vcpu is a usage error" "rc=$RC"
	fi
}

# Golden outputs: guest symbols from a committed kallsyms text, host
# symbols from a committed kallsyms, no ELF: independent of the compiler.
check_golden() {
	local f name args

	(cd "$GOLDEN" && "$GEN" "$T/golden.data" <domain.spec) 2>"$T/gen.err" || {
		fail "golden: fixture" "$(cat "$T/gen.err")"
		return
	}
	for f in text:"" text-exits:"--exits" json:"--format json" \
		 text-sort:"--sort dso,context --exits" json-vcpu:"--format json --vcpu 0 --sort sym,exit"; do
		name=${f%%:*}
		args=${f#*:}
		# shellcheck disable=SC2086
		(cd "$GOLDEN" && "$VMPROF" report -i "$T/golden.data" \
			--guest-kallsyms guest.kallsyms $args >"$T/golden.out" 2>"$T/golden.err")
		RC=$?
		if [ "${UPDATE_GOLDEN:-0}" = 1 ] && [ -z "$SUFFIX" ]; then
			cp "$T/golden.out" "$GOLDEN/report-$name.out"
		fi
		if [ "$RC" = 0 ] && [ -f "$GOLDEN/report-$name.out" ] &&
		   diff -u "$GOLDEN/report-$name.out" "$T/golden.out" >"$T/golden.diff"; then
			pass "golden: report $args"
		else
			fail "golden: report $args" "rc=$RC $(head -n 12 "$T/golden.diff" 2>/dev/null | tr '\n' '|')"
		fi
	done
	if python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$GOLDEN/report-json.out" 2>/dev/null; then
		pass "golden: the JSON golden output is valid JSON"
	else
		fail "golden: the JSON golden output is valid JSON" "json.load failed"
	fi
}

check_corrupt() {
	local size

	spec_basic | gen corrupt
	# The first record starts at offset 24 (after the header); make its
	# size 12, not a multiple of 8.
	printf '\x0c\x00\x00\x00' | dd of="$T/corrupt.data" bs=1 seek=28 conv=notrunc status=none
	run report -i "$T/corrupt.data"
	if [ "$RC" = 1 ] && [ -z "$SAN_MSG" ] &&
	   grep -qF "vmprof: error: $T/corrupt.data: corrupt data at offset 24: record size 12 is not a multiple of 8" "$T/err"; then
		pass "corrupt: a bad record size is an error naming file and offset"
	else
		fail "corrupt: a bad record size is an error naming file and offset" "rc=$RC $SAN_MSG $(head -c 300 "$T/err")"
	fi
	run report -i "$T/corrupt.data" --format json
	if [ "$RC" = 1 ] && grep -q '"error": ".*offset 24' "$T/out" &&
	   python3 -c 'import json,sys; assert "error" in json.load(open(sys.argv[1]))' "$T/out"; then
		pass "corrupt: with --format json the error is {\"error\": ...} on stdout"
	else
		fail "corrupt: with --format json the error is {\"error\": ...} on stdout" "rc=$RC $(head -c 300 "$T/out")"
	fi

	# A SAMPLE record too short for a sample, in the middle of the file.
	spec_basic | gen corrupt2
	size=$(stat -c %s "$T/corrupt2.data")
	python3 - "$T/corrupt2.data" <<'EOF'
import struct, sys
p = sys.argv[1]
b = bytearray(open(p, 'rb').read())
off = 24
n = 0
while off + 8 <= len(b):
    t, s = struct.unpack_from('<II', b, off)
    if t == 5:
        n += 1
        if n == 50:
            struct.pack_into('<II', b, off, 5, 16)
            break
    off += s
open(p, 'wb').write(b)
open(p + '.off', 'w').write(str(off))
EOF
	run report -i "$T/corrupt2.data"
	if [ "$RC" = 1 ] && grep -qF "corrupt data at offset $(cat "$T/corrupt2.data.off"): SAMPLE record of 16 bytes is shorter than its 80 byte minimum" "$T/err"; then
		pass "corrupt: a short known record is an error at its offset"
	else
		fail "corrupt: a short known record is an error at its offset" "rc=$RC $(head -c 300 "$T/err")"
	fi

	head -c 4000 /dev/urandom >"$T/garbage.data"
	run report -i "$T/garbage.data"
	if [ "$RC" = 1 ] && grep -q "not a vmprof data file" "$T/err" && [ -z "$SAN_MSG" ]; then
		pass "corrupt: a file that is not vmprof data"
	else
		fail "corrupt: a file that is not vmprof data" "rc=$RC $SAN_MSG"
	fi

	: >"$T/empty.data"
	run report -i "$T/empty.data"
	# What a recorder killed between creating the file and writing its
	# header leaves: a truncated recording (exit 2), not a corrupt file.
	if [ "$RC" = 2 ] && grep -q "empty.data: truncated at offset 0: the file is empty" "$T/err"; then
		pass "truncated: an empty file"
	else
		fail "truncated: an empty file" "rc=$RC $(cat "$T/err")"
	fi

	# Mutations of a valid file: never a crash, only 0, 1 or 2.
	spec_domain auto | gen fuzzbase
	python3 - "$T/fuzzbase.data" "$T/fuzz" <<'EOF'
import os, random, sys
base = open(sys.argv[1], 'rb').read()
os.makedirs(sys.argv[2], exist_ok=True)
rnd = random.Random(1234)
for i in range(150):
    b = bytearray(base)
    kind = i % 3
    for _ in range(rnd.randint(1, 8)):
        pos = rnd.randrange(len(b))
        if kind == 0:
            b[pos] = rnd.randrange(256)
        elif kind == 1:
            # hit record headers: sizes and types
            pos = 24 + 8 * rnd.randrange((len(b) - 24) // 8)
            b[pos + rnd.randrange(8)] = rnd.choice([0, 1, 7, 8, 0x80, 0xff])
        else:
            b = b[:rnd.randrange(len(b))] + b[rnd.randrange(len(b)):]
    open(os.path.join(sys.argv[2], '%03d.data' % i), 'wb').write(bytes(b))
EOF
	local bad=""
	for f in "$T"/fuzz/*.data; do
		run report -i "$f" --guest-vmlinux "$G" --exits
		if [ "$RC" -gt 2 ] || [ -n "$SAN_MSG" ]; then
			bad="$bad $(basename "$f"):rc=$RC:$SAN_MSG"
		fi
	done
	if [ -z "$bad" ]; then
		pass "corrupt: 150 mutated files never crash the reader"
	else
		fail "corrupt: 150 mutated files never crash the reader" "$bad"
	fi

	# The fuzzing entry point (whole buffer) and the streaming reader
	# agree on every file: outcome, offset, records and their bytes.
	if [ -z "$SUFFIX" ]; then
		if "$T/fuzz-data" "$T"/fuzz/*.data "$T"/*.data >"$T/fuzz.out" 2>&1; then
			pass "corrupt: in-memory and streaming readers agree on $(ls "$T"/fuzz/*.data "$T"/*.data | wc -l) files"
		else
			fail "corrupt: in-memory and streaming readers agree" "$(head -n 3 "$T/fuzz.out" | tr '\n' '|')"
		fi
	fi
}

check_truncated() {
	local size

	spec_basic | gen trunc
	size=$(stat -c %s "$T/trunc.data")
	# Cut inside a sample record.
	head -c $((size - 200 - 36)) "$T/trunc.data" >"$T/trunc-cut.data"
	run report -i "$T/trunc-cut.data" --guest-vmlinux "$G"
	if [ "$RC" = 2 ] && grep -q "vmprof: warning: .*trunc-cut.data: truncated at offset" "$T/err" &&
	   grep -qE "do_compute +guest.elf" "$T/out" && grep -q "WARNING: the data file is truncated" "$T/out"; then
		pass "truncated: a file cut inside a record is reported partially, exit 2"
	else
		fail "truncated: a file cut inside a record is reported partially, exit 2" "rc=$RC $(head -c 300 "$T/err")"
	fi
	run report -i "$T/trunc-cut.data" --guest-vmlinux "$G" --format json
	if [ "$RC" = 2 ] && [ "$(jget "$T/out" 'd["truncated"]')" = True ]; then
		pass "truncated: JSON says truncated"
	else
		fail "truncated: JSON says truncated" "rc=$RC"
	fi

	spec_basic | sed '/^end/d' | gen noend
	run report -i "$T/noend.data" --guest-vmlinux "$G" --format json
	if [ "$RC" = 2 ] && grep -q "no end-of-recording record" "$T/err" &&
	   [ "$(jget "$T/out" 'd["total_samples"]')" = 105 ]; then
		pass "truncated: a file without end-of-recording record, exit 2"
	else
		fail "truncated: a file without end-of-recording record, exit 2" "rc=$RC $(head -c 300 "$T/err")"
	fi

	head -c 13 "$T/trunc.data" >"$T/trunc-hdr.data"
	run report -i "$T/trunc-hdr.data"
	if [ "$RC" = 2 ] && grep -q "file ends inside the header" "$T/err"; then
		pass "truncated: a file cut inside its header"
	else
		fail "truncated: a file cut inside its header" "rc=$RC $(cat "$T/err")"
	fi
}

check_write_error() {
	# The writer (tools/data.c, the one vmprof record uses) on a full
	# disk: an error, not a silent short file.
	if [ -w /dev/full ]; then
		spec_basic | "$GEN" /dev/full >/dev/null 2>"$T/full.err"
		if [ $? != 0 ] && grep -q "No space left on device" "$T/full.err"; then
			pass "writer: a full disk is reported"
		else
			fail "writer: a full disk is reported" "$(cat "$T/full.err")"
		fi
	fi
}

check_unknown_records() {
	spec_basic | gen plainrecs
	spec_basic | awk 'NR % 2 == 0 { print "raw type=999 size=40" } { print } END { }' |
		sed 's/^end$/raw type=123456 size=8\nend/' | gen unknownrecs
	run report -i "$T/plainrecs.data" --guest-vmlinux "$G"
	cp "$T/out" "$T/plainrecs.out"
	run report -i "$T/unknownrecs.data" --guest-vmlinux "$G"
	if [ "$RC" = 0 ] && cmp -s "$T/plainrecs.out" "$T/out" &&
	   [ "$(stat -c %s "$T/unknownrecs.data")" -gt "$(stat -c %s "$T/plainrecs.data")" ]; then
		pass "compat: records of unknown types are skipped"
	else
		fail "compat: records of unknown types are skipped" "rc=$RC $(diff "$T/plainrecs.out" "$T/out" | head -5 | tr '\n' '|')"
	fi
}

check_perf() {
	local t0 t1 ms rss

	# 1,000,000 samples over 2,000 distinct addresses.
	python3 - "$COMPUTE" "$IO" >"$T/big.spec" <<'EOF'
import sys
compute, io = int(sys.argv[1], 16), int(sys.argv[2], 16)
print("info mode=domain-switch event=cycles isa=vmx pid=1 vcpus=4")
for i in range(1000):
    print("sample ctx=guest-kernel rip=0x%x count=900 vcpu=%d" % (compute + i % 70, i % 4))
    print("sample ctx=vmm-kernel host-ip=0xffffffff9a102010 exit-rip=0x%x exit=30 count=100 vcpu=%d" % (io + i % 5, i % 4))
print("end")
EOF
	"$GEN" "$T/big.data" <"$T/big.spec" || { fail "perf: fixture" "gen"; return; }
	t0=$(date +%s%N)
	if [ -x /usr/bin/time ]; then
		/usr/bin/time -f %M -o "$T/rss" "$VMPROF" report -i "$T/big.data" \
			--guest-vmlinux "$G" >"$T/out" 2>"$T/err"
		RC=$?
		rss=$(tail -n 1 "$T/rss")
	else
		"$VMPROF" report -i "$T/big.data" --guest-vmlinux "$G" >"$T/out" 2>"$T/err"
		RC=$?
		rss=0
	fi
	t1=$(date +%s%N)
	ms=$(((t1 - t0) / 1000000))
	if [ "$RC" = 0 ] && grep -q "^# samples: 1000000 " "$T/out" &&
	   [ "$ms" -lt 10000 ] && [ "$rss" -lt 100000 ]; then
		pass "perf: 1M samples reported in ${ms} ms, max RSS ${rss} KiB"
	else
		fail "perf: 1M samples reported quickly in bounded memory" "rc=$RC ${ms} ms, ${rss} KiB"
	fi
}

. "$HERE/formats.sh"
. "$HERE/install.sh"
. "$HERE/scaling.sh"
. "$HERE/cli.sh"
. "$HERE/accounting.sh"
. "$HERE/symbols.sh"
. "$HERE/vmlist.sh"
. "$HERE/guest.sh"
. "$HERE/callchain.sh"

suite() {
	# REPORT_CHECKS="check_a check_b": only those (while working on them).
	if [ -n "${REPORT_CHECKS:-}" ]; then
		for c in $REPORT_CHECKS; do
			"$c"
		done
		return
	fi
	check_help
	check_record_errors
	check_basic
	check_kaslr
	check_domain
	check_sort
	check_golden
	check_callchain
	check_callchain_corrupt
	check_corrupt
	check_truncated
	check_unknown_records
	check_formats
	check_cli_output
	check_cli_errors
	check_perf_options
	check_perf_script_stream
	check_period
	check_vms
	check_vmm_sym
	check_svg_order
	check_module_accounting
	check_wrong_symbols
	check_names
	check_aliases
	check_demangle
	check_list_usage
	check_vmlist
	check_guest
}

# ---- run --------------------------------------------------------------------

"$T/ring-test" >"$T/ring.out" 2>&1
ring_rc=$?
while read -r line; do
	case "$line" in
	PASS:*) echo "$line"; npass=$((npass + 1)) ;;
	FAIL:*) echo "$line"; nfail=$((nfail + 1)) ;;
	esac
done <"$T/ring.out"
if [ "$ring_rc" != 0 ] && ! grep -q '^FAIL' "$T/ring.out"; then
	fail "ring: ring-test" "exit $ring_rc: $(head -c 200 "$T/ring.out")"
fi

VMPROF=$TOP/tools/vmprof
guest_build && guest_setup
suite
if [ -z "${REPORT_CHECKS:-}" ]; then
	check_write_error
	check_perf
	check_scaling
	check_install
fi

# The same suite under AddressSanitizer and UBSan.
if [ "${VMPROF_NO_ASAN:-0}" != 1 ]; then
	if make -s -C "$TOP/tools" OUTPUT="$T/asan" \
		EXTRA_CFLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
		EXTRA_LDFLAGS="-fsanitize=address,undefined" >"$T/asan.log" 2>&1; then
		VMPROF=$T/asan/vmprof
		SUFFIX=" [asan]"
		export ASAN_OPTIONS=detect_leaks=1:exitcode=99
		export UBSAN_OPTIONS=print_stacktrace=1:exitcode=98
		suite
		unset ASAN_OPTIONS UBSAN_OPTIONS
		SUFFIX=""
	else
		echo "note: no sanitizer build ($(head -n 1 "$T/asan.log")); skipping the sanitizer pass" >&2
	fi
fi

guest_teardown
echo "$npass passed, $nfail failed"
[ "$nfail" = 0 ]
