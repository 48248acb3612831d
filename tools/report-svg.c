// SPDX-License-Identifier: GPL-2.0
/*
 * vmprof report --format svg: an interactive flame graph, written
 * directly (no external script).  Frames are the synthetic stacks of
 * report-stack.c, the root at the bottom, children ordered by name,
 * widths proportional to samples.  Every frame has a <title> tooltip;
 * the embedded script zooms on click, searches (button, Ctrl-F, or
 * "?s=REGEX" in the URL; "?z=ID" zooms on frame ID) and resets.  The
 * output depends on the recording only: no dates, no random colors.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "names.h"
#include "report-stack.h"
#include "util.h"

#define SVG_WIDTH	1200
#define SVG_XPAD	10
#define SVG_FRAME_H	16
#define SVG_FONT	12
#define SVG_TOP		(SVG_FONT * 3)
#define SVG_BOTTOM	(SVG_FONT * 2 + 10)
#define SVG_MIN_WIDTH	0.1	/* px: narrower frames are left out */
#define SVG_CHAR_W	0.59	/* average glyph width / font size */

struct node {
	char *name;
	enum stack_frame_kind kind;
	uint32_t context;
	uint64_t samples;
	struct node **child;
	size_t nr_child;
};

/* A node's children are found through one table for the whole tree,
 * keyed by parent, kind and name: a flat profile has one node with tens
 * of thousands of children. */
struct child_key {
	const struct node *parent;
	const char *name;
	enum stack_frame_kind kind;
};

struct child_entry {
	struct child_key key;
	struct node *node;
};

struct svg {
	FILE *fp;
	struct hashmap children;
	uint64_t total;
	unsigned int depth;	/* frames below the root */
	unsigned int id;
	double scale;		/* pixels per sample */
};

static bool child_eq(const void *entry, const void *key)
{
	const struct child_key *a = entry, *b = key;

	return a->parent == b->parent && a->kind == b->kind &&
	       !strcmp(a->name, b->name);
}

static struct node *child(struct svg *s, struct node *n, const char *name,
			  enum stack_frame_kind kind, uint32_t context)
{
	struct child_key key = { .parent = n, .name = name, .kind = kind };
	struct child_entry *e;
	struct node *c;
	bool added;

	e = hashmap__insert(&s->children,
			    hash_str(name) ^ hash_u64((uintptr_t)n + kind),
			    &key, &added);
	if (!added)
		return e->node;
	c = xcalloc(1, sizeof(*c));
	c->name = xstrdup(name);
	c->kind = kind;
	c->context = context;
	if (!(n->nr_child & (n->nr_child - 1)))
		n->child = xrealloc(n->child, (n->nr_child ? n->nr_child * 2 :
					       1) * sizeof(*n->child));
	n->child[n->nr_child++] = c;
	e->key = key;
	e->key.name = c->name;
	e->node = c;
	return c;
}

static int node_cmp(const void *a, const void *b)
{
	const struct node *x = *(struct node * const *)a;
	const struct node *y = *(struct node * const *)b;
	int c = strcmp(x->name, y->name);

	return c ? c : (int)x->kind - (int)y->kind;
}

static void sort_tree(struct node *n)
{
	size_t i;

	if (n->nr_child > 1)
		qsort(n->child, n->nr_child, sizeof(*n->child), node_cmp);
	for (i = 0; i < n->nr_child; i++)
		sort_tree(n->child[i]);
}

static void free_tree(struct node *n)
{
	size_t i;

	for (i = 0; i < n->nr_child; i++)
		free_tree(n->child[i]);
	free(n->child);
	free(n->name);
	free(n);
}

static void xml_escape(FILE *fp, const char *s, size_t max)
{
	size_t i;

	for (i = 0; s[i] && i < max; i++) {
		switch (s[i]) {
		case '&':
			fputs("&amp;", fp);
			break;
		case '<':
			fputs("&lt;", fp);
			break;
		case '>':
			fputs("&gt;", fp);
			break;
		case '"':
			fputs("&quot;", fp);
			break;
		case '\'':
			fputs("&apos;", fp);
			break;
		default:
			fputc(s[i], fp);
		}
	}
}

