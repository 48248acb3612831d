#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Instruction counts of bench/icount-lab.sh (the icount plugin's snapshots,
bench/icount.c) and of bench/icount-host.sh (callgrind), as the tables of
docs/benchmarks.md: instructions per VM exit and per sample, what vmprof
adds, and how well two repetitions and two runs agree.

usage: icount-summary.py RUN_DIR...   (markdown on stdout)
  RUN_DIR holds icount.out and icount.windows of one lab boot, and
  icount-host.raw if the host part ran; each is one "run".
"""
import os
import shlex
import statistics
import sys

PROBES = ("probe.kvm_entry", "probe.kvm_exit", "probe.userspace_exit",
          "probe.sched_switch", "probe.sched_fork")
# Inside the probes (and the overflow handler): where their cost goes.
DETAIL = ("vmprof.lookup", "vmprof.guest_read", "clock")
NAMES = {
    "none": "unprofiled",
    "probes": "vmprof session attached, not started (the probes alone)",
    "hooks": "vmprof software-clock session, no ticks (probes and "
             "timing hooks)",
    "dry": "null sampler (floor: ticks dropped on arrival)",
    "cpu": "vmprof record, cpu-switch",
    "domain": "vmprof record, domain-switch",
    "perf": "perf kvm --host --guest record",
    "perfrec": "perf record",
    "perfstat": "perf kvm stat record",
    "cpu@1": "vmprof record, cpu-switch, 1 Hz",
    "perf@1": "perf kvm --host --guest record, 1 Hz",
    "probe": "vmprof-probe, cpu-switch",
    "gtask": "vmprof-probe, cpu-switch, guest tasks",
    "cpug": "vmprof record --call-graph fp,SIZE",
    "perfdwarf": "perf record --call-graph dwarf,SIZE",
    "cpug@1": "vmprof record --call-graph fp,SIZE, 1 Hz",
    "perfdwarf@1": "perf record --call-graph dwarf,SIZE, 1 Hz",
}
# The chain part: each sampler with stacks, and the same without.
CHAIN_PAIRS = (("cpug", "cpu"), ("perfdwarf", "perfrec"))
REPEAT_BAR = 0.01


def parse_counts(fields):
    d = {}
    for f in fields:
        k, v = f.split("=", 1)
        if k.startswith(("r.", "g.")):
            d[k] = tuple(int(x) for x in v.split(","))
        elif k != "vcpu":
            d[k] = int(v)
    return d


def add(a, b, sign=1):
    out = dict(a)
    for k, v in b.items():
        if isinstance(v, tuple):
            old = out.get(k, (0,) * len(v))
            out[k] = tuple(x + sign * y for x, y in zip(old, v))
        else:
            out[k] = out.get(k, 0) + sign * v
    return out


def load_run(d):
    """{(part, cfg, rep): window} of one lab boot."""
    snaps = {}
    for line in open(os.path.join(d, "icount.out")):
        f = line.split()
        if len(f) > 3 and f[0] == "snap":
            snaps[f[2]] = add(snaps.get(f[2], {}), parse_counts(f[3:]))
    info = {}
    machine = ""
    for line in open(os.path.join(d, "icount.windows")):
        if line.startswith("machine:"):
            machine = line[8:].strip()
        if not line.startswith("window "):
            continue
        w = dict(t.split("=", 1) for t in shlex.split(line)[1:])
        info[(w["part"], w["cfg"], int(w["rep"]))] = w
    wins = {}
    for (part, cfg, rep), w in info.items():
        label = "%s:%s:%d" % (part, cfg, rep)
        a, b = snaps.get(label + ":start"), snaps.get(label + ":end")
        c = snaps.get(label + ":after", b)
        if a is None or b is None:
            continue
        delta = add(b, a, -1)
        delta["samples_tool"] = int(w.get("samples", 0) or 0)
        # The recording's size, vmprof's guest stacks (record's summary)
        # and the stack size asked for (chain part).
        for k in ("bytes", "stacks", "stack_bytes", "stack"):
            if w.get(k):
                delta["w." + k] = int(w[k])
        delta["tool"] = add(c, a, -1)
        wins[(part, cfg, rep)] = delta
    host = []
    hp = os.path.join(d, "icount-host.raw")
    if os.path.exists(hp):
        for line in open(hp):
            if line.startswith("part="):
                host.append(dict(t.split("=", 1) for t in shlex.split(line)))
    return {"dir": d, "wins": wins, "machine": machine, "host": host}


def g(w, name, i):
    """calls (i=0) or instructions (i=1) of region name."""
    return w.get("g." + name, (0, 0))[i]


def r(w, name, i):
    """instructions in range name: all (i=0) or in exit windows (i=1)."""
    return w.get("r." + name, (0, 0))[i]


def div(a, b):
    return a / b if b else float("nan")


# ---- metrics of one window ----

def exit_metrics(w):
    """Per exit: the round trip from the windows that went to the VMM's
    user space and did not switch tasks (uwins: the guest's port-I/O exits,
    whatever else exits meanwhile, e.g. for ticks); the L1 work of all
    windows without a task switch per such exit; what the probes did at
    every exit."""
    ex = w.get("exits", 0)
    uwins = w.get("uwins", 0)
    m = {
        "exits": ex,
        "io_exits": uwins,
        "switched": div(w.get("swins", 0), ex),
        "round_trip": div(w.get("uk", 0), uwins),
        "user": div(w["wu"], uwins),
        "irq": div(w.get("uirq", 0), uwins),
        "total": div(w["wk"] + w["wu"] + w["wirq"], uwins),
        "probes": div(sum(g(w, p, 1) for p in PROBES), ex),
        "vmprof_text": div(r(w, "vmprof", 1), uwins),
        "kvm_text": div(r(w, "kvm", 1) + r(w, "kvm_amd", 1) +
                        r(w, "kvm_intel", 1), uwins),
        "tp": div(r(w, "tp.iter", 1) + r(w, "tp.sct", 1), uwins),
        "perf_trace": div(g(w, "perf.trace", 1), ex),
    }
    for p in PROBES + DETAIL:
        m[p + ".calls"] = div(g(w, p, 0), ex)
        m[p + ".per_call"] = div(g(w, p, 1), g(w, p, 0))
    m.update(sample_metrics(w))
    return m


def vmprof_written(w):
    """Samples vmprof wrote: single records, and guest samples' groups."""
    return g(w, "vmprof.ring_write", 0) + g(w, "vmprof.group_write", 0)


