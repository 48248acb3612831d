/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMPROF_UTIL_H
#define VMPROF_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* Exit codes of the vmprof program (listed in vmprof --help). */
#define VMPROF_EXIT_OK		0	/* success */
#define VMPROF_EXIT_ERROR	1	/* error */
#define VMPROF_EXIT_PARTIAL	2	/* partial result (truncated file) */
#define VMPROF_EXIT_USAGE	64	/* bad command line (EX_USAGE) */

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#ifndef __maybe_unused
#define __maybe_unused	__attribute__((unused))
#endif
#define __printf(a, b)	__attribute__((format(printf, a, b)))

extern int verbose;

const char *vmprof_version(void);

void pr_err(const char *fmt, ...) __printf(1, 2);
void pr_warn(const char *fmt, ...) __printf(1, 2);
void pr_note(const char *fmt, ...) __printf(1, 2);
void pr_debug(const char *fmt, ...) __printf(1, 2);
void pr_usage(const char *cmd, const char *fmt, ...) __printf(2, 3);
/*
 * The one message for what getopt_long() refused: c is the '?' (unknown
 * option) or ':' (missing argument) it returned.  Commands parse with
 * opterr = 0 and an optstring starting "+:", so getopt prints nothing.
 */
void pr_bad_option(const char *cmd, int c, char **argv);

void *xmalloc(size_t size);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *ptr, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

/* Parse a whole unsigned number (base 0, or 16 when hex is set). */
int parse_u64(const char *s, uint64_t *val, int base);

/* The value of one hex digit, -1 if c is none. */
static inline int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* 64-bit hash mixing (splitmix64 finalizer). */
static inline uint64_t hash_u64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

uint64_t hash_str(const char *s);
/* Hash of len bytes, len a multiple of 8 (fixed-size keys). */
uint64_t hash_words(const void *p, size_t len);

/*
 * Names come from files (ELF symbol tables, kallsyms, paths, command
 * lines) and may hold any bytes.  Every output gets them as printable
 * UTF-8: str_sanitize() returns NULL when s is valid UTF-8 without
 * control characters (C0, DEL, C1), else a copy in which each offending
 * byte is written as the four characters \xNN.
 */
char *str_sanitize(const char *s);
/* Bytes of the valid UTF-8 character at s, 0 if there is none. */
size_t utf8_char_len(const char *s);
/* Characters in s (sanitized: valid UTF-8). */
size_t utf8_strlen(const char *s);
/* Bytes of the first n characters of s (sanitized). */
size_t utf8_prefix(const char *s, size_t n);

#endif /* VMPROF_UTIL_H */
