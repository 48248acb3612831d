// SPDX-License-Identifier: GPL-2.0
/*
 * vmprof top: a live profile of a KVM guest.
 *
 * The rings are read as 'vmprof record' reads them (session.c), but the
 * samples go into the report's histogram (report.c) instead of a file.
 * About once a second the histogram is symbolized into rows (the
 * report's code, with its cache of resolved addresses), shown, and
 * decayed; the exit statistics are read and turned into rates.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "builtin.h"
#include "names.h"
#include "procfs.h"
#include "top.h"
#include "util.h"
#include "vmlist.h"

#define DEFAULT_FREQ		1000
#define REFRESH_NS		1000000000ULL
#define POLL_MS			100
#define STDIO_ENTRIES		20

static const char top_usage[] =
"Usage: vmprof top -p PID|NAME [OPTIONS]\n"
"       vmprof top --vm NAME [OPTIONS]\n"
"\n"
"A live profile of a KVM guest, refreshed about every second: the guest's\n"
"functions over a decaying window (at each refresh every count is\n"
"multiplied by 7/8), exits per second by reason, lost samples; in\n"
"domain-switch also the VMM's share and the exit reasons charged to each\n"
"function.  Full screen on a terminal (ncurses, also over ssh); plain\n"
"text with --stdio or when the output is not a terminal.\n"
"\n"
"Options:\n"
"  -p, --pid PID|NAME      the VM of this VMM process, or of this name\n"
"                          ('vmprof list' shows them)\n"
"      --vm NAME           the VM of this name\n"
"  -e, --event EVENT       cycles (default), instructions, cache-misses,\n"
"                          branch-misses, cpu-clock; without -e, a host\n"
"                          with no hardware PMU falls back to cpu-clock\n"
"  -F, --freq HZ           sample at this frequency (default: 1000)\n"
"      --switch cpu|domain accounting, as for record (default: cpu)\n"
"      --guest-vmlinux PATH    guest kernel ELF (symbols), as for report\n"
"      --guest-system-map PATH guest System.map\n"
"      --guest-kallsyms PATH   guest /proc/kallsyms copy\n"
"      --kaslr-offset HEX      guest KASLR offset (default: from the\n"
"                              guest's LSTAR, as for report)\n"
"  -E, --entries N         rows to show (default: what fits the terminal,\n"
"                          20 with --stdio)\n"
"  -d, --duration SECONDS  stop after this many seconds\n"
"      --stdio             plain text, one block per refresh\n"
"  -h, --help              show this help\n"
"\n"
"Keys:\n"
"  q      quit (Ctrl-C too)\n"
"  s      next sort: overhead, vmm (domain-switch), name\n"
"  m      next display: functions, exits\n"
"  z      zero the window\n"
"  h, ?   show or hide the keys\n"
"With --stdio the keys are read as lines (a key, then Enter) when the\n"
"input is a terminal.\n"
"\n"
"Opening /dev/vmprof needs CAP_PERFMON or CAP_SYS_ADMIN; profiling a\n"
"process needs the right to ptrace it.\n"
"Exit status: 0 ok (also when the VM exits), 1 error, 64 usage.\n";

enum {
	OPT_SWITCH = 256,
	OPT_VM,
	OPT_VMLINUX,
	OPT_SYSTEM_MAP,
	OPT_KALLSYMS,
	OPT_KASLR,
	OPT_STDIO,
};

static const struct option top_options[] = {
	{ "pid",		required_argument,	NULL, 'p' },
	{ "vm",			required_argument,	NULL, OPT_VM },
	{ "event",		required_argument,	NULL, 'e' },
	{ "freq",		required_argument,	NULL, 'F' },
	{ "switch",		required_argument,	NULL, OPT_SWITCH },
	{ "guest-vmlinux",	required_argument,	NULL, OPT_VMLINUX },
	{ "guest-system-map",	required_argument,	NULL, OPT_SYSTEM_MAP },
	{ "guest-kallsyms",	required_argument,	NULL, OPT_KALLSYMS },
	{ "kaslr-offset",	required_argument,	NULL, OPT_KASLR },
	{ "entries",		required_argument,	NULL, 'E' },
	{ "duration",		required_argument,	NULL, 'd' },
	{ "stdio",		no_argument,		NULL, OPT_STDIO },
	{ "help",		no_argument,		NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int parse_options(struct top *t, int argc, char **argv)
{
	struct vmprof_session *s = &t->s;
	uint64_t v;
	char *end;
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:p:e:F:E:d:h", top_options,
				NULL)) != -1) {
		switch (c) {
		case 'p':
		case OPT_VM:
			if (vm_target__option("top", optarg, c == OPT_VM,
					      &t->target,
					      &t->target_is_name))
				return -1;
			break;
		case 'e':
			if (vmprof_session__set_event(s, "top", optarg))
				return -1;
			break;
		case 'F':
			if (vmprof_session__set_freq(s, "top", optarg))
				return -1;
			break;
		case OPT_SWITCH:
			if (vmprof_session__set_mode(s, "top", optarg))
				return -1;
			break;
		case OPT_VMLINUX:
			t->guest.vmlinux = optarg;
			break;
		case OPT_SYSTEM_MAP:
			t->guest.system_map = optarg;
			break;
		case OPT_KALLSYMS:
			t->guest.kallsyms = optarg;
			break;
		case OPT_KASLR:
			if (parse_u64(optarg, &v, 16)) {
				pr_usage("top",
					 "--kaslr-offset takes a hex number, not '%s'",
					 optarg);
				return -1;
			}
			t->guest.have_kaslr_offset = true;
			t->guest.kaslr_offset = v;
			break;
		case 'E':
			if (parse_u64(optarg, &v, 10) || !v || v > 100000) {
				pr_usage("top",
					 "-E takes a number of rows, not '%s'",
					 optarg);
				return -1;
			}
			t->entries = v;
			break;
		case 'd':
			errno = 0;
			t->duration = strtod(optarg, &end);
			if (errno || *end || end == optarg ||
			    !(t->duration > 0) || !isfinite(t->duration)) {
				pr_usage("top",
					 "-d takes a number of seconds, not '%s'",
					 optarg);
				return -1;
			}
			break;
		case OPT_STDIO:
			t->stdio = true;
			break;
		case 'h':
			fputs(top_usage, stdout);
			return 1;
		default:
			pr_bad_option("top", c, argv);
			return -1;
		}
	}
	if (optind < argc) {
		pr_usage("top", "unexpected argument '%s'", argv[optind]);
		return -1;
	}
	if (!t->target) {
		pr_usage("top", "give the VM with -p PID, -p NAME or --vm NAME");
		return -1;
	}
	if (t->guest.system_map && t->guest.kallsyms) {
		pr_usage("top",
			 "give --guest-system-map or --guest-kallsyms, not both");
		return -1;
	}
	if (!s->mode)
		s->mode = VMPROF_MODE_CPU_SWITCH;
	return 0;
}

/* ---- keys and sorting ---- */

