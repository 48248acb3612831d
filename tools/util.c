// SPDX-License-Identifier: GPL-2.0
/*
 * Messages, allocation and parsing helpers shared by all commands.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

int verbose;

static void pr_prefixed(const char *prefix, const char *fmt, va_list ap)
{
	fprintf(stderr, "vmprof: %s", prefix);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void pr_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pr_prefixed("error: ", fmt, ap);
	va_end(ap);
}

void pr_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pr_prefixed("warning: ", fmt, ap);
	va_end(ap);
}

void pr_note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pr_prefixed("note: ", fmt, ap);
	va_end(ap);
}

void pr_debug(const char *fmt, ...)
{
	va_list ap;

	if (!verbose)
		return;
	va_start(ap, fmt);
	pr_prefixed("debug: ", fmt, ap);
	va_end(ap);
}

void pr_usage(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pr_prefixed("error: ", fmt, ap);
	va_end(ap);
	if (cmd)
		fprintf(stderr, "Try 'vmprof %s --help' for more information.\n",
			cmd);
	else
		fprintf(stderr, "Try 'vmprof --help' for more information.\n");
}

void pr_bad_option(const char *cmd, int c, char **argv)
{
	const char *arg = optind > 0 ? argv[optind - 1] : "?";

	if (c == ':')
		pr_usage(cmd, "option '%s' needs an argument", arg);
	else if (optopt > 0 && optopt < 256)
		pr_usage(cmd, "unknown option '-%c'", optopt);
	else
		pr_usage(cmd, "unknown option '%s'", arg);
}

static void __attribute__((noreturn)) oom(size_t size)
{
	fprintf(stderr, "vmprof: error: out of memory (%zu bytes)\n", size);
	exit(1);
}

void *xmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);

	if (!p)
		oom(size);
	return p;
}

void *xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);

	if (!p)
		oom(nmemb * size);
	return p;
}

void *xrealloc(void *ptr, size_t size)
{
	void *p = realloc(ptr, size ? size : 1);

	if (!p)
		oom(size);
	return p;
}

char *xstrdup(const char *s)
{
	char *p = strdup(s);

	if (!p)
		oom(strlen(s));
	return p;
}

char *xstrndup(const char *s, size_t n)
{
	char *p = strndup(s, n);

	if (!p)
		oom(n);
	return p;
}

int parse_u64(const char *s, uint64_t *val, int base)
{
	char *end;
	unsigned long long v;

	if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
		return -1;
	errno = 0;
	v = strtoull(s, &end, base);
	if (errno || *end)
		return -1;
	*val = v;
	return 0;
}

uint64_t hash_str(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	while (*s) {
		h ^= (unsigned char)*s++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

uint64_t hash_words(const void *p, size_t len)
{
	const unsigned char *b = p;
	uint64_t h = len, w;
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		memcpy(&w, b + i, 8);
		h = hash_u64(h ^ w) + i;
	}
	return h;
}
