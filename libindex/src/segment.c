/*
 * segment.c -- one notes file -> stories. Called by the builder for every
 * file of a corpus. Looks at the content, not the file name:
 *   - Logseq outlines: tab-nested "- " blocks, key:: value properties;
 *   - Markdown: # .. ###### headings (and plain headings under them);
 *   - org-mode: * .. ***** headlines; drawers, #+KEYWORD lines and planning
 *     lines are noise;
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
#define DATED_LEVEL 190   /* a dated item: under every heading, over nothing */
#define MAX_TITLE 160

typedef struct line {
	size_t start, end;    /* bytes, end excludes "\r\n" */
	unsigned blank : 1, noise : 1, cand : 1, bullet : 1;
	unsigned setext : 2;  /* 1 or 2: a heading underlined with === or --- */
	unsigned front : 1;   /* inside YAML front matter */
	unsigned dated : 1;   /* a dated item of a brag list: a story of its own */
	unsigned subject : 1; /* the Subject: line of a saved e-mail */
	unsigned tmpl : 1;    /* inside a template (page or Logseq template:: block) */
	unsigned code : 1;    /* inside an org-mode #+BEGIN_ block */
} line;

typedef struct node {
	size_t line;          /* index of the heading line */
	int level;
	int absorb;           /* a STAR label: never its own story */
	int question;         /* an interview question: with its answer, a story of its own */
	int dated;            /* "2024-03-10: shipped X": a dated item, a story of its own */
	int tmpl;             /* a Logseq block with a template:: property */
	int parent;           /* index of the parent node or -1 */
	int first_kid;        /* first direct child that is not absorbed, or -1 */
	int next_kid;         /* next such sibling, or -1 */
	size_t end;           /* line after the subtree */
	char *title;
} node;

