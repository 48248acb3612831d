// SPDX-License-Identifier: GPL-2.0
/*
 * Open-addressing hash table of samples keyed by address.
 */
#include <stdlib.h>
#include <string.h>

#include "hist.h"
#include "util.h"

_Static_assert(sizeof(struct hist_key) == 32, "hist_key has no padding");

void hist__init(struct hist *h)
{
	h->cap = 1024;
	h->nr = 0;
	h->tab = xcalloc(h->cap, sizeof(*h->tab));
}

void hist__exit(struct hist *h)
{
	free(h->tab);
	h->tab = NULL;
	h->cap = h->nr = 0;
}

static uint64_t key_hash(const struct hist_key *k)
{
	uint64_t x = k->addr;

	x ^= hash_u64(((uint64_t)k->exit_reason << 32) | k->vcpu);
	x ^= hash_u64(((uint64_t)k->pid << 32) | ((uint64_t)k->context << 16)
		      | k->charged) * 31;
	x ^= hash_u64(k->vm_pid) * 17;
	return hash_u64(x);
}

static struct hist_entry *slot(struct hist_entry *tab, size_t cap,
			       const struct hist_key *k)
{
	size_t i = key_hash(k) & (cap - 1);

	while (hist__used(&tab[i]) && memcmp(&tab[i].key, k, sizeof(*k)))
		i = (i + 1) & (cap - 1);
	return &tab[i];
}

static void grow(struct hist *h)
{
	size_t i, ncap = h->cap * 2;
	struct hist_entry *ntab = xcalloc(ncap, sizeof(*ntab));

	for (i = 0; i < h->cap; i++)
		if (hist__used(&h->tab[i]))
			*slot(ntab, ncap, &h->tab[i].key) = h->tab[i];
	free(h->tab);
	h->tab = ntab;
	h->cap = ncap;
}

void hist__add(struct hist *h, const struct hist_key *key, uint64_t period)
{
	struct hist_entry *e;

	if ((h->nr + 1) * 4 > h->cap * 3)
		grow(h);
	e = slot(h->tab, h->cap, key);
	if (!hist__used(e)) {
		e->key = *key;
		h->nr++;
	}
	e->samples++;
	e->period += period;
}
