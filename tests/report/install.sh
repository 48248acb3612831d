# SPDX-License-Identifier: GPL-2.0
# 'make install' into temporary roots (DESTDIR, PREFIX): the tool, the man
# pages, the bash completion and the DKMS source tree; and the options of
# --help, man pages and completion agree (options-sync.py).  Sourced by
# tests/report/run.sh (uses pass, fail, $T, $TOP).

check_install() {
	local root=$T/root ver want got missing f

	ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$TOP/dkms.conf")
	if ! make -s -C "$TOP" install DESTDIR="$root" PREFIX=/usr \
		>"$T/install.log" 2>&1; then
		fail "install: make install DESTDIR PREFIX=/usr" "$(tail -n 5 "$T/install.log" | tr '\n' '|')"
		return
	fi
	missing=""
	for f in usr/bin/vmprof usr/share/man/man1/vmprof.1 \
		 usr/share/man/man1/vmprof-record.1 \
		 usr/share/man/man1/vmprof-report.1 usr/share/man/man4/vmprof.4 \
		 usr/share/man/man1/vmprof-list.1 usr/share/man/man1/vmprof-top.1 \
		 usr/share/bash-completion/completions/vmprof \
		 "usr/src/vmprof-$ver/dkms.conf"; do
		[ -f "$root/$f" ] || missing="$missing $f"
	done
	if [ -z "$missing" ] && [ -x "$root/usr/bin/vmprof" ] &&
	   [ "$("$root/usr/bin/vmprof" --version)" = "vmprof $ver" ]; then
		pass "install: tool, man pages, completion under DESTDIR/PREFIX; the installed tool runs"
	else
		fail "install: tool, man pages, completion under DESTDIR/PREFIX" "missing:$missing"
	fi

	# The DKMS tree: the module's sources as tracked by git, nothing built.
	if git -C "$TOP" rev-parse --git-dir >/dev/null 2>&1; then
		want=$(cd "$TOP" && git ls-files Kbuild Makefile dkms.conf include kmod scripts | sort)
		got=$(cd "$root/usr/src/vmprof-$ver" && find . -type f | sed 's|^\./||' | sort)
		if [ "$want" = "$got" ]; then
			pass "install: /usr/src/vmprof-$ver holds the DKMS sources, nothing built"
		else
			fail "install: /usr/src/vmprof-$ver holds the DKMS sources" "$(diff <(echo "$want") <(echo "$got") | grep '^[<>]' | head -n 6 | tr '\n' ' ')"
		fi
	fi

	: >"$T/man.err"
	for f in "$root"/usr/share/man/man1/*.1 "$root"/usr/share/man/man4/*.4; do
		LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l "$f" \
			>"$T/man.out" 2>>"$T/man.err"
		grep -q "vmprof" "$T/man.out" || echo "$f: empty" >>"$T/man.err"
	done
	if [ ! -s "$T/man.err" ]; then
		pass "install: the man pages format without groff warnings"
	else
		fail "install: the man pages format without groff warnings" "$(head -n 3 "$T/man.err" | tr '\n' '|')"
	fi

	if [ -f /usr/share/bash-completion/bash_completion ] &&
	   got=$(bash -c '. /usr/share/bash-completion/bash_completion
		. "$1"
		complete -p vmprof
		COMP_WORDS=(vmprof report --format "")
		COMP_CWORD=3
		_vmprof vmprof "" --format
		echo "${COMPREPLY[*]}"' _ \
		"$root/usr/share/bash-completion/completions/vmprof" 2>&1) &&
	   grep -q 'complete -F _vmprof vmprof' <<<"$got" &&
	   grep -qx 'text json folded svg perf-script pprof' <<<"$got"; then
		pass "install: the bash completion loads and completes --format"
	else
		fail "install: the bash completion loads and completes --format" "$(echo "$got" | head -n 3 | tr '\n' '|')"
	fi

	if make -s -C "$TOP" install DESTDIR="$T/root2" >"$T/install.log" 2>&1 &&
	   [ -x "$T/root2/usr/local/bin/vmprof" ] &&
	   [ -f "$T/root2/usr/local/share/man/man1/vmprof.1" ] &&
	   [ -f "$T/root2/usr/src/vmprof-$ver/Kbuild" ]; then
		pass "install: default PREFIX is /usr/local"
	else
		fail "install: default PREFIX is /usr/local" "$(tail -n 3 "$T/install.log" | tr '\n' '|')"
	fi

	python3 "$HERE/options-sync.py" "$TOP" "$TOP/tools/vmprof" >"$T/sync.out" 2>&1
	while read -r line; do
		case "$line" in
		PASS:*) pass "${line#PASS: }" ;;
		FAIL:*) line=${line#FAIL: }; fail "${line%%: only*}" "${line#*: only}" ;;
		*) fail "options: options-sync.py" "$line" ;;
		esac
	done <"$T/sync.out"
}
