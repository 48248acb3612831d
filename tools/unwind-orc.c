// SPDX-License-Identifier: GPL-2.0
/*
 * ORC unwinding of guest kernel stacks in user space.
 *
 * The same walk as the guest kernel's own unwind_next_frame(), step for
 * step, with two differences: memory is only the stack copy of the
 * sample (and every read outside it ends the chain with a reason), and
 * there is no frame-pointer guess for code without ORC data (BPF, ftrace
 * trampolines): such a chain ends, it is not made up.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gelf.h>
#include <libelf.h>

#include "kimage.h"
#include "unwind-orc.h"
#include "util.h"

/* arch/x86/include/asm/orc_types.h */
#define ORC_REG_UNDEFINED	0
#define ORC_REG_PREV_SP		1
#define ORC_REG_DX		2
#define ORC_REG_DI		3
#define ORC_REG_BP		4
#define ORC_REG_SP		5
#define ORC_REG_R10		6
#define ORC_REG_R13		7
#define ORC_REG_BP_INDIRECT	8
#define ORC_REG_SP_INDIRECT	9

/* The 6.4 type values; older tables are translated to them. */
#define ORC_TYPE_UNDEFINED	0
#define ORC_TYPE_END_OF_STACK	1
#define ORC_TYPE_CALL		2
#define ORC_TYPE_REGS		3
#define ORC_TYPE_REGS_PARTIAL	4

#define ORC_ENTRY_SIZE		6

/* struct pt_regs of x86-64, in 8-byte slots. */
#define PT_R13			2
#define PT_BP			4
#define PT_R10			7
#define PT_DX			12
#define PT_DI			14
#define PT_IP			16
#define PT_CS			17
#define PT_SP			19
#define PT_REGS_SIZE		(21 * 8)
#define IRET_FRAME_OFFSET	(PT_IP * 8)
#define IRET_FRAME_SIZE		(5 * 8)

struct orc_entry {
	int16_t sp_offset;
	int16_t bp_offset;
	uint8_t sp_reg;
	uint8_t bp_reg;
	uint8_t type;		/* ORC_TYPE_* of 6.4 */
	bool signal;		/* the next IP is not a return address */
};

struct orc_table {
	char *name;
	uint64_t lo, hi;	/* code covered, runtime addresses */
	uint64_t *ip;		/* sorted */
	unsigned char *orc;	/* the entries, in the order of ip */
	size_t n;
};

struct orc_unwinder {
	struct orc_table *tables;
	size_t nr;
	bool v6_4;
};

struct orc_unwinder *orc_unwinder__new(void)
{
	return xcalloc(1, sizeof(struct orc_unwinder));
}

void orc_unwinder__delete(struct orc_unwinder *u)
{
	size_t i;

	if (!u)
		return;
	for (i = 0; i < u->nr; i++) {
		free(u->tables[i].name);
		free(u->tables[i].ip);
		free(u->tables[i].orc);
	}
	free(u->tables);
	free(u);
}

void orc_unwinder__set_format(struct orc_unwinder *u, bool v6_4)
{
	u->v6_4 = v6_4;
}

static uint16_t get_le16(const unsigned char *p)
{
	return p[0] | p[1] << 8;
}

static void decode(const struct orc_unwinder *u, const unsigned char *p,
		   struct orc_entry *e)
{
	uint16_t bits = get_le16(p + 4);

	e->sp_offset = (int16_t)get_le16(p);
	e->bp_offset = (int16_t)get_le16(p + 2);
	e->sp_reg = bits & 0xf;
	e->bp_reg = (bits >> 4) & 0xf;
	if (u->v6_4) {
		e->type = (bits >> 8) & 7;
		e->signal = bits & (1 << 11);
		return;
	}
	/*
	 * Up to 6.3: an undefined SP base means the end of the stack when
	 * the end bit is set, a blind spot otherwise; REGS frames are the
	 * ones whose next IP is where the CPU stopped.
	 */
	if (e->sp_reg == ORC_REG_UNDEFINED) {
		e->type = bits & (1 << 10) ? ORC_TYPE_END_OF_STACK :
					     ORC_TYPE_UNDEFINED;
		e->signal = false;
		return;
	}
	switch ((bits >> 8) & 3) {
	case 0:
		e->type = ORC_TYPE_CALL;
		break;
	case 1:
		e->type = ORC_TYPE_REGS;
		break;
	case 2:
		e->type = ORC_TYPE_REGS_PARTIAL;
		break;
	default:
		e->type = ORC_TYPE_UNDEFINED;
		break;
	}
	e->signal = e->type != ORC_TYPE_CALL;
}

