/*
 * search.c -- ranking. Walks the postings of every query term in doc-id
 * order (document-at-a-time), scores each story that matches at least one
 * group with BM25F, and keeps the best `limit` in a min-heap (no sort of all
 * hits). Called by the CLI (search), match.c and batch mode.
 *
 * Score of a story d for query groups G (Robertson & Zaragoza 2009, BM25F of
 * Robertson, Zaragoza & Taylor 2004, "Simple BM25 extension to multiple
 * weighted fields"):
 *
 *   tf~(t,d) = w_title * tf_title / (1 - b_title + b_title * len_title/avg_title)
 *            +           tf_body  / (1 - b       + b       * len_body /avg_body)
 *   s(t,d)   = idf(t) * tf~ * (k1 + 1) / (k1 + tf~)          (idf: query.c)
 *   score(d) = coord(d) * sum over groups g of weight(g) * max over g's
 *              alternatives of s(alt, d)
 *
 * A phrase alternative counts its occurrences in the body as tf_body and
 * uses the sum of its terms' IDFs. coord(d) (when enabled) is the weighted
 * share of groups that d matches: a story with every word of a short query
 * beats one that repeats one word many times. It applies to queries of at most
 * COORD_MAX_GROUPS groups.
 */
#include <stdlib.h>
#include <math.h>
#include <ctype.h>
#include "query.h"

#define MAX_CURSORS 8192
/*
 * coord rewards matching more of a short query's words; for a long text (a
 * pasted paragraph, a test-collection topic) matching a share of 100 words
 * says little, and plain BM25 sums are both better and much faster to
 * bound (MaxScore), as in Lucene since 7.0.
 */
#define COORD_MAX_GROUPS 10
#define MAX_POS 4096     /* positions of a term in one story used for phrases */
/* keyword queries of at most this many groups weigh proximity (prox_keywords):
   a pasted page's words are near each other everywhere */
#define PROX_MAX_GROUPS 20

void lidx_search_defaults(lidx_search_opts *o)
{
	o->k1 = 1.2;
	o->b = 0.75;
	o->b_title = 0.5;
	o->w_title = 2.5;
	o->coord = 1;
	o->short_floor = 1.0 / 3;
	o->prox = 0.15;
	o->prox_keywords = 0;
	o->limit = 10;
	o->algo = LIDX_ALGO_AUTO;
}

void lidx_results_clear(lidx_results *r)
{
	if (!r)
		return;
	lidx__free(r->hits);
	lidx__free(r->dups);
	lidx__free(r->dup_of);
	memset(r, 0, sizeof *r);
}

/* ---- evaluation state ---------------------------------------------------------- */

typedef struct ccur {
	lidx_cursor c;
	uint32_t *pos;        /* positions of the current doc, when decoded */
	uint32_t n_pos;
	uint32_t pos_doc;     /* doc whose positions are in pos */
	uint32_t ub_block;    /* the block (its last doc) whose bound is in ub */
	int ub_set;
	double ub;
} ccur;

typedef struct eval {
	lidx_index *ix;
	lidx_query *q;
	const lidx_search_opts *o;
	ccur *cur;            /* one per (group, alt, term) */
	size_t n_cur;
	size_t **alt_cur;     /* alt_cur[g][a] = index of the alt's first cursor */
	uint8_t *file_ok;     /* per file id: passes file: filters */
	double total_weight;
	int coord;            /* apply the coord factor (see COORD_MAX_GROUPS) */
	/* the length norms of the story being scored, shared by all its terms
	   (as factors: doc_norms()) */
	uint32_t norm_doc;    /* UINT32_MAX: none yet */
	double it, ib;
} eval;

static int file_passes(lidx_query *q, const char *path)
{
	size_t pl = strlen(path);
	char *low = lidx__malloc(pl + 1);
	if (!low)
		return -1;
	for (size_t i = 0; i <= pl; i++)
		low[i] = (char)tolower((unsigned char)path[i]);
	int ok = q->n_files == 0;
	for (size_t f = 0; f < q->n_files && !ok; f++)
		ok = strstr(low, q->files[f]) != NULL;
	for (size_t f = 0; f < q->n_nofiles && ok; f++)
		ok = strstr(low, q->nofiles[f]) == NULL;
	lidx__free(low);
	return ok;
}

static void eval_free(eval *e)
{
	for (size_t i = 0; i < e->n_cur; i++)
		lidx__free(e->cur[i].pos);
	lidx__free(e->cur);
	if (e->alt_cur)
		for (size_t g = 0; g < e->q->n_groups; g++)
			lidx__free(e->alt_cur[g]);
	lidx__free(e->alt_cur);
	lidx__free(e->file_ok);
}

static int eval_init(eval *e, lidx_index *ix, lidx_query *q, const lidx_search_opts *o)
{
	memset(e, 0, sizeof *e);
	e->norm_doc = UINT32_MAX;
	e->ix = ix;
	e->q = q;
	e->o = o;
	size_t n = 0;
	for (size_t g = 0; g < q->n_groups; g++)
		for (uint32_t a = 0; a < q->groups[g].n_alts; a++)
			n += q->groups[g].alts[a].n_terms;
	if (n > MAX_CURSORS)
		return LIDX_ETOOBIG;
	e->cur = lidx__calloc(n ? n : 1, sizeof *e->cur);
	e->alt_cur = lidx__calloc(q->n_groups ? q->n_groups : 1, sizeof *e->alt_cur);
	e->file_ok = lidx__calloc(ix->n_files ? ix->n_files : 1, 1);
	if (!e->cur || !e->alt_cur || !e->file_ok)
		return LIDX_ENOMEM;
	for (uint32_t f = 0; f < ix->n_files; f++) {
		int ok = file_passes(q, ix->files[f].path);
		if (ok < 0)
			return LIDX_ENOMEM;
		e->file_ok[f] = (uint8_t)ok;
	}
	size_t n_pos = 0;
	for (size_t g = 0; g < q->n_groups; g++)
		n_pos += !q->groups[g].negate;
	e->coord = o->coord && n_pos <= COORD_MAX_GROUPS && n_pos > 0;
	for (size_t g = 0; g < q->n_groups; g++) {
		qgroup *gr = &q->groups[g];
		if (!gr->negate)
			e->total_weight += gr->weight;
		e->alt_cur[g] = lidx__calloc(gr->n_alts ? gr->n_alts : 1, sizeof **e->alt_cur);
		if (!e->alt_cur[g])
			return LIDX_ENOMEM;
		for (uint32_t a = 0; a < gr->n_alts; a++) {
			qalt *al = &gr->alts[a];
			e->alt_cur[g][a] = e->n_cur;
			for (uint32_t k = 0; k < al->n_terms; k++) {
				ccur *c = &e->cur[e->n_cur++];
				c->pos_doc = UINT32_MAX;
				if (!al->present) {
					c->c.doc = UINT32_MAX;
					continue;
				}
				int rc = lidx__cursor_open(ix, &al->t[k], &c->c);
				if (rc < 0)
					return rc;
			}
		}
	}
	return 0;
}

static int cur_positions(ccur *c)
{
	if (c->pos_doc == c->c.doc)
		return 0;
	if (!c->pos) {
		c->pos = lidx__malloc(MAX_POS * sizeof *c->pos);
		if (!c->pos)
			return LIDX_ENOMEM;
	}
	int rc = lidx__cursor_positions(&c->c, c->pos, MAX_POS);
	if (rc < 0)
		return rc;
	c->n_pos = c->c.tf_body < MAX_POS ? c->c.tf_body : MAX_POS;
	c->pos_doc = c->c.doc;
	return 0;
}

