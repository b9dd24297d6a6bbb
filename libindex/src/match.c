/*
 * match.c -- job descriptions (`cvsearch match`): split a pasted description
 * into requirement items (restoring the line breaks a one-line paste lost),
 * set boilerplate aside clause by clause, build a weighted query of
 * its characteristic terms (MoreLikeThis-style), score each requirement on
 * its own for the coverage report and pick a small story portfolio with a
 * greedy set cover. Called by the CLI (cli/cmd_match.c).
 */
#include <assert.h>
#include <stdlib.h>
#include <ctype.h>
#include <math.h>
#include "query.h"
#include "aliases.h"
#include "bgfreq.h"

#define TITLE_BOOST 1.5      /* the job title names the role: its words count more */
#define MAX_PHRASE_CHECKS 24 /* candidate two-word phrases looked up in the notes */
#define STRONG_SHARE 0.5     /* coverage thresholds, see lidx_match_coverage() */
#define WEAK_SHARE (1.0 / 3)
#define RARE_SPEC 0.8        /* specificity from which a word is no everyday English word */
#define FUSE_DEPTH 50        /* results of the whole-description query that are fused */
#define XQUAD_LAMBDA 0.5     /* share of the requirements (diversity) in the ranking */

/* ---- splitting ---------------------------------------------------------------------- */

static int lower_contains(const char *s, size_t len, const char *cue)
{
	/*
	 * case-insensitive search for cue at word boundaries (cue's own
	 * edges); a plural "s" may follow ("background checks")
	 */
	size_t n = strlen(cue);
	int c0 = tolower((unsigned char)cue[0]);
	for (size_t i = 0; i + n <= len; i++) {
		if (tolower((unsigned char)s[i]) != c0 || strncasecmp(s + i, cue, n))
			continue;
		int left_ok = i == 0 || !isalnum((unsigned char)s[i - 1]) || !isalnum((unsigned char)cue[0]);
		size_t e = i + n;
		if (e < len && (s[e] == 's' || s[e] == 'S') && isalpha((unsigned char)cue[n - 1]) &&
		    tolower((unsigned char)cue[n - 1]) != 's')
			e++;
		int right_ok = e == len || !isalnum((unsigned char)s[e]) || !isalnum((unsigned char)cue[n - 1]) ||
		               i + n == len || !isalnum((unsigned char)s[i + n]);
		if (left_ok && right_ok)
			return 1;
	}
	return 0;
}

static int count_cues(const char *s, size_t len, const char *const *cues)
{
	int n = 0;
	for (int i = 0; cues[i]; i++)
		n += lower_contains(s, len, cues[i]);
	return n;
}

static size_t count_words(const char *s, size_t len)
{
	size_t n = 0;
	int in = 0;
	for (size_t i = 0; i < len; i++) {
		int ws = isspace((unsigned char)s[i]);
		n += !ws && !in;
		in = !ws;
	}
	return n;
}

/*
 * The words of a label before a colon ("Required Qualifications:",
 * "Location:"): a section opens a part of the ad (its items follow), a
 * field holds a value of the ad's own (where, when, how paid, who to call),
 * a modifier only qualifies one of those.
 */
enum { LW_OTHER, LW_MOD, LW_SECTION, LW_FIELD };

static int label_word(const char *w, size_t n)
{
	static const char *const section[] = {
		"requirements", "requirement", "qualifications", "qualification", "responsibilities",
		"responsibility", "duties", "skills", "skill", "description", "overview", "summary",
		"benefits", "perks", "offer", "offers", "expectations", "tasks", "technologies", "stack",
		"education", "experience", "needs", "need", "have", "do", "bring", "are", "for", "get",
		"role", "opportunity", "us", "culture", "values", NULL
	};
	static const char *const field[] = {
		"location", "locations", "duration", "salary", "pay", "compensation", "rate", "type", "id",
		"title", "position", "date", "department", "travel", "schedule", "shift", "hours",
		"contract", "term", "industry", "client", "posted", "deadline", "contact", "email", "phone",
		"recruiter", "reference", "category", "openings", "authorization", "visa", "citizenship",
		"clearance", "status", "remote", "onsite", "relocation", "employer", NULL
	};
	static const char *const mod[] = {
		"required", "preferred", "minimum", "min", "primary", "key", "basic", "desired",
		"additional", "technical", "job", "what", "we", "you", "our", "your", "the", "will",
		"you'll", "you’ll", "we're", "we’re", "who", "is", "this", "to", "and", "&", "/", "-", "of",
		"a", "an", "in", "with", "nice", "must", "bonus", "plus", "core", "main", "essential",
		"general", "other", "company", "team", "work", "employment", "start", "base", "annual",
		"about", "why", "join", "looking", "can", "expect", "ideal", "candidate", "profile",
		"position", "role", "day", "impact", "mission", "it", "would", "be", "great", "if",
		"hiring", "process", "benefits", "compensation", "apply", "how", "sponsorship", "points",
		"if", "it", "in", "what's", "that", "all", NULL
	};
	if (n == 0 || n > 24)
		return LW_OTHER;
	for (int i = 0; section[i]; i++)
		if (strlen(section[i]) == n && !strncasecmp(w, section[i], n))
			return LW_SECTION;
	for (int i = 0; field[i]; i++)
		if (strlen(field[i]) == n && !strncasecmp(w, field[i], n))
			return LW_FIELD;
	for (int i = 0; mod[i]; i++)
		if (strlen(mod[i]) == n && !strncasecmp(w, mod[i], n))
			return LW_MOD;
	return LW_OTHER;
}

/*
 * A label at the start of a clause whose last word names a field of the
 * ad ("Location: Austin", "Job Type: Full-time", "Visa: none"): 1.
 */
static int field_clause(const char *s, size_t len)
{
	size_t c = 0;
	while (c < len && c < 48 && s[c] != ':' && s[c] != '\n')
		c++;
	if (c >= len || s[c] != ':' || c == 0 || count_words(s, c) > 4)
		return 0;
	size_t e = c;
	while (e > 0 && isspace((unsigned char)s[e - 1]))
		e--;
	size_t b = e;
	while (b > 0 && !isspace((unsigned char)s[b - 1]))
		b--;
	return label_word(s + b, e - b) == LW_FIELD;
}

/* A telephone number (ten digits or more in one run of digits, blanks, - . ( ) +), an e-mail or a web address. */
static int contact_detail(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (isdigit((unsigned char)s[i]) && (i == 0 || !isalnum((unsigned char)s[i - 1]))) {
			size_t j = i, d = 0, last = i;
			while (j < len && (isdigit((unsigned char)s[j]) || strchr(" -.()+", s[j]))) {
				if (isdigit((unsigned char)s[j])) {
					d++;
					last = j;
				}
				if (j > i && s[j] == ' ' && s[j - 1] == ' ')
					break;
				j++;
			}
			if (d >= 10 && d <= 15 && (last + 1 == len || !isalnum((unsigned char)s[last + 1])))
				return 1;
			i = j > i ? j - 1 : i;
		}
		if (s[i] == '@' && i > 0 && isalnum((unsigned char)s[i - 1]) && i + 1 < len &&
		    isalnum((unsigned char)s[i + 1])) {
			for (size_t j = i + 1; j < len && j < i + 40 && !isspace((unsigned char)s[j]); j++)
				if (s[j] == '.' && j + 1 < len && isalpha((unsigned char)s[j + 1]))
					return 1;
		}
	}
	return lower_contains(s, len, "http://") || lower_contains(s, len, "https://") ||
	       lower_contains(s, len, "www.");
}

/* A salary: "$150,000", "$120k", "$178.5k", "£60k". */
static int salary_amount(const char *s, size_t len)
{
	for (size_t i = 0; i + 2 < len; i++)
		if (s[i] == '$' || !memcmp(s + i, "\xc2\xa3", 2)) {
			size_t j = i + (s[i] == '$' ? 1 : 2), d = 0;
			while (j < len && (isdigit((unsigned char)s[j]) || s[j] == ',')) {
				d += isdigit((unsigned char)s[j]) != 0;
				j++;
			}
			size_t k = j; /* "178.5k": a fraction before the k */
			if (k + 1 < len && s[k] == '.' && isdigit((unsigned char)s[k + 1]))
				for (k++; k < len && isdigit((unsigned char)s[k]); k++)
					;
			if (d >= 5 || (d >= 2 && k < len && (s[k] == 'k' || s[k] == 'K')))
				return 1;
		}
	return 0;
}

/*
 * Boilerplate cues. Strong ones only job-ad boilerplate uses: equal
 * opportunity and accommodation law, work authorization and visas, how to
 * apply, recruiters, pay figures. Weak ones can name a skill's domain too
 * ("insurance", "relocation", "compensation"): a clause needs two, or one
 * in a few words.
 */
static const char *const bp_strong[] = {
	"equal opportunity", "equal employment", "affirmative action", "without regard to",
	"sexual orientation", "gender identity", "national origin", "veteran status",
	"protected veteran", "protected characteristic", "protected by law", "reasonable accommodation",
	"e-verify", "eeo", "eoe", "authorized to work", "authorization to work", "work authorization",
	"eligible to work", "eligibility to work", "employment eligibility", "right to work",
	"legally authorized", "must be authorized", "must be eligible", "visa sponsorship",
	"sponsorship", "h1b", "h-1b", "green card", "us citizen", "u.s. citizen", "us citizens",
	"u.s. citizens", "citizenship", "apply now", "apply today", "apply directly", "please apply",
	"apply online", "apply here", "how to apply", "click here", "click the link", "click on",
	"clicking", "your resume", "your cv", "a resume", "resume to", "word resume", "cover letter",
	"recruiter", "recruiters", "recruiting team", "recruitment agency", "staffing", "corp to corp",
	"corp-to-corp", "c2c", "w2", "w-2", "1099", "all rights reserved", "copyright", "\xc2\xa9",
	"pay transparency", "background check", "drug screen", "drug test", "please contact",
	"please reply", "please call", "please email", "please send", "please click", "further information",
	"more information", "job id", "requisition", "open positions", "not a fit", "referral bonus",
	"benefits package", "401(k)", "401k", "salary range", "pay range", "base salary", "base pay",
	"total rewards", "paid time off", "equity package", "stock options", "sponsor visas",
	"sponsor a visa", "sponsor employment", "unable to sponsor",
	"per annum", "per hour", "hourly rate", "consideration for employment", "qualified applicants",
	"applicants will", "applicants must", "applicants who", "employment decisions",
	"application process", "background investigation", "background screen", "federal employment",
	"referred for consideration", "talent network", "recruiting professionals", "recruiting tips",
	"job seekers", "job search", "job listings", "look forward to", "looking forward to", NULL
};

static const char *const bp_weak[] = {
	"benefits", "we offer", "dental", "vision insurance", "health insurance", "life insurance",
	"disability insurance", "medical", "pto", "parental leave", "vacation", "vacations",
	"holidays", "retirement", "flexible spending", "tuition", "gym", "snacks", "commuter",
	"relocation", "full-time", "full time", "permanent", "part-time", "salary", "competitive pay",
	"great pay", "career growth", "resume",
	"compensation", "stipend", "sponsor", "visa", "visas",
	"wellness", "perks", "well-being", "work/life", "work-life", "employer match",
	"financial security", "market-competitive", "founded in", "headquartered", "our mission is",
	"backed by", "is a leading", "we are an", "we are a", "we're a", "we’re a", "offices in",
	"locations in", "fortune 500", "award-winning", "industry leader", "our clients", "our client",
	"applicants", "read on", "work from anywhere", "hybrid work", "regardless of", "employer",
	"hiring manager", "interview", "(hybrid)", "(remote)", "(on-site)", "(onsite)", "(in-office)",
	"offers", NULL
};

static int starts_with_cue(const char *s, size_t len, const char *const *cues);

/* Boilerplate score of a clause: 2 per strong cue, 1 per weak cue. */
static int bp_score(const char *s, size_t len)
{
	if (len > 4096)
		len = 4096;
	int score = 2 * count_cues(s, len, bp_strong) + count_cues(s, len, bp_weak);
	score += 2 * (salary_amount(s, len) + contact_detail(s, len) + field_clause(s, len));
	return score;
}

/*
 * How to apply or whom to contact, said first: the clause is that
 * instruction ("Please apply below with your most current resume and
 * anything else you'd like us to know about you", "Apply at https://...",
 * "For details contact ..."), whatever its length up to APPLY_MAX_WORDS
 * (a longer run is text no splitter could cut, with requirements in it).
 */
#define APPLY_MAX_WORDS 40

static const char *const apply_openers[] = {
	"please apply", "apply at", "apply via", "apply online", "apply here", "apply now", "apply today",
	"apply directly", "apply through", "apply below", "apply:", "to apply", "how to apply",
	"interested in applying", "if interested", "if you are interested", "if you're interested",
	"if you’re interested", "send us your", "send your resume", "send your cv", "please send",
	"please contact", "please email", "please call", "please reach out", "please submit",
	"submit your resume", "submit your cv", "for details contact", "for more details",
	"for more information", "for additional information", "to learn more", "learn more about",
	"check out", "contact us", "email us", "reach out to", "feel free to", "let's talk",
	"let’s talk", "we promise to", "looking forward to", "not a fit", "join our talent",
	"please join", "don't hesitate", "don’t hesitate", "all qualified applicants", "applicants who",
	"qualified candidates", "referrals", NULL
};

static int apply_clause(const char *s, size_t len)
{
	size_t a = 0;
	while (a < len && (isspace((unsigned char)s[a]) || strchr("-*\"'(", s[a])))
		a++;
	return starts_with_cue(s + a, len - a, apply_openers) &&
	       count_words(s, len > 4096 ? 4096 : len) <= APPLY_MAX_WORDS;
}

/*
 * A clause is boilerplate when its cues account for its length: a strong
 * cue (score 2) for up to 24 words, a weak one for up to 12 (alone, up to
 * 8). A long clause is never dropped for one cue: "Improve our benefits
 * enrollment service in Go and Kafka" keeps its requirement. A clause that
 * opens by saying how to apply is boilerplate (apply_clause()).
 */
static int bp_clause(const char *s, size_t len)
{
	if (apply_clause(s, len))
		return 1;
	int score = bp_score(s, len);
	size_t words = count_words(s, len > 4096 ? 4096 : len);
	if (score >= 2)
		return (size_t)score * 12 >= words;
	return score == 1 && words <= 8;
}

int lidx_jd_boilerplate(const char *s, size_t len)
{
	return bp_clause(s, len);
}

/*
 * A sentence of the company's introduction: an ad opens with who "we" are
 * ("Hi, we're Tessellate!", "We make planning software that 40,000 teams
 * use") before it says what "you" will do. Only the first paragraph is read
 * this way, and only when a heading or bullet comes after it (an ad written
 * in prose says what it wants in "we" sentences); a sentence that names the
 * stack ("we use Go") or the person ("we're looking for", "we need") is kept.
 */
