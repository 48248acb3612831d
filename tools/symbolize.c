// SPDX-License-Identifier: GPL-2.0
/*
 * Every libdw / libdwfl / libelf call of vmprof lives here.
 *
 * Each ELF file gets its own Dwfl session with the file reported at its
 * link addresses (bias 0), so guest kernels, the VMM and its libraries
 * never overlap; callers translate runtime addresses first.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwelf.h>
#include <elfutils/libdwfl.h>
#include <gelf.h>
#include <libelf.h>

#include "symbolize.h"
#include "util.h"

struct vmprof_elf {
	Dwfl *dwfl;
	Dwfl_Module *mod;
	Dwarf_Addr low, high;	/* the module's address range */
};

static char *debuginfo_path;

static const Dwfl_Callbacks offline_callbacks = {
	.find_elf = dwfl_build_id_find_elf,
	.find_debuginfo = dwfl_standard_find_debuginfo,
	.section_address = dwfl_offline_section_address,
	.debuginfo_path = &debuginfo_path,
};

struct vmprof_elf *vmprof_elf__open(const char *path, char *err,
				    size_t errlen)
{
	struct vmprof_elf *e;
	const char *base = strrchr(path, '/');

	if (access(path, R_OK)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	e = xcalloc(1, sizeof(*e));
	e->dwfl = dwfl_begin(&offline_callbacks);
	if (!e->dwfl)
		goto fail;
	dwfl_report_begin(e->dwfl);
	/* ET_EXEC is always at its link address; ET_DYN with base 0 and
	 * add_p_vaddr gets bias 0 too. */
	e->mod = dwfl_report_elf(e->dwfl, base ? base + 1 : path, path, -1, 0,
				 true);
	if (!e->mod)
		goto fail;
	if (dwfl_report_end(e->dwfl, NULL, NULL))
		goto fail;
	dwfl_module_info(e->mod, NULL, &e->low, &e->high, NULL, NULL, NULL,
			 NULL);
	return e;
fail:
	snprintf(err, errlen, "%s: %s", path, dwfl_errmsg(-1));
	if (e->dwfl)
		dwfl_end(e->dwfl);
	free(e);
	return NULL;
}

void vmprof_elf__close(struct vmprof_elf *e)
{
	if (!e)
		return;
	dwfl_end(e->dwfl);
	free(e);
}

int vmprof_elf__build_id(struct vmprof_elf *e, const unsigned char **bid)
{
	GElf_Addr vaddr;
	int n = dwfl_module_build_id(e->mod, bid, &vaddr);

	return n > 0 ? n : 0;
}

void vmprof_elf__range(struct vmprof_elf *e, uint64_t *low, uint64_t *high)
{
	*low = e->low;
	*high = e->high;
}

int vmprof_elf__nr_symbols(struct vmprof_elf *e)
{
	int n = dwfl_module_getsymtab(e->mod);

	return n > 1 ? n - 1 : 0;
}

const char *vmprof_elf__symbol(struct vmprof_elf *e, uint64_t addr)
{
	GElf_Off off;
	GElf_Sym sym;

	if (addr < e->low || addr >= e->high)
		return NULL;
	return dwfl_module_addrinfo(e->mod, addr, &off, &sym, NULL, NULL,
				    NULL);
}

int vmprof_elf__find_symbol(struct vmprof_elf *e, const char *name,
			    uint64_t *addr)
{
	int i, n = dwfl_module_getsymtab(e->mod);

	for (i = 1; i < n; i++) {
		GElf_Sym sym;
		GElf_Addr a;
		const char *s = dwfl_module_getsym_info(e->mod, i, &sym, &a,
							NULL, NULL, NULL);
		int type = GELF_ST_TYPE(sym.st_info);

		if (!s || strcmp(s, name))
			continue;
		if (sym.st_shndx == SHN_UNDEF)
			continue;
		if (type != STT_FUNC && type != STT_NOTYPE &&
		    type != STT_OBJECT)
			continue;
		*addr = a;
		return 0;
	}
	return -1;
}

static const char *die_name(Dwarf_Die *die)
{
	Dwarf_Attribute attr;
	const char *name;

	name = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_name, &attr));
	return name;
}

