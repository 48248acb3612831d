# SPDX-License-Identifier: GPL-2.0
# Sourced by tests/report/run.sh: what 'vmprof report' does with the guest
# records of 'vmprof record --guest-introspect', against Debian's real
# kernel images (scripts/install-deps installs them), with no lab:
#
#  - kallsyms decoded from every /boot/vmlinuz-* agree with the image's own
#    export table; the BTF offsets vmprof needs are all found;
#  - guest kernel symbols found by build-id: not at all without a source,
#    then from the build-id cache, a --guest-root and a local debuginfod
#    server (Debian's debuginfod, on 127.0.0.1);
#  - module symbols recorded from guest memory; guest tasks: --sort comm,
#    pid, tid, --comms/--pid/--tid, and a comm that changes (exec);
#  - a guest program's symbols from the cache and from --guest-root;
#  - data files of ABI 1.0 (tests/report/compat/, written by the vmprof of
#    that ABI) still read.
#
# Expected values come from the inputs: the image's export table (not
# kallsyms) names the functions the samples are put in.

GUEST_KVER=$("$TOP/scripts/kver.sh" 2>/dev/null)
GUEST_IMG=/boot/vmlinuz-$GUEST_KVER
KCHECK=$T/kimage-check
GUEST_KASLR=0x2c000000
GDPID=

guest_build() {
	if $CC $HOSTCFLAGS -o "$KCHECK" "$HERE/kimage-check.c" \
		"$TOP/tools/kimage.c" "$TOP/tools/guest-layout.c" \
		"$TOP/tools/util.c" -ldw -lelf -lzstd -lbpf \
		>"$T/kcheck.log" 2>&1 &&
	   $CC -g -O1 -static -Wl,--build-id -o "$T/prog" "$HERE/guest/prog.c" \
		>>"$T/kcheck.log" 2>&1; then
		pass "build: kimage-check and a guest program"
	else
		fail "build: kimage-check and a guest program" \
			"$(head -n 5 "$T/kcheck.log" | tr '\n' ' ')"
		return 1
	fi
}

