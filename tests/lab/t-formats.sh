# SPDX-License-Identifier: GPL-2.0
# The output formats of vmprof report (docs/formats.md) on a real
# domain-switch recording of the ground-truth guest, each read back by a
# consumer that is not vmprof: folded sums and frames; perf-script folded
# again like FlameGraph's stackcollapse-perf.pl (tests/report/
# formats-check.py) equals folded; pprof decoded by protoc and by the
# pprof-format npm package gives folded's stacks and counts; the SVG is
# well-formed XML with a frame per stack.  The browser checks (Chromium,
# speedscope) run outside the lab on a fixture: tests/report/formats.sh.

fmt_check() {
	local name=$1
	shift
	if "$@" > "$fmt_d/why" 2>&1; then
		pass "formats: $name"
	else
		fail "formats: $name: $(head -c 400 "$fmt_d/why" | tr '\n' ' ')"
	fi
}

# Folded from the real recording: sums, the VM and context frames, the
# gt functions, and port-I/O exits charged to gt_device_io with the VMM
# function that did the work; with --split-vcpu, the vCPU frames.
fmt_folded_ok() {
	local sum total
	sum=$(awk '{ n += $NF } END { print n + 0 }' "$fmt_d/dom.folded")
	total=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["total_samples"])' "$fmt_d/dom.json")
	echo "sum $sum total $total"
	[ "$sum" = "$total" ] && [ "$total" -gt 0 ] || return 1
	grep -v "^vm:$gt_pid qemu-system-x86;" "$fmt_d/dom.folded" && return 1
	grep -v "^vm:$gt_pid qemu-system-x86;\(vcpu0\|vmm-thread\);" "$fmt_d/dom.split" && return 1
	grep -q ";guest-kernel;gt_compute_a [0-9]*$" "$fmt_d/dom.folded" &&
	grep -qE ";guest-kernel;gt_device_io;exit:(IOIO|IO_INSTRUCTION);[^;]+ [0-9]+$" "$fmt_d/dom.folded" &&
	grep -q ";vcpu0;guest-kernel;gt_compute_a [0-9]*$" "$fmt_d/dom.split"
}

fmt_pprof_ok() {
	python3 - "$fmt_d/dom.folded" "$@" <<'PYEOF'
import json, sys
want = {}
for line in open(sys.argv[1]):
    k, n = line.rstrip('\n').rsplit(' ', 1)
    want[k] = int(n)
for path in sys.argv[2:]:
    got = json.load(open(path))
    stacks = {k: v[0] for k, v in got['stacks'].items()}
    if stacks != want:
        diff = set(stacks.items()) ^ set(want.items())
        sys.exit('%s: stacks differ from folded: %s' % (path, sorted(diff)[:6]))
    if got['sample_types'][0] != ['samples', 'count']:
        sys.exit('%s: sample types %s' % (path, got['sample_types']))
    for f in ('gt_compute_a', 'gt_compute_b', 'gt_compute_c', 'gt_device_io'):
        if f not in got['functions'] or not got['addresses'].get(f):
            sys.exit('%s: no function or address for %s' % (path, f))
print('ok')
PYEOF
}

fmt_pprof_protoc() {
	gunzip -c "$fmt_d/dom.pb.gz" |
		protoc --decode=perftools.profiles.Profile \
			--proto_path="$REPO/tools/proto" profile.proto \
			> "$fmt_d/dom.pb.txt" &&
	python3 "$REPO/tests/report/formats-check.py" pprof-protoc \
		"$fmt_d/dom.pb.txt" > "$fmt_d/dom.protoc.json" &&
	fmt_pprof_ok "$fmt_d/dom.protoc.json"
}

fmt_pprof_js() {
	node "$REPO/tests/report/pprof-summary.js" "$fmt_d/dom.pb.gz" \
		> "$fmt_d/dom.pbjs.json" &&
	fmt_pprof_ok "$fmt_d/dom.pbjs.json"
}

