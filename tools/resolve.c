// SPDX-License-Identifier: GPL-2.0
/*
 * Address spaces of a recording and the symbol sources behind them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hashmap.h"
#include "kallsyms.h"
#include "resolve.h"
#include "symbolize.h"
#include "util.h"

#define DSO_UNKNOWN		"[unknown]"
#define DSO_GUEST_KERNEL	"[guest.kernel]"
#define DSO_HOST_KERNEL		"[kernel.kallsyms]"
#define KASLR_SYMBOL		"entry_SYSCALL_64"
/* x86-64 KASLR moves the kernel by multiples of CONFIG_PHYSICAL_ALIGN,
 * 2 MiB on every distribution kernel. */
#define KASLR_ALIGN		0x200000ULL

struct vmm_dso {
	char *path;
	char *name;		/* basename */
	unsigned char build_id[VMPROF_BUILD_ID_MAX];
	int build_id_size;
	bool tried;
	struct vmprof_elf *elf;	/* NULL if unusable */
};

struct vmm_map {
	uint64_t start, end, pgoff;
	uint32_t pid;
	struct vmm_dso *dso;
};

/* The symbols of one guest kernel: of one VM, or (pid 0) of every VM
 * that has none of its own. */
struct guest_syms {
	uint32_t pid;
	struct vmprof_elf *elf;
	char *elf_name;
	char *desc;		/* the file(s) given, for messages */
	uint64_t elf_offset;
	struct vmprof_kallsyms *map;
	uint64_t map_offset;
	enum vmprof_kaslr_source kaslr_src;
	uint64_t kaslr_offset;
};

struct vmprof_resolver {
	struct guest_syms *guests;
	size_t nr_guests;
	/* host kernel */
	struct vmprof_kallsyms *host_ks;
	/* VMM mappings, sorted on first lookup */
	struct vmm_map *maps;
	size_t nr_maps, cap_maps;
	bool maps_sorted;
	struct vmm_dso **dsos;
	size_t nr_dsos;
	struct hashmap dso_index;	/* (path, build-id) -> dso */
	/* module names as "[mod]" are the kallsyms' own strings */
};

static bool dso_eq(const void *entry, const void *key)
{
	const struct vmm_dso *a = *(struct vmm_dso * const *)entry;
	const struct vmm_dso *b = key;

	return a->build_id_size == b->build_id_size &&
	       !memcmp(a->build_id, b->build_id, b->build_id_size) &&
	       !strcmp(a->path, b->path);
}

struct vmprof_resolver *vmprof_resolver__new(void)
{
	struct vmprof_resolver *r = xcalloc(1, sizeof(*r));

	hashmap__init(&r->dso_index, sizeof(struct vmm_dso *), dso_eq);
	return r;
}

void vmprof_resolver__delete(struct vmprof_resolver *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->nr_guests; i++) {
		vmprof_elf__close(r->guests[i].elf);
		free(r->guests[i].elf_name);
		free(r->guests[i].desc);
		vmprof_kallsyms__free(r->guests[i].map);
	}
	free(r->guests);
	vmprof_kallsyms__free(r->host_ks);
	for (i = 0; i < r->nr_dsos; i++) {
		vmprof_elf__close(r->dsos[i]->elf);
		free(r->dsos[i]->path);
		free(r->dsos[i]->name);
		free(r->dsos[i]);
	}
	free(r->dsos);
	hashmap__exit(&r->dso_index);
	free(r->maps);
	free(r);
}