/* Occurrences of the phrase alt in doc (all its cursors are on doc). */
static int phrase_count(eval *e, qalt *al, size_t first, uint32_t *count)
{
	*count = 0;
	for (uint32_t k = 0; k < al->n_terms; k++) {
		int rc = cur_positions(&e->cur[first + k]);
		if (rc < 0)
			return rc;
	}
	/* for each position p of the first term, check p + off[k] in term k */
	ccur *c0 = &e->cur[first];
	uint32_t small[16] = { 0 }; /* most phrases: no allocation per story (it was 1/4 of their cost) */
	uint32_t *idx = al->n_terms <= 16 ? small : lidx__calloc(al->n_terms, sizeof *idx);
	if (!idx)
		return LIDX_ENOMEM;
	for (uint32_t i = 0; i < c0->n_pos; i++) {
		uint32_t p = c0->pos[i];
		int ok = 1;
		for (uint32_t k = 1; k < al->n_terms && ok; k++) {
			ccur *ck = &e->cur[first + k];
			uint32_t want = p + al->offs[k];
			while (idx[k] < ck->n_pos && ck->pos[idx[k]] < want)
				idx[k]++;
			ok = idx[k] < ck->n_pos && ck->pos[idx[k]] == want;
		}
		*count += (uint32_t)ok;
	}
	if (idx != small)
		lidx__free(idx);
	return 0;
}

/*
 * A story's BM25F length norms as the factors of its frequencies:
 * tf~ = it * tf_title + ib * tf_body, it = w_title / norm_title and
 * ib = 1 / norm_body (0 for a norm of 0), so that scoring a posting
 * multiplies instead of dividing twice (the divisions were most of a long
 * query's scoring time). Every scorer (the per-story one, the windows')
 * takes its factors from here and its score from term_score(), so a
 * story's score has the same bits whichever path scored it.
 */
static void doc_norms(const eval *e, uint32_t title_len, uint32_t body_len, double *it, double *ib)
{
	const lidx_search_opts *o = e->o;
	double avg_t = e->ix->avg_title, avg_b = e->ix->avg_body;
	double nt = avg_t > 0 ? 1 - o->b_title + o->b_title * title_len / avg_t : 1;
	double nb = avg_b > 0 ? 1 - o->b + o->b * body_len / avg_b : 1;
	*it = nt > 0 ? o->w_title / nt : 0;
	*ib = nb > 0 ? 1 / nb : 0;
}

/* What alternative al's term scores at tf~ tf: c * tf / (k1 + tf), c =
   alt_c(): the alternative's weight times its IDF times (k1 + 1). */
static inline double alt_c(const eval *e, const qalt *al)
{
	return al->w * al->idf * (e->o->k1 + 1);
}

static inline double term_score(double c, double k1, double tf)
{
	return c * tf / (k1 + tf);
}

/* BM25F of alternative al (times its weight) in doc; the length norms are
   computed once per story (from di, unless e holds doc's already). */
static double bm25f(eval *e, const qalt *al, uint32_t tft, uint32_t tfb, uint32_t doc,
                    const lidx_docinfo *di)
{
	if (e->norm_doc != doc) {
		doc_norms(e, di->title_len, di->body_len, &e->it, &e->ib);
		e->norm_doc = doc;
	}
	return term_score(alt_c(e, al), e->o->k1, e->it * tft + e->ib * tfb);
}

/* Score of alternative a of group g for doc (0 if it does not match). */
static int alt_score(eval *e, size_t g, uint32_t a, uint32_t doc, const lidx_docinfo *di, double *out)
{
	qalt *al = &e->q->groups[g].alts[a];
	size_t first = e->alt_cur[g][a];
	*out = 0;
	if (!al->present)
		return 0;
	for (uint32_t k = 0; k < al->n_terms; k++)
		if (e->cur[first + k].c.doc != doc)
			return 0;
	if (al->n_terms == 1) {
		lidx_cursor *c = &e->cur[first].c;
		*out = bm25f(e, al, c->tf_title, c->tf_body, doc, di);
		return 0;
	}
	uint32_t n;
	int rc = phrase_count(e, al, first, &n);
	if (rc < 0)
		return rc;
	if (n)
		*out = bm25f(e, al, 0, n, doc, di);
	return 0;
}

/* The best alternative of group g for doc (0 if none matches). */
static int group_score(eval *e, size_t g, uint32_t doc, const lidx_docinfo *di, double *out)
{
	qgroup *gr = &e->q->groups[g];
	double best = 0;
	for (uint32_t a = 0; a < gr->n_alts; a++) {
		double s;
		int rc = alt_score(e, g, a, doc, di, &s);
		if (rc < 0)
			return rc;
		if (s > best)
			best = s;
	}
	*out = best;
	return 0;
}

/* Score doc: per-group scores into per_group (if not NULL); *excluded set. */
static int score(eval *e, uint32_t doc, double *per_group, double *total, int *excluded)
{
	lidx_docinfo di;
	*total = 0;
	*excluded = 0;
	if (lidx__doc_info(e->ix, doc, &di) < 0)
		return LIDX_ECORRUPT;
	if (!e->file_ok[di.file_id]) {
		*excluded = 1;
		return 0;
	}
	double sum = 0, matched = 0;
	for (size_t g = 0; g < e->q->n_groups; g++) {
		qgroup *gr = &e->q->groups[g];
		double best;
		int rc = group_score(e, g, doc, &di, &best);
		if (rc < 0)
			return rc;
		if (gr->negate) {
			if (best > 0) {
				*excluded = 1;
				return 0;
			}
			continue;
		}
		if (per_group)
			per_group[g] = gr->weight * best;
		if (best > 0) {
			sum += gr->weight * best;
			matched += gr->weight;
		}
	}
	if (e->coord)
		sum *= matched / e->total_weight;
	*total = sum;
	return 0;
}

/* ---- MaxScore helpers ------------------------------------------------------------------ */

/* The cursors of group g are e->cur[*a .. *b). */
static void group_cursors(const eval *e, size_t g, size_t *a, size_t *b)
{
	qgroup *gr = &e->q->groups[g];
	if (!gr->n_alts) {
		*a = *b = 0;
		return;
	}
	*a = e->alt_cur[g][0];
	*b = e->alt_cur[g][gr->n_alts - 1] + gr->alts[gr->n_alts - 1].n_terms;
}

/* A bound on what group g can add to any story: BM25F's tf part is < k1 + 1. */
static double group_ub(const eval *e, size_t g)
{
	qgroup *gr = &e->q->groups[g];
	double best = 0;
	for (uint32_t a = 0; a < gr->n_alts; a++) {
		double u = gr->alts[a].present ? gr->alts[a].w * gr->alts[a].idf * (e->o->k1 + 1) : 0;
		if (u > best)
			best = u;
	}
	return gr->weight * best;
}

static const eval *sort_e;
static int ub_cmp(const void *x, const void *y)
{
	double a = group_ub(sort_e, *(const size_t *)x), b = group_ub(sort_e, *(const size_t *)y);
	return a < b ? -1 : a > b;
}

/*
 * A min-heap of cursors by their current doc, the doc kept in the entry:
 * sifting compares contiguous keys instead of chasing each cursor (the heap
 * was half of a long query's time).
 */
typedef struct hent {
	uint32_t doc, ci;
} hent;

static void ch_push(hent *h, size_t *n, uint32_t doc, uint32_t ci)
{
	size_t i = (*n)++;
	while (i) {
		size_t p = (i - 1) / 2;
		if (h[p].doc <= doc)
			break;
		h[i] = h[p];
		i = p;
	}
	h[i] = (hent){ doc, ci };
}

static void ch_sift_down(hent *h, size_t n, size_t i)
{
	hent x = h[i];
	for (;;) {
		size_t l = 2 * i + 1, m = i;
		uint32_t md = x.doc;
		if (l < n && h[l].doc < md)
			m = l, md = h[l].doc;
		if (l + 1 < n && h[l + 1].doc < md)
			m = l + 1;
		if (m == i)
			break;
		h[i] = h[m];
		i = m;
	}
	h[i] = x;
}

