/*
 * query.c -- the query language: words, "exact phrase", -excluded, a OR b,
 * prefix*, file:substring (and -file:). Words go through the same analyzer
 * as the notes, so "Node.js" finds "node.js", "nodejs" and "node js".
 * Plain-English questions lose their framing words ("tell me about a time
 * you ..."), which would otherwise outweigh the topic in a small corpus.
 * Called by the CLI through lidx_query_parse() and by match.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <ctype.h>
#include "query.h"
#include "aliases.h"

#define MAX_GROUPS 4096      /* a query with more groups is refused */
#define MAX_PREFIX_TERMS 64  /* terms a prefix* expands to, at most */

double lidx__idf(uint64_t n, uint64_t df)
{
	/*
	 * Robertson & Sparck Jones IDF as used by BM25 (Robertson & Zaragoza 2009,
	 * eq. 3.3): log((N - df + 0.5) / (df + 0.5)). It is negative for terms in
	 * more than half the documents, which would make a match lower a score;
	 * like Lucene's BM25Similarity we add 1 inside the log, so the IDF is
	 * always > 0 and decreases smoothly with df.
	 */
	if (df > n)
		df = n;
	return log(1.0 + ((double)n - (double)df + 0.5) / ((double)df + 0.5));
}

int lidx__query_new(lidx_query **out, lidx_index *ix)
{
	*out = NULL;
	lidx_query *q = lidx__calloc(1, sizeof *q);
	if (!q)
		return LIDX_ENOMEM;
	q->ix = ix;
	*out = q;
	return 0;
}

static void free_strs(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		lidx__free(v[i]);
	lidx__free(v);
}

static int same_alt(const qalt *a, char *const *terms, const uint32_t *offs, uint32_t n)
{
	if (a->n_terms != n)
		return 0;
	for (uint32_t k = 0; k < n; k++)
		if (strcmp(a->terms[k], terms[k]) || (n > 1 && a->offs[k] != offs[k]))
			return 0;
	return 1;
}

static void group_free(qgroup *gr)
{
	for (uint32_t a = 0; a < gr->n_alts; a++) {
		free_strs(gr->alts[a].terms, gr->alts[a].n_terms);
		lidx__free(gr->alts[a].offs);
		lidx__free(gr->alts[a].t);
	}
	lidx__free(gr->alts);
	lidx__free(gr->label);
}

void lidx__query_pop_group(lidx_query *q)
{
	if (q->n_groups)
		group_free(&q->groups[--q->n_groups]);
}

int lidx__query_group_repeats(lidx_query *q, size_t g)
{
	const qgroup *ng = &q->groups[g];
	for (size_t h = 0; h < g; h++) {
		const qgroup *og = &q->groups[h];
		if (og->negate != ng->negate)
			continue;
		/* only full-weight alternatives: the word and its aliases, not stem
		   variants or related words ("architect" is not "architecture") */
		for (uint32_t a = 0; a < ng->n_alts; a++)
			for (uint32_t b = 0; b < og->n_alts; b++)
				if (ng->alts[a].w >= 1.0 && og->alts[b].w >= 1.0 &&
				    same_alt(&og->alts[b], ng->alts[a].terms, ng->alts[a].offs, ng->alts[a].n_terms))
					return 1;
	}
	return 0;
}

void lidx_query_free(lidx_query *q)
{
	if (!q)
		return;
	for (size_t g = 0; g < q->n_groups; g++)
		group_free(&q->groups[g]);
	lidx__free(q->groups);
	free_strs(q->files, q->n_files);
	free_strs(q->nofiles, q->n_nofiles);
	lidx__free(q->desc);
	lidx__free(q);
}

int lidx__query_add_group(lidx_query *q, const char *label, double weight, int negate)
{
	if (q->n_groups >= MAX_GROUPS)
		return LIDX_ETOOBIG;
	if (LIDX_GROW(q->groups, q->cap_groups, q->n_groups + 1) < 0)
		return LIDX_ENOMEM;
	qgroup *g = &q->groups[q->n_groups];
	memset(g, 0, sizeof *g);
	g->weight = weight;
	g->negate = negate;
	if (label && !(g->label = lidx__strndup(label, strlen(label))))
		return LIDX_ENOMEM;
	return (int)q->n_groups++;
}


