#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Regenerate the committed seed inputs under tests/fuzz/corpus/ (only
# needed when the file format or the guest sources change): small data
# files written by the tool's writer, a guest ELF with DWARF and its
# stripped copy, System.map and kallsyms text.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
C=$here/corpus
mkdir -p "$C/data" "$C/elf" "$C/kallsyms"

flags="-g -O1 -ffreestanding -fno-pie -no-pie -nostdlib -static
	-mno-red-zone -fno-asynchronous-unwind-tables -Wl,--build-id"
# shellcheck disable=SC2086
gcc $flags -mcmodel=kernel -Wl,-Ttext-segment=0xffffffff81000000 \
	-o "$C/elf/guest.elf" "$top/tests/report/guest/guest.c"
strip -o "$C/elf/guest-stripped.elf" "$C/elf/guest.elf"
# Kernel images with kallsyms tables and no symbol table (tools/kimage.c),
# in 6.4's layout and 7.0's.
for l in 6.4 7.0; do
	python3 "$here/mkkallsyms.py" "$l" 300 > "$T/kallsyms-$l.S"
	# shellcheck disable=SC2086
	gcc $flags -mcmodel=kernel -Wl,-Ttext-segment=0xffffffff81000000 \
		-o "$T/kallsyms-$l.elf" "$T/kallsyms-$l.S" \
		"$top/tests/report/guest/guest.c"
	strip -o "$C/elf/kallsyms-$l.elf" "$T/kallsyms-$l.elf"
done
gcc -g -O1 -c -o "$C/elf/guest.o" "$top/tests/report/guest/fake-vmm.c"

nm -n "$C/elf/guest.elf" | awk 'NF == 3' > "$C/kallsyms/System.map"
{
	nm -n "$C/elf/guest.elf" | awk 'NF == 3' | head -n 20 |
	while read -r a t n; do
		printf '%016x %s %s\n' $((0x$a + 0x1e00000)) "$t" "$n"
	done
	printf 'ffffffffc0001000 t guestmod_poll\t[guestmod]\n'
	printf 'ffffffffc0001100 T guestmod_exit\t[guestmod]\n'
} > "$C/kallsyms/guest.kallsyms"
cp "$top/tests/report/host.kallsyms" "$C/kallsyms/host.kallsyms"

gcc -std=gnu11 -O1 -D_GNU_SOURCE -I"$top/include" -I"$top/tools" \
	-o "$T/gen" "$top/tests/report/gen-fixture.c" "$top/tools/data.c" \
	"$top/tools/names.c" "$top/tools/symbolize.c" "$top/tools/symfind.c" \
	"$top/tools/kimage.c" "$top/tools/util.c" -ldw -lelf -lzstd -ldl
rip=$(nm "$C/elf/guest.elf" | awk '$3 == "do_compute" { print "0x" $1 }')
"$T/gen" "$C/data/cpu.data" <<EOF
info mode=cpu-switch event=cpu-clock isa=svm pid=4242 vcpus=2 lstar=0xffffffff81001000
string host-release 6.1.0-test
string vmm-cmdline qemu-system-x86_64 -m 512
sample ctx=guest-kernel rip=$rip count=3
sample ctx=guest-user rip=0x401000 count=2 vcpu=1
lost n=5 cpu=1
exit isa=svm reason=0x7b count=10 ns=5000
stats samples=5 lost=5 filtered=1 vcpus=2 alive=1
end reason=3
EOF
"$T/gen" "$C/data/domain.data" <<EOF
info mode=domain-switch event=cycles isa=vmx pid=4242 vcpus=1
kallsyms $top/tests/report/host.kallsyms
mmap start=0x400000 end=0x401000 pgoff=0 pid=4242 path=/nonexistent/qemu build-id=none
sample ctx=guest-kernel rip=$rip count=2
sample ctx=vmm-kernel host-ip=0xffffffff81000010 exit-rip=$rip exit=30 count=2 pid=4242
sample ctx=vmm-user host-ip=0x400100 exit-rip=$rip exit=48 count=1 pid=4242 vcpu=0
raw type=77 size=16
end reason=4
EOF
"$T/gen" "$C/data/system.data" <<EOF
info mode=system event=cpu-clock isa=svm pid=-1
sample ctx=host-kernel host-ip=0xffffffff81000020 count=2 pid=0
sample ctx=host-user host-ip=0x400000 count=1 pid=1
sample ctx=guest-kernel rip=$rip count=1 pid=4242
EOF
head -c 200 "$C/data/domain.data" > "$C/data/truncated.data"

# Guest introspection records (ABI 1.2).
printf '.text 0xffffffffc0001000\n' > "$T/secs"
printf 'ffffffffc0001000 t guestmod_poll\t[guestmod]\n' > "$T/syms"
"$T/gen" "$C/data/guest.data" <<EOF
info mode=domain-switch event=cpu-clock isa=svm pid=4242 vcpus=1
guest-kernel release=6.1.0-test build-id=0011223344556677889900112233445566778899 kaslr=0x1e00000 flags=lstar-ok,tasks
guest-module name=guestmod base=0xffffffffc0000000 size=0x2000 build-id=aabbccdd sections=$T/secs symbols=$T/syms
guest-exe pid=7 start=0x401000 end=0x402000 bias=0 path=/bin/prog build-id=0102030405
guest-task cpu=0 pid=7 tid=8 comm=prog
sample ctx=guest-kernel rip=$rip gpid=7 gtid=8 count=2
sample ctx=guest-user rip=0x401010 gpid=7 gtid=8 count=2
sample ctx=guest-kernel rip=0xffffffffc0001004 gpid=7 gtid=8
end reason=3
EOF

# Guest call chains (ABI 1.4): stacks before their samples, one cut by its
# size, one whose second segment faulted, a user stack, a stack charged
# to an exit, and a module's ORC tables (two entries).
"$T/gen" "$C/data/callchain.data" <<EOF
info mode=domain-switch event=cpu-clock isa=svm pid=4242 vcpus=1 callgraph=orc stacksize=4096 lstar=0xffffffff81001000
stack ip=$rip sp=0xffffc90000003f00 bp=0xffffc90000003f10 seg=0xffffc90000003f00:task:top:0/0/0xffffc90000003f20/0xffffffff81001008/0/0
sample ctx=guest-kernel rip=$rip count=2
stack ip=$rip sp=0xffffc90000003f00 seg=0xffffc90000003f00:irq:size:0/0 seg=0xffffc90000007f00:task:fault:0
sample ctx=guest-kernel rip=$rip
stack user=1 ip=0x401010 sp=0x7ffc0000 bp=0x7ffc0010 seg=0x7ffc0000:user:top:0x401020/0/0x7ffc0020/0x401030
sample ctx=guest-user rip=0x401010
stack ip=$rip sp=0xffffc90000003f00 seg=0xffffc90000003f00:task:top:0/0
sample ctx=vmm-kernel host-ip=0xffffffff81000010 exit-rip=$rip exit=0x7b count=1 pid=4242
orc name=guestmod start=0xffffffffc0001000 end=0xffffffffc0002000 iptable=0xffffffffc0003000 ip=0000000010000000 orc=080001000000f0ff0000c200
end reason=3
EOF
