// SPDX-License-Identifier: GPL-2.0
/*
 * icount: a QEMU TCG plugin that counts the instructions the lab host (L1)
 * executes, and where, for vmprof's bench (docs/benchmarks.md).  Wall-clock
 * times under TCG drift by more than vmprof's costs; instruction counts
 * do not.
 *
 *   qemu-system-x86_64 -accel tcg ... -plugin build/icount.so,dir=DIR
 *
 * L1 tells the plugin what to count by writing DIR/icount.ctl (replaced
 * whole, by rename), which a thread of the plugin re-reads whenever it
 * changes: modules load after boot and KASLR moves the kernel, so no
 * address can be given on the command line.  Lines:
 *
 *   range NAME START END    count instructions in [START, END) (hex) as
 *                           NAME; a name may have several ranges; where
 *                           ranges nest, the smallest one counts
 *   region NAME ADDR        a function entry: count, inclusively, every
 *                           call of it (the instructions of the function
 *                           and of everything it calls, until it returns)
 *   irqentry ADDR           an IDT entry stub: from there to its IRET, the
 *                           CPU is in an interrupt or exception
 *   switch ADDR             the context switch (__switch_to_asm)
 *   snap SEQ LABEL          write a snapshot of every counter to
 *                           DIR/icount.out, once per new SEQ
 *
 * A control file that exists when QEMU starts applies from the first
 * instruction on (its snap line is not answered); at exit, a last
 * snapshot is labelled "exit".
 *
 * What is counted, per L1 vCPU:
 *
 *   l1, l1k     every L1 instruction, those at kernel addresses
 *   l2          instructions of the nested guest (L2): TCG runs L1 and its
 *               guests on the same emulated CPU.  A VMRUN switches to L2;
 *               the #VMEXIT comes back to L1 at the instruction after it.
 *   exits       VMRUNs executed (each #VMEXIT is followed by one)
 *   wins        exit windows, from a #VMEXIT to the next VMRUN, in which
 *               the CPU did not switch tasks; swins: those in which it did
 *   wk, wu      L1 kernel and user instructions in those windows, outside
 *               interrupts: KVM's exit round trip, without what other
 *               tasks did meanwhile
 *   wirq, irq   instructions in interrupts: within those windows, and all
 *   uwins, uk, uirq  the windows among them that ran user space (the exit
 *               went to the VMM's user space: a round trip of one kind,
 *               whatever else exits meanwhile), their kernel and interrupt
 *               instructions
 *   r.NAME      instructions in NAME's ranges: all, and within the
 *               windows that ran user space, outside interrupts
 *               ("all,window")
 *   g.NAME      calls of region NAME and their instructions ("calls,insns")
 *
 * A REP string instruction counts once however many times it iterates
 * (TCG runs each iteration as a translation block of its own), as a real
 * CPU's instructions-retired counter counts it; the iterations are "rep".
 *
 * How a region knows where it ends: every executed call pushes its return
 * address on a per-vCPU shadow stack, and a translation block that starts
 * at an address on top of it pops it.  A region is entered at its
 * function's entry address, takes the top of the stack as its return
 * address (right after a call, and after a tail jump too), and ends when
 * that return address executes.  This needs no knowledge of how a
 * function returns (RET, return thunks, SRSO's safe RET).  Interrupts
 * taken inside a region do not count towards it.  A region that has not
 * returned after REGION_MAX instructions is dropped ("aborts").
 *
 * Counts are per translation block, at its start: an exception in the
 * middle of a block counts the rest of it anyway.  The plugin API does not
 * show registers (QEMU 7.2), so L2 is told from L1 only by VMRUN/#VMEXIT.
 *
 * Debian's QEMU 7.2 has plugin support but ships no qemu-plugin.h: the
 * few functions used here are declared below, as API version 1 (QEMU 7.2
 * loads plugins of versions 0 to 1) defines them.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- QEMU plugin API, version 1 (include/qemu/qemu-plugin.h of 7.2) ---- */
#define QEMU_PLUGIN_EXPORT __attribute__((visibility("default")))

