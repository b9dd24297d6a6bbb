/*
 * query.h -- the parsed form of a query, shared by query.c (parser),
 * search.c (ranking), snippet.c (highlighting) and match.c (job
 * descriptions build their queries with lidx__query_add_*).
 *
 * A query is a list of groups. A group is one thing the user asked for
 * ("kafka", "rate limiting", "node.js", "k8s OR kubernetes"); it matches a
 * story if any of its alternatives does, and scores the best alternative.
 * An alternative is a term or a phrase (terms at fixed relative positions).
 */
#ifndef LIDX_QUERY_H
#define LIDX_QUERY_H

#include "index.h"

typedef struct qalt {
	uint32_t n_terms;     /* 1: a term; more: a phrase */
	char **terms;         /* analyzed terms */
	uint32_t *offs;       /* relative positions (phrases) */
	lidx_term *t;         /* resolved in the index (t[k].df == 0: absent) */
	double idf;           /* sum of the terms' IDFs */
	int present;          /* every term is in the index */
	double w;             /* 1, or less for a stem variant (query.c) */
} qalt;

typedef struct qgroup {
	qalt *alts;
	uint32_t n_alts;
	size_t cap_alts;
	int negate;           /* -excluded */
	double weight;        /* query-side weight (1 for typed words) */
	char *label;          /* what the user wrote, for --explain */
} qgroup;

struct lidx_query {
	lidx_index *ix;
	qgroup *groups;
	size_t n_groups, cap_groups;
	char **files;         /* file: filters (substring, case-insensitive) */
	size_t n_files, cap_files;
	char **nofiles;       /* -file: filters */
	size_t n_nofiles, cap_nofiles;
	char *desc;
	int natural;          /* question framing words were dropped */
};

/* BM25's IDF with Lucene's +1 (never negative; see search.c). */
double lidx__idf(uint64_t n_docs, uint64_t df);

/* Create an empty query on ix. */
int lidx__query_new(lidx_query **out, lidx_index *ix);
/* Append a group (label may be NULL); returns its index or a negative code. */
int lidx__query_add_group(lidx_query *q, const char *label, double weight, int negate);
/* Remove the last group (one that repeats an earlier one, say). */
void lidx__query_pop_group(lidx_query *q);
/* 1 if group g has an alternative an earlier group has too (k8s after kubernetes). */
int lidx__query_group_repeats(lidx_query *q, size_t g);
/* A plain-English question's words: add the words of their behavioural or
   technical topic (fail -> mistake, setback; migrate -> move, transition)
   as weaker alternatives, each topic once (related.c). */
int lidx__related_expand(lidx_query *q, lidx_analyzer *an);
/* The i-th entry of several words of the related table ("root cause"), or
   NULL after the last: question.c finds them in questions. */
const char *lidx__related_phrase(size_t i);
#ifdef LIDX_TESTING
/* 0 if every entry of the table adds an alternative, else 1 and the first
   bad one ("set/entry") in bad (related.c). */
int lidx__related_check(lidx_analyzer *an, char *bad, size_t cap);
#endif
/*
 * Question understanding (question.c). A word of a question is FRAME (the
 * question's framing: dropped), GENRE (a word interview questions put around
 * any topic: kept, lighter) or TOPIC.
 */
enum { LIDX__QW_TOPIC = 0, LIDX__QW_GENRE = 1, LIDX__QW_FRAME = 2 };
/* 1 if s reads as a plain-English question (five words or more, ending in '?'
   or opening as questions do: "tell", "describe", "how", ...). */
int lidx__looks_like_question(const char *s, size_t len);
/* The next word of s from *i (words are split at blanks, as the question
   parser and the query parser both count them): its start, *i after its end;
   none left when the start equals *i. */
size_t lidx__next_word(const char *s, size_t len, size_t *i);
/*
 * The class of each whitespace-separated word of s by the genre's framing
 * phrases, idioms and raw words ("make sure", "responsible for", "the way
 * your team works"), into cls[0..cap); returns the number of words
 * classified. The topics the idioms name ("process") go to topics[0..max_topics)
 * (static strings), their number to *n_topics (topics may be NULL).
 */
int lidx__question_frame_words(const char *s, size_t len, uint8_t *cls, size_t cap,
                               const char **topics, size_t max_topics, size_t *n_topics);
/* The class of an analyzed term (a Snowball stem) by the genre's word lists. */
int lidx__question_stem_class(const char *term, size_t n);
/* The query weight of a question's term of class cls: 0 for FRAME, else its
   specificity in general English (background.c), lighter for GENRE. */
double lidx__question_weight(const char *term, int cls);
/* The first term lidx_analyze(opts) makes of s[0..n) into out: 1, 0 if none
   (or it does not fit cap), or an error. */
int lidx__first_term(lidx_analyzer *an, const char *s, size_t n, unsigned opts, char *out, size_t cap);
/* Add a term or phrase alternative to group g; the index is looked up. */
int lidx__query_add_alt(lidx_query *q, size_t g, char *const *terms, const uint32_t *offs, uint32_t n);
/*
 * Analyze text and add what it says to group g as alternatives (a word, a
 * compound's whole and parts). phrase: all words of text form one phrase;
 * LIDX__PHRASE_STRICT: and one that stop words left with a single word
 * ("on call") adds nothing.
 */
#define LIDX__PHRASE_STRICT 2
int lidx__query_add_text(lidx_query *q, lidx_analyzer *an, size_t g, const char *text,
                         size_t len, int phrase);

/* Per-group score contributions of one story (for --explain). */
int lidx__score_doc(lidx_index *ix, lidx_query *q, const lidx_search_opts *o, uint32_t doc,
                    double *per_group, double *total);

#endif
