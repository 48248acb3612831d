// SPDX-License-Identifier: GPL-2.0
/*
 * vmprof.data reader and writer.
 *
 * The reader validates every length before it touches the bytes it
 * describes, copies fixed-size parts into aligned structs, and reports
 * the first problem with its file offset.  vmprof_data__parse_mem() is
 * the fuzzing entry point; vmprof_data__read_file() streams a file
 * through the same record parser.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "data.h"

_Static_assert(sizeof(struct vmprof_file_header) == 24, "header layout");
_Static_assert(sizeof(struct vmprof_file_rec) == 8, "record header layout");
_Static_assert(sizeof(struct vmprof_file_info) == 80, "info layout");
_Static_assert(sizeof(struct vmprof_file_guest_stack) == 16,
	       "guest stack layout");
_Static_assert(sizeof(struct vmprof_stack_seg) == 16, "stack segment layout");
_Static_assert(sizeof(struct vmprof_file_guest_orc) == 40, "guest orc layout");
_Static_assert(sizeof(struct vmprof_file_mmap) == 64, "mmap layout");
_Static_assert(sizeof(struct vmprof_file_sample) == 80, "sample layout");
_Static_assert(sizeof(struct vmprof_file_guest_kernel) == 64, "layout");
_Static_assert(sizeof(struct vmprof_file_guest_module) == 64, "layout");
_Static_assert(sizeof(struct vmprof_file_guest_section) == 16, "layout");
_Static_assert(sizeof(struct vmprof_file_guest_task) == 48, "layout");
_Static_assert(sizeof(struct vmprof_file_guest_exe) == 64, "layout");
_Static_assert(sizeof(struct vmprof_file_lost) == 24, "lost layout");
_Static_assert(sizeof(struct vmprof_file_stats) == 64, "stats layout");
_Static_assert(sizeof(struct vmprof_file_end) == 24, "end layout");
_Static_assert(sizeof(struct vmprof_exit_stat) == 24, "exit stat layout");
_Static_assert(sizeof(struct vmprof_file_comm) == 8, "comm layout");

#define HEADER_SIZE_MAX		4096

enum parse_state {
	PARSE_DONE,		/* every complete record consumed */
	PARSE_PARTIAL,		/* a record is incomplete at *consumed */
	PARSE_FAILED,		/* res->status says why */
};

static const char *rec_name(__u32 type)
{
	static const char * const names[] = {
		[VMPROF_REC_INFO]	= "INFO",
		[VMPROF_REC_STRING]	= "STRING",
		[VMPROF_REC_KALLSYMS]	= "KALLSYMS",
		[VMPROF_REC_MMAP]	= "MMAP",
		[VMPROF_REC_SAMPLE]	= "SAMPLE",
		[VMPROF_REC_LOST]	= "LOST",
		[VMPROF_REC_EXIT_STATS]	= "EXIT_STATS",
		[VMPROF_REC_STATS]	= "STATS",
		[VMPROF_REC_END]	= "END",
		[VMPROF_REC_COMM]	= "COMM",
		[VMPROF_REC_GUEST_KERNEL] = "GUEST_KERNEL",
		[VMPROF_REC_GUEST_MODULE] = "GUEST_MODULE",
		[VMPROF_REC_GUEST_TASK]	= "GUEST_TASK",
		[VMPROF_REC_GUEST_EXE]	= "GUEST_EXE",
		[VMPROF_REC_VM_NAME]	= "VM_NAME",
		[VMPROF_REC_GUEST_STACK] = "GUEST_STACK",
		[VMPROF_REC_GUEST_ORC]	= "GUEST_ORC",
	};

	if (type < sizeof(names) / sizeof(names[0]) && names[type])
		return names[type];
	return "unknown";
}

static void __attribute__((format(printf, 4, 5)))
set_result(struct vmprof_data_result *res, enum vmprof_data_status status,
	   __u64 offset, const char *fmt, ...)
{
	va_list ap;

	res->status = status;
	res->offset = offset;
	va_start(ap, fmt);
	vsnprintf(res->msg, sizeof(res->msg), fmt, ap);
	va_end(ap);
}

