// SPDX-License-Identifier: GPL-2.0
/*
 * kallsyms and System.map text parsing.  These are text files, not ELF
 * symbol tables, so they are read here rather than through libdwfl.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kallsyms.h"
#include "util.h"

#define LAST_SYMBOL_SIZE	4096

int vmprof_kallsyms__is_text_type(char type)
{
	return type == 't' || type == 'T' || type == 'w' || type == 'W';
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

struct parsed {
	struct vmprof_ksym sym;
	char type;
};

/* Parse one line in place (it is NUL-terminated); 0 if usable. */
static int parse_line(char *s, struct parsed *p)
{
	uint64_t addr = 0;
	int digits = 0, v;
	char *name, *mod;

	while ((v = hexval(*s)) >= 0) {
		if (++digits > 16)
			return -1;
		addr = addr << 4 | v;
		s++;
	}
	if (!digits || !is_blank(*s))
		return -1;
	while (is_blank(*s))
		s++;
	p->type = *s;
	if (!p->type || !is_blank(s[1]))
		return -1;
	s += 2;
	while (is_blank(*s))
		s++;
	name = s;
	while (*s && !is_blank(*s))
		s++;
	if (s == name)
		return -1;
	mod = "";
	if (*s) {
		*s++ = 0;
		while (is_blank(*s))
			s++;
		if (*s == '[') {
			char *end = strchr(s, ']');

			if (end) {
				end[1] = 0;
				mod = s;
			}
		}
	}
	p->sym.addr = addr;
	p->sym.name = name;
	p->sym.module = mod;
	return 0;
}

static int leading_underscores(const char *s)
{
	int n = 0;

	while (s[n] == '_')
		n++;
	return n;
}

/*
 * A label the linker script puts at a section's bounds
 * (__indirect_thunk_start, __static_call_text_end, __entry_text_start): it
 * names where a section begins or ends, not the function that is there.
 */
static bool section_label(const char *s)
{
	size_t n = strlen(s);

	if (s[0] != '_' || s[1] != '_')
		return false;
	return (n > 6 && !strcmp(s + n - 6, "_start")) ||
	       (n > 4 && !strcmp(s + n - 4, "_end"));
}

static int sym_cmp(const void *a, const void *b)
{
	const struct parsed *x = a, *y = b;
	int gx, gy, ux, uy;

	if (x->sym.addr != y->sym.addr)
		return x->sym.addr < y->sym.addr ? -1 : 1;
	/*
	 * Aliases: prefer a function over a section's label, then global,
	 * then fewer leading underscores.
	 */
	gx = section_label(x->sym.name);
	gy = section_label(y->sym.name);
	if (gx != gy)
		return gx - gy;
	gx = x->type == 'T';
	gy = y->type == 'T';
	if (gx != gy)
		return gy - gx;
	ux = leading_underscores(x->sym.name);
	uy = leading_underscores(y->sym.name);
	if (ux != uy)
		return ux - uy;
	return strcmp(x->sym.name, y->sym.name);
}

/*
 * Where a symbol with no known successor ends: LAST_SYMBOL_SIZE on, but
 * not past the top of the address space (a wrapped end would be below
 * the symbol and make its own address unresolvable).  UINT64_MAX as an
 * end includes the last byte, see vmprof_kallsyms__lookup().
 */
static uint64_t last_end(uint64_t addr)
{
	return addr > UINT64_MAX - LAST_SYMBOL_SIZE ? UINT64_MAX :
						      addr + LAST_SYMBOL_SIZE;
}

struct vmprof_kallsyms *vmprof_kallsyms__parse(const char *text, size_t len)
{
	struct vmprof_kallsyms *ks = xcalloc(1, sizeof(*ks));
	struct parsed *tmp = NULL;
	size_t nr = 0, cap = 0, i, out;
	char *s, *end;