int lidx__query_add_alt(lidx_query *q, size_t gi, char *const *terms, const uint32_t *offs, uint32_t n)
{
	qgroup *g = &q->groups[gi];
	if (n == 0)
		return 0;
	for (uint32_t a = 0; a < g->n_alts; a++)
		if (same_alt(&g->alts[a], terms, offs, n))
			return 0;
	if (g->n_alts >= 256)
		return 0; /* enough alternatives: the rest add nothing */
	if (LIDX_GROW(g->alts, g->cap_alts, g->n_alts + 1) < 0)
		return LIDX_ENOMEM;
	qalt *al = &g->alts[g->n_alts];
	memset(al, 0, sizeof *al);
	al->terms = lidx__calloc(n, sizeof *al->terms);
	al->offs = lidx__calloc(n, sizeof *al->offs);
	al->t = lidx__calloc(n, sizeof *al->t);
	if (!al->terms || !al->offs || !al->t)
		goto nomem;
	al->n_terms = n;
	al->present = 1;
	al->w = 1.0;
	for (uint32_t k = 0; k < n; k++) {
		if (!(al->terms[k] = lidx__strndup(terms[k], strlen(terms[k]))))
			goto nomem;
		al->offs[k] = offs ? offs[k] : 0;
		if (q->ix) {
			int rc = lidx__term_find(q->ix, terms[k], strlen(terms[k]), &al->t[k]);
			if (rc == LIDX_ECORRUPT)
				goto corrupt;
			if (rc < 0) {
				al->present = 0;
				al->t[k].df = 0;
			} else {
				al->idf += lidx__idf(q->ix->n_live, al->t[k].df);
			}
		}
	}
	g->n_alts++;
	return 0;
nomem:
	free_strs(al->terms, al->terms ? n : 0);
	lidx__free(al->offs);
	lidx__free(al->t);
	return LIDX_ENOMEM;
corrupt:
	free_strs(al->terms, n);
	lidx__free(al->offs);
	lidx__free(al->t);
	return LIDX_ECORRUPT;
}

/* ---- text -> alternatives ------------------------------------------------------ */

typedef struct qtok {
	char *term;
	uint32_t pos;
	unsigned flags;
} qtok;

typedef struct tokvec {
	qtok *v;
	size_t n, cap;
} tokvec;

static int collect_tok(void *ctx, const lidx_token *t)
{
	tokvec *tv = ctx;
	if (tv->n >= 100000)
		return LIDX_ETOOBIG;
	if (LIDX_GROW(tv->v, tv->cap, tv->n + 1) < 0)
		return LIDX_ENOMEM;
	char *s = lidx__strndup(t->term, t->term_len);
	if (!s)
		return LIDX_ENOMEM;
	tv->v[tv->n++] = (qtok){ s, t->pos, t->flags };
	return 0;
}

static void tokvec_free(tokvec *tv)
{
	for (size_t i = 0; i < tv->n; i++)
		lidx__free(tv->v[i].term);
	lidx__free(tv->v);
	memset(tv, 0, sizeof *tv);
}

/*
 * Snowball does not always give one stem to a family of words: "persevered"
 * -> "persev" but "perseverance" -> "persever", "architect" / "architectur".
 * So a query word also matches index terms that extend its stem by one of
 * the endings where such families part ways (-e, -er, -ur, -ion: persev /
 * persever, architect / architectur, creat / creation), as a weaker
 * alternative (VARIANT_WEIGHT of a full match).
 */
#define VARIANT_WEIGHT 0.7
#define MAX_VARIANTS 4

typedef struct variant_ctx {
	lidx_query *q;
	size_t g;
	size_t base_len, n;
	int rc;
} variant_ctx;

static int on_variant(void *ctx, const char *term, size_t len, const lidx_term *t)
{
	(void)t;
	variant_ctx *v = ctx;
	/* only the endings where Snowball's stems of one family part ways */
	static const char *const endings[] = { "e", "er", "ur", "ion", NULL };
	int ok = 0;
	for (int k = 0; endings[k] && !ok; k++)
		ok = len - v->base_len == strlen(endings[k]) && !memcmp(term + v->base_len, endings[k], len - v->base_len);
	/* "custom" + "er" is "customer", kept apart on purpose (stemkeep.c) */
	if (!ok || lidx__stem_kept_term(term, len))
		return 0;
	for (size_t k = 0; k < len; k++)
		if (!((term[k] >= 'a' && term[k] <= 'z') || (unsigned char)term[k] >= 0x80))
			return 0;
	char *s = (char *)term;
	qgroup *gr = &v->q->groups[v->g];
	uint32_t before = gr->n_alts;
	v->rc = lidx__query_add_alt(v->q, v->g, &s, NULL, 1);
	if (v->rc < 0)
		return v->rc;
	if (gr->n_alts > before)
		gr->alts[gr->n_alts - 1].w = VARIANT_WEIGHT;
	return ++v->n >= MAX_VARIANTS;
}

static int add_variants(lidx_query *q, size_t g, const char *term)
{
	size_t n = strlen(term);
	if (!q->ix || n < 5)
		return 0;
	for (size_t k = 0; k < n; k++)
		if (!(term[k] >= 'a' && term[k] <= 'z'))
			return 0;
	variant_ctx v = { q, g, n, 0, 0 };
	int rc = lidx__term_prefix(q->ix, term, n, 64, on_variant, &v);
	return rc < 0 ? rc : v.rc < 0 ? v.rc : 0;
}

