/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMPROF_SESSION_H
#define VMPROF_SESSION_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <vmprof.h>

#include "data.h"
#include "ring.h"

/*
 * One session on /dev/vmprof, as 'vmprof record' and 'vmprof top' use it:
 *
 *   open -> GET_VERSION -> ATTACH -> GET_INFO -> mmap -> ENABLE
 *   -> poll + drain the rings -> DISABLE -> drain -> GET_STATS
 *
 * Every failure prints one "vmprof: error:" line that says what to do.
 */
struct vmprof_session {
	/* What to attach to, set by the caller. */
	pid_t pid;		/* the VMM; ignored when system is set */
	bool system;
	const char *comm;	/* the VMM's name, for messages */
	uint32_t mode;		/* VMPROF_MODE_* */
	uint32_t event;		/* VMPROF_EVENT_* */
	bool event_given;	/* no cpu-clock fallback when set */
	bool freq;		/* sample is a frequency, else a period */
	bool period_given;
	uint64_t sample;
	uint32_t ring_pages;	/* 0: the module's default */
	/*
	 * VMPROF_ATTACH_GUEST_TASK: the guest_* fields of the attach (from
	 * struct vmprof_introspect), or not set.
	 */
	bool guest_task;
	struct vmprof_attach guest;
	/* Guest stacks (record -g): VMPROF_CALL_GRAPH_*, 0 none. */
	uint32_t call_graph;
	uint32_t stack_size;	/* bytes per sample */
	/* Where the guest kernel's stacks are (its BTF), 0: unknown. */
	uint64_t guest_top_of_stack;
	uint64_t guest_irq_stack_ptr;

	/* The session. */
	int fd;
	struct vmprof_version version;
	struct vmprof_info info;
	void *map;
	struct vmprof_ring *rings;
	uint32_t nr_rings;
};

void vmprof_session__init(struct vmprof_session *s);
/* -e, -F and --switch of record and top. */
int vmprof_session__set_event(struct vmprof_session *s, const char *cmd,
			      const char *arg);
int vmprof_session__set_freq(struct vmprof_session *s, const char *cmd,
			     const char *arg);
int vmprof_session__set_mode(struct vmprof_session *s, const char *cmd,
			     const char *arg);
/* Open the device, check the ABI, attach, read the info, map the rings. */
int vmprof_session__start(struct vmprof_session *s);
/* The same in two steps, for what needs the device before the attach. */
int vmprof_session__open(struct vmprof_session *s);
int vmprof_session__attach(struct vmprof_session *s);
int vmprof_session__get_info(struct vmprof_session *s,
			     struct vmprof_info *info);
int vmprof_session__enable(struct vmprof_session *s);
void vmprof_session__disable(struct vmprof_session *s);
/* Hand every record of every ring to fn; -1 if fn failed. */
int vmprof_session__drain(struct vmprof_session *s, vmprof_ring_fn fn,
			  void *ctx);
/* Totals and per-exit-reason statistics since ENABLE; *exits is
 * allocated (free it) and holds st->nr_exits entries; so does *offcpu
 * (the off-CPU part of each entry's vmm_ns) unless offcpu is NULL or
 * the module is older than ABI 1.3 (then *offcpu is NULL). */
int vmprof_session__stats(struct vmprof_session *s, struct vmprof_stats *st,
			  struct vmprof_exit_stat **exits, uint64_t **offcpu);
void vmprof_session__close(struct vmprof_session *s);

/* The data file's INFO record for this session. */
void vmprof_session__file_info(const struct vmprof_session *s,
			       uint64_t start_ns, uint64_t start_realtime_ns,
			       struct vmprof_file_info *fi);

/* Ring records as data file records; older (smaller) ring records are
 * zero-extended. */
void vmprof_ring_sample__to_file(const struct vmprof_record_header *h,
				 struct vmprof_file_sample *s);
void vmprof_ring_lost__to_file(const struct vmprof_ring *ring,
			       const struct vmprof_record_header *h,
			       struct vmprof_file_lost *l);
void vmprof_ring_guest_task__to_file(const struct vmprof_ring *ring,
				     const struct vmprof_record_header *h,
				     struct vmprof_file_guest_task *t);
/* The body of a GUEST_STACK file record; NULL if the ring record is not
 * well formed (what is wrong in msg). */
const void *vmprof_ring_guest_stack__body(const struct vmprof_record_header *h,
					  size_t *len, char *msg,
					  size_t msglen);

#endif /* VMPROF_SESSION_H */
