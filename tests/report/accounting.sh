# SPDX-License-Identifier: GPL-2.0
# What the rows count: Overhead weighted by period as in perf, VMs of a
# system-wide recording kept apart, the VMM function behind a charged
# sample (issue 15, items 4, 5 and 6).
#
# Sourced by tests/report/run.sh (uses run, pass, fail, gen, jget, $T,
# $G and the fixture addresses).

check_period() {
	local got

	# Equal sample counts, periods 1:9 (e.g. -F adapting the period).
	cat <<EOF_SPEC | gen period
info mode=cpu-switch event=cycles isa=svm pid=4242 vcpus=1 freq=1
sample ctx=guest-kernel rip=$A_COMPUTE count=10 period=1000
sample ctx=guest-kernel rip=$A_IO count=10 period=9000
end
EOF_SPEC
	run report -i "$T/period.data" --guest-vmlinux "$G" --format json
	got=$(jget "$T/out" '([(r["symbol"], r["samples"], r["period"], r["percent"]) for r in d["rows"]], d["total_period"], d["format_version"])')
	if [ "$RC" = 0 ] && [ "$got" = '[[["do_io", 10, 90000, 90.0], ["do_compute", 10, 10000, 10.0]], 100000, 2]' ]; then
		pass "period: JSON percent is the share of the period, rows by period"
	else
		fail "period: JSON percent is the share of the period, rows by period" "rc=$RC got $got"
	fi
	run report -i "$T/period.data" --guest-vmlinux "$G"
	if [ "$RC" = 0 ] &&
	   grep -qE "^ +90\.00% +10 +do_io " "$T/out" &&
	   grep -qE "^ +10\.00% +10 +do_compute " "$T/out" &&
	   [ "$(grep -nE 'do_io|do_compute' "$T/out" | head -n 1 | grep -c do_io)" = 1 ]; then
		pass "period: text Overhead is weighted by period, Samples stay counts"
	else
		fail "period: text Overhead is weighted by period" "rc=$RC $(grep -E 'do_io|do_compute' "$T/out" | tr '\n' '|')"
	fi
}
