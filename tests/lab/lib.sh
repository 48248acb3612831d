# SPDX-License-Identifier: GPL-2.0
# Helpers for scripts that run inside the lab (tests/lab/lab.sh).
# Every check prints one line, "PASS: name" or "FAIL: name: why", which
# tests/run.sh counts.

LAB_BUILD=${LAB_BUILD:-$REPO/tests/lab/build}
GUEST_BUILD=${GUEST_BUILD:-$REPO/tests/guest/build}
PROBE=$LAB_BUILD/vmprof-probe
KVM_RUN=$GUEST_BUILD/kvm-run
OBJECTS=/sys/kernel/debug/vmprof/objects
lab_failed=0

pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; lab_failed=1; }

# check NAME COMMAND...: pass if the command succeeds.
check() {
	local name=$1
	shift
	if "$@"; then pass "$name"; else fail "$name: failed: $*"; fi
}

# kv KEY TEXT: the value of KEY=value in TEXT.
kv() {
	printf '%s\n' "$2" | sed -n "s/.*\b$1=\([^ ]*\).*/\1/p" | head -n 1
}

# The module's live objects are all zero.
objects_zero() {
	! grep -v ' 0$' "$OBJECTS"
}

# Wait until the module holds no session (released asynchronously by the
# last fput after a process is killed).
wait_objects_zero() {
	local i
	for i in $(seq 50); do
		objects_zero >/dev/null && return 0
		sleep 0.1
	done
	objects_zero
}

# start_kvm_run VAR ARGS...: start kvm-run, set VAR_pid and the code range.
start_kvm_run() {
	local var=$1 out
	shift
	out=$(mktemp)
	"$KVM_RUN" -p "$@" > "$out" 2>&1 &
	eval "${var}_pid=$!"
	eval "${var}_out=$out"
	local i
	for i in $(seq 50); do
		grep -q code_start "$out" && break
		sleep 0.1
	done
	eval "$(head -n 1 "$out" | sed "s/\([a-z_]*\)=/${var}_\1=/g")"
}
