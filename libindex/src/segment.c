/*
 * segment.c -- one notes file -> stories. Called by the builder for every
 * file of a corpus. Looks at the content, not the file name:
 *   - Logseq outlines: tab-nested "- " blocks, key:: value properties;
 *   - Markdown: # .. ###### headings (and plain headings under them);
 *   - plain text: short lines without closing punctuation that introduce
 *     prose ("Tanium", "New GraphQL APIs", "Shared Infra:").
 * Every file becomes a tree of heading nodes. A subtree that is short enough
 * (MAX_STORY lines) is one story; a longer one is split into its children,
 * recursively. STAR-style labels (Situation/Task/Action/Result, Headline/
 * Effect/Rationale/Operations, Context/Learning ...) never start a story:
 * they stay inside the story they belong to. Stories that are still too long
 * (a heading with pages of prose) are cut at blank lines into parts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <ctype.h>
#include <strings.h>
#include "common.h"

#define MAX_STORY 40      /* lines: a subtree up to this long stays one story */
#define MAX_LEAF 80       /* lines: a story longer than this is cut into parts */
#define PART_LINES 50     /* the parts' length, at most about */
#define MAX_LEVEL 200     /* deeper outlines are flattened at this depth */
#define PLAIN_BASE 7      /* plain-text headings nest under Markdown's 1..6 */
#define MAX_TITLE 160

typedef struct line {
	size_t start, end;    /* bytes, end excludes "\r\n" */
	unsigned blank : 1, noise : 1, cand : 1, bullet : 1;
	unsigned setext : 2;  /* 1 or 2: a heading underlined with === or --- */
	unsigned front : 1;   /* inside YAML front matter */
} line;

typedef struct node {
	size_t line;          /* index of the heading line */
	int level;
	int absorb;           /* a STAR label: never its own story */
	int question;         /* an interview question: with its answer, a story of its own */
	int parent;           /* index of the parent node or -1 */
	int first_kid;        /* first direct child that is not absorbed, or -1 */
	int next_kid;         /* next such sibling, or -1 */
	size_t end;           /* line after the subtree */
	char *title;
} node;

typedef struct seg {
	const char *text;     /* the cleaned text */
	size_t len;
	line *lines;
	size_t n_lines, cap_lines;
	node *nodes;
	size_t n_nodes, cap_nodes;
	lidx_segments *out;
	size_t cap_stories;
	const char *name;
} seg;

/* ---- small string helpers ------------------------------------------------ */

static size_t skip_ws(const char *s, size_t i, size_t end)
{
	while (i < end && (s[i] == ' ' || s[i] == '\t'))
		i++;
	return i;
}

static size_t trim_end(const char *s, size_t start, size_t end)
{
	while (end > start && (s[end - 1] == ' ' || s[end - 1] == '\t'))
		end--;
	return end;
}

static int starts_with(const char *s, size_t i, size_t end, const char *pfx)
{
	size_t n = strlen(pfx);
	return end - i >= n && !memcmp(s + i, pfx, n);
}

/* A Logseq/org property line "key:: value". Sets *key_end. */
static int is_property(const char *s, size_t i, size_t end, size_t *key_end)
{
	size_t k = i;
	while (k < end && (isalnum((unsigned char)s[k]) || s[k] == '-' || s[k] == '_'))
		k++;
	if (k == i || k + 2 > end || s[k] != ':' || s[k + 1] != ':')
		return 0;
	*key_end = k;
	return 1;
}

/*
 * Lines that carry no content: the Logseq UI state (collapsed::, id::),
 * the planning dates of Logseq and org-mode ("DEADLINE: <2024-12-10 Tue>",
 * which would make every "deadline" question match a task list), and an
 * empty outline block (a lone "-").
 */
static int is_noise_line(const char *s, size_t i, size_t end)
{
	static const char *const keys[] = { "collapsed::", "id::", "heading::", "background-color::",
	                                    "logseq.order-list-type::", "DEADLINE: <", "SCHEDULED: <",
	                                    NULL };
	for (int k = 0; keys[k]; k++)
		if (starts_with(s, i, end, keys[k]))
			return 1;
	size_t e = end;
	while (e > i && (s[e - 1] == ' ' || s[e - 1] == '\t'))
		e--;
	return e == i + 1 && (s[i] == '-' || s[i] == '*');
}

