/*
 * related.c -- the words interview questions use for the topics notes file
 * under other words: "Tell me about a time you failed" is answered by the
 * story headed "Past Mistake", "your biggest weakness" by "Areas to
 * improve", "when you disagreed" by "Conflict", "a large migration" by
 * "Merging two microservices" or "a smooth transition to MySQL 8", "didn't
 * break things" by "rollback" and "no disruption". The sets are the
 * standard categories of behavioural interviews (failure, conflict,
 * weakness, mentoring, perseverance, pressure, influence, ambiguity, pride,
 * feedback, teamwork, ownership, prioritization, ...) and of technical ones
 * (migration, incidents, performance, scale, reliability, observability,
 * security, testing, technical debt, automation, deployment, ...), not the
 * words of any one corpus.
 *
 * Applied by query.c to plain-English questions only (a keyword query
 * means its words), as weaker alternatives of the question's words
 * (RELATED_WEIGHT of a match of the word itself), like the stem variants;
 * question.c's idioms ("the way your team works") name a set by its word.
 */
#include <pthread.h>
#include <stdio.h>
#include "query.h"

#define RELATED_WEIGHT 0.6
#define SET_MAX 16

/*
 * Each line is one topic: a question word in it reaches the others. A word
 * of several words is searched as a phrase ("root cause"); a question that
 * says it has it as one group, which reaches the others (question.c);
 * stop words in it are gaps, and one that stop words leave with a single
 * word ("ramp up", "roll out") would add nothing: write the word ("ramp").
 * A word after '~' is only reached, never a key: "weakness" reaches
 * "improve", but "improved the performance" is not about a weakness.
 * Words that frame every question ("project", "team", "work", "change")
 * are in no set, not even inside a phrase ("team member" matched the
 * "team members" of every other story): they would drag their set into
 * every question; nor words
 * whose Snowball stem is an everyday word's ("availability" is "avail"),
 * or they are '~' targets ("authorization" is "author"), unless the
 * analyzer keeps them apart (stemkeep.c: "initiative", "accountable",
 * "objective", "productivity").
 */
