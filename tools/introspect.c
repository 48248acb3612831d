// SPDX-License-Identifier: GPL-2.0
/*
 * What the guest runs, from guest memory (introspect.h has the steps).
 *
 * Everything read here comes from memory the tenant controls: lengths
 * and counts are capped, strings are bounded, and a value that does not
 * make sense ends that step with a note, never with a wrong record.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <elf.h>

#include "introspect.h"
#include "kimage.h"
#include "util.h"

#define VMCOREINFO_MAX		8192
#define MODULES_MAX		4096
#define SECTIONS_MAX		256
#define SECTION_NAME_MAX	64
#define PATH_DEPTH_MAX		32
#define PATH_MAX_LEN		1024
#define AUXV_MAX		64
#define PHDRS_MAX		64
#define NOTES_MAX		4096
#define MODULE_SYMS_MAX		(1u << 20)
#define MODULE_STRTAB_MAX	(16u << 20)
#define KSYM_NAME_LEN		512

/* Default direct-map bases, when page_offset_base is not a variable. */
#define PAGE_OFFSET_L4		0xffff888000000000ULL
#define PAGE_OFFSET_L5		0xff11000000000000ULL

enum proc_state { PROC_NEW, PROC_DONE };

struct introspect_proc {
	uint32_t pid;
	uint64_t task;
	char comm[16];
	enum proc_state state;
};

/* ---- step 1: VMCOREINFO ---- */

/* An ELF note header "VMCOREINFO" at the start of a page. */
static int find_vmcoreinfo(struct vmprof_introspect *in)
{
	static const unsigned char pattern[24] = {
		11, 0, 0, 0,  0, 0, 0, 0,  0, 0, 0, 0,
		'V', 'M', 'C', 'O', 'R', 'E', 'I', 'N', 'F', 'O', 0, 0,
	};
	static const unsigned char mask[24] = {
		0xff, 0xff, 0xff, 0xff,  0, 0, 0, 0,  0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff,
	};
	uint64_t from = 0, found;
	int r;

	while ((r = vmprof_gmem__find(&in->gm, from, pattern, mask,
				      sizeof(pattern), &found)) > 0) {
		unsigned char head[24];
		uint32_t descsz;
		char *text;
		long got;

		from = found + 4096;
		if (vmprof_gmem__read_phys(&in->gm, found, head, 24) != 24)
			continue;
		memcpy(&descsz, head + 4, 4);
		if (!descsz || descsz > VMCOREINFO_MAX)
			continue;
		text = xmalloc(descsz + 1);
		got = vmprof_gmem__read_phys(&in->gm, found + 24, text, descsz);
		if (got == (long)descsz) {
			text[descsz] = 0;
			if (!vmprof_vmcoreinfo__parse(text, descsz, &in->vci)) {
				in->vmcoreinfo = text;
				in->vmcoreinfo_len = strnlen(text, descsz);
				pr_debug("VMCOREINFO at guest-physical 0x%llx",
					 (unsigned long long)found);
				return 0;
			}
		}
		free(text);
	}
	if (r < 0) {
		if (errno == EIO)
			pr_note("the guest's memory is encrypted (SEV, SEV-ES, SEV-SNP or TDX): it cannot be read from the host; recording without guest processes or guest kernel identity");
		else if (errno == EPERM)
			pr_note("--guest-introspect reads the tenant's memory and needs CAP_SYS_ADMIN (run as root); recording without it");
		else
			pr_note("cannot read guest memory: %s; recording without guest introspection",
				strerror(errno));
		return -1;
	}
	pr_note("no VMCOREINFO note in guest memory (not a Linux guest, a kernel without CONFIG_CRASH_CORE, or still booting): recording without guest introspection");
	return -1;
}

/* ---- step 2: the kernel image ---- */

