#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Print the kernel release to build against: $KVER if set, else the running
# kernel when its build directory exists, else the newest installed Debian
# kernel that has both headers and an image (said on stderr).
if [ -n "$KVER" ]; then
	echo "$KVER"
	exit 0
fi
running=$(uname -r)
if [ -d "/lib/modules/$running/build" ]; then
	echo "$running"
	exit 0
fi
best=
for d in /lib/modules/*/build; do
	[ -d "$d" ] || continue
	k=${d#/lib/modules/}
	k=${k%/build}
	[ -e "/boot/vmlinuz-$k" ] || continue
	best=$(printf '%s\n%s\n' "$best" "$k" | sed '/^$/d' | sort -V | tail -n 1)
done
if [ -z "$best" ]; then
	echo "vmprof: no kernel build directory in /lib/modules/*/build;" \
	     "install headers (make deps)" >&2
	exit 1
fi
echo "vmprof: no headers for the running kernel $running; using $best" >&2
echo "$best"
