// SPDX-License-Identifier: GPL-2.0
/*
 * Open-addressing hash table with inline entries (see hashmap.h).
 *
 * A slot is a 64-bit hash word followed by the entry; hash word 0 marks
 * a free slot (a hash of 0 is stored as 1).  The table doubles when it
 * is 70% full, which keeps linear probe sequences short.
 */
#include <stdlib.h>
#include <string.h>

#include "hashmap.h"
#include "util.h"

#define HASHMAP_MIN_CAP		64

static uint64_t *slot_hash(const struct hashmap *m, size_t i)
{
	return (uint64_t *)(m->slots + i * m->slot_size);
}

static void *slot_entry(const struct hashmap *m, size_t i)
{
	return m->slots + i * m->slot_size + sizeof(uint64_t);
}

static uint64_t stored_hash(uint64_t hash)
{
	return hash ? hash : 1;
}

void hashmap__init(struct hashmap *m, size_t entry_size, hashmap_eq_fn eq)
{
	memset(m, 0, sizeof(*m));
	m->entry_size = entry_size;
	m->slot_size = sizeof(uint64_t) + ((entry_size + 7) & ~(size_t)7);
	m->eq = eq;
}

void hashmap__exit(struct hashmap *m)
{
	free(m->slots);
	m->slots = NULL;
	m->cap = m->nr = 0;
}

/* The slot holding key, or the free slot where it would go. */
static size_t probe(const struct hashmap *m, uint64_t h, const void *key)
{
	size_t mask = m->cap - 1, i = h & mask;
	uint64_t s;

	while ((s = *slot_hash(m, i))) {
		if (s == h && m->eq(slot_entry(m, i), key))
			break;
		i = (i + 1) & mask;
	}
	return i;
}

static void grow(struct hashmap *m)
{
	struct hashmap old = *m;
	size_t i;

	m->cap = old.cap ? old.cap * 2 : HASHMAP_MIN_CAP;
	m->slots = xcalloc(m->cap, m->slot_size);
	for (i = 0; i < old.cap; i++) {
		uint64_t h = *slot_hash(&old, i);
		size_t j;

		if (!h)
			continue;
		for (j = h & (m->cap - 1); *slot_hash(m, j);
		     j = (j + 1) & (m->cap - 1))
			;
		memcpy(m->slots + j * m->slot_size,
		       old.slots + i * old.slot_size, m->slot_size);
	}
	free(old.slots);
}

void *hashmap__find(const struct hashmap *m, uint64_t hash, const void *key)
{
	size_t i;

	if (!m->nr)
		return NULL;
	i = probe(m, stored_hash(hash), key);
	return *slot_hash(m, i) ? slot_entry(m, i) : NULL;
}

void *hashmap__insert(struct hashmap *m, uint64_t hash, const void *key,
		      bool *added)
{
	uint64_t h = stored_hash(hash);
	size_t i;

	if ((m->nr + 1) * 10 > m->cap * 7)
		grow(m);
	i = probe(m, h, key);
	*added = !*slot_hash(m, i);
	if (*added) {
		*slot_hash(m, i) = h;
		m->nr++;
	}
	return slot_entry(m, i);
}

void *hashmap__next(const struct hashmap *m, size_t *pos)
{
	for (; *pos < m->cap; (*pos)++) {
		if (*slot_hash(m, *pos))
			return slot_entry(m, (*pos)++);
	}
	return NULL;
}
