// SPDX-License-Identifier: GPL-2.0
/*
 * vmprof report: read a data file and print a symbolized profile.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "builtin.h"
#include "data.h"
#include "report.h"
#include "unwind.h"
#include "util.h"

static const char report_usage[] =
"Usage: vmprof report [OPTIONS]\n"
"\n"
"Print a symbolized profile from a file written by 'vmprof record'.\n"
"\n"
"Options:\n"
"  -i, --input FILE            data file to read (default: vmprof.data;\n"
"                              '-': standard input, e.g. a pipe)\n"
"      --guest-vmlinux [PID=]PATH\n"
"      --guestvmlinux [PID=]PATH\n"
"                              guest kernel ELF (vmlinux or any guest ELF):\n"
"                              symbols, and file:line from its DWARF;\n"
"                              with PID=, for the VM of that VMM process\n"
"                              only (so for each guest symbol option)\n"
"      --guest-system-map [PID=]PATH\n"
"                              guest System.map (\"ADDR TYPE NAME\" lines)\n"
"      --guest-kallsyms [PID=]PATH\n"
"      --guestkallsyms [PID=]PATH\n"
"                              guest /proc/kallsyms copy; [module] names\n"
"                              become the dso of module symbols\n"
"      --guest-modules PATH\n"
"      --guestmodules PATH     guest /proc/modules copy: the module symbols\n"
"                              of the guest kallsyms end with their module\n"
"      --kaslr-offset [PID=]HEX\n"
"                              guest KASLR offset to undo (default: the\n"
"                              recorded guest LSTAR minus the address of\n"
"                              entry_SYSCALL_64 in the guest symbols, or 0)\n"
"      --guest-root DIR        a copy of the guest's root file system, to\n"
"                              find its kernel, modules and programs in\n"
"                              (recordings made with --guest-introspect)\n"
"      --no-demangle           keep C++ and Rust symbols mangled\n"
"  -s, --sort KEYS             comma-separated row keys: sym, dso, context,\n"
"                              vcpu, exit, vm, vmm_sym, comm, pid, tid\n"
"                              (default: sym, i.e. symbol + dso +\n"
"                              context); rows by Overhead: the share of\n"
"                              the period, as in perf; comm, pid and tid\n"
"                              are the guest task's (--guest-introspect)\n"
"  -F, --fields FIELDS         text columns, comma-separated: overhead,\n"
"                              children, samples, period, vmm, exits, sym,\n"
"                              dso, context, vcpu, exit, vm, vmm_sym,\n"
"                              comm, pid, tid, srcline\n"
"                              (keys among them are added to --sort)\n"
"      --percent-limit PCT     hide rows under PCT percent\n"
"      --vm NAME|PID[,...]     only samples of these VMs: names as\n"
"                              'vmprof list' shows them, or VMM pids\n"
"      --pid PID[,PID...]      only samples of these VMM processes\n"
"      --tid TID[,TID...]      only samples of these host threads\n"
"      --comm COMM[,COMM...]   only samples of VMs with these command names\n"
"      --guest-comm COMM[,COMM...]\n"
"                              only samples of guest tasks with these\n"
"                              command names (--guest-introspect)\n"
"      --guest-pid PID[,PID...]\n"
"                              only samples of these guest processes\n"
"      --guest-tid TID[,TID...]\n"
"                              only samples of these guest threads\n"
"      --vcpu N                only samples of vCPU N (with --vm on a\n"
"                              recording of several VMs)\n"
"      --time START,END        only samples in this time span: seconds as\n"
"                              perf-script output shows them (either may\n"
"                              be left out), or A%-B% of the recording\n"
"      --dsos DSO[,DSO...]     only functions in these dsos\n"
"  -S, --symbols SYM[,SYM...]  only these functions\n"
"      --format FORMAT         output format (default: text):\n"
"                                text         the profile table\n"
"                                json         docs/report-json.md\n"
"                                folded       FlameGraph folded stacks\n"
"                                svg          interactive flame graph\n"
"                                perf-script  'perf script' text, for\n"
"                                             Firefox Profiler, speedscope\n"
"                                pprof        gzipped profile.proto, for\n"
"                                             pprof, Pyroscope, Parca\n"
"                              (docs/formats.md)\n"
"      --stdio                 the text format (perf's name)\n"
"      --split-vcpu            stack formats: a frame per vCPU under the VM\n"
"      --header-only           only the header of the text report\n"
"  -o, --output FILE           write the report to FILE (default: stdout);\n"
"                              never one of the inputs\n"
"      --exits                 add the exit-reason table: count, total VMM\n"
"                              time and its off-CPU part, mean, guest\n"
"                              functions causing them\n"
"  -g                          show the guest call chains of a recording\n"
"                              made with 'record -g' (the default for such\n"
"                              a recording): a graph under each row\n"
"      --call-graph PARAMS     how: comma-separated, in any order: graph,\n"
"                              flat, folded or none; a threshold percent\n"
"                              (default 0.5: smaller branches hidden);\n"
"                              caller (root first) or callee (the row's\n"
"                              function first); perf's spelling\n"
"  -G, --inverted              the same as --call-graph caller\n"
"      --children              rows for the callers too, with a Children\n"
"                              column: the share of the samples under each\n"
"                              function (perf's default with call chains)\n"
"      --no-children           rows for the sampled functions only, each\n"
"                              with the chains that called it\n"
"      --max-stack N           keep the N innermost frames of each chain\n"
"                              (default 127), in every format\n"
"  -h, --help                  show this help\n"
"\n"
"\n"
"Without guest symbol options, a recording made with --guest-introspect\n"
"names the guest kernel, its modules and programs by build-id: from the\n"
"build-id cache ('vmprof buildid-cache'), --guest-root, then debuginfod\n"
"servers (DEBUGINFOD_URLS); module symbols also come from guest memory.\n"
"\n"
"Exit status: 0 ok, 1 error, 2 partial report (truncated file), 64 usage.\n";

enum {
	OPT_VMLINUX = 256,
	OPT_SYSTEM_MAP,
	OPT_KALLSYMS,
	OPT_MODULES,
	OPT_KASLR,
	OPT_NO_DEMANGLE,
	OPT_PERCENT_LIMIT,
	OPT_VM,
	OPT_PID,
	OPT_TID,
	OPT_COMM,
	OPT_VCPU,
	OPT_TIME,
	OPT_DSOS,
	OPT_FORMAT,
	OPT_STDIO,
	OPT_SPLIT_VCPU,
	OPT_HEADER_ONLY,
	OPT_EXITS,
	OPT_GUEST_ROOT,
	OPT_GUEST_COMM,
	OPT_GUEST_PID,
	OPT_GUEST_TID,
	OPT_CALL_GRAPH,
	OPT_CHILDREN,
	OPT_NO_CHILDREN,
	OPT_MAX_STACK,
};

static const struct option report_options[] = {
	{ "input",		required_argument,	NULL, 'i' },
	{ "guest-vmlinux",	required_argument,	NULL, OPT_VMLINUX },
	{ "guestvmlinux",	required_argument,	NULL, OPT_VMLINUX },
	{ "guest-system-map",	required_argument,	NULL, OPT_SYSTEM_MAP },
	{ "guest-kallsyms",	required_argument,	NULL, OPT_KALLSYMS },
	{ "guestkallsyms",	required_argument,	NULL, OPT_KALLSYMS },
	{ "guest-modules",	required_argument,	NULL, OPT_MODULES },
	{ "guestmodules",	required_argument,	NULL, OPT_MODULES },
	{ "kaslr-offset",	required_argument,	NULL, OPT_KASLR },
	{ "no-demangle",	no_argument,		NULL, OPT_NO_DEMANGLE },
	{ "sort",		required_argument,	NULL, 's' },
	{ "fields",		required_argument,	NULL, 'F' },
	{ "percent-limit",	required_argument,	NULL, OPT_PERCENT_LIMIT },
	{ "vm",			required_argument,	NULL, OPT_VM },
	{ "pid",		required_argument,	NULL, OPT_PID },
	{ "tid",		required_argument,	NULL, OPT_TID },
	{ "comm",		required_argument,	NULL, OPT_COMM },
	{ "vcpu",		required_argument,	NULL, OPT_VCPU },
	{ "time",		required_argument,	NULL, OPT_TIME },
	{ "dsos",		required_argument,	NULL, OPT_DSOS },
	{ "symbols",		required_argument,	NULL, 'S' },
	{ "format",		required_argument,	NULL, OPT_FORMAT },
	{ "stdio",		no_argument,		NULL, OPT_STDIO },
	{ "split-vcpu",		no_argument,		NULL, OPT_SPLIT_VCPU },
	{ "header-only",	no_argument,		NULL, OPT_HEADER_ONLY },
	{ "output",		required_argument,	NULL, 'o' },
	{ "exits",		no_argument,		NULL, OPT_EXITS },
	{ "guest-root",		required_argument,	NULL, OPT_GUEST_ROOT },
	{ "guest-comm",		required_argument,	NULL, OPT_GUEST_COMM },
	{ "guest-pid",		required_argument,	NULL, OPT_GUEST_PID },
	{ "guest-tid",		required_argument,	NULL, OPT_GUEST_TID },
	{ "call-graph",		required_argument,	NULL, OPT_CALL_GRAPH },
	{ "inverted",		no_argument,		NULL, 'G' },
	{ "children",		no_argument,		NULL, OPT_CHILDREN },
	{ "no-children",	no_argument,		NULL, OPT_NO_CHILDREN },
	{ "max-stack",		required_argument,	NULL, OPT_MAX_STACK },
	{ "help",		no_argument,		NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static void __printf(2, 3) report_error(struct report *rep,
					const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* Scripts read the JSON document, people and logs stderr. */
	if (rep->json) {
		print_error_json(stdout, msg);
		fflush(stdout);
	}
	pr_err("%s", msg);
}

