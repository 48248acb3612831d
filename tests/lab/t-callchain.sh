# SPDX-License-Identifier: GPL-2.0
# Guest call chains (vmprof record -g / --call-graph): the module copies
# the guest's registers and stack at each sample, vmprof report unwinds.
#
# t_callchain: the call-graph guest (tests/guest/cg), whose chains and
# their weights are known by construction, built with frame pointers and
# without: frame pointers and DWARF give its chains and weights; frame
# pointers on the build without them end early and say why; in
# domain-switch the VMM's work for its port I/O stands on the guest chain
# that exited.  LAB_CALLCHAIN=quick keeps what depends on the host kernel
# (the module's copies of the guest's registers and stack, at guest
# samples and at exits): the build with frame pointers, unwound with
# them, in both modes; tests/run.sh asks for it on the kernels after the
# first, where the rest (the tool's unwinders) would only run again.
#
# t_linuxcallchain: Debian's kernel as the L2 guest under network load,
# ORC unwinding with the kernel image's and the e1000 module's tables:
# the driver's transmit path and the system call entry; the chains agree
# with perf -g run inside the guest on the same workload; domain-switch
# puts the VMM's work for the NIC on the driver's chain.  Needs
# LAB_TCG_THREAD=multi (an L2 Linux guest).

CC_CHECKS=$REPO/tests/lab/callchain-checks.py

# cc_report NAME DATA OUT [ARGS]: OUT.folded, OUT.hdr (the header) and
# the stderr of both.
cc_report() {
	local name=$1 data=$2 out=$3
	shift 3
	"$VMPROF" report -i "$data" "$@" --format folded > "$out.folded" \
		2> "$out.err" &&
	"$VMPROF" report -i "$data" "$@" --header-only > "$out.hdr" \
		2>> "$out.err" ||
		{ fail "$name: report: $(head -n 3 "$out.err")"; return 1; }
	sed -n '/call chains/,/^#$/p' "$out.hdr" | sed 's/^/  /'
}

# cc_record NAME OUT ARGS...: vmprof record into OUT; its summary kept.
cc_record() {
	local name=$1 out=$2
	shift 2
	if "$VMPROF" record -p "$@" -o "$out" 2> "$out.stderr"; then
		pass "$name: record ($(grep -o '[0-9]* guest stacks, [0-9]* bytes each on average' "$out.stderr"))"
	else
		fail "$name: record: $(grep -v '^vmprof: debug' "$out.stderr" | tail -n 3)"
		return 1
	fi
}

t_callchain() {
	local d=$LAB_OUT/callchain b m elf builds="fp nofp" methods="fp dwarf"
	if [ "${LAB_CALLCHAIN:-}" = quick ]; then
		builds=fp
		methods=fp
	fi
	mkdir -p "$d"
	insmod "$VMPROF_KO" || { fail "callchain: insmod"; return; }
	for b in $builds; do
		elf=$GUEST_BUILD/cg-$b.elf
		# Rounds of a quarter of the default, so that a recording
		# holds many whole ones: on a slow L1 (6.12-rt, half the
		# samples of 6.1) the chains once came out 44.8/19.8/17.7/
		# 8.5/9.2, as a partial round among few would skew them.
		start_cg "$b" rounds=0 quiet=1 scale=250000 ||
			{ fail "callchain: cg-$b: guest start"; continue; }
		for m in $methods; do
			cc_record "callchain: cg-$b --call-graph $m" \
				"$d/cg-$b-$m.data" "$cg_pid" -F 4000 -d 4 \
				--call-graph "$m"
		done
		[ "$b" = fp ] && cc_record "callchain: cg-fp domain-switch" \
			"$d/cg-fp-dom.data" "$cg_pid" -F 4000 -d 4 \
			--call-graph fp --switch domain
		kill "$cg_pid"
		wait "$cg_pid" 2>/dev/null
		for m in $methods; do
			cc_report "callchain: cg-$b $m" "$d/cg-$b-$m.data" \
				"$d/cg-$b-$m" --guest-vmlinux "$elf" || continue
			if [ "$b-$m" = nofp-fp ]; then
				python3 "$CC_CHECKS" cg-broken "callchain: cg-nofp fp" \
					"$d/cg-nofp-fp.folded" || lab_failed=1
				continue
			fi
			python3 "$CC_CHECKS" cg "callchain: cg-$b $m" \
				"$d/cg-$b-$m.folded" || lab_failed=1
		done
	done
	[ "$methods" = fp ] ||
		python3 "$CC_CHECKS" cg-inline "callchain: cg-fp dwarf" \
			"$d/cg-fp-dwarf.folded" || lab_failed=1
	if cc_report "callchain: cg-fp domain-switch" "$d/cg-fp-dom.data" \
		"$d/cg-fp-dom" --guest-vmlinux "$GUEST_BUILD/cg-fp.elf"; then
		python3 "$CC_CHECKS" cg-domain "callchain: cg-fp domain-switch" \
			"$d/cg-fp-dom.folded" || lab_failed=1
	fi
	check "callchain: objects all zero" wait_objects_zero
	check "callchain: rmmod" rmmod vmprof
}

