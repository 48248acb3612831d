// SPDX-License-Identifier: GPL-2.0
/*
 * vmprof report: aggregation of samples and symbolization into rows.
 *
 * Samples are counted in a hash table keyed by address while the file
 * streams by; afterwards each distinct address is symbolized once and
 * folded into rows keyed by the --sort keys.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "demangle.h"
#include "exit-reasons.h"
#include "names.h"
#include "report-callchain.h"
#include "report.h"
#include "util.h"

static const char * const sort_names[SORT__MAX] = {
	[SORT_SYM]	= "sym",
	[SORT_DSO]	= "dso",
	[SORT_CONTEXT]	= "context",
	[SORT_VCPU]	= "vcpu",
	[SORT_EXIT]	= "exit",
	[SORT_VM]	= "vm",
	[SORT_VMM_SYM]	= "vmm_sym",
	[SORT_COMM]	= "comm",
	[SORT_PID]	= "pid",
	[SORT_TID]	= "tid",
};

const char *report__sort_name(int key)
{
	return sort_names[key];
}

int report__parse_sort(struct report *rep, const char *arg)
{
	char *copy = xstrdup(arg), *tok, *save = NULL;
	int k;

	rep->nr_sort = 0;
	memset(rep->sort_has, 0, sizeof(rep->sort_has));
	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		for (k = 0; k < SORT__MAX; k++)
			if (!strcmp(tok, sort_names[k]))
				break;
		if (k == SORT__MAX) {
			pr_usage("report",
				 "unknown sort key '%s' (keys: sym, dso, context, vcpu, exit, vm, vmm_sym, comm, pid, tid)",
				 tok);
			free(copy);
			return -1;
		}
		if (rep->sort_has[k])
			continue;
		rep->sort_has[k] = true;
		rep->sort[rep->nr_sort++] = k;
	}
	free(copy);
	if (!rep->nr_sort) {
		pr_usage("report", "--sort needs at least one key");
		return -1;
	}
	return 0;
}

struct exit_row_key {
	uint32_t isa;
	uint32_t reason;
};

struct exit_row_entry {
	struct exit_row_key key;
	size_t index;		/* in rep->exit_rows */
};

static bool exit_row_eq(const void *entry, const void *key)
{
	return !memcmp(entry, key, sizeof(struct exit_row_key));
}

/* Names as printed: raw pointer (stable: libdw's or kallsyms' strings)
 * to the demangled, printable copy, or to itself. */
struct name_entry {
	const char *raw;
	char *name;		/* NULL: raw is printable as it is */
};

static bool name_eq(const void *entry, const void *key)
{
	return ((const struct name_entry *)entry)->raw == key;
}

struct comm_entry {
	uint32_t pid;
	char *comm;
};

struct vm_entry {
	uint32_t pid;
	uint64_t samples;
};

static bool u32_eq(const void *entry, const void *key)
{
	return *(const uint32_t *)entry == *(const uint32_t *)key;
}

void report__add_sort_key(struct report *rep, int key, int before)
{
	int i, at = rep->nr_sort;

	if (rep->sort_has[key])
		return;
	for (i = 0; i < rep->nr_sort; i++)
		if (rep->sort[i] == before)
			at = i;
	memmove(&rep->sort[at + 1], &rep->sort[at],
		(rep->nr_sort - at) * sizeof(rep->sort[0]));
	rep->sort[at] = key;
	rep->nr_sort++;
	rep->sort_has[key] = true;
}

/* ---- guest tasks ---- */

/* Which task a (ring, guest tid) stands for now: GUEST_TASK records. */
struct task_map_entry {
	uint64_t key;		/* ring << 32 | tid */
	uint32_t task;
};

static bool u64_eq(const void *entry, const void *key)
{
	return *(const uint64_t *)entry == *(const uint64_t *)key;
}

static void task_map_set(struct report *rep, uint32_t cpu, uint32_t tid,
			 uint32_t task)
{
	uint64_t key = (uint64_t)cpu << 32 | tid;
	struct task_map_entry *e;
	bool added;

	e = hashmap__insert(&rep->task_map, hash_u64(key), &key, &added);
	e->key = key;
	e->task = task;
}

static uint32_t task_map_get(struct report *rep, uint32_t cpu, uint32_t tid)
{
	uint64_t key = (uint64_t)cpu << 32 | tid;
	const struct task_map_entry *e;

	e = hashmap__find(&rep->task_map, hash_u64(key), &key);
	return e ? e->task : 0;
}

/* The table index of (pid, tid, comm), added if new; never 0. */
static uint32_t task_intern(struct report *rep, uint32_t pid, uint32_t tid,
			    const char *comm)
{
	struct report_task *t;
	size_t i;

	for (i = rep->nr_tasks; i-- > 1;) {
		t = &rep->tasks[i];
		if (t->pid == pid && t->tid == tid &&
		    !strncmp(t->comm, comm, sizeof(t->comm)))
			return i;
	}
	if (!rep->nr_tasks)
		rep->nr_tasks = 1;
	if (rep->nr_tasks >= rep->cap_tasks) {
		rep->cap_tasks = rep->cap_tasks ? 2 * rep->cap_tasks : 64;
		rep->tasks = xrealloc(rep->tasks,
				      rep->cap_tasks * sizeof(*rep->tasks));
	}
	t = &rep->tasks[rep->nr_tasks];
	memset(t, 0, sizeof(*t));
	t->pid = pid;
	t->tid = tid;
	strncpy(t->comm, comm, sizeof(t->comm) - 1);
	return rep->nr_tasks++;
}

const char *report__key_comm(const struct report *rep,
			     const struct hist_key *key)
{
	if (key->task && rep->tasks[key->task].comm[0])
		return rep->tasks[key->task].comm;
	if (key->task)
		return REPORT_COMM_NONE_GUEST;
	if (key->charged)
		return REPORT_COMM_NONE_VMM;
	switch (key->context) {
	case VMPROF_CTX_VMM_KERNEL:
	case VMPROF_CTX_VMM_USER:
		return REPORT_COMM_NONE_VMM;
	case VMPROF_CTX_HOST_KERNEL:
	case VMPROF_CTX_HOST_USER:
		return REPORT_COMM_NONE_HOST;
	}
	return REPORT_COMM_NONE_GUEST;
}

static bool task_wanted(const struct report *rep, uint32_t task)
{
	const struct report_task *t = task ? &rep->tasks[task] : NULL;
	size_t i;
	bool ok;

	if (!t)
		return false;
	const struct report_filter *f = &rep->filter;

	if (f->nr_guest_comms) {
		for (i = 0, ok = false; i < f->nr_guest_comms && !ok; i++)
			ok = !strncmp(f->guest_comms[i], t->comm,
				      sizeof(t->comm));
		if (!ok)
			return false;
	}
	if (f->nr_guest_pids) {
		for (i = 0, ok = false; i < f->nr_guest_pids && !ok; i++)
			ok = f->guest_pids[i] == t->pid;
		if (!ok)
			return false;
	}
	if (f->nr_guest_tids) {
		for (i = 0, ok = false; i < f->nr_guest_tids && !ok; i++)
			ok = f->guest_tids[i] == t->tid;
		if (!ok)
			return false;
	}
	return true;
}

