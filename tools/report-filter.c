// SPDX-License-Identifier: GPL-2.0
/*
 * vmprof report: which samples and rows are shown, perf report's
 * filters: --vm/--pid (the VMM process of a VM), --tid, --comm, --vcpu
 * and --time drop samples before they are counted, and so do
 * --guest-comm, --guest-pid and --guest-tid (the guest task, report.c); --dsos and -S,
 * --symbols hide the functions of other names after symbolization, the
 * percentages staying shares of the whole (perf's default, absolute).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "util.h"

int report_filter__add_ids(uint32_t **v, size_t *nr, const char *arg)
{
	char *copy = xstrdup(arg), *tok, *save = NULL;
	uint64_t id;

	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (parse_u64(tok, &id, 10) || id > UINT32_MAX) {
			free(copy);
			return -1;
		}
		*v = xrealloc(*v, (*nr + 1) * sizeof(**v));
		(*v)[(*nr)++] = id;
	}
	free(copy);
	return *nr ? 0 : -1;
}

int report_filter__add_names(char ***v, size_t *nr, const char *arg)
{
	char *copy = xstrdup(arg), *tok, *save = NULL;

	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		*v = xrealloc(*v, (*nr + 1) * sizeof(**v));
		(*v)[(*nr)++] = xstrdup(tok);
	}
	free(copy);
	return *nr ? 0 : -1;
}

/*
 * --vm: process ids and VM names, comma-separated.  A number is a
 * process id, as for record's -p; anything else a VM's name as `vmprof
 * list` showed it (recorded in VM_NAME records), or, in recordings
 * without them, its VMM's command name.
 */
int report_filter__add_vms(struct report_filter *f, const char *arg)
{
	char *copy = xstrdup(arg), *tok, *save = NULL;
	uint64_t id;
	int ret = -1;

	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (!parse_u64(tok, &id, 10)) {
			if (!id || id > INT32_MAX)
				goto out;
			f->pids = xrealloc(f->pids,
					   (f->nr_pids + 1) * sizeof(*f->pids));
			f->pids[f->nr_pids++] = id;
			continue;
		}
		f->vm_names = xrealloc(f->vm_names, (f->nr_vm_names + 1) *
				       sizeof(*f->vm_names));
		f->vm_name_seen = xrealloc(f->vm_name_seen,
					   (f->nr_vm_names + 1) *
					   sizeof(*f->vm_name_seen));
		f->vm_name_seen[f->nr_vm_names] = false;
		f->vm_names[f->nr_vm_names++] = xstrdup(tok);
	}
	ret = f->nr_pids || f->nr_vm_names ? 0 : -1;
out:
	free(copy);
	return ret;
}

const char *report_filter__missing_vm(const struct report_filter *f)
{
	size_t i;

	for (i = 0; i < f->nr_vm_names; i++)
		if (!f->vm_name_seen[i])
			return f->vm_names[i];
	return NULL;
}

/* Seconds as perf script prints them ("5123.000250") to ns. */
static int parse_seconds(const char *s, size_t len, uint64_t *ns)
{
	char buf[64], *end;
	double v;

	if (!len || len >= sizeof(buf) || *s == '-' || *s == '+')
		return -1;
	memcpy(buf, s, len);
	buf[len] = 0;
	v = strtod(buf, &end);
	if (*end || !(v >= 0) || v > 1.8e10)
		return -1;
	*ns = (uint64_t)llround(v * 1e9);
	return 0;
}

static int parse_percent(const char *s, size_t len, double *pct)
{
	char buf[64], *end;

	if (len < 2 || len >= sizeof(buf) || s[len - 1] != '%')
		return -1;
	memcpy(buf, s, len - 1);
	buf[len - 1] = 0;
	*pct = strtod(buf, &end);
	return *end || !(*pct >= 0) || *pct > 100 ? -1 : 0;
}

/*
 * perf's --time: "START,END" in seconds of the recording's clock (as
 * perf-script output shows them; either may be left out), or "A%-B%",
 * a share of the recording from its first to its last sample.
 */
