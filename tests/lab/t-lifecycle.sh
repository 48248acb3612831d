# SPDX-License-Identifier: GPL-2.0
# Lifecycle faults with the real tool and real QEMU, repeated: the VMM
# killed -9 mid-recording, the recorder killed -9 or interrupted, several
# sessions and VMs at once, a vCPU added while recording, and accounting
# when the rings overflow.  Every data file left behind must be readable:
#
#   recorder stopped normally (-d, SIGINT, VM exit)  report exits 0
#   recorder killed -9 (no END record)               report exits 2, says
#                                                    "truncated", JSON has
#                                                    "truncated": true
#   never exit 1 (corrupt) and never a crash for a file the tool wrote.
#
# VMPROF_QEMU_KILL_ROUNDS (default 25) and VMPROF_RECORD_KILL_ROUNDS
# (default 10) set the repetitions.

LC_STATS=$LAB_BUILD/data-stats

# wait_sessions N: until the module holds N sessions (recorders that
# opened /dev/vmprof; they may not have attached yet).
wait_sessions() {
	wait_for_line "$OBJECTS" "^sessions $1\$" 50
}

# wait_enabled N: until N sessions are sampling (the recorder has read
# what it needs and enabled its session).
wait_enabled() {
	wait_for_line "$OBJECTS" "^enabled $1\$" 100
}

# wait_attached: until a recorder has attached to a VM (the module holds
# a target and its events).
wait_attached() {
	local i
	for i in $(seq 100); do
		grep -q "^targets 1\$" "$OBJECTS" &&
			! grep -q "^events 0\$" "$OBJECTS" && return 0
		sleep 0.05
	done
	return 1
}

# wait_file FILE: until FILE exists.
wait_file() {
	local i
	for i in $(seq 400); do
		[ -e "$1" ] && return 0
		sleep 0.005
	done
	return 1
}

# wait_bounded PID SECONDS: wait for PID (a child of ours) and return its
# status; if it is still running after SECONDS, show where it and the
# kernel are stuck, kill it and return 124.  A hung recorder is a failed
# check, not a hung lab.
wait_bounded() {
	local pid=$1 i
	for i in $(seq $(($2 * 10))); do
		kill -0 "$pid" 2>/dev/null || { wait "$pid"; return; }
		sleep 0.1
	done
	echo "  pid $pid hangs after $2 s: $(tr '\0' ' ' < "/proc/$pid/cmdline")"
	grep -E '^(State|SigQ|SigPnd|ShdPnd)' "/proc/$pid/status" | sed 's/^/    /'
	for i in /proc/"$pid"/task/*; do
		echo "    task ${i##*/}: $(cat "$i/wchan" 2>/dev/null)"
		sed 's/^/      /' "$i/stack" 2>/dev/null
	done
	cat "$OBJECTS" | tr '\n' ' ' | sed 's/^/    objects: /'
	echo
	echo w > /proc/sysrq-trigger
	dmesg | tail -n 60 > "$lc_dir/hang-$pid.dmesg"
	kill -9 "$pid"
	wait "$pid"
	return 124
}

# lc_qemu FILE ARGS: QEMU with the ground-truth guest; sets lc_pid once
# the guest has printed its first line (it runs until killed).  Under
# single-threaded TCG about one L2 boot in ten hangs in SeaBIOS, before
# the guest or vmprof does anything (docs/reliability.md): such a QEMU is
# killed after 20 s and started again, up to three times, and said so.
lc_qemu() {
	local log=$1 try
	shift
	for try in 1 2 3; do
		gt_qemu "$log" rounds=0 "$@"
		lc_pid=$!
		wait_for_line "$log" 'GT start' 200 && return 0
		echo "  QEMU did not start the guest within 20 s (try $try): $(tail -c 100 "$log" | tr -cd '[:print:]')"
		kill -9 "$lc_pid"; wait "$lc_pid" 2>/dev/null
	done
	return 1
}