typedef uint64_t qemu_plugin_id_t;

typedef struct {
	const char *target_name;
	struct {
		int min;
		int cur;
	} version;
	bool system_emulation;
	union {
		struct {
			int smp_vcpus;
			int max_vcpus;
		} system;
	};
} qemu_info_t;

struct qemu_plugin_tb;
struct qemu_plugin_insn;

enum qemu_plugin_cb_flags {
	QEMU_PLUGIN_CB_NO_REGS,
	QEMU_PLUGIN_CB_R_REGS,
	QEMU_PLUGIN_CB_RW_REGS,
};

typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t id, void *userdata);
typedef void (*qemu_plugin_vcpu_udata_cb_t)(unsigned int vcpu_index,
					    void *userdata);
typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id,
					       struct qemu_plugin_tb *tb);

void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id,
					   qemu_plugin_vcpu_tb_trans_cb_t cb);
void qemu_plugin_register_vcpu_tb_exec_cb(struct qemu_plugin_tb *tb,
					  qemu_plugin_vcpu_udata_cb_t cb,
					  enum qemu_plugin_cb_flags flags,
					  void *userdata);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id,
				    qemu_plugin_udata_cb_t cb, void *userdata);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *tb);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb,
						 size_t idx);
const void *qemu_plugin_insn_data(const struct qemu_plugin_insn *insn);
size_t qemu_plugin_insn_size(const struct qemu_plugin_insn *insn);
uint64_t qemu_plugin_insn_vaddr(const struct qemu_plugin_insn *insn);
void qemu_plugin_outs(const char *string);

QEMU_PLUGIN_EXPORT int qemu_plugin_version = 1;
QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id,
					   const qemu_info_t *info,
					   int argc, char **argv);
/* ---- end of the API ---- */

#define MAX_VCPUS	16
#define MAX_RANGES	128	/* distinct range names */
#define MAX_REGIONS	64	/* distinct region names */
#define MAX_ACTIVE	8	/* regions active at once on a vCPU */
#define SHADOW		256	/* shadow stack entries kept */
#define SHADOW_SEARCH	16	/* how deep a return may unwind at once */
#define REGION_MAX	2000000	/* a region longer than this is dropped */
#define KERNEL_START	0xffff800000000000ull
#define HASH_BITS	20

enum tb_end {
	END_OTHER,
	END_CALL,
	END_IRET,
	END_SYSRET,	/* SYSRET, SYSEXIT: back to user space */
	END_VMRUN,
};

/* One translated block, shared by retranslations of the same code. */
struct tb {
	uint64_t vaddr;
	uint64_t next;		/* address after its last instruction */
	uint64_t last;		/* address of its last instruction */
	uint32_t n;
	uint8_t end;		/* enum tb_end */
	uint8_t rep;		/* ends with a REP string instruction */
	uint8_t resume;		/* starts right after a VMRUN */
	/* What the current control file makes of it, as of generation gen. */
	uint32_t gen;
	int16_t range;
	int16_t region;
	uint8_t irqentry;
	uint8_t switches;
	struct tb *hnext;
};

struct range {
	uint64_t start, end;
	int id;
};

enum { ENTRY_IRQ = -1, ENTRY_SWITCH = -2 };

struct entry {
	uint64_t addr;
	int region;		/* a region, or ENTRY_IRQ, ENTRY_SWITCH */
};

/* What one version of the control file says. */
struct ctl {
	uint32_t gen;
	int nranges, nentries;
	struct range *ranges;
	struct entry *entries;	/* sorted by addr */
	struct ctl *older;	/* kept: a vCPU may still be reading it */
};

struct active {
	int region;
	int irq;		/* irq depth it runs at */
	uint64_t sp;		/* shadow stack depth of its return address */
	uint64_t insns;
};

