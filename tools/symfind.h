/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMPROF_SYMFIND_H
#define VMPROF_SYMFIND_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Finding the files behind a guest's code by build-id, without copying
 * anything out of the guest.  After the files named on the command line
 * (which their callers handle), the places are tried in this order:
 *
 *   1. the build-id cache (vmprof buildid-cache --add FILE, perf's idea):
 *      $VMPROF_BUILDID_DIR, else $XDG_CACHE_HOME/vmprof/build-id, else
 *      ~/.cache/vmprof/build-id, holding XX/YYYY... copies of files;
 *   2. a copy of the guest's root directory (--guest-root DIR, as perf
 *      kvm's --guestmount): /boot/vmlinuz-RELEASE and friends for the
 *      kernel, any NAME.ko[.xz|.zst|.gz] under /lib/modules for a
 *      module, the recorded path for a program;
 *   3. debuginfod servers ($DEBUGINFOD_URLS), through elfutils'
 *      libdebuginfod.
 *
 * Every candidate must have the recorded build-id; a file that does not
 * is skipped (and said with -v).
 */
enum vmprof_sym_source {
	VMPROF_SYM_NONE,
	VMPROF_SYM_COMMAND_LINE,
	VMPROF_SYM_BUILDID_CACHE,
	VMPROF_SYM_GUEST_ROOT,
	VMPROF_SYM_DEBUGINFOD,
};

const char *vmprof_sym_source_name(enum vmprof_sym_source src);

enum vmprof_sym_kind {
	VMPROF_SYM_KERNEL,	/* name: the release (uname -r) */
	VMPROF_SYM_MODULE,	/* name: the module name */
	VMPROF_SYM_PROGRAM,	/* name: its path in the guest */
};

struct vmprof_symfind {
	const char *guest_root;		/* NULL: none */
	const char *release;		/* guest kernel release, or NULL */
	bool no_debuginfod;
};

/*
 * The path of a file with build-id @bid for the guest code @name of
 * @kind, malloc'd, or NULL; *src says where it was found.
 */
char *vmprof_symfind(const struct vmprof_symfind *sf,
		     enum vmprof_sym_kind kind, const char *name,
		     const unsigned char *bid, int bid_len,
		     enum vmprof_sym_source *src);

/* Build-id of any file vmprof can use (ELF, compressed ELF, vmlinuz). */
int vmprof_symfind_build_id(const char *path, unsigned char *bid, size_t cap);

/* The build-id cache directory (created if @create), malloc'd. */
char *vmprof_buildid_dir(bool create);

void vmprof_build_id_hex(const unsigned char *bid, int len, char *out);

#endif /* VMPROF_SYMFIND_H */