static const char * const sort_names[TOP_SORT__MAX] = {
	[TOP_SORT_OVERHEAD]	= "overhead",
	[TOP_SORT_VMM]		= "vmm",
	[TOP_SORT_NAME]		= "name",
};

static const char * const view_names[TOP_VIEW__MAX] = {
	[TOP_VIEW_FUNCTIONS]	= "functions",
	[TOP_VIEW_EXITS]	= "exits",
};

const char *top__sort_name(enum top_sort s)
{
	return sort_names[s];
}

const char *top__view_name(enum top_view v)
{
	return view_names[v];
}

static bool domain_switch(const struct top *t)
{
	return t->s.info.mode == VMPROF_MODE_DOMAIN_SWITCH;
}

bool top__key(struct top *t, int key)
{
	switch (key) {
	case 'q':
	case 'Q':
		t->quit = true;
		return false;
	case 's':
		t->sort = (t->sort + 1) % TOP_SORT__MAX;
		/* VMM samples exist only in domain-switch. */
		if (t->sort == TOP_SORT_VMM && !domain_switch(t))
			t->sort++;
		return true;
	case 'm':
	case '\t':
		t->view = (t->view + 1) % TOP_VIEW__MAX;
		return true;
	case 'z':
		hist__clear(&t->rep.hist);
		return true;
	case 'h':
	case '?':
		t->help = !t->help;
		return true;
	default:
		return false;
	}
}

/* VMM samples of a row: charged to it, or the row is VMM code. */
static uint64_t row_vmm(const struct report_row *r)
{
	if (r->context == VMPROF_CTX_VMM_KERNEL ||
	    r->context == VMPROF_CTX_VMM_USER)
		return r->samples;
	return r->vmm_samples;
}

static int cmp_u64_desc(uint64_t a, uint64_t b)
{
	return a > b ? -1 : a < b;
}

static int row_cmp_vmm(const void *pa, const void *pb)
{
	const struct report_row *a = *(struct report_row * const *)pa;
	const struct report_row *b = *(struct report_row * const *)pb;
	int c = cmp_u64_desc(row_vmm(a), row_vmm(b));

	return c ? c : cmp_u64_desc(a->samples, b->samples);
}