struct orc_sort {
	uint64_t ip;
	unsigned char orc[ORC_ENTRY_SIZE];
	bool real;		/* not a section terminator */
};

/* Terminators ("weak" UNDEFINED entries) sort before a real entry at the
 * same address, so that the lookup, which takes the last, skips them. */
static int orc_sort_cmp(const void *a, const void *b)
{
	const struct orc_sort *x = a, *y = b;

	if (x->ip != y->ip)
		return x->ip < y->ip ? -1 : 1;
	return (int)x->real - (int)y->real;
}

int orc_unwinder__add(struct orc_unwinder *u, const char *name, uint64_t lo,
		      uint64_t hi, uint64_t ip_addr, const void *ip_data,
		      const void *orc_data, size_t n)
{
	const unsigned char *ipb = ip_data, *ob = orc_data;
	struct orc_sort *v;
	struct orc_table *t;
	bool sorted = true;
	size_t i;

	if (!n || hi <= lo)
		return -1;
	v = xmalloc(n * sizeof(*v));
	for (i = 0; i < n; i++) {
		int32_t rel;
		struct orc_entry e;

		memcpy(&rel, ipb + 4 * i, 4);
		v[i].ip = ip_addr + 4 * i + (int64_t)rel;
		memcpy(v[i].orc, ob + ORC_ENTRY_SIZE * i, ORC_ENTRY_SIZE);
		decode(u, v[i].orc, &e);
		v[i].real = e.type != ORC_TYPE_UNDEFINED;
		if (i && orc_sort_cmp(&v[i - 1], &v[i]) > 0)
			sorted = false;
	}
	if (!sorted)
		qsort(v, n, sizeof(*v), orc_sort_cmp);
	u->tables = xrealloc(u->tables, (u->nr + 1) * sizeof(*u->tables));
	t = &u->tables[u->nr++];
	t->name = xstrdup(name);
	t->lo = lo;
	t->hi = hi;
	t->n = n;
	t->ip = xmalloc(n * sizeof(*t->ip));
	t->orc = xmalloc(n * ORC_ENTRY_SIZE);
	for (i = 0; i < n; i++) {
		t->ip[i] = v[i].ip;
		memcpy(t->orc + ORC_ENTRY_SIZE * i, v[i].orc, ORC_ENTRY_SIZE);
	}
	free(v);
	return 0;
}

static const struct orc_table *table_of(const struct orc_unwinder *u,
					uint64_t ip)
{
	size_t i;

	for (i = 0; i < u->nr; i++)
		if (ip >= u->tables[i].lo && ip < u->tables[i].hi)
			return &u->tables[i];
	return NULL;
}

bool orc_unwinder__covers(const struct orc_unwinder *u, uint64_t ip)
{
	return table_of(u, ip) != NULL;
}

/* The last entry at or below ip, as the kernel's __orc_find(). */
static bool orc_find(const struct orc_unwinder *u, uint64_t ip,
		     struct orc_entry *e)
{
	const struct orc_table *t = table_of(u, ip);
	size_t lo = 0, hi, found;

	if (!t || t->ip[0] > ip)
		return false;
	hi = t->n;
	found = 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->ip[mid] <= ip) {
			found = mid;
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	decode(u, t->orc + ORC_ENTRY_SIZE * found, e);
	return true;
}

/* Where the registers of the current frame are. */
enum orc_regs {
	REGS_NONE,		/* a call frame: only IP, SP, BP known */
	REGS_SAMPLE,		/* the sample's own registers */
	REGS_FULL,		/* a struct pt_regs on the stack */
	REGS_IRET,		/* only its hardware (iret) frame */
};

