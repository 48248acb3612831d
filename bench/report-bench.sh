#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# vmprof report against perf report on the same samples, on this host.
#
# For each N (default 1 M and 10 M samples):
#  1. perf record -e cpu-clock:k -c 10000 -a of a syscall-heavy load (dd
#     between /dev/zero and /dev/null on every CPU, niced) until perf.data
#     holds about N kernel samples (--max-size of N 48-byte samples: perf
#     stops there); the host's /proc/kallsyms is copied next to
#     it (about 120 k symbols: the full kernel symbol table);
#  2. the very same instruction pointers, in the same order, become guest
#     kernel samples of a vmprof.data file (tests/report/gen-fixture);
#  3. each report runs --repeat times under /usr/bin/time -v, symbolizing
#     against that kallsyms copy, with text output to /dev/null:
#       perf report --stdio --kallsyms K --sort dso,sym
#       vmprof report --guest-kallsyms K --kaslr-offset 0
#     after one untimed warm-up run each (page cache, binaries), and the
#     median wall time and the peak RSS are printed.
# The "distinct" part: 10 M domain-switch samples charged to 80,000
# distinct exit RIPs in guest user space that no symbols resolve (every
# one its own [unknown] row and its own function of the exit table), in
# an order that visits them all in turn; vmprof report in the formats
# text (with --exits), json, folded and perf-script, timed the same way
# (issue 15's bar: under 2 s for the text report).
# Data files are cached in bench/build/report (delete to re-record).
#
# usage: bench/report-bench.sh [--sizes "1000000 10000000"] [--repeat 3]
#                              [--parts "perf distinct"]
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
B=$top/bench/build/report
sizes="1000000 10000000"
repeat=3
parts="perf distinct"
while [ $# -gt 0 ]; do
	case $1 in
	(--sizes) sizes=$2; shift 2 ;;
	(--repeat) repeat=$2; shift 2 ;;
	(--parts) parts=$2; shift 2 ;;
	(*) echo "usage: $0 [--sizes LIST] [--repeat N] [--parts LIST]" >&2; exit 64 ;;
	esac
done
mkdir -p "$B"
make -s -C "$top/tools"
GEN=$B/gen-fixture
if [ ! -x "$GEN" ] || [ "$top/tests/report/gen-fixture.c" -nt "$GEN" ] ||
   [ "$top/tools/data.c" -nt "$GEN" ]; then
	gcc -std=gnu11 -O2 -D_GNU_SOURCE -I"$top/include" -I"$top/tools" \
		-o "$GEN" "$top/tests/report/gen-fixture.c" "$top/tools/data.c" \
		"$top/tools/names.c" "$top/tools/symbolize.c" \
		"$top/tools/util.c" -ldw -lelf
fi
K=$B/kallsyms

record() {	# N: perf.data with about N kernel samples
	local n=$1 pd=$B/perf-$1.data i pids=()
	[ -s "$pd" ] && return
	# Samples are 48 bytes (ip, tid, time, cpu, period); perf stops at the size.
	for i in $(seq "$(nproc)"); do
		nice -n 19 dd if=/dev/zero of=/dev/null bs=4096 2>/dev/null &
		pids+=($!)
	done
	perf record -q -e cpu-clock:k -c 10000 -a -o "$pd.tmp" \
		--max-size=$(( n * 48 / 1024 ))K -- sleep 3600 2>&1 |
		grep -v '^\[' || true
	kill "${pids[@]}"
	wait "${pids[@]}" 2>/dev/null || true
	mv "$pd.tmp" "$pd"
}

convert() {	# N: vmprof.data with the same IPs
	local n=$1 vd=$B/vmprof-$1.data
	[ -s "$vd" ] && [ "$vd" -nt "$B/perf-$n.data" ] && return
	{
		echo "info mode=cpu-switch event=cpu-clock isa=svm pid=1 sample=10000 freq=0 vcpus=2"
		perf script -i "$B/perf-$n.data" -F ip,cpu 2>/dev/null |
			awk '{ printf "sample ctx=guest-kernel rip=0x%s vcpu=%d pid=1 cpu=%d period=10000\n", $2, $1 + 0, $1 + 0 }' \
			| tr -d '[]'
		echo "end"
	} | "$GEN" "$vd.tmp"
	mv "$vd.tmp" "$vd"
}

# run TAG CMD...: median wall seconds and max RSS (KB) of CMD; TAG
# starts the output line.
run() {
	local tag=$1 i walls=() rss=0 t
	shift
	"$@" > /dev/null 2>&1 || true	# untimed warm-up: page cache, binary
	for i in $(seq "$repeat"); do
		t=$(date +%s.%N)
		/usr/bin/time -v -o "$B/time.out" "$@" > /dev/null 2> "$B/err.out" ||
			{ echo "report-bench: $tag failed:"; cat "$B/err.out"; exit 1; } >&2
		t=$(echo "$(date +%s.%N) - $t" | bc -l | awk '{ printf "%.3f", $1 }')
		walls+=("$t")
		r=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$B/time.out")
		[ "$r" -gt "$rss" ] && rss=$r
	done
	med=$(printf '%s\n' "${walls[@]}" | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
	echo "$tag secs=$med rss_kb=$rss walls=$(IFS=,; echo "${walls[*]}")"
}

# distinct N D: N samples charged to D distinct unresolved exit RIPs.
distinct() {
	local n=$1 d=$2 vd=$B/distinct-$1-$2.data fmt
	if [ ! -s "$vd" ]; then
		awk -v n="$n" -v d="$d" 'BEGIN {
			print "info mode=domain-switch event=cycles isa=svm pid=4242 vcpus=4"
			for (i = 0; i < n; i++)
				printf "sample ctx=vmm-kernel host-ip=0xffffffff81000010 exit-rip=%d exit=0x7b pid=4242 vcpu=%d\n",
					4194304 + (i * 7919 % d) * 16, i % 4
			print "end"
		}' | "$GEN" "$vd.tmp"
		mv "$vd.tmp" "$vd"
	fi
	for fmt in text json folded perf-script; do
		run "part=report-distinct format=$fmt samples=$n distinct=$d" \
			"$top/tools/vmprof" report -i "$vd" --format "$fmt" \
			$([ "$fmt" = text ] && echo --exits)
	done
}

echo "part=report machine=\"$(nproc) CPUs, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n 1), $(uname -r), kallsyms $(wc -l < /proc/kallsyms) lines\" load=\"$(cut -d' ' -f1-3 /proc/loadavg)\""
case " $parts " in
(*" distinct "*) distinct 10000000 80000 ;;
esac
case " $parts " in
(*" perf "*) ;;
(*) exit 0 ;;
esac
[ -s "$K" ] || cat /proc/kallsyms > "$K"
if [ "$(awk 'NR == 1 { print $1 }' "$K")" = 0000000000000000 ]; then
	echo "report-bench: kallsyms addresses are hidden: run as root" >&2
	exit 1
fi
for n in $sizes; do
	record "$n"
	convert "$n"
	got=$(perf report -i "$B/perf-$n.data" --stats 2>/dev/null |
		awk '/SAMPLE events:/ { print $3; exit }')
	run "part=report tool=perf samples=$got" perf report -i "$B/perf-$n.data" --stdio \
		--kallsyms "$K" --sort dso,sym
	run "part=report tool=vmprof samples=$got" "$top/tools/vmprof" report -i "$B/vmprof-$n.data" \
		--guest-kallsyms "$K" --kaslr-offset 0
done
