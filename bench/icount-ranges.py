#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Write the address ranges and regions the icount plugin (bench/icount.c)
counts, as control-file lines, from what L1 shows now: /proc/kallsyms
(KASLR), /sys/module/*/sections (where each module's sections were loaded)
and the modules' files (each section's size).  Runs inside the lab.

usage: icount-ranges.py [--vmprof-ko KO]

Ranges (instructions by address):
  kernel         the kernel's text (_stext.._etext)
  entry          its entry code (__entry_text_start.._end)
  vmprof, kvm, kvm_amd, kvm_intel, module
                 each module's executable sections ("module": the others)
  tp.iter        __traceiter_* of the hooked tracepoints (their probe
                 loops, used when a tracepoint has more than one probe)
  tp.sct         their static-call trampolines (__SCT__tp_func_*)
Regions (calls of a function, inclusive of what it calls):
  probe.*        vmprof's tracepoint probes
  vmprof.lookup, vmprof.guest_read, vmprof.overflow, vmprof.ring_write
  vmprof.group_write  vmprof_sample_group_write: a sample written with
                 what goes with it (its guest task, its guest stack)
  vmprof.stack_src, vmprof.stack_copy  a guest stack: its registers, and
                 a copy of guest stack bytes into the ring
  vmprof.ring_begin, vmprof.ring_fill, vmprof.gva_read  inside them: the
                 ring's reservation, its filling from guest memory, a read
                 of guest-virtual memory (page walk and copy)
  clock          local_clock() (sched_clock_cpu() before 6.3)
  perf.hrtimer   perf_swevent_hrtimer: a software-clock tick, whole
  perf.overflow  __perf_event_overflow: the sample, whoever handles it
  perf.output    perf_event_output*: perf's own overflow handler
  perf.callchain get_perf_callchain: perf's callchain (the host kernel's)
  perf.ustack    perf_output_sample_ustack: perf's copy of the user stack
  perf.trace     perf_trace_*: perf's tracepoint handlers (perf kvm stat)
irqentry lines: every asm_exc_*, asm_sysvec_* and asm_common_interrupt;
a switch line: __switch_to_asm, the context switch.
"""
import glob
import lzma
import os
import re
import struct
import subprocess
import sys

# kvm_userspace_exit and its probe: vmprof before 2026-11-30 hooked it
# (--icount-base measures older revisions).
TRACEPOINTS = ("kvm_entry", "kvm_exit", "kvm_userspace_exit",
               "sched_switch", "sched_process_fork")
REGIONS = {
    "probe.kvm_entry": ("vmprof_probe_kvm_entry2", "vmprof_probe_kvm_entry3"),
    "probe.kvm_exit": ("vmprof_probe_kvm_exit", "vmprof_probe_kvm_exit_svm"),
    "probe.userspace_exit": ("vmprof_probe_userspace_exit",),
    "probe.sched_switch": ("vmprof_probe_sched_switch",),
    "probe.sched_fork": ("vmprof_probe_sched_fork",),
    "vmprof.lookup": ("vmprof_target_lookup",),
    "vmprof.guest_read": ("vmprof_guest_read",),
    "vmprof.overflow": ("vmprof_overflow",),
    "vmprof.ring_write": ("vmprof_ring_write",),
    # A guest sample (with its GUEST_TASK and GUEST_STACK records) is one
    # ring group: written by this, not vmprof_ring_write().
    "vmprof.group_write": ("vmprof_sample_group_write",),
    "vmprof.stack_src": ("vmprof_guest_stack_src",
                         "vmprof_guest_stack_src_exit"),
    "vmprof.stack_copy": ("vmprof_stack_copy",),
    "vmprof.ring_begin": ("vmprof_ring_begin",),
    "vmprof.ring_fill": ("vmprof_ring_fill",),
    "vmprof.gva_read": ("vmprof_gva_read",),
    "clock": ("sched_clock_cpu", "local_clock"),
    "perf.hrtimer": ("perf_swevent_hrtimer",),
    "perf.overflow": ("__perf_event_overflow",),
    "perf.output": ("perf_event_output_forward", "perf_event_output_backward",
                    "perf_event_output"),
    "perf.callchain": ("get_perf_callchain",),
    "perf.ustack": ("perf_output_sample_ustack",),
}
NAMED_MODULES = ("vmprof", "kvm", "kvm_amd", "kvm_intel")
SHF_EXECINSTR = 4


def kallsyms():
    """[(addr, type, name, module)] sorted by address."""
    syms = []
    with open("/proc/kallsyms") as f:
        for line in f:
            parts = line.split()
            if len(parts) < 3:
                continue
            mod = parts[3].strip("[]") if len(parts) > 3 else ""
            syms.append((int(parts[0], 16), parts[1], parts[2], mod))
    syms.sort()
    if not syms or not syms[-1][0]:
        sys.exit("icount-ranges: /proc/kallsyms shows no addresses (not root?)")
    return syms


def elf_sections(path):
    """{name: (flags, size)} of an ELF64 file (.ko, .ko.xz)."""
    if path.endswith(".xz"):
        data = lzma.open(path).read()
    else:
        data = open(path, "rb").read()
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3a)
    hdrs = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize)
            for i in range(shnum)]
    stroff = hdrs[shstrndx][4]
    out = {}
    for h in hdrs:
        end = data.index(b"\0", stroff + h[0])
        out[data[stroff + h[0]:end].decode()] = (h[2], h[5])
    return out


def module_file(name, vmprof_ko):
    if name == "vmprof" and vmprof_ko:
        return vmprof_ko
    try:
        path = subprocess.run(["modinfo", "-n", name], capture_output=True,
                              text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return path if path.startswith("/") else None


def module_lines(vmprof_ko):
    lines = []
    for d in sorted(glob.glob("/sys/module/*/sections")):
        name = d.split("/")[3]
        path = module_file(name, vmprof_ko)
        if not path or not os.path.exists(path):
            continue
        secs = elf_sections(path)
        label = name if name in NAMED_MODULES else "module"
        for sec in sorted(os.listdir(d)):
            flags, size = secs.get(sec, (0, 0))
            if not flags & SHF_EXECINSTR or not size:
                continue
            with open(os.path.join(d, sec)) as f:
                start = int(f.read(), 16)
            if start:
                lines.append("range %s %x %x" % (label, start, start + size))
    return lines


