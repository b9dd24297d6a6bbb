/*
 * test_segment.c -- segmentation of notes into stories: Markdown headings
 * with STAR sub-sections, Logseq outlines, plain-text headings and labels,
 * bullets, CRLF and BOM, empty and long heading-less input, breadcrumbs,
 * and sane properties on the real files of corpus/.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "libindex.h"

/* "start-end title | crumb" per story, one per line */
static char *dump(const lidx_segments *s)
{
	static char buf[8192];
	buf[0] = 0;
	for (size_t i = 0; i < s->n_stories; i++) {
		char line[512];
		const lidx_seg_story *st = &s->stories[i];
		snprintf(line, sizeof line, "%u-%u %s | %s\n", st->line_start, st->line_end, st->title,
		         st->breadcrumb);
		strncat(buf, line, sizeof buf - strlen(buf) - 1);
	}
	return buf;
}

static void seg(const char *text, lidx_segments *out)
{
	lidx_err err = { 0 };
	int rc = lidx_segment(text, strlen(text), "note.md", out, &err);
	if (rc != 0)
		fail_msg("lidx_segment: %d %s", rc, err.msg);
}

/* 1-based line of byte offset off in text */
static uint32_t line_of(const char *text, size_t off)
{
	uint32_t n = 1;
	for (size_t i = 0; i < off; i++)
		n += text[i] == '\n';
	return n;
}

/* Every story's byte range agrees with its line range. */
static void check_bytes(const char *text, const lidx_segments *s)
{
	for (size_t i = 0; i < s->n_stories; i++) {
		const lidx_seg_story *st = &s->stories[i];
		assert_true(st->byte_start < st->byte_end);
		assert_true(st->byte_end <= s->text_len);
		assert_int_equal(line_of(text, st->byte_start), st->line_start);
		assert_int_equal(line_of(text, st->byte_end - 1), st->line_end);
		assert_true(text[st->byte_end - 1] != '\r' && text[st->byte_end - 1] != '\n');
	}
}