/* Add the phrase of tokens [a, b) that are words or parts (not wholes). */
static int add_phrase(lidx_query *q, size_t g, tokvec *tv, size_t a, size_t b)
{
	char *terms[64];
	uint32_t offs[64];
	uint32_t n = 0, base = 0;
	for (size_t i = a; i < b && n < 64; i++) {
		if (tv->v[i].flags & LIDX_TOK_WHOLE)
			continue;
		if (!n)
			base = tv->v[i].pos;
		terms[n] = tv->v[i].term;
		offs[n] = tv->v[i].pos - base;
		n++;
	}
	return lidx__query_add_alt(q, g, terms, offs, n);
}

int lidx__query_add_text(lidx_query *q, lidx_analyzer *an, size_t g, const char *text,
                         size_t len, int phrase)
{
	tokvec tv = { 0 };
	uint32_t n_pos = 0;
	int rc = lidx_analyze(an, text, len, 0, 0, collect_tok, &tv, &n_pos);
	if (rc < 0)
		goto done;
	if (phrase) {
		/* strict: "on call", "log in" (alias spellings) are not any "call" or "log" */
		int one_left = tv.n == 1 && n_pos > 1;
		if (!(phrase == LIDX__PHRASE_STRICT && one_left))
			rc = add_phrase(q, g, &tv, 0, tv.n);
		goto done;
	}
	/* a compound: its wholes (at the first part's position) and its parts */
	size_t i = 0;
	while (i < tv.n && rc == 0) {
		if (!(tv.v[i].flags & (LIDX_TOK_WHOLE | LIDX_TOK_PART))) {
			char *t = tv.v[i].term;
			rc = lidx__query_add_alt(q, g, &t, NULL, 1);
			if (rc == 0)
				rc = add_variants(q, g, t);
			i++;
			continue;
		}
		size_t j = i;
		int seen_part = 0;
		while (j < tv.n && (tv.v[j].flags & (LIDX_TOK_WHOLE | LIDX_TOK_PART))) {
			if ((tv.v[j].flags & LIDX_TOK_WHOLE) && seen_part)
				break;
			seen_part |= (tv.v[j].flags & LIDX_TOK_PART) != 0;
			j++;
		}
		size_t n_wholes = 0, n_parts = 0;
		for (size_t k = i; k < j && rc == 0; k++)
			if (tv.v[k].flags & LIDX_TOK_WHOLE) {
				char *t = tv.v[k].term;
				rc = lidx__query_add_alt(q, g, &t, NULL, 1);
				n_wholes++;
			} else {
				n_parts++;
			}
		/*
		 * The phrase of the parts, unless stop words left only one: "on-call"
		 * is "oncall" or the phrase "on call", never any "call".
		 */
		if (rc == 0 && (n_parts >= 2 || !n_wholes))
			rc = add_phrase(q, g, &tv, i, j);
		i = j;
	}
done:
	tokvec_free(&tv);
	return rc;
}

/* ---- compounds written joined or apart -------------------------------------------- */

/*
 * People write one compound joined, apart or hyphenated ("codebase", "code
 * base", "code-base"; "backend", "back end"; "teammate", "team mate"). The
 * analyzer already gives a hyphenated compound its whole and its parts
 * (analyze.c), so "on-call" finds "oncall" and "on call"; what is left is a
 * query word written joined where the notes have it apart, and the reverse:
 *   - split: a word of letters only is also the phrase of its two halves
 *     when both are words the notes use ("codebase" -> "code base");
 *   - join: two adjacent words are also their concatenation when the notes
 *     have it as one term ("code base" -> "codebase"), added to both words'
 *     groups, so that the joined form scores as the two words would.
 * Both are exact alternatives (weight 1): the phrase needs its halves
 * side by side, which a false split ("dead line", "car pet") rarely is.
 * Halves of fewer than COMPOUND_MIN_PART letters and stop words ("out" +
 * "come") are not tried.
 */
#define COMPOUND_MIN_PART 3
#define COMPOUND_MAX_WORD 40
/* Only queries of at most this many words (a question, keywords, a test
   topic): a pasted page of text has its own spellings of what it says, and
   each word's splits cost index lookups the long-query loop would pay for. */
#define COMPOUND_MAX_QUERY_WORDS 64

static void label_trim(const char *s, size_t *a, size_t *n);

/* The word s[0..n) as lower-case ASCII letters into out (cap >
   COMPOUND_MAX_WORD), without the punctuation around it; 0 if it has any
   other character or is shorter than min or longer than COMPOUND_MAX_WORD. */
static size_t compound_word(const char *s, size_t n, size_t min, char *out)
{
	size_t a = 0;
	label_trim(s, &a, &n);
	if (n < min || n > COMPOUND_MAX_WORD)
		return 0;
	for (size_t k = 0; k < n; k++) {
		unsigned char c = (unsigned char)s[a + k];
		if (!isalpha(c) || c >= 0x80)
			return 0;
		out[k] = (char)tolower(c);
	}
	out[n] = 0;
	return n;
}

