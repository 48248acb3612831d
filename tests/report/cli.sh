# SPDX-License-Identifier: GPL-2.0
# The command line of vmprof report and record: what they refuse, and
# that a refused or failed report loses nothing (issue 15, items 2 and 8).
#
# Sourced by tests/report/run.sh (uses run, pass, fail, gen, spec_basic,
# $T, $GEN, $VMPROF, $G).

check_cli_output() {
	local before

	spec_basic | gen cli
	before=$(md5sum <"$T/cli.data")
	run report -i "$T/cli.data" -o "$T/cli.data"
	if [ "$RC" = 1 ] && [ "$(md5sum <"$T/cli.data")" = "$before" ] &&
	   grep -qx "vmprof: error: -o $T/cli.data is an input of the report: refusing to overwrite it" "$T/err"; then
		pass "output: -o the input data file is refused, the recording is intact"
	else
		fail "output: -o the input data file is refused" "rc=$RC $(head -c 300 "$T/err")"
	fi
	ln -f "$T/cli.data" "$T/cli-link.data"
	run report -i "$T/cli-link.data" -o "$T/cli.data" --guest-vmlinux "$G"
	if [ "$RC" = 1 ] && [ "$(md5sum <"$T/cli.data")" = "$before" ]; then
		pass "output: -o a hard link of the input is refused too"
	else
		fail "output: -o a hard link of the input is refused too" "rc=$RC"
	fi
	cp "$G" "$T/cli-vmlinux"
	run report -i "$T/cli.data" --guest-vmlinux "$T/cli-vmlinux" -o "$T/cli-vmlinux"
	if [ "$RC" = 1 ] && cmp -s "$G" "$T/cli-vmlinux"; then
		pass "output: -o a guest symbol file is refused"
	else
		fail "output: -o a guest symbol file is refused" "rc=$RC"
	fi

	# The output is opened first: an unwritable one is the error even
	# when the input would be one too.
	run report -i "$T/none.data" -o "$T/nodir/out.txt"
	if [ "$RC" = 1 ] && [ "$(wc -l <"$T/err")" = 1 ] &&
	   grep -qx "vmprof: error: cannot write $T/nodir/out.txt: No such file or directory" "$T/err"; then
		pass "output: an unwritable -o fails before the input is read"
	else
		fail "output: an unwritable -o fails before the input is read" "rc=$RC $(head -c 300 "$T/err")"
	fi

	# A report that fails keeps an existing output, creates none.
	spec_basic | head -n 4 | gen cli-bad
	printf '\x0c' | dd of="$T/cli-bad.data" bs=1 seek=28 conv=notrunc status=none
	echo "the previous report" >"$T/cli-old.txt"
	run report -i "$T/cli-bad.data" -o "$T/cli-old.txt"
	local rc1=$RC
	run report -i "$T/cli-bad.data" -o "$T/cli-new.txt"
	if [ "$rc1" = 1 ] && [ "$RC" = 1 ] &&
	   [ "$(cat "$T/cli-old.txt")" = "the previous report" ] &&
	   [ ! -e "$T/cli-new.txt" ]; then
		pass "output: a failed report keeps an existing -o file and leaves no new one"
	else
		fail "output: a failed report keeps an existing -o file and leaves no new one" "rc=$rc1/$RC $(ls "$T"/cli-*.txt)"
	fi
	run report -i "$T/cli.data" -o "$T/cli-old.txt" --guest-vmlinux "$G"
	if [ "$RC" = 0 ] && grep -q "^# vmprof report" "$T/cli-old.txt" &&
	   ! grep -q "previous" "$T/cli-old.txt"; then
		pass "output: a good report replaces an existing -o file"
	else
		fail "output: a good report replaces an existing -o file" "rc=$RC"
	fi

	# What record does with an existing file (the same function).
	spec_basic | "$GEN" --keep-old "$T/cli.data"
	if cmp -s <(spec_basic | "$GEN" /dev/stdout) "$T/cli.data" &&
	   [ "$(md5sum <"$T/cli.data.old")" = "$before" ]; then
		pass "output: a recording over an existing file keeps the old one as FILE.old"
	else
		fail "output: a recording over an existing file keeps the old one as FILE.old" "$(ls -l "$T"/cli.data*)"
	fi
}

