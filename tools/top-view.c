// SPDX-License-Identifier: GPL-2.0
/*
 * vmprof top: the screen as lines of text, for both displays (ncurses
 * and --stdio).  The rows are the report's (report__build).
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "exit-reasons.h"
#include "names.h"
#include "top.h"
#include "util.h"

#define TOP_EXITS_SHOWN		6	/* reasons on the exits line */
#define TOP_FUNCS_SHOWN		3	/* functions per exit reason */
#define DSO_WIDTH_MAX		28

static void __printf(3, 4) add(struct top_screen *scr, enum top_line_kind k,
			       const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = xstrdup("");
	va_end(ap);
	if (scr->nr == scr->cap) {
		scr->cap = scr->cap ? scr->cap * 2 : 64;
		scr->lines = xrealloc(scr->lines,
				      scr->cap * sizeof(*scr->lines));
	}
	scr->lines[scr->nr].kind = k;
	scr->lines[scr->nr].text = s;
	scr->nr++;
}

void top_view__free(struct top_screen *scr)
{
	size_t i;

	for (i = 0; i < scr->nr; i++)
		free(scr->lines[i].text);
	free(scr->lines);
	memset(scr, 0, sizeof(*scr));
}

static double pct(uint64_t part, uint64_t total)
{
	return total ? 100.0 * (double)part / (double)total : 0.0;
}

static bool domain_switch(const struct top *t)
{
	return t->s.info.mode == VMPROF_MODE_DOMAIN_SWITCH;
}

static uint32_t isa_of(const struct top *t)
{
	return t->s.info.isa;
}

static bool is_vmm_context(uint32_t c)
{
	return c == VMPROF_CTX_VMM_KERNEL || c == VMPROF_CTX_VMM_USER;
}

static uint64_t row_vmm(const struct report_row *r)
{
	return is_vmm_context(r->context) ? r->samples : r->vmm_samples;
}

/* "1234" up to 99999, then "123k", "12.3M". */
static void fmt_count(char *buf, size_t len, double v)
{
	if (v < 99999.5)
		snprintf(buf, len, "%.0f", v);
	else if (v < 9999.5e3)
		snprintf(buf, len, "%.0fk", v / 1e3);
	else
		snprintf(buf, len, "%.1fM", v / 1e6);
}

static void fmt_ns(char *buf, size_t len, double ns)
{
	if (ns < 1e3)
		snprintf(buf, len, "%.0f ns", ns);
	else if (ns < 1e6)
		snprintf(buf, len, "%.1f us", ns / 1e3);
	else if (ns < 1e9)
		snprintf(buf, len, "%.1f ms", ns / 1e6);
	else
		snprintf(buf, len, "%.2f s", ns / 1e9);
}

/* Copy s into a field of width w, cut with ".." when too long. */
static void fit(char *dst, const char *s, int w)
{
	int n = strlen(s);

	if (w <= 0) {
		dst[0] = 0;
		return;
	}
	if (n <= w) {
		memcpy(dst, s, n + 1);
		return;
	}
	if (w <= 2) {
		memcpy(dst, s, w);
		dst[w] = 0;
		return;
	}
	memcpy(dst, s, w - 2);
	memcpy(dst + w - 2, "..", 3);
}

static uint64_t window_samples(const struct top *t)
{
	uint64_t n = 0;
	size_t i;

	for (i = 0; i < t->rep.nr_rows; i++)
		n += t->rep.rows[i]->samples;
	return n;
}

/* Overhead is the share of the period, as in the report and perf. */
static uint64_t window_period(const struct top *t)
{
	uint64_t n = 0;
	size_t i;

	for (i = 0; i < t->rep.nr_rows; i++)
		n += t->rep.rows[i]->period;
	return n;
}

static uint64_t window_vmm(const struct top *t)
{
	uint64_t n = 0;
	size_t i;

	for (i = 0; i < t->rep.nr_rows; i++)
		n += row_vmm(t->rep.rows[i]);
	return n;
}

/* ---- header ---- */