/* The term of s[0..n) into out if the index has it (df > 0): 1, 0 if not
   (a stop word, absent), or an error. */
static int indexed_term(lidx_query *q, lidx_analyzer *an, const char *s, size_t n, char *out, size_t cap)
{
	int rc = lidx__first_term(an, s, n, 0, out, cap);
	if (rc <= 0)
		return rc;
	lidx_term t;
	rc = lidx__term_find(q->ix, out, strlen(out), &t);
	if (rc == LIDX_ECORRUPT)
		return rc;
	return rc == 0 && t.df > 0;
}

/* The other spelling of a compound (alternative a of gr) counts no more than
   the word as the query wrote it (gr's first alternative): a phrase's IDF
   is the sum of its words' and a joined term is rarer than either word, so
   either would otherwise outscore the word itself. */
static void as_written(qgroup *gr, uint32_t a)
{
	const qalt *own = &gr->alts[0];
	qalt *al = &gr->alts[a];
	if (own->present && own->idf > 0 && al->idf > own->idf)
		al->w = own->idf / al->idf;
}

/* Add to group g the phrase of the two halves of the word s[0..n), for
   each way of cutting it into two words the index has (at most two). */
static int add_splits(lidx_query *q, lidx_analyzer *an, size_t g, const char *s, size_t n)
{
	char w[COMPOUND_MAX_WORD + 1], t1[96], t2[96];
	size_t len = q->ix ? compound_word(s, n, 2 * COMPOUND_MIN_PART, w) : 0;
	int added = 0;
	for (size_t k = COMPOUND_MIN_PART; k + COMPOUND_MIN_PART <= len && added < 2; k++) {
		int rc = indexed_term(q, an, w, k, t1, sizeof t1);
		if (rc == 1)
			rc = indexed_term(q, an, w + k, len - k, t2, sizeof t2);
		if (rc < 0)
			return rc;
		if (rc == 0)
			continue;
		char *terms[2] = { t1, t2 };
		static const uint32_t offs[2] = { 0, 1 };
		uint32_t before = q->groups[g].n_alts;
		if ((rc = lidx__query_add_alt(q, g, terms, offs, 2)) < 0)
			return rc;
		if (q->groups[g].n_alts > before)
			as_written(&q->groups[g], before);
		added++;
	}
	return 0;
}

/* Add to groups g1 and g2 the term of the words a[0..na) and b[0..nb)
   written as one, if the index has it. */
static int add_join(lidx_query *q, lidx_analyzer *an, size_t g1, size_t g2, const char *a, size_t na,
                    const char *b, size_t nb)
{
	char w1[COMPOUND_MAX_WORD + 1], w2[COMPOUND_MAX_WORD + 1], t[96];
	if (!q->ix)
		return 0;
	size_t l1 = compound_word(a, na, COMPOUND_MIN_PART, w1);
	size_t l2 = compound_word(b, nb, COMPOUND_MIN_PART, w2);
	if (!l1 || !l2 || l1 + l2 > COMPOUND_MAX_WORD)
		return 0;
	memcpy(w1 + l1, w2, l2 + 1);
	int rc = indexed_term(q, an, w1, l1 + l2, t, sizeof t);
	if (rc <= 0)
		return rc;
	char *terms[1] = { t };
	size_t gs[2] = { g1, g2 };
	for (int k = 0; k < 2; k++) {
		uint32_t before = q->groups[gs[k]].n_alts;
		if ((rc = lidx__query_add_alt(q, gs[k], terms, NULL, 1)) < 0)
			return rc;
		if (q->groups[gs[k]].n_alts > before)
			as_written(&q->groups[gs[k]], before);
	}
	return 0;
}

/* ---- prefix* ------------------------------------------------------------------- */

typedef struct prefix_ctx {
	lidx_query *q;
	size_t g;
} prefix_ctx;

static int on_prefix_term(void *ctx, const char *term, size_t len, const lidx_term *t)
{
	(void)len;
	(void)t;
	prefix_ctx *pc = ctx;
	char *s = (char *)term;
	return lidx__query_add_alt(pc->q, pc->g, &s, NULL, 1);
}

typedef struct first_tok {
	char *term;
	size_t cap;
	int found;
} first_tok;

static int take_first(void *ctx, const lidx_token *t)
{
	first_tok *f = ctx;
	if (f->found || t->term_len >= f->cap)
		return 0;
	memcpy(f->term, t->term, t->term_len + 1);
	f->found = 1;
	return 0;
}

int lidx__first_term(lidx_analyzer *an, const char *s, size_t n, unsigned opts, char *out, size_t cap)
{
	first_tok ft = { out, cap, 0 };
	out[0] = 0;
	int rc = lidx_analyze(an, s, n, opts, 0, take_first, &ft, NULL);
	return rc < 0 ? rc : ft.found;
}

