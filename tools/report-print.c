// SPDX-License-Identifier: GPL-2.0
/*
 * vmprof report output: every part has a print_*_plain and a
 * print_*_json version.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "exit-reasons.h"
#include "json.h"
#include "names.h"
#include "report-graph.h"
#include "report.h"
#include "symfind.h"
#include "util.h"

static double pct(uint64_t part, uint64_t total)
{
	return total ? 100.0 * (double)part / (double)total : 0.0;
}

static const char *kaslr_source_name(enum vmprof_kaslr_source s)
{
	switch (s) {
	case VMPROF_KASLR_LSTAR:
		return "lstar";
	case VMPROF_KASLR_USER:
		return "option";
	case VMPROF_KASLR_VMCOREINFO:
		return "vmcoreinfo";
	default:
		return "none";
	}
}

static void fmt_ns(char *buf, size_t len, double ns)
{
	if (ns < 1e3)
		snprintf(buf, len, "%.0f ns", ns);
	else if (ns < 1e6)
		snprintf(buf, len, "%.3f us", ns / 1e3);
	else if (ns < 1e9)
		snprintf(buf, len, "%.3f ms", ns / 1e6);
	else
		snprintf(buf, len, "%.3f s", ns / 1e9);
}

static const char *exit_name(uint32_t isa, uint32_t reason, char *buf,
			     size_t len)
{
	return vmprof_exit__name(isa, reason, buf, len);
}

static uint32_t sample_isa(const struct report *rep)
{
	return rep->have_info ? rep->info.isa : VMPROF_ISA_UNKNOWN;
}

static bool show_vmm_columns(const struct report *rep)
{
	return rep->sort_has[SORT_SYM] &&
	       (rep->charged || (rep->have_info &&
				 rep->info.mode == VMPROF_MODE_DOMAIN_SWITCH));
}

/* ---- header ---- */

/* The VMs of a system-wide recording. */
static void print_vms_plain(struct report *rep, FILE *fp)
{
	uint32_t *pids;
	size_t i, n = report__vms(rep, &pids);
	const char *comm, *name;

	if (n > 1 || (n && !(rep->have_info && rep->info.pid > 0))) {
		fprintf(fp, "# vms:");
		for (i = 0; i < n; i++) {
			comm = report__comm(rep, pids[i]);
			name = report__vm_name(rep, pids[i]);
			fprintf(fp, "%s %u", i ? "," : "", pids[i]);
			if (name && comm && strcmp(name, comm))
				fprintf(fp, " %s (%s, ", name, comm);
			else if (name || comm)
				fprintf(fp, " %s (", name ? name : comm);
			else
				fprintf(fp, " (");
			fprintf(fp, "%" PRIu64 " samples)",
				report__vm_samples(rep, pids[i]));
		}
		fputc('\n', fp);
	}
	free(pids);
}

static void print_vms_json(struct report *rep, struct json_writer *j)
{
	uint32_t *pids;
	size_t i, n = report__vms(rep, &pids);

	json__begin_array(j, "vms");
	for (i = 0; i < n; i++) {
		json__begin_object(j, NULL);
		json__u64(j, "pid", pids[i]);
		json__string(j, "comm", report__comm(rep, pids[i]));
		json__string(j, "name", report__vm_name(rep, pids[i]));
		json__u64(j, "samples", report__vm_samples(rep, pids[i]));
		json__end_object(j);
	}
	json__end_array(j);
	free(pids);
}

static const char *lstar_check(const struct vmprof_file_guest_kernel *k)
{
	if (k->flags & VMPROF_GUEST_KERNEL_LSTAR_OK)
		return "LSTAR agrees";
	if (k->flags & VMPROF_GUEST_KERNEL_LSTAR_BAD)
		return "LSTAR DISAGREES";
	return "LSTAR not seen";
}

/* What 'record --guest-introspect' found the guest to run. */
static void print_guest_kernel_plain(struct report *rep, FILE *fp)
{
	const struct vmprof_file_guest_kernel *k = &rep->guest_kernel;
	enum vmprof_sym_source src;
	char hex[2 * VMPROF_BUILD_ID_MAX + 1];
	const char *file;

	if (!rep->have_guest_kernel)
		return;
	vmprof_build_id_hex(k->build_id, k->build_id_size, hex);
	fprintf(fp, "# guest kernel: %s  build-id: %s  paging: %s  %s\n",
		rep->guest_release, hex,
		k->flags & VMPROF_GUEST_KERNEL_LA57 ? "5-level" : "4-level",
		lstar_check(k));
	fprintf(fp, "# guest modules: %" PRIu64 "  programs: %" PRIu64
		"  tasks: %s\n", rep->nr_guest_modules, rep->nr_guest_exes,
		k->flags & VMPROF_GUEST_KERNEL_TASKS ? "yes" : "no");
	file = vmprof_resolver__guest_kernel_file(rep->resolver, &src);
	if (file)
		fprintf(fp, "# guest kernel symbols: %s (%s)\n", file,
			vmprof_sym_source_name(src));
}