static void test_segment_table(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		const char *in;
		int format;
		const char *want;
	} cases[] = {
		{ "markdown STAR sections stay one story",
		  "# Migrating the billing service\n"
		  "## Situation\n"
		  "Billing ran on a legacy monolith.\n"
		  "## Task\n"
		  "Move it to a new service.\n"
		  "## Action\n"
		  "Wrote a strangler proxy.\n"
		  "## Result\n"
		  "Cut latency by 40%.\n"
		  "\n"
		  "# On-call rotation\n"
		  "Set up the **pager** schedule.\n",
		  LIDX_FMT_MARKDOWN,
		  "1-9 Migrating the billing service | \n"
		  "11-12 On-call rotation | \n" },
		{ "markdown heading markup is cleaned",
		  "## **Kafka** [[migration]]:\n"
		  "Moved the queue to Kafka.\n",
		  LIDX_FMT_MARKDOWN,
		  "1-2 Kafka migration | \n" },
		{ "plain text headings, STAR labels absorbed",
		  "Tanium\n"
		  "Led the GraphQL API work for the platform team.\n"
		  "Headline\n"
		  "Shipped the new API in one quarter.\n"
		  "Effect\n"
		  "Cut client code by half.\n"
		  "Rationale\n"
		  "Clients needed one schema.\n"
		  "Operations\n"
		  "Ran the rollout with feature flags.\n"
		  "\n"
		  "Nacelle\n"
		  "Built a schema registry for services.\n",
		  LIDX_FMT_PLAIN,
		  "1-10 Tanium | \n"
		  "12-13 Nacelle | \n" },
		{ "question bullets and unicode bullets are not headings",
		  "Capital One\n"
		  "? Built the credit card product\n"
		  "? Wrote the fraud checks\n"
		  "\n"
		  "\xe2\x80\xa2 Mentored two engineers\n"
		  "Both were promoted within a year.\n"
		  "Result\n"
		  "? Launched on time\n",
		  LIDX_FMT_PLAIN,
		  "1-8 Capital One | \n" },
		{ "a sentence is not a heading",
		  "We moved to Kafka in 2021.\n"
		  "It took three months.\n",
		  LIDX_FMT_PLAIN,
		  "1-2 note.md | \n" },
		{ "text before the first heading is its own story",
		  "Some intro prose here.\n"
		  "\n"
		  "# First\n"
		  "Body one.\n",
		  LIDX_FMT_MARKDOWN,
		  "1-1 Some intro prose here. | \n"
		  "3-4 First | \n" },
		{ "interview questions are stories of their own, also a short pair",
		  "Common Questions\n"
		  "Tell Me About Yourself\n"
		  "I build backend systems.\n"
		  "Mostly in Go and Kafka.\n"
		  "What are you looking for in your next role?\n"
		  "A team that ships.\n"
		  "Describe a time you fixed a security flaw in production. What was the flaw, and how did you fix it?\n"
		  "Admins could not see their spaces; I added roles to the token.\n",
		  LIDX_FMT_PLAIN,
		  "2-4 Tell Me About Yourself | Common Questions\n"
		  "5-6 What are you looking for in your next role? | Common Questions\n"
		  "7-8 Describe a time you fixed a security flaw in production. What was the flaw, and how did "
		  "you fix it? | Common Questions\n" },
		{ "a line cut short is not a heading; a heading may top a list of short lines",
		  "Perf review\n"
		  "\n"
		  "OKR\n"
		  "Main OKR was\n"
		  "Ship the beta of Turns.\n"
		  "Some sidenote reflection:\n"
		  "I test everything twice before I ship it to anyone.\n"
		  "\n"
		  "Perf 2023-2\n"
		  "\n"
		  "Huge caching libraries\n"
		  "Redis in goodleap\n"
		  "\n"
		  "Later notes\n"
		  "More prose about the year and all of it.\n"
		  "Even more prose here for the story to be long.\n"
		  "And a third line of prose in the story.\n"
		  "And a fourth line of prose in the story.\n"
		  "And a fifth line of prose in the story.\n"
		  "And a sixth line of prose in the story.\n"
		  "And a seventh line of prose in the story.\n"
		  "And an eighth line of prose in the story.\n"
		  "And a ninth line of prose in the story.\n"
		  "And a tenth line of prose in the story.\n"
		  "And an 11th line of prose in the story.\n"
		  "And a 12th line of prose in the story.\n"
		  "And a 13th line of prose in the story.\n",
		  LIDX_FMT_PLAIN,
		  "1-1 Perf review | \n"
		  "3-5 OKR | \n"
		  "6-7 Some sidenote reflection | \n"
		  "9-12 Perf 2023-2 | \n"
		  "14-27 Later notes | \n" },
		{ "planning dates and empty blocks are not content",
		  "- Projects\n"
		  "\t- Oncall runbook\n"
		  "\t  collapsed:: true\n"
		  "\t  DEADLINE: <2024-12-10 Tue>\n"
		  "\t\t-\n"
		  "\t- Observability\n"
		  "\t  SCHEDULED: <2024-12-11 Wed>\n"
		  "\t\t- Dashboards for the payment service\n",
		  LIDX_FMT_LOGSEQ,
		  "1-8 Projects | \n" },
		{ "an outline block with two substantial children is split, as a document section is",
		  "- People\n"
		  "\t- Vinayak\n"
		  "\t\t- Sharding is enabled in LA\n"
		  "\t\t- Multiple auth nodes\n"
		  "\t\t- Need the optimizations\n"
		  "\t\t- COS decomposition\n"
		  "\t\t- Auth server code layer alone\n"
		  "\t\t- Fiserv gateway\n"
		  "\t\t- Inventory service\n"
		  "\t\t- Payments service\n"
		  "\t\t- Rollout plan\n"
		  "\t\t- Follow up next week\n"
		  "\t- Priya 1-on-1\n"
		  "\t\t- Lost clover culture\n"
		  "\t\t- Platform abstraction update\n"
		  "\t\t- Meeting with Fabio\n"
		  "\t\t- Presented to Vinayak\n"
		  "\t\t- Hiring plan\n"
		  "\t\t- Team goals\n"
		  "\t\t- Quarter review\n"
		  "\t\t- Offsite\n"
		  "\t\t- Budget\n",
		  LIDX_FMT_LOGSEQ,
		  "2-12 Vinayak | People\n"
		  "13-22 Priya 1-on-1 | People\n" },
		{ "two blank lines, then prose: the plain heading above is closed",
		  "# Review\n"
		  "Auth\n"
		  "Built internal authorization for financing.\n"
		  "Coordinated changes in the monolith.\n"
		  "Reviewed the token scopes.\n"
		  "Wrote the rollout plan.\n"
		  "Shipped it behind a flag.\n"
		  "\n"
		  "\n"
		  "And of course the hot topic: metrics for the team.\n"
		  "Dashboards and alerts, documented.\n"
		  "Researched the dashboard tools.\n"
		  "Gave feedback to the infra team.\n"
		  "Created the alert rules.\n"
		  "\n"
		  "Tokens\n"
		  "Rotated the signing keys.\n"
		  "Moved them to the vault.\n"
		  "Audited who can read them.\n"
		  "Wrote the runbook.\n"
		  "Trained the on-call engineers.\n"
		  "Closed the audit finding.\n"
		  "Told the security team.\n"
		  "Planned the next rotation.\n",
		  LIDX_FMT_MARKDOWN,
		  "2-7 Auth | Review\n"
		  "10-14 And of course the hot topic: metrics for the team. | Review\n"
		  "16-24 Tokens | Review\n" },
		{ "an interview question keeps its whole answer across two blank lines",
		  "Tell me about a time you failed?\n"
		  "A migration went wrong in production.\n"
		  "We rolled it back in ten minutes.\n"
		  "\n"
		  "\n"
		  "What I learned is that every migration needs a dry run.\n"
		  "Now I always rehearse them.\n",
		  LIDX_FMT_PLAIN,
		  "1-7 Tell me about a time you failed? | \n" },
		{ "empty", "", LIDX_FMT_PLAIN, "" },
		{ "blank", "  \n\n\t\n", LIDX_FMT_PLAIN, "" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		lidx_segments s;
		seg(cases[i].in, &s);
		const char *got = dump(&s);
		if (strcmp(got, cases[i].want))
			fail_msg("case \"%s\":\n got:\n%s want:\n%s", cases[i].name, got, cases[i].want);
		if (s.format != cases[i].format)
			fail_msg("case \"%s\": format %d, want %d", cases[i].name, s.format, cases[i].format);
		check_bytes(cases[i].in, &s);
		assert_int_equal(s.text_len, strlen(cases[i].in));
		lidx_segments_free(&s);
	}
}

