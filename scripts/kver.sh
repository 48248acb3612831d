#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Print the kernel release to build against: $KVER if set, else the running
# kernel when its build directory exists, else the distribution's default
# kernel (the one Debian's linux-image-amd64 depends on) when its headers
# are installed, else the newest installed kernel that has both headers and
# an image (said on stderr).  Other installed kernels (6.12, -rt, ...) are
# for the build and lab matrix and are chosen with KVER.
if [ -n "$KVER" ]; then
	echo "$KVER"
	exit 0
fi
running=$(uname -r)
if [ -d "/lib/modules/$running/build" ]; then
	echo "$running"
	exit 0
fi
default=$(dpkg-query -W -f='${Depends}' linux-image-amd64 2>/dev/null |
	sed -n 's/.*linux-image-\([^ ,]*\).*/\1/p')
if [ -n "$default" ] && [ -d "/lib/modules/$default/build" ] &&
   [ -e "/boot/vmlinuz-$default" ]; then
	echo "vmprof: no headers for the running kernel $running; using the default $default" >&2
	echo "$default"
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
