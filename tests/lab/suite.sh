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
# leftovers TEST: a test must stop the guests it started and unload the
# module: a VM left running holds kvm_amd (the next test cannot reload it
# with other parameters) and shows up in every later list and system-wide
# recording.  Say which test left what, and clean up so that the next test
# starts from a clean host.
leftovers() {
	local left p
	left=$(pgrep -a -f '^(qemu-system-x86_64|[^ ]*/kvm-run) ' || true)
	if [ -n "$left" ]; then
		fail "$1: left VMs running: $(tr '\n' ';' <<< "$left" | cut -c1-300)"
		# A VMM that cannot die (state D, where it waits) is the
		# kernel's bug, not the test's.
		for p in $(awk '{ print $1 }' <<< "$left"); do
			echo "  $p: state $(awk '{ print $3 }' "/proc/$p/stat" 2>/dev/null)," \
				"parent $(ps -o ppid=,comm= -p "$(awk '{ print $4 }' "/proc/$p/stat" 2>/dev/null)" 2>/dev/null)"
			sed 's/^/    /' "/proc/$p/stack" 2>/dev/null | head -n 8
			kill -9 "$p" 2>/dev/null
		done
		sleep 1
	fi
	if grep -q '^vmprof ' /proc/modules; then
		fail "$1: left vmprof.ko loaded"
		rmmod vmprof 2>/dev/null
	fi
}

for t in $tests; do
	echo "== $t"
	start=$SECONDS
	"$t"
	leftovers "$t"
	echo "== $t: $((SECONDS - start)) s"
done
exit "$lab_failed"