void report__init(struct report *rep)
{
	memset(rep, 0, sizeof(*rep));
	rep->input = "vmprof.data";
	rep->sort[0] = SORT_SYM;
	rep->nr_sort = 1;
	rep->sort_has[SORT_SYM] = true;
	hist__init(&rep->hist);
	hashmap__init(&rep->exit_index, sizeof(struct exit_row_entry),
		      exit_row_eq);
	hashmap__init(&rep->names, sizeof(struct name_entry), name_eq);
	hashmap__init(&rep->comms, sizeof(struct comm_entry), u32_eq);
	hashmap__init(&rep->vm_names, sizeof(struct comm_entry), u32_eq);
	hashmap__init(&rep->vms, sizeof(struct vm_entry), u32_eq);
	hashmap__init(&rep->task_map, sizeof(struct task_map_entry), u64_eq);
	rep->demangle = true;
	rep->cg.threshold = 0.5;
	rep->cg.max_stack = UNWIND_MAX_FRAMES;
	rep->pass = PASS_AGGREGATE;
	rep->resolver = vmprof_resolver__new();
}

static void sym_cache__delete(struct report_sym_cache *c);

void report__clear_rows(struct report *rep)
{
	size_t i;

	for (i = 0; i < rep->nr_rows; i++) {
		free(rep->rows[i]->exits);
		free(rep->rows[i]->srcline);
		free(rep->rows[i]->inlined);
		free(rep->rows[i]->chains);
		free(rep->rows[i]);
	}
	free(rep->rows);
	rep->rows = NULL;
	rep->nr_rows = 0;
	for (i = 0; i < rep->nr_exit_rows; i++) {
		free(rep->exit_rows[i].funcs);
		hashmap__exit(&rep->exit_rows[i].func_index);
	}
	free(rep->exit_rows);
	rep->exit_rows = NULL;
	rep->nr_exit_rows = 0;
	hashmap__exit(&rep->exit_index);
	hashmap__init(&rep->exit_index, sizeof(struct exit_row_entry),
		      exit_row_eq);
}

void report__forget_symbols(struct report *rep)
{
	sym_cache__delete(rep->sym_cache);
	rep->sym_cache = NULL;
}

void report__exit(struct report *rep)
{
	size_t i;

	report__clear_rows(rep);
	hashmap__exit(&rep->exit_index);
	free(rep->exit_stats);
	free(rep->exit_offcpu);
	free(rep->window);
	{
		struct name_entry *n;
		struct comm_entry *c;
		size_t pos;

		hashmap__for_each(&rep->names, pos, n)
			free(n->name);
		hashmap__for_each(&rep->comms, pos, c)
			free(c->comm);
		hashmap__for_each(&rep->vm_names, pos, c)
			free(c->comm);
	}
	hashmap__exit(&rep->names);
	hashmap__exit(&rep->comms);
	hashmap__exit(&rep->vm_names);
	hashmap__exit(&rep->vms);
	hashmap__exit(&rep->task_map);
	free(rep->tasks);
	free(rep->guest_release);
	report_filter__free(&rep->filter);
	free(rep->vm_guests);
	sym_cache__delete(rep->sym_cache);
	for (i = 0; i < ARRAY_SIZE(rep->strings); i++)
		free(rep->strings[i]);
	hist__exit(&rep->hist);
	report_callchains__delete(rep->cc);
	vmprof_resolver__delete(rep->resolver);
}

/* ---- reading the file ---- */

int report__set_guests(struct report *rep, char *err, size_t len)
{
	bool lstar = rep->have_info &&
		     (rep->info.info_flags & VMPROF_INFO_LSTAR);
	size_t i;

	if (rep->guests_set)
		return 0;
	rep->guests_set = true;
	/* The LSTAR is the recorded VM's: the KASLR hint of its symbols
	 * and of the symbols for every VM. */
	for (i = 0; i < rep->nr_vm_guests; i++) {
		struct report_vm_guest *v = &rep->vm_guests[i];

		if (vmprof_resolver__set_guest(rep->resolver, v->pid, &v->opts,
					       lstar && rep->info.pid > 0 &&
					       (uint32_t)rep->info.pid ==
					       v->pid, rep->info.guest_lstar,
					       err, len))
			return -1;
	}
	if (vmprof_resolver__set_guest(rep->resolver, 0, &rep->guest, lstar,
				       rep->info.guest_lstar, err, len))
		return -1;
	if (rep->guest_modules &&
	    vmprof_resolver__guest_modules(rep->resolver, rep->guest_modules,
					   err, len))
		return -1;
	return 0;
}

bool report__callchains(const struct report *rep)
{
	return rep->have_info && rep->info.call_graph &&
	       (rep->stacks || rep->cg.print != CG_PRINT_NONE);
}

/*
 * Unwinding needs the guest symbols while the samples are read (where the
 * guest kernel is, its tables): a recording with call chains gives them
 * to the resolver at its first INFO record, and once the guest LSTAR is
 * recorded (a later INFO) moves them by the KASLR offset it gives.
 * Samples with a stack wait until then (guests_waiting()).
 */
static int callchain_info(struct report *rep)
{
	bool lstar = rep->info.info_flags & VMPROF_INFO_LSTAR;
	char err[1024];

	if (!rep->guests_set && report__set_guests(rep, err, sizeof(err)))
		goto fail;
	if (lstar && vmprof_resolver__needs_lstar(rep->resolver,
						  rep->info.pid > 0 ?
						  rep->info.pid : 0) &&
	    vmprof_resolver__set_lstar(rep->resolver, rep->info.pid > 0 ?
				       rep->info.pid : 0,
				       rep->info.guest_lstar, err,
				       sizeof(err)))
		goto fail;
	if (lstar && report__flush_deferred(rep, err, sizeof(err)))
		goto fail;
	return 0;
fail:
	snprintf(rep->abort_msg, sizeof(rep->abort_msg), "%s", err);
	return -1;
}

static int on_info(void *ctx, const struct vmprof_file_info *info)
{
	struct report *rep = ctx;
	bool first = !rep->have_info;

	rep->info = *info;
	rep->have_info = true;
	if (!rep->cc && report__callchains(rep))
		rep->cc = report_callchains__new();
	/* Made for GUEST_ORC records ahead of the first INFO, not wanted. */
	if (first && rep->cc && !report__callchains(rep)) {
		report_callchains__delete(rep->cc);
		rep->cc = NULL;
	}
	if (rep->cc && rep->pass != PASS_TIMES)
		return callchain_info(rep);
	return 0;
}

/*
 * A guest module's ORC tables.  record writes them with the guest's
 * modules, ahead of the INFO record that says whether the recording has
 * call chains: they are kept until it comes.
 */
static int on_guest_orc(void *ctx, const struct vmprof_file_guest_orc *o,
			const char *name, const void *ip, const void *orc)
{
	struct report *rep = ctx;

	if (!rep->cc && !rep->have_info)
		rep->cc = report_callchains__new();
	report_callchains__orc(rep, o, name, ip, orc);
	return 0;
}

