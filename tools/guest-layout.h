/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMPROF_GUEST_LAYOUT_H
#define VMPROF_GUEST_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vmprof_kimage;

#define LAYOUT_NONE	UINT32_MAX	/* the field does not exist */

/*
 * Where the fields vmprof reads in guest memory are, in bytes from the
 * start of their struct, taken from the guest kernel's own BTF; and
 * where the running task is found.  A field this kernel does not have
 * is LAYOUT_NONE.
 */
struct vmprof_guest_layout {
	/* struct task_struct */
	uint32_t task_pid, task_tgid, task_comm, task_mm;
	/* struct mm_struct */
	uint32_t mm_pgd, mm_exe_file, mm_start_code, mm_end_code;
	uint32_t mm_saved_auxv, mm_saved_auxv_len;	/* bytes */
	/* struct file, struct dentry, struct qstr */
	uint32_t file_dentry;		/* f_path.dentry */
	uint32_t dentry_parent, dentry_name;	/* d_parent, d_name.name */
	/* across mounts, as d_path() goes: f_path.mnt, struct mount */
	uint32_t file_vfsmount, vfsmount_root;	/* f_path.mnt, mnt_root */
	uint32_t mount_mnt, mount_parent, mount_mountpoint;
	/* struct module: list, name, text (core_layout or mem[MOD_TEXT]) */
	uint32_t mod_list, mod_name, mod_name_len, mod_state;
	uint32_t mod_text_base, mod_text_size;
	uint32_t mod_sect_attrs;
	uint32_t mod_kallsyms;		/* struct mod_kallsyms * */
	/* struct mod_kallsyms */
	uint32_t mk_symtab, mk_num_symtab, mk_strtab, mk_typetab;
	/*
	 * struct module_sect_attrs and its entries; from 6.16 without
	 * nsections: the entries are bin_attributes that grp.bin_attrs,
	 * a NULL-terminated array of pointers, lists
	 */
	uint32_t sect_attrs_nsections, sect_attrs_attrs, sect_attrs_bin_attrs;
	uint32_t sect_attr_size, sect_attr_name, sect_attr_address;
	/*
	 * The running task: the %gs-relative address of current_task
	 * (6.1, and 6.15 on) or of pcpu_hot.current_task (6.2 to 6.14),
	 * as a link address; percpu_relocated says it moves with KASLR
	 * (6.15 on, where the per-CPU area no longer starts at 0).
	 */
	uint64_t current_task;
	bool percpu_relocated;
	/*
	 * Where the running task's kernel stack ends and the CPU's
	 * interrupt stack is (cpu_current_top_of_stack and hardirq_stack_ptr,
	 * or pcpu_hot's top_of_stack and hardirq_stack_ptr), for the copies
	 * of its stacks (record -g); link addresses as current_task, 0 if
	 * the kernel has none.
	 */
	uint64_t top_of_stack;
	uint64_t irq_stack_ptr;
	/* struct module's ORC tables: arch.num_orcs, orc_unwind_ip,
	 * orc_unwind. */
	uint32_t mod_num_orcs, mod_orc_ip, mod_orc;
	/* Link addresses of the module list head (struct list_head). */
	uint64_t modules;
};

/*
 * Fill @l from the .BTF section and the kallsyms of @img.  Returns 0, or
 * -1 with err set when something vmprof needs is missing.
 */
int vmprof_guest_layout__load(struct vmprof_guest_layout *l,
			      struct vmprof_kimage *img, char *err,
			      size_t errlen);

#endif /* VMPROF_GUEST_LAYOUT_H */