check_cli_errors() {
	local lines

	spec_basic | gen cli
	run report -i "$T/cli.data" --vcpu 2
	if [ "$RC" = 1 ] &&
	   grep -qx "vmprof: error: $T/cli.data: no sample of vCPU 2 (the recording has 2 vCPUs)" "$T/err"; then
		pass "errors: --vcpu of a vCPU the recording does not have"
	else
		fail "errors: --vcpu of a vCPU the recording does not have" "rc=$RC $(head -c 300 "$T/err")"
	fi

	run -vv report -i "$T/cli.data"
	if [ "$RC" = 0 ] && grep -q "^# samples: 105" "$T/out"; then
		pass "errors: -vv is accepted, as the help says (repeat)"
	else
		fail "errors: -vv is accepted" "rc=$RC $(head -c 200 "$T/err")"
	fi

	run report -i "$T/none.data" --format json
	if [ "$RC" = 1 ] && grep -q '"error": "cannot open' "$T/out" &&
	   grep -q "^vmprof: error: cannot open $T/none.data" "$T/err"; then
		pass "errors: with --format json an error is on stdout (JSON) and stderr"
	else
		fail "errors: with --format json an error is on stdout (JSON) and stderr" "rc=$RC"
	fi

	run record -p 1073741823 -d 1 -o "$T/never.data"
	if [ "$RC" = 1 ] && grep -qx "vmprof: error: no process with PID 1073741823" "$T/err"; then
		pass "errors: record -p of a missing process says so first"
	else
		fail "errors: record -p of a missing process says so first" "rc=$RC $(head -c 300 "$T/err")"
	fi

	local bad="" a
	for a in "--format folded --exits" "--format svg -s dso" "--format pprof --sort sym" \
		 "--format perf-script --exits"; do
		# shellcheck disable=SC2086
		run report -i "$T/cli.data" $a
		grep -q "applies to the text and json formats" "$T/err" && [ "$RC" = 64 ] ||
			bad="$bad [$a: rc=$RC]"
	done
	if [ -z "$bad" ]; then
		pass "errors: --sort and --exits with a flame-graph format are refused"
	else
		fail "errors: --sort and --exits with a flame-graph format are refused" "$bad"
	fi

	bad=""
	for a in "report --bogus:unknown option '--bogus'" "report -Z:unknown option '-Z'" \
		 "report -i:option '-i' needs an argument" \
		 "report --format:option '--format' needs an argument" \
		 "record --bogus:unknown option '--bogus'" \
		 "record -p:option '-p' needs an argument"; do
		# shellcheck disable=SC2086
		run ${a%%:*}
		lines=$(wc -l <"$T/err")
		if [ "$RC" != 64 ] || [ "$lines" != 2 ] ||
		   [ "$(head -n 1 "$T/err")" != "vmprof: error: ${a#*:}" ] ||
		   ! sed -n 2p "$T/err" | grep -q "^Try 'vmprof ${a%% *} --help'"; then
			bad="$bad [${a%%:*}: rc=$RC $(tr '\n' '|' <"$T/err")]"
		fi
	done
	if [ -z "$bad" ]; then
		pass "errors: an unknown option or a missing argument is one error line and a hint"
	else
		fail "errors: an unknown option or a missing argument is one error line and a hint" "$bad"
	fi
}