static const struct {
	const char *name;
	enum report_format format;
} formats[] = {
	{ "text",		FORMAT_TEXT },
	{ "json",		FORMAT_JSON },
	{ "folded",		FORMAT_FOLDED },
	{ "svg",		FORMAT_SVG },
	{ "perf-script",	FORMAT_PERF_SCRIPT },
	{ "pprof",		FORMAT_PPROF },
};

static const char *format_name(enum report_format format)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(formats); i++)
		if (formats[i].format == format)
			return formats[i].name;
	return "?";
}

static int check_options(struct report *rep);

static int parse_format(struct report *rep, const char *arg)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(formats); i++) {
		if (!strcmp(arg, formats[i].name)) {
			rep->format = formats[i].format;
			rep->json = rep->format == FORMAT_JSON;
			rep->stacks = rep->format >= FORMAT_FOLDED;
			return 0;
		}
	}
	pr_usage("report",
		 "--format takes text, json, folded, svg, perf-script or pprof, not '%s'",
		 arg);
	return -1;
}

/*
 * "PID=VALUE" gives a guest symbol option for one VM (the VMM process
 * PID) of a system-wide recording; a plain VALUE is for every VM.  A
 * path that really starts with digits and '=' can be given as ./PATH.
 */
static struct vmprof_guest_opts *guest_opts_for(struct report *rep,
						const char **arg)
{
	const char *eq = *arg + strspn(*arg, "0123456789");
	uint64_t pid;
	char num[16];
	size_t i;

	if (eq == *arg || *eq != '=' || eq - *arg >= (long)sizeof(num))
		return &rep->guest;
	memcpy(num, *arg, eq - *arg);
	num[eq - *arg] = 0;
	if (parse_u64(num, &pid, 10) || !pid || pid > INT32_MAX)
		return &rep->guest;
	*arg = eq + 1;
	for (i = 0; i < rep->nr_vm_guests; i++)
		if (rep->vm_guests[i].pid == pid)
			return &rep->vm_guests[i].opts;
	rep->vm_guests = xrealloc(rep->vm_guests, (rep->nr_vm_guests + 1) *
				  sizeof(*rep->vm_guests));
	memset(&rep->vm_guests[rep->nr_vm_guests], 0,
	       sizeof(*rep->vm_guests));
	rep->vm_guests[rep->nr_vm_guests].pid = pid;
	return &rep->vm_guests[rep->nr_vm_guests++].opts;
}