typedef struct seg {
	char *text;           /* the cleaned text */
	size_t len;
	line *lines;
	size_t n_lines, cap_lines;
	node *nodes;
	size_t n_nodes, cap_nodes;
	lidx_segments *out;
	size_t cap_stories;
	const char *name;
	size_t body;          /* first line after the front matter (0 if none) */
	char *doc_title;      /* title: of the front matter, #+TITLE: of org-mode */
	lidx_buf meta;        /* words that apply to every story (segments.meta) */
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

/* ---- dates: the items of a brag document ------------------------------------ */

static size_t n_digits(const char *s, size_t i, size_t end)
{
	size_t k = i;
	while (k < end && isdigit((unsigned char)s[k]))
		k++;
	return k - i;
}

/* the value of the d digits at s[i] (d <= 4) */
static int num_at(const char *s, size_t i, size_t d)
{
	int v = 0;
	for (size_t k = 0; k < d; k++)
		v = v * 10 + (s[i + k] - '0');
	return v;
}

static int is_year(const char *s, size_t i, size_t end)
{
	return n_digits(s, i, end) == 4 && (starts_with(s, i, end, "19") || starts_with(s, i, end, "20"));
}

/* "Jan", "Jan.", "January", "Sept": 1..12 and its length, or 0 */
static int month_at(const char *s, size_t i, size_t end, size_t *len)
{
	static const char *const m[] = { "january", "february", "march", "april", "may", "june",
	                                 "july", "august", "september", "october", "november",
	                                 "december" };
	if (i >= end || !strchr("jfmasondJFMASOND", s[i]) || !s[i])
		return 0;
	size_t k = i;
	while (k < end && isalpha((unsigned char)s[k]))
		k++;
	size_t n = k - i;
	if (n < 3 || n > 9)
		return 0;
	for (int j = 0; j < 12; j++) {
		size_t ml = strlen(m[j]);
		if ((n == 3 || n == ml || (j == 8 && n == 4)) && n <= ml && !strncasecmp(s + i, m[j], n)) {
			*len = n + (n < ml && k < end && s[k] == '.');
			return j + 1;
		}
	}
	return 0;
}

/* a day of the month after a month name: "15", "15th", "3rd," */
static size_t day_at(const char *s, size_t i, size_t end)
{
	size_t d = n_digits(s, i, end);
	if (d < 1 || d > 2 || num_at(s, i, d) < 1 || num_at(s, i, d) > 31)
		return 0;
	size_t k = i + d;
	if (k + 1 < end && isalpha((unsigned char)s[k]) && isalpha((unsigned char)s[k + 1]) &&
	    (k + 2 >= end || !isalpha((unsigned char)s[k + 2])))
		k += 2; /* st nd rd th */
	return k - i;
}

/*
 * The length of a date at s[i], or 0: 2024-03-10, 2024/03/10, 2024-03,
 * 3/10/2024, Mar 10 2024, March 10, 2024, 10 Mar 2024, March 2024, Mar 10,
 * Q1 2024, 2024 Q1, H2 2023. A bare year is not a date ("2024 Review").
 */
static size_t date_at(const char *s, size_t i, size_t end)
{
	size_t k, d, ml;
	if (is_year(s, i, end)) {
		k = i + 4;
		if (k + 1 < end && (s[k] == '-' || s[k] == '/' || s[k] == '.') &&
		    (d = n_digits(s, k + 1, end)) >= 1 && d <= 2 && num_at(s, k + 1, d) >= 1 &&
		    num_at(s, k + 1, d) <= 12) {
			k += 1 + d;
			if (k + 1 < end && s[k] == s[i + 4] && (d = n_digits(s, k + 1, end)) >= 1 && d <= 2)
				k += 1 + d;
			return k - i;
		}
		if (k + 2 < end && (s[k] == ' ' || s[k] == '-') && (s[k + 1] == 'Q' || s[k + 1] == 'H') &&
		    isdigit((unsigned char)s[k + 2]))
			return k + 3 - i;
		return 0;
	}
	if ((s[i] == 'Q' || s[i] == 'H') && i + 2 < end && isdigit((unsigned char)s[i + 1]) &&
	    (s[i + 2] == ' ' || s[i + 2] == '-') && is_year(s, i + 3, end))
		return 7;
	if ((d = n_digits(s, i, end)) >= 1 && d <= 2) {
		k = i + d;
		size_t d2, d3;
		if (k < end && s[k] == '/' && (d2 = n_digits(s, k + 1, end)) >= 1 && d2 <= 2 &&
		    k + 1 + d2 < end && s[k + 1 + d2] == '/' &&
		    ((d3 = n_digits(s, k + 2 + d2, end)) == 2 || d3 == 4))
			return d + 2 + d2 + d3;
		size_t dl = day_at(s, i, end);
		if (dl && i + dl < end && s[i + dl] == ' ' && month_at(s, i + dl + 1, end, &ml)) {
			k = i + dl + 1 + ml;
			if (k + 1 < end && s[k] == ' ' && is_year(s, k + 1, end))
				k += 5;
			return k - i;
		}
		return 0;
	}
	if (month_at(s, i, end, &ml)) {
		k = i + ml;
		if (k + 1 >= end || s[k] != ' ')
			return 0;
		if (is_year(s, k + 1, end))
			return k + 5 - i;
		size_t dl = day_at(s, k + 1, end);
		if (!dl)
			return 0;
		k += 1 + dl;
		size_t y = k + (k < end && s[k] == ',');
		if (y + 1 < end && s[y] == ' ' && is_year(s, y + 1, end))
			k = y + 5;
		return k - i;
	}
	return 0;
}

/* Does text open with a date followed by at least two words ("2024-03-10:
   shipped the billing cutover")? A date and a weekday alone is a journal
   page's name, not an item. */
static int dated_text(const char *s, size_t i, size_t end)
{
	static const char *const days[] = { "monday", "tuesday", "wednesday", "thursday", "friday",
	                                    "saturday", "sunday", "mon", "tue", "wed", "thu", "fri",
	                                    "sat", "sun", NULL };
	i = skip_ws(s, i, end);
	while (i < end && (s[i] == '*' || s[i] == '_' || s[i] == '[' || s[i] == '('))
		i++;
	size_t d = i < end ? date_at(s, i, end) : 0;
	if (!d)
		return 0;
	size_t k = i + d;
	if (k < end && isalnum((unsigned char)s[k]))
		return 0; /* 2024-03-10x */
	while (k < end && (s[k] == '*' || s[k] == '_' || s[k] == ']' || s[k] == ')'))
		k++;
	size_t w = skip_ws(s, k, end), we = w;
	while (we < end && isalpha((unsigned char)s[we]))
		we++;
	for (int j = 0; days[j]; j++)
		if (we - w == strlen(days[j]) && !strncasecmp(s + w, days[j], we - w)) {
			k = we;
			break;
		}
	int words = 0, in = 0;
	for (; k < end; k++) {
		int al = isalnum((unsigned char)s[k]) || (unsigned char)s[k] >= 0x80;
		if (al && !in)
			words++;
		in = al;
	}
	return words >= 2;
}

/* ---- links and templates: pages that are not searched ------------------------ */

/* The length of a link at s[k] ([[page]], ![[embed]], ((block)), [text](url),
   <http..>, a bare URL), or 0. */
static size_t link_at(const char *s, size_t k, size_t end)
{
	size_t k0 = k;
	char c0 = s[k];
	if (c0 != '!' && c0 != '[' && c0 != '(' && c0 != '<' && c0 != 'h' && c0 != 'w')
		return 0; /* the common case, at every byte of the text */
	if (s[k] == '!' && k + 1 < end && s[k + 1] == '[')
		k++;
	if (k + 1 < end && ((s[k] == '[' && s[k + 1] == '[') || (s[k] == '(' && s[k + 1] == '('))) {
		char c = s[k] == '[' ? ']' : ')';
		for (size_t j = k + 2; j + 1 < end; j++)
			if (s[j] == c && s[j + 1] == c)
				return j + 2 - k0;
		return 0;
	}
	if (s[k] == '[') {
		size_t j = k + 1;
		while (j < end && s[j] != ']')
			j++;
		if (j + 1 < end && s[j + 1] == '(') {
			for (size_t e = j + 2; e < end; e++)
				if (s[e] == ')')
					return e + 1 - k0;
		}
		return 0;
	}
	if (s[k] == '<' && (starts_with(s, k + 1, end, "http://") || starts_with(s, k + 1, end, "https://"))) {
		for (size_t e = k + 1; e < end; e++)
			if (s[e] == '>')
				return e + 1 - k0;
		return 0;
	}
	if (starts_with(s, k, end, "http://") || starts_with(s, k, end, "https://") ||
	    starts_with(s, k, end, "www.")) {
		size_t e = k;
		while (e < end && s[e] != ' ' && s[e] != '\t' && s[e] != ')' && s[e] != '>')
			e++;
		return e - k0;
	}
	return 0;
}

/* A line's links and its words outside links. */
static void line_links(const char *s, size_t i, size_t end, int *links, int *words)
{
	*links = *words = 0;
	int in = 0;
	for (size_t k = i; k < end;) {
		size_t l = link_at(s, k, end);
		if (l) {
			(*links)++;
			k += l;
			in = 0;
			continue;
		}
		int al = isalnum((unsigned char)s[k]) || (unsigned char)s[k] >= 0x80;
		if (al && !in)
			(*words)++;
		in = al;
		k++;
	}
}

/*
 * Lines [a, b) hold nothing but links, under at most a short heading: a
 * reading list, a map of content, a page of [[links]]. Its words are the
 * names of other notes, which rank there, not here.
 */
static int only_links(seg *g, size_t a, size_t b)
{
	size_t n_link = 0;
	for (size_t k = a; k < b; k++) {
		line *l = &g->lines[k];
		if (l->blank || l->noise)
			continue;
		int links, words;
		size_t i = skip_ws(g->text, l->start, l->end);
		line_links(g->text, i, l->end, &links, &words);
		if (links && words <= 3)
			n_link++;
		else if (k == a && words <= 8 && !links)
			continue; /* the heading */
		else
			return 0; /* a line that says something */
	}
	return n_link > 0;
}

/* Placeholders of Obsidian, Templater and Logseq templates. */
static int has_placeholder(const char *s, size_t len)
{
	static const char *const ph[] = { "{{title", "{{date", "{{time", "{{ title", "{{ date",
	                                  "{{ time", "{{query", "<% tp.", "<%tp.", "<%*", "<%+",
	                                  NULL };
	for (size_t i = 0; i + 3 < len; i++) {
		if (s[i] != '{' && s[i] != '<')
			continue;
		for (int k = 0; ph[k]; k++)
			if (len - i >= strlen(ph[k]) && !strncasecmp(s + i, ph[k], strlen(ph[k])))
				return 1;
	}
	return 0;
}

/* ---- saved e-mail ------------------------------------------------------------ */

/* A header line "Name: value": the name's length, else 0. */
static size_t header_at(const char *s, size_t i, size_t end)
{
	size_t k = i;
	if (k >= end || !isalpha((unsigned char)s[k]))
		return 0;
	while (k < end && (isalnum((unsigned char)s[k]) || s[k] == '-'))
		k++;
	if (k >= end || s[k] != ':' || k - i > 40 || (k + 1 < end && s[k + 1] != ' ' && s[k + 1] != '\t'))
		return 0;
	return k - i;
}

static int known_header(const char *s, size_t i, size_t n)
{
	static const char *const h[] = { "from", "to", "cc", "bcc", "subject", "date", "sent",
	                                 "reply-to", "message-id", "received", "return-path",
	                                 "mime-version", "content-type", "content-transfer-encoding",
	                                 "delivered-to", "in-reply-to", "references", "importance",
	                                 "thread-topic", "thread-index", "dkim-signature", NULL };
	if (n > 2 && !strncasecmp(s + i, "x-", 2))
		return 1;
	for (int k = 0; h[k]; k++)
		if (n == strlen(h[k]) && !strncasecmp(s + i, h[k], n))
			return 1;
	return 0;
}

/* Separators before a forwarded or quoted message's headers. */
static int mail_separator(const char *s, size_t i, size_t end)
{
	i = skip_ws(s, i, end);
	return starts_with(s, i, end, "-----Original Message") ||
	       starts_with(s, i, end, "---------- Forwarded message") ||
	       starts_with(s, i, end, "Begin forwarded message:") ||
	       starts_with(s, i, end, "-------- Original Message") ||
	       starts_with(s, i, end, "-------- Forwarded Message");
}

/*
 * The header blocks of a saved e-mail (at the top, after a blank line or
 * after "-----Original Message-----"): From: and two more known headers.
 * Their lines are noise, but Subject:, which heads the message.
 */
static void mail_headers(seg *g, char *t)
{
	for (size_t k = g->body; k < g->n_lines; k++) {
		int sep = mail_separator(t, g->lines[k].start, g->lines[k].end);
		size_t a = sep ? k + 1 : k;
		if (!sep && k > g->body && !g->lines[k - 1].blank)
			continue;
		size_t e = a, known = 0, subject = SIZE_MAX;
		int from = 0;
		while (e < g->n_lines && !g->lines[e].blank) {
			line *l = &g->lines[e];
			size_t n = header_at(t, l->start, l->end);
			if (n) {
				known += (size_t)known_header(t, l->start, n);
				from |= n == 4 && !strncasecmp(t + l->start, "from", 4);
				if (n == 7 && !strncasecmp(t + l->start, "subject", 7))
					subject = e;
			} else if (e == a || (t[l->start] != ' ' && t[l->start] != '\t')) {
				break; /* not a header, nor a folded header's next line */
			}
			e++;
		}
		if (!from || known < 3 || e == a)
			continue;
		for (size_t j = sep ? k : a; j < e; j++) {
			line *l = &g->lines[j];
			if (j == subject) {
				l->subject = 1;
				continue;
			}
			l->noise = 1;
			memset(t + l->start, ' ', l->end - l->start);
		}
		k = e;
	}
}

/* ---- org-mode ------------------------------------------------------------------- */

/* "** Title" at the start of a line: the number of stars, else 0. */
static int org_level(const char *s, size_t i, size_t end)
{
	size_t k = i;
	while (k < end && s[k] == '*')
		k++;
	if (k == i || k >= end || (s[k] != ' ' && s[k] != '\t'))
		return 0;
	return k - i > MAX_LEVEL ? MAX_LEVEL : (int)(k - i);
}

/* "#+TITLE: x": the keyword's end, else 0 */
static size_t org_keyword(const char *s, size_t i, size_t end)
{
	if (!starts_with(s, i, end, "#+"))
		return 0;
	size_t k = i + 2;
	while (k < end && (isalnum((unsigned char)s[k]) || s[k] == '_' || s[k] == '-'))
		k++;
	return k > i + 2 && k < end && s[k] == ':' ? k : 0;
}

/* ":PROPERTIES:", ":LOGBOOK:", ":END:" alone on a line */
static int org_drawer(const char *s, size_t i, size_t end)
{
	i = skip_ws(s, i, end);
	end = trim_end(s, i, end);
	if (end - i < 3 || s[i] != ':' || s[end - 1] != ':')
		return 0;
	for (size_t k = i + 1; k + 1 < end; k++)
		if (!isalnum((unsigned char)s[k]) && s[k] != '_' && s[k] != '-')
			return 0;
	return 1;
}

/* org-mode: headlines plus an org marker (#+KEYWORD:, a drawer), or a .org name */
static int is_org(seg *g)
{
	size_t heads = 0, marks = 0;
	for (size_t k = 0; k < g->n_lines; k++) {
		line *l = &g->lines[k];
		heads += org_level(g->text, l->start, l->end) > 0;
		marks += org_keyword(g->text, l->start, l->end) > 0 || starts_with(g->text, l->start, l->end, "#+BEGIN_") ||
		         starts_with(g->text, l->start, l->end, "#+begin_") ||
		         (org_drawer(g->text, l->start, l->end) && trim_end(g->text, l->start, l->end) - l->start > 2);
	}
	size_t nl = strlen(g->name);
	int named = nl > 4 && !strcasecmp(g->name + nl - 4, ".org");
	return heads && (marks || named);
}

/* ---- front matter, org keywords: what applies to the whole file -------------- */

static int meta_add(seg *g, const char *s, size_t i, size_t end)
{
	i = skip_ws(s, i, end);
	end = trim_end(s, i, end);
	if (i >= end)
		return 0;
	if (g->meta.len && lidx_buf_putc(&g->meta, '\n') < 0)
		return LIDX_ENOMEM;
	return lidx_buf_put(&g->meta, s + i, end - i) < 0 ? LIDX_ENOMEM : 0;
}

/* A title from a value: "quoted" or plain. */
static int set_doc_title(seg *g, const char *s, size_t i, size_t end)
{
	i = skip_ws(s, i, end);
	end = trim_end(s, i, end);
	if (end - i >= 2 && (s[i] == '"' || s[i] == '\'') && s[end - 1] == s[i])
		i++, end--;
	if (g->doc_title || i >= end)
		return 0;
	g->doc_title = clean_title(s, i, end);
	if (!g->doc_title)
		return LIDX_ENOMEM;
	if (!*g->doc_title) {
		lidx__free(g->doc_title);
		g->doc_title = NULL;
	}
	return 0;
}

/*
 * YAML front matter: "---" first, "key: value" lines, up to the next "---"
 * or "...". Its lines are no story; title, tags, aliases (and the like) go
 * into meta, with a "- item" list under the key.
 */
static int front_matter(seg *g)
{
	static const char *const keys[] = { "title", "tags", "tag", "aliases", "alias", "keywords",
	                                    "categories", "category", "topics", NULL };
	const char *s = g->text;
	if (g->n_lines < 2)
		return 0;
	size_t f = skip_ws(s, g->lines[0].start, g->lines[0].end);
	if (trim_end(s, f, g->lines[0].end) - f != 3 || !starts_with(s, f, g->lines[0].end, "---"))
		return 0;
	/* every line a "key: value", a "- item" or indented under a key, a
	   "# comment" or blank: prose between two rules is no front matter */
	size_t close = 0, keyed = 0;
	for (size_t k = 1; k < g->n_lines && k < 200 && !close; k++) {
		line *l = &g->lines[k];
		size_t i = l->start, c = i;
		if (l->end - l->start == 3 && (starts_with(s, l->start, l->end, "---") ||
		                              starts_with(s, l->start, l->end, "..."))) {
			close = k;
			continue;
		}
		if (l->blank || s[i] == ' ' || s[i] == '\t' || s[i] == '-' || s[i] == '#')
			continue;
		while (c < l->end && (isalnum((unsigned char)s[c]) || s[c] == '_' || s[c] == '-' || s[c] == '.'))
			c++;
		if (c == i || c >= l->end || s[c] != ':' || (c + 1 < l->end && s[c + 1] != ' ' && s[c + 1] != '\t'))
			return 0;
		keyed++;
	}
	if (!close || !keyed)
		return 0;
	for (size_t k = 0; k <= close; k++)
		g->lines[k].front = 1;
	g->body = close + 1;
	int take = 0, rc = 0;
	for (size_t k = 1; k < close && rc == 0; k++) {
		line *l = &g->lines[k];
		size_t i = l->start;
		if (i < l->end && (s[i] == ' ' || s[i] == '\t' || s[i] == '-')) {
			size_t j = skip_ws(s, i, l->end);
			if (j < l->end && s[j] == '-')
				j++;
			if (take)
				rc = meta_add(g, s, j, l->end);
			continue;
		}
		size_t c = i;
		while (c < l->end && s[c] != ':')
			c++;
		take = 0;
		if (c >= l->end)
			continue;
		for (int n = 0; keys[n] && !take; n++)
			take = c - i == strlen(keys[n]) && !strncasecmp(s + i, keys[n], c - i);
		if (!take)
			continue;
		if (c - i == 5 && !strncasecmp(s + i, "title", 5) && (rc = set_doc_title(g, s, c + 1, l->end)) < 0)
			break;
		rc = meta_add(g, s, c + 1, l->end);
	}
	return rc;
}

static void blank_line(seg *g, size_t k)
{
	line *l = &g->lines[k];
	l->noise = 1;
	memset((char *)g->text + l->start, ' ', l->end - l->start);
}

/*
 * org-mode markup that is not content: #+KEYWORD: lines (#+TITLE: is the
 * file's title, #+FILETAGS: its tags: both go to meta), drawers
 * (:PROPERTIES: .. :END:, :LOGBOOK: ..), CLOSED: planning lines, # comments,
 * and the #+BEGIN_x / #+END_x lines of blocks, whose content is kept.
 */
static int org_clean(seg *g)
{
	const char *s = g->text;
	int block = 0, rc = 0;
	for (size_t k = 0; k < g->n_lines && rc == 0; k++) {
		line *l = &g->lines[k];
		if (l->blank || l->noise)
			continue;
		size_t f = skip_ws(s, l->start, l->end);
		if (l->end - f >= 8 && !strncasecmp(s + f, "#+begin_", 8)) {
			block = 1;
			blank_line(g, k);
			continue;
		}
		if (l->end - f >= 6 && !strncasecmp(s + f, "#+end_", 6)) {
			block = 0;
			blank_line(g, k);
			continue;
		}
		if (block) {
			l->code = 1;
			continue;
		}
		size_t ke = org_keyword(s, f, l->end);
		if (ke) {
			size_t kl = ke - f - 2;
			if (kl == 5 && !strncasecmp(s + f + 2, "title", 5))
				rc = set_doc_title(g, s, ke + 1, l->end);
			if (rc == 0 && ((kl == 5 && !strncasecmp(s + f + 2, "title", 5)) ||
			                (kl == 8 && !strncasecmp(s + f + 2, "filetags", 8))))
				rc = meta_add(g, s, ke + 1, l->end);
			blank_line(g, k);
			continue;
		}
		if (org_drawer(s, l->start, l->end)) {
			size_t e = k + 1;
			while (e < g->n_lines && e < k + 1000) {
				size_t x = skip_ws(s, g->lines[e].start, g->lines[e].end);
				if (trim_end(s, x, g->lines[e].end) - x == 5 && !strncasecmp(s + x, ":end:", 5))
					break;
				if (org_level(s, g->lines[e].start, g->lines[e].end))
					break; /* unclosed: a headline ends it */
				e++;
			}
			if (e < g->n_lines && !org_level(s, g->lines[e].start, g->lines[e].end)) {
				for (size_t j = k; j <= e; j++)
					blank_line(g, j);
				k = e;
			} else {
				blank_line(g, k);
			}
			continue;
		}
		if (starts_with(s, f, l->end, "CLOSED: [") || starts_with(s, f, l->end, "SCHEDULED: [") ||
		    starts_with(s, f, l->end, "DEADLINE: [") ||
		    (s[l->start] == '#' && (l->start + 1 == l->end || s[l->start + 1] == ' ')))
			blank_line(g, k);
	}
	return rc;
}

/*
 * Brag lists: three or more items at one indent, each opening with a date
 * ("- 2024-03-10: cut p99 by 40%", "Mar 2024 - led the migration"), and no
 * heading between them. Each becomes a story (a node under the section).
 * Deeper items go with the dated item above them.
 */
static void mark_dated(seg *g, int org)
{
	const char *s = g->text;
	size_t run_first = 0, run_n = 0, run_indent = 0;
	int fence = 0;
	for (size_t k = 0; k <= g->n_lines; k++) {
		int cand = 0, heading = k == g->n_lines;
		size_t indent = 0;
		if (k < g->n_lines) {
			line *l = &g->lines[k];
			size_t i = skip_ws(s, l->start, l->end);
			if (starts_with(s, i, l->end, "```") || starts_with(s, i, l->end, "~~~"))
				fence = !fence;
			if (fence || l->blank || l->noise || l->front || l->code)
				continue;
			heading = atx_level(s, l->start, l->end) || l->subject ||
			          (org && org_level(s, l->start, l->end));
			indent = i - l->start;
			size_t j = i;
			if (is_bullet(s, i, l->end)) {
				while (j < l->end && s[j] != ' ' && s[j] != '\t')
					j++;
			} else if (indent) {
				j = l->end;
			}
			cand = !heading && j < l->end && dated_text(s, j, l->end);
		}
		if (cand && run_n && indent > run_indent)
			cand = 0; /* a dated sub-item belongs to its item */
		if (heading || (cand && run_n && indent < run_indent)) {
			if (run_n && run_n < 3)
				for (size_t j = run_first; j < k; j++)
					g->lines[j].dated = 0;
			run_n = 0;
		}
		if (cand) {
			if (!run_n) {
				run_first = k;
				run_indent = indent;
			}
			g->lines[k].dated = 1;
			run_n++;
		}
	}
}

/* Template pages: a placeholder outside code makes every line a template's. */
static void mark_template_page(seg *g)
{
	int fence = 0, found = 0;
	for (size_t k = 0; k < g->n_lines && !found; k++) {
		line *l = &g->lines[k];
		size_t i = skip_ws(g->text, l->start, l->end);
		if (starts_with(g->text, i, l->end, "```") || starts_with(g->text, i, l->end, "~~~"))
			fence = !fence;
		else if (!fence && !l->code)
			found = has_placeholder(g->text + l->start, l->end - l->start);
	}
	for (size_t k = 0; k < g->n_lines && found; k++)
		g->lines[k].tmpl = 1;
}

/* ---- building the node list ------------------------------------------------ */

/* A sentence as a title: cut at 80 bytes (on a UTF-8 boundary) with "..." */
static void shorten_title(char *t)
{
	if (strlen(t) <= 80)
		return;
	size_t n = 80;
	while (n > 0 && ((unsigned char)t[n] & 0xc0) == 0x80)
		n--;
	memcpy(t + n, "...", 4);
}

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
	nd->dated = !nd->absorb && dated_text(t, 0, tl);
	nd->tmpl = 0;
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
		if (l->blank || l->front)
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
		if (l->front)
			continue;
		while (i < l->end && (s[i] == '\t' || s[i] == ' ')) {
			if (s[i] == '\t')
				tabs++;
			else
				spaces++;
			i++;
		}
		if (g->n_nodes && starts_with(s, i, l->end, "template::"))
			g->nodes[g->n_nodes - 1].tmpl = 1; /* a block of a Logseq template */
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

/* org-mode headlines ("** TODO [#A] Title   :tag:"), and dated items. */
static int org_nodes(seg *g)
{
	const char *s = g->text;
	for (size_t k = 0; k < g->n_lines; k++) {
		line *l = &g->lines[k];
		if (l->code || l->noise || l->blank || l->front)
			continue;
		if (l->dated) {
			int rc = add_node(g, k, DATED_LEVEL, s, l->start, l->end);
			if (rc < 0)
				return rc;
			shorten_title(g->nodes[g->n_nodes - 1].title);
			continue;
		}
		int lv = org_level(s, l->start, l->end);
		if (!lv)
			continue;
		size_t i = skip_ws(s, l->start + (size_t)lv, l->end), e = trim_end(s, i, l->end);
		if (e > i + 1 && s[e - 1] == ':') { /* trailing :tags: stay in the text, not the title */
			size_t w = e;
			while (w > i && s[w - 1] != ' ' && s[w - 1] != '\t')
				w--;
			int tags = s[w] == ':' && e - w >= 3;
			for (size_t x = w; x < e && tags; x++)
				tags = isalnum((unsigned char)s[x]) || s[x] == ':' || s[x] == '_' || s[x] == '@' ||
				       s[x] == '#' || s[x] == '%' || (unsigned char)s[x] >= 0x80;
			if (tags)
				e = trim_end(s, i, w);
		}
		int rc = add_node(g, k, lv, s, i, e);
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
		l->cand = !l->dated && !l->subject && !atx_level(s, l->start, l->end) &&
		          heading_shape(s, l->start, l->end);
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
		if (l->front)
			continue;
		int lv = l->subject ? 1 : l->setext ? (int)l->setext : atx_level(s, l->start, l->end);
		if (lv) {
			size_t i0 = l->start;
			while (l->subject && i0 < l->end && s[i0] != ':')
				i0++; /* "Subject: Re: Q3 review" heads the message as "Re: Q3 review" */
			int rc = add_node(g, k, lv, s, i0 + l->subject, l->end);
			if (rc < 0)
				return rc;
			md_level = lv;
			plain_depth = 0;
			continue;
		}
		if (l->dated) {
			int rc = add_node(g, k, DATED_LEVEL, s, l->start, l->end);
			if (rc < 0)
				return rc;
			shorten_title(g->nodes[g->n_nodes - 1].title);
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
			shorten_title(nd->title);
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
	st->flags = g->lines[a].tmpl ? LIDX_STORY_TEMPLATE : only_links(g, a, b) ? LIDX_STORY_LINKS : 0;
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
	for (size_t k = a; k < b; k++)
		if (!g->lines[k].blank && !g->lines[k].noise) {
			size_t ke, f = skip_ws(g->text, g->lines[k].start, g->lines[k].end);
			if (is_property(g->text, f, g->lines[k].end, &ke))
				return lidx__strndup(g->name, strlen(g->name)); /* page properties */
			char *t = clean_title(g->text, g->lines[k].start, g->lines[k].end);
			if (t)
				shorten_title(t);
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
	size_t n_kids = 0, n_big = 0, n_questions = 0, n_dated = 0;
	for (int c = nd->first_kid; c >= 0; c = g->nodes[c].next_kid) {
		n_kids++;
		n_questions += (size_t)g->nodes[c].question;
		n_dated += (size_t)g->nodes[c].dated;
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
	 * siblings or the text above them; and the dated items of a brag list.
	 */
	int split = n_kids && (content > MAX_STORY ||
	                       (n_big >= 2 && content > 20) ||
	                       (n_questions && (n_kids >= 2 || own >= 4)) || n_dated >= 2);
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
	lidx__free(s->meta);
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
	/* whole-file shapes first: they decide which lines are content */
	if ((rc = front_matter(&g)) < 0)
		goto done;
	mail_headers(&g, t);
	int org = is_org(&g);
	if (org && (rc = org_clean(&g)) < 0)
		goto done;
	mark_template_page(&g);
	out->format = org ? LIDX_FMT_ORG : detect_format(&g);
	if (out->format != LIDX_FMT_LOGSEQ)
		mark_dated(&g, org);
	rc = out->format == LIDX_FMT_LOGSEQ ? logseq_nodes(&g) : org ? org_nodes(&g) : text_nodes(&g);
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
	for (size_t k = 0; k < g.n_nodes; k++)
		for (size_t j = g.nodes[k].line; g.nodes[k].tmpl && j < g.nodes[k].end; j++)
			g.lines[j].tmpl = 1;
	for (size_t k = g.n_nodes; k-- > 0;) {
		node *nd = &g.nodes[k];
		if (nd->parent < 0 || nd->absorb)
			continue;
		node *pa = &g.nodes[nd->parent];
		nd->next_kid = pa->first_kid;
		pa->first_kid = (int)k;
	}
	/*
	 * The top level: a virtual root whose kids are the top-level headings
	 * that are not STAR labels. The text before the first of them (after
	 * the front matter) is a story titled by the note's title, else its
	 * first line, else the file name; a STAR label at the top ("## Result"
	 * of an Obsidian note with no "#" heading) stays with what is above it.
	 */
	int cur = -1;
	if (g.body && g.n_nodes) {
		/* a note with front matter is headed by its title: short, it is one story */
		size_t n_big = 0, n_q = 0, n_dated = 0;
		for (size_t k = 0; k < g.n_nodes; k++) {
			if (g.nodes[k].parent != -1 || g.nodes[k].absorb)
				continue;
			n_big += content_lines(&g, g.nodes[k].line + 1, g.nodes[k].end) >= 4;
			n_q += (size_t)g.nodes[k].question;
			n_dated += (size_t)g.nodes[k].dated;
		}
		size_t content = content_lines(&g, g.body, g.n_lines);
		if (content <= MAX_STORY && !(n_big >= 2 && content > 20) && !n_q && n_dated < 2) {
			const char *nt = g.doc_title ? g.doc_title : g.name;
			if (!g.doc_title && !content_lines(&g, g.body, g.nodes[0].line) && g.nodes[0].title[0])
				nt = g.nodes[0].title; /* "# Onboarding buddy for Dana" under the front matter */
			rc = emit_story(&g, nt, "", g.body, g.n_lines);
			cur = (int)g.n_nodes + 1; /* done */
		}
	}
	for (size_t k = 0; k <= g.n_nodes && !rc && cur <= (int)g.n_nodes; k++) {
		if (k < g.n_nodes && (g.nodes[k].parent != -1 || g.nodes[k].absorb))
			continue;
		size_t at = k < g.n_nodes ? g.nodes[k].line : g.n_lines;
		if (cur >= 0) {
			rc = emit_node(&g, (size_t)cur, g.nodes[cur].line, at, "");
		} else if (at > g.body && content_lines(&g, g.body, at)) {
			size_t first = g.n_nodes ? g.nodes[0].line : g.n_lines;
			char *title = NULL;
			if (!g.doc_title && !g.body && g.n_nodes && content_lines(&g, 0, first) &&
			    !(title = first_line_title(&g, 0, first)))
				rc = LIDX_ENOMEM;
			if (rc == 0)
				rc = emit_story(&g, title ? title : g.doc_title ? g.doc_title : g.name, "", g.body, at);
			lidx__free(title);
		}
		cur = (int)k;
	}
	if (rc < 0)
		goto done;
	/* meta: the front matter's or #+ keywords' words, and then the file name */
	if (g.meta.len) {
		size_t nl = strlen(g.name);
		if ((rc = lidx_buf_putc(&g.meta, '\n')) < 0 || (rc = lidx_buf_put(&g.meta, g.name, nl)) < 0 ||
		    !(out->meta = lidx__strndup((const char *)g.meta.p, g.meta.len))) {
			rc = LIDX_ENOMEM;
			goto done;
		}
	}
done:
	lidx__free(g.doc_title);
	lidx_buf_free(&g.meta);
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