/* ---- top-k heap: the worst kept hit on top ----------------------------------------- */

static int worse(const lidx_hit *a, const lidx_hit *b)
{
	/* lower score is worse; on a tie the later story is worse (stable order) */
	return a->score < b->score || (a->score == b->score && a->story > b->story);
}

static void sift_down(lidx_hit *h, size_t n, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < n && worse(&h[l], &h[m]))
			m = l;
		if (r < n && worse(&h[r], &h[m]))
			m = r;
		if (m == i)
			return;
		lidx_hit t = h[i];
		h[i] = h[m];
		h[m] = t;
		i = m;
	}
}

static void sift_up(lidx_hit *h, size_t i)
{
	while (i) {
		size_t p = (i - 1) / 2;
		if (!worse(&h[i], &h[p]))
			return;
		lidx_hit t = h[i];
		h[i] = h[p];
		h[p] = t;
		i = p;
	}
}

/* Offer h to the top-k heap of n (at most limit) hits. */
static void keep_hit(lidx_hit *heap, size_t *n, size_t limit, lidx_hit h)
{
	if (*n < limit) {
		heap[(*n)++] = h;
		sift_up(heap, *n - 1);
	} else if (worse(&heap[0], &h)) {
		heap[0] = h;
		sift_down(heap, *n, 0);
	}
}

static int hit_cmp(const void *x, const void *y)
{
	const lidx_hit *a = x, *b = y;
	return worse(a, b) ? 1 : worse(b, a) ? -1 : 0;
}

/* ---- long queries: every posting, a window of stories at a time ------------------ */

/*
 * For a long query (a pasted paragraph, a test-collection topic, hundreds
 * of words), the MaxScore walk above spends most of its time keeping a heap
 * of hundreds of cursors in doc order, and prunes little: the words are
 * many and their bounds loose. Scoring term at a time into an array of
 * accumulators, WINDOW stories at a time (Lucene's BooleanScorer), touches
 * each posting once with no heap: about 4x faster on 200-800 word queries
 * over 150,000 stories, with the same scores to rounding (same functions;
 * sums in group order, where MaxScore's run in heap order, so equal stories
 * may differ in the last bit) and an exact total. Used when coord is off and nothing is
 * excluded; phrase alternatives are matched inside the window.
 */
#define WINDOW 4096
/*
 * The weak groups' bounds add up to at most this share of the k-th best
 * score (MaxScore allows up to all of it): the stronger groups' own scores
 * then rule out most of their stories before any weak group's cursor
 * moves. Callgrind, 300- and 800-word queries over 78,270 technical
 * documents: 0.7 runs 18-20% fewer instructions than 1.0 (flat from 0.5 to
 * 0.8). With block bounds and cheaper block decoding (format 3), over 66,000
 * technical documents: 0.5 runs 3% (300 words) and 6% (800) fewer than 0.7,
 * 26% fewer than 1.0; 0.2-0.4 more again. With the scoring's divisions gone
 * and single-term alternatives read in place (30 300- and 800-word queries
 * over the same): 0.27 runs 2.6% and 3.1% fewer than 0.5, 0.2 and 0.35 a
 * little more than 0.27, 0.7 8% more than 0.5.
 */
#define WEAK_SHARE 0.3

typedef struct wstate {
	double acc[WINDOW];       /* the story's score so far (0 unless in_acc) */
	double tmp[WINDOW];       /* the current group's best single-term alternative (0 unless in_tmp) */
	uint16_t touched[WINDOW + 1]; /* the stories the current group marked (multi_collect) */
	uint64_t bits[WINDOW / 64];   /* the same as a bitmap (multi_entries; 0 between uses) */
	/* the window's stories' norms as factors (doc_norms) and files: index
	   d of the window, in the index's cache (win_norms) */
	const double *it, *ib;
	const uint32_t *file_id;
	uint16_t hits[WINDOW + 1]; /* win_term writes one past the listed stories */
	double ubp[WINDOW];       /* the current group's phrase bound (multi_collect) */
	double restd[WINDOW];     /* what the story's essential groups still to score can add */
	uint8_t in_tmp[WINDOW], in_acc[WINDOW];
} wstate;

/*
 * Point w at the norms (doc_norms()) and files of the stories of the window
 * [base, end), kept per open index for the last parameters used (b,
 * b_title, w_title) and made a window at a time when first needed, in one
 * pass over the stories: a long query touches most stories of every window,
 * and reading each one's record when its first posting came was a tenth of
 * the time (cache misses); the next query reads them made. 20 bytes a story.
 */
static int win_norms(eval *e, wstate *w, uint32_t base, uint32_t end)
{
	lidx_index *ix = e->ix;
	const lidx_search_opts *o = e->o;
	size_t n = ix->n_stories, n_win = (n + WINDOW - 1) / WINDOW;
	lidx_norms *nm = ix->norms;
	if (!nm) {
		nm = lidx__malloc(sizeof *nm + n * (2 * sizeof(double) + sizeof(uint32_t)) + n_win);
		if (!nm)
			return LIDX_ENOMEM;
		nm->it = (double *)(nm + 1);
		nm->ib = nm->it + n;
		nm->file_id = (uint32_t *)(nm->ib + n);
		nm->ready = (uint8_t *)(nm->file_id + n);
		nm->b = nm->b_title = nm->w_title = NAN;
		ix->norms = nm;
	}
	if (!(nm->b == o->b && nm->b_title == o->b_title && nm->w_title == o->w_title)) {
		memset(nm->ready, 0, n_win);
		nm->b = o->b;
		nm->b_title = o->b_title;
		nm->w_title = o->w_title;
	}
	if (!nm->ready[base / WINDOW]) {
		for (uint32_t doc = base; doc < end; doc++) {
			lidx_docinfo di;
			int rc = lidx__doc_info(ix, doc, &di);
			if (rc == LIDX_EINVAL) { /* deleted (segments): in no postings */
				nm->it[doc] = nm->ib[doc] = 0;
				nm->file_id[doc] = 0;
				continue;
			}
			if (rc < 0)
				return LIDX_ECORRUPT;
			doc_norms(e, di.title_len, di.body_len, &nm->it[doc], &nm->ib[doc]);
			nm->file_id[doc] = di.file_id;
		}
		nm->ready[base / WINDOW] = 1;
	}
	w->it = nm->it + base;
	w->ib = nm->ib + base;
	w->file_id = nm->file_id + base;
	return 0;
}

static double win_bm25f(const eval *e, const wstate *w, uint32_t d, const qalt *al, uint32_t tft, uint32_t tfb)
{
	return term_score(alt_c(e, al), e->o->k1, w->it[d] * tft + w->ib[d] * tfb);
}

/*
 * The essential groups of several alternatives or a phrase (a compound's
 * whole and the phrase of its parts, a word and its stem variants or
 * aliases), over a window, in two passes. A phrase's positions are a long
 * query's costliest postings, and the groups' global bounds add up to
 * several times the k-th score, so against them every story that has a
 * phrase's lead term had to be matched. The first pass (multi_collect)
 * scores the single-term alternatives and bounds each phrase by its lead
 * term's frequency (a phrase occurs no more often than any of its terms),
 * reading the lead's postings through a copy of its cursor; each story's
 * bound in each group is noted (a group's entries) and added up per story
 * (restd). The second (multi_score) goes over the groups' entries again:
 * a story whose accumulator, its own bounds still to come and the weak
 * groups' bound cannot reach theta is passed (it is then out for good);
 * else its phrases are matched and the group's best alternative added.
 * A group without a phrase is exact after the first pass and goes into acc
 * at once. 30 300-word queries over 66,000 technical documents (callgrind):
 * phrases matched 414,792 -> 102,825 times, lidx_search 1,639M -> 1,457M
 * instructions (800 words: 3,186M -> 2,775M).
 */