static void print_guest_kernel_json(struct report *rep, struct json_writer *j)
{
	const struct vmprof_file_guest_kernel *k = &rep->guest_kernel;
	enum vmprof_sym_source src;
	char hex[2 * VMPROF_BUILD_ID_MAX + 1], buf[32];
	const char *file;

	if (!rep->have_guest_kernel)
		return;
	json__begin_object(j, "guest_kernel");
	json__string(j, "release", rep->guest_release);
	vmprof_build_id_hex(k->build_id, k->build_id_size, hex);
	json__string(j, "build_id", hex);
	if (k->flags & VMPROF_GUEST_KERNEL_KASLR) {
		snprintf(buf, sizeof(buf), "0x%" PRIx64,
			 (uint64_t)k->kaslr_offset);
		json__string(j, "kaslr_offset", buf);
	} else {
		json__null(j, "kaslr_offset");
	}
	json__string(j, "lstar_check",
		     k->flags & VMPROF_GUEST_KERNEL_LSTAR_OK ? "agrees" :
		     k->flags & VMPROF_GUEST_KERNEL_LSTAR_BAD ? "disagrees" :
		     "not seen");
	json__u64(j, "paging_levels",
		  k->flags & VMPROF_GUEST_KERNEL_LA57 ? 5 : 4);
	json__bool(j, "tasks", k->flags & VMPROF_GUEST_KERNEL_TASKS);
	json__u64(j, "modules", rep->nr_guest_modules);
	json__u64(j, "programs", rep->nr_guest_exes);
	file = vmprof_resolver__guest_kernel_file(rep->resolver, &src);
	json__string(j, "symbols", file);
	json__string(j, "symbols_source", file ?
		     vmprof_sym_source_name(src) : NULL);
	json__end_object(j);
}

