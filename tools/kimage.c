// SPDX-License-Identifier: GPL-2.0
/*
 * Linux kernel images: open a vmlinuz or vmlinux and decode its kallsyms.
 *
 * elfutils' dwelf_elf_begin() unpacks a bzImage whose payload is gzip, xz
 * or bzip2 (Debian 12's 6.1 is xz).  Debian's 6.12 and later compress the
 * payload with zstd, which the elfutils of Debian 12 cannot read: those
 * are unpacked here with libzstd.
 *
 * kallsyms: a distribution kernel has no .symtab, but it carries the
 * tables /proc/kallsyms is printed from, laid out by scripts/kallsyms.c
 * in .rodata, each table label aligned to 8 bytes:
 *
 *   up to 6.3   offsets, relative_base, num_syms, names, markers,
 *               [seqs_of_names (6.2, and backported to 6.1.y)],
 *               token_table, token_index
 *   6.4 on      num_syms, names, markers, token_table, token_index,
 *               offsets, [relative_base (until 6.19)], seqs_of_names
 *   7.0 on      the same, labels aligned to 4 bytes, no relative_base
 *
 * Without symbols the tables are found by their content, the way
 * vmlinux-to-elf does it: the token table holds each unused byte value
 * as itself, so "0", "1", ... "9" follow each other as NUL-terminated
 * one-character tokens; the token index right after it must list exactly
 * the offsets of the 256 tokens; kallsyms_num_syms, the names and the
 * markers must agree with each other and end where the token table (or
 * seqs_of_names before it) starts.  Addresses are decoded the three ways
 * kernels stored them (absolute per-CPU symbols with negative offsets
 * from relative_base, up to 6.14 on x86-64; unsigned offsets from
 * relative_base, up to 6.19; offsets relative to each entry, 7.0 on,
 * "kallsyms: Get rid of kallsyms relative base"), and the way
 * that puts _text at the start of .text with every address ascending is
 * kept.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <elfutils/libdwelf.h>
#include <gelf.h>
#include <libelf.h>
#include <zstd.h>

#include "kimage.h"
#include "util.h"

#define KSYM_NAME_MAX		512
#define KALLSYMS_SEARCH_BACK	(32u << 20)	/* num_syms before tokens */
#define BZIMAGE_PAYLOAD_MAX	(1u << 30)

struct kimage_section {
	uint64_t addr;
	uint64_t size;
	const unsigned char *data;
	const char *name;
	uint64_t flags;
};

struct vmprof_kimage {
	int fd;
	Elf *elf;
	void *owned;			/* decompressed payload, or NULL */
	const unsigned char *raw;	/* the ELF file in memory */
	size_t raw_size;
	struct kimage_section *secs;
	size_t nr_secs;
	unsigned char build_id[64];
	int build_id_size;
	bool has_symtab;
	/* kallsyms, once decoded */
	bool ks_tried;
	struct vmprof_kimage_sym *syms;
	char *names;
	long nr_syms;
	char ks_err[200];
};

/* ---- opening ---- */