/* "- ", "* ", "+ ", "• ", "? " (an export's mangled bullet), "1. ", "1) " */
static int is_bullet(const char *s, size_t i, size_t end)
{
	if (i >= end)
		return 0;
	if ((s[i] == '-' || s[i] == '*' || s[i] == '+' || s[i] == '?' || s[i] == '>') &&
	    (i + 1 == end || s[i + 1] == ' ' || s[i + 1] == '\t'))
		return 1;
	if (starts_with(s, i, end, "\xe2\x80\xa2") || starts_with(s, i, end, "\xe2\x80\x93 ") ||
	    starts_with(s, i, end, "\xc2\xb7 "))
		return 1; /* bullet, en dash, middle dot */
	size_t k = i;
	while (k < end && isdigit((unsigned char)s[k]))
		k++;
	return k > i && k + 1 < end && (s[k] == '.' || s[k] == ')') && s[k + 1] == ' ';
}

/* ATX heading: up to 3 spaces, 1-6 '#', then space or end. Returns level or 0. */
static int atx_level(const char *s, size_t i, size_t end)
{
	size_t k = i, sp = 0;
	while (k < end && s[k] == ' ' && sp < 4)
		k++, sp++;
	if (sp > 3)
		return 0;
	int lv = 0;
	while (k < end && s[k] == '#' && lv < 7)
		k++, lv++;
	if (lv < 1 || lv > 6)
		return 0;
	if (k < end && s[k] != ' ' && s[k] != '\t')
		return 0;
	return lv;
}

/*
 * A question an interview asks, written as a heading: it ends with '?', or
 * it opens like one ("Tell me about yourself", "Follow up: How do you ...").
 * In interview-prep notes each such question and its answer is a story.
 */
static int question_opener(const char *s, size_t i, size_t end)
{
	static const char *const openers[] = {
		"tell me", "describe a", "describe the", "describe your", "follow up:", "follow-up:",
		"how do you", "how did you", "how would you", "how have you", "what is your",
		"what are your", "what would you", "what was your", "why do you", "why did you",
		"walk me through", "give me an example", "give an example", "have you ever",
		"can you describe", "can you tell", "talk about a", NULL
	};
	for (int k = 0; openers[k]; k++) {
		size_t n = strlen(openers[k]);
		if (end - i >= n && !strncasecmp(s + i, openers[k], n))
			return 1;
	}
	return 0;
}

static int count_words(const char *s, size_t i, size_t end)
{
	int n = 0, in = 0;
	for (; i < end; i++) {
		int ws = s[i] == ' ' || s[i] == '\t';
		if (!ws && !in)
			n++;
		in = !ws;
	}
	return n;
}

/*
 * The shape of a plain-text heading: short, starts with a capital or digit,
 * no closing punctuation, no "a, b" list, not a bullet or a URL.
 */
static int heading_shape(const char *s, size_t i, size_t end)
{
	i = skip_ws(s, i, end);
	end = trim_end(s, i, end);
	/* a line that is all bold: **Runbook Optimization** */
	if (end - i > 4 && starts_with(s, i, end, "**")) {
		size_t e2 = end;
		if (s[e2 - 1] == ':')
			e2--;
		if (e2 - i > 4 && s[e2 - 1] == '*' && s[e2 - 2] == '*') {
			for (size_t k = i + 2; k + 2 < e2; k++)
				if (s[k] == '*' && s[k + 1] == '*')
					return 0; /* **a** and **b**: not one bold line */
			i += 2;
			end = e2 - 2;
		}
	}
	if (i >= end || end - i > (question_opener(s, i, end) ? 220u : 90u))
		return 0; /* a heading is short; an interview question may run longer */
	unsigned char c = (unsigned char)s[i];
	if (!(isupper(c) || isdigit(c) || c >= 0xc0))
		return 0;
	if (is_bullet(s, i, end) || starts_with(s, i, end, "http"))
		return 0;
	size_t ke;
	if (is_property(s, i, end, &ke))
		return 0;
	int asks = question_opener(s, i, end);
	for (size_t k = i; k + 1 < end && !asks; k++)
		if (s[k] == ',' && s[k + 1] == ' ')
			return 0; /* "Go, Kafka, Redis": a list, unless a question asks it */
	static const char *const pronouns[] = { "I ", "We ", "You ", "They ", "He ", "She ", "It ",
	                                        "My ", "Our ", "This ", "That ", "These ", "Those ",
	                                        "There ", "Then ", "And ", "But ", "So ", NULL };
	for (int k = 0; pronouns[k]; k++)
		if (starts_with(s, i, end, pronouns[k]))
			return 0; /* a sentence that introduces a list, not a heading */
	char last = s[end - 1];
	int words = count_words(s, i, end);
	if (last == '?')
		return words <= 14 || (words <= 30 && asks);
	if (last == '.' || last == ',' || last == ';' || last == '!' || last == '"')
		return 0;
	if (asks)
		return words <= 30;
	if (last == ':')
		return words <= 4;
	/* "Main OKR was": a sentence cut short, not a heading */
	static const char *const dangling[] = { "was", "were", "is", "are", "be", "been", "the",
	                                        "and", "or", "but", "that", "which", "because",
	                                        "with", "my", "our", "their", NULL }; /* not "a": Series A */
	size_t w = end;
	while (w > i && s[w - 1] != ' ' && s[w - 1] != '\t')
		w--;
	for (int k = 0; dangling[k]; k++)
		if (end - w == strlen(dangling[k]) && !strncasecmp(s + w, dangling[k], end - w))
			return 0;
	return words <= 7;
}

