/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMPROF_REPORT_H
#define VMPROF_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "data.h"
#include "hashmap.h"
#include "hist.h"
#include "resolve.h"

enum report_sort_key {
	SORT_SYM,		/* symbol + dso + context */
	SORT_DSO,
	SORT_CONTEXT,
	SORT_VCPU,
	SORT_EXIT,
	SORT_VM,		/* the VM: its VMM process */
	SORT_VMM_SYM,		/* the VMM function of a charged sample */
	SORT_COMM,		/* the guest task's comm (--guest-introspect) */
	SORT_PID,		/* the guest process */
	SORT_TID,		/* the guest thread */
	SORT__MAX,
};

/* A guest task as GUEST_TASK records name it. */
struct report_task {
	uint32_t pid;
	uint32_t tid;
	char comm[16];
};

/* What a row says in the comm column for samples with no guest task. */
#define REPORT_COMM_NONE_GUEST	"[unknown]"
#define REPORT_COMM_NONE_VMM	"[vmm]"
#define REPORT_COMM_NONE_HOST	"[host]"

#define REPORT_CTX_MAX		7	/* VMPROF_CTX_* are 1..6; 0 unknown */
#define REPORT_TOP_EXITS	3	/* exit reasons shown per text row */
#define REPORT_TOP_FUNCS	5	/* functions shown per exit reason */

enum report_format {
	FORMAT_TEXT,
	FORMAT_JSON,
	FORMAT_FOLDED,		/* report-folded.c */
	FORMAT_SVG,		/* report-svg.c */
	FORMAT_PERF_SCRIPT,	/* report-perf-script.c */
	FORMAT_PPROF,		/* report-pprof.c */
};

/* How call chains are shown (-g, perf's --call-graph print types). */
enum report_cg_print {
	CG_PRINT_GRAPH,		/* a tree under each row (perf's default) */
	CG_PRINT_FLAT,		/* each chain in full */
	CG_PRINT_FOLDED,	/* each chain on one line, ';' between */
	CG_PRINT_NONE,		/* not shown */
};

struct report_cg_opts {
	bool given;		/* -g / --call-graph / --children given */
	enum report_cg_print print;
	double threshold;	/* hide chains under this percent */
	bool caller;		/* root first (perf's order with --children) */
	bool order_given;
	bool children;		/* Children column and caller rows */
	bool children_given;
	unsigned int max_stack;	/* frames kept, innermost first */
};

/* A chain through a row: the frames outwards from start. */
struct report_row_chain {
	uint32_t id;		/* report_callchains__get() */
	uint32_t start;		/* frame of the row's function */
	uint64_t samples;
	uint64_t period;
};

/* A sample waiting in perf-script's reorder window. */
struct report_sample {
	uint64_t time_ns;
	uint64_t period;
	uint64_t seq;		/* file order, for a stable sort */
	struct hist_key key;
	uint32_t tid;
	uint32_t cpu;
};

/* Which samples and rows are shown (report-filter.c). */
struct report_filter {
	uint32_t *pids;		/* --vm / --pid: VMM processes */
	size_t nr_pids;
	char **vm_names;	/* --vm: VM names */
	size_t nr_vm_names;
	bool *vm_name_seen;	/* a sample of a VM of that name was read */
	uint32_t *tids;		/* --tid */
	size_t nr_tids;
	char **comms;		/* --comm: VMM command names */
	size_t nr_comms;
	char **dsos;		/* --dsos */
	size_t nr_dsos;
	char **syms;		/* -S, --symbols */
	size_t nr_syms;
	char **guest_comms;	/* --guest-comm: guest tasks' command names */
	size_t nr_guest_comms;
	uint32_t *guest_pids;	/* --guest-pid */
	size_t nr_guest_pids;
	uint32_t *guest_tids;	/* --guest-tid */
	size_t nr_guest_tids;
	const char *time;	/* --time as given */
	bool time_percent;	/* given as shares of the recording */
	double pct_start, pct_end;
	uint64_t time_start;	/* ns, inclusive */
	uint64_t time_end;	/* ns, exclusive; 0: no end */
};

