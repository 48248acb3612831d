// SPDX-License-Identifier: GPL-2.0
/*
 * Address spaces of a recording and the symbol sources behind them.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <elfutils/libdwelf.h>
#include <gelf.h>
#include <libelf.h>

#include "hashmap.h"
#include "kallsyms.h"
#include "kimage.h"
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
	char *elf_path;
	char *desc;		/* the file(s) given, for messages */
	uint64_t elf_offset;
	struct vmprof_kallsyms *map;
	uint64_t map_offset;
	enum vmprof_kaslr_source kaslr_src;
	uint64_t kaslr_offset;
};

/* A guest kernel module recorded with --guest-introspect. */
struct guest_module {
	char *name;
	char *dso;		/* "[name]", as kallsyms says it */
	uint64_t base, size;
	unsigned char build_id[VMPROF_BUILD_ID_MAX];
	int build_id_size;
	struct guest_section {
		uint64_t addr;
		char *name;
	} *secs;
	size_t nr_secs;
	bool tried;
	struct vmprof_kallsyms *ks;	/* runtime addresses */
	struct vmprof_kallsyms *mem_ks;	/* read from guest memory */
};

/* The program of a guest process. */
struct guest_exe {
	uint32_t pid;
	uint64_t start, end, bias;
	bool have_bias;
	unsigned char build_id[VMPROF_BUILD_ID_MAX];
	int build_id_size;
	char *path;
	const char *name;	/* basename of path */
	bool tried;
	struct vmprof_elf *elf;
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
	/* guest, found by build-id (record --guest-introspect) */
	struct vmprof_symfind sf;
	bool have_gk;
	struct vmprof_file_guest_kernel gk;
	char *release;
	bool auto_tried;
	char *auto_path;
	enum vmprof_sym_source auto_src;
	struct vmprof_kallsyms *auto_ks;	/* link addresses */
	struct vmprof_elf *auto_elf;		/* a vmlinux with .symtab */
	char *auto_elf_name;
	struct guest_module *mods;
	size_t nr_mods;
	bool mods_sorted;
	struct guest_exe *exes;
	size_t nr_exes;
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
		free(r->guests[i].elf_path);
		free(r->guests[i].desc);
		vmprof_kallsyms__free(r->guests[i].map);
	}
	free(r->guests);
	vmprof_kallsyms__free(r->host_ks);
	free(r->release);
	free(r->auto_path);
	vmprof_kallsyms__free(r->auto_ks);
	vmprof_elf__close(r->auto_elf);
	free(r->auto_elf_name);
	for (i = 0; i < r->nr_mods; i++) {
		size_t k;

		for (k = 0; k < r->mods[i].nr_secs; k++)
			free(r->mods[i].secs[k].name);
		free(r->mods[i].secs);
		free(r->mods[i].name);
		free(r->mods[i].dso);
		vmprof_kallsyms__free(r->mods[i].ks);
		vmprof_kallsyms__free(r->mods[i].mem_ks);
	}
	free(r->mods);
	for (i = 0; i < r->nr_exes; i++) {
		free(r->exes[i].path);
		vmprof_elf__close(r->exes[i].elf);
	}
	free(r->exes);
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

/*
 * The kallsyms table a kernel image carries for itself (a vmlinuz without
 * .symtab: Debian's), at link addresses, as a --guest-kallsyms file would
 * give them; the guest's LSTAR or the given offset moves them.  NULL if
 * @path is no kernel image or its table cannot be decoded.
 */
static struct vmprof_kallsyms *image_kallsyms(const char *path)
{
	struct vmprof_kallsyms *ks = NULL;
	struct vmprof_kimage *img;
	char err[512], *text;
	size_t len;