static int intro_sentence(const char *s, size_t len)
{
	/* "we", not "our": "Our developers lose hours to setup" states the job's problem */
	static const char *const we[] = { "we", "we're", "we’re", "we've", NULL };
	static const char *const you[] = { "you", "your", "you'll", "you’ll", "you're", "you’re",
	                                   "candidate", "looking for", "hiring", "we need", "we use",
	                                   "we want", "we expect", "stack", "technology",
	                                   "technologies", "built with", "built on", "written in",
	                                   "runs on", NULL };
	int first_plural = 0;
	for (int i = 0; we[i] && !first_plural; i++)
		first_plural = lower_contains(s, len, we[i]);
	if (!first_plural)
		return 0;
	for (int i = 0; you[i]; i++)
		if (lower_contains(s, len, you[i]))
			return 0;
	return 1;
}

/* 1 if the line at t[i..] is blank (or the text ends). */
static int blank_from(const char *t, size_t i, size_t len)
{
	while (i < len && t[i] != '\n') {
		if (!isspace((unsigned char)t[i]))
			return 0;
		i++;
	}
	return 1;
}

/* A heading that opens a boilerplate section ("Benefits", "About us"). */
static const char *const bp_heading_cues[] = {
		"about us", "about the company", "who we are", "benefits", "benefit", "perks",
		"what we offer", "offer", "offers", "compensation", "salary", "pay", "why join", "why work",
		"life at", "our culture", "culture", "equal opportunity", "eeo", "how to apply", "apply",
		"our values", "diversity", "location", "duration", "job type", "employment type",
		"work authorization", "visa", "contact", "what you'll get", "what you’ll get",
		"what you get", "what's in it for you", "what’s in it for you", "in it for you", NULL
};

static int boilerplate_heading(const char *s, size_t len)
{
	for (int i = 0; bp_heading_cues[i]; i++)
		if (lower_contains(s, len, bp_heading_cues[i]))
			return 1;
	/* "About <Company>", but not "About the role" / "About you" */
	if (len > 6 && !strncasecmp(s, "about ", 6) && !lower_contains(s, len, "role") &&
	    !lower_contains(s, len, "you") && !lower_contains(s, len, "job") &&
	    !lower_contains(s, len, "position") && !lower_contains(s, len, "team"))
		return 1;
	return 0;
}

/* Words that open a requirements-type section. */
static const char *const heading_cues[] = {
		"responsibilities", "requirements", "qualifications", "what you'll do", "what you will do",
		"what you’ll do", "you have", "you will", "you'll", "about you", "about the role",
		"the role", "skills", "nice to have", "bonus points", "preferred", "must have",
		"what we're looking for", "what we are looking for", "who you are", "your impact",
		"the team", "duties", "tech stack", "our stack", "what you need", "what you'll need",
		"what you’ll need", "what you bring", "what you'll bring", "what you’ll bring",
		"what we need", NULL
};

static int known_heading(const char *s, size_t len)
{
	for (int i = 0; heading_cues[i]; i++)
		if (lower_contains(s, len, heading_cues[i]))
			return 1;
	return boilerplate_heading(s, len);
}

static int starts_with_cue(const char *s, size_t len, const char *const *cues)
{
	for (int i = 0; cues[i]; i++) {
		size_t n = strlen(cues[i]);
		if (n <= len && !strncasecmp(s, cues[i], n) && (n == len || !isalnum((unsigned char)s[n])))
			return 1;
	}
	return 0;
}

/*
 * A short line without a colon is a heading by its words only when it
 * reads as one: two words at most, every longer word capitalized ("Nice To
 * Have", "REQUIRED SKILLS"), or a heading phrase at its start ("What you
 * will do", "Requirements"). "Excellent organizational and planning skills"
 * is a requirement.
 */
static int heading_like(const char *s, size_t len, size_t words)
{
	if (words <= 2)
		return 1;
	int caps = 1;
	for (size_t i = 0; i < len && caps;) {
		while (i < len && isspace((unsigned char)s[i]))
			i++;
		size_t b = i;
		while (i < len && !isspace((unsigned char)s[i]))
			i++;
		if (i - b >= 5 && isalpha((unsigned char)s[b]) && !isupper((unsigned char)s[b]))
			caps = 0;
	}
	return caps || starts_with_cue(s, len, heading_cues) || starts_with_cue(s, len, bp_heading_cues);
}

/* Length of a bullet marker (and the blanks after it) at s, or 0. */
static const char *const bullet_marks[] = {
	"\xe2\x80\xa2", /* • */ "\xe2\x80\x93", /* – */ "\xe2\x80\x94", /* — */
	"\xc2\xb7", /* · */ "\xe2\x96\xaa", /* ▪ */ "\xe2\x97\xa6", /* ◦ */
	"\xe2\x80\xa3", /* ‣ */ "\xe2\x96\xba", /* ► */ "\xe2\x9c\x93", /* ✓ */
	"\xe2\x9c\x94", /* ✔ */ "\xe2\x97\x8f", /* ● */ "\xe2\x97\x8b", /* ○ */
	"\xe2\x81\x83", /* ⁃ */ "\xef\x82\xb7", /* Word's symbol-font bullet */ NULL
};

static size_t bullet_len(const char *s, size_t len)
{
	size_t m = 0;
	for (int i = 0; bullet_marks[i] && !m; i++) {
		size_t n = strlen(bullet_marks[i]);
		if (len >= n && !memcmp(s, bullet_marks[i], n))
			m = n;
	}
	if (!m && len >= 2 && (s[0] == '-' || s[0] == '*' || s[0] == '+') && isspace((unsigned char)s[1]))
		m = 1;
	if (!m) {
		/* 1. 12) a) (b) */
		size_t i = 0;
		if (i < len && s[i] == '(')
			i++;
		size_t d = i;
		while (i < len && i - d < 3 && isdigit((unsigned char)s[i]))
			i++;
		if (i == d && i < len && isalpha((unsigned char)s[i]) && i + 1 < len && s[i + 1] == ')')
			i++;
		if (i > d && i < len && (s[i] == '.' || s[i] == ')') && i + 1 < len &&
		    isspace((unsigned char)s[i + 1]))
			m = i + 1;
	}
	if (!m)
		return 0;
	while (m < len && isspace((unsigned char)s[m]))
		m++;
	return m;
}

/* ---- run-on text: a pasted ad that lost its line breaks ------------------------------- */

/*
 * Text copied from a web page often arrives as one line: the page's list
 * items and paragraphs glued together ("distributed systems2+ years as a
 * tech leadPrimary Responsibilities:Collaborate with ..."). These are the
 * places where a line break was lost; the splitter treats each as the
 * start of a new line:
 *  - a sentence glued to the next: "secure.Participate", "U.S.Please";
 *  - a lower-case word glued to a capitalized one: "roadmapWork",
 *    "APIsImplement", unless the whole is a known word (JavaScript, GitHub,
 *    or a word the notes use: the caller's `known`);
 *  - a word glued to a count of years: "systems2+ years";
 *  - a bullet inside a line: " * ", "•", "word- Next", and " - Next" in a
 *    long line;
 *  - a label: "Required Qualifications:6+ years" starts a section (a break
 *    before the label and one after the colon), "Location: Austin" a
 *    field (a break before it), and in a long line any capitalized
 *    "Label: value" (a break before it).
 */
typedef int (*known_fn)(void *ctx, const char *w, size_t n);

typedef struct brks {
	size_t *v;
	size_t n, cap;
} brks;

static int add_break(brks *b, size_t at)
{
	size_t i = b->n;
	while (i > 0 && b->v[i - 1] > at)
		i--;
	if (i > 0 && b->v[i - 1] == at)
		return 0;
	if (b->n >= 100000)
		return LIDX_ETOOBIG;
	if (LIDX_GROW(b->v, b->cap, b->n + 1) < 0)
		return LIDX_ENOMEM;
	memmove(b->v + i + 1, b->v + i, (b->n - i) * sizeof *b->v);
	b->v[i] = at;
	b->n++;
	return 0;
}

/* Camel-cased product names a glue point must not cut; the notes' own words come from `known`. */
static int camel_word(const char *w, size_t n)
{
	static const char *const words[] = {
		"javascript", "typescript", "coffeescript", "actionscript", "github", "gitlab", "gitops",
		"devops", "devsecops", "mlops", "noops", "finops", "dataops", "aiops", "secops",
		"openshift", "openstack", "opentelemetry", "opensearch", "websocket", "websockets",
		"webassembly", "webpack", "webflow", "webrtc", "powershell", "powerpoint", "sharepoint",
		"netsuite", "servicenow", "salesforce", "cloudformation", "cloudfront", "cloudwatch",
		"cloudflare", "cloudtrail", "bigquery", "bigtable", "tensorflow", "pytorch", "pyspark",
		"numpy", "scipy", "linkedin", "youtube", "facebook", "wordpress", "jetbrains", "datadog",
		"pagerduty", "newrelic", "appdynamics", "elasticsearch", "logstash", "teamcity",
		"bitbucket", "springboot", "jboss", "weblogic", "websphere", "mulesoft", "hashicorp",
		"keycloak", "virtualbox", "macbook", "iphone", "ipad", "nodejs", "reactjs", "vuejs",
		"nextjs", "expressjs", "angularjs", "socketio", "storybook", "clickhouse", "couchbase",
		"mariadb", "airflow", "databricks", "huggingface", "langchain", "llamaindex", "sagemaker",
		"redshift", "quicksight", "eventbridge", "appsync", "elasticache", "peoplesoft",
		"successfactors", "quickbooks", "solidworks", "indesign", "photoshop", "hubspot",
		"mailchimp", "crowdstrike", "sentinelone", "wireshark", "sumologic", "swiftui", "rxjava",
		"junit", "testng", "jmeter", "loadrunner", "kubeflow", "mlflow", "launchdarkly",
		"firebase", "appengine", "pubsub", "cosmosdb", "dynamodb", "mongodb", "influxdb",
		"cockroachdb", "playwright", "saltstack", "argocd", "terraform", "postgresql", "mysql",
		"graphql", "mapreduce", "hbase", "netflix", "microservice", "microservices", "fastapi",
		"dotnet", "aspnet", "xamarin", "directx", "opengl", "matlab", "labview", "autocad",
		"smartsheet", "workday", "tableau", "powerbi", "looker", "tibco", NULL
	};
	char low[32];
	if (n >= sizeof low)
		return 0;
	for (size_t i = 0; i < n; i++)
		low[i] = (char)tolower((unsigned char)w[i]);
	for (int i = 0; words[i]; i++)
		if (strlen(words[i]) == n && !memcmp(words[i], low, n))
			return 1;
	return 0;
}

static int word_ch(unsigned char c)
{
	return isalnum(c) || c >= 0x80;
}

static int known_word(const char *w, size_t n, known_fn known, void *ctx)
{
	return camel_word(w, n) || (known && known(ctx, w, n));
}

/*
 * The label before the colon at t[c] (not before floor): its start in
 * *start and its kind: LW_SECTION, LW_FIELD, LW_MOD for a generic
 * capitalized label, LW_OTHER for none.
 */
static int colon_label(const char *t, size_t c, size_t floor, size_t *start)
{
	size_t j = c, ws[6], we[6];
	int kind[6], n = 0;
	while (n < 6) {
		while (j > floor && (t[j - 1] == ' ' || t[j - 1] == '\t'))
			j--;
		if (j <= floor)
			break;
		size_t e = j;
		while (j > floor && !isspace((unsigned char)t[j - 1]))
			j--;
		if (strchr(".,;!?)(:", t[e - 1]))
			break; /* the end of a sentence or list item: the label started after it */
		ws[n] = j;
		we[n] = e;
		kind[n] = label_word(t + j, e - j);
		n++;
	}
	if (n == 0)
		return LW_OTHER;
	/* "TXPosition:", "401KSKILLS:": a label glued to the word before it */
	if (kind[0] == LW_OTHER) {
		for (size_t s = ws[0] + 1; s + 2 < we[0]; s++) {
			if (!isupper((unsigned char)t[s]) || islower((unsigned char)t[s - 1]))
				continue;
			int k = label_word(t + s, we[0] - s);
			if (k == LW_SECTION || k == LW_FIELD) {
				*start = s;
				return k;
			}
		}
	}
	int k0 = kind[0];
	if (k0 == LW_MOD) {
		/* "You will:", "What you'll do:": a heading phrase of modifiers only */
		int m = 1;
		while (m < n && kind[m] != LW_OTHER)
			m++;
		if (known_heading(t + ws[m - 1], we[0] - ws[m - 1]))
			k0 = LW_SECTION;
	}
	if (k0 == LW_SECTION || k0 == LW_FIELD) {
		int m = 1;
		while (m < n && kind[m] != LW_OTHER)
			m++;
		if (m < n && m < 5) {
			/* "AWSPreferred Qualifications:", "(Hybrid)Job Type:": the label glued on */
			for (size_t s = ws[m] + 1; s + 2 < we[m]; s++)
				if (isupper((unsigned char)t[s]) && !islower((unsigned char)t[s - 1]) &&
				    islower((unsigned char)t[s + 1]) && label_word(t + s, we[m] - s) != LW_OTHER) {
					*start = s;
					return k0;
				}
		}
		/* not from a connective: "with the Skills:" is "Skills" */
		while (m > 1 && (label_word(t + ws[m - 1], we[m - 1] - ws[m - 1]) == LW_MOD) &&
		       strchr("&/-", t[ws[m - 1]]) == NULL &&
		       !isupper((unsigned char)t[ws[m - 1]]))
			m--;
		size_t s = ws[m - 1];
		/* a lower-case label inside a sentence ("use these tools:") is no label */
		int at_edge = s == floor || (s > 0 && strchr(".;:!?\n", t[s - 1] == ' ' && s > 1 ? t[s - 2] : t[s - 1]));
		if (!isupper((unsigned char)t[s]) && !at_edge)
			return LW_OTHER;
		*start = s;
		return k0;
	}
	/* a capitalized label, with "&" or "and" joining two words ("Search & Analytics") */
	static const char *const joins[] = { "of", "with", "in", "for", "to", "the", "a", "an", "and",
	                                     "or", "on", "at", "by", "from", "as", "like", "such", NULL };
	int joined = 0;
	for (int i = 0; n >= 2 && joins[i] && !joined; i++)
		joined = we[1] - ws[1] == strlen(joins[i]) && !strncasecmp(t + ws[1], joins[i], we[1] - ws[1]);
	if (isupper((unsigned char)t[ws[0]]) && we[0] - ws[0] >= 2 && !joined) {
		size_t s = ws[0];
		if (n >= 3 && (!strncmp(t + ws[1], "&", we[1] - ws[1]) || !strncasecmp(t + ws[1], "and", 3)) &&
		    isupper((unsigned char)t[ws[2]]))
			s = ws[2];
		*start = s;
		return LW_MOD;
	}
	return LW_OTHER;
}