int vmprof_elf__srcline(struct vmprof_elf *e, uint64_t addr, char *line,
			size_t line_len, char *inlined, size_t inl_len)
{
	Dwfl_Line *l;
	const char *file, *base;
	int lineno = 0;
	Dwarf_Addr bias;
	Dwarf_Die *cudie, *scopes = NULL;
	int i, n;
	size_t used = 0;

	line[0] = 0;
	inlined[0] = 0;
	if (addr < e->low || addr >= e->high)
		return -1;
	l = dwfl_module_getsrc(e->mod, addr);
	if (!l)
		return -1;
	file = dwfl_lineinfo(l, NULL, &lineno, NULL, NULL, NULL);
	if (!file || lineno <= 0)
		return -1;
	base = strrchr(file, '/');
	snprintf(line, line_len, "%s:%d", base ? base + 1 : file, lineno);

	cudie = dwfl_module_addrdie(e->mod, addr, &bias);
	if (!cudie)
		return 0;
	n = dwarf_getscopes(cudie, addr - bias, &scopes);
	for (i = 0; i < n; i++) {
		const char *name;
		int w;

		if (dwarf_tag(&scopes[i]) != DW_TAG_inlined_subroutine)
			continue;
		name = die_name(&scopes[i]);
		if (!name)
			continue;
		w = snprintf(inlined + used, inl_len - used, "%s%s",
			     used ? ", " : "", name);
		if (w < 0 || (size_t)w >= inl_len - used)
			break;
		used += w;
	}
	free(scopes);
	return 0;
}

int vmprof_elf__inlines(struct vmprof_elf *e, uint64_t addr,
			const char **names, int max)
{
	Dwarf_Die *cudie, *scopes = NULL;
	Dwarf_Addr bias;
	int i, n, nr = 0;

	if (addr < e->low || addr >= e->high)
		return 0;
	cudie = dwfl_module_addrdie(e->mod, addr, &bias);
	if (!cudie)
		return 0;
	n = dwarf_getscopes(cudie, addr - bias, &scopes);
	for (i = 0; i < n && nr < max; i++) {
		const char *name;

		if (dwarf_tag(&scopes[i]) != DW_TAG_inlined_subroutine)
			continue;
		name = die_name(&scopes[i]);
		if (name)
			names[nr++] = name;
	}
	free(scopes);
	return nr;
}

bool vmprof_elf__is_code(struct vmprof_elf *e, uint64_t addr)
{
	GElf_Addr bias;
	Elf *elf = dwfl_module_getelf(e->mod, &bias);
	Elf_Scn *scn = NULL;

	if (!elf)
		return false;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr mem, *sh = gelf_getshdr(scn, &mem);

		if (sh && (sh->sh_flags & SHF_EXECINSTR) &&
		    (sh->sh_flags & SHF_ALLOC) && sh->sh_type != SHT_NOBITS &&
		    addr - (sh->sh_addr + bias) < sh->sh_size)
			return true;
	}
	return false;
}

int vmprof_elf__section_addr(struct vmprof_elf *e, const char *name,
			     uint64_t *addr)
{
	GElf_Addr bias;
	Elf *elf = dwfl_module_getelf(e->mod, &bias);
	Elf_Scn *scn = NULL;
	size_t shstrndx;

	if (!elf || elf_getshdrstrndx(elf, &shstrndx))
		return -1;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr mem, *sh = gelf_getshdr(scn, &mem);
		const char *n = sh ? elf_strptr(elf, shstrndx, sh->sh_name) :
				     NULL;

		if (n && !strcmp(n, name)) {
			*addr = sh->sh_addr + bias;
			return 0;
		}
	}
	return -1;
}

int vmprof_elf__offset_to_vaddr(struct vmprof_elf *e, uint64_t off,
				uint64_t *vaddr)
{
	GElf_Addr bias;
	Elf *elf = dwfl_module_getelf(e->mod, &bias);
	size_t i, n;

	if (!elf || elf_getphdrnum(elf, &n))
		return -1;
	for (i = 0; i < n; i++) {
		GElf_Phdr mem, *ph = gelf_getphdr(elf, i, &mem);

		if (!ph || ph->p_type != PT_LOAD)
			continue;
		if (off >= ph->p_offset && off < ph->p_offset + ph->p_filesz) {
			*vaddr = off - ph->p_offset + ph->p_vaddr + bias;
			return 0;
		}
	}
	return -1;
}

int vmprof_elf__read_build_id(const char *path, unsigned char *buf,
			      size_t cap)
{
	const void *id;
	ssize_t n;
	Elf *elf;
	int fd;

	elf_version(EV_CURRENT);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF) {
		if (elf)
			elf_end(elf);
		close(fd);
		return -1;
	}
	n = dwelf_elf_gnu_build_id(elf, &id);
	if (n > (ssize_t)cap)
		n = cap;
	if (n > 0)
		memcpy(buf, id, n);
	elf_end(elf);
	close(fd);
	return n > 0 ? n : 0;
}