def kernel_lines(syms, vmprof_ko):
    by_name = {}
    for a, t, n, m in syms:
        by_name.setdefault(n, []).append((a, m))
    addrs = sorted({a for a, _, _, _ in syms})

    def next_addr(a):
        lo, hi = 0, len(addrs)
        while lo < hi:
            mid = (lo + hi) // 2
            if addrs[mid] <= a:
                lo = mid + 1
            else:
                hi = mid
        return addrs[lo] if lo < len(addrs) else a + 1

    def first(name):
        return by_name.get(name, [(None, None)])[0][0]

    lines = []
    for label, lo, hi in (("kernel", "_stext", "_etext"),
                          ("entry", "__entry_text_start",
                           "__entry_text_end")):
        if first(lo) and first(hi):
            lines.append("range %s %x %x" % (label, first(lo), first(hi)))
    lines += module_lines(vmprof_ko)
    for tp in TRACEPOINTS:
        for prefix, label in (("__traceiter_", "tp.iter"),
                              ("__SCT__tp_func_", "tp.sct")):
            for a, _ in by_name.get(prefix + tp, []):
                lines.append("range %s %x %x" % (label, a, next_addr(a)))
    for region, names in REGIONS.items():
        for n in names:
            for a, _ in by_name.get(n, []):
                lines.append("region %s %x" % (region, a))
    for a, t, n, m in syms:
        if t in "tT" and n.startswith("perf_trace_") and m:
            lines.append("region perf.trace %x" % a)
        if t in "tT" and not m and (re.match(r"asm_(exc|sysvec)_", n) or
                                    n in ("asm_common_interrupt",
                                          "asm_spurious_interrupt")):
            lines.append("irqentry %x" % a)
        if n == "__switch_to_asm" and not m:
            lines.append("switch %x" % a)
    return lines


def main(argv):
    if argv[:1] in ([], ["--vmprof-ko"]):
        out = kernel_lines(kallsyms(), argv[1] if len(argv) > 1 else None)
    else:
        sys.exit(__doc__.split("\n\n")[1])
    print("\n".join(out))


if __name__ == "__main__":
    main(sys.argv[1:])
