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