def sample_metrics(w):
    ticks = g(w, "perf.hrtimer", 0)
    written = vmprof_written(w) or g(w, "perf.output", 0)
    handler = g(w, "vmprof.overflow", 1) + g(w, "perf.output", 1)
    calls = g(w, "vmprof.overflow", 0) + g(w, "perf.output", 0)
    t = w.get("tool", {})
    t_written = vmprof_written(t) or g(t, "perf.output", 0)
    samples = w.get("samples_tool", 0)
    return {
        "file_per_sample": div(w.get("w.bytes", 0), samples)
        if "w.bytes" in w else float("nan"),
        "stack_bytes": w.get("w.stack_bytes", float("nan")),
        "stack_size": w.get("w.stack", float("nan")),
        "group_write": div(g(w, "vmprof.group_write", 1), written),
        "stack_src": div(g(w, "vmprof.stack_src", 1), written),
        "stack_copy": div(g(w, "vmprof.stack_copy", 1), written),
        "ring_begin": div(g(w, "vmprof.ring_begin", 1), written),
        "ring_fill": div(g(w, "vmprof.ring_fill", 1), written),
        "gva_read": div(g(w, "vmprof.gva_read", 1), written),
        "gva_reads": div(g(w, "vmprof.gva_read", 0), written),
        "callchain": div(g(w, "perf.callchain", 1), written),
        "ustack": div(g(w, "perf.ustack", 1), written),
        "ticks": ticks,
        "tick": div(g(w, "perf.hrtimer", 1), ticks),
        "overflow": div(g(w, "perf.overflow", 1), g(w, "perf.overflow", 0)),
        "handler_per_call": div(handler, calls),
        "written": written,
        "handler_per_sample": div(handler, written),
        "ring_write": div(g(w, "vmprof.ring_write", 1),
                          g(w, "vmprof.ring_write", 0)),
        "tool_insns": r(t, "tool", 0),
        "tool_written": t_written,
        "tool_per_sample": div(r(t, "tool", 0), t_written),
        "aborts": w.get("aborts", 0),
    }


