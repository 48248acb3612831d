#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Checks on `vmprof report --format json` output from lab recordings.

Each check prints "PASS: name" or "FAIL: name: why".

  report-checks.py gt CPU.json DOMAIN.json GT_C
      the ground-truth guest: 4:2:1 compute split within 10% relative in
      both modes, the device function under 1% in cpu-switch (its guest
      time is a few instructions per exit) and clearly larger in
      domain-switch with its exit reason, DWARF source lines
  report-checks.py resolved JSON MIN_PERCENT
      guest-kernel samples that resolve to a symbol, and named top rows
  report-checks.py linux-modes CPU.json DOMAIN.json
      a Linux guest on an emulated NIC: the driver's share rises in
      domain-switch, as in the paper's packet-receive table
  report-checks.py map-core JSON
      with a System.map alone, only module addresses stay unknown
  report-checks.py kaslr JSON EXPECTED_OFFSET
      the KASLR offset undone is the guest's real one
  report-checks.py vmx-exits JSON
      a VMX recording of gt from its first instruction: exit reasons
      named in VMX terms, the port I/O charged to gt_device_io
  report-checks.py comm-split JSON GUEST_LOG POINTS
      --sort comm shares of busy-a and busy-b within POINTS of the %CPU
      the guest's own top printed (its last frame)
  report-checks.py comm-filter JSON COMM
      --guest-comm COMM left only that comm, with guest pids and tids
  report-checks.py user-symbols JSON
      guest user samples of busy-a/busy-b named busy_work_a/busy_work_b
  report-checks.py same-names AUTO.json KALLSYMS.json N [SOURCE]
      the top N guest kernel rows and top module rows are the same, with
      the same samples, named automatically and with --guest-kallsyms;
      the kernel's symbols came from SOURCE (default debuginfod)
  report-checks.py kernel-unknown JSON
      without symbols the guest kernel rows are [unknown]
  report-checks.py paging JSON LEVELS
      the recording says the guest ran LEVELS-level paging
  report-checks.py offcpu JSON SLEEP_MS
      a VMM that sleeps SLEEP_MS at each port-I/O exit: the exit table's
      VMM time and its off-CPU part are at least that per exit (95% of
      it for the off-CPU part), the off-CPU part no more than VMM time
  report-checks.py late-module JSON GUEST_LOG
      a module the guest loaded while recording is in the recording: its
      module count is the guest's own after loading it
