/*
 * question.c -- question understanding: which words of a plain-English
 * interview question frame it ("tell me about a time you ...", "how did you
 * make sure ...", "what did you learn?") and which say what it is about, and
 * how much each topic word should weigh. Called by query.c's parser for
 * queries that read as a question (lidx__looks_like_question).
 *
 * In a few hundred stories, BM25's IDF cannot tell a question's framing from
 * its topic: "sure", "large" or "things" are as rare in the notes as
 * "migration". These do:
 *   1. framing phrases and words of the interview-question genre, dropped
 *      (FRAME: "make sure", "responsible for", "walk me through", "tell",
 *      "situation", "something");
 *   2. words the genre uses around any topic, kept at GENRE_WEIGHT
 *      ("difficult", "challenge", "project", "handle", "learn");
 *   3. for the rest, the word's specificity in general English
 *      (background.c: its IDF in 150,000 passages of books over the
 *      rarest words' IDF), raised to SPEC_POWER: "make" 0.18, "way" 0.27,
 *      "large" 0.43, "migration" 1. A background corpus is the usual remedy
 *      for a collection too small to estimate term weights from (Damerau
 *      1993; the query-side use is Bendersky & Croft 2008, "Discovering key
 *      concepts in verbose queries");
 *   4. idioms that name a topic in other words ("the way your team works":
 *      process), and the related table's phrases ("root cause"), searched
 *      as topics of their own.
 * The lists are the genre's words, not any one corpus's: they come from the
 * common behavioural and technical interview questions.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "query.h"
#include "bgfreq.h"

/* ---- the genre's words ---------------------------------------------------------- */

/*
 * Multi-word framings, matched on the question's words (lower case,
 * apostrophes and other punctuation removed): every word of a match is
 * FRAME. "*" matches one or two words.
 */
static const char *const frame_phrases[] = {
	"make sure", "made sure", "making sure", "makes sure", "be sure",
	"responsible for", "in charge of", "accountable for",
	"deal with", "dealt with", "dealing with",
	"walk me through", "walk us through", "take me through", "take us through",
	"go about", "went about", "going about",
	"for the better", "looking back", "in hindsight",
	"do differently", "done differently", "do it differently", "done it differently",
	"at work", "in your career", "of your career", "your career",
	"your last *", "your previous *", "your current *", "a previous *", "a past *",
	"your past *", "the past", "what happened", "come across", "came across",
	"run into", "ran into", "end up", "ended up", "in production", "a piece of",
	NULL
};

/*
 * Idioms that name a topic in other words ("changed the way your team
 * works" is about its process, "took over a project" about ownership):
 * their own words are FRAME (not those "*" matched) and the topic's word is
 * searched instead, with its set of related words (related.c).
 */
static const struct {
	const char *idiom, *topic;
} idioms[] = {
	{ "the way * works", "process" }, { "the way * work", "process" },
	{ "the way * worked", "process" }, { "way of working", "process" },
	{ "ways of working", "process" },
	{ "went wrong", "failure" }, { "go wrong", "failure" }, { "goes wrong", "failure" },
	{ "took over", "ownership" }, { "take over", "ownership" }, { "taking over", "ownership" },
	{ "step up", "ownership" }, { "stepped up", "ownership" }, { "above and beyond", "ownership" },
	{ "pick up", "learn" }, { "picked up", "learn" }, { "ramp up", "learn" },
	{ "get up to speed", "learn" }, { "got up to speed", "learn" },
	{ "getting up to speed", "learn" }, { "come up to speed", "learn" },
	{ "came up to speed", "learn" }, { "bring * up to speed", "onboarding" },
	{ "brought * up to speed", "onboarding" }, { "get * up to speed", "onboarding" },
	{ "got * up to speed", "onboarding" }, { "them up to speed", "onboarding" },
	{ "speed up", "performance" }, { "sped up", "performance" },
	{ "clean up", "refactor" }, { "cleaned up", "refactor" }, { "paid down", "debt" },
	{ "pay down", "debt" },
	{ "roll back", "rollback" }, { "rolled back", "rollback" }, { "rolling back", "rollback" },
	{ "roll out", "rollout" }, { "rolled out", "rollout" }, { "rolling out", "rollout" },
	{ "scale up", "scale" }, { "scaled up", "scale" }, { "shut down", "decommission" },
	{ "phase out", "deprecate" }, { "phased out", "deprecate" },
	{ "push back", "disagree" }, { "pushed back", "disagree" }, { "say no", "disagree" },
	{ "said no", "disagree" }, { "did not agree", "disagree" }, { "didnt agree", "disagree" },
	{ "do not agree", "disagree" }, { "dont agree", "disagree" }, { "not agree", "disagree" },
	{ "win over", "influence" }, { "won over", "influence" }, { "win * over", "influence" },
	{ "won * over", "influence" }, { "bring * on board", "influence" },
	{ "get buy in", "influence" }, { "got buy in", "influence" },
	{ "leave your", "career" }, { "leaving your", "career" }, { "left your", "career" },
	{ "on time", "deadline" }, { "fell behind", "late" }, { "falling behind", "late" },
	{ "across teams", "collaboration" }, { "across * teams", "collaboration" },
	{ "other teams", "collaboration" }, { "another team", "collaboration" },
	{ "more productive", "efficiency" }, { "productive", "efficiency" },
	{ "productivity", "efficiency" },
	{ "without * data", "ambiguity" }, { "without all the", "ambiguity" },
	{ "incomplete information", "ambiguity" }, { "enough information", "ambiguity" },
	{ "enough data", "ambiguity" },
	{ NULL, NULL }
};

