// SPDX-License-Identifier: GPL-2.0
/*
 * vmprof: profile a running KVM guest from the host.
 *
 *   vmprof [-v] COMMAND [ARGS]
 *
 * Commands are matched exactly (no abbreviations).
 */
#include <stdio.h>
#include <string.h>

#include "builtin.h"
#include "util.h"

#ifndef VMPROF_VERSION
#define VMPROF_VERSION "0.0.0"
#endif

struct cmd_struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
};

static int cmd_help(int argc, char **argv);
static int cmd_version(int argc, char **argv);

static const struct cmd_struct commands[] = {
	{ "record",  cmd_record,  "record samples of a KVM guest into a file" },
	{ "report",  cmd_report,  "print a symbolized profile from a file" },
	{ "list",    cmd_list,    "list the KVM virtual machines of this host" },
	{ "top",     cmd_top,     "a live profile of a KVM guest" },
	{ "buildid-cache", cmd_buildid_cache,
	  "keep files by build-id for report to find" },
	{ "help",    cmd_help,    "show this help, or a command's help" },
	{ "version", cmd_version, "print the version" },
};

static const char main_usage_head[] =
"Usage: vmprof [-v] COMMAND [ARGS...]\n"
"\n"
"Profile a running KVM virtual machine from the host.\n"
"\n"
"Commands:\n";

static const char main_usage_tail[] =
"\n"
"Options:\n"
"  -v, --verbose   print debugging messages (repeat for more)\n"
"  -h, --help      show this help\n"
"      --version   print the version\n"
"\n"
"'vmprof COMMAND --help' shows the options of a command.\n"
"\n"
"Exit status:\n"
"  0   success\n"
"  1   error\n"
"  2   partial result (e.g. a truncated data file was reported)\n"
"  64  bad command line\n";

const char *vmprof_version(void)
{
	return VMPROF_VERSION;
}

static void print_usage(FILE *fp)
{
	size_t i;

	fputs(main_usage_head, fp);
	for (i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(fp, "  %-14s %s\n", commands[i].name, commands[i].help);
	fputs(main_usage_tail, fp);
}

static const struct cmd_struct *find_command(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(commands); i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

static int cmd_version(int argc, char **argv)
{
	(void)argv;
	if (argc > 1) {
		pr_usage(NULL, "'version' takes no arguments");
		return VMPROF_EXIT_USAGE;
	}
	printf("vmprof %s\n", vmprof_version());
	return VMPROF_EXIT_OK;
}

static int cmd_help(int argc, char **argv)
{
	const struct cmd_struct *cmd;
	char *args[] = { NULL, "--help", NULL };

	if (argc < 2) {
		print_usage(stdout);
		return VMPROF_EXIT_OK;
	}
	cmd = find_command(argv[1]);
	if (!cmd) {
		pr_usage(NULL, "unknown command '%s'", argv[1]);
		return VMPROF_EXIT_USAGE;
	}
	if (cmd->fn == cmd_help || cmd->fn == cmd_version) {
		print_usage(stdout);
		return VMPROF_EXIT_OK;
	}
	args[0] = argv[1];
	return cmd->fn(2, args);
}

int main(int argc, char **argv)
{
	const struct cmd_struct *cmd;
	int i = 1;

	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];

		if (a[1] == 'v' && !a[strspn(a + 1, "v") + 1]) {
			verbose += strlen(a) - 1;	/* -v, -vv, ... */
		} else if (!strcmp(a, "--verbose")) {
			verbose++;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			print_usage(stdout);
			return VMPROF_EXIT_OK;
		} else if (!strcmp(a, "--version")) {
			printf("vmprof %s\n", vmprof_version());
			return VMPROF_EXIT_OK;
		} else {
			pr_usage(NULL, "unknown option '%s'", a);
			return VMPROF_EXIT_USAGE;
		}
	}
	if (i >= argc) {
		print_usage(stderr);
		return VMPROF_EXIT_USAGE;
	}
	cmd = find_command(argv[i]);
	if (!cmd) {
		pr_usage(NULL, "unknown command '%s'", argv[i]);
		return VMPROF_EXIT_USAGE;
	}
	return cmd->fn(argc - i, argv + i);
}