typedef struct mentry {
	double single; /* the best single-term alternative's score (0: none) */
	double bound;  /* the most the group adds, over its weight: max(single, phrase bounds) */
	uint16_t d;
	uint8_t flags; /* MENT_SINGLE: a single-term alternative matched; MENT_LEAD: a phrase's lead term is there */
} mentry;
enum { MENT_SINGLE = 1, MENT_LEAD = 2 };

/* The first pass over group g's alternatives in [base, end): w->tmp, w->ubp,
   w->in_tmp, and the stories it marks first in w->touched[0 .. *n_t). */
static int multi_collect(eval *e, wstate *w, size_t g, uint32_t base, uint32_t end, size_t *n_t)
{
	qgroup *gr = &e->q->groups[g];
	const double k1 = e->o->k1;
	int rc = 0;
	for (uint32_t a = 0; a < gr->n_alts && rc == 0; a++) {
		const qalt *al = &gr->alts[a];
		if (!al->present)
			continue;
		size_t first = e->alt_cur[g][a];
		const double ac = alt_c(e, al);
		uint32_t lead = 0;
		for (uint32_t k = 1; k < al->n_terms; k++)
			if (al->t[k].df < al->t[lead].df)
				lead = k; /* a phrase is led by its rarest term */
		/* a phrase's lead through a copy: its own cursor stays for the second pass */
		lidx_cursor copy, *c = &e->cur[first + lead].c;
		if (al->n_terms > 1) {
			memcpy(&copy, c, sizeof copy);
			c = &copy;
		}
		rc = lidx__cursor_seek(c, base);
		while (rc == 0 && c->doc < end) {
			uint32_t k = c->i, n = c->n_in_block;
			if (al->n_terms == 1) {
				for (; k < n && c->docs[k] < end; k++) {
					uint32_t d = c->docs[k] - base;
					double sc = term_score(ac, k1, w->it[d] * c->tft[k] + w->ib[d] * c->tfb[k]);
					w->touched[*n_t] = (uint16_t)d;
					*n_t += !w->in_tmp[d];
					w->in_tmp[d] |= MENT_SINGLE;
					if (sc > w->tmp[d])
						w->tmp[d] = sc;
				}
			} else {
				for (; k < n && c->docs[k] < end; k++) {
					uint32_t d = c->docs[k] - base;
					double ub = term_score(ac, k1, w->ib[d] * c->tfb[k]);
					w->touched[*n_t] = (uint16_t)d;
					*n_t += !w->in_tmp[d];
					w->in_tmp[d] |= MENT_LEAD;
					if (ub > w->ubp[d])
						w->ubp[d] = ub;
				}
			}
			if (k < n) {
				lidx__cursor_to(c, k); /* the first doc at or after end */
				break;
			}
			lidx__cursor_to(c, n - 1);
			rc = lidx__cursor_next(c); /* the next block */
		}
		if (c == &copy && copy.corrupt)
			e->cur[first + lead].c.corrupt = 1;
	}
	return rc;
}

/* A group without a phrase after the first pass: its scores are exact, and
   go into acc at once (as multi_score() would add them). */
static void multi_add(wstate *w, double gw, size_t n_t, size_t *n_hits)
{
	for (size_t i = 0; i < n_t; i++) {
		uint16_t d = w->touched[i];
		if (!w->in_acc[d]) {
			w->in_acc[d] = 1;
			w->hits[(*n_hits)++] = d;
		}
		w->acc[d] += gw * w->tmp[d];
		w->tmp[d] = 0;
		w->in_tmp[d] = 0;
	}
}

/* Group g's entries from the first pass (stories in order, for its cursors'
   seeks: the touched ones through a bitmap), each story's bound added to
   restd; w->tmp, ubp and in_tmp cleared again. */
static int multi_entries(wstate *w, double gw, size_t n_t, mentry **ent, size_t *n_ent, size_t *cap)
{
	if (LIDX_GROW(*ent, *cap, *n_ent + n_t) < 0)
		return LIDX_ENOMEM;
	uint64_t lo = WINDOW / 64, hi = 0;
	for (size_t i = 0; i < n_t; i++) {
		uint32_t d = w->touched[i];
		w->bits[d >> 6] |= 1ull << (d & 63);
		lo = d >> 6 < lo ? d >> 6 : lo;
		hi = d >> 6 > hi ? d >> 6 : hi;
	}
	for (uint64_t word = lo; word <= hi && n_t; word++) {
		uint64_t v = w->bits[word];
		w->bits[word] = 0;
		for (; v; v &= v - 1) {
			uint32_t d = (uint32_t)(word * 64) + (uint32_t)__builtin_ctzll(v);
			mentry *x = &(*ent)[(*n_ent)++];
			x->single = w->tmp[d];
			x->bound = w->ubp[d] > w->tmp[d] ? w->ubp[d] : w->tmp[d];
			x->d = (uint16_t)d;
			x->flags = w->in_tmp[d];
			w->restd[d] += gw * x->bound;
			w->tmp[d] = w->ubp[d] = 0;
			w->in_tmp[d] = 0;
		}
	}
	return 0;
}

/* Group g has a phrase alternative in the index. */
static int has_phrase(const lidx_query *q, size_t g)
{
	const qgroup *gr = &q->groups[g];
	for (uint32_t a = 0; a < gr->n_alts; a++)
		if (gr->alts[a].present && gr->alts[a].n_terms > 1)
			return 1;
	return 0;
}

/*
 * The second pass over group g's entries [x, x + n) in [base, ...): theta >
 * 0: a story that cannot reach it (its accumulator, restd and wrest, the
 * weak groups' bound) is passed and marked out (*skipped set); else its
 * phrases are matched and the group's best alternative goes into acc (the
 * same arithmetic as before the two passes: the best of 0 and every
 * alternative's score, times the group's weight).
 */
static int multi_score(eval *e, wstate *w, size_t g, uint32_t base, const mentry *x, size_t n, double theta,
                       double wrest, size_t *n_hits, int *skipped)
{
	qgroup *gr = &e->q->groups[g];
	const double gw = gr->weight;
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		uint32_t d = x[i].d, doc = base + d;
		if (theta > 0 && (w->acc[d] + w->restd[d] + wrest) * (1.0 + 1e-9) < theta) {
			*skipped = 1;
			w->restd[d] = -HUGE_VAL; /* out: its other groups pass it too */
			continue;
		}
		double best = x[i].single;
		int matched = x[i].flags & MENT_SINGLE;
		for (uint32_t a = 0; (x[i].flags & MENT_LEAD) && a < gr->n_alts && rc == 0; a++) {
			qalt *al = &gr->alts[a];
			if (!al->present || al->n_terms == 1)
				continue;
			size_t first = e->alt_cur[g][a];
			int all = 1;
			for (uint32_t k = 0; k < al->n_terms && all && rc == 0; k++) {
				rc = lidx__cursor_seek(&e->cur[first + k].c, doc);
				all = e->cur[first + k].c.doc == doc;
			}
			uint32_t cnt = 0;
			if (rc == 0 && all)
				rc = phrase_count(e, al, first, &cnt);
			if (rc == 0 && cnt) {
				double sc = win_bm25f(e, w, d, al, 0, cnt);
				matched = 1;
				if (sc > best)
					best = sc;
			}
		}
		if (rc == 0 && matched) {
			if (!w->in_acc[d]) {
				w->in_acc[d] = 1;
				w->hits[(*n_hits)++] = (uint16_t)d;
			}
			w->acc[d] += gw * best;
		}
		w->restd[d] -= gw * x[i].bound;
	}
	return rc;
}

/* ---- block-max bounds ------------------------------------------------------------ */

/* BM25F's length norm of a field (as bm25f()); a field length of 0 when the
   norm would be 0 (b = 1) is taken as 1, the shortest that scores. */
static double len_norm(double b, double len, double avg)
{
	if (!(avg > 0))
		return 1;
	double n = 1 - b + b * len / avg;
	return n > 0 ? n : 1 - b + b * (len < 1 ? 1 : len) / avg;
}

