/*
 * stemkeep.c -- words Snowball would conflate with a different everyday
 * word, kept apart (looked up by the analyzer before stemming, analyze.c).
 *
 * Snowball English strips derivational suffixes, so a word that names a
 * person, a party or a thing of its own falls onto a verb or noun that
 * means something else in career writing: "customers" onto "custom" ("custom
 * APIs"), "developers" onto "develop" (every "development"), "providers"
 * onto "provide", "production" onto "product", "dependencies" onto
 * "depending on", "business" onto "busy", "initiative" onto "initial",
 * "integrity" onto "integration". A question or a job ad that asks about one
 * then matches the other (issue #9). Each family below gets a term of its
 * own (the word, or its forms' common part), which the other word's forms
 * do not stem to, so it meets only its own forms.
 *
 * Only families whose two senses differ are listed, not those that are one
 * concept (manage / manager, secure / security); a word that is in the table
 * is not stemmed further. The table is sorted (strcmp) for bsearch; the unit
 * tests check it.
 */
#include <stdlib.h>
#include <string.h>
#include "common.h"

static const char *const keep[][2] = {
	{ "accountability", "accountabl" }, { "accountable", "accountabl" },
	{ "business", "business" },         { "businesses", "business" },
	{ "customer", "customer" },         { "customers", "customer" },
	{ "dependencies", "dependency" },   { "dependency", "dependency" },
	{ "developer", "developer" },       { "developers", "developer" },
	{ "initiative", "initiative" },     { "initiatives", "initiative" },
	{ "integrity", "integrity" },
	{ "objective", "objective" },       { "objectives", "objective" },
	{ "production", "production" },
	{ "productivity", "productivity" },
	{ "provider", "provider" },         { "providers", "provider" },
};

static int cmp(const void *k, const void *e)
{
	return strcmp(k, (*(const char *const (*)[2])e)[0]);
}

const char *lidx__stem_keep(const char *w, size_t n)
{
	char tmp[24];
	/* a possessive ("customer's", "customers'") is its word */
	if (n > 2 && w[n - 2] == '\'' && w[n - 1] == 's')
		n -= 2;
	else if (n > 1 && w[n - 1] == '\'')
		n--;
	if (n < 8 || n >= sizeof tmp)
		return NULL;
	memcpy(tmp, w, n);
	tmp[n] = 0;
	const char *const (*e)[2] = bsearch(tmp, keep, sizeof keep / sizeof *keep, sizeof *keep, cmp);
	return e ? (*e)[1] : NULL;
}

int lidx__stem_kept_term(const char *t, size_t n)
{
	for (size_t i = 0; i < sizeof keep / sizeof *keep; i++)
		if (strlen(keep[i][1]) == n && !memcmp(keep[i][1], t, n))
			return 1;
	return 0;
}

#ifdef LIDX_TESTING
int lidx__stem_keep_sorted(void)
{
	for (size_t i = 1; i < sizeof keep / sizeof *keep; i++)
		if (strcmp(keep[i - 1][0], keep[i][0]) >= 0)
			return 0;
	return 1;
}
#endif
