// SPDX-License-Identifier: GPL-2.0
/*
 * Samples counted by hist_key in the hash table of hashmap.c.
 */
#include <string.h>

#include "hist.h"
#include "util.h"

_Static_assert(sizeof(struct hist_key) == 48, "hist_key has no padding");

static bool key_eq(const void *entry, const void *key)
{
	return !memcmp(entry, key, sizeof(struct hist_key));
}

void hist__init(struct hist *h)
{
	hashmap__init(&h->map, sizeof(struct hist_entry), key_eq);
}

void hist__exit(struct hist *h)
{
	hashmap__exit(&h->map);
}

void hist__add(struct hist *h, const struct hist_key *key, uint64_t period)
{
	struct hist_entry *e;
	bool added;

	e = hashmap__insert(&h->map, hash_words(key, sizeof(*key)), key,
			    &added);
	if (added)
		e->key = *key;
	e->samples++;
	e->period += period;
}

void hist__decay(struct hist *h, unsigned int num, unsigned int den)
{
	const struct hist_entry *e;
	struct hist old = *h;
	size_t pos;

	hist__init(h);
	for (pos = 0; (e = hist__next(&old, &pos)); ) {
		uint64_t samples = e->samples * num / den;
		struct hist_entry *n;
		bool added;

		if (!samples)
			continue;
		n = hashmap__insert(&h->map, hash_words(&e->key, sizeof(e->key)),
				    &e->key, &added);
		n->key = e->key;
		n->samples = samples;
		n->period = e->period * num / den;
	}
	hist__exit(&old);
}

void hist__clear(struct hist *h)
{
	hist__exit(h);
	hist__init(h);
}
