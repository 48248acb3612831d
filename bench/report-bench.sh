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
# Data files are cached in bench/build/report (delete to re-record).
#
# usage: bench/report-bench.sh [--sizes "1000000 10000000"] [--repeat 3]
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
B=$top/bench/build/report
sizes="1000000 10000000"
repeat=3
while [ $# -gt 0 ]; do
	case $1 in
	(--sizes) sizes=$2; shift 2 ;;
	(--repeat) repeat=$2; shift 2 ;;
	(*) echo "usage: $0 [--sizes LIST] [--repeat N]" >&2; exit 64 ;;
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
[ -s "$K" ] || cat /proc/kallsyms > "$K"
if [ "$(awk 'NR == 1 { print $1 }' "$K")" = 0000000000000000 ]; then
	echo "report-bench: kallsyms addresses are hidden: run as root" >&2
	exit 1
fi

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

# run NAME N CMD...: median wall seconds and max RSS (KB) of CMD.
run() {
	local name=$1 n=$2 i walls=() rss=0 t
	shift 2
	"$@" > /dev/null 2>&1 || true	# untimed warm-up: page cache, binary
	for i in $(seq "$repeat"); do
		t=$(date +%s.%N)
		/usr/bin/time -v -o "$B/time.out" "$@" > /dev/null 2> "$B/err.out" ||
			{ echo "report-bench: $name failed:"; cat "$B/err.out"; exit 1; } >&2
		t=$(echo "$(date +%s.%N) - $t" | bc -l | awk '{ printf "%.3f", $1 }')
		walls+=("$t")
		r=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$B/time.out")
		[ "$r" -gt "$rss" ] && rss=$r
	done
	med=$(printf '%s\n' "${walls[@]}" | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
	echo "part=report tool=$name samples=$n secs=$med rss_kb=$rss walls=$(IFS=,; echo "${walls[*]}")"
}

echo "part=report machine=\"$(nproc) CPUs, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n 1), $(uname -r), kallsyms $(wc -l < "$K") lines\" load=\"$(cut -d' ' -f1-3 /proc/loadavg)\""
for n in $sizes; do
	record "$n"
	convert "$n"
	got=$(perf report -i "$B/perf-$n.data" --stats 2>/dev/null |
		awk '/SAMPLE events:/ { print $3; exit }')
	run perf "$got" perf report -i "$B/perf-$n.data" --stdio \
		--kallsyms "$K" --sort dso,sym
	run vmprof "$got" "$top/tools/vmprof" report -i "$B/vmprof-$n.data" \
		--guest-kallsyms "$K" --kaslr-offset 0
done