/* --call-graph: perf's print type, threshold and order, in any order. */
static int parse_call_graph(struct report *rep, const char *arg)
{
	char *copy = xstrdup(arg), *tok, *save = NULL, *end;
	int ret = 0;

	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		double t;

		if (!strcmp(tok, "graph") || !strcmp(tok, "fractal")) {
			rep->cg.print = CG_PRINT_GRAPH;
		} else if (!strcmp(tok, "flat")) {
			rep->cg.print = CG_PRINT_FLAT;
		} else if (!strcmp(tok, "folded")) {
			rep->cg.print = CG_PRINT_FOLDED;
		} else if (!strcmp(tok, "none")) {
			rep->cg.print = CG_PRINT_NONE;
		} else if (!strcmp(tok, "caller") || !strcmp(tok, "callee")) {
			rep->cg.caller = !strcmp(tok, "caller");
			rep->cg.order_given = true;
		} else if ((t = strtod(tok, &end)), end != tok && !*end &&
			   t >= 0 && t <= 100) {
			rep->cg.threshold = t;
		} else {
			pr_usage("report",
				 "--call-graph takes graph, flat, folded or none, a threshold percent, caller or callee, not '%s'",
				 tok);
			ret = -1;
			break;
		}
	}
	free(copy);
	rep->cg.given = true;
	return ret;
}

