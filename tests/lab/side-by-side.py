#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Print two `vmprof report --format json` profiles side by side, like the
paper's CPU-switch / domain-switch table.

usage: side-by-side.py LEFT.json RIGHT.json [ROWS]
"""
import json
import sys


def column(path, rows):
    rep = json.load(open(path))
    head = [f"{rep['mode']}: {rep['total_samples']} samples, "
            f"guest {rep['guest_percent']:.1f}%, VMM {rep['vmm_percent']:.1f}%",
            f"{'Overhead':>8} {'Samples':>7} {'VMM':>5}  Symbol dso"]
    body = []
    for r in rep["rows"][:rows]:
        vmm = r.get("vmm_samples") or 0
        dso = r["dso"] or ""
        body.append(f"{r['percent']:7.2f}% {r['samples']:7d} "
                    f"{vmm if vmm else '-':>5}  {r['symbol']} {dso}")
    return head + body


def main():
    rows = int(sys.argv[3]) if len(sys.argv) > 3 else 15
    left, right = column(sys.argv[1], rows), column(sys.argv[2], rows)
    width = max(len(l) for l in left) + 2
    for i in range(max(len(left), len(right))):
        l = left[i] if i < len(left) else ""
        r = right[i] if i < len(right) else ""
        print(f"{l:<{width}}| {r}")


main()
