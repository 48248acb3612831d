// SPDX-License-Identifier: GPL-2.0
/*
 * vmprof report --format pprof: a gzipped perftools.profiles.Profile
 * (tools/proto/profile.proto), encoded with protobuf-c and compressed
 * with zlib, for pprof, Pyroscope and Parca.
 *
 * One Sample per distinct (address, call chain, VM, vCPU, context, exit
 * reason); its locations are the stack of report-stack.c, leaf first:
 * the function at its address (mapping: the dso), its guest callers
 * when the recording has call chains, then the exit, the context, the
 * vCPU and the VM as frames of their own.  Values are [samples/count,
 * EVENT/unit]; labels repeat vcpu, context, exit, vm, and "unwind" says
 * why a chain ends early.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "names.h"
#include "profile.pb-c.h"
#include "report-stack.h"
#include "util.h"

typedef Perftools__Profiles__Profile Profile;
typedef Perftools__Profiles__ValueType ValueType;
typedef Perftools__Profiles__Sample Sample;
typedef Perftools__Profiles__Label Label;
typedef Perftools__Profiles__Mapping Mapping;
typedef Perftools__Profiles__Location Location;
typedef Perftools__Profiles__Line Line;
typedef Perftools__Profiles__Function Function;

#define PPROF_LABELS	5	/* vm, vcpu, context, exit, unwind */

/* String -> number. */
struct strmap_entry {
	char *key;
	uint64_t val;
};

static bool strmap_eq(const void *entry, const void *key)
{
	return !strcmp(((const struct strmap_entry *)entry)->key, key);
}

static void strmap_init(struct hashmap *m)
{
	hashmap__init(m, sizeof(struct strmap_entry), strmap_eq);
}

static uint64_t *strmap_slot(struct hashmap *m, const char *k, bool *found)
{
	struct strmap_entry *e;
	bool added;

	e = hashmap__insert(m, hash_str(k), k, &added);
	if (added)
		e->key = xstrdup(k);
	*found = !added;
	return &e->val;
}

static void strmap_free(struct hashmap *m)
{
	struct strmap_entry *e;
	size_t pos;

	hashmap__for_each(m, pos, e)
		free(e->key);
	hashmap__exit(m);
}

struct pprof {
	struct report *rep;
	Profile prof;
	struct hashmap strs, funcs, maps, locs;
	Sample **samples;
	size_t cap_samples;
	size_t cap_strs, cap_funcs, cap_maps, cap_locs;
};

#define GROW(arr, nr, cap) do {						\
	if ((nr) == (cap)) {						\
		(cap) = (cap) ? (cap) * 2 : 64;				\
		(arr) = xrealloc((arr), (cap) * sizeof(*(arr)));	\
	}								\
} while (0)

static int64_t str(struct pprof *p, const char *s)
{
	bool found;
	uint64_t *v = strmap_slot(&p->strs, s, &found);

	if (!found) {
		GROW(p->prof.string_table, p->prof.n_string_table,
		     p->cap_strs);
		*v = p->prof.n_string_table;
		p->prof.string_table[p->prof.n_string_table++] = xstrdup(s);
	}
	return *v;
}

static uint64_t function(struct pprof *p, const char *name, const char *dso,
			 const char *file)
{
	size_t nl = strlen(name), dl = strlen(dso);
	char *key = xmalloc(nl + dl + 2);
	Function *f;
	bool found;
	uint64_t *v;

	memcpy(key, name, nl);
	key[nl] = '\1';
	memcpy(key + nl + 1, dso, dl + 1);
	v = strmap_slot(&p->funcs, key, &found);
	free(key);
	if (found)
		return *v;
	f = xmalloc(sizeof(*f));
	perftools__profiles__function__init(f);
	f->id = p->prof.n_function + 1;
	f->name = str(p, name);
	f->system_name = f->name;
	f->filename = str(p, file);
	GROW(p->prof.function, p->prof.n_function, p->cap_funcs);
	p->prof.function[p->prof.n_function++] = f;
	return *v = f->id;
}

static uint64_t mapping(struct pprof *p, const char *dso, uint64_t addr)
{
	Mapping *m;
	bool found;
	uint64_t *v = strmap_slot(&p->maps, dso, &found);

	if (found) {
		m = p->prof.mapping[*v - 1];
		if (addr < m->memory_start)
			m->memory_start = addr;
		if (addr >= m->memory_limit)
			m->memory_limit = addr + 1;
		return *v;
	}
	m = xmalloc(sizeof(*m));
	perftools__profiles__mapping__init(m);
	m->id = p->prof.n_mapping + 1;
	m->memory_start = addr;
	m->memory_limit = addr + 1;
	m->filename = str(p, dso);
	m->has_functions = true;
	GROW(p->prof.mapping, p->prof.n_mapping, p->cap_maps);
	p->prof.mapping[p->prof.n_mapping++] = m;
	return *v = m->id;
}