"""
import json
import re
import sys

failed = False


def check(ok, name, why=""):
    global failed
    if ok:
        print(f"PASS: {name}")
    else:
        failed = True
        print(f"FAIL: {name}: {why}")


def load(path):
    with open(path) as f:
        return json.load(f)


def by_symbol(rep, context_prefix="guest"):
    rows = {}
    for r in rep["rows"]:
        if r["context"] and r["context"].startswith(context_prefix):
            rows[r["symbol"]] = rows.get(r["symbol"], 0) + r["samples"]
    return rows


def gt(cpu_path, dom_path, src_path):
    cpu, dom = load(cpu_path), load(dom_path)
    want = {"gt_compute_a": 4 / 7, "gt_compute_b": 2 / 7, "gt_compute_c": 1 / 7}
    for label, rep in (("cpu-switch", cpu), ("domain-switch", dom)):
        rows = by_symbol(rep)
        compute = sum(rows.get(f, 0) for f in want)
        check(compute >= 2000, f"gt {label}: enough compute samples ({compute})",
              "need 2000 for a 10% bound")
        for f, share in want.items():
            got = rows.get(f, 0) / compute if compute else 0
            check(abs(got - share) <= 0.10 * share,
                  f"gt {label}: {f} share {got:.3f} within 10% of {share:.3f}",
                  f"rows {rows}")
    cpu_total = cpu["total_samples"]
    dom_total = dom["total_samples"]
    dev_cpu = by_symbol(cpu).get("gt_device_io", 0) / cpu_total
    dev_dom = by_symbol(dom).get("gt_device_io", 0) / dom_total
    # The device function runs a handful of guest instructions per exit:
    # its own time in the guest is a small fraction of a percent.  What a
    # profiler shows above that is host time charged to the guest (ticks
    # held on the way into the guest, or taken after an exit).
    check(dev_cpu < 0.01, f"gt cpu-switch: device function under 1% ({dev_cpu:.4f})",
          "its guest time is a few instructions per exit")
    check(dev_dom >= 2 * dev_cpu and dev_dom >= dev_cpu + 0.05,
          f"gt domain-switch: device function rises ({dev_cpu:.3f} -> {dev_dom:.3f})",
          "want at least twice its cpu-switch share")
    dev_rows = [r for r in dom["rows"] if r["symbol"] == "gt_device_io"]
    reasons = [e["reason"] for r in dev_rows for e in r.get("exit_reasons") or []]
    check("IOIO" in reasons or "IO_INSTRUCTION" in reasons,
          "gt domain-switch: device row carries the port-I/O exit reason",
          f"reasons {reasons}")
    vmm = sum(r.get("vmm_samples") or 0 for r in dev_rows)
    check(vmm > 0, f"gt domain-switch: device row has VMM samples ({vmm})")

    # DWARF: the compute rows' hottest line is inside gt_spin's loop.
    src = open(src_path).read().splitlines()
    start = next(i for i, l in enumerate(src) if "u32 gt_spin(" in l) + 1
    end = next(i for i in range(start, len(src)) if src[i].strip() == "return x;") + 1
    for f in want:
        rows = [r for r in cpu["rows"] if r["symbol"] == f]
        srcline = rows[0].get("srcline", "") if rows else ""
        m = re.match(r"(?:.*/)?gt\.c:(\d+)$", srcline)
        line = int(m.group(1)) if m else -1
        check(start <= line <= end,
              f"gt DWARF: {f} hottest line {srcline} is in gt_spin's loop (gt.c:{start}-{end})")
        check("gt_spin" in (rows[0].get("inlined", "") if rows else ""),
              f"gt DWARF: {f} shows the inlined gt_spin")


def resolved(path, min_percent):
    rep = load(path)
    rows = [r for r in rep["rows"] if r["context"] == "guest-kernel"]
    total = sum(r["samples"] for r in rows)
    known = sum(r["samples"] for r in rows if r["symbol"] != "[unknown]")
    pct = 100 * known / total if total else 0
    check(total >= 100, f"{path}: guest-kernel samples ({total})")
    check(pct >= min_percent,
          f"{path}: {pct:.1f}% of guest-kernel samples resolve to a symbol",
          f"want >= {min_percent}%")
    top = rows[:5]
    check(top and all(r["symbol"] != "[unknown]" for r in top),
          f"{path}: the top guest-kernel rows are named functions",
          f"top {[r['symbol'] for r in top]}")


def map_core(path):
    """With only the System.map, everything but module code resolves."""
    rep = load(path)
    unknown = [r for r in rep["rows"]
               if r["context"] == "guest-kernel" and r["symbol"] == "[unknown]"]
    outside = [r["address"] for r in unknown
               if int(r["address"], 16) < 0xffffffffc0000000]
    check(not outside,
          f"{path}: every core-kernel sample resolves with the System.map "
          f"({len(unknown)} unknown addresses, all in module space)",
          f"unknown core addresses {outside[:5]}")


def linux_modes(cpu_path, dom_path):
    cpu, dom = load(cpu_path), load(dom_path)

    def driver_share(rep):
        s = sum(r["samples"] for r in rep["rows"]
                if r["dso"] and "e1000" in r["dso"])
        return s / rep["total_samples"] if rep["total_samples"] else 0

    c, d = driver_share(cpu), driver_share(dom)
    check(d > c * 1.5 and d > c + 0.02,
          f"linux: e1000 driver share rises from cpu-switch {c:.3f} to domain-switch {d:.3f}")
    top = [r for r in dom["rows"] if r["dso"] and "e1000" in r["dso"]][:3]
    charged = [r for r in top if (r.get("vmm_samples") or 0) > 0]
    check(charged, "linux domain-switch: driver rows carry VMM work",
          f"top driver rows {[(r['symbol'], r.get('vmm_samples')) for r in top]}")
    reasons = {e["reason"] for r in charged for e in r.get("exit_reasons") or []}
    check(reasons & {"NPF", "IOIO", "EPT_VIOLATION", "IO_INSTRUCTION", "EPT_MISCONFIG"},
          f"linux domain-switch: driver rows name MMIO/PIO exits ({sorted(reasons)})")


def kaslr(path, expected):
    rep = load(path)
    got = int(rep["kaslr_offset"], 16)
    check(got == int(expected, 16) and rep["kaslr_source"] == "lstar",
          f"{path}: KASLR offset {rep['kaslr_offset']} found from the guest's LSTAR",
          f"expected {expected}, source {rep['kaslr_source']}")


def vmx_exits(path):
    rep = load(path)
    check(rep["isa"] == "vmx", f"{path}: recorded on VMX", f"isa {rep['isa']}")
    exits = {e["reason"]: e for e in rep["exits"]}
    for reason, why in (("IO_INSTRUCTION", "gt_device_io's in and out"),
                        ("EXTERNAL_INTERRUPT", "the host's timer ticks"),
                        ("EPT_VIOLATION", "the guest's first touch of its pages"),
                        ("MSR_WRITE", "gt's write of LSTAR")):
        count = exits.get(reason, {}).get("count", 0)
        check(count > 0, f"{path}: {reason} exits counted ({count}: {why})",
              f"exits {sorted(exits)}")
    unnamed = [r for r in exits if r.startswith("UNKNOWN")]
    check(not unnamed, f"{path}: every exit reason has its VMX name",
          f"unnamed {unnamed}")
    io = exits.get("IO_INSTRUCTION", {})
    funcs = [f["symbol"] for f in io.get("functions") or []]
    check(funcs[:1] == ["gt_device_io"],
          f"{path}: IO_INSTRUCTION samples charged to gt_device_io ({funcs[:3]})")
def top_frame(log_path):
    """%CPU by command in the last frame of the guest's busybox top."""
    frames = []
    for line in open(log_path, errors="replace"):
        line = line.rstrip("\r\n")
        if not line.startswith("VMPROF-GUEST top "):
            continue
        line = line[len("VMPROF-GUEST top "):]
        f = line.split()
        if f[:1] == ["PID"]:
            frames.append({})
        elif frames and len(f) >= 8 and f[6].endswith("%"):
            cmd = f[7].split("/")[-1]
            frames[-1][cmd] = frames[-1].get(cmd, 0) + float(f[6][:-1])
    return frames[-1] if frames else {}