static int on_guest_stack(void *ctx, const struct vmprof_guest_stack_view *v)
{
	struct report *rep = ctx;

	if (rep->pass != PASS_TIMES)
		report_callchains__stack(rep, v);
	return 0;
}

/* Replace *s by its printable form (util.h str_sanitize()). */
static void sanitize_in_place(char **s)
{
	char *clean = str_sanitize(*s);

	if (clean) {
		free(*s);
		*s = clean;
	}
}

static int on_string(void *ctx, __u32 key, const char *s, size_t len)
{
	struct report *rep = ctx;

	if (key >= ARRAY_SIZE(rep->strings))
		return 0;
	free(rep->strings[key]);
	rep->strings[key] = xstrndup(s, len);
	sanitize_in_place(&rep->strings[key]);
	return 0;
}

static void set_pid_name(struct hashmap *map, uint32_t pid, const char *s,
			 size_t len)
{
	struct comm_entry *c;
	bool added;

	c = hashmap__insert(map, hash_u64(pid), &pid, &added);
	if (added)
		c->pid = pid;
	free(c->comm);
	c->comm = xstrndup(s, len);
	sanitize_in_place(&c->comm);
}

static int on_comm(void *ctx, __s32 pid, const char *s, size_t len)
{
	struct report *rep = ctx;

	set_pid_name(&rep->comms, pid, s, len);
	return 0;
}

static int on_vm_name(void *ctx, __s32 pid, const char *s, size_t len)
{
	struct report *rep = ctx;

	set_pid_name(&rep->vm_names, pid, s, len);
	return 0;
}

static int on_kallsyms(void *ctx, const char *text, size_t len)
{
	struct report *rep = ctx;

	vmprof_resolver__set_host_kallsyms(rep->resolver, text, len);
	rep->have_host_kallsyms = true;
	return 0;
}

static int on_mmap(void *ctx, const struct vmprof_file_mmap *m,
		   const char *path, size_t len)
{
	struct report *rep = ctx;

	vmprof_resolver__add_mmap(rep->resolver, m, path, len);
	rep->nr_mmaps++;
	return 0;
}

static int on_guest_kernel(void *ctx, const struct vmprof_file_guest_kernel *k,
			   const char *release, const char *vmcoreinfo,
			   size_t len)
{
	struct report *rep = ctx;

	(void)vmcoreinfo;
	(void)len;
	rep->guest_kernel = *k;
	rep->have_guest_kernel = true;
	free(rep->guest_release);
	rep->guest_release = xstrdup(release);
	vmprof_resolver__set_guest_kernel(rep->resolver, k, release);
	return 0;
}

static int on_guest_module(void *ctx, const struct vmprof_file_guest_module *m,
			   const char *name,
			   const struct vmprof_file_guest_section *secs,
			   const char *names, const char *symbols)
{
	struct report *rep = ctx;

	vmprof_resolver__add_guest_module(rep->resolver, m, name, secs, names,
					  symbols);
	rep->nr_guest_modules++;
	return 0;
}

static int on_guest_task(void *ctx, const struct vmprof_file_guest_task *t)
{
	struct report *rep = ctx;
	char comm[sizeof(t->comm) + 1];

	memcpy(comm, t->comm, sizeof(t->comm));
	comm[sizeof(t->comm)] = 0;
	task_map_set(rep, t->cpu, t->tid,
		     task_intern(rep, t->pid, t->tid, comm));
	return 0;
}

static int on_guest_exe(void *ctx, const struct vmprof_file_guest_exe *e,
			const char *path)
{
	struct report *rep = ctx;

	vmprof_resolver__add_guest_exe(rep->resolver, e, path);
	rep->nr_guest_exes++;
	return 0;
}

static bool is_vmm(uint32_t context)
{
	return context == VMPROF_CTX_VMM_KERNEL ||
	       context == VMPROF_CTX_VMM_USER;
}

/* The VM of a sample: its VMM process; samples of a per-process
 * recording that do not say belong to the recorded one. */
static uint32_t sample_vm(const struct report *rep,
			  const struct vmprof_file_sample *s)
{
	if (s->pid)
		return s->pid;
	if (s->context >= VMPROF_CTX_GUEST_KERNEL &&
	    s->context <= VMPROF_CTX_VMM_USER && rep->have_info &&
	    rep->info.pid > 0)
		return rep->info.pid;
	return 0;
}

static void sample_key(struct report *rep, const struct vmprof_file_sample *s,
		       uint32_t c, uint32_t vm, uint32_t task,
		       struct hist_key *key)
{
	bool keep_vmm = rep->stacks || rep->sort_has[SORT_VMM_SYM];

	memset(key, 0, sizeof(*key));
	key->context = c;
	key->exit_reason = HIST_NO_EXIT;
	key->vm_pid = vm;
	switch (c) {
	case VMPROF_CTX_GUEST_KERNEL:
		key->addr = s->guest_rip;
		break;
	case VMPROF_CTX_GUEST_USER:
		key->addr = s->guest_rip;
		/* Its program's symbols, when the recording found it (its
		 * GUEST_EXE record may come later in the file). */
		if (task)
			key->pid = rep->tasks[task].pid;
		break;
	case VMPROF_CTX_VMM_USER:
	case VMPROF_CTX_HOST_USER:
		key->addr = s->host_ip;
		key->pid = s->pid;
		break;
	default:
		key->addr = s->host_ip;
		break;
	}
	if (rep->have_info &&
	    rep->info.mode == VMPROF_MODE_DOMAIN_SWITCH && is_vmm(c) &&
	    (s->flags & VMPROF_SAMPLE_EXIT)) {
		/* Domain switch: VMM work is charged to the guest
		 * instruction that caused the exit; the VMM function that
		 * did it is kept when a sort key or a stack shows it. */
		key->charged = 1;
		key->addr = s->exit_guest_rip;
		key->exit_reason = s->exit_reason;
		if (keep_vmm)
			key->vmm_addr = s->host_ip;
		else
			key->pid = 0;
	}
	if (rep->sort_has[SORT_VCPU] || rep->split_vcpu ||
	    rep->pass == PASS_PRINT)
		key->vcpu = s->vcpu;
	if (rep->sort_has[SORT_COMM] || rep->sort_has[SORT_PID] ||
	    rep->sort_has[SORT_TID])
		key->task = task;
}

/* The guest task of a sample, 0 if it has none. */
static uint32_t sample_task(struct report *rep,
			    const struct vmprof_file_sample *s, uint32_t c)
{
	uint32_t task;

	if (!(s->flags & VMPROF_SAMPLE_GUEST_TASK) ||
	    (c != VMPROF_CTX_GUEST_KERNEL && c != VMPROF_CTX_GUEST_USER))
		return 0;
	task = task_map_get(rep, s->cpu, s->guest_tid);
	if (!task || rep->tasks[task].pid != s->guest_pid)
		task = task_intern(rep, s->guest_pid, s->guest_tid, "");
	return task;
}

