# SPDX-License-Identifier: GPL-2.0
# Runs inside the lab with the icount plugin loaded in QEMU (bench/icount.c;
# bench/run.sh starts it as LAB_PLUGIN=bench/build/icount.so tests/lab/lab.sh
# ... bench/icount-lab.sh).  Counts L1's instructions, not its time:
#   exit    an exit-heavy kvm-run guest (an I/O exit to user space every
#           iteration): unprofiled, vmprof's probes alone (a session whose
#           tick never fires), vmprof record cpu- and domain-switch, perf kvm
#           record, perf kvm stat record
#   sample  a CPU-bound kvm-run guest: unprofiled, the floor (ticks dropped
#           on arrival), vmprof record cpu- and domain-switch, perf kvm
#           record, perf record, all at the same rate
#   chain   call chains: a CPU-bound kvm-run in long mode whose loop runs
#           SIZE bytes below the top of its stack (-L --stack SIZE, SIZE
#           LAB_BENCH_STACK, default 8192), sampled by perf record with and
#           without --call-graph dwarf,SIZE (perf's copy of SIZE bytes of
#           the VMM's user stack) and vmprof record with and without
#           --call-graph fp,SIZE (SIZE bytes of the guest's stack), and
#           both with stacks at 1 Hz (their user space whatever the rate)
#   gtask   (LAB_ICOUNT_PARTS=gtask) a CPU-bound kvm-run in long mode (-L)
#           sampled by vmprof-probe without and with VMPROF_ATTACH_GUEST_TASK:
#           what reading the guest's task adds per sample
#   exit.NAME  the exit-heavy guest with another build of vmprof, for each
#           NAME=DIR of LAB_ICOUNT_VARIANTS, DIR a built tree of another
#           revision (bench/run.sh --icount-base REV makes one): its
#           vmprof.ko for this kernel, its vmprof and vmprof-probe (they
#           speak its ABI); what a change cut (LAB_ICOUNT_VARIANT_CFGS)
# Each window is a snapshot of the plugin's counters before and after
# (LAB_ICOUNT_WINDOW seconds, started once the profiler runs); the counts
# are turned into instructions per exit and per sample by
# bench/icount-summary.py.  The profiler's own process is given to the
# plugin as the range "tool" (its executable mappings), so its user space
# is counted too; CFG@1 is CFG at 1 Hz, whose user space is what the tool
# does whatever the rate.  Configurations are interleaved, LAB_ICOUNT_REPS
# times.
# Output in $LAB_OUT: icount.out (the plugin's), icount.windows (what the
# tools said), icount-data/ (the first repetition's recordings).
set -u
[ -z "${LAB_BENCH_TRACE:-}" ] || set -x
. "$REPO/tests/lab/lib.sh"

REPS=${LAB_ICOUNT_REPS:-1}
WIN=${LAB_ICOUNT_WINDOW:-3}
RATE=${LAB_ICOUNT_RATE:-1000}
PARTS=${LAB_ICOUNT_PARTS:-"exit sample chain"}
EXIT_CFGS=${LAB_ICOUNT_EXIT_CFGS:-"none perfstat perf dry probes hooks cpu domain"}
SAMPLE_CFGS=${LAB_ICOUNT_SAMPLE_CFGS:-"none perf perfrec perf@1 dry cpu domain cpu@1"}
CHAIN_CFGS=${LAB_ICOUNT_CHAIN_CFGS:-"perfrec perfdwarf cpu cpug perfdwarf@1 cpug@1"}
# prof_start's cpug and perfdwarf copy LAB_BENCH_STACK bytes too.
export LAB_BENCH_STACK=${LAB_BENCH_STACK:-8192}
VARIANTS=${LAB_ICOUNT_VARIANTS:-}
VARIANT_CFGS=${LAB_ICOUNT_VARIANT_CFGS:-"hooks cpu"}
SETTLE=${LAB_BENCH_SETTLE:-1}
LOOP_ITERS=1000000		# kvm-run -i of the CPU-bound guest
CTL=$LAB_OUT/icount.ctl
OUT=$LAB_OUT/icount.out
WINDOWS=$LAB_OUT/icount.windows
W=$(mktemp -d)
: > "$WINDOWS"
rm -rf "$LAB_OUT/icount-data"
. "$REPO/bench/lab-lib.sh"

if [ ! -e "$OUT" ]; then
	echo "icount: no $OUT: QEMU runs without the plugin (LAB_PLUGIN)"
	exit 1
fi
sysctl -qw kernel.perf_event_max_sample_rate=100000
sysctl -qw kernel.perf_cpu_time_max_percent=0
sysctl -qw kernel.perf_event_paranoid=-1
taskset -p -c 0 $$ > /dev/null
echo "machine: $(nproc --all) L1 vCPUs (QEMU TCG, single thread), kernel $(uname -r)" >> "$WINDOWS"

RANGES=$REPO/bench/icount-ranges.py
: > "$W/ranges.tool"
# Sequence numbers of this boot only: a control file left by an earlier
# run must not answer for this one.
seq=$(($(date +%s) * 1000))

