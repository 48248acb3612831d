/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The vmprof.data file format (see docs/data-format.md).
 *
 * A file is a header followed by records.  Every record starts with
 * struct vmprof_file_rec {type, size}; size covers the whole record, is a
 * multiple of 8 and at least 8.  All integers are little-endian.  Readers
 * skip record types they do not know, and ignore bytes past the fields
 * they know at the end of a known record (newer writers may append
 * fields).
 */
#ifndef VMPROF_DATA_H
#define VMPROF_DATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <vmprof.h>

#define VMPROF_FILE_MAGIC	"VMPROF\0\1"
#define VMPROF_FILE_MAGIC_LEN	8
#define VMPROF_FILE_VERSION	1

/* Records larger than this are treated as corrupt. */
#define VMPROF_FILE_REC_MAX	(256u << 20)

struct vmprof_file_header {
	char magic[8];		/* VMPROF_FILE_MAGIC */
	__u32 version;		/* VMPROF_FILE_VERSION */
	__u32 header_size;	/* bytes before the first record, >= 24 */
	__u64 flags;		/* 0 */
};

struct vmprof_file_rec {
	__u32 type;		/* VMPROF_REC_* */
	__u32 size;		/* whole record in bytes, multiple of 8 */
};

enum vmprof_rec_type {
	VMPROF_REC_INFO		= 1,
	VMPROF_REC_STRING	= 2,
	VMPROF_REC_KALLSYMS	= 3,
	VMPROF_REC_MMAP		= 4,
	VMPROF_REC_SAMPLE	= 5,
	VMPROF_REC_LOST		= 6,
	VMPROF_REC_EXIT_STATS	= 7,
	VMPROF_REC_STATS	= 8,
	VMPROF_REC_END		= 9,
	VMPROF_REC_COMM		= 10,	/* since vmprof 0.2: older readers skip it */
	/* Guest introspection (record --guest-introspect), ABI 1.2 on. */
	VMPROF_REC_GUEST_KERNEL	= 11,
	VMPROF_REC_GUEST_MODULE	= 12,
	VMPROF_REC_GUEST_TASK	= 13,
	VMPROF_REC_GUEST_EXE	= 14,
	/* 11 to 14: guest introspection */
	VMPROF_REC_GUEST_STACK	= 15,	/* record --call-graph: older readers
					 * skip it */
	VMPROF_REC_GUEST_ORC	= 16,	/* record --call-graph orc */
	VMPROF_REC_VM_NAME	= 17,	/* since vmprof 0.3: older readers skip it */
};

/* VMPROF_REC_INFO: the session; written at the start and again whenever
 * it changes (e.g. once the guest LSTAR has been seen).  Last one wins. */
struct vmprof_file_info {
	__u32 mode;		/* VMPROF_MODE_* */
	__u32 event;		/* VMPROF_EVENT_* actually counting */
	__u32 isa;		/* VMPROF_ISA_* */
	__u32 info_flags;	/* VMPROF_INFO_* */
	__u32 attach_flags;	/* VMPROF_ATTACH_* */
	__s32 pid;		/* VMM pid, -1 system-wide */
	__u64 sample;		/* period or frequency, see attach_flags */
	__u32 nr_vcpus;
	__u32 nr_rings;
	__u64 guest_lstar;	/* valid if info_flags & VMPROF_INFO_LSTAR */
	__u64 start_ns;		/* CLOCK_MONOTONIC at ENABLE */
	__u64 start_realtime_ns; /* CLOCK_REALTIME at ENABLE */
	__u32 abi_major;	/* of the module that recorded */
	__u32 abi_minor;
	/* Appended in vmprof 0.3 (older files: 0, no call graph). */
	__u32 call_graph;	/* VMPROF_CALL_GRAPH_* asked for */
	__u32 stack_size;	/* stack bytes per sample asked for */
};