t_formats() {
	fmt_d=$LAB_OUT/formats
	mkdir -p "$fmt_d"
	insmod "$VMPROF_KO" || { fail "formats: insmod"; return; }
	start_gt rounds=0 || { fail "formats: guest start"; rmmod vmprof; return; }
	check "formats: record domain-switch" "$VMPROF" record -q \
		-p "$gt_pid" --switch domain -d 2 -o "$fmt_d/dom.data"
	# System-wide into a pipe: the report names the VM from the COMM
	# record and symbolizes it with per-VM symbols.
	check "formats: record -a -o - | report -i -" bash -c \
		'"$1" record -q -a -m 64K -d 1 -o - | "$1" report -i - --guest-vmlinux "$2=$3" --sort vm,sym --format json > "$4/sys.json"' \
		_ "$VMPROF" "$gt_pid" "$GT_ELF" "$fmt_d"
	fmt_check "record -a: the VM by its pid and command name, its gt functions" \
		python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
vms = {v["pid"]: v["comm"] for v in d["vms"]}
print(vms, [(r["vm"], r["symbol"], r["samples"]) for r in d["rows"][:6]])
assert vms.get(int(sys.argv[2])) == "qemu-system-x86", vms
assert any(r["vm"] == int(sys.argv[2]) and r["symbol"].startswith("gt_compute")
           for r in d["rows"])' "$fmt_d/sys.json" "$gt_pid"
	# A recording over an existing file keeps it as FILE.old.
	check "formats: record again over a recording" bash -c \
		'"$1" record -q -p "$2" -d 0.5 -o "$3/again.data" && cp "$3/again.data" "$3/first" && "$1" record -q -p "$2" -d 0.5 -o "$3/again.data" && cmp "$3/first" "$3/again.data.old"' \
		_ "$VMPROF" "$gt_pid" "$fmt_d"
	kill "$gt_pid"; wait "$gt_pid" 2>/dev/null
	check "formats: objects all zero" wait_objects_zero
	check "formats: rmmod" rmmod vmprof

	local r=("$VMPROF" report -i "$fmt_d/dom.data" --guest-vmlinux "$GT_ELF")
	local f
	"${r[@]}" --format json > "$fmt_d/dom.json"
	for f in folded:folded perf-script:perf svg:svg pprof:pb.gz; do
		check "formats: report --format ${f%%:*}" \
			"${r[@]}" --format "${f%%:*}" -o "$fmt_d/dom.${f#*:}"
	done
	"${r[@]}" --format folded --split-vcpu > "$fmt_d/dom.split"
	sed "s/^/  /" "$fmt_d/dom.folded" | head -n 20

	fmt_check "folded from the lab: counts add up, VM/vCPU/exit/VMM frames, gt functions" \
		fmt_folded_ok
	fmt_check "perf-script from the lab folded like stackcollapse-perf equals folded" \
		bash -c 'python3 "$1/tests/report/formats-check.py" collapse-perf "$2/dom.perf" | diff -u "$2/dom.folded" -' \
		_ "$REPO" "$fmt_d"
	fmt_check "pprof from the lab decoded by protoc: folded's stacks and counts" \
		fmt_pprof_protoc
	if command -v node > /dev/null &&
	   [ -d "$REPO/tests/report/npm/node_modules/pprof-format" ]; then
		fmt_check "pprof from the lab decoded by pprof-format (npm): folded's stacks and counts" \
			fmt_pprof_js
	else
		fail "formats: pprof-format: needs node and tests/report/npm (scripts/install-deps)"
	fi
	fmt_check "svg from the lab is well-formed, one frame per stack leaf" \
		bash -c 'xmllint --noout "$1/dom.svg" && [ "$(grep -c "<g class=\"f\"" "$1/dom.svg")" -ge "$(wc -l < "$1/dom.folded")" ]' \
		_ "$fmt_d"
}
