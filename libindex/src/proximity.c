/*
 * proximity.c -- term proximity of a question's topic words
 * (lidx_search_opts.prox), applied by lidx_search() to the stories it
 * fetched, as the short-story floor is.
 *
 * Büttcher, Clarke & Lushman 2006 ("Term proximity scoring for ad-hoc
 * retrieval on very large text collections"): walking a story's body
 * occurrences of the query's groups in position order, each pair of
 * neighbours that belong to two different groups adds to both groups'
 * accumulators the other group's weight over the square of their distance
 * (positions count stop words, so "migration of the database" is 3 apart).
 * A group's accumulator saturates as BM25's tf does, acc / (acc + K), and
 * the story's proximity P in [0, 1) is the weighted mean of that over the
 * groups its body has (a group's weight: its query weight times its best
 * alternative's IDF, over the largest such). Büttcher et al. add the
 * accumulators to BM25; here the story's score is multiplied by
 * (1 - w + w P), which only lowers scores: the caller's refetch test (the
 * limit-th score at least the last fetched story's score before any factor)
 * then keeps the top k exact, with no bound on a bonus to compute.
 *
 * A group's body positions are those of its single-term alternatives and
 * the starts of its phrase alternatives' matches (the positions are in the
 * postings: no stored text is read). The heading has no positions: a group
 * a single-term alternative finds in the heading is taken as PROX_TITLE_DIST
 * from each other group the story has (two heading groups: twice). A query
 * of fewer than two groups, or a story that has fewer than two of them, has
 * P = 0. Constants chosen on the judged question sets and Cranfield
 * (docs/ANALYSIS.md): K 0.05 / 0.2 / 0.5 / 1 and heading distance 0 (off) /
 * 1 / 2 / 4 were measured.
 */
#include <stdlib.h>
#include <math.h>
#include "query.h"

#define PROX_MAX_POS 4096   /* positions of a term in one story that are read */
#define PROX_K 0.2          /* the accumulators' saturation */
#define PROX_TITLE_DIST 2.0 /* a heading's group: this far from every other group */

typedef struct pocc {
	uint32_t pos, g;
} pocc;

typedef struct pcur {
	lidx_cursor c;
	int open;
} pcur;

static int occ_cmp(const void *x, const void *y)
{
	const pocc *a = x, *b = y;
	return a->pos < b->pos ? -1 : a->pos > b->pos ? 1 : (a->g > b->g) - (a->g < b->g);
}

static int doc_cmp(const void *x, const void *y)
{
	const lidx_hit *a = *(const lidx_hit *const *)x, *b = *(const lidx_hit *const *)y;
	return a->story < b->story ? -1 : a->story > b->story;
}

/* Append occ to the growing array *v of *n (capacity *cap). */
static int occ_push(pocc **v, size_t *n, size_t *cap, uint32_t pos, uint32_t g)
{
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 256;
		pocc *t = lidx__realloc(*v, nc * sizeof *t);
		if (!t)
			return LIDX_ENOMEM;
		*v = t;
		*cap = nc;
	}
	(*v)[(*n)++] = (pocc){ pos, g };
	return 0;
}

/* The proximity P of a story whose body occurrences are occ[0 .. n), sorted. */
static double prox_score(const pocc *occ, size_t n, const double *u, double *acc, uint8_t *has,
                        const uint8_t *tit, size_t n_groups)
{
	for (size_t g = 0; g < n_groups; g++)
		acc[g] = 0, has[g] = tit[g];
	for (size_t i = 0; i < n; i++)
		has[occ[i].g] = 1;
	for (size_t i = 1; i < n; i++) {
		uint32_t a = occ[i - 1].g, b = occ[i].g;
		if (a == b)
			continue;
		double d = (double)(occ[i].pos - occ[i - 1].pos);
		if (d < 1)
			d = 1;
		acc[a] += u[b] / (d * d);
		acc[b] += u[a] / (d * d);
	}
	/* a group in the heading is near the whole story: each other group
	   the story has adds to both as a pair PROX_TITLE_DIST apart */
	const double dt2 = PROX_TITLE_DIST * PROX_TITLE_DIST;
	for (size_t a = 0; a < n_groups; a++)
		for (size_t b = 0; b < n_groups && tit[a]; b++)
			if (b != a && has[b]) {
				acc[a] += u[b] / dt2;
				acc[b] += u[a] / dt2;
			}
	double num = 0, den = 0;
	size_t n_has = 0;
	for (size_t g = 0; g < n_groups; g++) {
		if (!has[g])
			continue;
		n_has++;
		num += u[g] * acc[g] / (acc[g] + PROX_K);
		den += u[g];
	}
	return n_has >= 2 && den > 0 ? num / den : 0;
}