/* vmprof_file_info.call_graph: how the guest stacks are to be unwound. */
#define VMPROF_CALL_GRAPH_NONE	0
#define VMPROF_CALL_GRAPH_ORC	1	/* the guest kernel's ORC tables */
#define VMPROF_CALL_GRAPH_FP	2	/* frame pointers */
#define VMPROF_CALL_GRAPH_DWARF	3	/* DWARF CFI of a guest vmlinux */
#define VMPROF_FILE_INFO_SIZE_VER0	72

/* VMPROF_REC_STRING: __u32 key, __u32 len, then len bytes (no NUL). */
enum vmprof_string_key {
	VMPROF_STR_HOST_RELEASE	= 1,	/* uname -r */
	VMPROF_STR_VMM_CMDLINE	= 2,	/* /proc/PID/cmdline, NULs as spaces */
	VMPROF_STR_VMM_COMM	= 3,	/* /proc/PID/comm */
	VMPROF_STR_MODULE_VERSION = 4,	/* vmprof_version.module_version */
	VMPROF_STR_TOOL_VERSION	= 5,	/* vmprof tool version */
	VMPROF_STR_HOSTNAME	= 6,
	VMPROF_STR_COMMAND	= 7,	/* the vmprof record command line */
	VMPROF_STR_HOST_MACHINE	= 8,	/* uname -m */
};

struct vmprof_file_string {
	__u32 key;
	__u32 len;
};

/* VMPROF_REC_KALLSYMS: __u64 len, then len bytes of /proc/kallsyms text
 * ("ADDR TYPE NAME [module]" lines). */
struct vmprof_file_kallsyms {
	__u64 len;
};

/* VMPROF_REC_MMAP: an executable mapping of the VMM, then path_len bytes
 * of path (no NUL). */
#define VMPROF_BUILD_ID_MAX	32
struct vmprof_file_mmap {
	__u64 start;
	__u64 end;
	__u64 pgoff;		/* file offset mapped at start */
	__s32 pid;
	__u16 path_len;
	__u8 build_id_size;	/* 0: unknown */
	__u8 flags;		/* 0 */
	__u8 build_id[VMPROF_BUILD_ID_MAX];
};

/* VMPROF_REC_SAMPLE: struct vmprof_sample without its ring header
 * (72 bytes before ABI 1.2, 80 with the guest task). */
#define VMPROF_FILE_SAMPLE_SIZE_VER0	72
struct vmprof_file_sample {
	__u64 time_ns;
	__u64 guest_rip;
	__u64 guest_cr3;
	__u64 host_ip;
	__u64 exit_guest_rip;
	__u64 period;
	__u32 exit_reason;
	__u32 cpu;
	__u32 pid;
	__u32 tid;
	__u32 vcpu;
	__u16 context;
	__u16 flags;
	__u32 guest_pid;	/* with VMPROF_SAMPLE_GUEST_TASK */
	__u32 guest_tid;
};

/* VMPROF_REC_COMM: the command name of a VMM process whose samples a
 * system-wide recording holds, written before its first sample; then
 * len bytes (no NUL).  The last one of a pid wins. */
struct vmprof_file_comm {
	__s32 pid;
	__u32 len;
};

/*
 * VMPROF_REC_GUEST_STACK: the guest registers and stack copies of the
 * SAMPLE record that follows it (the kernel's VMPROF_RECORD_GUEST_STACK
 * without its ring header).  Then __u64 regs[] (one per bit of
 * regs_mask, in VMPROF_REG_* order), nr_segs struct vmprof_stack_seg,
 * then each segment's len bytes, padded to 8.
 */
#define VMPROF_STACK_SEGS_MAX	8
struct vmprof_file_guest_stack {
	__u64 regs_mask;	/* VMPROF_REG_* */
	__u16 nr_segs;		/* at most VMPROF_STACK_SEGS_MAX */
	__u16 flags;		/* VMPROF_STACK_* */
	__u32 reserved;
};

/* A GUEST_STACK record as the reader hands it over. */
struct vmprof_guest_stack_view {
	__u16 flags;			/* VMPROF_STACK_* */
	__u64 regs_mask;
	__u64 regs[VMPROF_REG_NR];	/* zero where regs_mask has no bit */
	unsigned int nr_segs;
	struct vmprof_stack_seg segs[VMPROF_STACK_SEGS_MAX];
	const unsigned char *data[VMPROF_STACK_SEGS_MAX]; /* in the record */
};