static void test_segment_logseq(void **state)
{
	(void)state;
	const char *in =
		"title:: Architect notes\n"
		"tags:: work, career\n"
		"\n"
		"- Projects\n"
		"\t- Architecture guild\n"
		"\t  collapsed:: true\n"
		"\t\t- Ran weekly design reviews\n"
		"\t\t- Wrote the RFC template\n"
		"\t- ChatBot AI\n"
		"\t  id:: 6512a9f0-1c2d-4e5f-9a0b-123456789abc\n"
		"\t\t- Built a retrieval bot\n";
	lidx_segments s;
	seg(in, &s);
	assert_int_equal(s.format, LIDX_FMT_LOGSEQ);
	/* page properties: titled by the file name; the outline is short: one story */
	assert_string_equal(dump(&s), "1-2 note.md | \n"
	                              "4-11 Projects | \n");
	check_bytes(in, &s);
	/* noise lines are blanked, nothing else moves */
	assert_int_equal(s.text_len, strlen(in));
	for (size_t i = 0; i < s.text_len; i++)
		assert_int_equal(s.text[i] == '\n', in[i] == '\n');
	assert_null(strstr(s.text, "collapsed::"));
	assert_null(strstr(s.text, "id::"));
	assert_non_null(strstr(s.text, "title:: Architect notes"));
	assert_non_null(strstr(s.text, "\t\t- Ran weekly design reviews\n"));
	lidx_segments_free(&s);
}