static size_t min_body(__u32 type)
{
	switch (type) {
	case VMPROF_REC_INFO:
		return VMPROF_FILE_INFO_SIZE_VER0;
	case VMPROF_REC_STRING:
		return sizeof(struct vmprof_file_string);
	case VMPROF_REC_KALLSYMS:
		return sizeof(struct vmprof_file_kallsyms);
	case VMPROF_REC_MMAP:
		return sizeof(struct vmprof_file_mmap);
	case VMPROF_REC_SAMPLE:
		return VMPROF_FILE_SAMPLE_SIZE_VER0;
	case VMPROF_REC_LOST:
		return sizeof(struct vmprof_file_lost);
	case VMPROF_REC_EXIT_STATS:
		return sizeof(struct vmprof_file_exit_stats);
	case VMPROF_REC_STATS:
		return VMPROF_FILE_STATS_SIZE_V0;
	case VMPROF_REC_END:
		return sizeof(struct vmprof_file_end);
	case VMPROF_REC_COMM:
	case VMPROF_REC_VM_NAME:
		return sizeof(struct vmprof_file_comm);
	case VMPROF_REC_GUEST_KERNEL:
		return sizeof(struct vmprof_file_guest_kernel);
	case VMPROF_REC_GUEST_MODULE:
		return sizeof(struct vmprof_file_guest_module);
	case VMPROF_REC_GUEST_TASK:
		return sizeof(struct vmprof_file_guest_task);
	case VMPROF_REC_GUEST_EXE:
		return sizeof(struct vmprof_file_guest_exe);
	case VMPROF_REC_GUEST_STACK:
		return sizeof(struct vmprof_file_guest_stack);
	case VMPROF_REC_GUEST_ORC:
		return sizeof(struct vmprof_file_guest_orc);
	}
	return 0;
}

/*
 * The parts of a GUEST_STACK record: every count and length checked
 * against the record before its bytes are looked at.  Returns 0, or -1
 * with what is wrong in msg.
 */
int vmprof_guest_stack__parse(const void *data, size_t blen,
			      struct vmprof_guest_stack_view *v, char *msg,
			      size_t msglen)
{
	const unsigned char *body = data;
	struct vmprof_file_guest_stack h;
	size_t pos = sizeof(h), nregs, i;
	unsigned int r;

	memcpy(&h, body, sizeof(h));
	memset(v, 0, sizeof(*v));
	if (h.regs_mask >> VMPROF_REG_NR) {
		snprintf(msg, msglen,
			 "GUEST_STACK register mask 0x%llx has unknown registers",
			 (unsigned long long)h.regs_mask);
		return -1;
	}
	if (h.nr_segs > VMPROF_STACK_SEGS_MAX) {
		snprintf(msg, msglen, "GUEST_STACK has %u segments (at most %u)",
			 h.nr_segs, VMPROF_STACK_SEGS_MAX);
		return -1;
	}
	nregs = __builtin_popcountll(h.regs_mask);
	if (nregs * 8 + h.nr_segs * sizeof(struct vmprof_stack_seg) >
	    blen - pos) {
		snprintf(msg, msglen,
			 "GUEST_STACK registers and segments exceed the record");
		return -1;
	}
	v->regs_mask = h.regs_mask;
	v->flags = h.flags;
	for (r = 0; r < VMPROF_REG_NR; r++) {
		if (!(h.regs_mask & (1ULL << r)))
			continue;
		memcpy(&v->regs[r], body + pos, 8);
		pos += 8;
	}
	v->nr_segs = h.nr_segs;
	memcpy(v->segs, body + pos, h.nr_segs * sizeof(v->segs[0]));
	pos += h.nr_segs * sizeof(v->segs[0]);
	for (i = 0; i < h.nr_segs; i++) {
		size_t padded = ((size_t)v->segs[i].len + 7) & ~(size_t)7;

		if (padded > blen - pos) {
			snprintf(msg, msglen,
				 "GUEST_STACK segment %zu of %u bytes exceeds the record",
				 i, v->segs[i].len);
			return -1;
		}
		v->data[i] = body + pos;
		pos += padded;
	}
	return 0;
}

/* Copy the known prefix of a record body, zero-filling (never needed for
 * a validated body, kept for safety). */
static void copy_body(void *dst, size_t dst_len, const unsigned char *body,
		      size_t body_len)
{
	size_t n = body_len < dst_len ? body_len : dst_len;

	memset(dst, 0, dst_len);
	memcpy(dst, body, n);
}

static int parse_guest_module(const unsigned char *body, size_t blen,
			      __u64 off, __u32 size,
			      const struct vmprof_data_ops *ops, void *ctx,
			      struct vmprof_data_result *res, int *ret)
{
	struct vmprof_file_guest_module m;
	struct vmprof_file_guest_section *secs;
	size_t pos = sizeof(m), name_pad, table, left;
	char *symbols;
	__u32 i;