struct report_exit_count {
	uint32_t reason;
	uint64_t samples;
};

struct report_row {
	/* Key: only the fields of the sort keys are set. */
	const char *symbol;	/* NULL: not keyed; "[unknown]" if unknown */
	const char *dso;	/* NULL: not keyed */
	uint32_t context;	/* 0: not keyed */
	uint32_t vcpu;		/* keyed with SORT_VCPU */
	uint32_t exit;		/* keyed with SORT_EXIT; HIST_NO_EXIT: none */
	uint32_t vm;		/* keyed with SORT_VM: VMM pid, 0 none */
	const char *vmm_symbol;	/* keyed with SORT_VMM_SYM: NULL none */
	const char *vmm_dso;
	bool unknown;		/* symbol keyed and not resolved */
	const char *comm;	/* keyed with SORT_COMM */
	int64_t pid;		/* keyed with SORT_PID; -1: no guest task */
	int64_t tid;		/* keyed with SORT_TID; -1: no guest task */
	uint64_t address;	/* of an unknown symbol */
	uint64_t hash;
	/* Values. */
	uint64_t samples;
	uint64_t period;
	uint64_t vmm_samples;	/* VMM samples charged to this row */
	struct report_exit_count *exits;
	size_t nr_exits;
	/* The hottest address, for the source line. */
	uint64_t hot_samples;
	uint64_t hot_addr;
	struct vmprof_resolved hot;
	char *srcline;		/* NULL if none */
	char *inlined;		/* NULL if none */
	/* Call chains (report -g): the chains through this row, and with
	 * --children the period of every sample under the function. */
	struct report_row_chain *chains;
	size_t nr_chains;
	uint64_t children_samples;
	uint64_t children_period;
};

struct report_func_count {
	const char *symbol;
	const char *dso;
	bool unknown;
	uint64_t address;
	uint64_t samples;
};

struct report_exit {
	uint32_t isa;
	uint32_t reason;
	uint64_t count;		/* from the exit statistics */
	uint64_t vmm_ns;
	uint64_t offcpu_ns;	/* the part of vmm_ns off the CPU */
	bool have_offcpu;	/* the recording has offcpu_ns */
	uint64_t samples;	/* VMM samples charged to this reason */
	struct report_func_count *funcs;
	size_t nr_funcs;
	struct hashmap func_index;	/* function -> index in funcs */
};

struct report {
	/* Options. */
	const char *input;
	int sort[SORT__MAX];
	int nr_sort;
	bool sort_has[SORT__MAX];
	bool have_vcpu;
	uint32_t vcpu;
	bool show_exits;
	bool json;
	enum report_format format;
	bool stacks;		/* a stack format: keep what its frames need */
	bool split_vcpu;	/* --split-vcpu: a frame per vCPU */
	bool demangle;		/* C++ and Rust names demangled (default) */
	bool header_only;	/* --header-only */
	double percent_limit;	/* --percent-limit: hide smaller rows */
	const char *fields;	/* -F, --fields: text columns */
	int columns[16];	/* parsed --fields */
	int nr_columns;
	struct report_filter filter;
	enum report_pass {
		PASS_TIMES,	/* only the time range (--time N%-M%) */
		PASS_AGGREGATE,	/* the histogram */
		PASS_PRINT,	/* perf-script: print every sample */
	} pass;
	bool no_srclines;	/* rows without file:line (a live view) */
	const char *output;	/* NULL: stdout */
	FILE *out;		/* stdout or -o FILE */
	bool out_created;	/* -o FILE did not exist before */
	bool sort_given;	/* --sort on the command line */
	struct vmprof_guest_opts guest;	/* for every VM */
	struct report_vm_guest {
		uint32_t pid;
		struct vmprof_guest_opts opts;
	} *vm_guests;		/* PID=... symbol options, per VM */
	size_t nr_vm_guests;
	const char *guest_modules;	/* --guest-modules */
	const char *guest_root;		/* --guest-root */
	struct report_cg_opts cg;	/* -g, --children, --max-stack */

