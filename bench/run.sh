#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make bench: vmprof against perf, every ratio from one run (docs/benchmarks.md).
#
#   host  getppid() cost (the lab's TCG slowdown factor), and vmprof report
#         against perf report on the same 1 M and 10 M samples
#         (bench/report-bench.sh)
#   lab   guest slowdown, exit-heavy guest, hook cost, loss
#         (bench/lab-bench.sh inside tests/lab/lab.sh)
#   icount  instructions, not time: per VM exit, per sample and per
#         sample with call chains (vmprof -g against perf --call-graph
#         dwarf, the same stack size), counted
#         by the TCG plugin bench/icount.c in ICOUNT_RUNS separate lab
#         boots (bench/icount-lab.sh), and the reports' instructions per
#         sample by callgrind (bench/icount-host.sh)
# Then bench/summarize.py and bench/icount-summary.py print the tables to
# bench/build/results.md.
#
# usage: bench/run.sh [--quick] [--no-lab] [--no-report] [--no-icount]
#                     [--icount-only] [--icount-runs N] [--icount-base REV]
#                     [--reps N]
#   --quick   one short repetition of everything, 1 M samples only: a
#             smoke test of the bench, not a measurement
#   --icount-only   only the instruction counts
#   --icount-runs N lab boots of the icount part (default 2: the table
#             shows how well they agree)
#   --icount-base REV  also count vmprof.ko as of git revision REV (built
#             for the lab's kernel, with its own tools): what the changes
#             since cut
# Timings are only meaningful on an otherwise idle machine: the load
# average is printed and recorded; above 1.5 a warning is given
# (BENCH_WAIT_IDLE=SECONDS waits that long for it to drop first).
# Needs root (perf -a, kallsyms, the lab).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
B=$top/bench/build
lab=1 report=1 icount=1 host=1 sizes="1000000 10000000" repeat=3
icount_runs=2 icount_base=
export LAB_BENCH_REPS=${LAB_BENCH_REPS:-5}
while [ $# -gt 0 ]; do
	case $1 in
	(--quick) sizes=1000000 repeat=1 LAB_BENCH_REPS=1 icount_runs=1
		  export LAB_BENCH_WINDOW=2 LAB_BENCH_RATES=1000
		  export LAB_ICOUNT_REPS=1 LAB_ICOUNT_WINDOW=1
		  export LAB_BENCH_LOSS_RATES="1000 20000"; shift ;;
	(--no-lab) lab=0 icount=0; shift ;;
	(--no-report) report=0; shift ;;
	(--no-icount) icount=0; shift ;;
	(--icount-only) lab=0 report=0 host=0; shift ;;
	(--icount-runs) icount_runs=$2; shift 2 ;;
	(--icount-base) icount_base=$2; shift 2 ;;
	(--reps) LAB_BENCH_REPS=$2; shift 2 ;;
	(*) sed -n 's/^# \{0,1\}//; /^usage/,/^Needs/p' "$0" >&2; exit 64 ;;
	esac
done
mkdir -p "$B"
raw=$B/host.raw
# BENCH_WAIT_IDLE=S: wait up to S seconds for the load to drop below 1.5.
for _ in $(seq $(( ${BENCH_WAIT_IDLE:-0} / 10 ))); do
	awk -v l="$(cut -d' ' -f1 /proc/loadavg)" 'BEGIN { exit !(l > 1.5) }' || break
	sleep 10
done
load=$(cut -d' ' -f1 /proc/loadavg)
echo "bench: load average $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"
if awk -v l="$load" 'BEGIN { exit !(l > 1.5) }'; then
	echo "bench: WARNING: the machine is busy; timings will be noisy" >&2
fi
[ "$host" = 1 ] && {
	echo "machine: host $(nproc) CPUs, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n 1), $(free -g | awk '/^Mem:/ { print $2 }') GiB, kernel $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u '+%Y-%m-%d %H:%M UTC')"
	for rep in 1 2 3; do
		perf bench syscall basic -l 2000000 2>&1 |
			awk -v r=$rep '/usecs\/op/ { print "part=sys where=host rep=" r " usecs_per_op=" $1 }'
		perf bench sched pipe -l 200000 2>&1 |
			awk -v r=$rep '/usecs\/op/ { print "part=pipe where=host rep=" r " usecs_per_op=" $1 }'
		t0=$EPOCHREALTIME
		awk 'BEGIN { for (i = 0; i < 1000000; i++) s += i * i }'
		echo "part=insn where=host rep=$rep usecs_per_op=$(echo "$EPOCHREALTIME - $t0" | bc -l)"
	done
} > "$raw"
if [ "$report" = 1 ]; then
	"$here/report-bench.sh" --sizes "$sizes" --repeat "$repeat" | tee -a "$raw"
fi
raws=("$raw")
if [ "$lab" = 1 ]; then
	rm -rf "$B/lab"
	mkdir -p "$B/lab"
	# A TCG thread per L1 vCPU, as in earlier runs: the guest on one,
	# the profilers on the other (tests/lab/lab.sh on the choice).
	LAB_TCG_THREAD=${LAB_TCG_THREAD:-multi} \
	"$top/tests/lab/lab.sh" --timeout 3000 --out "$B/lab" \
		"$here/lab-bench.sh"
	raws+=("$B/lab/bench.raw")
fi
[ "$host" = 1 ] || raws=()
if [ "$icount" = 1 ]; then
	# One TCG thread: counts are per vCPU anyway, and it is the lab's
	# reliable mode (docs/reliability.md).
	make -s -C "$here"
	variants=
	if [ -n "$icount_base" ]; then
		vd=$B/icount/base
		rm -rf "$vd"
		mkdir -p "$vd"
		# The module, and the programs that speak its ABI.
		git -C "$top" archive "$icount_base" | tar -x -C "$vd"
		"$vd/scripts/build-module.sh" "${LAB_KERNEL:-6.1}" > "$vd/build.log"
		make -C "$vd" tools guests >> "$vd/build.log"
		variants="base=$vd"
	fi
	t0=$SECONDS
	for run in $(seq "$icount_runs"); do
		d=$B/icount/run$run
		rm -rf "$d"
		mkdir -p "$d"
		LAB_PLUGIN=$here/build/icount.so LAB_TCG_THREAD=single \
		LAB_ICOUNT_VARIANTS=$variants \
		"$top/tests/lab/lab.sh" --timeout 3000 --out "$d" \
			"$here/icount-lab.sh"
		"$here/icount-host.sh" "$d"
		variants=	# once is enough
	done
	echo "icount: $icount_runs run(s) in $(( (SECONDS - t0) / 60 )) min" |
		tee "$B/icount/time"
fi
if [ "${#raws[@]}" -gt 0 ]; then
	python3 "$here/summarize.py" "${raws[@]}" > "$B/results.md"
else
	: > "$B/results.md"
fi
if [ "$icount" = 1 ]; then
	{
		echo
		echo "## Instruction counts"
		echo
		python3 "$here/icount-summary.py" "$B"/icount/run*
	} >> "$B/results.md"
fi
echo
cat "$B/results.md"
echo
echo "bench: raw data in ${raws[*]}; tables in $B/results.md"