/* A long Logseq outline is split along its blocks, with breadcrumbs. */
static void test_segment_logseq_split(void **state)
{
	(void)state;
	static char in[16384];
	size_t n = 0;
	n += (size_t)snprintf(in + n, sizeof in - n, "- Projects\n");
	static const char *const kids[] = { "Architecture guild", "COS oncall", "MySQL upgrade" };
	for (int k = 0; k < 3; k++) {
		n += (size_t)snprintf(in + n, sizeof in - n, "\t- %s\n\t  collapsed:: true\n", kids[k]);
		for (int j = 0; j < 20; j++)
			n += (size_t)snprintf(in + n, sizeof in - n, "\t\t- item %d of %d\n", j, k);
	}
	lidx_segments s;
	seg(in, &s);
	assert_int_equal(s.format, LIDX_FMT_LOGSEQ);
	/* 1 + 3 * 22 lines; each child: heading, (blanked) collapsed line, 20 items */
	assert_string_equal(dump(&s), "2-23 Architecture guild | Projects\n"
	                              "24-45 COS oncall | Projects\n"
	                              "46-67 MySQL upgrade | Projects\n");
	check_bytes(in, &s);
	lidx_segments_free(&s);
}

/* Markdown sections with substantial subsections split into "A > B". */
static void test_segment_breadcrumbs(void **state)
{
	(void)state;
	static char in[16384];
	size_t n = 0;
	n += (size_t)snprintf(in + n, sizeof in - n, "# Career\n## Tanium\n");
	for (int j = 0; j < 12; j++)
		n += (size_t)snprintf(in + n, sizeof in - n, "Tanium work item %d was shipped.\n", j);
	n += (size_t)snprintf(in + n, sizeof in - n, "### Situation\nA situation.\n## Nacelle\n");
	for (int j = 0; j < 12; j++)
		n += (size_t)snprintf(in + n, sizeof in - n, "Nacelle work item %d was shipped.\n", j);
	lidx_segments s;
	seg(in, &s);
	assert_string_equal(dump(&s), "2-16 Tanium | Career\n"
	                              "17-29 Nacelle | Career\n");
	check_bytes(in, &s);
	lidx_segments_free(&s);
}

static void test_segment_crlf_bom(void **state)
{
	(void)state;
	const char *in = "\xef\xbb\xbf# One\r\n"
	                 "text a\r\n"
	                 "\r\n"
	                 "# Two \r\n"
	                 "text b\r\n"
	                 "more b\r\n";
	lidx_segments s;
	seg(in, &s);
	assert_int_equal(s.format, LIDX_FMT_MARKDOWN);
	assert_string_equal(dump(&s), "1-2 One | \n4-6 Two | \n");
	check_bytes(in, &s);
	/* the BOM is blanked in the indexed text, lengths unchanged */
	assert_int_equal(s.text_len, strlen(in));
	assert_memory_equal(s.text, "   # One\r\n", 10);
	/* the story's bytes end before the "\r" */
	assert_memory_equal(s.text + s.stories[1].byte_start, "# Two \r\ntext b\r\nmore b",
	                    s.stories[1].byte_end - s.stories[1].byte_start);

	/* the same as plain text */
	const char *plain = "\xef\xbb\xbfTanium\r\nLed the API work.\r\n\r\nNacelle\r\nBuilt a registry.\r\n";
	lidx_segments p;
	seg(plain, &p);
	assert_int_equal(p.format, LIDX_FMT_PLAIN);
	assert_string_equal(dump(&p), "1-2 Tanium | \n4-5 Nacelle | \n");
	check_bytes(plain, &p);
	lidx_segments_free(&p);
	lidx_segments_free(&s);
}

