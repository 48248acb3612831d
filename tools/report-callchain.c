// SPDX-License-Identifier: GPL-2.0
/*
 * vmprof report: unwinding the guest stacks of a recording into call
 * chains (report-callchain.h).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "hashmap.h"
#include "report-callchain.h"
#include "symbolize.h"
#include "unwind-dwarf.h"
#include "unwind-fp.h"
#include "unwind-orc.h"
#include "util.h"

/* The unwinders of one VM's guest kernel, made at its first stack. */
struct cc_vm {
	uint32_t pid;
	struct orc_unwinder *orc;
	struct dwarf_unwinder *dwarf;
};

/* A frame's function and what is inlined there, once per address. */
struct frame_cache_entry {
	uint64_t addr;		/* the address looked up */
	uint32_t vm;
	uint32_t pad;
	struct vmprof_resolved res;
	const char *inlines[REPORT_FRAME_INLINES];
	int nr_inlines;
};

/* The index entry of a chain: its frames are those of chains[id]. */
/* A guest module's ORC tables (GUEST_ORC records). */
struct cc_module_orc {
	struct vmprof_file_guest_orc hdr;
	char *name;
	void *ip, *orc;
};

struct chain_entry {
	const struct unwind_frame *frame;
	uint32_t nr;
	uint32_t vm;
	uint16_t end;
	uint16_t cut;
	uint32_t id;
};

/* A sample waiting for the KASLR offset, with its stack. */
struct cc_deferred {
	struct vmprof_file_sample s;
	struct unwind_input in;
	struct unwind_seg segs[VMPROF_STACK_SEGS_MAX];
	unsigned char data[];
};

/* Bytes of stacks kept waiting at most. */
#define CC_DEFER_MAX	(256u << 20)

struct report_callchains {
	/* The stack of the next sample. */
	bool pending;
	struct unwind_input in;
	struct unwind_seg segs[VMPROF_STACK_SEGS_MAX];
	unsigned char *buf;
	size_t buf_cap;

	struct cc_vm *vms;
	size_t nr_vms;
	struct cc_module_orc *mods;
	size_t nr_mods;

	/* Distinct chains; [0] stands for none. */
	struct report_chain *chains;
	size_t nr_chains, cap_chains;
	struct hashmap index;	/* of struct chain_entry */
	struct hashmap frames;	/* of struct frame_cache_entry */

	struct cc_deferred **deferred;
	size_t nr_deferred, deferred_bytes;
	bool replaying;		/* no more waiting */

	struct report_unwind_stats stats[STACK_CLASS__MAX];
	struct report_unwind_stats stats_again;	/* not shown */
	struct unwind_result res;	/* scratch, 3 KiB */
};

static bool chain_eq(const void *entry, const void *key)
{
	const struct chain_entry *a = entry;
	const struct report_chain *b = key;

	return a->vm == b->vm && a->end == b->end && a->cut == b->cut &&
	       a->nr == b->nr &&
	       !memcmp(a->frame, b->frame, a->nr * sizeof(*a->frame));
}

static bool frame_cache_eq(const void *entry, const void *key)
{
	const struct frame_cache_entry *a = entry, *b = key;

	return a->addr == b->addr && a->vm == b->vm;
}

struct report_callchains *report_callchains__new(void)
{
	struct report_callchains *cc = xcalloc(1, sizeof(*cc));

	hashmap__init(&cc->index, sizeof(struct chain_entry), chain_eq);
	hashmap__init(&cc->frames, sizeof(struct frame_cache_entry),
		      frame_cache_eq);
	cc->nr_chains = 1;
	cc->cap_chains = 64;
	cc->chains = xcalloc(cc->cap_chains, sizeof(*cc->chains));
	return cc;
}

