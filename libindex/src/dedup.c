/*
 * dedup.c -- near-duplicate stories. At build time (index_write.c) each
 * story's body gets a MinHash signature over its word 3-shingles (Broder
 * 1997, the words by the hash of their bytes: the same in every build);
 * stories whose signatures agree in LIDX_MH_K * 0.7 places or more
 * (estimated Jaccard >= 0.7: a copied block with a few words changed) are
 * one group, found by locality-sensitive hashing (8 bands of 4 hashes).
 * The signatures are stored (SIGS), so that an index of several segments
 * groups its live stories as a fresh build would (segset.c).
 * At search time lidx_search_dedup() keeps the best story of each group
 * and reports the others that match the query beside it.
 */
#include <stdlib.h>
#include "dedup.h"
#include "index.h"
#include "query.h"

#define BANDS 8
#define ROWS (LIDX_MH_K / BANDS)
#define AGREE ((LIDX_MH_K * 7 + 9) / 10) /* 0.7 of the hashes, rounded up */

static inline uint64_t mix64(uint64_t x)
{
	/* splitmix64's finalizer */
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

void lidx__mh_init(lidx_sig *s, uint32_t story)
{
	s->story = story;
	for (int k = 0; k < LIDX_MH_K; k++)
		s->h[k] = UINT32_MAX;
}

uint64_t lidx__mh_term_hash(const char *s, size_t n)
{
	/* FNV-1a, then mixed: the bytes alone decide it */
	uint64_t h = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ULL;
	}
	return mix64(h ^ n);
}

void lidx__mh_add(lidx_sig *s, lidx_mh_state *st, uint64_t term)
{
	st->n++;
	if (st->n >= 3) {
		/* the shingle's hash, then K hashes from two (Kirsch & Mitzenmacher 2006) */
		uint64_t h = mix64(mix64(mix64(st->p2 ^ 0x9e3779b97f4a7c15ULL) ^ st->p1) ^ term);
		uint32_t a = (uint32_t)h, b = (uint32_t)(h >> 32) | 1;
		for (int k = 0; k < LIDX_MH_K; k++) {
			uint32_t v = a + (uint32_t)k * b;
			if (v < s->h[k])
				s->h[k] = v;
		}
	}
	st->p2 = st->p1;
	st->p1 = term;
}

void lidx__mh_put(uint8_t *out, const lidx_sig *s)
{
	for (int k = 0; k < LIDX_MH_K; k++)
		lidx_wr32(out + 4 * k, s ? s->h[k] : UINT32_MAX);
}

int lidx__mh_present(const uint8_t *rec)
{
	/* a signature of 3 words or more has values below UINT32_MAX (the chance
	   of all K minima being UINT32_MAX is nil); none is all ones */
	for (int k = 0; k < LIDX_MH_K; k++)
		if (lidx_rd32(rec + 4 * k) != UINT32_MAX)
			return 1;
	return 0;
}

static uint32_t uf_find(uint32_t *p, uint32_t x)
{
	while (p[x] != x) {
		p[x] = p[p[x]];
		x = p[x];
	}
	return x;
}

typedef struct band_slot {
	uint64_t key;
	uint32_t first; /* the bucket's first signature */
	uint32_t band;  /* band + 1 when the slot is used in this band */
} band_slot;

int lidx__mh_link(const uint8_t *const *sig, size_t n, uint32_t *root)
{
	for (size_t i = 0; i < n; i++)
		root[i] = (uint32_t)i;
	if (n < 2)
		return 0;
	if (n >= UINT32_MAX / 4)
		return LIDX_ETOOBIG;
	size_t cap = 16;
	while (cap < 2 * n)
		cap *= 2;
	/* one table for all bands: a slot of another band is free (no clearing) */
	band_slot *t = lidx__calloc(cap, sizeof *t);
	if (!t)
		return LIDX_ENOMEM;
	for (uint32_t band = 0; band < BANDS; band++) {
		for (size_t i = 0; i < n; i++) {
			uint64_t key = (uint64_t)band * 0x9e3779b97f4a7c15ULL;
			for (int r = 0; r < ROWS; r++)
				key = mix64(key ^ lidx_rd32(sig[i] + 4 * (band * ROWS + r)));
			size_t j = (size_t)key & (cap - 1);
			while (t[j].band == band + 1 && t[j].key != key)
				j = (j + 1) & (cap - 1);
			if (t[j].band != band + 1) {
				t[j] = (band_slot){ key, (uint32_t)i, band + 1 };
				continue;
			}
			/* each member against the bucket's first: the union does the rest */
			const uint8_t *f = sig[t[j].first], *s = sig[i];
			int agree = 0;
			for (int k = 0; k < LIDX_MH_K; k++)
				agree += lidx_rd32(f + 4 * k) == lidx_rd32(s + 4 * k);
			if (agree < AGREE)
				continue;
			uint32_t x = uf_find(root, t[j].first), y = uf_find(root, (uint32_t)i);
			if (x < y)
				root[y] = x;
			else if (y < x)
				root[x] = y;
		}
	}
	lidx__free(t);
	for (size_t i = 0; i < n; i++)
		root[i] = uf_find(root, (uint32_t)i); /* the group's first signature */
	return 0;
}

/* ---- at search time ---------------------------------------------------------- */

uint32_t lidx__story_group(lidx_index *ix, uint32_t id)
{
	if (ix->segs)
		return lidx__segs_group(ix, id);
	const lidx_section *s = &ix->sec[SEC_SINFO];
	if (!s->p || id >= ix->n_stories)
		return id;
	uint32_t g = lidx_rd32(s->p + (uint64_t)id * 8 + 4);
	return g < ix->n_stories ? g : id;
}