static void print_header_plain(struct report *rep, FILE *fp)
{
	uint64_t lost = report__lost(rep), host = report__host_samples(rep);
	enum vmprof_kaslr_source ksrc;
	uint64_t koff = vmprof_resolver__kaslr_offset(rep->resolver,
						      rep->have_info &&
						      rep->info.pid > 0 ?
						      rep->info.pid : 0,
						      &ksrc);
	const char *s;
	char dur[32];

	fprintf(fp, "# vmprof report\n");
	fprintf(fp, "# samples: %" PRIu64 "  lost: %" PRIu64 " (%.2f%%)",
		rep->total, lost, pct(lost, rep->total + lost));
	if (rep->have_stats)
		fprintf(fp, "  filtered: %" PRIu64,
			(uint64_t)rep->stats.filtered);
	fputc('\n', fp);
	fprintf(fp, "# guest: %.2f%% (%" PRIu64 ")  vmm: %.2f%% (%" PRIu64 ")",
		pct(report__guest_period(rep), rep->total_period),
		report__guest_samples(rep),
		pct(report__vmm_period(rep), rep->total_period),
		report__vmm_samples(rep));
	if (host || (rep->have_info && rep->info.mode == VMPROF_MODE_SYSTEM))
		fprintf(fp, "  host: %.2f%% (%" PRIu64 ")",
			pct(rep->total_period - report__guest_period(rep) -
			    report__vmm_period(rep), rep->total_period), host);
	fputc('\n', fp);
	if (rep->worker_samples)
		fprintf(fp, "# vmm workers: %.2f%% (%" PRIu64 "): kernel threads doing the VMM's work (vhost, io_uring), part of vmm\n",
			pct(rep->worker_period, rep->total_period),
			rep->worker_samples);
	if (rep->have_info) {
		fprintf(fp, "# mode: %s  event: %s (%s %" PRIu64 "%s)  isa: %s\n",
			vmprof_mode__name(rep->info.mode),
			vmprof_event__name(rep->info.event),
			rep->info.attach_flags & VMPROF_ATTACH_FREQ ?
			"frequency" : "period",
			(uint64_t)rep->info.sample,
			rep->info.attach_flags & VMPROF_ATTACH_FREQ ? " Hz" :
			rep->info.event == VMPROF_EVENT_CPU_CLOCK ? " ns" : "",
			vmprof_isa__name(rep->info.isa));
	}
	fmt_ns(dur, sizeof(dur), (double)report__duration_ns(rep));
	fprintf(fp, "# duration: %s  exits: %" PRIu64, dur,
		report__nr_exits(rep));
	if (rep->have_stats)
		fprintf(fp, "  vcpus: %" PRIu64, (uint64_t)rep->stats.nr_vcpus);
	else if (rep->have_info)
		fprintf(fp, "  vcpus: %u", rep->info.nr_vcpus);
	fputc('\n', fp);
	if (rep->have_info && rep->info.pid > 0) {
		s = report__vm_name(rep, rep->info.pid);
		if (s)
			fprintf(fp, "# vm: %s\n", s);
		s = report__string(rep, VMPROF_STR_VMM_CMDLINE);
		fprintf(fp, "# vmm: pid %d%s%s\n", rep->info.pid,
			s ? ": " : "", s ? s : "");
	}
	print_vms_plain(rep, fp);
	s = report__string(rep, VMPROF_STR_HOST_RELEASE);
	if (s)
		fprintf(fp, "# host kernel: %s\n", s);
	print_guest_kernel_plain(rep, fp);
	if (vmprof_resolver__has_guest(rep->resolver))
		fprintf(fp, "# guest kaslr offset: 0x%" PRIx64 " (%s)\n", koff,
			ksrc == VMPROF_KASLR_LSTAR ? "from the recorded guest LSTAR" :
			ksrc == VMPROF_KASLR_USER ? "from --kaslr-offset" :
			ksrc == VMPROF_KASLR_VMCOREINFO ?
			"from the guest's VMCOREINFO" : "none");
	if (report_filter__guest_tasks(&rep->filter))
		fprintf(fp, "# guest task filter: %" PRIu64 " samples of other guest tasks not shown\n",
			rep->task_filtered);
	if (rep->have_vcpu)
		fprintf(fp, "# vcpu: %u (%" PRIu64 " other samples not shown)\n",
			rep->vcpu, rep->vcpu_skipped);
	if (lost)
		fprintf(fp, "# WARNING: %" PRIu64 " samples were lost: the profile is incomplete\n",
			lost);
	if (report__multiplexed(rep))
		fprintf(fp, "# WARNING: the counters counted %.1f%% of the time they were enabled (perf shared the PMU with other events: a vPMU, the NMI watchdog): samples stand for that part\n",
			pct(rep->stats.time_running, rep->stats.time_enabled));
	if (rep->have_stats &&
	    (rep->stats.flags & VMPROF_INFO_GUEST_UNREADABLE))
		fprintf(fp, "# WARNING: guest registers could not be read on the host: no guest sample\n");
	if (rep->have_stats && rep->stats.missed_threads)
		fprintf(fp, "# WARNING: %u VMM threads started while recording were not profiled\n",
			rep->stats.missed_threads);
	if (rep->result.status == VMPROF_DATA_TRUNCATED)
		fprintf(fp, "# WARNING: the data file is truncated: partial profile\n");
	report_graph__print_stats(rep, fp);
	fprintf(fp, "#\n");
}

static void print_header_json(struct report *rep, struct json_writer *j)
{
	enum vmprof_kaslr_source ksrc;
	uint64_t koff = vmprof_resolver__kaslr_offset(rep->resolver,
						      rep->have_info &&
						      rep->info.pid > 0 ?
						      rep->info.pid : 0,
						      &ksrc);
	char buf[32];
	int i;

	json__u64(j, "format_version", 2);
	json__bool(j, "truncated",
		   rep->result.status == VMPROF_DATA_TRUNCATED);
	json__string(j, "mode", rep->have_info ?
		     vmprof_mode__name(rep->info.mode) : "unknown");
	json__string(j, "event", rep->have_info ?
		     vmprof_event__name(rep->info.event) : "unknown");
	json__string(j, "isa", vmprof_isa__name(sample_isa(rep)));
	if (rep->have_info) {
		json__string(j, "sample_type",
			     rep->info.attach_flags & VMPROF_ATTACH_FREQ ?
			     "frequency" : "period");
		json__u64(j, "sample", rep->info.sample);
	}
	json__u64(j, "duration_ns", report__duration_ns(rep));
	json__u64(j, "total_samples", rep->total);
	json__u64(j, "lost_samples", report__lost(rep));
	json__u64(j, "filtered_samples",
		  rep->have_stats ? rep->stats.filtered : 0);
	json__u64(j, "guest_samples", report__guest_samples(rep));
	json__u64(j, "vmm_samples", report__vmm_samples(rep));
	json__u64(j, "worker_samples", rep->worker_samples);
	json__u64(j, "host_samples", report__host_samples(rep));
	json__u64(j, "total_period", rep->total_period);
	json__fixed(j, "guest_percent",
		    pct(report__guest_period(rep), rep->total_period), 2);
	json__fixed(j, "vmm_percent",
		    pct(report__vmm_period(rep), rep->total_period), 2);
	if (rep->have_stats && rep->stats.time_enabled) {
		json__u64(j, "time_enabled_ns", rep->stats.time_enabled);
		json__u64(j, "time_running_ns", rep->stats.time_running);
	} else {
		json__null(j, "time_enabled_ns");
		json__null(j, "time_running_ns");
	}
	json__u64(j, "nr_exits", report__nr_exits(rep));
	json__u64(j, "nr_vcpus", rep->have_stats ? rep->stats.nr_vcpus :
		  rep->have_info ? rep->info.nr_vcpus : 0);
	if (rep->have_info && rep->info.pid > 0)
		json__i64(j, "vmm_pid", rep->info.pid);
	else
		json__null(j, "vmm_pid");
	json__string(j, "vmm_cmdline",
		     report__string(rep, VMPROF_STR_VMM_CMDLINE));
	json__string(j, "host_release",
		     report__string(rep, VMPROF_STR_HOST_RELEASE));
	print_vms_json(rep, j);
	snprintf(buf, sizeof(buf), "0x%" PRIx64, koff);
	json__string(j, "kaslr_offset", buf);
	json__string(j, "kaslr_source", kaslr_source_name(ksrc));
	json__begin_array(j, "sort");
	for (i = 0; i < rep->nr_sort; i++)
		json__string(j, NULL, report__sort_name(rep->sort[i]));
	json__end_array(j);
	if (rep->have_vcpu)
		json__u64(j, "vcpu_filter", rep->vcpu);
	else
		json__null(j, "vcpu_filter");
	if (report_filter__guest_tasks(&rep->filter))
		json__u64(j, "task_filtered_samples", rep->task_filtered);
	print_guest_kernel_json(rep, j);
	report_graph__json_stats(rep, j);
}