/* 1 if t[a, b) occurs in t elsewhere too (texts up to 256 KiB: it is a scan). */
static int written_twice(const char *t, size_t len, size_t a, size_t b)
{
	size_t n = b - a;
	if (len > ((size_t)256 << 10) || n < 4)
		return 0;
	for (const char *s = t; s + n <= t + len;) {
		const char *h = memchr(s, t[a], (size_t)(t + len - s) - n + 1);
		if (!h)
			break;
		if (h != t + a && !memcmp(h, t + a, n))
			return 1;
		s = h + 1;
	}
	return 0;
}

#define LONG_LINE 400 /* bytes: a line this long is a paste that lost its breaks */
#define GLUE_LINE 120 /* bytes: in a shorter line "DuckDuckGo" is a name, not glued items */

/*
 * Glue points examined against the notes and the text (a lexicon look-up,
 * a scan): a real ad has a few dozen; past this many, a text is no ad and
 * the rest of its camel-case stays whole.
 */
#define MAX_GLUE_CHECKS 4096

/*
 * A heading that lost its line break in a one-line paste, at t[q]: a few
 * label words ("Required qualifications", "Benefits", "Work you'll do",
 * "The team") that a heading phrase ends, written capitalized, then the
 * capitalized first word of what was under it ("Benefits At Deloitte, we
 * know ..."). Its end (where that word starts) in *end; 0 if none.
 */
static int glued_heading(const char *t, size_t len, size_t q, size_t *end)
{
	size_t we[5];
	int kind[5], n = 0;
	size_t i = q;
	if (q >= len || !isupper((unsigned char)t[q]))
		return 0;
	while (n < 5 && i < len) {
		size_t b = i;
		while (i < len && !isspace((unsigned char)t[i]) && t[i] != ':')
			i++;
		if (i == b || i >= len || t[i] != ' ')
			break;
		we[n] = i;
		kind[n] = label_word(t + b, i - b);
		n++;
		i++;
		if (kind[n - 1] == LW_OTHER)
			break;
	}
	for (int k = n - 1; k >= 0; k--) {
		if (kind[k] == LW_OTHER)
			continue;
		size_t nx = we[k] + 1;
		if (nx >= len || !isupper((unsigned char)t[nx]))
			continue;
		if (kind[k] == LW_SECTION || known_heading(t + q, we[k] - q)) {
			*end = nx;
			return 1;
		}
	}
	return 0;
}

/*
 * The word around t[p] starts with a capital ("DuckDuckGo", "QuillStack"):
 * in a short line that is a name; a glued item ends with a word in lower
 * case ("clustersLead").
 */
static int pascal_word(const char *t, size_t p, size_t floor)
{
	while (p > floor && word_ch((unsigned char)t[p - 1]))
		p--;
	return isupper((unsigned char)t[p]);
}

static int find_breaks(const char *t, size_t len, known_fn known, void *ctx, brks *b)
{
	int rc = 0;
	size_t checks = 0;
	size_t line_start = 0, line_end = 0;
	for (size_t p = 0; p < len && rc == 0; p++) {
		if (p >= line_end) {
			line_start = p;
			line_end = p;
			while (line_end < len && t[line_end] != '\n')
				line_end++;
			if (p == line_end)
				continue; /* at a newline */
		}
		int long_line = line_end - line_start >= LONG_LINE;
		unsigned char c = (unsigned char)t[p];
		if (long_line && (c == ' ' || c == '\t') && p > line_start && p + 2 < line_end &&
		    (t[p + 1] == ' ' || t[p + 1] == '\t') && !isspace((unsigned char)t[p - 1]) &&
		    !strchr(",;&/-+(", t[p - 1]) && !(p >= 4 && !strncasecmp(t + p - 4, " and", 4)) &&
		    !(p >= 3 && !strncasecmp(t + p - 3, " or", 3))) {
			/*
			 * "efficiency.   The team The full ...": blanks where the line
			 * breaks were (not inside a list: "Cassandra,  HBase")
			 */
			size_t q = p;
			while (q < line_end && (t[q] == ' ' || t[q] == '\t'))
				q++;
			if (q < line_end)
				rc = add_break(b, q);
			p = q - 1;
			continue;
		}
		size_t floor = b->n && b->v[b->n - 1] > line_start && b->v[b->n - 1] <= p ? b->v[b->n - 1] : line_start;
		size_t lc = p; /* "Salary  :" */
		while (c == ':' && lc > floor && (t[lc - 1] == ' ' || t[lc - 1] == '\t'))
			lc--;
		if (c == ':' && lc > floor && isalpha((unsigned char)t[lc - 1]) &&
		    (p + 1 == len || (t[p + 1] != '/' && t[p + 1] != ':'))) {
			size_t v = p + 1;
			while (v < len && (t[v] == ' ' || t[v] == '\t'))
				v++;
			int same_line = v < len && t[v] != '\n' && t[v] != '\r';
			size_t s = 0;
			int k = colon_label(t, p, floor, &s);
			size_t ind = line_start;
			while (ind < s && (t[ind] == ' ' || t[ind] == '\t'))
				ind++;
			if (k != LW_OTHER && s > ind && ind + bullet_len(t + ind, line_end - ind) == s)
				k = LW_OTHER; /* "- Nice to have: gRPC": a bullet keeps its label */
			if (k == LW_SECTION) {
				rc = add_break(b, s);
				if (rc == 0 && same_line)
					rc = add_break(b, v);
			} else if (k == LW_FIELD || (k == LW_MOD && same_line && long_line)) {
				rc = add_break(b, s);
			}
			continue;
		}
		if ((c == '.' || c == '!' || c == '?') && p >= 1 && p + 2 < len &&
		    isupper((unsigned char)t[p + 1]) && islower((unsigned char)t[p + 2]) &&
		    (islower((unsigned char)t[p - 1]) || isdigit((unsigned char)t[p - 1]) || t[p - 1] == ')' ||
		     (p >= 2 && isupper((unsigned char)t[p - 1]) && t[p - 2] == '.'))) {
			/* "secure.Participate", "U.S.Please"; not "Vue.Js" when that is a known word */
			size_t ws = p, we = p + 1;
			while (ws > 0 && word_ch((unsigned char)t[ws - 1]))
				ws--;
			while (we < len && word_ch((unsigned char)t[we]))
				we++;
			if (checks++ < MAX_GLUE_CHECKS && !known_word(t + ws, we - ws, known, ctx))
				rc = add_break(b, p + 1);
			continue;
		}
		if (isupper(c) && p >= 1 && (t[p - 1] == ')' || t[p - 1] == ']') && p + 1 < len &&
		    islower((unsigned char)t[p + 1])) {
			/* "(S3, Glue, Redshift)Benefits": a bracket glued to the next item */
			rc = add_break(b, p);
			continue;
		}
		if (isupper(c) && p >= 2 && islower((unsigned char)t[p - 1]) && p + 1 < len &&
		    (line_end - line_start >= GLUE_LINE || !pascal_word(t, p, floor)) &&
		    islower((unsigned char)t[p + 1]) &&
		    (islower((unsigned char)t[p - 2]) ||
		     (t[p - 1] == 's' && p >= 3 && isupper((unsigned char)t[p - 2]) && isupper((unsigned char)t[p - 3])))) {
			/*
			 * "roadmapWork", "APIsImplement": unless the humps on either
			 * side make a known word ("JavaScript") or one the ad writes
			 * twice (a name: "CyberCoders ... CyberCoders")
			 */
			size_t ws = p;
			while (ws > 0 && word_ch((unsigned char)t[ws - 1]))
				ws--;
			size_t a = p - 1;
			while (a > ws && !(isupper((unsigned char)t[a]) && islower((unsigned char)t[a - 1])))
				a--;
			size_t q = p + 1;
			while (q < len && word_ch((unsigned char)t[q]) &&
			       !(isupper((unsigned char)t[q]) && islower((unsigned char)t[q - 1])))
				q++;
			size_t we = q;
			while (we < len && word_ch((unsigned char)t[we]))
				we++;
			if (checks++ < MAX_GLUE_CHECKS && !known_word(t + a, q - a, known, ctx) &&
			    !known_word(t + ws, we - ws, known, ctx) && !written_twice(t, len, a, q))
				rc = add_break(b, p);
			continue;
		}
		if (isupper(c) && p >= 2 && isupper((unsigned char)t[p - 1]) && isupper((unsigned char)t[p - 2]) &&
		    p + 1 < len && islower((unsigned char)t[p + 1])) {
			/*
			 * "PostgreSQLIf you", "PTONot a fit": an acronym glued to the
			 * next sentence's first word (a word sentences start with, or a
			 * label's), not "SQLite" or "HTMLElement"
			 */
			static const char *const starts[] = {
				"if", "we", "you", "our", "the", "this", "not", "as", "in", "for", "with", "all", "are",
				"is", "and", "join", "please", "must", "will", "what", "who", "why", "how", "a", "an",
				NULL
			};
			size_t q = p + 1, ws = p;
			while (q < len && islower((unsigned char)t[q]))
				q++;
			while (ws > 0 && word_ch((unsigned char)t[ws - 1]))
				ws--;
			int start = label_word(t + p, q - p) != LW_OTHER;
			for (int i = 0; starts[i] && !start; i++)
				start = strlen(starts[i]) == q - p && !strncasecmp(t + p, starts[i], q - p);
			if (q - p == 2 && t[p + 1] == 's')
				start = 0; /* "APIs", "SDKs": a plural */
			if (start && (q == len || !word_ch((unsigned char)t[q])) && checks++ < MAX_GLUE_CHECKS &&
			    !known_word(t + ws, q - ws, known, ctx) && !written_twice(t, len, ws, q))
				rc = add_break(b, p);
			continue;
		}
		if (isdigit(c) && long_line && p >= 5 && t[p - 1] == ' ' && islower((unsigned char)t[p - 2])) {
			/*
			 * "U.S. citizenship 6 years of server experience": a count of
			 * years after a word no count follows in a sentence ("of",
			 * "least", "with", "minimum") starts a list item
			 */
			static const char *const before[] = {
				"of", "than", "least", "with", "have", "has", "having", "and", "or", "minimum", "min",
				"over", "for", "in", "to", "by", "about", "approximately", "plus", "all", "need",
				"needs", "require", "requires", "required", "including", "the", "from", "within",
				"total", "past", "last", "next", "around", "nearly", "almost", "under", "at", "after",
				"only", "additional", "another", "experience", "are", "is", "be", "were", "was",
				"typically", "usually", "preferably", "ideally", "possess", "possesses", "bring",
				"brings", "spent", "spend", "combined", "equivalent", "overall", "roughly", NULL
			};
			size_t q = p;
			while (q < len && isdigit((unsigned char)t[q]))
				q++;
			size_t r = q;
			if (r < len && (t[r] == '+' || t[r] == '-'))
				r++;
			while (r < len && (t[r] == ' ' || isdigit((unsigned char)t[r]) || t[r] == '+'))
				r++;
			if (r + 3 <= len && !strncasecmp(t + r, "to ", 3)) {
				r += 3;
				while (r < len && (t[r] == ' ' || isdigit((unsigned char)t[r]) || t[r] == '+'))
					r++;
			}
			int years = q - p <= 2 && r + 3 <= len && (!strncasecmp(t + r, "yrs", 3) ||
			                                           (r + 5 <= len && !strncasecmp(t + r, "years", 5)));
			size_t ws = p - 1;
			while (ws > 0 && isalpha((unsigned char)t[ws - 1]))
				ws--;
			int word = p - 1 - ws >= 3 && (ws == 0 || isspace((unsigned char)t[ws - 1]));
			for (int i = 0; before[i] && word; i++)
				if (strlen(before[i]) == p - 1 - ws && !strncasecmp(t + ws, before[i], p - 1 - ws))
					word = 0;
			for (size_t i = ws; i < p - 1 && word; i++)
				word = islower((unsigned char)t[i]) != 0;
			if (years && word) {
				rc = add_break(b, p);
				continue;
			}
		}
		if (isdigit(c) && p >= 3 && islower((unsigned char)t[p - 1]) && islower((unsigned char)t[p - 2]) &&
		    islower((unsigned char)t[p - 3])) {
			/* "systems2+ years", "lead3-5 years" */
			size_t q = p;
			while (q < len && isdigit((unsigned char)t[q]))
				q++;
			size_t r = q;
			if (r < len && (t[r] == '+' || t[r] == '-'))
				r++;
			while (r < len && (t[r] == ' ' || isdigit((unsigned char)t[r])))
				r++;
			int years = q - p <= 2 && ((q < len && t[q] == '+') ||
			                           (r + 2 <= len && (!strncasecmp(t + r, "yr", 2) || !strncasecmp(t + r, "year", 4 <= len - r ? 4 : 2))));
			size_t ws = p;
			while (ws > 0 && word_ch((unsigned char)t[ws - 1]))
				ws--;
			if (years && checks++ < MAX_GLUE_CHECKS && !known_word(t + ws, q - ws, known, ctx))
				rc = add_break(b, p);
			continue;
		}
		if ((c == '-' || c == '=' || c == '_') && p > line_start && t[p - 1] != c &&
		    p + 4 <= len && t[p + 1] == c && t[p + 2] == c && t[p + 3] == c) {
			/* "companies.------Please click": a rule, on a line of its own */
			size_t q = p;
			while (q < len && t[q] == c)
				q++;
			rc = add_break(b, p);
			if (rc == 0 && q < len && t[q] != '\n')
				rc = add_break(b, q);
			p = q - 1;
			continue;
		}
		if (p > line_start && c >= 0x80) {
			for (int i = 0; bullet_marks[i]; i++) {
				size_t n = strlen(bullet_marks[i]);
				/* dashes inside a line are punctuation, other marks are bullets */
				if (i == 1 || i == 2 || p + n > len || memcmp(t + p, bullet_marks[i], n))
					continue;
				rc = add_break(b, p);
				break;
			}
			continue;
		}
		if ((c == '*' || c == '-') && p >= 1 && p + 2 < len && t[p + 1] == ' ' &&
		    !isspace((unsigned char)t[p + 2])) {
			int spaced = t[p - 1] == ' ' && (p < 2 || !isdigit((unsigned char)t[p - 2]));
			int glued = c == '-' && (isalpha((unsigned char)t[p - 1]) || strchr(".:;)", t[p - 1])) &&
			            isupper((unsigned char)t[p + 2]);
			/* " - Next" in a long line, after an item of a few words (not "Engineer - Denver") */
			if ((c == '*' && spaced) || glued ||
			    (c == '-' && spaced && long_line && isupper((unsigned char)t[p + 2]) &&
			     count_words(t + floor, p - floor) >= 4))
				rc = add_break(b, p);
		}
	}
	/* a heading glued to its first item at a lost break of a long line */
	size_t n0 = b->n, *at = rc == 0 && n0 ? lidx__malloc(n0 * sizeof *at) : NULL;
	if (n0 && rc == 0 && !at)
		rc = LIDX_ENOMEM;
	if (at)
		memcpy(at, b->v, n0 * sizeof *at);
	size_t ls = 0, le = 0; /* the line of the break (breaks are in order) */
	for (size_t k = 0; k < n0 && rc == 0; k++) {
		size_t q = at[k], e;
		if (k == 0 || q >= le) {
			ls = q;
			while (ls > 0 && t[ls - 1] != '\n' && (k == 0 || ls > le))
				ls--;
			le = q;
			while (le < len && t[le] != '\n')
				le++;
		}
		if (le - ls >= LONG_LINE && glued_heading(t, len, q, &e))
			rc = add_break(b, e);
	}
	lidx__free(at);
	return rc;
}

