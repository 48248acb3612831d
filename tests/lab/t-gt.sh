# SPDX-License-Identifier: GPL-2.0
# Accuracy against the ground-truth guest (tests/guest/gt): its compute
# functions split 4:2:1 by construction, and its device function causes
# port-I/O exits that QEMU emulates.  Recorded with the real vmprof tool,
# reported against the guest's ELF with DWARF.

t_gt() {
	local d=$LAB_OUT/gt
	mkdir -p "$d"
	insmod "$VMPROF_KO" || { fail "gt: insmod"; return; }
	# Short rounds, so that the recording window holds many whole ones
	# and a partial round at either end weighs little in the 4:2:1.
	# lstar=1: it tells its entry_SYSCALL_64 through MSR_LSTAR, as Linux
	# does (QEMU loads it at its link address: a KASLR offset of 0).
	start_gt rounds=0 scale=2000000 io=40 quiet=1 lstar=1 || { fail "gt: guest start"; rmmod vmprof; return; }

	check "gt: record cpu-switch" "$VMPROF" record -q -p "$gt_pid" \
		-F "${GT_FREQ:-4000}" -d "${GT_SECONDS:-5}" -o "$d/cpu.data"
	check "gt: record domain-switch" "$VMPROF" record -q -p "$gt_pid" \
		-F "${GT_FREQ:-4000}" -d "${GT_SECONDS:-5}" --switch domain \
		-o "$d/dom.data"
	kill "$gt_pid"; wait "$gt_pid" 2>/dev/null
	# The guest's LSTAR comes with the first guest samples: one second of
	# a guest that hardly exits (no port I/O: the host's ticks, a few
	# hundred exits) has it.  Read at one exit in 1024, it often had not.
	if start_gt rounds=0 scale=2000000 io=0 quiet=1 lstar=1; then
		check "gt: record 1 s of a guest without I/O" "$VMPROF" record \
			-q -p "$gt_pid" -F 100 -d 1 -o "$d/short.data"
		kill "$gt_pid"; wait "$gt_pid" 2>/dev/null
		"$VMPROF" report -i "$d/short.data" --guest-vmlinux "$GT_ELF" \
			--exits > "$d/short.txt"
		sed 's/^/  /' "$d/short.txt" | head -n 6
		"$VMPROF" report -i "$d/short.data" --guest-vmlinux "$GT_ELF" \
			--format json > "$d/short.json"
		python3 "$REPO/tests/lab/report-checks.py" kaslr \
			"$d/short.json" 0 || lab_failed=1
	else
		fail "gt: guest start without I/O"
	fi
	for m in cpu dom; do
		"$VMPROF" report -i "$d/$m.data" --guest-vmlinux "$GT_ELF" \
			--format json > "$d/$m.json"
		"$VMPROF" report -i "$d/$m.data" --guest-vmlinux "$GT_ELF" \
			--exits > "$d/$m.txt"
		sed 's/^/  /' "$d/$m.txt" | head -n 24
	done
	python3 "$REPO/tests/lab/report-checks.py" gt "$d/cpu.json" \
		"$d/dom.json" "$REPO/tests/guest/gt/gt.c" || lab_failed=1
	check "gt: objects all zero" wait_objects_zero
	check "gt: rmmod" rmmod vmprof
}
