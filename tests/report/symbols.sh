# SPDX-License-Identifier: GPL-2.0
# Guest symbols that do not fit the recording are an error in one line,
# never a plausible wrong profile (issue 15, item 3).
#
# Sourced by tests/report/run.sh (uses run, pass, fail, gen, hex,
# spec_basic, spec_kaslr, $T, $G, $ENTRY, $KASLR).

# expect_one_error NAME REGEX: the last run failed with exactly one line,
# matching REGEX, on stderr and printed no report.
expect_one_error() {
	if [ "$RC" = 1 ] && [ ! -s "$T/out" ] && [ "$(wc -l <"$T/err")" = 1 ] &&
	   grep -qE "^vmprof: error: $2" "$T/err"; then
		pass "$1"
	else
		fail "$1" "rc=$RC out=$(head -c 100 "$T/out") err=$(head -c 400 "$T/err")"
	fi
}

check_wrong_symbols() {
	# Another build of the kernel: its entry_SYSCALL_64 4 KiB further.
	python3 -c 'import sys
for l in open(sys.argv[1]):
    a, t, n = l.split()
    if n == "entry_SYSCALL_64":
        a = "%016x" % (int(a, 16) + 4096)
    print(a, t, n)' "$T/System.map" >"$T/other.map"
	spec_kaslr "lstar=$(hex "$ENTRY + KASLR")" | gen wrongsyms
	run report -i "$T/wrongsyms.data" --guest-system-map "$T/other.map"
	expect_one_error "symbols: a KASLR offset that is not a multiple of 2 MiB (another kernel's symbols)" \
		"the guest KASLR offset from the recorded LSTAR \(0x[0-9a-f]+\) and entry_SYSCALL_64 in $T/other.map is 0x1dff000, not a multiple of 2 MiB"

	# A kallsyms copied by a user who may not see kernel addresses.
	awk '{ printf "0000000000000000 %s %s\n", $2, $3 }' "$T/System.map" >"$T/zero.kallsyms"
	run report -i "$T/wrongsyms.data" --guest-kallsyms "$T/zero.kallsyms"
	expect_one_error "symbols: a guest kallsyms whose addresses are all 0" \
		"$T/zero.kallsyms: every address is 0: .*copy it as root"

	# A user-space program given as the guest kernel.
	spec_basic | gen usersyms
	run report -i "$T/usersyms.data" --guest-vmlinux "$T/fake-vmm"
	expect_one_error "symbols: a user-space ELF as --guest-vmlinux" \
		"$T/fake-vmm is a user-space ELF \(code at 0x[0-9a-f]+-0x[0-9a-f]+\) and the guest kernel samples are at 0xffffffff8[0-9a-f]+-0xffffffff8fff0000: give the guest kernel's vmlinux"
	run report -i "$T/usersyms.data" --guest-vmlinux "$T/fake-vmm" --format json
	if [ "$RC" = 1 ] && grep -q '"error": ".*is a user-space ELF' "$T/out"; then
		pass "symbols: the same error as JSON with --format json"
	else
		fail "symbols: the same error as JSON with --format json" "rc=$RC $(head -c 200 "$T/out")"
	fi
}