typedef struct itemvec {
	lidx_jd_item *v;
	size_t n, cap;
} itemvec;

static int push_item(itemvec *iv, const char *t, size_t a, size_t b, unsigned flags, long section)
{
	/* trim blanks and Markdown emphasis at both ends */
	while (a < b && (isspace((unsigned char)t[a]) || t[a] == '*' || t[a] == '_' || t[a] == '#'))
		a++;
	while (b > a && (isspace((unsigned char)t[b - 1]) || t[b - 1] == '*' || t[b - 1] == '_'))
		b--;
	if (flags & LIDX_JD_HEADING)
		while (b > a && (t[b - 1] == ':' || isspace((unsigned char)t[b - 1]) || t[b - 1] == '*'))
			b--;
	if (a >= b)
		return 0;
	if (iv->n >= 100000)
		return LIDX_ETOOBIG;
	if (LIDX_GROW(iv->v, iv->cap, iv->n + 1) < 0)
		return LIDX_ENOMEM;
	iv->v[iv->n++] = (lidx_jd_item){ a, b, flags, section };
	return 0;
}

static int abbrev_before(const char *t, size_t a, size_t dot)
{
	/* "e.g." "i.e." "etc." "vs." "Inc." and initials do not end a sentence */
	static const char *const ab[] = { "e.g", "i.e", "etc", "vs", "inc", "ltd", "sr", "jr", "approx", NULL };
	size_t w = dot;
	while (w > a && !isspace((unsigned char)t[w - 1]) && t[w - 1] != '(')
		w--;
	if (dot - w <= 1)
		return 1;
	/* "U.S.", "e.g.": letters between dots */
	int initials = 1;
	for (size_t i = w; i < dot && initials; i++)
		initials = (i - w) % 2 == 0 ? isalpha((unsigned char)t[i]) != 0 : t[i] == '.';
	if (initials)
		return 1;
	for (int i = 0; ab[i]; i++)
		if (dot - w == strlen(ab[i]) && !strncasecmp(t + w, ab[i], dot - w))
			return 1;
	return 0;
}

/* 1 if the word that ends at t[e] (after a) is a web address. */
static int url_before(const char *t, size_t a, size_t e)
{
	size_t w = e;
	while (w > a && !isspace((unsigned char)t[w - 1]))
		w--;
	return (e - w > 8 && !strncasecmp(t + w, "http", 4) && memchr(t + w, ':', e - w)) ||
	       (e - w > 5 && !strncasecmp(t + w, "www.", 4));
}

/*
 * The end of the clause that starts at a (before b): after ". ", "; ",
 * "! ", "? ", and after a web address that a capitalized word follows
 * ("our tech blog: https://... Our stack includes": the line ended there).
 */
static size_t clause_end(const char *t, size_t a, size_t b, int semicolons)
{
	for (size_t i = a; i < b; i++) {
		if ((t[i] == '.' || t[i] == '!' || t[i] == '?' || (semicolons && t[i] == ';')) &&
		    (i + 1 == b || isspace((unsigned char)t[i + 1])) && !(t[i] == '.' && abbrev_before(t, a, i)))
			return i + 1;
		if (t[i] == ' ' && i > a && i + 1 < b && isupper((unsigned char)t[i + 1]) && url_before(t, a, i))
			return i + 1;
	}
	return b;
}

/* Cut paragraph [a, b) into sentences. */
static int push_sentences(itemvec *iv, const char *t, size_t a, size_t b, long section)
{
	while (a < b) {
		size_t e = clause_end(t, a, b, 0);
		int rc = push_item(iv, t, a, e, LIDX_JD_SENTENCE, section);
		if (rc < 0)
			return rc;
		a = e;
	}
	return 0;
}

/*
 * A sentence of the introduction about the company in the third person:
 * a name and then what it is or does ("V2Soft is a CMMI level 3 company",
 * "Acme provides payment software to banks"), with nothing asked of the
 * reader ("Python is a must" asks).
 */
static int company_sentence(const char *s, size_t len)
{
	static const char *const verbs[] = {
		"is", "was", "has", "provides", "offers", "helps", "builds", "develops", "delivers",
		"specializes", "serves", "creates", "makes", "enables", "empowers", "powers", "operates",
		"designs", "brings", "combines", "partners", "works", "believes", "connects", "supports",
		NULL
	};
	static const char *const asks[] = {
		"you", "your", "must", "required", "requirement", "experience", "years", "skills",
		"knowledge", "ability", "plus", "preferred", "candidate", "looking for", NULL
	};
	size_t w = 0;
	while (w < len && !isspace((unsigned char)s[w]) && s[w] != ',')
		w++;
	if (w < 2 || !isupper((unsigned char)s[0]) || starts_with_cue(s, len, heading_cues))
		return 0;
	static const char *const openers[] = { "the", "this", "it", "our", "we", "they", "he", "she",
	                                       "there", "what", "who", "if", "as", "in", NULL };
	for (int i = 0; openers[i]; i++)
		if (strlen(openers[i]) == w && !strncasecmp(s, openers[i], w))
			return 0;
	size_t v = w;
	while (v < len && (isspace((unsigned char)s[v]) || s[v] == ','))
		v++;
	size_t ve = v;
	while (ve < len && isalpha((unsigned char)s[ve]))
		ve++;
	int verb = 0;
	for (int i = 0; verbs[i] && !verb; i++)
		verb = strlen(verbs[i]) == ve - v && !strncasecmp(s + v, verbs[i], ve - v);
	return verb && !count_cues(s, len, asks);
}

/*
 * Boilerplate is decided per clause: an item whose clauses differ ("Build
 * Kafka pipelines; we offer dental and a 401(k)") is cut where they do, so
 * that the requirement keeps its words and the benefits lose theirs.
 */
static int split_clauses(itemvec *iv, const char *t, size_t intro_end)
{
	itemvec nv = { 0 };
	long *map = lidx__calloc(iv->n ? iv->n : 1, sizeof *map);
	int rc = map ? 0 : LIDX_ENOMEM;
	for (size_t k = 0; k < iv->n && rc == 0; k++) {
		lidx_jd_item it = iv->v[k];
		if (it.section >= 0)
			it.section = map[it.section];
		map[k] = (long)nv.n;
		if (it.flags & (LIDX_JD_HEADING | LIDX_JD_TITLE)) {
			rc = push_item(&nv, t, it.start, it.end, it.flags, it.section);
			continue;
		}
		int section_bp = it.section >= 0 && (nv.v[it.section].flags & LIDX_JD_BOILERPLATE);
		int intro = it.start < intro_end && !(it.flags & LIDX_JD_BULLET) &&
		            (intro_sentence(t + it.start, it.end - it.start) ||
		             company_sentence(t + it.start, it.end - it.start));
		if (section_bp || intro) {
			rc = push_item(&nv, t, it.start, it.end, it.flags | LIDX_JD_BOILERPLATE, it.section);
			continue;
		}
		size_t a = it.start;
		int run_bp = -1;
		size_t run_a = a;
		while (a < it.end && rc == 0) {
			size_t e = clause_end(t, a, it.end, 1);
			int bp = bp_clause(t + a, e - a);
			if (run_bp >= 0 && bp != run_bp) {
				rc = push_item(&nv, t, run_a, a, it.flags | (run_bp ? LIDX_JD_BOILERPLATE : 0), it.section);
				run_a = a;
			}
			run_bp = bp;
			a = e;
		}
		if (rc == 0 && run_bp >= 0)
			rc = push_item(&nv, t, run_a, it.end, it.flags | (run_bp ? LIDX_JD_BOILERPLATE : 0), it.section);
	}
	lidx__free(map);
	if (rc < 0) {
		lidx__free(nv.v);
		return rc;
	}
	lidx__free(iv->v);
	*iv = nv;
	return 0;
}

static int jd_split(const char *t, size_t len, known_fn known, void *ctx, lidx_jd_item **out, size_t *n_out)
{
	itemvec iv = { 0 };
	brks bk = { 0 };
	*out = NULL;
	*n_out = 0;
	long section = -1;
	int bp_section = 0, rc = 0, seen_content = 0;
	size_t para_a = 0, para_b = 0;   /* pending paragraph */
	int in_para = 0;
	long bullet = -1;                /* the bullet item that a wrapped line continues */
	size_t i = 0, bi = 0;
	if ((rc = find_breaks(t, len, known, ctx, &bk)) < 0)
		goto done;
	while (i < len && rc == 0) {
		size_t ls = i;
		while (bi < bk.n && bk.v[bi] <= ls)
			bi++;
		size_t stop = bi < bk.n ? bk.v[bi] : len;
		/* a line that starts where a break was lost: nothing continues across it */
		int glued = ls > 0 && t[ls - 1] != '\n';
		while (i < len && t[i] != '\n' && i < stop)
			i++;
		size_t le = i;
		if (i < len && t[i] == '\n')
			i++;
		if (glued) {
			if (in_para)
				rc = push_sentences(&iv, t, para_a, para_b, section);
			in_para = 0;
			bullet = -1;
			if (rc < 0)
				break;
		}
		size_t indent = 0;
		while (ls < le && (t[ls] == ' ' || t[ls] == '\t' || t[ls] == '\r')) {
			ls++;
			indent++;
		}
		while (le > ls && isspace((unsigned char)t[le - 1]))
			le--;
		if (ls == le || (le - ls >= 3 && strspn(t + ls, "-=_*") >= le - ls)) {
			/* a blank line or a rule ends a paragraph and a bullet */
			if (in_para)
				rc = push_sentences(&iv, t, para_a, para_b, section);
			in_para = 0;
			bullet = -1;
			continue;
		}
		size_t bl = bullet_len(t + ls, le - ls);
		const char *body = t + ls + bl;
		size_t blen = le - ls - bl;
		size_t words = count_words(body, blen);
		int md_heading = t[ls] == '#';
		int bold_line = le - ls > 4 && !memcmp(t + ls, "**", 2) && !memcmp(t + le - 2, "**", 2) && words <= 8;
		int colon = blen && body[blen - 1] == ':' && words <= 10;
		int terminal = blen && strchr(".!?;,", body[blen - 1]) != NULL;
		/* a first line like "Benefits" or "Requirements" is a heading, not the job title */
		int cue_line = words <= 3 && !terminal && known_heading(body, blen);
		int title = !seen_content && !bl && !md_heading && !colon && words <= 12 && !terminal && !cue_line;
		int heading = !bl && !title && (md_heading || bold_line || colon ||
		                      (words <= 6 && !terminal && !memchr(body, ':', blen) &&
		                       known_heading(body, blen) && heading_like(body, blen, words)));
		if (!bl && !heading && bullet >= 0 && indent > 0 && !in_para) {
			/* a wrapped bullet line */
			iv.v[bullet].end = le;
			continue;
		}
		if (heading || bl) {
			if (in_para)
				rc = push_sentences(&iv, t, para_a, para_b, section);
			in_para = 0;
			if (rc < 0)
				break;
		}
		if (heading) {
			bp_section = boilerplate_heading(body, blen);
			rc = push_item(&iv, t, ls, le, LIDX_JD_HEADING | (bp_section ? LIDX_JD_BOILERPLATE : 0),
			               section);
			if (rc == 0 && iv.n && (iv.v[iv.n - 1].flags & LIDX_JD_HEADING))
				section = (long)iv.n - 1;
			bullet = -1;
			seen_content = 1;
			continue;
		}
		if (bl) {
			size_t before = iv.n;
			rc = push_item(&iv, t, ls + bl, le, LIDX_JD_BULLET, section);
			bullet = iv.n > before ? (long)iv.n - 1 : -1;
			seen_content = 1;
			continue;
		}
		if (title) {
			/* the first line, short and unpunctuated: the job title */
			rc = push_item(&iv, t, ls, le, LIDX_JD_TITLE, section);
			seen_content = 1;
			continue;
		}
		seen_content = 1;
		bullet = -1;
		if (!in_para) {
			para_a = ls;
			in_para = 1;
		}
		para_b = le;
	}
	if (rc == 0 && in_para)
		rc = push_sentences(&iv, t, para_a, para_b, section);
	if (rc < 0)
		goto done;
	/*
	 * The introduction: the first paragraph, up to the first heading or
	 * bullet, when one follows (in a one-line paste, up to the first label).
	 */
	size_t intro_end = 0;
	for (size_t k = 0; k < iv.n; k++) {
		if (iv.v[k].flags & LIDX_JD_TITLE)
			continue;
		size_t e = iv.v[k].start;
		while (e < len && !(t[e] == '\n' && blank_from(t, e + 1, len)))
			e++;
		for (size_t h = k; h < iv.n; h++)
			if (iv.v[h].flags & (LIDX_JD_HEADING | LIDX_JD_BULLET)) {
				if (iv.v[h].start > iv.v[k].start)
					intro_end = iv.v[h].start < e ? iv.v[h].start : e;
				break;
			}
		break;
	}
	rc = split_clauses(&iv, t, intro_end);
done:
	lidx__free(bk.v);
	if (rc < 0) {
		lidx__free(iv.v);
		return rc;
	}
	*out = iv.v;
	*n_out = iv.n;
	return 0;
}

/*
 * Web pages space with U+00A0 (and U+2000-U+200B, U+202F, U+3000): the
 * splitter reads a copy with those as blanks, byte for byte, so that the
 * items' offsets hold for the text given.
 */
static int jd_split_text(const char *t, size_t len, known_fn known, void *ctx, lidx_jd_item **out,
                         size_t *n_out)
{
	*out = NULL;
	*n_out = 0;
	char *c = lidx__malloc(len ? len : 1);
	if (!c)
		return LIDX_ENOMEM;
	memcpy(c, t, len);
	for (size_t i = 0; i + 1 < len; i++) {
		unsigned char a = (unsigned char)c[i], b = (unsigned char)c[i + 1];
		if (a == 0xc2 && b == 0xa0) {
			c[i] = c[i + 1] = ' ';
		} else if (i + 2 < len && ((a == 0xe2 && b == 0x80 &&
		                            ((unsigned char)c[i + 2] <= 0x8b || (unsigned char)c[i + 2] == 0xaf)) ||
		                           (a == 0xe3 && b == 0x80 && (unsigned char)c[i + 2] == 0x80))) {
			c[i] = c[i + 1] = c[i + 2] = ' ';
		}
	}
	int rc = jd_split(c, len, known, ctx, out, n_out);
	lidx__free(c);
	return rc;
}

int lidx_jd_split(const char *t, size_t len, lidx_jd_item **out, size_t *n_out)
{
	return jd_split_text(t, len, NULL, NULL, out, n_out);
}

/* ---- terms of a description ------------------------------------------------------------ */