def windows(runs, part, cfg):
    """[(run index, rep, window)] of one configuration."""
    out = []
    for i, run in enumerate(runs):
        for (p, c, rep), w in sorted(run["wins"].items()):
            if p == part and c == cfg:
                out.append((i, rep, w))
    return out


def values(runs, part, cfg, key, base=None):
    """The metric in every window; base: subtract the unprofiled window of
    the same run and repetition."""
    vals = []
    for i, rep, w in windows(runs, part, cfg):
        m = exit_metrics(w)
        v = m[key]
        if base:
            bw = runs[i]["wins"].get((part, base, rep))
            if bw is None:
                continue
            v -= exit_metrics(bw)[key]
        vals.append(v)
    return vals


def mean(xs):
    xs = [x for x in xs if x == x]
    return statistics.mean(xs) if xs else float("nan")


def spread(xs):
    """Largest relative distance of a value from the mean."""
    xs = [x for x in xs if x == x]
    if len(xs) < 2:
        return float("nan")
    m = statistics.mean(xs)
    return max(abs(x - m) for x in xs) / abs(m) if m else float("nan")


def fmt(x, nd=0):
    if x != x:
        return "-"
    return "{:,.{}f}".format(x, nd)


def pct(x):
    return "-" if x != x else "%.2f%%" % (100 * x)


def cfgs_of(runs, part):
    seen = []
    for run in runs:
        for (p, c, _), _w in sorted(run["wins"].items()):
            if p == part and c not in seen:
                seen.append(c)
    order = list(NAMES)
    return sorted(seen, key=lambda c: order.index(c) if c in order else 99)


# ---- tables ----

def exit_table(runs, out, part="exit", base_part="exit", title=None):
    cfgs = cfgs_of(runs, part)
    if not cfgs:
        return {}
    base = mean(values(runs, base_part, "none", "round_trip"))
    nwin = len(windows(runs, part, cfgs[0]))
    out.append("### %s\n" % (title or "Exit-heavy guest: instructions per "
                              "VM exit"))
    if part == base_part:
        out.append(
            "kvm-run with an I/O exit to user space every iteration, "
            "pinned on L1's CPU 1.  \"Round trip\" is KVM's in-kernel exit "
            "round trip: the L1 kernel instructions from a #VMEXIT to the "
            "next VMRUN on that CPU, over the exits that went to the VMM's "
            "user space (the guest's port I/O, not the exits ticks cause) "
            "and after which the CPU did not switch tasks (those run other "
            "tasks' work too; \"switched\" is their share of all exits), "
            "interrupts apart (their own column).  \"Probes\" are "
            "vmprof's tracepoint probes, all their calls included, per "
            "exit; \"KVM's text\" is what KVM's own code ran more than "
            "unprofiled: the tracepoint call sites.  Each cell is the mean "
            "of %d windows (%d run(s)); \"spread\" the largest distance "
            "of one from that mean.\n" % (nwin, len(runs)))
    out.append("| configuration | I/O exits | switched | round trip (kernel) | "
               "spread | added vs. unprofiled | probes | KVM's text, added | "
               "VMM user space | in interrupts |")
    out.append("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    res = {}
    for cfg in cfgs:
        rt = values(runs, part, cfg, "round_trip")
        added = [x - base for x in rt]
        kvm = [x - mean(values(runs, base_part, "none", "kvm_text"))
               for x in values(runs, part, cfg, "kvm_text")]
        probes = values(runs, part, cfg, "probes")
        res[cfg] = {"rt": mean(rt), "added": mean(added),
                    "probes": mean(probes), "kvm": mean(kvm),
                    "spread": spread(rt)}
        none = cfg == "none" and part == base_part
        out.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            NAMES.get(cfg, cfg),
            fmt(sum(values(runs, part, cfg, "io_exits"))),
            pct(mean(values(runs, part, cfg, "switched"))),
            fmt(mean(rt)), pct(spread(rt)),
            "-" if none else "%s (%s)" % (fmt(mean(added)),
                                          pct(div(mean(added), base))),
            fmt(mean(probes)), "-" if none else fmt(mean(kvm)),
            fmt(mean(values(runs, part, cfg, "user"))),
            fmt(mean(values(runs, part, cfg, "irq")))))
    out.append("")
    for cfg in ("probes", "hooks"):
        if cfg not in cfgs:
            continue
        out.append("vmprof's probes, per exit (%s), and inside them:\n"
                   % NAMES[cfg])
        out.append("| function | calls per exit | instructions per call "
                   "| per exit |")
        out.append("| --- | --- | --- | --- |")
        for p in PROBES + DETAIL:
            calls = mean(values(runs, part, cfg, p + ".calls"))
            per = mean(values(runs, part, cfg, p + ".per_call"))
            if calls != calls or not calls:
                continue
            out.append("| %s | %.3f | %s | %s |" % (
                p, calls, fmt(per, 1), fmt(calls * per, 1)))
        out.append("")
    return res