	copy_body(&m, sizeof(m), body, blen);
	name_pad = ((size_t)m.name_len + 7) & ~(size_t)7;
	left = blen - pos;
	if (m.build_id_size > VMPROF_BUILD_ID_MAX || name_pad > left ||
	    (__u64)m.nr_sections * sizeof(*secs) > left - name_pad ||
	    m.names_len > left - name_pad - m.nr_sections * sizeof(*secs) ||
	    m.symbols_len > left - name_pad -
	    m.nr_sections * sizeof(*secs) - m.names_len) {
		set_result(res, VMPROF_DATA_CORRUPT, off,
			   "GUEST_MODULE name, sections or symbols do not fit in its record of %u bytes",
			   size);
		return -1;
	}
	table = pos + name_pad;
	secs = malloc(m.nr_sections ? m.nr_sections * sizeof(*secs) : 1);
	symbols = malloc(m.symbols_len + 1);
	if (!secs || !symbols) {
		free(secs);
		free(symbols);
		set_result(res, VMPROF_DATA_IO_ERROR, off, "out of memory");
		return -1;
	}
	memcpy(secs, body + table, m.nr_sections * sizeof(*secs));
	for (i = 0; i < m.nr_sections; i++) {
		if (secs[i].name_off > m.names_len ||
		    secs[i].name_len > m.names_len - secs[i].name_off) {
			free(secs);
			free(symbols);
			set_result(res, VMPROF_DATA_CORRUPT, off,
				   "GUEST_MODULE section %u names bytes outside its record",
				   i);
			return -1;
		}
	}
	table += m.nr_sections * sizeof(*secs);
	memcpy(symbols, body + table + m.names_len, m.symbols_len);
	symbols[m.symbols_len] = 0;
	*ret = ops->guest_module(ctx, &m, (const char *)body + pos, secs,
				 (const char *)body + table, symbols);
	free(secs);
	free(symbols);
	return 0;
}

/* The guest records: their lengths are checked before use. */
static int parse_guest(__u32 type, const unsigned char *body, size_t blen,
		       __u64 off, __u32 size,
		       const struct vmprof_data_ops *ops, void *ctx,
		       struct vmprof_data_result *res, int *ret)
{
	switch (type) {
	case VMPROF_REC_GUEST_KERNEL: {
		struct vmprof_file_guest_kernel k;
		size_t pos = sizeof(k);

		copy_body(&k, sizeof(k), body, blen);
		if (k.build_id_size > VMPROF_BUILD_ID_MAX ||
		    k.release_len > blen - pos ||
		    k.vmcoreinfo_len > blen - pos - k.release_len) {
			set_result(res, VMPROF_DATA_CORRUPT, off,
				   "GUEST_KERNEL strings do not fit in its record of %u bytes",
				   size);
			return -1;
		}
		if (ops->guest_kernel) {
			char *rel = malloc(k.release_len + 1);

			if (!rel) {
				set_result(res, VMPROF_DATA_IO_ERROR, off,
					   "out of memory");
				return -1;
			}
			memcpy(rel, body + pos, k.release_len);
			rel[k.release_len] = 0;
			*ret = ops->guest_kernel(ctx, &k, rel,
						 (const char *)body + pos +
						 k.release_len,
						 k.vmcoreinfo_len);
			free(rel);
		}
		return 0;
	}
	case VMPROF_REC_GUEST_MODULE:
		if (!ops->guest_module)
			return 0;
		return parse_guest_module(body, blen, off, size, ops, ctx, res,
					  ret);
	case VMPROF_REC_GUEST_TASK: {
		struct vmprof_file_guest_task t;

		copy_body(&t, sizeof(t), body, blen);
		if (ops->guest_task)
			*ret = ops->guest_task(ctx, &t);
		return 0;
	}
	case VMPROF_REC_GUEST_EXE: {
		struct vmprof_file_guest_exe e;
		char *path;

		copy_body(&e, sizeof(e), body, blen);
		if (e.build_id_size > VMPROF_BUILD_ID_MAX ||
		    e.path_len > blen - sizeof(e)) {
			set_result(res, VMPROF_DATA_CORRUPT, off,
				   "GUEST_EXE path or build-id does not fit in its record of %u bytes",
				   size);
			return -1;
		}
		if (!ops->guest_exe)
			return 0;
		path = malloc(e.path_len + 1);
		if (!path) {
			set_result(res, VMPROF_DATA_IO_ERROR, off,
				   "out of memory");
			return -1;
		}
		memcpy(path, body + sizeof(e), e.path_len);
		path[e.path_len] = 0;
		*ret = ops->guest_exe(ctx, &e, path);
		free(path);
		return 0;
	}
	}
	return 0;
}

