#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Checks on what the operator's commands show (vmprof list, top, record
--vm), run by tests/lab/t-operator.sh.  Each check prints "PASS: name" or
"FAIL: name: why".

  operator-checks.py list JSON PID:NAME:SOURCE:VCPUS[:MEMORY_MIB] ...
      `vmprof list --format json` holds exactly these VMs; an argument
      ignore:PID allows one more (the lab's own hold-keys holds VMs)
  operator-checks.py top-screen SCREEN MIN
      a `vmprof top` screen (tmux capture-pane) of the ground-truth guest
      shows gt_compute_a/b/c in the 4:2:1 ratio; exits 3, printing
      nothing, while the screen has fewer than MIN compute samples
  operator-checks.py top-domain STDIO_OUTPUT
      the last block of `vmprof top --switch domain --stdio` on the
      ground-truth guest: the VMM's share, the port-I/O exits and the
      device function charged with them
  operator-checks.py same-vm A.json B.json
      two recordings (reports in JSON) are of the same VM, with the same
      kind of data
"""
import json
import math
import re
import sys

failed = False
WANT = {"gt_compute_a": 4 / 7, "gt_compute_b": 2 / 7, "gt_compute_c": 1 / 7}
PIO = ("IOIO", "IO_INSTRUCTION")


def check(ok, name, why=""):
    global failed
    if ok:
        print(f"PASS: {name}")
    else:
        failed = True
        print(f"FAIL: {name}: {why}")


def check_list(path, expects):
    with open(path) as f:
        vms = json.load(f)["vms"]
    by_pid = {v["pid"]: v for v in vms}
    for e in expects:
        if e.startswith("ignore:"):
            by_pid.pop(int(e.split(":")[1]), None)
            continue
        pid, name, source, vcpus, *mem = e.split(":")
        v = by_pid.pop(int(pid), None)
        if v is None:
            check(False, f"list: VM {name} (pid {pid}) is listed", f"list {vms}")
            continue
        got = (v["name"], v["name_source"], v["vcpus"])
        want = (name, source, int(vcpus))
        if mem:
            got += (v["memory_bytes"],)
            want += (int(mem[0]) << 20,)
        check(got == want,
              f"list: pid {pid} is {name} ({source}), {vcpus} vCPU(s)"
              + (f", {mem[0]} MiB" if mem else ""),
              f"got {v}")
    check(not by_pid, "list: no other VM is listed", f"extra {list(by_pid.values())}")


def screen_rows(text):
    """{symbol: samples} of the function rows of a cpu-switch screen."""
    rows = {}
    for line in text.splitlines():
        m = re.match(r"^\s+(\d+\.\d+)%\s+(\d+)\s+(\S+)\s+(\S+)\s*$", line)
        if m:
            rows[m.group(3)] = rows.get(m.group(3), 0) + int(m.group(2))
    return rows


def top_screen(path, minimum):
    with open(path) as f:
        text = f.read()
    rows = screen_rows(text)
    compute = sum(rows.get(f, 0) for f in WANT)
    if compute < minimum:
        sys.exit(3)
    check(compute >= 1000, f"top screen: {compute} compute samples in the window",
          "too few for a 10% bound")
    # A window of 2000-5000 samples: at 2000 the smallest share (1/7) has a
    # standard error of 5% of itself, so 10% alone would fail one
    # run in twenty on chance.  The bound is 10% or three standard errors
    # (counted on the window's decayed samples, fewer than it holds in
    # effect), whichever is wider.
    for f, share in WANT.items():
        got = rows.get(f, 0) / compute if compute else 0
        tol = max(0.10 * share,
                  3 * math.sqrt(share * (1 - share) / max(compute, 1)))
        check(abs(got - share) <= tol,
              f"top screen: {f} share {got:.3f} within {tol:.3f} of "
              f"{share:.3f} (10% or 3 standard errors)",
              f"rows {rows}")


def top_domain(path):
    with open(path) as f:
        blocks = [b for b in re.split(r"(?m)^(?=vmprof top:)", f.read())
                  if b.startswith("vmprof top:")]
    if not blocks:
        check(False, "top --stdio domain-switch: printed a screen", "no block")
        return
    text = blocks[-1]
    m = re.search(r"guest (\d+\.\d+)%\s+VMM (\d+\.\d+)%", text)
    check(m and float(m.group(2)) > 0,
          f"top --stdio domain-switch: VMM share shown ({m.group(0) if m else '-'})",
          text[:400])
    ex = re.search(r"^exits: .*$", text, re.M)
    check(ex and any(p in ex.group(0) for p in PIO),
          "top --stdio domain-switch: port-I/O exits per second shown",
          ex.group(0) if ex else text[:400])
    dev = None
    for line in text.splitlines():
        m = re.match(r"^\s+(\d+\.\d+)%\s+(\d+)\s+(\S+)\s+(\S+)\s+gt_device_io\s", line)
        if m:
            dev = m
    check(dev and dev.group(3) != "-" and any(p in dev.group(4) for p in PIO),
          "top --stdio domain-switch: gt_device_io carries VMM samples and its port-I/O exits",
          dev.group(0) if dev else text[:600])


def same_vm(a_path, b_path):
    with open(a_path) as f:
        a = json.load(f)
    with open(b_path) as f:
        b = json.load(f)
    for key in ("vmm_pid", "vmm_cmdline", "nr_vcpus", "mode", "event", "isa"):
        check(a.get(key) == b.get(key) and a.get(key) is not None,
              f"record --vm NAME = record -p PID: same {key} ({a.get(key)})",
              f"{a.get(key)} != {b.get(key)}")
    for label, rep in (("--vm", a), ("-p", b)):
        syms = {r["symbol"] for r in rep["rows"] if r["samples"] > 0}
        check(set(WANT) <= syms,
              f"record {label}: the guest's compute functions are in the profile",
              f"symbols {sorted(syms)[:10]}")


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "list":
        check_list(args[0], args[1:])
    elif cmd == "top-screen":
        top_screen(args[0], int(args[1]))
    elif cmd == "top-domain":
        top_domain(args[0])
    elif cmd == "same-vm":
        same_vm(args[0], args[1])
    else:
        sys.exit(f"unknown check {cmd}")
    sys.exit(1 if failed else 0)


main()