	/* From the file. */
	struct vmprof_file_info info;
	bool have_info;
	struct vmprof_file_stats stats;
	bool have_stats;
	struct vmprof_file_end end;
	bool have_end;
	struct vmprof_exit_stat *exit_stats;
	uint64_t *exit_offcpu;	/* per exit_stats entry, or NULL */
	size_t nr_exit_stats;
	char *strings[16];
	uint64_t lost_records;	/* sum of LOST records */
	uint64_t first_ns, last_ns;	/* sample times seen */
	uint64_t nr_mmaps;
	bool have_host_kallsyms;
	struct vmprof_data_result result;
	/* Guest introspection records (record --guest-introspect). */
	struct vmprof_file_guest_kernel guest_kernel;
	bool have_guest_kernel;
	char *guest_release;
	uint64_t nr_guest_modules, nr_guest_exes;
	struct report_task *tasks;	/* [0] unused: "no task" */
	size_t nr_tasks, cap_tasks;
	struct hashmap task_map;	/* (ring, guest tid) -> task */
	uint64_t task_filtered;		/* samples the guest filters left */

	/* Guest call chains (report-callchain.c); NULL without. */
	struct report_callchains *cc;
	bool guests_set;	/* the resolver has the guest symbols */
	char abort_msg[1024];	/* why a callback stopped the reading */

	/* Aggregation. */
	struct hist hist;
	uint64_t total;
	uint64_t total_period;
	uint64_t ctx_samples[REPORT_CTX_MAX];
	uint64_t ctx_period[REPORT_CTX_MAX];
	uint64_t worker_samples;	/* VMPROF_SAMPLE_WORKER */
	uint64_t worker_period;
	uint64_t charged;
	uint64_t vcpu_skipped;
	uint64_t vcpu_samples;	/* samples of the --vcpu vCPU */
	struct vmprof_resolver *resolver;
	struct report_sym_cache *sym_cache;
	struct hashmap names;	/* raw name -> printable, demangled */
	struct hashmap comms;	/* pid -> command name (COMM records) */
	struct hashmap vm_names; /* pid -> VM name (VM_NAME records) */
	struct hashmap vms;	/* pid -> samples, of every VM seen */
	/* perf-script: samples in a time-ordered window (a heap). */
	struct report_sample *window;
	size_t nr_window, cap_window;
	uint64_t nr_printed, late_samples, last_printed_ns;

	/* Results. */
	struct report_row **rows;
	size_t nr_rows;
	struct report_exit *exit_rows;
	size_t nr_exit_rows;
	struct hashmap exit_index;	/* (isa, reason) -> exit_rows index */
};

void report__init(struct report *rep);
void report__exit(struct report *rep);
extern const struct vmprof_data_ops report_data_ops;
extern const struct vmprof_data_ops report_sample_ops;
/* Symbolize the aggregated samples into sorted rows. */
void report__build(struct report *rep);
/* Free the rows and exit rows, to build them again (a live view). */
void report__clear_rows(struct report *rep);
/* Forget the addresses resolved so far (the guest KASLR offset moved). */
void report__forget_symbols(struct report *rep);

const char *report__sort_name(int key);
int report__parse_sort(struct report *rep, const char *arg);
/* Add a sort key (just before another one, if that one is there). */
void report__add_sort_key(struct report *rep, int key, int before);
/* -F, --fields: the text columns (report-print.c); adds their keys. */
int report__parse_fields(struct report *rep, const char *arg);
/* The comm shown for a hist key: its guest task's, or what it is. */
const char *report__key_comm(const struct report *rep,
			     const struct hist_key *key);
/* --guest-comm, --guest-pid, --guest-tid given. */
bool report_filter__guest_tasks(const struct report_filter *f);

/* Resolve the address of a hist key (guest, host kernel or VMM), with
 * a cache: each distinct address is looked up once. */
void report__resolve(struct report *rep, const struct hist_key *key,
		     struct vmprof_resolved *out);

/*
 * Guest symbols that resolve none of the guest kernel samples belong to
 * another kernel (or need another KASLR offset): -1 with err saying so,
 * rather than a profile of [unknown] rows.
 */
int report__check_guest(struct report *rep, char *err, size_t len);