struct vcpu {
	uint64_t l1, l1k, l2, rep, exits, wins, swins, wk, wu, wirq, irq;
	uint64_t uwins, uk, uirq;
	uint64_t aborts, nostack;
	uint64_t range_all[MAX_RANGES], range_win[MAX_RANGES];
	uint64_t region_calls[MAX_REGIONS], region_insns[MAX_REGIONS];
	/* the open window, committed at VMRUN if it did not switch tasks */
	uint64_t t_k, t_u, t_irq;
	uint64_t t_range[MAX_RANGES];
	int nt_ranges;
	int16_t t_touched[MAX_RANGES];
	/* state */
	bool seen, in_l2, in_win, switched;
	int irq_depth;
	uint64_t last_insn;	/* last instruction of the previous block */
	uint64_t sp;		/* shadow stack depth (entries ever pushed - popped) */
	uint64_t shadow[SHADOW];
	int nactive;
	struct active active[MAX_ACTIVE];
};

static struct vcpu vcpus[MAX_VCPUS];
static char *range_names[MAX_RANGES];
static char *region_names[MAX_REGIONS];
static int nrange_names, nregion_names;
static struct ctl *_Atomic ctl_now;
static struct ctl ctl_empty = { .gen = 1 };

static pthread_mutex_t tb_lock = PTHREAD_MUTEX_INITIALIZER;
static struct tb **tb_hash;
static uint64_t resume_at[16];
static int nresume;

static char *ctl_path, *out_path;
static FILE *out;
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t last_seq;
static volatile bool stopping;

/* ---- decoding the last instruction of a block ---- */

static bool is_prefix(uint8_t b)
{
	switch (b) {
	case 0x26: case 0x2e: case 0x36: case 0x3e: case 0x64: case 0x65:
	case 0x66: case 0x67: case 0xf0: case 0xf2: case 0xf3:
		return true;
	}
	return false;
}

static void decode_last(const uint8_t *p, size_t len, uint8_t *end,
			uint8_t *rep)
{
	size_t i = 0;
	bool repp = false;

	*end = END_OTHER;
	*rep = 0;
	while (i < len && is_prefix(p[i])) {
		if (p[i] == 0xf2 || p[i] == 0xf3)
			repp = true;
		i++;
	}
	if (i < len && (p[i] & 0xf0) == 0x40)	/* REX */
		i++;
	if (i >= len)
		return;
	switch (p[i]) {
	case 0xe8:
		*end = END_CALL;
		break;
	case 0xff:	/* call near indirect: /2; far: /3 */
		if (i + 1 < len && (((p[i + 1] >> 3) & 7) == 2 ||
				    ((p[i + 1] >> 3) & 7) == 3))
			*end = END_CALL;
		break;
	case 0xcf:
		*end = END_IRET;
		break;
	case 0x0f:
		if (i + 1 >= len)
			break;
		if (p[i + 1] == 0x07 || p[i + 1] == 0x35)
			*end = END_SYSRET;
		else if (p[i + 1] == 0x01 && i + 2 < len && p[i + 2] == 0xd8)
			*end = END_VMRUN;
		break;
	case 0x6c: case 0x6d: case 0x6e: case 0x6f:
	case 0xa4: case 0xa5: case 0xa6: case 0xa7:
	case 0xaa: case 0xab: case 0xac: case 0xad: case 0xae: case 0xaf:
		*rep = repp;
		break;
	}
}

/* ---- classification against the control file ---- */

static void classify(struct tb *tb, const struct ctl *c)
{
	uint64_t best = UINT64_MAX;
	int range = -1, region = -1, lo, hi;
	bool irqentry = false, switches = false;

	for (int i = 0; i < c->nranges; i++) {
		const struct range *r = &c->ranges[i];

		if (tb->vaddr >= r->start && tb->vaddr < r->end &&
		    r->end - r->start < best) {
			best = r->end - r->start;
			range = r->id;
		}
	}
	lo = 0;
	hi = c->nentries - 1;
	while (lo <= hi) {
		int mid = (lo + hi) / 2;

		if (c->entries[mid].addr < tb->vaddr) {
			lo = mid + 1;
		} else if (c->entries[mid].addr > tb->vaddr) {
			hi = mid - 1;
		} else {
			/* several entries may share an address */
			while (mid > 0 && c->entries[mid - 1].addr == tb->vaddr)
				mid--;
			for (; mid < c->nentries &&
			       c->entries[mid].addr == tb->vaddr; mid++) {
				if (c->entries[mid].region == ENTRY_IRQ)
					irqentry = true;
				else if (c->entries[mid].region == ENTRY_SWITCH)
					switches = true;
				else
					region = c->entries[mid].region;
			}
			break;
		}
	}
	tb->range = range;
	tb->region = region;
	tb->irqentry = irqentry;
	tb->switches = switches;
	__atomic_store_n(&tb->gen, c->gen, __ATOMIC_RELEASE);
}

