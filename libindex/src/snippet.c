/*
 * snippet.c -- evidence for a result: the line(s) of a story that best show
 * why it matched, with the matched words marked. Re-analyzes the story text
 * with the query's analyzer, so highlighting agrees with matching (a stem,
 * a compound part). Called by the CLI for search and match results.
 */
#include <stdlib.h>
#include "query.h"

typedef struct qterm {
	const char *term;
	double idf;
	int single;           /* some alternative is this word alone */
	uint32_t *phrases;    /* the phrase alternatives that start with it: (g, a) pairs */
	size_t n_phrases, cap_phrases;
} qterm;

typedef struct mark {
	size_t start, end;
	uint32_t term;
} mark;

/* One token of the text: the query term it is (or UINT32_MAX), where, and its position. */
typedef struct htok {
	uint32_t term;
	uint32_t pos;
	size_t start, end;
} htok;

typedef struct hl {
	lidx_query *q;
	qterm *terms;
	size_t n_terms;
	size_t *slot;         /* open addressing over terms: index + 1, 0 = empty */
	size_t n_slot;
	htok *toks;
	size_t n_toks, cap_toks;
	mark *marks;
	size_t n_marks, cap_marks;
} hl;

static size_t term_lookup(const hl *h, const char *t, size_t len)
{
	if (!h->n_slot)
		return SIZE_MAX;
	size_t i = lidx_hash(t, len) & (h->n_slot - 1);
	while (h->slot[i]) {
		const qterm *q = &h->terms[h->slot[i] - 1];
		if (!strncmp(q->term, t, len) && q->term[len] == 0)
			return h->slot[i] - 1;
		i = (i + 1) & (h->n_slot - 1);
	}
	return SIZE_MAX;
}

/* The distinct terms of the query's positive groups, each with its IDF x weight. */
static int collect_terms(lidx_query *q, hl *h)
{
	size_t n = 0;
	for (size_t g = 0; g < q->n_groups; g++)
		for (uint32_t a = 0; a < q->groups[g].n_alts; a++)
			n += q->groups[g].alts[a].n_terms;
	h->q = q;
	h->terms = lidx__calloc(n ? n : 1, sizeof *h->terms);
	h->n_slot = 16;
	while (h->n_slot < 2 * n)
		h->n_slot *= 2;
	h->slot = lidx__calloc(h->n_slot, sizeof *h->slot);
	if (!h->terms || !h->slot)
		return LIDX_ENOMEM;
	for (size_t g = 0; g < q->n_groups; g++) {
		if (q->groups[g].negate)
			continue;
		for (uint32_t a = 0; a < q->groups[g].n_alts; a++) {
			qalt *al = &q->groups[g].alts[a];
			for (uint32_t k = 0; k < al->n_terms; k++) {
				size_t len = strlen(al->terms[k]), j = term_lookup(h, al->terms[k], len);
				if (j == SIZE_MAX) {
					double idf = al->t[k].df && q->ix ? lidx__idf(q->ix->n_live, al->t[k].df) : 0.1;
					j = h->n_terms++;
					h->terms[j] = (qterm){ al->terms[k], idf * q->groups[g].weight, 0, NULL, 0, 0 };
					size_t i = lidx_hash(al->terms[k], len) & (h->n_slot - 1);
					while (h->slot[i])
						i = (i + 1) & (h->n_slot - 1);
					h->slot[i] = j + 1;
				}
				qterm *qt = &h->terms[j];
				if (al->n_terms == 1) {
					qt->single = 1;
				} else if (k == 0) {
					if (LIDX_GROW(qt->phrases, qt->cap_phrases, qt->n_phrases + 2) < 0)
						return LIDX_ENOMEM;
					qt->phrases[qt->n_phrases++] = (uint32_t)g;
					qt->phrases[qt->n_phrases++] = a;
				}
			}
		}
	}
	return 0;
}

static int on_tok(void *ctx, const lidx_token *t)
{
	hl *h = ctx;
	size_t j = term_lookup(h, t->term, t->term_len);
	if (j == SIZE_MAX)
		return 0;
	if (LIDX_GROW(h->toks, h->cap_toks, h->n_toks + 1) < 0)
		return LIDX_ENOMEM;
	h->toks[h->n_toks++] = (htok){ (uint32_t)j, t->pos, t->start, t->end };
	return 0;
}

static int add_mark(hl *h, const htok *t)
{
	if (LIDX_GROW(h->marks, h->cap_marks, h->n_marks + 1) < 0)
		return LIDX_ENOMEM;
	h->marks[h->n_marks++] = (mark){ t->start, t->end, t->term };
	return 0;
}