/* ---- rows ---- */

enum column {
	COL_OVERHEAD, COL_SAMPLES, COL_VMM, COL_EXITS, COL_SYMBOL, COL_DSO,
	COL_CONTEXT, COL_VCPU, COL_EXIT, COL_SRCLINE, COL_PERIOD, COL_VM,
	COL_VMM_SYM, COL_COMM, COL_PID, COL_TID, COL_CHILDREN, COL__MAX,
};

/* -F names of the columns, and the sort key a column shows. */
static const struct {
	const char *name;
	int sort;		/* -1: a value, not a key */
} col_fields[COL__MAX] = {
	[COL_OVERHEAD]	= { "overhead", -1 },
	[COL_SAMPLES]	= { "samples", -1 },
	[COL_VMM]	= { "vmm", -1 },
	[COL_EXITS]	= { "exits", -1 },
	[COL_SYMBOL]	= { "sym", SORT_SYM },
	[COL_DSO]	= { "dso", SORT_DSO },
	[COL_CONTEXT]	= { "context", SORT_CONTEXT },
	[COL_VCPU]	= { "vcpu", SORT_VCPU },
	[COL_EXIT]	= { "exit", SORT_EXIT },
	[COL_SRCLINE]	= { "srcline", -1 },
	[COL_PERIOD]	= { "period", -1 },
	[COL_VM]	= { "vm", SORT_VM },
	[COL_VMM_SYM]	= { "vmm_sym", SORT_VMM_SYM },
	[COL_COMM]	= { "comm", SORT_COMM },
	[COL_PID]	= { "pid", SORT_PID },
	[COL_TID]	= { "tid", SORT_TID },
	[COL_CHILDREN]	= { "children", -1 },
};

int report__parse_fields(struct report *rep, const char *arg)
{
	char *copy = xstrdup(arg), *tok, *save = NULL;
	bool reset = !rep->sort_given;
	int c;

	rep->nr_columns = 0;
	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		for (c = 0; c < COL__MAX; c++)
			if (!strcmp(tok, col_fields[c].name))
				break;
		if (c == COL__MAX ||
		    rep->nr_columns == (int)ARRAY_SIZE(rep->columns)) {
			pr_usage("report",
				 "unknown field '%s' (fields: overhead, children, samples, period, vmm, exits, sym, dso, context, vcpu, exit, vm, vmm_sym, comm, pid, tid, srcline)",
				 tok);
			free(copy);
			return -1;
		}
		rep->columns[rep->nr_columns++] = c;
		/* Rows are split by what is shown, as perf does. */
		if (col_fields[c].sort < 0)
			continue;
		if (reset) {
			/* Without --sort, the keys are those shown. */
			rep->nr_sort = 0;
			memset(rep->sort_has, 0, sizeof(rep->sort_has));
			reset = false;
		}
		report__add_sort_key(rep, col_fields[c].sort, -1);
	}
	free(copy);
	if (!rep->nr_columns) {
		pr_usage("report", "--fields needs at least one field");
		return -1;
	}
	return 0;
}

