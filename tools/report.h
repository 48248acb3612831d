/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMPROF_REPORT_H
#define VMPROF_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "data.h"
#include "hist.h"
#include "resolve.h"

enum report_sort_key {
	SORT_SYM,		/* symbol + dso + context */
	SORT_DSO,
	SORT_CONTEXT,
	SORT_VCPU,
	SORT_EXIT,
	SORT__MAX,
};

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

/* One sample kept for the per-sample formats (perf-script). */
struct report_sample {
	uint64_t time_ns;
	uint64_t period;
	uint64_t seq;		/* file order, for a stable sort */
	struct hist_key key;
	uint32_t tid;
	uint32_t cpu;
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
	bool unknown;		/* symbol keyed and not resolved */
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
	bool stacks;		/* keep vCPU and VM pid in the hist keys */
	bool keep_samples;	/* keep every sample (perf-script) */
	const char *output;	/* NULL: stdout */
	FILE *out;		/* stdout or -o FILE */
	bool out_created;	/* -o FILE did not exist before */
	bool sort_given;	/* --sort on the command line */
	struct vmprof_guest_opts guest;

	/* From the file. */
	struct vmprof_file_info info;
	bool have_info;
	struct vmprof_file_stats stats;
	bool have_stats;
	struct vmprof_file_end end;
	bool have_end;
	struct vmprof_exit_stat *exit_stats;
	size_t nr_exit_stats;
	char *strings[16];
	uint64_t lost_records;	/* sum of LOST records */
	uint64_t first_ns, last_ns;	/* sample times seen */
	uint64_t nr_mmaps;
	bool have_host_kallsyms;
	struct vmprof_data_result result;

	/* Aggregation. */
	struct hist hist;
	uint64_t total;
	uint64_t total_period;
	uint64_t ctx_samples[REPORT_CTX_MAX];
	uint64_t ctx_period[REPORT_CTX_MAX];
	uint64_t charged;
	uint64_t vcpu_skipped;
	uint64_t vcpu_samples;	/* samples of the --vcpu vCPU */
	struct vmprof_resolver *resolver;
	struct report_sym_cache *sym_cache;
	struct report_sample *samples;
	size_t nr_samples, cap_samples;

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
/* Symbolize the aggregated samples into sorted rows. */
void report__build(struct report *rep);

const char *report__sort_name(int key);
int report__parse_sort(struct report *rep, const char *arg);

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
/* The same, in period (events or ns): what percentages are shares of. */
uint64_t report__guest_period(const struct report *rep);
uint64_t report__vmm_period(const struct report *rep);
unsigned int report__nr_vcpus(const struct report *rep);
const char *report__string(const struct report *rep, unsigned int key);

/* Output, report-print.c: plain text and JSON. */
void print_report_plain(struct report *rep, FILE *fp);
void print_report_json(struct report *rep, FILE *fp);
void print_error_json(FILE *fp, const char *msg);

/* The stack formats (docs/formats.md); 0 or -1 with an error printed. */
int print_report_folded(struct report *rep, FILE *fp);
int print_report_svg(struct report *rep, FILE *fp);
int print_report_perf_script(struct report *rep, FILE *fp);
int print_report_pprof(struct report *rep, FILE *fp);

#endif /* VMPROF_REPORT_H */
