/*
 * dedup.c -- near-duplicate stories. At build time (index_write.c) each
 * story's body gets a MinHash signature over its word 3-shingles (Broder
 * 1997); stories whose signatures agree in LIDX_MH_K * 0.7 places or more
 * (estimated Jaccard >= 0.7: a copied block with a few words changed) are
 * one group, found by locality-sensitive hashing (8 bands of 4 hashes).
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

void lidx__mh_add(lidx_sig *s, lidx_mh_state *st, uint32_t term)
{
	st->n++;
	if (st->n >= 3) {
		/* K hashes of the shingle from two (Kirsch & Mitzenmacher 2006) */
		uint64_t h = mix64(((uint64_t)st->p2 << 42) ^ ((uint64_t)st->p1 << 21) ^ term ^ 0x9e3779b97f4a7c15ULL);
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

static uint32_t uf_find(uint32_t *p, uint32_t x)
{
	while (p[x] != x) {
		p[x] = p[p[x]];
		x = p[x];
	}
	return x;
}

typedef struct band_ent {
	uint64_t key;
	uint32_t sig; /* index into sigs */
} band_ent;

static int band_cmp(const void *x, const void *y)
{
	const band_ent *a = x, *b = y;
	if (a->key != b->key)
		return a->key < b->key ? -1 : 1;
	return a->sig < b->sig ? -1 : a->sig > b->sig;
}

int lidx__mh_groups(const lidx_sig *sigs, size_t n, uint32_t n_stories, uint32_t *group)
{
	for (uint32_t i = 0; i < n_stories; i++)
		group[i] = i;
	if (n < 2)
		return 0;
	band_ent *be = lidx__malloc(lidx__mul(n, sizeof *be));
	if (!be)
		return LIDX_ENOMEM;
	for (int band = 0; band < BANDS; band++) {
		for (size_t i = 0; i < n; i++) {
			uint64_t key = (uint64_t)band * 0x9e3779b97f4a7c15ULL;
			for (int r = 0; r < ROWS; r++)
				key = mix64(key ^ sigs[i].h[band * ROWS + r]);
			be[i] = (band_ent){ key, (uint32_t)i };
		}
		qsort(be, n, sizeof *be, band_cmp);
		for (size_t a = 0; a < n;) {
			size_t b = a + 1;
			while (b < n && be[b].key == be[a].key)
				b++;
			/* each member against the run's first: the union does the rest */
			const lidx_sig *f = &sigs[be[a].sig];
			for (size_t m = a + 1; m < b; m++) {
				const lidx_sig *s = &sigs[be[m].sig];
				int agree = 0;
				for (int k = 0; k < LIDX_MH_K; k++)
					agree += f->h[k] == s->h[k];
				if (agree < AGREE)
					continue;
				uint32_t x = uf_find(group, f->story), y = uf_find(group, s->story);
				if (x < y)
					group[y] = x;
				else if (y < x)
					group[x] = y;
			}
			a = b;
		}
	}
	lidx__free(be);
	for (uint32_t i = 0; i < n_stories; i++)
		group[i] = uf_find(group, i); /* the root: the group's smallest id */
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