/* Pages of prose with no heading are cut into parts of at most 80 lines. */
static void test_segment_long_plain(void **state)
{
	(void)state;
	static char in[65536];
	size_t n = 0;
	for (int j = 0; j < 300; j++)
		n += (size_t)snprintf(in + n, sizeof in - n, "%s", j % 10 == 9 ? "\n"
		                                            : "the service was slow and we fixed it.\n");
	lidx_segments s;
	seg(in, &s);
	assert_true(s.n_stories >= 4);
	uint32_t prev_end = 0;
	for (size_t i = 0; i < s.n_stories; i++) {
		lidx_seg_story *st = &s.stories[i];
		assert_true(st->line_end - st->line_start + 1 <= 80);
		assert_true(st->line_start > prev_end);
		/* nothing lost: at most the blank line between parts */
		assert_true(st->line_start <= prev_end + 2);
		prev_end = st->line_end;
		char want[64];
		if (i == 0)
			snprintf(want, sizeof want, "note.md");
		else
			snprintf(want, sizeof want, "note.md (part %zu)", i + 1);
		assert_string_equal(st->title, want);
	}
	assert_int_equal(s.stories[0].line_start, 1);
	assert_int_equal(prev_end, 299); /* line 300 is blank */
	check_bytes(in, &s);
	lidx_segments_free(&s);
}

static void test_segment_binary_garbage(void **state)
{
	(void)state;
	char in[4096];
	uint32_t x = 12345;
	for (size_t i = 0; i < sizeof in; i++) {
		x = x * 1103515245u + 12345u;
		in[i] = (char)(x >> 16);
	}
	lidx_segments s;
	lidx_err err = { 0 };
	assert_int_equal(lidx_segment(in, sizeof in, "bin", &s, &err), 0);
	check_bytes(in, &s);
	lidx_segments_free(&s);
	lidx_segments_free(NULL);
}

/* ---- the real corpus ----------------------------------------------------------- */

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open %s (run from the repository root)", path);
	char *buf = malloc(1 << 20);
	assert_non_null(buf);
	*len = fread(buf, 1, 1 << 20, f);
	fclose(f);
	return buf;
}

static const lidx_seg_story *find_title(const lidx_segments *s, const char *title)
{
	for (size_t i = 0; i < s->n_stories; i++)
		if (!strcmp(s->stories[i].title, title))
			return &s->stories[i];
	return NULL;
}

static const lidx_seg_story *find_line(const lidx_segments *s, uint32_t line)
{
	for (size_t i = 0; i < s->n_stories; i++)
		if (s->stories[i].line_start <= line && line <= s->stories[i].line_end)
			return &s->stories[i];
	return NULL;
}