void report_callchains__delete(struct report_callchains *cc)
{
	size_t i;

	if (!cc)
		return;
	for (i = 0; i < cc->nr_vms; i++) {
		orc_unwinder__delete(cc->vms[i].orc);
		dwarf_unwinder__delete(cc->vms[i].dwarf);
	}
	free(cc->vms);
	for (i = 0; i < cc->nr_mods; i++) {
		free(cc->mods[i].name);
		free(cc->mods[i].ip);
		free(cc->mods[i].orc);
	}
	free(cc->mods);
	for (i = 0; i < cc->nr_deferred; i++)
		free(cc->deferred[i]);
	free(cc->deferred);
	for (i = 1; i < cc->nr_chains; i++)
		free(cc->chains[i].frame);
	free(cc->chains);
	hashmap__exit(&cc->index);
	hashmap__exit(&cc->frames);
	free(cc->buf);
	free(cc);
}

static void add_module_orc(struct orc_unwinder *u,
			   const struct cc_module_orc *m)
{
	if (orc_unwinder__add(u, m->name, m->hdr.text_start, m->hdr.text_end,
			      m->hdr.ip_table, m->ip, m->orc, m->hdr.nr))
		pr_debug("guest module %s: ORC tables not usable", m->name);
}

void report_callchains__orc(struct report *rep,
			    const struct vmprof_file_guest_orc *o,
			    const char *name, const void *ip,
			    const void *orc)
{
	struct report_callchains *cc = rep->cc;
	struct cc_module_orc *m;
	size_t i;

	if (!cc)
		return;
	/* Read again (perf-script's second pass over the file). */
	for (i = 0; i < cc->nr_mods; i++)
		if (!memcmp(&cc->mods[i].hdr, o, sizeof(*o)) &&
		    !strncmp(cc->mods[i].name, name, o->name_len))
			return;
	cc->mods = xrealloc(cc->mods, (cc->nr_mods + 1) * sizeof(*cc->mods));
	m = &cc->mods[cc->nr_mods++];
	m->hdr = *o;
	m->name = xstrndup(name, o->name_len);
	m->ip = xmalloc(o->nr * 4 + 1);
	memcpy(m->ip, ip, o->nr * 4);
	m->orc = xmalloc(o->nr * 6 + 1);
	memcpy(m->orc, orc, o->nr * 6);
	/* A module loaded after unwinding began. */
	for (i = 0; i < cc->nr_vms; i++)
		if (cc->vms[i].orc && (!o->pid ||
				       cc->vms[i].pid == (uint32_t)o->pid))
			add_module_orc(cc->vms[i].orc, m);
}

void report_callchains__stack(struct report *rep,
			      const struct vmprof_guest_stack_view *v)
{
	struct report_callchains *cc = rep->cc;
	size_t need = 0, off = 0;
	unsigned int i;

	if (!cc)
		return;
	for (i = 0; i < v->nr_segs; i++)
		need += v->segs[i].len;
	if (need > cc->buf_cap) {
		cc->buf = xrealloc(cc->buf, need);
		cc->buf_cap = need;
	}
	memset(&cc->in, 0, sizeof(cc->in));
	cc->in.regs_mask = v->regs_mask;
	memcpy(cc->in.regs, v->regs, sizeof(cc->in.regs));
	cc->in.user = v->flags & VMPROF_STACK_USER;
	cc->in.segs = cc->segs;
	/* Unused segments (len 0) are left out. */
	for (i = 0; i < v->nr_segs; i++) {
		struct unwind_seg *seg = &cc->segs[cc->in.nr_segs];

		if (!v->segs[i].len)
			continue;
		memcpy(cc->buf + off, v->data[i], v->segs[i].len);
		seg->addr = v->segs[i].addr;
		seg->len = v->segs[i].len;
		seg->kind = v->segs[i].kind;
		seg->end = v->segs[i].end;
		seg->data = cc->buf + off;
		off += v->segs[i].len;
		cc->in.nr_segs++;
	}
	cc->pending = true;
}

void report_callchains__drop(struct report *rep)
{
	if (rep->cc)
		rep->cc->pending = false;
}

