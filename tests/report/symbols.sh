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

# Symbol names are any bytes: every output gets them whole and printable.
# Aliases: a function and the labels of a section's bounds at one address
# (6.1's retpoline thunks: __indirect_thunk_start, __x86_indirect_thunk_rax):
# the report names the function.
check_aliases() {
	{
		nm -n "$G" | awk 'NF == 3 && $3 != "do_compute"'
		printf '%s T __indirect_thunk_start\n' "${COMPUTE#0x}"
		printf '%s T __x86_indirect_thunk_rax\n' "${COMPUTE#0x}"
		printf '%s T __static_call_text_end\n' "${COMPUTE#0x}"
	} >"$T/aliases.map"
	spec_basic | gen aliases
	run report -i "$T/aliases.data" --guest-system-map "$T/aliases.map" --format json
	if [ "$RC" = 0 ] &&
	   [ "$(jget "$T/out" '"__x86_indirect_thunk_rax" in [r["symbol"] for r in d["rows"]] and not [r for r in d["rows"] if r["symbol"].endswith(("_start", "_end"))]')" = True ]; then
		pass "names: an address with a function and section labels is named after the function"
	else
		fail "names: an address with a function and section labels is named after the function" "rc=$RC $(jget "$T/out" '[r["symbol"] for r in d["rows"]]' | head -c 300)"
	fi
}

check_names() {
	local long bad="" f

	long=$(printf 'very_long_rust_generic_name_%.0s' $(seq 1 12))
	{
		nm -n "$G" | awk 'NF == 3 && $3 != "do_compute" && $3 != "do_io"'
		printf '%s t bad\377utf8_\033[31mred\n' "${COMPUTE#0x}"
		printf '%s t %s\n' "${IO#0x}" "$long"
	} >"$T/names.map"
	spec_basic | gen names
	run report -i "$T/names.data" --guest-system-map "$T/names.map"
	if [ "$RC" = 0 ] && ! grep -q $'\033' "$T/out" &&
	   python3 -c 'import sys; open(sys.argv[1], encoding="utf-8", errors="strict").read()' "$T/out" 2>/dev/null &&
	   grep -qF 'bad\xffutf8_\x1b[31mred' "$T/out" && grep -qF "$long" "$T/out"; then
		pass "names: text shows invalid UTF-8 and escape sequences as \\xNN, long names whole"
	else
		fail "names: text shows invalid UTF-8 and escape sequences as \\xNN" "rc=$RC $(grep -a red "$T/out" | cat -A | head -c 200)"
	fi
	run report -i "$T/names.data" --guest-system-map "$T/names.map" --format json
	if [ "$RC" = 0 ] &&
	   [ "$(jget "$T/out" 'sorted(r["symbol"] for r in d["rows"] if r["symbol"][0] in "bv") == ["bad\\xffutf8_\\x1b[31mred", "'"$long"'"]')" = True ]; then
		pass "names: JSON is valid with such names"
	else
		fail "names: JSON is valid with such names" "rc=$RC $(jget "$T/out" '[r["symbol"] for r in d["rows"]]' | head -c 300)"
	fi
	for f in folded svg perf-script; do
		run report -i "$T/names.data" --guest-system-map "$T/names.map" --format $f
		if [ "$RC" != 0 ] || grep -q $'\033' "$T/out" ||
		   ! python3 -c 'import sys; open(sys.argv[1], encoding="utf-8", errors="strict").read()' "$T/out" 2>/dev/null ||
		   ! grep -qF "$long" "$T/out"; then
			bad="$bad $f"
		fi
		[ $f = svg ] && ! xmllint --noout "$T/out" 2>/dev/null && bad="$bad svg-xml"
	done
	if [ -z "$bad" ]; then
		pass "names: folded, svg (well-formed) and perf-script: printable UTF-8, the ${#long}-character name whole"
	else
		fail "names: folded, svg and perf-script with such names" "bad:$bad"
	fi
	# Cut to fit a narrow SVG frame, never inside a character.
	{
		nm -n "$G" | awk 'NF == 3 && $3 != "do_compute"'
		printf '%s t %s\n' "${COMPUTE#0x}" "$(printf 'é%.0s' $(seq 1 200))"
	} >"$T/utf8.map"
	run report -i "$T/names.data" --guest-system-map "$T/utf8.map" --format svg
	if [ "$RC" = 0 ] && xmllint --noout "$T/out" 2>/dev/null && grep -q 'éé\.\.</text>' "$T/out"; then
		pass "names: svg cuts a long UTF-8 name between characters"
	else
		fail "names: svg cuts a long UTF-8 name between characters" "rc=$RC $(grep -o '>[^<]*\.\.</text>' "$T/out" | head -c 200)"
	fi
}

# Rust VMMs: names demangled with libiberty, legacy and v0 mangling.
check_demangle() {
	local legacy v0 a_legacy a_v0 got

	legacy=$(sym "$T/fake-vmm" _ZN11firecracker6vstate4Vcpu13run_emulation17hb31b2f9b21b5d262E)
	v0=$(sym "$T/fake-vmm" _RNvMNtCsNWaxWCtMPa_11firecracker6vstateNtB2_4Vcpu13run_emulation)
	a_legacy=$(hex "$VMM_BASE + $legacy + 1")
	a_v0=$(hex "$VMM_BASE + $v0 + 1")
	cat <<EOF_SPEC | gen rust
info mode=domain-switch event=cycles isa=svm pid=4242 vcpus=1
mmap start=$VMM_START end=$VMM_END pgoff=$VMM_PGOFF pid=4242 path=$T/fake-vmm build-id=auto
sample ctx=vmm-user host-ip=$a_legacy count=6 pid=4242 vcpu=0xffffffff
sample ctx=vmm-user host-ip=$a_v0 count=4 pid=4242 vcpu=0xffffffff
end
EOF_SPEC
	run report -i "$T/rust.data" --format json
	got=$(jget "$T/out" '[(r["symbol"], r["dso"]) for r in d["rows"]]')
	if [ "$RC" = 0 ] && [ "$got" = '[["firecracker::vstate::Vcpu::run_emulation", "fake-vmm"], ["<firecracker::vstate::Vcpu>::run_emulation", "fake-vmm"]]' ]; then
		pass "demangle: Rust VMM functions, legacy and v0 mangling"
	else
		fail "demangle: Rust VMM functions, legacy and v0 mangling" "rc=$RC got $got"
	fi
	run report -i "$T/rust.data" --no-demangle --format folded
	if [ "$RC" = 0 ] && grep -qx "vm:4242;vmm-user;_ZN11firecracker6vstate4Vcpu13run_emulation17hb31b2f9b21b5d262E 6" "$T/out"; then
		pass "demangle: --no-demangle keeps the symbol table's names"
	else
		fail "demangle: --no-demangle keeps the symbol table's names" "rc=$RC $(head -c 300 "$T/out")"
	fi
}