/*
 * Single words that frame a question, compared as the analyzer makes them
 * (Snowball stems). "responsible" is a raw word (below): its stem is
 * response's.
 */
static const char *const frame_stems[] = {
	"tell", "describ", "explain", "share", "give", "walk", "talk", "exampl",
	"instanc", "situat", "time", "occas", "experi", "pleas", "can", "could",
	"would", "will", "like", "us", "me", "recal", "think", "discuss", "mention",
	"provid", "specif", "sure", "ensur", "happen", "ever", "anyth", "someth",
	"someon", "somebodi", "anyon", "everyth", "thing", "stuff", "particular",
	"kind", "sort", "recent", "past", "last", "previous", "current", "moment",
	"scenario", "stori", "yourself", "anoth", "one", "hear",
	NULL
};

/* Raw words (before stemming) that frame a question. */
static const char *const frame_raw[] = {
	"responsible", "did", "does", "do", "done", "got", "get", "went", "go",
	NULL
};

/* Raw words of the genre whose stem is another word's ("production" is
   Snowball's "product"). */
static const char *const genre_raw[] = { "production", NULL };

/*
 * Words the genre puts around every topic ("a difficult project", "the
 * biggest challenge", "how did you handle it", "what was the result", "what
 * did you learn"): kept, since some questions are about them, at
 * GENRE_WEIGHT.
 */
static const char *const genre_stems[] = {
	"difficult", "challeng", "hard", "harder", "hardest", "tough", "tougher",
	"toughest", "big", "bigger", "biggest", "great", "greatest", "larg", "largest",
	"import", "signific", "major", "project", "handl", "approach", "result",
	"outcom", "learn", "face", "job", "role", "compani", "work", "way", "choos",
	"weigh", "consid", "decid", "option", "lesson", "goal", "use", "person",
	"peopl", "team", "complex", "chang", "user", "improv", "system",
	"technic",
	NULL
};

#define GENRE_WEIGHT 0.3
#define SPEC_POWER 1.0

static int in_list(const char *const *list, const char *w, size_t n)
{
	for (int i = 0; list[i]; i++)
		if (strlen(list[i]) == n && !memcmp(list[i], w, n))
			return 1;
	return 0;
}

int lidx__question_stem_class(const char *term, size_t n)
{
	if (in_list(frame_stems, term, n))
		return LIDX__QW_FRAME;
	if (in_list(genre_stems, term, n))
		return LIDX__QW_GENRE;
	return LIDX__QW_TOPIC;
}

double lidx__question_weight(const char *term, int cls)
{
	if (cls == LIDX__QW_FRAME)
		return 0;
	double s = pow(lidx__bg_specificity(term), SPEC_POWER);
	return cls == LIDX__QW_GENRE ? GENRE_WEIGHT * s : s;
}

/* ---- the words of the question ------------------------------------------------------ */

/* A word as a lower-case ASCII key: its letters and digits ("didn't" ->
   "didnt", "Users?" -> "users", "trade-off" -> "tradeoff"), cut at cap - 1. */
static void norm_word(const char *w, size_t n, char *out, size_t cap)
{
	size_t o = 0;
	for (size_t i = 0; i < n && o + 1 < cap; i++)
		if (isalnum((unsigned char)w[i]))
			out[o++] = (char)tolower((unsigned char)w[i]);
	out[o] = 0;
}

enum { MAXW = 512, WORD_CAP = 24 };

/* The end of a match of pattern words pw[k..np) at words[w..n), or 0; lit[i]
   says whether words[i] matched a word of the pattern or a "*". "*" is one
   or two words ("the way * works": "the way your team works"). */