bool report_callchains__defer(struct report *rep,
			      const struct vmprof_file_sample *s, uint32_t vm)
{
	struct report_callchains *cc = rep->cc;
	struct cc_deferred *d;
	size_t len = 0, off = 0;
	unsigned int i;

	if (!cc || !cc->pending || cc->replaying ||
	    rep->pass != PASS_AGGREGATE ||
	    !vmprof_resolver__needs_lstar(rep->resolver, vm))
		return false;
	for (i = 0; i < cc->in.nr_segs; i++)
		len += cc->segs[i].len;
	if (cc->deferred_bytes + len > CC_DEFER_MAX)
		return false;
	d = xmalloc(sizeof(*d) + len);
	d->s = *s;
	d->in = cc->in;
	for (i = 0; i < cc->in.nr_segs; i++) {
		d->segs[i] = cc->segs[i];
		memcpy(d->data + off, cc->segs[i].data, cc->segs[i].len);
		off += cc->segs[i].len;
	}
	if (!(cc->nr_deferred & (cc->nr_deferred - 1)))
		cc->deferred = xrealloc(cc->deferred, (cc->nr_deferred ?
					2 * cc->nr_deferred : 1) *
					sizeof(*cc->deferred));
	cc->deferred[cc->nr_deferred++] = d;
	cc->deferred_bytes += len;
	cc->pending = false;
	return true;
}

int report_callchains__replay(struct report *rep,
			      int (*fn)(void *rep,
					const struct vmprof_file_sample *s))
{
	struct report_callchains *cc = rep->cc;
	size_t i, off;
	unsigned int k;
	int ret = 0;

	if (!cc)
		return 0;
	cc->replaying = true;
	for (i = 0; i < cc->nr_deferred; i++) {
		struct cc_deferred *d = cc->deferred[i];

		cc->in = d->in;
		cc->in.segs = cc->segs;
		for (k = 0, off = 0; k < d->in.nr_segs; k++) {
			cc->segs[k] = d->segs[k];
			cc->segs[k].data = d->data + off;
			off += d->segs[k].len;
		}
		cc->pending = true;
		if (!ret)
			ret = fn(rep, &d->s);
		cc->pending = false;
		free(d);
	}
	free(cc->deferred);
	cc->deferred = NULL;
	cc->nr_deferred = 0;
	cc->deferred_bytes = 0;
	return ret;
}

static struct cc_vm *vm_unwinders(struct report *rep, uint32_t pid)
{
	struct report_callchains *cc = rep->cc;
	uint32_t method = rep->info.call_graph;
	const char *path;
	struct cc_vm *v;
	uint64_t offset;
	char err[512];
	size_t i;

	for (i = 0; i < cc->nr_vms; i++)
		if (cc->vms[i].pid == pid)
			return &cc->vms[i];
	cc->vms = xrealloc(cc->vms, (cc->nr_vms + 1) * sizeof(*cc->vms));
	v = &cc->vms[cc->nr_vms++];
	memset(v, 0, sizeof(*v));
	v->pid = pid;
	path = vmprof_resolver__guest_vmlinux(rep->resolver, pid, &offset);
	if (path)
		pr_debug("VM %u: guest kernel image %s, moved by 0x%llx", pid,
			 path, (unsigned long long)offset);
	if (method == VMPROF_CALL_GRAPH_ORC) {
		if (!path) {
			pr_warn("the recording asks for ORC unwinding, which needs the guest kernel's image (--guest-vmlinux, a vmlinuz or vmlinux): guest kernel call chains end at the sampled function");
			return v;
		}
		v->orc = orc_unwinder__new();
		if (orc_unwinder__load_elf(v->orc, path, offset, err,
					   sizeof(err))) {
			pr_warn("%s: guest kernel call chains end at the sampled function",
				err);
			orc_unwinder__delete(v->orc);
			v->orc = NULL;
			return v;
		}
		for (i = 0; i < cc->nr_mods; i++)
			if (!cc->mods[i].hdr.pid ||
			    (uint32_t)cc->mods[i].hdr.pid == pid)
				add_module_orc(v->orc, &cc->mods[i]);
	} else if (method == VMPROF_CALL_GRAPH_DWARF) {
		if (!path) {
			pr_warn("the recording asks for DWARF unwinding, which needs the guest kernel with debuginfo (--guest-vmlinux): guest kernel call chains end at the sampled function");
			return v;
		}
		v->dwarf = dwarf_unwinder__new(path, offset, err, sizeof(err));
		if (!v->dwarf)
			pr_warn("%s: guest kernel call chains end at the sampled function",
				err);
	}
	return v;
}