/* Does phrase alternative al start at token i? Marks its tokens if so. */
static int mark_phrase(hl *h, size_t i, const qalt *al)
{
	size_t at[64];
	uint32_t n = al->n_terms < 64 ? al->n_terms : 64;
	at[0] = i;
	for (uint32_t k = 1; k < n; k++) {
		uint32_t want = h->toks[i].pos + al->offs[k];
		size_t found = SIZE_MAX;
		/* tokens come in position order; a whole shares its first part's position */
		for (size_t j = i + 1; j < h->n_toks && h->toks[j].pos <= want; j++)
			if (h->toks[j].pos == want && !strcmp(h->terms[h->toks[j].term].term, al->terms[k])) {
				found = j;
				break;
			}
		if (found == SIZE_MAX)
			return 0;
		at[k] = found;
	}
	for (uint32_t k = 0; k < n; k++) {
		int rc = add_mark(h, &h->toks[at[k]]);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int cmp_mark(const void *x, const void *y)
{
	const mark *a = x, *b = y;
	if (a->start != b->start)
		return a->start < b->start ? -1 : 1;
	return a->end > b->end ? -1 : a->end < b->end;
}

/*
 * The marks of text: every word that some single-word alternative is, and
 * the words of a phrase alternative only where the whole phrase is ("ci/cd"
 * marks "continuous integration" together, never a lone "continuous").
 */
static int find_marks(lidx_analyzer *an, lidx_query *q, const char *text, size_t len, hl *h)
{
	memset(h, 0, sizeof *h);
	int rc = collect_terms(q, h);
	if (rc == 0)
		rc = lidx_analyze(an, text, len, 0, 0, on_tok, h, NULL);
	for (size_t i = 0; rc == 0 && i < h->n_toks; i++) {
		const qterm *qt = &h->terms[h->toks[i].term];
		if (qt->single)
			rc = add_mark(h, &h->toks[i]);
		for (size_t p = 0; rc == 0 && p < qt->n_phrases; p += 2)
			rc = mark_phrase(h, i, &q->groups[qt->phrases[p]].alts[qt->phrases[p + 1]]);
	}
	if (rc < 0)
		return rc;
	/* in text order; a whole (nodejs) and its parts overlap: keep the widest */
	if (h->n_marks)
		qsort(h->marks, h->n_marks, sizeof *h->marks, cmp_mark);
	size_t w = 0;
	for (size_t r = 0; r < h->n_marks; r++) {
		if (w && h->marks[r].start < h->marks[w - 1].end) {
			if (h->marks[r].end > h->marks[w - 1].end)
				h->marks[w - 1].end = h->marks[r].end;
			continue;
		}
		h->marks[w++] = h->marks[r];
	}
	h->n_marks = w;
	return 0;
}

static void hl_free(hl *h)
{
	for (size_t i = 0; h->terms && i < h->n_terms; i++)
		lidx__free(h->terms[i].phrases);
	lidx__free(h->terms);
	lidx__free(h->slot);
	lidx__free(h->toks);
	lidx__free(h->marks);
}

int lidx_highlight(lidx_analyzer *an, lidx_query *q, const char *text, size_t len,
                   lidx_span **marks, size_t *n_marks)
{
	*marks = NULL;
	*n_marks = 0;
	hl h;
	int rc = find_marks(an, q, text, len, &h);
	if (rc == 0 && h.n_marks) {
		*marks = lidx__malloc(h.n_marks * sizeof **marks);
		if (!*marks)
			rc = LIDX_ENOMEM;
		for (size_t i = 0; rc == 0 && i < h.n_marks; i++)
			(*marks)[i] = (lidx_span){ (uint32_t)h.marks[i].start, (uint32_t)h.marks[i].end };
		if (rc == 0)
			*n_marks = h.n_marks;
	}
	hl_free(&h);
	return rc;
}

void lidx_snippet_clear(lidx_snippet *sn)
{
	if (!sn)
		return;
	lidx__free(sn->text);
	lidx__free(sn->marks);
	memset(sn, 0, sizeof *sn);
}

/* Leading indentation and list markers are not evidence. */
static size_t skip_lead(const char *s, size_t a, size_t b)
{
	for (;;) {
		while (a < b && (s[a] == ' ' || s[a] == '\t'))
			a++;
		if (a + 1 < b && (s[a] == '-' || s[a] == '*' || s[a] == '?' || s[a] == '#' || s[a] == '+') &&
		    (s[a + 1] == ' ' || s[a + 1] == '#')) {
			a++;
			continue;
		}
		if (b - a >= 3 && !memcmp(s + a, "\xe2\x80\xa2", 3)) {
			a += 3;
			continue;
		}
		return a;
	}
}

int lidx_snippet_make(lidx_index *ix, lidx_analyzer *an, lidx_query *q, const lidx_story *s,
                      size_t max_bytes, lidx_snippet *out)
{
	(void)ix;
	memset(out, 0, sizeof *out);
	if (max_bytes < 40)
		max_bytes = 40;
	const char *t = s->text;
	size_t len = s->text_len;
	hl h;
	int rc = find_marks(an, q, t, len, &h);
	if (rc < 0) {
		hl_free(&h);
		return rc;
	}
	/* score lines: distinct matched terms by IDF, then how many marks */
	size_t best_a = 0, best_b = 0, line_no = 0, best_line = 0;
	double best = -1;
	size_t mi = 0;
	uint8_t *seen = lidx__calloc(h.n_terms ? h.n_terms : 1, 1);
	if (!seen) {
		hl_free(&h);
		return LIDX_ENOMEM;
	}
	for (size_t a = 0; a <= len; line_no++) {
		size_t b = a;
		while (b < len && t[b] != '\n')
			b++;
		memset(seen, 0, h.n_terms ? h.n_terms : 1);
		double sc = 0;
		while (mi < h.n_marks && h.marks[mi].start < b) {
			if (h.marks[mi].start >= a) {
				if (!seen[h.marks[mi].term])
					sc += h.terms[h.marks[mi].term].idf;
				else
					sc += 0.1 * h.terms[h.marks[mi].term].idf;
				seen[h.marks[mi].term] = 1;
			}
			mi++;
		}
		size_t la = skip_lead(t, a, b);
		if (line_no == 0)
			sc *= 0.6; /* the heading: the title already shows it */
		if (la < b && sc > best) {
			best = sc;
			best_a = la;
			best_b = b;
			best_line = line_no;
		}
		if (b >= len)
			break;
		a = b + 1;
	}
	lidx__free(seen);
	/* cut a long line to a window around its first mark */
	if (best_b > best_a && best_b > 0 && t[best_b - 1] == '\r')
		best_b--;
	size_t a = best_a, b = best_b;
	if (b - a > max_bytes) {
		size_t first = a;
		for (size_t m = 0; m < h.n_marks; m++)
			if (h.marks[m].start >= a && h.marks[m].start < b) {
				first = h.marks[m].start;
				break;
			}
		size_t from = first > a + max_bytes / 4 ? first - max_bytes / 4 : a;
		size_t lim = from > a + max_bytes / 4 ? from - max_bytes / 4 : a, from0 = from;
		while (from > lim && t[from - 1] != ' ')
			from--; /* start at a word, if one starts near */
		if (from > a && t[from - 1] != ' ') {
			from = from0; /* else at a character (a line without spaces) */
			while (from < first && ((unsigned char)t[from] & 0xc0) == 0x80)
				from++;
		}
		size_t to = from + max_bytes < b ? from + max_bytes : b, to0 = to;
		while (to > from + max_bytes / 2 && to < b && t[to] != ' ')
			to--; /* end at a word, if one ends near */
		if (to < b && t[to] != ' ')
			to = to0;
		while (to < b && ((unsigned char)t[to] & 0xc0) == 0x80)
			to++; /* never cut a UTF-8 sequence */
		a = from;
		b = to;
	}
	size_t pre = a > best_a ? 3 : 0, post = b < best_b ? 3 : 0;
	out->text = lidx__malloc(pre + (b - a) + post + 1);
	out->marks = lidx__calloc(h.n_marks ? h.n_marks : 1, sizeof *out->marks);
	if (!out->text || !out->marks) {
		hl_free(&h);
		lidx_snippet_clear(out);
		return LIDX_ENOMEM;
	}
	memcpy(out->text, "...", pre);
	memcpy(out->text + pre, t + a, b - a);
	memcpy(out->text + pre + (b - a), "...", post);
	out->len = pre + (b - a) + post;
	out->text[out->len] = 0;
	for (size_t m = 0; m < h.n_marks; m++)
		if (h.marks[m].start >= a && h.marks[m].end <= b)
			out->marks[out->n_marks++] = (lidx_span){ (uint32_t)(h.marks[m].start - a + pre),
			                                          (uint32_t)(h.marks[m].end - a + pre) };
	out->line = s->line_start + (uint32_t)best_line;
	hl_free(&h);
	return 0;
}