typedef struct dup_ent {
	lidx_hit h;
	uint32_t of; /* the kept hit it is a near-duplicate of */
} dup_ent;

static int dup_cmp(const void *x, const void *y)
{
	const lidx_hit *a = &((const dup_ent *)x)->h, *b = &((const dup_ent *)y)->h;
	if (a->score != b->score)
		return a->score > b->score ? -1 : 1;
	return a->story < b->story ? -1 : a->story > b->story;
}

/*
 * Keep the best hit of each group in res, up to limit. The other stories
 * of a kept hit's group that match the query (they may rank anywhere, or
 * not have been fetched) go to res->dups, best first.
 */
static int collapse(lidx_index *ix, lidx_query *q, const lidx_search_opts *o, lidx_results *res,
                    size_t limit, size_t *kept_out)
{
	size_t n = res->n_hits, kept = 0, nd = 0, cap = 0;
	int rc = 0;
	uint32_t *kg = lidx__malloc(lidx__mul(n ? n : 1, sizeof *kg));
	unsigned char *root_done = lidx__calloc(n ? n : 1, 1);
	dup_ent *de = NULL;
	lidx_hit *dups = NULL;
	uint32_t *of = NULL;
	double *pg = lidx__malloc(lidx__mul(q->n_groups ? q->n_groups : 1, sizeof *pg));
	if (!kg || !root_done || !pg) {
		rc = LIDX_ENOMEM;
		goto done;
	}
	for (size_t i = 0; i < n; i++) {
		uint32_t g = lidx__story_group(ix, res->hits[i].story);
		size_t j = 0;
		while (j < kept && kg[j] != g)
			j++;
		if (j == kept && kept < limit) {
			kg[kept] = g;
			res->hits[kept++] = res->hits[i];
		} else if (j < kept && res->hits[i].story == g && res->hits[i].score == res->hits[j].score) {
			/* a tie (exact copies): the group's root, its first story in the
			   notes' order, is the one shown, as in a fresh build (after an
			   update the root may have a higher id than its copy) */
			res->hits[j] = res->hits[i];
		}
	}
	res->n_hits = kept;
	/*
	 * One pass over the stories: a member's group is its root's id. Each
	 * member is met once; the root, met with every member, is looked at
	 * the first time only (root_done).
	 */
	for (uint32_t s = 0; s < ix->n_stories && rc == 0; s++) {
		uint32_t g = lidx__story_group(ix, s);
		if (g == s)
			continue;
		size_t j = 0;
		while (j < kept && kg[j] != g)
			j++;
		if (j == kept)
			continue;
		for (int side = 0; side < 2 && rc == 0; side++) {
			uint32_t cand = side ? g : s; /* the member, then its group's root */
			if (side) {
				if (root_done[j])
					continue;
				root_done[j] = 1;
			}
			if (res->hits[j].story == cand)
				continue;
			double total = 0;
			if ((rc = lidx__score_doc(ix, q, o, cand, pg, &total)) < 0 || total <= 0)
				continue;
			if (nd == cap) {
				size_t nc = cap ? 2 * cap : 8;
				dup_ent *nd_ = lidx__realloc(de, lidx__mul(nc, sizeof *nd_));
				if (!nd_) {
					rc = LIDX_ENOMEM;
					break;
				}
				de = nd_;
				cap = nc;
			}
			de[nd++] = (dup_ent){ { cand, total }, (uint32_t)j };
		}
	}
	if (rc < 0)
		goto done;
	if (nd) {
		/* best first */
		qsort(de, nd, sizeof *de, dup_cmp);
		dups = lidx__malloc(lidx__mul(nd, sizeof *dups));
		of = lidx__malloc(lidx__mul(nd, sizeof *of));
		if (!dups || !of) {
			rc = LIDX_ENOMEM;
			goto done;
		}
		for (size_t d = 0; d < nd; d++) {
			dups[d] = de[d].h;
			of[d] = de[d].of;
		}
	}
	res->dups = dups;
	res->dup_of = of;
	res->n_dups = nd;
	dups = NULL;
	of = NULL;
	*kept_out = kept;
done:
	lidx__free(kg);
	lidx__free(root_done);
	lidx__free(de);
	lidx__free(pg);
	lidx__free(dups);
	lidx__free(of);
	return rc;
}

int lidx_search_dedup(lidx_index *ix, lidx_query *q, const lidx_search_opts *opts, lidx_results *res,
                      lidx_err *err)
{
	lidx_search_opts o;
	if (opts)
		o = *opts;
	else
		lidx_search_defaults(&o);
	size_t limit = o.limit ? o.limit : 10;
	if (!ix->n_grouped)
		return lidx_search(ix, q, &o, res, err);
	/* fetch more than limit, so that what collapses leaves room; again with
	   more if too many collapsed and more stories matched */
	size_t want = limit + (limit < ix->n_grouped ? limit : ix->n_grouped);
	for (;;) {
		o.limit = want;
		int rc = lidx_search(ix, q, &o, res, err);
		if (rc < 0)
			return rc;
		size_t fetched = res->n_hits, kept;
		if ((rc = collapse(ix, q, &o, res, limit, &kept)) < 0) {
			lidx_results_clear(res);
			return lidx__err(err, rc, "%s", lidx_strerror(rc));
		}
		if (kept >= limit || fetched < want || want >= ix->n_stories)
			return 0;
		lidx_results_clear(res);
		want = want * 2 < ix->n_stories ? want * 2 : ix->n_stories;
	}
}