/*
 * Words that job ads use to frame requirements rather than name a skill
 * ("5+ years of experience", "strong ability to", "nice to have"). Like
 * the question framing words of query.c, they are dropped on the query
 * side only; the notes keep them. Compared after analysis (stemmed).
 */
static const char *const frame_words[] = {
	"experience", "experienced", "year", "years", "ability", "able", "strong", "skill", "skills",
	"role", "candidate", "ideal", "ideally", "plus", "bonus", "prefer", "preferred", "require",
	"required", "requirement", "requirements", "responsibility", "responsibilities",
	"qualification", "qualifications", "include", "including", "etc", "looking", "join", "work",
	"working", "will", "you", "your", "team", "teams", "company", "opportunity", "position", "job",
	"new", "good", "great", "excellent", "familiarity", "familiar", "knowledge", "understanding",
	"proficiency", "proficient", "hands", "solid", "deep", "demonstrated", "proven", "track",
	"record", "background", "degree", "equivalent", "related", "field", "must", "nice", "want",
	"need", "across", "within", "help", "make", "use", "using", "like", "love", "passion",
	"passionate", "every", "day", "week", "senior", "junior", "staff", "principal", "engineer",
	"engineers", "engineering", "level", "least", "minimum", "preferably", "also", "well",
	"high", "highly", "comfortable", "someone", "person", "people", "environment", "level",
	"excited", "exciting", "hire", "hiring", "apply", "world", "class", "best", "fast", "paced",
	"dynamic", "self", "starter", "detail", "oriented", "communication", "verbal", "written",
	"effective", "effectively", "closely", "collaborate", "opportunities", "based", "remote",
	NULL
};

typedef struct tstat {
	char *term;
	uint32_t tf;
	int title, part;
	size_t start, end;    /* first occurrence in the text */
	int have_df;
	uint32_t df;
	double w;
	lidx_term lt;
} tstat;

typedef struct tmap {
	tstat *v;
	size_t n, cap;
	size_t *slot;         /* open addressing: index + 1, 0 = empty */
	size_t n_slot;
} tmap;

static void tmap_free(tmap *m)
{
	for (size_t i = 0; i < m->n; i++)
		lidx__free(m->v[i].term);
	lidx__free(m->v);
	lidx__free(m->slot);
	memset(m, 0, sizeof *m);
}

static int tmap_rehash(tmap *m, size_t n_slot)
{
	size_t *s = lidx__calloc(n_slot, sizeof *s);
	if (!s)
		return LIDX_ENOMEM;
	for (size_t i = 0; i < m->n; i++) {
		size_t h = (size_t)lidx_hash(m->v[i].term, strlen(m->v[i].term)) & (n_slot - 1);
		while (s[h])
			h = (h + 1) & (n_slot - 1);
		s[h] = i + 1;
	}
	lidx__free(m->slot);
	m->slot = s;
	m->n_slot = n_slot;
	return 0;
}

/* Find or add term; *out is its index. */
static int tmap_get(tmap *m, const char *term, size_t len, size_t *out)
{
	if (m->n_slot == 0 || (m->n + 1) * 2 > m->n_slot) {
		int rc = tmap_rehash(m, m->n_slot ? m->n_slot * 2 : 256);
		if (rc < 0)
			return rc;
	}
	size_t h = (size_t)lidx_hash(term, len) & (m->n_slot - 1);
	while (m->slot[h]) {
		tstat *t = &m->v[m->slot[h] - 1];
		if (strlen(t->term) == len && !memcmp(t->term, term, len)) {
			*out = m->slot[h] - 1;
			return 0;
		}
		h = (h + 1) & (m->n_slot - 1);
	}
	if (LIDX_GROW(m->v, m->cap, m->n + 1) < 0)
		return LIDX_ENOMEM;
	tstat *t = &m->v[m->n];
	memset(t, 0, sizeof *t);
	if (!(t->term = lidx__strndup(term, len)))
		return LIDX_ENOMEM;
	m->slot[h] = ++m->n;
	*out = m->n - 1;
	return 0;
}

struct lidx_match {
	lidx_index *ix;
	lidx_analyzer *an;
	lidx_match_opts o;
	char *text;
	size_t len;
	lidx_jd_item *items;
	size_t n_items;
	char **frames;             /* frame_words, analyzed */
	size_t n_frames, cap_frames;
	lidx_query *q;
	lidx_match_term *terms;
	size_t n_terms;
	lidx_requirement *reqs;
	size_t n_reqs;
	size_t *req_item;          /* item of each requirement */
	lidx_query **req_search;   /* the query that finds its candidates (NULL: r->query) */
	/* per requirement: the stories examined and how well they cover it */
	struct cand { uint32_t story; int label; double score, share; } **cands;
	size_t *n_cands;
	int covered;
	int cands_all;             /* every requirement's candidates are all the stories it matches */
};

static int frame_tok(void *ctx, const lidx_token *t)
{
	lidx_match *m = ctx;
	if (LIDX_GROW(m->frames, m->cap_frames, m->n_frames + 1) < 0)
		return LIDX_ENOMEM;
	char *s = lidx__strndup(t->term, t->term_len);
	if (!s)
		return LIDX_ENOMEM;
	m->frames[m->n_frames++] = s;
	return 0;
}