	img = vmprof_kimage__open(path, err, sizeof(err));
	if (!img)
		return NULL;
	text = vmprof_kimage__kallsyms_text(img, &len, err, sizeof(err));
	if (text) {
		ks = vmprof_kallsyms__parse(text, len);
		free(text);
	}
	vmprof_kimage__close(img);
	if (ks && !ks->nr) {
		vmprof_kallsyms__free(ks);
		ks = NULL;
	}
	return ks;
}

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
		g->elf_path = xstrdup(opts->vmlinux);
		if (!vmprof_elf__nr_symbols(g->elf) && !map_path) {
			g->map = image_kallsyms(opts->vmlinux);
			if (!g->map)
				pr_warn("%s has no symbols (a stripped or compressed kernel?): guest samples will be [unknown]; give the vmlinux with symbols (Debian: /usr/lib/debug/boot/vmlinux-VERSION from linux-image-VERSION-dbg) or --guest-kallsyms",
					opts->vmlinux);
		}
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
	return r->nr_guests || r->have_gk;
}

uint64_t vmprof_resolver__kaslr_offset(const struct vmprof_resolver *r,
				       uint32_t pid,
				       enum vmprof_kaslr_source *src)
{
	const struct guest_syms *g = guest_of(r, pid);

	if (!g && r->have_gk && (r->gk.flags & VMPROF_GUEST_KERNEL_KASLR)) {
		if (src)
			*src = VMPROF_KASLR_VMCOREINFO;
		return r->gk.kaslr_offset;
	}
	if (src)
		*src = g ? g->kaslr_src : VMPROF_KASLR_NONE;
	return g ? g->kaslr_offset : 0;
}

/*
 * A kernel image without symbols (Debian's vmlinuz) cannot place itself:
 * the start of its .text (_text) is where the guest symbols (kallsyms,
 * System.map) have their lowest kernel function.
 */
const char *vmprof_resolver__guest_vmlinux(struct vmprof_resolver *r,
					   uint32_t pid, uint64_t *offset)
{
	const struct guest_syms *g = guest_of(r, pid);
	enum vmprof_sym_source src;
	uint64_t text, link;

	if (!g && r->have_gk && (r->gk.flags & VMPROF_GUEST_KERNEL_KASLR)) {
		/* The image found by the build-id the recording has. */
		const char *path = vmprof_resolver__guest_kernel_file(r, &src);

		*offset = r->gk.kaslr_offset;
		return path;
	}
	if (!g || !g->elf_path)
		return NULL;
	*offset = g->kaslr_offset;
	if (vmprof_elf__nr_symbols(g->elf))
		*offset = g->elf_offset;
	else if (g->map && !vmprof_kallsyms__kernel_start(g->map, &text) &&
		 !vmprof_elf__section_addr(g->elf, ".text", &link))
		*offset = text + g->map_offset - link;
	return g->elf_path;
}