static int parse_options(struct report *rep, int argc, char **argv)
{
	struct report_filter *f = &rep->filter;
	struct vmprof_guest_opts *g;
	const char *arg;
	char *end;
	uint64_t v;
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:i:s:F:S:o:gGh", report_options,
				NULL)) != -1) {
		arg = optarg;
		switch (c) {
		case 'i':
			rep->input = optarg;
			break;
		case OPT_VMLINUX:
			g = guest_opts_for(rep, &arg);
			g->vmlinux = arg;
			break;
		case OPT_SYSTEM_MAP:
			g = guest_opts_for(rep, &arg);
			g->system_map = arg;
			break;
		case OPT_KALLSYMS:
			g = guest_opts_for(rep, &arg);
			g->kallsyms = arg;
			break;
		case OPT_MODULES:
			rep->guest_modules = optarg;
			break;
		case OPT_KASLR:
			g = guest_opts_for(rep, &arg);
			if (parse_u64(arg, &v, 16)) {
				pr_usage("report",
					 "--kaslr-offset takes a hex number, not '%s'",
					 optarg);
				return -1;
			}
			g->have_kaslr_offset = true;
			g->kaslr_offset = v;
			break;
		case OPT_NO_DEMANGLE:
			rep->demangle = false;
			break;
		case 's':
			if (report__parse_sort(rep, optarg))
				return -1;
			rep->sort_given = true;
			break;
		case 'F':
			rep->fields = optarg;
			break;
		case OPT_PERCENT_LIMIT:
			rep->percent_limit = strtod(optarg, &end);
			if (*end == '%')
				end++;
			if (end == optarg || *end ||
			    !(rep->percent_limit >= 0) ||
			    rep->percent_limit > 100) {
				pr_usage("report",
					 "--percent-limit takes a percentage, not '%s'",
					 optarg);
				return -1;
			}
			break;
		case OPT_VM:
			if (report_filter__add_vms(f, optarg)) {
				pr_usage("report",
					 "--vm takes VM names or process ids, not '%s'",
					 optarg);
				return -1;
			}
			break;
		case OPT_PID:
			if (report_filter__add_ids(&f->pids, &f->nr_pids,
						   optarg)) {
				pr_usage("report",
					 "--pid takes process ids, not '%s'",
					 optarg);
				return -1;
			}
			break;
		case OPT_TID:
			if (report_filter__add_ids(&f->tids, &f->nr_tids,
						   optarg)) {
				pr_usage("report",
					 "--tid takes thread ids, not '%s'",
					 optarg);
				return -1;
			}
			break;
		case OPT_COMM:
			if (report_filter__add_names(&f->comms, &f->nr_comms,
						     optarg)) {
				pr_usage("report", "--comm takes names");
				return -1;
			}
			break;
		case OPT_GUEST_ROOT:
			rep->guest_root = optarg;
			break;
		case OPT_GUEST_COMM:
			if (report_filter__add_names(&f->guest_comms,
						     &f->nr_guest_comms,
						     optarg)) {
				pr_usage("report", "--guest-comm takes names");
				return -1;
			}
			break;
		case OPT_GUEST_PID:
		case OPT_GUEST_TID:
			if (report_filter__add_ids(c == OPT_GUEST_PID ?
						   &f->guest_pids :
						   &f->guest_tids,
						   c == OPT_GUEST_PID ?
						   &f->nr_guest_pids :
						   &f->nr_guest_tids, optarg)) {
				pr_usage("report",
					 "%s takes guest process or thread ids, not '%s'",
					 c == OPT_GUEST_PID ? "--guest-pid" :
					 "--guest-tid", optarg);
				return -1;
			}
			break;
		case OPT_DSOS:
			if (report_filter__add_names(&f->dsos, &f->nr_dsos,
						     optarg)) {
				pr_usage("report", "--dsos takes names");
				return -1;
			}
			break;
		case 'S':
			if (report_filter__add_names(&f->syms, &f->nr_syms,
						     optarg)) {
				pr_usage("report", "--symbols takes names");
				return -1;
			}
			break;
		case OPT_TIME:
			if (report_filter__parse_time(f, optarg)) {
				pr_usage("report",
					 "--time takes START,END in seconds (either may be left out) or A%%-B%%, not '%s'",
					 optarg);
				return -1;
			}
			break;
		case OPT_VCPU:
			if (parse_u64(optarg, &v, 10) ||
			    v >= VMPROF_VCPU_NONE) {
				pr_usage("report",
					 "--vcpu takes a vCPU index, not '%s'",
					 optarg);
				return -1;
			}
			rep->have_vcpu = true;
			rep->vcpu = v;
			break;
		case OPT_FORMAT:
			if (parse_format(rep, optarg))
				return -1;
			break;
		case OPT_STDIO:
			parse_format(rep, "text");
			break;
		case OPT_SPLIT_VCPU:
			rep->split_vcpu = true;
			break;
		case OPT_HEADER_ONLY:
			rep->header_only = true;
			break;
		case 'o':
			rep->output = optarg;
			break;
		case OPT_EXITS:
			rep->show_exits = true;
			break;
		case 'g':
			rep->cg.given = true;
			if (rep->cg.print == CG_PRINT_NONE)
				rep->cg.print = CG_PRINT_GRAPH;
			break;
		case OPT_CALL_GRAPH:
			if (parse_call_graph(rep, optarg))
				return -1;
			break;
		case 'G':
			rep->cg.given = true;
			rep->cg.caller = true;
			rep->cg.order_given = true;
			break;
		case OPT_CHILDREN:
		case OPT_NO_CHILDREN:
			rep->cg.children = c == OPT_CHILDREN;
			rep->cg.children_given = true;
			break;
		case OPT_MAX_STACK:
			if (parse_u64(optarg, &v, 10) || !v ||
			    v > UNWIND_MAX_FRAMES) {
				pr_usage("report",
					 "--max-stack takes a number of frames from 1 to %d, not '%s'",
					 UNWIND_MAX_FRAMES, optarg);
				return -1;
			}
			rep->cg.max_stack = v;
			break;
		case 'h':
			fputs(report_usage, stdout);
			return 1;
		default:
			pr_bad_option("report", c, argv);
			return -1;
		}
	}
	if (optind < argc) {
		pr_usage("report", "unexpected argument '%s'", argv[optind]);
		return -1;
	}
	return check_options(rep);
}

