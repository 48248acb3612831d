/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMPROF_HASHMAP_H
#define VMPROF_HASHMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The one hash table of vmprof: open addressing with linear probing,
 * entries stored inline next to their full 64-bit hash, so that a lookup
 * touches one cache line and compares keys only on equal hashes.
 *
 * An entry is any struct that begins with (or contains) its key; the
 * caller computes the hash (hash_u64(), hash_str(), hash_bytes() of
 * util.h) and gives an equality function.  Entries move when the table
 * grows: a pointer to an entry is valid until the next insertion.
 * Entries that must not move are kept elsewhere and the table holds
 * pointers to them.  Iteration follows the slots: the same insertions
 * give the same order.
 */
typedef bool (*hashmap_eq_fn)(const void *entry, const void *key);

struct hashmap {
	unsigned char *slots;	/* cap slots of slot_size bytes */
	size_t slot_size;	/* 8 (hash) + the entry, 8-byte aligned */
	size_t entry_size;
	size_t cap;		/* a power of two; 0 before the first insert */
	size_t nr;
	hashmap_eq_fn eq;
};

void hashmap__init(struct hashmap *m, size_t entry_size, hashmap_eq_fn eq);
void hashmap__exit(struct hashmap *m);

/* The entry equal to key, or NULL. */
void *hashmap__find(const struct hashmap *m, uint64_t hash, const void *key);

/*
 * The entry equal to key; if there is none, a new zeroed entry whose key
 * fields the caller then fills in (*added is set true).
 */
void *hashmap__insert(struct hashmap *m, uint64_t hash, const void *key,
		      bool *added);

/* The next entry from slot *pos on, or NULL at the end; start at 0. */
void *hashmap__next(const struct hashmap *m, size_t *pos);

#define hashmap__for_each(m, pos, e) \
	for ((pos) = 0; ((e) = hashmap__next((m), &(pos))); )

#endif /* VMPROF_HASHMAP_H */
