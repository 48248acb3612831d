#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Where the exit-path cost of vmprof's KVM hooks goes (docs/benchmarks.md).
# Builds variants of the module out of tree, then in one lab boot measures
# the exits/s of an exit-heavy kvm-run guest (an I/O exit every iteration)
# with no module, and with each variant loaded and a session attached
# whose tick never fires (hooks only), interleaved, 3 repetitions:
#   kx0  vmprof.ko as it is
#   kx1  local_clock() instead of ktime_get_mono_fast_ns() in the probes
#        (L1's clocksource in the lab is hpet)
#   kx3  no clock read at all in the probes
#   kx4  no guest-state (VMCB) read at exits
#   kx2  kvm_entry/kvm_exit probes that return at once: the cost of the
#        tracepoint calls alone
# Not part of make bench.  usage: bench/hook-variants.sh
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
B=$top/bench/build
kver=$("$top/scripts/kver.sh")
for v in 0 1 2 3 4; do
	d=$B/kx$v
	rm -rf "$d"
	mkdir -p "$d"
	cp -r "$top/Kbuild" "$top/kmod" "$top/include" "$top/dkms.conf" "$d/"
	rm -f "$d"/kmod/*.o "$d"/kmod/*.ko "$d"/kmod/.*.cmd
	h=$d/kmod/hooks.c
	case $v in
	(1) sed -i 's|#include <linux/sched.h>|&\n#include <linux/sched/clock.h>|; s/ktime_get_mono_fast_ns()/local_clock()/' "$h" ;;
	(2) perl -0pi -e 's/(static void vmprof_probe_kvm_entry\(VMPROF_KVM_ENTRY_PROTO\)\n\{\n)/$1\treturn;\n/; s/(static void vmprof_probe_kvm_exit\(void \*data, struct kvm_vcpu \*vcpu, u32 isa\)\n\{\n)/$1\treturn;\n/' "$h" ;;
	(3) sed -i 's/u64 now = ktime_get_mono_fast_ns();/u64 now = 0;/; s/vmprof_slot_exit(t, slot, vcpu, ktime_get_mono_fast_ns());/vmprof_slot_exit(t, slot, vcpu, 0);/' "$h" ;;
	(4) perl -0pi -e 's/\tif \(!vmprof_guest_read\(vcpu, &r, true\)\)\n\t\tr.exit_reason = U32_MAX;/\tmemset(&r, 0, sizeof(r));\n\tr.exit_reason = U32_MAX;/' "$h" ;;
	esac
	make -s -C "/lib/modules/$kver/build" M="$d" modules > "$d/build.log" 2>&1 ||
		{ echo "variant $v does not build:"; tail "$d/build.log"; exit 1; }
done
cat > "$B/hook-variants-lab.sh" <<'EOF'
. "$REPO/tests/lab/lib.sh"
B=$REPO/bench/build
echo "clocksource: $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
taskset -p -c 0 $$ > /dev/null
start_kvm_run e -s 100000 -i 1
sleep 1
taskset -a -p -c 1 "$e_pid" > /dev/null
f=$(echo /sys/kernel/debug/kvm/"$e_pid"-*/io_exits)
for rep in 1 2 3; do
	for v in none kx0 kx1 kx3 kx4 kx2; do
		if [ $v != none ]; then
			insmod "$B/$v/kmod/vmprof.ko"
			"$PROBE" -m cpu -p "$e_pid" -c 1000000000000 -d 100000 \
				> /dev/null 2>&1 &
			pp=$!
			sleep 1.5
		fi
		read -r c0 < "$f"; t0=$EPOCHREALTIME
		sleep 4
		read -r c1 < "$f"; t1=$EPOCHREALTIME
		echo "part=variant v=$v rep=$rep exits_per_s=$(echo "($c1 - $c0) / ($t1 - $t0)" | bc -l)"
		if [ $v != none ]; then
			kill -TERM "$pp"; wait "$pp"; sleep 0.5; rmmod vmprof
		fi
	done
done
kill "$e_pid"
EOF
"$top/tests/lab/lab.sh" --timeout 900 --out "$B/hook-variants" \
	"$B/hook-variants-lab.sh" | grep -E '^(clocksource|part=)'
