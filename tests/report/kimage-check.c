// SPDX-License-Identifier: GPL-2.0
/*
 * Checks of tools/kimage.c and tools/guest-layout.c against real kernel
 * images, with no reference file: the kallsyms decoded from an image must
 * agree with the image's own export table (__ksymtab, __ksymtab_gpl:
 * PREL32 entries of value, name and namespace), which the kernel builds
 * independently of kallsyms.
 *
 *   kimage-check check IMAGE    decode, cross-check; prints "symbols=N
 *                               exports=M mismatched=K missing=L"
 *   kimage-check layout IMAGE   the BTF offsets and per-CPU task, key=value
 *   kimage-check extract IMAGE OUT   write the kernel ELF inside IMAGE
 *   kimage-check exports IMAGE  "ADDR NAME" of the exported symbols, from
 *                               __ksymtab alone (not kallsyms)
 *   kimage-check kallsyms IMAGE the decoded kallsyms, as /proc/kallsyms
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guest-layout.h"
#include "kimage.h"
#include "util.h"

struct sym_index {
	const struct vmprof_kimage_sym **by_name;
	long nr;
};

static int name_cmp(const void *a, const void *b)
{
	const struct vmprof_kimage_sym *x = *(const struct vmprof_kimage_sym **)a;
	const struct vmprof_kimage_sym *y = *(const struct vmprof_kimage_sym **)b;

	return strcmp(x->name, y->name);
}

/* Does some symbol called @name sit at @addr? */
static int has(const struct sym_index *ix, const char *name, uint64_t addr,
	       bool *found_name)
{
	long lo = 0, hi = ix->nr;

	*found_name = false;
	while (lo < hi) {
		long mid = lo + (hi - lo) / 2;

		if (strcmp(ix->by_name[mid]->name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < ix->nr && !strcmp(ix->by_name[lo]->name, name); lo++) {
		*found_name = true;
		if (ix->by_name[lo]->addr == addr)
			return 1;
	}
	return 0;
}

static int get_s32(const unsigned char *p)
{
	int32_t v;

	memcpy(&v, p, 4);
	return v;
}

/* Each export: its address and name, from the PREL32 entries. */
static long for_each_export(struct vmprof_kimage *img,
			    void (*fn)(void *, uint64_t, const char *),
			    void *ctx)
{
	static const char * const tabs[] = { "__ksymtab", "__ksymtab_gpl" };
	const void *strs_data;
	uint64_t strs_addr;
	size_t strs_size, t;
	long exports = 0;

	if (vmprof_kimage__section(img, "__ksymtab_strings", &strs_data,
				   &strs_size, &strs_addr))
		return -1;
	for (t = 0; t < ARRAY_SIZE(tabs); t++) {
		const unsigned char *tab;
		const void *data;
		uint64_t addr;
		size_t size, k;

		if (vmprof_kimage__section(img, tabs[t], &data, &size, &addr))
			continue;
		tab = data;
		for (k = 0; k + 12 <= size; k += 12) {
			uint64_t value = addr + k + get_s32(tab + k);
			uint64_t name = addr + k + 4 + get_s32(tab + k + 4);
			const char *s;

			if (name < strs_addr || name >= strs_addr + strs_size)
				continue;
			s = (const char *)strs_data + (name - strs_addr);
			if (!memchr(s, 0, strs_addr + strs_size - name))
				continue;
			exports++;
			fn(ctx, value, s);
		}
	}
	return exports;
}

struct check_ctx {
	struct sym_index *ix;
	long bad, missing;
};

static void check_one(void *p, uint64_t value, const char *s)
{
	struct check_ctx *c = p;
	bool named;

	if (has(c->ix, s, value, &named))
		return;
	if (named)
		c->bad++;
	else
		c->missing++;
	if (c->bad + c->missing <= 5)
		fprintf(stderr, "export %s at 0x%llx: %s\n", s,
			(unsigned long long)value,
			named ? "kallsyms has it elsewhere" : "not in kallsyms");
}

static void print_one(void *p, uint64_t value, const char *s)
{
	(void)p;
	printf("%016llx %s\n", (unsigned long long)value, s);
}

static int exports(const char *path)
{
	char err[512];
	struct vmprof_kimage *img = vmprof_kimage__open(path, err, sizeof(err));

	if (!img || for_each_export(img, print_one, NULL) < 0) {
		fprintf(stderr, "%s: no export table\n", path);
		return 1;
	}
	vmprof_kimage__close(img);
	return 0;
}

static int check(const char *path)
{
	const struct vmprof_kimage_sym *syms;
	struct sym_index ix;
	char err[512];
	long n, i, exports = 0, bad = 0, missing = 0;
	struct vmprof_kimage *img = vmprof_kimage__open(path, err, sizeof(err));

	if (!img) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	n = vmprof_kimage__kallsyms(img, &syms, err, sizeof(err));
	if (n < 0) {
		fprintf(stderr, "%s: %s\n", path, err);
		return 1;
	}
	ix.nr = n;
	ix.by_name = xmalloc(n * sizeof(*ix.by_name));
	for (i = 0; i < n; i++)
		ix.by_name[i] = &syms[i];
	qsort(ix.by_name, n, sizeof(*ix.by_name), name_cmp);
	{
		struct check_ctx c = { .ix = &ix };

		exports = for_each_export(img, check_one, &c);
		bad = c.bad;
		missing = c.missing;
	}
	if (exports < 0) {
		fprintf(stderr, "%s: no __ksymtab_strings\n", path);
		return 1;
	}
	printf("symbols=%ld exports=%ld mismatched=%ld missing=%ld\n", n,
	       exports, bad, missing);
	free(ix.by_name);
	vmprof_kimage__close(img);
	return 0;
}

static int layout(const char *path)
{
	struct vmprof_guest_layout l;
	struct vmprof_kimage *img;
	char err[512];

	img = vmprof_kimage__open(path, err, sizeof(err));
	if (!img || vmprof_guest_layout__load(&l, img, err, sizeof(err))) {
		fprintf(stderr, "%s: %s\n", path, err);
		return 1;
	}
#define P(f) printf(#f "=%d\n", l.f == LAYOUT_NONE ? -1 : (int)l.f)
	P(task_pid); P(task_tgid); P(task_comm); P(task_mm);
	P(mm_pgd); P(mm_exe_file); P(mm_start_code); P(mm_saved_auxv);
	P(file_dentry); P(dentry_parent); P(dentry_name);
	P(mod_list); P(mod_name); P(mod_text_base); P(mod_text_size);
	P(mod_sect_attrs); P(mod_kallsyms); P(mk_symtab); P(mk_num_symtab);
	P(mk_strtab); P(mk_typetab); P(sect_attr_name); P(sect_attr_address);
	P(sect_attr_size); P(file_vfsmount); P(vfsmount_root); P(mount_mnt);
	P(mount_parent); P(mount_mountpoint);
#undef P
	printf("current_task=0x%llx\npercpu_relocated=%d\nmodules=0x%llx\n",
	       (unsigned long long)l.current_task, l.percpu_relocated,
	       (unsigned long long)l.modules);
	vmprof_kimage__close(img);
	return 0;
}

static int extract(const char *path, const char *out)
{
	const void *data;
	struct vmprof_kimage *img;
	char err[512];
	size_t size;
	FILE *fp;

	img = vmprof_kimage__open(path, err, sizeof(err));
	if (!img) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	data = vmprof_kimage__elf(img, &size);
	fp = fopen(out, "w");
	if (!fp || fwrite(data, 1, size, fp) != size || fclose(fp)) {
		fprintf(stderr, "%s: %s\n", out, strerror(errno));
		return 1;
	}
	vmprof_kimage__close(img);
	return 0;
}

static int kallsyms(const char *path)
{
	struct vmprof_kimage *img;
	char err[512], *text;
	size_t len;

	img = vmprof_kimage__open(path, err, sizeof(err));
	text = img ? vmprof_kimage__kallsyms_text(img, &len, err, sizeof(err)) :
		     NULL;
	if (!text) {
		fprintf(stderr, "%s: %s\n", path, err);
		return 1;
	}
	fwrite(text, 1, len, stdout);
	free(text);
	vmprof_kimage__close(img);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "check"))
		return check(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "layout"))
		return layout(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "exports"))
		return exports(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "kallsyms"))
		return kallsyms(argv[2]);
	if (argc == 4 && !strcmp(argv[1], "extract"))
		return extract(argv[2], argv[3]);
	fprintf(stderr, "usage: kimage-check check|layout|exports|kallsyms IMAGE | extract IMAGE OUT\n");
	return 64;
}