/* ---- regions and the shadow stack ---- */

static void region_end(struct vcpu *v, int i, bool commit)
{
	struct active *a = &v->active[i];

	if (commit) {
		v->region_calls[a->region]++;
		v->region_insns[a->region] += a->insns;
	} else {
		v->aborts++;
	}
	memmove(a, a + 1, (v->nactive - i - 1) * sizeof(*a));
	v->nactive--;
}

static void regions_abort(struct vcpu *v)
{
	while (v->nactive)
		region_end(v, v->nactive - 1, false);
}

/* A block at a return address on the stack returns to that frame. */
static void shadow_return(struct vcpu *v, uint64_t vaddr)
{
	uint64_t depth = v->sp < SHADOW_SEARCH ? v->sp : SHADOW_SEARCH;

	for (uint64_t d = 1; d <= depth; d++) {
		if (v->shadow[(v->sp - d) % SHADOW] != vaddr)
			continue;
		v->sp -= d;
		for (int i = v->nactive - 1; i >= 0; i--)
			if (v->active[i].sp > v->sp)
				region_end(v, i, true);
		return;
	}
}

static void region_enter(struct vcpu *v, int region)
{
	for (int i = 0; i < v->nactive; i++)
		if (v->active[i].region == region)
			return;		/* recursion: counted by the outer */
	if (!v->sp) {
		v->nostack++;
		return;
	}
	if (v->nactive == MAX_ACTIVE) {
		v->aborts++;
		return;
	}
	v->active[v->nactive++] = (struct active) {
		.region = region,
		.irq = v->irq_depth,
		.sp = v->sp,
	};
}

/* ---- execution ---- */

/* At VMRUN: the window since the last #VMEXIT counts if it stayed. */
static void window_close(struct vcpu *v)
{
	bool user = !v->switched && v->t_u;

	if (!v->switched) {
		v->wins++;
		v->wk += v->t_k;
		v->wu += v->t_u;
		v->wirq += v->t_irq;
	} else {
		v->swins++;
	}
	if (user) {
		v->uwins++;
		v->uk += v->t_k;
		v->uirq += v->t_irq;
	}
	for (int i = 0; i < v->nt_ranges; i++) {
		int r = v->t_touched[i];

		if (user)
			v->range_win[r] += v->t_range[r];
		v->t_range[r] = 0;
	}
	v->nt_ranges = 0;
	v->t_k = v->t_u = v->t_irq = 0;
	v->switched = false;
}

