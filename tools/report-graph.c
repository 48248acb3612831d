// SPDX-License-Identifier: GPL-2.0
/*
 * vmprof report -g: the call chains under each row of the text and JSON
 * reports, as perf report prints them.
 *
 * A row's chains are the guest call chains through its function: the
 * callers of a sampled function (--no-children, callee order: the row's
 * function first, then its caller, ...), or the way from the outermost
 * frame to the function (--children, caller order).  Chains with the
 * same names are merged; "graph" draws them as a tree with the share of
 * the total period at each branch, "flat" lists each chain, "folded"
 * puts each on one line.  A chain that could not be unwound to its
 * outermost frame ends in a frame that says why, never silently short.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "report-callchain.h"
#include "report-graph.h"
#include "util.h"

/* A chain as shown: names in display order. */
struct name_path {
	const char **name;
	unsigned int nr;
	uint64_t samples;
	uint64_t period;
};

struct path_list {
	struct name_path *v;
	size_t nr, cap;
};

static const char *frame_name(const struct report_frame *f, int inl)
{
	if (inl >= 0)
		return f->inlines[inl];
	return f->res.symbol ? f->res.symbol : "[unknown]";
}

/* Names of a chain from the row's frame start, in the order shown. */
static void chain_names(struct report *rep, const struct report_chain *c,
			uint32_t start, bool caller, const char ***out,
			unsigned int *nr)
{
	const char *end = report_callchains__end_frame(c);
	unsigned int cap = 16, n = 0, i;
	const char **v = xmalloc(cap * sizeof(*v));

	/* Callee order: outwards from the row's caller. */
	for (i = start + 1; i < c->nr; i++) {
		struct report_frame f;
		int k;

		report_callchains__frame(rep, c, i, &f);
		for (k = 0; k <= f.nr_inlines; k++) {
			if (n + 2 > cap) {
				cap *= 2;
				v = xrealloc(v, cap * sizeof(*v));
			}
			v[n++] = frame_name(&f, k < f.nr_inlines ? k : -1);
		}
	}
	if (end) {
		if (n + 1 > cap)
			v = xrealloc(v, ++cap * sizeof(*v));
		v[n++] = end;
	}
	if (caller) {
		for (i = 0; i < n / 2; i++) {
			const char *t = v[i];

			v[i] = v[n - 1 - i];
			v[n - 1 - i] = t;
		}
	}
	*out = v;
	*nr = n;
}

static int path_cmp(const void *a, const void *b)
{
	const struct name_path *x = a, *y = b;
	unsigned int i;
	int c;

	for (i = 0; i < x->nr && i < y->nr; i++) {
		c = strcmp(x->name[i], y->name[i]);
		if (c)
			return c;
	}
	return (int)x->nr - (int)y->nr;
}

static int path_period_cmp(const void *a, const void *b)
{
	const struct name_path *x = a, *y = b;

	if (x->period != y->period)
		return x->period > y->period ? -1 : 1;
	return path_cmp(a, b);
}

static void row_paths(struct report *rep, const struct report_row *row,
		      struct path_list *pl)
{
	size_t i, m;

	memset(pl, 0, sizeof(*pl));
	for (i = 0; i < row->nr_chains; i++) {
		const struct report_row_chain *rc = &row->chains[i];
		const struct report_chain *c = report_callchains__get(rep,
								      rc->id);
		struct name_path *p;

		if (!c)
			continue;
		if (pl->nr == pl->cap) {
			pl->cap = pl->cap ? 2 * pl->cap : 8;
			pl->v = xrealloc(pl->v, pl->cap * sizeof(*pl->v));
		}
		p = &pl->v[pl->nr++];
		chain_names(rep, c, rc->start, rep->cg.caller, &p->name,
			    &p->nr);
		p->samples = rc->samples;
		p->period = rc->period;
	}
	if (!pl->nr)
		return;
	qsort(pl->v, pl->nr, sizeof(*pl->v), path_cmp);
	for (i = 1, m = 0; i < pl->nr; i++) {
		if (!path_cmp(&pl->v[m], &pl->v[i])) {
			pl->v[m].samples += pl->v[i].samples;
			pl->v[m].period += pl->v[i].period;
			free(pl->v[i].name);
			continue;
		}
		pl->v[++m] = pl->v[i];
	}
	pl->nr = m + 1;
	qsort(pl->v, pl->nr, sizeof(*pl->v), path_period_cmp);
}

static void paths_free(struct path_list *pl)
{
	size_t i;

	for (i = 0; i < pl->nr; i++)
		free(pl->v[i].name);
	free(pl->v);
}

/* ---- graph: a tree of the paths ---- */

struct cg_node {
	const char *name;
	uint64_t period;
	struct cg_node *kids;
	size_t nr_kids;
};

