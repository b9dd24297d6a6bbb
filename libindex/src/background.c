/*
 * background.c -- how specific a term is in general English, for weighing
 * the words of a job description (match.c). The notes alone cannot tell: in
 * a few hundred stories "road", "many" or "whether" are as rare as
 * "template" or "kafka", so by IDF over the notes they weigh as much, push
 * skill words out of the query and make a requirement look covered. A
 * large collection of ordinary English (bgfreq.c: Gutenberg books in
 * passages) tells them apart: the everyday word is in thousands of
 * passages, the skill word in few or none. This is the "background corpus"
 * of keyword extraction (Damerau 1993; the weirdness ratio of Ahmad et al.
 * 1999), as an IDF ratio.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "common.h"
#include "bgfreq.h"

static double bg_idf(double df)
{
	double n = lidx__bg_docs;
	return log(1.0 + (n - df + 0.5) / (df + 0.5)); /* as lidx__idf */
}

static int cmp(const void *k, const void *e)
{
	return strcmp(k, ((const lidx_bgterm *)e)->term);
}

double lidx__bg_specificity(const char *term)
{
	if (!lidx__bg_n || !lidx__bg_docs)
		return 1.0;
	const lidx_bgterm *e = bsearch(term, lidx__bg, lidx__bg_n, sizeof *lidx__bg, cmp);
	if (!e)
		return 1.0;
	double top = bg_idf(lidx__bg_min_df / 2.0);
	double s = bg_idf(e->df) / top;
	return s < 0.05 ? 0.05 : s > 1 ? 1 : s;
}

#ifdef LIDX_TESTING
int lidx__bg_sorted(void)
{
	for (size_t i = 1; i < lidx__bg_n; i++)
		if (strcmp(lidx__bg[i - 1].term, lidx__bg[i].term) >= 0)
			return 0;
	return 1;
}
#endif