static void tb_exec(unsigned int vi, void *udata)
{
	struct tb *tb = udata;
	struct vcpu *v = &vcpus[vi % MAX_VCPUS];
	uint64_t n = tb->n;
	const struct ctl *c;
	bool kernel;

	v->seen = true;
	if (v->in_l2) {
		if (!tb->resume) {
			v->l2 += n;
			return;
		}
		v->in_l2 = false;	/* back from a #VMEXIT */
		v->in_win = true;
		v->switched = false;
		v->last_insn = 0;
	}
	/* Another iteration of the REP instruction that ended the last block. */
	if (tb->rep && n == 1 && v->last_insn == tb->vaddr) {
		v->rep++;
		return;
	}
	v->last_insn = tb->last;
	c = __atomic_load_n(&ctl_now, __ATOMIC_ACQUIRE);
	if (__atomic_load_n(&tb->gen, __ATOMIC_ACQUIRE) != c->gen)
		classify(tb, c);

	if (v->sp)
		shadow_return(v, tb->vaddr);
	if (tb->irqentry)
		v->irq_depth++;
	if (tb->switches)
		v->switched = true;
	if (tb->region >= 0)
		region_enter(v, tb->region);

	kernel = tb->vaddr >= KERNEL_START;
	v->l1 += n;
	if (kernel)
		v->l1k += n;
	if (v->irq_depth)
		v->irq += n;
	if (v->in_win) {
		if (v->irq_depth)
			v->t_irq += n;
		else if (kernel)
			v->t_k += n;
		else
			v->t_u += n;
	}
	if (tb->range >= 0) {
		v->range_all[tb->range] += n;
		if (v->in_win && !v->irq_depth) {
			if (!v->t_range[tb->range])
				v->t_touched[v->nt_ranges++] = tb->range;
			v->t_range[tb->range] += n;
		}
	}
	for (int i = v->nactive - 1; i >= 0; i--) {
		struct active *a = &v->active[i];

		if (a->irq != v->irq_depth)
			continue;
		a->insns += n;
		if (a->insns > REGION_MAX)
			region_end(v, i, false);
	}

	switch (tb->end) {
	case END_CALL:
		v->shadow[v->sp % SHADOW] = tb->next;
		v->sp++;
		break;
	case END_IRET:
		if (v->irq_depth)
			v->irq_depth--;
		break;
	case END_SYSRET:
		v->irq_depth = 0;
		regions_abort(v);
		break;
	case END_VMRUN:
		v->exits++;
		if (v->in_win)
			window_close(v);
		v->in_l2 = true;
		v->in_win = false;
		v->irq_depth = 0;
		regions_abort(v);
		break;
	}
}

/* ---- translation ---- */

static bool is_resume(uint64_t vaddr)
{
	int n = __atomic_load_n(&nresume, __ATOMIC_ACQUIRE);

	for (int i = 0; i < n; i++)
		if (resume_at[i] == vaddr)
			return true;
	return false;
}

static void add_resume(uint64_t vaddr)
{
	if (is_resume(vaddr) || nresume == (int)(sizeof(resume_at) /
						 sizeof(resume_at[0])))
		return;
	resume_at[nresume] = vaddr;
	__atomic_store_n(&nresume, nresume + 1, __ATOMIC_RELEASE);
}

static struct tb *tb_intern(const struct tb *key)
{
	uint64_t h = (key->vaddr ^ (key->vaddr >> 17) ^
		      ((uint64_t)key->n << 7)) * 0x9e3779b97f4a7c15ull;
	struct tb **b = &tb_hash[h >> (64 - HASH_BITS)];
	struct tb *tb;

	for (tb = *b; tb; tb = tb->hnext)
		if (tb->vaddr == key->vaddr && tb->n == key->n &&
		    tb->next == key->next && tb->end == key->end &&
		    tb->rep == key->rep && tb->resume == key->resume)
			return tb;
	tb = malloc(sizeof(*tb));
	if (!tb)
		abort();
	*tb = *key;
	tb->gen = 0;
	tb->hnext = *b;
	*b = tb;
	return tb;
}

static void tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *ptb)
{
	size_t n = qemu_plugin_tb_n_insns(ptb);
	struct qemu_plugin_insn *last;
	struct tb key = { 0 }, *tb;

	if (!n)
		return;
	last = qemu_plugin_tb_get_insn(ptb, n - 1);
	key.vaddr = qemu_plugin_tb_vaddr(ptb);
	key.n = n;
	key.last = qemu_plugin_insn_vaddr(last);
	key.next = key.last + qemu_plugin_insn_size(last);
	decode_last(qemu_plugin_insn_data(last), qemu_plugin_insn_size(last),
		    &key.end, &key.rep);
	pthread_mutex_lock(&tb_lock);
	if (key.end == END_VMRUN)
		add_resume(key.next);
	key.resume = is_resume(key.vaddr);
	tb = tb_intern(&key);
	pthread_mutex_unlock(&tb_lock);
	qemu_plugin_register_vcpu_tb_exec_cb(ptb, tb_exec,
					     QEMU_PLUGIN_CB_NO_REGS, tb);
}

