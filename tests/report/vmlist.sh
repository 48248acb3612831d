# SPDX-License-Identifier: GPL-2.0
# VM names without KVM: real QEMU processes under TCG, started with -name
# and paused (-S), hold no KVM VM file.  'vmprof list' must not show them,
# and a name that points at one says so, naming the process (which proves
# the -name parsing); libvirt's pid file names one too.  Sourced by
# tests/report/run.sh (uses run, pass, fail, $T, $VMPROF).

# tcg_qemu NAME_ARG...: a paused TCG QEMU; prints its PID.
tcg_qemu() {
	qemu-system-x86_64 -accel tcg -S -nodefaults -display none \
		-monitor none -serial none -m 32 "$@" >/dev/null 2>&1 &
	echo $!
}

check_vmlist() {
	local q1 q2 q3 i err

	if ! command -v qemu-system-x86_64 >/dev/null; then
		fail "list: TCG QEMU processes" "no qemu-system-x86_64"
		return
	fi
	q1=$(tcg_qemu -name guest=web-1,debug-threads=on)
	q2=$(tcg_qemu -name 'db,,primary,process=dbproc')
	q3=$(tcg_qemu -name process=anon-qemu)
	for i in $(seq 50); do
		[ -r "/proc/$q3/cmdline" ] && grep -q anon-qemu "/proc/$q3/comm" 2>/dev/null &&
			grep -q web-1 "/proc/$q1/cmdline" 2>/dev/null && break
		sleep 0.1
	done

	run list --format json
	if [ "$RC" = 0 ] && [ -z "$SAN_MSG" ] &&
	   python3 -c 'import json, sys
vms = json.load(open(sys.argv[1]))["vms"]
sys.exit(any(v["pid"] in map(int, sys.argv[2:]) for v in vms))' "$T/out" "$q1" "$q2" "$q3"; then
		pass "list: QEMU under TCG holds no KVM VM file and is not listed (json)"
	else
		fail "list: QEMU under TCG is not listed (json)" "rc=$RC $SAN_MSG $(head -c 300 "$T/out")"
	fi
	run list
	if [ "$RC" = 0 ] && [ -z "$SAN_MSG" ] && head -n 1 "$T/out" | grep -q "PID *NAME *VCPUS *MEMORY *RSS *UPTIME *VMM" &&
	   ! grep -Eq "^ *($q1|$q2|$q3) " "$T/out"; then
		pass "list: the table has its header and no TCG QEMU"
	else
		fail "list: the table has its header and no TCG QEMU" "rc=$RC $SAN_MSG $(head -c 300 "$T/out")"
	fi

	# -name guest=NAME,...; the process's name is QEMU's thread name.
	run record --vm web-1 -d 1 -o "$T/never.data"
	err="vmprof: error: 'web-1' is the name of process $q1 (qemu-system-x86), which runs no KVM virtual machine"
	if [ "$RC" = 1 ] && [ -z "$SAN_MSG" ] && [ "$(wc -l < "$T/err")" = 1 ] &&
	   grep -qF "$err" "$T/err" && [ ! -e "$T/never.data" ]; then
		pass "list: --vm NAME finds QEMU's -name guest=NAME, and says it runs without KVM"
	else
		fail "list: --vm NAME finds QEMU's -name guest=NAME" "rc=$RC $SAN_MSG $(head -c 300 "$T/err")"
	fi
	# A plain -name with a doubled comma (QEMU's escape), and process=.
	run top -p 'db,primary'
	if [ "$RC" = 1 ] && [ -z "$SAN_MSG" ] &&
	   grep -qF "'db,primary' is the name of process $q2 (dbproc)" "$T/err"; then
		pass "list: top -p NAME reads a plain -name with ',,' and process="
	else
		fail "list: top -p NAME reads a plain -name with ',,' and process=" "rc=$RC $SAN_MSG $(head -c 300 "$T/err")"
	fi
	# No guest name: not a name to find (only VMs go by process name).
	run record -p anon-qemu -d 1 -o "$T/never.data"
	if [ "$RC" = 1 ] && [ -z "$SAN_MSG" ] && [ "$(wc -l < "$T/err")" = 1 ] &&
	   grep -qF "vmprof: error: no virtual machine named 'anon-qemu' ('vmprof list' shows the VMs of this host)" "$T/err"; then
		pass "list: an unknown name is one clear error line"
	else
		fail "list: an unknown name is one clear error line" "rc=$RC $SAN_MSG $(head -c 300 "$T/err")"
	fi
	# libvirt's pid file names a domain (the session daemon's directory).
	mkdir -p "$T/xdg/libvirt/qemu/run"
	echo "$q3" > "$T/xdg/libvirt/qemu/run/lv-dom.pid"
	XDG_RUNTIME_DIR=$T/xdg run record --vm lv-dom -d 1 -o "$T/never.data"
	if [ "$RC" = 1 ] && [ -z "$SAN_MSG" ] &&
	   grep -qF "'lv-dom' is the name of process $q3 (anon-qemu)" "$T/err"; then
		pass "list: a libvirt pid file names its domain"
	else
		fail "list: a libvirt pid file names its domain" "rc=$RC $SAN_MSG $(head -c 300 "$T/err")"
	fi

	kill "$q1" "$q2" "$q3"
	wait "$q1" "$q2" "$q3" 2>/dev/null
}

check_list_usage() {
	local rcs=""

	run list --format yaml
	rcs="$rcs $RC"
	run list extra
	rcs="$rcs $RC"
	run list --name --format json
	rcs="$rcs $RC"
	run top
	rcs="$rcs $RC"
	run top -p 1 -E 0
	rcs="$rcs $RC"
	run top -p 1 --switch sideways
	rcs="$rcs $RC"
	run top -p 0
	rcs="$rcs $RC"
	run top --vm a --vm b
	rcs="$rcs $RC"
	run record --vm ''
	rcs="$rcs $RC"
	if [ "$rcs" = " 64 64 64 64 64 64 64 64 64" ]; then
		pass "list, top: bad command lines exit 64"
	else
		fail "list, top: bad command lines exit 64" "exit codes:$rcs"
	fi

	local bad="" a
	for a in "list --bogus:unknown option '--bogus'" \
		 "list --format:option '--format' needs an argument" \
		 "top -Z:unknown option '-Z'" "top --vm:option '--vm' needs an argument" \
		 "record --vm:option '--vm' needs an argument" \
		 "record -p 0:-p takes a process id or a VM name, not '0'" \
		 "top -p 99999999999:-p takes a process id or a VM name, not '99999999999'" \
		 "record -p 1 --vm x:give one VM: -p or --vm, once" \
		 "top --vm a -p 1:give one VM: -p or --vm, once" \
		 "record --vm=:an empty VM name" "top --vm=:an empty VM name"; do
		# shellcheck disable=SC2086
		run ${a%%:*}
		if [ "$RC" != 64 ] || [ "$(wc -l <"$T/err")" != 2 ] ||
		   [ "$(head -n 1 "$T/err")" != "vmprof: error: ${a#*:}" ]; then
			bad="$bad [${a%%:*}: rc=$RC $(tr '\n' '|' <"$T/err")]"
		fi
	done
	if [ -z "$bad" ]; then
		pass "list, top, record: an unknown option, a missing argument or a bad VM is one error line and a hint"
	else
		fail "list, top, record: an unknown option, a missing argument or a bad VM is one error line and a hint" "$bad"
	fi
}