/*
 * VMPROF_REC_GUEST_ORC: the ORC unwind tables of a guest kernel module,
 * as the guest kernel keeps them in its memory (sorted, offsets relative
 * to each entry), read at record time.  Then name_len bytes of its name,
 * nr 4-byte .orc_unwind_ip entries, nr 6-byte .orc_unwind entries, each
 * part padded to 8.
 */
struct vmprof_file_guest_orc {
	__u64 text_start;	/* the code the tables cover (runtime) */
	__u64 text_end;
	__u64 ip_table;		/* runtime address of the first ip entry */
	__s32 pid;		/* the VM (VMM process) */
	__u32 nr;		/* entries */
	__u16 name_len;
	__u16 flags;		/* 0 */
	__u32 reserved;
};

/*
 * Check the body of a GUEST_STACK record (blen bytes; every count and
 * length against it) and describe it in v.  Returns 0, or -1 with what
 * is wrong in msg.
 */
int vmprof_guest_stack__parse(const void *body, size_t blen,
			      struct vmprof_guest_stack_view *v, char *msg,
			      size_t msglen);

/* VMPROF_REC_VM_NAME: the name of a VM as `vmprof list` shows it
 * (libvirt's domain, QEMU's -name, else the VMM's comm), written before
 * the VM's first sample; the same body as COMM.  The last one of a pid
 * wins. */

/* VMPROF_REC_LOST: samples dropped on a ring (from ring LOST records). */
struct vmprof_file_lost {
	__u64 lost;
	__u64 time_ns;
	__u32 cpu;
	__u32 reserved;
};

/* VMPROF_REC_EXIT_STATS: __u32 nr, __u32 reserved, then nr entries of
 * struct vmprof_exit_stat (24 bytes each); since vmprof 0.2 followed by
 * nr __u64, the off-CPU part of each entry's vmm_ns. */
struct vmprof_file_exit_stats {
	__u32 nr;
	__u32 reserved;
};

/* VMPROF_REC_STATS: totals from VMPROF_IOC_GET_STATS.  Older files end
 * after target_alive's word (40 bytes): the later fields read as 0. */
struct vmprof_file_stats {
	__u64 samples;
	__u64 lost;
	__u64 filtered;
	__u64 nr_vcpus;
	__u32 target_alive;
	__u32 reserved;
	/* since vmprof 0.2 (ABI 1.2); 0 when not recorded */
	__u64 time_enabled;	/* ns the counters were enabled, summed */
	__u64 time_running;	/* ns they counted */
	__u32 flags;		/* VMPROF_INFO_GUEST_UNREADABLE */
	__u32 missed_threads;	/* VMM threads that were not profiled */
};
#define VMPROF_FILE_STATS_SIZE_V0	40

/* VMPROF_REC_END: the recording ended normally; always the last record. */
enum vmprof_stop_reason {
	VMPROF_STOP_UNKNOWN	= 0,
	VMPROF_STOP_SIGNAL	= 1,	/* SIGINT / SIGTERM */
	VMPROF_STOP_COMMAND	= 2,	/* the COMMAND exited */
	VMPROF_STOP_DURATION	= 3,	/* -d elapsed */
	VMPROF_STOP_VM_EXIT	= 4,	/* the VMM process went away */
	VMPROF_STOP_ERROR	= 5,	/* write or read error */
};

struct vmprof_file_end {
	__u64 end_ns;		/* CLOCK_MONOTONIC at DISABLE */
	__u64 end_realtime_ns;
	__u32 stop_reason;	/* VMPROF_STOP_* */
	__u32 reserved;
};

/*
 * VMPROF_REC_GUEST_KERNEL: what the guest kernel is, read from its
 * VMCOREINFO note in guest memory; then release_len bytes of release
 * (uname -r), then vmcoreinfo_len bytes of the note's text.  Last one
 * wins.
 */