static void test_segment_corpus(void **state)
{
	(void)state;
	static const struct {
		const char *path;
		int format;
	} files[] = {
		{ "corpus/star-stories.md", LIDX_FMT_MARKDOWN },
		{ "corpus/interview-prep.txt", LIDX_FMT_PLAIN },
		{ "corpus/logseq-architect-outline.md", LIDX_FMT_LOGSEQ },
		{ "corpus/perf-review-log.md", LIDX_FMT_MARKDOWN },
	};
	for (size_t f = 0; f < sizeof files / sizeof *files; f++) {
		size_t len;
		char *text = slurp(files[f].path, &len);
		uint32_t n_lines = line_of(text, len) - (len && text[len - 1] == '\n');
		lidx_segments s;
		lidx_err err = { 0 };
		assert_int_equal(lidx_segment(text, len, files[f].path, &s, &err), 0);
		if (s.format != files[f].format)
			fail_msg("%s: format %d, want %d", files[f].path, s.format, files[f].format);
		if (s.n_stories <= 5)
			fail_msg("%s: %zu stories", files[f].path, s.n_stories);
		uint32_t prev_end = 0;
		for (size_t i = 0; i < s.n_stories; i++) {
			lidx_seg_story *st = &s.stories[i];
			if (st->line_start <= prev_end || st->line_end < st->line_start ||
			    st->line_end > n_lines || st->line_end - st->line_start + 1 > 80 ||
			    (st->line_start == 1 && st->line_end == n_lines) || !st->title[0])
				fail_msg("%s: story %zu \"%s\" lines %u-%u (file: %u lines)", files[f].path, i,
				         st->title, st->line_start, st->line_end, n_lines);
			prev_end = st->line_end;
		}
		check_bytes(text, &s);

		const lidx_seg_story *st;
		if (f == 0) {
			st = find_title(&s, "Merging two Microservices to stablize Contract Progress Platform");
			assert_non_null(st);
			assert_int_equal(st->line_start, 15);
			assert_int_equal(st->line_end, 40);
			assert_non_null(find_title(&s, "AMT Report"));
		} else if (f == 1) {
			/* "Perseverance" stacked over "Nacelle: Product Recommendation POC":
			 * one story that holds the whole answer, through its Learning */
			st = find_line(&s, 367);
			assert_non_null(st);
			if (strcmp(st->title, "Nacelle: Product Recommendation POC") &&
			    strcmp(st->title, "Perseverance"))
				fail_msg("line 367 is in \"%s\"", st->title);
			assert_true(st->line_start <= 367 && st->line_end >= 385);
			st = find_title(&s, "Tanium: Code refactor with junior Engineer");
			assert_non_null(st);
			assert_string_equal(st->breadcrumb, "Behavioral > Conflict");
		} else if (f == 2) {
			st = find_title(&s, "ChatBot AI");
			assert_non_null(st);
			assert_string_equal(st->breadcrumb, "Projects");
			assert_null(strstr(s.text, "collapsed:: true"));
		} else {
			st = find_title(&s, "Auth");
			assert_non_null(st);
			assert_string_equal(st->breadcrumb, "Service Titan Mielstones > Perf review 2023");
		}
		lidx_segments_free(&s);
		free(text);
	}
}


static void seg_named(const char *text, const char *name, lidx_segments *out)
{
	lidx_err err = { 0 };
	int rc = lidx_segment(text, strlen(text), name, out, &err);
	if (rc != 0)
		fail_msg("lidx_segment: %d %s", rc, err.msg);
	check_bytes(text, out);
}