struct orc_state {
	uint64_t ip, sp, bp;
	bool bp_known;
	bool signal;
	enum orc_regs regs, prev_regs;
	uint64_t regs_addr, prev_addr;	/* the pt_regs, for FULL */
};

static const unsigned int pt_slot_reg[] = {
	[PT_R13] = VMPROF_REG_R13,
	[PT_BP] = VMPROF_REG_BP,
	[PT_R10] = VMPROF_REG_R10,
	[PT_DX] = VMPROF_REG_DX,
	[PT_DI] = VMPROF_REG_DI,
};

static bool regs_value(const struct unwind_input *in, enum orc_regs kind,
		       uint64_t addr, unsigned int slot, uint64_t *val)
{
	unsigned int reg = pt_slot_reg[slot];

	switch (kind) {
	case REGS_SAMPLE:
		if (!unwind_input__has_reg(in, reg))
			return false;
		*val = in->regs[reg];
		return true;
	case REGS_FULL:
		return unwind_input__read(in, addr + 8 * slot, val);
	default:
		return false;
	}
}

/* The kernel's get_reg(): a register of the frame's pt_regs, or of the
 * previous full set when this frame has only an iret frame. */
static bool get_reg(const struct unwind_input *in,
		    const struct orc_state *st, unsigned int slot,
		    uint64_t *val)
{
	if (st->regs == REGS_IRET)
		return regs_value(in, st->prev_regs, st->prev_addr, slot, val);
	return regs_value(in, st->regs, st->regs_addr, slot, val);
}

static bool missing(const struct unwind_input *in, struct unwind_result *res,
		    uint64_t ip)
{
	return unwind_result__stop(res, unwind_input__missing(in), ip);
}

/* One step outwards; false when the chain ends (res->end says why). */
static bool orc_step(const struct orc_unwinder *u,
		     const struct unwind_input *in, struct orc_state *st,
		     struct unwind_result *res)
{
	uint64_t sp, prev_sp = st->sp, orig_ip = st->ip, cs, tmp;
	int prev_seg = unwind_input__seg(in, st->sp);
	struct orc_entry e;
	bool indirect = false;

	if (st->ip == 0) {
		/* A call through a NULL pointer: the caller's frame. */
		e = (struct orc_entry){ .sp_offset = 8, .sp_reg = ORC_REG_SP,
					.type = ORC_TYPE_CALL };
	} else if (!orc_find(u, st->signal ? st->ip : st->ip - 1, &e)) {
		return unwind_result__stop(res, u->nr ? UNWIND_END_NO_INFO :
					   UNWIND_END_NO_TABLES, st->ip);
	}
	if (e.type == ORC_TYPE_UNDEFINED)
		return unwind_result__stop(res, UNWIND_END_BAD_INFO, st->ip);
	if (e.type == ORC_TYPE_END_OF_STACK)
		return unwind_result__stop(res, UNWIND_END_COMPLETE, st->ip);

	switch (e.sp_reg) {
	case ORC_REG_SP:
		sp = st->sp + e.sp_offset;
		break;
	case ORC_REG_BP:
	case ORC_REG_BP_INDIRECT:
		if (!st->bp_known)
			return unwind_result__stop(res, UNWIND_END_NO_REGISTER,
						   st->ip);
		sp = st->bp + e.sp_offset;
		indirect = e.sp_reg == ORC_REG_BP_INDIRECT;
		break;
	case ORC_REG_SP_INDIRECT:
		sp = st->sp;
		indirect = true;
		break;
	case ORC_REG_R10:
	case ORC_REG_R13:
	case ORC_REG_DI:
	case ORC_REG_DX:
		if (!get_reg(in, st, e.sp_reg == ORC_REG_R10 ? PT_R10 :
				     e.sp_reg == ORC_REG_R13 ? PT_R13 :
				     e.sp_reg == ORC_REG_DI ? PT_DI : PT_DX,
			     &sp))
			return unwind_result__stop(res, UNWIND_END_NO_REGISTER,
						   st->ip);
		break;
	default:
		return unwind_result__stop(res, UNWIND_END_BAD_INFO, st->ip);
	}
	if (indirect) {
		if (!unwind_input__read(in, sp, &sp))
			return missing(in, res, st->ip);
		if (e.sp_reg == ORC_REG_SP_INDIRECT)
			sp += e.sp_offset;
	}

