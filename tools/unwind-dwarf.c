// SPDX-License-Identifier: GPL-2.0
/*
 * DWARF CFI unwinding of a guest stack copy with libdwfl.
 *
 * The image is reported as a module at its runtime addresses (libdwfl
 * treats a Linux kernel that does not sit at its link address as the
 * relocatable image it is), the sample as the one thread of a process
 * whose memory is the stack copy and whose registers are the captured
 * ones.  libdwfl reads nothing else: a frame whose CFI needs memory that
 * was not copied ends the chain, and says so.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <elfutils/libdwfl.h>
#include <gelf.h>
#include <libelf.h>

#include "unwind-dwarf.h"
#include "util.h"

struct dwarf_unwinder {
	Dwfl *dwfl;
	char *path;
	bool attached;
	/* The sample being unwound, for the callbacks. */
	const struct unwind_input *in;
	struct unwind_result *res;
	bool read_failed;
	uint64_t failed_addr;
};

static char *debuginfo_path;

static int find_elf(Dwfl_Module *mod __maybe_unused, void **userdata,
		    const char *modname __maybe_unused,
		    Dwarf_Addr base __maybe_unused, char **file_name,
		    Elf **elfp)
{
	struct dwarf_unwinder *u = *userdata;
	int fd = open(u->path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	*file_name = xstrdup(u->path);
	*elfp = NULL;
	return fd;
}

static const Dwfl_Callbacks unwind_callbacks = {
	.find_elf = find_elf,
	.find_debuginfo = dwfl_standard_find_debuginfo,
	.debuginfo_path = &debuginfo_path,
};

/* perf's register numbers to DWARF's for x86-64 (SysV psABI). */
static const int dwarf_regno[VMPROF_REG_NR] = {
	[VMPROF_REG_AX] = 0, [VMPROF_REG_DX] = 1, [VMPROF_REG_CX] = 2,
	[VMPROF_REG_BX] = 3, [VMPROF_REG_SI] = 4, [VMPROF_REG_DI] = 5,
	[VMPROF_REG_BP] = 6, [VMPROF_REG_SP] = 7,
	[VMPROF_REG_R8] = 8, [VMPROF_REG_R9] = 9, [VMPROF_REG_R10] = 10,
	[VMPROF_REG_R11] = 11, [VMPROF_REG_R12] = 12, [VMPROF_REG_R13] = 13,
	[VMPROF_REG_R14] = 14, [VMPROF_REG_R15] = 15,
	[VMPROF_REG_IP] = -1, [VMPROF_REG_FLAGS] = -1,
	[10] = -1, [11] = -1, [12] = -1, [13] = -1, [14] = -1, [15] = -1,
};

static pid_t next_thread(Dwfl *dwfl __maybe_unused, void *dwfl_arg,
			 void **thread_argp)
{
	if (*thread_argp)
		return 0;
	*thread_argp = dwfl_arg;
	return 1;
}

static bool memory_read(Dwfl *dwfl __maybe_unused, Dwarf_Addr addr,
			Dwarf_Word *result, void *dwfl_arg)
{
	struct dwarf_unwinder *u = dwfl_arg;
	uint64_t v;

	if (!unwind_input__read(u->in, addr, &v)) {
		u->read_failed = true;
		u->failed_addr = addr;
		return false;
	}
	*result = v;
	return true;
}

static bool set_initial_registers(Dwfl_Thread *thread, void *thread_arg)
{
	struct dwarf_unwinder *u = thread_arg;
	const struct unwind_input *in = u->in;
	unsigned int r;

	for (r = 0; r < VMPROF_REG_NR; r++) {
		Dwarf_Word w = in->regs[r];

		if (dwarf_regno[r] < 0 || !unwind_input__has_reg(in, r))
			continue;
		if (!dwfl_thread_state_registers(thread, dwarf_regno[r], 1,
						 &w))
			return false;
	}
	dwfl_thread_state_register_pc(thread, in->regs[VMPROF_REG_IP]);
	return true;
}

static const Dwfl_Thread_Callbacks thread_callbacks = {
	.next_thread = next_thread,
	.memory_read = memory_read,
	.set_initial_registers = set_initial_registers,
};

/* The link-address span of the image's loadable segments. */
static int load_range(const char *path, uint64_t *lo, uint64_t *hi,
		      char *err, size_t errlen)
{
	size_t i, n;
	Elf *elf;
	int fd;

	elf_version(EV_CURRENT);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	*lo = UINT64_MAX;
	*hi = 0;
	if (elf && elf_kind(elf) == ELF_K_ELF && !elf_getphdrnum(elf, &n)) {
		for (i = 0; i < n; i++) {
			GElf_Phdr mem, *ph = gelf_getphdr(elf, i, &mem);

			if (!ph || ph->p_type != PT_LOAD || !ph->p_memsz)
				continue;
			if (ph->p_vaddr < *lo)
				*lo = ph->p_vaddr;
			if (ph->p_vaddr + ph->p_memsz > *hi)
				*hi = ph->p_vaddr + ph->p_memsz;
		}
	}
	if (elf)
		elf_end(elf);
	close(fd);
	if (*hi <= *lo) {
		snprintf(err, errlen, "%s: not an ELF with loadable code",
			 path);
		return -1;
	}
	return 0;
}

struct dwarf_unwinder *dwarf_unwinder__new(const char *path, uint64_t bias,
					   char *err, size_t errlen)
{
	struct dwarf_unwinder *u;
	Dwfl_Module *mod;
	uint64_t lo, hi;
	void **ud;
	const char *base = strrchr(path, '/');

	if (load_range(path, &lo, &hi, err, errlen))
		return NULL;
	u = xcalloc(1, sizeof(*u));
	u->path = xstrdup(path);
	u->dwfl = dwfl_begin(&unwind_callbacks);
	if (!u->dwfl)
		goto fail;
	dwfl_report_begin(u->dwfl);
	mod = dwfl_report_module(u->dwfl, base ? base + 1 : path, lo + bias,
				 hi + bias);
	if (!mod || dwfl_report_end(u->dwfl, NULL, NULL))
		goto fail;
	/* find_elf gets the unwinder through the module's userdata. */
	dwfl_module_info(mod, &ud, NULL, NULL, NULL, NULL, NULL, NULL);
	*ud = u;
	if (!dwfl_attach_state(u->dwfl, NULL, 1, &thread_callbacks, u))
		goto fail;
	u->attached = true;
	return u;
fail:
	snprintf(err, errlen, "%s: %s", path, dwfl_errmsg(-1));
	dwarf_unwinder__delete(u);
	return NULL;
}

void dwarf_unwinder__delete(struct dwarf_unwinder *u)
{
	if (!u)
		return;
	if (u->dwfl)
		dwfl_end(u->dwfl);
	free(u->path);
	free(u);
}

static int frame_cb(Dwfl_Frame *frame, void *arg)
{
	struct dwarf_unwinder *u = arg;
	uint32_t flags = u->in->user ? UNWIND_FRAME_USER : 0;
	Dwarf_Addr pc;
	bool activation;

	if (!dwfl_frame_pc(frame, &pc, &activation))
		return DWARF_CB_ABORT;
	if (!activation)
		flags |= UNWIND_FRAME_RETURN;
	return unwind_result__add(u->res, pc, flags) ? DWARF_CB_OK :
						       DWARF_CB_ABORT;
}

void dwarf_unwind(struct dwarf_unwinder *u, const struct unwind_input *in,
		  struct unwind_result *res)
{
	uint64_t ip = in->regs[VMPROF_REG_IP];
	int ret;

	unwind_result__init(res);
	if (!in->nr_segs) {
		unwind_result__add(res, ip, in->user ? UNWIND_FRAME_USER : 0);
		unwind_result__stop(res, UNWIND_END_NO_STACK, ip);
		return;
	}
	u->in = in;
	u->res = res;
	u->read_failed = false;
	ret = dwfl_getthread_frames(u->dwfl, 1, frame_cb, u);
	if (!res->nr)
		unwind_result__add(res, ip, in->user ? UNWIND_FRAME_USER : 0);
	if (res->end == UNWIND_END_DEPTH || ret == 0)
		return;
	if (u->read_failed)
		unwind_result__stop(res, unwind_input__missing(in),
				    res->frame[res->nr - 1].ip);
	else
		unwind_result__stop(res, UNWIND_END_NO_INFO,
				    res->frame[res->nr - 1].ip);
	pr_debug("dwarf unwind ended at 0x%llx: %s",
		 (unsigned long long)res->frame[res->nr - 1].ip,
		 dwfl_errmsg(-1));
}
