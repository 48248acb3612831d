#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Guest stacks captured through QEMU's gdbstub, as vmprof.data files.

The unwinders of 'vmprof report' are tested here on real guest stacks
without the lab: the guest runs under QEMU (TCG) on this machine, is
stopped at random moments (and at breakpoints), and what the kernel
module copies at a guest sample is copied from it through the gdbstub,
by the same rules (kmod/guest_stack.c):

  - the registers the unwinding method needs;
  - guest kernel: from RSP up to the top of the stack RSP is on, at most
    SIZE bytes; on the CPU's interrupt stack, also the interrupted
    task's stack, from the stack pointer saved at the interrupt stack's
    top up to the task stack's top (the two stacks of the guest's
    per-CPU cpu_current_top_of_stack and hardirq_stack_ptr); elsewhere
    (an exception stack) SIZE bytes or up to the first unreadable page;
  - guest user space: SIZE bytes from RSP or up to an unreadable page.

The modules' ORC tables are read from guest memory, where the guest
keeps them sorted, as 'vmprof record' does.  The stand-in is the capture
only: the files are read by the real 'vmprof report'.

usage: capture.py cg BOOT_IMAGE SAMPLES OUT_PREFIX
       capture.py linux KVER INITRD SAMPLES OUT_PREFIX [BREAKPOINT...]