# lc_report FILE NAME: run 'vmprof report' on FILE, set lc_rc, lc_json
# (the JSON report) and lc_err (its stderr).
lc_report() {
	lc_json=$1.json lc_err=$1.err
	"$VMPROF" report -i "$1" --format json > "$lc_json" 2> "$lc_err"
	lc_rc=$?
}

# json FILE EXPR: a value of the JSON report, e.g. json f.json total_samples
json() {
	python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
v = eval(sys.argv[2], {}, d)
print(str(v).lower() if isinstance(v, bool) else v)' "$1" "$2"
}

t_lifecycle() {
	insmod "$VMPROF_KO" || { fail "lifecycle: insmod"; return; }
	lc_dir=$LAB_OUT/lifecycle
	mkdir -p "$lc_dir"
	lc_qemu_kill
	lc_recorder_kill
	lc_concurrent
	lc_hotplug
	lc_accounting
	check "lifecycle: objects all zero at the end" wait_objects_zero
	check "lifecycle: rmmod" rmmod vmprof
}

# QEMU killed -9 while 'vmprof record' records it.
lc_qemu_kill() {
	local rounds=${VMPROF_QEMU_KILL_ROUNDS:-25} i f rrc t0 t1 stats
	local rec_ok=0 rep_ok=0 why_ok=0 sess_ok=0 bad=
	t0=$(date +%s%N)
	for i in $(seq "$rounds"); do
		f=$lc_dir/qk.$i.data
		lc_qemu "$lc_dir/qk.$i.log" || { bad="$bad qemu-start:$i"; continue; }
		"$VMPROF" record -q -e cpu-clock -p "$lc_pid" -F 2000 -o "$f" 2> "$f.rec" &
		local r=$!
		wait_attached && sess_ok=$((sess_ok + 1))
		sleep 0.$((RANDOM % 5))$((RANDOM % 10))
		kill -9 "$lc_pid"
		wait "$lc_pid" 2>/dev/null
		wait_bounded "$r" 30
		rrc=$?
		[ "$rrc" = 0 ] && rec_ok=$((rec_ok + 1)) || bad="$bad rec:$i=$rrc"
		lc_report "$f"
		[ "$lc_rc" = 0 ] && rep_ok=$((rep_ok + 1)) || bad="$bad rep:$i=$lc_rc"
		stats=$("$LC_STATS" "$f")
		# 4: VMPROF_STOP_VM_EXIT, the recorder saw the VM go.
		[ "$(kv stop_reason "$stats")" = 4 ] && why_ok=$((why_ok + 1)) ||
			bad="$bad why:$i($stats)"
	done
	t1=$(date +%s%N)
	echo "  $rounds QEMU kills in $(( (t1 - t0) / 1000000 )) ms"
	[ -n "$bad" ] && echo "  failed rounds:$bad" && cat "$lc_dir"/qk.*.rec | sort | uniq -c | head
	check "qemu-kill: recorder attached before the kill, $sess_ok/$rounds" \
		test "$sess_ok" = "$rounds"
	check "qemu-kill: vmprof record exits 0 when QEMU dies, $rec_ok/$rounds" \
		test "$rec_ok" = "$rounds"
	check "qemu-kill: vmprof report exits 0 on every file, $rep_ok/$rounds" \
		test "$rep_ok" = "$rounds"
	check "qemu-kill: every file ends with stop reason 'VM exited', $why_ok/$rounds" \
		test "$why_ok" = "$rounds"
	check "qemu-kill: nothing left after $rounds dead VMs" wait_objects_zero
}

