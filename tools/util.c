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

size_t utf8_char_len(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	uint32_t cp;
	size_t n, i;

	if (s[0] < 0x80)
		return s[0] ? 1 : 0;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates, beyond U+10FFFF. */
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}

/* Bytes of a printable character at s, 0 if s starts with a byte that
 * must be escaped. */
static size_t printable_len(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n = utf8_char_len(s);

	if (n == 1 && (u[0] < 0x20 || u[0] == 0x7f))
		return 0;
	if (n == 2 && u[0] == 0xc2 && u[1] < 0xa0)	/* C1 controls */
		return 0;
	return n;
}

char *str_sanitize(const char *s)
{
	static const char hex[] = "0123456789abcdef";
	size_t i = 0, n, out = 0;
	char *r;

	while (s[i] && (n = printable_len(s + i)))
		i += n;
	if (!s[i])
		return NULL;
	r = xmalloc(strlen(s) * 4 + 1);
	for (i = 0; s[i]; ) {
		n = printable_len(s + i);
		if (n) {
			memcpy(r + out, s + i, n);
			out += n;
			i += n;
			continue;
		}
		r[out++] = '\\';
		r[out++] = 'x';
		r[out++] = hex[(unsigned char)s[i] >> 4];
		r[out++] = hex[(unsigned char)s[i] & 0xf];
		i++;
	}
	r[out] = 0;
	return r;
}

size_t utf8_strlen(const char *s)
{
	size_t chars = 0, n;

	for (; *s; s += n ? n : 1, chars++)
		n = utf8_char_len(s);
	return chars;
}

size_t utf8_prefix(const char *s, size_t chars)
{
	size_t i = 0, n;

	for (; s[i] && chars; chars--, i += n ? n : 1)
		n = utf8_char_len(s + i);
	return i;
}