static struct vm_entry *find_vm(struct report *rep, uint32_t vm)
{
	struct vm_entry *v;
	bool added;

	v = hashmap__insert(&rep->vms, hash_u64(vm), &vm, &added);
	if (added) {
		v->pid = vm;
		v->samples = 0;
	}
	return v;
}

static int on_sample(void *ctx, const struct vmprof_file_sample *s)
{
	struct report *rep = ctx;
	struct hist_key key;
	uint32_t c = s->context, vm, task;

	if (rep->pass == PASS_TIMES) {
		if (!rep->first_ns || s->time_ns < rep->first_ns)
			rep->first_ns = s->time_ns;
		if (s->time_ns > rep->last_ns)
			rep->last_ns = s->time_ns;
		return 0;
	}
	if (c >= REPORT_CTX_MAX)
		c = 0;
	vm = sample_vm(rep, s);
	/* Every VM of the file, for the error of a --vm name none has. */
	if (rep->filter.nr_vm_names && vm)
		find_vm(rep, vm);
	if (report_callchains__defer(rep, s, vm))
		return 0;
	if (!report_filter__sample(rep, s, vm)) {
		report_callchains__drop(rep);
		return 0;
	}
	task = sample_task(rep, s, c);
	if (report_filter__guest_tasks(&rep->filter) &&
	    !task_wanted(rep, task)) {
		rep->task_filtered++;
		report_callchains__drop(rep);
		return 0;
	}
	sample_key(rep, s, c, vm, task, &key);
	key.chain = report_callchains__sample(rep, s, vm, key.charged);
	if (rep->pass == PASS_PRINT) {
		perf_script__sample(rep, s, &key);
		return 0;
	}
	hist__add(&rep->hist, &key, s->period);
	if (vm)
		find_vm(rep, vm)->samples++;
	if (key.charged)
		rep->charged++;
	rep->total++;
	rep->total_period += s->period;
	rep->ctx_samples[c]++;
	rep->ctx_period[c] += s->period;
	if (s->flags & VMPROF_SAMPLE_WORKER) {
		rep->worker_samples++;
		rep->worker_period += s->period;
	}
	if (!rep->first_ns || s->time_ns < rep->first_ns)
		rep->first_ns = s->time_ns;
	if (s->time_ns > rep->last_ns)
		rep->last_ns = s->time_ns;
	return 0;
}

int report__flush_deferred(struct report *rep, char *err, size_t len)
{
	if (report_callchains__replay(rep, on_sample)) {
		snprintf(err, len, "%s", rep->abort_msg);
		return -1;
	}
	return 0;
}

static int on_lost(void *ctx, const struct vmprof_file_lost *l)
{
	struct report *rep = ctx;

	rep->lost_records += l->lost;
	if (l->time_ns > rep->last_ns)
		rep->last_ns = l->time_ns;
	return 0;
}

static int on_exit_stats(void *ctx, const struct vmprof_exit_stat *e,
			 const __u64 *offcpu, __u32 nr)
{
	struct report *rep = ctx;

	/* The last EXIT_STATS record holds the totals. */
	free(rep->exit_stats);
	free(rep->exit_offcpu);
	rep->exit_stats = xmalloc((nr ? nr : 1) * sizeof(*e));
	memcpy(rep->exit_stats, e, nr * sizeof(*e));
	rep->exit_offcpu = NULL;
	if (offcpu) {
		rep->exit_offcpu = xmalloc((nr ? nr : 1) * sizeof(*offcpu));
		memcpy(rep->exit_offcpu, offcpu, nr * sizeof(*offcpu));
	}
	rep->nr_exit_stats = nr;
	return 0;
}

static int on_stats(void *ctx, const struct vmprof_file_stats *st)
{
	struct report *rep = ctx;

	rep->stats = *st;
	rep->have_stats = true;
	return 0;
}

static int on_end(void *ctx, const struct vmprof_file_end *end)
{
	struct report *rep = ctx;

	rep->end = *end;
	rep->have_end = true;
	return 0;
}

static int on_unknown(void *ctx __maybe_unused, __u32 type, __u64 off,
		      __u32 size)
{
	pr_debug("skipping record of unknown type %u (%u bytes) at offset %llu",
		 type, size, (unsigned long long)off);
	return 0;
}

const struct vmprof_data_ops report_data_ops = {
	.info		= on_info,
	.string		= on_string,
	.kallsyms	= on_kallsyms,
	.mmap		= on_mmap,
	.sample		= on_sample,
	.lost		= on_lost,
	.exit_stats	= on_exit_stats,
	.stats		= on_stats,
	.end		= on_end,
	.comm		= on_comm,
	.vm_name	= on_vm_name,
	.guest_kernel	= on_guest_kernel,
	.guest_module	= on_guest_module,
	.guest_task	= on_guest_task,
	.guest_exe	= on_guest_exe,
	.guest_stack	= on_guest_stack,
	.guest_orc	= on_guest_orc,
	.unknown	= on_unknown,
};

/* The passes after the first: the samples again, and the guest tasks
 * their guest tids stand for, nothing else. */
const struct vmprof_data_ops report_sample_ops = {
	.sample		= on_sample,
	.guest_task	= on_guest_task,
	.guest_stack	= on_guest_stack,
};

/* ---- totals ---- */

uint64_t report__lost(const struct report *rep)
{
	if (rep->have_stats && rep->stats.lost > rep->lost_records)
		return rep->stats.lost;
	return rep->lost_records;
}

uint64_t report__nr_exits(const struct report *rep)
{
	uint64_t n = 0;
	size_t i;

	for (i = 0; i < rep->nr_exit_stats; i++)
		n += rep->exit_stats[i].count;
	return n;
}

uint64_t report__duration_ns(const struct report *rep)
{
	uint64_t start = rep->have_info ? rep->info.start_ns : 0;
	uint64_t end = rep->have_end ? rep->end.end_ns : rep->last_ns;

	if (!start)
		start = rep->first_ns;
	return end > start ? end - start : 0;
}

uint64_t report__guest_samples(const struct report *rep)
{
	return rep->ctx_samples[VMPROF_CTX_GUEST_KERNEL] +
	       rep->ctx_samples[VMPROF_CTX_GUEST_USER];
}

uint64_t report__vmm_samples(const struct report *rep)
{
	return rep->ctx_samples[VMPROF_CTX_VMM_KERNEL] +
	       rep->ctx_samples[VMPROF_CTX_VMM_USER];
}

uint64_t report__guest_period(const struct report *rep)
{
	return rep->ctx_period[VMPROF_CTX_GUEST_KERNEL] +
	       rep->ctx_period[VMPROF_CTX_GUEST_USER];
}

uint64_t report__vmm_period(const struct report *rep)
{
	return rep->ctx_period[VMPROF_CTX_VMM_KERNEL] +
	       rep->ctx_period[VMPROF_CTX_VMM_USER];
}

/*
 * Did perf multiplex the counters (running less than 99.5% of the time
 * they were enabled)?  Recordings before vmprof 0.2 do not say.
 */
