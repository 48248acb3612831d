#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Fuzzing of everything 'vmprof report' reads from files a user hands it:
#
#   data      the record parser (tests/report/fuzz-data.c)
#   report    a whole 'vmprof report' run on a data file: reader,
#             resolver, histogram, text and JSON output (fuzz-report.c)
#   elf       a guest vmlinux through libdw/libdwfl (fuzz-symbols.c)
#   kallsyms  a guest System.map / kallsyms and the host kallsyms
#
# libFuzzer with AddressSanitizer and UBSan (clang).  Every run:
#   1. replays the committed inputs, tests/fuzz/corpus/H/ (seeds) and
#      tests/fuzz/regressions/H/ (inputs that once crashed);
#   2. fuzzes each harness for FUZZ_SECONDS (default 15; make fuzz
#      FUZZ_SECONDS=600 for longer), starting from the seeds and from the
#      corpus earlier runs grew in tests/fuzz/build/corpus/H/;
#   3. checks that error messages name the file and what is wrong;
#   4. with AFL++ installed (afl-fuzz, afl-clang-fast), fuzzes the report
#      target with it for AFL_SECONDS (default 0: off in make check).
# A crash is a FAIL naming the input, saved as
# tests/fuzz/build/crash-H-*: fix the bug, then commit the input as
# tests/fuzz/regressions/H/NAME so that it is replayed from then on.
#
# Output: "PASS: fuzz: ..." / "FAIL: fuzz: ...: why" lines.
set -u

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
B=$HERE/build
SECONDS_EACH=${FUZZ_SECONDS:-15}
HARNESSES="data report elf kallsyms"
nfail=0

pass() { echo "PASS: fuzz: $1"; }
fail() { echo "FAIL: fuzz: $1: $2"; nfail=$((nfail + 1)); }

mkdir -p "$B"
CC=${FUZZ_CC:-clang}
SAN="-fsanitize=address,undefined -fno-sanitize-recover=all"
CFLAGS="-std=gnu11 -g -O1 -D_GNU_SOURCE -I$TOP/include -I$TOP/tools"
LIBS=$(make -s -C "$TOP/tools" --no-print-directory \
	--eval 'print-libs: ; @echo $(LDLIBS)' print-libs)

# ---- build ------------------------------------------------------------------

echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n)
{ (void)d; (void)n; return 0; }' > "$B/probe.c"
if ! $CC -fsanitize=fuzzer,address "$B/probe.c" -o "$B/probe" 2> "$B/probe.log"; then
	fail "build" "$CC cannot link -fsanitize=fuzzer (Debian: clang, libclang-rt-14-dev): $(head -n 3 "$B/probe.log" | tr '\n' ' ')"
	exit 1
fi

# The tool's objects, instrumented, in their own directory.
if ! make -s -C "$TOP/tools" OUTPUT="$B/tools" CC="$CC" \
	EXTRA_CFLAGS="-O1 $SAN -fsanitize=fuzzer-no-link" \
	EXTRA_LDFLAGS="$SAN" > "$B/tools.log" 2>&1; then
	fail "build" "instrumented tools: $(tail -n 5 "$B/tools.log" | tr '\n' ' ')"
	exit 1
