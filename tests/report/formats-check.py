#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Helpers of the output-format tests (tests/report/formats.sh and
tests/lab/t-formats.sh); each reads what another program wrote.

  collapse-perf FILE     fold 'perf script' text the way FlameGraph's
                         stackcollapse-perf.pl does (frames root first,
                         +0x offsets dropped, the comm left out), print
                         "stack count" lines sorted
  pprof-protoc TEXT      summarize the text that 'protoc --decode=
                         perftools.profiles.Profile' printed, as JSON
                         (the same summary as pprof-summary.js)
  folded-json FILE       a folded file as {"stack": count}, JSON
  svg-folded FILE        the stacks of a flame graph that 'vmprof report
                         --format svg' drew, rebuilt from its frames
                         (name, samples, depth; a frame's own samples
                         are those its children do not hold), as
                         {"stack": count}, JSON, the root frame left out
"""
import codecs
import html
import json
import re
import sys


def collapse_perf(path):
    stacks = {}
    frames = None
    for line in open(path, encoding='utf-8'):
        line = line.rstrip('\n')
        if line.startswith('#'):
            continue
        if not line.strip():
            if frames:
                key = ';'.join(reversed(frames))
                stacks[key] = stacks.get(key, 0) + 1
            frames = None
            continue
        if frames is None:
            # COMM PID/TID [CPU] TIME: PERIOD EVENT:
            if not re.match(r'^\S.*?\s+\d+/\d+\s+\[\d+\]\s+\d+\.\d+:\s+\d+\s+\S+:\s*$', line):
                sys.exit('collapse-perf: bad sample header: %r' % line)
            frames = []
            continue
        m = re.match(r'^\s*([0-9a-f]+)\s+(.+) \((\S*)\)$', line)
        if not m:
            sys.exit('collapse-perf: bad frame: %r' % line)
        frames.append(re.sub(r'\+0x[0-9a-f]+$', '', m.group(2)))
    if frames:
        key = ';'.join(reversed(frames))
        stacks[key] = stacks.get(key, 0) + 1
    for k in sorted(stacks):
        print('%s %d' % (k, stacks[k]))


def parse_text_proto(text):
    """protoc's text format into nested dicts of lists."""
    root = {}
    stack = [root]
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        if line == '}':
            stack.pop()
            continue
        if line.endswith('{'):
            node = {}
            stack[-1].setdefault(line[:-1].strip(), []).append(node)
            stack.append(node)
            continue
        key, val = line.split(':', 1)
        val = val.strip()
        if val.startswith('"'):
            val = codecs.escape_decode(val[1:-1])[0].decode('utf-8')
        elif val in ('true', 'false'):
            val = val == 'true'
        else:
            val = int(val)
        stack[-1].setdefault(key, []).append(val)
    return root


def one(d, key, default=0):
    return d.get(key, [default])[0]


def pprof_protoc(path):
    p = parse_text_proto(open(path, encoding='utf-8').read())
    strs = p.get('string_table', [])
    funcs = {one(f, 'id'): f for f in p.get('function', [])}
    locs = {one(l, 'id'): l for l in p.get('location', [])}
    out = {'sample_types': [], 'stacks': {}, 'functions': [],
           'addresses': {}}
    for t in p.get('sample_type', []):
        out['sample_types'].append([strs[one(t, 'type')],
                                    strs[one(t, 'unit')]])
    out['functions'] = sorted(strs[one(f, 'name')] for f in funcs.values())
    for s in p.get('sample', []):
        ids = s.get('location_id', [])
        names = [strs[one(funcs[one(one(locs[i], 'line', {}),
                                    'function_id')], 'name')]
                 for i in ids]
        key = ';'.join(reversed(names))
        vals = s.get('value', [])
        acc = out['stacks'].setdefault(key, [0] * len(vals))
        for i, v in enumerate(vals):
            acc[i] += v
        # Every function frame (the leaf, and under a charged
        # sample's VMM function the guest function) at its address.
        for i, name in zip(ids, names):
            if not one(locs[i], 'address') and i != ids[0]:
                continue
            addr = '0x%x' % one(locs[i], 'address')
            a = out['addresses'].setdefault(name, [])
            if addr not in a:
                a.append(addr)
                a.sort()
    print(json.dumps(out, sort_keys=True))


def folded_json(path):
    d = {}
    for line in open(path, encoding='utf-8'):
        stack, count = line.rstrip('\n').rsplit(' ', 1)
        d[stack] = d.get(stack, 0) + int(count)
    print(json.dumps(d, sort_keys=True))


def svg_folded(path):
    frame = re.compile(r'<g class="f" id="f[0-9]+" data-n="([^"]*)" '
                       r'data-s="[0-9]+" data-v="([0-9]+)" data-d="([0-9]+)">')
    path_now = []       # [name, samples, samples of its children]
    out = {}

    def close(depth):
        while len(path_now) > depth:
            name, n, below = path_now[-1]
            if n > below and len(path_now) > 1:
                key = ';'.join(f[0] for f in path_now[1:])
                out[key] = out.get(key, 0) + n - below
            path_now.pop()

    for m in frame.finditer(open(path, encoding='utf-8').read()):
        name = html.unescape(m.group(1))
        n, depth = int(m.group(2)), int(m.group(3))
        close(depth)
        if path_now:
            path_now[-1][2] += n
        path_now.append([name, n, 0])
    close(0)
    print(json.dumps(out, sort_keys=True))


if __name__ == '__main__':
    cmds = {'collapse-perf': collapse_perf, 'pprof-protoc': pprof_protoc,
            'folded-json': folded_json, 'svg-folded': svg_folded}
    if len(sys.argv) != 3 or sys.argv[1] not in cmds:
        sys.exit(__doc__)
    cmds[sys.argv[1]](sys.argv[2])
