# SPDX-License-Identifier: GPL-2.0
# vmprof.ko in the lab, against kvm-run guests whose code range is known:
# load next to a running guest, the ABI contract, samples in cpu-switch,
# domain-switch and system-wide modes, several sessions, vCPU hotplug,
# teardown under fire, ring overflow, and unload with nothing left behind.
# Sourced by tests/lab/suite.sh inside the lab.

t_module() {
	local out n

	start_kvm_run g1 -s 600 -i 200000
	check "module: kvm-run guest runs before load" kill -0 "$g1_pid"
	check "module: insmod next to a running guest" \
		insmod "$VMPROF_KO"
	check "module: /dev/vmprof exists" test -c /dev/vmprof
	check "module: debugfs objects all zero after load" objects_zero

	sleep 1000 & local other=$!
	local t rc
	for t in abi-test abi-test32; do
		"$LAB_BUILD/$t" "$g1_pid" "$other"
		rc=$?
		# 0 and 1 are its verdicts (it prints its FAIL lines itself).
		[ "$rc" -le 1 ] || fail "module: $t did not run (exit status $rc)"
		[ "$rc" = 0 ] || lab_failed=1
	done
	kill "$other"

	local range="$g1_code_start:$g1_code_end"
	out=$("$PROBE" -m cpu -p "$g1_pid" -d 2 -r "$range" -i "$g1_io_rip")
	echo "$out" | sed 's/^/  cpu: /'
	n=$(kv samples "$out")
	check "cpu-switch: samples arrive ($n)" test "${n:-0}" -gt 50
	check "cpu-switch: every guest RIP in the guest's loop" \
		test "$(kv in_range "$out")" = "$n" -a "$(kv out_range "$out")" = 0
	check "cpu-switch: no VMM samples" \
		test "$(kv vmm_kernel "$out")" = 0 -a "$(kv vmm_user "$out")" = 0
	check "cpu-switch: samples carry the VMM pid" \
		test "$(kv pid_match "$out")" = "$n"
	check "cpu-switch: host ticks filtered, not lost" \
		test "$(kv filtered "$out")" -gt 0 -a "$(kv stats_lost "$out")" = 0
	check "cpu-switch: exit statistics count port-I/O exits" \
		grep -Eq 'exit reason=0x7b count=[1-9][0-9]* vmm_ns=[1-9]' <<< "$out"

	# A new target for the same VM, its vCPU thread unchanged and the
	# probes still registered: the per-CPU lookup the probes keep
	# (kmod/hooks.c) must see the old target go and this one come, or
	# the exits below land nowhere (or in freed memory).
	out=$("$PROBE" -m domain -p "$g1_pid" -d 2 -r "$range" -i "$g1_io_rip")
	echo "$out" | sed 's/^/  domain: /'
	check "domain-switch: VMM samples arrive" \
		test $(( $(kv vmm_kernel "$out") + $(kv vmm_user "$out") )) -gt 5
	check "domain-switch: VMM user samples (the launcher's I/O handling)" \
		test "$(kv vmm_user "$out")" -gt 0
	check "domain-switch: port-I/O exits charged to the out instruction" \
		test "$(kv exit_io_at_rip "$out")" -gt 0
	check "domain-switch: no port-I/O exit at another RIP" \
		test "$(kv exit_io_other_rip "$out")" = 0
	check "domain-switch: guest RIPs still in the loop" \
		test "$(kv out_range "$out")" = 0

	out=$("$PROBE" -m system -d 1 -r "$range" -T "$g1_pid")
	echo "$out" | sed 's/^/  system: /'
	check "system-wide: guest samples in the loop" \
		test "$(kv guest_kernel "$out")" -gt 10 -a "$(kv out_range "$out")" = 0
	check "system-wide: guest samples tagged with the VMM pid" \
		test "$(kv pid_match "$out")" -ge "$(kv guest_kernel "$out")"
	check "system-wide: host samples too" \
		test "$(kv host_kernel "$out")" -gt 0

	# Two sessions on one VM, and a session on a second VM, at once.
	start_kvm_run g2 -s 600 -i 150000
	local a b c
	a=$(mktemp) b=$(mktemp) c=$(mktemp)
	"$PROBE" -m cpu -p "$g1_pid" -d 2 -r "$range" > "$a" & local pa=$!
	"$PROBE" -m domain -p "$g1_pid" -d 2 -r "$range" > "$b" & local pb=$!
	"$PROBE" -m cpu -p "$g2_pid" -d 2 -r "$g2_code_start:$g2_code_end" \
		> "$c" & local pc=$!
	wait "$pa" "$pb" "$pc"
	local f label
	for f in "$a:cpu-switch on VM 1" "$b:domain-switch on VM 1" \
		 "$c:cpu-switch on VM 2"; do
		label=${f#*:}
		out=$(cat "${f%%:*}")
		check "concurrent sessions: $label gets in-range samples" \
			test "$(kv in_range "$out")" -gt 20 -a "$(kv out_range "$out")" = 0
	done
	kill -9 "$g2_pid"; wait "$g2_pid" 2>/dev/null

	# A vCPU created while recording is found and profiled.
	start_kvm_run g3 -n 1 -s 6 -i 100000 --hotplug-after 1
	out=$("$PROBE" -m cpu -p "$g3_pid" -d 3 -r "$g3_code_start:$g3_code_end")
	echo "$out" | sed 's/^/  hotplug: /'
	check "hotplug: the added vCPU is seen" test "$(kv nr_vcpus "$out")" = 2
	check "hotplug: samples from both vCPUs" test "$(kv sample_vcpus "$out")" = 2
	kill -9 "$g3_pid"; wait "$g3_pid" 2>/dev/null

	t_module_offcpu
	t_module_teardown
	t_module_overflow

	check "module: objects all zero at the end" wait_objects_zero
	t_module_linger
	kill -9 "$g1_pid"; wait "$g1_pid" 2>/dev/null
	check "module: rmmod while the probes linger" rmmod vmprof
	check "module: gone after rmmod" test ! -e /dev/vmprof
}

# The exit table's off-CPU time: a VMM that sleeps 2 ms at every port-I/O
# exit spends at least that long of each exit off its CPU.
t_module_offcpu() {
	local d=$LAB_OUT/offcpu

	mkdir -p "$d"
	start_kvm_run oc -s 60 -i 1000 --io-sleep 2000
	check "offcpu: record a VMM that sleeps at each exit" "$VMPROF" record \
		-q -p "$oc_pid" -d 2 -o "$d/oc.data"
	kill -9 "$oc_pid"; wait "$oc_pid" 2>/dev/null
	"$VMPROF" report -i "$d/oc.data" --exits --format json > "$d/oc.json"
	python3 "$REPO/tests/lab/report-checks.py" offcpu "$d/oc.json" 2 ||
		lab_failed=1
}

# The VMM killed mid-recording, the recorder killed mid-recording,
# rmmod with a session open.
t_module_teardown() {
	local i out ok=0 rounds=${VMPROF_KILL_ROUNDS:-10} p

	for i in $(seq "$rounds"); do
		start_kvm_run k -s 60 -i 100000
		"$PROBE" -m domain -p "$k_pid" -d 5 > "$LAB_OUT/kill.$i" &
		p=$!
		wait_for_line "$LAB_OUT/kill.$i" enabled=1
		sleep 0.$(( RANDOM % 5 + 1 ))
		kill -9 "$k_pid"
		wait "$k_pid" 2>/dev/null
		wait "$p"
		out=$(cat "$LAB_OUT/kill.$i")
		if [ "$(kv alive "$out")" = 0 ] && [ -n "$(kv samples "$out")" ]
		then
			ok=$((ok + 1))
		else
			echo "  round $i: $out"
		fi
	done
	check "teardown: VMM killed -9 mid-recording, $ok/$rounds sessions saw it die" \
		test "$ok" = "$rounds"
	check "teardown: nothing left after the VMMs died" wait_objects_zero

	start_kvm_run k -s 60 -i 100000
	for i in $(seq 5); do
		"$PROBE" -m domain -p "$k_pid" -d 30 > /dev/null &
		p=$!
		sleep 0.3
		kill -9 "$p"
		wait "$p" 2>/dev/null
	done
	check "teardown: recorder killed -9, guest keeps running" kill -0 "$k_pid"
	check "teardown: nothing left after the recorders died" wait_objects_zero

	"$PROBE" -m cpu -p "$k_pid" -d 3 > "$LAB_OUT/rmmod.out" &
	p=$!
	wait_for_line "$LAB_OUT/rmmod.out" enabled=1
	check "teardown: rmmod refused while a session is open" \
		bash -c '! rmmod vmprof 2>/dev/null'
	wait "$p"
	out=$(cat "$LAB_OUT/rmmod.out")
	check "teardown: the session survived the rmmod attempt" \
		test "$(kv samples "$out")" -gt 0
	kill -9 "$k_pid"; wait "$k_pid" 2>/dev/null
}

# A ring too small for the rate: samples are dropped and counted exactly.
# Domain switch, so that every tick of the vCPU thread is a sample: in
# cpu-switch only the ticks that land inside the guest are, and under TCG
# that can be as few as 51 in 2 s, which two one-page rings (51 samples
# each) hold without dropping one.
t_module_overflow() {
	local out
	start_kvm_run o -s 60 -i 100000
	out=$("$PROBE" -m domain -p "$o_pid" -d 2 -F 4000 -P 1 -s)
	echo "$out" | sed 's/^/  overflow: /'
	check "overflow: samples lost when nobody reads" \
		test "$(kv stats_lost "$out")" -gt 0
	check "overflow: every sample written was read" \
		test "$(kv samples "$out")" = "$(kv stats_samples "$out")"
	check "overflow: LOST records never exceed the module's count" \
		test "$(kv lost_records "$out")" -le "$(kv stats_lost "$out")"
	check "overflow: no malformed records" test "$(kv bad_records "$out")" = 0
	kill -9 "$o_pid"; wait "$o_pid" 2>/dev/null
}

# The KVM and scheduler probes outlive the last session by hooks_linger_ms
# (kmod/hooks.c says why), then go; rmmod ends a linger early.
t_module_linger() {
	local hooks=/sys/kernel/debug/vmprof/hooks
	local linger=/sys/module/vmprof/parameters/hooks_linger_ms

	check "linger: probes still registered after the last session" \
		test "$(cat $hooks)" = 1
	echo 300 > "$linger"
	"$PROBE" -m cpu -p "$g1_pid" -d 1 > /dev/null
	wait_for_line "$hooks" '^0$' 30
	check "linger: probes removed hooks_linger_ms (300) after it" \
		test "$(cat $hooks)" = 0
	echo 10000 > "$linger"
	t_module_timing_hooks
	check "linger: registered again by the next session" \
		test "$(cat $hooks)" = 1
}

# The ftrace hooks that time VM entries and exits serve the software
# clock only (kmod/hooks.c): they come when the first session on that
# clock starts, not with the probes.  The kernel's own list of hooked
# functions says whether they are there.
t_module_timing_hooks() {
	local hooked=/sys/kernel/tracing/enabled_functions
	local f=$LAB_OUT/timing-hooks.out go=$LAB_OUT/timing-hooks.go p

	if [ "$(cat /sys/module/vmprof/parameters/entry_exit_ftrace)" != Y ]
	then
		"$PROBE" -m cpu -p "$g1_pid" -d 1 > /dev/null
		return
	fi
	rm -f "$go"
	"$PROBE" -m cpu -p "$g1_pid" -W "$go" -d 1 > "$f" &
	p=$!
	wait_for_line "$f" '^attached=1' 300
	check "timing hooks: none on KVM while the session has not started" \
		test -r "$hooked" -a \
		"$(grep -c '^kvm_wait_lapic_expire' "$hooked")" = 0
	touch "$go"
	wait_for_line "$f" '^enabled=1' 300
	check "timing hooks: on KVM's VM entry once a software clock starts" \
		grep -q '^kvm_wait_lapic_expire' "$hooked"
	wait "$p"
}
