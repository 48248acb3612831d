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
#include "util.h"

static const char report_usage[] =
"Usage: vmprof report [OPTIONS]\n"
"\n"
"Print a symbolized profile from a file written by 'vmprof record'.\n"
"\n"
"Options:\n"
"  -i, --input FILE            data file to read (default: vmprof.data)\n"
"      --guest-vmlinux PATH    guest kernel ELF (vmlinux or any guest ELF):\n"
"                              symbols, and file:line from its DWARF\n"
"      --guest-system-map PATH guest System.map (\"ADDR TYPE NAME\" lines)\n"
"      --guest-kallsyms PATH   guest /proc/kallsyms copy; [module] names\n"
"                              become the dso of module symbols\n"
"      --kaslr-offset HEX      guest KASLR offset to undo (default: the\n"
"                              recorded guest LSTAR minus the address of\n"
"                              entry_SYSCALL_64 in the guest symbols, or 0)\n"
"  -s, --sort KEYS             comma-separated row keys: sym, dso, context,\n"
"                              vcpu, exit (default: sym, i.e. symbol + dso\n"
"                              + context); rows by Overhead: the share\n"
"                              of the period, as in perf\n"
"      --vcpu N                only samples of vCPU N\n"
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
"  -o, --output FILE           write the report to FILE (default: stdout);\n"
"                              never one of the inputs\n"
"      --exits                 add the exit-reason table: count, total and\n"
"                              mean VMM time, guest functions causing them\n"
"  -h, --help                  show this help\n"
"\n"
"Exit status: 0 ok, 1 error, 2 partial report (truncated file), 64 usage.\n";

enum {
	OPT_VMLINUX = 256,
	OPT_SYSTEM_MAP,
	OPT_KALLSYMS,
	OPT_KASLR,
	OPT_VCPU,
	OPT_FORMAT,
	OPT_EXITS,
};

static const struct option report_options[] = {
	{ "input",		required_argument,	NULL, 'i' },
	{ "guest-vmlinux",	required_argument,	NULL, OPT_VMLINUX },
	{ "guest-system-map",	required_argument,	NULL, OPT_SYSTEM_MAP },
	{ "guest-kallsyms",	required_argument,	NULL, OPT_KALLSYMS },
	{ "kaslr-offset",	required_argument,	NULL, OPT_KASLR },
	{ "sort",		required_argument,	NULL, 's' },
	{ "vcpu",		required_argument,	NULL, OPT_VCPU },
	{ "format",		required_argument,	NULL, OPT_FORMAT },
	{ "output",		required_argument,	NULL, 'o' },
	{ "exits",		no_argument,		NULL, OPT_EXITS },
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

static int parse_format(struct report *rep, const char *arg)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(formats); i++) {
		if (!strcmp(arg, formats[i].name)) {
			rep->format = formats[i].format;
			rep->json = rep->format == FORMAT_JSON;
			rep->stacks = rep->format >= FORMAT_FOLDED;
			rep->keep_samples =
				rep->format == FORMAT_PERF_SCRIPT;
			return 0;
		}
	}
	pr_usage("report",
		 "--format takes text, json, folded, svg, perf-script or pprof, not '%s'",
		 arg);
	return -1;
}

static int parse_options(struct report *rep, int argc, char **argv)
{
	uint64_t v;
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:i:s:o:h", report_options,
				NULL)) != -1) {
		switch (c) {
		case 'i':
			rep->input = optarg;
			break;
		case OPT_VMLINUX:
			rep->guest.vmlinux = optarg;
			break;
		case OPT_SYSTEM_MAP:
			rep->guest.system_map = optarg;
			break;
		case OPT_KALLSYMS:
			rep->guest.kallsyms = optarg;
			break;
		case OPT_KASLR:
			if (parse_u64(optarg, &v, 16)) {
				pr_usage("report",
					 "--kaslr-offset takes a hex number, not '%s'",
					 optarg);
				return -1;
			}
			rep->guest.have_kaslr_offset = true;
			rep->guest.kaslr_offset = v;
			break;
		case 's':
			if (report__parse_sort(rep, optarg))
				return -1;
			rep->sort_given = true;
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
		case 'o':
			rep->output = optarg;
			break;
		case OPT_EXITS:
			rep->show_exits = true;
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
	if (rep->guest.system_map && rep->guest.kallsyms) {
		pr_usage("report",
			 "give --guest-system-map or --guest-kallsyms, not both");
		return -1;
	}
	if (rep->stacks && (rep->sort_given || rep->show_exits)) {
		pr_usage("report",
			 "%s applies to the text and json formats, not to --format %s",
			 rep->sort_given ? "--sort" : "--exits",
			 format_name(rep->format));
		return -1;
	}
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
	case FORMAT_PERF_SCRIPT:
		return print_report_perf_script(rep, fp);
	case FORMAT_PPROF:
		return print_report_pprof(rep, fp);
	case FORMAT_JSON:
		report__build(rep);
		print_report_json(rep, fp);
		return 0;
	default:
		report__build(rep);
		print_report_plain(rep, fp);
		return 0;
	}
}

