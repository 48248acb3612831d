/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMPROF_PROCFS_H
#define VMPROF_PROCFS_H

#include <stddef.h>
#include <sys/types.h>

#include "data.h"

/* Read a whole (small) file; NULL on error.  *len gets its length. */
char *procfs__read_file(const char *path, size_t *len);

/* /proc/PID/comm without its newline, or NULL. */
char *procfs__comm(pid_t pid);
/* /proc/PID/cmdline with the NULs as spaces, or NULL. */
char *procfs__cmdline(pid_t pid);

/* Executable file mappings of a process, each with its build-id. */
struct procfs_map {
	struct vmprof_file_mmap m;
	char *path;
};

int procfs__exec_maps(pid_t pid, struct procfs_map **maps, size_t *nr);
void procfs__free_maps(struct procfs_map *maps, size_t nr);

/* /proc/kallsyms filtered to text symbols; NULL if unreadable or if
 * every address is hidden (kptr_restrict). */
char *procfs__text_kallsyms(size_t *len);

#endif /* VMPROF_PROCFS_H */