/* ---- the parser --------------------------------------------------------------------- */

static int add_filter(char ***v, size_t *n, size_t *cap, const char *s, size_t len)
{
	if (LIDX_GROW(*v, *cap, *n + 1) < 0)
		return LIDX_ENOMEM;
	char *f = lidx__strndup(s, len);
	if (!f)
		return LIDX_ENOMEM;
	for (char *p = f; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	(*v)[(*n)++] = f;
	return 0;
}

static int describe(lidx_query *q)
{
	lidx_buf b = { 0 };
	int rc = 0;
	for (size_t g = 0; g < q->n_groups && rc == 0; g++) {
		qgroup *gr = &q->groups[g];
		if (g)
			rc = lidx_buf_putc(&b, ' ');
		if (gr->negate)
			rc |= lidx_buf_putc(&b, '-');
		rc |= lidx_buf_putc(&b, '[');
		for (uint32_t a = 0; a < gr->n_alts && rc == 0; a++) {
			qalt *al = &gr->alts[a];
			if (a)
				rc |= lidx_buf_put(&b, " | ", 3);
			if (al->n_terms > 1)
				rc |= lidx_buf_putc(&b, '"');
			for (uint32_t k = 0; k < al->n_terms; k++) {
				if (k)
					rc |= lidx_buf_putc(&b, ' ');
				rc |= lidx_buf_put(&b, al->terms[k], strlen(al->terms[k]));
			}
			if (al->n_terms > 1)
				rc |= lidx_buf_putc(&b, '"');
		}
		rc |= lidx_buf_putc(&b, ']');
		if (gr->weight != 1.0) {
			char w[32];
			int n = snprintf(w, sizeof w, "^%.2f", gr->weight);
			rc |= lidx_buf_put(&b, w, (size_t)n);
		}
	}
	for (size_t f = 0; f < q->n_files && rc == 0; f++) {
		rc |= lidx_buf_put(&b, " file:", 6);
		rc |= lidx_buf_put(&b, q->files[f], strlen(q->files[f]));
	}
	for (size_t f = 0; f < q->n_nofiles && rc == 0; f++) {
		rc |= lidx_buf_put(&b, " -file:", 7);
		rc |= lidx_buf_put(&b, q->nofiles[f], strlen(q->nofiles[f]));
	}
	rc |= lidx_buf_putc(&b, 0);
	if (rc) {
		lidx_buf_free(&b);
		return LIDX_ENOMEM;
	}
	lidx__free(q->desc);
	q->desc = (char *)b.p;
	return 0;
}

size_t lidx_query_group_count(lidx_query *q)
{
	return q->n_groups;
}

const char *lidx_query_group_label(lidx_query *q, size_t g)
{
	if (g >= q->n_groups)
		return "";
	qgroup *gr = &q->groups[g];
	if (gr->label)
		return gr->label;
	return gr->n_alts ? gr->alts[0].terms[0] : "";
}

int lidx_query_group_negated(lidx_query *q, size_t g)
{
	return g < q->n_groups && q->groups[g].negate;
}

const char *lidx_query_describe(lidx_query *q)
{
	if (!q->desc && describe(q) < 0)
		return "";
	return q->desc;
}

static int drop_empty_groups(lidx_query *q)
{
	size_t w = 0;
	for (size_t g = 0; g < q->n_groups; g++) {
		if (q->groups[g].n_alts) {
			q->groups[w++] = q->groups[g];
		} else {
			lidx__free(q->groups[g].alts);
			lidx__free(q->groups[g].label);
		}
	}
	q->n_groups = w;
	return 0;
}

/*
 * A word's label (--explain, JSON "parsed") without the punctuation that
 * wraps it in the text: "failed?" and "(kafka)" are labelled failed and
 * kafka. A word of punctuation only keeps it.
 */
static void label_trim(const char *s, size_t *a, size_t *n)
{
	while (*n > 1 && strchr("?!.,;:)]\"'", s[*a + *n - 1]))
		(*n)--;
	while (*n > 1 && strchr("([\"'", s[*a])) {
		(*a)++;
		(*n)--;
	}
}

static int parse_ops(lidx_query *q, lidx_analyzer *an, const char *s, size_t len, lidx_err *err)
{
	size_t i = 0;
	int pending_or = 0;
	int last_group = -1;
	int rc;
	while (i < len) {
		while (i < len && isspace((unsigned char)s[i]))
			i++;
		if (i >= len)
			break;
		int neg = 0;
		if (s[i] == '-' && (i == 0 || isspace((unsigned char)s[i - 1]))) {
			if (i + 1 >= len || isspace((unsigned char)s[i + 1]))
				return lidx__err(err, LIDX_ESYNTAX,
				                 "a lone '-' in the query: write -word to exclude a word");
			neg = 1;
			i++;
		}
		size_t a, b;
		int phrase = 0, prefix = 0;
		if (s[i] == '"') {
			a = ++i;
			while (i < len && s[i] != '"')
				i++;
			if (i >= len)
				return lidx__err(err, LIDX_ESYNTAX,
				                 "unbalanced quote in the query: close the phrase with \" or remove the \"");
			b = i++;
			phrase = 1;
		} else {
			a = i;
			while (i < len && !isspace((unsigned char)s[i]) && s[i] != '"')
				i++;
			b = i;
		}
		size_t n = b - a;
		if (!phrase && !neg && n == 2 && !memcmp(s + a, "OR", 2)) {
			if (last_group < 0 || pending_or)
				return lidx__err(err, LIDX_ESYNTAX, "OR needs a word on each side");
			pending_or = 1;
			continue;
		}
		if (!phrase && n >= 5 && !strncasecmp(s + a, "file:", 5)) {
			if (n == 5)
				return lidx__err(err, LIDX_ESYNTAX, "file: needs a value, as in file:tanium");
			if (pending_or)
				return lidx__err(err, LIDX_ESYNTAX, "OR cannot join a file: filter");
			rc = neg ? add_filter(&q->nofiles, &q->n_nofiles, &q->cap_nofiles, s + a + 5, n - 5)
			         : add_filter(&q->files, &q->n_files, &q->cap_files, s + a + 5, n - 5);
			if (rc < 0)
				return lidx__err(err, rc, "out of memory");
			continue;
		}
		if (!phrase && n > 1 && s[b - 1] == '*') {
			prefix = 1;
			n--;
		}
		if (!phrase && n == 1 && s[a] == '*')
			return lidx__err(err, LIDX_ESYNTAX, "a lone '*': write prefix* to match words that start with prefix");
		int g;
		if (pending_or) {
			if (neg)
				return lidx__err(err, LIDX_ESYNTAX, "OR cannot join an -excluded word");
			g = last_group;
			pending_or = 0;
		} else {
			char label[128];
			size_t la = a, ln = n > 100 ? 100 : n;
			if (!phrase)
				label_trim(s, &la, &ln);
			snprintf(label, sizeof label, "%s%.*s", phrase ? "\"" : "", (int)ln, s + la);
			if (phrase)
				strncat(label, "\"", sizeof label - strlen(label) - 1);
			if ((g = lidx__query_add_group(q, label, 1.0, neg)) < 0)
				return lidx__err(err, g, g == LIDX_ETOOBIG ? "the query has too many words (over %d)"
				                                           : "out of memory", MAX_GROUPS);
		}
		if (prefix) {
			char first[160];
			rc = lidx__first_term(an, s + a, n, LIDX_ANALYZE_NOSTEM | LIDX_ANALYZE_STOPWORDS, first,
			                      sizeof first);
			if (rc < 0)
				return lidx__err(err, rc, "out of memory");
			if (rc == 1 && q->ix) {
				prefix_ctx pc = { q, (size_t)g };
				rc = lidx__term_prefix(q->ix, first, strlen(first), MAX_PREFIX_TERMS,
				                       on_prefix_term, &pc);
				if (rc < 0)
					return lidx__err(err, rc, rc == LIDX_ECORRUPT ? "index is corrupt (lexicon)"
					                                              : "out of memory");
			}
		} else {
			rc = lidx__query_add_text(q, an, (size_t)g, s + a, n, phrase);
			if (rc == 0 && !phrase)
				rc = lidx__alias_expand(q, an, (size_t)g); /* k8s -> kubernetes (aliases.c) */
			if (rc == 0 && !phrase)
				rc = add_splits(q, an, (size_t)g, s + a, n); /* codebase -> "code base" */
			if (rc < 0)
				return lidx__err(err, rc, rc == LIDX_ECORRUPT ? "index is corrupt (lexicon)"
				                          : rc == LIDX_ETOOBIG ? "the query is too long"
				                                               : "out of memory");
		}
		last_group = g;
	}
	if (pending_or)
		return lidx__err(err, LIDX_ESYNTAX, "OR needs a word on each side");
	return 0;
}

/*
 * A long text (a pasted description, a test-collection topic) repeats its
 * words: one met before, byte for byte, adds its weight to the group it
 * went to the first time (nothing if it had no searchable term) without
 * being analyzed and looked up again. The same as the long way, where its
 * alternatives, the same as the first time's, merge into that group (a
 * third of an 800-word query's parse). Not for a question, whose words
 * weigh by their place.
 */
typedef struct seen_word {
	uint32_t off, len; /* len 0: a free slot */
	int32_t group;     /* the group it went to; -1: none */
} seen_word;

typedef struct seen_set {
	seen_word *v;
	size_t mask;
} seen_set;

static void seen_init(seen_set *ws, const char *s, size_t len)
{
	size_t n = 0, i = 0, cap = 16;
	while (lidx__next_word(s, len, &i) != i)
		n++;
	while (cap < 2 * n)
		cap *= 2;
	ws->v = len < UINT32_MAX ? lidx__calloc(cap, sizeof *ws->v) : NULL; /* none: every word the long way */
	ws->mask = cap - 1;
}

/* The slot of word s[a..a+n): its entry, or the free slot for it. */
static seen_word *seen_slot(const seen_set *ws, const char *s, size_t a, size_t n)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	for (size_t k = 0; k < n; k++)
		h = (h ^ (uint8_t)s[a + k]) * 16777619u;
	for (size_t i = h & ws->mask;; i = (i + 1) & ws->mask) {
		seen_word *e = &ws->v[i];
		if (!e->len || (e->len == n && !memcmp(s + e->off, s + a, n)))
			return e;
	}
}