static int cmp_str(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

static int is_frame(lidx_match *m, const char *term)
{
	return m->n_frames && bsearch(&term, m->frames, m->n_frames, sizeof *m->frames, cmp_str) != NULL;
}

/* A term worth searching for: not a frame word, not a number, not one letter. */
static int usable(lidx_match *m, const char *term, size_t len)
{
	if (len < 2)
		return 0; /* "c" and "r" are languages, but as often list markers */
	size_t digits = 0;
	for (size_t i = 0; i < len; i++)
		digits += isdigit((unsigned char)term[i]) || term[i] == '.' || term[i] == '%' ||
		          term[i] == '+' || term[i] == ',' || term[i] == '$';
	if (digits == len || term[0] == '$')
		return 0;
	return !is_frame(m, term);
}

typedef struct utok {
	char *term;
	size_t start, end;
	uint32_t pos;
	unsigned flags;
} utok;

typedef struct utoks {
	utok *v;
	size_t n, cap;
} utoks;

static int utok_collect(void *ctx, const lidx_token *t)
{
	utoks *u = ctx;
	if (u->n >= 200000)
		return LIDX_ETOOBIG;
	if (LIDX_GROW(u->v, u->cap, u->n + 1) < 0)
		return LIDX_ENOMEM;
	char *s = lidx__strndup(t->term, t->term_len);
	if (!s)
		return LIDX_ENOMEM;
	u->v[u->n++] = (utok){ s, t->start, t->end, t->pos, t->flags };
	return 0;
}

static void utoks_free(utoks *u)
{
	for (size_t i = 0; i < u->n; i++)
		lidx__free(u->v[i].term);
	lidx__free(u->v);
	memset(u, 0, sizeof *u);
}

static int lookup_df(lidx_match *m, tstat *t)
{
	if (t->have_df)
		return 0;
	t->have_df = 1;
	int rc = lidx__term_find(m->ix, t->term, strlen(t->term), &t->lt);
	if (rc == LIDX_ECORRUPT)
		return rc;
	t->df = rc < 0 ? 0 : t->lt.df;
	return 0;
}

/*
 * The units of a token stream that name something: plain words, and of a
 * compound either its whole (when the notes have it: "on-call" as
 * "oncall") or else its parts ("shared-library" -> "shared", "library").
 * keep[i] is set for the tokens kept.
 */
static int pick_units(lidx_match *m, tmap *tm, utoks *u, uint8_t *keep)
{
	for (size_t i = 0; i < u->n; i++) {
		keep[i] = 0;
		if (u->v[i].flags & LIDX_TOK_PART)
			continue;
		if (!(u->v[i].flags & LIDX_TOK_WHOLE)) {
			keep[i] = 1;
			continue;
		}
		/* a whole, followed by its parts */
		size_t j = i + 1;
		while (j < u->n && (u->v[j].flags & LIDX_TOK_PART) && u->v[j].start < u->v[i].end)
			j++;
		size_t k;
		int rc = tmap_get(tm, u->v[i].term, strlen(u->v[i].term), &k);
		if (rc < 0)
			return rc;
		if ((rc = lookup_df(m, &tm->v[k])) < 0)
			return rc;
		if (tm->v[k].df > 0 || j == i + 1 || lidx__alias_known(m->an, u->v[i].term)) {
			keep[i] = 1;
		} else {
			for (size_t p = i + 1; p < j; p++)
				keep[p] = 1;
		}
		i = j - 1;
	}
	return 0;
}

static int analyze_item(lidx_match *m, const lidx_jd_item *it, utoks *u)
{
	return lidx_analyze(m->an, m->text + it->start, it->end - it->start, 0, 0, utok_collect, u, NULL);
}

/*
 * How much a word of the description says about skills: its IDF over the
 * notes times its specificity in general English (background.c), so that
 * "road" or "whether", as rare as "template" in a few hundred stories, do
 * not weigh as much. Used for the query's term weights and for the coverage
 * labels alike.
 */
static double term_idf(lidx_match *m, const char *term, uint32_t df)
{
	return lidx__idf(m->ix->n_live, df) * lidx__bg_specificity(term);
}

static double unit_weight(lidx_match *m, const tstat *t)
{
	return (1.0 + log((double)t->tf)) * term_idf(m, t->term, t->df) * (t->title ? TITLE_BOOST : 1.0);
}


static int cmp_w(const void *x, const void *y)
{
	const tstat *const *a = x, *const *b = y;
	if ((*a)->w != (*b)->w)
		return (*a)->w < (*b)->w ? 1 : -1;
	return strcmp((*a)->term, (*b)->term);
}

/* A label: the surface text, lower-cased, trimmed of punctuation at the ends. */
static char *make_label(const char *s, size_t n)
{
	while (n && strchr(",;:()[]\"'!?", *s))
		s++, n--;
	while (n && strchr(",;:()[]\"'!?.", s[n - 1]))
		n--;
	if (n > 80)
		n = 80;
	char *l = lidx__strndup(s, n);
	if (l)
		for (char *p = l; *p; p++)
			*p = (char)tolower((unsigned char)*p);
	return l;
}

/* Add a group for a term: its surface text's alternatives and its aliases. */
static int add_term_group(lidx_match *m, lidx_query *q, const char *label, const char *surf,
                          size_t n, double w, int phrase)
{
	int g = lidx__query_add_group(q, label, w, 0);
	if (g < 0)
		return g;
	int rc = lidx__query_add_text(q, m->an, (size_t)g, surf, n, phrase);
	if (rc == 0 && !phrase)
		rc = lidx__alias_expand(q, m->an, (size_t)g);
	/* "k8s" after "kubernetes": one word, counted once (returns 1) */
	if (rc == 0 && lidx__query_group_repeats(q, (size_t)g)) {
		lidx__query_pop_group(q);
		return 1;
	}
	return rc;
}

typedef struct bigram {
	size_t a, b;          /* tmap indexes */
	size_t start, end;    /* surface */
	uint32_t tf;
	double w;
} bigram;

static int cmp_bigram(const void *x, const void *y)
{
	const bigram *a = x, *b = y;
	if (a->w != b->w)
		return a->w < b->w ? 1 : -1;
	return a->start < b->start ? -1 : a->start > b->start;
}

/* 1 if the phrase occurs in some story. */
static int phrase_in_notes(lidx_match *m, const char *s, size_t n, int *found)
{
	lidx_query *q;
	*found = 0;
	int rc = lidx__query_new(&q, m->ix);
	if (rc < 0)
		return rc;
	int g = lidx__query_add_group(q, NULL, 1.0, 0);
	rc = g < 0 ? g : lidx__query_add_text(q, m->an, (size_t)g, s, n, 1);
	if (rc == 0 && q->groups[0].n_alts && q->groups[0].alts[0].present) {
		lidx_search_opts o;
		lidx_search_defaults(&o);
		o.limit = 1;
		lidx_results r;
		rc = lidx_search(m->ix, q, &o, &r, NULL);
		if (rc == 0)
			*found = r.total > 0;
		lidx_results_clear(&r);
	}
	lidx_query_free(q);
	return rc;
}

static int is_query_item(const lidx_jd_item *it)
{
	return !(it->flags & (LIDX_JD_HEADING | LIDX_JD_BOILERPLATE));
}

/*
 * On a large corpus a requirement's search only walks its selective words:
 * a word in over 1/COMMON_DF of the stories ("design", "lead") costs a long
 * postings walk and adds little to the choice of candidates. Those words
 * still count when the candidates are labelled (lidx__score_doc).
 */
#define COMMON_DF 20
#define COMMON_MIN_STORIES 2000

static int common_df(lidx_match *m, uint32_t df)
{
	return m->ix->n_live >= COMMON_MIN_STORIES && df > m->ix->n_live / COMMON_DF;
}

static int build_query(lidx_match *m, lidx_err *err)
{
	tmap tm = { 0 };
	utoks u = { 0 };
	uint8_t *keep = NULL;
	tstat **order = NULL;
	bigram *bg = NULL;
	size_t n_bg = 0, cap_bg = 0;
	int rc = 0;
	for (size_t i = 0; i < m->n_items && rc == 0; i++) {
		const lidx_jd_item *it = &m->items[i];
		if (!is_query_item(it))
			continue;
		utoks_free(&u);
		if ((rc = analyze_item(m, it, &u)) < 0)
			break;
		lidx__free(keep);
		if (!(keep = lidx__calloc(u.n ? u.n : 1, 1))) {
			rc = LIDX_ENOMEM;
			break;
		}
		if ((rc = pick_units(m, &tm, &u, keep)) < 0)
			break;
		long prev = -1;          /* the previous kept unit, for two-word phrases */
		uint32_t prev_pos = 0;
		for (size_t k = 0; k < u.n && rc == 0; k++) {
			if (!keep[k])
				continue;
			const char *term = u.v[k].term;
			if (!usable(m, term, strlen(term))) {
				prev = -1;
				continue;
			}
			size_t ti;
			if ((rc = tmap_get(&tm, term, strlen(term), &ti)) < 0)
				break;
			tstat *t = &tm.v[ti];
			if (t->tf++ == 0) {
				t->start = it->start + u.v[k].start;
				t->end = it->start + u.v[k].end;
				t->part = (u.v[k].flags & LIDX_TOK_PART) != 0;
			}
			t->title |= (it->flags & LIDX_JD_TITLE) != 0;
			if (prev >= 0 && u.v[k].pos == prev_pos + 1 && !(u.v[k].flags & LIDX_TOK_PART)) {
				size_t pa = (size_t)prev;
				size_t j;
				for (j = 0; j < n_bg; j++)
					if (bg[j].a == pa && bg[j].b == ti)
						break;
				if (j == n_bg) {
					if (n_bg >= 20000 || LIDX_GROW(bg, cap_bg, n_bg + 1) < 0) {
						rc = n_bg >= 20000 ? 0 : LIDX_ENOMEM;
						if (rc < 0)
							break;
						goto next;
					}
					bg[n_bg++] = (bigram){ pa, ti, tm.v[pa].start, it->start + u.v[k].end, 0, 0 };
					/* the surface of the first occurrence: from the first word's start */
					for (size_t b = k; b > 0; b--)
						if (keep[b - 1] && u.v[b - 1].pos == prev_pos) {
							bg[n_bg - 1].start = it->start + u.v[b - 1].start;
							break;
						}
				}
				bg[j].tf++;
			}
		next:
			prev = (long)ti;
			prev_pos = u.v[k].pos;
		}
	}
	if (rc < 0)
		goto done;
	/*
	 * Weights, after Lucene's MoreLikeThis: w = (1 + ln tf) x idf, where tf
	 * counts the word in the description and idf is BM25's over the notes
	 * (query.c). Choices for a small personal corpus:
	 *  - no minimum document frequency (MoreLikeThis: 5): in a few hundred
	 *    stories the skills that matter ("kong", "precomputation") are in
	 *    one or two; a word in no story is dropped, as it cannot match;
	 *  - no minimum tf (MoreLikeThis: 2): a 300-word ad names most skills
	 *    once; 1 + ln tf still lets a repeated word count more, sublinearly;
	 *  - the 32 heaviest words are kept (MoreLikeThis: 25): a description
	 *    has more aspects than a document; more words add noise and time;
	 *  - words of the job title count TITLE_BOOST times;
	 *  - the weights are scaled so the heaviest is 1 (they multiply BM25,
	 *    which applies idf again, as MoreLikeThis's boosts do).
	 */
	size_t n_cand = 0;
	if (!(order = lidx__calloc(tm.n ? tm.n : 1, sizeof *order))) {
		rc = LIDX_ENOMEM;
		goto done;
	}
	for (size_t i = 0; i < tm.n; i++) {
		tstat *t = &tm.v[i];
		if (!t->tf)
			continue;
		if ((rc = lookup_df(m, t)) < 0)
			goto done;
		if (t->df == 0)
			continue;
		t->w = unit_weight(m, t);
		order[n_cand++] = t;
	}
	if (n_cand)
		qsort(order, n_cand, sizeof *order, cmp_w);
	size_t keep_n = n_cand < m->o.max_terms ? n_cand : m->o.max_terms;
	double wmax = keep_n ? order[0]->w : 1;
	size_t n_total = keep_n + m->o.max_phrases;
	if (!(m->terms = lidx__calloc(n_total ? n_total : 1, sizeof *m->terms))) {
		rc = LIDX_ENOMEM;
		goto done;
	}
	for (size_t i = 0; i < n_cand && m->n_terms < keep_n; i++) {
		tstat *t = order[i];
		char *label = make_label(m->text + t->start, t->end - t->start);
		if (!label) {
			rc = LIDX_ENOMEM;
			goto done;
		}
		double qw = t->w / wmax;
		rc = add_term_group(m, m->q, label, m->text + t->start, t->end - t->start, qw, 0);
		if (rc != 0) {
			lidx__free(label);
			if (rc < 0)
				goto done;
			rc = 0; /* an alias of a heavier word: that word's group stands for it */
			continue;
		}
		m->terms[m->n_terms++] = (lidx_match_term){ label, qw, t->tf, t->df, 0 };
	}
	/*
	 * Two-word phrases ("rate limiting", "event streaming") whose words are
	 * both in the notes, at least one of them kept, and that the notes
	 * contain as a phrase: a group of their own, so that a story with the
	 * phrase scores it on top of its words.
	 */
	size_t n_ok = 0;
	for (size_t j = 0; j < n_bg; j++) {
		tstat *a = &tm.v[bg[j].a], *b = &tm.v[bg[j].b];
		if (!a->df || !b->df || a == b || (common_df(m, a->df) && common_df(m, b->df))) {
			bg[j].w = 0;
			continue;
		}
		bg[j].w = (1.0 + log((double)bg[j].tf)) * (a->w + b->w) / 2;
		n_ok++;
	}
	if (n_bg)
		qsort(bg, n_bg, sizeof *bg, cmp_bigram);
	size_t added = 0;
	for (size_t j = 0; j < n_bg && j < MAX_PHRASE_CHECKS && added < m->o.max_phrases; j++) {
		if (bg[j].w <= 0)
			break;
		int found;
		const char *s = m->text + bg[j].start;
		size_t n = bg[j].end - bg[j].start;
		if ((rc = phrase_in_notes(m, s, n, &found)) < 0)
			goto done;
		if (!found)
			continue;
		char *label = make_label(s, n);
		if (!label) {
			rc = LIDX_ENOMEM;
			goto done;
		}
		double w = bg[j].w / wmax;
		rc = add_term_group(m, m->q, label, s, n, w, 1);
		if (rc != 0) {
			lidx__free(label);
			if (rc < 0)
				goto done;
			rc = 0;
			continue;
		}
		m->terms[m->n_terms++] = (lidx_match_term){ label, w, bg[j].tf, 0, 1 };
		added++;
	}
	(void)n_ok;
done:
	if (rc < 0)
		lidx__err(err, rc, "%s", rc == LIDX_ECORRUPT ? "the index is corrupt (lexicon)" : lidx_strerror(rc));
	lidx__free(bg);
	lidx__free(order);
	lidx__free(keep);
	utoks_free(&u);
	tmap_free(&tm);
	return rc;
}

/* ---- requirements ------------------------------------------------------------------------ */

typedef struct rterm {
	char *label;
	double w;
} rterm;

/* Build requirement r's query from item it; 0 with no query when it has no usable word. */
/*
 * A requirement is judged on its first REQ_MAX_WORDS distinct words: an
 * item of a pasted text that no splitter could cut (a 600 KB line of
 * identifiers) stays one requirement instead of failing the whole match
 * with the query's limit of groups.
 */
#define REQ_MAX_WORDS 1024

static int build_req(lidx_match *m, lidx_requirement *r, const lidx_jd_item *it, double **wout,
                     lidx_query **search_out)
{
	lidx_query *sq = NULL;
	*search_out = NULL;
	tmap tm = { 0 };
	utoks u = { 0 };
	uint8_t *keep = NULL;
	double *w = NULL;
	size_t n_w = 0, cap_w = 0;
	lidx_query *q = NULL;
	int rc = analyze_item(m, it, &u);
	if (rc < 0)
		goto done;
	if (!(keep = lidx__calloc(u.n ? u.n : 1, 1))) {
		rc = LIDX_ENOMEM;
		goto done;
	}
	if ((rc = pick_units(m, &tm, &u, keep)) < 0 || (rc = lidx__query_new(&q, m->ix)) < 0 ||
	    (rc = lidx__query_new(&sq, m->ix)) < 0)
		goto done;
	for (size_t k = 0; k < u.n && q->n_groups < REQ_MAX_WORDS; k++) {
		const char *term = u.v[k].term;
		if (!keep[k] || !usable(m, term, strlen(term)))
			continue;
		size_t ti;
		if ((rc = tmap_get(&tm, term, strlen(term), &ti)) < 0)
			goto done;
		tstat *t = &tm.v[ti];
		if (t->tf++)
			continue;
		if ((rc = lookup_df(m, t)) < 0)
			goto done;
		double wt = term_idf(m, t->term, t->df);
		char *label = make_label(m->text + it->start + u.v[k].start, u.v[k].end - u.v[k].start);
		if (!label) {
			rc = LIDX_ENOMEM;
			goto done;
		}
		rc = add_term_group(m, q, label, m->text + it->start + u.v[k].start,
		                    u.v[k].end - u.v[k].start, 1.0, 0);
		if (rc == 0 && !common_df(m, t->df)) {
			int r2 = add_term_group(m, sq, label, m->text + it->start + u.v[k].start,
			                        u.v[k].end - u.v[k].start, 1.0, 0);
			if (r2 < 0)
				rc = r2;
		}
		lidx__free(label);
		if (rc < 0)
			goto done;
		if (rc == 1) { /* "k8s" after "kubernetes": the same word */
			rc = 0;
			continue;
		}
		if (LIDX_GROW(w, cap_w, n_w + 1) < 0) {
			rc = LIDX_ENOMEM;
			goto done;
		}
		w[n_w++] = wt;
	}
	if (q->n_groups == 0) {
		lidx_query_free(q);
		q = NULL;
	}
	r->query = q;
	q = NULL;
	if (sq->n_groups && r->query && sq->n_groups < r->query->n_groups) {
		*search_out = sq;
		sq = NULL;
	}
	*wout = w;
	w = NULL;
done:
	lidx_query_free(q);
	lidx_query_free(sq);
	lidx__free(w);
	lidx__free(keep);
	utoks_free(&u);
	tmap_free(&tm);
	return rc;
}

void lidx_match_defaults(lidx_match_opts *o)
{
	o->max_terms = 32;
	o->max_phrases = 10;
	o->req_hits = 20;
	o->length_prior = 2.0;
}

/*
 * A glued word that the notes use is no glue point ("JavaScript" in notes
 * that say "javascript"): the analyzed whole word is in the index or in the
 * alias table. The terms are copied and looked up after the analysis: the
 * alias table's first use analyzes its own forms with the same analyzer.
 */
struct known_ctx {
	char term[2][64];
	size_t n;
};

static int known_tok(void *ctx, const lidx_token *t)
{
	struct known_ctx *k = ctx;
	if ((t->flags & LIDX_TOK_PART) || k->n >= 2 || t->term_len >= sizeof k->term[0])
		return 0;
	memcpy(k->term[k->n], t->term, t->term_len);
	k->term[k->n++][t->term_len] = 0;
	return 0;
}

static int notes_know(void *ctx, const char *w, size_t n)
{
	lidx_match *m = ctx;
	struct known_ctx k = { .n = 0 };
	if (lidx_analyze(m->an, w, n, 0, 0, known_tok, &k, NULL) < 0)
		return 0;
	for (size_t i = 0; i < k.n; i++) {
		lidx_term lt;
		if ((lidx__term_find(m->ix, k.term[i], strlen(k.term[i]), &lt) == 0 && lt.df > 0) ||
		    lidx__alias_known(m->an, k.term[i]))
			return 1;
	}
	return 0;
}

static int looks_binary(const char *s, size_t len)
{
	size_t ctl = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == 0)
			return 1;
		ctl += c < 0x20 && c != '\n' && c != '\r' && c != '\t' && c != '\f' && c != '\v';
	}
	return ctl * 100 > len; /* over 1% control characters */
}

/*
 * HTML pasted with an ad (a job board's API text, a page's source, a Hacker
 * News post: "<li>Go</li>", "Apply at <a href=...>", "We&#x27;re") is read
 * as the text it shows: block tags (p, br, li, div, h1-h6, tr ...) become
 * line breaks ("<li>" a "- " bullet), other tags of HTML's own names go,
 * character references are decoded. Tags of other names ("<canvas>",
 * "List<String>") and unknown references stay as written.
 */
static const char *const html_block[] = {
	"p", "br", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table", "tbody",
	"thead", "section", "article", "header", "footer", "blockquote", "pre", "hr", "dd", "dt", "dl", NULL
};
static const char *const html_inline[] = {
	"a", "span", "strong", "b", "i", "em", "u", "font", "td", "th", "img", "sup", "sub", "small",
	"code", "mark", "abbr", NULL
};

/* Length of the HTML tag at s (a name of the lists above), or 0; *block: a block tag, *li: an opening <li>. */
static size_t html_tag(const char *s, size_t len, int *block, int *li)
{
	size_t i = 1;
	if (len < 3 || s[0] != '<')
		return 0;
	int closing = s[i] == '/';
	i += closing;
	size_t nb = i;
	while (i < len && i - nb < 12 && isalnum((unsigned char)s[i]))
		i++;
	size_t n = i - nb;
	if (n == 0 || i >= len || !(s[i] == '>' || s[i] == '/' || isspace((unsigned char)s[i])))
		return 0;
	int kind = 0;
	for (int k = 0; html_block[k] && !kind; k++)
		kind = strlen(html_block[k]) == n && !strncasecmp(s + nb, html_block[k], n) ? 1 : 0;
	for (int k = 0; html_inline[k] && !kind; k++)
		kind = strlen(html_inline[k]) == n && !strncasecmp(s + nb, html_inline[k], n) ? 2 : 0;
	if (!kind)
		return 0;
	while (i < len && i < 2048 && s[i] != '>' && s[i] != '<')
		i++;
	if (i >= len || s[i] != '>')
		return 0;
	*block = kind == 1;
	*li = kind == 1 && !closing && n == 2 && !strncasecmp(s + nb, "li", 2);
	return i + 1;
}