static const char *const sets[][SET_MAX] = {
	/* behavioural */
	{ "fail", "failure", "mistake", "setback", "misstep", "regret", "wrong", NULL },
	{ "disagree", "disagreement", "conflict", "dispute", "pushback", "push back", "argument",
	  "argue", "debate", "tension", "friction", "clash", NULL },
	{ "weakness", "~improve", "~improvement", "growth", "shortcoming", "blind spot", "~strength",
	  NULL },
	{ "mentor", "mentorship", "coach", "teach", "onboarding", "onboard", "junior", "guidance",
	  "grow", "ramp", "new hire", "buddy", NULL },
	{ "persevere", "perseverance", "persistence", "persist", "resilience", "grit", "obstacle",
	  "roadblock", "blocker", NULL },
	{ "pressure", "deadline", "urgent", "urgency", "crunch", "stress", "tight", NULL },
	{ "influence", "persuade", "convince", "buy-in", "advocate", "pitch", "approval", "agreement",
	  NULL },
	{ "ambiguity", "ambiguous", "unclear", "uncertainty", "uncertain", "unknown", "unknowns",
	  "vague", NULL },
	{ "proud", "pride", "accomplishment", "achievement", NULL },
	{ "criticism", "feedback", "critique", NULL },
	{ "teamwork", "collaboration", "collaborate", "cooperation", "cross-functional",
	  "cross-team", "partner", NULL },
	{ "ownership", "proactive", "inherit", "initiative", "accountable", "accountability", NULL },
	{ "learn", "unfamiliar", "new tech", "new technology", "ramp", "study", NULL },
	{ "struggle", "struggling", "trouble", "troubled", "behind schedule", NULL },
	{ "prioritize", "priority", "prioritization", "triage", "backlog", NULL },
	{ "tradeoff", "trade-off", "decision", "alternative", "choice", "pros and cons", "balance",
	  "~option", NULL },
	{ "communicate", "communication", "explain", "~present", "~presentation", "non-technical",
	  NULL },
	{ "stakeholder", "~expectation", "manage expectations", NULL },
	{ "customer", "user", "client", NULL },
	{ "technology", "tech", "stack", "framework", NULL },
	{ "hire", "hiring", "interview", "recruit", "candidate", NULL },
	{ "innovate", "innovation", "novel", "creative", "creativity", "idea", "prototype",
	  "proof of concept", "poc", "hackathon", NULL },
	{ "process", "workflow", "practice", "procedure", "streamline", NULL },
	{ "efficiency", "efficient", "velocity", "toil", "developer experience", "inefficiency",
	  "productivity", NULL },
	{ "goal", "okr", "milestone", "objective", NULL },
	{ "plan", "planning", "roadmap", "estimate", "timeline", "schedule", NULL },
	{ "late", "delay", "behind schedule", "slip", "overdue", NULL },
	{ "escalation", "complaint", "frustration", "pain point", NULL },
	{ "cost", "budget", "spend", "saving", "expense", NULL },
	{ "coworker", "colleague", "teammate", "peer", NULL },
	{ "vendor", "third party", "third-party", "external", "provider", "supplier", "partner",
	  NULL },
	{ "vision", "strategy", "strategic", "~direction", "long-term", NULL },
	{ "trust", "credibility", "relationship", "transparency", NULL },
	{ "adapt", "adaptability", "pivot", "~shift", "shifting priorities", "reprioritize", NULL },
	{ "burnout", "workload", "overtime", "overload", NULL },
	{ "motivate", "motivation", "morale", "engagement", "inspire", NULL },
	{ "inclusion", "diversity", "inclusive", "belonging", NULL },
	{ "scope", "requirement", "specification", "scope creep", "use case", "user research",
	  "discovery", NULL },
	{ "compliance", "regulatory", "regulation", "audit", "privacy", "gdpr", NULL },
	{ "revenue", "profit", "sales", "monetize", "monetization", "business impact",
	  "business value", NULL },
	{ "career", "next role", "new role", "opportunity", "~transition", NULL },
	{ "code review", "pull request", "pr", NULL },
	/* technical */
	{ "migrate", "migration", "move", "transition", "consolidate", "consolidation", "merge",
	  "port", "upgrade", "cutover", "replatform", "modernize", NULL },
	{ "break", "breakage", "outage", "incident", "regression", "rollback", "roll back",
	  "downtime", "disruption", "crash", "postmortem", NULL },
	{ "bug", "defect", "glitch", "flaw", NULL },
	{ "performance", "latency", "slow", "speed", "~fast", "~faster", "optimize", "optimization",
	  "bottleneck", "runtime", "response time", NULL },
	{ "scale", "scalability", "scaling", "scalable", "throughput", "load", "traffic", NULL },
	{ "reliability", "reliable", "uptime", "resilience", "resilient",
	  "stability", "stable", "stabilize", "fault tolerance", "robust", NULL },
	{ "monitoring", "monitor", "observability", "metrics", "alert", "alerting", "dashboard",
	  "logging", "tracing", "telemetry", "visibility", NULL },
	{ "security", "secure", "vulnerability", "auth", "authentication", "~authorization",
	  "exploit", "breach", "permission", "access control", "privilege", "oauth", NULL },
	{ "test", "testing", "coverage", "qa", "quality", NULL },
	{ "refactor", "cleanup", "technical debt", "tech debt", "legacy", "rewrite",
	  "simplify", "maintainability", "debt", "messy", NULL },
	{ "automate", "automation", "automatic", "manual", "toil", "script", "tooling", NULL },
	{ "deploy", "deployment", "release", "rollout", "ship", "launch", "ci/cd",
	  "pipeline", NULL },
	{ "architecture", "architect", "design", "system design", NULL },
	{ "database", "db", "datastore", "schema", NULL },
	{ "asynchronous", "async", "queue", "event-driven", "message queue", "~event", "~stream",
	  NULL },
	{ "microservice", "microservices", "monolith", "decomposition", NULL },
	{ "etl", "ingestion", "data pipeline", "~batch", "streaming", NULL },
	{ "concurrency", "race condition", "deadlock", "~lock", "~thread", NULL },
	{ "api", "endpoint", "interface", NULL },
	{ "debug", "troubleshoot", "troubleshooting", "root cause", "investigate", "diagnose",
	  NULL },
	{ "documentation", "document", "docs", "runbook", "write-up", "wiki", NULL },
	{ "dependency", "dependencies", "library", "package", NULL },
	{ "on-call", "oncall", "pager", "incident", "outage", NULL },
	{ "infrastructure", "infra", "cloud", NULL },
	{ "deprecate", "deprecation", "decommission", "sunset", "retire", "shutdown",
	  NULL },
};

#define N_SETS (sizeof sets / sizeof *sets)

/* The table's one-word entries as terms (the keys, but for '~' ones), made
   once per process (every analyzer stems alike); "" for an entry of several
   words. */
static char stems[N_SETS][SET_MAX][96];
static int stems_ready;
static pthread_mutex_t stems_mu = PTHREAD_MUTEX_INITIALIZER;

