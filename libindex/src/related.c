/*
 * related.c -- the words behavioural interview questions use for the
 * topics the notes file under other words: "Tell me about a time you
 * failed" is answered by the story headed "Past Mistake", "your biggest
 * weakness" by "Areas to improve", "when you disagreed" by "Conflict".
 * The sets are the standard categories of behavioural interviews (failure,
 * conflict, weakness, mentoring, perseverance, pressure, influence,
 * ambiguity, pride, feedback, teamwork), not words of any one corpus.
 *
 * Applied by query.c to plain-English questions only (a keyword query
 * means its words), as weaker alternatives of the question's words
 * (RELATED_WEIGHT of a match of the word itself), like the stem variants.
 */
#include <pthread.h>
#include "query.h"

#define RELATED_WEIGHT 0.6

static const char *const sets[][6] = {
	{ "fail", "failure", "mistake", "setback", NULL },
	{ "disagree", "disagreement", "conflict", "dispute", NULL },
	{ "weakness", "improve", "improvement", NULL },
	{ "mentor", "coach", "onboarding", NULL },
	{ "persevere", "perseverance", "persistence", "resilience", NULL },
	{ "pressure", "deadline", NULL },
	{ "influence", "persuade", "convince", NULL },
	{ "ambiguity", "ambiguous", "unclear", "uncertainty", NULL },
	{ "proud", "accomplishment", "achievement", NULL },
	{ "criticism", "feedback", NULL },
	{ "teamwork", "collaboration", NULL },
};

#define N_SETS (sizeof sets / sizeof *sets)

/* The table's words as terms, made once per process (every analyzer stems alike). */
static char stems[N_SETS][6][96];
static int stems_ready;
static pthread_mutex_t stems_mu = PTHREAD_MUTEX_INITIALIZER;

static int make_stems(lidx_analyzer *an)
{
	int rc = 0;
	pthread_mutex_lock(&stems_mu);
	for (size_t s = 0; s < N_SETS && rc >= 0 && !stems_ready; s++)
		for (int k = 0; sets[s][k] && rc >= 0; k++)
			rc = lidx__first_term(an, sets[s][k], strlen(sets[s][k]), 0, stems[s][k], sizeof stems[s][k]);
	if (rc >= 0)
		stems_ready = 1;
	pthread_mutex_unlock(&stems_mu);
	return rc < 0 ? rc : 0;
}

int lidx__related_expand(lidx_query *q, lidx_analyzer *an, size_t g)
{
	qgroup *gr = &q->groups[g];
	if (gr->n_alts == 0 || gr->alts[0].n_terms != 1)
		return 0;
	char word[96];
	if (strlen(gr->alts[0].terms[0]) >= sizeof word)
		return 0;
	strcpy(word, gr->alts[0].terms[0]); /* adding alternatives may move it */
	int rc = make_stems(an);
	if (rc < 0)
		return rc;
	for (size_t s = 0; s < N_SETS; s++) {
		int in = 0;
		for (int k = 0; sets[s][k] && !in; k++)
			in = !strcmp(stems[s][k], word);
		if (!in)
			continue;
		for (int k = 0; sets[s][k]; k++) {
			if (!stems[s][k][0] || !strcmp(stems[s][k], word))
				continue;
			char *t = stems[s][k];
			uint32_t before = q->groups[g].n_alts;
			if ((rc = lidx__query_add_alt(q, g, &t, NULL, 1)) < 0)
				return rc;
			if (q->groups[g].n_alts > before)
				q->groups[g].alts[q->groups[g].n_alts - 1].w = RELATED_WEIGHT;
		}
	}
	return 0;
}