def sample_table(runs, out, part, title):
    cfgs = [c for c in cfgs_of(runs, part)
            if c not in ("none", "probes", "hooks") and "@" not in c]
    if not cfgs:
        return {}
    out.append("### %s: instructions per sample\n" % title)
    out.append("\"Tick\" is the whole software-clock tick "
               "(perf_swevent_hrtimer, inclusive); \"overflow\" "
               "__perf_event_overflow, the sample whoever takes it; "
               "\"handler\" the overflow handler with its ring write "
               "(vmprof_overflow, or perf's perf_event_output_forward), per "
               "call and per sample written.  \"Tool\" is the recording "
               "process's user space from the window's start until it has "
               "exited, per sample written; \"tool per further sample\" "
               "subtracts the same tool at 1 Hz (what it does whatever the "
               "rate: its exit, writing the file's trailer).\n")
    out.append("| sampler | ticks | per tick | overflow | handler per "
               "call | samples written | handler per sample written | "
               "tool per sample | tool per further sample |")
    out.append("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    res = {}
    for cfg in cfgs:
        def v(key, c=cfg):
            return mean(values(runs, part, c, key))
        marginal = div(v("tool_insns") - v("tool_insns", cfg + "@1"),
                       v("tool_written") - v("tool_written", cfg + "@1"))
        res[cfg] = {k: values(runs, part, cfg, k) for k in
                    ("handler_per_call", "handler_per_sample", "overflow",
                     "tool_per_sample", "tick")}
        res[cfg]["marginal"] = marginal
        out.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            NAMES.get(cfg, cfg),
            fmt(sum(values(runs, part, cfg, "ticks"))), fmt(v("tick")),
            fmt(v("overflow")), fmt(v("handler_per_call")),
            fmt(sum(values(runs, part, cfg, "written"))),
            fmt(v("handler_per_sample")), fmt(v("tool_per_sample")),
            fmt(marginal)))
    out.append("")
    return res