# Once, outside the two passes: the images and the debuginfod server.
guest_setup() {
	local k out ok=1 port i imgs
	if [ ! -e "$GUEST_IMG" ]; then
		fail "guest: Debian's kernel image" "$GUEST_IMG missing (scripts/install-deps)"
		return 1
	fi
	# Debian 12's kernels, and the 7.x of the trixie root when there is
	# one (scripts/kernels.sh).
	imgs=$(ls /boot/vmlinuz-* \
		"${VMPROF_TRIXIE_ROOT:-$TOP/build/trixie}"/boot/vmlinuz-* 2>/dev/null)
	for k in $imgs; do
		out=$("$KCHECK" check "$k" 2>&1)
		case "$out" in
		*"mismatched=0 missing=0"*) ;;
		*) ok=0; echo "  $k: $out" >&2 ;;
		esac
		if [ "$(echo "$out" | sed -n 's/symbols=\([0-9]*\).*/\1/p')" -lt 50000 ] 2>/dev/null; then
			ok=0; echo "  $k: too few symbols: $out" >&2
		fi
		out=$("$KCHECK" layout "$k" 2>&1)
		if [ $? != 0 ] || grep -q '=-1$' <<< "$out" ||
		   ! grep -q '^current_task=0x[1-9a-f]' <<< "$out"; then
			ok=0
			echo "  $k: layout: $(grep -- '-1$\|current\|vmprof' <<< "$out" | tr '\n' ' ')" >&2
		fi
	done
	if [ "$ok" = 1 ]; then
		pass "guest: kallsyms decoded from $(echo "$imgs" | wc -w) Debian images ($(for k in $imgs; do basename "$k" | sed 's/vmlinuz-//'; done | tr '\n' ' '| sed 's/ $//')) agree with their export tables, and their BTF gives every offset vmprof reads"
	else
		fail "guest: kallsyms decoded from the images agree with their export tables, and their BTF gives every offset" "see above"
	fi
	# The fuzz seeds' tables (tests/fuzz/mkkallsyms.py): 6.4's layout
	# and 7.0's decode to the same 300 symbols.
	for k in 6.4 7.0; do
		out=$("$KCHECK" kallsyms "$TOP/tests/fuzz/corpus/elf/kallsyms-$k.elf" 2>&1)
		if [ "$(wc -l <<< "$out")" = 300 ] &&
		   [ "$(head -n 1 <<< "$out")" = "ffffffff81001000 T _text" ] &&
		   [ "$(tail -n 1 <<< "$out")" = "ffffffff810022b0 t fuzz_sym_0299_queue" ]; then
			pass "guest: kallsyms tables in $k's layout decode"
		else
			fail "guest: kallsyms tables in $k's layout decode" "$(head -n 2 <<< "$out" | tr '\n' ' ')"
		fi
	done
	out=$("$KCHECK" layout "$GUEST_IMG" 2>&1)
	if [ $? = 0 ] && ! grep -q '=-1$' <<< "$out" &&
	   grep -q '^current_task=0x[1-9a-f]' <<< "$out"; then
		pass "guest: BTF of $GUEST_KVER gives every offset vmprof reads ($(echo "$out" | grep -E '^task_(pid|comm)=' | tr '\n' ' '))"
	else
		fail "guest: BTF of $GUEST_KVER gives every offset vmprof reads" "$(echo "$out" | grep -- '-1$\|current' | tr '\n' ' ')"
	fi

	# The functions the samples go to, from the export table.
	"$KCHECK" exports "$GUEST_IMG" > "$T/exports"
	mkdir -p "$T/dsrv"
	"$KCHECK" extract "$GUEST_IMG" "$T/dsrv/vmlinux"
	GUEST_BID=$(readelf -n "$T/dsrv/vmlinux" | sed -n 's/.*Build ID: //p' | head -n 1)

	# Debian's debuginfod on 127.0.0.1, over the extracted kernel.
	if ! command -v debuginfod >/dev/null; then
		fail "guest: debuginfod server" "not installed (scripts/install-deps)"
		return 0
	fi
	for i in 1 2 3 4 5; do
		port=$((20000 + (RANDOM % 20000)))
		# No upstream: a server with DEBUGINFOD_URLS asks them for
		# what it does not have.
		env -u DEBUGINFOD_URLS debuginfod -F -d "$T/dsrv.sqlite" \
			-p "$port" "$T/dsrv" >"$T/dsrv.log" 2>&1 &
		GDPID=$!
		sleep 0.5
		kill -0 "$GDPID" 2>/dev/null && break
		GDPID=
	done
	GUEST_DURL=http://127.0.0.1:$port
	for i in $(seq 100); do
		# A fresh client cache each time: the client remembers a miss
		# (the server still indexing) for ten minutes.
		DEBUGINFOD_URLS=$GUEST_DURL DEBUGINFOD_CACHE_PATH=$T/dprobe.$i \
			debuginfod-find executable "$GUEST_BID" >/dev/null 2>&1 &&
			return 0
		sleep 0.2
	done
	fail "guest: debuginfod server" "did not serve $GUEST_BID: $(tail -n 3 "$T/dsrv.log" | tr '\n' ' ')"
}

guest_teardown() {
	[ -n "$GDPID" ] && kill "$GDPID" 2>/dev/null && wait "$GDPID" 2>/dev/null
	GDPID=
}

# grun [VAR=VALUE...] -- ARGS: run vmprof ARGS as run() does, with no
# debuginfod server unless DEBUGINFOD_URLS is among the VARs.
grun() {
	local envs=()
	while [ "$1" != -- ]; do
		envs+=("$1")
		shift
	done
	shift
	env -u DEBUGINFOD_URLS VMPROF_BUILDID_DIR="$T/nocache" \
		DEBUGINFOD_CACHE_PATH="$T/dnone" "${envs[@]}" "$VMPROF" "$@" \
		>"$T/out" 2>"$T/err"
	RC=$?
	SAN_MSG=""
	if grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' "$T/err"; then
		SAN_MSG="sanitizer: $(grep -m1 -E 'ERROR|runtime error' "$T/err")"
	fi
	[ "$RC" -ge 128 ] && SAN_MSG="killed by signal $((RC - 128))"
	return 0
}

gexp() { awk -v s="$1" '$2 == s { print "0x"$1; exit }' "$T/exports"; }