static int make_stems(lidx_analyzer *an)
{
	int rc = 0;
	pthread_mutex_lock(&stems_mu);
	for (size_t s = 0; s < N_SETS && rc >= 0 && !stems_ready; s++)
		for (int k = 0; sets[s][k] && rc >= 0; k++)
			if (!strpbrk(sets[s][k], " -/")) {
				const char *e = sets[s][k] + (sets[s][k][0] == '~');
				rc = lidx__first_term(an, e, strlen(e), 0, stems[s][k], sizeof stems[s][k]);
			}
	if (rc >= 0)
		stems_ready = 1;
	pthread_mutex_unlock(&stems_mu);
	return rc < 0 ? rc : 0;
}

const char *lidx__related_phrase(size_t i)
{
	for (size_t s = 0; s < N_SETS; s++)
		for (int k = 0; sets[s][k]; k++)
			if (sets[s][k][0] != '~' && strchr(sets[s][k], ' ') && i-- == 0)
				return sets[s][k];
	return NULL;
}

/* 1 if term is the first term of a group of q (a word the question says itself). */
static int question_word(const lidx_query *q, const char *term)
{
	for (size_t g = 0; g < q->n_groups; g++)
		if (q->groups[g].n_alts && !strcmp(q->groups[g].alts[0].terms[0], term))
			return 1;
	return 0;
}

int lidx__related_expand(lidx_query *q, lidx_analyzer *an)
{
	int rc = make_stems(an);
	if (rc < 0)
		return rc;
	/*
	 * A topic is added once, to the first of the question's words in it:
	 * "mentored or coached someone junior" is [mentor | teach | onboard
	 * ...] [coach] [junior], not three groups that each match "onboard".
	 * Nor are the question's own words added as weaker alternatives of
	 * another word: each scores in its own group.
	 */
	unsigned char used[N_SETS] = { 0 };
	size_t n_groups = q->n_groups;
	for (size_t g = 0; g < n_groups; g++) {
		qgroup *gr = &q->groups[g];
		if (gr->negate || gr->n_alts == 0)
			continue;
		/* a one-word group by its term; a phrase of the table that the question
		   says ("root cause", question.c) by its label, the entry itself */
		int phrase_key = gr->alts[0].n_terms != 1;
		if (phrase_key && !gr->label)
			continue;
		char word[96];
		const char *key = phrase_key ? gr->label : gr->alts[0].terms[0];
		if (strlen(key) >= sizeof word)
			continue;
		strcpy(word, key); /* adding alternatives may move it */
		for (size_t s = 0; s < N_SETS; s++) {
			int in = 0;
			for (int k = 0; sets[s][k] && !in; k++)
				in = sets[s][k][0] != '~' &&
				     !strcmp(phrase_key ? sets[s][k] : stems[s][k], word);
			if (!in || used[s])
				continue;
			used[s] = 1;
			for (int k = 0; sets[s][k]; k++) {
				if ((stems[s][k][0] && question_word(q, stems[s][k])) || !strcmp(sets[s][k], word))
					continue;
				/* a word of several words is a phrase, never any one of them */
				const char *e = sets[s][k] + (sets[s][k][0] == '~');
				int phrase = strchr(e, ' ') ? LIDX__PHRASE_STRICT : 0;
				uint32_t before = q->groups[g].n_alts;
				if ((rc = lidx__query_add_text(q, an, g, e, strlen(e), phrase)) < 0)
					return rc;
				for (uint32_t a = before; a < q->groups[g].n_alts; a++)
					q->groups[g].alts[a].w *= RELATED_WEIGHT;
			}
		}
	}
	return 0;
}

#ifdef LIDX_TESTING
/*
 * The table checked as the parser will use it: every entry adds at least
 * one alternative (a phrase that stop words leave with one word adds
 * nothing) and every one-word entry has a term. Returns the first bad
 * entry ("set/entry" into bad) or 0 if all are good.
 */
int lidx__related_check(lidx_analyzer *an, char *bad, size_t cap)
{
	int rc = make_stems(an);
	if (rc < 0)
		return rc;
	lidx_query *q;
	if ((rc = lidx__query_new(&q, NULL)) < 0)
		return rc;
	for (size_t s = 0; s < N_SETS && rc == 0; s++)
		for (int k = 0; sets[s][k] && rc == 0; k++) {
			int g = lidx__query_add_group(q, NULL, 1.0, 0);
			if (g < 0) {
				rc = g;
				break;
			}
			const char *e = sets[s][k] + (sets[s][k][0] == '~');
			int phrase = strchr(e, ' ') ? LIDX__PHRASE_STRICT : 0;
			if ((rc = lidx__query_add_text(q, an, (size_t)g, e, strlen(e), phrase)) < 0)
				break;
			if (!q->groups[g].n_alts || (!strpbrk(sets[s][k], " -/") && !stems[s][k][0])) {
				snprintf(bad, cap, "%zu/%s", s, sets[s][k]);
				rc = 1;
			}
			lidx__query_pop_group(q);
		}
	lidx_query_free(q);
	return rc;
}
#endif