static const char * const col_titles[COL__MAX] = {
	"Overhead", "Samples", "VMM", "Exits", "Symbol", "Dso", "Context",
	"vCPU", "Exit", "Srcline", "Period", "VM", "VMM symbol", "Command",
	"Pid", "Tid", "Children",
};

/* Rows of callers with a Children column (report -g --children). */
static bool children_rows(const struct report *rep)
{
	return rep->cc && rep->cg.children;
}

static const char *col_title(const struct report *rep, int c)
{
	/* perf's names with --children: Overhead is the Self part. */
	if (c == COL_OVERHEAD && children_rows(rep))
		return "Self";
	return col_titles[c];
}

static bool col_right(int c)
{
	return c == COL_OVERHEAD || c == COL_SAMPLES || c == COL_VMM ||
	       c == COL_VCPU || c == COL_PERIOD || c == COL_VM ||
	       c == COL_PID || c == COL_TID || c == COL_CHILDREN;
}

static void row_cell(struct report *rep, const struct report_row *r, int col,
		     char *buf, size_t len)
{
	char name[64];
	size_t i, used;

	buf[0] = 0;
	switch (col) {
	case COL_OVERHEAD:
		snprintf(buf, len, "%.2f%%", pct(r->period, rep->total_period));
		break;
	case COL_CHILDREN:
		snprintf(buf, len, "%.2f%%",
			 pct(r->children_period, rep->total_period));
		break;
	case COL_SAMPLES:
		snprintf(buf, len, "%" PRIu64, r->samples);
		break;
	case COL_PERIOD:
		snprintf(buf, len, "%" PRIu64, r->period);
		break;
	case COL_VM:
		if (r->vm)
			snprintf(buf, len, "%u", r->vm);
		else
			snprintf(buf, len, "-");
		break;
	case COL_VMM_SYM:
		if (r->vmm_symbol)
			snprintf(buf, len, "%s (%s)", r->vmm_symbol,
				 r->vmm_dso ? r->vmm_dso : "[unknown]");
		else
			snprintf(buf, len, "-");
		break;
	case COL_VMM:
		snprintf(buf, len, "%" PRIu64, r->vmm_samples);
		break;
	case COL_EXITS:
		used = 0;
		for (i = 0; i < r->nr_exits && i < REPORT_TOP_EXITS; i++) {
			int w = snprintf(buf + used, len - used, "%s%s:%" PRIu64,
					 i ? " " : "",
					 exit_name(sample_isa(rep),
						   r->exits[i].reason, name,
						   sizeof(name)),
					 r->exits[i].samples);

			if (w < 0 || (size_t)w >= len - used)
				break;
			used += w;
		}
		if (r->nr_exits > REPORT_TOP_EXITS && used + 5 < len)
			strcat(buf, " ...");
		if (!r->nr_exits)
			snprintf(buf, len, "-");
		break;
	case COL_SYMBOL:
		if (!r->symbol)
			snprintf(buf, len, "-");
		else if (r->unknown)
			snprintf(buf, len, "[unknown] 0x%" PRIx64, r->address);
		else
			snprintf(buf, len, "%s", r->symbol);
		break;
	case COL_DSO:
		snprintf(buf, len, "%s", r->dso ? r->dso : "-");
		break;
	case COL_CONTEXT:
		snprintf(buf, len, "%s", vmprof_context__name(r->context));
		break;
	case COL_VCPU:
		if (r->vcpu == VMPROF_VCPU_NONE)
			snprintf(buf, len, "-");
		else
			snprintf(buf, len, "%u", r->vcpu);
		break;
	case COL_EXIT:
		if (r->exit == HIST_NO_EXIT)
			snprintf(buf, len, "-");
		else
			exit_name(sample_isa(rep), r->exit, buf, len);
		break;
	case COL_COMM:
		snprintf(buf, len, "%s", r->comm ? r->comm : "-");
		break;
	case COL_PID:
	case COL_TID:
		if ((col == COL_PID ? r->pid : r->tid) < 0)
			snprintf(buf, len, "-");
		else
			snprintf(buf, len, "%" PRId64,
				 col == COL_PID ? r->pid : r->tid);
		break;
	case COL_SRCLINE:
		if (r->srcline && r->inlined)
			snprintf(buf, len, "%s (inlined: %s)", r->srcline,
				 r->inlined);
		else if (r->srcline)
			snprintf(buf, len, "%s", r->srcline);
		break;
	}
}