static int open_image(struct vmprof_introspect *in, const char *vmlinux)
{
	const struct vmprof_vmcoreinfo *v = &in->vci;
	char hex[2 * sizeof(v->build_id) + 1], err[512];
	const unsigned char *bid;
	int n;

	vmprof_build_id_hex(v->build_id, v->build_id_size, hex);
	if (vmlinux) {
		in->img_path = xstrdup(vmlinux);
		in->img_src = VMPROF_SYM_COMMAND_LINE;
	} else {
		in->img_path = vmprof_symfind(&in->sf, VMPROF_SYM_KERNEL,
					      v->release, v->build_id,
					      v->build_id_size, &in->img_src);
	}
	if (!in->img_path) {
		pr_note("guest kernel %s (build-id %s): no image found in the build-id cache, --guest-root or debuginfod (DEBUGINFOD_URLS); recording without guest processes (add it with 'vmprof buildid-cache --add /boot/vmlinuz-%s', or give --guest-vmlinux)",
			v->release, hex, v->release);
		return -1;
	}
	in->img = vmprof_kimage__open(in->img_path, err, sizeof(err));
	if (!in->img) {
		pr_warn("%s; recording without guest processes", err);
		return -1;
	}
	n = vmprof_kimage__build_id(in->img, &bid);
	if (v->build_id_size &&
	    (n != v->build_id_size || memcmp(bid, v->build_id, n))) {
		pr_warn("%s is not the guest's kernel (build-id differs from the guest's %s); recording without guest processes",
			in->img_path, hex);
		return -1;
	}
	if (vmprof_guest_layout__load(&in->layout, in->img, err, sizeof(err))) {
		pr_warn("%s: %s; recording without guest processes",
			in->img_path, err);
		return -1;
	}
	in->have_layout = true;
	return 0;
}

/* Runtime address of a kernel symbol: link address plus KASLR. */
static uint64_t runtime(const struct vmprof_introspect *in, uint64_t link)
{
	return link + in->vci.kaslr_offset;
}

static void find_page_offset(struct vmprof_introspect *in)
{
	uint64_t addr;

	in->page_offset_base = in->gm.la57 ? PAGE_OFFSET_L5 : PAGE_OFFSET_L4;
	if (!vmprof_kimage__find(in->img, "page_offset_base", &addr))
		vmprof_gmem__ku64(&in->gm, runtime(in, addr),
				  &in->page_offset_base);
}

int vmprof_introspect__open(struct vmprof_introspect *in, int fd, pid_t pid,
			    const struct vmprof_symfind *sf,
			    const char *vmlinux)
{
	memset(in, 0, sizeof(*in));
	in->gm.fd = fd;
	in->gm.pid = pid;
	in->sf = *sf;
	if (find_vmcoreinfo(in))
		return -1;
	in->sf.release = in->vci.release;
	in->gm.la57 = in->vci.l5 == 1;
	if (!vmprof_vmcoreinfo__kernel_cr3(&in->vci, &in->gm.kernel_cr3))
		pr_note("the guest's VMCOREINFO has no page table address: no guest modules or programs");
	if (!open_image(in, vmlinux) && in->gm.kernel_cr3)
		find_page_offset(in);
	return 0;
}

void vmprof_introspect__close(struct vmprof_introspect *in)
{
	vmprof_kimage__close(in->img);
	free(in->img_path);
	free(in->vmcoreinfo);
	free(in->procs);
	free(in->mods);
	if (in->gm.ioctls)
		pr_debug("guest introspection: %llu reads of guest memory",
			 (unsigned long long)in->gm.ioctls);
}

/* A per-CPU address as the guest uses it, %gs-relative. */
static uint64_t percpu_addr(const struct vmprof_introspect *in, uint64_t link)
{
	if (!link)
		return 0;
	return in->layout.percpu_relocated ? runtime(in, link) : link;
}

void vmprof_introspect__stacks(struct vmprof_introspect *in, uint64_t *top,
			       uint64_t *irq)
{
	*top = *irq = 0;
	if (!in->have_layout || !in->vci.have_kaslr)
		return;
	*top = percpu_addr(in, in->layout.top_of_stack);
	*irq = percpu_addr(in, in->layout.irq_stack_ptr);
}

bool vmprof_introspect__attach(struct vmprof_introspect *in,
			       struct vmprof_attach *at)
{
	const struct vmprof_guest_layout *l = &in->layout;

	if (!in->have_layout || !in->vci.have_kaslr)
		return false;
	at->flags |= VMPROF_ATTACH_GUEST_TASK;
	at->guest_current_task = l->percpu_relocated ?
				 runtime(in, l->current_task) :
				 l->current_task;
	at->guest_task_pid = l->task_pid;
	at->guest_task_tgid = l->task_tgid;
	at->guest_task_comm = l->task_comm;
	return true;
}

