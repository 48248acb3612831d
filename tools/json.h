/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMPROF_JSON_H
#define VMPROF_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH	32

/* A small streaming JSON writer: two-space indented, one member a line. */
struct json_writer {
	FILE *fp;
	int depth;
	bool first[JSON_MAX_DEPTH];
};

void json__init(struct json_writer *j, FILE *fp);
/* key is the member name inside an object, NULL inside an array or at
 * the top level. */
void json__begin_object(struct json_writer *j, const char *key);
void json__end_object(struct json_writer *j);
void json__begin_array(struct json_writer *j, const char *key);
void json__end_array(struct json_writer *j);
void json__string(struct json_writer *j, const char *key, const char *val);
void json__u64(struct json_writer *j, const char *key, uint64_t val);
void json__i64(struct json_writer *j, const char *key, int64_t val);
/* A fixed-point number with prec decimals (deterministic output). */
void json__fixed(struct json_writer *j, const char *key, double val,
		 int prec);
void json__bool(struct json_writer *j, const char *key, bool val);
void json__null(struct json_writer *j, const char *key);
/* Finish the document (newline). */
void json__finish(struct json_writer *j);

/* Write s as a JSON string literal (quotes included). */
void json__quote(FILE *fp, const char *s);

#endif /* VMPROF_JSON_H */