static int row_cmp_name(const void *pa, const void *pb)
{
	const struct report_row *a = *(struct report_row * const *)pa;
	const struct report_row *b = *(struct report_row * const *)pb;
	int c = strcmp(a->symbol, b->symbol);

	if (c)
		return c;
	c = strcmp(a->dso, b->dso);
	return c ? c : cmp_u64_desc(a->samples, b->samples);
}

void top__build(struct top *t)
{
	report__clear_rows(&t->rep);
	report__build(&t->rep);
	/* report__build sorts by period: the overhead sort. */
	if (t->sort == TOP_SORT_VMM)
		qsort(t->rep.rows, t->rep.nr_rows, sizeof(*t->rep.rows),
		      row_cmp_vmm);
	else if (t->sort == TOP_SORT_NAME)
		qsort(t->rep.rows, t->rep.nr_rows, sizeof(*t->rep.rows),
		      row_cmp_name);
}

/* ---- reading the rings ---- */

static int on_ring_record(void *ctx, const struct vmprof_ring *ring,
			  const struct vmprof_record_header *h)
{
	struct top *t = ctx;

	switch (h->type) {
	case VMPROF_RECORD_SAMPLE: {
		struct vmprof_file_sample s;

		vmprof_ring_sample__to_file(h, &s);
		t->samples_interval++;
		t->samples_total++;
		return report_data_ops.sample(&t->rep, &s);
	}
	case VMPROF_RECORD_LOST: {
		struct vmprof_file_lost l;

		vmprof_ring_lost__to_file(ring, h, &l);
		return report_data_ops.lost(&t->rep, &l);
	}
	default:
		return 0;
	}
}

/* ---- once a second ---- */

static const struct vmprof_exit_stat *
find_exit(const struct vmprof_exit_stat *v, uint32_t nr, uint32_t isa,
	  uint32_t reason)
{
	uint32_t i;

	for (i = 0; i < nr; i++)
		if (v[i].isa == isa && v[i].reason == reason)
			return &v[i];
	return NULL;
}

/*
 * The exit statistics are totals since ENABLE: the rates are the
 * differences since the last refresh.  The report's exit rows get them
 * as exits (and VMM ns) per second.
 */
static void update_stats(struct top *t, double secs)
{
	struct vmprof_exit_stat *exits, *rate;
	struct vmprof_stats st;
	uint64_t lost;
	uint32_t i;

	if (vmprof_session__stats(&t->s, &st, &exits, NULL)) {
		free(exits);
		return;
	}
	lost = st.lost > t->rep.lost_records ? st.lost : t->rep.lost_records;
	t->lost_total = lost;
	t->lost_per_s = (lost - t->lost_seen) / secs;
	t->lost_seen = lost;
	t->nr_vcpus = st.nr_vcpus;

	rate = xcalloc(st.nr_exits + 1, sizeof(*rate));
	t->exits_per_s = 0;
	for (i = 0; i < st.nr_exits; i++) {
		const struct vmprof_exit_stat *p =
			find_exit(t->prev_exits, t->nr_prev_exits,
				  exits[i].isa, exits[i].reason);
		uint64_t dc = exits[i].count - (p ? p->count : 0);
		uint64_t dns = exits[i].vmm_ns - (p ? p->vmm_ns : 0);

		rate[i] = exits[i];
		rate[i].count = (uint64_t)(dc / secs + 0.5);
		rate[i].vmm_ns = (uint64_t)(dns / secs + 0.5);
		t->exits_per_s += dc / secs;
	}
	report_data_ops.exit_stats(&t->rep, rate, NULL, st.nr_exits);
	free(rate);
	free(t->prev_exits);
	t->prev_exits = exits;
	t->nr_prev_exits = st.nr_exits;
}

/* Refreshes to wait for the guest LSTAR before showing symbols without. */
#define TOP_LSTAR_WAITS	2

/* A Linux guest's KASLR is undone from its LSTAR, which the module reads
 * at the first samples: until then its symbols would be wrong. */
