# SPDX-License-Identifier: GPL-2.0
# Runs inside the lab (see lab.sh): every lab test, in one boot.
# usage (inside the lab): bash tests/lab/suite.sh [TEST...]
# TEST names a t_* function; default: all of them.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/lib.sh"
for f in "$here"/t-*.sh; do
	. "$f"
done
# LAB_SKIP names tests (space-separated) to leave out of the default list.
skip=
for t in ${LAB_SKIP:-none}; do
	skip="$skip -e $t"
done
# shellcheck disable=SC2086
tests=${LAB_TESTS:-$(declare -F | awk '{print $3}' | grep -E '^t_[a-z]+$' |
	grep -vxF $skip)}
for t in $tests; do
	echo "== $t"
	"$t"
done
exit "$lab_failed"