static int pick_columns(struct report *rep, int *cols)
{
	bool have[COL__MAX] = { false };
	int n = 0, i;
	size_t k;

	if (rep->nr_columns) {
		memcpy(cols, rep->columns, rep->nr_columns * sizeof(*cols));
		return rep->nr_columns;
	}
	if (children_rows(rep))
		cols[n++] = COL_CHILDREN;
	cols[n++] = COL_OVERHEAD;
	cols[n++] = COL_SAMPLES;
	if (show_vmm_columns(rep)) {
		cols[n++] = COL_VMM;
		cols[n++] = COL_EXITS;
	}
	for (i = 0; i < rep->nr_sort; i++) {
		int want[3], nw = 0, w;

		switch (rep->sort[i]) {
		case SORT_SYM:
			want[nw++] = COL_SYMBOL;
			want[nw++] = COL_DSO;
			want[nw++] = COL_CONTEXT;
			break;
		case SORT_DSO:
			want[nw++] = COL_DSO;
			break;
		case SORT_CONTEXT:
			want[nw++] = COL_CONTEXT;
			break;
		case SORT_VCPU:
			want[nw++] = COL_VCPU;
			break;
		case SORT_EXIT:
			want[nw++] = COL_EXIT;
			break;
		case SORT_VM:
			want[nw++] = COL_VM;
			break;
		case SORT_VMM_SYM:
			want[nw++] = COL_VMM_SYM;
			break;
		case SORT_COMM:
			want[nw++] = COL_COMM;
			break;
		case SORT_PID:
			want[nw++] = COL_PID;
			break;
		case SORT_TID:
			want[nw++] = COL_TID;
			break;
		}
		for (w = 0; w < nw; w++) {
			if (!have[want[w]]) {
				have[want[w]] = true;
				cols[n++] = want[w];
			}
		}
	}
	for (k = 0; k < rep->nr_rows; k++) {
		if (rep->rows[k]->srcline) {
			cols[n++] = COL_SRCLINE;
			break;
		}
	}
	return n;
}

#define CELL_MAX	1024

/*
 * A text table: titles on a "# " line, cells padded to the widest in
 * their column (numbers right-aligned), no trailing blanks.
 */
struct text_table {
	int nr_cols;
	const char *titles[COL__MAX];
	bool right[COL__MAX];
	char **cells;		/* nr_rows * nr_cols strings */
	size_t nr_rows;
};

static void table__widths(const struct text_table *t, size_t *width)
{
	size_t r, len;
	int c;

	for (c = 0; c < t->nr_cols; c++)
		width[c] = strlen(t->titles[c]) + (c ? 0 : 2);
	for (r = 0; r < t->nr_rows; r++) {
		for (c = 0; c < t->nr_cols; c++) {
			len = strlen(t->cells[r * t->nr_cols + c]) +
			      (c || t->right[c] ? 0 : 2);
			if (len > width[c])
				width[c] = len;
		}
	}
}

/* Line r of the table: 0 the titles, r the (r-1)th row. */
static void table__print_line(const struct text_table *t,
			      const size_t *width, size_t r, FILE *fp)
{
	char line[COL__MAX * (CELL_MAX + 2) + 4];
	size_t used = 0;
	int c;

	for (c = 0; c < t->nr_cols; c++) {
		const char *cell = r ? t->cells[(r - 1) * t->nr_cols + c] :
			t->titles[c];
		const char *lead = "  ";
		int w = (int)width[c];

		/* The first column starts with the "# " of the title
		 * line; right-aligned cells may use it. */
		if (!c) {
			lead = r ? "  " : "# ";
			w -= 2;
			if (r && t->right[c]) {
				lead = "";
				w += 2;
			}
		}
		used += snprintf(line + used, sizeof(line) - used,
				 t->right[c] ? "%s%*s" : "%s%-*s",
				 lead, w, cell);
		if (used >= sizeof(line))
			used = sizeof(line) - 1;
	}
	while (used && line[used - 1] == ' ')
		used--;
	line[used] = 0;
	fprintf(fp, "%s\n", line);
}

static void table__print(const struct text_table *t, FILE *fp)
{
	size_t width[COL__MAX], r;

	table__widths(t, width);
	for (r = 0; r <= t->nr_rows; r++)
		table__print_line(t, width, r, fp);
}

static void table__free(struct text_table *t)
{
	size_t i;

	for (i = 0; i < t->nr_rows * t->nr_cols; i++)
		free(t->cells[i]);
	free(t->cells);
}