static void tree_add(struct cg_node *n, const struct name_path *p)
{
	unsigned int d;

	n->period += p->period;
	for (d = 0; d < p->nr; d++) {
		struct cg_node *k = NULL;
		size_t i;

		for (i = 0; i < n->nr_kids; i++) {
			if (!strcmp(n->kids[i].name, p->name[d])) {
				k = &n->kids[i];
				break;
			}
		}
		if (!k) {
			n->kids = xrealloc(n->kids, (n->nr_kids + 1) *
					   sizeof(*n->kids));
			k = &n->kids[n->nr_kids++];
			memset(k, 0, sizeof(*k));
			k->name = p->name[d];
		}
		k->period += p->period;
		n = k;
	}
}

static void tree_free(struct cg_node *n)
{
	size_t i;

	for (i = 0; i < n->nr_kids; i++)
		tree_free(&n->kids[i]);
	free(n->kids);
}

static int node_cmp(const void *a, const void *b)
{
	const struct cg_node *x = a, *y = b;

	if (x->period != y->period)
		return x->period > y->period ? -1 : 1;
	return strcmp(x->name, y->name);
}

static double pct(uint64_t part, uint64_t total)
{
	return total ? 100.0 * (double)part / (double)total : 0.0;
}

/* The children of n worth showing, sorted; returns how many. */
static size_t shown_kids(struct report *rep, struct cg_node *n)
{
	size_t i, k = 0;

	if (!n->nr_kids)
		return 0;
	qsort(n->kids, n->nr_kids, sizeof(*n->kids), node_cmp);
	for (i = 0; i < n->nr_kids; i++)
		if (pct(n->kids[i].period, rep->total_period) >=
		    rep->cg.threshold)
			k = i + 1;
	return k;
}

static void print_branches(struct report *rep, FILE *fp, struct cg_node *n,
			   const char *prefix)
{
	size_t nk = shown_kids(rep, n), i;

	for (i = 0; i < nk; i++) {
		struct cg_node *k = &n->kids[i];
		bool last = i == nk - 1;
		char head[32], *sub;
		size_t plen = strlen(prefix);
		int hl;

		fprintf(fp, "%s|\n", prefix);
		hl = snprintf(head, sizeof(head), "--%.2f%%--",
			      pct(k->period, rep->total_period));
		fprintf(fp, "%s%s%s%s\n", prefix, last ? " " : "|", head,
			k->name);
		sub = xmalloc(plen + hl + 2);
		memcpy(sub, prefix, plen);
		sub[plen] = last ? ' ' : '|';
		memset(sub + plen + 1, ' ', hl);
		sub[plen + 1 + hl] = 0;
		/* A single way on is printed as a column. */
		while (shown_kids(rep, k) == 1 && k->kids[0].period == k->period &&
		       k->nr_kids == 1) {
			k = &k->kids[0];
			fprintf(fp, "%s%s\n", sub, k->name);
		}
		if (k->nr_kids)
			print_branches(rep, fp, k, sub);
		free(sub);
	}
}

#define GRAPH_INDENT	"            "

static void print_graph(struct report *rep, FILE *fp,
			const struct path_list *pl)
{
	struct cg_node root = { .name = "" }, *n = &root;
	size_t i;

	for (i = 0; i < pl->nr; i++)
		tree_add(&root, &pl->v[i]);
	if (!shown_kids(rep, n)) {
		/* The outermost function: nothing called it. */
		tree_free(&root);
		return;
	}
	if (n->nr_kids == 1 && n->kids[0].period == n->period) {
		fprintf(fp, GRAPH_INDENT "|\n");
		n = &n->kids[0];
		fprintf(fp, GRAPH_INDENT "---%s\n", n->name);
		while (shown_kids(rep, n) == 1 &&
		       n->kids[0].period == n->period && n->nr_kids == 1) {
			n = &n->kids[0];
			fprintf(fp, GRAPH_INDENT "   %s\n", n->name);
		}
		if (n->nr_kids)
			print_branches(rep, fp, n, GRAPH_INDENT "   ");
	} else {
		print_branches(rep, fp, n, GRAPH_INDENT);
	}
	fputc('\n', fp);
	tree_free(&root);
}