def comm_split(path, log_path, points):
    rep = load(path)
    top = top_frame(log_path)
    total = rep["total_samples"]
    share = {r["comm"]: 100 * r["samples"] / total for r in rep["rows"]} \
        if total else {}
    check(total >= 300, f"comm: enough samples ({total})", "need 300")
    check(set(top) >= {"busy-a", "busy-b"},
          f"comm: the guest's top shows busy-a and busy-b ({top})")
    for comm in ("busy-a", "busy-b"):
        got, want = share.get(comm, 0), top.get(comm, -100)
        check(abs(got - want) <= float(points),
              f"comm: {comm} {got:.1f}% of the samples, the guest's top "
              f"says {want:.1f}% (within {points} points)",
              f"report {share}")
    check(share.get("busy-a", 0) > share.get("busy-b", 0),
          "comm: busy-a (nice 0) ahead of busy-b (nice 5)")


def comm_filter(path, comm):
    rep = load(path)
    rows = rep["rows"]
    check(rows and all(r["comm"] == comm for r in rows),
          f"--guest-comm {comm}: only its rows ({len(rows)})",
          f"comms {sorted({r['comm'] for r in rows})}")
    check(rows and all(isinstance(r["pid"], int) and isinstance(r["tid"], int)
                       for r in rows),
          f"--guest-comm {comm}: rows carry guest pids and tids")
    check(rep.get("task_filtered_samples", 0) > 0,
          f"--guest-comm {comm}: the other tasks' samples are left out "
          f"({rep.get('task_filtered_samples')})")


def user_symbols(path):
    rep = load(path)
    for prog, func in (("busy-a", "busy_work_a"), ("busy-b", "busy_work_b")):
        rows = [r for r in rep["rows"]
                if r["context"] == "guest-user" and r["dso"] == prog]
        total = sum(r["samples"] for r in rows)
        named = sum(r["samples"] for r in rows if r["symbol"] == func)
        check(total and named / total >= 0.8,
              f"{path}: {prog}'s samples in {func} ({named} of {total})",
              f"rows {[(r['symbol'], r['samples']) for r in rows[:5]]}")