/* The largest tf~ (BM25F's weighted, length-normalized frequency) of a doc
   in a block with bound bd (HUGE_VAL if unknown); body_only: a phrase's,
   which counts body occurrences only and never more than each term's. */
static double bound_tf(const eval *e, const lidx_bound *bd, int body_only)
{
	const lidx_search_opts *o = e->o;
	if (!bd->known)
		return HUGE_VAL;
	double tf = 0, tb = 0;
	if (bd->tft && !body_only)
		tf = o->w_title * bd->tft / len_norm(o->b_title, bd->tl, e->ix->avg_title);
	for (uint32_t k = 0; k < bd->n; k++) {
		double t = bd->tfb[k] / len_norm(o->b, bd->bl[k], e->ix->avg_body);
		if (t > tb)
			tb = t;
	}
	return tf + tb;
}

/* The score of alternative al at tf~ tf (its global bound for HUGE_VAL). */
static double tf_score(const eval *e, const qalt *al, double tf)
{
	const lidx_search_opts *o = e->o;
	if (tf == HUGE_VAL)
		return al->w * al->idf * (o->k1 + 1);
	return tf > 0 ? al->w * al->idf * tf * (o->k1 + 1) / (o->k1 + tf) : 0;
}

static double bound_score(const eval *e, const qalt *al, const lidx_bound *bd)
{
	return tf_score(e, al, bound_tf(e, bd, 0));
}

/*
 * The most single-term alternative al can score in the block cursor c has
 * entered (by lidx__cursor_shallow): BM25F's tf part rises with the
 * frequencies and falls with the lengths, so the block bound's points give
 * its largest tf~ (Ding & Suel 2011, "Faster top-k document retrieval using
 * block-max indexes", with BM25F's two fields bounded apart). A block with
 * no bound gets the alternative's global one. Cached per block.
 */
static int alt_block_ub(eval *e, const qalt *al, ccur *cc, double *out)
{
	lidx_cursor *c = &cc->c;
	if (c->doc == UINT32_MAX) {
		*out = 0;
		return 0;
	}
	if (cc->ub_set && cc->ub_block == c->block_last) {
		*out = cc->ub;
		return 0;
	}
	lidx_bound bd;
	int rc = lidx__cursor_bound(c, &bd);
	if (rc < 0)
		return rc;
	double ub = bound_score(e, al, &bd);
	cc->ub_block = c->block_last;
	cc->ub_set = 1;
	cc->ub = ub;
	*out = ub;
	return 0;
}

/*
 * The most group g can add to story doc, by the blocks that could hold doc
 * (its cursors are moved there by headers: the next seek must be to doc or
 * later). A phrase alternative keeps its global bound.
 */
static int group_block_ub(eval *e, size_t g, uint32_t doc, double *out)
{
	qgroup *gr = &e->q->groups[g];
	double best = 0;
	*out = 0;
	for (uint32_t a = 0; a < gr->n_alts; a++) {
		qalt *al = &gr->alts[a];
		if (!al->present)
			continue;
		size_t first = e->alt_cur[g][a];
		double u;
		if (al->n_terms > 1) {
			/* a phrase: at most the body tf~ of each term's block */
			double tf = HUGE_VAL;
			for (uint32_t k = 0; k < al->n_terms; k++) {
				lidx_cursor *c = &e->cur[first + k].c;
				lidx_bound bd;
				int rc = lidx__cursor_shallow(c, doc);
				if (rc == 0 && c->doc != UINT32_MAX && !(c->decoded && c->doc > doc))
					rc = lidx__cursor_bound(c, &bd);
				else
					bd = (lidx_bound){ .known = 1 }; /* no doc at doc: tf~ 0 */
				if (rc < 0)
					return rc;
				double t = bound_tf(e, &bd, 1);
				if (t < tf)
					tf = t;
			}
			u = tf_score(e, al, tf);
		} else {
			ccur *cc = &e->cur[first];
			int rc = lidx__cursor_shallow(&cc->c, doc);
			if (rc == 0 && cc->c.doc != UINT32_MAX && cc->c.decoded && cc->c.doc > doc)
				u = 0; /* the decoded block has no doc at doc: nothing to add */
			else if (rc < 0 || (rc = alt_block_ub(e, al, cc, &u)) < 0)
				return rc;
		}
		if (u > best)
			best = u;
	}
	*out = gr->weight * best;
	return 0;
}

/* Group g is one single-term alternative (most groups of a long query). */
static int one_term(const lidx_query *q, size_t g)
{
	const qgroup *gr = &q->groups[g];
	return gr->n_alts == 1 && gr->alts[0].n_terms == 1 && gr->alts[0].present;
}

/*
 * A group of one single-term alternative (most groups of a long query) over
 * [base, end): the cursor's decoded block is read in place and the scores go
 * straight into the accumulators, with the same arithmetic as multi_collect() and
 * the accumulation after it (so the same bits), about half the instructions.
 * theta > 0: a block whose bound (times the group's weight) plus others
 * (every other group's bound) is below theta is passed by its header,
 * undecoded (*skipped set): its stories cannot reach the top k (block-max).
 */
static int win_term(eval *e, wstate *w, size_t g, uint32_t base, uint32_t end, double theta,
                    double others, size_t *n_hits, int *skipped)
{
	qgroup *gr = &e->q->groups[g];
	const qalt *al = &gr->alts[0];
	ccur *cc = &e->cur[e->alt_cur[g][0]];
	lidx_cursor *c = &cc->c;
	const double gw = gr->weight, ac = alt_c(e, al), k1 = e->o->k1;
	uint32_t from = base;
	int rc;
	for (;;) {
		while (theta > 0) {
			/* the block that could hold from, by its header */
			if ((rc = lidx__cursor_shallow(c, from)) < 0 || c->doc == UINT32_MAX)
				return rc;
			if (c->decoded)
				break;
			if ((c->blk_first ? c->prev_last : c->prev_last + 1) >= end)
				return 0; /* it starts after the window (a list's first block at its segment's base) */
			double ub;
			if ((rc = alt_block_ub(e, al, cc, &ub)) < 0)
				return rc;
			if ((gw * ub + others) * (1.0 + 1e-9) >= theta)
				break;
			*skipped = 1;
			if (c->block_last >= end - 1)
				return 0;
			from = c->block_last + 1;
		}
		if ((rc = lidx__cursor_seek(c, from)) < 0 || c->doc >= end)
			return rc;
		uint32_t k = c->i, n = c->n_in_block;
		for (; k < n && c->docs[k] < end; k++) {
			uint32_t doc = c->docs[k], d = doc - base;
			double sc = term_score(ac, k1, w->it[d] * c->tft[k] + w->ib[d] * c->tfb[k]);
			/* a story's first score lists it (its acc[d] is 0 until then) */
			w->hits[*n_hits] = (uint16_t)d;
			*n_hits += !w->in_acc[d];
			w->in_acc[d] = 1;
			w->acc[d] += gw * (sc > 0 ? sc : 0); /* multi_score adds the best of 0 and sc */
		}
		if (k < n) {
			lidx__cursor_to(c, k); /* the first doc at or after end */
			return 0;
		}
		lidx__cursor_to(c, n - 1);
		if (c->block_last >= end - 1)
			return 0;
		from = c->block_last + 1; /* the next block */
	}
}

/*
 * The groups that MaxScore leaves out of a window (rank below n_ne) for the
 * candidate story doc, whose essential groups sum to *sum: each group's
 * cursors seek doc, strongest group first, until what is left to add cannot
 * lift the story to the k-th best score (then *sum = -1: dropped). Before a
 * group's postings are decoded, its bound in the block that could hold doc
 * replaces its global one: a story that cannot make the top k with it is
 * dropped by block headers alone (block-max MaxScore).
 */