bool report__multiplexed(const struct report *rep)
{
	return rep->have_stats && rep->stats.time_enabled &&
	       rep->stats.time_running * 1000 < rep->stats.time_enabled * 995;
}

uint64_t report__host_samples(const struct report *rep)
{
	return rep->total - report__guest_samples(rep) -
	       report__vmm_samples(rep);
}

unsigned int report__nr_vcpus(const struct report *rep)
{
	if (rep->have_stats)
		return rep->stats.nr_vcpus;
	return rep->have_info ? rep->info.nr_vcpus : 0;
}

const char *report__string(const struct report *rep, unsigned int key)
{
	if (key >= ARRAY_SIZE(rep->strings))
		return NULL;
	return rep->strings[key];
}

const char *report__comm(struct report *rep, uint32_t pid)
{
	const char *comm = report__string(rep, VMPROF_STR_VMM_COMM);
	const char *cmd = report__string(rep, VMPROF_STR_VMM_CMDLINE);
	struct comm_entry *c;
	const char *p;
	size_t n;

	c = hashmap__find(&rep->comms, hash_u64(pid), &pid);
	if (c)
		return c->comm;
	if (!pid || !rep->have_info || (uint32_t)rep->info.pid != pid)
		return NULL;
	if (comm && comm[0])
		return comm;
	if (!cmd || !cmd[0])
		return NULL;
	/* The kernel's comm: the program's name, 15 bytes; kept as a COMM
	 * of the pid so that the pointer stays valid. */
	n = strcspn(cmd, " ");
	for (p = cmd + n; p > cmd && p[-1] != '/'; p--)
		;
	n -= p - cmd;
	on_comm(rep, pid, p, n < 15 ? n : 15);
	c = hashmap__find(&rep->comms, hash_u64(pid), &pid);
	return c ? c->comm : NULL;
}

const char *report__vm_name(struct report *rep, uint32_t pid)
{
	struct comm_entry *c;

	c = hashmap__find(&rep->vm_names, hash_u64(pid), &pid);
	return c ? c->comm : NULL;
}

static int u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

uint64_t report__vm_samples(struct report *rep, uint32_t pid)
{
	struct vm_entry *v = hashmap__find(&rep->vms, hash_u64(pid), &pid);

	return v ? v->samples : 0;
}

static size_t list_vms(struct report *rep, uint32_t **pids, bool all)
{
	struct vm_entry *v;
	size_t pos, n = 0;

	*pids = xmalloc((rep->vms.nr ? rep->vms.nr : 1) * sizeof(**pids));
	hashmap__for_each(&rep->vms, pos, v)
		if (v->samples || all)
			(*pids)[n++] = v->pid;
	qsort(*pids, n, sizeof(**pids), u32_cmp);
	return n;
}

size_t report__vms(struct report *rep, uint32_t **pids)
{
	return list_vms(rep, pids, false);
}

size_t report__all_vms(struct report *rep, uint32_t **pids)
{
	return list_vms(rep, pids, true);
}

/* ---- symbolization cache: one lookup per distinct address ---- */

enum addr_space {
	SPACE_GUEST = 1, SPACE_HOST_KERNEL, SPACE_HOST_USER, SPACE_GUEST_USER,
};

struct sym_cache_key {
	uint64_t addr;
	uint32_t pid;
	uint32_t space;
};

struct sym_cache_entry {
	struct sym_cache_key key;
	struct vmprof_resolved res;
};

struct report_sym_cache {
	struct hashmap map;	/* of struct sym_cache_entry */
};

static bool sym_cache_eq(const void *entry, const void *key)
{
	return !memcmp(entry, key, sizeof(struct sym_cache_key));
}

static void sym_cache__delete(struct report_sym_cache *c)
{
	if (c) {
		hashmap__exit(&c->map);
		free(c);
	}
}

/*
 * The name to print for a symbol or dso from a file: demangled (C++ and
 * Rust, legacy and v0, with libiberty's demangler; VMMs such as
 * Firecracker, cloud-hypervisor and crosvm are Rust) and printable.
 * Computed once per distinct name.
 */
static const char *display_name(struct report *rep, const char *raw,
				bool demangle)
{
	struct name_entry *n;
	char *dm = NULL, *clean;
	bool added;

	if (!raw)
		return NULL;
	n = hashmap__insert(&rep->names, hash_u64((uintptr_t)raw), raw,
			    &added);
	if (!added)
		return n->name ? n->name : raw;
	n->raw = raw;
	if (demangle)
		dm = vmprof_demangle(raw);
	clean = str_sanitize(dm ? dm : raw);
	if (clean) {
		free(dm);
		dm = clean;
	}
	n->name = dm;
	return dm ? dm : raw;
}

static void resolve(struct report *rep, struct report_sym_cache *c,
		    uint32_t space, uint32_t pid, uint64_t addr,
		    struct vmprof_resolved *out)
{
	struct sym_cache_key key = {
		.addr = addr, .pid = pid, .space = space,
	};
	struct sym_cache_entry *e;
	bool added;

	e = hashmap__insert(&c->map, hash_words(&key, sizeof(key)), &key,
			    &added);
	if (!added) {
		*out = e->res;
		return;
	}
	e->key = key;
	switch (space) {
	case SPACE_GUEST:
		vmprof_resolver__guest(rep->resolver, pid, addr, &e->res);
		break;
	case SPACE_GUEST_USER:
		vmprof_resolver__guest_user(rep->resolver, pid, addr, &e->res);
		break;
	case SPACE_HOST_KERNEL:
		vmprof_resolver__host_kernel(rep->resolver, addr, &e->res);
		break;
	default:
		vmprof_resolver__host_user(rep->resolver, pid, addr, &e->res);
		break;
	}
	e->res.symbol = display_name(rep, e->res.symbol, rep->demangle);
	e->res.dso = display_name(rep, e->res.dso, false);
	*out = e->res;
}

static uint32_t key_space(const struct hist_key *key)
{
	if (key->charged)
		return SPACE_GUEST;
	switch (key->context) {
	case VMPROF_CTX_GUEST_KERNEL:
		return SPACE_GUEST;
	case VMPROF_CTX_GUEST_USER:
		return key->pid ? SPACE_GUEST_USER : SPACE_GUEST;
	case VMPROF_CTX_VMM_USER:
	case VMPROF_CTX_HOST_USER:
		return SPACE_HOST_USER;
	default:
		return SPACE_HOST_KERNEL;
	}
}

static void sym_cache_init(struct report *rep)
{
	if (!rep->sym_cache) {
		rep->sym_cache = xcalloc(1, sizeof(*rep->sym_cache));
		hashmap__init(&rep->sym_cache->map,
			      sizeof(struct sym_cache_entry), sym_cache_eq);
	}
}

void report__resolve(struct report *rep, const struct hist_key *key,
		     struct vmprof_resolved *out)
{
	uint32_t space = key_space(key);

	sym_cache_init(rep);
	resolve(rep, rep->sym_cache, space,
		space == SPACE_GUEST ? key->vm_pid :
		space == SPACE_HOST_USER || space == SPACE_GUEST_USER ?
		key->pid : 0, key->addr, out);
}