uint32_t vmprof_introspect__write_kernel(struct vmprof_introspect *in,
					 struct vmprof_data_writer *w,
					 uint64_t lstar, bool tasks)
{
	const struct vmprof_vmcoreinfo *v = &in->vci;
	struct vmprof_file_guest_kernel k;
	size_t rlen = strlen(v->release);
	uint64_t entry;
	char *tail;

	memset(&k, 0, sizeof(k));
	if (v->have_kaslr) {
		k.flags |= VMPROF_GUEST_KERNEL_KASLR;
		k.kaslr_offset = v->kaslr_offset;
	}
	if (v->l5 == 1)
		k.flags |= VMPROF_GUEST_KERNEL_LA57;
	if (tasks)
		k.flags |= VMPROF_GUEST_KERNEL_TASKS;
	if (lstar && v->have_kaslr && in->img &&
	    !vmprof_kimage__find(in->img, "entry_SYSCALL_64", &entry)) {
		k.lstar = lstar;
		k.flags |= runtime(in, entry) == lstar ?
			   VMPROF_GUEST_KERNEL_LSTAR_OK :
			   VMPROF_GUEST_KERNEL_LSTAR_BAD;
		if (runtime(in, entry) != lstar)
			pr_warn("the guest's LSTAR 0x%llx is not entry_SYSCALL_64 of %s moved by the KASLR offset 0x%llx from VMCOREINFO (0x%llx): the guest kernel's identity is in doubt",
				(unsigned long long)lstar, in->img_path,
				(unsigned long long)v->kaslr_offset,
				(unsigned long long)runtime(in, entry));
	}
	k.build_id_size = v->build_id_size;
	memcpy(k.build_id, v->build_id, v->build_id_size);
	k.release_len = rlen;
	k.vmcoreinfo_len = in->vmcoreinfo_len;
	tail = xmalloc(rlen + in->vmcoreinfo_len + 1);
	memcpy(tail, v->release, rlen);
	memcpy(tail + rlen, in->vmcoreinfo, in->vmcoreinfo_len);
	vmprof_writer__add(w, VMPROF_REC_GUEST_KERNEL, &k, sizeof(k), tail,
			   rlen + in->vmcoreinfo_len);
	free(tail);
	return k.flags;
}

/* ---- step 3: modules ---- */

struct section {
	uint64_t addr;
	char name[SECTION_NAME_MAX];
};

static bool layout_has_modules(const struct vmprof_guest_layout *l)
{
	return l->modules && l->mod_list != LAYOUT_NONE &&
	       l->mod_name != LAYOUT_NONE && l->mod_text_base != LAYOUT_NONE &&
	       l->mod_text_size != LAYOUT_NONE;
}

/* The sections of a module, from its sysfs attributes (sect_attrs). */
static int read_sections(struct vmprof_introspect *in, uint64_t mod,
			 struct section **out)
{
	const struct vmprof_guest_layout *l = &in->layout;
	uint64_t attrs;
	uint32_t n, i;
	unsigned char *tab;
	struct section *secs;

	*out = NULL;
	if (l->mod_sect_attrs == LAYOUT_NONE ||
	    l->sect_attr_size == LAYOUT_NONE ||
	    l->sect_attr_name == LAYOUT_NONE ||
	    l->sect_attr_address == LAYOUT_NONE ||
	    vmprof_gmem__ku64(&in->gm, mod + l->mod_sect_attrs, &attrs) ||
	    !attrs)
		return 0;
	if (l->sect_attrs_nsections != LAYOUT_NONE) {
		if (vmprof_gmem__ku32(&in->gm, attrs + l->sect_attrs_nsections,
				      &n))
			return 0;
	} else if (l->sect_attrs_bin_attrs != LAYOUT_NONE) {
		/* Count the NULL-terminated list of the entries. */
		uint64_t list, p = 1;

		if (vmprof_gmem__ku64(&in->gm, attrs + l->sect_attrs_bin_attrs,
				      &list) || !list)
			return 0;
		for (n = 0; n <= SECTIONS_MAX; n++)
			if (vmprof_gmem__ku64(&in->gm, list + 8 * n, &p) || !p)
				break;
		if (p)
			return 0;
	} else {
		return 0;
	}
	if (!n || n > SECTIONS_MAX)
		return 0;
	tab = xmalloc((size_t)n * l->sect_attr_size);
	if (vmprof_gmem__kread(&in->gm, attrs + l->sect_attrs_attrs, tab,
			       n * l->sect_attr_size)) {
		free(tab);
		return 0;
	}
	secs = xcalloc(n, sizeof(*secs));
	for (i = 0; i < n; i++) {
		const unsigned char *e = tab + (size_t)i * l->sect_attr_size;
		uint64_t name;

		memcpy(&name, e + l->sect_attr_name, 8);
		memcpy(&secs[i].addr, e + l->sect_attr_address, 8);
		if (vmprof_gmem__string(&in->gm, in->gm.kernel_cr3, name,
					secs[i].name, sizeof(secs[i].name)))
			secs[i].name[0] = 0;
	}
	free(tab);
	*out = secs;
	return n;
}