spec_guest() {
	local sched kfree msleep prog_fn tstart tend
	sched=$(hex "$(gexp schedule) + $GUEST_KASLR + 4")
	kfree=$(hex "$(gexp kfree) + $GUEST_KASLR + 2")
	msleep=$(hex "$(gexp msleep) + $GUEST_KASLR + 1")
	prog_fn=$(hex "$(sym "$T/prog" prog_work) + 2")
	read -r tstart tend < <(readelf -lW "$T/prog" |
		awk '$1 == "LOAD" && / R E / { print $3, $6; exit }')
	tend=$(hex "$tstart + $tend")
	printf 'e1000_clean_rx_irq 0xffffffffc0001000\n' > "$T/e1000.sections"
	printf 'ffffffffc0001000 t e1000_clean_rx_irq\t[e1000]\nffffffffc0001400 T e1000_xmit_frame\t[e1000]\n' \
		> "$T/e1000.syms"
	cat <<EOF
info mode=domain-switch event=cpu-clock isa=svm pid=4242 sample=1000 lstar=0x1
string vmm-comm qemu-system-x86
guest-kernel release=$GUEST_KVER build-id=$GUEST_BID kaslr=$GUEST_KASLR flags=lstar-ok,tasks
guest-module name=e1000 base=0xffffffffc0000000 size=0x10000 build-id=00112233445566778899aabbccddeeff00112233 sections=$T/e1000.sections symbols=$T/e1000.syms
guest-module name=mod2 base=0xffffffffc0100000 size=0x1000 build-id=aabbccddeeff00112233445566778899aabbccdd
guest-task cpu=0 pid=100 tid=100 comm=alpha
guest-task cpu=0 pid=100 tid=101 comm=alpha
guest-task cpu=1 pid=200 tid=200 comm=beta
guest-task cpu=1 pid=300 tid=300 comm=prog
sample ctx=guest-kernel rip=$sched cpu=0 gpid=100 gtid=100 count=30
sample ctx=guest-kernel rip=$kfree cpu=0 gpid=100 gtid=101 count=20
sample ctx=guest-kernel rip=$msleep cpu=1 gpid=200 gtid=200 count=10
guest-task cpu=1 pid=200 tid=200 comm=gamma
sample ctx=guest-kernel rip=$msleep cpu=1 gpid=200 gtid=200 count=15
sample ctx=guest-kernel rip=0xffffffffc0001010 cpu=0 gpid=100 gtid=100 count=12
sample ctx=guest-kernel rip=0xffffffffc0001420 cpu=1 gpid=200 gtid=200 count=6
sample ctx=guest-kernel rip=0xffffffffc0100010 cpu=1 gpid=200 gtid=200 count=3
sample ctx=guest-user rip=$prog_fn cpu=1 gpid=300 gtid=300 count=8
guest-exe pid=300 start=$tstart end=$tend bias=0 path=/usr/bin/prog build-id=file:$T/prog
sample ctx=vmm-user host-ip=0x1000 pid=4242 tid=4243 vcpu=0 count=5
end
EOF
}

# has_all ROWS WANT...: every WANT is one of the space-separated ROWS.
has_all() {
	local rows=" $1 " w
	shift
	for w in "$@"; do
		[[ $rows == *" $w "* ]] || return 1
	done
}

# guest_rows JSON: "symbol dso samples" of the guest rows.
guest_rows() {
	jget "$1" "' '.join('%s|%s|%d' % (r['symbol'], r['dso'], r['samples']) for r in d['rows'] if r['context'] and r['context'].startswith('guest'))"
}