/*
 * Decode one complete record whose header was validated (size >= 8,
 * multiple of 8, fully inside the buffer).  Returns 0, or -1 with res set.
 */
static int parse_record(const unsigned char *rec, __u32 type, __u32 size,
			__u64 off, const struct vmprof_data_ops *ops,
			void *ctx, struct vmprof_data_result *res)
{
	const unsigned char *body = rec + sizeof(struct vmprof_file_rec);
	size_t blen = size - sizeof(struct vmprof_file_rec);
	size_t need = min_body(type);
	int ret = 0;

	if (!need) {
		res->nr_unknown++;
		if (ops->unknown)
			ret = ops->unknown(ctx, type, off, size);
		goto out;
	}
	if (blen < need) {
		set_result(res, VMPROF_DATA_CORRUPT, off,
			   "%s record of %u bytes is shorter than its %zu byte minimum",
			   rec_name(type), size, need + 8);
		return -1;
	}

	switch (type) {
	case VMPROF_REC_INFO: {
		struct vmprof_file_info info;

		copy_body(&info, sizeof(info), body, blen);
		if (ops->info)
			ret = ops->info(ctx, &info);
		break;
	}
	case VMPROF_REC_STRING: {
		struct vmprof_file_string s;

		copy_body(&s, sizeof(s), body, blen);
		if (s.len > blen - sizeof(s)) {
			set_result(res, VMPROF_DATA_CORRUPT, off,
				   "STRING length %u exceeds its record of %u bytes",
				   s.len, size);
			return -1;
		}
		if (ops->string)
			ret = ops->string(ctx, s.key,
					  (const char *)body + sizeof(s),
					  s.len);
		break;
	}
	case VMPROF_REC_KALLSYMS: {
		struct vmprof_file_kallsyms k;

		copy_body(&k, sizeof(k), body, blen);
		if (k.len > blen - sizeof(k)) {
			set_result(res, VMPROF_DATA_CORRUPT, off,
				   "KALLSYMS length %llu exceeds its record of %u bytes",
				   (unsigned long long)k.len, size);
			return -1;
		}
		if (ops->kallsyms)
			ret = ops->kallsyms(ctx, (const char *)body + sizeof(k),
					    k.len);
		break;
	}
	case VMPROF_REC_MMAP: {
		struct vmprof_file_mmap m;

		copy_body(&m, sizeof(m), body, blen);
		if (m.path_len > blen - sizeof(m)) {
			set_result(res, VMPROF_DATA_CORRUPT, off,
				   "MMAP path length %u exceeds its record of %u bytes",
				   m.path_len, size);
			return -1;
		}
		if (m.build_id_size > VMPROF_BUILD_ID_MAX) {
			set_result(res, VMPROF_DATA_CORRUPT, off,
				   "MMAP build-id size %u is above %u",
				   m.build_id_size, VMPROF_BUILD_ID_MAX);
			return -1;
		}
		if (m.end < m.start) {
			set_result(res, VMPROF_DATA_CORRUPT, off,
				   "MMAP ends (0x%llx) before it starts (0x%llx)",
				   (unsigned long long)m.end,
				   (unsigned long long)m.start);
			return -1;
		}
		if (ops->mmap)
			ret = ops->mmap(ctx, &m, (const char *)body + sizeof(m),
					m.path_len);
		break;
	}
	case VMPROF_REC_SAMPLE: {
		struct vmprof_file_sample s;

		copy_body(&s, sizeof(s), body, blen);
		if (ops->sample)
			ret = ops->sample(ctx, &s);
		break;
	}
	case VMPROF_REC_LOST: {
		struct vmprof_file_lost l;

		copy_body(&l, sizeof(l), body, blen);
		if (ops->lost)
			ret = ops->lost(ctx, &l);
		break;
	}
	case VMPROF_REC_EXIT_STATS: {
		struct vmprof_file_exit_stats h;
		struct vmprof_exit_stat *e;
		__u64 *offcpu;
		bool have_offcpu;
		__u64 bytes;

		copy_body(&h, sizeof(h), body, blen);
		bytes = (__u64)h.nr * sizeof(*e);
		if (bytes > blen - sizeof(h)) {
			set_result(res, VMPROF_DATA_CORRUPT, off,
				   "EXIT_STATS claims %u entries, its record of %u bytes holds %zu",
				   h.nr, size,
				   (blen - sizeof(h)) / sizeof(*e));
			return -1;
		}
		if (!ops->exit_stats)
			break;
		/* The off-CPU times follow, in files since vmprof 0.2. */
		have_offcpu = h.nr &&
			      blen - sizeof(h) - bytes >= (__u64)h.nr * 8;
		e = malloc(bytes ? bytes : 1);
		offcpu = have_offcpu ? malloc((size_t)h.nr * 8) : NULL;
		if (!e || (have_offcpu && !offcpu)) {
			free(e);
			free(offcpu);
			set_result(res, VMPROF_DATA_IO_ERROR, off,
				   "out of memory");
			return -1;
		}
		memcpy(e, body + sizeof(h), bytes);
		if (offcpu)
			memcpy(offcpu, body + sizeof(h) + bytes,
			       (size_t)h.nr * 8);
		ret = ops->exit_stats(ctx, e, offcpu, h.nr);
		free(e);
		free(offcpu);
		break;
	}
	case VMPROF_REC_STATS: {
		struct vmprof_file_stats st;

		copy_body(&st, sizeof(st), body, blen);
		if (ops->stats)
			ret = ops->stats(ctx, &st);
		break;
	}
	case VMPROF_REC_END: {
		struct vmprof_file_end end;

		copy_body(&end, sizeof(end), body, blen);
		if (ops->end)
			ret = ops->end(ctx, &end);
		break;
	}
	case VMPROF_REC_GUEST_STACK: {
		struct vmprof_guest_stack_view v;
		char msg[128];

		if (vmprof_guest_stack__parse(body, blen, &v, msg, sizeof(msg))) {
			set_result(res, VMPROF_DATA_CORRUPT, off, "%s", msg);
			return -1;
		}
		if (ops->guest_stack)
			ret = ops->guest_stack(ctx, &v);
		break;
	}
	case VMPROF_REC_GUEST_ORC: {
		struct vmprof_file_guest_orc o;
		__u64 name_sz, ip_sz, orc_sz;

		copy_body(&o, sizeof(o), body, blen);
		name_sz = ((__u64)o.name_len + 7) & ~7ULL;
		ip_sz = ((__u64)o.nr * 4 + 7) & ~7ULL;
		orc_sz = ((__u64)o.nr * 6 + 7) & ~7ULL;
		if (name_sz + ip_sz + orc_sz > blen - sizeof(o)) {
			set_result(res, VMPROF_DATA_CORRUPT, off,
				   "GUEST_ORC of %u entries exceeds its record of %u bytes",
				   o.nr, size);
			return -1;
		}
		if (ops->guest_orc)
			ret = ops->guest_orc(ctx, &o,
					     (const char *)body + sizeof(o),
					     body + sizeof(o) + name_sz,
					     body + sizeof(o) + name_sz +
					     ip_sz);
		break;
	}
	case VMPROF_REC_COMM:
	case VMPROF_REC_VM_NAME: {
		struct vmprof_file_comm c;
		const char *text = (const char *)body + sizeof(c);

		copy_body(&c, sizeof(c), body, blen);
		if (c.len > blen - sizeof(c)) {
			set_result(res, VMPROF_DATA_CORRUPT, off,
				   "%s length %u exceeds its record of %u bytes",
				   rec_name(type), c.len, size);
			return -1;
		}
		if (type == VMPROF_REC_COMM && ops->comm)
			ret = ops->comm(ctx, c.pid, text, c.len);
		else if (type == VMPROF_REC_VM_NAME && ops->vm_name)
			ret = ops->vm_name(ctx, c.pid, text, c.len);
		break;
	}
	case VMPROF_REC_GUEST_KERNEL:
	case VMPROF_REC_GUEST_MODULE:
	case VMPROF_REC_GUEST_TASK:
	case VMPROF_REC_GUEST_EXE:
		if (parse_guest(type, body, blen, off, size, ops, ctx, res,
				&ret))
			return -1;
		break;
	}
out:
	if (ret) {
		set_result(res, VMPROF_DATA_ABORTED, off,
			   "processing stopped at the %s record", rec_name(type));
		return -1;
	}
	res->nr_records++;
	return 0;
}