static bool guest_conflict(const struct vmprof_guest_opts *g)
{
	return g->system_map && g->kallsyms;
}

static int check_options(struct report *rep)
{
	const char *only = NULL;
	size_t i;

	if (guest_conflict(&rep->guest)) {
		pr_usage("report",
			 "give --guest-system-map or --guest-kallsyms, not both");
		return -1;
	}
	for (i = 0; i < rep->nr_vm_guests; i++) {
		if (guest_conflict(&rep->vm_guests[i].opts)) {
			pr_usage("report",
				 "give --guest-system-map or --guest-kallsyms, not both");
			return -1;
		}
	}
	if (rep->guest_modules && !rep->guest.kallsyms) {
		pr_usage("report",
			 "--guest-modules places the module symbols of --guest-kallsyms: give both");
		return -1;
	}
	/* perf's defaults: with call chains, Children rows, root first. */
	if (!rep->cg.children_given)
		rep->cg.children = true;
	if (!rep->cg.order_given)
		rep->cg.caller = rep->cg.children;
	if (rep->stacks) {
		if (rep->cg.given)
			only = "-g/--call-graph";
		else if (rep->cg.children_given)
			only = rep->cg.children ? "--children" :
						  "--no-children";
		else if (rep->sort_given)
			only = "--sort";
		else if (rep->show_exits)
			only = "--exits";
		else if (rep->fields)
			only = "--fields";
		else if (rep->percent_limit > 0)
			only = "--percent-limit";
		else if (rep->header_only)
			only = "--header-only";
	} else if (rep->split_vcpu) {
		pr_usage("report",
			 "--split-vcpu applies to the stack formats (folded, svg, perf-script, pprof), not to --format %s",
			 format_name(rep->format));
		return -1;
	}
	if (only) {
		pr_usage("report",
			 "%s applies to the text and json formats, not to --format %s",
			 only, format_name(rep->format));
		return -1;
	}
	if ((rep->fields || rep->header_only) && rep->format != FORMAT_TEXT) {
		pr_usage("report", "%s applies to the text format",
			 rep->fields ? "--fields" : "--header-only");
		return -1;
	}
	if (rep->fields && report__parse_fields(rep, rep->fields))
		return -1;
	return 0;
}

