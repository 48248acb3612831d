/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMPROF_TOP_H
#define VMPROF_TOP_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "report.h"
#include "session.h"

/*
 * vmprof top: a live profile of one VM.  cmd-top.c reads the rings into
 * the report's histogram (report.c, hist.c) and refreshes about once a
 * second; top-view.c lays the screen out as lines; top-tui.c shows them
 * with ncurses, --stdio prints them.
 */

/* The window: at each refresh every count is multiplied by 7/8, as perf
 * top does, so a sample weighs half after about 5 s. */
#define TOP_DECAY_NUM		7
#define TOP_DECAY_DEN		8

enum top_sort {
	TOP_SORT_OVERHEAD,	/* period (Overhead) in the window */
	TOP_SORT_VMM,		/* VMM samples (domain-switch) */
	TOP_SORT_NAME,		/* symbol name */
	TOP_SORT__MAX,
};

enum top_view {
	TOP_VIEW_FUNCTIONS,	/* rows by function */
	TOP_VIEW_EXITS,		/* rows by exit reason */
	TOP_VIEW__MAX,
};

struct top {
	/* Options. */
	const char *target;	/* -p PID|NAME or --vm NAME */
	bool target_is_name;
	struct vmprof_session s;
	struct vmprof_guest_opts guest;
	double duration;
	int entries;		/* rows to show, 0: what fits */
	bool stdio;

	/* The VM. */
	char *comm;
	char *vm_name;
	int pidfd;

	/* Aggregation: the report's histogram, decayed at each refresh. */
	struct report rep;
	bool waiting_lstar;	/* guest symbols need the LSTAR first */
	unsigned int lstar_waits; /* refreshes spent waiting for it */
	bool lstar_unseen;	/* gave up waiting: symbols unrelocated */
	char error[1024];	/* why the view stopped, shown after it */

	/* Rates over the last refresh interval. */
	uint64_t start_ns;
	uint64_t last_refresh_ns;
	uint64_t samples_total;
	uint64_t samples_interval;
	double samples_per_s;
	uint64_t lost_total;
	uint64_t lost_seen;	/* lost_total at the last refresh */
	double lost_per_s;
	struct vmprof_exit_stat *prev_exits;
	uint32_t nr_prev_exits;
	double exits_per_s;
	uint64_t nr_vcpus;

	/* What the user chose. */
	enum top_sort sort;
	enum top_view view;
	bool help;
	bool quit;
};

/* Keys, the same in both displays; returns true when the view changed. */
bool top__key(struct top *t, int key);
/* Rebuild the rows from the histogram, in the current sort. */
void top__build(struct top *t);
const char *top__sort_name(enum top_sort s);
const char *top__view_name(enum top_view v);

/* ---- top-view.c: the screen as lines of text ---- */

enum top_line_kind {
	TOP_LINE_TITLE,
	TOP_LINE_INFO,
	TOP_LINE_HEADING,
	TOP_LINE_ROW,
	TOP_LINE_HELP,
};

struct top_line {
	enum top_line_kind kind;
	char *text;
};

struct top_screen {
	struct top_line *lines;
	size_t nr, cap;
};

/* Lay out the screen for width columns; at most max_rows table rows
 * (0: all). */
void top_view__build(struct top *t, struct top_screen *scr, int width,
		     int max_rows);
void top_view__free(struct top_screen *scr);
/* Header lines before the table, for the rows that fit. */
int top_view__header_lines(const struct top *t);

/* ---- top-tui.c: ncurses ---- */

/* Start the terminal display; -1 if the terminal cannot do it. */
int top_tui__start(void);
void top_tui__stop(void);
/* Draw the current screen. */
void top_tui__draw(struct top *t);
/* Handle the keys waiting on stdin; true when the screen must change. */
bool top_tui__keys(struct top *t);

#endif /* VMPROF_TOP_H */
