# SPDX-License-Identifier: GPL-2.0
# The demo, inside the lab: a Linux guest pushing packets through two
# emulated e1000 NICs, profiled from the host with vmprof in cpu-switch
# and in domain-switch mode, both reports side by side.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/lib.sh"
d=$LAB_OUT/demo
mkdir -p "$d"
say() { printf '\n### %s\n' "$*"; }

say "loading vmprof.ko into the lab host (Debian $(uname -r), kvm_amd)"
insmod "$VMPROF_KO" || exit 1
say "booting a Debian guest under QEMU/KVM with two e1000 NICs, workload: TCP between them"
start_linux_guest net 40 || exit 1
grep -E 'VMPROF-GUEST (ready|kaslr|workload)' "$linux_log" |
	sed 's/\x1bc//; s/\x1b\[[0-9;?]*[A-Za-z]//g; s/\r//g'
say "vmprof record -p $linux_pid --switch cpu -d 4"
"$VMPROF" record -p "$linux_pid" -F 2000 -d 4 -o "$d/cpu.data" || exit 1
say "vmprof record -p $linux_pid --switch domain -d 4"
"$VMPROF" record -p "$linux_pid" -F 2000 -d 4 --switch domain \
	-o "$d/domain.data" || exit 1
kill "$linux_pid"
wait "$linux_pid" 2>/dev/null

# The guest runs the same kernel as the lab host; see make_system_map.
make_system_map "$d/System.map"
guest_module_kallsyms "$linux_log" "$d/modules.kallsyms"
cat "$d/System.map" "$d/modules.kallsyms" > "$d/guest.kallsyms"
for m in cpu domain; do
	"$VMPROF" report -i "$d/$m.data" --guest-kallsyms "$d/guest.kallsyms" \
		--format json > "$d/$m.json"
done
say "vmprof report: cpu-switch (left) and domain-switch (right)"
python3 "$here/side-by-side.py" "$d/cpu.json" "$d/domain.json" 15
say "domain-switch: where the VM exits went (vmprof report --exits)"
"$VMPROF" report -i "$d/domain.data" --guest-kallsyms "$d/guest.kallsyms" \
	--exits | sed -n '/^# Exit reasons/,$p'
rmmod vmprof