/* Shapes of real notes: front matter, org-mode, brag lists, e-mail, links, templates. */
static void test_segment_real_shapes(void **state)
{
	(void)state;
	lidx_segments s;
	/* YAML front matter: no story of its own; title/tags/aliases + file name in meta */
	seg_named("---\n"
	          "title: \"Kafka cutover\"\n"
	          "aliases:\n"
	          "  - billing migration\n"
	          "tags: [streaming, leadership]\n"
	          "created: 2024-02-11\n"
	          "---\n"
	          "\n"
	          "Moved billing events to Kafka.\n"
	          "## Situation\n"
	          "RabbitMQ fell behind at month end.\n"
	          "## Result\n"
	          "Lag went from hours to minutes.\n",
	          "Kafka cutover.md", &s);
	assert_string_equal(dump(&s), "9-13 Kafka cutover | \n");
	assert_non_null(s.meta);
	assert_non_null(strstr(s.meta, "Kafka cutover"));
	assert_non_null(strstr(s.meta, "billing migration"));
	assert_non_null(strstr(s.meta, "leadership"));
	assert_non_null(strstr(s.meta, "Kafka cutover.md"));
	assert_null(strstr(s.meta, "2024-02-11")); /* created: is not a title or tag */
	lidx_segments_free(&s);
	/* front matter without title: the first heading names the note */
	seg_named("---\ntags:\n- mentoring\n---\n# Onboarding buddy\nPaired with Dana.\n", "x.md", &s);
	assert_string_equal(dump(&s), "5-6 Onboarding buddy | \n");
	lidx_segments_free(&s);
	/* prose between two rules is no front matter: it stays searchable */
	seg_named("---\nSome prose: with a colon in it\n---\nBody.\n", "r.md", &s);
	assert_null(s.meta);
	int covered = 0;
	for (size_t i = 0; i < s.n_stories; i++)
		covered |= s.stories[i].line_start <= 2 && s.stories[i].line_end >= 2;
	assert_true(covered);
	lidx_segments_free(&s);
	/* no front matter: no meta */
	seg_named("# A\nText.\n", "a.md", &s);
	assert_null(s.meta);
	lidx_segments_free(&s);

	/* org-mode: headlines, TODO, priority and tags cleaned; drawers and keywords are noise */
	const char *org = "#+TITLE: Career log\n"
	                  "#+FILETAGS: :career:\n"
	                  "* Projects\n"
	                  "** DONE [#A] Rate limiter for the API    :golang:redis:\n"
	                  "   CLOSED: [2023-11-02 Thu 17:40]\n"
	                  "   :PROPERTIES:\n"
	                  "   :ID: 6f1c2b8e\n"
	                  "   :END:\n"
	                  "Built a token bucket in Go with Redis.\n"
	                  "It absorbed a credential-stuffing attack.\n"
	                  "Nobody was paged.\n"
	                  "Design doc reviewed by the SRE leads.\n"
	                  "#+BEGIN_SRC go\n"
	                  "* not a headline\n"
	                  "#+END_SRC\n"
	                  "** Postmortem template\n"
	                  "Wrote the sections.\n"
	                  "Got sign-off from the SRE leads.\n"
	                  "Ran the first two reviews with it.\n"
	                  "Teams adopted it in a month.\n"
	                  "Extra line to make it long enough.\n"
	                  "And one more line.\n"
	                  "* Feedback   :peers:\n"
	                  ":LOGBOOK:\n"
	                  "CLOCK: [2023-10-30 Mon 09:00]\n"
	                  ":END:\n"
	                  "Patient reviewer, said Priya.\n";
	seg_named(org, "career.org", &s);
	assert_int_equal(s.format, LIDX_FMT_ORG);
	assert_string_equal(dump(&s), "3-22 Projects | \n"
	                              "23-27 Feedback | \n");
	assert_null(strstr(s.text, "CLOCK:"));
	assert_null(strstr(s.text, ":PROPERTIES:"));
	assert_null(strstr(s.text, "6f1c2b8e"));
	assert_null(strstr(s.text, "CLOSED:"));
	assert_non_null(strstr(s.text, "* not a headline")); /* code is kept as it is */
	assert_non_null(strstr(s.meta, "Career log"));
	assert_non_null(strstr(s.meta, "career"));
	lidx_segments_free(&s);
	/* "* item" lists in Markdown are not org-mode */
	seg_named("* one\n* two\n", "list.md", &s);
	assert_int_not_equal(s.format, LIDX_FMT_ORG);
	lidx_segments_free(&s);

	/* a brag list: each dated item is a story, its sub-items with it */
	seg_named("# Brag 2024\n"
	          "Things I did.\n"
	          "- 2024-01-18: Cut the CI pipeline from 42 to 11 minutes.\n"
	          "- Feb 26, 2024 - Led the incident review for the billing outage.\n"
	          "- 2024-03-29: Finished the Kafka cutover for billing.\n"
	          "  - Finance closed March on day one.\n"
	          "- **2024-05-07** Mentored Dana through her first on-call.\n",
	          "brag.md", &s);
	assert_string_equal(dump(&s), "1-2 Brag 2024 | \n"
	                              "3-3 2024-01-18: Cut the CI pipeline from 42 to 11 minutes. | Brag 2024\n"
	                              "4-4 Feb 26, 2024 - Led the incident review for the billing outage. | Brag 2024\n"
	                              "5-6 2024-03-29: Finished the Kafka cutover for billing. | Brag 2024\n"
	                              "7-7 2024-05-07 Mentored Dana through her first on-call. | Brag 2024\n");
	lidx_segments_free(&s);
	/* two dated lines, or dates with no words (journal links), are no brag list */
	seg_named("# Notes\n- 2024-01-18: Cut CI time.\n- 2024-02-01: Fixed the build.\n", "n.md", &s);
	assert_string_equal(dump(&s), "1-3 Notes | \n");
	lidx_segments_free(&s);
	seg_named("- People\n\t- Vinayak\n\t\t- [[2024-12-10 Tuesday]]\n\t\t\t- Sharding\n"
	          "\t\t- [[2024-12-13 Friday]]\n\t\t\t- Auth\n\t\t- [[2024-12-20 Friday]]\n\t\t\t- Gateway\n",
	          "p.md", &s);
	assert_int_equal(s.n_stories, 1);
	lidx_segments_free(&s);

	/* a saved e-mail: headers are noise, Subject: heads each message */
	const char *mail = "From: Maria Lopez <maria@example.com>\n"
	                   "Sent: Friday, March 29, 2024 5:12 PM\n"
	                   "To: Platform Team <platform@example.com>\n"
	                   "Subject: Thank you for the billing cutover\n"
	                   "\n"
	                   "Month-end close finished on day one.\n"
	                   "\n"
	                   "-----Original Message-----\n"
	                   "From: Finance Leads <fin@example.com>\n"
	                   "Sent: Friday, March 29, 2024 9:03 AM\n"
	                   "To: Maria Lopez <maria@example.com>\n"
	                   "Subject: RE: March close\n"
	                   "\n"
	                   "We closed March on day one.\n";
	seg_named(mail, "mail.txt", &s);
	assert_string_equal(dump(&s), "4-6 Thank you for the billing cutover | \n"
	                              "12-14 RE: March close | \n");
	assert_null(strstr(s.text, "maria@example.com"));
	assert_null(strstr(s.text, "Original Message"));
	lidx_segments_free(&s);

	/* links only: flagged; a page that also says something is not */
	seg_named("# Career map\n- [[Kafka cutover]]\n- [Staff archetypes](https://staffeng.com/a)\n"
	          "- https://example.com/talk\n\n# Notes\nSee [[Kafka cutover]] for the numbers we used.\n",
	          "moc.md", &s);
	assert_int_equal(s.n_stories, 2);
	assert_int_equal(s.stories[0].flags, LIDX_STORY_LINKS);
	assert_int_equal(s.stories[1].flags, 0);
	lidx_segments_free(&s);
	/* templates: a placeholder flags the page; in a code fence it does not */
	seg_named("# {{title}}\nCreated {{date:YYYY-MM-DD}}\n## Situation\nWhat happened?\n", "t.md", &s);
	assert_true(s.n_stories >= 1);
	for (size_t i = 0; i < s.n_stories; i++)
		assert_int_equal(s.stories[i].flags, LIDX_STORY_TEMPLATE);
	lidx_segments_free(&s);
	seg_named("# Jinja\nWe render pages with:\n```\n{{title}}\n```\n", "j.md", &s);
	assert_int_equal(s.stories[0].flags, 0);
	lidx_segments_free(&s);
	/* a Logseq block with template:: is a template, its siblings are not */
	seg_named("- Meeting template\n  template:: meeting\n\t- Attendees\n\t- Notes\n"
	          "- Kafka cutover review\n\t- Lag went from hours to minutes\n\t- Finance happy\n"
	          "\t- Next: schema registry\n\t- Owner: me\n",
	          "lq.md", &s);
	assert_int_equal(s.format, LIDX_FMT_LOGSEQ);
	int tmpl = 0, plain = 0;
	for (size_t i = 0; i < s.n_stories; i++) {
		tmpl += s.stories[i].flags == LIDX_STORY_TEMPLATE;
		plain += s.stories[i].flags == 0;
	}
	assert_true(tmpl >= 1 && plain >= 1);
	lidx_segments_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_segment_table),
		cmocka_unit_test(test_segment_logseq),
		cmocka_unit_test(test_segment_logseq_split),
		cmocka_unit_test(test_segment_breadcrumbs),
		cmocka_unit_test(test_segment_crlf_bom),
		cmocka_unit_test(test_segment_long_plain),
		cmocka_unit_test(test_segment_binary_garbage),
		cmocka_unit_test(test_segment_corpus),
		cmocka_unit_test(test_segment_real_shapes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