static int win_weak_groups(eval *e, const wstate *w, const size_t *order, const double *pub, size_t n_ne,
                           uint32_t doc, uint32_t d, double theta, double *sum)
{
	/* the story's norms, loaded when its first group scored it */
	e->norm_doc = doc;
	e->it = w->it[d];
	e->ib = w->ib[d];
	for (size_t k = n_ne; k-- > 0;) {
		if ((*sum + pub[k]) * (1.0 + 1e-9) < theta) {
			*sum = -1;
			return 0;
		}
		size_t g = order[k], a, b;
		double gs, bub;
		int rc = group_block_ub(e, g, doc, &bub);
		if (rc < 0)
			return rc;
		if ((*sum + bub + (k ? pub[k - 1] : 0)) * (1.0 + 1e-9) < theta) {
			*sum = -1;
			return 0;
		}
		if (bub <= 0)
			continue; /* no doc of the group's blocks can be doc */
		group_cursors(e, g, &a, &b);
		for (size_t ci = a; ci < b; ci++)
			if ((rc = lidx__cursor_seek(&e->cur[ci].c, doc)) < 0)
				return rc;
		if ((rc = group_score(e, g, doc, NULL, &gs)) < 0)
			return rc;
		if (gs > 0)
			*sum += e->q->groups[g].weight * gs;
	}
	return 0;
}

/*
 * prune: MaxScore across windows (Turtle & Flood 1995, as Lucene's
 * MaxScoreBulkScorer): once the top k is full, the groups whose score
 * bounds add up to less than the k-th best score (the "non-essential"
 * ones, weakest first) no longer propose stories; a window scores the
 * other groups term at a time, then each story they touched looks up the
 * weak groups (cursor seeks, block skips) only while its bound can still
 * beat the k-th best. Same top k as prune = 0 (every posting scored, exact
 * total); the total then counts only the stories scored to the end.
 */
static int search_windows(eval *e, lidx_hit *heap, size_t limit, size_t *n_out, lidx_results *res,
                          int prune)
{
	lidx_index *ix = e->ix;
	lidx_query *q = e->q;
	size_t ng = q->n_groups;
	wstate *w = lidx__calloc(1, sizeof *w);
	size_t *order = lidx__malloc((ng ? ng : 1) * sizeof *order);
	size_t *rank = lidx__malloc((ng ? ng : 1) * sizeof *rank);
	double *pub = lidx__malloc((ng ? ng : 1) * sizeof *pub);
	size_t *ent_at = lidx__malloc((ng ? ng : 1) * sizeof *ent_at);
	size_t *ent_end = lidx__malloc((ng ? ng : 1) * sizeof *ent_end);
	mentry *ent = NULL;   /* the window's groups' entries (multi_entries) */
	size_t cap_ent = 0;
	size_t n = 0, n_ne = 0;
	int rc = 0;
	if (!w || !order || !rank || !pub || !ent_at || !ent_end) {
		rc = LIDX_ENOMEM;
		goto done;
	}
	/* groups by bound, weakest first; pub[k]: the bound of order[0..k] together */
	for (size_t g = 0; g < ng; g++)
		order[g] = g;
	sort_e = e;
	qsort(order, ng, sizeof *order, ub_cmp);
	for (size_t k = 0; k < ng; k++) {
		rank[order[k]] = k;
		pub[k] = (k ? pub[k - 1] : 0) + group_ub(e, order[k]);
	}
	res->total_exact = 1;
	for (uint32_t base = 0; base < ix->n_stories && rc == 0; base += WINDOW) {
		uint32_t end = ix->n_stories - base > WINDOW ? base + WINDOW : ix->n_stories;
		if ((rc = win_norms(e, w, base, end)) < 0)
			break;
		size_t n_hits = 0;
		double theta = n == limit ? heap[0].score : -1;
		while (prune && n == limit && n_ne < ng && pub[n_ne] * (1.0 + 1e-9) < WEAK_SHARE * theta)
			n_ne++;
		/*
		 * The essential groups of one single term first (win_term), then the
		 * others (phrases, several alternatives: a phrase's positions are a
		 * long query's costliest postings): by then a story's accumulator
		 * holds the first ones' scores, and a story that cannot reach theta
		 * with the bounds of the groups still to come is not matched against
		 * a phrase at all.
		 */
		double gate = prune && n == limit ? theta : 0, wrest = n_ne ? pub[n_ne - 1] : 0;
		int skipped = 0;
		for (size_t g = 0; g < ng && rc == 0; g++) {
			if (rank[g] < n_ne || !one_term(q, g))
				continue; /* non-essential: looked up per candidate below; or below */
			/* what this group's story must add to reach theta with every other group's
			   bound; when the others reach it alone no block can be passed, and
			   its bound is not read (a long query's many groups) */
			double others = pub[ng - 1] - group_ub(e, g);
			double bgate = others * (1.0 + 1e-9) >= gate ? 0 : gate;
			rc = win_term(e, w, g, base, end, bgate, others, &n_hits, &skipped);
		}
		/* the others (phrases, several alternatives) in two passes (multi_collect) */
		size_t n_ent = 0;
		for (size_t g = 0; g < ng && rc == 0; g++) {
			if (rank[g] < n_ne || one_term(q, g))
				continue;
			size_t n_t = 0;
			ent_at[g] = n_ent;
			if ((rc = multi_collect(e, w, g, base, end, &n_t)) < 0)
				break;
			if (has_phrase(q, g))
				rc = multi_entries(w, q->groups[g].weight, n_t, &ent, &n_ent, &cap_ent);
			else
				multi_add(w, q->groups[g].weight, n_t, &n_hits);
			ent_end[g] = n_ent;
		}
		for (size_t g = 0; g < ng && rc == 0; g++)
			if (rank[g] >= n_ne && !one_term(q, g) && ent_end[g] > ent_at[g]) /* (none: no phrase) */
				rc = multi_score(e, w, g, base, ent + ent_at[g], ent_end[g] - ent_at[g], gate, wrest,
				                 &n_hits, &skipped);
		for (size_t i = 0; i < n_ent; i++)
			w->restd[ent[i].d] = 0;
		if (skipped)
			res->total_exact = 0;
		if (n_ne) {
			/* a story that has only weak groups is never a candidate, so never counted */
			res->total_exact = 0;
			/* candidates in doc order, so that the weak groups' cursors only move forward */
			for (uint32_t d = 0; d < end - base && n_hits; d++) {
				if (!w->in_acc[d])
					continue;
				w->in_acc[d] = 0;
				n_hits--;
				double sum = w->acc[d];
				w->acc[d] = 0;
				if (rc < 0 || !e->file_ok[w->file_id[d]])
					continue;
				theta = n == limit ? heap[0].score : -1;
				if ((rc = win_weak_groups(e, w, order, pub, n_ne, base + d, d, theta, &sum)) < 0)
					break;
				if (sum < 0) {
					res->total_exact = 0; /* a story that matched was not counted */
					continue;
				}
				if (!(sum > 0))
					continue;
				res->total++;
				keep_hit(heap, &n, limit, (lidx_hit){ base + d, sum });
			}
			continue;
		}
		for (size_t i = 0; i < n_hits; i++) {
			uint16_t d = w->hits[i];
			double sum = w->acc[d];
			w->in_acc[d] = 0;
			w->acc[d] = 0;
			if (rc < 0 || !e->file_ok[w->file_id[d]] || !(sum > 0))
				continue;
			res->total++;
			keep_hit(heap, &n, limit, (lidx_hit){ base + d, sum });
		}
	}
done:
	lidx__free(w);
	lidx__free(order);
	lidx__free(rank);
	lidx__free(pub);
	lidx__free(ent_at);
	lidx__free(ent_end);
	lidx__free(ent);
	*n_out = n;
	return rc;
}

