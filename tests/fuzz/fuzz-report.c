// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz target: 'vmprof report' on a data file, the whole way a user runs
 * it (reader, resolver, histogram, text and JSON output), not only the
 * record parser (tests/report/fuzz-data.c does that, and checks the
 * in-memory and streaming readers agree).
 *
 * The input is the data file.  Its length picks the output: JSON, text
 * with the exit table, or other sort keys, so every printer sees fuzzed
 * data without a selector byte that would make corpus files non-files.
 *
 * Build: see tests/fuzz/run.sh.  Without -fsanitize=fuzzer, -DFUZZ_MAIN
 * gives a program that runs each file given once (AFL++, replay).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <fcntl.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "builtin.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const modes[][4] = {
		{ "--format", "json", NULL, NULL },
		{ "--exits", NULL, NULL, NULL },
		{ "--sort", "vcpu,exit", "--format", "json" },
		{ "--sort", "dso,context", NULL, NULL },
	};
	const char *const *m = modes[size % 4];
	char path[64], *argv[8];
	int argc = 0, fd, i;

	/* A file only this process sees, reached by path like a user's. */
	fd = memfd_create("vmprof-fuzz.data", MFD_CLOEXEC);
	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	argv[argc++] = "report";
	argv[argc++] = "-i";
	argv[argc++] = path;
	for (i = 0; i < 4 && m[i]; i++)
		argv[argc++] = (char *)m[i];
	argv[argc] = NULL;
	optind = 0;	/* getopt_long starts over */
	cmd_report(argc, argv);
	fflush(stdout);
	close(fd);
	return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	int null = open("/dev/null", O_WRONLY);

	(void)argc;
	(void)argv;
	/* The report itself is not what is checked: only that it is made. */
	if (null >= 0) {
		dup2(null, STDOUT_FILENO);
		close(null);
	}
	return 0;
}

#ifdef FUZZ_MAIN
#include "fuzz-main.h"
#endif