# The recorder killed -9 or interrupted while the guest runs on.
lc_recorder_kill() {
	local rounds=${VMPROF_RECORD_KILL_ROUNDS:-10} i f r rrc sig
	local k9=0 k9_ok=0 k9_msg=0 k9_json=0 int=0 int_ok=0 bad=
	lc_qemu "$lc_dir/rk.log" || { fail "recorder-kill: qemu start"; return; }
	local q=$lc_pid
	for i in $(seq "$rounds"); do
		f=$lc_dir/rk.$i.data
		"$VMPROF" record -q -e cpu-clock -p "$q" -F 2000 -o "$f" 2> "$f.rec" &
		r=$!
		wait_sessions 1
		# Rounds 1 and 2: the moment the file exists (it may hold
		# nothing yet); later ones mid-recording.
		if [ "$i" -le 2 ]; then
			wait_file "$f"
		else
			sleep 0.$((RANDOM % 8 + 1))
		fi
		if [ $((i % 2)) = 1 ]; then sig=KILL; else sig=INT; fi
		kill -s "$sig" "$r"
		wait_bounded "$r" 30
		rrc=$?
		lc_report "$f"
		if [ "$sig" = KILL ]; then
			k9=$((k9 + 1))
			[ "$lc_rc" = 2 ] && k9_ok=$((k9_ok + 1)) ||
				bad="$bad kill:$i=$lc_rc"
			grep -q "$f: truncated at offset" "$lc_err" &&
				k9_msg=$((k9_msg + 1))
			[ "$lc_rc" = 2 ] && [ "$(json "$lc_json" truncated)" = true ] &&
				k9_json=$((k9_json + 1))
		else
			int=$((int + 1))
			[ "$rrc" = 0 ] && [ "$lc_rc" = 0 ] &&
				[ "$(kv stop_reason "$("$LC_STATS" "$f")")" = 1 ] &&
				int_ok=$((int_ok + 1)) || bad="$bad int:$i=$rrc/$lc_rc"
		fi
	done
	[ -n "$bad" ] && echo "  failed rounds:$bad" && cat "$lc_dir"/rk.*.err | head
	check "recorder-kill: -9 leaves a file report reads with exit 2, $k9_ok/$k9" \
		test "$k9_ok" = "$k9"
	check "recorder-kill: the warning names the file and says truncated, $k9_msg/$k9" \
		test "$k9_msg" = "$k9"
	check "recorder-kill: the JSON report says \"truncated\": true, $k9_json/$k9" \
		test "$k9_json" = "$k9"
	check "recorder-kill: SIGINT ends cleanly (record 0, report 0, stop reason signal), $int_ok/$int" \
		test "$int_ok" = "$int"
	check "recorder-kill: the guest keeps running" kill -0 "$q"
	check "recorder-kill: nothing left after the recorders died" \
		wait_objects_zero
	kill -9 "$q"; wait "$q" 2>/dev/null
}