/* Does the line end a sentence (so that a heading may follow it)? */
static int ends_sentence(const char *s, size_t i, size_t end)
{
	end = trim_end(s, i, end);
	if (end == i)
		return 1;
	char c = s[end - 1];
	if (c == '.' || c == '!' || c == '?' || c == ')' || c == '"')
		return 1;
	return starts_with(s, end >= 3 ? end - 3 : i, end, "\xe2\x80\x9d"); /* closing quote */
}

/* STAR-style labels that belong inside a story. */
static int is_star_label(const char *t)
{
	static const char *const labels[] = {
		"situation", "task", "tasks", "action", "actions", "result", "results", "outcome",
		"outcomes", "context", "background", "challenge", "problem", "approach", "solution",
		"learning", "learnings", "lesson", "lessons", "lessons learned", "what i learned",
		"takeaway", "takeaways", "change or learnings", "changes or learnings", "headline",
		"effect", "rationale", "operations", "options", "impact", "other notes", "reflection",
		"star", "s", "t", "a", "r", NULL
	};
	for (int k = 0; labels[k]; k++)
		if (!strcmp(t, labels[k]))
			return 1;
	return 0;
}

/*
 * Clean a heading for display: drop "#", "- ", TODO/DONE markers, [#A]
 * priorities, ** and [[ ]], a trailing ':'; fold white space.
 */
static char *clean_title(const char *s, size_t i, size_t end)
{
	i = skip_ws(s, i, end);
	while (i < end && s[i] == '#')
		i++;
	if (is_bullet(s, i, end)) {
		if (starts_with(s, i, end, "\xe2\x80\xa2") || starts_with(s, i, end, "\xe2\x80\x93"))
			i += 3;
		else if (starts_with(s, i, end, "\xc2\xb7"))
			i += 2;
		else
			while (i < end && s[i] != ' ')
				i++;
	}
	i = skip_ws(s, i, end);
	static const char *const markers[] = { "TODO ", "DONE ", "LATER ", "NOW ", "DOING ",
	                                       "WAITING ", "CANCELED ", "CANCELLED ", NULL };
	for (int k = 0; markers[k]; k++)
		if (starts_with(s, i, end, markers[k])) {
			i += strlen(markers[k]);
			break;
		}
	i = skip_ws(s, i, end);
	if (end - i >= 4 && s[i] == '[' && s[i + 1] == '#' && s[i + 3] == ']')
		i = skip_ws(s, i + 4, end);
	char *t = lidx__malloc(MAX_TITLE + 8);
	if (!t)
		return NULL;
	size_t n = 0;
	int space = 0;
	for (size_t k = i; k < end && n < MAX_TITLE; k++) {
		char c = s[k];
		if ((c == '*' || c == '_') && k + 1 < end && s[k + 1] == c) {
			k++;
			continue;
		}
		if ((c == '[' && k + 1 < end && s[k + 1] == '[') || (c == ']' && k + 1 < end && s[k + 1] == ']')) {
			k++;
			continue;
		}
		if (c == ' ' || c == '\t' || c == '\r' || (unsigned char)c < 0x20) {
			space = n > 0;
			continue;
		}
		if (space)
			t[n++] = ' ';
		space = 0;
		t[n++] = c;
	}
	/* cut at a UTF-8 boundary if the cap was hit */
	if (n >= MAX_TITLE)
		while (n > 0 && ((unsigned char)t[n - 1] & 0xc0) == 0x80)
			n--;
	while (n > 0 && (t[n - 1] == ':' || t[n - 1] == ' ' || t[n - 1] == '#'))
		n--;
	t[n] = 0;
	return t;
}