t_linuxcallchain() {
	local d=$LAB_OUT/linuxcallchain kver kimg initrd
	kver=$(uname -r)
	kimg=/boot/vmlinuz-$kver
	initrd=$GUEST_BUILD/linux-guest-perf-$kver.cpio.gz
	mkdir -p "$d"
	[ -e "$initrd" ] ||
		{ fail "linuxcallchain: no initramfs with perf ($initrd)"; return; }
	insmod "$VMPROF_KO" hooks_linger_ms=3600000 ||
		{ fail "linuxcallchain: insmod"; return; }
	# The guest's perf records 20 s into the workload, for 8 s, when
	# vmprof is done: neither sees the other's work.
	LINUX_INITRD=$initrd APPEND=vmprof.perf=20:8 start_linux_guest net 30 ||
		{ fail "linuxcallchain: guest start"; kill -9 "$linux_pid"
		  wait "$linux_pid" 2>/dev/null; rmmod vmprof; return; }
	cc_record "linuxcallchain: -g" "$d/orc.data" "$linux_pid" -g \
		--guest-vmlinux "$kimg" -F 2000 -d 4
	cc_record "linuxcallchain: -g domain-switch" "$d/dom.data" \
		"$linux_pid" -g --guest-vmlinux "$kimg" -F 2000 -d 3 \
		--switch domain
	wait_for_line "$linux_log" "VMPROF-GUEST done" 3000 ||
		fail "linuxcallchain: the guest did not finish its workload"
	kill "$linux_pid" 2>/dev/null
	wait "$linux_pid" 2>/dev/null
	cp "$linux_log" "$d/guest.log"
	grep -q "VMPROF-GUEST perf end" "$d/guest.log" ||
		fail "linuxcallchain: perf in the guest: $(grep 'VMPROF-GUEST error' "$d/guest.log")"

	if cc_report "linuxcallchain: -g" "$d/orc.data" "$d/orc" \
		--guest-vmlinux "$kimg"; then
		python3 "$CC_CHECKS" complete "linuxcallchain: ORC" \
			"$d/orc.hdr" 95 || lab_failed=1
		python3 "$CC_CHECKS" has "linuxcallchain: ORC" "$d/orc.folded" \
			"dev_hard_start_xmit;e1000_xmit_frame" \
			"entry_SYSCALL_64_after_hwframe;do_syscall_64;" \
			"__napi_poll;e1000_clean" || lab_failed=1
	fi
	if cc_report "linuxcallchain: -g domain-switch" "$d/dom.data" \
		"$d/dom" --guest-vmlinux "$kimg"; then
		python3 "$CC_CHECKS" has "linuxcallchain: domain-switch" \
			"$d/dom.folded" "dev_hard_start_xmit;e1000_xmit_frame;exit:" ||
			lab_failed=1
		# The guest's perf, on a software clock, counts the time its
		# vCPU waits in the VMM for an exit as the time of the
		# instruction that exited: domain-switch's view, not
		# cpu-switch's (the e1000's MMIO exits are most of it).
		"$VMPROF" report -i "$d/dom.data" --guest-vmlinux "$kimg" \
			--format perf-script 2>/dev/null |
			awk -f "$REPO/tests/guest/linux/perf-fold.awk" |
			sort -rn > "$d/dom.chains"
		python3 "$CC_CHECKS" perf "linuxcallchain: against perf -g" \
			"$d/dom.chains" "$d/guest.log" || lab_failed=1
	fi
	check "linuxcallchain: objects all zero" wait_objects_zero
	check "linuxcallchain: rmmod" rmmod vmprof
}