int vmprof_resolver__inlines(const struct vmprof_resolved *res,
			     const char **names, int max)
{
	if (!res->elf)
		return 0;
	return vmprof_elf__inlines(res->elf, res->elf_addr, names, max);
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

/* ---- the guest, found by build-id ---- */

void vmprof_resolver__set_symfind(struct vmprof_resolver *r,
				  const struct vmprof_symfind *sf)
{
	r->sf = *sf;
	r->sf.release = r->release;
}

void vmprof_resolver__set_guest_kernel(struct vmprof_resolver *r,
				       const struct vmprof_file_guest_kernel *k,
				       const char *release)
{
	r->have_gk = true;
	r->gk = *k;
	free(r->release);
	r->release = xstrdup(release);
	r->sf.release = r->release;
}

void vmprof_resolver__add_guest_module(struct vmprof_resolver *r,
				       const struct vmprof_file_guest_module *m,
				       const char *name,
				       const struct vmprof_file_guest_section *s,
				       const char *names, const char *symbols)
{
	struct guest_module *g;
	size_t i;

	if (!m->size || m->base + m->size < m->base)
		return;
	r->mods = xrealloc(r->mods, (r->nr_mods + 1) * sizeof(*r->mods));
	g = &r->mods[r->nr_mods++];
	memset(g, 0, sizeof(*g));
	g->name = xstrndup(name, m->name_len);
	if (asprintf(&g->dso, "[%s]", g->name) < 0)
		g->dso = xstrdup(DSO_UNKNOWN);
	g->base = m->base;
	g->size = m->size;
	g->build_id_size = m->build_id_size;
	memcpy(g->build_id, m->build_id, m->build_id_size);
	g->secs = xcalloc(m->nr_sections + 1, sizeof(*g->secs));
	for (i = 0; i < m->nr_sections; i++) {
		g->secs[i].addr = s[i].addr;
		g->secs[i].name = xstrndup(names + s[i].name_off,
					   s[i].name_len);
	}
	g->nr_secs = m->nr_sections;
	if (m->symbols_len)
		g->mem_ks = vmprof_kallsyms__parse(symbols, m->symbols_len);
	r->mods_sorted = false;
}

void vmprof_resolver__add_guest_exe(struct vmprof_resolver *r,
				    const struct vmprof_file_guest_exe *e,
				    const char *path)
{
	struct guest_exe *g;

	if (!*path || e->end <= e->start)
		return;
	r->exes = xrealloc(r->exes, (r->nr_exes + 1) * sizeof(*r->exes));
	g = &r->exes[r->nr_exes++];
	memset(g, 0, sizeof(*g));
	g->pid = e->pid;
	g->start = e->start;
	g->end = e->end;
	g->bias = e->bias;
	g->have_bias = e->flags & VMPROF_GUEST_EXE_BIAS;
	g->build_id_size = e->build_id_size;
	memcpy(g->build_id, e->build_id, e->build_id_size);
	g->path = xstrdup(path);
	g->name = basename_of(g->path);
}

static void load_auto_kernel(struct vmprof_resolver *r)
{
	char hex[2 * VMPROF_BUILD_ID_MAX + 1], err[512];
	struct vmprof_kimage *img;
	char *text;
	size_t len;

	r->auto_tried = true;
	if (!r->have_gk || !r->gk.build_id_size)
		return;
	vmprof_build_id_hex(r->gk.build_id, r->gk.build_id_size, hex);
	r->auto_path = vmprof_symfind(&r->sf, VMPROF_SYM_KERNEL, r->release,
				      r->gk.build_id, r->gk.build_id_size,
				      &r->auto_src);
	if (!r->auto_path) {
		pr_note("no symbols for the guest kernel %s (build-id %s): not in the build-id cache, under --guest-root, or on a debuginfod server (DEBUGINFOD_URLS); add its vmlinuz with 'vmprof buildid-cache --add'",
			r->release, hex);
		return;
	}
	img = vmprof_kimage__open(r->auto_path, err, sizeof(err));
	if (!img) {
		pr_warn("%s: guest kernel samples will be [unknown]", err);
		return;
	}
	if (vmprof_kimage__has_symtab(img)) {
		r->auto_elf = vmprof_elf__open(r->auto_path, err, sizeof(err));
		if (r->auto_elf && vmprof_elf__nr_symbols(r->auto_elf))
			r->auto_elf_name = xstrdup(basename_of(r->auto_path));
		else {
			vmprof_elf__close(r->auto_elf);
			r->auto_elf = NULL;
		}
	}
	if (!r->auto_elf) {
		text = vmprof_kimage__kallsyms_text(img, &len, err,
						    sizeof(err));
		if (text) {
			r->auto_ks = vmprof_kallsyms__parse(text, len);
			free(text);
		} else {
			pr_warn("%s: %s: guest kernel samples will be [unknown]",
				r->auto_path, err);
		}
	}
	vmprof_kimage__close(img);
}

const char *vmprof_resolver__guest_kernel_file(struct vmprof_resolver *r,
					       enum vmprof_sym_source *src)
{
	if (!r->auto_tried && !r->nr_guests)
		load_auto_kernel(r);
	*src = r->auto_src;
	return r->auto_ks || r->auto_elf ? r->auto_path : NULL;
}

/*
 * A module's text symbols at their runtime addresses, as the guest's
 * /proc/kallsyms lists them: each symbol of the .ko's symbol table in an
 * executable section, moved to where that section was loaded.
 */
static struct vmprof_kallsyms *module_kallsyms(const struct guest_module *g,
					       const char *path)
{
	struct vmprof_kallsyms *ks = NULL;
	Elf_Scn *scn = NULL;
	size_t shstrndx, cap = 4096, used = 0;
	char *text = NULL;
	Elf *elf;
	int fd;

	elf_version(EV_CURRENT);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	elf = dwelf_elf_begin(fd);
	if (!elf || elf_kind(elf) != ELF_K_ELF ||
	    elf_getshdrstrndx(elf, &shstrndx))
		goto out;
	text = xmalloc(cap);
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh_mem, *sh = gelf_getshdr(scn, &sh_mem);
		Elf_Data *data;
		size_t i, n;

		if (!sh || sh->sh_type != SHT_SYMTAB || !sh->sh_entsize)
			continue;
		data = elf_getdata(scn, NULL);
		n = data ? data->d_size / sh->sh_entsize : 0;
		for (i = 1; i < n; i++) {
			GElf_Sym sym;
			GElf_Shdr ts_mem, *ts;
			const char *name, *sec;
			size_t k, need;
			int type, bind;

			if (!gelf_getsym(data, i, &sym))
				continue;
			type = GELF_ST_TYPE(sym.st_info);
			bind = GELF_ST_BIND(sym.st_info);
			if ((type != STT_FUNC && type != STT_NOTYPE) ||
			    sym.st_shndx == SHN_UNDEF ||
			    sym.st_shndx >= SHN_LORESERVE)
				continue;
			name = elf_strptr(elf, sh->sh_link, sym.st_name);
			ts = gelf_getshdr(elf_getscn(elf, sym.st_shndx),
					  &ts_mem);
			if (!name || !*name || !ts ||
			    !(ts->sh_flags & SHF_EXECINSTR))
				continue;
			sec = elf_strptr(elf, shstrndx, ts->sh_name);
			for (k = 0; sec && k < g->nr_secs; k++)
				if (!strcmp(g->secs[k].name, sec))
					break;
			if (!sec || k == g->nr_secs)
				continue;	/* not loaded (.init.text) */
			need = strlen(name) + strlen(g->name) + 32;
			if (cap - used < need) {
				cap = 2 * cap + need;
				text = xrealloc(text, cap);
			}
			used += snprintf(text + used, cap - used,
					 "%016llx %c %s\t[%s]\n",
					 (unsigned long long)
					 (g->secs[k].addr + sym.st_value),
					 bind == STB_GLOBAL ? 'T' :
					 bind == STB_WEAK ? 'W' : 't',
					 name, g->name);
		}
	}
	if (used)
		ks = vmprof_kallsyms__parse(text, used);
out:
	free(text);
	if (elf)
		elf_end(elf);
	close(fd);
	return ks;
}

