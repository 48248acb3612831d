// SPDX-License-Identifier: GPL-2.0
/*
 * VMCOREINFO text: "OSRELEASE=6.1.0-57-amd64", "BUILD-ID=<hex>",
 * "KERNELOFFSET=<hex>", "NUMBER(phys_base)=<decimal>",
 * "SYMBOL(init_top_pgt)=<hex runtime address>", ...
 */
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "vmcoreinfo.h"

/* x86-64: __START_KERNEL_map, the kernel image's virtual base. */
#define START_KERNEL_MAP	0xffffffff80000000ULL

static bool parse_num(const char *s, size_t len, int base, uint64_t *out)
{
	char buf[32], *end;

	if (!len || len >= sizeof(buf))
		return false;
	memcpy(buf, s, len);
	buf[len] = 0;
	*out = base == 10 ? (uint64_t)strtoll(buf, &end, 10) :
			    strtoull(buf, &end, 16);
	return *end == 0;
}

static void parse_line(const char *line, size_t len, struct vmprof_vmcoreinfo *v)
{
	const char *eq = memchr(line, '=', len);
	size_t klen, vlen;
	const char *val;

	if (!eq)
		return;
	klen = eq - line;
	val = eq + 1;
	vlen = len - klen - 1;
#define KEY(k) (klen == sizeof(k) - 1 && !memcmp(line, k, klen))
	if (KEY("OSRELEASE")) {
		if (vlen < sizeof(v->release)) {
			memcpy(v->release, val, vlen);
			v->release[vlen] = 0;
		}
	} else if (KEY("BUILD-ID")) {
		size_t i;

		v->build_id_size = 0;
		for (i = 0; i + 1 < vlen && i / 2 < sizeof(v->build_id);
		     i += 2) {
			int hi = hexval(val[i]), lo = hexval(val[i + 1]);

			if (hi < 0 || lo < 0)
				break;
			v->build_id[i / 2] = hi << 4 | lo;
			v->build_id_size = i / 2 + 1;
		}
	} else if (KEY("KERNELOFFSET")) {
		v->have_kaslr = parse_num(val, vlen, 16, &v->kaslr_offset);
	} else if (KEY("NUMBER(pgtable_l5_enabled)")) {
		uint64_t l5;

		if (parse_num(val, vlen, 10, &l5))
			v->l5 = l5 != 0;
	} else if (KEY("NUMBER(phys_base)")) {
		v->have_phys_base = parse_num(val, vlen, 10, &v->phys_base);
	} else if (KEY("SYMBOL(init_top_pgt)")) {
		parse_num(val, vlen, 16, &v->init_top_pgt);
	} else if (KEY("NUMBER(sme_mask)")) {
		parse_num(val, vlen, 10, &v->sme_mask);
	}
#undef KEY
}

int vmprof_vmcoreinfo__parse(const char *text, size_t len,
			     struct vmprof_vmcoreinfo *v)
{
	const char *p = text, *end = text + len;

	memset(v, 0, sizeof(*v));
	v->l5 = -1;
	while (p < end && *p) {
		const char *nl = memchr(p, '\n', end - p);
		const char *stop = nl ? nl : end;
		const char *nul = memchr(p, 0, stop - p);

		if (nul)
			stop = nul;
		parse_line(p, stop - p, v);
		if (!nl || nul)
			break;
		p = nl + 1;
	}
	return v->release[0] ? 0 : -1;
}

bool vmprof_vmcoreinfo__kernel_cr3(const struct vmprof_vmcoreinfo *v,
				   uint64_t *cr3)
{
	if (!v->have_phys_base || v->init_top_pgt < START_KERNEL_MAP)
		return false;
	*cr3 = v->init_top_pgt - START_KERNEL_MAP + v->phys_base;
	return true;
}