Writes OUT_PREFIX-{orc,fp,dwarf}.data (orc for linux only) with the
default stack size (8192) and OUT_PREFIX-orc-1024.data with 1024 bytes;
for linux also OUT_PREFIX.kallsyms (the guest's /proc/kallsyms) and
OUT_PREFIX.serial.  Prints one line per capture kind.
"""
import os
import random
import re
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from gdbstub import Rsp  # noqa: E402
import vmprofdata  # noqa: E402

THREAD_SIZE = 16384
PAGE = 4096
DEFAULT_SIZE = 8192
# The registers 'vmprof record' asks for with each method.
METHOD_REGS = {
    "orc": ["rip", "rsp", "rbp", "rdi", "rdx", "r10", "r13", "eflags"],
    "fp": ["rip", "rsp", "rbp", "eflags"],
    "dwarf": ["rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp",
              "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
              "rip", "eflags"],
}
VMM_PID, VMM_TID, FREQ = 4242, 4243, 4000


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_for(log, text, proc, timeout):
    t0 = time.time()
    while time.time() - t0 < timeout:
        out = open(log, errors="replace").read()
        if text in out:
            return out
        if proc.poll() is not None:
            break
        time.sleep(0.2)
    sys.exit("capture.py: the guest did not print %r:\n%s" %
             (text, open(log, errors="replace").read()[-3000:]))


def copy(g, addr, want, top=None):
    """Up to want bytes at addr, stopping at top: (bytes, end reason)."""
    n = want if top is None else min(want, top - addr)
    data = g.mem(addr, n)
    if len(data) < n:
        return data, "fault"
    if top is not None and addr + n == top:
        return data, "top"
    return data, "size"


class LinuxStacks:
    """Where the guest kernel's stacks are, from its per-CPU symbols."""

    def __init__(self, percpu):
        self.top = percpu.get("cpu_current_top_of_stack")
        self.irq = percpu.get("hardirq_stack_ptr")

    def capture(self, g, r, size):
        rsp = r["rsp"]
        if (r["cs"] & 3) == 3:
            data, end = copy(g, rsp, size)
            return [(rsp, "user", end, data)]
        base = r["gs_base"] if r["gs_base"] >> 63 else r["k_gs_base"]
        top = g.u64(base + self.top) if self.top is not None else None
        irq = g.u64(base + self.irq) if self.irq is not None else None
        if irq and irq + 8 - THREAD_SIZE <= rsp < irq + 8:
            data, end = copy(g, rsp, size, irq + 8)
            segs = [(rsp, "irq", end, data)]
            prev = g.u64(irq)
            left = size - len(data)
            if end == "top" and left and prev and top and \
                    top - THREAD_SIZE <= prev < top:
                data, end = copy(g, prev, left, top)
                segs.append((prev, "task", end, data))
            return segs
        if top and top - THREAD_SIZE <= rsp < top:
            data, end = copy(g, rsp, size, top)
            return [(rsp, "task", end, data)]
        data, end = copy(g, rsp, size)
        return [(rsp, "other", end, data)]


class FlatStack:
    """A guest without per-CPU stacks (the call-graph guest)."""

    def capture(self, g, r, size):
        data, end = copy(g, r["rsp"], size)
        return [(r["rsp"], "other", end, data)]


# More than any test writes: the files cut the copies to their size.
CAPTURE_MAX = 16384


def capture_one(g, stacks, kind):
    r = g.regs()
    return {"kind": kind, "regs": r,
            "segs": stacks.capture(g, r, CAPTURE_MAX)}


def write(path, caps, method, size, lstar=0, modules=()):
    w = vmprofdata.Writer(path)
    # The modules' tables ahead of INFO, where vmprof record writes them.
    for m in modules:
        w.guest_orc(m["name"], m["start"], m["end"], m["ip_table"], m["ip"],
                    m["orc"], VMM_PID)
    w.info(VMM_PID, FREQ, lstar, method, size)
    t = 10 ** 9
    for c in caps:
        r = c["regs"]
        user = (r["cs"] & 3) == 3
        regs = {n: r[n] for n in METHOD_REGS[method]}
        segs, left = [], size
        for addr, kind, end, data in c["segs"]:
            if len(data) >= left:
                data, end = data[:left], "size" if len(data) > left else end
            left -= len(data)
            segs.append((addr, kind, end, data))
            if not left:
                break
        w.guest_stack(regs, segs, user)
        w.sample(t, r["rip"], r["cr3"], user, 10 ** 9 // FREQ, VMM_PID,
                 VMM_TID)
        t += 10 ** 9 // FREQ
    w.end(t)


def sample_randomly(g, stacks, n):
    """n stops at random moments: exponential gaps, so that no period
    of the guest's own (a round of work) aliases with the stops."""
    caps = []
    rng = random.Random(1)
    g.cont()
    for _ in range(n):
        time.sleep(rng.expovariate(1 / 0.05))
        g.interrupt()
        caps.append(capture_one(g, stacks, "random"))
        g.cont()
    g.interrupt()
    return caps


def run_cg(image, n, prefix):
    port = free_port()
    log = prefix + ".serial"
    q = subprocess.Popen(
        ["qemu-system-x86_64", "-accel", "tcg", "-m", "64", "-nographic",
         "-no-reboot", "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
         "-kernel", image, "-append", "rounds=0 quiet=1",
         "-gdb", "tcp:127.0.0.1:%d" % port],
        stdout=open(log, "w"), stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL)
    try:
        wait_for(log, "CG round 1 done", q, 120)
        g = Rsp("127.0.0.1", port)
        g.interrupt()
        caps = sample_randomly(g, FlatStack(), n)
        g.close()
    finally:
        q.kill()
        q.wait()
    for method in ("fp", "dwarf"):
        write("%s-%s.data" % (prefix, method), caps, method, DEFAULT_SIZE)
    print("capture.py: cg: %d random stops" % len(caps))


def parse_serial(text):
    info = {"modules": {}, "ksyms": []}
    for line in text.splitlines():
        m = re.search(r"VMPROF-GUEST ksym (.*)", line)
        if m:
            info["ksyms"].append(m.group(1).strip())
        m = re.search(r"VMPROF-GUEST module-section (\S+) (\S+) 0x([0-9a-f]+)",
                      line)
        if m:
            info["modules"].setdefault(m.group(1), {})[m.group(2)] = \
                int(m.group(3), 16)
    return info


def read_module_orc(g, name, secs, kver):
    """The module's ORC tables from guest memory; their size from its .ko
    (the kernel sorts the tables in place when it loads the module)."""
    ko = subprocess.run(["modinfo", "-k", kver, "-n", name],
                        capture_output=True, text=True).stdout.strip()
    raw = subprocess.run(["sh", "-c", "xz -dcf '%s' 2>/dev/null || zstd -qdcf '%s'"
                          % (ko, ko)], capture_output=True).stdout
    path = os.path.join(os.environ.get("TMPDIR", "/tmp"), "capture-%d.ko" % os.getpid())
    open(path, "wb").write(raw)
    out = subprocess.run(["readelf", "-SW", path], capture_output=True,
                         text=True).stdout
    os.unlink(path)
    m = re.search(r"\]\s+\.orc_unwind_ip\s+\S+\s+\S+\s+\S+\s+([0-9a-f]+)", out)
    nr = int(m.group(1), 16) // 4
    text_end = max(v for k, v in secs.items() if k.startswith(".text") or
                   k == ".exit.text") + PAGE
    return {"name": name, "start": secs[".text"], "end": text_end,
            "ip_table": secs[".orc_unwind_ip"],
            "ip": g.mem(secs[".orc_unwind_ip"], nr * 4),
            "orc": g.mem(secs[".orc_unwind"], nr * 6)}


def run_linux(kver, initrd, n, prefix, breakpoints):
    port = free_port()
    log, kslog = prefix + ".serial", prefix + ".kallsyms"
    q = subprocess.Popen(
        ["sh", os.path.join(HERE, "../guest/linux/run-guest.sh"),
         "/boot/vmlinuz-" + kver, initrd, "net", "3600", "tcg",
         "-gdb", "tcp:127.0.0.1:%d" % port, "-monitor", "none",
         "-serial", "stdio", "-serial", "file:" + kslog],
        env=dict(os.environ, APPEND="vmprof.kallsyms=ttyS1"),
        stdout=open(log, "w"), stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL)
    try:
        text = wait_for(log, "VMPROF-GUEST workload net start", q, 900)
        info = parse_serial(text)
        # The guest's tty ends lines with CRLF.
        kallsyms = open(kslog, errors="replace").read().replace("\r", "")
        open(kslog, "w").write(kallsyms)
        syms, percpu = {}, {}
        for line in kallsyms.splitlines():
            f = line.split()
            if len(f) >= 3:
                syms.setdefault(f[2], int(f[0], 16))
                if f[1] in "AaDd" and int(f[0], 16) < 1 << 32:
                    percpu.setdefault(f[2], int(f[0], 16))
        g = Rsp("127.0.0.1", port)
        g.interrupt()
        mods = [read_module_orc(g, name, secs, kver)
                for name, secs in info["modules"].items()]
        stacks = LinuxStacks(percpu)
        caps = sample_randomly(g, stacks, n)
        for name in breakpoints:
            for _ in range(3):
                g.hbreak(syms[name])
                g.cont()
                g.wait_stop()
                g.hbreak(syms[name], False)
                caps.append(capture_one(g, stacks, "bp:" + name))
        g.close()
    finally:
        q.kill()
        q.wait()
    lstar = syms["entry_SYSCALL_64"]
    for method, size, path in (("orc", DEFAULT_SIZE, prefix + "-orc.data"),
                               ("orc", 1024, prefix + "-orc-1024.data"),
                               ("fp", DEFAULT_SIZE, prefix + "-fp.data")):
        write(path, caps, method, size, lstar, mods)
    print("capture.py: linux %s: %d stops, modules %s" %
          (kver, len(caps), " ".join(m["name"] for m in mods)))


def main():
    if len(sys.argv) >= 5 and sys.argv[1] == "cg":
        run_cg(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    elif len(sys.argv) >= 6 and sys.argv[1] == "linux":
        run_linux(sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5],
                  sys.argv[6:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
