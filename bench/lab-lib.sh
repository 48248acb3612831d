# SPDX-License-Identifier: GPL-2.0
# Helpers of the bench's scripts inside the lab (bench/lab-bench.sh,
# bench/icount-lab.sh): start and stop a profiler on a guest, wait for
# vmprof's lingering probes to go, read what a process and the CPUs did.
# The caller sets W (a scratch directory) and sources tests/lab/lib.sh.

# KVM's io_exits counter of the VM owned by PID.
vm_io_exits_file() {
	echo /sys/kernel/debug/kvm/"$1"-*/io_exits
}

now() { echo "$EPOCHREALTIME"; }

# cpu_busy: jiffies CPUs 0 and 1 were not idle (user..steal of
# /proc/stat), in $busy0 and $busy1, from one read; bash builtins only, so
# it can sit next to the counter read.
cpu_busy() {
	local name u n s i io irq sirq st rest
	busy0=0 busy1=0
	while read -r name u n s i io irq sirq st rest; do
		case $name in
		(cpu0) busy0=$((u + n + s + irq + sirq + st)) ;;
		(cpu1) busy1=$((u + n + s + irq + sirq + st)); return ;;
		esac
	done < /proc/stat
}

# cpu_share JIFFIES SECS: what share of one CPU that many jiffies are.
CLK_TCK=$(getconf CLK_TCK)
cpu_share() {
	echo "$1 / $CLK_TCK / $2" | bc -l | cut -c1-5
}