/*
 * Raw text: every word is a group; repeated words add to its weight. A
 * question (natural) loses its framing words and weighs the others by
 * question.c: "Tell me about a large migration you were responsible for"
 * is [migrat] and a lighter [larg]. A word is also its compound split
 * ("codebase" -> "code base"); joins: two adjacent words are also the term
 * they make written as one ("code base" -> "codebase"; see add_join()).
 */
static int parse_raw_words(lidx_query *q, lidx_analyzer *an, const char *s, size_t len, int natural,
                           int joins, seen_set *ws, lidx_err *err)
{
	uint8_t cls[256];
	const char *topics[8];
	size_t n_topics = 0;
	size_t n_cls = 0;
	if (natural)
		n_cls = (size_t)lidx__question_frame_words(s, len, cls, sizeof cls, topics, 8, &n_topics);
	size_t i = 0;
	size_t n_words = 0;
	for (size_t k = 0; k < len && lidx__next_word(s, len, &k) != k;)
		n_words++;
	int splits = n_words <= COMPOUND_MAX_QUERY_WORDS;
	joins = joins && splits;
	/* with joins a group may hold a join's alternatives that a later copy of
	   its word would not: such a (short) query takes the long way */
	int use_seen = ws->v && !joins;
	int prev_g = -1; /* the previous word's group, if it has one */
	size_t prev_w = 0, prev_a = 0, prev_n = 0;
	for (size_t w = 0; i < len; w++) {
		size_t a = lidx__next_word(s, len, &i); /* the words question.c classed */
		if (a == i)
			break;
		if (w < n_cls && cls[w] == LIDX__QW_FRAME) {
			prev_g = -1;
			continue; /* "make sure", "responsible for" */
		}
		seen_word *seen = use_seen && q->n_groups < MAX_GROUPS ? seen_slot(ws, s, a, i - a) : NULL;
		if (seen && seen->len) {
			if (seen->group >= 0)
				q->groups[seen->group].weight += 1.0;
			prev_g = -1;
			continue;
		}
		char label[104];
		size_t la = a, ll = i - a > 100 ? 100 : i - a;
		label_trim(s, &la, &ll);
		snprintf(label, sizeof label, "%.*s", (int)ll, s + la);
		int g = lidx__query_add_group(q, label, 1.0, 0);
		if (g < 0)
			return lidx__err(err, g, g == LIDX_ETOOBIG ? "the text has too many distinct words"
			                                           : "out of memory");
		int rc = lidx__query_add_text(q, an, (size_t)g, s + a, i - a, 0);
		if (rc == 0)
			rc = lidx__alias_expand(q, an, (size_t)g); /* k8s -> kubernetes (aliases.c) */
		if (rc == 0 && splits && q->groups[g].n_alts)
			rc = add_splits(q, an, (size_t)g, s + a, i - a); /* codebase -> "code base" */
		if (rc < 0)
			return lidx__err(err, rc, rc == LIDX_ECORRUPT ? "index is corrupt (lexicon)" : "out of memory");
		qgroup *gr = &q->groups[g];
		if (natural && gr->n_alts) {
			const char *t = gr->alts[0].terms[0];
			int c = lidx__question_stem_class(t, strlen(t));
			if (w < n_cls && cls[w] > c)
				c = cls[w];
			gr->weight = lidx__question_weight(t, c);
			if (c == LIDX__QW_FRAME) {
				for (uint32_t k = 0; k < gr->n_alts; k++) {
					free_strs(gr->alts[k].terms, gr->alts[k].n_terms);
					lidx__free(gr->alts[k].offs);
					lidx__free(gr->alts[k].t);
				}
				gr->n_alts = 0;
			}
		}
		/* a repeated word adds to the weight of its first occurrence */
		int into = gr->n_alts ? g : -1;
		for (int h = 0; h < g && gr->n_alts; h++) {
			qgroup *o = &q->groups[h];
			int same = o->n_alts == gr->n_alts;
			for (uint32_t k = 0; same && k < gr->n_alts; k++)
				same = same_alt(&o->alts[k], gr->alts[k].terms, gr->alts[k].offs, gr->alts[k].n_terms);
			if (!same)
				continue;
			o->weight += gr->weight;
			for (uint32_t k = 0; k < gr->n_alts; k++) {
				free_strs(gr->alts[k].terms, gr->alts[k].n_terms);
				lidx__free(gr->alts[k].offs);
				lidx__free(gr->alts[k].t);
			}
			gr->n_alts = 0;
			into = h;
		}
		if (seen)
			*seen = (seen_word){ (uint32_t)a, (uint32_t)(i - a), into };
		if (!gr->n_alts) {
			lidx__free(gr->alts);
			lidx__free(gr->label);
			q->n_groups--;
			prev_g = -1;
			continue;
		}
		/* "code base" -> "codebase" in both groups */
		if (joins && prev_g >= 0 && prev_w + 1 == w &&
		    (rc = add_join(q, an, (size_t)prev_g, (size_t)g, s + prev_a, prev_n, s + a, i - a)) < 0)
			return lidx__err(err, rc, rc == LIDX_ECORRUPT ? "index is corrupt (lexicon)" : "out of memory");
		prev_g = g;
		prev_w = w;
		prev_a = a;
		prev_n = i - a;
	}
	/* the topics idioms name: "the way your team works" -> process, workflow, ... */
	for (size_t t = 0; t < n_topics; t++) {
		int g = lidx__query_add_group(q, topics[t], 1.0, 0);
		if (g < 0)
			return lidx__err(err, g, g == LIDX_ETOOBIG ? "the text has too many distinct words"
			                                           : "out of memory");
		int phrase = strchr(topics[t], ' ') ? LIDX__PHRASE_STRICT : 0;
		int rc = lidx__query_add_text(q, an, (size_t)g, topics[t], strlen(topics[t]), phrase);
		if (rc < 0)
			return lidx__err(err, rc, rc == LIDX_ECORRUPT ? "index is corrupt (lexicon)" : "out of memory");
		if (!q->groups[g].n_alts || lidx__query_group_repeats(q, (size_t)g))
			lidx__query_pop_group(q);
	}
	/* then the words of the topics the question's words belong to */
	int rc = natural ? lidx__related_expand(q, an) : 0;
	if (rc < 0)
		return lidx__err(err, rc, rc == LIDX_ECORRUPT ? "index is corrupt (lexicon)" : "out of memory");
	return 0;
}