fi
OBJS=$(ls "$B"/tools/*.o | grep -v '/main\.o$')

build() {
	local h=$1 src=$2
	shift 2
	# shellcheck disable=SC2086
	$CC $CFLAGS $SAN -fsanitize=fuzzer "$@" -o "$B/fuzz-$h" "$src" \
		"$HERE/fuzz-version.c" $OBJS $LIBS > "$B/build-$h.log" 2>&1
}
ok=1
build data "$TOP/tests/report/fuzz-data.c" || ok=0
build report "$HERE/fuzz-report.c" || ok=0
build elf "$HERE/fuzz-symbols.c" -DSYMS_ELF || ok=0
build kallsyms "$HERE/fuzz-symbols.c" -DSYMS_KALLSYMS || ok=0
if [ "$ok" = 1 ]; then
	pass "build: libFuzzer harnesses ($HARNESSES) with ASan and UBSan"
else
	fail "build" "$(cat "$B"/build-*.log | grep -m 5 error | tr '\n' ' ')"
	exit 1
fi

# Which committed inputs feed a harness.
seeds_of() {
	case $1 in
	(data|report) echo data ;;
	(*) echo "$1" ;;
	esac
}

# ---- replay -----------------------------------------------------------------

for h in $HARNESSES; do
	s=$(seeds_of "$h")
	files=$(find "$HERE/corpus/$s" "$HERE/regressions/$s" \
		"$HERE/regressions/$h" -type f 2>/dev/null | sort -u)
	n=$(echo "$files" | grep -c .)
	# shellcheck disable=SC2086
	if "$B/fuzz-$h" -runs=0 $files > "$B/replay-$h.log" 2>&1; then
		pass "$h: $n committed inputs replay without a crash"
	else
		fail "$h: replay" "$(grep -m 3 -E 'ERROR|SUMMARY|runtime error' "$B/replay-$h.log" | tr '\n' ' ')"
	fi
done

# ---- fuzz -------------------------------------------------------------------

for h in $HARNESSES; do
	[ "$SECONDS_EACH" -gt 0 ] || break
	s=$(seeds_of "$h")
	mkdir -p "$B/corpus/$h"
	rm -f "$B"/crash-"$h"-* "$B"/leak-"$h"-* "$B"/timeout-"$h"-* \
		"$B"/oom-"$h"-*
	# -close_fd_mask=3: the targets' own output is noise; crash reports
	# still reach the log.
	"$B/fuzz-$h" -max_total_time="$SECONDS_EACH" -timeout=20 \
		-rss_limit_mb=2048 -max_len=65536 -close_fd_mask=3 \
		-print_final_stats=1 -artifact_prefix="$B/crash-$h-" \
		"$B/corpus/$h" "$HERE/corpus/$s" > "$B/fuzz-$h.log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$B/fuzz-$h.log")
	crash=$(ls "$B"/crash-"$h"-* 2>/dev/null | head -n 1)
	if [ "$rc" = 0 ] && [ -z "$crash" ]; then
		pass "$h: ${SECONDS_EACH}s of libFuzzer, ${runs:-?} runs, no crash"
	else
		fail "$h: fuzzing" "exit $rc, input ${crash:-?}: $(grep -m 2 -E 'ERROR|runtime error' "$B/fuzz-$h.log" | tr '\n' ' ') (log: $B/fuzz-$h.log)"
	fi
done

# ---- error messages ---------------------------------------------------------

V=$TOP/tools/vmprof
make -s -C "$TOP/tools" > /dev/null 2>&1
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
good=$HERE/corpus/data/cpu.data

# msg NAME WANT_RC REGEX ARGS...: 'vmprof report ARGS' exits WANT_RC and
# its stderr matches REGEX.
msg() {
	local name=$1 want=$2 re=$3 rc
	shift 3
	"$V" report "$@" > /dev/null 2> "$T/err"
	rc=$?
	if [ "$rc" = "$want" ] && grep -Eq -- "$re" "$T/err"; then
		pass "message: $name"
	else
		fail "message: $name" "exit $rc (want $want), said: $(head -c 300 "$T/err")"
	fi
}

head -c 100 /dev/urandom > "$T/random.data"
msg "a foreign file: names it, says not vmprof data" 1 \
	"$T/random.data: corrupt data at offset 0: not a vmprof data file" \
	-i "$T/random.data"
cp "$good" "$T/bad-size.data"
printf '\x03\x00\x00\x00' | dd of="$T/bad-size.data" bs=1 seek=28 conv=notrunc 2> /dev/null
msg "a bad record size: names the file, the offset and the size" 1 \
	"$T/bad-size.data: corrupt data at offset 24: .*size 3" -i "$T/bad-size.data"
head -c 300 "$HERE/corpus/data/domain.data" > "$T/cut.data"
msg "a cut file: names it, says truncated where" 2 \
	"$T/cut.data: truncated at offset [0-9]+: .*cut short" -i "$T/cut.data"
msg "a missing data file: names it" 1 \
	"cannot open $T/none.data: No such file" -i "$T/none.data"
head -c 3000 /dev/urandom > "$T/vmlinux"
msg "a --guest-vmlinux that is not ELF: names it, says why" 1 \
	"$T/vmlinux: .*(ELF|elf)" -i "$good" --guest-vmlinux "$T/vmlinux"
: > "$T/empty-vmlinux"
msg "an empty --guest-vmlinux: names it" 1 \
	"$T/empty-vmlinux: ." -i "$good" --guest-vmlinux "$T/empty-vmlinux"
msg "a missing --guest-vmlinux: names it" 1 \
	"$T/nope: No such file" -i "$good" --guest-vmlinux "$T/nope"
printf 'this is not\na System.map\n' > "$T/System.map"
msg "a System.map without symbols: names it, says what was expected" 1 \
	"$T/System.map: no text symbols \(expected lines" \
	-i "$good" --guest-system-map "$T/System.map"
mkdir "$T/dir.kallsyms"
msg "a --guest-kallsyms that is a directory: names it" 1 \
	"$T/dir.kallsyms: .*(error|directory)" -i "$good" --guest-kallsyms "$T/dir.kallsyms"

# ---- AFL++ ------------------------------------------------------------------

AFL_SECONDS=${AFL_SECONDS:-0}
if [ "$AFL_SECONDS" -gt 0 ]; then
	if ! command -v afl-fuzz > /dev/null || ! command -v afl-clang-fast > /dev/null; then
		fail "afl++" "AFL_SECONDS=$AFL_SECONDS but afl-fuzz/afl-clang-fast are missing (Debian: afl++)"
	elif ! make -s -C "$TOP/tools" OUTPUT="$B/afl-tools" CC=afl-clang-fast \
		EXTRA_CFLAGS="-O1" > "$B/afl-tools.log" 2>&1 ||
	     ! afl-clang-fast $CFLAGS -DFUZZ_MAIN -o "$B/afl-report" \
		"$HERE/fuzz-report.c" "$HERE/fuzz-version.c" $(ls "$B"/afl-tools/*.o | grep -v '/main\.o$') \
		$LIBS > "$B/afl-build.log" 2>&1; then
		fail "afl++" "build: $(tail -n 3 "$B"/afl-*.log | tr '\n' ' ')"
	else
		rm -rf "$B/afl-out"
		AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 \
		AFL_NO_UI=1 timeout $((AFL_SECONDS + 30)) afl-fuzz -V "$AFL_SECONDS" \
			-i "$HERE/corpus/data" -o "$B/afl-out" -- "$B/afl-report" \
			> "$B/afl.log" 2>&1
		n=$(find "$B/afl-out" -path '*crashes/id:*' 2> /dev/null | wc -l)
		execs=$(sed -n 's/^execs_done *: *//p' "$B"/afl-out/*/fuzzer_stats 2> /dev/null | head -n 1)
		if [ -d "$B/afl-out" ] && [ "$n" = 0 ] && [ -n "$execs" ]; then
			pass "afl++: report: ${AFL_SECONDS}s, $execs runs, no crash"
		else
			fail "afl++" "$n crashes in $B/afl-out (log: $B/afl.log)"
		fi
	fi
fi

[ "$nfail" = 0 ]