def chain_table(runs, out):
    """The chain part: what a stack of SIZE bytes per sample costs, vmprof
    (the guest's stack) beside perf --call-graph dwarf (the VMM's)."""
    cfgs = [c for c in cfgs_of(runs, "chain") if "@" not in c]
    if not cfgs:
        return {}
    size = mean(values(runs, "chain", cfgs[0], "stack_size"))
    size_s = "%d" % size if size == size else "SIZE"

    def v(cfg, key):
        return mean(values(runs, "chain", cfg, key))

    out.append("### Call chains, %s-byte stacks: instructions and bytes per "
               "sample\n" % size_s)
    out.append("kvm-run -L --stack %s: the guest's loop runs %s bytes below "
               "the top of its stack, under frames it wrote; 1 kHz.  "
               "\"Kernel\" is the overflow handler per sample written, "
               "inclusive: for vmprof the guest's registers, the copy of its "
               "stack and the ring write; for perf its callchain of the host "
               "kernel, its copy of the VMM's user stack and the ring write.  "
               "\"Added by the stack\" subtracts the same sampler without "
               "stacks.  A REP MOVS counts as one instruction however many "
               "bytes it moves (as a CPU's instructions-retired counter "
               "counts it): the bytes are their own columns.  \"Stack bytes\" "
               "is vmprof record's own count of guest stack record bytes "
               "(registers, segment table, stack); \"recording\" the file's "
               "size per sample.  \"Tool\" as above.\n" % (size_s, size_s))
    out.append("| sampler | samples written | kernel per sample | added by "
               "the stack | of which copying (vmprof_stack_copy / perf's "
               "user stack) | stack bytes per sample | recording bytes per "
               "sample | added by the stack | tool per sample | tool per "
               "further sample |")
    out.append("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    res = {}
    without = dict(CHAIN_PAIRS)
    for cfg in cfgs:
        base = without.get(cfg)
        k = v(cfg, "handler_per_sample")
        fb = v(cfg, "file_per_sample")
        marginal = div(v(cfg, "tool_insns") - v(cfg + "@1", "tool_insns"),
                       v(cfg, "tool_written") - v(cfg + "@1", "tool_written"))
        copy = v(cfg, "stack_copy") if cfg.startswith("cpu") else \
            v(cfg, "ustack")
        if not copy:	# inlined into its caller: no region of its own
            copy = float("nan")
        res[cfg] = {"kernel": k, "file": fb,
                    "tool": v(cfg, "tool_per_sample"), "marginal": marginal,
                    "added": k - v(base, "handler_per_sample")
                    if base in cfgs else float("nan"),
                    "file_added": fb - v(base, "file_per_sample")
                    if base in cfgs else float("nan"),
                    "stack_bytes": v(cfg, "stack_bytes")}
        out.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            NAMES.get(cfg, cfg).replace("SIZE", size_s),
            fmt(sum(values(runs, "chain", cfg, "written"))), fmt(k),
            fmt(res[cfg]["added"]), fmt(copy) if base else "-",
            fmt(res[cfg]["stack_bytes"]), fmt(fb),
            fmt(res[cfg]["file_added"]), fmt(res[cfg]["tool"]),
            fmt(marginal)))
    out.append("")
    for cfg in cfgs:
        for key, what in (("stack_src", "vmprof_guest_stack_src (registers)"),
                          ("group_write", "vmprof_sample_group_write "
                           "(stack copy and ring write)"),
                          ("stack_copy", "vmprof_stack_copy"),
                          ("ring_begin", "vmprof_ring_begin"),
                          ("ring_fill", "vmprof_ring_fill (from guest "
                           "memory)"),
                          ("gva_read", "vmprof_gva_read (all its calls)"),
                          ("callchain", "get_perf_callchain (host kernel "
                           "callchain)")):
            x = v(cfg, key)
            if x == x and x:
                out.append("- %s: %s %s instructions per sample" % (
                    NAMES.get(cfg, cfg).replace("SIZE", size_s),
                    what, fmt(x)))
        x = v(cfg, "gva_reads")
        if x == x and x:
            out.append("- %s: %s calls of vmprof_gva_read per sample" % (
                NAMES.get(cfg, cfg).replace("SIZE", size_s), fmt(x, 1)))
    out.append("")
    return res


def variant_tables(runs, out, ex):
    parts = sorted({p for run in runs for (p, _, _) in run["wins"]
                    if p.startswith("exit.")})
    for part in parts:
        name = part.split(".", 1)[1]
        res = exit_table(runs, out, part, "exit",
                         "The exit-heavy guest with vmprof.ko \"%s\"" % name)
        for cfg, v in res.items():
            if cfg in ex:
                out.append("- %s: %s instructions per exit added with "
                           "\"%s\", %s now (%s); probes %s, now %s" % (
                               NAMES.get(cfg, cfg), fmt(v["added"]), name,
                               fmt(ex[cfg]["added"]),
                               pct(div(ex[cfg]["added"] - v["added"],
                                       v["added"])),
                               fmt(v["probes"]), fmt(ex[cfg]["probes"])))
        out.append("")


def host_table(runs, out):
    rows = [h for run in runs for h in run["host"]]
    if not rows:
        return
    out.append("### The reports' user space, per sample (callgrind)\n")
    out.append("The text report of each recording kept from the lab, whole; "
               "for vmprof report also what a copy with every sample twice "
               "costs more (bench/vmprof-data-repeat.py): the samples' own "
               "cost, without reading symbols and starting up.\n")
    out.append("| tool | recording | samples | instructions | per sample "
               "| per further sample |")
    out.append("| --- | --- | --- | --- | --- | --- |")
    for h in rows:
        n = int(h["samples"] or 0)
        out.append("| %s | %s | %s | %s | %s | %s |" % (
            h["tool"], h["input"], fmt(n), fmt(int(h["ir"])),
            fmt(div(int(h["ir"]), n)),
            fmt(div(int(h["marginal"]), n)) if "marginal" in h else "-"))
    out.append("")