# What a perf user types first (issue 15, perf conventions).
check_perf_options() {
	local got want bad="" a

	spec_domain auto | gen perfopts
	run report -i "$T/perfopts.data" --guest-vmlinux "$G"
	want=$(cat "$T/out")
	for a in "--guestvmlinux $G" "--guest-vmlinux $G --stdio"; do
		# shellcheck disable=SC2086
		run report -i "$T/perfopts.data" $a
		[ "$RC" = 0 ] && [ "$(cat "$T/out")" = "$want" ] || bad="$bad [$a]"
	done
	run report -i "$T/kallsyms.data" --guest-kallsyms "$T/guest.kallsyms" --format json
	got=$(cat "$T/out")
	run report -i "$T/kallsyms.data" --guestkallsyms "$T/guest.kallsyms" --format json
	[ "$RC" = 0 ] && [ "$(cat "$T/out")" = "$got" ] || bad="$bad [--guestkallsyms]"
	if [ -z "$bad" ]; then
		pass "perf: --guestvmlinux, --guestkallsyms (perf kvm's names) and --stdio"
	else
		fail "perf: --guestvmlinux, --guestkallsyms (perf kvm's names) and --stdio" "$bad"
	fi

	# --guestmodules: a module's last symbol ends with the module.
	printf 'guestmod 1024 0 - Live 0xffffffffc0001000\n' >"$T/guest.modules"
	printf 'info mode=cpu-switch lstar=%s\nsample ctx=guest-kernel rip=0xffffffffc0001200 count=2\nsample ctx=guest-kernel rip=0xffffffffc0001f00 count=3\nend\n' \
		"$(hex "$ENTRY + KASLR")" | gen modules
	run report -i "$T/modules.data" --guestkallsyms "$T/guest.kallsyms" --format json
	got=$(jget "$T/out" '[(r["symbol"], r["samples"]) for r in d["rows"]]')
	run report -i "$T/modules.data" --guestkallsyms "$T/guest.kallsyms" \
		--guestmodules "$T/guest.modules" --format json
	if [ "$got" = '[["guestmod_exit", 5]]' ] &&
	   [ "$(jget "$T/out" '[(r["symbol"], r["samples"]) for r in d["rows"]]')" = '[["[unknown]", 3], ["guestmod_exit", 2]]' ]; then
		pass "perf: --guestmodules ends module symbols with their module"
	else
		fail "perf: --guestmodules ends module symbols with their module" "without: $got with: $(jget "$T/out" '[(r["symbol"], r["samples"]) for r in d["rows"]]') $(head -c 200 "$T/err")"
	fi

	# -i - reads a pipe, also for perf-script (two passes).
	bad=""
	for a in text perf-script; do
		run report -i "$T/perfopts.data" --guest-vmlinux "$G" --format $a
		want=$(md5sum <"$T/out")
		"$VMPROF" report -i - --guest-vmlinux "$G" --format $a \
			<"$T/perfopts.data" 2>"$T/err" | cat >"$T/out"
		[ "${PIPESTATUS[0]}" = 0 ] && [ "$(md5sum <"$T/out")" = "$want" ] ||
			bad="$bad $a"
	done
	if [ -z "$bad" ]; then
		pass "perf: -i - reads the recording from a pipe (text, perf-script)"
	else
		fail "perf: -i - reads the recording from a pipe" "differs:$bad $(head -c 200 "$T/err")"
	fi

	run report -i "$T/perfopts.data" --guest-vmlinux "$G" --percent-limit 10 --format json
	got=$(jget "$T/out" '([r["symbol"] for r in d["rows"]], d["total_samples"])')
	if [ "$RC" = 0 ] && [ "$got" = '[["do_compute", "do_io"], 102]' ]; then
		pass "perf: --percent-limit hides smaller rows, totals stay"
	else
		fail "perf: --percent-limit hides smaller rows" "rc=$RC got $got"
	fi

	run report -i "$T/perfopts.data" --guest-vmlinux "$G" --dsos fake-vmm,guest.elf -S do_io,vmm_handle_pio --format json
	got=$(jget "$T/out" '([(r["symbol"], r["samples"]) for r in d["rows"]], d["total_samples"])')
	if [ "$RC" = 0 ] && [ "$got" = '[[["do_io", 36], ["vmm_handle_pio", 4]], 102]' ]; then
		pass "perf: --dsos and -S keep those functions, percentages of the whole"
	else
		fail "perf: --dsos and -S keep those functions" "rc=$RC got $got"
	fi

	spec_two_vms | gen tidopts
	run report -i "$T/tidopts.data" --guest-vmlinux 101="$G" \
		--guest-vmlinux 202="$T/plain.elf" --tid 112,212 --format json
	got=$(jget "$T/out" '[(r["symbol"], r["samples"]) for r in d["rows"]]')
	if [ "$RC" = 0 ] && [ "$got" = '[["do_io", 10], ["do_io", 5]]' ]; then
		pass "perf: --tid keeps those threads' samples"
	else
		fail "perf: --tid keeps those threads' samples" "rc=$RC got $got"
	fi

	# Samples 1 ms apart from 1.000 s: do_compute 60, then do_io 30 ...
	run report -i "$T/perfopts.data" --guest-vmlinux "$G" --time 1.0,1.0395 --format json
	got=$(jget "$T/out" '(d["total_samples"], [(r["symbol"], r["samples"]) for r in d["rows"]])')
	run report -i "$T/perfopts.data" --guest-vmlinux "$G" --time 0%-10% --format json
	if [ "$got" = '[40, [["do_compute", 40]]]' ] &&
	   [ "$(jget "$T/out" 'd["total_samples"]')" = 11 ]; then
		pass "perf: --time START,END in seconds and A%-B% of the recording"
	else
		fail "perf: --time START,END and A%-B%" "got $got, 0%-10%: $(jget "$T/out" 'd["total_samples"]') $(head -c 200 "$T/err")"
	fi
	run report -i "$T/perfopts.data" --time 5,2
	if [ "$RC" = 64 ]; then
		pass "perf: a --time that ends before it starts is a usage error"
	else
		fail "perf: a --time that ends before it starts is a usage error" "rc=$RC"
	fi

	run report -i "$T/perfopts.data" --guest-vmlinux "$G" -F overhead,period,sym,vm
	if [ "$RC" = 0 ] && grep -qx "# Overhead  *Period  *Symbol  *VM" "$T/out" &&
	   grep -qE "^ +[0-9.]+% +36000000 +do_io +4242\$" "$T/out"; then
		pass "perf: -F picks the text columns (and their keys)"
	else
		fail "perf: -F picks the text columns" "rc=$RC $(grep -E 'Overhead|do_io' "$T/out" | tr '\n' '|')"
	fi

	run report -i "$T/perfopts.data" --guest-vmlinux "$G" --header-only
	if [ "$RC" = 0 ] && grep -q "^# samples: 102" "$T/out" && ! grep -q Overhead "$T/out"; then
		pass "perf: --header-only prints the header only"
	else
		fail "perf: --header-only prints the header only" "rc=$RC"
	fi

	run record -p 1 -m 3
	local rc1=$RC
	run record -p 1073741823 -m 512K
	if [ "$rc1" = 64 ] && grep -q "^vmprof: error: no process" "$T/err"; then
		pass "perf: record -m/--mmap-pages takes pages (a power of two) or a size"
	else
		fail "perf: record -m/--mmap-pages" "rc=$rc1/$RC $(head -c 200 "$T/err")"
	fi
}