/* ---- the control file ---- */

static int name_id(char **names, int *n, int max, const char *name)
{
	for (int i = 0; i < *n; i++)
		if (!strcmp(names[i], name))
			return i;
	if (*n == max)
		return -1;
	names[*n] = strdup(name);
	return (*n)++;
}

static int entry_cmp(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static void snapshot(uint64_t seq, const char *label)
{
	pthread_mutex_lock(&out_lock);
	for (int i = 0; i < MAX_VCPUS; i++) {
		struct vcpu *v = &vcpus[i];

		if (!__atomic_load_n(&v->seen, __ATOMIC_RELAXED))
			continue;
#define L(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)
		fprintf(out, "snap %" PRIu64 " %s vcpu=%d l1=%" PRIu64
			" l1k=%" PRIu64 " l2=%" PRIu64 " rep=%" PRIu64
			" exits=%" PRIu64 " wins=%" PRIu64 " swins=%" PRIu64
			" wk=%" PRIu64 " wu=%" PRIu64 " wirq=%" PRIu64
			" uwins=%" PRIu64 " uk=%" PRIu64 " uirq=%" PRIu64
			" irq=%" PRIu64 " aborts=%" PRIu64 " nostack=%" PRIu64,
			seq, label, i, L(v->l1), L(v->l1k), L(v->l2), L(v->rep),
			L(v->exits), L(v->wins), L(v->swins), L(v->wk),
			L(v->wu), L(v->wirq), L(v->uwins), L(v->uk),
			L(v->uirq), L(v->irq), L(v->aborts), L(v->nostack));
		for (int r = 0; r < nrange_names; r++)
			fprintf(out, " r.%s=%" PRIu64 ",%" PRIu64,
				range_names[r], L(v->range_all[r]),
				L(v->range_win[r]));
		for (int g = 0; g < nregion_names; g++)
			fprintf(out, " g.%s=%" PRIu64 ",%" PRIu64,
				region_names[g], L(v->region_calls[g]),
				L(v->region_insns[g]));
#undef L
		fputc('\n', out);
	}
	fprintf(out, "done %" PRIu64 " %s\n", seq, label);
	fflush(out);
	pthread_mutex_unlock(&out_lock);
}

/*
 * Read the control file.  Its ranges become a new generation (blocks are
 * classified again when they next run) if they changed; a new snap line
 * is answered after that, so that a snapshot follows the ranges sent
 * with it.
 */
static void ctl_load(bool initial)
{
	static char *last_sig;
	FILE *f = fopen(ctl_path, "r");
	char *text = NULL, *sig, *line, *save;
	size_t size = 0, siglen = 0;
	struct ctl *c;
	uint64_t snap_seq = 0;
	char snap_label[256] = "";
	int cap_r = 64, cap_e = 64;

	if (!f)
		return;
	{
		FILE *m = open_memstream(&text, &size);
		char buf[65536];
		size_t got;

		while ((got = fread(buf, 1, sizeof(buf), f)) > 0)
			fwrite(buf, 1, got, m);
		fclose(m);
	}
	fclose(f);

	/* Everything but the snap line decides whether ranges changed. */
	c = calloc(1, sizeof(*c));
	c->ranges = malloc(cap_r * sizeof(*c->ranges));
	c->entries = malloc(cap_e * sizeof(*c->entries));
	sig = calloc(1, size + 1);
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char name[256], label[256];
		uint64_t a, b, seq;
		int id = -1;

		if (sscanf(line, "snap %" SCNu64 " %255s", &seq, label) == 2) {
			snap_seq = seq;
			strcpy(snap_label, label);
			continue;
		}
		siglen += sprintf(sig + siglen, "%s\n", line);
		if (sscanf(line, "range %255s %" SCNx64 " %" SCNx64, name, &a,
			   &b) == 3) {
			id = name_id(range_names, &nrange_names, MAX_RANGES, name);
			if (id < 0 || b <= a)
				continue;
			if (c->nranges == cap_r) {
				cap_r *= 2;
				c->ranges = realloc(c->ranges,
						    cap_r * sizeof(*c->ranges));
			}
			c->ranges[c->nranges++] = (struct range) { a, b, id };
			continue;
		}
		if (sscanf(line, "region %255s %" SCNx64, name, &a) == 2) {
			id = name_id(region_names, &nregion_names, MAX_REGIONS,
				     name);
			if (id < 0)
				continue;
		} else if (sscanf(line, "irqentry %" SCNx64, &a) == 1) {
			id = ENTRY_IRQ;
		} else if (sscanf(line, "switch %" SCNx64, &a) == 1) {
			id = ENTRY_SWITCH;
		} else {
			continue;
		}
		if (c->nentries == cap_e) {
			cap_e *= 2;
			c->entries = realloc(c->entries,
					     cap_e * sizeof(*c->entries));
		}
		c->entries[c->nentries++] = (struct entry) { a, id };
	}
	if (!last_sig || strcmp(last_sig, sig)) {
		struct ctl *old = ctl_now;

		qsort(c->entries, c->nentries, sizeof(*c->entries), entry_cmp);
		c->gen = old->gen + 1;
		c->older = old;
		__atomic_store_n(&ctl_now, c, __ATOMIC_RELEASE);
		free(last_sig);
		last_sig = sig;
		pthread_mutex_lock(&out_lock);
		fprintf(out, "ctl gen=%u ranges=%d entries=%d\n", c->gen,
			c->nranges, c->nentries);
		fflush(out);
		pthread_mutex_unlock(&out_lock);
	} else {
		free(c->ranges);
		free(c->entries);
		free(c);
		free(sig);
	}
	free(text);
	if (snap_seq && snap_seq != last_seq) {
		last_seq = snap_seq;
		if (!initial)
			snapshot(snap_seq, snap_label);
	}
}