static int parse_raw(lidx_query *q, lidx_analyzer *an, const char *s, size_t len, int natural,
                     int joins, lidx_err *err)
{
	seen_set ws = { 0 };
	if (!natural)
		seen_init(&ws, s, len);
	int rc = parse_raw_words(q, an, s, len, natural, joins, &ws, err);
	lidx__free(ws.v);
	return rc;
}

int lidx_query_parse(lidx_query **out, lidx_index *ix, lidx_analyzer *an, const char *text,
                     size_t len, unsigned flags, lidx_err *err)
{
	*out = NULL;
	lidx_query *q;
	if (lidx__query_new(&q, ix) < 0)
		return lidx__err(err, LIDX_ENOMEM, "out of memory");
	int rc;
	int has_ops = 0;
	for (size_t i = 0; i < len && !has_ops; i++)
		has_ops = text[i] == '"' || text[i] == '*' || (text[i] == '-' && (i == 0 || isspace((unsigned char)text[i - 1]))) ||
		          (i + 5 <= len && !strncasecmp(text + i, "file:", 5)) ||
		          (i + 2 <= len && !memcmp(text + i, "OR", 2) && (i == 0 || text[i - 1] == ' ') &&
		           (i + 2 == len || text[i + 2] == ' '));
	if ((flags & LIDX_QUERY_RAW) || !has_ops) {
		int natural = !(flags & LIDX_QUERY_RAW) && lidx__looks_like_question(text, len);
		/* raw text (batch, a test collection's topics): no joins, measured
		   on Cranfield (docs/ANALYSIS.md) */
		int joins = !(flags & LIDX_QUERY_RAW);
		rc = parse_raw(q, an, text, len, natural, joins, err);
		drop_empty_groups(q);
		if (rc == 0 && natural && q->n_groups == 0) {
			/* only framing words ("tell me about yourself"): keep them */
			rc = parse_raw(q, an, text, len, 0, joins, err);
		} else if (natural) {
			q->natural = 1;
		}
	} else {
		rc = parse_ops(q, an, text, len, err);
	}
	if (rc < 0)
		goto fail;
	drop_empty_groups(q);
	size_t pos = 0;
	for (size_t g = 0; g < q->n_groups; g++)
		pos += !q->groups[g].negate;
	if (!pos) {
		rc = lidx__err(err, LIDX_EEMPTY, q->n_groups || q->n_files || q->n_nofiles
		               ? "the query excludes or filters but has no word to search for"
		               : "the query has no searchable words (only stop words or punctuation?)");
		goto fail;
	}
	*out = q;
	return 0;
fail:
	lidx_query_free(q);
	return rc;
}