int lidx__prox_apply(lidx_index *ix, const lidx_query *q, double w, lidx_hit *hits, size_t n_hits)
{
	if (!(w > 0) || !n_hits)
		return 0;
	if (w > 1)
		w = 1;
	size_t ng = q->n_groups, n_cur = 0, n_live = 0;
	for (size_t g = 0; g < ng; g++) {
		int live = 0;
		for (uint32_t a = 0; a < q->groups[g].n_alts; a++) {
			n_cur += q->groups[g].alts[a].n_terms;
			live |= q->groups[g].alts[a].present;
		}
		n_live += live && !q->groups[g].negate;
	}
	if (n_live < 2)
		return 0;
	int rc = 0;
	pcur *cur = lidx__calloc(n_cur, sizeof *cur);
	double *u = lidx__calloc(ng, sizeof *u), *acc = lidx__calloc(ng, sizeof *acc);
	uint8_t *has = lidx__calloc(ng, 1), *tit = lidx__calloc(ng, 1);
	uint32_t *pos = lidx__malloc(PROX_MAX_POS * sizeof *pos * 2);
	lidx_hit **by_doc = lidx__malloc(n_hits * sizeof *by_doc);
	pocc *occ = NULL;
	size_t n_occ = 0, cap_occ = 0;
	if (!cur || !u || !acc || !has || !tit || !pos || !by_doc) {
		rc = LIDX_ENOMEM;
		goto done;
	}
	double umax = 0;
	for (size_t g = 0, ci = 0; g < ng; g++) {
		const qgroup *gr = &q->groups[g];
		double best = 0;
		for (uint32_t a = 0; a < gr->n_alts; a++) {
			const qalt *al = &gr->alts[a];
			if (al->present && !gr->negate) {
				if (al->w * al->idf > best)
					best = al->w * al->idf;
				for (uint32_t k = 0; k < al->n_terms; k++) {
					if ((rc = lidx__cursor_open(ix, &al->t[k], &cur[ci + k].c)) < 0)
						goto done;
					cur[ci + k].open = 1;
				}
			}
			ci += al->n_terms;
		}
		u[g] = gr->weight * best;
		if (u[g] > umax)
			umax = u[g];
	}
	if (!(umax > 0))
		goto done;
	for (size_t g = 0; g < ng; g++)
		u[g] /= umax;
	for (size_t h = 0; h < n_hits; h++)
		by_doc[h] = &hits[h];
	qsort(by_doc, n_hits, sizeof *by_doc, doc_cmp);
	for (size_t h = 0; h < n_hits; h++) {
		uint32_t doc = by_doc[h]->story;
		n_occ = 0;
		memset(tit, 0, ng);
		for (size_t g = 0, ci = 0; g < ng; g++) {
			const qgroup *gr = &q->groups[g];
			for (uint32_t a = 0; a < gr->n_alts; a++) {
				const qalt *al = &gr->alts[a];
				size_t first = ci;
				ci += al->n_terms;
				if (!cur[first].open)
					continue;
				int on = 1;
				for (uint32_t k = 0; k < al->n_terms; k++) {
					lidx_cursor *c = &cur[first + k].c;
					if (c->doc < doc)
						if ((rc = lidx__cursor_seek(c, doc)) < 0)
							goto done;
					on &= c->doc == doc;
				}
				if (!on)
					continue;
				if (al->n_terms == 1 && cur[first].c.tf_title > 0)
					tit[g] = 1;
				if (!cur[first].c.tf_body)
					continue;
				/* the alternative's first term's positions; a phrase's
				   other terms are checked at p + offs[k] */
				lidx_cursor *c0 = &cur[first].c;
				if ((rc = lidx__cursor_positions(c0, pos, PROX_MAX_POS)) < 0)
					goto done;
				uint32_t n0 = c0->tf_body < PROX_MAX_POS ? c0->tf_body : PROX_MAX_POS;
				uint8_t ok[PROX_MAX_POS / 8];
				memset(ok, 0xff, (n0 + 7) / 8);
				for (uint32_t k = 1; k < al->n_terms; k++) {
					lidx_cursor *ck = &cur[first + k].c;
					uint32_t *pk = pos + PROX_MAX_POS;
					if ((rc = lidx__cursor_positions(ck, pk, PROX_MAX_POS)) < 0)
						goto done;
					uint32_t nk = ck->tf_body < PROX_MAX_POS ? ck->tf_body : PROX_MAX_POS, j = 0;
					for (uint32_t i = 0; i < n0; i++) {
						uint32_t want = pos[i] + al->offs[k];
						while (j < nk && pk[j] < want)
							j++;
						if (!(j < nk && pk[j] == want))
							ok[i / 8] &= (uint8_t)~(1u << (i % 8));
					}
				}
				for (uint32_t i = 0; i < n0; i++)
					if (ok[i / 8] >> (i % 8) & 1)
						if ((rc = occ_push(&occ, &n_occ, &cap_occ, pos[i], (uint32_t)g)) < 0)
							goto done;
			}
		}
		qsort(occ, n_occ, sizeof *occ, occ_cmp);
		double p = prox_score(occ, n_occ, u, acc, has, tit, ng);
		by_doc[h]->score *= 1 - w + w * p;
	}
	for (size_t ci = 0; ci < n_cur; ci++)
		if (cur[ci].open && cur[ci].c.corrupt)
			rc = LIDX_ECORRUPT;
done:
	lidx__free(cur);
	lidx__free(u);
	lidx__free(acc);
	lidx__free(has);
	lidx__free(tit);
	lidx__free(pos);
	lidx__free(by_doc);
	lidx__free(occ);
	return rc;
}