static int check_lstar(struct top *t)
{
	struct vmprof_info info;

	if ((!t->waiting_lstar && !t->lstar_unseen) ||
	    vmprof_session__get_info(&t->s, &info))
		return 0;
	if (!(info.flags & VMPROF_INFO_LSTAR)) {
		/*
		 * A guest that has not set LSTAR (yet) has none to read; a
		 * view must not stay empty meanwhile: as report does for a
		 * recording without it, show the symbols unrelocated, and
		 * say so on screen.
		 */
		if (t->waiting_lstar && ++t->lstar_waits >= TOP_LSTAR_WAITS) {
			t->waiting_lstar = false;
			t->lstar_unseen = true;
		}
		return 0;
	}
	t->waiting_lstar = false;
	t->lstar_unseen = false;
	if (vmprof_resolver__set_lstar(t->rep.resolver, 0, info.guest_lstar,
				       t->error, sizeof(t->error)))
		return -1;
	report__forget_symbols(&t->rep);
	return 0;
}

static int refresh(struct top *t, uint64_t now)
{
	double secs = (now - t->last_refresh_ns) / 1e9;

	if (secs <= 0)
		secs = 1e-9;
	t->samples_per_s = t->samples_interval / secs;
	t->samples_interval = 0;
	t->last_refresh_ns = now;
	update_stats(t, secs);
	if (check_lstar(t))
		return -1;
	top__build(t);
	return 0;
}

/* ---- the displays ---- */

static void stdio_show(struct top *t)
{
	struct top_screen scr = { 0 };
	size_t i;

	top_view__build(t, &scr, 160, t->entries ? t->entries :
			STDIO_ENTRIES);
	for (i = 0; i < scr.nr; i++)
		if (scr.lines[i].kind != TOP_LINE_HELP || t->help)
			printf("%s\n", scr.lines[i].text);
	printf("\n");
	fflush(stdout);
	top_view__free(&scr);
}

/* --stdio keys: one a line, when the input is a terminal.  Returns -1
 * at the end of the input. */
static int stdio_keys(struct top *t)
{
	char buf[64];
	bool changed = false;
	ssize_t n, i;

	n = read(STDIN_FILENO, buf, sizeof(buf));
	if (n <= 0)
		return n < 0 && errno == EINTR ? 0 : -1;
	for (i = 0; i < n; i++)
		changed |= top__key(t, (unsigned char)buf[i]);
	return changed;
}

static void show(struct top *t)
{
	if (t->stdio)
		stdio_show(t);
	else
		top_tui__draw(t);
}

/* ---- setup ---- */

static int load_symbols(struct top *t)
{
	struct vmprof_resolver *r = t->rep.resolver;
	struct procfs_map *maps = NULL;
	const char *paths[] = { t->guest.vmlinux, t->guest.system_map,
				t->guest.kallsyms };
	const char *opts[] = { "--guest-vmlinux", "--guest-system-map",
			       "--guest-kallsyms" };
	size_t nr = 0, i, len;
	char err[1024], *ks;

	for (i = 0; i < ARRAY_SIZE(paths); i++) {
		if (paths[i] && access(paths[i], R_OK)) {
			pr_err("%s %s: %s", opts[i], paths[i],
			       strerror(errno));
			return -1;
		}
	}
	/* pid 0: the symbols of the one VM watched. */
	if (vmprof_resolver__set_guest(r, 0, &t->guest, false, 0, err,
				       sizeof(err))) {
		pr_err("%s", err);
		return -1;
	}
	t->waiting_lstar = vmprof_resolver__needs_lstar(r, 0);
	ks = procfs__text_kallsyms(&len);
	if (ks) {
		vmprof_resolver__set_host_kallsyms(r, ks, len);
		free(ks);
	}
	if (!procfs__exec_maps(t->s.pid, &maps, &nr)) {
		for (i = 0; i < nr; i++)
			vmprof_resolver__add_mmap(r, &maps[i].m, maps[i].path,
						  maps[i].m.path_len);
		procfs__free_maps(maps, nr);
	}
	return 0;
}

static void open_pidfd(struct top *t)
{
	t->pidfd = -1;
#ifdef SYS_pidfd_open
	t->pidfd = syscall(SYS_pidfd_open, t->s.pid, 0);
	if (t->pidfd < 0)
		t->pidfd = -1;
#endif
}

static bool target_gone(struct top *t)
{
	if (t->pidfd >= 0) {
		struct pollfd p = { .fd = t->pidfd, .events = POLLIN };

		return poll(&p, 1, 0) > 0;
	}
	return kill(t->s.pid, 0) && errno == ESRCH;
}

/* ---- the loop ---- */

enum stop_reason { STOP_NONE, STOP_QUIT, STOP_DURATION, STOP_VM_EXIT,
		   STOP_ERROR };

static enum stop_reason top_loop(struct top *t)
{
	bool keys = t->stdio && isatty(STDIN_FILENO);
	uint64_t deadline = 0;

