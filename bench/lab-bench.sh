# SPDX-License-Identifier: GPL-2.0
# Runs inside the lab (tests/lab/lab.sh bench/lab-bench.sh), started by
# bench/run.sh.  Measures, against kvm-run guests in L2:
#   slow   CPU-bound guest throughput (loop iterations/s) unprofiled, under
#          the null sampler (VMPROF_ATTACH_DRY_RUN), vmprof cpu-switch and
#          domain-switch (vmprof record -p), and perf kvm record -p
#   exit   exit-heavy guest (an I/O exit every iteration): exits/s
#          unprofiled, with vmprof's hooks only, vmprof record cpu and
#          domain, and perf kvm stat record -p (LAB_BENCH_EXIT_CFGS;
#          "probe" adds vmprof-probe sampling, without the vmprof tool)
#   loss   a 4-vCPU guest at rising rates: samples and lost
#   sys    getppid() syscall cost, to scale TCG times to a real host
#   chain  a CPU-bound guest in long mode whose loop runs SIZE bytes below
#          the top of its stack (kvm-run -L --stack SIZE, SIZE is
#          LAB_BENCH_STACK, default 8192): throughput and bytes per sample
#          of vmprof record with and without --call-graph fp,SIZE (a copy
#          of SIZE bytes of guest stack per sample), next to perf record
#          with and without --call-graph dwarf,SIZE on the VMM (the same
#          copy of its own user stack)
#   gtask  (not by default: LAB_BENCH_PARTS=gtask) a CPU-bound guest in
#          long mode (kvm-run -L): throughput unprofiled, under
#          vmprof-probe sampling, and under the same with
#          VMPROF_ATTACH_GUEST_TASK (-G): what reading the guest's task
#          costs per sample; and that read timed in the module
#          (guest_task_timing, debugfs vmprof/guest_task)
# The guest's threads run on L1's CPU 1, everything else (profilers, this
# script) on CPU 0: unpinned, the scheduler's placement of the vCPU thread
# changed the guest's speed by +-10% from window to window.
# Throughput comes from KVM's own per-VM io_exits counter in debugfs, read
# around a window in which the profiler is already running, so start-up
# and shutdown of a profiler are never measured.  Configurations are
# interleaved (A B C A B C ...) on one long-running guest.  Raw results go
# to $LAB_OUT/bench.raw, one "key=value ..." line per window.
set -u
[ -z "${LAB_BENCH_TRACE:-}" ] || set -x
. "$REPO/tests/lab/lib.sh"