/* A fixed color per name, in a palette per kind of frame. */
static void color(const struct node *n, char *buf, size_t len)
{
	uint64_t h = hash_str(n->name);
	unsigned int a = h & 0xff, b = (h >> 8) & 0xff, c = (h >> 16) & 0xff;
	unsigned int r, g, bl;

	switch (n->kind == FRAME_EXIT ? 100 :
		n->kind == FRAME_VM || n->kind == FRAME_VCPU ||
		n->kind == FRAME_INCOMPLETE ? 101 :
		n->context) {
	case VMPROF_CTX_GUEST_KERNEL:	/* hot: red to orange */
		r = 205 + 50 * a / 255;
		g = 230 * b / 255;
		bl = 55 * c / 255;
		break;
	case VMPROF_CTX_GUEST_USER:	/* yellow */
		r = 195 + 60 * a / 255;
		g = 175 + 60 * a / 255;
		bl = 55 * c / 255;
		break;
	case VMPROF_CTX_VMM_KERNEL:	/* aqua */
		r = 50 + 60 * a / 255;
		g = 165 + 55 * b / 255;
		bl = 165 + 55 * b / 255;
		break;
	case VMPROF_CTX_VMM_USER:	/* green */
		r = 50 + 60 * a / 255;
		g = 190 + 60 * b / 255;
		bl = 50 + 60 * a / 255;
		break;
	case 100:			/* exits: purple */
		r = 170 + 50 * a / 255;
		g = 110 + 40 * b / 255;
		bl = 210 + 40 * c / 255;
		break;
	default:			/* VM, vCPU, host: grey */
		r = g = bl = 180 + 40 * a / 255;
		break;
	}
	snprintf(buf, len, "rgb(%u,%u,%u)", r, g, bl);
}

static void print_frame(struct svg *s, const struct node *n,
			unsigned int depth, uint64_t start)
{
	double x = SVG_XPAD + start * s->scale, w = n->samples * s->scale;
	double y = SVG_TOP + (s->depth - depth) * SVG_FRAME_H;
	size_t fit = (size_t)(w / (SVG_FONT * SVG_CHAR_W));
	size_t len = utf8_strlen(n->name);	/* names are valid UTF-8 */
	char fill[32];

	color(n, fill, sizeof(fill));
	fprintf(s->fp, "<g class=\"f\" id=\"f%u\" data-n=\"", s->id++);
	xml_escape(s->fp, n->name, SIZE_MAX);
	fprintf(s->fp, "\" data-s=\"%" PRIu64 "\" data-v=\"%" PRIu64
		"\" data-d=\"%u\">\n<title>", start, n->samples, depth);
	xml_escape(s->fp, n->name, SIZE_MAX);
	fprintf(s->fp, " (%" PRIu64 " sample%s, %.2f%%)</title>", n->samples,
		n->samples == 1 ? "" : "s",
		100.0 * (double)n->samples / (double)s->total);
	fprintf(s->fp, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%d\" fill=\"%s\" rx=\"2\" ry=\"2\"/>\n",
		x, y, w, SVG_FRAME_H - 1, fill);
	fprintf(s->fp, "<text x=\"%.1f\" y=\"%.1f\">", x + 3,
		y + SVG_FRAME_H - 5);
	if (fit >= 3) {
		if (len <= fit) {
			xml_escape(s->fp, n->name, SIZE_MAX);
		} else {
			/* Cut between characters, never inside one. */
			xml_escape(s->fp, n->name,
				   utf8_prefix(n->name, fit - 2));
			fputs("..", s->fp);
		}
	}
	fputs("</text>\n</g>\n", s->fp);
}

static void print_tree(struct svg *s, const struct node *n,
		       unsigned int depth, uint64_t start)
{
	size_t i;

	if (n->samples * s->scale < SVG_MIN_WIDTH)
		return;
	print_frame(s, n, depth, start);
	for (i = 0; i < n->nr_child; i++) {
		print_tree(s, n->child[i], depth + 1, start);
		start += n->child[i]->samples;
	}
}