static int module_cmp(const void *a, const void *b)
{
	const struct guest_module *x = a, *y = b;

	return x->base < y->base ? -1 : x->base > y->base;
}

static struct guest_module *find_module(struct vmprof_resolver *r,
					uint64_t addr)
{
	size_t lo = 0, hi;

	if (!r->mods_sorted) {
		if (r->nr_mods)
			qsort(r->mods, r->nr_mods, sizeof(*r->mods),
			      module_cmp);
		r->mods_sorted = true;
	}
	hi = r->nr_mods;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (r->mods[mid].base <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo || addr - r->mods[lo - 1].base >= r->mods[lo - 1].size)
		return NULL;
	return &r->mods[lo - 1];
}

static void load_module(struct vmprof_resolver *r, struct guest_module *g)
{
	enum vmprof_sym_source src;
	char *path;

	g->tried = true;
	path = vmprof_symfind(&r->sf, VMPROF_SYM_MODULE, g->name, g->build_id,
			      g->build_id_size, &src);
	if (!path) {
		if (g->mem_ks)
			pr_debug("guest module %s: symbols from guest memory",
				 g->name);
		else
			pr_debug("guest module %s: no file with its build-id found; its samples are [unknown]",
				 g->name);
		return;
	}
	g->ks = module_kallsyms(g, path);
	if (!g->ks)
		pr_warn("%s: no symbols for guest module %s; its samples are [unknown]",
			path, g->name);
	free(path);
}