def repeat_rows(runs):
    checks = [
        ("exit", "none", "round_trip", None, "KVM round trip per exit"),
        ("exit", "probes", "round_trip", "none", "added by vmprof's probes"),
        ("exit", "probes", "probes", None, "vmprof's probes per exit"),
        ("exit", "hooks", "round_trip", "none",
         "added by the probes and the timing hooks"),
        ("exit", "cpu", "round_trip", "none", "added by vmprof record, cpu"),
        ("exit", "domain", "round_trip", "none",
         "added by vmprof record, domain"),
        ("sample", "cpu", "handler_per_sample", None,
         "vmprof cpu: handler per sample"),
        ("sample", "domain", "handler_per_sample", None,
         "vmprof domain: handler per sample"),
        ("sample", "perf", "handler_per_sample", None,
         "perf kvm record: handler per sample"),
        ("sample", "perfrec", "handler_per_sample", None,
         "perf record: handler per sample"),
        ("chain", "cpug", "handler_per_sample", None,
         "vmprof -g (fp, stacks): handler per sample"),
        ("chain", "cpu", "handler_per_sample", None,
         "vmprof (chain guest, no stacks): handler per sample"),
        ("chain", "perfdwarf", "handler_per_sample", None,
         "perf --call-graph dwarf: handler per sample"),
        ("chain", "perfrec", "handler_per_sample", None,
         "perf record (chain guest): handler per sample"),
        ("sample", "cpu", "tool_per_sample", None,
         "vmprof record: user space per sample"),
        ("chain", "cpug", "tool_per_sample", None,
         "vmprof record -g: user space per sample"),
        ("chain", "perfdwarf", "tool_per_sample", None,
         "perf record --call-graph dwarf: user space per sample"),
        ("sample", "perf", "tool_per_sample", None,
         "perf kvm record: user space per sample"),
    ]
    rows = []
    for part, cfg, key, base, name in checks:
        vals = []
        for i, rep, w in windows(runs, part, cfg):
            v = exit_metrics(w)[key]
            if base:
                bw = runs[i]["wins"].get((part, base, rep))
                if bw is None:
                    continue
                v -= exit_metrics(bw)[key]
            vals.append(("%d.%d" % (i + 1, rep), v))
        if vals:
            rows.append((name, vals))
    return rows


def repeat_table(runs, out):
    """Each figure of the bars, window by window."""
    out.append("### Repeatability\n")
    out.append("Every window's value (run.repetition) and the largest "
               "distance of one from their mean (bar: %d%%); \"added\" "
               "figures are differences, whose spread is given relative "
               "to the round trip they add to.\n" % (100 * REPEAT_BAR))
    out.append("| figure | windows | spread |")
    out.append("| --- | --- | --- |")
    base = mean(values(runs, "exit", "none", "round_trip"))
    worst = float("nan")	# until a figure has two windows
    for name, vals in repeat_rows(runs):
        xs = [v for _, v in vals if v == v]
        if name.startswith("added") and len(xs) > 1:
            m = mean(xs)
            s = max(abs(x - m) for x in xs) / base if base else float("nan")
        else:
            s = spread(xs)
        if s == s:
            worst = s if worst != worst else max(worst, s)
        out.append("| %s | %s | %s |" % (
            name, ", ".join("%s: %s" % (k, fmt(v, 1)) for k, v in vals),
            pct(s)))
    out.append("")
    return worst