#define VMPROF_GUEST_KERNEL_KASLR	(1u << 0) /* kaslr_offset is known */
#define VMPROF_GUEST_KERNEL_LSTAR_OK	(1u << 1) /* LSTAR confirms it */
#define VMPROF_GUEST_KERNEL_LSTAR_BAD	(1u << 2) /* LSTAR contradicts it */
#define VMPROF_GUEST_KERNEL_LA57	(1u << 3) /* 5-level paging */
#define VMPROF_GUEST_KERNEL_TASKS	(1u << 4) /* samples carry tasks */
struct vmprof_file_guest_kernel {
	__u64 kaslr_offset;
	__u64 lstar;		/* guest_lstar the check used, or 0 */
	__u32 flags;		/* VMPROF_GUEST_KERNEL_* */
	__u16 release_len;
	__u8 build_id_size;
	__u8 reserved0;
	__u32 vmcoreinfo_len;
	__u32 reserved1;
	__u8 build_id[VMPROF_BUILD_ID_MAX];
};

/*
 * VMPROF_REC_GUEST_MODULE: a module loaded in the guest kernel.  Then
 * name_len bytes of name, zero-padded to 8; nr_sections entries of
 * struct vmprof_file_guest_section; the section names they point into;
 * symbols_len bytes of the module's text symbols as the guest's
 * /proc/kallsyms lists them ("ADDR TYPE NAME\t[module]" lines, runtime
 * addresses), read from its symbol table in guest memory; zero padding.
 */
struct vmprof_file_guest_module {
	__u64 base;		/* runtime address of its core text */
	__u64 size;		/* bytes of core text */
	__u16 name_len;
	__u8 build_id_size;
	__u8 reserved0;
	__u32 nr_sections;
	__u32 names_len;	/* bytes of section names */
	__u32 symbols_len;
	__u8 build_id[VMPROF_BUILD_ID_MAX];
};

struct vmprof_file_guest_section {
	__u64 addr;		/* runtime address of the section */
	__u32 name_off;		/* into the names after the table */
	__u32 name_len;
};

/* VMPROF_REC_GUEST_TASK: ring GUEST_TASK records, with their ring. */
struct vmprof_file_guest_task {
	__u64 time_ns;
	__u64 task;		/* guest address of its task_struct */
	__u32 pid;		/* tgid */
	__u32 tid;
	__u32 vcpu;
	__u32 cpu;		/* host CPU = ring */
	char comm[16];		/* NUL-padded */
};

/* VMPROF_REC_GUEST_EXE: the program a guest process runs; then path_len
 * bytes of its path in the guest (no NUL). */
struct vmprof_file_guest_exe {
	__u64 start;		/* mm->start_code */
	__u64 end;		/* mm->end_code */
	__u64 bias;		/* runtime address - link address */
	__u32 pid;		/* guest tgid */
	__u16 path_len;
	__u8 build_id_size;	/* 0: not read */
	__u8 flags;		/* VMPROF_GUEST_EXE_* */
	__u8 build_id[VMPROF_BUILD_ID_MAX];
};
#define VMPROF_GUEST_EXE_BIAS	(1u << 0)	/* bias is known */

/* ---- reader ---- */

