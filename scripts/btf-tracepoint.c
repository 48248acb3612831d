// SPDX-License-Identifier: GPL-2.0
/*
 * btf-tracepoint: print the C prototype of a tracepoint's probe, as the
 * kernel declares it, from BTF.
 *
 * KVM's x86 tracepoints (kvm_entry, kvm_exit) are declared in
 * arch/x86/kvm/trace.h, which kernel header packages do not ship, so a
 * module cannot include the declaration to type-check its probes.  The
 * kernel's own BTF carries it: with CONFIG_BPF_EVENTS every tracepoint
 * gets "typedef void (*btf_trace_NAME)(void *__data, proto)".  This
 * program finds that typedef in kvm.ko (or in vmlinux when KVM is built
 * in) and prints
 *
 *	typedef void (*vmprof_tp_NAME_t)(void *, struct kvm_vcpu *, bool);
 *
 * for kmod/compat.h to check the probes against.  Module BTF is split
 * BTF: its type ids and strings continue those of a base, either the
 * module's own distilled base (.BTF.base, 6.11 and later) or vmlinux.
 *
 * usage: btf-tracepoint FILE [BASE-ELF] NAME...
 * FILE and BASE-ELF are uncompressed ELF files.  Exit status 0 if every
 * NAME was printed, 1 if one is missing, 2 on a bad file.
 * Built with the host compiler and no library: it runs where DKMS builds.
 */
#include <elf.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BTF_MAGIC	0xeB9F

enum {
	KIND_INT = 1, KIND_PTR, KIND_ARRAY, KIND_STRUCT, KIND_UNION,
	KIND_ENUM, KIND_FWD, KIND_TYPEDEF, KIND_VOLATILE, KIND_CONST,
	KIND_RESTRICT, KIND_FUNC, KIND_FUNC_PROTO, KIND_VAR, KIND_DATASEC,
	KIND_FLOAT, KIND_DECL_TAG, KIND_TYPE_TAG, KIND_ENUM64,
};

struct btf_header {
	uint16_t magic;
	uint8_t version;
	uint8_t flags;
	uint32_t hdr_len;
	uint32_t type_off;
	uint32_t type_len;
	uint32_t str_off;
	uint32_t str_len;
};

struct btf_type {
	uint32_t name_off;
	uint32_t info;
	uint32_t size_or_type;
};

/* One BTF blob, possibly split on top of a base. */
struct btf {
	const struct btf *base;
	const char *strs;
	uint32_t str_len;
	uint32_t start_id;		/* first type id of this blob */
	uint32_t nr;			/* types in this blob */
	const struct btf_type **types;
};

static const char *progname = "btf-tracepoint";

static void *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0, r;

	if (!f) {
		fprintf(stderr, "%s: %s: %s\n", progname, path, strerror(errno));
		return NULL;
	}
	do {
		if (n == cap) {
			char *nb;

			cap = cap ? cap * 2 : 1 << 20;
			nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				fclose(f);
				fprintf(stderr, "%s: out of memory\n", progname);
				return NULL;
			}
			buf = nb;
		}
		r = fread(buf + n, 1, cap - n, f);
		n += r;
	} while (r);
	fclose(f);
	*len = n;
	return buf;
}

/* The contents of section @name of a 64-bit ELF image, or NULL. */
static const void *elf_section(const char *img, size_t len, const char *name,
			       size_t *size)
{
	const Elf64_Ehdr *eh = (const void *)img;
	const Elf64_Shdr *sh, *strsh;
	unsigned int i;

	if (len < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_shentsize != sizeof(*sh) || eh->e_shoff > len ||
	    (size_t)eh->e_shnum * sizeof(*sh) > len - eh->e_shoff ||
	    eh->e_shstrndx >= eh->e_shnum)
		return NULL;
	sh = (const void *)(img + eh->e_shoff);
	strsh = &sh[eh->e_shstrndx];
	if (strsh->sh_offset > len || strsh->sh_size > len - strsh->sh_offset)
		return NULL;
	for (i = 0; i < eh->e_shnum; i++) {
		const char *n = img + strsh->sh_offset + sh[i].sh_name;

		if (sh[i].sh_name >= strsh->sh_size ||
		    strnlen(n, strsh->sh_size - sh[i].sh_name) ==
			    strsh->sh_size - sh[i].sh_name ||
		    strcmp(n, name))
			continue;
		if (sh[i].sh_type == SHT_NOBITS || sh[i].sh_offset > len ||
		    sh[i].sh_size > len - sh[i].sh_offset)
			return NULL;
		*size = sh[i].sh_size;
		return img + sh[i].sh_offset;
	}
	return NULL;
}