check_guest_kernel() {
	local want="schedule|[guest.kernel]|30 kfree|[guest.kernel]|20 msleep|[guest.kernel]|25" rows
	# No source: the kernel rows are [unknown], and the report says why.
	grun VMPROF_BUILDID_DIR="$T/cache" -- \
		report -i "$T/guest.data" --format json
	cp "$T/out" "$T/guest.none.json"
	rows=$(guest_rows "$T/guest.none.json")
	if [ "$RC" = 0 ] && [ -z "$SAN_MSG" ] &&
	   [[ $rows != *schedule* ]] && grep -q "no symbols for the guest kernel $GUEST_KVER" "$T/err"; then
		pass "guest: no source, no guest kernel symbols, and a note that says so"
	else
		fail "guest: no source, no guest kernel symbols" "rc=$RC $SAN_MSG rows=$rows $(head -c 200 "$T/err")"
	fi
	# The build-id cache.
	VMPROF_BUILDID_DIR=$T/cache "$VMPROF" buildid-cache -a "$GUEST_IMG" >/dev/null
	grun VMPROF_BUILDID_DIR="$T/cache" -- \
		report -i "$T/guest.data" --format json
	cp "$T/out" "$T/guest.cache.json"
	rows=$(guest_rows "$T/guest.cache.json")
	if [ "$RC" = 0 ] && [ -z "$SAN_MSG" ] && has_all "$rows" $want &&
	   [ "$(jget "$T/guest.cache.json" "d['guest_kernel']['symbols_source']")" = "build-id cache" ] &&
	   [ "$(jget "$T/guest.cache.json" "d['kaslr_source']")" = vmcoreinfo ]; then
		pass "guest: kernel functions named from the build-id cache's vmlinuz, KASLR from VMCOREINFO"
	else
		fail "guest: kernel functions named from the build-id cache" "rc=$RC $SAN_MSG rows=$rows"
	fi
	VMPROF_BUILDID_DIR=$T/cache "$VMPROF" buildid-cache -r "$GUEST_IMG" >/dev/null
	# A guest root.
	mkdir -p "$T/groot/boot"
	ln -sf "$GUEST_IMG" "$T/groot/boot/vmlinuz-$GUEST_KVER"
	grun VMPROF_BUILDID_DIR="$T/cache" -- \
		report -i "$T/guest.data" --guest-root "$T/groot" --format json
	rows=$(guest_rows "$T/out")
	if [ "$RC" = 0 ] && [ -z "$SAN_MSG" ] && has_all "$rows" $want &&
	   [ "$(jget "$T/out" "d['guest_kernel']['symbols_source']")" = "guest root" ]; then
		pass "guest: kernel functions named from --guest-root's /boot/vmlinuz-$GUEST_KVER"
	else
		fail "guest: kernel functions named from --guest-root" "rc=$RC $SAN_MSG rows=$rows"
	fi
	# debuginfod.
	if [ -n "$GDPID" ]; then
		grun DEBUGINFOD_URLS="$GUEST_DURL" DEBUGINFOD_CACHE_PATH="$T/dclient" \
			VMPROF_BUILDID_DIR="$T/cache" -- report -i "$T/guest.data" --format json
		rows=$(guest_rows "$T/out")
		if [ "$RC" = 0 ] && [ -z "$SAN_MSG" ] && has_all "$rows" $want &&
		   [ "$(jget "$T/out" "d['guest_kernel']['symbols_source']")" = debuginfod ]; then
			pass "guest: kernel functions named from a local debuginfod server, no symbol option"
		else
			fail "guest: kernel functions named from debuginfod" "rc=$RC $SAN_MSG rows=$rows $(head -c 300 "$T/err")"
		fi
	fi
}

check_guest_modules() {
	local rows
	grun VMPROF_BUILDID_DIR="$T/cache" -- \
		report -i "$T/guest.data" --format json
	rows=$(guest_rows "$T/out")
	if [[ " $rows " == *" e1000_clean_rx_irq|[e1000]|12 "* ]] &&
	   [[ " $rows " == *" e1000_xmit_frame|[e1000]|6 "* ]] &&
	   [[ " $rows " == *" [unknown]|[mod2]|3 "* ]]; then
		pass "guest: module functions from the symbols recorded in guest memory; a module without is [unknown] in [mod2]"
	else
		fail "guest: module functions from recorded symbols" "rows=$rows"
	fi
}