static const char svg_style[] =
"<style type=\"text/css\">\n"
"text { font-family: Verdana, sans-serif; font-size: 12px; fill: rgb(0,0,0); }\n"
"#title { text-anchor: middle; font-size: 17px; }\n"
"#search, #unzoom { cursor: pointer; opacity: 0.1; }\n"
"#search:hover, #search.show, #unzoom:hover, #unzoom.show { opacity: 1; }\n"
".f:hover { stroke: black; stroke-width: 0.5; cursor: pointer; }\n"
".hide { display: none; }\n"
".parent { opacity: 0.5; }\n"
"</style>\n";

/* Zoom, search and details; data-s/data-v/data-d hold a frame's first
 * sample, samples and depth, so the layout is recomputed exactly. */
static const char svg_script[] =
"<script type=\"text/ecmascript\"><![CDATA[\n"
"'use strict';\n"
"var svg, frames, details, matched, unzoombtn, searchbtn;\n"
"var XPAD = %d, FW = %d, CHARW = %.2f, TOTAL = %" PRIu64 ";\n"
"var zoomed = null, term = null;\n"
"function attr(e, n) { return +e.getAttribute(n); }\n"
"function fit(g, w) {\n"
"	var t = g.querySelector('text'), n = g.getAttribute('data-n');\n"
"	var c = Math.floor(w / CHARW);\n"
"	t.textContent = c < 3 ? '' : n.length <= c ? n :\n"
"		n.substring(0, c - 2) + '..';\n"
"}\n"
"function place(g, x, w) {\n"
"	var r = g.querySelector('rect'), t = g.querySelector('text');\n"
"	r.setAttribute('x', x.toFixed(1));\n"
"	r.setAttribute('width', w.toFixed(1));\n"
"	t.setAttribute('x', (x + 3).toFixed(1));\n"
"	fit(g, w);\n"
"}\n"
"function zoom(g) {\n"
"	var s0 = attr(g, 'data-s'), v0 = attr(g, 'data-v');\n"
"	var d0 = attr(g, 'data-d'), i;\n"
"	zoomed = g;\n"
"	unzoombtn.classList.add('show');\n"
"	for (i = 0; i < frames.length; i++) {\n"
"		var f = frames[i], s = attr(f, 'data-s'), v = attr(f, 'data-v');\n"
"		var d = attr(f, 'data-d');\n"
"		f.classList.remove('hide');\n"
"		f.classList.remove('parent');\n"
"		if (d < d0 && s <= s0 && s + v >= s0 + v0) {\n"
"			f.classList.add('parent');\n"
"			place(f, XPAD, FW);\n"
"		} else if (d >= d0 && s >= s0 && s + v <= s0 + v0) {\n"
"			place(f, XPAD + (s - s0) * FW / v0, v * FW / v0);\n"
"		} else {\n"
"			f.classList.add('hide');\n"
"		}\n"
"	}\n"
"	if (term !== null) search(term);\n"
"}\n"
"function unzoom() {\n"
"	var i;\n"
"	zoomed = null;\n"
"	unzoombtn.classList.remove('show');\n"
"	for (i = 0; i < frames.length; i++) {\n"
"		var f = frames[i];\n"
"		f.classList.remove('hide');\n"
"		f.classList.remove('parent');\n"
"		place(f, XPAD + attr(f, 'data-s') * FW / TOTAL,\n"
"		      attr(f, 'data-v') * FW / TOTAL);\n"
"	}\n"
"	if (term !== null) search(term);\n"
"}\n"
"function search(t) {\n"
"	var re, i, spans = [], sum = 0, end = -1, base = TOTAL;\n"
"	try { re = new RegExp(t); } catch (e) { return; }\n"
"	term = t;\n"
"	if (zoomed) base = attr(zoomed, 'data-v');\n"
"	for (i = 0; i < frames.length; i++) {\n"
"		var f = frames[i], r = f.querySelector('rect');\n"
"		if (!r.hasAttribute('data-fill'))\n"
"			r.setAttribute('data-fill', r.getAttribute('fill'));\n"
"		if (re.test(f.getAttribute('data-n')) &&\n"
"		    !f.classList.contains('hide') &&\n"
"		    !f.classList.contains('parent')) {\n"
"			r.setAttribute('fill', 'rgb(230,0,230)');\n"
"			f.classList.add('match');\n"
"			spans.push([attr(f, 'data-s'), attr(f, 'data-v')]);\n"
"		} else {\n"
"			r.setAttribute('fill', r.getAttribute('data-fill'));\n"
"			f.classList.remove('match');\n"
"		}\n"
"	}\n"
"	spans.sort(function (a, b) { return a[0] - b[0] || b[1] - a[1]; });\n"
"	for (i = 0; i < spans.length; i++) {\n"
"		var a = spans[i][0], b = a + spans[i][1];\n"
"		if (a < end) a = end;\n"
"		if (b > a) { sum += b - a; end = b; }\n"
"	}\n"
"	searchbtn.classList.add('show');\n"
"	searchbtn.textContent = 'Reset Search';\n"
"	matched.textContent = 'Matched: ' + (100 * sum / base).toFixed(1) + '%%';\n"
"}\n"
"function resetsearch() {\n"
"	var i;\n"
"	term = null;\n"
"	for (i = 0; i < frames.length; i++) {\n"
"		var r = frames[i].querySelector('rect');\n"
"		frames[i].classList.remove('match');\n"
"		if (r.hasAttribute('data-fill'))\n"
"			r.setAttribute('fill', r.getAttribute('data-fill'));\n"
"	}\n"
"	searchbtn.classList.remove('show');\n"
"	searchbtn.textContent = 'Search';\n"
"	matched.textContent = ' ';\n"
"}\n"
"function askterm() {\n"
"	if (term !== null) { resetsearch(); return; }\n"
"	var t = prompt('Search for (regular expression):', '');\n"
"	if (t) search(t);\n"
"}\n"
"function params() {\n"
"	var p = {}, q = (location.search.substring(1) + '&' +\n"
"			 location.hash.substring(1)).split('&'), i;\n"
"	for (i = 0; i < q.length; i++) {\n"
"		var kv = q[i].split('=');\n"
"		if (kv.length == 2) p[kv[0]] = decodeURIComponent(kv[1]);\n"
"	}\n"
"	return p;\n"
"}\n"
"function init() {\n"
"	var i, p;\n"
"	svg = document.documentElement;\n"
"	frames = document.querySelectorAll('g.f');\n"
"	details = document.getElementById('details').firstChild;\n"
"	matched = document.getElementById('matched');\n"
"	unzoombtn = document.getElementById('unzoom');\n"
"	searchbtn = document.getElementById('search');\n"
"	for (i = 0; i < frames.length; i++) {\n"
"		frames[i].addEventListener('click', function (e) {\n"
"			zoom(e.currentTarget);\n"
"		});\n"
"		frames[i].addEventListener('mouseover', function (e) {\n"
"			details.nodeValue = 'Function: ' +\n"
"				e.currentTarget.querySelector('title').textContent;\n"
"		});\n"
"		frames[i].addEventListener('mouseout', function () {\n"
"			details.nodeValue = ' ';\n"
"		});\n"
"	}\n"
"	unzoombtn.addEventListener('click', unzoom);\n"
"	searchbtn.addEventListener('click', askterm);\n"
"	window.addEventListener('keydown', function (e) {\n"
"		if (e.keyCode === 114 || (e.ctrlKey && e.keyCode === 70)) {\n"
"			e.preventDefault();\n"
"			askterm();\n"
"		} else if (e.keyCode === 27 && zoomed) {\n"
"			unzoom();\n"
"		}\n"
"	});\n"
"	p = params();\n"
"	if (p.z && document.getElementById(p.z))\n"
"		zoom(document.getElementById(p.z));\n"
"	if (p.s) search(p.s);\n"
"	svg.setAttribute('data-vmprof', 'ready');\n"
"}\n"
"window.addEventListener('load', init);\n"
"]]></script>\n";