/* NT_GNU_BUILD_ID in @notes; its length, 0 if none. */
static int note_build_id(const unsigned char *notes, size_t len,
			 unsigned char *bid)
{
	size_t pos = 0;

	while (pos + 12 <= len) {
		uint32_t namesz, descsz, type;
		size_t name_pad, desc_pad;

		memcpy(&namesz, notes + pos, 4);
		memcpy(&descsz, notes + pos + 4, 4);
		memcpy(&type, notes + pos + 8, 4);
		name_pad = ((size_t)namesz + 3) & ~(size_t)3;
		desc_pad = ((size_t)descsz + 3) & ~(size_t)3;
		if (name_pad > len - pos - 12 ||
		    desc_pad > len - pos - 12 - name_pad)
			return 0;
		if (type == NT_GNU_BUILD_ID && namesz == 4 &&
		    !memcmp(notes + pos + 12, "GNU", 4) && descsz &&
		    descsz <= VMPROF_BUILD_ID_MAX) {
			memcpy(bid, notes + pos + 12 + name_pad, descsz);
			return descsz;
		}
		pos += 12 + name_pad + desc_pad;
	}
	return 0;
}

/*
 * A module's text symbols from its own symbol table in guest memory
 * (mod->kallsyms: what the guest's /proc/kallsyms prints for it), as
 * kallsyms text; NULL if it cannot be read.
 */
static char *module_symbols(struct vmprof_introspect *in, uint64_t mod,
			    const char *name, size_t *len)
{
	const struct vmprof_guest_layout *l = &in->layout;
	uint64_t mk, symtab, strtab, typetab;
	uint32_t num, i, max_name = 0;
	Elf64_Sym *syms = NULL;
	char *types = NULL, *strs = NULL, *text = NULL;
	size_t cap, used = 0, strs_len;

	*len = 0;
	if (l->mod_kallsyms == LAYOUT_NONE || l->mk_symtab == LAYOUT_NONE ||
	    l->mk_num_symtab == LAYOUT_NONE || l->mk_strtab == LAYOUT_NONE ||
	    l->mk_typetab == LAYOUT_NONE ||
	    vmprof_gmem__ku64(&in->gm, mod + l->mod_kallsyms, &mk) || !mk ||
	    vmprof_gmem__ku64(&in->gm, mk + l->mk_symtab, &symtab) ||
	    vmprof_gmem__ku32(&in->gm, mk + l->mk_num_symtab, &num) ||
	    vmprof_gmem__ku64(&in->gm, mk + l->mk_strtab, &strtab) ||
	    vmprof_gmem__ku64(&in->gm, mk + l->mk_typetab, &typetab) ||
	    !num || num > MODULE_SYMS_MAX)
		return NULL;
	syms = xmalloc((size_t)num * sizeof(*syms));
	types = xmalloc(num);
	if (vmprof_gmem__kread(&in->gm, symtab, syms, num * sizeof(*syms)) ||
	    vmprof_gmem__kread(&in->gm, typetab, types, num))
		goto out;
	for (i = 0; i < num; i++)
		if (syms[i].st_name > max_name)
			max_name = syms[i].st_name;
	if (max_name > MODULE_STRTAB_MAX)
		goto out;
	/* The strings end within a symbol name's length of the last one. */
	strs_len = max_name + KSYM_NAME_LEN;
	strs = xcalloc(1, strs_len + 1);
	if (vmprof_gmem__read_virt(&in->gm, in->gm.kernel_cr3, strtab, strs,
				   strs_len) <= (long)max_name)
		goto out;
	cap = 4096;
	text = xmalloc(cap);
	for (i = 1; i < num; i++) {
		const char *sym = strs + syms[i].st_name;
		size_t need;
		char t = types[i];

		if (syms[i].st_shndx == SHN_UNDEF || !*sym ||
		    (t != 't' && t != 'T' && t != 'w' && t != 'W'))
			continue;
		need = strnlen(sym, KSYM_NAME_LEN) + strlen(name) + 32;
		if (cap - used < need) {
			cap = 2 * cap + need;
			text = xrealloc(text, cap);
		}
		used += snprintf(text + used, cap - used, "%016llx %c %.*s\t[%s]\n",
				 (unsigned long long)syms[i].st_value, t,
				 KSYM_NAME_LEN, sym, name);
	}
	*len = used;
out:
	free(syms);
	free(types);
	free(strs);
	if (!*len) {
		free(text);
		return NULL;
	}
	return text;
}