	switch (e.type) {
	case ORC_TYPE_CALL:
		if (!unwind_input__read(in, sp - 8, &st->ip))
			return missing(in, res, orig_ip);
		st->sp = sp;
		st->regs = REGS_NONE;
		st->prev_regs = REGS_NONE;
		break;
	case ORC_TYPE_REGS:
		if (!unwind_input__has(in, sp, PT_REGS_SIZE))
			return missing(in, res, orig_ip);
		unwind_input__read(in, sp + 8 * PT_IP, &st->ip);
		unwind_input__read(in, sp + 8 * PT_SP, &st->sp);
		st->regs = REGS_FULL;
		st->regs_addr = sp;
		st->prev_regs = REGS_NONE;
		break;
	case ORC_TYPE_REGS_PARTIAL:
		if (!unwind_input__has(in, sp, IRET_FRAME_SIZE))
			return missing(in, res, orig_ip);
		unwind_input__read(in, sp, &st->ip);
		unwind_input__read(in, sp + 8 * (PT_SP - PT_IP), &st->sp);
		if (st->regs == REGS_FULL || st->regs == REGS_SAMPLE) {
			st->prev_regs = st->regs;
			st->prev_addr = st->regs_addr;
		}
		st->regs = REGS_IRET;
		st->regs_addr = sp - IRET_FRAME_OFFSET;
		break;
	default:
		return unwind_result__stop(res, UNWIND_END_BAD_INFO, orig_ip);
	}

	switch (e.bp_reg) {
	case ORC_REG_UNDEFINED:
		if (get_reg(in, st, PT_BP, &tmp)) {
			st->bp = tmp;
			st->bp_known = true;
		}
		break;
	case ORC_REG_PREV_SP:
		if (!unwind_input__read(in, sp + e.bp_offset, &st->bp))
			return missing(in, res, orig_ip);
		st->bp_known = true;
		break;
	case ORC_REG_BP:
		if (!st->bp_known)
			return unwind_result__stop(res, UNWIND_END_NO_REGISTER,
						   orig_ip);
		if (!unwind_input__read(in, st->bp + e.bp_offset, &st->bp))
			return missing(in, res, orig_ip);
		break;
	default:
		return unwind_result__stop(res, UNWIND_END_BAD_INFO, orig_ip);
	}

	/* A loop in bad data: on one stack, frames only go up. */
	if (unwind_input__seg(in, st->sp) == prev_seg && prev_seg >= 0 &&
	    st->sp <= prev_sp)
		return unwind_result__stop(res, UNWIND_END_BAD_FRAME, orig_ip);

	st->signal = u->v6_4 ? e.signal : e.type != ORC_TYPE_CALL;
	if (st->regs == REGS_FULL || st->regs == REGS_IRET) {
		if (!unwind_input__read(in, st->regs_addr + 8 * PT_CS, &cs))
			return missing(in, res, orig_ip);
		if ((cs & 3) == 3) {
			/* Entered from user space: its IP ends the chain. */
			unwind_result__add(res, st->ip, UNWIND_FRAME_USER);
			return unwind_result__stop(res, UNWIND_END_COMPLETE,
						   st->ip);
		}
	}
	return unwind_result__add(res, st->ip, st->signal ? 0 :
				  UNWIND_FRAME_RETURN);
}

void orc_unwind(const struct orc_unwinder *u, const struct unwind_input *in,
		struct unwind_result *res)
{
	struct orc_state st = {
		.ip = in->regs[VMPROF_REG_IP],
		.sp = in->regs[VMPROF_REG_SP],
		.bp = in->regs[VMPROF_REG_BP],
		.bp_known = unwind_input__has_reg(in, VMPROF_REG_BP),
		.signal = true,
		.regs = REGS_SAMPLE,
	};

