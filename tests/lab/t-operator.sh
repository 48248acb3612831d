# SPDX-License-Identifier: GPL-2.0
# The operator's workflow: find VMs by name (vmprof list, -p NAME, --vm),
# watch one live (vmprof top under tmux, and --stdio), record's status
# line on a terminal.  Real QEMU guests started with -name, kvm-run as a
# VMM that QEMU is not, libvirt's pid file naming a domain.

# top_screen_wait SESSION OUT: capture the top screen in tmux SESSION
# until it holds enough of the ground-truth guest's samples for the ratio
# check (3000: the decaying window held 2000 to 4800 within 10 s in the lab),
# or 10 s have passed; print the checks.
top_screen_wait() {
	local i rc
	for i in $(seq 20); do
		sleep 0.5
		tmux -L vmprof-lab capture-pane -p -t "$1" > "$2"
		python3 "$REPO/tests/lab/operator-checks.py" top-screen "$2" 3000
		rc=$?
		[ "$rc" = 1 ] && lab_failed=1
		[ "$rc" = 3 ] || { sed 's/^/  /' "$2" | head -n 16; return; }
	done
	python3 "$REPO/tests/lab/operator-checks.py" top-screen "$2" 1 ||
		lab_failed=1
	sed 's/^/  /' "$2"
}

# tmux_wait_for SESSION TEXT: until the screen of SESSION shows TEXT.
tmux_wait_for() {
	local i
	for i in $(seq 50); do
		tmux -L vmprof-lab capture-pane -p -t "$1" 2>/dev/null | grep -q -- "$2" &&
			return 0
		sleep 0.1
	done
	return 1
}