static void print_rows_plain(struct report *rep, FILE *fp)
{
	int cols[COL__MAX], n = pick_columns(rep, cols), c;
	struct text_table t = { .nr_cols = n };
	char cell[CELL_MAX];
	size_t i;

	size_t width[COL__MAX];

	for (c = 0; c < n; c++) {
		t.titles[c] = col_title(rep, cols[c]);
		t.right[c] = col_right(cols[c]);
	}
	t.nr_rows = rep->nr_rows;
	t.cells = xcalloc(t.nr_rows * n + 1, sizeof(*t.cells));
	for (i = 0; i < rep->nr_rows; i++) {
		for (c = 0; c < n; c++) {
			row_cell(rep, rep->rows[i], cols[c], cell,
				 sizeof(cell));
			t.cells[i * n + c] = xstrdup(cell);
		}
	}
	table__widths(&t, width);
	table__print_line(&t, width, 0, fp);
	for (i = 0; i < rep->nr_rows; i++) {
		table__print_line(&t, width, i + 1, fp);
		if (rep->cc)
			report_graph__print_row(rep, fp, rep->rows[i]);
	}
	table__free(&t);
	if (!rep->nr_rows)
		fprintf(fp, "# (no samples)\n");
}

static void print_rows_json(struct report *rep, struct json_writer *j)
{
	char buf[64];
	size_t i, k;

	json__begin_array(j, "rows");
	for (i = 0; i < rep->nr_rows; i++) {
		const struct report_row *r = rep->rows[i];

		json__begin_object(j, NULL);
		json__string(j, "symbol", r->symbol);
		json__string(j, "dso", r->dso);
		if (r->context)
			json__string(j, "context",
				     vmprof_context__name(r->context));
		else
			json__null(j, "context");
		json__u64(j, "samples", r->samples);
		json__fixed(j, "percent", pct(r->period, rep->total_period), 2);
		json__u64(j, "period", r->period);
		if (children_rows(rep)) {
			json__u64(j, "children_samples", r->children_samples);
			json__fixed(j, "children_percent",
				    pct(r->children_period, rep->total_period),
				    2);
			json__u64(j, "children_period", r->children_period);
		}
		json__u64(j, "vmm_samples", r->vmm_samples);
		json__begin_array(j, "exit_reasons");
		for (k = 0; k < r->nr_exits; k++) {
			json__begin_object(j, NULL);
			json__string(j, "reason",
				     exit_name(sample_isa(rep),
					       r->exits[k].reason, buf,
					       sizeof(buf)));
			json__u64(j, "code", r->exits[k].reason);
			json__u64(j, "samples", r->exits[k].samples);
			json__end_object(j);
		}
		json__end_array(j);
		if (r->unknown) {
			snprintf(buf, sizeof(buf), "0x%" PRIx64, r->address);
			json__string(j, "address", buf);
		}
		if (r->srcline)
			json__string(j, "srcline", r->srcline);
		if (r->inlined)
			json__string(j, "inlined", r->inlined);
		if (rep->sort_has[SORT_VCPU]) {
			if (r->vcpu == VMPROF_VCPU_NONE)
				json__null(j, "vcpu");
			else
				json__u64(j, "vcpu", r->vcpu);
		}
		if (rep->sort_has[SORT_VM]) {
			if (r->vm)
				json__u64(j, "vm", r->vm);
			else
				json__null(j, "vm");
		}
		if (rep->sort_has[SORT_VMM_SYM]) {
			json__string(j, "vmm_symbol", r->vmm_symbol);
			json__string(j, "vmm_dso", r->vmm_dso);
		}
		if (rep->sort_has[SORT_COMM])
			json__string(j, "comm", r->comm);
		if (rep->sort_has[SORT_PID]) {
			if (r->pid < 0)
				json__null(j, "pid");
			else
				json__u64(j, "pid", r->pid);
		}
		if (rep->sort_has[SORT_TID]) {
			if (r->tid < 0)
				json__null(j, "tid");
			else
				json__u64(j, "tid", r->tid);
		}
		if (rep->sort_has[SORT_EXIT]) {
			if (r->exit == HIST_NO_EXIT) {
				json__null(j, "exit");
			} else {
				json__string(j, "exit",
					     exit_name(sample_isa(rep), r->exit,
						       buf, sizeof(buf)));
				json__u64(j, "exit_code", r->exit);
			}
		}
		if (rep->cc && rep->cg.print != CG_PRINT_NONE)
			report_graph__json_row(rep, j, r);
		json__end_object(j);
	}
	json__end_array(j);
}

/* ---- exits ---- */

static void func_label(const struct report_func_count *f, char *buf,
		       size_t len)
{
	if (f->unknown)
		snprintf(buf, len, "[unknown] 0x%" PRIx64, f->address);
	else
		snprintf(buf, len, "%s", f->symbol);
}

