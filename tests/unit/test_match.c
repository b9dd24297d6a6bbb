/*
 * test_match.c -- job descriptions: requirement splitting (bullets,
 * numbered lists, headings, one long paragraph), boilerplate detection,
 * term weighting (tf x idf against a small index), aliases, coverage,
 * the story pick and the ranking's story-length prior.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "libindex.h"

/* ---- splitting ---------------------------------------------------------------- */

typedef struct split {
	lidx_jd_item *it;
	size_t n;
	const char *text;
} split;

static split do_split(const char *text)
{
	split s = { NULL, 0, text };
	assert_int_equal(lidx_jd_split(text, strlen(text), &s.it, &s.n), 0);
	return s;
}

static int item_is(const split *s, size_t i, const char *want)
{
	return i < s->n && s->it[i].end - s->it[i].start == strlen(want) &&
	       !memcmp(s->text + s->it[i].start, want, strlen(want));
}

static void test_match_split_bullets(void **state)
{
	(void)state;
	split s = do_split("Backend Engineer\n\nWhat you will do\n- Build APIs\n* Run Kafka\n\xe2\x80\xa2 Own on-call\n"
	                   "\xe2\x80\x93 Write runbooks\n+ Mentor\n");
	assert_int_equal(s.n, 7);
	assert_true(s.it[0].flags & LIDX_JD_TITLE);
	assert_true(item_is(&s, 1, "What you will do"));
	assert_true(s.it[1].flags & LIDX_JD_HEADING);
	assert_true(item_is(&s, 2, "Build APIs"));
	assert_true(item_is(&s, 3, "Run Kafka"));
	assert_true(item_is(&s, 4, "Own on-call"));
	assert_true(item_is(&s, 5, "Write runbooks"));
	assert_true(item_is(&s, 6, "Mentor"));
	for (size_t i = 2; i < 7; i++) {
		assert_true(s.it[i].flags & LIDX_JD_BULLET);
		assert_int_equal(s.it[i].section, 1);
	}
	lidx_free(s.it);
}

static void test_match_split_numbered_and_wrapped(void **state)
{
	(void)state;
	split s = do_split("Requirements:\n1. Go or Rust\n2) Kafka, including\n   event streaming\na) SQL\n");
	assert_int_equal(s.n, 4);
	assert_true(item_is(&s, 0, "Requirements"));
	assert_true(s.it[0].flags & LIDX_JD_HEADING);
	assert_true(item_is(&s, 1, "Go or Rust"));
	assert_true(item_is(&s, 2, "Kafka, including\n   event streaming"));
	assert_true(item_is(&s, 3, "SQL"));
	lidx_free(s.it);
}

static void test_match_split_markdown_headings(void **state)
{
	(void)state;
	split s = do_split("## About the role\nYou will lead.\n\n**You have**\n- Redis\n\n### Benefits\n- Dental\n");
	assert_int_equal(s.n, 6);
	assert_true(s.it[0].flags & LIDX_JD_HEADING);
	assert_true(item_is(&s, 0, "About the role"));
	assert_false(s.it[0].flags & LIDX_JD_BOILERPLATE);
	assert_true(item_is(&s, 1, "You will lead."));
	assert_true(s.it[1].flags & LIDX_JD_SENTENCE);
	assert_true(item_is(&s, 2, "You have"));
	assert_true(s.it[2].flags & LIDX_JD_HEADING);
	assert_true(item_is(&s, 3, "Redis"));
	assert_false(s.it[3].flags & LIDX_JD_BOILERPLATE);
	assert_true(s.it[4].flags & LIDX_JD_BOILERPLATE); /* the Benefits heading */
	assert_true(item_is(&s, 5, "Dental"));
	assert_true(s.it[5].flags & LIDX_JD_BOILERPLATE);
	lidx_free(s.it);
}

static void test_match_split_paragraph(void **state)
{
	(void)state;
	split s = do_split("We need someone to build data pipelines, e.g. with Kafka. You will own reliability! "
	                   "Do you like on-call? Great");
	assert_int_equal(s.n, 4);
	assert_true(item_is(&s, 0, "We need someone to build data pipelines, e.g. with Kafka."));
	assert_true(item_is(&s, 1, "You will own reliability!"));
	assert_true(item_is(&s, 2, "Do you like on-call?"));
	assert_true(item_is(&s, 3, "Great"));
	for (size_t i = 0; i < s.n; i++)
		assert_true(s.it[i].flags & LIDX_JD_SENTENCE);
	lidx_free(s.it);
}

static void test_match_split_empty(void **state)
{
	(void)state;
	split s = do_split("\n  \n\t\n");
	assert_int_equal(s.n, 0);
	lidx_free(s.it);
	s = do_split("");
	assert_int_equal(s.n, 0);
	lidx_free(s.it);
}

/*
 * The split as text, one item a line: its kind (T title, H heading, B
 * bullet, S sentence), '!' when it is boilerplate, a blank, its text.
 */