# task_times PID: the process's user, system and guest jiffies so far, in
# $ut, $st and $gt.  Guest time is part of user.
task_times() {
	local f
	ut=0 st=0 gt=0
	[ -n "$1" ] || return 0
	read -r f 2>/dev/null < /proc/"$1"/stat || return 0
	f=${f##*) }		# past "pid (comm) "
	set -- $f
	ut=${12} st=${13} gt=${41}
}

# vmprof's probes stay registered for hooks_linger_ms (10 s) after its last
# session.  A window of a configuration without them (none, the floor,
# perf) waits until they are gone, so that it measures only itself.  The
# configurations are ordered so that this happens once per repetition:
# every (un)registration patches kernel text, which multi-threaded TCG
# has been seen to mistranslate (docs/reliability.md), and hooks_linger_ms=0
# froze L1 after some 40 windows.
HOOKS_STATE=/sys/kernel/debug/vmprof/hooks
hooks_gone() {
	wait_for_line "$HOOKS_STATE" '^0$' 300 ||
		echo "bench: vmprof's probes still registered after 30 s"
}

# stop_pid SIG PID: signal a child, give it 60 s, then kill it.
stop_pid() {
	local i
	kill -"$1" "$2" 2>/dev/null
	for i in $(seq 600); do
		kill -0 "$2" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$2" 2>/dev/null; then
		echo "bench: pid $2 ignored SIG$1 for 60 s; killing it"
		ps -o pid,stat,wchan:30,args -p "$2"
		cat /proc/"$2"/stack 2>/dev/null
		kill -KILL "$2"
	fi
	wait "$2" 2>/dev/null
	return 0
}

# prof_start CFG RATE PID: start a profiler, set prof_pid and prof_err.
#   none      nothing
#   dry       vmprof-probe -D: cpu-clock on every VMM thread, overflows
#             dropped on arrival, no KVM hooks (the floor)
#   probes    a vmprof session attached and never started: the KVM and
#             scheduler probes alone, what a hardware-counter session adds
#             to every exit (its counter adds none of vmprof's code)
#   hooks     a software-clock session whose tick never fires: the probes
#             and the ftrace hooks that time VM entry and exit for it
#   probe     vmprof-probe sampling, cpu-switch, without the vmprof tool
#   gtask     the same with VMPROF_ATTACH_GUEST_TASK (-G "$GTASK_ARGS")
#   cpu       vmprof record (cpu-switch)
#   domain    vmprof record --switch domain
#   cpug      vmprof record --call-graph fp,SIZE: guest stacks of SIZE
#             bytes ($LAB_BENCH_STACK, default 8192)
#   perf      perf kvm --host --guest record -e cpu-clock
#   perfrec   perf record -e cpu-clock
#   perfstat  perf kvm stat record
#   perfdwarf perf record -e cpu-clock --call-graph dwarf,SIZE: the same
#             copy, of the VMM's own user stack
prof_start() {
	local cfg=$1 rate=$2 pid=$3
	prof_cfg=$cfg
	prof_err=$W/prof.err
	prof_pid=
	case $cfg in
	(none|dry|perf|perfrec|perfstat|perfdwarf) hooks_gone ;;
	esac
	prof_t0=$(now)
	case $cfg in
	(none) return ;;
	(dry) taskset -c 0 "$PROBE" -D -m domain -p "$pid" -F "$rate" -d 100000 \
		> "$prof_err" 2>&1 & ;;
	(probes) taskset -c 0 "$PROBE" -m cpu -p "$pid" -W 100000 -d 1 \
		> "$prof_err" 2>&1 & ;;
	(hooks) taskset -c 0 "$PROBE" -m cpu -p "$pid" -c 1000000000000 -d 100000 \
		> "$prof_err" 2>&1 & ;;
	(probe) taskset -c 0 "$PROBE" -m cpu -p "$pid" -F "$rate" -d 100000 \
		> "$prof_err" 2>&1 & ;;
	(gtask) taskset -c 0 "$PROBE" -m cpu -p "$pid" -F "$rate" -d 100000 \
		-G "$GTASK_ARGS" > "$prof_err" 2>&1 & ;;
	(cpu) taskset -c 0 "$VMPROF" record -p "$pid" -F "$rate" -o "$W/v.data" \
		> /dev/null 2> "$prof_err" & ;;
	(domain) taskset -c 0 "$VMPROF" record -p "$pid" -F "$rate" --switch domain \
		-o "$W/v.data" > /dev/null 2> "$prof_err" & ;;
	(cpug) taskset -c 0 "$VMPROF" record -p "$pid" -F "$rate" \
		--call-graph "fp,${LAB_BENCH_STACK:-8192}" -o "$W/v.data" \
		> /dev/null 2> "$prof_err" & ;;
	(perf) taskset -c 0 perf kvm --host --guest record -e cpu-clock -F "$rate" \
		-p "$pid" -o "$W/perf.data" > /dev/null 2> "$prof_err" & ;;
	(perfrec) taskset -c 0 perf record -e cpu-clock -F "$rate" -p "$pid" \
		-o "$W/perf.data" > /dev/null 2> "$prof_err" & ;;
	(perfstat) taskset -c 0 perf kvm stat record -p "$pid" -o "$W/perf.data" \
		> /dev/null 2> "$prof_err" & ;;
	(perfdwarf) taskset -c 0 perf record -e cpu-clock -F "$rate" -p "$pid" \
		--call-graph "dwarf,${LAB_BENCH_STACK:-8192}" -o "$W/perf.data" \
		> /dev/null 2> "$prof_err" & ;;
	esac
	prof_pid=$!
	# Sampling has started once the tool holds its perf or vmprof fds.
	local i
	for i in $(seq 100); do
		ls -l /proc/"$prof_pid"/fd 2>/dev/null |
			grep -Eq 'perf_event|/dev/vmprof' && break
		sleep 0.1
	done
	prof_t0=$(now)
	sleep "$SETTLE"
}

# prof_stop: stop it; set samples (what the tool says it recorded) and
# bytes (the size of its recording).  With
# PROF_KEEP set to a directory, the recording is moved there as CFG.data.
prof_stop() {
	local cfg=$prof_cfg
	samples=0 lost=0 bytes=0
	[ -n "$prof_pid" ] || return 0
	# Asynchronous commands of a script start with SIGINT ignored: the
	# probe, which installs no handler, gets SIGTERM; the tools catch
	# SIGINT and write their files.
	case $cfg in
	(dry|probes|hooks|probe|gtask) stop_pid TERM "$prof_pid" ;;
	(*) stop_pid INT "$prof_pid" ;;
	esac
	case $cfg in
	(cpu|domain|cpug)
		samples=$(sed -n 's/.*: \([0-9]*\) samples, \([0-9]*\) lost$/\1/p' "$prof_err" | tail -n 1)
		lost=$(sed -n 's/.*: \([0-9]*\) samples, \([0-9]*\) lost$/\2/p' "$prof_err" | tail -n 1) ;;
	(perf|perfrec|perfdwarf)
		samples=$(sed -n 's/.*(\([0-9]*\) samples).*/\1/p' "$prof_err" | tail -n 1) ;;
	esac
	for f in "$W/v.data" "$W/perf.data"; do
		[ -e "$f" ] && bytes=$(stat -c %s "$f")
	done
	if [ -n "${PROF_KEEP:-}" ]; then
		mkdir -p "$PROF_KEEP"
		for f in "$W/v.data" "$W/perf.data"; do
			[ -e "$f" ] && mv "$f" "$PROF_KEEP/$cfg.data"
		done
	fi
	rm -f "$W/v.data" "$W/perf.data"
}