static size_t match_at(char (*pw)[WORD_CAP], size_t np, size_t k, char (*words)[WORD_CAP], size_t n,
                       size_t w, uint8_t *lit)
{
	if (k == np)
		return w;
	if (w >= n)
		return 0;
	if (strcmp(pw[k], "*")) {
		lit[w] = 1;
		return strcmp(pw[k], words[w]) ? 0 : match_at(pw, np, k + 1, words, n, w + 1, lit);
	}
	lit[w] = 0;
	size_t e = match_at(pw, np, k + 1, words, n, w + 1, lit);
	if (e || w + 1 >= n)
		return e;
	lit[w + 1] = 0;
	return match_at(pw, np, k + 1, words, n, w + 2, lit);
}

/* Mark the words of every match of pattern (space-separated words, "*" one
   or two words) in words[0..n) FRAME, those "*" matched only if all; 1 if it
   matched. */
static int mark(const char *pattern, char (*words)[WORD_CAP], size_t n, uint8_t *cls, int all)
{
	char pw[6][WORD_CAP];
	uint8_t lit[MAXW];
	size_t np = 0;
	const char *t = pattern;
	while (*t && np < 6) {
		size_t k = strcspn(t, " ");
		snprintf(pw[np++], sizeof pw[0], "%.*s", (int)k, t);
		t += k;
		while (*t == ' ')
			t++;
	}
	int hit = 0;
	for (size_t w = 0; w < n; w++) {
		size_t e = match_at(pw, np, 0, words, n, w, lit);
		if (!e)
			continue;
		for (size_t k = w; k < e; k++)
			if (all || lit[k])
				cls[k] = LIDX__QW_FRAME;
		hit = 1;
	}
	return hit;
}

size_t lidx__next_word(const char *s, size_t len, size_t *i)
{
	while (*i < len && isspace((unsigned char)s[*i]))
		(*i)++;
	size_t a = *i;
	while (*i < len && !isspace((unsigned char)s[*i]))
		(*i)++;
	return a;
}

int lidx__question_frame_words(const char *s, size_t len, uint8_t *cls, size_t cap,
                               const char **topics, size_t max_topics, size_t *n_topics)
{
	char words[MAXW][WORD_CAP];
	size_t n = 0, i = 0;
	while (i < len && n < cap && n < MAXW) {
		size_t a = lidx__next_word(s, len, &i);
		if (a == i)
			break;
		norm_word(s + a, i - a, words[n], sizeof words[n]);
		size_t wl = strlen(words[n]);
		cls[n] = in_list(frame_raw, words[n], wl) ? LIDX__QW_FRAME
		         : in_list(genre_raw, words[n], wl) ? LIDX__QW_GENRE : LIDX__QW_TOPIC;
		n++;
	}
	for (int p = 0; frame_phrases[p]; p++)
		mark(frame_phrases[p], words, n, cls, 1);
	size_t nt = 0;
	for (int p = 0; idioms[p].idiom; p++)
		if (mark(idioms[p].idiom, words, n, cls, 0) && topics && nt < max_topics) {
			size_t k = 0;
			while (k < nt && strcmp(topics[k], idioms[p].topic))
				k++;
			if (k == nt)
				topics[nt++] = idioms[p].topic;
		}
	/* the related table's phrases ("root cause", "technical debt") are topics
	   of their own, searched as phrases */
	const char *ph;
	for (size_t p = 0; (ph = lidx__related_phrase(p)); p++)
		if (mark(ph, words, n, cls, 1) && topics && nt < max_topics)
			topics[nt++] = ph;
	if (n_topics)
		*n_topics = nt;
	return (int)n;
}

int lidx__looks_like_question(const char *s, size_t len)
{
	static const char *const starts[] = {
		"tell ", "describe ", "what ", "what's ", "what’s ", "how ", "why ", "when ", "where ",
		"which ", "who ", "give ", "walk ", "take me ", "have ", "has ", "can ", "could ",
		"would ", "will ", "share ", "explain ", "talk ", "did ", "do ", "are ", "were ", "is ",
		"was ", "name ", "recall ", "think ", "discuss ", "provide ", "please ", "i'd like",
		"i’d like", "i would like", "in your ", NULL
	};
	size_t i = 0;
	while (i < len && isspace((unsigned char)s[i]))
		i++;
	int words = 0, in = 0;
	for (size_t k = i; k < len; k++) {
		int ws = isspace((unsigned char)s[k]);
		if (!ws && !in)
			words++;
		in = !ws;
	}
	if (words < 5)
		return 0;
	size_t e = len;
	while (e > i && isspace((unsigned char)s[e - 1]))
		e--;
	if (e > i && s[e - 1] == '?')
		return 1;
	for (int k = 0; starts[k]; k++) {
		size_t n = strlen(starts[k]);
		if (len - i >= n && !strncasecmp(s + i, starts[k], n))
			return 1;
	}
	return 0;
}