struct vmprof_data_ops {
	int (*info)(void *ctx, const struct vmprof_file_info *info);
	int (*string)(void *ctx, __u32 key, const char *str, size_t len);
	int (*kallsyms)(void *ctx, const char *text, size_t len);
	int (*mmap)(void *ctx, const struct vmprof_file_mmap *m,
		    const char *path, size_t path_len);
	int (*sample)(void *ctx, const struct vmprof_file_sample *s);
	int (*lost)(void *ctx, const struct vmprof_file_lost *l);
	/* offcpu: nr entries, or NULL in a file that has none */
	int (*exit_stats)(void *ctx, const struct vmprof_exit_stat *e,
			  const __u64 *offcpu, __u32 nr);
	int (*stats)(void *ctx, const struct vmprof_file_stats *st);
	int (*end)(void *ctx, const struct vmprof_file_end *end);
	int (*comm)(void *ctx, __s32 pid, const char *comm, size_t len);
	int (*vm_name)(void *ctx, __s32 pid, const char *name, size_t len);
	int (*guest_kernel)(void *ctx, const struct vmprof_file_guest_kernel *k,
			    const char *release, const char *vmcoreinfo,
			    size_t vmcoreinfo_len);
	/* secs: nr_sections entries, aligned; names: m->names_len bytes;
	 * symbols: m->symbols_len bytes */
	int (*guest_module)(void *ctx, const struct vmprof_file_guest_module *m,
			    const char *name,
			    const struct vmprof_file_guest_section *secs,
			    const char *names, const char *symbols);
	int (*guest_task)(void *ctx, const struct vmprof_file_guest_task *t);
	int (*guest_exe)(void *ctx, const struct vmprof_file_guest_exe *e,
			 const char *path);
	/* The view and its data are valid during the call only. */
	int (*guest_stack)(void *ctx,
			   const struct vmprof_guest_stack_view *st);
	/* ip: nr * 4 bytes, orc: nr * 6 bytes, both inside the record */
	int (*guest_orc)(void *ctx, const struct vmprof_file_guest_orc *o,
			 const char *name, const void *ip, const void *orc);
	int (*unknown)(void *ctx, __u32 type, __u64 offset, __u32 size);
};

enum vmprof_data_status {
	VMPROF_DATA_OK		= 0,	/* complete file */
	VMPROF_DATA_TRUNCATED	= 1,	/* cut short, earlier records valid */
	VMPROF_DATA_CORRUPT	= 2,	/* invalid content at err.offset */
	VMPROF_DATA_IO_ERROR	= 3,	/* open/read failed */
	VMPROF_DATA_ABORTED	= 4,	/* a callback returned non-zero */
};

struct vmprof_data_result {
	enum vmprof_data_status status;
	__u64 offset;		/* where the problem is */
	__u64 size;		/* bytes in the file / buffer */
	__u64 nr_records;
	__u64 nr_unknown;	/* skipped records of unknown type */
	__u32 version;
	char msg[200];		/* what is wrong (CORRUPT, TRUNCATED, IO) */
};

/*
 * Parse a whole file image in memory.  Never reads outside [buf, buf+len)
 * and never crashes on any input: this is the entry point for fuzzers.
 */
enum vmprof_data_status
vmprof_data__parse_mem(const void *buf, size_t len,
		       const struct vmprof_data_ops *ops, void *ctx,
		       struct vmprof_data_result *res);

/* Parse a file, streaming it in chunks (memory use is independent of the
 * file size). */
enum vmprof_data_status
vmprof_data__read_file(const char *path, const struct vmprof_data_ops *ops,
		       void *ctx, struct vmprof_data_result *res);

/* ---- writer ---- */

struct vmprof_data_writer {
	int fd;
	char *buf;
	size_t len;
	size_t cap;
	__u64 offset;		/* bytes written to fd */
	int err;		/* first errno seen, sticky */
};

/*
 * Before a new recording is written to path: an existing non-empty file
 * there is renamed to path.old (replacing an older .old), as perf record
 * does.  Returns 0, or -1 with errno set.
 */
int vmprof_data__keep_old(const char *path);

int vmprof_writer__open(struct vmprof_data_writer *w, const char *path);
int vmprof_writer__open_fd(struct vmprof_data_writer *w, int fd);
/* Append a record made of a fixed part and an optional tail; pads to 8. */
int vmprof_writer__add(struct vmprof_data_writer *w, __u32 type,
		       const void *body, size_t len,
		       const void *tail, size_t tail_len);
int vmprof_writer__string(struct vmprof_data_writer *w, __u32 key,
			  const char *s, size_t len);
int vmprof_writer__flush(struct vmprof_data_writer *w);
/* Flush, fsync-free close; returns 0 or the first error (errno value). */
int vmprof_writer__close(struct vmprof_data_writer *w);

#endif /* VMPROF_DATA_H */
