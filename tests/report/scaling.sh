# SPDX-License-Identifier: GPL-2.0
# 'vmprof report' does work linear in the distinct addresses it sees: the
# instructions it executes (counted by valgrind, the same on every run,
# unlike time) grow about 8 times from 1,000 to 8,000 distinct unresolved
# exit RIPs (guest user space without symbols), or from 1,000 to 8,000
# distinct guest functions (from a System.map) in the flame graph.  A
# quadratic step (a linear search per distinct address or function)
# makes them grow 30 times and more.
#
# Sourced by tests/report/run.sh (uses pass, fail, $T, $GEN, $VMPROF,
# $SUFFIX); runs in the first pass only (valgrind does not run ASan
# builds).

# Instructions of one run: irefs ARGS...
irefs() {
	valgrind --tool=cachegrind --cache-sim=no \
		--cachegrind-out-file=/dev/null "$VMPROF" "$@" \
		2>&1 >/dev/null | sed -n 's/.*I *refs: *//p' | tr -d ,
}

# Instructions of a report of the scale-N fixture: NAME N ARGS...  The
# flame graphs fold unresolved addresses into one [unknown] frame: there,
# each address is a function of its own, from a System.map.
scale_irefs() {
	local name=$1 n=$2

	shift 2
	[ "$name" = text ] || set -- "$@" --guest-system-map "$T/scale-$n.map"
	irefs report -i "$T/scale-$n.data" "$@"
}

check_scaling() {
	local n args name small big ratio

	[ -z "$SUFFIX" ] || return 0
	if ! command -v valgrind >/dev/null; then
		fail "scaling: distinct exit RIPs" "needs valgrind (scripts/install-deps)"
		return
	fi
	for n in 1000 8000; do
		python3 - "$n" <<'PY' | "$GEN" "$T/scale-$n.data"
import sys
n = int(sys.argv[1])
print("info mode=domain-switch event=cycles isa=svm pid=42 vcpus=1")
for i in range(n):
    print("sample ctx=vmm-kernel host-ip=0xffffffff81000010 "
          "exit-rip=0x%x exit=0x7b pid=42" % (0x400000 + 16 * i))
print("end")
PY
		python3 -c "for i in range($n): print('%016x t f%d' % (0x400000 + 16 * i, i))" \
			>"$T/scale-$n.map"
	done
	for args in "text:--exits" "svg:--format svg" "pprof:--format pprof"; do
		name=${args%%:*}
		args=${args#*:}
		# shellcheck disable=SC2086
		small=$(scale_irefs "$name" 1000 $args)
		# shellcheck disable=SC2086
		big=$(scale_irefs "$name" 8000 $args)
		if [ -z "$small" ] || [ -z "$big" ]; then
			fail "scaling: $name, 1k and 8k distinct exit RIPs" "valgrind gave no count"
			continue
		fi
		ratio=$(python3 -c "print('%.1f' % ($big / $small))")
		if python3 -c "import sys; sys.exit(not $big < 12 * $small)"; then
			pass "scaling: $name: 8x the distinct exit RIPs, ${ratio}x the instructions"
		else
			fail "scaling: $name: 8x the distinct exit RIPs" "${ratio}x the instructions ($small, $big): not linear"
		fi
	done
}
