// SPDX-License-Identifier: GPL-2.0
/*
 * vmprof report: the stacks of the flame-graph formats.
 *
 * A sample's stack is made of what is known about it: the VM, the vCPU
 * (with --split-vcpu), the context, the guest call chain when the
 * recording has one, the function, and for VMM work charged to a guest
 * function the exit reason and the VMM function that did the work.
 */
#include <stdlib.h>
#include <string.h>

#include "exit-reasons.h"
#include "names.h"
#include "report-callchain.h"
#include "report-stack.h"
#include "util.h"

static bool in_vm(uint32_t context)
{
	return context >= VMPROF_CTX_GUEST_KERNEL &&
	       context <= VMPROF_CTX_VMM_USER;
}

/* Frame names are single-line and never hold the folded separator; the
 * names given are printable already (report__resolve()). */
static struct stack_frame *add_frame(struct stack *st,
				     enum stack_frame_kind kind,
				     uint32_t context, const char *name)
{
	struct stack_frame *f;
	char *p;

	if (st->nr == st->cap) {
		st->cap = st->cap ? 2 * st->cap : 16;
		st->frame = xrealloc(st->frame, st->cap * sizeof(*st->frame));
	}
	f = &st->frame[st->nr++];
	memset(f, 0, sizeof(*f));
	f->name = xstrdup(name);
	for (p = f->name; *p; p++)
		if (*p == ';')
			*p = ':';
	f->kind = kind;
	f->context = context;
	return f;
}

static void add_function(struct stack *st, enum stack_frame_kind kind,
			 uint32_t context, uint64_t addr,
			 const struct vmprof_resolved *res)
{
	struct stack_frame *f = add_frame(st, kind, context,
					  res->symbol ? res->symbol :
					  "[unknown]");

	f->addr = addr;
	f->res = *res;
}

const char *report_stack__comm(struct report *rep, uint32_t pid, char *buf,
			       size_t len)
{
	const char *comm = report__comm(rep, pid);

	snprintf(buf, len, "%s", comm ? comm : "");
	return buf;
}

/* A chain frame: its function, then what is inlined there, outwards
 * first (the innermost inlined function is the one executing). */
static void add_chain_frame(struct stack *st, const struct report_frame *rf)
{
	struct stack_frame *f;
	int i;

	add_function(st, FRAME_FUNCTION, rf->context, rf->addr, &rf->res);
	for (i = rf->nr_inlines; i-- > 0; ) {
		f = add_frame(st, FRAME_FUNCTION, rf->context, rf->inlines[i]);
		f->addr = rf->addr;
		f->res = rf->res;
	}
}

/*
 * The sample's own function, leaf of its chain when there is one; the
 * chain's frames before it.
 */
static void add_leaf_and_chain(struct report *rep, const struct hist_key *key,
			       uint32_t context,
			       const struct vmprof_resolved *res,
			       struct stack *st)
{
	const struct report_chain *c = report_callchains__get(rep,
							      key->chain);
	struct report_frame rf;
	const char *why;
	unsigned int i;

	if (!c || !c->nr) {
		add_function(st, FRAME_FUNCTION, context, key->addr, res);
		return;
	}
	why = report_callchains__end_frame(c);
	if (why)
		add_frame(st, FRAME_INCOMPLETE, context, why);
	for (i = c->nr; i-- > 1; ) {
		report_callchains__frame(rep, c, i, &rf);
		add_chain_frame(st, &rf);
	}
	report_callchains__frame(rep, c, 0, &rf);
	/* The leaf is the sample's: its address, as resolved for it. */
	rf.addr = key->addr;
	rf.res = *res;
	rf.context = context;
	add_chain_frame(st, &rf);
}

void report_stack(struct report *rep, const struct hist_key *key,
		  struct stack *st)
{
	uint32_t isa = rep->have_info ? rep->info.isa : VMPROF_ISA_UNKNOWN;
	struct vmprof_resolved res, vmm;
	char buf[128], name[64];
	uint32_t context = key->context;
	const char *comm;

	memset(st, 0, sizeof(*st));
	report__resolve(rep, key, &res);
	if (key->charged)
		context = report__charged_context(&res, key->addr);

	if (in_vm(key->context)) {
		comm = report__comm(rep, key->vm_pid);
		if (comm)
			snprintf(buf, sizeof(buf), "vm:%u %s", key->vm_pid,
				 comm);
		else
			snprintf(buf, sizeof(buf), "vm:%u", key->vm_pid);
		add_frame(st, FRAME_VM, 0, buf);
		if (rep->split_vcpu) {
			if (key->vcpu == VMPROF_VCPU_NONE)
				snprintf(buf, sizeof(buf), "vmm-thread");
			else
				snprintf(buf, sizeof(buf), "vcpu%u",
					 key->vcpu);
			add_frame(st, FRAME_VCPU, 0, buf);
		}
	} else {
		add_frame(st, FRAME_VM, 0, "host");
	}
	add_frame(st, FRAME_CONTEXT, context, vmprof_context__name(context));
	add_leaf_and_chain(rep, key, context, &res, st);
	if (key->charged) {
		snprintf(buf, sizeof(buf), "exit:%s",
			 vmprof_exit__name(isa, key->exit_reason, name,
					   sizeof(name)));
		add_frame(st, FRAME_EXIT, key->context, buf);
		report__resolve_vmm(rep, key, &vmm);
		add_function(st, FRAME_VMM_FUNCTION, key->context,
			     key->vmm_addr, &vmm);
	}
}

void report_stack__release(struct stack *st)
{
	unsigned int i;

	for (i = 0; i < st->nr; i++)
		free(st->frame[i].name);
	free(st->frame);
	st->frame = NULL;
	st->nr = 0;
	st->cap = 0;
}

char *report_stack__join(const struct stack *st)
{
	size_t len = 1, off = 0;
	unsigned int i;
	char *s;

	for (i = 0; i < st->nr; i++)
		len += strlen(st->frame[i].name) + 1;
	s = xmalloc(len);
	s[0] = '\0';
	for (i = 0; i < st->nr; i++) {
		size_t n = strlen(st->frame[i].name);

		if (i)
			s[off++] = ';';
		memcpy(s + off, st->frame[i].name, n + 1);
		off += n;
	}
	return s;
}

static int folded_cmp(const void *a, const void *b)
{
	const struct folded_stack *x = a, *y = b;

	return strcmp(x->text, y->text);
}

struct folded_stack *report_stack__fold(struct report *rep, size_t *nr)
{
	const struct hist_entry *e;
	struct folded_stack *v;
	struct stack st;
	size_t i, n = 0, m, pos;

	v = xmalloc((hist__nr(&rep->hist) ? hist__nr(&rep->hist) : 1) *
		    sizeof(*v));
	for (pos = 0; (e = hist__next(&rep->hist, &pos)); ) {
		if (!report_filter__function_key(rep, &e->key))
			continue;
		report_stack(rep, &e->key, &st);
		v[n].text = report_stack__join(&st);
		report_stack__release(&st);
		v[n].samples = e->samples;
		v[n].period = e->period;
		n++;
	}
	qsort(v, n, sizeof(*v), folded_cmp);
	for (i = 0, m = 0; i < n; i++) {
		if (m && !strcmp(v[m - 1].text, v[i].text)) {
			v[m - 1].samples += v[i].samples;
			v[m - 1].period += v[i].period;
			free(v[i].text);
			continue;
		}
		v[m++] = v[i];
	}
	*nr = m;
	return v;
}

void report_stack__free(struct folded_stack *v, size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++)
		free(v[i].text);
	free(v);
}