# load KO: vmprof.ko from KO in place of the one loaded, and its ranges.
load() {
	if grep -q '^vmprof ' /proc/modules; then
		hooks_gone
		rmmod vmprof || { echo "icount: rmmod failed"; exit 1; }
	fi
	# Probes gone with their last session: no window waits for them.
	# (Lingering protects multi-threaded TCG from text patching; this
	# lab runs one TCG thread.)
	insmod "$1" hooks_linger_ms=0 ||
		{ echo "icount: insmod $1 failed"; exit 1; }
	python3 "$RANGES" --vmprof-ko "$1" > "$W/ranges.base" || exit 1
}

# snap LABEL: hand the plugin the ranges and ask for a snapshot; wait for it.
snap() {
	seq=$((seq + 1))
	cat "$W/ranges.base" "$W/ranges.tool" > "$CTL.tmp"
	echo "snap $seq $1" >> "$CTL.tmp"
	mv "$CTL.tmp" "$CTL"
	wait_for_line "$OUT" "^done $seq " 600 ||
		echo "icount: no snapshot $seq ($1) from the plugin"
}

# window PART CFG[@RATE] PID: snapshots around WIN seconds of CFG on the
# guest PID (start, end), and once the profiler has exited (after): its
# user space, which may read its samples only at exit, is counted from
# start to after.
window() {
	local part=$1 cfg=${2%@*} rate=$RATE pid=$3 label
	[ "$2" = "$cfg" ] || rate=${2#*@}
	label=$part:$2:$rep
	PROF_KEEP=
	[ "$rep" = 1 ] && [ "$rate" = "$RATE" ] &&
		PROF_KEEP=$LAB_OUT/icount-data/$part
	prof_start "$cfg" "$rate" "$pid"
	# The profiler's executable mappings (awk: python's start-up would
	# cost the lab seconds per window).
	: > "$W/ranges.tool"
	[ -z "$prof_pid" ] ||
		awk '$2 ~ /x/ { split($1, a, "-"); print "range tool", a[1], a[2] }' \
			/proc/"$prof_pid"/maps > "$W/ranges.tool"
	snap "$label:start"
	sleep "$WIN"
	snap "$label:end"
	prof_stop
	snap "$label:after"
	: > "$W/ranges.tool"
	# What the recording holds: its size, and vmprof's guest stacks
	# (record's summary: how many, and their bytes on average).
	stacks=
	[ -z "$prof_pid" ] ||
	stacks=$(sed -n 's/^vmprof: \([0-9]*\) guest stacks, \([0-9]*\) bytes each on average$/stacks=\1 stack_bytes=\2/p' \
		"$prof_err" 2>/dev/null | tail -n 1)
	echo "window part=$part cfg=$2 rep=$rep rate=$rate samples=${samples:-0} lost=${lost:-0} bytes=${bytes:-0} stack=$LAB_BENCH_STACK ${stacks}" |
		tee -a "$WINDOWS"
	case $cfg in
	(cpug)
		# The guest's stack holds SIZE bytes: a copy of fewer is not
		# the comparison the chain part is for.
		if [ "${stacks#*stack_bytes=}" -lt "$LAB_BENCH_STACK" ] 2>/dev/null ||
		   [ -z "$stacks" ]; then
			echo "icount: $label: vmprof copied fewer guest stack bytes than the $LAB_BENCH_STACK asked for (${stacks:-no guest stacks})"
		fi ;;
	esac
	if [ -n "$prof_pid" ] && grep -Eiq 'error|fail|cannot' "$prof_err"; then
		sed 's/^/  prof: /' "$prof_err" | head -n 5
	fi
}

# run PART ITERS CFGS [KVM-RUN ARGS]: a guest looping ITERS times between
# exits, each configuration a window, REPS times.
run() {
	local part=$1 iters=$2 cfgs=$3 cfg
	shift 3
	echo "icount: $part, $(date +%T)"
	start_kvm_run g -s 100000 -i "$iters" "$@"
	if [ "$part" = gtask ]; then
		# kvm-run -L's second line: where its tasks are
		eval "$(sed -n 2p "$g_out" | sed 's/\([a-z_0-9]*\)=/g_\1=/g')"
		GTASK_ARGS="$g_current_task:$g_task_pid:$g_task_tgid:$g_task_comm"
	fi
	sleep 1
	taskset -a -p -c 1 "$g_pid" > /dev/null
	for rep in $(seq "$REPS"); do
		for cfg in $cfgs; do
			window "$part" "$cfg" "$g_pid"
		done
	done
	stop_pid TERM "$g_pid"
}

tools="$VMPROF $PROBE"
for v in $VARIANTS; do
	vd=${v#*=}
	load "$vd/build/kernels/$(uname -r)/kmod/vmprof.ko"
	VMPROF=$vd/tools/vmprof PROBE=$vd/tests/lab/build/vmprof-probe
	snap "variant:${v%%=*}"
	run "exit.${v%%=*}" 1 "$VARIANT_CFGS"
done
read -r VMPROF PROBE <<< "$tools"
load "$VMPROF_KO"
snap boot
for part in $PARTS; do
	case $part in
	(exit) run exit 1 "$EXIT_CFGS" ;;
	(sample) run sample "$LOOP_ITERS" "$SAMPLE_CFGS" ;;
	(chain) run chain "$LOOP_ITERS" "$CHAIN_CFGS" -L \
		--stack "$LAB_BENCH_STACK" ;;
	(gtask) run gtask "$LOOP_ITERS" "probe gtask" -L ;;
	esac
done
hooks_gone
rmmod vmprof
echo "icount: done"