static void header(struct top *t, struct top_screen *scr)
{
	const struct vmprof_info *info = &t->s.info;
	uint64_t total = window_samples(t), vmm = window_vmm(t);
	char who[256], rate[32], win[32], buf[64];
	struct report_exit *e;
	char line[1024];
	size_t i, n, off;

	if (t->vm_name && (!t->comm || strcmp(t->vm_name, t->comm)))
		snprintf(who, sizeof(who), "VM %s (pid %d, %s)", t->vm_name,
			 (int)t->s.pid, t->comm ? t->comm : "?");
	else
		snprintf(who, sizeof(who), "pid %d (%s)", (int)t->s.pid,
			 t->comm ? t->comm : "?");
	add(scr, TOP_LINE_TITLE, "vmprof top: %s, %" PRIu64 " vCPU%s, %s, %s at %" PRIu64 "%s",
	    who, t->nr_vcpus ? t->nr_vcpus : info->nr_vcpus,
	    (t->nr_vcpus ? t->nr_vcpus : info->nr_vcpus) == 1 ? "" : "s",
	    vmprof_mode__name(info->mode), vmprof_event__name(info->event),
	    (uint64_t)info->sample,
	    info->attach_flags & VMPROF_ATTACH_FREQ ? " Hz" :
	    info->event == VMPROF_EVENT_CPU_CLOCK ? " ns" : " events");

	fmt_count(rate, sizeof(rate), t->samples_per_s);
	fmt_count(win, sizeof(win), total);
	off = snprintf(line, sizeof(line),
		       "samples: %s/s, %s in the window (x%d/%d a second)   lost: %" PRIu64 " (%.0f/s)",
		       rate, win, TOP_DECAY_NUM, TOP_DECAY_DEN, t->lost_total,
		       t->lost_per_s);
	if (domain_switch(t))
		snprintf(line + off, sizeof(line) - off,
			 "   guest %.1f%%  VMM %.1f%%",
			 pct(total - vmm, total), pct(vmm, total));
	add(scr, TOP_LINE_INFO, "%s", line);

	fmt_count(rate, sizeof(rate), t->exits_per_s);
	off = snprintf(line, sizeof(line), "exits: %s/s", rate);
	/* The report's exit rows are sorted by count: the rates. */
	for (i = 0, n = 0; i < t->rep.nr_exit_rows && n < TOP_EXITS_SHOWN &&
	     off < sizeof(line); i++) {
		e = &t->rep.exit_rows[i];
		if (!e->count)
			continue;
		fmt_count(rate, sizeof(rate), (double)e->count);
		off += snprintf(line + off, sizeof(line) - off, "%s %s %s",
				n ? "," : ":",
				vmprof_exit__name(e->isa, e->reason, buf,
						  sizeof(buf)), rate);
		n++;
	}
	add(scr, TOP_LINE_INFO, "%s", line);
	add(scr, TOP_LINE_INFO, "sort: %s   display: %s   %s",
	    top__sort_name(t->sort), top__view_name(t->view),
	    t->help ? "" : "h: keys");
	if (t->help)
		add(scr, TOP_LINE_HELP,
		    "keys: q quit   s next sort   m next display   z zero the window   h hide the keys");
	add(scr, TOP_LINE_INFO, "%s", "");
}

int top_view__header_lines(const struct top *t)
{
	/* title, samples, exits, sort, [keys], blank, heading */
	return 6 + t->help;
}

/* ---- functions ---- */