/* A return address the guest symbols know: the caller a frame-pointer
 * walk misses when the sampled function has no frame of its own. */
struct text_check {
	struct report *rep;
	uint32_t vm;
};

static bool guest_text(void *ctx, uint64_t addr)
{
	struct text_check *t = ctx;
	struct vmprof_resolved res;

	report__resolve_guest(t->rep, t->vm, addr - 1, &res);
	/* An ELF's symbols name data too (a stack in .bss). */
	if (res.symbol && res.elf)
		return vmprof_elf__is_code(res.elf, res.elf_addr);
	return res.symbol != NULL;
}

static void unwind_sample(struct report *rep, uint32_t vm,
			  struct unwind_result *res)
{
	struct report_callchains *cc = rep->cc;
	struct text_check tc = { .rep = rep, .vm = vm };
	struct unwind_fp_opts fp = { .is_text = guest_text, .ctx = &tc };
	struct cc_vm *v;

	if (cc->in.user) {
		fp_unwind(&cc->in, &fp, res);
		return;
	}
	switch (rep->info.call_graph) {
	case VMPROF_CALL_GRAPH_ORC:
		v = vm_unwinders(rep, vm);
		if (v->orc) {
			orc_unwind(v->orc, &cc->in, res);
			return;
		}
		break;
	case VMPROF_CALL_GRAPH_DWARF:
		v = vm_unwinders(rep, vm);
		if (v->dwarf) {
			dwarf_unwind(v->dwarf, &cc->in, res);
			return;
		}
		break;
	case VMPROF_CALL_GRAPH_FP:
		fp_unwind(&cc->in, &fp, res);
		return;
	}
	unwind_result__init(res);
	unwind_result__add(res, cc->in.regs[VMPROF_REG_IP], 0);
	unwind_result__stop(res, UNWIND_END_NO_TABLES,
			    cc->in.regs[VMPROF_REG_IP]);
}

static uint32_t intern(struct report_callchains *cc,
		       const struct report_chain *key)
{
	struct chain_entry *e;
	uint64_t h = hash_u64(key->vm ^ ((uint64_t)key->end << 32) ^
			      ((uint64_t)key->cut << 48));
	struct report_chain *c;
	unsigned int i;
	bool added;

	for (i = 0; i < key->nr; i++)
		h = hash_u64(h ^ key->frame[i].ip ^
			     ((uint64_t)key->frame[i].flags << 60));
	e = hashmap__insert(&cc->index, h, key, &added);
	if (!added)
		return e->id;
	if (cc->nr_chains == cc->cap_chains) {
		cc->cap_chains *= 2;
		cc->chains = xrealloc(cc->chains,
				      cc->cap_chains * sizeof(*cc->chains));
	}
	c = &cc->chains[cc->nr_chains];
	*c = *key;
	c->frame = xmalloc((key->nr ? key->nr : 1) * sizeof(*c->frame));
	memcpy(c->frame, key->frame, key->nr * sizeof(*c->frame));
	e->frame = c->frame;
	e->nr = c->nr;
	e->vm = c->vm;
	e->end = c->end;
	e->cut = c->cut;
	e->id = cc->nr_chains++;
	return e->id;
}

