// SPDX-License-Identifier: GPL-2.0
/*
 * vmprof buildid-cache: keep copies of files by build-id, so that
 * 'vmprof report' finds the symbols of a guest's kernel, modules and
 * programs without being told where they are (perf's idea, and perf's
 * layout: DIR/XX/YYYY..., the build-id in hex split after two digits).
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include "builtin.h"
#include "symfind.h"
#include "util.h"

static const char buildid_cache_usage[] =
"Usage: vmprof buildid-cache [-a FILE]... [-r FILE]... [-l]\n"
"\n"
"Keep copies of files by their GNU build-id, where 'vmprof report' and\n"
"'vmprof record' look for the guest kernel (vmlinuz or vmlinux), its\n"
"modules (.ko, .ko.xz, .ko.zst) and guest programs before trying\n"
"--guest-root and debuginfod.  The cache is $VMPROF_BUILDID_DIR, else\n"
"$XDG_CACHE_HOME/vmprof/build-id, else ~/.cache/vmprof/build-id.\n"
"\n"
"Options:\n"
"  -a, --add FILE      add FILE under its build-id\n"
"  -r, --remove FILE   remove the file with FILE's build-id\n"
"  -l, --list          list the cache: build-id, size, file\n"
"  -h, --help          show this help\n"
"\n"
"Exit status: 0 ok, 1 error, 64 usage.\n";

static const struct option buildid_cache_options[] = {
	{ "add",	required_argument,	NULL, 'a' },
	{ "remove",	required_argument,	NULL, 'r' },
	{ "list",	no_argument,		NULL, 'l' },
	{ "help",	no_argument,		NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static char *cache_path(const char *dir, const char *hex)
{
	char *path;

	if (asprintf(&path, "%s/%.2s/%s", dir, hex, hex + 2) < 0)
		return NULL;
	return path;
}

static int file_build_id(const char *file, char *hex)
{
	unsigned char bid[64];
	int n = vmprof_symfind_build_id(file, bid, sizeof(bid));

	if (n < 0) {
		pr_err("%s: %s", file, access(file, R_OK) ? strerror(errno) :
		       "not an ELF file or kernel image");
		return -1;
	}
	if (n < 2) {
		pr_err("%s: has no GNU build-id (link with --build-id)", file);
		return -1;
	}
	vmprof_build_id_hex(bid, n, hex);
	return 0;
}

static int copy_file(const char *from, const char *to)
{
	char buf[1 << 16], *tmp;
	int in, out, ret = -1;
	ssize_t n;

	if (asprintf(&tmp, "%s.tmp.%d", to, (int)getpid()) < 0)
		return -1;
	in = open(from, O_RDONLY | O_CLOEXEC);
	out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (in < 0 || out < 0)
		goto out;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, n) != n)
			goto out;
	if (n == 0 && !close(out)) {
		out = -1;
		ret = rename(tmp, to);
	}
out:
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	if (ret)
		unlink(tmp);
	free(tmp);
	return ret;
}

static int add(const char *dir, const char *file)
{
	char hex[130], *sub, *path;
	int ret = -1;

	if (file_build_id(file, hex))
		return -1;
	path = cache_path(dir, hex);
	if (!path || asprintf(&sub, "%s/%.2s", dir, hex) < 0) {
		free(path);
		return -1;
	}
	mkdir(sub, 0755);
	if (copy_file(file, path))
		pr_err("cannot add %s to the build-id cache as %s: %s", file,
		       path, strerror(errno));
	else
		ret = 0;
	if (!ret)
		printf("%s %s\n", hex, file);
	free(sub);
	free(path);
	return ret;
}

static int remove_file(const char *dir, const char *file)
{
	char hex[130], *path;
	int ret;

	if (file_build_id(file, hex))
		return -1;
	path = cache_path(dir, hex);
	if (!path)
		return -1;
	ret = unlink(path);
	if (ret)
		pr_err("%s (build-id %s) is not in the build-id cache", file,
		       hex);
	free(path);
	return ret;
}

static int list(const char *dir)
{
	DIR *d = opendir(dir), *sub;
	struct dirent *e, *f;

	if (!d)
		return 0;	/* an empty cache */
	while ((e = readdir(d))) {
		char *subdir;

		if (strlen(e->d_name) != 2 || !isxdigit(e->d_name[0]) ||
		    !isxdigit(e->d_name[1]) ||
		    asprintf(&subdir, "%s/%s", dir, e->d_name) < 0)
			continue;
		sub = opendir(subdir);
		while (sub && (f = readdir(sub))) {
			struct stat sb;
			char *path;

			if (f->d_name[0] == '.' || strstr(f->d_name, ".tmp."))
				continue;
			if (asprintf(&path, "%s/%s", subdir, f->d_name) < 0)
				continue;
			if (!stat(path, &sb) && S_ISREG(sb.st_mode))
				printf("%s%s %lld %s\n", e->d_name, f->d_name,
				       (long long)sb.st_size, path);
			free(path);
		}
		if (sub)
			closedir(sub);
		free(subdir);
	}
	closedir(d);
	return 0;
}

int cmd_buildid_cache(int argc, char **argv)
{
	bool do_list = false, any = false;
	char *dir;
	int c, ret = VMPROF_EXIT_OK;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+a:r:lh", buildid_cache_options,
				NULL)) != -1) {
		switch (c) {
		case 'a':
		case 'r':
			any = true;
			break;
		case 'l':
			do_list = true;
			break;
		case 'h':
			fputs(buildid_cache_usage, stdout);
			return VMPROF_EXIT_OK;
		default:
			pr_usage("buildid-cache", "bad option");
			return VMPROF_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		pr_usage("buildid-cache", "unexpected argument '%s'",
			 argv[optind]);
		return VMPROF_EXIT_USAGE;
	}
	if (!any && !do_list) {
		pr_usage("buildid-cache", "give -a FILE, -r FILE or -l");
		return VMPROF_EXIT_USAGE;
	}
	dir = vmprof_buildid_dir(true);
	if (!dir) {
		pr_err("no build-id cache directory: set VMPROF_BUILDID_DIR or HOME");
		return VMPROF_EXIT_ERROR;
	}
	optind = 1;
	while ((c = getopt_long(argc, argv, "+a:r:lh", buildid_cache_options,
				NULL)) != -1) {
		if (c == 'a' && add(dir, optarg))
			ret = VMPROF_EXIT_ERROR;
		else if (c == 'r' && remove_file(dir, optarg))
			ret = VMPROF_EXIT_ERROR;
	}
	if (do_list)
		list(dir);
	free(dir);
	return ret;
}