REPS=${LAB_BENCH_REPS:-3}
WIN=${LAB_BENCH_WINDOW:-4}
SETTLE=${LAB_BENCH_SETTLE:-1}	# s between a profiler's start and its window
RATES=${LAB_BENCH_RATES:-"1000 10000"}
LOSS_RATES=${LAB_BENCH_LOSS_RATES:-"1000 2000 5000 10000 20000 50000"}
HIGHEST=${LOSS_RATES##* }
PARTS=${LAB_BENCH_PARTS:-"sys slow exit loss chain"}
EXIT_CFGS=${LAB_BENCH_EXIT_CFGS:-"none dry perfstat hooks cpu domain"}
LOOP_ITERS=1000000		# kvm-run -i for the CPU-bound guest
RAW=$LAB_OUT/bench.raw
W=$(mktemp -d)
: > "$RAW"

# Software clock only in TCG; let neither tool be throttled by perf's
# interrupt-time limit, which would make the rates differ.
sysctl -qw kernel.perf_event_max_sample_rate=100000
sysctl -qw kernel.perf_cpu_time_max_percent=0
sysctl -qw kernel.perf_event_paranoid=-1
insmod "$VMPROF_KO" || { echo "bench: insmod failed"; exit 1; }
taskset -p -c 0 $$ > /dev/null
echo "lab: $(nproc --all) CPUs, $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "machine: $(nproc --all) L1 vCPUs (QEMU TCG), kernel $(uname -r)" >> "$RAW"

. "$REPO/bench/lab-lib.sh"

# window PART CFG RATE PID: one measurement.
window() {
	local part=$1 rate=$3 pid=$4 c0 c1 t0 t1 p1 secs f
	local b0 b1 g0 g1 k0 k1 u0 s0 q0 vm
	cfg=$2
	f=$(vm_io_exits_file "$pid")
	prof_start "$cfg" "$rate" "$pid"
	cpu_busy; b0=$busy0 g0=$busy1
	task_times "$prof_pid"; k0=$((ut + st))
	task_times "$pid"; u0=$ut s0=$st q0=$gt
	# No fork between reading the counter and the clock.
	read -r c0 < "$f"; t0=$EPOCHREALTIME
	sleep "$WIN"
	read -r c1 < "$f"; t1=$EPOCHREALTIME
	cpu_busy; b1=$busy0 g1=$busy1
	task_times "$prof_pid"; k1=$((ut + st))
	task_times "$pid"
	# the VMM's time split: its user space, the host kernel, the guest
	vm="vmm_user=$((ut - u0 - (gt - q0))) vmm_sys=$((st - s0))"
	vm+=" vmm_guest=$((gt - q0))"
	prof_stop
	p1=$(now)
	secs=$(echo "$t1 - $t0" | bc -l)
	echo "part=$part cfg=$cfg rate=$rate rep=$rep exits=$((c1 - c0))" \
		"secs=$secs samples=${samples:-0} lost=${lost:-0}" \
		"prof_secs=$(echo "$p1 - $prof_t0" | bc -l) bytes=$bytes" \
		"cpu0_busy=$(cpu_share $((b1 - b0)) "$secs")" \
		"cpu1_busy=$(cpu_share $((g1 - g0)) "$secs")" \
		"prof_cpu=$(cpu_share $((k1 - k0)) "$secs") $vm" |
		tee -a "$RAW"
	if [ -n "$prof_pid" ] && grep -Eiq 'error|fail|cannot' "$prof_err"; then
		sed 's/^/  prof: /' "$prof_err" | head -n 5
	fi
	return 0
}

for part in $PARTS; do
	echo "bench: $part, $(date +%T)"
	case $part in
	(sys)
		for rep in 1 2 3; do
			perf bench syscall basic -l 200000 2>&1 |
				awk -v r=$rep '/usecs\/op/ { print "part=sys rep=" r " usecs_per_op=" $1 }' |
				tee -a "$RAW"
			perf bench sched pipe -l 20000 2>&1 |
				awk -v r=$rep '/usecs\/op/ { print "part=pipe rep=" r " usecs_per_op=" $1 }' |
				tee -a "$RAW"
			# plain instructions: 10^6 awk loop iterations
			t0=$EPOCHREALTIME
			awk 'BEGIN { for (i = 0; i < 1000000; i++) s += i * i }'
			echo "part=insn rep=$rep usecs_per_op=$(echo "$EPOCHREALTIME - $t0" | bc -l)" |
				tee -a "$RAW"
		done ;;
	(slow)
		start_kvm_run s -s 100000 -i "$LOOP_ITERS"
		sleep 1
		taskset -a -p -c 1 "$s_pid" > /dev/null
		for rep in $(seq "$REPS"); do
			window slow none 0 "$s_pid"
			for rate in $RATES; do
				for cfg in dry perf cpu domain; do
					window slow "$cfg" "$rate" "$s_pid"
				done
			done
		done
		stop_pid TERM "$s_pid" ;;
	(gtask)
		start_kvm_run k -L -s 100000 -i "$LOOP_ITERS"
		sleep 1
		taskset -a -p -c 1 "$k_pid" > /dev/null
		eval "$(sed -n 2p "$k_out" | sed 's/\([a-z_0-9]*\)=/k_\1=/g')"
		GTASK_ARGS="$k_current_task:$k_task_pid:$k_task_tgid:$k_task_comm"
		# and the read itself, timed in the module
		echo 1 > /sys/module/vmprof/parameters/guest_task_timing
		for rep in $(seq "$REPS"); do
			window gtask none 0 "$k_pid"
			for rate in $RATES; do
				for cfg in probe gtask; do
					window gtask "$cfg" "$rate" "$k_pid"
				done
			done
		done
		stop_pid TERM "$k_pid"
		echo 0 > /sys/module/vmprof/parameters/guest_task_timing
		echo "part=gtask_timing $(cat /sys/kernel/debug/vmprof/guest_task)" |
			tee -a "$RAW" ;;
	(chain)
		start_kvm_run c -L --stack "${LAB_BENCH_STACK:-8192}" \
			-s 100000 -i "$LOOP_ITERS"
		sleep 1
		taskset -a -p -c 1 "$c_pid" > /dev/null
		for rep in $(seq "$REPS"); do
			window chain none 0 "$c_pid"
			for rate in $RATES; do
				for cfg in perfrec perfdwarf cpu cpug; do
					window chain "$cfg" "$rate" "$c_pid"
				done
			done
		done
		stop_pid TERM "$c_pid" ;;
	(exit)
		start_kvm_run e -s 100000 -i 1
		sleep 1
		taskset -a -p -c 1 "$e_pid" > /dev/null
		for rep in $(seq "$REPS"); do
			for cfg in $EXIT_CFGS; do
				window exit "$cfg" 1000 "$e_pid"
			done
		done
		stop_pid TERM "$e_pid" ;;
	(loss)
		# 4 vCPUs on both CPUs, as is the recorder
		taskset -p -c 0,1 $$ > /dev/null
		start_kvm_run l -n 4 -s 100000 -i "$LOOP_ITERS"
		sleep 1
		rep=1
		# The default rings at rising rates, then the highest rate
		# with one-page rings, to show what a loss looks like.
		for rate in $LOSS_RATES "$HIGHEST:1"; do
			pages=${rate#*:}
			rate=${rate%:*}
			[ "$pages" != "$rate" ] || pages=
			timeout $((WIN * 10 + 30)) "$VMPROF" record -p "$l_pid" \
				-F "$rate" -d "$WIN" -o "$W/l.data" \
				${pages:+--ring-pages $pages} \
				> /dev/null 2> "$W/l.err"
			hdr=$("$VMPROF" report -i "$W/l.data" 2>/dev/null |
				grep -m 1 '^# samples:')
			warn=$("$VMPROF" report -i "$W/l.data" 2>/dev/null |
				grep -m 1 '^# WARNING')
			echo "part=loss rate=$rate ring_pages=${pages:-64} secs=$WIN hdr=\"$hdr\" warn=\"$warn\"" |
				tee -a "$RAW"
		done
		stop_pid TERM "$l_pid" ;;
	esac
done
rmmod vmprof
echo "bench: done"
