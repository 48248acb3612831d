// SPDX-License-Identifier: GPL-2.0
/*
 * Where the files behind guest code are: build-id cache, guest root,
 * debuginfod (symfind.h has the order and the rules).
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <elfutils/debuginfod.h>
#include <elfutils/libdwelf.h>
#include <libelf.h>

#include "kimage.h"
#include "symfind.h"
#include "util.h"

#define BUILD_ID_HEX_MAX	(2 * 64 + 1)

const char *vmprof_sym_source_name(enum vmprof_sym_source src)
{
	switch (src) {
	case VMPROF_SYM_COMMAND_LINE:
		return "command line";
	case VMPROF_SYM_BUILDID_CACHE:
		return "build-id cache";
	case VMPROF_SYM_GUEST_ROOT:
		return "guest root";
	case VMPROF_SYM_DEBUGINFOD:
		return "debuginfod";
	default:
		return "none";
	}
}

void vmprof_build_id_hex(const unsigned char *bid, int len, char *out)
{
	int i;

	for (i = 0; i < len; i++)
		sprintf(out + 2 * i, "%02x", bid[i]);
	out[2 * (len > 0 ? len : 0)] = 0;
}

int vmprof_symfind_build_id(const char *path, unsigned char *bid, size_t cap)
{
	const void *id;
	ssize_t n = -1;
	Elf *elf;
	int fd;

	elf_version(EV_CURRENT);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	/* Plain, compressed (.ko.xz) or packed in a gzip/xz bzImage. */
	elf = dwelf_elf_begin(fd);
	if (elf && elf_kind(elf) == ELF_K_ELF)
		n = dwelf_elf_gnu_build_id(elf, &id);
	if (n > 0) {
		if ((size_t)n > cap)
			n = cap;
		memcpy(bid, id, n);
	}
	if (elf)
		elf_end(elf);
	close(fd);
	if (n < 0) {
		/* A zstd bzImage: only kimage unpacks those. */
		char err[256];
		struct vmprof_kimage *img = vmprof_kimage__open(path, err,
								sizeof(err));
		const unsigned char *kb;

		if (!img)
			return -1;
		n = vmprof_kimage__build_id(img, &kb);
		if ((size_t)n > cap)
			n = cap;
		memcpy(bid, kb, n);
		vmprof_kimage__close(img);
	}
	return n;
}

static bool has_build_id(const char *path, const unsigned char *bid,
			 int bid_len)
{
	unsigned char got[64];
	int n;

	if (access(path, R_OK))
		return false;
	n = vmprof_symfind_build_id(path, got, sizeof(got));
	if (n == bid_len && !memcmp(got, bid, n))
		return true;
	pr_debug("%s: not the build-id looked for, skipped", path);
	return false;
}

char *vmprof_buildid_dir(bool create)
{
	const char *env = getenv("VMPROF_BUILDID_DIR");
	const char *xdg = getenv("XDG_CACHE_HOME");
	const char *home = getenv("HOME");
	char *dir;

	if (env && *env) {
		dir = xstrdup(env);
	} else if (xdg && *xdg) {
		if (asprintf(&dir, "%s/vmprof/build-id", xdg) < 0)
			dir = NULL;
	} else if (home && *home) {
		if (asprintf(&dir, "%s/.cache/vmprof/build-id", home) < 0)
			dir = NULL;
	} else {
		dir = NULL;
	}
	if (!dir || !create)
		return dir;
	/* mkdir -p */
	{
		char *p;

		for (p = dir + 1; *p; p++) {
			if (*p != '/')
				continue;
			*p = 0;
			mkdir(dir, 0755);
			*p = '/';
		}
		mkdir(dir, 0755);
	}
	return dir;
}

static char *from_buildid_cache(const unsigned char *bid, int bid_len)
{
	char hex[BUILD_ID_HEX_MAX], *dir = vmprof_buildid_dir(false), *path;

	if (!dir || bid_len < 2)
		goto none;
	vmprof_build_id_hex(bid, bid_len, hex);
	if (asprintf(&path, "%s/%.2s/%s", dir, hex, hex + 2) < 0)
		goto none;
	free(dir);
	if (has_build_id(path, bid, bid_len))
		return path;
	free(path);
	return NULL;
none:
	free(dir);
	return NULL;
}

static char *try_path(const char *root, const char *fmt, const char *arg,
		      const unsigned char *bid, int bid_len)
{
	char *rel, *path;

	if (asprintf(&rel, fmt, arg) < 0)
		return NULL;
	if (asprintf(&path, "%s/%s", root, rel) < 0) {
		free(rel);
		return NULL;
	}
	free(rel);
	if (has_build_id(path, bid, bid_len))
		return path;
	free(path);
	return NULL;
}

/* ---- modules under ROOT/lib/modules, by name ---- */

static struct {
	char *root;
	char **paths;
	size_t nr, cap;
} module_index;

static int index_module(const char *path, const struct stat *sb, int type,
			struct FTW *ftw)
{
	const char *base = path + ftw->base;

	(void)sb;
	if (type != FTW_F || !strstr(base, ".ko"))
		return 0;
	if (module_index.nr == module_index.cap) {
		module_index.cap = module_index.cap ? 2 * module_index.cap : 64;
		module_index.paths = xrealloc(module_index.paths,
					      module_index.cap *
					      sizeof(char *));
	}
	module_index.paths[module_index.nr++] = xstrdup(path);
	return 0;
}

/* "snd-hda-intel.ko.xz" is module snd_hda_intel. */
static bool module_file_is(const char *path, const char *name)
{
	const char *base = strrchr(path, '/');
	size_t i;

	base = base ? base + 1 : path;
	for (i = 0; name[i]; i++) {
		char c = base[i] == '-' ? '_' : base[i];

		if (c != name[i])
			return false;
	}
	return !strncmp(base + i, ".ko", 3) &&
	       (!base[i + 3] || base[i + 3] == '.');
}