/* The character reference at s ("&amp;", "&#x27;", "&#8217;"): its length, and its UTF-8 in out (*n_out bytes); 0 if none. */
static size_t html_ref(const char *s, size_t len, char out[4], size_t *n_out)
{
	static const struct { const char *name; unsigned cp; } named[] = {
		{ "amp", '&' }, { "lt", '<' }, { "gt", '>' }, { "quot", '"' }, { "apos", '\'' },
		{ "nbsp", ' ' }, { "rsquo", 0x2019 }, { "lsquo", 0x2018 }, { "rdquo", 0x201d },
		{ "ldquo", 0x201c }, { "mdash", 0x2014 }, { "ndash", 0x2013 }, { "bull", 0x2022 },
		{ "hellip", 0x2026 }, { "middot", 0xb7 }, { "copy", 0xa9 }, { "reg", 0xae },
		{ "trade", 0x2122 }, { "euro", 0x20ac }, { "pound", 0xa3 }, { NULL, 0 }
	};
	size_t i = 1;
	unsigned long cp = 0;
	if (len < 4 || s[0] != '&')
		return 0;
	if (s[1] == '#') {
		int hex = i + 1 < len && (s[2] == 'x' || s[2] == 'X');
		i = hex ? 3 : 2;
		size_t d = i;
		while (i < len && i - d < 7 && (hex ? isxdigit((unsigned char)s[i]) : isdigit((unsigned char)s[i]))) {
			cp = cp * (hex ? 16 : 10) + (unsigned long)(isdigit((unsigned char)s[i]) ? s[i] - '0' :
			                                            tolower((unsigned char)s[i]) - 'a' + 10);
			i++;
		}
		if (i == d || i >= len || s[i] != ';' || cp == 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
	} else {
		size_t nb = i;
		while (i < len && i - nb < 8 && isalpha((unsigned char)s[i]))
			i++;
		if (i >= len || s[i] != ';')
			return 0;
		int k;
		for (k = 0; named[k].name; k++)
			if (strlen(named[k].name) == i - nb && !strncmp(s + nb, named[k].name, i - nb))
				break;
		if (!named[k].name)
			return 0;
		cp = named[k].cp;
	}
	if (cp < 0x20 && cp != '\n' && cp != '\t')
		cp = ' ';
	if (cp < 0x80) {
		out[0] = (char)cp;
		*n_out = 1;
	} else if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		*n_out = 2;
	} else if (cp < 0x10000) {
		out[0] = (char)(0xe0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		*n_out = 3;
	} else {
		out[0] = (char)(0xf0 | (cp >> 18));
		out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[3] = (char)(0x80 | (cp & 0x3f));
		*n_out = 4;
	}
	return i + 1;
}

/*
 * The text of an ad with HTML in it, in *out (lidx__malloc'd, *out_len
 * bytes; never longer than the input: every tag and reference is at least
 * as long as what replaces it); *out = NULL when it has no tag or reference.
 */
static int html_text(const char *s, size_t len, char **out, size_t *out_len)
{
	*out = NULL;
	*out_len = 0;
	int any = 0;
	for (size_t i = 0; i < len && !any; i++) {
		int block, li;
		char u[4];
		size_t n;
		any = (s[i] == '<' && html_tag(s + i, len - i, &block, &li)) ||
		      (s[i] == '&' && html_ref(s + i, len - i, u, &n));
	}
	if (!any)
		return 0;
	char *d = lidx__malloc(len + 1);
	if (!d)
		return LIDX_ENOMEM;
	size_t o = 0;
	for (size_t i = 0; i < len;) {
		int block = 0, li = 0;
		char u[4];
		size_t n = 0, t;
		if (s[i] == '<' && (t = html_tag(s + i, len - i, &block, &li)) > 0) {
			if (li) {
				memcpy(d + o, "\n- ", 3); /* "<li>" is 4 bytes or more */
				o += 3;
			} else if (block) {
				d[o++] = '\n';
			}
			i += t;
		} else if (s[i] == '&' && (t = html_ref(s + i, len - i, u, &n)) > 0) {
			memcpy(d + o, u, n); /* n <= t: "&#x1F600;" is 9 bytes for 4 */
			o += n;
			i += t;
		} else {
			d[o++] = s[i++];
		}
	}
	assert(o <= len);
	d[o] = 0;
	*out = d;
	*out_len = o;
	return 0;
}

static int match_new(lidx_match **out, lidx_index *ix, lidx_analyzer *an, const char *text, size_t len,
                     const lidx_match_opts *opts, lidx_err *err);

int lidx_match_new(lidx_match **out, lidx_index *ix, lidx_analyzer *an, const char *text, size_t len,
                   const lidx_match_opts *opts, lidx_err *err)
{
	*out = NULL;
	if (len > LIDX_MATCH_MAX_BYTES)
		return lidx__err(err, LIDX_ETOOBIG, "the job description is over %zu KiB; paste the ad itself",
		                 LIDX_MATCH_MAX_BYTES >> 10);
	/* text saved as UTF-16 (Windows editors do) is decoded, as notes are; a UTF-8 BOM is dropped */
	char *decoded = NULL;
	if (lidx__utf16_bom((const uint8_t *)text, len)) {
		size_t dl;
		if (!(decoded = lidx__utf16_to_utf8((const uint8_t *)text, len, &dl)))
			return lidx__err(err, LIDX_ENOMEM, "out of memory");
		text = decoded;
		len = dl;
	} else if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3)) {
		text += 3;
		len -= 3;
	}
	char *plain = NULL;
	size_t pl;
	int rc = html_text(text, len, &plain, &pl);
	if (rc < 0) {
		lidx__free(decoded);
		return lidx__err(err, rc, "out of memory");
	}
	if (plain) {
		text = plain;
		len = pl;
	}
	rc = match_new(out, ix, an, text, len, opts, err);
	lidx__free(plain);
	lidx__free(decoded);
	return rc;
}

static int match_new(lidx_match **out, lidx_index *ix, lidx_analyzer *an, const char *text, size_t len,
                     const lidx_match_opts *opts, lidx_err *err)
{
	if (looks_binary(text, len))
		return lidx__err(err, LIDX_EINVAL, "the job description looks binary, not text");
	lidx_match *m = lidx__calloc(1, sizeof *m);
	if (!m)
		return lidx__err(err, LIDX_ENOMEM, "out of memory");
	m->ix = ix;
	m->an = an;
	if (opts)
		m->o = *opts;
	else
		lidx_match_defaults(&m->o);
	if (m->o.max_terms == 0 || m->o.max_terms > 1000)
		m->o.max_terms = 32;
	if (m->o.max_phrases > 100)
		m->o.max_phrases = 100;
	if (m->o.req_hits == 0 || m->o.req_hits > 1000)
		m->o.req_hits = 20;
	int rc;
	if (!(m->text = lidx__malloc(len + 1))) {
		rc = lidx__err(err, LIDX_ENOMEM, "out of memory");
		goto fail;
	}
	memcpy(m->text, text, len);
	m->text[len] = 0;
	m->len = len;
	for (int i = 0; frame_words[i]; i++)
		if ((rc = lidx_analyze(an, frame_words[i], strlen(frame_words[i]), 0, 0, frame_tok, m, NULL)) < 0) {
			lidx__err(err, rc, "out of memory");
			goto fail;
		}
	if (m->n_frames)
		qsort(m->frames, m->n_frames, sizeof *m->frames, cmp_str);
	if ((rc = jd_split_text(m->text, len, notes_know, m, &m->items, &m->n_items)) < 0) {
		lidx__err(err, rc, rc == LIDX_ETOOBIG ? "the job description has too many lines" : "out of memory");
		goto fail;
	}
	if ((rc = lidx__query_new(&m->q, ix)) < 0) {
		lidx__err(err, rc, "out of memory");
		goto fail;
	}
	if ((rc = build_query(m, err)) < 0)
		goto fail;
	/* requirements: items that ask for something */
	size_t n_cap = 0;
	for (size_t i = 0; i < m->n_items; i++)
		n_cap += is_query_item(&m->items[i]) && !(m->items[i].flags & LIDX_JD_TITLE);
	m->reqs = lidx__calloc(n_cap ? n_cap : 1, sizeof *m->reqs);
	m->req_item = lidx__calloc(n_cap ? n_cap : 1, sizeof *m->req_item);
	m->req_search = lidx__calloc(n_cap ? n_cap : 1, sizeof *m->req_search);
	if (!m->reqs || !m->req_item || !m->req_search) {
		rc = lidx__err(err, LIDX_ENOMEM, "out of memory");
		goto fail;
	}
	int any_words = m->q->n_groups > 0;
	for (size_t i = 0; i < m->n_items; i++) {
		const lidx_jd_item *it = &m->items[i];
		if (!is_query_item(it) || (it->flags & LIDX_JD_TITLE))
			continue;
		lidx_requirement *r = &m->reqs[m->n_reqs];
		double *w = NULL;
		lidx_query *sq = NULL;
		if ((rc = build_req(m, r, it, &w, &sq)) < 0) {
			lidx__err(err, rc, "%s", lidx_strerror(rc));
			goto fail;
		}
		lidx__free(w);
		if (!r->query)
			continue;
		/* the same requirement twice (pasted twice) is reported once */
		int dup = 0;
		for (size_t j = 0; j < m->n_reqs && !dup; j++)
			dup = m->reqs[j].len == it->end - it->start &&
			      !strncasecmp(m->reqs[j].text, m->text + it->start, m->reqs[j].len);
		if (dup) {
			lidx_query_free(r->query);
			lidx_query_free(sq);
			r->query = NULL;
			any_words = 1;
			continue;
		}
		m->req_search[m->n_reqs] = sq;
		any_words = 1;
		r->text = m->text + it->start;
		r->len = it->end - it->start;
		if (it->section >= 0) {
			r->section = m->text + m->items[it->section].start;
			r->section_len = m->items[it->section].end - m->items[it->section].start;
		} else {
			r->section = "";
		}
		m->req_item[m->n_reqs++] = i;
	}
	if (!any_words) {
		rc = lidx__err(err, LIDX_EEMPTY, "the job description has no searchable words "
		               "(only boilerplate, stop words or punctuation?)");
		goto fail;
	}
	*out = m;
	return 0;
fail:
	lidx_match_free(m);
	return rc;
}

static void req_clear(lidx_requirement *r)
{
	lidx__free(r->matched);
	lidx__free(r->missing);
	r->matched = r->missing = NULL;
	r->n_matched = r->n_missing = 0;
}

void lidx_match_free(lidx_match *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n_reqs; i++) {
		req_clear(&m->reqs[i]);
		lidx_query_free(m->reqs[i].query);
		if (m->req_search)
			lidx_query_free(m->req_search[i]);
		if (m->cands)
			lidx__free(m->cands[i]);
	}
	lidx__free(m->cands);
	lidx__free(m->n_cands);
	lidx__free(m->reqs);
	lidx__free(m->req_item);
	lidx__free(m->req_search);
	for (size_t i = 0; i < m->n_terms; i++)
		lidx__free((char *)m->terms[i].label);
	lidx__free(m->terms);
	for (size_t i = 0; i < m->n_frames; i++)
		lidx__free(m->frames[i]);
	lidx__free(m->frames);
	lidx_query_free(m->q);
	lidx__free(m->items);
	lidx__free(m->text);
	lidx__free(m);
}

lidx_query *lidx_match_query(lidx_match *m)
{
	return m->q;
}

size_t lidx_match_term_count(lidx_match *m)
{
	return m->n_terms;
}

const lidx_match_term *lidx_match_term_at(lidx_match *m, size_t i)
{
	return i < m->n_terms ? &m->terms[i] : NULL;
}

size_t lidx_match_req_count(lidx_match *m)
{
	return m->n_reqs;
}

const lidx_requirement *lidx_match_req(lidx_match *m, size_t i)
{
	return i < m->n_reqs ? &m->reqs[i] : NULL;
}

/* ---- coverage -------------------------------------------------------------------------- */

/* Per-group weight of requirement r (recomputed: IDF, half for absent words); *spec: the word's specificity. */
static double group_weight(lidx_match *m, lidx_query *q, size_t g, double *spec)
{
	qgroup *gr = &q->groups[g];
	uint32_t df = 0;
	const char *term = gr->n_alts && gr->alts[0].n_terms ? gr->alts[0].terms[0] : "";
	for (uint32_t a = 0; a < gr->n_alts; a++)
		if (gr->alts[a].present && gr->alts[a].n_terms == 1 && gr->alts[a].t[0].df > df) {
			df = gr->alts[a].t[0].df;
			term = gr->alts[a].terms[0];
		}
	if (!df) {
		for (uint32_t a = 0; a < gr->n_alts; a++)
			if (gr->alts[a].present)
				df = 1; /* a phrase alternative that is present */
	}
	/*
	 * A word the notes never use weighs as the rarest word: it is what the
	 * report should show as missing ("quantum" in "quantum research" is the
	 * skill; "research" alone does not cover it). Everyday English words
	 * weigh less (term_idf): "first" or "enough" do not cover a requirement.
	 */
	*spec = lidx__bg_specificity(term);
	return term_idf(m, term, df);
}

/* Label of story for requirement r from its per-group scores. */
static int label_of(lidx_match *m, lidx_query *q, const double *pg, double *share)
{
	double tot = 0, got = 0;
	size_t n = q->n_groups, hit = 0;
	int rare = 0;
	for (size_t g = 0; g < n; g++) {
		double spec;
		double w = group_weight(m, q, g, &spec);
		tot += w;
		if (pg[g] > 0) {
			got += w;
			hit++;
			rare |= spec >= RARE_SPEC;
		}
	}
	*share = tot > 0 ? got / tot : 0;
	/*
	 * Strong needs two of its words, or, for a requirement of one or two
	 * words, one that is not an everyday English word: "Applicants must be
	 * authorized to work" is not covered by a story that says "authorized".
	 */
	if (*share >= STRONG_SHARE && (hit >= 2 || (n <= 2 && hit == 1 && rare)))
		return LIDX_COVER_STRONG;
	if (hit && *share >= WEAK_SHARE - 1e-9)
		return LIDX_COVER_WEAK;
	return LIDX_COVER_NONE;
}

int lidx_match_coverage(lidx_match *m, const lidx_search_opts *opts, lidx_err *err)
{
	lidx_search_opts o;
	if (opts)
		o = *opts;
	else
		lidx_search_defaults(&o);
	o.coord = 1; /* a story with more of the requirement's words first */
	o.prox = o.prox_keywords = 0; /* measured: no change on the judged ads */
	o.limit = m->o.req_hits;
	int rc = 0;
	double *pg = NULL;
	if (m->covered)
		return 0;
	m->cands = lidx__calloc(m->n_reqs ? m->n_reqs : 1, sizeof *m->cands);
	m->n_cands = lidx__calloc(m->n_reqs ? m->n_reqs : 1, sizeof *m->n_cands);
	if (!m->cands || !m->n_cands)
		return lidx__err(err, LIDX_ENOMEM, "out of memory");
	m->cands_all = 1;
	for (size_t i = 0; i < m->n_reqs; i++) {
		lidx_requirement *r = &m->reqs[i];
		lidx_query *q = r->query;
		lidx_results res;
		if ((rc = lidx_search(m->ix, m->req_search[i] ? m->req_search[i] : q, &o, &res, err)) < 0)
			goto done;
		lidx__free(pg);
		pg = lidx__calloc(q->n_groups ? q->n_groups : 1, sizeof *pg);
		m->cands[i] = lidx__calloc(res.n_hits ? res.n_hits : 1, sizeof **m->cands);
		if (!pg || !m->cands[i]) {
			lidx_results_clear(&res);
			rc = lidx__err(err, LIDX_ENOMEM, "out of memory");
			goto done;
		}
		int best_label = -1;
		double best_share = 0;
		for (size_t h = 0; h < res.n_hits; h++) {
			double total, share;
			if ((rc = lidx__score_doc(m->ix, q, &o, res.hits[h].story, pg, &total)) < 0) {
				lidx_results_clear(&res);
				lidx__err(err, rc, "%s", lidx_strerror(rc));
				goto done;
			}
			int label = label_of(m, q, pg, &share);
			m->cands[i][m->n_cands[i]++] = (struct cand){ res.hits[h].story, label, res.hits[h].score, share };
			if (!(share > 0))
				m->cands_all = 0; /* not a candidate of lidx_match_search() */
			if (label > best_label || (label == best_label && share > best_share + 1e-9)) {
				best_label = label;
				best_share = share;
				r->has_story = 1;
				r->story = res.hits[h].story;
				r->score = res.hits[h].score;
				r->label = label;
				r->coverage = share;
			}
		}
		/* a search of only the selective words, or one cut at req_hits, misses stories */
		if (m->req_search[i] || !res.total_exact || res.total != res.n_hits)
			m->cands_all = 0;
		lidx_results_clear(&res);
		/* matched and missing words of the best story */
		req_clear(r);
		r->matched = lidx__calloc(q->n_groups ? q->n_groups : 1, sizeof *r->matched);
		r->missing = lidx__calloc(q->n_groups ? q->n_groups : 1, sizeof *r->missing);
		if (!r->matched || !r->missing) {
			rc = lidx__err(err, LIDX_ENOMEM, "out of memory");
			goto done;
		}
		for (size_t g = 0; g < q->n_groups; g++)
			pg[g] = 0;
		if (r->has_story) {
			double total;
			if ((rc = lidx__score_doc(m->ix, q, &o, r->story, pg, &total)) < 0) {
				lidx__err(err, rc, "%s", lidx_strerror(rc));
				goto done;
			}
		}
		for (size_t g = 0; g < q->n_groups; g++) {
			const char *l = lidx_query_group_label(q, g);
			if (pg[g] > 0)
				r->matched[r->n_matched++] = l;
			else
				r->missing[r->n_missing++] = l;
		}
	}
	m->covered = 1;
done:
	lidx__free(pg);
	return rc;
}