def main(dirs):
    runs = [load_run(d) for d in dirs]
    out = []
    machine = runs[0]["machine"] if runs else ""
    out.append("- %d run(s), %s\n" % (len(runs), machine))
    ex = exit_table(runs, out)
    variant_tables(runs, out, ex)
    smp = sample_table(runs, out, "sample", "CPU-bound guest, 1 kHz")
    sample_table(runs, out, "exit", "Exit-heavy guest, 1 kHz")
    gt = sample_table(runs, out, "gtask",
                      "Long-mode guest (kvm-run -L), 1 kHz, without and "
                      "with guest tasks")
    if "probe" in gt and "gtask" in gt:
        a = mean(gt["gtask"]["handler_per_sample"])
        b = mean(gt["probe"]["handler_per_sample"])
        out.append("- reading the guest's task (VMPROF_ATTACH_GUEST_TASK) "
                   "adds %s instructions per sample to the handler's %s\n"
                   % (fmt(a - b), fmt(b)))
    sample_table(runs, out, "chain", "Call-chain guest (kvm-run -L "
                 "--stack SIZE), 1 kHz")
    cc = chain_table(runs, out)
    host_table(runs, out)
    worst = repeat_table(runs, out)

    out.append("### Bars (issue #19)\n")
    if "none" in ex and "probes" in ex:
        share = div(ex["probes"]["added"], ex["none"]["rt"])
        out.append("- vmprof's probes add %s instructions per exit to KVM's "
                   "%s-instruction in-kernel round trip: %s (bar 3%%): %s"
                   % (fmt(ex["probes"]["added"]), fmt(ex["none"]["rt"]),
                      pct(share), "MET" if share <= 0.03 else "MISSED"))
    if "none" in ex and "hooks" in ex:
        out.append("- with a software clock, the ftrace hooks that time VM "
                   "entry and exit for its corrections too: %s per exit (%s)"
                   % (fmt(ex["hooks"]["added"]),
                      pct(div(ex["hooks"]["added"], ex["none"]["rt"]))))
    for cfg in ("cpu", "domain"):
        for perf in ("perf", "perfrec"):
            if cfg not in smp or perf not in smp:
                continue
            a = mean(smp[cfg]["handler_per_sample"])
            b = mean(smp[perf]["handler_per_sample"])
            out.append("- per-sample kernel path (handler and ring write), "
                       "vmprof %s %s vs. %s %s instructions: %s" % (
                           cfg, fmt(a), NAMES[perf], fmt(b),
                           "MET" if a < b else "MISSED"))
    if "cpug" in cc and "perfdwarf" in cc:
        a, b = cc["cpug"], cc["perfdwarf"]
        out.append("- call chains, the same stack size per sample (issue "
                   "#18): kernel %s instructions (vmprof -g) vs. %s (perf "
                   "--call-graph dwarf), %s vs. %s added by the stack; "
                   "%s vs. %s recording bytes per sample; the tool's user "
                   "space %s vs. %s per sample" % (
                       fmt(a["kernel"]), fmt(b["kernel"]), fmt(a["added"]),
                       fmt(b["added"]), fmt(a["file"]), fmt(b["file"]),
                       fmt(a["tool"]), fmt(b["tool"])))
    if worst == worst:
        out.append("- repeatability: the largest spread of a figure over "
                   "the windows is %s (bar %d%%): %s" % (
                       pct(worst), 100 * REPEAT_BAR,
                       "MET" if worst <= REPEAT_BAR else "MISSED"))
    else:
        out.append("- repeatability: one window of each figure, nothing "
                   "to compare (bar %d%%): NOT MEASURED (two runs, or "
                   "LAB_ICOUNT_REPS=2)" % (100 * REPEAT_BAR))

    # The two bars of issue #6 that wall-clock time could not decide.
    out.append("\n### The bars of issue #6, in instructions\n")
    tot = {c: mean(values(runs, "exit", c, "total"))
           for c in ("none", "dry", "cpu", "domain", "perf")}
    if tot["none"] == tot["none"] and tot["dry"] == tot["dry"]:
        for cfg in ("cpu", "domain"):
            if tot[cfg] != tot[cfg]:
                continue
            share = div(tot[cfg] - tot["dry"], tot["none"])
            out.append("- exit-heavy guest, vmprof record %s at 1 kHz: %s "
                       "L1 instructions per exit beyond the ticks' own "
                       "(the null sampler's), %s of the unprofiled %s "
                       "(kernel, VMM user space, interrupts) (bar: at "
                       "most 5%%, i.e. 95%% of the exit rate): %s" % (
                           cfg, fmt(tot[cfg] - tot["dry"]), pct(share),
                           fmt(tot["none"]),
                           "MET" if share <= 0.05 else "MISSED"))
    for cfg in ("cpu", "domain"):
        if cfg not in smp or "perf" not in smp:
            continue
        k = mean(smp[cfg]["handler_per_sample"])
        kp = mean(smp["perf"]["handler_per_sample"])
        u = mean(smp[cfg]["tool_per_sample"])
        up = mean(smp["perf"]["tool_per_sample"])
        out.append("- CPU-bound guest at 1 kHz, vmprof record %s against "
                   "perf kvm record, per sample: kernel %s vs. %s, the "
                   "tool's user space %s vs. %s (bar: less than perf): %s"
                   % (cfg, fmt(k), fmt(kp), fmt(u), fmt(up),
                      "MET" if k < kp and u < up else "MISSED"))
    print("\n".join(out))


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__.split("\n\n")[1])
    main(sys.argv[1:])