static char *from_root_module(const char *root, const char *name,
			      const unsigned char *bid, int bid_len)
{
	char *dir;
	size_t i;

	if (!module_index.root || strcmp(module_index.root, root)) {
		for (i = 0; i < module_index.nr; i++)
			free(module_index.paths[i]);
		module_index.nr = 0;
		free(module_index.root);
		module_index.root = xstrdup(root);
		if (asprintf(&dir, "%s/lib/modules", root) >= 0) {
			nftw(dir, index_module, 16, FTW_PHYS);
			free(dir);
		}
	}
	for (i = 0; i < module_index.nr; i++)
		if (module_file_is(module_index.paths[i], name) &&
		    has_build_id(module_index.paths[i], bid, bid_len))
			return xstrdup(module_index.paths[i]);
	return NULL;
}

static char *from_guest_root(const struct vmprof_symfind *sf,
			     enum vmprof_sym_kind kind, const char *name,
			     const unsigned char *bid, int bid_len)
{
	static const char * const kernels[] = {
		"usr/lib/debug/boot/vmlinux-%s",
		"usr/lib/debug/lib/modules/%s/vmlinux",
		"boot/vmlinux-%s",
		"boot/vmlinuz-%s",
		"lib/modules/%s/vmlinuz",
	};
	const char *root = sf->guest_root;
	size_t i;
	char *p;

	switch (kind) {
	case VMPROF_SYM_KERNEL:
		if (!name)
			return NULL;
		for (i = 0; i < ARRAY_SIZE(kernels); i++)
			if ((p = try_path(root, kernels[i], name, bid,
					  bid_len)))
				return p;
		return NULL;
	case VMPROF_SYM_MODULE:
		return from_root_module(root, name, bid, bid_len);
	case VMPROF_SYM_PROGRAM:
		return try_path(root, "%s", name, bid, bid_len);
	}
	return NULL;
}

/*
 * libdebuginfod is opened when first needed, not linked: vmprof runs where
 * it is not installed (Debian: libdebuginfod1; not in a minimal root),
 * and without the HTTP client libraries it pulls in.
 */
static struct {
	bool tried;
	debuginfod_client *(*begin)(void);
	void (*end)(debuginfod_client *c);
	int (*find_executable)(debuginfod_client *c, const unsigned char *bid,
			       int bid_len, char **path);
	void (*set_verbose_fd)(debuginfod_client *c, int fd);
} dfd;

static bool debuginfod_load(void)
{
	void *h;

	if (dfd.tried)
		return dfd.begin;
	dfd.tried = true;
	h = dlopen("libdebuginfod.so.1", RTLD_NOW | RTLD_LOCAL);
	if (h) {
		dfd.begin = dlsym(h, "debuginfod_begin");
		dfd.end = dlsym(h, "debuginfod_end");
		dfd.find_executable = dlsym(h, "debuginfod_find_executable");
		dfd.set_verbose_fd = dlsym(h, "debuginfod_set_verbose_fd");
		if (dfd.begin && dfd.end && dfd.find_executable &&
		    dfd.set_verbose_fd)
			return true;
		dfd.begin = NULL;
	}
	pr_note("DEBUGINFOD_URLS is set, but libdebuginfod cannot be loaded (%s): nothing is asked of debuginfod (Debian: apt-get install libdebuginfod1)",
		h ? "a symbol is missing" : dlerror());
	return false;
}

static char *from_debuginfod(const unsigned char *bid, int bid_len)
{
	const char *urls = getenv("DEBUGINFOD_URLS");
	debuginfod_client *c;
	char *path = NULL;
	int fd;

	if (!urls || !*urls || !debuginfod_load())
		return NULL;
	c = dfd.begin();
	if (!c)
		return NULL;
	if (verbose > 1)
		dfd.set_verbose_fd(c, STDERR_FILENO);
	fd = dfd.find_executable(c, bid, bid_len, &path);
	dfd.end(c);
	if (fd < 0) {
		char hex[BUILD_ID_HEX_MAX];

		vmprof_build_id_hex(bid, bid_len, hex);
		pr_debug("debuginfod: no executable with build-id %s: %s",
			 hex, strerror(-fd));
		return NULL;
	}
	close(fd);
	return path;
}

char *vmprof_symfind(const struct vmprof_symfind *sf,
		     enum vmprof_sym_kind kind, const char *name,
		     const unsigned char *bid, int bid_len,
		     enum vmprof_sym_source *src)
{
	char *path;

	*src = VMPROF_SYM_NONE;
	if (bid_len <= 0)
		return NULL;
	if ((path = from_buildid_cache(bid, bid_len))) {
		*src = VMPROF_SYM_BUILDID_CACHE;
	} else if (sf->guest_root &&
		   (path = from_guest_root(sf, kind,
					   kind == VMPROF_SYM_KERNEL ?
					   sf->release : name,
					   bid, bid_len))) {
		*src = VMPROF_SYM_GUEST_ROOT;
	} else if (!sf->no_debuginfod &&
		   (path = from_debuginfod(bid, bid_len))) {
		*src = VMPROF_SYM_DEBUGINFOD;
	}
	if (path)
		pr_debug("%s %s: %s (%s)", kind == VMPROF_SYM_KERNEL ?
			 "guest kernel" : kind == VMPROF_SYM_MODULE ?
			 "guest module" : "guest program",
			 name ? name : "?", path, vmprof_sym_source_name(*src));
	return path;
}