/*
 * Parse the complete records in buf (whose first byte is at file offset
 * base).  *consumed is set to the bytes fully processed.  *seen_end is set
 * when an END record was parsed.
 */
static enum parse_state parse_records(const unsigned char *buf, size_t len,
				      __u64 base,
				      const struct vmprof_data_ops *ops,
				      void *ctx,
				      struct vmprof_data_result *res,
				      size_t *consumed, bool *seen_end)
{
	size_t pos = 0;

	while (len - pos >= sizeof(struct vmprof_file_rec)) {
		struct vmprof_file_rec h;
		__u64 off = base + pos;

		memcpy(&h, buf + pos, sizeof(h));
		if (h.size < sizeof(h)) {
			set_result(res, VMPROF_DATA_CORRUPT, off,
				   "record size %u is smaller than a record header",
				   h.size);
			*consumed = pos;
			return PARSE_FAILED;
		}
		if (h.size % 8) {
			set_result(res, VMPROF_DATA_CORRUPT, off,
				   "record size %u is not a multiple of 8",
				   h.size);
			*consumed = pos;
			return PARSE_FAILED;
		}
		if (h.size > VMPROF_FILE_REC_MAX) {
			set_result(res, VMPROF_DATA_CORRUPT, off,
				   "record size %u is above the %u byte limit",
				   h.size, VMPROF_FILE_REC_MAX);
			*consumed = pos;
			return PARSE_FAILED;
		}
		if (h.size > len - pos)
			break;
		if (parse_record(buf + pos, h.type, h.size, off, ops, ctx,
				 res)) {
			*consumed = pos;
			return PARSE_FAILED;
		}
		if (h.type == VMPROF_REC_END)
			*seen_end = true;
		pos += h.size;
	}
	*consumed = pos;
	return pos == len ? PARSE_DONE : PARSE_PARTIAL;
}