static void write_module(struct vmprof_data_writer *w, const char *name,
			 uint64_t base, uint32_t size, const unsigned char *bid,
			 int bid_len, const struct section *secs, int nsec,
			 const char *symbols, size_t symbols_len)
{
	struct vmprof_file_guest_module m;
	struct vmprof_file_guest_section *tab;
	size_t name_len = strlen(name), name_pad = (name_len + 7) & ~7ul;
	size_t names_len = 0, tail_len, pos;
	unsigned char *tail;
	int i;

	for (i = 0; i < nsec; i++)
		names_len += strlen(secs[i].name);
	tail_len = name_pad + nsec * sizeof(*tab) + names_len + symbols_len;
	tail = xcalloc(1, tail_len + 1);
	memcpy(tail, name, name_len);
	tab = (struct vmprof_file_guest_section *)(tail + name_pad);
	pos = 0;
	for (i = 0; i < nsec; i++) {
		size_t l = strlen(secs[i].name);

		tab[i].addr = secs[i].addr;
		tab[i].name_off = pos;
		tab[i].name_len = l;
		memcpy(tail + name_pad + nsec * sizeof(*tab) + pos,
		       secs[i].name, l);
		pos += l;
	}
	memcpy(tail + name_pad + nsec * sizeof(*tab) + names_len, symbols,
	       symbols_len);
	memset(&m, 0, sizeof(m));
	m.base = base;
	m.size = size;
	m.name_len = name_len;
	m.nr_sections = nsec;
	m.names_len = names_len;
	m.symbols_len = symbols_len;
	m.build_id_size = bid_len;
	memcpy(m.build_id, bid, bid_len);
	vmprof_writer__add(w, VMPROF_REC_GUEST_MODULE, &m, sizeof(m), tail,
			   tail_len);
	free(tail);
}

struct introspect_mod {
	uint64_t base;
	char name[64];
};

/* Whether module @name at @base was written; if not, remembers it. */
/* Entries of a module's ORC tables at most: 1 MiB of them. */
#define MODULE_ORCS_MAX	(1u << 20) / 10

/*
 * The module's ORC unwind tables, for record --call-graph orc, as the
 * guest kernel keeps them once it loaded the module: sorted, in its
 * memory, each ip entry an offset from its own address.
 */
static void write_module_orc(struct vmprof_introspect *in,
			     struct vmprof_data_writer *w, uint64_t mod,
			     const char *name, uint64_t base, uint32_t size)
{
	const struct vmprof_guest_layout *l = &in->layout;
	struct vmprof_file_guest_orc o;
	size_t nl = strlen(name), ipl, orcl, tail_len;
	uint64_t ip, orc;
	unsigned char *tail;
	uint32_t nr;

	if (l->mod_num_orcs == LAYOUT_NONE || l->mod_orc_ip == LAYOUT_NONE ||
	    l->mod_orc == LAYOUT_NONE ||
	    vmprof_gmem__ku32(&in->gm, mod + l->mod_num_orcs, &nr) ||
	    vmprof_gmem__ku64(&in->gm, mod + l->mod_orc_ip, &ip) ||
	    vmprof_gmem__ku64(&in->gm, mod + l->mod_orc, &orc) ||
	    !nr || nr > MODULE_ORCS_MAX || !ip || !orc)
		return;
	ipl = ((size_t)nr * 4 + 7) & ~7UL;
	orcl = ((size_t)nr * 6 + 7) & ~7UL;
	tail_len = ((nl + 7) & ~7UL) + ipl + orcl;
	tail = xcalloc(1, tail_len);
	memcpy(tail, name, nl);
	if (vmprof_gmem__kread(&in->gm, ip, tail + ((nl + 7) & ~7UL),
			       nr * 4) ||
	    vmprof_gmem__kread(&in->gm, orc, tail + ((nl + 7) & ~7UL) + ipl,
			       nr * 6)) {
		pr_debug("guest module %s: its ORC tables could not be read",
			 name);
		free(tail);
		return;
	}
	memset(&o, 0, sizeof(o));
	o.text_start = base;
	o.text_end = base + size;
	o.ip_table = ip;
	o.pid = in->gm.pid;
	o.nr = nr;
	o.name_len = nl;
	vmprof_writer__add(w, VMPROF_REC_GUEST_ORC, &o, sizeof(o), tail,
			   tail_len);
	free(tail);
}