int print_report_svg(struct report *rep, FILE *fp)
{
	struct node *root = xcalloc(1, sizeof(*root));
	struct svg s = { .fp = fp };
	char comm[64];
	const struct hist_entry *e;
	struct stack st;
	unsigned int height;
	size_t pos;
	unsigned int f;

	hashmap__init(&s.children, sizeof(struct child_entry), child_eq);
	root->name = xstrdup("all");
	root->kind = FRAME_VM;
	for (pos = 0; (e = hist__next(&rep->hist, &pos)); ) {
		struct node *n = root;

		if (!report_filter__function_key(rep, &e->key))
			continue;
		report_stack(rep, &e->key, &st);
		root->samples += e->samples;
		for (f = 0; f < st.nr; f++) {
			n = child(&s, n, st.frame[f].name, st.frame[f].kind,
				  st.frame[f].context);
			n->samples += e->samples;
		}
		if (st.nr > s.depth)
			s.depth = st.nr;
		report_stack__release(&st);
	}
	sort_tree(root);
	s.total = root->samples;
	s.scale = s.total ? (double)(SVG_WIDTH - 2 * SVG_XPAD) / s.total : 0;
	height = SVG_TOP + (s.depth + 1) * SVG_FRAME_H + SVG_BOTTOM;

	fprintf(fp, "<?xml version=\"1.0\" standalone=\"no\"?>\n"
		"<!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\" \"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd\">\n"
		"<svg version=\"1.1\" width=\"%d\" height=\"%u\" viewBox=\"0 0 %d %u\" xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\">\n"
		"<!-- a flame graph by vmprof report (format svg), see docs/formats.md -->\n",
		SVG_WIDTH, height, SVG_WIDTH, height);
	fputs("<defs><linearGradient id=\"background\" y1=\"0\" y2=\"1\" x1=\"0\" x2=\"0\">"
	      "<stop stop-color=\"#eeeeee\" offset=\"5%\"/>"
	      "<stop stop-color=\"#eeeeb0\" offset=\"95%\"/>"
	      "</linearGradient></defs>\n", fp);
	fputs(svg_style, fp);
	fprintf(fp, svg_script, SVG_XPAD, SVG_WIDTH - 2 * SVG_XPAD,
		SVG_FONT * SVG_CHAR_W, s.total ? s.total : 1);
	fprintf(fp, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%u\" fill=\"url(#background)\"/>\n",
		SVG_WIDTH, height);
	fprintf(fp, "<text id=\"title\" x=\"%d\" y=\"%d\">vmprof: ",
		SVG_WIDTH / 2, SVG_FONT * 2);
	report_stack__comm(rep, rep->have_info ? rep->info.pid : 0, comm,
			   sizeof(comm));
	xml_escape(fp, comm[0] ? comm : "VM", SIZE_MAX);
	fprintf(fp, ", %s, %s, %" PRIu64 " samples</text>\n",
		vmprof_mode__name(rep->have_info ? rep->info.mode : 0),
		vmprof_event__name(rep->have_info ? rep->info.event : 0),
		s.total);
	fprintf(fp, "<text id=\"details\" x=\"%d\" y=\"%u\"> </text>\n",
		SVG_XPAD, height - SVG_FONT / 2);
	fprintf(fp, "<text id=\"unzoom\" x=\"%d\" y=\"%d\">Reset Zoom</text>\n",
		SVG_XPAD, SVG_FONT * 2);
	fprintf(fp, "<text id=\"search\" x=\"%d\" y=\"%d\" text-anchor=\"end\">Search</text>\n",
		SVG_WIDTH - SVG_XPAD, SVG_FONT * 2);
	fprintf(fp, "<text id=\"matched\" x=\"%d\" y=\"%u\" text-anchor=\"end\"> </text>\n",
		SVG_WIDTH - SVG_XPAD, height - SVG_FONT / 2);
	fputs("<g id=\"frames\">\n", fp);
	if (s.total)
		print_tree(&s, root, 0, 0);
	fputs("</g>\n</svg>\n", fp);
	free_tree(root);
	hashmap__exit(&s.children);
	return 0;
}