static const char *basename_of(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

static struct guest_syms *guest_of(const struct vmprof_resolver *r,
				    uint32_t pid)
{
	struct guest_syms *dflt = NULL;
	size_t i;

	for (i = 0; i < r->nr_guests; i++) {
		if (r->guests[i].pid == pid)
			return &r->guests[i];
		if (!r->guests[i].pid)
			dflt = &r->guests[i];
	}
	return dflt;
}

static int guest_set_lstar(struct guest_syms *g, uint64_t lstar, char *err,
			   size_t errlen);

int vmprof_resolver__set_guest(struct vmprof_resolver *r, uint32_t pid,
			       const struct vmprof_guest_opts *opts,
			       bool have_lstar, uint64_t lstar,
			       char *err, size_t errlen)
{
	const char *map_path = opts->system_map ? opts->system_map :
			       opts->kallsyms;
	struct guest_syms *g;

	if (!opts->vmlinux && !map_path)
		return 0;
	r->guests = xrealloc(r->guests, (r->nr_guests + 1) *
			     sizeof(*r->guests));
	g = &r->guests[r->nr_guests++];
	memset(g, 0, sizeof(*g));
	g->pid = pid;

	if (opts->vmlinux) {
		g->elf = vmprof_elf__open(opts->vmlinux, err, errlen);
		if (!g->elf)
			return -1;
		g->elf_name = xstrdup(basename_of(opts->vmlinux));
		if (!vmprof_elf__nr_symbols(g->elf))
			pr_warn("%s has no symbols (a stripped or compressed kernel?): guest samples will be [unknown]; give the vmlinux with symbols (Debian: /usr/lib/debug/boot/vmlinux-VERSION from linux-image-VERSION-dbg) or --guest-kallsyms",
				opts->vmlinux);
	}
	if (opts->system_map && opts->kallsyms) {
		snprintf(err, errlen,
			 "give --guest-system-map or --guest-kallsyms, not both");
		return -1;
	}
	if (map_path) {
		g->map = vmprof_kallsyms__load(map_path, err, errlen);
		if (!g->map)
			return -1;
		if (!g->map->nr) {
			snprintf(err, errlen,
				 "%s: no text symbols (expected lines \"ADDR TYPE NAME [module]\"; Debian's /boot/System.map is a placeholder, the real one is in linux-image-VERSION-dbg; a copy of the guest's /proc/kallsyms works too)",
				 map_path);
			return -1;
		}
		if (g->map->nr_text > 1 &&
		    g->map->nr_zero == g->map->nr_text) {
			snprintf(err, errlen,
				 "%s: every address is 0: the guest hid them from whoever copied the file (kptr_restrict); copy it as root in the guest (sudo cat /proc/kallsyms)",
				 map_path);
			return -1;
		}
	}
	g->desc = xstrdup(opts->vmlinux ? opts->vmlinux : map_path ?
				map_path : "");

	if (opts->have_kaslr_offset) {
		g->kaslr_src = VMPROF_KASLR_USER;
		g->kaslr_offset = opts->kaslr_offset;
		g->elf_offset = opts->kaslr_offset;
		g->map_offset = opts->kaslr_offset;
		return 0;
	}
	g->kaslr_src = VMPROF_KASLR_NONE;
	if (!have_lstar)
		return 0;
	return guest_set_lstar(g, lstar, err, errlen);
}

static bool guest_has_kaslr_symbol(const struct guest_syms *g)
{
	uint64_t addr;

	return (g->elf && !vmprof_elf__find_symbol(g->elf, KASLR_SYMBOL,
						   &addr)) ||
	       (g->map && !vmprof_kallsyms__find(g->map, KASLR_SYMBOL,
						 &addr));
}

bool vmprof_resolver__needs_lstar(const struct vmprof_resolver *r,
				  uint32_t pid)
{
	const struct guest_syms *g = guest_of(r, pid);

	return g && g->kaslr_src == VMPROF_KASLR_NONE &&
	       guest_has_kaslr_symbol(g);
}

int vmprof_resolver__set_lstar(struct vmprof_resolver *r, uint32_t pid,
			       uint64_t lstar, char *err, size_t errlen)
{
	struct guest_syms *g = guest_of(r, pid);

	if (!g || g->kaslr_src == VMPROF_KASLR_USER)
		return 0;
	return guest_set_lstar(g, lstar, err, errlen);
}

static int guest_set_lstar(struct guest_syms *g, uint64_t lstar, char *err,
			   size_t errlen)
{
	uint64_t addr;
	bool found = false;

	/* Each source gets its own offset: a kallsyms taken inside the
	 * running guest already has runtime addresses (offset 0). */
	if (g->elf &&
	    !vmprof_elf__find_symbol(g->elf, KASLR_SYMBOL, &addr)) {
		g->elf_offset = lstar - addr;
		g->kaslr_offset = g->elf_offset;
		found = true;
	}
	if (g->map && !vmprof_kallsyms__find(g->map, KASLR_SYMBOL,
						   &addr)) {
		g->map_offset = lstar - addr;
		if (!found)
			g->kaslr_offset = g->map_offset;
		found = true;
	}
	if (found)
		g->kaslr_src = VMPROF_KASLR_LSTAR;
	else if (g->elf || g->map)
		pr_debug("no %s in the guest symbols: KASLR offset 0",
			 KASLR_SYMBOL);
	if (found && ((g->elf && (g->elf_offset % KASLR_ALIGN)) ||
		      (g->map && (g->map_offset % KASLR_ALIGN)))) {
		uint64_t off = g->elf && (g->elf_offset %
						KASLR_ALIGN) ?
			       g->elf_offset : g->map_offset;

		snprintf(err, errlen,
			 "the guest KASLR offset from the recorded LSTAR (0x%llx) and %s in %s is 0x%llx, not a multiple of 2 MiB: these are not the symbols of the recorded guest kernel (or give the offset with --kaslr-offset)",
			 (unsigned long long)lstar, KASLR_SYMBOL,
			 g->desc, (unsigned long long)off);
		return -1;
	}
	return 0;
}

const char *vmprof_resolver__guest_desc(const struct vmprof_resolver *r,
					uint32_t pid)
{
	const struct guest_syms *g = guest_of(r, pid);

	return g && g->desc ? g->desc : "";
}

bool vmprof_resolver__has_guest_for(const struct vmprof_resolver *r,
				    uint32_t pid)
{
	return guest_of(r, pid);
}

bool vmprof_resolver__guest_user_elf(const struct vmprof_resolver *r,
				     uint32_t pid, uint64_t *low,
				     uint64_t *high)
{
	const struct guest_syms *g = guest_of(r, pid);

	if (!g || !g->elf || g->map)
		return false;
	vmprof_elf__range(g->elf, low, high);
	return *high <= 0x800000000000ULL;
}

bool vmprof_resolver__has_guest(const struct vmprof_resolver *r)
{
	return r->nr_guests;
}

uint64_t vmprof_resolver__kaslr_offset(const struct vmprof_resolver *r,
				       uint32_t pid,
				       enum vmprof_kaslr_source *src)
{
	const struct guest_syms *g = guest_of(r, pid);

	if (src)
		*src = g ? g->kaslr_src : VMPROF_KASLR_NONE;
	return g ? g->kaslr_offset : 0;
}

int vmprof_resolver__guest_modules(struct vmprof_resolver *r,
				   const char *path, char *err,
				   size_t errlen)
{
	struct guest_syms *g = guest_of(r, 0);

	if (!g || !g->map)
		return 0;
	return vmprof_kallsyms__apply_modules(g->map, path, err, errlen) < 0 ?
	       -1 : 0;
}

void vmprof_resolver__set_host_kallsyms(struct vmprof_resolver *r,
					const char *text, size_t len)
{
	vmprof_kallsyms__free(r->host_ks);
	r->host_ks = vmprof_kallsyms__parse(text, len);
}

static struct vmm_dso *find_dso(struct vmprof_resolver *r, const char *path,
				const unsigned char *bid, int bid_size)
{
	struct vmm_dso key = { .path = (char *)path, .build_id_size = bid_size };
	struct vmm_dso *d, **e;
	bool added;

	memcpy(key.build_id, bid, bid_size);
	e = hashmap__insert(&r->dso_index, hash_str(path), &key, &added);
	if (!added)
		return *e;
	d = xcalloc(1, sizeof(*d));
	*e = d;
	d->path = xstrdup(path);
	d->name = xstrdup(basename_of(path));
	memcpy(d->build_id, bid, bid_size);
	d->build_id_size = bid_size;
	if (!(r->nr_dsos & (r->nr_dsos - 1)))
		r->dsos = xrealloc(r->dsos, (r->nr_dsos ? r->nr_dsos * 2 : 1) *
				   sizeof(*r->dsos));
	r->dsos[r->nr_dsos++] = d;
	return d;
}

void vmprof_resolver__add_mmap(struct vmprof_resolver *r,
			       const struct vmprof_file_mmap *m,
			       const char *path, size_t path_len)
{
	char *p = xstrndup(path, path_len);
	struct vmm_map *map;

	if (!*p || m->end <= m->start) {
		free(p);
		return;
	}
	if (r->nr_maps == r->cap_maps) {
		r->cap_maps = r->cap_maps ? r->cap_maps * 2 : 16;
		r->maps = xrealloc(r->maps, r->cap_maps * sizeof(*r->maps));
	}
	map = &r->maps[r->nr_maps++];
	map->start = m->start;
	map->end = m->end;
	map->pgoff = m->pgoff;
	map->pid = m->pid;
	map->dso = find_dso(r, p, m->build_id, m->build_id_size);
	r->maps_sorted = false;
	free(p);
}

static void set_unknown(struct vmprof_resolved *out, const char *dso)
{
	out->symbol = NULL;
	out->dso = dso;
	out->elf = NULL;
	out->elf_addr = 0;
}

void vmprof_resolver__guest(struct vmprof_resolver *r, uint32_t pid,
			    uint64_t addr, struct vmprof_resolved *out)
{
	const struct guest_syms *g = guest_of(r, pid);
	const struct vmprof_ksym *ks;

	if (!g) {
		set_unknown(out, DSO_UNKNOWN);
		return;
	}
	if (g->elf) {
		uint64_t a = addr - g->elf_offset;
		const char *name = vmprof_elf__symbol(g->elf, a);

		if (name) {
			out->symbol = name;
			out->dso = g->elf_name;
			out->elf = g->elf;
			out->elf_addr = a;
			return;
		}
	}
	if (g->map) {
		/* The KASLR offset moves the kernel image; modules are
		 * placed on their own and listed at runtime addresses. */
		ks = vmprof_kallsyms__lookup(g->map,
					     addr - g->map_offset);
		if (ks && ks->module[0])
			ks = NULL;
		if (!ks) {
			ks = vmprof_kallsyms__lookup(g->map, addr);
			if (ks && !ks->module[0])
				ks = NULL;
		}
		if (ks) {
			out->symbol = ks->name;
			out->dso = ks->module[0] ? ks->module :
				   DSO_GUEST_KERNEL;
			out->elf = NULL;
			out->elf_addr = 0;
			return;
		}
	}
	set_unknown(out, DSO_UNKNOWN);
}

void vmprof_resolver__host_kernel(struct vmprof_resolver *r, uint64_t addr,
				  struct vmprof_resolved *out)
{
	const struct vmprof_ksym *ks;

	if (r->host_ks) {
		ks = vmprof_kallsyms__lookup(r->host_ks, addr);
		if (ks) {
			out->symbol = ks->name;
			out->dso = ks->module[0] ? ks->module :
				   DSO_HOST_KERNEL;
			out->elf = NULL;
			out->elf_addr = 0;
			return;
		}
	}
	set_unknown(out, DSO_UNKNOWN);
}

static int map_cmp(const void *a, const void *b)
{
	const struct vmm_map *x = a, *y = b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return 0;
}

static struct vmm_map *find_map(struct vmprof_resolver *r, uint32_t pid,
				uint64_t addr)
{
	size_t lo = 0, hi;

	if (!r->maps_sorted) {
		if (r->nr_maps)
			qsort(r->maps, r->nr_maps, sizeof(*r->maps), map_cmp);
		r->maps_sorted = true;
	}
	hi = r->nr_maps;
	/* Last map with (pid, start) <= (pid, addr). */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct vmm_map *m = &r->maps[mid];

		if (m->pid < pid || (m->pid == pid && m->start <= addr))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return NULL;
	if (r->maps[lo - 1].pid != pid || addr >= r->maps[lo - 1].end)
		return NULL;
	return &r->maps[lo - 1];
}

static void load_dso(struct vmm_dso *d)
{
	const unsigned char *bid;
	char err[512];
	int n;

	d->tried = true;
	d->elf = vmprof_elf__open(d->path, err, sizeof(err));
	if (!d->elf) {
		pr_warn("%s; its samples are shown as [unknown]", err);
		return;
	}
	if (!d->build_id_size)
		return;
	n = vmprof_elf__build_id(d->elf, &bid);
	if (n != d->build_id_size || memcmp(bid, d->build_id, n)) {
		pr_warn("%s: build-id does not match the recorded one (the file changed since the recording); its samples are shown as [unknown]",
			d->path);
		vmprof_elf__close(d->elf);
		d->elf = NULL;
	}
}

void vmprof_resolver__host_user(struct vmprof_resolver *r, uint32_t pid,
				uint64_t addr, struct vmprof_resolved *out)
{
	struct vmm_map *m = find_map(r, pid, addr);
	uint64_t vaddr;
	const char *name;

	if (!m) {
		set_unknown(out, DSO_UNKNOWN);
		return;
	}
	if (!m->dso->tried)
		load_dso(m->dso);
	set_unknown(out, m->dso->name);
	if (!m->dso->elf)
		return;
	if (vmprof_elf__offset_to_vaddr(m->dso->elf,
					addr - m->start + m->pgoff, &vaddr))
		return;
	name = vmprof_elf__symbol(m->dso->elf, vaddr);
	if (!name)
		return;
	out->symbol = name;
	out->elf = m->dso->elf;
	out->elf_addr = vaddr;
}

int vmprof_resolver__srcline(const struct vmprof_resolved *res, char *line,
			     size_t line_len, char *inlined, size_t inl_len)
{
	line[0] = 0;
	inlined[0] = 0;
	if (!res->elf)
		return -1;
	return vmprof_elf__srcline(res->elf, res->elf_addr, line, line_len,
				   inlined, inl_len);
}
