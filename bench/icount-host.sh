#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The reports' instructions per sample, counted by callgrind on the host,
# on the recordings an icount lab run kept (bench/icount-lab.sh,
# RUN_DIR/icount-data/PART/CFG.data):
#   vmprof report   text report of the vmprof record files, and of a copy
#                   with every sample twice (bench/vmprof-data-repeat.py):
#                   the difference is what the samples cost, without the
#                   start-up (reading the file, symbols), per sample
#   perf report     the perf kvm record / perf record files, whole
# Lines "part=report ..." go to RUN_DIR/icount-host.raw.
#
# usage: bench/icount-host.sh RUN_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
d=$1
raw=$d/icount-host.raw
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
: > "$raw"
VMPROF=$top/tools/vmprof
kallsyms=$d/kallsyms

# ir COMMAND...: the instructions callgrind counts for COMMAND.
ir() {
	valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" \
		2> "$W/vg.err" > /dev/null || true
	sed -n 's/^==[0-9]*== Collected : \([0-9]*\)$/\1/p' "$W/vg.err"
}

for part in sample exit; do
	for cfg in cpu domain; do
		f=$d/icount-data/$part/$cfg.data
		[ -e "$f" ] || continue
		n=$(python3 "$here/vmprof-data-repeat.py" "$f" "$W/x2.data" 2)
		one=$(ir "$VMPROF" report -i "$f")
		two=$(ir "$VMPROF" report -i "$W/x2.data")
		echo "part=report tool=vmprof-report input=$part/$cfg samples=$n ir=$one marginal=$((two - one))" |
			tee -a "$raw"
	done
	for cfg in perf perfrec; do
		f=$d/icount-data/$part/$cfg.data
		[ -e "$f" ] || continue
		n=$(perf report -i "$f" --stats 2>/dev/null |
			awk '$1 == "SAMPLE" && $2 == "events:" { print $3; exit }')
		one=$(ir perf report -i "$f" --stdio --kallsyms "$kallsyms")
		echo "part=report tool=perf-report input=$part/$cfg samples=${n:-0} ir=$one" |
			tee -a "$raw"
	done
done