static void *ctl_thread(void *arg)
{
	struct stat last = { 0 };

	(void)arg;
	while (!stopping) {
		struct stat st;
		struct timespec ts = { 0, 20 * 1000 * 1000 };

		nanosleep(&ts, NULL);
		if (stat(ctl_path, &st))
			continue;
		if (st.st_ino == last.st_ino && st.st_size == last.st_size &&
		    st.st_mtim.tv_sec == last.st_mtim.tv_sec &&
		    st.st_mtim.tv_nsec == last.st_mtim.tv_nsec)
			continue;
		last = st;
		ctl_load(false);
	}
	return NULL;
}

static void at_exit(qemu_plugin_id_t id, void *p)
{
	stopping = true;
	snapshot(UINT64_MAX, "exit");
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id,
					   const qemu_info_t *info,
					   int argc, char **argv)
{
	const char *dir = NULL;
	pthread_t thread;

	for (int i = 0; i < argc; i++)
		if (!strncmp(argv[i], "dir=", 4))
			dir = argv[i] + 4;
	if (!dir || !info->system_emulation ||
	    strcmp(info->target_name, "x86_64")) {
		qemu_plugin_outs("icount: usage: -plugin icount.so,dir=DIR "
				 "(x86_64 system emulation)\n");
		return -1;
	}
	if (asprintf(&ctl_path, "%s/icount.ctl", dir) < 0 ||
	    asprintf(&out_path, "%s/icount.out", dir) < 0)
		return -1;
	out = fopen(out_path, "w");
	tb_hash = calloc(1u << HASH_BITS, sizeof(*tb_hash));
	if (!out || !tb_hash) {
		qemu_plugin_outs("icount: cannot open the output file\n");
		return -1;
	}
	fprintf(out, "icount vcpus=%d\n", info->system.smp_vcpus);
	fflush(out);
	ctl_now = &ctl_empty;
	/* What is there already applies from the first instruction on. */
	ctl_load(true);
	qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans);
	qemu_plugin_register_atexit_cb(id, at_exit, NULL);
	if (pthread_create(&thread, NULL, ctl_thread, NULL))
		return -1;
	pthread_detach(thread);
	return 0;
}