static int title_is_star(const char *title)
{
	char low[48];
	size_t n = strlen(title);
	if (n >= sizeof low)
		return 0;
	for (size_t k = 0; k <= n; k++)
		low[k] = (char)tolower((unsigned char)title[k]);
	return is_star_label(low);
}

/* ---- building the node list ------------------------------------------------ */

static int add_node(seg *g, size_t line_idx, int level, const char *s, size_t i, size_t end)
{
	if (LIDX_GROW(g->nodes, g->cap_nodes, g->n_nodes + 1) < 0)
		return LIDX_ENOMEM;
	char *t = clean_title(s, i, end);
	if (!t)
		return LIDX_ENOMEM;
	if (level > MAX_LEVEL)
		level = MAX_LEVEL;
	node *nd = &g->nodes[g->n_nodes++];
	nd->line = line_idx;
	nd->level = level;
	nd->absorb = title_is_star(t);
	size_t tl = strlen(t);
	nd->question = !nd->absorb && tl && (t[tl - 1] == '?' || question_opener(t, 0, tl));
	nd->parent = nd->first_kid = nd->next_kid = -1;
	nd->end = 0;
	nd->title = t;
	return 0;
}

static int detect_format(seg *g)
{
	size_t nonblank = 0, outline = 0, tabbed = 0, props = 0, atx = 0;
	int fence = 0;
	for (size_t k = 0; k < g->n_lines; k++) {
		line *l = &g->lines[k];
		if (l->blank)
			continue;
		nonblank++;
		const char *s = g->text;
		size_t i = skip_ws(s, l->start, l->end), ke;
		if (starts_with(s, i, l->end, "```"))
			fence = !fence;
		if (fence)
			continue;
		if (s[i] == '-' && (i + 1 == l->end || s[i + 1] == ' ')) {
			outline++;
			if (s[l->start] == '\t')
				tabbed++;
		} else if (is_property(s, i, l->end, &ke)) {
			props++, outline++;
		} else if (i > l->start) {
			outline++; /* continuation line of a block */
		} else if (atx_level(s, l->start, l->end)) {
			atx++;
		}
	}
	if (nonblank && outline * 10 >= nonblank * 7 && (tabbed >= 2 || props >= 2))
		return LIDX_FMT_LOGSEQ;
	return atx ? LIDX_FMT_MARKDOWN : LIDX_FMT_PLAIN;
}