static int search_core(lidx_index *ix, lidx_query *q, const lidx_search_opts *opts, lidx_results *res,
                       lidx_err *err)
{
	memset(res, 0, sizeof *res);
	lidx_search_opts def;
	if (!opts) {
		lidx_search_defaults(&def);
		opts = &def;
	}
	if (opts->k1 < 0 || opts->b < 0 || opts->b > 1 || opts->b_title < 0 || opts->b_title > 1 ||
	    opts->w_title < 0 || !isfinite(opts->k1) || !isfinite(opts->w_title))
		return lidx__err(err, LIDX_EINVAL, "ranking parameters out of range (k1 >= 0, 0 <= b <= 1)");
	if (opts->algo < LIDX_ALGO_AUTO || opts->algo > LIDX_ALGO_EXHAUSTIVE)
		return lidx__err(err, LIDX_EINVAL, "unknown search algorithm %d", opts->algo);
	size_t limit = opts->limit ? opts->limit : 10;
	if (limit > ix->n_stories)
		limit = ix->n_stories ? ix->n_stories : 1;
	eval e;
	int rc = eval_init(&e, ix, q, opts);
	lidx_hit *heap = NULL;
	size_t *order = NULL, *touched = NULL;
	double *prefix = NULL, *pub = NULL, *pw = NULL;
	hent *ch = NULL;
	uint32_t *popped = NULL, *stk = NULL, *gmark = NULL, *gof = NULL;
	size_t n = 0;
	if (rc < 0)
		goto done;
	heap = lidx__malloc(limit * sizeof *heap);
	if (!heap) {
		rc = LIDX_ENOMEM;
		goto done;
	}
	size_t n_neg = 0;
	for (size_t g = 0; g < q->n_groups; g++)
		n_neg += q->groups[g].negate != 0;
	/* AUTO: the window scorer whenever it applies (coord off, nothing
	   excluded): with block-max skipping it also beats MaxScore on short
	   queries (callgrind, 200 1-3 word queries over 66,000 technical
	   documents: 42% fewer instructions) */
	int windows = opts->algo == LIDX_ALGO_WINDOWS || opts->algo == LIDX_ALGO_EXHAUSTIVE ||
	              opts->algo == LIDX_ALGO_AUTO;
	if (windows && !e.coord && !n_neg) {
		if ((rc = search_windows(&e, heap, limit, &n, res, opts->algo != LIDX_ALGO_EXHAUSTIVE)) < 0)
			goto done;
		goto ranked;
	}
	/*
	 * MaxScore (Turtle & Flood 1995): groups sorted by their score upper
	 * bound; once the k-th best score exceeds what the weakest groups could
	 * add up to, a story that has only those cannot make the top k, so only
	 * the other ("essential") groups' cursors propose candidates, from a
	 * heap ordered by doc id. A candidate whose essential score plus the
	 * weak groups' bound cannot beat the k-th best is dropped before the weak
	 * groups' postings are even read.
	 */
	size_t n_pos = 0;
	for (size_t g = 0; g < q->n_groups; g++)
		n_pos += !q->groups[g].negate;
	order = lidx__malloc((n_pos ? n_pos : 1) * sizeof *order);
	prefix = lidx__malloc((n_pos ? n_pos : 1) * sizeof *prefix);
	pub = lidx__malloc((n_pos ? n_pos : 1) * sizeof *pub);
	pw = lidx__malloc((n_pos ? n_pos : 1) * sizeof *pw);
	ch = lidx__malloc((e.n_cur ? e.n_cur : 1) * sizeof *ch);
	popped = lidx__malloc((e.n_cur ? e.n_cur : 1) * sizeof *popped);
	stk = lidx__malloc((e.n_cur ? e.n_cur : 1) * sizeof *stk);
	gmark = lidx__calloc(q->n_groups ? q->n_groups : 1, sizeof *gmark);
	touched = lidx__malloc((q->n_groups ? q->n_groups : 1) * sizeof *touched);
	gof = lidx__malloc((e.n_cur ? e.n_cur : 1) * sizeof *gof);
	if (!order || !prefix || !pub || !pw || !ch || !popped || !stk || !gmark || !touched || !gof) {
		rc = LIDX_ENOMEM;
		goto done;
	}
	for (size_t g = 0, k = 0; g < q->n_groups; g++) {
		size_t a, b;
		group_cursors(&e, g, &a, &b);
		for (size_t ci = a; ci < b; ci++)
			gof[ci] = (uint32_t)g;
		if (!q->groups[g].negate)
			order[k++] = g;
	}
	sort_e = &e;
	qsort(order, n_pos, sizeof *order, ub_cmp);
	/*
	 * prefix[k]: the most a story matching only order[0..k] can score. With
	 * coord, such a story's score is also scaled by at most the weight share
	 * of those groups, which keeps the bound tight for long queries.
	 */
	double W = e.total_weight > 0 ? e.total_weight : 1;
	int coord = e.coord;
	for (size_t k = 0; k < n_pos; k++) {
		pub[k] = (k ? pub[k - 1] : 0) + group_ub(&e, order[k]);
		pw[k] = (k ? pw[k - 1] : 0) + q->groups[order[k]].weight;
		prefix[k] = pub[k] * (coord ? pw[k] / W : 1.0);
		prefix[k] *= 1.0 + 1e-9; /* float rounding must not prune a tie */
	}
	size_t n_ne = 0;   /* order[0 .. n_ne) are non-essential */
	size_t n_ch = 0;   /* the candidate heap: essential cursors by doc */
	int rebuild = 1;
	res->total_exact = 1;
	for (;;) {
		if (rebuild) {
			n_ch = 0;
			for (size_t k = n_ne; k < n_pos; k++) {
				size_t a, b;
				group_cursors(&e, order[k], &a, &b);
				for (size_t ci = a; ci < b; ci++)
					if (e.cur[ci].c.doc != UINT32_MAX)
						ch_push(ch, &n_ch, e.cur[ci].c.doc, (uint32_t)ci);
			}
			rebuild = 0;
		}
		if (!n_ch)
			break;
		uint32_t doc = ch[0].doc;
		size_t n_popped = 0, n_touched = 0;
		/* the cursors on doc: the subtree of equal keys at the heap's top */
		size_t n_stk = 0;
		stk[n_stk++] = 0;
		while (n_stk) {
			size_t i = stk[--n_stk];
			if (ch[i].doc != doc)
				continue;
			uint32_t ci = ch[i].ci;
			popped[n_popped++] = ci;
			if (gmark[gof[ci]] != doc + 1) {
				gmark[gof[ci]] = doc + 1;
				touched[n_touched++] = gof[ci];
			}
			if (2 * i + 1 < n_ch)
				stk[n_stk++] = (uint32_t)(2 * i + 1);
			if (2 * i + 2 < n_ch)
				stk[n_stk++] = (uint32_t)(2 * i + 2);
		}
		lidx_docinfo di;
		if (lidx__doc_info(ix, doc, &di) < 0) {
			rc = LIDX_ECORRUPT;
			goto done;
		}
		if (e.file_ok[di.file_id]) {
			double sum = 0, mw = 0, gs;
			for (size_t t = 0; t < n_touched; t++) {
				if ((rc = group_score(&e, touched[t], doc, &di, &gs)) < 0)
					goto done;
				if (gs > 0) {
					sum += q->groups[touched[t]].weight * gs;
					mw += q->groups[touched[t]].weight;
				}
			}
			double ub_ne = n_ne ? pub[n_ne - 1] : 0, w_ne = n_ne ? pw[n_ne - 1] : 0;
			double bound = (sum + ub_ne) * (coord ? (mw + w_ne) / W : 1.0) * (1.0 + 1e-9);
			/* with no weak groups the score is already known: count the story */
			if (n < limit || n_ne == 0 || bound >= heap[0].score) {
				/* the weak groups, then the excluded ones */
				for (size_t k = 0; k < n_ne; k++) {
					size_t g = order[k], a, b;
					group_cursors(&e, g, &a, &b);
					for (size_t ci = a; ci < b; ci++)
						if ((rc = lidx__cursor_seek(&e.cur[ci].c, doc)) < 0)
							goto done;
					if ((rc = group_score(&e, g, doc, &di, &gs)) < 0)
						goto done;
					if (gs > 0) {
						sum += q->groups[g].weight * gs;
						mw += q->groups[g].weight;
					}
				}
				int excluded = 0;
				for (size_t g = 0; g < q->n_groups && !excluded; g++) {
					if (!q->groups[g].negate)
						continue;
					size_t a, b;
					group_cursors(&e, g, &a, &b);
					for (size_t ci = a; ci < b; ci++)
						if ((rc = lidx__cursor_seek(&e.cur[ci].c, doc)) < 0)
							goto done;
					if ((rc = group_score(&e, g, doc, &di, &gs)) < 0)
						goto done;
					excluded = gs > 0;
				}
				double sc = coord ? sum * mw / W : sum;
				if (!excluded && sc > 0) {
					res->total++;
					keep_hit(heap, &n, limit, (lidx_hit){ doc, sc });
					while (n == limit && n_ne < n_pos && prefix[n_ne] < heap[0].score) {
						n_ne++;
						rebuild = 1;
						res->total_exact = 0;
					}
				}
			} else {
				res->total_exact = 0; /* a story that matched was not counted */
			}
		}
		if (rebuild) { /* the heap is made again from the essential cursors */
			for (size_t p = 0; p < n_popped; p++)
				if ((rc = lidx__cursor_next(&e.cur[popped[p]].c)) < 0)
					goto done;
			continue;
		}
		/* advance the cursors on doc in place: one sift each, no pop and push */
		while (n_ch && ch[0].doc == doc) {
			lidx_cursor *cu = &e.cur[ch[0].ci].c;
			if ((rc = lidx__cursor_next(cu)) < 0)
				goto done;
			if (cu->doc == UINT32_MAX)
				ch[0] = ch[--n_ch];
			else
				ch[0].doc = cu->doc;
			if (n_ch)
				ch_sift_down(ch, n_ch, 0);
		}
	}
ranked:
	for (size_t ci = 0; ci < e.n_cur; ci++)
		if (e.cur[ci].c.corrupt) {
			rc = LIDX_ECORRUPT;
			goto done;
		}
	qsort(heap, n, sizeof *heap, hit_cmp);
	res->hits = heap;
	res->n_hits = n;
	heap = NULL;
done:
	lidx__free(heap);
	lidx__free(order);
	lidx__free(prefix);
	lidx__free(pub);
	lidx__free(pw);
	lidx__free(ch);
	lidx__free(popped);
	lidx__free(stk);
	lidx__free(gmark);
	lidx__free(touched);
	lidx__free(gof);
	eval_free(&e);
	if (rc < 0) {
		res->total = 0;
		if (rc == LIDX_ECORRUPT)
			return lidx__err(err, rc, "index %s is corrupt (postings)", ix->path);
		if (rc == LIDX_ETOOBIG)
			return lidx__err(err, rc, "the query has too many terms (over %d)", MAX_CURSORS);
		return lidx__err(err, rc, "%s", lidx_strerror(rc));
	}
	return 0;
}