static void print_exits_plain(struct report *rep, FILE *fp)
{
	static const char * const titles[] = {
		"Reason", "Code", "Count", "VMM time", "Off-CPU", "Mean",
		"Samples", "Top guest functions",
	};
	const int n = ARRAY_SIZE(titles);
	struct text_table t = { .nr_cols = n };
	char cell[CELL_MAX];
	size_t i, k;
	int c;

	fprintf(fp, "\n# Exit reasons\n");
	if (!rep->nr_exit_rows) {
		fprintf(fp, "# (no exits recorded)\n");
		return;
	}
	for (c = 0; c < n; c++) {
		t.titles[c] = titles[c];
		t.right[c] = c >= 2 && c <= 6;
	}
	t.nr_rows = rep->nr_exit_rows;
	t.cells = xcalloc(t.nr_rows * n, sizeof(*t.cells));
	for (i = 0; i < rep->nr_exit_rows; i++) {
		const struct report_exit *e = &rep->exit_rows[i];
		char **row = &t.cells[i * n];
		size_t used = 0;

		row[0] = xstrdup(exit_name(e->isa, e->reason, cell,
					   sizeof(cell)));
		snprintf(cell, sizeof(cell), "0x%x", e->reason);
		row[1] = xstrdup(cell);
		snprintf(cell, sizeof(cell), "%" PRIu64, e->count);
		row[2] = xstrdup(cell);
		fmt_ns(cell, sizeof(cell), (double)e->vmm_ns);
		row[3] = xstrdup(cell);
		/* Blocked or preempted: not the VMM's work on the CPU. */
		if (e->have_offcpu)
			fmt_ns(cell, sizeof(cell), (double)e->offcpu_ns);
		else
			snprintf(cell, sizeof(cell), "-");
		row[4] = xstrdup(cell);
		if (e->count)
			fmt_ns(cell, sizeof(cell),
			       (double)e->vmm_ns / (double)e->count);
		else
			snprintf(cell, sizeof(cell), "-");
		row[5] = xstrdup(cell);
		snprintf(cell, sizeof(cell), "%" PRIu64, e->samples);
		row[6] = xstrdup(cell);
		cell[0] = 0;
		for (k = 0; k < e->nr_funcs && k < REPORT_TOP_FUNCS; k++) {
			char name[256];
			int w;

			func_label(&e->funcs[k], name, sizeof(name));
			w = snprintf(cell + used, sizeof(cell) - used,
				     "%s%s (%" PRIu64 ")", k ? ", " : "", name,
				     e->funcs[k].samples);
			if (w < 0 || (size_t)w >= sizeof(cell) - used)
				break;
			used += w;
		}
		if (!e->nr_funcs)
			snprintf(cell, sizeof(cell), "-");
		row[7] = xstrdup(cell);
	}
	table__print(&t, fp);
	table__free(&t);
}

static void print_exits_json(struct report *rep, struct json_writer *j)
{
	char buf[256];
	size_t i, k;

	json__begin_array(j, "exits");
	for (i = 0; i < rep->nr_exit_rows; i++) {
		const struct report_exit *e = &rep->exit_rows[i];

		json__begin_object(j, NULL);
		json__string(j, "reason", exit_name(e->isa, e->reason, buf,
						    sizeof(buf)));
		json__u64(j, "code", e->reason);
		json__string(j, "isa", vmprof_isa__name(e->isa));
		json__u64(j, "count", e->count);
		json__u64(j, "vmm_ns", e->vmm_ns);
		if (e->have_offcpu)
			json__u64(j, "offcpu_ns", e->offcpu_ns);
		else
			json__null(j, "offcpu_ns");
		json__u64(j, "mean_ns", e->count ? e->vmm_ns / e->count : 0);
		json__u64(j, "samples", e->samples);
		json__begin_array(j, "functions");
		for (k = 0; k < e->nr_funcs; k++) {
			const struct report_func_count *f = &e->funcs[k];

			json__begin_object(j, NULL);
			json__string(j, "symbol", f->symbol);
			json__string(j, "dso", f->dso);
			if (f->unknown) {
				snprintf(buf, sizeof(buf), "0x%" PRIx64,
					 f->address);
				json__string(j, "address", buf);
			}
			json__u64(j, "samples", f->samples);
			json__end_object(j);
		}
		json__end_array(j);
		json__end_object(j);
	}
	json__end_array(j);
}

/* ---- whole report ---- */

void print_report_plain(struct report *rep, FILE *fp)
{
	print_header_plain(rep, fp);
	if (rep->header_only)
		return;
	print_rows_plain(rep, fp);
	if (rep->show_exits)
		print_exits_plain(rep, fp);
}

void print_report_json(struct report *rep, FILE *fp)
{
	struct json_writer j;

	json__init(&j, fp);
	json__begin_object(&j, NULL);
	print_header_json(rep, &j);
	print_rows_json(rep, &j);
	print_exits_json(rep, &j);
	json__end_object(&j);
	json__finish(&j);
}

void print_error_json(FILE *fp, const char *msg)
{
	struct json_writer j;

	json__init(&j, fp);
	json__begin_object(&j, NULL);
	json__string(&j, "error", msg);
	json__end_object(&j);
	json__finish(&j);
}