/* Bytes of kind-specific data after a struct btf_type. */
static long extra_size(const struct btf_type *t)
{
	uint32_t vlen = t->info & 0xffff;

	switch ((t->info >> 24) & 0x1f) {
	case KIND_INT:
	case KIND_VAR:
	case KIND_DECL_TAG:
		return 4;
	case KIND_ARRAY:
		return 12;
	case KIND_STRUCT:
	case KIND_UNION:
	case KIND_DATASEC:
	case KIND_ENUM64:
		return 12L * vlen;
	case KIND_ENUM:
	case KIND_FUNC_PROTO:
		return 8L * vlen;
	case KIND_PTR:
	case KIND_FWD:
	case KIND_TYPEDEF:
	case KIND_VOLATILE:
	case KIND_CONST:
	case KIND_RESTRICT:
	case KIND_FUNC:
	case KIND_FLOAT:
	case KIND_TYPE_TAG:
		return 0;
	}
	return -1;
}

static int btf_load(struct btf *b, const void *data, size_t size,
		    const struct btf *base)
{
	const struct btf_header *h = data;
	const char *types;
	size_t off, cap = 0;

	memset(b, 0, sizeof(*b));
	if (size < sizeof(*h) || h->magic != BTF_MAGIC ||
	    h->hdr_len > size || h->type_off > size - h->hdr_len ||
	    h->type_len > size - h->hdr_len - h->type_off ||
	    h->str_off > size - h->hdr_len ||
	    h->str_len > size - h->hdr_len - h->str_off)
		return -1;
	b->base = base;
	b->strs = (const char *)data + h->hdr_len + h->str_off;
	b->str_len = h->str_len;
	b->start_id = base ? base->start_id + base->nr : 1;
	types = (const char *)data + h->hdr_len + h->type_off;
	for (off = 0; off + sizeof(struct btf_type) <= h->type_len;) {
		const struct btf_type *t = (const void *)(types + off);
		long extra = extra_size(t);

		if (extra < 0)
			return -1;
		if (b->nr == cap) {
			const struct btf_type **nt;

			cap = cap ? cap * 2 : 4096;
			nt = realloc(b->types, cap * sizeof(*nt));
			if (!nt)
				return -1;
			b->types = nt;
		}
		b->types[b->nr++] = t;
		off += sizeof(*t) + extra;
	}
	return off == h->type_len ? 0 : -1;
}

static const struct btf_type *btf_type(const struct btf *b, uint32_t id)
{
	for (; b; b = b->base)
		if (id >= b->start_id && id < b->start_id + b->nr)
			return b->types[id - b->start_id];
	return NULL;
}

/* Split BTF's string offsets continue its base's string section. */
static const char *btf_str(const struct btf *b, uint32_t off)
{
	uint32_t base_len = 0;
	const struct btf *x;

	for (x = b->base; x; x = x->base)
		base_len += x->str_len;
	if (off >= base_len)
		return off - base_len < b->str_len ? b->strs + off - base_len :
						     NULL;
	return b->base ? btf_str(b->base, off) : NULL;
}

static int kind(const struct btf_type *t)
{
	return (t->info >> 24) & 0x1f;
}

