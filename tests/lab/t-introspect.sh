# SPDX-License-Identifier: GPL-2.0
# Seeing into a real Linux guest without an agent: vmprof record
# --guest-introspect on Debian's kernel as the L2 guest, nothing changed in
# the guest.
#
#  - two busy programs in the guest (busy-a, busy-b at nice 5): the report
#    by comm splits them as the guest's own top does, within 10 points, and
#    names their functions (found in the build-id cache, and under
#    --guest-root, busy-b on another mount than /); a module the guest loads while recording is recorded;
#  - the net workload: 'vmprof report' with no symbol option, the kernel's
#    symbols served by Debian's debuginfod on 127.0.0.1 over the kernel
#    image and modules, names the top guest kernel and module functions as
#    --guest-kallsyms does; with no server and an empty cache it cannot;
#  - with LAB_CPU=EPYC,+svm,+npt,+la57 (lab.sh) the guest runs 5-level
#    paging, which the recording says.
# Needs LAB_TCG_THREAD=multi (an L2 Linux guest).

INTRO_PORT=8002

# Debian's debuginfod over the guest kernel's ELF and its modules.
introspect_debuginfod() {
	local d=$1 srv=$1/debuginfod-root bid i
	mkdir -p "$srv"
	cp "$LAB_BUILD/vmlinux-$(uname -r)" "$srv/" || return 1
	cp "$(modinfo -n e1000)" "$srv/"
	ip link set lo up
	# Its database on L1's tmpfs: sqlite cannot lock files on the 9p share.
	# Without DEBUGINFOD_URLS: the server would ask itself, as its
	# upstream, for what it does not have (and wait minutes for it).
	env -u DEBUGINFOD_URLS debuginfod -F -d /tmp/vmprof-debuginfod.sqlite \
		-p "$INTRO_PORT" "$srv" > "$d/debuginfod.log" 2>&1 &
	intro_dpid=$!
	bid=$(readelf -n "$srv/vmlinux-$(uname -r)" |
		sed -n 's/.*Build ID: //p' | head -n 1)
	for i in $(seq 120); do
		# A fresh client cache each time: the client remembers a miss
		# (the server still indexing) for ten minutes.
		DEBUGINFOD_CACHE_PATH=$d/probe-cache.$i \
			debuginfod-find executable "$bid" >/dev/null 2>&1 &&
			return 0
		sleep 1
	done
	echo "lab: debuginfod did not serve $bid:"; tail -n 20 "$d/debuginfod.log"
	return 1
}

# introspect_guest WORKLOAD SECONDS OUT RECORD-ARGS...: record a guest
# running WORKLOAD with --guest-introspect into OUT; keep its console.
introspect_guest() {
	local wl=$1 secs=$2 out=$3 rc
	shift 3
	start_linux_guest "$wl" "$secs" || {
		kill -9 "$linux_pid" 2>/dev/null; wait "$linux_pid" 2>/dev/null
		return 1; }
	# shellcheck disable=SC2086
	"$VMPROF" ${INTRO_VERBOSE:-} record -q -p "$linux_pid" \
		--guest-introspect -o "$out" "$@" 2> "$out.stderr"
	rc=$?
	grep -v "^vmprof: debug" "$out.stderr"
	wait_for_line "$linux_log" "VMPROF-GUEST workload $wl end" 900
	kill "$linux_pid" 2>/dev/null
	wait "$linux_pid" 2>/dev/null
	cp "$linux_log" "$out.guest.log"
	return "$rc"
}