static uint64_t location(struct pprof *p, uint64_t map, uint64_t addr,
			 uint64_t func, int64_t line)
{
	char key[64];
	Location *l;
	bool found;
	uint64_t *v;

	snprintf(key, sizeof(key), "%llx:%llx:%llx",
		 (unsigned long long)map, (unsigned long long)addr,
		 (unsigned long long)func);
	v = strmap_slot(&p->locs, key, &found);
	if (found)
		return *v;
	l = xmalloc(sizeof(*l));
	perftools__profiles__location__init(l);
	l->id = p->prof.n_location + 1;
	l->mapping_id = map;
	l->address = addr;
	l->n_line = 1;
	l->line = xmalloc(sizeof(*l->line));
	l->line[0] = xmalloc(sizeof(Line));
	perftools__profiles__line__init(l->line[0]);
	l->line[0]->function_id = func;
	l->line[0]->line = line;
	GROW(p->prof.location, p->prof.n_location, p->cap_locs);
	p->prof.location[p->prof.n_location++] = l;
	return *v = l->id;
}

/* A function frame at its address, with its source line. */
static uint64_t function_location(struct pprof *p,
				  const struct stack_frame *fr)
{
	const char *dso = fr->res.dso ? fr->res.dso : "[unknown]";
	char line[512], inl[512], *colon;
	const char *file = "";
	int64_t nr = 0;
	uint64_t map = mapping(p, dso, fr->addr);

	if (fr->res.symbol &&
	    !vmprof_resolver__srcline(&fr->res, line, sizeof(line), inl,
				      sizeof(inl))) {
		colon = strrchr(line, ':');
		if (colon) {
			*colon = '\0';
			nr = strtoll(colon + 1, NULL, 10);
			file = line;
		}
	}
	return location(p, map, fr->addr, function(p, fr->name, dso, file),
			nr);
}

static void add_label(Sample *s, Label *l, int64_t key, int64_t val)
{
	perftools__profiles__label__init(l);
	l->key = key;
	l->str = val;
	s->label[s->n_label++] = l;
}

static void add_sample(struct pprof *p, const struct hist_entry *e)
{
	struct {
		Sample s;
		int64_t val[2];
		Label lab[PPROF_LABELS];
		Label *labp[PPROF_LABELS];
		uint64_t loc[];
	} *x;
	struct stack st;
	int f;

	report_stack(p->rep, &e->key, &st);
	x = xmalloc(sizeof(*x) + st.nr * sizeof(x->loc[0]));
	perftools__profiles__sample__init(&x->s);
	x->s.location_id = x->loc;
	for (f = (int)st.nr - 1; f >= 0; f--) {
		const struct stack_frame *fr = &st.frame[f];

		if (stack_frame__is_function(fr))
			x->loc[x->s.n_location_id++] =
				function_location(p, fr);
		else
			x->loc[x->s.n_location_id++] =
				location(p, 0, 0, function(p, fr->name,
							   "[vmprof]", ""),
					 0);
	}
	x->val[0] = e->samples;
	x->val[1] = e->period;
	x->s.value = x->val;
	x->s.n_value = 2;
	x->s.label = x->labp;
	for (f = 0; f < (int)st.nr; f++) {
		static const char * const keys[] = {
			[FRAME_VM] = "vm", [FRAME_VCPU] = "vcpu",
			[FRAME_CONTEXT] = "context", [FRAME_EXIT] = "exit",
			[FRAME_INCOMPLETE] = "unwind",
		};
		const char *v = st.frame[f].name;

		if (stack_frame__is_function(&st.frame[f]))
			continue;
		if (st.frame[f].kind == FRAME_EXIT)
			v += strlen("exit:");
		add_label(&x->s, &x->lab[x->s.n_label],
			  str(p, keys[st.frame[f].kind]), str(p, v));
	}
	report_stack__release(&st);
	GROW(p->samples, p->prof.n_sample, p->cap_samples);
	p->samples[p->prof.n_sample++] = &x->s;
}