static bool module_seen(struct vmprof_introspect *in, const char *name,
			uint64_t base)
{
	size_t i;

	for (i = 0; i < in->nr_modules; i++)
		if (in->mods[i].base == base && !strcmp(in->mods[i].name, name))
			return true;
	if (in->nr_modules == in->cap_mods) {
		in->cap_mods = in->cap_mods ? 2 * in->cap_mods : 64;
		in->mods = xrealloc(in->mods,
				    in->cap_mods * sizeof(*in->mods));
	}
	in->mods[in->nr_modules].base = base;
	snprintf(in->mods[in->nr_modules].name,
		 sizeof(in->mods[0].name), "%s", name);
	return false;
}

void vmprof_introspect__write_modules(struct vmprof_introspect *in,
				      struct vmprof_data_writer *w,
				      bool again)
{
	const struct vmprof_guest_layout *l = &in->layout;
	uint64_t head, next;
	size_t count = 0, before = in->nr_modules;

	if (!in->have_layout || !in->gm.kernel_cr3 || !layout_has_modules(l))
		return;
	head = runtime(in, l->modules);
	if (vmprof_gmem__ku64(&in->gm, head, &next))
		goto unreadable;
	while (next != head) {
		uint64_t mod = next - l->mod_list, base = 0;
		unsigned char bid[VMPROF_BUILD_ID_MAX];
		char name[64] = "";
		struct section *secs;
		uint32_t size = 0, state = 0;
		int nsec, i, bid_len = 0;

		if (++count > MODULES_MAX)
			goto unreadable;
		if (l->mod_name_len > sizeof(name) ||
		    vmprof_gmem__kread(&in->gm, mod + l->mod_name, name,
				       l->mod_name_len) ||
		    vmprof_gmem__ku64(&in->gm, mod + l->mod_text_base, &base) ||
		    vmprof_gmem__ku32(&in->gm, mod + l->mod_text_size, &size))
			goto unreadable;
		name[sizeof(name) - 1] = 0;
		/* MODULE_STATE_UNFORMED (3): still being loaded. */
		if (l->mod_state != LAYOUT_NONE)
			vmprof_gmem__ku32(&in->gm, mod + l->mod_state, &state);
		if (state != 3 && name[0] && base &&
		    !module_seen(in, name, base)) {
			size_t symbols_len;
			char *symbols = module_symbols(in, mod, name,
						       &symbols_len);

			nsec = read_sections(in, mod, &secs);
			for (i = 0; i < nsec; i++) {
				unsigned char notes[64];

				if (strcmp(secs[i].name, ".note.gnu.build-id") ||
				    vmprof_gmem__kread(&in->gm, secs[i].addr,
						       notes, 36))
					continue;
				bid_len = note_build_id(notes, 36, bid);
			}
			write_module(w, name, base, size, bid, bid_len, secs,
				     nsec, symbols, symbols_len);
			if (in->module_orc)
				write_module_orc(in, w, mod, name, base, size);
			free(secs);
			free(symbols);
			in->nr_modules++;
		}
		if (vmprof_gmem__ku64(&in->gm, next, &next))
			goto unreadable;
	}
	pr_debug("guest modules: %zu written %s", in->nr_modules - before,
		 again ? "at the end" : "at the start");
	return;
unreadable:
	if (again) {
		pr_debug("guest modules: the list could not be read again");
		return;
	}
	pr_note("the guest's module list could not be read to its end (%zu modules read): samples in other modules will be [unknown]",
		in->nr_modules);
}

/* ---- step 4: programs ---- */

