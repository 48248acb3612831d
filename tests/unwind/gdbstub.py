# SPDX-License-Identifier: GPL-2.0
"""A small client of the GDB remote serial protocol, for QEMU's gdbstub:
registers, memory, continue, interrupt, hardware breakpoints."""
import socket
import struct
import time

class Rsp:
    def __init__(self, host, port, timeout=30):
        for _ in range(100):
            try:
                self.s = socket.create_connection((host, port), timeout=timeout)
                # One small packet waits for the answer to the last: no
                # Nagle delay.
                self.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError("cannot connect to gdbstub")
        self.buf = b""
        self.cmd("qSupported:swbreak+;hwbreak+")

    def _read(self):
        while True:
            i = self.buf.find(b"$")
            if i >= 0:
                j = self.buf.find(b"#", i)
                if j >= 0 and len(self.buf) >= j + 3:
                    pkt = self.buf[i + 1:j]
                    self.buf = self.buf[j + 3:]
                    self.s.sendall(b"+")
                    return self._unescape(pkt)
            d = self.s.recv(65536)
            if not d:
                raise RuntimeError("gdbstub closed")
            self.buf += d

    @staticmethod
    def _unescape(p):
        out = bytearray()
        i = 0
        while i < len(p):
            c = p[i]
            if c == 0x7d:
                out.append(p[i + 1] ^ 0x20); i += 2
            elif c == 0x2a and out:
                n = p[i + 1] - 29
                out += bytes([out[-1]]) * n; i += 2
            else:
                out.append(c); i += 1
        return bytes(out)

    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        ck = sum(data) & 0xff
        self.s.sendall(b"$" + data + b"#%02x" % ck)

    def cmd(self, data):
        self.send(data)
        return self._read()

    def regs(self):
        r = bytes.fromhex(self.cmd("g").decode())
        names = ["rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp"] + \
            ["r%d" % i for i in range(8, 16)]
        out = {}
        off = 0
        for n in names:
            out[n] = struct.unpack_from("<Q", r, off)[0]; off += 8
        out["rip"] = struct.unpack_from("<Q", r, off)[0]; off += 8
        out["eflags"] = struct.unpack_from("<I", r, off)[0]; off += 4
        for n in ["cs", "ss", "ds", "es", "fs", "gs"]:
            out[n] = struct.unpack_from("<I", r, off)[0]; off += 4
        for n in ["fs_base", "gs_base", "k_gs_base", "cr0", "cr2", "cr3",
                  "cr4", "cr8", "efer"]:
            out[n] = struct.unpack_from("<Q", r, off)[0]; off += 8
        return out

    def mem(self, addr, n):
        """Read up to n bytes; stops at the first unreadable chunk."""
        out = b""
        while n > 0:
            k = min(n, 2048, 4096 - (addr & 4095))
            r = self.cmd("m%x,%x" % (addr, k))
            if r.startswith(b"E") or not r:
                break
            d = bytes.fromhex(r.decode())
            out += d
            addr += len(d); n -= len(d)
            if len(d) < k:
                break
        return out

    def u64(self, addr):
        d = self.mem(addr, 8)
        return struct.unpack("<Q", d)[0] if len(d) == 8 else None

    def cont(self):
        self.send("c")

    def interrupt(self):
        self.s.sendall(b"\x03")
        return self._read()

    def wait_stop(self):
        return self._read()

    def hbreak(self, addr, on=True):
        return self.cmd("%s1,%x,1" % ("Z" if on else "z", addr))

    def close(self):
        try:
            self.send("D")
        except OSError:
            pass
        self.s.close()