/* Totals shown in headers. */
uint64_t report__lost(const struct report *rep);
uint64_t report__nr_exits(const struct report *rep);
uint64_t report__duration_ns(const struct report *rep);
uint64_t report__guest_samples(const struct report *rep);
uint64_t report__vmm_samples(const struct report *rep);
uint64_t report__host_samples(const struct report *rep);
bool report__multiplexed(const struct report *rep);
/* The same, in period (events or ns): what percentages are shares of. */
uint64_t report__guest_period(const struct report *rep);
uint64_t report__vmm_period(const struct report *rep);
unsigned int report__nr_vcpus(const struct report *rep);
const char *report__string(const struct report *rep, unsigned int key);
/* The command name of a VMM process, or NULL if the file does not say. */
const char *report__comm(struct report *rep, uint32_t pid);
/* The VM's name as recorded (VM_NAME records), or NULL. */
const char *report__vm_name(struct report *rep, uint32_t pid);
/* The VMs (VMM pids) with samples, sorted; returns how many. */
size_t report__vms(struct report *rep, uint32_t **pids);
/* With --vm NAME, also the VMs the filters left no sample of. */
size_t report__all_vms(struct report *rep, uint32_t **pids);
uint64_t report__vm_samples(struct report *rep, uint32_t pid);

/*
 * Give the resolver the guest symbol options, with the recorded LSTAR
 * as the KASLR hint; once (later calls do nothing).  -1 with err set
 * when the symbols do not fit.
 */
int report__set_guests(struct report *rep, char *err, size_t len);
/* Count the samples kept until the guest symbols were known. */
int report__flush_deferred(struct report *rep, char *err, size_t len);

/* Resolve a guest address of the VM vm (a chain frame). */
void report__resolve_guest(struct report *rep, uint32_t vm, uint64_t addr,
			   struct vmprof_resolved *out);
/* Call chains are read from the recording and shown. */
bool report__callchains(const struct report *rep);

/* The VMM function that did the work of a charged sample. */
void report__resolve_vmm(struct report *rep, const struct hist_key *key,
			 struct vmprof_resolved *out);
/* The context of the guest address a VMM sample is charged to. */
uint32_t report__charged_context(const struct vmprof_resolved *res,
				 uint64_t addr);

/* report-filter.c: the sample filters (--vm, --pid, --tid, --comm,
 * --vcpu, --time) and the function filters (--dsos, --symbols). */
int report_filter__add_ids(uint32_t **v, size_t *nr, const char *arg);
int report_filter__add_names(char ***v, size_t *nr, const char *arg);
int report_filter__add_vms(struct report_filter *f, const char *arg);
/* The first --vm name no sample's VM had, or NULL. */
const char *report_filter__missing_vm(const struct report_filter *f);
int report_filter__parse_time(struct report_filter *f, const char *arg);
/* Turn --time N%-M% into ns once the recording's span is known. */
void report_filter__resolve_time(struct report *rep, uint64_t first_ns,
				 uint64_t last_ns);
bool report_filter__sample(struct report *rep,
			   const struct vmprof_file_sample *s,
			   uint32_t vm_pid);
bool report_filter__function(const struct report *rep,
			     const struct vmprof_resolved *res);
/* The same for the function of a hist key (resolved when needed). */
bool report_filter__function_key(struct report *rep,
				 const struct hist_key *key);
void report_filter__free(struct report_filter *f);

/* perf-script (report-perf-script.c): print one sample, in time order
 * through a window; flush the window at the end. */
void perf_script__sample(struct report *rep, const struct vmprof_file_sample *s,
			 const struct hist_key *key);
int perf_script__flush(struct report *rep, FILE *fp);

/* Output, report-print.c: plain text and JSON. */
void print_report_plain(struct report *rep, FILE *fp);
void print_report_json(struct report *rep, FILE *fp);
void print_error_json(FILE *fp, const char *msg);

/* The stack formats (docs/formats.md); 0 or -1 with an error printed. */
int print_report_folded(struct report *rep, FILE *fp);
int print_report_svg(struct report *rep, FILE *fp);
int print_report_pprof(struct report *rep, FILE *fp);

#endif /* VMPROF_REPORT_H */