void report__resolve_guest(struct report *rep, uint32_t vm, uint64_t addr,
			   struct vmprof_resolved *out)
{
	sym_cache_init(rep);
	resolve(rep, rep->sym_cache, SPACE_GUEST, vm, addr, out);
}

void report__resolve_vmm(struct report *rep, const struct hist_key *key,
			 struct vmprof_resolved *out)
{
	sym_cache_init(rep);
	if (key->context == VMPROF_CTX_VMM_USER)
		resolve(rep, rep->sym_cache, SPACE_HOST_USER, key->pid,
			key->vmm_addr, out);
	else
		resolve(rep, rep->sym_cache, SPACE_HOST_KERNEL, 0,
			key->vmm_addr, out);
}

/* ---- do the guest symbols fit the recording? ---- */

static bool guest_kernel_addr(const struct hist_key *k)
{
	if (k->charged)
		return k->addr >> 63;
	return k->context == VMPROF_CTX_GUEST_KERNEL;
}

struct guest_check {
	uint32_t vm;
	uint64_t n, hit, lo, hi;
};

static int check_one_guest(struct report *rep, const struct guest_check *c,
			   char *err, size_t len)
{
	enum vmprof_kaslr_source src;
	uint64_t off, elf_lo, elf_hi;
	const char *desc = vmprof_resolver__guest_desc(rep->resolver, c->vm);

	if (!c->n || c->hit)
		return 0;
	if (vmprof_resolver__guest_user_elf(rep->resolver, c->vm, &elf_lo,
					    &elf_hi) && c->lo >> 63) {
		snprintf(err, len,
			 "%s is a user-space ELF (code at 0x%" PRIx64 "-0x%" PRIx64 ") and the guest kernel samples are at 0x%" PRIx64 "-0x%" PRIx64 ": give the guest kernel's vmlinux",
			 desc, elf_lo, elf_hi, c->lo, c->hi);
		return -1;
	}
	off = vmprof_resolver__kaslr_offset(rep->resolver, c->vm, &src);
	snprintf(err, len,
		 "none of the %" PRIu64 " guest kernel samples (0x%" PRIx64 "-0x%" PRIx64 ") is in a symbol of %s with the KASLR offset 0x%" PRIx64 " (%s): these are not the recorded guest kernel's symbols%s",
		 c->n, c->lo, c->hi, desc, off,
		 src == VMPROF_KASLR_LSTAR ? "from the recorded LSTAR" :
		 src == VMPROF_KASLR_USER ? "from --kaslr-offset" :
		 "no LSTAR was recorded",
		 src == VMPROF_KASLR_LSTAR ? "" :
		 ", or the offset is wrong (--kaslr-offset)");
	return -1;
}

int report__check_guest(struct report *rep, char *err, size_t len)
{
	struct guest_check *checks = NULL, *c;
	const struct hist_entry *e;
	struct vmprof_resolved res;
	size_t pos, i, nr = 0;
	int ret = 0;

	if (!vmprof_resolver__has_guest(rep->resolver))
		return 0;
	/* Per VM: each may have symbols of its own. */
	for (pos = 0; (e = hist__next(&rep->hist, &pos)); ) {
		if (!guest_kernel_addr(&e->key) ||
		    !vmprof_resolver__has_guest_for(rep->resolver,
						    e->key.vm_pid))
			continue;
		for (i = 0; i < nr && checks[i].vm != e->key.vm_pid; i++)
			;
		if (i == nr) {
			checks = xrealloc(checks, (nr + 1) * sizeof(*checks));
			memset(&checks[nr], 0, sizeof(*checks));
			checks[nr].vm = e->key.vm_pid;
			checks[nr++].lo = UINT64_MAX;
		}
		c = &checks[i];
		c->n += e->samples;
		report__resolve(rep, &e->key, &res);
		if (res.symbol)
			c->hit += e->samples;
		if (e->key.addr < c->lo)
			c->lo = e->key.addr;
		if (e->key.addr > c->hi)
			c->hi = e->key.addr;
	}
	for (i = 0; i < nr && !ret; i++)
		ret = check_one_guest(rep, &checks[i], err, len);
	free(checks);
	return ret;
}

/* ---- rows ---- */

static uint64_t str_hash(const char *s)
{
	return s ? hash_str(s) : 0x1234;
}

static uint64_t row_hash(const struct report_row *k)
{
	uint64_t h = str_hash(k->symbol) * 3 + str_hash(k->dso) * 7;

	h ^= hash_u64(((uint64_t)k->context << 40) ^ ((uint64_t)k->vcpu << 8)
		      ^ k->exit);
	h ^= hash_u64(k->address + k->unknown);
	h ^= hash_u64(k->vm) * 5 + str_hash(k->vmm_symbol) * 11 +
	     str_hash(k->vmm_dso);
	h ^= str_hash(k->comm) * 13 +
	     hash_u64((uint64_t)k->pid << 32 ^ (uint64_t)k->tid);
	return h;
}

static bool str_eq(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return !strcmp(a, b);
}

static bool row_eq(const struct report_row *a, const struct report_row *b)
{
	return a->hash == b->hash && a->context == b->context &&
	       a->vcpu == b->vcpu && a->exit == b->exit &&
	       a->unknown == b->unknown && a->address == b->address &&
	       a->vm == b->vm && str_eq(a->symbol, b->symbol) &&
	       str_eq(a->dso, b->dso) && str_eq(a->vmm_symbol, b->vmm_symbol) &&
	       str_eq(a->vmm_dso, b->vmm_dso) && a->pid == b->pid &&
	       a->tid == b->tid && str_eq(a->comm, b->comm);
}

/* The rows table holds pointers: rows do not move. */
static bool row_entry_eq(const void *entry, const void *key)
{
	return row_eq(*(struct report_row * const *)entry, key);
}

static struct report_row *row_get(struct hashmap *rows,
				  const struct report_row *key)
{
	struct report_row **e, *r;
	bool added;

	e = hashmap__insert(rows, key->hash, key, &added);
	if (!added)
		return *e;
	r = xmalloc(sizeof(*r));
	*r = *key;
	*e = r;
	return r;
}

static void add_exit_count(struct report_exit_count **v, size_t *nr,
			   uint32_t reason, uint64_t samples)
{
	size_t i;

	/* A row has few exit reasons: a linear search is the fastest. */
	for (i = 0; i < *nr; i++) {
		if ((*v)[i].reason == reason) {
			(*v)[i].samples += samples;
			return;
		}
	}
	*v = xrealloc(*v, (*nr + 1) * sizeof(**v));
	(*v)[*nr].reason = reason;
	(*v)[*nr].samples = samples;
	(*nr)++;
}

static void row_add_chain(struct report_row *row, uint32_t id,
			  uint32_t start, const struct hist_entry *e)
{
	struct report_row_chain *c;

	if (!(row->nr_chains & (row->nr_chains - 1)))
		row->chains = xrealloc(row->chains, (row->nr_chains ?
				       row->nr_chains * 2 : 1) *
				       sizeof(*row->chains));
	c = &row->chains[row->nr_chains++];
	c->id = id;
	c->start = start;
	c->samples = e->samples;
	c->period = e->period;
}