int report_filter__parse_time(struct report_filter *f, const char *arg)
{
	const char *sep = strchr(arg, ',');
	const char *dash = strchr(arg, '-');

	f->time = arg;
	if (!sep && dash && dash > arg && dash[-1] == '%') {
		f->time_percent = true;
		if (parse_percent(arg, dash - arg, &f->pct_start) ||
		    parse_percent(dash + 1, strlen(dash + 1), &f->pct_end) ||
		    f->pct_end <= f->pct_start)
			return -1;
		return 0;
	}
	if (!sep || sep[1] == ',' || strchr(sep + 1, ','))
		return -1;
	if (sep > arg && parse_seconds(arg, sep - arg, &f->time_start))
		return -1;
	if (sep[1] && parse_seconds(sep + 1, strlen(sep + 1), &f->time_end))
		return -1;
	if (f->time_end && f->time_end <= f->time_start)
		return -1;
	if (f->time_end)
		f->time_end++;	/* END is included, as in perf */
	return 0;
}

void report_filter__resolve_time(struct report *rep, uint64_t first_ns,
				 uint64_t last_ns)
{
	struct report_filter *f = &rep->filter;
	double span = last_ns > first_ns ? (double)(last_ns - first_ns) : 0;

	if (!f->time_percent)
		return;
	f->time_start = first_ns + (uint64_t)(span * f->pct_start / 100);
	f->time_end = first_ns + (uint64_t)(span * f->pct_end / 100) + 1;
}

static bool has_id(const uint32_t *v, size_t nr, uint32_t id)
{
	size_t i;

	for (i = 0; i < nr; i++)
		if (v[i] == id)
			return true;
	return false;
}

static bool has_name(char * const *v, size_t nr, const char *name)
{
	size_t i;

	if (!name)
		return false;
	for (i = 0; i < nr; i++)
		if (!strcmp(v[i], name))
			return true;
	return false;
}

static bool vm_wanted(struct report *rep, uint32_t vm_pid)
{
	struct report_filter *f = &rep->filter;
	const char *name;
	size_t i;

	name = f->nr_vm_names ? report__vm_name(rep, vm_pid) : NULL;
	if (!name && f->nr_vm_names)
		name = report__comm(rep, vm_pid);
	for (i = 0; name && i < f->nr_vm_names; i++) {
		if (!strcmp(f->vm_names[i], name)) {
			f->vm_name_seen[i] = true;
			return true;
		}
	}
	return has_id(f->pids, f->nr_pids, vm_pid);
}

bool report_filter__sample(struct report *rep,
			   const struct vmprof_file_sample *s,
			   uint32_t vm_pid)
{
	const struct report_filter *f = &rep->filter;

	if ((f->nr_pids || f->nr_vm_names) && !vm_wanted(rep, vm_pid))
		return false;
	if (f->nr_tids && !has_id(f->tids, f->nr_tids, s->tid))
		return false;
	if (f->nr_comms &&
	    !has_name(f->comms, f->nr_comms, report__comm(rep, vm_pid)))
		return false;
	if ((f->time_start || f->time_end) &&
	    (s->time_ns < f->time_start ||
	     (f->time_end && s->time_ns >= f->time_end)))
		return false;
	if (rep->have_vcpu) {
		if (s->vcpu != rep->vcpu) {
			rep->vcpu_skipped++;
			return false;
		}
		rep->vcpu_samples++;
	}
	return true;
}

bool report_filter__function(const struct report *rep,
			     const struct vmprof_resolved *res)
{
	const struct report_filter *f = &rep->filter;

	if (f->nr_dsos && !has_name(f->dsos, f->nr_dsos, res->dso))
		return false;
	if (f->nr_syms && !has_name(f->syms, f->nr_syms,
				     res->symbol ? res->symbol : "[unknown]"))
		return false;
	return true;
}

static void free_names(char **v, size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++)
		free(v[i]);
	free(v);
}

bool report_filter__guest_tasks(const struct report_filter *f)
{
	return f->nr_guest_comms || f->nr_guest_pids || f->nr_guest_tids;
}

void report_filter__free(struct report_filter *f)
{
	free(f->pids);
	free_names(f->vm_names, f->nr_vm_names);
	free(f->vm_name_seen);
	free(f->tids);
	free_names(f->comms, f->nr_comms);
	free_names(f->dsos, f->nr_dsos);
	free_names(f->syms, f->nr_syms);
	free_names(f->guest_comms, f->nr_guest_comms);
	free(f->guest_pids);
	free(f->guest_tids);
	memset(f, 0, sizeof(*f));
}

bool report_filter__function_key(struct report *rep,
				 const struct hist_key *key)
{
	struct vmprof_resolved res;

	if (!rep->filter.nr_dsos && !rep->filter.nr_syms)
		return true;
	report__resolve(rep, key, &res);
	return report_filter__function(rep, &res);
}