double lidx_match_coverage_share(lidx_match *m)
{
	if (!m->covered || !m->n_reqs)
		return 0;
	double s = 0;
	for (size_t i = 0; i < m->n_reqs; i++)
		s += m->reqs[i].label == LIDX_COVER_STRONG ? 1 : m->reqs[i].label == LIDX_COVER_WEAK ? 0.5 : 0;
	return s / (double)m->n_reqs;
}

int lidx_match_story_label(lidx_match *m, size_t i, uint32_t story)
{
	if (!m->covered || i >= m->n_reqs)
		return LIDX_COVER_NONE;
	for (size_t h = 0; h < m->n_cands[i]; h++)
		if (m->cands[i][h].story == story)
			return m->cands[i][h].label;
	return LIDX_COVER_NONE;
}

static double label_value(int label)
{
	return label == LIDX_COVER_STRONG ? 1.0 : label == LIDX_COVER_WEAK ? 0.5 : 0.0;
}

typedef struct cover {
	uint32_t story;
	uint32_t req;
	double value;         /* 1 strong, 1/2 weak */
	double score;
} cover;

static int cmp_cover(const void *x, const void *y)
{
	const cover *a = x, *b = y;
	if (a->story != b->story)
		return a->story < b->story ? -1 : 1;
	return a->req < b->req ? -1 : a->req > b->req;
}

int lidx_match_pick(lidx_match *m, size_t k, uint32_t *stories, size_t *n_out)
{
	*n_out = 0;
	if (!m->covered)
		return LIDX_EINVAL;
	size_t n = 0;
	for (size_t i = 0; i < m->n_reqs; i++)
		n += m->n_cands[i];
	double *have = lidx__calloc(m->n_reqs ? m->n_reqs : 1, sizeof *have);
	cover *cv = lidx__calloc(n ? n : 1, sizeof *cv);
	uint8_t *taken = lidx__calloc(n ? n : 1, 1);
	if (!have || !cv || !taken) {
		lidx__free(have);
		lidx__free(cv);
		lidx__free(taken);
		return LIDX_ENOMEM;
	}
	size_t nc = 0;
	for (size_t i = 0; i < m->n_reqs; i++)
		for (size_t h = 0; h < m->n_cands[i]; h++)
			cv[nc++] = (cover){ m->cands[i][h].story, (uint32_t)i, label_value(m->cands[i][h].label),
			                    m->cands[i][h].score };
	if (nc)
		qsort(cv, nc, sizeof *cv, cmp_cover);
	/*
	 * Greedy set cover (Chvátal 1979): each round takes the story that adds
	 * the most coverage over the requirements not yet covered as well (a
	 * strong cover counts 1, a weak one 1/2); a tie goes to the story with
	 * the higher summed requirement scores. cv is grouped by story.
	 */
	while (*n_out < k) {
		double best_gain = 0, best_tie = 0;
		size_t best = SIZE_MAX;
		for (size_t a = 0; a < nc;) {
			size_t b = a;
			double gain = 0, tie = 0;
			while (b < nc && cv[b].story == cv[a].story) {
				if (cv[b].value > have[cv[b].req])
					gain += cv[b].value - have[cv[b].req];
				tie += cv[b].score;
				b++;
			}
			if (!taken[a] && (gain > best_gain + 1e-9 || (gain > best_gain - 1e-9 && gain > 0 && tie > best_tie))) {
				best_gain = gain;
				best_tie = tie;
				best = a;
			}
			a = b;
		}
		if (best == SIZE_MAX)
			break;
		taken[best] = 1;
		stories[(*n_out)++] = cv[best].story;
		for (size_t b = best; b < nc && cv[b].story == cv[best].story; b++)
			if (cv[b].value > have[cv[b].req])
				have[cv[b].req] = cv[b].value;
	}
	lidx__free(taken);
	lidx__free(cv);
	lidx__free(have);
	return 0;
}

/* ---- ranking: the whole description, diversified over its requirements -------------------- */

typedef struct aspect {
	uint32_t story;
	uint32_t req;
	double p;             /* P(story | requirement) */
} aspect;

static int cmp_aspect(const void *x, const void *y)
{
	const aspect *a = x, *b = y;
	if (a->story != b->story)
		return a->story < b->story ? -1 : 1;
	return a->req < b->req ? -1 : a->req > b->req;
}

typedef struct cand2 {
	uint32_t story;
	double p_main;        /* P(story | description) */
	size_t a0, a1;        /* its aspects */
	double bm25;
	int taken;
} cand2;

static int cmp_cand_story(const void *x, const void *y)
{
	const cand2 *a = x, *b = y;
	return a->story < b->story ? -1 : a->story > b->story;
}

static int cmp_hit_desc(const void *x, const void *y)
{
	const lidx_hit *a = x, *b = y;
	if (a->score != b->score)
		return a->score < b->score ? 1 : -1;
	return (a->story > b->story) - (a->story < b->story);
}

/*
 * The story-length prior of the description's score (see
 * lidx_match_search): (1 + ln(1 + r))^e, r = (length + 1) / average length.
 * Lengths are the title's and the body's words (+1: a story of no indexed
 * word is not scored 0).
 */
double lidx__length_prior(double ratio, double e)
{
	return pow(1.0 + log1p(ratio), e);
}

static int length_prior(lidx_match *m, lidx_results *r)
{
	double e = m->o.length_prior, avg = m->ix->avg_title + m->ix->avg_body;
	if (!(e > 0) || !(avg > 0) || !r->n_hits)
		return 0;
	for (size_t h = 0; h < r->n_hits; h++) {
		lidx_docinfo di;
		int rc = lidx__doc_info(m->ix, r->hits[h].story, &di);
		if (rc < 0)
			return rc;
		double ratio = ((double)di.title_len + di.body_len + 1.0) / avg;
		r->hits[h].score *= lidx__length_prior(ratio, e);
	}
	qsort(r->hits, r->n_hits, sizeof *r->hits, cmp_hit_desc);
	return 0;
}

/* A candidate's xQuAD score (see lidx_match_search) given what is covered. */
static double xquad_score(const cand2 *c, const aspect *as, const double *notcov, double lambda, double pr)
{
	double div = 0;
	for (size_t a = c->a0; a < c->a1; a++)
		div += pr * as[a].p * notcov[as[a].req];
	return (1 - lambda) * c->p_main + lambda * div;
}

/* Candidates of the taken story bi's near-duplicate group: taken too, and
   listed in res->dups beside hit k with the score they had. */
static int fold_dups(lidx_index *ix, cand2 *cs, size_t n_cs, size_t bi, size_t k, const aspect *as,
                     const double *notcov, double lambda, double pr, lidx_results *res)
{
	if (!ix->n_grouped)
		return 0;
	uint32_t g = lidx__story_group(ix, cs[bi].story);
	for (size_t i = 0; i < n_cs; i++) {
		if (cs[i].taken || lidx__story_group(ix, cs[i].story) != g)
			continue;
		cs[i].taken = 1;
		lidx_hit *nh = lidx__realloc(res->dups, (res->n_dups + 1) * sizeof *nh);
		if (!nh)
			return LIDX_ENOMEM;
		res->dups = nh;
		uint32_t *no = lidx__realloc(res->dup_of, (res->n_dups + 1) * sizeof *no);
		if (!no)
			return LIDX_ENOMEM;
		res->dup_of = no;
		res->dups[res->n_dups] = (lidx_hit){ cs[i].story, xquad_score(&cs[i], as, notcov, lambda, pr) };
		res->dup_of[res->n_dups++] = (uint32_t)k;
	}
	return 0;
}

int lidx_match_search(lidx_match *m, const lidx_search_opts *opts, lidx_results *res, lidx_err *err)
{
	lidx_search_opts o;
	if (opts)
		o = *opts;
	else
		lidx_search_defaults(&o);
	memset(res, 0, sizeof *res);
	size_t want = o.limit ? o.limit : 10;
	o.coord = 0; /* a description asks for thirty things: the weights rank breadth */
	o.prox = o.prox_keywords = 0; /* measured: lowers the judged ads (docs/ANALYSIS.md) */
	o.limit = want < FUSE_DEPTH ? FUSE_DEPTH : want;
	lidx_results main;
	aspect *as = NULL;
	cand2 *cs = NULL;
	double *notcov = NULL;
	size_t n_as = 0, n_cs = 0;
	int rc = lidx_search(m->ix, m->q, &o, &main, err);
	if (rc < 0)
		return rc;
	if ((rc = length_prior(m, &main)) < 0) {
		lidx__err(err, rc, "%s", lidx_strerror(rc));
		goto done;
	}
	if ((rc = lidx_match_coverage(m, opts, err)) < 0)
		goto done;
	size_t n = 0;
	for (size_t i = 0; i < m->n_reqs; i++)
		n += m->n_cands[i];
	as = lidx__calloc(n ? n : 1, sizeof *as);
	cs = lidx__calloc(n + main.n_hits + 1, sizeof *cs);
	notcov = lidx__calloc(m->n_reqs ? m->n_reqs : 1, sizeof *notcov);
	if (!as || !cs || !notcov) {
		rc = lidx__err(err, LIDX_ENOMEM, "out of memory");
		goto done;
	}
	/*
	 * xQuAD (Santos, Macdonald & Ounis 2010): a job description is a query
	 * with many aspects, its requirements, and a person wants a story for
	 * each. Stories are taken one at a time, each maximizing
	 *   (1 - L) P(d|D) + L * sum_r P(r|D) P(d|r) prod_{taken s} (1 - P(s|r))
	 * P(d|D): the description query's score times the length prior, over
	 * the best one (below); P(d|r): the
	 * requirement query's score over its best, times the share of the
	 * requirement's word weight the story has (what the strong / weak / none
	 * labels are cut from; continuous here, so that a long requirement whose
	 * best story has a part of it still counts); P(r|D) uniform. A requirement
	 * already answered by a taken story counts less for the next ones.
	 *
	 * The length prior, P(d) growing with the story's length as in
	 * language-model retrieval (Kraaij, Westerveld & Hiemstra 2002): a
	 * description names thirty things, and BM25's length normalization (b)
	 * lets a short story that names a few of them in passing (a role
	 * summary, "Tell me about yourself", a behavioural story that says
	 * "Python" once) outscore the long project story that is the evidence.
	 * The prior grows with the log of the length ratio r, (1 + ln(1 + r))^2,
	 * not with r: a story a tenth of the average keeps 0.42 of an average
	 * story's prior (0.1 with r itself), one eight times the average gets
	 * 3.6 times it (8). The linear prior, capped at 8, took the dev job ads
	 * from nDCG@5 0.561 to 0.698 but buried the short items that are the
	 * whole answer ("Improved Fault Tolerance", five lines: rank 1 without
	 * a prior, 9 with it, 4 with this one); the log prior measures 0.721 on
	 * them and 0.790 (from 0.710) on the job ads of
	 * bench/eval/judged-new.json (docs/ANALYSIS.md). It applies only here,
	 * not to the requirements' searches nor to `search`.
	 */
	double top = main.n_hits ? main.hits[0].score : 1;
	for (size_t h = 0; h < main.n_hits; h++)
		cs[n_cs++] = (cand2){ main.hits[h].story, main.hits[h].score / top, 0, 0, main.hits[h].score, 0 };
	for (size_t i = 0; i < m->n_reqs; i++) {
		double rtop = m->n_cands[i] ? m->cands[i][0].score : 1;
		for (size_t h = 0; h < m->n_cands[i]; h++) {
			struct cand *c = &m->cands[i][h];
			if (!(c->share > 0) || rtop <= 0)
				continue;
			as[n_as++] = (aspect){ c->story, (uint32_t)i, c->score / rtop * c->share };
			cs[n_cs++] = (cand2){ c->story, 0, 0, 0, 0, 0 };
		}
		notcov[i] = 1;
	}
	if (n_as)
		qsort(as, n_as, sizeof *as, cmp_aspect);
	/* merge the candidates by story: a story keeps its description score */
	if (n_cs)
		qsort(cs, n_cs, sizeof *cs, cmp_cand_story);
	size_t w = 0;
	for (size_t i = 0; i < n_cs; i++) {
		if (w && cs[w - 1].story == cs[i].story) {
			if (cs[i].p_main > cs[w - 1].p_main) {
				cs[w - 1].p_main = cs[i].p_main;
				cs[w - 1].bm25 = cs[i].bm25;
			}
		} else {
			cs[w++] = cs[i];
		}
	}
	n_cs = w;
	for (size_t i = 0, a = 0; i < n_cs; i++) {
		while (a < n_as && as[a].story < cs[i].story)
			a++;
		cs[i].a0 = a;
		while (a < n_as && as[a].story == cs[i].story)
			a++;
		cs[i].a1 = a;
	}
	size_t out = n_cs < want ? n_cs : want;
	res->hits = lidx__calloc(out ? out : 1, sizeof *res->hits);
	if (!res->hits) {
		rc = lidx__err(err, LIDX_ENOMEM, "out of memory");
		goto done;
	}
	double lambda = XQUAD_LAMBDA, pr = m->n_reqs ? 1.0 / (double)m->n_reqs : 0;
	size_t k = 0;
	while (k < out) {
		double best = -1;
		size_t bi = 0;
		for (size_t i = 0; i < n_cs; i++) {
			if (cs[i].taken)
				continue;
			double sc = xquad_score(&cs[i], as, notcov, lambda, pr);
			if (sc > best + 1e-12 || (sc > best - 1e-12 && cs[i].bm25 > cs[bi].bm25)) {
				best = sc;
				bi = i;
			}
		}
		if (best < 0)
			break; /* all taken, or folded into a taken story */
		cs[bi].taken = 1;
		/* its near-duplicates take no slot: they go beside it (res->dups) */
		if ((rc = fold_dups(m->ix, cs, n_cs, bi, k, as, notcov, lambda, pr, res)) < 0) {
			lidx__err(err, rc, "out of memory");
			goto done;
		}
		for (size_t a = cs[bi].a0; a < cs[bi].a1; a++)
			notcov[as[a].req] *= 1 - as[a].p;
		res->hits[k++] = (lidx_hit){ cs[bi].story, best };
	}
	res->n_hits = k;
	/*
	 * The stories the description's query or one of the requirements'
	 * queries matched. n_cs counts them all only when the description's
	 * search listed every story it matched and so did every requirement's;
	 * otherwise max(main.total, n_cs) is a lower bound of their number.
	 */
	res->total = main.total > n_cs ? main.total : n_cs;
	res->total_exact = main.total_exact && main.n_hits == main.total && m->cands_all;
done:
	if (rc < 0)
		lidx_results_clear(res);
	lidx__free(notcov);
	lidx__free(cs);
	lidx__free(as);
	lidx_results_clear(&main);
	return rc;
}
