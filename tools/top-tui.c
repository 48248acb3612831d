// SPDX-License-Identifier: GPL-2.0
/*
 * vmprof top on a terminal, through ncurses: the terminal's own
 * capabilities from terminfo (TERM), so it works in any terminal and
 * over ssh; keys without Enter; resizes.
 */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>

#include "top.h"
#include "util.h"

static SCREEN *screen;

int top_tui__start(void)
{
	/* newterm, not initscr: an unknown TERM is an error to handle,
	 * not an exit. */
	screen = newterm(NULL, stdout, stdin);
	if (!screen)
		return -1;
	set_term(screen);
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	curs_set(0);
	return 0;
}

void top_tui__stop(void)
{
	if (!screen)
		return;
	endwin();
	delscreen(screen);
	screen = NULL;
}

static attr_t line_attr(enum top_line_kind k)
{
	switch (k) {
	case TOP_LINE_TITLE:
		return A_BOLD;
	case TOP_LINE_HEADING:
		return A_REVERSE;
	case TOP_LINE_HELP:
		return A_BOLD;
	default:
		return A_NORMAL;
	}
}

void top_tui__draw(struct top *t)
{
	struct top_screen scr = { 0 };
	int rows = LINES - top_view__header_lines(t);
	size_t i;

	if (rows < 1)
		rows = 1;
	if (t->entries && t->entries < rows)
		rows = t->entries;
	top_view__build(t, &scr, COLS, rows);
	erase();
	for (i = 0; i < scr.nr && (int)i < LINES; i++) {
		attr_t a = line_attr(scr.lines[i].kind);

		attron(a);
		mvaddnstr(i, 0, scr.lines[i].text, COLS);
		if (scr.lines[i].kind == TOP_LINE_HEADING)
			hline(' ', COLS);	/* the bar spans the width */
		attroff(a);
	}
	refresh();
	top_view__free(&scr);
}

bool top_tui__keys(struct top *t)
{
	bool changed = false;
	int ch;

	while ((ch = getch()) != ERR) {
		if (ch == KEY_RESIZE)
			changed = true;
		else
			changed |= top__key(t, ch);
	}
	return changed;
}