check_guest_tasks() {
	local got
	grun VMPROF_BUILDID_DIR="$T/cache" -- \
		report -i "$T/guest.data" --sort comm --format json
	got=$(jget "$T/out" "' '.join('%s:%d' % (r['comm'], r['samples']) for r in d['rows'])")
	if [ "$RC" = 0 ] && [ "$got" = "alpha:62 gamma:24 beta:10 prog:8 [vmm]:5" ]; then
		pass "guest: --sort comm splits by guest task, a comm changed by exec counts from then on ($got)"
	else
		fail "guest: --sort comm" "rc=$RC got '$got'"
	fi
	grun -- report -i "$T/guest.data" --sort comm
	if grep -qE '^ +[0-9.]+% +62 +alpha$' "$T/out" && grep -q '^# .*Command' "$T/out"; then
		pass "guest: text report has a Command column"
	else
		fail "guest: text report has a Command column" "$(head -n 12 "$T/out" | tr '\n' '|')"
	fi
	grun -- report -i "$T/guest.data" --sort pid,tid --format json
	got=$(jget "$T/out" "' '.join('%s/%s:%d' % (r['pid'], r['tid'], r['samples']) for r in d['rows'])")
	if [ "$got" = "100/100:42 200/200:34 100/101:20 300/300:8 None/None:5" ]; then
		pass "guest: --sort pid,tid ($got)"
	else
		fail "guest: --sort pid,tid" "got '$got'"
	fi
	grun -- report -i "$T/guest.data" --guest-comm beta,gamma --sort comm --format json
	got=$(jget "$T/out" "(' '.join('%s:%d' % (r['comm'], r['samples']) for r in d['rows']), d['task_filtered_samples'])")
	if [ "$got" = '["gamma:24 beta:10", 75]' ]; then
		pass "guest: --guest-comm keeps only those guest tasks ($got)"
	else
		fail "guest: --guest-comm" "got '$got'"
	fi
	grun -- report -i "$T/guest.data" --guest-pid 100 --guest-tid 101 --format json
	got=$(jget "$T/out" "d['total_samples']")
	if [ "$got" = 20 ]; then
		pass "guest: --guest-pid and --guest-tid together keep thread 101 of process 100 (20 samples)"
	else
		fail "guest: --guest-pid and --guest-tid" "got '$got'"
	fi
	run report -i "$T/guest.data" --guest-pid x1
	if [ "$RC" = 64 ] && grep -q "error: --guest-pid takes" "$T/err"; then
		pass "guest: --guest-pid with a bad id is a usage error"
	else
		fail "guest: --guest-pid with a bad id is a usage error" "rc=$RC $(cat "$T/err")"
	fi
	printf 'info\nsample ctx=guest-kernel rip=0x1000\nend\n' | gen notasks
	grun -- report -i "$T/notasks.data" --guest-comm x
	if grep -q "has no guest tasks" "$T/err"; then
		pass "guest: --guest-comm on a recording without guest tasks says so"
	else
		fail "guest: --guest-comm on a recording without guest tasks says so" "$(cat "$T/err")"
	fi
}

check_guest_program() {
	local rows
	VMPROF_BUILDID_DIR=$T/pcache "$VMPROF" buildid-cache -a "$T/prog" >/dev/null
	grun VMPROF_BUILDID_DIR="$T/pcache" -- \
		report -i "$T/guest.data" --format json
	rows=$(guest_rows "$T/out")
	if [[ " $rows " == *" prog_work|prog|8 "* ]]; then
		pass "guest: a guest program's function from the build-id cache"
	else
		fail "guest: a guest program's function from the build-id cache" "rows=$rows"
	fi
	mkdir -p "$T/groot/usr/bin"
	cp "$T/prog" "$T/groot/usr/bin/prog"
	grun VMPROF_BUILDID_DIR="$T/cache" -- \
		report -i "$T/guest.data" --guest-root "$T/groot" --format json
	rows=$(guest_rows "$T/out")
	if [[ " $rows " == *" prog_work|prog|8 "* ]]; then
		pass "guest: a guest program's function from --guest-root"
	else
		fail "guest: a guest program's function from --guest-root" "rows=$rows"
	fi
}

# Data files written before ABI 1.2 (72-byte samples) still read.
check_guest_old_files() {
	local f ok=1
	for f in "$HERE"/compat/abi-1.0-*.data; do
		run report -i "$f" --format json
		if [ "$RC" != 0 ] || [ -n "$SAN_MSG" ] ||
		   [ "$(jget "$T/out" "d['total_samples'] > 0")" != True ]; then
			ok=0
			echo "  $f: rc=$RC $SAN_MSG $(head -c 200 "$T/err")" >&2
		fi
	done
	if [ "$ok" = 1 ]; then
		pass "compat: the committed ABI 1.0 data files still report"
	else
		fail "compat: the committed ABI 1.0 data files still report" "see above"
	fi
}

check_guest() {
	[ -n "${GUEST_BID:-}" ] || return 0
	spec_guest | gen guest || { fail "guest: fixture" "gen-fixture failed"; return; }
	check_guest_kernel
	check_guest_modules
	check_guest_tasks
	check_guest_program
	check_guest_old_files
}
