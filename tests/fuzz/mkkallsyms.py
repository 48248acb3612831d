#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Write assembly for kallsyms tables as the kernel's scripts/kallsyms
lays them out, for a fuzz seed of tools/kimage.c: a small kernel-like
ELF whose .rodata holds real-looking tables (a token table that
compresses, markers, the token index, address offsets).

  mkkallsyms.py LAYOUT N > tables.S

LAYOUT: "6.4" (labels aligned to 8, offsets from kallsyms_relative_base)
or "7.0" (aligned to 4, each offset relative to where it is stored).
N symbols: _text at the start of .text, then fuzz_sym_NNNN_* every 16
bytes.  The .S defines _text: link it first.
"""
import sys

layout, n = sys.argv[1], int(sys.argv[2])
algn = 8 if layout == "6.4" else 4

syms = [("T", "_text", 0)]
words = ["poll", "read", "write", "queue", "work", "irq", "lock", "init"]
for i in range(1, n):
    t = "t" if i % 3 else "T"
    syms.append((t, "fuzz_sym_%04d_%s" % (i, words[i % len(words)]), 16 * i))

# Tokens: each byte that some name uses stands for itself; every other
# byte for a pair of characters that names use often.
used = set()
for t, name, _ in syms:
    used.update((t + name).encode())
pairs = {}
for t, name, _ in syms:
    s = t + name
    for k in range(len(s) - 1):
        pairs[s[k:k + 2]] = pairs.get(s[k:k + 2], 0) + 1
best = [p for p, _ in sorted(pairs.items(), key=lambda kv: -kv[1])]
tokens = {}
for b in range(256):
    if b in used:
        tokens[b] = bytes([b])
free = [b for b in range(256) if b not in used]
for b, p in zip(free, best):
    tokens[b] = p.encode()
for b in free[len(best):]:
    tokens[b] = b"zq"               # never used, still a token
code = {v: k for k, v in tokens.items() if len(v) == 2}


def encode(s):
    out, k = [], 0
    while k < len(s):
        if s[k:k + 2].encode() in code:
            out.append(code[s[k:k + 2].encode()])
            k += 2
        else:
            out.append(s.encode()[k])
            k += 1
    return out


print("\t.section .note.GNU-stack, \"\", @progbits")
print("\t.text")
print("\t.globl _text")
print("_text:")
print("\tret")
print("\t.section .rodata, \"a\"")


def label(name):
    print("\t.globl %s" % name)
    print("\t.balign %d" % algn)
    print("%s:" % name)


def offsets():
    label("kallsyms_offsets")
    for _, _, off in syms:
        if layout == "6.4":
            print("\t.long\t%#x" % off)
        else:
            print("\t.long\t_text + %#x - ." % off)
    if layout == "6.4":
        label("kallsyms_relative_base")
        print("\t.quad\t_text")


label("kallsyms_num_syms")
print("\t.long\t%d" % len(syms))
label("kallsyms_names")
markers, pos = [], 0
for i, (t, name, _) in enumerate(syms):
    if i % 256 == 0:
        markers.append(pos)
    enc = encode(t + name)
    print("\t.byte %#x, %s" % (len(enc), ", ".join("%#x" % c for c in enc)))
    pos += 1 + len(enc)
label("kallsyms_markers")
for m in markers:
    print("\t.long\t%d" % m)
label("kallsyms_token_table")
idx, off = [], 0
for b in range(256):
    idx.append(off)
    print("\t.byte %s, 0" % ", ".join("%#x" % c for c in tokens[b]))
    off += len(tokens[b]) + 1
label("kallsyms_token_index")
for o in idx:
    print("\t.short\t%d" % o)
offsets()
label("kallsyms_seqs_of_names")
order = sorted(range(len(syms)), key=lambda i: syms[i][1])
for i in order:
    print("\t.byte %#x, %#x, %#x" % ((i >> 16) & 0xff, (i >> 8) & 0xff,
                                     i & 0xff))
