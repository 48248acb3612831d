#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""What reading the guest's task costs per sample, from the "gtask" part
of bench/lab-bench.sh (LAB_BENCH_PARTS="sys gtask"):

  gtask-summary.py bench.raw

For each rate: the guest's throughput (I/O exits per second of a
CPU-bound long-mode kvm-run) unprofiled, under vmprof-probe sampling and
under the same with VMPROF_ATTACH_GUEST_TASK; the vCPU time lost to each,
and the difference per sample (in the lab, often below the noise between
windows); and the read itself as the module timed it.  Lab (TCG) time; with the "sys" part, also
scaled to a real host by getppid()'s cost (0.06 us assumed there, as
docs/benchmarks.md does).
"""
import re
import statistics
import sys

REAL_SYSCALL_US = 0.06

rates = {}
sys_us = []
timing = None
for line in open(sys.argv[1]):
    kv = dict(re.findall(r"(\w+)=(\S+)", line))
    if kv.get("part") == "sys":
        sys_us.append(float(kv["usecs_per_op"]))
    if kv.get("part") == "gtask_timing":
        timing = (int(kv["reads"]), int(kv["ns"]))
    if kv.get("part") != "gtask":
        continue
    rate = int(kv["rate"])
    cfg = kv["cfg"]
    rates.setdefault(cfg, {}).setdefault(rate, []).append(
        int(kv["exits"]) / float(kv["secs"]))

none = statistics.mean(rates["none"][0])
print(f"unprofiled: {none:.1f} exits/s")
scale = REAL_SYSCALL_US / statistics.median(sys_us) if sys_us else None
for rate in sorted(r for r in rates.get("probe", {})):
    p = statistics.mean(rates["probe"][rate])
    g = statistics.mean(rates["gtask"][rate])
    lost_p = none / p - 1
    lost_g = none / g - 1
    per_sample = (lost_g - lost_p) / rate * 1e6
    line = (f"{rate} Hz: sampling {p:.1f} exits/s ({100 * lost_p:.2f}% "
            f"lost), with guest tasks {g:.1f} ({100 * lost_g:.2f}%): "
            f"{per_sample:.2f} us of lab time per sample for the task")
    if scale:
        line += f", about {1000 * per_sample * scale:.0f} ns on a real host"
    print(line)
if timing and timing[0]:
    per = timing[1] / timing[0]
    line = (f"the read itself, timed in the module: {per / 1000:.2f} us of "
            f"lab time per sample ({timing[0]} reads)")
    if scale:
        line += f", about {per * scale:.0f} ns on a real host"
    print(line)
