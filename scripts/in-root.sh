#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Run a command in another root file system (the Debian 13 root of the
# 7.x kernel), with this repository bind-mounted at its own path and /proc
# mounted, in a mount namespace of its own so that nothing stays mounted.
# ROOT / runs the command here.
#
# usage: in-root.sh ROOT COMMAND [ARG...]
set -euo pipefail
root=$1
shift
repo=$(cd "$(dirname "$0")/.." && pwd)
if [ "$root" = / ]; then
	exec "$@"
fi
mkdir -p "$root$repo"
exec unshare -m /bin/bash -c '
	root=$1 repo=$2
	shift 2
	mount --bind "$repo" "$root$repo"
	mount -t proc proc "$root/proc"
	exec chroot "$root" "$@"' in-root "$root" "$repo" "$@"