static int parse_header(const unsigned char *buf, size_t len,
			struct vmprof_data_result *res, __u32 *header_size)
{
	struct vmprof_file_header h;

	if (len < sizeof(h)) {
		size_t m = len < VMPROF_FILE_MAGIC_LEN ?
			   len : VMPROF_FILE_MAGIC_LEN;

		/*
		 * 'vmprof record' creates the file, then writes the header:
		 * killed in between, it leaves an empty file.  That is a
		 * recording cut short like any other, not a foreign file.
		 */
		if (!len)
			set_result(res, VMPROF_DATA_TRUNCATED, 0,
				   "the file is empty (the recording stopped before writing anything)");
		else if (!memcmp(buf, VMPROF_FILE_MAGIC, m))
			set_result(res, VMPROF_DATA_TRUNCATED, len,
				   "file ends inside the header");
		else
			set_result(res, VMPROF_DATA_CORRUPT, 0,
				   "not a vmprof data file (%zu bytes, too short for a header)",
				   len);
		return -1;
	}
	memcpy(&h, buf, sizeof(h));
	if (memcmp(h.magic, VMPROF_FILE_MAGIC, VMPROF_FILE_MAGIC_LEN)) {
		set_result(res, VMPROF_DATA_CORRUPT, 0,
			   "not a vmprof data file (bad magic)");
		return -1;
	}
	res->version = h.version;
	if (h.version != VMPROF_FILE_VERSION) {
		set_result(res, VMPROF_DATA_CORRUPT, 8,
			   "unsupported file format version %u (this vmprof reads version %u)",
			   h.version, VMPROF_FILE_VERSION);
		return -1;
	}
	if (h.header_size < sizeof(h) || h.header_size > HEADER_SIZE_MAX ||
	    h.header_size % 8) {
		set_result(res, VMPROF_DATA_CORRUPT, 12,
			   "bad header size %u", h.header_size);
		return -1;
	}
	*header_size = h.header_size;
	return 0;
}

static void init_result(struct vmprof_data_result *res)
{
	memset(res, 0, sizeof(*res));
}

static void finish_partial(const unsigned char *rest, size_t rest_len,
			   __u64 off, struct vmprof_data_result *res)
{
	struct vmprof_file_rec h;

	if (rest_len < sizeof(h)) {
		set_result(res, VMPROF_DATA_TRUNCATED, off,
			   "file ends inside a record header (%zu of 8 bytes)",
			   rest_len);
		return;
	}
	memcpy(&h, rest, sizeof(h));
	set_result(res, VMPROF_DATA_TRUNCATED, off,
		   "%s record of %u bytes is cut short (%zu bytes present)",
		   rec_name(h.type), h.size, rest_len);
}