void vmprof_introspect__task(struct vmprof_introspect *in,
			     const struct vmprof_file_guest_task *t)
{
	struct introspect_proc *p;
	size_t i;

	for (i = 0; i < in->nr_procs; i++) {
		p = &in->procs[i];
		/* A new comm is a new program (exec): look again. */
		if (p->pid == t->pid && !memcmp(p->comm, t->comm, 16))
			return;
	}
	if (in->nr_procs == in->cap_procs) {
		in->cap_procs = in->cap_procs ? 2 * in->cap_procs : 64;
		in->procs = xrealloc(in->procs,
				     in->cap_procs * sizeof(*in->procs));
	}
	p = &in->procs[in->nr_procs++];
	p->pid = t->pid;
	p->task = t->task;
	memcpy(p->comm, t->comm, 16);
	p->state = PROC_NEW;
}

/* The path of a struct file, from its dentries (within its mount). */
static bool layout_has_mounts(const struct vmprof_guest_layout *l)
{
	return l->file_vfsmount != LAYOUT_NONE &&
	       l->vfsmount_root != LAYOUT_NONE && l->mount_mnt != LAYOUT_NONE &&
	       l->mount_parent != LAYOUT_NONE &&
	       l->mount_mountpoint != LAYOUT_NONE;
}

/*
 * The path of a struct file, the way d_path() builds it: up the dentries
 * to the root of their mount, then on from the mount point in the parent
 * mount, until the mount that is its own parent.  Without the mount
 * offsets, the path within the file's own file system.
 */
static int file_path(struct vmprof_introspect *in, uint64_t file, char *out,
		     size_t cap)
{
	const struct vmprof_guest_layout *l = &in->layout;
	bool mounts = layout_has_mounts(l);
	char parts[PATH_DEPTH_MAX][256];
	uint64_t d, parent, name, vfsmnt = 0, mnt = 0, root = 0;
	int n = 0, i, steps = 0;
	size_t used = 0;

	if (l->file_dentry == LAYOUT_NONE || l->dentry_parent == LAYOUT_NONE ||
	    l->dentry_name == LAYOUT_NONE ||
	    vmprof_gmem__ku64(&in->gm, file + l->file_dentry, &d))
		return -1;
	if (mounts &&
	    (vmprof_gmem__ku64(&in->gm, file + l->file_vfsmount, &vfsmnt) ||
	     vmprof_gmem__ku64(&in->gm, vfsmnt + l->vfsmount_root, &root)))
		return -1;
	mnt = vfsmnt - l->mount_mnt;
	while (n < PATH_DEPTH_MAX && steps++ < 4 * PATH_DEPTH_MAX) {
		if (mounts && d == root) {
			uint64_t up;

			if (vmprof_gmem__ku64(&in->gm, mnt + l->mount_parent,
					      &up))
				return -1;
			if (up == mnt)
				break;		/* the root mount */
			if (vmprof_gmem__ku64(&in->gm,
					      mnt + l->mount_mountpoint, &d))
				return -1;
			mnt = up;
			vfsmnt = mnt + l->mount_mnt;
			if (vmprof_gmem__ku64(&in->gm,
					      vfsmnt + l->vfsmount_root, &root))
				return -1;
			continue;
		}
		if (vmprof_gmem__ku64(&in->gm, d + l->dentry_parent, &parent) ||
		    vmprof_gmem__ku64(&in->gm, d + l->dentry_name, &name))
			return -1;
		if (parent == d)
			break;		/* the root of its file system */
		if (vmprof_gmem__string(&in->gm, in->gm.kernel_cr3, name,
					parts[n], sizeof(parts[n])))
			return -1;
		n++;
		d = parent;
	}
	if (n == PATH_DEPTH_MAX || !n)
		return -1;
	for (i = n - 1; i >= 0; i--) {
		int w = snprintf(out + used, cap - used, "/%s", parts[i]);

		if (w < 0 || (size_t)w >= cap - used)
			return -1;
		used += w;
	}
	return 0;
}

/* Load bias and build-id from the program headers at AT_PHDR. */
static void read_program(struct vmprof_introspect *in, uint64_t cr3,
			 const uint64_t *auxv, size_t nauxv,
			 struct vmprof_file_guest_exe *e)
{
	uint64_t phdr = 0, phnum = 0;
	Elf64_Phdr ph[PHDRS_MAX];
	unsigned char notes[NOTES_MAX];
	size_t i;
	bool have_bias = false;