uint32_t report_callchains__sample(struct report *rep,
				   const struct vmprof_file_sample *s,
				   uint32_t vm, bool charged)
{
	struct report_callchains *cc = rep->cc;
	struct report_unwind_stats *st;
	struct unwind_result *res;
	struct report_chain key;
	enum report_stack_class cls;
	bool pending;

	if (!cc)
		return 0;
	pending = cc->pending;
	cc->pending = false;
	if (charged)
		cls = STACK_CLASS_CHARGED;
	else if (s->context == VMPROF_CTX_GUEST_KERNEL)
		cls = STACK_CLASS_KERNEL;
	else if (s->context == VMPROF_CTX_GUEST_USER)
		cls = STACK_CLASS_USER;
	else
		return 0;
	/* Count each sample once: the printing pass reads them again. */
	st = rep->pass == PASS_PRINT ? &cc->stats_again : &cc->stats[cls];
	st->samples++;
	if (!pending) {
		st->no_record++;
		return 0;
	}
	res = &cc->res;
	unwind_sample(rep, vm, res);
	st->ends[res->end]++;
	key.vm = vm;
	key.end = res->end;
	key.cut = 0;
	key.nr = res->nr;
	key.frame = res->frame;
	if (rep->cg.max_stack && key.nr > rep->cg.max_stack) {
		key.cut = key.nr - rep->cg.max_stack;
		key.nr = rep->cg.max_stack;
	}
	return intern(cc, &key);
}

const struct report_chain *report_callchains__get(const struct report *rep,
						  uint32_t id)
{
	if (!rep->cc || !id || id >= rep->cc->nr_chains)
		return NULL;
	return &rep->cc->chains[id];
}

const struct report_unwind_stats *
report_callchains__stats(const struct report *rep,
			 enum report_stack_class cls)
{
	return rep->cc ? &rep->cc->stats[cls] : NULL;
}

const char *report_callchains__method(const struct report *rep)
{
	switch (rep->have_info ? rep->info.call_graph : 0) {
	case VMPROF_CALL_GRAPH_ORC:
		return "orc";
	case VMPROF_CALL_GRAPH_FP:
		return "fp";
	case VMPROF_CALL_GRAPH_DWARF:
		return "dwarf";
	}
	return "none";
}

void report_callchains__frame(struct report *rep,
			      const struct report_chain *c, unsigned int i,
			      struct report_frame *f)
{
	const struct unwind_frame *u = &c->frame[i];
	struct frame_cache_entry key = {
		.addr = u->flags & UNWIND_FRAME_RETURN ? u->ip - 1 : u->ip,
		.vm = c->vm,
	}, *e;
	bool added;

	memset(f, 0, sizeof(*f));
	f->addr = u->ip;
	f->flags = u->flags;
	f->context = u->flags & UNWIND_FRAME_USER ? VMPROF_CTX_GUEST_USER :
						    VMPROF_CTX_GUEST_KERNEL;
	e = hashmap__insert(&rep->cc->frames,
			    hash_u64(key.addr ^ ((uint64_t)key.vm << 48)), &key,
			    &added);
	if (added) {
		e->addr = key.addr;
		e->vm = key.vm;
		report__resolve_guest(rep, c->vm, key.addr, &e->res);
		if (e->res.symbol)
			e->nr_inlines = vmprof_resolver__inlines(
				&e->res, e->inlines, REPORT_FRAME_INLINES);
	}
	f->res = e->res;
	f->nr_inlines = e->nr_inlines;
	memcpy(f->inlines, e->inlines, sizeof(f->inlines));
}

const char *report_callchains__end_frame(const struct report_chain *c)
{
	static char names[UNWIND_END__MAX][48];

	if (c->end == UNWIND_END_COMPLETE || c->end >= UNWIND_END__MAX)
		return NULL;
	if (!names[c->end][0])
		snprintf(names[c->end], sizeof(names[c->end]),
			 "[incomplete: %s]", unwind_end__key(c->end));
	return names[c->end];
}
