# SPDX-License-Identifier: GPL-2.0
"""Write vmprof data files (docs/data-format.md) for the unwinding tests:
the records 'vmprof record --call-graph' writes for guest samples."""
import struct

REC_INFO, REC_SAMPLE, REC_END, REC_GUEST_STACK, REC_GUEST_ORC = 1, 5, 9, 15, 16
MODE_CPU_SWITCH, EVENT_CPU_CLOCK, ISA_SVM = 1, 5, 2
INFO_LSTAR, ATTACH_FREQ = 1 << 1, 1 << 0
CTX_GUEST_KERNEL, CTX_GUEST_USER = 1, 2
SAMPLE_VCPU_THREAD = 1 << 0
STACK_USER = 1 << 0
CALL_GRAPH = {"orc": 1, "fp": 2, "dwarf": 3}
# perf's x86-64 register numbers (include/vmprof.h VMPROF_REG_*)
REG = {"rax": 0, "rbx": 1, "rcx": 2, "rdx": 3, "rsi": 4, "rdi": 5, "rbp": 6,
       "rsp": 7, "rip": 8, "eflags": 9, "r8": 16, "r9": 17, "r10": 18,
       "r11": 19, "r12": 20, "r13": 21, "r14": 22, "r15": 23}
SEG_KIND = {"task": 1, "irq": 2, "user": 3, "other": 4}
SEG_END = {"top": 1, "size": 2, "fault": 3}


def pad8(b):
    return b + b"\0" * (-len(b) % 8)


class Writer:
    def __init__(self, path):
        self.f = open(path, "wb")
        self.f.write(b"VMPROF\0\1" + struct.pack("<IIQ", 1, 24, 0))

    def rec(self, typ, body):
        body = pad8(body)
        self.f.write(struct.pack("<II", typ, 8 + len(body)) + body)

    def info(self, pid, freq, lstar, call_graph, stack_size):
        self.rec(REC_INFO, struct.pack(
            "<IIIIIiQIIQQQIIII", MODE_CPU_SWITCH, EVENT_CPU_CLOCK, ISA_SVM,
            INFO_LSTAR if lstar else 0, ATTACH_FREQ, pid, freq, 1, 1,
            lstar, 1, 1, 1, 1, CALL_GRAPH[call_graph], stack_size))

    def guest_stack(self, regs, segs, user):
        """regs: {name: value}; segs: [(addr, kind, end, bytes)]"""
        mask, vals = 0, []
        for name in sorted(regs, key=lambda n: REG[n]):
            mask |= 1 << REG[name]
            vals.append(regs[name])
        body = struct.pack("<QHHI", mask, len(segs), STACK_USER if user else 0, 0)
        body += b"".join(struct.pack("<Q", v) for v in vals)
        for addr, kind, end, data in segs:
            body += struct.pack("<QIHH", addr, len(data), SEG_KIND[kind],
                                SEG_END[end])
        for _, _, _, data in segs:
            body += pad8(data)
        self.rec(REC_GUEST_STACK, body)

    def sample(self, time_ns, rip, cr3, user, period, pid, tid):
        self.rec(REC_SAMPLE, struct.pack(
            "<QQQQQQIIIIIHH", time_ns, rip, cr3, 0, 0, period, 0xffffffff,
            0, pid, tid, 0, CTX_GUEST_USER if user else CTX_GUEST_KERNEL,
            SAMPLE_VCPU_THREAD))

    def guest_orc(self, name, start, end, ip_table, ip, orc, pid):
        nb = name.encode()
        self.rec(REC_GUEST_ORC, struct.pack(
            "<QQQiIHHI", start, end, ip_table, pid, len(ip) // 4, len(nb), 0, 0)
            + pad8(nb) + pad8(ip) + pad8(orc))

    def end(self, time_ns):
        self.rec(REC_END, struct.pack("<QQII", time_ns, time_ns, 3, 0))
        self.f.close()
