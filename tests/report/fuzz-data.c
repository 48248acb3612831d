// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz harness for the vmprof.data reader.
 *
 * With libFuzzer:  clang -fsanitize=fuzzer,address,undefined \
 *     -I../../include -I../../tools fuzz-data.c ../../tools/data.c \
 *     ../../tools/kallsyms.c ../../tools/util.c
 * (AFL++: afl-clang-fast with -DFUZZ_STANDALONE, one file per run.)
 *
 * With -DFUZZ_STANDALONE it is also a program: for each file given it
 * parses the bytes with vmprof_data__parse_mem() and the file with the
 * streaming vmprof_data__read_file(), and fails if the two disagree on
 * the outcome, the offset or the records seen.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data.h"
#include "kallsyms.h"

struct seen {
	uint64_t sum;		/* folds in every byte handed over */
	uint64_t records;
};

static void fold(struct seen *s, const void *p, size_t len)
{
	const unsigned char *b = p;
	size_t i;

	for (i = 0; i < len; i++)
		s->sum = s->sum * 31 + b[i];
	s->records++;
}

static int on_info(void *ctx, const struct vmprof_file_info *i)
{
	fold(ctx, i, sizeof(*i));
	return 0;
}

static int on_string(void *ctx, __u32 key, const char *s, size_t len)
{
	fold(ctx, &key, sizeof(key));
	fold(ctx, s, len);
	return 0;
}

static int on_kallsyms(void *ctx, const char *text, size_t len)
{
	struct vmprof_kallsyms *ks = vmprof_kallsyms__parse(text, len);
	size_t i;

	/* Exercise the kallsyms parser and lookups on fuzzed text too. */
	for (i = 0; i < ks->nr; i++) {
		const struct vmprof_ksym *k =
			vmprof_kallsyms__lookup(ks, ks->syms[i].addr);

		fold(ctx, k->name, strlen(k->name));
	}
	vmprof_kallsyms__free(ks);
	return 0;
}

static int on_mmap(void *ctx, const struct vmprof_file_mmap *m,
		   const char *path, size_t len)
{
	fold(ctx, m, sizeof(*m));
	fold(ctx, path, len);
	return 0;
}

static int on_sample(void *ctx, const struct vmprof_file_sample *s)
{
	fold(ctx, s, sizeof(*s));
	return 0;
}

static int on_lost(void *ctx, const struct vmprof_file_lost *l)
{
	fold(ctx, l, sizeof(*l));
	return 0;
}

static int on_exit_stats(void *ctx, const struct vmprof_exit_stat *e,
			 const __u64 *offcpu, __u32 nr)
{
	fold(ctx, e, (size_t)nr * sizeof(*e));
	if (offcpu)
		fold(ctx, offcpu, (size_t)nr * sizeof(*offcpu));
	return 0;
}

static int on_stats(void *ctx, const struct vmprof_file_stats *st)
{
	fold(ctx, st, sizeof(*st));
	return 0;
}

static int on_end(void *ctx, const struct vmprof_file_end *e)
{
	fold(ctx, e, sizeof(*e));
	return 0;
}

static int on_guest_stack(void *ctx,
			  const struct vmprof_guest_stack_view *v)
{
	unsigned int i;

	fold(ctx, &v->flags, sizeof(v->flags));
	fold(ctx, v->regs, sizeof(v->regs));
	/* Every segment's bytes are inside the record: read them all. */
	for (i = 0; i < v->nr_segs; i++) {
		fold(ctx, &v->segs[i], sizeof(v->segs[i]));
		fold(ctx, v->data[i], v->segs[i].len);
	}
	return 0;
}

static int on_guest_orc(void *ctx, const struct vmprof_file_guest_orc *o,
			const char *name, const void *ip, const void *orc)
{
	fold(ctx, o, sizeof(*o));
	fold(ctx, name, o->name_len);
	fold(ctx, ip, (size_t)o->nr * 4);
	fold(ctx, orc, (size_t)o->nr * 6);
	return 0;
}

static int on_unknown(void *ctx, __u32 type, __u64 off, __u32 size)
{
	fold(ctx, &type, sizeof(type));
	fold(ctx, &off, sizeof(off));
	fold(ctx, &size, sizeof(size));
	return 0;
}

static const struct vmprof_data_ops fuzz_ops = {
	.info = on_info,
	.string = on_string,
	.kallsyms = on_kallsyms,
	.mmap = on_mmap,
	.sample = on_sample,
	.lost = on_lost,
	.exit_stats = on_exit_stats,
	.stats = on_stats,
	.end = on_end,
	.guest_stack = on_guest_stack,
	.guest_orc = on_guest_orc,
	.unknown = on_unknown,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vmprof_data_result res;
	struct seen seen = { 0, 0 };

	vmprof_data__parse_mem(data, size, &fuzz_ops, &seen, &res);
	return 0;
}

#ifdef FUZZ_STANDALONE
static unsigned char *slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	unsigned char *buf;
	long n;

	if (!fp)
		return NULL;
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	buf = malloc(n ? n : 1);
	if (!buf || fread(buf, 1, n, fp) != (size_t)n) {
		fclose(fp);
		free(buf);
		return NULL;
	}
	fclose(fp);
	*len = n;
	return buf;
}

int main(int argc, char **argv)
{
	int i, bad = 0;

	for (i = 1; i < argc; i++) {
		struct vmprof_data_result rm, rf;
		struct seen sm = { 0, 0 }, sf = { 0, 0 };
		unsigned char *buf;
		size_t len = 0;

		buf = slurp(argv[i], &len);
		if (!buf) {
			fprintf(stderr, "%s: cannot read\n", argv[i]);
			bad++;
			continue;
		}
		vmprof_data__parse_mem(buf, len, &fuzz_ops, &sm, &rm);
		vmprof_data__read_file(argv[i], &fuzz_ops, &sf, &rf);
		if (rm.status != rf.status || rm.offset != rf.offset ||
		    rm.nr_records != rf.nr_records || sm.sum != sf.sum ||
		    sm.records != sf.records) {
			printf("%s: memory: status %d offset %llu records %llu (%s); file: status %d offset %llu records %llu (%s)\n",
			       argv[i], rm.status,
			       (unsigned long long)rm.offset,
			       (unsigned long long)rm.nr_records, rm.msg,
			       rf.status, (unsigned long long)rf.offset,
			       (unsigned long long)rf.nr_records, rf.msg);
			bad++;
		}
		free(buf);
	}
	return bad ? 1 : 0;
}
#endif
