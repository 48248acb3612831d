// SPDX-License-Identifier: GPL-2.0
/*
 * Struct offsets of a guest kernel, from its BTF (libbpf), and where its
 * running task is (its kallsyms).  This is what lets vmprof read a guest
 * it was never told about: the offsets come from the very kernel the
 * guest runs, not from a table of known versions.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>

#include "guest-layout.h"
#include "kimage.h"
#include "util.h"

struct field {
	uint32_t offset;
	uint32_t size;
};

/*
 * Find member @name of composite type @id, looking into anonymous
 * structs and unions (task_struct and mm_struct keep most fields in
 * one).  Sets *off (bytes) and *type.
 */
static bool find_member(const struct btf *btf, __u32 id, const char *name,
			size_t name_len, uint32_t *off, __u32 *type)
{
	const struct btf_type *t;
	const struct btf_member *m;
	int i, n;

	id = btf__resolve_type(btf, id);
	t = btf__type_by_id(btf, id);
	if (!t || !btf_is_composite(t))
		return false;
	m = btf_members(t);
	n = btf_vlen(t);
	for (i = 0; i < n; i++, m++) {
		const char *mn = btf__name_by_offset(btf, m->name_off);
		uint32_t bits = btf_member_bit_offset(t, i);
		uint32_t inner;

		if (bits % 8)
			continue;	/* a bit field: never one of ours */
		if (mn && *mn) {
			if (strlen(mn) == name_len &&
			    !strncmp(mn, name, name_len)) {
				*off = bits / 8;
				*type = m->type;
				return true;
			}
			continue;
		}
		if (find_member(btf, m->type, name, name_len, &inner, type)) {
			*off = bits / 8 + inner;
			return true;
		}
	}
	return false;
}

/*
 * Offset and size of a field path in struct @sname: "pid",
 * "core_layout.base", "mem[0].size", "f_path.dentry".
 */
static bool field_of(const struct btf *btf, const char *sname,
		     const char *path, struct field *f)
{
	__s32 id = btf__find_by_name_kind(btf, sname, BTF_KIND_STRUCT);
	uint32_t total = 0;
	__u32 type;
	const char *p = path;

	if (id < 0)
		return false;
	type = id;
	while (*p) {
		size_t len = strcspn(p, ".[");
		uint32_t off;

		if (!find_member(btf, type, p, len, &off, &type))
			return false;
		total += off;
		p += len;
		if (*p == '[') {
			const struct btf_type *t;
			unsigned long idx = strtoul(p + 1, (char **)&p, 10);
			__s64 esize;

			t = btf__type_by_id(btf, btf__resolve_type(btf, type));
			if (!t || !btf_is_array(t) || *p != ']' ||
			    idx >= btf_array(t)->nelems)
				return false;
			type = btf_array(t)->type;
			esize = btf__resolve_size(btf, type);
			if (esize < 0)
				return false;
			total += idx * esize;
			p++;
		}
		if (*p == '.')
			p++;
	}
	{
		__s64 size = btf__resolve_size(btf, type);

		if (size < 0)
			return false;
		f->size = size;
	}
	f->offset = total;
	return true;
}

static uint32_t off_or_none(const struct btf *btf, const char *sname,
			    const char *path)
{
	struct field f;

	return field_of(btf, sname, path, &f) ? f.offset : LAYOUT_NONE;
}

static int struct_size(const struct btf *btf, const char *sname)
{
	__s32 id = btf__find_by_name_kind(btf, sname, BTF_KIND_STRUCT);

	return id < 0 ? -1 : (int)btf__resolve_size(btf, id);
}

static void load_modules(const struct btf *btf, struct vmprof_guest_layout *l)
{
	struct field f;
	int size;

	l->mod_list = off_or_none(btf, "module", "list");
	l->mod_state = off_or_none(btf, "module", "state");
	l->mod_name_len = 0;
	if (field_of(btf, "module", "name", &f)) {
		l->mod_name = f.offset;
		l->mod_name_len = f.size;
	} else {
		l->mod_name = LAYOUT_NONE;
	}
	/* 6.4 replaced core_layout by mem[], MOD_TEXT being mem[0]. */
	l->mod_text_base = off_or_none(btf, "module", "core_layout.base");
	l->mod_text_size = off_or_none(btf, "module",
				       "core_layout.text_size");
	if (l->mod_text_base == LAYOUT_NONE) {
		l->mod_text_base = off_or_none(btf, "module", "mem[0].base");
		l->mod_text_size = off_or_none(btf, "module", "mem[0].size");
	}
	l->mod_sect_attrs = off_or_none(btf, "module", "sect_attrs");
	l->mod_kallsyms = off_or_none(btf, "module", "kallsyms");
	l->mk_symtab = off_or_none(btf, "mod_kallsyms", "symtab");
	l->mk_num_symtab = off_or_none(btf, "mod_kallsyms", "num_symtab");
	l->mk_strtab = off_or_none(btf, "mod_kallsyms", "strtab");
	l->mk_typetab = off_or_none(btf, "mod_kallsyms", "typetab");
	l->sect_attrs_nsections = off_or_none(btf, "module_sect_attrs",
					      "nsections");
	l->sect_attrs_attrs = off_or_none(btf, "module_sect_attrs", "attrs");
	l->sect_attrs_bin_attrs = off_or_none(btf, "module_sect_attrs",
					      "grp.bin_attrs");
	size = struct_size(btf, "module_sect_attr");
	if (size > 0) {
		l->sect_attr_size = (uint32_t)size;
		l->sect_attr_name = off_or_none(btf, "module_sect_attr",
						"battr.attr.name");
		/* Later 6.x keep the address in battr.private instead. */
		l->sect_attr_address = off_or_none(btf, "module_sect_attr",
						   "address");
		if (l->sect_attr_address == LAYOUT_NONE)
			l->sect_attr_address = off_or_none(
				btf, "module_sect_attr", "battr.private");
		return;
	}
	/* No struct module_sect_attr (6.16 on): bin_attributes. */
	size = struct_size(btf, "bin_attribute");
	l->sect_attr_size = size > 0 ? (uint32_t)size : LAYOUT_NONE;
	l->sect_attr_name = off_or_none(btf, "bin_attribute", "attr.name");
	l->sect_attr_address = off_or_none(btf, "bin_attribute", "private");
}