static int logseq_nodes(seg *g)
{
	const char *s = g->text;
	for (size_t k = 0; k < g->n_lines; k++) {
		line *l = &g->lines[k];
		size_t i = l->start;
		int tabs = 0, spaces = 0;
		while (i < l->end && (s[i] == '\t' || s[i] == ' ')) {
			if (s[i] == '\t')
				tabs++;
			else
				spaces++;
			i++;
		}
		if (i >= l->end || s[i] != '-' || (i + 1 < l->end && s[i + 1] != ' '))
			continue;
		size_t j = skip_ws(s, i + 1, l->end);
		if (j >= trim_end(s, j, l->end))
			continue; /* an empty block "-" */
		int rc = add_node(g, k, 1 + tabs + spaces / 2, s, j, l->end);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Markdown headings plus plain-text headings (below them, or alone). */
static int text_nodes(seg *g)
{
	const char *s = g->text;
	int fence = 0;
	/* YAML front matter: "---" first, up to the next "---" or "..." */
	if (g->n_lines > 1 && g->lines[0].end - g->lines[0].start == 3 && starts_with(s, g->lines[0].start, g->lines[0].end, "---")) {
		for (size_t k = 1; k < g->n_lines && k < 100; k++) {
			line *l = &g->lines[k];
			if (l->end - l->start == 3 && (starts_with(s, l->start, l->end, "---") ||
			                              starts_with(s, l->start, l->end, "..."))) {
				for (size_t f = 0; f <= k; f++)
					g->lines[f].front = 1;
				break;
			}
		}
	}
	/* setext headings: a text line underlined with === (1) or --- (2) */
	for (size_t k = 0; k + 1 < g->n_lines; k++) {
		line *l = &g->lines[k], *u = &g->lines[k + 1];
		if (l->blank || u->blank || l->front || u->front)
			continue;
		size_t a = skip_ws(s, u->start, u->end), b = trim_end(s, a, u->end);
		char ch = s[a];
		if ((ch != '=' && ch != '-') || b - a < (ch == '=' ? 2u : 3u))
			continue;
		size_t x = a;
		while (x < b && s[x] == ch)
			x++;
		size_t li = skip_ws(s, l->start, l->end);
		if (x != b || is_bullet(s, li, l->end) || atx_level(s, l->start, l->end))
			continue;
		l->setext = ch == '=' ? 1 : 2;
		u->blank = 1; /* the underline is markup */
		k++;
	}
	/* shape candidates */
	for (size_t k = 0; k < g->n_lines; k++) {
		line *l = &g->lines[k];
		size_t i = skip_ws(s, l->start, l->end);
		if (starts_with(s, i, l->end, "```") || starts_with(s, i, l->end, "~~~")) {
			fence = !fence;
			continue;
		}
		if (fence || l->blank || l->front)
			continue;
		l->bullet = (unsigned)is_bullet(s, i, l->end);
		l->cand = !atx_level(s, l->start, l->end) && heading_shape(s, l->start, l->end);
	}
	int plain_stack[64];
	size_t plain_node[64]; /* the node of each open plain heading */
	int plain_depth = 0;   /* open plain headings under the current md heading */
	int md_level = 0;
	fence = 0;
	for (size_t k = 0; k < g->n_lines; k++) {
		line *l = &g->lines[k];
		size_t i = skip_ws(s, l->start, l->end);
		if (starts_with(s, i, l->end, "```") || starts_with(s, i, l->end, "~~~")) {
			fence = !fence;
			continue;
		}
		if (fence || l->blank)
			continue;
		int lv = l->front ? 0 : l->setext ? (int)l->setext : atx_level(s, l->start, l->end);
		if (lv) {
			int rc = add_node(g, k, lv, s, l->start, l->end);
			if (rc < 0)
				return rc;
			md_level = lv;
			plain_depth = 0;
			continue;
		}
		/*
		 * Two blank lines or more, then prose: the plain headings still open
		 * are closed ("Auth" does not run on into the next topics of a review);
		 * the prose is a section of its own, titled by its first line, as
		 * text before any heading is.
		 */
		if (plain_depth && !l->cand && !l->noise && !l->bullet && k >= 2 && g->lines[k - 1].blank &&
		    g->lines[k - 2].blank && !g->nodes[plain_node[plain_depth - 1]].question) {
			/* (an interview question keeps its whole answer, blank lines and all) */
			int base = md_level ? PLAIN_BASE + md_level - 1 : PLAIN_BASE;
			int rc = add_node(g, k, base, s, l->start, l->end);
			if (rc < 0)
				return rc;
			node *nd = &g->nodes[g->n_nodes - 1];
			nd->absorb = nd->question = 0;
			if (strlen(nd->title) > 80) { /* a sentence: shorten it as a title */
				size_t n = 80;
				while (n > 0 && ((unsigned char)nd->title[n] & 0xc0) == 0x80)
					n--;
				memcpy(nd->title + n, "...", 4);
			}
			plain_stack[0] = base; /* open: the next such break closes it in turn */
			plain_node[0] = g->n_nodes - 1;
			plain_depth = 1;
			continue;
		}
		if (!l->cand)
			continue;
		/* a run may start after a blank line, a sentence, or a heading */
		int prev_ok = k == 0 || g->lines[k - 1].blank || g->lines[k - 1].bullet ||
		              ends_sentence(s, g->lines[k - 1].start, g->lines[k - 1].end) ||
		              atx_level(s, g->lines[k - 1].start, g->lines[k - 1].end);
		size_t j = k;
		while (j + 1 < g->n_lines && g->lines[j + 1].cand &&
		       s[trim_end(s, g->lines[j].start, g->lines[j].end) - 1] != ':')
			j++;
		/* ... and must introduce content: a non-heading line, after at most one blank */
		size_t nx = j + 1;
		while (nx < g->n_lines && g->lines[nx].noise)
			nx++; /* blanked: no content */
		if (nx < g->n_lines && g->lines[nx].blank)
			nx++;
		while (nx < g->n_lines && g->lines[nx].noise)
			nx++;
		int next_ok = nx < g->n_lines && !g->lines[nx].blank && !g->lines[nx].cand &&
		              !atx_level(s, g->lines[nx].start, g->lines[nx].end);
		/* ... or a list of short lines ("Log" over "Redis in goodleap", "Extract nuget
		   versions"): two or more heading-shaped lines that end at a blank line */
		if (!next_ok && nx > j + 1 && nx < g->n_lines && g->lines[nx].cand) {
			size_t e = nx;
			while (e < g->n_lines && g->lines[e].cand)
				e++;
			next_ok = e - nx >= 2 && (e == g->n_lines || g->lines[e].blank);
		}
		size_t run_plain = 0;
		for (size_t r = k; r <= j; r++) {
			char *t = clean_title(s, g->lines[r].start, g->lines[r].end);
			if (!t)
				return LIDX_ENOMEM;
			run_plain += !title_is_star(t);
			lidx__free(t);
		}
		/* two headings stacked over prose need no blank line before them,
		 * but after "... includes:" come list items, not headings */
		/* (a noise line blanked to spaces is not .blank: trim_end may give its start) */
		size_t pe = k > 0 ? trim_end(s, g->lines[k - 1].start, g->lines[k - 1].end) : 0;
		int after_colon = k > 0 && !g->lines[k - 1].blank && pe > g->lines[k - 1].start &&
		                  s[pe - 1] == ':';
		if ((!prev_ok && run_plain < 2) || after_colon || !next_ok || run_plain > 4) {
			k = j;
			continue;
		}
		/* levels: the run's last heading is a sibling of the deepest open one */
		int base = md_level ? PLAIN_BASE + md_level - 1 : PLAIN_BASE;
		int leaf = plain_depth ? plain_stack[plain_depth - 1] : base + (int)run_plain - 1;
		int first = leaf - (int)run_plain + 1;
		if (first < base)
			first = base;
		int next = first;
		for (size_t r = k; r <= j; r++) {
			int rc = add_node(g, r, next, s, g->lines[r].start, g->lines[r].end);
			if (rc < 0)
				return rc;
			node *nd = &g->nodes[g->n_nodes - 1];
			if (nd->absorb) {
				/* inside the deepest open heading */
				nd->level = (plain_depth ? plain_stack[plain_depth - 1] : md_level) + 1;
				continue;
			}
			/* pop deeper or equal plain headings, push this one */
			while (plain_depth && plain_stack[plain_depth - 1] >= next)
				plain_depth--;
			if (plain_depth < 64) {
				plain_node[plain_depth] = g->n_nodes - 1;
				plain_stack[plain_depth++] = next;
			}
			next++;
		}
		k = j;
	}
	return 0;
}

/* ---- stories ---------------------------------------------------------------- */

static size_t content_lines(seg *g, size_t a, size_t b)
{
	size_t n = 0;
	for (size_t k = a; k < b; k++)
		n += !g->lines[k].blank && !g->lines[k].noise;
	return n;
}

static int push_story(seg *g, const char *title, const char *crumb, size_t a, size_t b)
{
	/* trim blank and noise lines at both ends */
	while (a < b && (g->lines[a].blank || g->lines[a].noise))
		a++;
	while (b > a && (g->lines[b - 1].blank || g->lines[b - 1].noise))
		b--;
	if (a >= b)
		return 0;
	lidx_segments *o = g->out;
	if (LIDX_GROW(o->stories, g->cap_stories, o->n_stories + 1) < 0)
		return LIDX_ENOMEM;
	lidx_seg_story *st = &o->stories[o->n_stories];
	st->title = lidx__strndup(title, strlen(title));
	st->breadcrumb = lidx__strndup(crumb, strlen(crumb));
	if (!st->title || !st->breadcrumb) {
		lidx__free(st->title);
		lidx__free(st->breadcrumb);
		return LIDX_ENOMEM;
	}
	st->line_start = (uint32_t)(a + 1);
	st->line_end = (uint32_t)b;
	st->byte_start = g->lines[a].start;
	st->byte_end = g->lines[b - 1].end;
	o->n_stories++;
	return 0;
}

/* A story, cut at blank lines into even parts if it is too long to read. */
static int emit_story(seg *g, const char *title, const char *crumb, size_t a, size_t b)
{
	if (b - a <= MAX_LEAF)
		return push_story(g, title, crumb, a, b);
	size_t n_parts = (b - a + PART_LINES - 1) / PART_LINES;
	size_t each = (b - a + n_parts - 1) / n_parts;
	char t[MAX_TITLE + 32];
	int part = 1;
	while (a < b) {
		size_t cut = b;
		if (b - a > each + each / 4) {
			/* the blank line nearest to the even cut, else the even cut */
			cut = a + each;
			for (size_t d = 0; d < each / 3; d++) {
				if (g->lines[a + each - d].blank) {
					cut = a + each - d;
					break;
				}
				if (a + each + d < b && g->lines[a + each + d].blank) {
					cut = a + each + d;
					break;
				}
			}
		}
		if (part == 1)
			snprintf(t, sizeof t, "%s", title);
		else
			snprintf(t, sizeof t, "%s (part %d)", title, part);
		int rc = push_story(g, t, crumb, a, cut);
		if (rc < 0)
			return rc;
		a = cut;
		part++;
	}
	return 0;
}

/* The first line with content, as a title for text before any heading. */
static char *first_line_title(seg *g, size_t a, size_t b)
{
	if (a < b && g->lines[a].front) {
		/* YAML front matter: its title: if any, else the file name */
		for (size_t k = a; k < b && g->lines[k].front; k++) {
			size_t i = skip_ws(g->text, g->lines[k].start, g->lines[k].end);
			if (starts_with(g->text, i, g->lines[k].end, "title:")) {
				i = skip_ws(g->text, i + 6, g->lines[k].end);
				char *t = clean_title(g->text, i, g->lines[k].end);
				if (!t || *t)
					return t;
				lidx__free(t);
			}
		}
		return lidx__strndup(g->name, strlen(g->name));
	}
	for (size_t k = a; k < b; k++)
		if (!g->lines[k].blank && !g->lines[k].noise) {
			size_t ke, f = skip_ws(g->text, g->lines[k].start, g->lines[k].end);
			if (is_property(g->text, f, g->lines[k].end, &ke))
				return lidx__strndup(g->name, strlen(g->name)); /* page properties */
			char *t = clean_title(g->text, g->lines[k].start, g->lines[k].end);
			if (t && strlen(t) > 80) {
				size_t n = 80;
				while (n > 0 && ((unsigned char)t[n] & 0xc0) == 0x80)
					n--;
				memcpy(t + n, "...", 4);
			}
			return t;
		}
	return NULL;
}

/*
 * Emit node ni's subtree, lines [a, b): whole if short, else split into its
 * children. A splittable child ("kid") is a direct child that is not a STAR
 * label; STAR labels and anything else between two kids go with the kid
 * before them, so no line is lost.
 */
static int emit_node(seg *g, size_t ni, size_t a, size_t b, const char *crumb)
{
	node *nd = &g->nodes[ni];
	size_t n_kids = 0, n_big = 0, n_questions = 0;
	for (int c = nd->first_kid; c >= 0; c = g->nodes[c].next_kid) {
		n_kids++;
		n_questions += (size_t)g->nodes[c].question;
		if (content_lines(g, g->nodes[c].line + 1, g->nodes[c].end) >= 4)
			n_big++;
	}
	size_t content = content_lines(g, a, b);
	size_t own = n_kids ? content_lines(g, a + 1, g->nodes[nd->first_kid].line) : 0;
	/*
	 * Split what is too long to read as one story; also a section of over
	 * 20 lines that holds two or more substantial subsections (4+ lines: in
	 * an outline too, as a Logseq "People" page of one block per person);
	 * and interview questions, each a story with its answer, from their
	 * siblings or the text above them.
	 */
	int split = n_kids && (content > MAX_STORY ||
	                       (n_big >= 2 && content > 20) ||
	                       (n_questions && (n_kids >= 2 || own >= 4)));
	const char *title = nd->title[0] ? nd->title : g->name;
	if (!split)
		return emit_story(g, title, crumb, a, b);
	/* the crumb for children */
	size_t cl = strlen(crumb), tl = strlen(nd->title);
	char *sub = lidx__malloc(cl + tl + 4);
	if (!sub)
		return LIDX_ENOMEM;
	if (cl)
		memcpy(sub, crumb, cl), memcpy(sub + cl, " > ", 3), cl += 3;
	memcpy(sub + cl, nd->title, tl + 1);
	int rc = 0;
	size_t first = g->nodes[nd->first_kid].line;
	/* the heading's own text, if it has any besides the heading */
	if (content_lines(g, a + 1, first) > 0)
		rc = emit_story(g, title, crumb, a, first);
	for (int c = nd->first_kid; !rc && c >= 0; c = g->nodes[c].next_kid) {
		int nx = g->nodes[c].next_kid;
		size_t ce = nx >= 0 ? g->nodes[nx].line : b;
		rc = emit_node(g, (size_t)c, g->nodes[c].line, ce, sub);
	}
	lidx__free(sub);
	return rc;
}

/* ---- entry point -------------------------------------------------------------- */

void lidx_segments_free(lidx_segments *s)
{
	if (!s)
		return;
	for (size_t k = 0; k < s->n_stories; k++) {
		lidx__free(s->stories[k].title);
		lidx__free(s->stories[k].breadcrumb);
	}
	lidx__free(s->stories);
	lidx__free(s->text);
	memset(s, 0, sizeof *s);
}

int lidx_segment(const char *text, size_t len, const char *name, lidx_segments *out, lidx_err *err)
{
	memset(out, 0, sizeof *out);
	seg g;
	memset(&g, 0, sizeof g);
	g.out = out;
	g.name = name && *name ? name : "(untitled)";
	int rc = 0;
	char *t = lidx__malloc(len + 1);
	if (!t)
		return lidx__err(err, LIDX_ENOMEM, "out of memory segmenting %s", g.name);
	if (len)
		memcpy(t, text, len);
	t[len] = 0;
	/* a UTF-8 BOM is not text: blank it (keeps byte offsets and lines) */
	if (len >= 3 && !memcmp(t, "\xef\xbb\xbf", 3))
		memset(t, ' ', 3);
	out->text = t;
	out->text_len = len;
	g.text = t;
	g.len = len;
	/* lines */
	int in_fence = 0;
	for (size_t i = 0; i < len;) {
		size_t e = i;
		while (e < len && t[e] != '\n')
			e++;
		size_t ce = e;
		if (ce > i && t[ce - 1] == '\r')
			ce--;
		if (LIDX_GROW(g.lines, g.cap_lines, g.n_lines + 1) < 0) {
			rc = LIDX_ENOMEM;
			goto done;
		}
		line *l = &g.lines[g.n_lines++];
		memset(l, 0, sizeof *l);
		l->start = i;
		l->end = ce;
		size_t f = skip_ws(t, i, ce);
		l->blank = f >= ce;
		if (starts_with(t, f, ce, "```") || starts_with(t, f, ce, "~~~"))
			in_fence = !in_fence; /* code is shown as it is */
		else if (!l->blank && !in_fence && is_noise_line(t, f, ce)) {
			l->noise = 1;
			memset(t + i, ' ', ce - i); /* not indexed, not shown */
		}
		i = e + 1;
	}
	out->format = detect_format(&g);
	rc = out->format == LIDX_FMT_LOGSEQ ? logseq_nodes(&g) : text_nodes(&g);
	if (rc < 0)
		goto done;
	/* parents, subtree ends, and the kid lists, in O(n) */
	if (g.n_nodes > INT32_MAX) {
		rc = LIDX_ETOOBIG;
		goto done;
	}
	for (size_t k = 0; k < g.n_nodes; k++) {
		int p = (int)k - 1;
		while (p >= 0 && g.nodes[p].level >= g.nodes[k].level) {
			g.nodes[p].end = g.nodes[k].line;
			p = g.nodes[p].parent;
		}
		g.nodes[k].parent = p;
	}
	for (size_t k = 0; k < g.n_nodes; k++)
		if (!g.nodes[k].end)
			g.nodes[k].end = g.n_lines;
	for (size_t k = g.n_nodes; k-- > 0;) {
		node *nd = &g.nodes[k];
		if (nd->parent < 0 || nd->absorb)
			continue;
		node *pa = &g.nodes[nd->parent];
		nd->next_kid = pa->first_kid;
		pa->first_kid = (int)k;
	}
	/* text before the first heading */
	size_t first = g.n_nodes ? g.nodes[0].line : g.n_lines;
	if (content_lines(&g, 0, first)) {
		char *title = g.n_nodes ? first_line_title(&g, 0, first) : NULL;
		if (g.n_nodes && !title) {
			rc = LIDX_ENOMEM;
			goto done;
		}
		rc = emit_story(&g, title ? title : g.name, "", 0, first);
		lidx__free(title);
		if (rc < 0)
			goto done;
	}
	/* top-level nodes */
	for (size_t k = 0; k < g.n_nodes && !rc; k++)
		if (g.nodes[k].parent == -1)
			rc = emit_node(&g, k, g.nodes[k].line, g.nodes[k].end, "");
done:
	for (size_t k = 0; k < g.n_nodes; k++)
		lidx__free(g.nodes[k].title);
	lidx__free(g.nodes);
	lidx__free(g.lines);
	if (rc < 0) {
		lidx_segments_free(out);
		return lidx__err(err, rc, "%s while segmenting %s", lidx_strerror(rc), g.name);
	}
	return 0;
}
