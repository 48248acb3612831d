# SPDX-License-Identifier: GPL-2.0
# Hostile user space against /dev/vmprof (tests/lab/ioctl-fuzz.c) while
# two kvm-run guests run, one of which dies halfway.  Afterwards the
# kernel must be unharmed (lab.sh fails the run on any WARN/BUG/oops), the
# module must still work for a normal session, and every object it
# allocated must be gone.
#
# VMPROF_FUZZ_SECONDS (default 60) sets the fuzzing time;
# VMPROF_FUZZ_SEED replays a seed; VMPROF_FUZZ_THREADS the workers (2).

t_fuzz() {
	local secs=${VMPROF_FUZZ_SECONDS:-60} out rc n seed

	insmod "$VMPROF_KO" || { fail "fuzz: insmod"; return; }
	start_kvm_run fz -n 2 -s $((secs + 600)) -i 200000
	# Dies halfway through: sessions on it lose their target.
	start_kvm_run fd -s $((secs / 2 + 1)) -i 100000
	out=$("$LAB_BUILD/ioctl-fuzz" -p "$fz_pid" -p "$fd_pid" -t "$secs" \
		-j "${VMPROF_FUZZ_THREADS:-2}" \
		${VMPROF_FUZZ_SEED:+-s "$VMPROF_FUZZ_SEED"} 2>&1)
	rc=$?
	echo "$out" | sed 's/^/  /'
	seed=$(kv seed "$out")
	check "fuzz: ioctl-fuzz ran ${secs}s (seed $seed) and exited 0" \
		test "$rc" = 0
	check "fuzz: it attached, mapped, enabled and scribbled" \
		test "$(kv attached "$out")" -gt 0 -a "$(kv mapped "$out")" -gt 0 \
		-a "$(kv enabled "$out")" -gt 0 -a "$(kv scribbles "$out")" -gt 0
	check "fuzz: the guest survived the fuzzing" kill -0 "$fz_pid"
	wait "$fd_pid" 2>/dev/null
	check "fuzz: objects back to zero (seed $seed)" wait_objects_zero
	grep -v ' 0$' "$OBJECTS" | sed 's/^/  left: /'

	local range="$fz_code_start:$fz_code_end"
	out=$("$PROBE" -m cpu -p "$fz_pid" -d 2 -r "$range")
	echo "$out" | sed 's/^/  after: /'
	n=$(kv samples "$out")
	check "fuzz: a normal session afterwards gets samples ($n)" \
		test "${n:-0}" -gt 50
	check "fuzz: ... all in the guest's loop" \
		test "$(kv in_range "$out")" = "$n" -a "$(kv out_range "$out")" = 0
	kill -9 "$fz_pid"; wait "$fz_pid" 2>/dev/null
	check "fuzz: objects zero at the end" wait_objects_zero
	check "fuzz: rmmod" rmmod vmprof
}
