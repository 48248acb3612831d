#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# sparse, for kernels newer than the sparse Debian packages (0.6.4).
#
# 7.x headers use two compiler builtins sparse 0.6.4 does not know:
# __typeof_unqual__ (percpu and READ_ONCE macros) and a constant-folded
# __builtin_strlen (MODULE_INFO's static_assert on string literals).
# Without them sparse stops at the headers and never reaches our code,
# and the kernel's Makefile (scripts/checker-valid.sh) turns C=2 off.
# When this sparse lacks __typeof_unqual__, give it equivalents for what
# those headers use them for: typeof (sparse tracks qualifiers and
# address spaces itself), and sizeof - 1 of a string literal.  Every other
# check (address spaces, __rcu, __user, locking) runs as usual.
#
# usage: as sparse (make C=2 CHECK=scripts/sparse.sh)
probe=$(mktemp --suffix=.c)
printf 'int a;\n__typeof_unqual__(a) b;\n' > "$probe"
out=$(sparse "$probe" 2>&1)
rc=$?
rm -f "$probe"
if [ "$rc" = 0 ] && [ -z "$out" ]; then
	exec sparse "$@"
fi
exec sparse '-D__typeof_unqual__=__typeof__' \
	'-D__builtin_strlen(s)=(sizeof(s) - 1)' "$@"