static int check_readable(struct report *rep, const char *opt,
			  const char *path)
{
	if (path && access(path, R_OK)) {
		report_error(rep, "%s %s: %s", opt, path, strerror(errno));
		return -1;
	}
	return 0;
}

/* Identity of an existing file, for "is -o one of the inputs?". */
static bool same_file(const struct stat *a, const char *path)
{
	struct stat b;

	return path && !stat(path, &b) && a->st_dev == b.st_dev &&
	       a->st_ino == b.st_ino;
}

/*
 * Open -o FILE before any work, so that an unwritable path fails at once,
 * and refuse a FILE that is one of the inputs.  An existing file is only
 * truncated when the report is ready to be written (out_begin()), so a
 * failing report loses nothing; a file created here is removed again.
 */
static int out_open(struct report *rep)
{
	struct stat st;
	int fd;

	rep->out = stdout;
	if (!rep->output)
		return 0;
	if (!stat(rep->output, &st) &&
	    (same_file(&st, rep->input) || same_file(&st, rep->guest.vmlinux) ||
	     same_file(&st, rep->guest.system_map) ||
	     same_file(&st, rep->guest.kallsyms))) {
		report_error(rep, "-o %s is an input of the report: refusing to overwrite it",
			     rep->output);
		return -1;
	}
	fd = open(rep->output, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	if (fd >= 0)
		rep->out_created = true;
	else if (errno == EEXIST)
		fd = open(rep->output, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || !(rep->out = fdopen(fd, "w"))) {
		report_error(rep, "cannot write %s: %s", rep->output,
			     strerror(errno));
		if (fd >= 0)
			close(fd);
		rep->out = NULL;
		return -1;
	}
	return 0;
}

static int out_begin(struct report *rep)
{
	struct stat st;

	if (!rep->output || fstat(fileno(rep->out), &st) ||
	    !S_ISREG(st.st_mode))
		return 0;
	if (ftruncate(fileno(rep->out), 0)) {
		report_error(rep, "cannot write %s: %s", rep->output,
			     strerror(errno));
		return -1;
	}
	return 0;
}

/* Close -o FILE; remove it when it was created for a report that
 * failed. */
static void out_close(struct report *rep, bool ok)
{
	if (!rep->output || !rep->out)
		return;
	fclose(rep->out);
	if (!ok && rep->out_created)
		unlink(rep->output);
}

static int print_report(struct report *rep, FILE *fp)
{
	switch (rep->format) {
	case FORMAT_FOLDED:
		return print_report_folded(rep, fp);
	case FORMAT_SVG:
		return print_report_svg(rep, fp);
	case FORMAT_PPROF:
		return print_report_pprof(rep, fp);
	case FORMAT_JSON:
		if (!rep->header_only)
			report__build(rep);
		print_report_json(rep, fp);
		return 0;
	default:
		if (!rep->header_only)
			report__build(rep);
		print_report_plain(rep, fp);
		return 0;
	}
}

/* Read the data file (again) with ops; 0, or -1 with the error
 * reported.  Only the first pass reports a truncated file. */
static int read_pass(struct report *rep, const struct vmprof_data_ops *ops,
		     bool first)
{
	struct vmprof_data_result tmp, *res = first ? &rep->result : &tmp;

	switch (vmprof_data__read_file(rep->input, ops, rep, res)) {
	case VMPROF_DATA_OK:
		break;
	case VMPROF_DATA_TRUNCATED:
		if (first)
			pr_warn("%s: truncated at offset %llu: %s; reporting the %llu complete records",
				rep->input, (unsigned long long)res->offset,
				res->msg, (unsigned long long)res->nr_records);
		break;
	case VMPROF_DATA_CORRUPT:
		report_error(rep, "%s: corrupt data at offset %llu: %s",
			     rep->input, (unsigned long long)res->offset,
			     res->msg);
		return -1;
	case VMPROF_DATA_IO_ERROR:
		if (res->offset == 0 && !res->size)
			report_error(rep, "cannot open %s: %s%s", rep->input,
				     res->msg,
				     access(rep->input, F_OK) ?
				     " (record one with 'vmprof record')" : "");
		else
			report_error(rep, "%s: %s", rep->input, res->msg);
		return -1;
	case VMPROF_DATA_ABORTED:
		report_error(rep, "%s", rep->abort_msg[0] ? rep->abort_msg :
			     res->msg);
		return -1;
	}
	if (first && res->nr_unknown)
		pr_debug("%s: skipped %llu records of unknown types", rep->input,
			 (unsigned long long)res->nr_unknown);
	return 0;
}

/*
 * "-i -": standard input.  One pass reads it as it comes; a report that
 * reads its input twice (perf-script, --time A%-B%) copies it to an
 * unlinked temporary file first.
 */
static int open_stdin(struct report *rep, bool passes, char *path,
		      size_t len, int *tmpfd)
{
	char buf[1 << 16];
	ssize_t n;
	FILE *tmp;

	*tmpfd = -1;
	if (strcmp(rep->input, "-"))
		return 0;
	if (!passes) {
		snprintf(path, len, "/dev/stdin");
		rep->input = path;
		return 0;
	}
	tmp = tmpfile();
	if (!tmp) {
		report_error(rep, "cannot spool standard input: %s",
			     strerror(errno));
		return -1;
	}
	*tmpfd = dup(fileno(tmp));
	fclose(tmp);
	while ((n = read(STDIN_FILENO, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || write(*tmpfd, buf, n) != n) {
			report_error(rep, "cannot spool standard input: %s",
				     strerror(errno));
			return -1;
		}
	}
	snprintf(path, len, "/proc/self/fd/%d", *tmpfd);
	rep->input = path;
	return 0;
}

static int check_readable_guest(struct report *rep,
				const struct vmprof_guest_opts *g)
{
	return check_readable(rep, "--guest-vmlinux", g->vmlinux) ||
	       check_readable(rep, "--guest-system-map", g->system_map) ||
	       check_readable(rep, "--guest-kallsyms", g->kallsyms);
}

/* A recording of several VMs: --vcpu needs --vm, and vCPU rows are
 * split by VM. */
/* "its VMs: web1 (pid 101), ..." for an error line; static storage. */
static const char *vm_list_text(struct report *rep, const uint32_t *pids,
				size_t n)
{
	static char buf[512];
	const char *name;
	size_t i, len;

	if (!n)
		return "it has no VM samples";
	len = snprintf(buf, sizeof(buf), "its VMs:");
	for (i = 0; i < n && len < sizeof(buf); i++) {
		name = report__vm_name(rep, pids[i]);
		if (!name)
			name = report__comm(rep, pids[i]);
		len += snprintf(buf + len, sizeof(buf) - len, "%s %s (pid %u)",
				i ? "," : "", name ? name : "?", pids[i]);
	}
	return buf;
}

static int check_vms(struct report *rep)
{
	uint32_t *pids;
	size_t n = report__vms(rep, &pids);

	if (report_filter__missing_vm(&rep->filter)) {
		free(pids);
		n = report__all_vms(rep, &pids);
		report_error(rep, "%s: no VM named '%s' has samples in the recording (%s)",
			     rep->input, report_filter__missing_vm(&rep->filter),
			     vm_list_text(rep, pids, n));
		free(pids);
		return -1;
	}
	if (n > 1 && rep->have_vcpu &&
	    rep->filter.nr_pids + rep->filter.nr_vm_names != 1) {
		report_error(rep, "%s: --vcpu %u: the recording has %zu VMs (VMM pids %u, %u%s): give one of them with --vm",
			     rep->input, rep->vcpu, n, pids[0], pids[1],
			     n > 2 ? ", ..." : "");
		free(pids);
		return -1;
	}
	if (n > 1 && rep->sort_has[SORT_VCPU] && !rep->sort_has[SORT_VM])
		report__add_sort_key(rep, SORT_VM, SORT_VCPU);
	free(pids);
	return 0;
}

int cmd_report(int argc, char **argv)
{
	struct report rep;
	char err[1024], stdin_path[64];
	int ret = VMPROF_EXIT_ERROR, tmpfd = -1;
	bool passes;
	size_t i;

	report__init(&rep);
	switch (parse_options(&rep, argc, argv)) {
	case 1:
		ret = VMPROF_EXIT_OK;
		goto out;
	case -1:
		ret = VMPROF_EXIT_USAGE;
		goto out;
	}
	if (check_readable_guest(&rep, &rep.guest) ||
	    check_readable(&rep, "--guest-modules", rep.guest_modules) ||
	    check_readable(&rep, "--guest-root", rep.guest_root))
		goto out;
	{
		struct vmprof_symfind sf = { .guest_root = rep.guest_root };

		vmprof_resolver__set_symfind(rep.resolver, &sf);
	}
	for (i = 0; i < rep.nr_vm_guests; i++)
		if (check_readable_guest(&rep, &rep.vm_guests[i].opts))
			goto out;
	if (out_open(&rep))
		goto out;
	passes = rep.format == FORMAT_PERF_SCRIPT || rep.filter.time_percent;
	if (open_stdin(&rep, passes, stdin_path, sizeof(stdin_path), &tmpfd))
		goto out;

	if (rep.filter.time_percent) {
		rep.pass = PASS_TIMES;
		if (read_pass(&rep, &report_data_ops, true))
			goto out;
		report_filter__resolve_time(&rep, rep.first_ns, rep.last_ns);
		rep.first_ns = rep.last_ns = 0;
		rep.pass = PASS_AGGREGATE;
		if (read_pass(&rep, &report_sample_ops, false))
			goto out;
	} else if (read_pass(&rep, &report_data_ops, true)) {
		goto out;
	}
	if (rep.have_vcpu && !rep.vcpu_samples) {
		report_error(&rep, "%s: no sample of vCPU %u (the recording has %u vCPUs)",
			     rep.input, rep.vcpu, report__nr_vcpus(&rep));
		goto out;
	}
	if (check_vms(&rep))
		goto out;
	if (report__set_guests(&rep, err, sizeof(err)) ||
	    report__flush_deferred(&rep, err, sizeof(err)) ||
	    report__check_guest(&rep, err, sizeof(err))) {
		report_error(&rep, "%s", err);
		goto out;
	}
	if (!vmprof_resolver__has_guest(rep.resolver) &&
	    report__guest_samples(&rep) && !rep.json)
		pr_note("no guest symbols given (--guest-vmlinux, --guest-system-map or --guest-kallsyms), and the recording did not identify the guest kernel (vmprof record --guest-introspect): guest samples are shown as [unknown]");
	if (report_filter__guest_tasks(&rep.filter) && !rep.nr_tasks &&
	    !rep.json)
		pr_note("the recording has no guest tasks (vmprof record --guest-introspect): --guest-comm, --guest-pid and --guest-tid leave no samples");

	if (out_begin(&rep))
		goto out;
	if (rep.format == FORMAT_PERF_SCRIPT) {
		/* Counted and checked: now print, streaming. */
		rep.pass = PASS_PRINT;
		if (read_pass(&rep, &report_sample_ops, false) ||
		    perf_script__flush(&rep, rep.out))
			goto out;
	} else if (print_report(&rep, rep.out)) {
		goto out;
	}
	if (fflush(rep.out) || ferror(rep.out)) {
		pr_err("writing the report%s%s: %s", rep.output ? " to " : "",
		       rep.output ? rep.output : "", strerror(errno));
		goto out;
	}
	ret = rep.result.status == VMPROF_DATA_TRUNCATED ?
	      VMPROF_EXIT_PARTIAL : VMPROF_EXIT_OK;
out:
	out_close(&rep, ret == VMPROF_EXIT_OK || ret == VMPROF_EXIT_PARTIAL);
	if (tmpfd >= 0)
		close(tmpfd);
	report__exit(&rep);
	return ret;
}