static int load_current_task(const struct btf *btf,
			     struct vmprof_guest_layout *l,
			     struct vmprof_kimage *img)
{
	uint64_t addr;
	uint32_t off;

	if (!vmprof_kimage__find(img, "current_task", &addr)) {
		l->current_task = addr;
	} else if (!vmprof_kimage__find(img, "pcpu_hot", &addr) &&
		   (off = off_or_none(btf, "pcpu_hot", "current_task")) !=
		   LAYOUT_NONE) {
		l->current_task = addr + off;
	} else {
		return -1;
	}
	/* Zero-based per-CPU symbols are small; 6.15's are kernel ones. */
	l->percpu_relocated = l->current_task >= 0xffffffff80000000ULL;
	return 0;
}

/* A per-CPU variable of its own, or the field of pcpu_hot it became. */
static uint64_t percpu_var(const struct btf *btf, struct vmprof_kimage *img,
			   const char *var, const char *hot_field)
{
	uint64_t addr;
	uint32_t off;

	if (!vmprof_kimage__find(img, var, &addr))
		return addr;
	if (!vmprof_kimage__find(img, "pcpu_hot", &addr) &&
	    (off = off_or_none(btf, "pcpu_hot", hot_field)) != LAYOUT_NONE)
		return addr + off;
	return 0;
}

int vmprof_guest_layout__load(struct vmprof_guest_layout *l,
			      struct vmprof_kimage *img, char *err,
			      size_t errlen)
{
	const struct vmprof_kimage_sym *syms;
	const void *data;
	struct btf *btf;
	struct field f;
	size_t size;
	int ret = -1;

	memset(l, 0xff, sizeof(*l));
	l->percpu_relocated = false;
	l->current_task = 0;
	l->top_of_stack = 0;
	l->irq_stack_ptr = 0;
	l->modules = 0;
	if (vmprof_kimage__section(img, ".BTF", &data, &size, NULL)) {
		snprintf(err, errlen,
			 "the guest kernel has no .BTF section (built without CONFIG_DEBUG_INFO_BTF)");
		return -1;
	}
	if (vmprof_kimage__kallsyms(img, &syms, err, errlen) < 0)
		return -1;
	btf = btf__new(data, size);
	if (!btf) {
		snprintf(err, errlen, "the guest kernel's .BTF does not parse");
		return -1;
	}
	l->task_pid = off_or_none(btf, "task_struct", "pid");
	l->task_tgid = off_or_none(btf, "task_struct", "tgid");
	l->task_comm = off_or_none(btf, "task_struct", "comm");
	l->task_mm = off_or_none(btf, "task_struct", "mm");
	l->mm_pgd = off_or_none(btf, "mm_struct", "pgd");
	l->mm_exe_file = off_or_none(btf, "mm_struct", "exe_file");
	l->mm_start_code = off_or_none(btf, "mm_struct", "start_code");
	l->mm_end_code = off_or_none(btf, "mm_struct", "end_code");
	if (field_of(btf, "mm_struct", "saved_auxv", &f)) {
		l->mm_saved_auxv = f.offset;
		l->mm_saved_auxv_len = f.size;
	} else {
		l->mm_saved_auxv = LAYOUT_NONE;
		l->mm_saved_auxv_len = 0;
	}
	l->file_dentry = off_or_none(btf, "file", "f_path.dentry");
	l->dentry_parent = off_or_none(btf, "dentry", "d_parent");
	l->dentry_name = off_or_none(btf, "dentry", "d_name.name");
	l->file_vfsmount = off_or_none(btf, "file", "f_path.mnt");
	l->vfsmount_root = off_or_none(btf, "vfsmount", "mnt_root");
	l->mount_mnt = off_or_none(btf, "mount", "mnt");
	l->mount_parent = off_or_none(btf, "mount", "mnt_parent");
	l->mount_mountpoint = off_or_none(btf, "mount", "mnt_mountpoint");
	load_modules(btf, l);
	l->mod_num_orcs = off_or_none(btf, "module", "arch.num_orcs");
	l->mod_orc_ip = off_or_none(btf, "module", "arch.orc_unwind_ip");
	l->mod_orc = off_or_none(btf, "module", "arch.orc_unwind");
	l->top_of_stack = percpu_var(btf, img, "cpu_current_top_of_stack",
				     "top_of_stack");
	l->irq_stack_ptr = percpu_var(btf, img, "hardirq_stack_ptr",
				      "hardirq_stack_ptr");
	if (vmprof_kimage__find(img, "modules", &l->modules))
		l->modules = 0;
	if (l->task_pid == LAYOUT_NONE || l->task_tgid == LAYOUT_NONE ||
	    l->task_comm == LAYOUT_NONE) {
		snprintf(err, errlen,
			 "the guest kernel's BTF has no task_struct pid, tgid or comm");
		goto out;
	}
	if (load_current_task(btf, l, img)) {
		snprintf(err, errlen,
			 "the guest kernel has neither current_task nor pcpu_hot in its kallsyms");
		goto out;
	}
	ret = 0;
out:
	btf__free(btf);
	return ret;
}