int cmd_report(int argc, char **argv)
{
	struct report rep;
	struct vmprof_data_result *res = &rep.result;
	char err[1024];
	int ret = VMPROF_EXIT_ERROR;

	report__init(&rep);
	switch (parse_options(&rep, argc, argv)) {
	case 1:
		ret = VMPROF_EXIT_OK;
		goto out;
	case -1:
		ret = VMPROF_EXIT_USAGE;
		goto out;
	}
	if (check_readable(&rep, "--guest-vmlinux", rep.guest.vmlinux) ||
	    check_readable(&rep, "--guest-system-map", rep.guest.system_map) ||
	    check_readable(&rep, "--guest-kallsyms", rep.guest.kallsyms) ||
	    out_open(&rep))
		goto out;

	switch (vmprof_data__read_file(rep.input, &report_data_ops, &rep,
				       res)) {
	case VMPROF_DATA_OK:
		break;
	case VMPROF_DATA_TRUNCATED:
		pr_warn("%s: truncated at offset %llu: %s; reporting the %llu complete records",
			rep.input, (unsigned long long)res->offset, res->msg,
			(unsigned long long)res->nr_records);
		break;
	case VMPROF_DATA_CORRUPT:
		report_error(&rep, "%s: corrupt data at offset %llu: %s",
			     rep.input, (unsigned long long)res->offset,
			     res->msg);
		goto out;
	case VMPROF_DATA_IO_ERROR:
		if (res->offset == 0 && !res->size)
			report_error(&rep, "cannot open %s: %s%s", rep.input,
				     res->msg,
				     access(rep.input, F_OK) ?
				     " (record one with 'vmprof record')" : "");
		else
			report_error(&rep, "%s: %s", rep.input, res->msg);
		goto out;
	case VMPROF_DATA_ABORTED:
		report_error(&rep, "%s: %s", rep.input, res->msg);
		goto out;
	}
	if (res->nr_unknown)
		pr_debug("%s: skipped %llu records of unknown types", rep.input,
			 (unsigned long long)res->nr_unknown);
	if (rep.have_vcpu && !rep.vcpu_samples) {
		report_error(&rep, "%s: no sample of vCPU %u (the recording has %u vCPUs)",
			     rep.input, rep.vcpu, report__nr_vcpus(&rep));
		goto out;
	}

	if (vmprof_resolver__set_guest(rep.resolver, &rep.guest,
				       rep.have_info && (rep.info.info_flags &
							 VMPROF_INFO_LSTAR),
				       rep.info.guest_lstar, err,
				       sizeof(err))) {
		report_error(&rep, "%s", err);
		goto out;
	}
	if (report__check_guest(&rep, err, sizeof(err))) {
		report_error(&rep, "%s", err);
		goto out;
	}
	if (!vmprof_resolver__has_guest(rep.resolver) &&
	    report__guest_samples(&rep) && !rep.json)
		pr_note("no guest symbols given (--guest-vmlinux, --guest-system-map or --guest-kallsyms): guest samples are shown as [unknown]");

	if (out_begin(&rep) || print_report(&rep, rep.out))
		goto out;
	if (fflush(rep.out) || ferror(rep.out)) {
		pr_err("writing the report%s%s: %s", rep.output ? " to " : "",
		       rep.output ? rep.output : "", strerror(errno));
		goto out;
	}
	ret = res->status == VMPROF_DATA_TRUNCATED ? VMPROF_EXIT_PARTIAL :
	      VMPROF_EXIT_OK;
out:
	out_close(&rep, ret == VMPROF_EXIT_OK || ret == VMPROF_EXIT_PARTIAL);
	report__exit(&rep);
	return ret;
}