static uint32_t get_le32(const unsigned char *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get_le64(const unsigned char *p)
{
	return get_le32(p) | (uint64_t)get_le32(p + 4) << 32;
}

static void *read_whole(int fd, size_t *size)
{
	size_t cap = 1 << 24, len = 0;
	unsigned char *buf = xmalloc(cap);
	ssize_t n;

	for (;;) {
		if (len == cap) {
			if (cap >= BZIMAGE_PAYLOAD_MAX) {
				free(buf);
				errno = EFBIG;
				return NULL;
			}
			cap *= 2;
			buf = xrealloc(buf, cap);
		}
		n = pread(fd, buf + len, cap - len, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			free(buf);
			return NULL;
		}
		if (!n)
			break;
		len += n;
	}
	*size = len;
	return buf;
}

/*
 * A bzImage with a zstd payload: the boot protocol header says where the
 * payload is (payload_offset from the start of the protected-mode code,
 * which follows setup_sects + 1 sectors); the payload is one zstd frame
 * followed by the 4-byte uncompressed size.
 */
static void *unzstd_bzimage(const unsigned char *img, size_t len,
			    size_t *out_len)
{
	size_t setup, off, plen, cap, pos = 0;
	unsigned char *out;
	ZSTD_DStream *ds;
	ZSTD_inBuffer in;
	uint32_t want;

	if (len < 0x250 || memcmp(img + 0x202, "HdrS", 4))
		return NULL;
	setup = img[0x1f1] ? img[0x1f1] : 4;
	off = (setup + 1) * 512 + get_le32(img + 0x248);
	plen = get_le32(img + 0x24c);
	if (off > len || plen > len - off || plen < 8 ||
	    get_le32(img + off) != 0xfd2fb528)	/* zstd frame magic */
		return NULL;
	want = get_le32(img + off + plen - 4);
	if (!want || want > BZIMAGE_PAYLOAD_MAX)
		return NULL;
	cap = want;
	out = xmalloc(cap);
	ds = ZSTD_createDStream();
	if (!ds) {
		free(out);
		return NULL;
	}
	ZSTD_initDStream(ds);
	in.src = img + off;
	in.size = plen - 4;
	in.pos = 0;
	for (;;) {
		ZSTD_outBuffer o = { out, cap, pos };
		size_t r = ZSTD_decompressStream(ds, &o, &in);

		pos = o.pos;
		if (ZSTD_isError(r) || (!r && pos != want) ||
		    (r && pos == cap) || (r && in.pos == in.size)) {
			ZSTD_freeDStream(ds);
			free(out);
			return NULL;
		}
		if (!r)
			break;
	}
	ZSTD_freeDStream(ds);
	*out_len = pos;
	return out;
}

static int section_cmp(const void *a, const void *b)
{
	const struct kimage_section *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static int load_sections(struct vmprof_kimage *img)
{
	size_t shstrndx, n;
	Elf_Scn *scn = NULL;

	if (elf_getshdrstrndx(img->elf, &shstrndx) ||
	    elf_getshdrnum(img->elf, &n))
		return -1;
	img->secs = xcalloc(n ? n : 1, sizeof(*img->secs));
	while ((scn = elf_nextscn(img->elf, scn))) {
		GElf_Shdr mem, *sh = gelf_getshdr(scn, &mem);
		struct kimage_section *s;
		const char *name;

		if (!sh)
			continue;
		name = elf_strptr(img->elf, shstrndx, sh->sh_name);
		if (sh->sh_type == SHT_SYMTAB)
			img->has_symtab = true;
		if (!name || sh->sh_type == SHT_NOBITS ||
		    sh->sh_offset > img->raw_size ||
		    sh->sh_size > img->raw_size - sh->sh_offset)
			continue;
		s = &img->secs[img->nr_secs++];
		s->addr = sh->sh_addr;
		s->size = sh->sh_size;
		s->data = img->raw + sh->sh_offset;
		s->name = name;
		s->flags = sh->sh_flags;
	}
	if (img->nr_secs)
		qsort(img->secs, img->nr_secs, sizeof(*img->secs),
		      section_cmp);
	return 0;
}

struct vmprof_kimage *vmprof_kimage__open(const char *path, char *err,
					  size_t errlen)
{
	struct vmprof_kimage *img = xcalloc(1, sizeof(*img));
	const void *id;
	ssize_t n;

	elf_version(EV_CURRENT);
	img->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (img->fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		free(img);
		return NULL;
	}
	img->elf = dwelf_elf_begin(img->fd);
	if (img->elf && elf_kind(img->elf) != ELF_K_ELF) {
		size_t len, plen = 0;
		void *whole = read_whole(img->fd, &len);

		elf_end(img->elf);
		img->elf = NULL;
		if (whole) {
			img->owned = unzstd_bzimage(whole, len, &plen);
			free(whole);
		}
		if (img->owned)
			img->elf = elf_memory(img->owned, plen);
	}
	if (!img->elf || elf_kind(img->elf) != ELF_K_ELF) {
		snprintf(err, errlen,
			 "%s: not a Linux kernel image (vmlinuz with a gzip, xz, bzip2 or zstd payload, or a vmlinux ELF)",
			 path);
		vmprof_kimage__close(img);
		return NULL;
	}
	img->raw = (const unsigned char *)elf_rawfile(img->elf,
						      &img->raw_size);
	if (!img->raw || load_sections(img)) {
		snprintf(err, errlen, "%s: unreadable ELF: %s", path,
			 elf_errmsg(-1));
		vmprof_kimage__close(img);
		return NULL;
	}
	n = dwelf_elf_gnu_build_id(img->elf, &id);
	if (n > 0 && (size_t)n <= sizeof(img->build_id)) {
		memcpy(img->build_id, id, n);
		img->build_id_size = n;
	}
	return img;
}

void vmprof_kimage__close(struct vmprof_kimage *img)
{
	if (!img)
		return;
	if (img->elf)
		elf_end(img->elf);
	if (img->fd >= 0)
		close(img->fd);
	free(img->owned);
	free(img->secs);
	free(img->syms);
	free(img->names);
	free(img);
}

int vmprof_kimage__build_id(const struct vmprof_kimage *img,
			    const unsigned char **bid)
{
	*bid = img->build_id;
	return img->build_id_size;
}

const void *vmprof_kimage__elf(const struct vmprof_kimage *img, size_t *size)
{
	*size = img->raw_size;
	return img->raw;
}

bool vmprof_kimage__has_symtab(const struct vmprof_kimage *img)
{
	return img->has_symtab;
}

int vmprof_kimage__section(const struct vmprof_kimage *img, const char *name,
			   const void **data, size_t *size, uint64_t *addr)
{
	size_t i;

	for (i = 0; i < img->nr_secs; i++) {
		if (strcmp(img->secs[i].name, name))
			continue;
		*data = img->secs[i].data;
		*size = img->secs[i].size;
		if (addr)
			*addr = img->secs[i].addr;
		return 0;
	}
	return -1;
}

/* ---- kallsyms ---- */

/* The bytes of one section being searched: [p, p + len) at link addr. */
struct area {
	const unsigned char *p;
	size_t len;
	uint64_t addr;
};

static size_t align8(size_t x)
{
	return (x + 7) & ~(size_t)7;
}

struct tables {
	size_t token_table, token_index;	/* offsets in the area */
	size_t tok_off[256];			/* from the token table */
	size_t num_syms;			/* offset of kallsyms_num_syms */
	uint32_t n;
	size_t names;
	size_t names_end;
	size_t markers;
};

/* Offset of the first byte of the NUL-terminated string ending at e-1. */
static bool string_start(const struct area *a, size_t e, size_t *start)
{
	size_t q;

	if (e < 2)
		return false;
	q = e - 2;		/* last byte of the token before */
	while (q > 0 && a->p[q])
		q--;
	if (!a->p[q] && q == e - 1)
		return false;	/* empty token: not a kallsyms table */
	*start = a->p[q] ? q : q + 1;
	return true;
}

static bool check_tokens(const struct area *a, size_t digits,
			 struct tables *t)
{
	size_t pos = digits, i, off, e;

	/* Back from the token of '0' (number 48) to token 0. */
	for (i = 0; i < '0'; i++)
		if (!string_start(a, pos, &pos))
			return false;
	t->token_table = pos;
	for (i = 0, off = pos; i < 256; i++) {
		const unsigned char *nul;

		if (off >= a->len)
			return false;
		nul = memchr(a->p + off, 0, a->len - off);
		if (!nul)
			return false;
		t->tok_off[i] = off - pos;
		off = nul - a->p + 1;
	}
	/* token_index: 256 u16 at the next 2, 4 or 8 byte boundary. */
	for (e = off; e < off + 8 && e + 512 <= a->len; e++) {
		for (i = 0; i < 256; i++) {
			const unsigned char *q = a->p + e + 2 * i;

			if ((size_t)(q[0] | q[1] << 8) != t->tok_off[i])
				break;
		}
		if (i == 256) {
			t->token_index = e;
			return true;
		}
	}
	return false;
}

/*
 * Walk n names from @names, checking that every 256th starts where the
 * markers say; sets *end.  False if they do not agree or leave the area.
 */
static bool walk_names(const struct area *a, size_t names, uint32_t n,
		       size_t markers, size_t *end)
{
	size_t pos = names;
	uint32_t i;

	for (i = 0; i < n; i++) {
		size_t len;

		if (!(i & 0xff) &&
		    get_le32(a->p + markers + 4 * (i >> 8)) != pos - names)
			return false;
		if (pos >= a->len)
			return false;
		len = a->p[pos];
		if (len & 0x80) {	/* 6.1 on: "big" symbol, 2 bytes */
			if (pos + 1 >= a->len)
				return false;
			len = (len & 0x7f) | a->p[pos + 1] << 7;
			pos++;
		}
		if (!len)
			return false;
		pos += 1 + len;
	}
	if (pos > a->len)
		return false;
	*end = pos;
	return true;
}

static size_t align4(size_t x)
{
	return (x + 3) & ~(size_t)3;
}

/*
 * Find kallsyms_num_syms: a u32 right before the names (up to 6.x each
 * table label is aligned to 8 bytes, so 4 zero bytes come between; from
 * 7.0 to 4), whose count of names, walked from there, ends at markers
 * that fit just before the token table (or before seqs_of_names, 3 bytes
 * per symbol, which some kernels put there).
 */
static bool find_names(const struct area *a, struct tables *t)
{
	size_t lo = t->token_table > KALLSYMS_SEARCH_BACK ?
		    t->token_table - KALLSYMS_SEARCH_BACK : 0;
	size_t l;

	for (l = t->token_table & ~(size_t)3; l >= lo + 8; l -= 4) {
		size_t pos = l - 8, m, ms, v, end, names;
		uint32_t n = get_le32(a->p + pos);
		int pad;

		if (n < 256 || n > 0x1000000)
			continue;
		m = (n + 255) / 256;
		for (pad = 0; pad < 2; pad++) {
			names = pos + (pad ? 8 : 4);
			if (pad ? (pos & 7) || get_le32(a->p + pos + 4) :
				  a->p[names] == 0)
				continue;
			for (v = 0; v < 4; v++) {
				size_t (*al)(size_t) = v & 1 ? align4 : align8;
				size_t before = v & 2 ? al((size_t)3 * n) : 0;

				if (al(4 * m) + before + names > t->token_table)
					continue;
				ms = t->token_table - before - al(4 * m);
				if (get_le32(a->p + ms) ||
				    get_le32(a->p + ms + 4) >= ms - names)
					continue;
				if (!walk_names(a, names, n, ms, &end))
					continue;
				if (end > ms || ms - end >= 8)
					continue;
				t->num_syms = pos;
				t->n = n;
				t->names = names;
				t->names_end = end;
				t->markers = ms;
				return true;
			}
		}
	}
	return false;
}

enum addr_mode {
	ADDR_ABS_PERCPU,	/* >= 0 absolute, < 0 relative_base - 1 - off */
	ADDR_RELATIVE,		/* relative_base + (u32)off */
	ADDR_PCREL,		/* &offsets[i] + (s32)off */
	ADDR_MODES,
};

static uint64_t sym_addr(const struct area *a, size_t offsets, uint64_t base,
			 enum addr_mode mode, uint32_t i)
{
	int32_t off = (int32_t)get_le32(a->p + offsets + 4 * (size_t)i);

	switch (mode) {
	case ADDR_ABS_PERCPU:
		return off >= 0 ? (uint64_t)off : base - 1 - off;
	case ADDR_RELATIVE:
		return base + (uint32_t)off;
	default:
		return a->addr + offsets + 4 * (uint64_t)i + off;
	}
}

/* Expand name i's tokens into buf; returns the type character. */
static int expand(const struct area *a, const struct tables *t, size_t *pos,
		  char *buf, size_t cap)
{
	size_t len = a->p[*pos], used = 0, k;

	if (len & 0x80) {
		len = (len & 0x7f) | a->p[*pos + 1] << 7;
		(*pos)++;
	}
	(*pos)++;
	for (k = 0; k < len; k++) {
		const unsigned char *tok = a->p + t->token_table +
			t->tok_off[a->p[*pos + k]];

		while (*tok && used + 1 < cap)
			buf[used++] = *tok++;
	}
	*pos += len;
	buf[used] = 0;
	return used ? buf[0] : 0;
}

static const struct kimage_section *section_named(
	const struct vmprof_kimage *img, const char *name)
{
	size_t i;

	for (i = 0; i < img->nr_secs; i++)
		if (!strcmp(img->secs[i].name, name))
			return &img->secs[i];
	return NULL;
}

/*
 * Which layout and address encoding: the one where addresses never go
 * down and _text is the start of .text.
 */
static bool pick_addresses(const struct vmprof_kimage *img,
			   const struct area *a, const struct tables *t,
			   uint32_t text_idx, size_t *offsets_out,
			   uint64_t *base_out, enum addr_mode *mode_out)
{
	const struct kimage_section *text = section_named(img, ".text");
	size_t cand[3];
	int c, mode;

	if (!text)
		return false;
	/* Up to 6.3: offsets and relative_base before num_syms. */
	cand[0] = t->num_syms >= 8 + align8((size_t)4 * t->n) ?
		  t->num_syms - 8 - align8((size_t)4 * t->n) : (size_t)-1;
	/* 6.4 on: after the token index (7.0 on: aligned to 4 only). */
	cand[1] = align8(t->token_index + 512);
	cand[2] = align4(t->token_index + 512);
	for (c = 0; c < 3; c++) {
		size_t offs = cand[c], base_at;
		uint64_t base;

		if (offs == (size_t)-1 || offs + 4 * (size_t)t->n + 8 > a->len)
			continue;
		base_at = offs + align8(4 * (size_t)t->n);
		base = base_at + 8 <= a->len ? get_le64(a->p + base_at) : 0;
		for (mode = 0; mode < ADDR_MODES; mode++) {
			uint64_t prev = 0, v;
			uint32_t i;

			if (mode != ADDR_PCREL && !base)
				continue;
			if (sym_addr(a, offs, base, mode, text_idx) !=
			    text->addr)
				continue;
			for (i = 0; i < t->n; i++) {
				v = sym_addr(a, offs, base, mode, i);
				if (v < prev)
					break;
				prev = v;
			}
			if (i < t->n)
				continue;
			*offsets_out = offs;
			*base_out = base;
			*mode_out = mode;
			return true;
		}
	}
	return false;
}

static bool find_tables(const struct area *a, struct tables *t)
{
	static const char digits[] = "0\0" "1\0" "2\0" "3\0" "4\0"
				     "5\0" "6\0" "7\0" "8\0" "9";
	const unsigned char *p = a->p, *end = a->p + a->len;

	while (p < end) {
		p = memmem(p, end - p, digits, sizeof(digits));
		if (!p)
			return false;
		if (check_tokens(a, p - a->p, t) && find_names(a, t))
			return true;
		p++;
	}
	return false;
}

static int decode_kallsyms(struct vmprof_kimage *img)
{
	const struct kimage_section *ro = section_named(img, ".rodata");
	struct tables t;
	struct area a;
	char buf[KSYM_NAME_MAX];
	size_t pos, names_len = 0, offsets = 0, cap;
	uint64_t base = 0;
	enum addr_mode mode = ADDR_RELATIVE;
	uint32_t i, text_idx = UINT32_MAX;

	if (!ro) {
		snprintf(img->ks_err, sizeof(img->ks_err),
			 "no .rodata section");
		return -1;
	}
	a.p = ro->data;
	a.len = ro->size;
	a.addr = ro->addr;
	memset(&t, 0, sizeof(t));
	if (!find_tables(&a, &t)) {
		snprintf(img->ks_err, sizeof(img->ks_err),
			 "no kallsyms tables found (a kernel built without CONFIG_KALLSYMS?)");
		return -1;
	}
	/* Expand every name once: the names and where _text is. */
	cap = (t.names_end - t.names) * 4 + t.n + 1;
	img->names = xmalloc(cap);
	img->syms = xcalloc(t.n, sizeof(*img->syms));
	for (i = 0, pos = t.names; i < t.n; i++) {
		size_t l;

		img->syms[i].type = expand(&a, &t, &pos, buf, sizeof(buf));
		l = strlen(buf);
		if (!l || names_len + l > cap) {
			snprintf(img->ks_err, sizeof(img->ks_err),
				 "kallsyms name %u does not decode", i);
			return -1;
		}
		memcpy(img->names + names_len, buf + 1, l);	/* with NUL */
		img->syms[i].name = (const char *)(uintptr_t)names_len;
		names_len += l;
		if (text_idx == UINT32_MAX && !strcmp(buf + 1, "_text"))
			text_idx = i;
	}
	if (text_idx == UINT32_MAX ||
	    !pick_addresses(img, &a, &t, text_idx, &offsets, &base, &mode)) {
		snprintf(img->ks_err, sizeof(img->ks_err),
			 "the kallsyms address table is in no known layout");
		return -1;
	}
	for (i = 0; i < t.n; i++) {
		img->syms[i].name = img->names +
				    (uintptr_t)img->syms[i].name;
		img->syms[i].addr = sym_addr(&a, offsets, base, mode, i);
	}
	pr_debug("kallsyms: %u symbols, names at 0x%llx, address mode %d",
		 t.n, (unsigned long long)(a.addr + t.names), mode);
	return t.n;
}

long vmprof_kimage__kallsyms(struct vmprof_kimage *img,
			     const struct vmprof_kimage_sym **syms,
			     char *err, size_t errlen)
{
	if (!img->ks_tried) {
		img->ks_tried = true;
		img->nr_syms = decode_kallsyms(img);
		if (img->nr_syms < 0) {
			free(img->syms);
			free(img->names);
			img->syms = NULL;
			img->names = NULL;
		}
	}
	if (img->nr_syms < 0) {
		snprintf(err, errlen, "%s", img->ks_err);
		return -1;
	}
	*syms = img->syms;
	return img->nr_syms;
}

int vmprof_kimage__find(struct vmprof_kimage *img, const char *name,
			uint64_t *addr)
{
	const struct vmprof_kimage_sym *syms;
	char err[8];
	long n, i;

	n = vmprof_kimage__kallsyms(img, &syms, err, sizeof(err));
	for (i = 0; i < n; i++) {
		if (!strcmp(syms[i].name, name)) {
			*addr = syms[i].addr;
			return 0;
		}
	}
	return -1;
}

char *vmprof_kimage__kallsyms_text(struct vmprof_kimage *img, size_t *len,
				   char *err, size_t errlen)
{
	const struct vmprof_kimage_sym *syms;
	size_t cap, used = 0;
	long n, i;
	char *text;

	n = vmprof_kimage__kallsyms(img, &syms, err, errlen);
	if (n < 0)
		return NULL;
	cap = 1;
	for (i = 0; i < n; i++)
		cap += 20 + strlen(syms[i].name);
	text = xmalloc(cap);
	for (i = 0; i < n; i++)
		used += snprintf(text + used, cap - used, "%016llx %c %s\n",
				 (unsigned long long)syms[i].addr,
				 syms[i].type, syms[i].name);
	*len = used;
	return text;
}