/* C spelling of type @id, for a parameter list; 0 on success. */
static int render(const struct btf *b, uint32_t id, char *out, size_t cap)
{
	const struct btf_type *t;
	const char *name, *prefix = "";
	char inner[256];

	if (id == 0)
		return snprintf(out, cap, "void") >= (int)cap;
	t = btf_type(b, id);
	if (!t)
		return -1;
	name = btf_str(b, t->name_off);
	switch (kind(t)) {
	case KIND_PTR:
		if (render(b, t->size_or_type, inner, sizeof(inner)))
			return -1;
		return snprintf(out, cap, "%s *", inner) >= (int)cap;
	case KIND_CONST:
	case KIND_VOLATILE:
		if (render(b, t->size_or_type, inner, sizeof(inner)))
			return -1;
		return snprintf(out, cap, "%s %s",
				kind(t) == KIND_CONST ? "const" : "volatile",
				inner) >= (int)cap;
	case KIND_TYPE_TAG:
		return render(b, t->size_or_type, out, cap);
	case KIND_STRUCT:
		prefix = "struct ";
		break;
	case KIND_UNION:
		prefix = "union ";
		break;
	case KIND_ENUM:
	case KIND_ENUM64:
		prefix = "enum ";
		break;
	case KIND_FWD:
		prefix = t->info >> 31 ? "union " : "struct ";
		break;
	case KIND_INT:
	case KIND_FLOAT:
	case KIND_TYPEDEF:
		break;
	default:
		return -1;
	}
	if (!name || !*name)
		return -1;
	return snprintf(out, cap, "%s%s", prefix, name) >= (int)cap;
}

/* Print the probe typedef of tracepoint @tp; 0 if found. */
static int print_proto(const struct btf *b, const char *tp)
{
	char want[128], param[256], line[2048];
	const struct btf_type *t = NULL, *p;
	uint32_t id, i, vlen;
	size_t len;

	snprintf(want, sizeof(want), "btf_trace_%s", tp);
	for (id = b->start_id; id < b->start_id + b->nr; id++) {
		const char *name;

		t = btf_type(b, id);
		name = btf_str(b, t->name_off);
		if (kind(t) == KIND_TYPEDEF && name && !strcmp(name, want))
			break;
	}
	if (id == b->start_id + b->nr)
		return 1;
	p = btf_type(b, t->size_or_type);
	if (!p || kind(p) != KIND_PTR)
		return 2;
	p = btf_type(b, p->size_or_type);
	if (!p || kind(p) != KIND_FUNC_PROTO || p->size_or_type != 0)
		return 2;
	vlen = p->info & 0xffff;
	len = snprintf(line, sizeof(line), "typedef void (*vmprof_tp_%s_t)(",
		       tp);
	for (i = 0; i < vlen; i++) {
		const uint32_t *prm = (const uint32_t *)(p + 1) + 2 * i;

		if (render(b, prm[1], param, sizeof(param)))
			return 2;
		len += snprintf(line + len, sizeof(line) - len, "%s%s",
				i ? ", " : "", param);
		if (len >= sizeof(line))
			return 2;
	}
	printf("%s);\n", line);
	return 0;
}

int main(int argc, char **argv)
{
	struct btf base, dist, btf;
	const struct btf *under = NULL;
	const void *sec;
	char *img, *base_img = NULL;
	size_t len, size;
	int i, first, rc = 0;
	bool has_base;

	if (argc < 3) {
		fprintf(stderr, "usage: %s FILE [BASE-ELF] NAME...\n", progname);
		return 2;
	}
	/* Tracepoint names never contain a '/'; a base file is a path. */
	has_base = argc > 3 && strchr(argv[2], '/');
	first = has_base ? 3 : 2;
	img = read_file(argv[1], &len);
	if (!img)
		return 2;
	sec = elf_section(img, len, ".BTF.base", &size);
	if (sec) {
		if (btf_load(&dist, sec, size, NULL)) {
			fprintf(stderr, "%s: %s: bad .BTF.base\n", progname,
				argv[1]);
			return 2;
		}
		under = &dist;
	} else if (has_base) {
		base_img = read_file(argv[2], &size);
		if (!base_img)
			return 2;
		sec = elf_section(base_img, size, ".BTF", &size);
		if (!sec || btf_load(&base, sec, size, NULL)) {
			fprintf(stderr, "%s: %s: no usable .BTF\n", progname,
				argv[2]);
			return 2;
		}
		under = &base;
	}
	sec = elf_section(img, len, ".BTF", &size);
	if (!sec || btf_load(&btf, sec, size, under)) {
		fprintf(stderr, "%s: %s: no usable .BTF\n", progname, argv[1]);
		return 2;
	}
	for (i = first; i < argc; i++) {
		int r = print_proto(&btf, argv[i]);

		if (r) {
			fprintf(stderr, "%s: %s: %s\n", progname, argv[i],
				r == 1 ? "no such tracepoint in BTF" :
					 "prototype not understood");
			rc = r > rc ? r : rc;
		}
	}
	free(base_img);
	free(img);
	return rc;
}