def guest_rows(rep, modules):
    rows = []
    for r in rep["rows"]:
        if r["context"] != "guest-kernel":
            continue
        is_mod = r["dso"].startswith("[") and r["dso"] not in \
            ("[guest.kernel]", "[unknown]")
        if is_mod == modules:
            rows.append((r["symbol"], r["dso"], r["samples"]))
    return rows


def same_names(auto_path, ks_path, n, source="debuginfod"):
    auto, ks = load(auto_path), load(ks_path)
    n = int(n)
    for modules, what in ((False, "kernel"), (True, "module")):
        a, k = guest_rows(auto, modules)[:n], guest_rows(ks, modules)[:n]
        check(k and a == k,
              f"same names: top {len(k)} guest {what} rows with no symbol "
              f"option equal --guest-kallsyms's ({k[:3]}...)",
              f"automatic {a[:5]} vs kallsyms {k[:5]}")
        unknown = [r for r in a if r[0] == "[unknown]"]
        check(not unknown, f"same names: no [unknown] among the top guest "
              f"{what} rows", f"{unknown}")
    gk = auto.get("guest_kernel") or {}
    check(gk.get("symbols_source") == source,
          f"same names: guest kernel symbols from {source} ({gk.get('symbols')})",
          f"{gk}")
    check(gk.get("lstar_check") == "agrees",
          "same names: the guest's LSTAR agrees with its VMCOREINFO", f"{gk}")


def kernel_unknown(path):
    rep = load(path)
    rows = [r for r in rep["rows"] if r["context"] == "guest-kernel"
            and r["dso"] in ("[guest.kernel]", "[unknown]")]
    named = [r for r in rows if r["symbol"] != "[unknown]"]
    check(rows and not named,
          f"{path}: without symbols the guest kernel is [unknown]",
          f"named {[(r['symbol'], r['samples']) for r in named[:5]]}")


def paging(path, levels):
    gk = load(path).get("guest_kernel") or {}
    check(gk.get("paging_levels") == int(levels),
          f"{path}: the guest ran {levels}-level paging "
          f"({gk.get('paging_levels')})", f"{gk}")


def late_module(path, log_path):
    gk = load(path).get("guest_kernel") or {}
    late = None
    with open(log_path, errors="replace") as f:
        for line in f:
            m = re.search(r"VMPROF-GUEST late module (\S+) .* modules=(\d+)",
                          line)
            if m:
                late = (m.group(1), int(m.group(2)))
    if late is None:
        check(False, f"{path}: a late module", "the guest loaded none")
        return
    check(gk.get("modules") == late[1],
          f"{path}: {late[0]}, loaded while recording, is recorded "
          f"({gk.get('modules')} modules, the guest had {late[1]})")


def offcpu(path, sleep_ms):
    ns = float(sleep_ms) * 1e6
    io = [e for e in load(path)["exits"] if e["reason"] == "IOIO"]
    n = io[0]["count"] if io else 0
    check(n >= 100, "offcpu: 100 port-I/O exits or more", f"{n}")
    if n < 100:
        return
    e = io[0]
    off = e["offcpu_ns"]
    check(e["vmm_ns"] >= n * ns,
          f"offcpu: VMM time at least the {sleep_ms} ms slept per exit",
          f"{e['vmm_ns']} ns for {n} exits")
    # A sleep never ends early; the thread leaves its CPU just after it
    # starts.  (The rest of the VMM time, on the CPU, is long under TCG:
    # 0.6 ms an exit.)
    check(off is not None and off >= n * 0.95 * ns,
          f"offcpu: off the CPU for 95% of the {sleep_ms} ms slept per "
          f"exit or more", f"{off} ns for {n} exits")
    check(off is not None and off <= e["vmm_ns"],
          "offcpu: off the CPU for no longer than the VMM time",
          f"{off} of {e['vmm_ns']} ns")


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    {"gt": gt, "linux-modes": linux_modes, "kaslr": kaslr, "map-core": map_core,
     "vmx-exits": vmx_exits,
     "resolved": lambda p, m: resolved(p, float(m)),
     "comm-split": comm_split, "comm-filter": comm_filter,
     "user-symbols": user_symbols, "same-names": same_names,
     "kernel-unknown": kernel_unknown, "paging": paging,
     "late-module": late_module, "offcpu": offcpu}[cmd](*args)
    sys.exit(1 if failed else 0)