# perf-script streams: memory does not grow with the samples, and the
# output is in time order although the file is not.
check_perf_script_stream() {
	# (ASan's quarantine keeps freed memory: the first pass only.)
	if [ -x /usr/bin/time ] && [ -z "$SUFFIX" ]; then
		check_perf_script_memory
	fi
	check_perf_script_order
}

check_perf_script_memory() {
	local n rss small big

	for n in 20000 400000; do
		printf 'info mode=cpu-switch event=cycles pid=7 vcpus=1\nsample ctx=guest-kernel rip=%s count=%d\nend\n' \
			"$A_COMPUTE" "$n" | gen "stream-$n"
		/usr/bin/time -f %M -o "$T/rss" "$VMPROF" report -i "$T/stream-$n.data" \
			--format perf-script >/dev/null 2>"$T/err"
		rss=$(tail -n 1 "$T/rss")
		[ "$n" = 20000 ] && small=$rss || big=$rss
	done
	if [ -n "$small" ] && [ -n "$big" ] && [ $((big - small)) -lt 16384 ]; then
		pass "perf-script: 20 times the samples, no more memory (${small} and ${big} KiB)"
	else
		fail "perf-script: memory grows with the samples" "${small} KiB for 20000, ${big} KiB for 400000"
	fi
}

check_perf_script_order() {
	cat <<EOF_SPEC | gen order
info mode=cpu-switch event=cycles pid=7 vcpus=2
sample ctx=guest-kernel rip=$A_COMPUTE time=1000000000 cpu=0
sample ctx=guest-kernel rip=$A_COMPUTE time=1200000000 cpu=0
sample ctx=guest-kernel rip=$A_IO time=1100000000 cpu=1
sample ctx=guest-kernel rip=$A_IO time=1300000000 cpu=1
sample ctx=guest-kernel rip=$A_IDLE time=1250000000 cpu=0
end
EOF_SPEC
	run report -i "$T/order.data" --guest-vmlinux "$G" --format perf-script
	if [ "$RC" = 0 ] && [ "$(grep -oE '[0-9]+\.[0-9]{6}:' "$T/out" | tr '\n' ' ')" = "1.000000: 1.100000: 1.200000: 1.250000: 1.300000: " ]; then
		pass "perf-script: samples in time order across rings"
	else
		fail "perf-script: samples in time order across rings" "rc=$RC $(grep -oE '[0-9]+\.[0-9]{6}:' "$T/out" | tr '\n' ' ')"
	fi
}