/*
 * Guest kernel code by what the recording says the guest runs; with
 * @modules_only, its modules only (the kernel's symbols were given).
 */
static bool guest_auto(struct vmprof_resolver *r, uint64_t addr,
		       struct vmprof_resolved *out, bool modules_only)
{
	struct guest_module *g = find_module(r, addr);
	const struct vmprof_ksym *ks;

	if (g) {
		if (!g->tried)
			load_module(r, g);
		ks = g->ks ? vmprof_kallsyms__lookup(g->ks, addr) :
		     g->mem_ks ? vmprof_kallsyms__lookup(g->mem_ks, addr) :
		     NULL;
		set_unknown(out, g->dso);
		if (ks)
			out->symbol = ks->name;
		return true;
	}
	if (!r->have_gk || modules_only)
		return false;
	if (!r->auto_tried)
		load_auto_kernel(r);
	if (r->auto_elf) {
		uint64_t a = addr - r->gk.kaslr_offset;
		const char *name = vmprof_elf__symbol(r->auto_elf, a);

		if (name) {
			out->symbol = name;
			out->dso = r->auto_elf_name;
			out->elf = r->auto_elf;
			out->elf_addr = a;
			return true;
		}
	} else if (r->auto_ks) {
		ks = vmprof_kallsyms__lookup(r->auto_ks,
					     addr - r->gk.kaslr_offset);
		if (ks) {
			set_unknown(out, DSO_GUEST_KERNEL);
			out->symbol = ks->name;
			return true;
		}
	}
	return false;
}

void vmprof_resolver__guest_user(struct vmprof_resolver *r, uint32_t pid,
				 uint64_t addr, struct vmprof_resolved *out)
{
	struct guest_exe *g = NULL;
	enum vmprof_sym_source src;
	const char *name;
	char err[512], *path;
	size_t i;

	/* The last program the process ran that covers the address. */
	for (i = 0; i < r->nr_exes; i++)
		if (r->exes[i].pid == pid && addr >= r->exes[i].start &&
		    addr < r->exes[i].end)
			g = &r->exes[i];
	if (!g) {
		set_unknown(out, DSO_UNKNOWN);
		return;
	}
	set_unknown(out, g->name);
	if (!g->tried) {
		g->tried = true;
		path = vmprof_symfind(&r->sf, VMPROF_SYM_PROGRAM, g->path,
				      g->build_id, g->build_id_size, &src);
		if (path && g->have_bias) {
			g->elf = vmprof_elf__open(path, err, sizeof(err));
			if (!g->elf)
				pr_warn("%s; its samples are [unknown]", err);
		} else {
			pr_debug("guest program %s: %s", g->path,
				 path ? "where it is loaded is not known" :
				 "no file with its build-id found");
		}
		free(path);
	}
	if (!g->elf)
		return;
	name = vmprof_elf__symbol(g->elf, addr - g->bias);
	if (name) {
		out->symbol = name;
		out->elf = g->elf;
		out->elf_addr = addr - g->bias;
	}
}

void vmprof_resolver__guest(struct vmprof_resolver *r, uint32_t pid,
			    uint64_t addr, struct vmprof_resolved *out)
{
	const struct guest_syms *g = guest_of(r, pid);
	const struct vmprof_ksym *ks;

	if (!g) {
		if (!guest_auto(r, addr, out, false))
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
	if (guest_auto(r, addr, out, true))
		return;
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