t_introspect() {
	local d=$LAB_OUT/introspect rc=report-checks.py map
	mkdir -p "$d"
	# The probes stay registered from the first recording to the last:
	# the reports in between take longer than the usual linger, and
	# rewriting the tracepoint call sites again can freeze L1 under
	# multi-threaded TCG (docs/reliability.md).
	insmod "$VMPROF_KO" hooks_linger_ms=3600000 ||
		{ fail "introspect: insmod"; return; }
	export VMPROF_BUILDID_DIR=$d/buildid-cache
	export DEBUGINFOD_CACHE_PATH=/tmp/vmprof-debuginfod-client
	export DEBUGINFOD_URLS=http://127.0.0.1:$INTRO_PORT
	# Debian 13's root (the 7.x kernel) has no debuginfod: the guest
	# kernel then comes from the build-id cache.
	local ksrc=debuginfod
	if command -v debuginfod > /dev/null; then
		check "introspect: debuginfod serves the guest kernel" \
			introspect_debuginfod "$d"
	else
		ksrc="build-id cache"
		echo "  (no debuginfod in L1's root: the guest kernel from the build-id cache)"
	fi

	# Two programs.  Their files: in the build-id cache, and a guest root.
	# dummy.ko, loaded 3 s into the workload, while recording.  24 s of
	# workload for a recording of 5: on a loaded L1 the recorder took 9 s
	# to attach (reading the guest's kernel), and a 12 s workload left it
	# the guest's poweroff.
	APPEND=vmprof.late=3 INTRO_VERBOSE=-v \
		check "introspect: record the two programs" \
		introspect_guest two 24 "$d/two.data" -F 1000 -d 5
	"$VMPROF" report -i "$d/two.data" --sort comm \
		> "$d/two.comm.txt"
	sed 's/^/  /' "$d/two.comm.txt" | head -n 16
	"$VMPROF" report -i "$d/two.data" --sort comm \
		--format json > "$d/two.comm.json"
	python3 "$REPO/tests/lab/$rc" comm-split "$d/two.comm.json" \
		"$d/two.data.guest.log" 10 || lab_failed=1
	"$VMPROF" report -i "$d/two.data" --guest-comm busy-b \
		--sort comm,pid,tid --format json > "$d/two.busy-b.json"
	python3 "$REPO/tests/lab/$rc" comm-filter "$d/two.busy-b.json" busy-b ||
		lab_failed=1
	python3 "$REPO/tests/lab/$rc" late-module "$d/two.comm.json" \
		"$d/two.data.guest.log" || lab_failed=1
	grep "guest modules: .* written" "$d/two.data.stderr" | sed 's/^/  /'
	"$VMPROF" buildid-cache -a "$GUEST_BUILD/busy-a" \
		-a "$GUEST_BUILD/busy-b" > /dev/null
	"$VMPROF" report -i "$d/two.data" --format json \
		> "$d/two.cache.json"
	python3 "$REPO/tests/lab/$rc" user-symbols "$d/two.cache.json" ||
		lab_failed=1
	rm -rf "$VMPROF_BUILDID_DIR"
	# Where the guest ran them: busy-b from /tmp, another mount, when the
	# guest says so (the path from guest memory crosses the mount).
	mkdir -p "$d/root/bin" "$d/root/tmp"
	cp "$GUEST_BUILD/busy-a" "$d/root/bin/"
	if grep -q "VMPROF-GUEST busy-b at /tmp/busy-b" "$d/two.data.guest.log"; then
		cp "$GUEST_BUILD/busy-b" "$d/root/tmp/"
	else
		cp "$GUEST_BUILD/busy-b" "$d/root/bin/"
	fi
	"$VMPROF" report -i "$d/two.data" --guest-root "$d/root" \
		--format json > "$d/two.root.json"
	python3 "$REPO/tests/lab/$rc" user-symbols "$d/two.root.json" ||
		lab_failed=1

	# Kernel and module functions, from debuginfod and guest memory.
	[ "$ksrc" = debuginfod ] ||
		"$VMPROF" buildid-cache -a "$LAB_BUILD/vmlinux-$(uname -r)" > /dev/null
	check "introspect: record the net workload" \
		introspect_guest net 40 "$d/net.data" -F 2000 -d 4
	map=$d/System.map
	make_system_map "$map"
	guest_module_kallsyms "$d/net.data.guest.log" "$d/modules.kallsyms"
	cat "$map" "$d/modules.kallsyms" > "$d/guest.kallsyms"
	"$VMPROF" report -i "$d/net.data" > "$d/net.txt"
	sed 's/^/  /' "$d/net.txt" | head -n 24
	"$VMPROF" report -i "$d/net.data" --format json \
		> "$d/net.auto.json"
	"$VMPROF" report -i "$d/net.data" --guest-kallsyms "$d/guest.kallsyms" \
		--format json > "$d/net.kallsyms.json"
	python3 "$REPO/tests/lab/$rc" same-names "$d/net.auto.json" \
		"$d/net.kallsyms.json" 10 "$ksrc" || lab_failed=1
	# Without the server (and an empty cache) the kernel is not named:
	# the names above came from debuginfod.
	env -u DEBUGINFOD_URLS DEBUGINFOD_CACHE_PATH="$d/empty-cache" \
		VMPROF_BUILDID_DIR="$d/empty-cache" \
		"$VMPROF" report -i "$d/net.data" --format json \
		> "$d/net.none.json" 2> "$d/net.none.stderr"
	python3 "$REPO/tests/lab/$rc" kernel-unknown "$d/net.none.json" ||
		lab_failed=1
	check "introspect: report says the guest kernel has no symbols" \
		grep -q "no symbols for the guest kernel" "$d/net.none.stderr"
	python3 "$REPO/tests/lab/$rc" paging "$d/net.auto.json" \
		"$(case "${LAB_CPU:-}" in *+la57*) echo 5 ;; *) echo 4 ;; esac)" ||
		lab_failed=1

	if [ -n "${intro_dpid:-}" ]; then
		kill "$intro_dpid" 2>/dev/null
		wait "$intro_dpid" 2>/dev/null
	fi
	unset DEBUGINFOD_URLS DEBUGINFOD_CACHE_PATH VMPROF_BUILDID_DIR
	check "introspect: objects all zero" wait_objects_zero
	check "introspect: rmmod" rmmod vmprof
}
