// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz target: loading guest symbols the way 'vmprof report' does
 * (vmprof_resolver__set_guest()), then resolving addresses with them.
 *
 *   -DSYMS_ELF       the input is a guest vmlinux (--guest-vmlinux): the
 *                    libdw/libdwfl path, symbol table, DWARF source lines;
 *                    and a guest kernel image as record --guest-introspect
 *                    and report read one: kallsyms tables found by their
 *                    content, BTF offsets (tools/kimage.c, guest-layout.c)
 *   -DSYMS_KALLSYMS  the input is a System.map or kallsyms text
 *                    (--guest-system-map / --guest-kallsyms, by the
 *                    input's length) and also the host kallsyms a data
 *                    file embeds
 *
 * Addresses to resolve come from the input itself (its last bytes, and
 * the symbols it defines), so the fuzzer can aim them.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "guest-layout.h"
#include "kallsyms.h"
#include "kimage.h"
#include "resolve.h"
#include "symbolize.h"
#include "util.h"

static uint64_t tail_u64(const uint8_t *data, size_t size, size_t back)
{
	uint64_t v = 0;

	if (size >= back + 8)
		memcpy(&v, data + size - back - 8, 8);
	return v;
}

static void resolve_some(struct vmprof_resolver *r, const uint8_t *data,
			 size_t size)
{
	static const uint64_t fixed[] = {
		0, 1, 0x1000, 0x100000, 0xffffffff81000000ULL,
		0xffffffff81000000ULL + 0x1234, UINT64_MAX,
	};
	char line[256], inl[256];
	size_t i;

	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]) + 3; i++) {
		struct vmprof_resolved res;
		uint64_t a = i < sizeof(fixed) / sizeof(fixed[0]) ? fixed[i] :
			     tail_u64(data, size, 8 * (i - 7));

		memset(&res, 0, sizeof(res));
		vmprof_resolver__guest(r, 0, a, &res);
		if (res.symbol)
			(void)strlen(res.symbol);
		(void)strlen(res.dso);
		vmprof_resolver__srcline(&res, line, sizeof(line), inl,
					 sizeof(inl));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vmprof_guest_opts opts;
	struct vmprof_resolver *r;
	char path[64], err[1024];
	int fd;

	fd = memfd_create("vmprof-fuzz.syms", MFD_CLOEXEC);
	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	memset(&opts, 0, sizeof(opts));
#ifdef SYMS_ELF
	opts.vmlinux = path;
#else
	if (size & 1)
		opts.system_map = path;
	else
		opts.kallsyms = path;
#endif
	r = vmprof_resolver__new();
	/* With a guest LSTAR hint, so the KASLR search runs too. */
	err[0] = 0;
	if (!vmprof_resolver__set_guest(r, 0, &opts, true,
					tail_u64(data, size, 0) | 0xffffffff00000000ULL,
					err, sizeof(err))) {
		resolve_some(r, data, size);
	} else if (!err[0] || !strstr(err, path)) {
		/* Every error names the file (or the options) it is about. */
		if (!strstr(err, "not both")) {
			fprintf(stderr, "error without the file name: '%s'\n",
				err);
			__builtin_trap();
		}
	}
#ifdef SYMS_ELF
	{
		struct vmprof_kimage *img = vmprof_kimage__open(path, err,
								sizeof(err));
		struct vmprof_guest_layout l;
		size_t len;
		char *text;

		if (img) {
			text = vmprof_kimage__kallsyms_text(img, &len, err,
							    sizeof(err));
			if (text)
				(void)strlen(text);
			free(text);
			vmprof_guest_layout__load(&l, img, err, sizeof(err));
			vmprof_kimage__close(img);
		}
	}
#else
	{
		struct vmprof_resolved res;

		vmprof_resolver__set_host_kallsyms(r, (const char *)data, size);
		vmprof_resolver__host_kernel(r, tail_u64(data, size, 0), &res);
		vmprof_resolver__host_kernel(r, 0xffffffff81000000ULL, &res);
	}
#endif
	vmprof_resolver__delete(r);
	close(fd);
	return 0;
}

#ifdef FUZZ_MAIN
#include "fuzz-main.h"
#endif