/*
 * A plain-English question's short stories (lidx_search_opts.short_floor):
 * BM25 lifts a short story's every word (a one-line story that says
 * "rollback" once outscores the incident write-up that says it in
 * passing), and a question wants an answer, which takes some words. A story
 * shorter than short_floor times the average story scores in proportion to
 * its length; longer ones are not changed. The factor only lowers scores,
 * so the top `limit` is exact once the best unfetched story (at most the
 * last fetched one's BM25 score) cannot pass the limit-th: fetched again
 * with more if it could. The proximity factor (lidx_search_opts.prox,
 * proximity.c; also keyword queries of 2 to PROX_MAX_GROUPS groups with
 * prox_keywords) is applied in the same loop: it is at most 1 too.
 */
double lidx__short_factor(const lidx_index *ix, const lidx_docinfo *di, double floor)
{
	double avg = ix->avg_title + ix->avg_body;
	if (!(floor > 0) || !(avg > 0))
		return 1.0;
	double r = ((double)di->title_len + di->body_len + 1.0) / avg;
	return r < floor ? r / floor : 1.0;
}

int lidx_search(lidx_index *ix, lidx_query *q, const lidx_search_opts *opts, lidx_results *res,
                lidx_err *err)
{
	if (!opts)
		return search_core(ix, q, opts, res, err);
	lidx_search_opts o = *opts;
	double floor = q->natural ? o.short_floor : 0;
	/* proximity (proximity.c) needs two groups the index has */
	size_t n_pos = 0, n_live = 0;
	for (size_t g = 0; g < q->n_groups; g++) {
		int live = 0;
		for (uint32_t a = 0; a < q->groups[g].n_alts; a++)
			live |= q->groups[g].alts[a].present;
		n_pos += !q->groups[g].negate;
		n_live += live && !q->groups[g].negate;
	}
	double prox = n_live < 2 ? 0 : q->natural ? o.prox : n_pos <= PROX_MAX_GROUPS ? o.prox_keywords : 0;
	if (!(floor > 0) && !(prox > 0))
		return search_core(ix, q, opts, res, err);
	size_t limit = o.limit ? o.limit : 10;
	size_t want = limit * 4 > 64 ? limit * 4 : 64;
	for (;;) {
		o.limit = want;
		int rc = search_core(ix, q, &o, res, err);
		if (rc < 0)
			return rc;
		size_t fetched = res->n_hits;
		double last = fetched ? res->hits[fetched - 1].score : 0;
		for (size_t h = 0; h < fetched; h++) {
			lidx_docinfo di;
			if ((rc = lidx__doc_info(ix, res->hits[h].story, &di)) < 0) {
				lidx_results_clear(res);
				return lidx__err(err, rc, "index %s is corrupt (stories)", ix->path);
			}
			res->hits[h].score *= lidx__short_factor(ix, &di, floor);
		}
		if (prox > 0 && (rc = lidx__prox_apply(ix, q, prox, res->hits, fetched)) < 0) {
			lidx_results_clear(res);
			if (rc == LIDX_ECORRUPT)
				return lidx__err(err, rc, "index %s is corrupt (postings)", ix->path);
			return lidx__err(err, rc, "%s", lidx_strerror(rc));
		}
		qsort(res->hits, fetched, sizeof *res->hits, hit_cmp);
		int exact = fetched < want || want >= ix->n_stories ||
		            (fetched >= limit && res->hits[limit - 1].score >= last);
		if (exact) {
			if (res->n_hits > limit)
				res->n_hits = limit;
			return 0;
		}
		lidx_results_clear(res);
		want = want * 4 < ix->n_stories ? want * 4 : ix->n_stories;
	}
}

int lidx__score_doc(lidx_index *ix, lidx_query *q, const lidx_search_opts *o, uint32_t doc,
                    double *per_group, double *total)
{
	eval e;
	int rc = eval_init(&e, ix, q, o);
	if (rc == 0) {
		for (size_t ci = 0; ci < e.n_cur && rc == 0; ci++)
			rc = lidx__cursor_seek(&e.cur[ci].c, doc);
		int excluded;
		if (rc == 0) {
			for (size_t g = 0; g < q->n_groups; g++)
				per_group[g] = 0;
			rc = score(&e, doc, per_group, total, &excluded);
		}
	}
	eval_free(&e);
	return rc;
}

int lidx_explain(lidx_index *ix, lidx_query *q, const lidx_search_opts *o, uint32_t story,
                 double *per_group, double *total)
{
	lidx_search_opts def;
	if (!o) {
		lidx_search_defaults(&def);
		o = &def;
	}
	if (story >= ix->n_stories)
		return LIDX_EINVAL;
	return lidx__score_doc(ix, q, o, story, per_group, total);
}