	if (t->duration > 0)
		deadline = t->start_ns + (uint64_t)(t->duration * 1e9);
	for (;;) {
		struct pollfd pfd[2];
		bool redraw = false;
		uint64_t now;
		int nfds = 0;

		pfd[nfds].fd = t->s.fd;
		pfd[nfds++].events = POLLIN;
		if (keys || !t->stdio) {
			pfd[nfds].fd = STDIN_FILENO;
			pfd[nfds++].events = POLLIN;
		}
		pfd[0].revents = pfd[1].revents = 0;
		if (poll(pfd, nfds, POLL_MS) < 0 && errno != EINTR) {
			pr_err("poll: %s", strerror(errno));
			return STOP_ERROR;
		}
		if (vmprof_session__drain(&t->s, on_ring_record, t))
			return STOP_ERROR;
		if (!t->stdio) {
			/* ncurses reads the keys, and a resize arrives as
			 * one after its signal. */
			redraw = top_tui__keys(t);
		} else if (keys && (pfd[1].revents & (POLLIN | POLLHUP))) {
			int k = stdio_keys(t);

			if (k < 0)
				keys = false;
			redraw = k > 0;
		}
		if (stop_signal || t->quit)
			return STOP_QUIT;
		now = now_ns();
		if (now - t->last_refresh_ns >= REFRESH_NS) {
			if (refresh(t, now))
				return STOP_ERROR;
			show(t);
			hist__decay(&t->rep.hist, TOP_DECAY_NUM,
				    TOP_DECAY_DEN);
		} else if (redraw) {
			top__build(t);
			show(t);
		}
		if (deadline && now >= deadline)
			return STOP_DURATION;
		if ((pfd[0].revents & (POLLHUP | POLLERR)) || target_gone(t))
			return STOP_VM_EXIT;
	}
}

int cmd_top(int argc, char **argv)
{
	struct top t;
	struct sigaction sa;
	enum stop_reason why = STOP_ERROR;
	int ret = VMPROF_EXIT_ERROR;

	memset(&t, 0, sizeof(t));
	t.pidfd = -1;
	vmprof_session__init(&t.s);
	t.s.sample = DEFAULT_FREQ;
	report__init(&t.rep);
	t.rep.no_srclines = true;
	switch (parse_options(&t, argc, argv)) {
	case 1:
		ret = VMPROF_EXIT_OK;
		goto out;
	case -1:
		ret = VMPROF_EXIT_USAGE;
		goto out;
	}
	if (vm_target__resolve(t.target, t.target_is_name, &t.s.pid,
			       &t.vm_name))
		goto out;
	t.comm = procfs__comm(t.s.pid);
	t.s.comm = t.comm;
	if (!t.stdio && (!isatty(STDOUT_FILENO) || !isatty(STDIN_FILENO)))
		t.stdio = true;
	if (load_symbols(&t))
		goto out;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);

	if (vmprof_session__start(&t.s))
		goto out;
	vmprof_session__file_info(&t.s, 0, 0, &t.rep.info);
	t.rep.have_info = true;
	open_pidfd(&t);
	if (!t.stdio && top_tui__start()) {
		pr_note("the terminal (TERM=%s) cannot show the full-screen view: printing plain text (--stdio)",
			getenv("TERM") ? getenv("TERM") : "");
		t.stdio = true;
	}
	if (vmprof_session__enable(&t.s)) {
		if (!t.stdio)
			top_tui__stop();
		goto out;
	}
	t.start_ns = t.last_refresh_ns = now_ns();
	t.rep.info.start_ns = t.start_ns;
	if (!t.stdio) {
		top__build(&t);
		show(&t);
	}
	why = top_loop(&t);
	vmprof_session__disable(&t.s);
	if (!t.stdio)
		top_tui__stop();
	if (t.error[0])
		pr_err("%s", t.error);
	switch (why) {
	case STOP_VM_EXIT:
		pr_note("the VM (pid %d) exited", (int)t.s.pid);
		ret = VMPROF_EXIT_OK;
		break;
	case STOP_ERROR:
		break;
	default:
		ret = VMPROF_EXIT_OK;
		break;
	}
	if (t.lost_total)
		pr_warn("%llu samples were lost (the rings were full)",
			(unsigned long long)t.lost_total);
out:
	vmprof_session__close(&t.s);
	if (t.pidfd >= 0)
		close(t.pidfd);
	free(t.prev_exits);
	free(t.comm);
	free(t.vm_name);
	report__exit(&t.rep);
	return ret;
}
