# SPDX-License-Identifier: GPL-2.0
# Helpers for scripts that run inside the lab (tests/lab/lab.sh).
# Every check prints one line, "PASS: name" or "FAIL: name: why", which
# tests/run.sh counts.

LAB_BUILD=${LAB_BUILD:-$REPO/tests/lab/build}
GUEST_BUILD=${GUEST_BUILD:-$REPO/tests/guest/build}
PROBE=$LAB_BUILD/vmprof-probe
KVM_RUN=$GUEST_BUILD/kvm-run
# The module built for the kernel L1 runs (lab.sh builds and names it).
VMPROF_KO=${VMPROF_KO:-$REPO/kmod/vmprof.ko}
OBJECTS=/sys/kernel/debug/vmprof/objects
lab_failed=0

pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; lab_failed=1; }

# check NAME COMMAND...: pass if the command succeeds.
check() {
	local name=$1
	shift
	if "$@"; then pass "$name"; else fail "$name: failed: $*"; fi
}

# kv KEY TEXT: the value of KEY=value in TEXT.
kv() {
	printf '%s\n' "$2" | sed -n "s/.*\b$1=\([^ ]*\).*/\1/p" | head -n 1
}

# wait_for_line FILE TEXT [TENTHS]: until FILE has TEXT (default 10 s).
wait_for_line() {
	local i
	for i in $(seq "${3:-100}"); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# The module's live objects are all zero.
objects_zero() {
	! grep -v ' 0$' "$OBJECTS"
}

# Wait until the module holds no session (released asynchronously by the
# last fput after a process is killed).
wait_objects_zero() {
	local i
	for i in $(seq 50); do
		objects_zero >/dev/null && return 0
		sleep 0.1
	done
	objects_zero
}

# start_kvm_run VAR ARGS...: start kvm-run, set VAR_pid and the code range.
start_kvm_run() {
	local var=$1 out
	shift
	out=$(mktemp)
	"$KVM_RUN" -p "$@" > "$out" 2>&1 &
	eval "${var}_pid=$!"
	eval "${var}_out=$out"
	wait_for_line "$out" code_start 50
	eval "$(head -n 1 "$out" | sed "s/\([a-z_]*\)=/${var}_\1=/g")"
}

VMPROF=$REPO/tools/vmprof
GT_ELF=$GUEST_BUILD/gt.elf

# fw_qemu LOG KERNEL OPTS ARGS: start QEMU with KVM on a test guest that
# its firmware boots (tests/guest: gt, cg), its command line ARGS, QEMU
# options OPTS (one word list) and its output in LOG, in the background.
fw_qemu() {
	local log=$1 kernel=$2 opts=$3
	shift 3
	# shellcheck disable=SC2086
	qemu-system-x86_64 -accel kvm -cpu host -m 64 -nographic -no-reboot \
		-monitor none -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
		$opts -kernel "$kernel" -append "$*" > "$log" 2>&1 &
}

# gt_qemu LOG ARGS: fw_qemu on the ground-truth guest.  $gt_opts adds QEMU
# options (e.g. -name NAME -smp 2).
gt_qemu() {
	local log=$1
	shift
	fw_qemu "$log" "$GT_ELF" "${gt_opts:-}" "$@"
}

# fw_guest_started LOG TAG PID NAME TRY: wait for the ground-truth or
# call-graph guest of QEMU PID to say "TAG start" in LOG, its first words
# a few seconds after QEMU starts (try 1 waits less for them than try 2),
# then "TAG round 1 done" (a loaded L1 took more than 30 s to get there).
# 0 once it has; else QEMU is stopped, its console printed, and the status
# is 1, or 3 if the guest never left QEMU's firmware.  Under nested TCG an
# L2 QEMU now and then hangs right after SeaBIOS's banner, also with no
# vmprof code running (not understood yet): worth one more start.
fw_guest_started() {
	local log=$1 tag=$2 pid=$3 name=$4 rc=1 first=400

	[ "$5" = 1 ] || first=900
	# Firmware output may precede the guest's on the same line.
	if wait_for_line "$log" "$tag start" "$first"; then
		wait_for_line "$log" "$tag round 1 done" 1200 && return 0
	else
		rc=3
	fi
	# Its console may end without a newline: what follows starts a line.
	echo "lab: the $name guest did not start:"
	sed 's/^/  /' "$log"
	echo
	kill -9 "$pid"; wait "$pid" 2>/dev/null
	[ "$rc" = 3 ] && echo "lab: it never left QEMU's firmware"
	return "$rc"
}

# start_fw_guest VAR TAG NAME KERNEL OPTS ARGS: fw_qemu on KERNEL until its
# guest has done its first round (fw_guest_started), started once more if
# it never left the firmware; sets VAR_pid and VAR_log.
start_fw_guest() {
	local var=$1 tag=$2 name=$3 kernel=$4 opts=$5 try rc log pid
	shift 5
	for try in 1 2; do
		log=$(mktemp)
		fw_qemu "$log" "$kernel" "$opts" "$@"
		pid=$!
		eval "${var}_pid=\$pid ${var}_log=\$log"
		fw_guest_started "$log" "$tag" "$pid" "$name" "$try"
		rc=$?
		[ "$rc" = 3 ] && [ "$try" = 1 ] || return "$rc"
		echo "lab: starting it once more"
		rm -f "$log"
	done
}

# start_cg BUILD ARGS: the call-graph guest (tests/guest/cg), BUILD fp or
# nofp; sets cg_pid and cg_log and returns once its first round is done,
# or stops it and fails.
start_cg() {
	local build=$1
	shift
	start_fw_guest cg CG call-graph "$GUEST_BUILD/cg-$build.boot" "" "$@"
}

# start_gt ARGS: the ground-truth guest ($gt_opts: gt_qemu); sets gt_pid
# and gt_log and returns once its first round is done, or stops it and
# fails.
start_gt() {
	start_fw_guest gt GT ground-truth "$GT_ELF" "${gt_opts:-}" "$@"
}

# LAB_VMPROF_ARGS: module parameters for every load of vmprof.ko in this
# boot (tests/run.sh turns the entry/exit ftrace hooks off under
# multi-threaded TCG, which can freeze on the text they rewrite).
insmod() {
	if [ "${1:-}" = "$VMPROF_KO" ] && [ -n "${LAB_VMPROF_ARGS:-}" ]; then
		# shellcheck disable=SC2086
		command insmod "$@" $LAB_VMPROF_ARGS
	else
		command insmod "$@"
	fi
}

# guest_started LOG WORKLOAD PID: wait until the Linux guest of PID says in
# LOG that WORKLOAD started.  Returns 0 then, 2 if its QEMU ended first
# (printing how), 1 if it did not start in time.
guest_started() {
	local i
	for i in $(seq 900); do
		grep -q "VMPROF-GUEST workload $2 start" "$1" && return 0
		if ! kill -0 "$3" 2>/dev/null; then
			wait "$3"
			echo "  the guest's QEMU ended (status $?) before its workload started"
			return 2
		fi
		sleep 0.1
	done
	return 1
}

# start_linux_guest WORKLOAD SECONDS [QEMU ARGS...]: Debian's kernel (the
# one L1 runs) as an L2 guest under real QEMU with two e1000 NICs and QEMU
# ARGS; sets linux_pid and linux_log and returns once the workload has
# started.  $LINUX_INITRD names another initramfs (default the one without
# perf), $APPEND adds to the guest kernel's command line, $MEM sets its
# memory (MiB, default 256).  Under the lab's TCG an L2 Linux guest now and
# then dies in early boot (QEMU ends, the guest having printed nothing):
# it gets a second boot, said so; a guest that does not start its
# workload fails.
start_linux_guest() {
	local workload=$1 seconds=$2 try rc
	shift 2
	for try in 1 2; do
		linux_log=$(mktemp)
		MEM=${MEM:-256} bash "$REPO/tests/guest/linux/run-guest.sh" \
			"/boot/vmlinuz-$(uname -r)" \
			"${LINUX_INITRD:-$GUEST_BUILD/linux-guest-$(uname -r).cpio.gz}" \
			"$workload" "$seconds" kvm -monitor none "$@" \
			> "$linux_log" 2>&1 &
		linux_pid=$!
		guest_started "$linux_log" "$workload" "$linux_pid"
		rc=$?
		[ "$rc" = 0 ] && return 0
		echo "lab: the Linux guest did not start its workload:"
		tail -n 30 "$linux_log" | sed 's/^/  | /'
		kill -9 "$linux_pid" 2>/dev/null
		wait "$linux_pid" 2>/dev/null
		[ "$rc" = 2 ] || return 1
	done
	return 1
}

# make_system_map OUT: the System.map of the kernel L1 runs, which is the
# kernel the Linux guest runs too.  Debian ships only a placeholder
# System.map (the real one is in the -dbg package), so take L1's kallsyms
# and move it back to link addresses (_text links at 0xffffffff81000000).
make_system_map() {
	perl -e '
		no warnings "portable";
		my @l = grep { /^\S+ \S+ \S+$/ } <STDIN>;
		my ($text) = map { hex((split)[0]) } grep { / _text$/ } @l;
		my $slide = $text - hex("ffffffff81000000");
		for (@l) {
			my ($a, $t, $n) = split;
			printf "%016x %s %s\n", hex($a) - $slide, $t, $n;
		}' < /proc/kallsyms > "$1"
}

# guest_module_kallsyms LOG OUT: the module symbols the guest printed.
guest_module_kallsyms() {
	sed -n 's/^VMPROF-GUEST ksym //p' "$1" | tr -d '\r' > "$2"
}

# guest_kaslr_offset LOG MAP: the guest's real KASLR offset, from the
# runtime address it printed and the link address in MAP.
guest_kaslr_offset() {
	local rt link
	rt=$(sed -n 's/.*entry_SYSCALL_64=0x\([0-9a-f]*\).*/\1/p' "$1" | head -n 1)
	link=$(awk '$3 == "entry_SYSCALL_64" { print $1; exit }' "$2")
	perl -e 'no warnings "portable"; printf "0x%x\n", hex($ARGV[0]) - hex($ARGV[1])' "$rt" "$link"
}

# kvm_vendor_reload PARAMS...: reload kvm_amd or kvm_intel with PARAMS.
# The QEMU lab's hold-keys (tests/lab/init) keeps two VMs, and so the
# vendor module, busy: it is stopped for the reload and started again.
kvm_vendor_reload() {
	local m hk rc
	for m in kvm_amd kvm_intel; do
		[ -d "/sys/module/$m" ] || continue
		hk=$(pidof hold-keys)
		if [ -n "$hk" ]; then
			kill "$hk"
			while kill -0 "$hk" 2>/dev/null; do sleep 0.1; done
		fi
		rc=0
		rmmod "$m" || rc=1
		if [ -e "/lib/modules/$m.ko" ]; then	# the VMX lab's CD
			insmod "/lib/modules/$m.ko" "$@" || rc=1
		else
			modprobe "$m" "$@" || rc=1
		fi
		if [ -n "$hk" ]; then
			"$LAB_BUILD/hold-keys" > /tmp/hold-keys.out 2>&1 &
			wait_for_line /tmp/hold-keys.out held 50 ||
				echo "  hold-keys: $(cat /tmp/hold-keys.out)"
		fi
		return "$rc"
	done
	return 1
}