# Two recorders on one VM (both modes) and one on a second VM, at once.
lc_concurrent() {
	local a b f label
	lc_qemu "$lc_dir/c1.log" || { fail "concurrent: qemu start"; return; }
	a=$lc_pid
	lc_qemu "$lc_dir/c2.log" || { fail "concurrent: qemu start"; return; }
	b=$lc_pid
	"$VMPROF" record -q -e cpu-clock -p "$a" -F 1000 -d 4 \
		-o "$lc_dir/c1cpu.data" &
	local p1=$!
	"$VMPROF" record -q -e cpu-clock -p "$a" -F 1000 -d 4 --switch domain \
		-o "$lc_dir/c1dom.data" &
	local p2=$!
	"$VMPROF" record -q -e cpu-clock -p "$b" -F 1000 -d 4 \
		-o "$lc_dir/c2cpu.data" &
	local p3=$!
	wait_sessions 3
	check "concurrent: three recorders attached at once" \
		grep -q '^sessions 3$' "$OBJECTS"
	check "concurrent: the two VMs are two targets" \
		grep -q '^targets 2$' "$OBJECTS"
	wait_bounded "$p1" 30
	wait_bounded "$p2" 30
	wait_bounded "$p3" 30
	for f in "c1cpu:cpu-switch on VM 1" "c1dom:domain-switch on VM 1" \
		 "c2cpu:cpu-switch on VM 2"; do
		label=${f#*:}
		lc_report "$lc_dir/${f%%:*}.data"
		check "concurrent: $label: report exits 0" test "$lc_rc" = 0
		check "concurrent: $label: guest samples ($(json "$lc_json" guest_samples))" \
			test "$(json "$lc_json" guest_samples)" -gt 100
		check "concurrent: $label: recorded its own VM" \
			test "$(json "$lc_json" vmm_pid)" = \
			"$([ "${f%%:*}" = c2cpu ] && echo "$b" || echo "$a")"
	done
	check "concurrent: domain-switch saw VMM work" \
		test "$(json "$lc_dir/c1dom.data.json" vmm_samples)" -gt 0
	kill -9 "$a" "$b"; wait "$a" "$b" 2>/dev/null
	check "concurrent: nothing left" wait_objects_zero
}

# A vCPU created while 'vmprof record' runs.
lc_hotplug() {
	local f=$lc_dir/hotplug.data
	start_kvm_run hp -n 1 -s 8 -i 100000 --hotplug-after 1.5
	check "hotplug: vmprof record" "$VMPROF" record -q -e cpu-clock -p "$hp_pid" \
		-F 1000 -d 4 -o "$f"
	"$VMPROF" report -i "$f" --format json --sort vcpu > "$f.json"
	check "hotplug: report sees 2 vCPUs" \
		test "$(json "$f.json" nr_vcpus)" = 2
	check "hotplug: samples from both vCPUs ($(json "$f.json" \
		"[(r['vcpu'], r['samples']) for r in rows]"))" \
		test "$(json "$f.json" \
		"len([r for r in rows if r['vcpu'] in (0, 1) and r['samples'] > 10])")" = 2
	kill -9 "$hp_pid" 2>/dev/null; wait "$hp_pid" 2>/dev/null
}

# A one-page ring, a high rate and a recorder stopped for a while: the
# report's samples and lost samples are exactly what the module counted.
lc_accounting() {
	local f m stats total lost
	start_kvm_run ac -n 2 -s 120 -i 100000
	for m in cpu domain; do
		f=$lc_dir/acc-$m.data
		"$VMPROF" record -q -e cpu-clock -p "$ac_pid" -F 10000 \
			--ring-pages 1 --switch "$m" -d 5 -o "$f" &
		local r=$!
		wait_enabled 1
		sleep 1
		kill -STOP "$r"
		sleep 1.5
		kill -CONT "$r"
		wait_bounded "$r" 30
		check "accounting $m: vmprof record exits 0" test $? = 0
		kill -0 "$ac_pid" || { echo "  kvm-run died:"; cat "$ac_out"; }
		stats=$("$LC_STATS" "$f")
		lc_report "$f"
		total=$(json "$lc_json" total_samples)
		lost=$(json "$lc_json" lost_samples)
		echo "  $m: report total=$total lost=$lost; file: $stats"
		check "accounting $m: the rings overflowed (lost $lost)" \
			test "$lost" -gt 0
		check "accounting $m: report total = module's samples ($total = $(kv stats_samples "$stats"))" \
			test "$total" = "$(kv stats_samples "$stats")"
		check "accounting $m: report lost = module's lost ($lost = $(kv stats_lost "$stats"))" \
			test "$lost" = "$(kv stats_lost "$stats")"
		check "accounting $m: every sample written is in the file" \
			test "$(kv sample_records "$stats")" = "$(kv stats_samples "$stats")"
		check "accounting $m: LOST records do not exceed the module's count" \
			test "$(kv lost_records "$stats")" -le "$(kv stats_lost "$stats")"
	done
	cp "$ac_out" "$lc_dir/accounting-kvm-run.out"
	kill -9 "$ac_pid"; wait "$ac_pid" 2>/dev/null
}