	unwind_result__init(res);
	unwind_result__add(res, st.ip, 0);
	if (!in->nr_segs) {
		unwind_result__stop(res, UNWIND_END_NO_STACK, st.ip);
		return;
	}
	while (orc_step(u, in, &st, res))
		;
}

/* ---- the tables of a kernel image ---- */

static Elf_Scn *find_section(Elf *elf, size_t shstrndx, const char *name,
			     GElf_Shdr *shdr)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(elf, scn))) {
		const char *n;

		if (!gelf_getshdr(scn, shdr))
			continue;
		n = elf_strptr(elf, shstrndx, shdr->sh_name);
		if (n && !strcmp(n, name))
			return scn;
	}
	return NULL;
}

/* The span of the image's code: its executable allocated sections. */
static void code_range(Elf *elf, uint64_t *lo, uint64_t *hi)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	*lo = UINT64_MAX;
	*hi = 0;
	while ((scn = elf_nextscn(elf, scn))) {
		if (!gelf_getshdr(scn, &sh) ||
		    (sh.sh_flags & (SHF_ALLOC | SHF_EXECINSTR)) !=
		    (SHF_ALLOC | SHF_EXECINSTR) || !sh.sh_size)
			continue;
		if (sh.sh_addr < *lo)
			*lo = sh.sh_addr;
		if (sh.sh_addr + sh.sh_size > *hi)
			*hi = sh.sh_addr + sh.sh_size;
	}
}

int orc_unwinder__load_elf(struct orc_unwinder *u, const char *path,
			   uint64_t kaslr_offset, char *err, size_t errlen)
{
	GElf_Shdr ip_sh, orc_sh, hdr_sh;
	struct vmprof_kimage *img;
	Elf_Scn *ip_scn, *orc_scn;
	Elf_Data *ip_d, *orc_d;
	size_t shstrndx, n, size;
	const void *image;
	uint64_t lo, hi;
	Elf *elf = NULL;
	int ret = -1;

	/* A vmlinuz of any compression, or a vmlinux. */
	img = vmprof_kimage__open(path, err, errlen);
	if (!img)
		return -1;
	elf_version(EV_CURRENT);
	image = vmprof_kimage__elf(img, &size);
	elf = elf_memory((char *)image, size);
	if (!elf || elf_kind(elf) != ELF_K_ELF ||
	    elf_getshdrstrndx(elf, &shstrndx)) {
		snprintf(err, errlen, "%s: not a kernel ELF or image", path);
		goto out;
	}
	ip_scn = find_section(elf, shstrndx, ".orc_unwind_ip", &ip_sh);
	orc_scn = find_section(elf, shstrndx, ".orc_unwind", &orc_sh);
	if (!ip_scn || !orc_scn) {
		snprintf(err, errlen,
			 "%s: no ORC unwind tables (.orc_unwind_ip, .orc_unwind): a kernel built without CONFIG_UNWINDER_ORC",
			 path);
		goto out;
	}
	n = ip_sh.sh_size / 4;
	ip_d = elf_getdata(ip_scn, NULL);
	orc_d = elf_getdata(orc_scn, NULL);
	if (!n || !ip_d || !orc_d || ip_d->d_size != n * 4 ||
	    orc_d->d_size != n * ORC_ENTRY_SIZE) {
		snprintf(err, errlen, "%s: ORC unwind tables of unequal sizes",
			 path);
		goto out;
	}
	u->v6_4 = find_section(elf, shstrndx, ".orc_header", &hdr_sh) != NULL;
	code_range(elf, &lo, &hi);
	ret = orc_unwinder__add(u, "vmlinux", lo + kaslr_offset,
				hi + kaslr_offset,
				ip_sh.sh_addr + kaslr_offset, ip_d->d_buf,
				orc_d->d_buf, n);
	if (ret)
		snprintf(err, errlen, "%s: no code", path);
out:
	if (elf)
		elf_end(elf);
	vmprof_kimage__close(img);
	return ret;
}
