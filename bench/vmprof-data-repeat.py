#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Copy a vmprof.data file with its SAMPLE records repeated: after the last
sample, all of them again (N - 1 more times).  The instructions a report
spends on a file of N times the samples, less those on the file itself,
are what its samples cost, without the start-up that does not grow with
them (bench/icount-host.sh).

usage: vmprof-data-repeat.py IN OUT N
"""
import struct
import sys

REC_SAMPLE = 5


def main(src, dst, times):
    data = open(src, "rb").read()
    if data[:8] != b"VMPROF\0\1":
        sys.exit("vmprof-data-repeat: %s is not a vmprof.data file" % src)
    hsize, = struct.unpack_from("<I", data, 12)
    recs = []
    off = hsize
    while off + 8 <= len(data):
        rtype, size = struct.unpack_from("<II", data, off)
        if size < 8 or off + size > len(data):
            sys.exit("vmprof-data-repeat: corrupt record at %d" % off)
        recs.append((rtype, data[off:off + size]))
        off += size
    samples = [r for t, r in recs if t == REC_SAMPLE]
    last = max((i for i, (t, _) in enumerate(recs) if t == REC_SAMPLE),
               default=len(recs) - 1)
    with open(dst, "wb") as f:
        f.write(data[:hsize])
        for i, (_, r) in enumerate(recs):
            f.write(r)
            if i == last:
                for _ in range(times - 1):
                    f.write(b"".join(samples))
    print(len(samples))


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__.split("\n\n")[1])
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