static void functions(struct top *t, struct top_screen *scr, int width,
		      int max_rows)
{
	bool dom = domain_switch(t);
	uint64_t total = window_period(t);
	int wdso = 3, wsym, fixed;
	char sym[512], dso[64], exits[64], name[64], num[32];
	size_t i, nr = t->rep.nr_rows;

	if (max_rows && (size_t)max_rows < nr)
		nr = max_rows;
	for (i = 0; i < nr; i++) {
		int n = strlen(t->rep.rows[i]->dso);

		if (n > wdso)
			wdso = n;
	}
	if (wdso > DSO_WIDTH_MAX)
		wdso = DSO_WIDTH_MAX;
	fixed = 2 + 8 + 2 + 8 + 2 + (dom ? 8 + 2 + 16 + 2 : 0) + 2 + wdso;
	wsym = width - fixed;
	if (wsym < 16)
		wsym = 16;
	if (wsym > (int)sizeof(sym) - 1)
		wsym = sizeof(sym) - 1;

	if (dom)
		add(scr, TOP_LINE_HEADING, "  %8s  %8s  %8s  %-16s  %-*s  %-*s",
		    "Overhead", "Samples", "VMM", "Exits", wsym, "Symbol",
		    wdso, "Dso");
	else
		add(scr, TOP_LINE_HEADING, "  %8s  %8s  %-*s  %-*s",
		    "Overhead", "Samples", wsym, "Symbol", wdso, "Dso");
	if (t->waiting_lstar) {
		add(scr, TOP_LINE_INFO, "  (waiting for the guest's LSTAR to undo its KASLR; --kaslr-offset gives it)");
		return;
	}
	if (t->lstar_unseen)
		add(scr, TOP_LINE_INFO, "  (no guest LSTAR seen yet: guest symbols at their link addresses; --kaslr-offset gives the offset)");
	if (!t->rep.nr_rows)
		add(scr, TOP_LINE_INFO, "  (no samples yet)");
	for (i = 0; i < nr; i++) {
		const struct report_row *r = t->rep.rows[i];
		char s[512];
		size_t k, off = 0;

		if (r->unknown)
			snprintf(s, sizeof(s), "[unknown] 0x%" PRIx64,
				 r->address);
		else
			snprintf(s, sizeof(s), "%s", r->symbol);
		fit(sym, s, wsym);
		fit(dso, r->dso, wdso);
		if (!dom) {
			add(scr, TOP_LINE_ROW, "  %7.2f%%  %8" PRIu64 "  %-*s  %s",
			    pct(r->period, total), r->samples, wsym, sym,
			    dso);
			continue;
		}
		exits[0] = 0;
		for (k = 0; k < r->nr_exits && k < REPORT_TOP_EXITS &&
		     off < sizeof(exits); k++)
			off += snprintf(exits + off, sizeof(exits) - off,
					"%s%s", k ? "," : "",
					vmprof_exit__name(isa_of(t),
							  r->exits[k].reason,
							  name, sizeof(name)));
		fit(s, r->nr_exits ? exits : "-", 16);
		fmt_count(num, sizeof(num), (double)row_vmm(r));
		add(scr, TOP_LINE_ROW, "  %7.2f%%  %8" PRIu64 "  %8s  %-16s  %-*s  %s",
		    pct(r->period, total), r->samples,
		    row_vmm(r) ? num : "-", s, wsym, sym, dso);
	}
}

/* ---- exit reasons ---- */

static void exit_reasons(struct top *t, struct top_screen *scr, int width,
			 int max_rows)
{
	bool dom = domain_switch(t);
	char name[64], rate[32], vmm[32], mean[32], funcs[512];
	size_t i, k, nr = t->rep.nr_exit_rows, shown = 0;
	int wf = width - (2 + 14 + 2 + 6 + 2 + 8 + 2 + 10 + 2 + 10 + 2 + 8 +
			  2);

	if (wf < 20)
		wf = 20;
	if (wf > (int)sizeof(funcs) - 1)
		wf = sizeof(funcs) - 1;
	add(scr, TOP_LINE_HEADING, "  %-14s  %6s  %8s  %10s  %10s  %8s  %-*s",
	    "Reason", "Code", "Exits/s", "VMM time/s", "Mean", "Samples",
	    wf, dom ? "Guest functions causing them" : "");
	for (i = 0; i < nr && (!max_rows || shown < (size_t)max_rows); i++) {
		const struct report_exit *e = &t->rep.exit_rows[i];
		size_t off = 0;
		char f[512];

		if (!e->count && !e->samples)
			continue;
		f[0] = 0;
		for (k = 0; k < e->nr_funcs && k < TOP_FUNCS_SHOWN &&
		     off < sizeof(f); k++)
			off += snprintf(f + off, sizeof(f) - off,
					"%s%s (%" PRIu64 ")", k ? ", " : "",
					e->funcs[k].symbol,
					e->funcs[k].samples);
		fit(funcs, f, wf);
		fmt_count(rate, sizeof(rate), (double)e->count);
		fmt_ns(vmm, sizeof(vmm), (double)e->vmm_ns);
		if (e->count)
			fmt_ns(mean, sizeof(mean),
			       (double)e->vmm_ns / (double)e->count);
		else
			snprintf(mean, sizeof(mean), "-");
		add(scr, TOP_LINE_ROW, "  %-14s  0x%-4x  %8s  %10s  %10s  %8" PRIu64 "  %s",
		    vmprof_exit__name(e->isa, e->reason, name, sizeof(name)),
		    e->reason, rate, vmm, mean, e->samples, funcs);
		shown++;
	}
	if (!shown)
		add(scr, TOP_LINE_INFO, "  (no exits yet)");
}

void top_view__build(struct top *t, struct top_screen *scr, int width,
		     int max_rows)
{
	header(t, scr);
	if (t->view == TOP_VIEW_EXITS)
		exit_reasons(t, scr, width, max_rows);
	else
		functions(t, scr, width, max_rows);
}