/*
 * --children: the functions that called the sampled one get its samples
 * in their Children column, each once however often it recurs, and the
 * chain from there outwards.  Their rows are keyed as the sample's, with
 * the caller's symbol, dso and context, and no exit or VMM function.
 */
static void add_caller_rows(struct report *rep, struct hashmap *rows,
			    const struct report_row *leaf_key,
			    struct report_row *leaf,
			    const struct hist_entry *e)
{
	const struct report_chain *c = report_callchains__get(rep,
							      e->key.chain);
	struct report_row *seen[UNWIND_MAX_FRAMES + 1];
	unsigned int nr_seen = 0, i, k;

	seen[nr_seen++] = leaf;
	for (i = c->nr; i-- > 1; ) {
		struct report_frame f;
		struct report_row key, *row;

		report_callchains__frame(rep, c, i, &f);
		if (!report_filter__function(rep, &f.res))
			continue;
		key = *leaf_key;
		key.exit = HIST_NO_EXIT;
		key.vmm_symbol = NULL;
		key.vmm_dso = NULL;
		if (rep->sort_has[SORT_SYM]) {
			key.symbol = f.res.symbol ? f.res.symbol : "[unknown]";
			key.unknown = !f.res.symbol;
			key.address = key.unknown ? f.addr : 0;
		}
		if (rep->sort_has[SORT_SYM] || rep->sort_has[SORT_DSO])
			key.dso = f.res.dso;
		if (rep->sort_has[SORT_SYM] || rep->sort_has[SORT_CONTEXT])
			key.context = f.context;
		key.hash = row_hash(&key);
		row = row_get(rows, &key);
		/* Outermost first: a recursion counts where it starts. */
		for (k = 0; k < nr_seen && seen[k] != row; k++)
			;
		if (k < nr_seen)
			continue;
		seen[nr_seen++] = row;
		row->children_samples += e->samples;
		row->children_period += e->period;
		row_add_chain(row, e->key.chain, i, e);
		if (!row->hot_samples && !key.unknown) {
			row->hot_addr = f.addr;
			row->hot = f.res;
		}
	}
}

static int exit_count_cmp(const void *a, const void *b)
{
	const struct report_exit_count *x = a, *y = b;

	if (x->samples != y->samples)
		return x->samples > y->samples ? -1 : 1;
	return x->reason < y->reason ? -1 : x->reason > y->reason;
}

static struct report_exit *exit_row(struct report *rep, uint32_t isa,
				    uint32_t reason)
{
	struct exit_row_key key = { .isa = isa, .reason = reason };
	struct exit_row_entry *x;
	struct report_exit *e;
	bool added;

	x = hashmap__insert(&rep->exit_index, hash_words(&key, sizeof(key)),
			    &key, &added);
	if (!added)
		return &rep->exit_rows[x->index];
	x->key = key;
	x->index = rep->nr_exit_rows;
	if (!(rep->nr_exit_rows & (rep->nr_exit_rows - 1)))
		rep->exit_rows = xrealloc(rep->exit_rows,
					  (rep->nr_exit_rows ?
					   rep->nr_exit_rows * 2 : 1) *
					  sizeof(*rep->exit_rows));
	e = &rep->exit_rows[rep->nr_exit_rows++];
	memset(e, 0, sizeof(*e));
	e->isa = isa;
	e->reason = reason;
	return e;
}

/* A guest function of an exit reason: its symbol, or its address when
 * unknown. */
struct func_key {
	const char *symbol;	/* NULL: unknown */
	const char *dso;
	uint64_t address;	/* of an unknown one */
};

struct func_entry {
	struct func_key key;
	size_t index;		/* in e->funcs */
};

static bool func_eq(const void *entry, const void *key)
{
	const struct func_key *a = entry, *b = key;

	return a->address == b->address && str_eq(a->symbol, b->symbol) &&
	       str_eq(a->dso, b->dso);
}

static void exit_add_func(struct report_exit *e,
			  const struct vmprof_resolved *res, uint64_t addr,
			  uint64_t samples)
{
	struct func_key key = {
		.symbol = res->symbol,
		.dso = res->dso,
		.address = res->symbol ? 0 : addr,
	};
	struct report_func_count *f;
	struct func_entry *x;
	bool added;

	if (!e->func_index.eq)
		hashmap__init(&e->func_index, sizeof(struct func_entry),
			      func_eq);
	x = hashmap__insert(&e->func_index,
			    str_hash(key.symbol) ^ str_hash(key.dso) * 3 ^
			    hash_u64(key.address), &key, &added);
	if (!added) {
		e->funcs[x->index].samples += samples;
		return;
	}
	x->key = key;
	x->index = e->nr_funcs;
	if (!(e->nr_funcs & (e->nr_funcs - 1)))
		e->funcs = xrealloc(e->funcs, (e->nr_funcs ? e->nr_funcs * 2 :
					       1) * sizeof(*e->funcs));
	f = &e->funcs[e->nr_funcs++];
	f->symbol = res->symbol ? res->symbol : "[unknown]";
	f->dso = res->dso;
	f->unknown = !res->symbol;
	f->address = key.address;
	f->samples = samples;
}

static int func_cmp(const void *a, const void *b)
{
	const struct report_func_count *x = a, *y = b;
	int c;

	if (x->samples != y->samples)
		return x->samples > y->samples ? -1 : 1;
	c = strcmp(x->symbol, y->symbol);
	if (c)
		return c;
	c = strcmp(x->dso, y->dso);
	if (c)
		return c;
	return x->address < y->address ? -1 : x->address > y->address;
}

static int exit_row_cmp(const void *a, const void *b)
{
	const struct report_exit *x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	if (x->samples != y->samples)
		return x->samples > y->samples ? -1 : 1;
	if (x->isa != y->isa)
		return x->isa < y->isa ? -1 : 1;
	return x->reason < y->reason ? -1 : x->reason > y->reason;
}

static int cmp_str(const char *a, const char *b)
{
	if (!a || !b)
		return !a ? (b ? -1 : 0) : 1;
	return strcmp(a, b);
}

/* With --children rows go by Children, as in perf. */
static bool sort_children;

static int row_cmp(const void *pa, const void *pb)
{
	const struct report_row *a = *(struct report_row * const *)pa;
	const struct report_row *b = *(struct report_row * const *)pb;
	int c;

	if (sort_children && a->children_period != b->children_period)
		return a->children_period > b->children_period ? -1 : 1;
	/* perf's order: by period (what Overhead is), then samples. */
	if (a->period != b->period)
		return a->period > b->period ? -1 : 1;
	if (a->samples != b->samples)
		return a->samples > b->samples ? -1 : 1;
	c = cmp_str(a->symbol, b->symbol);
	if (c)
		return c;
	c = cmp_str(a->dso, b->dso);
	if (c)
		return c;
	c = cmp_str(a->vmm_symbol, b->vmm_symbol);
	if (c)
		return c;
	c = cmp_str(a->vmm_dso, b->vmm_dso);
	if (c)
		return c;
	if (a->context != b->context)
		return a->context < b->context ? -1 : 1;
	if (a->vm != b->vm)
		return a->vm < b->vm ? -1 : 1;
	if (a->vcpu != b->vcpu)
		return a->vcpu < b->vcpu ? -1 : 1;
	if (a->exit != b->exit)
		return a->exit < b->exit ? -1 : 1;
	c = cmp_str(a->comm, b->comm);
	if (c)
		return c;
	if (a->pid != b->pid)
		return a->pid < b->pid ? -1 : 1;
	if (a->tid != b->tid)
		return a->tid < b->tid ? -1 : 1;
	return a->address < b->address ? -1 : a->address > b->address;
}