	ks->text = xmalloc(len + 1);
	memcpy(ks->text, text, len);
	ks->text[len] = 0;
	s = ks->text;
	end = ks->text + len;
	while (s < end) {
		char *nl = memchr(s, '\n', end - s);
		struct parsed p;

		if (!nl)
			nl = end;
		*nl = 0;
		/* A NUL inside the line ends it early: still bounded. */
		if (!parse_line(s, &p)) {
			if (vmprof_kallsyms__is_text_type(p.type)) {
				ks->nr_text++;
				ks->nr_zero += !p.sym.addr;
				if (nr == cap) {
					cap = cap ? cap * 2 : 1024;
					tmp = xrealloc(tmp, cap * sizeof(*tmp));
				}
				tmp[nr++] = p;
			}
		} else if (*s) {
			ks->nr_bad++;
		}
		s = nl + 1;
	}
	if (nr)
		qsort(tmp, nr, sizeof(*tmp), sym_cmp);
	ks->syms = xcalloc(nr ? nr : 1, sizeof(*ks->syms));
	for (i = 0, out = 0; i < nr; i++) {
		/* Keep one name per address. */
		if (out && ks->syms[out - 1].addr == tmp[i].sym.addr)
			continue;
		ks->syms[out++] = tmp[i].sym;
	}
	for (i = 0; i < out; i++)
		ks->syms[i].end = i + 1 < out ? ks->syms[i + 1].addr :
				  last_end(ks->syms[i].addr);
	/* A symbol never runs from one module into another. */
	for (i = 0; i + 1 < out; i++)
		if (strcmp(ks->syms[i].module, ks->syms[i + 1].module) &&
		    ks->syms[i].end - ks->syms[i].addr > LAST_SYMBOL_SIZE)
			ks->syms[i].end = last_end(ks->syms[i].addr);
	ks->nr = out;
	free(tmp);
	return ks;
}

struct vmprof_kallsyms *vmprof_kallsyms__load(const char *path, char *err,
					      size_t errlen)
{
	struct vmprof_kallsyms *ks;
	char *buf = NULL;
	size_t len = 0, cap = 0;
	FILE *fp = fopen(path, "r");

	if (!fp) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	for (;;) {
		size_t n;

		if (cap - len < 65536) {
			cap = cap ? cap * 2 : 1 << 20;
			buf = xrealloc(buf, cap);
		}
		n = fread(buf + len, 1, cap - len, fp);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(fp)) {
		snprintf(err, errlen, "%s: read error", path);
		fclose(fp);
		free(buf);
		return NULL;
	}
	fclose(fp);
	ks = vmprof_kallsyms__parse(buf, len);
	free(buf);
	return ks;
}

void vmprof_kallsyms__free(struct vmprof_kallsyms *ks)
{
	if (!ks)
		return;
	free(ks->syms);
	free(ks->text);
	free(ks);
}

const struct vmprof_ksym *vmprof_kallsyms__lookup(
	const struct vmprof_kallsyms *ks, uint64_t addr)
{
	size_t lo = 0, hi = ks->nr;

	/* Find the last symbol with sym.addr <= addr. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ks->syms[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return NULL;
	if (addr >= ks->syms[lo - 1].end && ks->syms[lo - 1].end != UINT64_MAX)
		return NULL;
	return &ks->syms[lo - 1];
}

int vmprof_kallsyms__find(const struct vmprof_kallsyms *ks, const char *name,
			  uint64_t *addr)
{
	size_t i;

	for (i = 0; i < ks->nr; i++) {
		if (!strcmp(ks->syms[i].name, name) && !ks->syms[i].module[0]) {
			*addr = ks->syms[i].addr;
			return 0;
		}
	}
	return -1;
}

int vmprof_kallsyms__kernel_start(const struct vmprof_kallsyms *ks,
				  uint64_t *addr)
{
	size_t i;

	for (i = 0; i < ks->nr; i++) {
		if (!ks->syms[i].module[0] && ks->syms[i].addr) {
			*addr = ks->syms[i].addr;
			return 0;
		}
	}
	return -1;
}

int vmprof_kallsyms__apply_modules(struct vmprof_kallsyms *ks,
				   const char *path, char *err,
				   size_t errlen)
{
	char line[4096], name[256], bracket[260];
	unsigned long long size, addr;
	int n = 0, hidden = 0, lines = 0;
	size_t i;
	FILE *fp = fopen(path, "r");

	if (!fp) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), fp)) {
		char *last = strrchr(line, ' ');

		if (sscanf(line, "%255s %llu", name, &size) != 2 || !last ||
		    sscanf(last, " 0x%llx", &addr) != 1)
			continue;
		lines++;
		if (!addr) {
			hidden++;
			continue;
		}
		snprintf(bracket, sizeof(bracket), "[%s]", name);
		for (i = 0; i < ks->nr; i++) {
			struct vmprof_ksym *k = &ks->syms[i];

			if (strcmp(k->module, bracket) || k->addr < addr ||
			    k->addr >= addr + size)
				continue;
			if (k->end > addr + size)
				k->end = addr + size;
		}
		n++;
	}
	fclose(fp);
	if (lines && hidden == lines) {
		snprintf(err, errlen,
			 "%s: every module address is 0: the guest hid them from whoever copied the file; copy it as root in the guest (sudo cat /proc/modules)",
			 path);
		return -1;
	}
	if (!lines) {
		snprintf(err, errlen,
			 "%s: no modules (expected /proc/modules lines \"NAME SIZE REFS DEPS STATE ADDR\")",
			 path);
		return -1;
	}
	return n;
}