enum vmprof_data_status
vmprof_data__parse_mem(const void *data, size_t len,
		       const struct vmprof_data_ops *ops, void *ctx,
		       struct vmprof_data_result *res)
{
	const unsigned char *buf = data;
	__u32 hsize;
	size_t consumed = 0;
	bool seen_end = false;
	enum parse_state st;

	init_result(res);
	res->size = len;
	if (parse_header(buf, len, res, &hsize))
		return res->status;
	if (hsize > len) {
		set_result(res, VMPROF_DATA_TRUNCATED, len,
			   "file ends inside the header");
		return res->status;
	}
	st = parse_records(buf + hsize, len - hsize, hsize, ops, ctx, res,
			   &consumed, &seen_end);
	if (st == PARSE_FAILED)
		return res->status;
	if (st == PARSE_PARTIAL) {
		finish_partial(buf + hsize + consumed, len - hsize - consumed,
			       hsize + consumed, res);
		return res->status;
	}
	if (!seen_end) {
		set_result(res, VMPROF_DATA_TRUNCATED, len,
			   "no end-of-recording record: the recording was interrupted");
		return res->status;
	}
	res->status = VMPROF_DATA_OK;
	return res->status;
}

/* Read until buf holds want bytes or EOF; returns bytes held or -1. */
static ssize_t fill(int fd, unsigned char *buf, size_t have, size_t want)
{
	while (have < want) {
		ssize_t n = read(fd, buf + have, want - have);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0)
			break;
		have += n;
	}
	return have;
}

#define READ_CHUNK	(1u << 20)

enum vmprof_data_status
vmprof_data__read_file(const char *path, const struct vmprof_data_ops *ops,
		       void *ctx, struct vmprof_data_result *res)
{
	unsigned char *buf = NULL;
	size_t cap = READ_CHUNK, have = 0;
	__u64 base = 0;	/* file offset of buf[0] */
	__u32 hsize;
	bool seen_end = false, eof = false;
	struct stat sb;
	ssize_t n;
	int fd;

	init_result(res);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		set_result(res, VMPROF_DATA_IO_ERROR, 0, "%s", strerror(errno));
		return res->status;
	}
	buf = malloc(cap);
	if (!buf) {
		set_result(res, VMPROF_DATA_IO_ERROR, 0, "out of memory");
		goto out;
	}

	n = fill(fd, buf, 0, HEADER_SIZE_MAX);
	if (n < 0)
		goto read_error;
	have = n;
	res->size = have;
	if (parse_header(buf, have, res, &hsize))
		goto out;
	if (hsize > have) {
		set_result(res, VMPROF_DATA_TRUNCATED, have,
			   "file ends inside the header");
		goto out;
	}
	eof = have < HEADER_SIZE_MAX;
	memmove(buf, buf + hsize, have - hsize);
	have -= hsize;
	base = hsize;

	for (;;) {
		size_t consumed = 0, want;
		enum parse_state st;

		st = parse_records(buf, have, base, ops, ctx, res, &consumed,
				   &seen_end);
		if (st == PARSE_FAILED)
			goto out;
		memmove(buf, buf + consumed, have - consumed);
		have -= consumed;
		base += consumed;
		if (eof)
			break;

		/* Make room for the pending record, or a chunk; never more
		 * than the file still holds (a damaged size field must not
		 * make us allocate hundreds of megabytes). */
		want = have + READ_CHUNK;
		if (have >= sizeof(struct vmprof_file_rec)) {
			struct vmprof_file_rec h;

			memcpy(&h, buf, sizeof(h));
			if (h.size > want)
				want = h.size;
		}
		if (!fstat(fd, &sb) && (__u64)sb.st_size >= base &&
		    want > sb.st_size - base)
			want = sb.st_size - base;
		if (want <= have)
			break;
		if (want > cap) {
			unsigned char *nb = realloc(buf, want);

			if (!nb) {
				set_result(res, VMPROF_DATA_IO_ERROR, base,
					   "out of memory");
				goto out;
			}
			buf = nb;
			cap = want;
		}
		n = fill(fd, buf, have, want);
		if (n < 0)
			goto read_error;
		if ((size_t)n < want)
			eof = true;
		res->size = base + n;
		have = n;
	}
	res->size = base + have;
	if (have) {
		finish_partial(buf, have, base, res);
		goto out;
	}
	if (!seen_end) {
		set_result(res, VMPROF_DATA_TRUNCATED, base,
			   "no end-of-recording record: the recording was interrupted");
		goto out;
	}
	res->status = VMPROF_DATA_OK;
	goto out;