static char *render(const char *text)
{
	split s = do_split(text);
	size_t cap = 64;
	for (size_t i = 0; i < s.n; i++)
		cap += s.it[i].end - s.it[i].start + 4;
	char *out = malloc(cap), *o = out;
	assert_non_null(out);
	for (size_t i = 0; i < s.n; i++) {
		unsigned f = s.it[i].flags;
		*o++ = f & LIDX_JD_TITLE ? 'T' : f & LIDX_JD_HEADING ? 'H' : f & LIDX_JD_BULLET ? 'B' : 'S';
		if (f & LIDX_JD_BOILERPLATE)
			*o++ = '!';
		*o++ = ' ';
		memcpy(o, text + s.it[i].start, s.it[i].end - s.it[i].start);
		o += s.it[i].end - s.it[i].start;
		*o++ = '\n';
	}
	*o = 0;
	lidx_free(s.it);
	return out;
}

/* Job ads pasted from web pages: line breaks lost, fields glued together. */
static void test_match_split_runon(void **state)
{
	(void)state;
	static const struct { const char *text, *want; } cases[] = {
		/* a sentence glued to the next */
		{ "We build payment APIs in Go.Kafka experience is a plus.You will own on-call.",
		  "S We build payment APIs in Go.\nS Kafka experience is a plus.\nS You will own on-call.\n" },
		/* list items glued lower-case to capital; known camel-case words stay whole */
		{ "Responsibilities:\nOperate Kafka clustersLead incident responseWrite runbooks with JavaScript "
		  "and GitHub Actions",
		  "H Responsibilities\nS Operate Kafka clusters\nS Lead incident response\n"
		  "S Write runbooks with JavaScript and GitHub Actions\n" },
		/* a glued name the ad writes twice is a name */
		{ "Join AcmeCorp today. AcmeCorp builds data tools.",
		  "S Join AcmeCorp today.\nS AcmeCorp builds data tools.\n" },
		/* a section label glued to its value; years glued to the word before */
		{ "Required Qualifications:6+ years of Go and distributed systems2+ years as a tech lead",
		  "H Required Qualifications\nS 6+ years of Go and distributed systems\nS 2+ years as a tech lead\n" },
		/* bullets inside a line */
		{ "Nice to have * Rust * Terraform \xe2\x80\xa2 Kubernetes",
		  "H Nice to have\nB Rust\nB Terraform\nB Kubernetes\n" },
		{ "What you bring- Go services- Kafka pipelines",
		  "H What you bring\nB Go services\nB Kafka pipelines\n" },
		/* a pasted list: bullets and a heading glued on, a bracket glued to the next heading */
		{ "Qualifications\xe2\x80\xa2 3+ years of Python\xe2\x80\xa2 Experience with AWS (S3, Glue)Benefits"
		  "\xe2\x80\xa2 Dental",
		  "H Qualifications\nB 3+ years of Python\nB Experience with AWS (S3, Glue)\nH! Benefits\nB! Dental\n" },
		/* fields are boilerplate, a section label is a heading */
		{ "Location: Austin, TX Salary: $120k Skills: Go, Kafka, PostgreSQL",
		  "S! Location: Austin, TX\nS! Salary: $120k\nH Skills\nS Go, Kafka, PostgreSQL\n" },
		/* a label glued after an acronym */
		{ "Requirements:\nTerraform on AWSPreferred Qualifications: Redis",
		  "H Requirements\nS Terraform on AWS\nH Preferred Qualifications\nS Redis\n" },
		/* web pages space with U+00A0 */
		{ "Job\xc2\xa0" "Description:\xc2\xa0" "Build Go services",
		  "H Job\xc2\xa0" "Description\nS Build Go services\n" },
		/* boilerplate per clause: the requirement keeps its words */
		{ "- Build Kafka pipelines in Go; we offer dental, vision and a 401(k).",
		  "B Build Kafka pipelines in Go;\nB! we offer dental, vision and a 401(k).\n" },
		/* one weak cue does not drop a long item */
		{ "- Improve our benefits enrollment service in Go and Kafka with zero-downtime migrations",
		  "B Improve our benefits enrollment service in Go and Kafka with zero-downtime migrations\n" },
		/* a short line is a heading only when it reads as one */
		{ "Requirements:\n- Go\nExcellent communication and planning skills\n",
		  "H Requirements\nB Go\nS Excellent communication and planning skills\n" },
		/* the introduction in the third person */
		{ "Acme provides payroll software to 5,000 firms. Our stack is Go.\nRequirements:\n- Go\n",
		  "S! Acme provides payroll software to 5,000 firms.\nS Our stack is Go.\nH Requirements\nB Go\n" },
		/* recruiter, legal and visa lines are never requirements, wherever they stand */
		{ "Requirements:\n- Go and Kafka\n- Applicants must be authorized to work in the U.S.\n"
		  "- We cannot sponsor visas\n- Send your resume to jobs@acme.example\n",
		  "H Requirements\nB Go and Kafka\nB! Applicants must be authorized to work in the U.S.\n"
		  "B! We cannot sponsor visas\nB! Send your resume to jobs@acme.example\n" },
		/* a web address ends a clause when a capitalized word follows it */
		{ "- Read our tech blog at https://acme.example/tech Our stack is Go and Kafka",
		  "B! Read our tech blog at https://acme.example/tech\nB Our stack is Go and Kafka\n" },
		/* a camel-cased name in a short line is a name, not two glued items */
		{ "QuillStack - Platform Engineer - Remote\nRequirements:\n- Go\n",
		  "T QuillStack - Platform Engineer - Remote\nH Requirements\nB Go\n" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char *got = render(cases[i].text);
		static char msg[4096];
		int bad = strcmp(got, cases[i].want) != 0;
		snprintf(msg, sizeof msg, "case %zu:\n%s\ngot:\n%swant:\n%s", i, cases[i].text, got, cases[i].want);
		free(got);
		if (bad)
			fail_msg("%s", msg);
	}
}

/*
 * One-line pastes of 400 bytes or more: runs of blanks stand where the
 * line breaks were, a heading is glued to the first word under it
 * ("Benefits At Fernway, ..."), and a count of years after a word that no
 * count follows in a sentence starts an item ("citizenship 4 years").
 */
static void test_match_split_oneline_blanks(void **state)
{
	(void)state;
	static const char *const text =
		"Route Planning Engineer Fernway plans delivery routes for regional couriers in four "
		"countries.   Required skills Go services on Linux with gRPC and PostgreSQL, and a habit of "
		"writing load tests before launch.   The team Six engineers own the planner and its APIs.   "
		"Clearance Must hold a driving licence and U.S. citizenship 4 years of backend work in a "
		"product team.   Benefits At Fernway, we offer a pension, a bike and lunches.   Learn more "
		"about our planner on our blog.";
	char *got = render(text);
	static char msg[4096];
	static const char *const want =
		"S Route Planning Engineer Fernway plans delivery routes for regional couriers in four countries.\n"
		"H Required skills\n"
		"S Go services on Linux with gRPC and PostgreSQL, and a habit of writing load tests before launch.\n"
		"H The team\n"
		"S Six engineers own the planner and its APIs.\n"
		"S! Clearance Must hold a driving licence and U.S. citizenship\n"
		"S 4 years of backend work in a product team.\n"
		"H! Benefits\n"
		"S! At Fernway, we offer a pension, a bike and lunches.\n"
		"S! Learn more about our planner on our blog.\n";
	int bad = strcmp(got, want) != 0;
	snprintf(msg, sizeof msg, "got:\n%swant:\n%s", got, want);
	free(got);
	if (bad)
		fail_msg("%s", msg);
	/* a list split across a double blank stays one item */
	got = render("Skills: Java, Scala, Python, Hadoop, Spark, Kafka, Cassandra,  HBase, agile, scalability, "
	             "multi-threading, distributed applications, design, development, testing, code review, "
	             "mentoring, hiring, roadmaps, budgets, vendor management, stakeholder management, "
	             "incident response, capacity planning, observability, cost control, security reviews, "
	             "data governance and compliance reporting for the whole platform group");
	assert_null(strstr(got, "\nS HBase"));
	free(got);
}

/* ---- boilerplate -------------------------------------------------------------------- */

static void test_match_boilerplate(void **state)
{
	(void)state;
	static const struct { const char *text; int want; } cases[] = {
		{ "We are an equal opportunity employer.", 1 },
		{ "Benefits include health, dental and a learning stipend.", 1 },
		{ "Salary: $150,000 - $190,000 plus equity", 1 },
		{ "Pay: $120k-$160k", 1 },
		{ "All qualified applicants will receive consideration without regard to race or sexual orientation.", 1 },
		{ "Acme is a leading fintech company headquartered in Austin.", 1 },
		{ "Generous PTO and parental leave", 1 },
		{ "Build CLI tools for local environments", 0 },
		{ "Experience with Kafka and event streaming", 0 },
		{ "Cut cloud spend by $20m", 0 },
		{ "Crypto payments experience", 0 },          /* "pto" inside a word */
		{ "Improve reliability of the payments platform", 0 },
		{ "Applicants must be authorized to work in the U.S.", 1 },
		{ "Visa sponsorship is not available for this position", 1 },
		{ "Please reply with your resume or call 555 123 4567", 1 },
		{ "Location: Remote (US)", 1 },
		{ "Copyright \xc2\xa9 2024 Acme Inc. All rights reserved.", 1 },
		{ "Competitive compensation", 1 },
		{ "Ability to apply machine learning to fraud detection", 0 },
		{ "Improve our benefits enrollment service in Go and Kafka with zero-downtime migrations", 0 },
		{ "Partner with the compensation team on payroll data pipelines in Python and Airflow", 0 },
		/* how to apply, said first, whatever the length */
		{ "Please apply below with your most recent resume and anything else you would like us to know "
		  "about you, such as your commute and the hours you prefer to work", 1 },
		{ "For details contact Priya at the Leeds office", 1 },
		{ "Apply statistical models to forecast demand", 0 },
		/* a cue in the plural */
		{ "Must pass state and federal background checks", 1 },
		{ "Candidates who do not address the specialized experience in their resume will not be referred "
		  "for consideration", 1 },
		{ "Pay is $178.5k", 1 },                      /* a salary with a fraction */
		{ "W-2 Direct Hire Only.", 1 },
		{ "Resume", 1 },                               /* an item of what to send */
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		int got = lidx_jd_boilerplate(cases[i].text, strlen(cases[i].text));
		if (got != cases[i].want)
			fail_msg("boilerplate(\"%s\") = %d, want %d", cases[i].text, got, cases[i].want);
	}
}

/* The company's introduction, before the first heading or bullet, is not a requirement. */
static void test_match_intro(void **state)
{
	(void)state;
	split sp = do_split("Product Engineer\n\n"
	                    "Hi, we're Tessellate! We make planning software that 40,000 teams use every day. "
	                    "Our developers lose hours to setup. We're looking for someone who ships.\n\n"
	                    "You will:\n* Build React features\n\n"
	                    "We run weekly demos.\n");
	static const struct { const char *start; int bp; } want[] = {
		{ "Hi, we're", 1 }, { "We make", 1 }, { "Our developers", 0 }, { "We're looking", 0 },
		{ "Build React", 0 }, { "We run weekly", 0 }, /* after a heading: not the introduction */
	};
	for (size_t w = 0; w < sizeof want / sizeof *want; w++) {
		size_t k = 0;
		while (k < sp.n && strncmp(sp.text + sp.it[k].start, want[w].start, strlen(want[w].start)))
			k++;
		if (k == sp.n)
			fail_msg("no item starts with \"%s\"", want[w].start);
		int bp = (sp.it[k].flags & LIDX_JD_BOILERPLATE) != 0;
		if (bp != want[w].bp)
			fail_msg("\"%s...\": boilerplate %d, want %d", want[w].start, bp, want[w].bp);
	}
	lidx_free(sp.it);
	/* an ad in prose says what it wants in "we" sentences: all of them count */
	sp = do_split("Platform Engineer\n\n"
	              "We need an engineer with Kubernetes experience. We value observability.\n");
	for (size_t k = 0; k < sp.n; k++)
		assert_false(sp.it[k].flags & LIDX_JD_BOILERPLATE);
	lidx_free(sp.it);
}

/* ---- a small index ---------------------------------------------------------------------- */

typedef struct fixture {
	char path[64];
	lidx_index *ix;
	lidx_analyzer *an;
} fixture;

static const char *const notes =
	"# Rate limiting at the gateway\nIntroduced rate limiting in the Kong gateway to stop abuse.\n\n"
	"# Kubernetes migration\nMoved every service to kubernetes with helm charts.\n\n"
	"# Postgres tuning\nTuned postgresql indexes and vacuum; queries 10x faster.\n\n"
	"# Team lunch\nOrganized the team lunch and a retro for the team.\n\n"
	"# Circuit breakers\nImplemented circuit breakers and retries to stop cascading failures.\n\n"
	"# CLI tool\nBuilt a CLI tool that seeds local databases in minutes.\n\n"
	"# Design reviews\nLead architect of the payments architecture.\n";

static int setup_with(void **state, const char *text)
{
	fixture *f = calloc(1, sizeof *f);
	assert_non_null(f);
	snprintf(f->path, sizeof f->path, "/tmp/test_match.%ld.idx", (long)getpid());
	lidx_builder *b;
	assert_int_equal(lidx_builder_new(&b), 0);
	assert_int_equal(lidx_builder_add_file(b, "notes.md", strlen(text), 0, 0), 0);
	assert_int_equal(lidx_builder_add_text(b, text, strlen(text), "notes.md", NULL), 0);
	assert_int_equal(lidx_builder_write(b, f->path, NULL), 0);
	lidx_builder_free(b);
	assert_int_equal(lidx_index_open(&f->ix, f->path, 0, NULL), 0);
	assert_int_equal(lidx_analyzer_new(&f->an), 0);
	*state = f;
	return 0;
}

static int setup(void **state)
{
	return setup_with(state, notes);
}

static int teardown(void **state)
{
	fixture *f = *state;
	lidx_analyzer_free(f->an);
	lidx_index_close(f->ix);
	unlink(f->path);
	free(f);
	return 0;
}

static const lidx_match_term *find_term(lidx_match *m, const char *label)
{
	for (size_t i = 0; i < lidx_match_term_count(m); i++)
		if (!strcmp(lidx_match_term_at(m, i)->label, label))
			return lidx_match_term_at(m, i);
	return NULL;
}

static lidx_match *new_match(fixture *f, const char *jd)
{
	lidx_match *m = NULL;
	lidx_err err = { 0 };
	int rc = lidx_match_new(&m, f->ix, f->an, jd, strlen(jd), NULL, &err);
	if (rc < 0)
		fail_msg("lidx_match_new: %s", err.msg);
	return m;
}

static void test_match_weighting(void **state)
{
	fixture *f = *state;
	/* "team" is a frame word; "kafka" is not in the notes; "kong" is rare
	   there and said twice, "circuit" once */
	lidx_match *m = new_match(f, "Platform Engineer\n\n- Run our Kong gateway and Kong plugins for the team\n"
	                             "- Circuit breakers\n- Kafka\n\nWe offer dental and a 401(k).\n");
	const lidx_match_term *kong = find_term(m, "kong"), *circuit = find_term(m, "circuit");
	assert_non_null(kong);
	assert_non_null(circuit);
	assert_true(kong->weight > circuit->weight);   /* tf 2 beats tf 1 at the same df */
	assert_int_equal(kong->tf, 2);
	assert_true(kong->weight <= 1.0);
	assert_null(find_term(m, "team"));          /* frame word */
	assert_null(find_term(m, "kafka"));         /* not in the notes: cannot match */
	assert_null(find_term(m, "dental"));        /* boilerplate */
	/* a phrase the notes contain is added as a boost */
	const lidx_match_term *cb = find_term(m, "circuit breakers");
	assert_non_null(cb);
	assert_true(cb->phrase);
	/* requirements: the three bullets, not the title nor the benefits */
	assert_int_equal(lidx_match_req_count(m), 3);
	lidx_match_free(m);
}

double lidx__bg_specificity(const char *term);
int lidx__bg_sorted(void);

/* Everyday English words weigh less than skill words of the same df in the notes. */
static void test_match_background(void **state)
{
	fixture *f = *state;
	assert_true(lidx__bg_sorted()); /* bsearch needs strcmp order */
	/* stems, as the analyzer makes them */
	assert_true(lidx__bg_specificity("give") < lidx__bg_specificity("design"));
	assert_true(lidx__bg_specificity("design") < lidx__bg_specificity("kubernet"));
	assert_true(lidx__bg_specificity("kubernet") == 1.0); /* not in the books */
	assert_true(lidx__bg_specificity("give") > 0);
	/* "databases" and "minutes" are in one story each; "minutes" is everyday English */
	lidx_match *m = new_match(f, "Tools Engineer\n\n- Seed the databases in minutes\n");
	const lidx_match_term *db = find_term(m, "databases"), *mn = find_term(m, "minutes");
	assert_non_null(db);
	assert_non_null(mn);
	assert_int_equal(db->df, mn->df);
	assert_true(db->weight > 1.5 * mn->weight);
	lidx_match_free(m);
}

/* Two spellings of one thing (an alias set) are one query word, and one requirement word. */
static void test_match_alias_once(void **state)
{
	fixture *f = *state;
	lidx_match *m = new_match(f, "Database Engineer\n\n- Postgres and PostgreSQL tuning\n");
	int pg = find_term(m, "postgres") != NULL, pgsql = find_term(m, "postgresql") != NULL;
	assert_int_equal(pg + pgsql, 1);
	assert_non_null(find_term(m, "tuning"));
	lidx_match_free(m);
}

/* A stem variant is not an alias: "architect" stays beside "architecture". */
static void test_match_variant_not_alias(void **state)
{
	fixture *f = *state;
	lidx_match *m = new_match(f, "Architect\n\n- Software architecture experience as an architect\n");
	assert_non_null(find_term(m, "architecture"));
	assert_non_null(find_term(m, "architect"));
	lidx_match_free(m);
}

static void test_match_errors(void **state)
{
	fixture *f = *state;
	lidx_match *m = NULL;
	lidx_err err = { 0 };
	assert_int_equal(lidx_match_new(&m, f->ix, f->an, "a\0b", 3, NULL, &err), LIDX_EINVAL);
	assert_null(m);
	assert_int_equal(lidx_match_new(&m, f->ix, f->an, "the and of, to.", 15, NULL, &err), LIDX_EEMPTY);
	assert_int_equal(lidx_match_new(&m, f->ix, f->an, "", 0, NULL, &err), LIDX_EEMPTY);
	assert_true(err.msg[0] != 0);
	size_t big = LIDX_MATCH_MAX_BYTES + 1;
	char *t = malloc(big);
	assert_non_null(t);
	memset(t, 'a', big);
	assert_int_equal(lidx_match_new(&m, f->ix, f->an, t, big, NULL, &err), LIDX_ETOOBIG);
	free(t);
	const char *bp = "We are an equal opportunity employer. Benefits include dental.";
	assert_int_equal(lidx_match_new(&m, f->ix, f->an, bp, strlen(bp), NULL, &err), LIDX_EEMPTY);
}

static void test_match_aliases_builtin(void **state)
{
	fixture *f = *state;
	/* k8s finds the kubernetes story; postgres finds postgresql */
	lidx_query *q;
	lidx_results r;
	assert_int_equal(lidx_query_parse(&q, f->ix, f->an, "k8s", 3, 0, NULL), 0);
	assert_int_equal(lidx_search(f->ix, q, NULL, &r, NULL), 0);
	assert_int_equal(r.n_hits, 1);
	lidx_story s;
	assert_int_equal(lidx_index_story(f->ix, r.hits[0].story, &s, NULL), 0);
	assert_string_equal(s.title, "Kubernetes migration");
	lidx_story_clear(&s);
	lidx_results_clear(&r);
	lidx_query_free(q);
	assert_int_equal(lidx_query_parse(&q, f->ix, f->an, "Postgres", 8, 0, NULL), 0);
	assert_int_equal(lidx_search(f->ix, q, NULL, &r, NULL), 0);
	assert_int_equal(r.n_hits, 1);
	lidx_results_clear(&r);
	lidx_query_free(q);
	/* and in match */
	lidx_match *m = new_match(f, "- K8s\n");
	assert_int_equal(lidx_match_search(m, NULL, &r, NULL), 0);
	assert_int_equal(r.n_hits, 1);
	lidx_results_clear(&r);
	lidx_match_free(m);
}

static void test_match_aliases_user_file(void **state)
{
	fixture *f = *state;
	char path[64];
	snprintf(path, sizeof path, "/tmp/test_match.%ld.aliases", (long)getpid());
	FILE *fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("# mine\n\nthrottling = rate limiting   # a comment\nhelm, charts\n", fp);
	fclose(fp);
	lidx_err err = { 0 };
	assert_int_equal(lidx_aliases_load(f->an, path, &err), 0);
	lidx_query *q;
	lidx_results r;
	assert_int_equal(lidx_query_parse(&q, f->ix, f->an, "throttling", 10, 0, NULL), 0);
	assert_int_equal(lidx_search(f->ix, q, NULL, &r, NULL), 0);
	assert_int_equal(r.n_hits, 1);
	lidx_results_clear(&r);
	lidx_query_free(q);
	/* a line without a separator is an error that names the line */
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("ok = fine\njust one word\n", fp);
	fclose(fp);
	assert_int_equal(lidx_aliases_load(f->an, path, &err), LIDX_ESYNTAX);
	assert_non_null(strstr(err.msg, ":2:"));
	unlink(path);
	assert_int_equal(lidx_aliases_load(f->an, path, &err), LIDX_ENOTFOUND);
}

static void test_match_coverage_and_pick(void **state)
{
	fixture *f = *state;
	lidx_match *m = new_match(f, "You have:\n- Rate limiting in an API gateway like Kong\n"
	                             "- Circuit breakers and retries\n- Quantum chromodynamics\n");
	assert_int_equal(lidx_match_req_count(m), 3);
	assert_int_equal(lidx_match_coverage(m, NULL, NULL), 0);
	const lidx_requirement *r0 = lidx_match_req(m, 0), *r1 = lidx_match_req(m, 1), *r2 = lidx_match_req(m, 2);
	assert_int_equal(r0->label, LIDX_COVER_STRONG);
	assert_true(r0->has_story);
	lidx_story s;
	assert_int_equal(lidx_index_story(f->ix, r0->story, &s, NULL), 0);
	assert_string_equal(s.title, "Rate limiting at the gateway");
	lidx_story_clear(&s);
	assert_true(r0->n_matched >= 3);
	assert_int_equal(r1->label, LIDX_COVER_STRONG);
	assert_int_equal(r1->n_missing, 0);
	assert_int_equal(r2->label, LIDX_COVER_NONE);
	assert_int_equal(r2->n_matched, 0);
	assert_true(r2->n_missing >= 2);
	double share = lidx_match_coverage_share(m);
	assert_true(share > 0.6 && share < 0.7); /* 2 of 3 */
	uint32_t pick[3];
	size_t n;
	assert_int_equal(lidx_match_pick(m, 3, pick, &n), 0);
	assert_int_equal(n, 2); /* nothing covers the third: no third story */
	assert_true(pick[0] != pick[1]);
	assert_int_equal(lidx_match_story_label(m, 0, r0->story), LIDX_COVER_STRONG);
	/* the ranking puts the two answers first */
	lidx_results res;
	assert_int_equal(lidx_match_search(m, NULL, &res, NULL), 0);
	assert_true(res.n_hits >= 2);
	assert_true((res.hits[0].story == r0->story && res.hits[1].story == r1->story) ||
	            (res.hits[0].story == r1->story && res.hits[1].story == r0->story));
	lidx_results_clear(&res);
	lidx_match_free(m);
}

/*
 * The total of lidx_match_search(): the stories the description or one of
 * its requirements matched. Here stories 0 (rate limiting), 1 (kubernetes),
 * 2 (postgres) and 4 (circuit breakers): 4, exact when every search listed
 * all it matched. With req_hits 1 the third requirement (two stories) is
 * cut: the total is then only a lower bound.
 */
static void test_match_total(void **state)
{
	fixture *f = *state;
	const char *jd = "- Kubernetes and helm\n- Postgres vacuum\n- Circuit breakers and rate limiting\n";
	for (int cut = 0; cut < 2; cut++) {
		lidx_match_opts mo;
		lidx_match_defaults(&mo);
		if (cut)
			mo.req_hits = 1;
		lidx_match *m = NULL;
		lidx_err err = { 0 };
		assert_int_equal(lidx_match_new(&m, f->ix, f->an, jd, strlen(jd), &mo, &err), 0);
		lidx_results res;
		assert_int_equal(lidx_match_search(m, NULL, &res, NULL), 0);
		if (cut) {
			assert_false(res.total_exact);
			assert_true(res.total >= res.n_hits && res.total <= 4);
		} else {
			assert_true(res.total_exact);
			assert_int_equal(res.total, 4);
		}
		lidx_results_clear(&res);
		lidx_match_free(m);
	}
}

/* "strong" needs two words, or one that is no everyday English word */
/* HTML pasted with the ad is read as the text it shows. */
static void test_match_html(void **state)
{
	fixture *f = *state;
	static const char *const jd =
		"<p><strong>Requirements:</strong></p><ul><li>Kubernetes migrations with helm</li>"
		"<li>Rate limiting in Kong &amp; circuit breakers</li></ul>"
		"<p>We&#x27;re remote. Apply at <a href=\"https:&#x2F;&#x2F;acme.example&#x2F;jobs\">"
		"https:&#x2F;&#x2F;acme.example&#x2F;jobs</a></p>";
	lidx_match *m = new_match(f, jd);
	size_t n = lidx_match_req_count(m);
	int helm = 0, kong = 0;
	for (size_t i = 0; i < n; i++) {
		const lidx_requirement *r = lidx_match_req(m, i);
		char buf[256];
		snprintf(buf, sizeof buf, "%.*s", (int)r->len, r->text);
		if (strstr(buf, "href") || strstr(buf, "&#") || strstr(buf, "<") || strstr(buf, "Apply"))
			fail_msg("requirement with markup or the apply line: %s", buf);
		helm += !strcmp(buf, "Kubernetes migrations with helm");
		kong += !strcmp(buf, "Rate limiting in Kong & circuit breakers");
	}
	assert_int_equal(helm, 1);
	assert_int_equal(kong, 1);
	lidx_match_free(m);
	/* no markup: the text is kept as written, "<canvas>" and "&co" too */
	m = new_match(f, "Requirements:\n- Kong plugins drawn on <canvas> by Smith &co\n");
	assert_int_equal(lidx_match_req_count(m), 1);
	assert_int_equal(strncmp(lidx_match_req(m, 0)->text, "Kong plugins drawn on <canvas> by Smith &co", 43), 0);
	lidx_match_free(m);
}

static void test_match_strong_needs_more(void **state)
{
	fixture *f = *state;
	lidx_match *m = new_match(f, "You have:\n- Lunch\n- Kubernetes\n");
	assert_int_equal(lidx_match_req_count(m), 2);
	assert_int_equal(lidx_match_coverage(m, NULL, NULL), 0);
	assert_int_equal(lidx_match_req(m, 0)->label, LIDX_COVER_WEAK);   /* "lunch": common English */
	assert_int_equal(lidx_match_req(m, 1)->label, LIDX_COVER_STRONG); /* "kubernetes": not */
	lidx_match_free(m);
}

/*
 * The length prior: a one-line summary that names the ad's words in passing
 * and a project story that tells the work with them. BM25 alone (b
 * normalizes by length) puts the summary first; with the prior (the
 * default) the project story comes first.
 */
static const char *const length_notes =
	"# Summary\nKafka, Terraform and Grafana.\n\n"
	"# Event pipeline\nThe order service lost events under load, so I proposed moving to Kafka. "
	"I wrote the design, ran the load tests with the team and we cut lost orders to zero; "
	"the topics and consumer groups are provisioned with Terraform, and alerting on "
	"consumer lag lives in Grafana. Later I mentored two engineers on Kafka operations, "
	"wrote the runbook, and we migrated the remaining producers over three sprints "
	"without downtime.\n\n"
	"# Team lunch\nOrganized the team lunch.\n\n"
	"# Offsite\nPlanned the offsite agenda.\n";

static int setup_length(void **state)
{
	return setup_with(state, length_notes);
}

static void test_match_length_prior(void **state)
{
	fixture *f = *state;
	const char *jd = "Platform Engineer\n\n- Kafka event streaming\n- Terraform\n- Grafana dashboards\n";
	uint32_t first[2];
	for (int prior = 0; prior < 2; prior++) {
		lidx_match_opts mo;
		lidx_match_defaults(&mo);
		assert_true(mo.length_prior == 2.0);
		if (!prior)
			mo.length_prior = 0;
		lidx_match *m = NULL;
		assert_int_equal(lidx_match_new(&m, f->ix, f->an, jd, strlen(jd), &mo, NULL), 0);
		lidx_results res;
		assert_int_equal(lidx_match_search(m, NULL, &res, NULL), 0);
		assert_true(res.n_hits >= 2);
		first[prior] = res.hits[0].story;
		lidx_results_clear(&res);
		lidx_match_free(m);
	}
	lidx_story s;
	assert_int_equal(lidx_index_story(f->ix, first[0], &s, NULL), 0);
	assert_string_equal(s.title, "Summary");
	lidx_story_clear(&s);
	assert_int_equal(lidx_index_story(f->ix, first[1], &s, NULL), 0);
	assert_string_equal(s.title, "Event pipeline");
	lidx_story_clear(&s);
}

/*
 * The prior grows with the log of the length ratio: a story a tenth of the
 * average length keeps 0.42 of an average story's prior (a prior linear in
 * the length gave it 0.1 and buried the short item that is the whole
 * answer), one eight times the average gets 3.6 times it (not 8); it never
 * falls as a story grows.
 */
double lidx__length_prior(double ratio, double e);

static void test_match_prior_shape(void **state)
{
	(void)state;
	double one = lidx__length_prior(1.0, 2.0);
	assert_true(fabs(lidx__length_prior(0.1, 2.0) / one - 0.418) < 0.01);
	assert_true(fabs(lidx__length_prior(8.0, 2.0) / one - 3.57) < 0.01);
	assert_true(lidx__length_prior(0.0, 2.0) == 1.0);
	for (double r = 0; r < 20; r += 0.25)
		assert_true(lidx__length_prior(r + 0.25, 2.0) > lidx__length_prior(r, 2.0));
	assert_true(lidx__length_prior(3.0, 0.0) == 1.0); /* exponent 0: no prior */
}

static void test_match_alloc_failures(void **state)
{
	fixture *f = *state;
	static const char *const jds[] = {
		"Title\n\nResponsibilities\n- Kong rate limiting\n- Circuit breakers\n",
		/* one line, glued: the run-on splitter's allocations too */
		"Requirements:Kong rate limitingCircuit breakers * Postgres Location: Austin\xc2\xa0"
		"Benefits: dental.Applicants must be authorized to work in the U.S.",
		/* HTML, and a long line with blank runs and a glued heading */
		"<ul><li>Kong rate limiting &amp; circuit breakers</li></ul><p>Apply at <a href=\"x\">here</a></p>",
		"We run payments for couriers in four countries and ship every week to many customers in the "
		"region, with a small team that owns the whole platform end to end and keeps it running well.   "
		"Required skills Kong rate limiting and circuit breakers on Postgres with careful load testing.   "
		"Benefits At Acme, we offer lunches and a pension for everyone who joins the platform team here.",
	};
	for (size_t k = 0; k < sizeof jds / sizeof *jds; k++) {
		const char *jd = jds[k];
		/* fail each allocation in turn: an error or success, never a crash or leak */
		for (long n = 1; n < 5000; n++) {
			lidx_alloc_fail_at(n);
			lidx_match *m = NULL;
			int rc = lidx_match_new(&m, f->ix, f->an, jd, strlen(jd), NULL, NULL);
			if (rc == 0) {
				lidx_results r;
				rc = lidx_match_search(m, NULL, &r, NULL);
				if (rc == 0)
					lidx_results_clear(&r);
				lidx_match_free(m);
			} else {
				assert_null(m);
			}
			long made = lidx_alloc_fail_at(0);
			if (rc == 0 && made < n)
				break; /* no allocation failed: done */
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_match_split_bullets),
		cmocka_unit_test(test_match_split_numbered_and_wrapped),
		cmocka_unit_test(test_match_split_markdown_headings),
		cmocka_unit_test(test_match_split_paragraph),
		cmocka_unit_test(test_match_split_empty),
		cmocka_unit_test(test_match_split_runon),
		cmocka_unit_test(test_match_split_oneline_blanks),
		cmocka_unit_test(test_match_boilerplate),
		cmocka_unit_test(test_match_intro),
		cmocka_unit_test_setup_teardown(test_match_weighting, setup, teardown),
		cmocka_unit_test_setup_teardown(test_match_background, setup, teardown),
		cmocka_unit_test_setup_teardown(test_match_alias_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_match_variant_not_alias, setup, teardown),
		cmocka_unit_test_setup_teardown(test_match_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_match_aliases_builtin, setup, teardown),
		cmocka_unit_test_setup_teardown(test_match_aliases_user_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_match_coverage_and_pick, setup, teardown),
		cmocka_unit_test_setup_teardown(test_match_total, setup, teardown),
		cmocka_unit_test_setup_teardown(test_match_strong_needs_more, setup, teardown),
		cmocka_unit_test_setup_teardown(test_match_html, setup, teardown),
		cmocka_unit_test_setup_teardown(test_match_alloc_failures, setup, teardown),
		cmocka_unit_test_setup_teardown(test_match_length_prior, setup_length, teardown),
		cmocka_unit_test(test_match_prior_shape),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
