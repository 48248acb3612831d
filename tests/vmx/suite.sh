# SPDX-License-Identifier: GPL-2.0
# Runs inside the VMX lab (see bochs.sh): every VMX test, in one boot.
# LAB_TESTS names t_* functions to run instead of all of them.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$REPO/tests/lab/lib.sh"
for f in "$here"/t-*.sh; do
	. "$f"
done
tests=${LAB_TESTS:-$(declare -F | awk '{print $3}' | grep -E '^t_[a-z]+$')}
for t in $tests; do
	echo "== $t"
	"$t"
done
exit "$lab_failed"