/* Context of a guest address charged with VMM work: the exit does not
 * say the guest's CPL, so use the address half (and the symbols). */
uint32_t report__charged_context(const struct vmprof_resolved *res,
				 uint64_t addr)
{
	if (res->symbol || (addr >> 63))
		return VMPROF_CTX_GUEST_KERNEL;
	return VMPROF_CTX_GUEST_USER;
}

void report__build(struct report *rep)
{
	uint32_t isa = rep->have_info ? rep->info.isa : VMPROF_ISA_UNKNOWN;
	const struct hist_entry *e;
	struct report_row **rp;
	struct hashmap rows;
	size_t i, n, pos;

	hashmap__init(&rows, sizeof(struct report_row *), row_entry_eq);

	for (i = 0; i < rep->nr_exit_stats; i++) {
		const struct vmprof_exit_stat *s = &rep->exit_stats[i];
		struct report_exit *e = exit_row(rep, s->isa, s->reason);

		e->count += s->count;
		e->vmm_ns += s->vmm_ns;
		if (rep->exit_offcpu) {
			e->offcpu_ns += rep->exit_offcpu[i];
			e->have_offcpu = true;
		}
	}

	for (pos = 0; (e = hist__next(&rep->hist, &pos)); ) {
		struct vmprof_resolved resolved;
		const struct vmprof_resolved *res = &resolved;
		struct report_row key, *row;
		uint32_t context;

		report__resolve(rep, &e->key, &resolved);
		if (!report_filter__function(rep, res))
			continue;
		context = e->key.charged ?
			  report__charged_context(res, e->key.addr) :
			  e->key.context;

		memset(&key, 0, sizeof(key));
		key.exit = HIST_NO_EXIT;
		if (rep->sort_has[SORT_SYM]) {
			key.symbol = res->symbol ? res->symbol : "[unknown]";
			key.unknown = !res->symbol;
			key.address = key.unknown ? e->key.addr : 0;
		}
		if (rep->sort_has[SORT_SYM] || rep->sort_has[SORT_DSO])
			key.dso = res->dso;
		if (rep->sort_has[SORT_SYM] || rep->sort_has[SORT_CONTEXT])
			key.context = context;
		if (rep->sort_has[SORT_VCPU])
			key.vcpu = e->key.vcpu;
		if (rep->sort_has[SORT_EXIT])
			key.exit = e->key.exit_reason;
		if (rep->sort_has[SORT_VM])
			key.vm = e->key.vm_pid;
		key.pid = key.tid = -1;
		if (rep->sort_has[SORT_COMM])
			key.comm = report__key_comm(rep, &e->key);
		if (rep->sort_has[SORT_PID] && e->key.task)
			key.pid = rep->tasks[e->key.task].pid;
		if (rep->sort_has[SORT_TID] && e->key.task)
			key.tid = rep->tasks[e->key.task].tid;
		if (rep->sort_has[SORT_VMM_SYM] && e->key.charged) {
			struct vmprof_resolved vmm;

			report__resolve_vmm(rep, &e->key, &vmm);
			key.vmm_symbol = vmm.symbol ? vmm.symbol : "[unknown]";
			key.vmm_dso = vmm.dso;
		}
		key.hash = row_hash(&key);
		row = row_get(&rows, &key);
		row->samples += e->samples;
		row->period += e->period;
		row->children_samples += e->samples;
		row->children_period += e->period;
		if (e->key.chain) {
			row_add_chain(row, e->key.chain, 0, e);
			if (rep->cg.children)
				add_caller_rows(rep, &rows, &key, row, e);
		}
		if (e->key.charged) {
			struct report_exit *x;

			row->vmm_samples += e->samples;
			add_exit_count(&row->exits, &row->nr_exits,
				       e->key.exit_reason, e->samples);
			x = exit_row(rep, isa, e->key.exit_reason);
			x->samples += e->samples;
			exit_add_func(x, res, e->key.addr, e->samples);
		}
		if (e->samples > row->hot_samples ||
		    (e->samples == row->hot_samples &&
		     e->key.addr < row->hot_addr)) {
			row->hot_samples = e->samples;
			row->hot_addr = e->key.addr;
			row->hot = *res;
		}
	}

	rep->rows = xmalloc((rows.nr ? rows.nr : 1) * sizeof(*rep->rows));
	n = 0;
	for (pos = 0; (rp = hashmap__next(&rows, &pos)); )
		rep->rows[n++] = *rp;
	rep->nr_rows = n;
	hashmap__exit(&rows);
	sort_children = rep->cg.children && rep->cc;
	qsort(rep->rows, n, sizeof(*rep->rows), row_cmp);
	if (rep->percent_limit > 0) {
		/* Rows are sorted by period: the hidden ones are the tail. */
		while (n && 100.0 * (sort_children ?
				     rep->rows[n - 1]->children_period :
				     rep->rows[n - 1]->period) <
		       rep->percent_limit * rep->total_period) {
			struct report_row *r = rep->rows[--n];

			free(r->exits);
			free(r->chains);
			free(r);
		}
		rep->nr_rows = n;
	}

	for (i = 0; i < n; i++) {
		struct report_row *r = rep->rows[i];
		char line[512], inl[512];

		if (r->nr_exits > 1)
			qsort(r->exits, r->nr_exits, sizeof(*r->exits),
			      exit_count_cmp);
		if (!rep->sort_has[SORT_SYM] || r->unknown ||
		    rep->no_srclines)
			continue;
		if (!vmprof_resolver__srcline(&r->hot, line, sizeof(line),
					      inl, sizeof(inl))) {
			r->srcline = str_sanitize(line);
			if (!r->srcline)
				r->srcline = xstrdup(line);
			if (inl[0]) {
				r->inlined = str_sanitize(inl);
				if (!r->inlined)
					r->inlined = xstrdup(inl);
			}
		}
	}
	for (i = 0; i < rep->nr_exit_rows; i++) {
		struct report_exit *e = &rep->exit_rows[i];

		if (e->nr_funcs > 1)
			qsort(e->funcs, e->nr_funcs, sizeof(*e->funcs),
			      func_cmp);
	}
	if (rep->nr_exit_rows > 1)
		qsort(rep->exit_rows, rep->nr_exit_rows,
		      sizeof(*rep->exit_rows), exit_row_cmp);
}