static void print_flat(struct report *rep, FILE *fp,
		       const struct path_list *pl, bool folded)
{
	size_t i;
	unsigned int k;

	for (i = 0; i < pl->nr; i++) {
		const struct name_path *p = &pl->v[i];

		if (pct(p->period, rep->total_period) < rep->cg.threshold)
			continue;
		if (folded) {
			fprintf(fp, GRAPH_INDENT "%.2f%% ",
				pct(p->period, rep->total_period));
			for (k = 0; k < p->nr; k++)
				fprintf(fp, "%s%s", k ? ";" : "", p->name[k]);
			fputc('\n', fp);
			continue;
		}
		fprintf(fp, GRAPH_INDENT "%.2f%%\n",
			pct(p->period, rep->total_period));
		for (k = 0; k < p->nr; k++)
			fprintf(fp, GRAPH_INDENT "    %s\n", p->name[k]);
		fputc('\n', fp);
	}
	if (folded)
		fputc('\n', fp);
}

void report_graph__print_row(struct report *rep, FILE *fp,
			     const struct report_row *row)
{
	struct path_list pl;

	if (!row->nr_chains || rep->cg.print == CG_PRINT_NONE)
		return;
	row_paths(rep, row, &pl);
	if (pl.nr) {
		switch (rep->cg.print) {
		case CG_PRINT_GRAPH:
			print_graph(rep, fp, &pl);
			break;
		case CG_PRINT_FLAT:
			print_flat(rep, fp, &pl, false);
			break;
		default:
			print_flat(rep, fp, &pl, true);
			break;
		}
	}
	paths_free(&pl);
}

void report_graph__json_row(struct report *rep, struct json_writer *j,
			    const struct report_row *row)
{
	struct path_list pl;
	size_t i;
	unsigned int k;

	row_paths(rep, row, &pl);
	json__begin_array(j, "callchains");
	for (i = 0; i < pl.nr; i++) {
		const struct name_path *p = &pl.v[i];

		json__begin_object(j, NULL);
		json__u64(j, "samples", p->samples);
		json__u64(j, "period", p->period);
		json__fixed(j, "percent", pct(p->period, rep->total_period),
			    2);
		json__begin_array(j, "frames");
		for (k = 0; k < p->nr; k++)
			json__string(j, NULL, p->name[k]);
		json__end_array(j);
		json__end_object(j);
	}
	json__end_array(j);
	paths_free(&pl);
}

/* ---- how the unwinding went ---- */

static const char * const class_names[STACK_CLASS__MAX] = {
	[STACK_CLASS_KERNEL] = "guest kernel",
	[STACK_CLASS_USER] = "guest user",
	[STACK_CLASS_CHARGED] = "charged to the guest",
};

static const char * const class_keys[STACK_CLASS__MAX] = {
	[STACK_CLASS_KERNEL] = "guest_kernel",
	[STACK_CLASS_USER] = "guest_user",
	[STACK_CLASS_CHARGED] = "charged",
};

void report_graph__print_stats(struct report *rep, FILE *fp)
{
	int cls, e;

	if (!rep->cc)
		return;
	fprintf(fp, "# call chains: %s unwinding of the guest stacks\n",
		report_callchains__method(rep));
	for (cls = 0; cls < STACK_CLASS__MAX; cls++) {
		const struct report_unwind_stats *st =
			report_callchains__stats(rep, cls);
		uint64_t bad = st->no_record;
		bool first = true;

		if (!st->samples)
			continue;
		for (e = 1; e < UNWIND_END__MAX; e++)
			bad += st->ends[e];
		fprintf(fp, "#   %s samples: %" PRIu64 ", complete chains %" PRIu64 " (%.2f%%)",
			class_names[cls], st->samples,
			st->ends[UNWIND_END_COMPLETE],
			pct(st->ends[UNWIND_END_COMPLETE], st->samples));
		if (bad) {
			fprintf(fp, ", ended early %" PRIu64 ":", bad);
			if (st->no_record) {
				fprintf(fp, " no stack recorded %" PRIu64,
					st->no_record);
				first = false;
			}
			for (e = 1; e < UNWIND_END__MAX; e++) {
				if (!st->ends[e])
					continue;
				fprintf(fp, "%s %s %" PRIu64, first ? "" : ",",
					unwind_end__name(e), st->ends[e]);
				first = false;
			}
		}
		fputc('\n', fp);
	}
}

void report_graph__json_stats(struct report *rep, struct json_writer *j)
{
	int cls, e;

	if (!rep->cc)
		return;
	json__begin_object(j, "call_chains");
	json__string(j, "method", report_callchains__method(rep));
	for (cls = 0; cls < STACK_CLASS__MAX; cls++) {
		const struct report_unwind_stats *st =
			report_callchains__stats(rep, cls);

		json__begin_object(j, class_keys[cls]);
		json__u64(j, "samples", st->samples);
		json__u64(j, "no_stack_record", st->no_record);
		json__begin_object(j, "ends");
		for (e = 0; e < UNWIND_END__MAX; e++)
			json__u64(j, unwind_end__key(e), st->ends[e]);
		json__end_object(j);
		json__end_object(j);
	}
	json__end_object(j);
}