read_error:
	set_result(res, VMPROF_DATA_IO_ERROR, base, "read error: %s",
		   strerror(errno));
out:
	free(buf);
	close(fd);
	return res->status;
}

/* ---- writer ---- */

#define WRITE_BUF	(256u << 10)

int vmprof_writer__open_fd(struct vmprof_data_writer *w, int fd)
{
	struct vmprof_file_header h;

	memset(w, 0, sizeof(*w));
	w->fd = fd;
	w->cap = WRITE_BUF;
	w->buf = malloc(w->cap);
	if (!w->buf) {
		w->err = ENOMEM;
		return -1;
	}
	memset(&h, 0, sizeof(h));
	memcpy(h.magic, VMPROF_FILE_MAGIC, VMPROF_FILE_MAGIC_LEN);
	h.version = VMPROF_FILE_VERSION;
	h.header_size = sizeof(h);
	memcpy(w->buf, &h, sizeof(h));
	w->len = sizeof(h);
	return vmprof_writer__flush(w);
}

int vmprof_data__keep_old(const char *path)
{
	struct stat st;
	char *old;
	int ret;

	if (stat(path, &st) || !S_ISREG(st.st_mode) || !st.st_size)
		return 0;
	old = malloc(strlen(path) + sizeof(".old"));
	if (!old) {
		errno = ENOMEM;
		return -1;
	}
	strcpy(old, path);
	strcat(old, ".old");
	ret = rename(path, old);
	free(old);
	return ret;
}

int vmprof_writer__open(struct vmprof_data_writer *w, const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0) {
		memset(w, 0, sizeof(*w));
		w->fd = -1;
		w->err = errno;
		return -1;
	}
	return vmprof_writer__open_fd(w, fd);
}

int vmprof_writer__flush(struct vmprof_data_writer *w)
{
	size_t done = 0;

	if (w->err)
		return -1;
	while (done < w->len) {
		ssize_t n = write(w->fd, w->buf + done, w->len - done);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			w->err = errno;
			break;
		}
		done += n;
		w->offset += n;
	}
	/* Keep only what could not be written (nothing, on success). */
	memmove(w->buf, w->buf + done, w->len - done);
	w->len -= done;
	return w->err ? -1 : 0;
}

int vmprof_writer__add(struct vmprof_data_writer *w, __u32 type,
		       const void *body, size_t len,
		       const void *tail, size_t tail_len)
{
	struct vmprof_file_rec h;
	size_t size = sizeof(h) + len + tail_len;
	size_t padded = (size + 7) & ~(size_t)7;

	if (w->err)
		return -1;
	if (padded > VMPROF_FILE_REC_MAX) {
		w->err = EFBIG;
		return -1;
	}
	if (w->cap - w->len < padded) {
		if (vmprof_writer__flush(w))
			return -1;
		if (w->cap < padded) {
			char *nb = realloc(w->buf, padded);

			if (!nb) {
				w->err = ENOMEM;
				return -1;
			}
			w->buf = nb;
			w->cap = padded;
		}
	}
	h.type = type;
	h.size = padded;
	memcpy(w->buf + w->len, &h, sizeof(h));
	if (len)
		memcpy(w->buf + w->len + sizeof(h), body, len);
	if (tail_len)
		memcpy(w->buf + w->len + sizeof(h) + len, tail, tail_len);
	memset(w->buf + w->len + size, 0, padded - size);
	w->len += padded;
	return 0;
}

int vmprof_writer__string(struct vmprof_data_writer *w, __u32 key,
			  const char *s, size_t len)
{
	struct vmprof_file_string h = { .key = key, .len = len };

	return vmprof_writer__add(w, VMPROF_REC_STRING, &h, sizeof(h), s, len);
}

int vmprof_writer__close(struct vmprof_data_writer *w)
{
	int err;

	vmprof_writer__flush(w);
	if (w->fd >= 0 && close(w->fd) && !w->err)
		w->err = errno;
	w->fd = -1;
	free(w->buf);
	w->buf = NULL;
	err = w->err;
	return err;
}
