// SPDX-License-Identifier: GPL-2.0
/*
 * vmprof report: the synthetic stacks of the flame-graph formats.
 *
 * vmprof records no call chains; a sample's stack is made of what is
 * known about it: the VM, the vCPU, the context, the exit reason of VMM
 * work charged to a guest function, and the function.
 */
#include <stdlib.h>
#include <string.h>

#include "exit-reasons.h"
#include "names.h"
#include "report-stack.h"
#include "util.h"

static bool in_vm(uint32_t context)
{
	return context >= VMPROF_CTX_GUEST_KERNEL &&
	       context <= VMPROF_CTX_VMM_USER;
}

/* Frame names are single-line and never hold the folded separator. */
static void set_frame(struct stack *st, enum stack_frame_kind kind,
		      const char *name)
{
	char *f = st->frame[st->nr];
	size_t i;

	snprintf(f, STACK_FRAME_LEN, "%s", name);
	for (i = 0; f[i]; i++) {
		if (f[i] == ';')
			f[i] = ':';
		else if ((unsigned char)f[i] < ' ')
			f[i] = ' ';
	}
	st->kind[st->nr++] = kind;
}

const char *report_stack__comm(struct report *rep, uint32_t pid, char *buf,
			       size_t len)
{
	const char *comm = report__string(rep, VMPROF_STR_VMM_COMM);
	const char *cmd = report__string(rep, VMPROF_STR_VMM_CMDLINE);
	const char *p;
	size_t n;

	buf[0] = '\0';
	if (!rep->have_info || (uint32_t)rep->info.pid != pid)
		return buf;
	if (comm && comm[0]) {
		snprintf(buf, len, "%s", comm);
	} else if (cmd && cmd[0]) {
		/* The kernel's comm: the program's name, 15 bytes. */
		n = strcspn(cmd, " ");
		for (p = cmd + n; p > cmd && p[-1] != '/'; p--)
			;
		n -= p - cmd;
		snprintf(buf, len, "%.*s", (int)(n < 15 ? n : 15), p);
	}
	return buf;
}

static void vm_frame(struct report *rep, uint32_t pid, char *buf,
		     size_t len)
{
	char comm[64];

	if (report_stack__comm(rep, pid, comm, sizeof(comm))[0])
		snprintf(buf, len, "vm:%u %s", pid, comm);
	else
		snprintf(buf, len, "vm:%u", pid);
}

void report_stack(struct report *rep, const struct hist_key *key,
		  struct stack *st)
{
	uint32_t isa = rep->have_info ? rep->info.isa : VMPROF_ISA_UNKNOWN;
	char buf[STACK_FRAME_LEN], name[64];

	memset(st, 0, sizeof(*st));
	report__resolve(rep, key, &st->res);
	st->unknown = !st->res.symbol;
	st->addr = key->addr;
	st->context = key->context;

	if (in_vm(key->context)) {
		vm_frame(rep, key->vm_pid, buf, sizeof(buf));
		set_frame(st, FRAME_VM, buf);
		if (key->vcpu == VMPROF_VCPU_NONE)
			snprintf(buf, sizeof(buf), "vmm-thread");
		else
			snprintf(buf, sizeof(buf), "vcpu%u", key->vcpu);
		set_frame(st, FRAME_VCPU, buf);
	} else {
		set_frame(st, FRAME_VM, "host");
	}
	set_frame(st, FRAME_CONTEXT, vmprof_context__name(key->context));
	if (key->charged) {
		snprintf(buf, sizeof(buf), "exit:%s",
			 vmprof_exit__name(isa, key->exit_reason, name,
					   sizeof(name)));
		set_frame(st, FRAME_EXIT, buf);
	}
	set_frame(st, FRAME_FUNCTION,
		  st->res.symbol ? st->res.symbol : "[unknown]");
}

char *report_stack__join(const struct stack *st, char *buf, size_t len)
{
	size_t off = 0;
	unsigned int i;

	buf[0] = '\0';
	for (i = 0; i < st->nr && off < len; i++)
		off += snprintf(buf + off, len - off, "%s%s", i ? ";" : "",
				st->frame[i]);
	return buf;
}

static int folded_cmp(const void *a, const void *b)
{
	const struct folded_stack *x = a, *y = b;

	return strcmp(x->text, y->text);
}

struct folded_stack *report_stack__fold(struct report *rep, size_t *nr)
{
	char text[STACK_MAX_FRAMES * STACK_FRAME_LEN];
	struct folded_stack *v;
	struct stack st;
	const struct hist_entry *e;
	size_t i, n = 0, m, pos;

	v = xmalloc((hist__nr(&rep->hist) ? hist__nr(&rep->hist) : 1) *
		    sizeof(*v));
	for (pos = 0; (e = hist__next(&rep->hist, &pos)); ) {
		report_stack(rep, &e->key, &st);
		v[n].text = xstrdup(report_stack__join(&st, text,
						       sizeof(text)));
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
