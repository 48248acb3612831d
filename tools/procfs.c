// SPDX-License-Identifier: GPL-2.0
/*
 * What vmprof record saves from /proc: the VMM's command line and
 * executable mappings (with build-ids), and the host's kallsyms.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kallsyms.h"
#include "procfs.h"
#include "symbolize.h"
#include "util.h"

char *procfs__read_file(const char *path, size_t *lenp)
{
	size_t len = 0, cap = 4096;
	char *buf;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	buf = xmalloc(cap + 1);
	for (;;) {
		ssize_t n;

		if (len == cap) {
			cap *= 2;
			buf = xrealloc(buf, cap + 1);
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			free(buf);
			close(fd);
			return NULL;
		}
		if (n == 0)
			break;
		len += n;
	}
	close(fd);
	buf[len] = 0;
	if (lenp)
		*lenp = len;
	return buf;
}

char *procfs__comm(pid_t pid)
{
	char path[64], *s;
	size_t len;

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	s = procfs__read_file(path, &len);
	if (s && len && s[len - 1] == '\n')
		s[len - 1] = 0;
	return s;
}

char *procfs__cmdline(pid_t pid)
{
	char path[64], *s;
	size_t len, i;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	s = procfs__read_file(path, &len);
	if (!s)
		return NULL;
	while (len && !s[len - 1])
		len--;
	s[len] = 0;
	for (i = 0; i < len; i++)
		if (!s[i])
			s[i] = ' ';
	return s;
}

static int read_build_id(pid_t pid, const char *path,
			 struct vmprof_file_mmap *m)
{
	char root_path[4096 + 64];
	int n;

	/* The process may live in another mount namespace. */
	snprintf(root_path, sizeof(root_path), "/proc/%d/root%s", (int)pid,
		 path);
	n = vmprof_elf__read_build_id(root_path, m->build_id,
				      VMPROF_BUILD_ID_MAX);
	if (n < 0)
		n = vmprof_elf__read_build_id(path, m->build_id,
					      VMPROF_BUILD_ID_MAX);
	m->build_id_size = n > 0 ? n : 0;
	return n;
}

int procfs__exec_maps(pid_t pid, struct procfs_map **mapsp, size_t *nrp)
{
	struct procfs_map *maps = NULL;
	size_t nr = 0;
	char path[64], *text, *line, *save = NULL;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	text = procfs__read_file(path, NULL);
	if (!text)
		return -1;
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		uint64_t start, end, off;
		char perms[8];
		int pos = 0;
		char *file;

		if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %7s %" SCNx64
			   " %*s %*s %n", &start, &end, perms, &off, &pos) < 4
		    || !pos)
			continue;
		file = line + pos;
		if (perms[2] != 'x' || file[0] != '/')
			continue;
		maps = xrealloc(maps, (nr + 1) * sizeof(*maps));
		memset(&maps[nr], 0, sizeof(maps[nr]));
		maps[nr].m.start = start;
		maps[nr].m.end = end;
		maps[nr].m.pgoff = off;
		maps[nr].m.pid = pid;
		maps[nr].path = xstrdup(file);
		if (strlen(maps[nr].path) > 4000)
			maps[nr].path[4000] = 0;
		maps[nr].m.path_len = strlen(maps[nr].path);
		read_build_id(pid, maps[nr].path, &maps[nr].m);
		nr++;
	}
	free(text);
	*mapsp = maps;
	*nrp = nr;
	return 0;
}

void procfs__free_maps(struct procfs_map *maps, size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++)
		free(maps[i].path);
	free(maps);
}

char *procfs__text_kallsyms(size_t *lenp)
{
	FILE *fp = fopen("/proc/kallsyms", "r");
	char *out = NULL, *line = NULL;
	size_t len = 0, cap = 0, lcap = 0;
	bool nonzero = false;
	ssize_t n;

	if (!fp)
		return NULL;
	while ((n = getline(&line, &lcap, fp)) > 0) {
		char *sp = strchr(line, ' ');

		if (!sp || !vmprof_kallsyms__is_text_type(sp[1]))
			continue;
		if (strspn(line, "0") != (size_t)(sp - line))
			nonzero = true;
		if (len + n + 1 > cap) {
			cap = cap ? cap * 2 : 1 << 20;
			while (cap < len + n + 1)
				cap *= 2;
			out = xrealloc(out, cap);
		}
		memcpy(out + len, line, n);
		len += n;
	}
	free(line);
	fclose(fp);
	if (!nonzero) {
		free(out);
		return NULL;
	}
	*lenp = len;
	return out;
}