t_operator() {
	local d=$LAB_OUT/operator gt_one gt_two kr1 kr2 kr3 out rc i
	mkdir -p "$d"
	insmod "$VMPROF_KO" || { fail "operator: insmod"; return; }

	# Two QEMU guests named on their command lines, both forms of -name.
	gt_opts="-name guest=vmprof-gt,debug-threads=on"
	start_gt rounds=0 scale=2000000 io=40 quiet=1 ||
		{ fail "operator: guest start"; rmmod vmprof; return; }
	gt_one=$gt_pid
	gt_opts="-name gt-two -smp 2"
	start_gt rounds=0 scale=2000000 io=40 quiet=1 ||
		{ fail "operator: second guest start"; kill "$gt_one"; rmmod vmprof; return; }
	gt_two=$gt_pid
	gt_opts=
	# Other VMMs: named after their process, and one that libvirt's pid
	# file names (what libvirtd writes for a running domain).
	"$KVM_RUN" -n 1 -s 60 -i 100000000 > /dev/null 2>&1 &
	kr1=$!
	"$KVM_RUN" -n 1 -s 60 -i 100000000 > /dev/null 2>&1 &
	kr2=$!
	"$KVM_RUN" -n 3 -s 60 -i 100000000 > /dev/null 2>&1 &
	kr3=$!
	mkdir -p /run/libvirt/qemu
	echo "$kr3" > /run/libvirt/qemu/lv-domain.pid
	for i in $(seq 50); do
		[ "$(ls -l /proc/$kr1/fd /proc/$kr2/fd /proc/$kr3/fd 2>/dev/null | grep -c kvm-vcpu)" = 5 ] && break
		sleep 0.1
	done

	"$VMPROF" list > "$d/list.txt"
	"$VMPROF" list --format json > "$d/list.json"
	sed 's/^/  /' "$d/list.txt"
	python3 "$REPO/tests/lab/operator-checks.py" list "$d/list.json" \
		"$gt_one:vmprof-gt:qemu:1:64" "$gt_two:gt-two:qemu:2:64" \
		"$kr1:kvm-run:process:1" "$kr2:kvm-run:process:1" \
		"$kr3:lv-domain:libvirt:3" "ignore:$(pgrep -x hold-keys)" ||
		lab_failed=1
	if grep -Eq "^ *$gt_one +vmprof-gt +1 +64M " "$d/list.txt" &&
	   grep -Eq "^ *$gt_two +gt-two +2 +64M " "$d/list.txt"; then
		pass "operator: vmprof list shows both QEMU guests by name with their vCPUs"
	else
		fail "operator: vmprof list shows both QEMU guests by name with their vCPUs" "$(cat "$d/list.txt")"
	fi
	# (hold-keys, which keeps L1's static keys on, holds KVM VMs too.)
	if [ "$("$VMPROF" list --name | grep -vx hold-keys | sort | tr '\n' ' ')" = "gt-two kvm-run kvm-run lv-domain vmprof-gt " ]; then
		pass "operator: vmprof list --name"
	else
		fail "operator: vmprof list --name" "$("$VMPROF" list --name | tr '\n' ' ')"
	fi

	# The bash completion offers the names (and with -p the PIDs).
	out=$(bash -c '. /usr/share/bash-completion/bash_completion
		. "$1/tools/completion/vmprof.bash"
		COMP_WORDS=("$2" top --vm ""); COMP_CWORD=3
		_vmprof "$2" "" --vm; echo "${COMPREPLY[*]}"
		COMP_WORDS=("$2" record -p ""); COMP_CWORD=3
		_vmprof "$2" "" -p; echo "${COMPREPLY[*]}"' _ "$REPO" "$VMPROF" 2>&1)
	if printf '%s\n' "$out" | head -n 1 | tr ' ' '\n' | grep -vx hold-keys |
		sort | tr '\n' ' ' |
		grep -qx "gt-two kvm-run lv-domain vmprof-gt " &&
	   printf '%s\n' "$out" | sed -n 2p | grep -qw "$gt_one" &&
	   printf '%s\n' "$out" | sed -n 2p | grep -qw vmprof-gt; then
		pass "operator: bash completion offers the VM names (and PIDs after -p)"
	else
		fail "operator: bash completion offers the VM names" "$out"
	fi

	# Names that mean no one VM.
	out=$("$VMPROF" record --vm kvm-run -d 1 -o "$d/never.data" 2>&1)
	rc=$?
	if [ "$rc" = 1 ] && [ "$(printf '%s\n' "$out" | wc -l)" = 1 ] &&
	   printf '%s' "$out" | grep -q "vmprof: error: 2 virtual machines are named 'kvm-run' (PIDs $kr1, $kr2)" &&
	   [ ! -e "$d/never.data" ]; then
		pass "operator: an ambiguous name is one error listing the matches"
	else
		fail "operator: an ambiguous name is one error listing the matches" "rc=$rc $out"
	fi
	out=$("$VMPROF" top -p no-such-vm 2>&1)
	rc=$?
	if [ "$rc" = 1 ] && [ "$(printf '%s\n' "$out" | wc -l)" = 1 ] &&
	   printf '%s' "$out" | grep -q "vmprof: error: no virtual machine named 'no-such-vm'"; then
		pass "operator: an unknown name is one error line"
	else
		fail "operator: an unknown name is one error line" "rc=$rc $out"
	fi
	# The libvirt domain by its name: the recording is kvm-run's.
	check "operator: record --vm a libvirt domain" "$VMPROF" record -q \
		--vm lv-domain -d 1 -o "$d/lv.data"
	"$VMPROF" report -i "$d/lv.data" --format json > "$d/lv.json"
	if python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); sys.exit(d["vmm_pid"] != int(sys.argv[2]) or d["nr_vcpus"] != 3)' \
		"$d/lv.json" "$kr3"; then
		pass "operator: record --vm lv-domain records libvirt's domain (kvm-run, 3 vCPUs)"
	else
		fail "operator: record --vm lv-domain records libvirt's domain" "$(head -c 400 "$d/lv.json")"
	fi
	kill "$kr1" "$kr2" "$kr3" "$gt_two"
	wait "$kr1" "$kr2" "$kr3" "$gt_two" 2>/dev/null
	rm -f /run/libvirt/qemu/lv-domain.pid

	# record --vm NAME and record -p PID: the same VM, the same data.
	check "operator: record --vm vmprof-gt" "$VMPROF" record -q \
		--vm vmprof-gt -F 4000 -d 2 -o "$d/byname.data"
	check "operator: record -p PID" "$VMPROF" record -q -p "$gt_one" \
		-F 4000 -d 2 -o "$d/bypid.data"
	for m in byname bypid; do
		"$VMPROF" report -i "$d/$m.data" --guest-vmlinux "$GT_ELF" \
			--format json > "$d/$m.json"
	done
	python3 "$REPO/tests/lab/operator-checks.py" same-vm "$d/byname.json" \
		"$d/bypid.json" || lab_failed=1
	# report --vm takes the name record --vm took, whichever way the VM
	# was given to record.
	for m in byname bypid; do
		"$VMPROF" report -i "$d/$m.data" --guest-vmlinux "$GT_ELF" \
			--vm vmprof-gt > "$d/$m.vm.txt" 2>&1
	done
	if grep -qx "# vm: vmprof-gt" "$d/byname.vm.txt" &&
	   grep -qx "# vm: vmprof-gt" "$d/bypid.vm.txt" &&
	   grep -q "gt_compute_a" "$d/bypid.vm.txt"; then
		pass "operator: report --vm NAME finds the VM that record recorded, by name or PID"
	else
		fail "operator: report --vm NAME" "$(head -c 400 "$d/bypid.vm.txt")"
	fi

	# record's status line: on a terminal (script gives it one), not
	# in a pipe, not with -q.
	script -qec "$VMPROF record -p vmprof-gt -d 2 -o $d/tty.data" /dev/null \
		> "$d/tty.out" 2>&1
	tr '\r' '\n' < "$d/tty.out" > "$d/tty.lines"
	if grep -Eq "^vmprof: recording VM vmprof-gt \(pid $gt_one\): [0-9.]+ s, [0-9]+ samples, [0-9]+ lost, [0-9.]+ [kMG]B" "$d/tty.lines" &&
	   grep -q "^vmprof: wrote $d/tty.data" "$d/tty.lines"; then
		pass "operator: record on a terminal shows its status line (elapsed, samples, lost, size)"
	else
		fail "operator: record on a terminal shows its status line" "$(head -c 400 "$d/tty.lines")"
	fi
	script -qec "$VMPROF record -q -p vmprof-gt -d 1 -o $d/tty.data" /dev/null \
		> "$d/ttyq.out" 2>&1
	"$VMPROF" record --vm vmprof-gt -d 1 -o "$d/pipe.data" 2> "$d/pipe.err"
	if ! grep -q recording "$d/ttyq.out" && ! grep -q wrote "$d/ttyq.out" &&
	   ! grep -q recording "$d/pipe.err" && grep -q "^vmprof: wrote" "$d/pipe.err"; then
		pass "operator: record is quiet with -q, and has no status line in a pipe"
	else
		fail "operator: record is quiet with -q and in a pipe" "$(cat "$d/ttyq.out" "$d/pipe.err" | head -c 400)"
	fi

	# top in a terminal (tmux): the ratio on screen, keys, q quits.
	rm -f "$d/top.rc"
	tmux -L vmprof-lab -f /dev/null new-session -d -s vmtop -x 132 -y 40 \
		"$VMPROF top --vm vmprof-gt --guest-vmlinux $GT_ELF -F 4000 2> $d/top.err; echo \$? > $d/top.rc"
	top_screen_wait vmtop "$d/top.screen"
	tmux -L vmprof-lab send-keys -t vmtop m
	if tmux_wait_for vmtop "Exits/s"; then
		pass "operator: top: m shows the exit reasons"
	else
		fail "operator: top: m shows the exit reasons" "$(tmux -L vmprof-lab capture-pane -p -t vmtop | head -n 12)"
	fi
	tmux -L vmprof-lab send-keys -t vmtop s
	if tmux_wait_for vmtop "sort: name"; then
		pass "operator: top: s changes the sort"
	else
		fail "operator: top: s changes the sort" "$(tmux -L vmprof-lab capture-pane -p -t vmtop | head -n 6)"
	fi
	tmux -L vmprof-lab send-keys -t vmtop q
	wait_for_line "$d/top.rc" . 50
	if [ "$(cat "$d/top.rc" 2>/dev/null)" = 0 ] && ! tmux -L vmprof-lab has-session -t vmtop 2>/dev/null; then
		pass "operator: top quits on q (exit status 0)"
	else
		fail "operator: top quits on q" "rc=$(cat "$d/top.rc" 2>/dev/null) $(cat "$d/top.err")"
		tmux -L vmprof-lab kill-server 2>/dev/null
	fi
	check "operator: top: objects all zero after q" wait_objects_zero

	# top --stdio in domain-switch: VMM share and exit reasons.
	"$VMPROF" top --vm vmprof-gt --switch domain --stdio -d 4 -F 4000 \
		--guest-vmlinux "$GT_ELF" > "$d/top-domain.txt" 2> "$d/top-domain.err"
	rc=$?
	check "operator: top --stdio -d exits 0" test "$rc" = 0
	awk 'BEGIN { RS = ""; ORS = "\n\n" } /^vmprof top:/ { last = $0 } END { print last }' \
		"$d/top-domain.txt" | head -n 16 | sed 's/^/  /'
	python3 "$REPO/tests/lab/operator-checks.py" top-domain \
		"$d/top-domain.txt" || lab_failed=1

	kill "$gt_one"; wait "$gt_one" 2>/dev/null
	check "operator: objects all zero" wait_objects_zero
	check "operator: rmmod" rmmod vmprof
}