	for (i = 0; i + 1 < nauxv && auxv[i] != AT_NULL; i += 2) {
		if (auxv[i] == AT_PHDR)
			phdr = auxv[i + 1];
		else if (auxv[i] == AT_PHNUM)
			phnum = auxv[i + 1];
	}
	if (!phdr || !phnum || phnum > PHDRS_MAX ||
	    vmprof_gmem__read_virt(&in->gm, cr3, phdr, ph,
				   phnum * sizeof(ph[0])) !=
	    (long)(phnum * sizeof(ph[0])))
		return;
	for (i = 0; i < phnum; i++) {
		if (ph[i].p_type == PT_PHDR) {
			e->bias = phdr - ph[i].p_vaddr;
			have_bias = true;
		}
	}
	/* No PT_PHDR: the headers follow the ELF header in the first load. */
	for (i = 0; i < phnum && !have_bias; i++) {
		if (ph[i].p_type == PT_LOAD && !ph[i].p_offset) {
			e->bias = phdr - sizeof(Elf64_Ehdr) - ph[i].p_vaddr;
			have_bias = true;
		}
	}
	if (!have_bias)
		return;
	e->flags |= VMPROF_GUEST_EXE_BIAS;
	for (i = 0; i < phnum; i++) {
		uint64_t len = ph[i].p_filesz;
		long got;
		int n;

		if (ph[i].p_type != PT_NOTE)
			continue;
		if (len > sizeof(notes))
			len = sizeof(notes);
		got = vmprof_gmem__read_virt(&in->gm, cr3,
					     e->bias + ph[i].p_vaddr, notes,
					     len);
		if (got <= 0)
			continue;
		n = note_build_id(notes, got, e->build_id);
		if (n) {
			e->build_id_size = n;
			return;
		}
	}
}

static void write_exe(struct vmprof_introspect *in, struct introspect_proc *p,
		      struct vmprof_data_writer *w)
{
	const struct vmprof_guest_layout *l = &in->layout;
	struct vmprof_file_guest_exe e;
	uint64_t mm, pgd, file, start, end, auxv[AUXV_MAX];
	uint32_t pid, size;
	char path[PATH_MAX_LEN];

	p->state = PROC_DONE;
	if (l->task_mm == LAYOUT_NONE || l->mm_pgd == LAYOUT_NONE ||
	    l->mm_exe_file == LAYOUT_NONE || l->mm_start_code == LAYOUT_NONE)
		return;
	/* The task may be gone and its memory reused: check it is it. */
	if (vmprof_gmem__ku32(&in->gm, p->task + l->task_tgid, &pid) ||
	    pid != p->pid ||
	    vmprof_gmem__ku64(&in->gm, p->task + l->task_mm, &mm) || !mm ||
	    vmprof_gmem__ku64(&in->gm, mm + l->mm_pgd, &pgd) ||
	    vmprof_gmem__ku64(&in->gm, mm + l->mm_exe_file, &file) || !file)
		return;
	memset(&e, 0, sizeof(e));
	e.pid = p->pid;
	if (vmprof_gmem__ku64(&in->gm, mm + l->mm_start_code, &start) ||
	    vmprof_gmem__ku64(&in->gm, mm + l->mm_end_code, &end) ||
	    end < start)
		return;
	e.start = start;
	e.end = end;
	if (file_path(in, file, path, sizeof(path)))
		return;
	size = l->mm_saved_auxv_len < sizeof(auxv) ? l->mm_saved_auxv_len :
						     sizeof(auxv);
	if (l->mm_saved_auxv != LAYOUT_NONE && size &&
	    pgd >= in->page_offset_base &&
	    !vmprof_gmem__kread(&in->gm, mm + l->mm_saved_auxv, auxv, size))
		read_program(in, pgd - in->page_offset_base, auxv, size / 8,
			     &e);
	e.path_len = strlen(path);
	vmprof_writer__add(w, VMPROF_REC_GUEST_EXE, &e, sizeof(e), path,
			   e.path_len);
}

void vmprof_introspect__write_exes(struct vmprof_introspect *in,
				   struct vmprof_data_writer *w)
{
	size_t i;

	if (!in->have_layout || !in->gm.kernel_cr3)
		return;
	for (i = 0; i < in->nr_procs; i++)
		if (in->procs[i].state == PROC_NEW)
			write_exe(in, &in->procs[i], w);
}