static void free_profile(struct pprof *p)
{
	size_t i;

	for (i = 0; i < p->prof.n_sample; i++)
		free(p->samples[i]);	/* the whole x of add_sample */
	free(p->samples);
	for (i = 0; i < p->prof.n_location; i++) {
		free(p->prof.location[i]->line[0]);
		free(p->prof.location[i]->line);
		free(p->prof.location[i]);
	}
	free(p->prof.location);
	for (i = 0; i < p->prof.n_mapping; i++)
		free(p->prof.mapping[i]);
	free(p->prof.mapping);
	for (i = 0; i < p->prof.n_function; i++)
		free(p->prof.function[i]);
	free(p->prof.function);
	for (i = 0; i < p->prof.n_string_table; i++)
		free(p->prof.string_table[i]);
	free(p->prof.string_table);
	free(p->prof.comment);
	strmap_free(&p->strs);
	strmap_free(&p->funcs);
	strmap_free(&p->maps);
	strmap_free(&p->locs);
}

/* gzip with a fixed header (no name, mtime 0): the same input gives the
 * same bytes. */
static int write_gzip(FILE *fp, const uint8_t *buf, size_t len)
{
	z_stream z = { 0 };
	uint8_t *out;
	uLong bound;
	int ret = -1;

	if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 9,
			 Z_DEFAULT_STRATEGY) != Z_OK) {
		pr_err("zlib: deflateInit2 failed");
		return -1;
	}
	bound = deflateBound(&z, len) + 32;
	out = xmalloc(bound);
	z.next_in = (Bytef *)buf;
	z.avail_in = len;
	z.next_out = out;
	z.avail_out = bound;
	if (deflate(&z, Z_FINISH) != Z_STREAM_END) {
		pr_err("zlib: deflate failed: %s", z.msg ? z.msg : "?");
	} else if (fwrite(out, 1, z.total_out, fp) != z.total_out) {
		pr_err("writing the profile: %s", strerror(errno));
	} else {
		ret = 0;
	}
	deflateEnd(&z);
	free(out);
	return ret;
}

static void value_type(struct pprof *p, ValueType *v, const char *type,
		       const char *unit)
{
	perftools__profiles__value_type__init(v);
	v->type = str(p, type);
	v->unit = str(p, unit);
}

int print_report_pprof(struct report *rep, FILE *fp)
{
	const struct vmprof_file_info *info = &rep->info;
	uint32_t event = rep->have_info ? info->event : 0;
	ValueType types[2], period_type, *typep[2] = { &types[0], &types[1] };
	struct pprof p = { .rep = rep };
	const struct hist_entry *e;
	const char *cmd;
	char comment[256];
	size_t pos;
	uint8_t *buf;
	size_t len;
	int ret;

	strmap_init(&p.strs);
	strmap_init(&p.funcs);
	strmap_init(&p.maps);
	strmap_init(&p.locs);
	perftools__profiles__profile__init(&p.prof);
	str(&p, "");
	value_type(&p, &types[0], "samples", "count");
	if (event == VMPROF_EVENT_CPU_CLOCK)
		value_type(&p, &types[1], "cpu", "nanoseconds");
	else
		value_type(&p, &types[1], vmprof_event__name(event), "count");
	period_type = types[1];
	p.prof.sample_type = typep;
	p.prof.n_sample_type = 2;
	p.prof.period_type = &period_type;
	if (rep->have_info && !(info->attach_flags & VMPROF_ATTACH_FREQ))
		p.prof.period = info->sample;
	if (rep->have_info)
		p.prof.time_nanos = info->start_realtime_ns;
	p.prof.duration_nanos = report__duration_ns(rep);
	p.prof.default_sample_type = types[0].type;

	p.prof.comment = xcalloc(2, sizeof(*p.prof.comment));
	snprintf(comment, sizeof(comment), "vmprof %s: %s, %s",
		 vmprof_version(),
		 vmprof_mode__name(rep->have_info ? info->mode : 0),
		 vmprof_event__name(event));
	p.prof.comment[p.prof.n_comment++] = str(&p, comment);
	cmd = report__string(rep, VMPROF_STR_VMM_CMDLINE);
	if (cmd && cmd[0])
		p.prof.comment[p.prof.n_comment++] = str(&p, cmd);

	/* Hash order is deterministic for a given recording. */
	for (pos = 0; (e = hist__next(&rep->hist, &pos)); )
		if (report_filter__function_key(rep, &e->key))
			add_sample(&p, e);
	p.prof.sample = p.samples;

	len = perftools__profiles__profile__get_packed_size(&p.prof);
	buf = xmalloc(len ? len : 1);
	perftools__profiles__profile__pack(&p.prof, buf);
	ret = write_gzip(fp, buf, len);
	free(buf);
	free_profile(&p);
	return ret;
}
