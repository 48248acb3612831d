#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Names what gdb saw of a frozen L1 (see hang-dump.sh).

usage: hang-symbolize.py KALLSYMS GDB_OUTPUT...
For each gdb output: every thread's rip as symbol+offset, then the words
on its stack that point into kernel or module text (a poor man's
backtrace: stale words appear too, but a stuck CPU's real frames are
there).  Without KALLSYMS the addresses are printed raw."""
import bisect
import re
import sys


def load_kallsyms(path):
    syms = []
    try:
        with open(path) as f:
            for line in f:
                parts = line.split()
                if len(parts) < 3 or parts[1] not in "tTwW":
                    continue
                addr = int(parts[0], 16)
                if addr == 0:
                    continue
                name = parts[2] + (" " + parts[3] if len(parts) > 3 else "")
                syms.append((addr, name))
    except OSError:
        return [], []
    syms.sort()
    return [a for a, _ in syms], [n for _, n in syms]


def namer(addrs, names):
    def name(addr):
        i = bisect.bisect_right(addrs, addr) - 1
        if i < 0 or addr - addrs[i] > 0x10000:
            return None
        return "%s+0x%x" % (names[i], addr - addrs[i])
    return name


def main():
    addrs, names = load_kallsyms(sys.argv[1])
    name = namer(addrs, names)
    if not addrs:
        print("(no kallsyms: the lab ran with LAB_DEBUG=0)")
    for path in sys.argv[2:]:
        print("-- %s" % path)
        thread = None
        try:
            text = open(path).read()
        except OSError as e:
            print("  unreadable: %s" % e)
            continue
        for line in text.splitlines():
            m = re.match(r"^Thread (\d+)", line)
            if m:
                thread = m.group(1)
                print("  vCPU thread %s" % thread)
                continue
            m = re.match(r"^(rip|rsp|rbp|eflags|cs|ss)\s+(0x[0-9a-f]+)", line)
            if m:
                val = int(m.group(2), 16)
                sym = name(val) if m.group(1) == "rip" else None
                print("    %-6s %#018x %s" % (m.group(1), val, sym or ""))
                continue
            if line.startswith("0x") and ":" in line:
                for word in line.split(":", 1)[1].split():
                    val = int(word, 16)
                    if val >> 47 != 0x1ffff:
                        continue
                    sym = name(val)
                    if sym:
                        print("      stack %#018x %s" % (val, sym))
            elif not addrs and line.strip() and thread is None:
                print("  " + line)


if __name__ == "__main__":
    main()
