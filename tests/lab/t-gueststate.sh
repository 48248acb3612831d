# SPDX-License-Identifier: GPL-2.0
# Guest state the module reads without KVM's help (kmod/guest_state.c):
#  - the AMD VMCB layout check at a freshly loaded module, when the first
#    exits it sees are at guest RIP 0, where the check cannot tell (a
#    one-shot check marked the layout unknown for good: every exit reason
#    lost until the module was reloaded);
#  - the guest's own CR3 under nested paging and under shadow paging
#    (kvm_amd npt=0), where the VMCB's CR3 is KVM's shadow root, a host
#    physical address.
# Sourced by tests/lab/suite.sh inside the lab.

# gs_cr3 NAME: kvm-run with paging, recorded in cpu-switch; every guest
# sample must carry one of the guest's two page directories, and both.
gs_cr3() {
	local name=$1 f=$LAB_OUT/gueststate/cr3-$1.data stats want
	start_kvm_run pg -p -n 1 -s 60 -i 20000 --paging
	want="$pg_pd_a:$pg_pd_b"
	"$VMPROF" record -q -e cpu-clock -p "$pg_pid" -F 2000 -d 2 -o "$f"
	# A kvm-run that ended early says why.
	kill -9 "$pg_pid" || sed 's/^/  kvm-run: /' "$pg_out"
	wait "$pg_pid" 2>/dev/null
	stats=$("$LAB_BUILD/data-stats" "$f")
	echo "  $name: $(kv guest_cr3s "$stats") (the guest's: $want)"
	check "cr3 $name: guest samples carry only the guest's CR3s" \
		python3 -c 'import sys
got = dict(p.split(":") for p in sys.argv[1].split(","))
want = sys.argv[2].split(":")
ok = set(got) == set(want) and all(int(got[c]) >= 20 for c in want)
sys.exit(0 if ok else 1)' "$(kv guest_cr3s "$stats")" "$want"
}

t_gueststate() {
	local out d=$LAB_OUT/gueststate
	mkdir -p "$d"

	# A fresh module whose first exits are at RIP 0 (the out comes first
	# in this program, and short loops make it nearly every exit).
	rmmod vmprof 2>/dev/null
	insmod "$VMPROF_KO" || { fail "gueststate: insmod"; return; }
	local warned
	warned=$(dmesg | grep -c "layout not recognised")
	start_kvm_run r0 -n 1 -s 30 -i 200 --rip0
	out=$("$PROBE" -m domain -p "$r0_pid" -d 2 \
		-r "$r0_code_start:$r0_code_end" -i "$r0_io_rip")
	echo "$out" | grep -E '^(samples|exit )' | sed 's/^/  rip0: /'
	check "rip0: exits at RIP 0 first do not cost the exit reasons" \
		grep -Eq 'exit reason=0x7b count=[1-9]' <<< "$out"
	check "rip0: port-I/O exits charged to the out at RIP 0 ($(kv exit_io_at_rip "$out"))" \
		test "$(kv exit_io_at_rip "$out")" -gt 0
	check "rip0: the VMCB layout is recognised" \
		test "$(dmesg | grep -c "layout not recognised")" = "$warned"
	kill -9 "$r0_pid"; wait "$r0_pid" 2>/dev/null

	gs_cr3 npt
	rmmod vmprof
	if kvm_vendor_reload npt=0; then
		insmod "$VMPROF_KO" || { fail "gueststate: insmod"; return; }
		check "cr3: kvm_amd runs with shadow paging" \
			grep -qx N /sys/module/kvm_amd/parameters/npt
		gs_cr3 shadow
		rmmod vmprof
	else
		fail "gueststate: kvm_amd does not load with npt=0"
	fi
	check "gueststate: kvm_amd back to nested paging" kvm_vendor_reload
	insmod "$VMPROF_KO" || { fail "gueststate: insmod"; return; }
	check "gueststate: objects all zero" wait_objects_zero
	check "gueststate: rmmod" rmmod vmprof
}
