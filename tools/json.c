// SPDX-License-Identifier: GPL-2.0
/*
 * A small JSON writer.  Output is always valid UTF-8: invalid byte
 * sequences in strings become U+FFFD.
 */
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "json.h"

void json__init(struct json_writer *j, FILE *fp)
{
	memset(j, 0, sizeof(*j));
	j->fp = fp;
	j->first[0] = true;
}

/* Length of the valid UTF-8 sequence at s, or 0 if invalid. */
static int utf8_len(const unsigned char *s)
{
	unsigned int c = s[0], cp;
	int n, i;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, cp = c & 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

void json__quote(FILE *fp, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	fputc('"', fp);
	while (*s) {
		int n;

		switch (*s) {
		case '"':
			fputs("\\\"", fp);
			s++;
			continue;
		case '\\':
			fputs("\\\\", fp);
			s++;
			continue;
		case '\n':
			fputs("\\n", fp);
			s++;
			continue;
		case '\t':
			fputs("\\t", fp);
			s++;
			continue;
		case '\r':
			fputs("\\r", fp);
			s++;
			continue;
		}
		if (*s < 0x20 || *s == 0x7f) {
			fprintf(fp, "\\u%04x", *s);
			s++;
			continue;
		}
		n = utf8_len(s);
		if (!n) {
			fputs("\\ufffd", fp);
			s++;
			continue;
		}
		fwrite(s, 1, n, fp);
		s += n;
	}
	fputc('"', fp);
}

static void indent(struct json_writer *j)
{
	int i;

	for (i = 0; i < j->depth; i++)
		fputs("  ", j->fp);
}

static void member(struct json_writer *j, const char *key)
{
	if (j->depth > 0) {
		if (!j->first[j->depth])
			fputc(',', j->fp);
		fputc('\n', j->fp);
		indent(j);
	}
	j->first[j->depth] = false;
	if (key) {
		json__quote(j->fp, key);
		fputs(": ", j->fp);
	}
}

static void open_scope(struct json_writer *j, const char *key, char c)
{
	member(j, key);
	fputc(c, j->fp);
	if (j->depth < JSON_MAX_DEPTH - 1)
		j->depth++;
	j->first[j->depth] = true;
}

static void close_scope(struct json_writer *j, char c)
{
	bool empty = j->first[j->depth];

	if (j->depth > 0)
		j->depth--;
	if (!empty) {
		fputc('\n', j->fp);
		indent(j);
	}
	fputc(c, j->fp);
}

void json__begin_object(struct json_writer *j, const char *key)
{
	open_scope(j, key, '{');
}

void json__end_object(struct json_writer *j)
{
	close_scope(j, '}');
}

void json__begin_array(struct json_writer *j, const char *key)
{
	open_scope(j, key, '[');
}

void json__end_array(struct json_writer *j)
{
	close_scope(j, ']');
}

void json__string(struct json_writer *j, const char *key, const char *val)
{
	if (!val) {
		json__null(j, key);
		return;
	}
	member(j, key);
	json__quote(j->fp, val);
}

void json__u64(struct json_writer *j, const char *key, uint64_t val)
{
	member(j, key);
	fprintf(j->fp, "%" PRIu64, val);
}

void json__i64(struct json_writer *j, const char *key, int64_t val)
{
	member(j, key);
	fprintf(j->fp, "%" PRId64, val);
}

void json__fixed(struct json_writer *j, const char *key, double val,
		 int prec)
{
	member(j, key);
	if (!isfinite(val))
		val = 0;
	fprintf(j->fp, "%.*f", prec, val);
}

void json__bool(struct json_writer *j, const char *key, bool val)
{
	member(j, key);
	fputs(val ? "true" : "false", j->fp);
}

void json__null(struct json_writer *j, const char *key)
{
	member(j, key);
	fputs("null", j->fp);
}

void json__finish(struct json_writer *j)
{
	fputc('\n', j->fp);
}
