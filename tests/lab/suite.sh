# SPDX-License-Identifier: GPL-2.0
# Runs inside the lab (see lab.sh): every lab test, in one boot.
# usage (inside the lab): bash tests/lab/suite.sh [TEST...]
# TEST names a t_* function; default: all of them.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/lib.sh"
for f in "$here"/t-*.sh; do
	. "$f"
done
# t_fuzz is not in the default list while the lab host (L1) can freeze
# under it: about half of the runs since 2026-11-25 hung L1 silently (no
# soft-lockup, hung-task or RCU-stall report even at console loglevel 8).
# Run it with LAB_TESTS=t_fuzz (make fuzz-lab) until that is understood.
default_skip=${LAB_SKIP-t_fuzz}
tests=${LAB_TESTS:-$(declare -F | awk '{print $3}' | grep -E '^t_[a-z]+$' |
	grep -vxF -e "${default_skip:-none}")}
for t in $tests; do
	echo "== $t"
	"$t"
done
exit "$lab_failed"
