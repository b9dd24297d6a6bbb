/*
 * aliases.c -- the alias table: sets of spellings that mean the same skill
 * (k8s / kubernetes, postgres / postgresql, ci/cd / continuous integration).
 * A built-in table covers the field's common abbreviations; a user file
 * (lidx_aliases_load()) adds sets. Called by query.c (search) and match.c.
 *
 * Each spelling is run through the analyzer once, when the table is first
 * needed, so that a set is found from what a query word analyzes to
 * ("Kubernetes" -> "kubernet"), and plurals or case never miss it. A
 * spelling that analyzes to several words ("continuous integration") is
 * only ever added as a phrase alternative; it is not looked up.
 *
 * The table is process-wide and guarded by a mutex while it is built or
 * extended; lookups after that only read it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <ctype.h>
#include <pthread.h>
#include "aliases.h"
#include "safefile.h"

#define MAX_FORMS 4096        /* spellings in all sets, built-in and user */
#define MAX_FORM_LEN 80

/* Built-in sets: spellings separated by '|'. Keep each set to one skill. */
static const char *const builtin[] = {
	"k8s|kubernetes|kube",
	"postgres|postgresql|psql",
	"js|javascript|ecmascript",
	"ts|typescript",
	"ci/cd|cicd|continuous integration|continuous delivery|continuous deployment",
	".net|dotnet",
	"c#|csharp",
	"oauth2|oauth|oauth 2.0",
	"oidc|openid connect",
	"llm|llms|large language model|large language models",
	"genai|generative ai",
	"ml|machine learning",
	"ai|artificial intelligence",
	"nlp|natural language processing",
	"golang|go",
	"node.js|nodejs|node",
	"react|react.js|reactjs",
	"vue|vue.js|vuejs",
	"aws|amazon web services",
	"gcp|google cloud|google cloud platform",
	"azure|microsoft azure",
	"iac|infrastructure as code",
	"sre|site reliability|site reliability engineering",
	"tdd|test-driven development|test driven development",
	"ddd|domain-driven design|domain driven design",
	"rest|restful",
	"protobuf|protocol buffers",
	"db|database|databases",
	"mongo|mongodb",
	"elasticsearch|elastic search",
	"e2e|end-to-end|end to end",
	"ui|user interface",
	"ux|user experience",
	"okr|okrs|objectives and key results",
	"kpi|kpis|key performance indicators",
	"slo|slos|service level objective",
	"sla|slas|service level agreement",
	"mttr|mean time to recovery|mean time to resolution",
	"on-call|oncall|on call",
	"otel|opentelemetry",
	"microservice|microservices|micro-services",
	"pub/sub|pubsub|publish-subscribe",
	"auth|authentication",
	"sso|single sign-on|single sign on",
	"rbac|role-based access control",
	"soc2|soc 2",
	"cdn|content delivery network",
	"iam|identity and access management",
	"cli|command-line|command line",
	"sdk|sdks|software development kit",
	"etl|extract transform load",
	"devops|dev ops",
	"devex|developer experience|dx",
	"qa|quality assurance",
	"py|python",
	"ror|rails|ruby on rails",
	"cpp|c++",
	"wasm|webassembly",
	"spa|single-page application",
	"saas|software as a service",
	"b2b|business-to-business",
	"poc|proof of concept|proof-of-concept",
	"mvp|minimum viable product",
	"adr|architecture decision record",
	"gql|graphql",
	NULL
};

typedef struct aform {
	char *text;   /* the spelling as written */
	char *key;    /* its one analyzed term, or NULL (several words) */
	uint32_t set; /* set number: forms of a set are contiguous */
} aform;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static aform *forms;
static size_t n_forms, cap_forms;
static uint32_t n_sets;
static int builtin_done;

typedef struct key_ctx {
	char key[MAX_FORM_LEN + 8];
	int n_words;  /* words that are not parts of a compound */
	int n_stop;   /* stop words that are not parts ("on" of "on call") */
	int whole;    /* the first token was a compound's whole */
} key_ctx;

static int key_tok(void *ctx, const lidx_token *t)
{
	key_ctx *k = ctx;
	if (t->flags & LIDX_TOK_PART)
		return 0;
	if (t->flags & LIDX_TOK_STOP) {
		k->n_stop++;
		return 0;
	}
	if (k->n_words++ == 0 && t->term_len < sizeof k->key)
		memcpy(k->key, t->term, t->term_len + 1);
	return 0;
}

/* Add one spelling to set (mu held). */
static int add_form(lidx_analyzer *an, const char *s, size_t len, uint32_t set)
{
	while (len && isspace((unsigned char)*s))
		s++, len--;
	while (len && isspace((unsigned char)s[len - 1]))
		len--;
	if (!len || len > MAX_FORM_LEN)
		return 0;
	if (n_forms >= MAX_FORMS)
		return LIDX_ETOOBIG;
	key_ctx k = { { 0 }, 0, 0, 0 };
	int rc = lidx_analyze(an, s, len, LIDX_ANALYZE_STOPWORDS, 0, key_tok, &k, NULL);
	if (rc < 0)
		return rc;
	if (k.n_words == 0)
		return 0; /* only stop words or punctuation */
	if (LIDX_GROW(forms, cap_forms, n_forms + 1) < 0)
		return LIDX_ENOMEM;
	aform *f = &forms[n_forms];
	f->text = lidx__strndup(s, len);
	/* one word is a key (looked up as a term); several, or a word with stop
	   words ("on call"), are searched as a phrase */
	int single = k.n_words == 1 && k.n_stop == 0;
	f->key = single ? lidx__strndup(k.key, strlen(k.key)) : NULL;
	f->set = set;
	if (!f->text || (single && !f->key)) {
		lidx__free(f->text);
		lidx__free(f->key);
		return LIDX_ENOMEM;
	}
	n_forms++;
	return 0;
}

/* Add a set whose spellings are separated by any of seps (mu held). */
static int add_set(lidx_analyzer *an, const char *s, size_t len, const char *seps)
{
	size_t before = n_forms, i = 0;
	int rc = 0;
	while (i <= len && rc == 0) {
		size_t a = i;
		while (i < len && !strchr(seps, s[i]))
			i++;
		rc = add_form(an, s + a, i - a, n_sets);
		i++;
	}
	if (rc < 0 || n_forms - before < 2) {
		/* a set of fewer than two spellings says nothing: undo */
		while (n_forms > before) {
			n_forms--;
			lidx__free(forms[n_forms].text);
			lidx__free(forms[n_forms].key);
		}
		return rc;
	}
	n_sets++;
	return 0;
}

static int build_builtin(lidx_analyzer *an)
{
	if (builtin_done)
		return 0;
	for (int i = 0; builtin[i]; i++) {
		int rc = add_set(an, builtin[i], strlen(builtin[i]), "|");
		if (rc < 0)
			return rc;
	}
	builtin_done = 1;
	return 0;
}

#define MAX_ALIAS_FILE (1u << 20)
#define MAX_ALIAS_LINE 1022

int lidx__aliases_parse(lidx_analyzer *an, const char *text, size_t len, const char *name, lidx_err *err)
{
	pthread_mutex_lock(&mu);
	int rc = build_builtin(an);
	unsigned lineno = 0;
	if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3))
		text += 3, len -= 3; /* a UTF-8 byte order mark (Notepad writes one) */
	for (size_t at = 0; rc == 0 && at < len;) {
		lineno++;
		const char *line = text + at, *nl = memchr(line, '\n', len - at);
		size_t n = nl ? (size_t)(nl - line) : len - at;
		at += n + (nl != NULL);
		if (n > MAX_ALIAS_LINE) {
			rc = lidx__err(err, LIDX_ETOOBIG, "%s:%u: line longer than %d bytes", name, lineno,
			               MAX_ALIAS_LINE);
			break;
		}
		const char *hash = memchr(line, '#', n);
		size_t start = 0;
		while (start < n && isspace((unsigned char)line[start]))
			start++;
		if (hash && (hash == line + start || isspace((unsigned char)hash[-1])))
			n = (size_t)(hash - line); /* a comment ('#' not inside c#) */
		while (n > start && isspace((unsigned char)line[n - 1]))
			n--;
		if (n == start)
			continue;
		if (!memchr(line + start, '=', n - start) && !memchr(line + start, ',', n - start)) {
			rc = lidx__err(err, LIDX_ESYNTAX, "%s:%u: want spellings separated by '=' or ',', "
			               "as in: k8s = kubernetes", name, lineno);
			break;
		}
		rc = add_set(an, line + start, n - start, "=,");
		if (rc < 0)
			rc = lidx__err(err, rc, "%s:%u: %s", name, lineno,
			               rc == LIDX_ETOOBIG ? "too many aliases" : lidx_strerror(rc));
	}
	pthread_mutex_unlock(&mu);
	return rc;
}

int lidx_aliases_load(lidx_analyzer *an, const char *path, lidx_err *err)
{
	/* only a regular file, at most 1 MiB: a FIFO here hung every command */
	char *text;
	size_t len;
	const char *why;
	int rc = lidx__read_small(path, MAX_ALIAS_FILE, &text, &len, &why);
	if (rc == LIDX_ENOMEM)
		return lidx__err(err, rc, "out of memory reading the alias file %s", path);
	if (rc == LIDX_ETOOBIG)
		return lidx__err(err, rc, "the alias file %s is larger than 1 MiB", path);
	if (rc < 0)
		return lidx__err(err, rc, "cannot open the alias file %s: %s", path, why);
	rc = lidx__aliases_parse(an, text, len, path, err);
	lidx__free(text);
	return rc;
}

/* Sorted index of the forms that have a key, for lookups (rebuilt on change). */
static size_t *by_key;
static size_t n_by_key, by_key_forms = SIZE_MAX;

static int cmp_key(const void *x, const void *y)
{
	const aform *a = &forms[*(const size_t *)x], *b = &forms[*(const size_t *)y];
	return strcmp(a->key, b->key);
}

/* (mu held) */
static int index_keys(void)
{
	if (by_key_forms == n_forms)
		return 0;
	size_t *v = lidx__calloc(n_forms ? n_forms : 1, sizeof *v);
	if (!v)
		return LIDX_ENOMEM;
	size_t n = 0;
	for (size_t i = 0; i < n_forms; i++)
		if (forms[i].key)
			v[n++] = i;
	if (n)
		qsort(v, n, sizeof *v, cmp_key);
	lidx__free(by_key);
	by_key = v;
	n_by_key = n;
	by_key_forms = n_forms;
	return 0;
}

/* First position in by_key of term, or n_by_key. */
static size_t find_key(const char *term)
{
	size_t lo = 0, hi = n_by_key;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(forms[by_key[mid]].key, term) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n_by_key && !strcmp(forms[by_key[lo]].key, term) ? lo : n_by_key;
}

static int ensure_builtin(lidx_analyzer *an)
{
	if (builtin_done && by_key_forms == n_forms)
		return 0;
	pthread_mutex_lock(&mu);
	int rc = build_builtin(an);
	if (rc == 0)
		rc = index_keys();
	pthread_mutex_unlock(&mu);
	return rc;
}



int lidx__alias_known(lidx_analyzer *an, const char *term)
{
	if (ensure_builtin(an) < 0)
		return 0;
	return find_key(term) < n_by_key;
}

int lidx__alias_expand(lidx_query *q, lidx_analyzer *an, size_t g)
{
	int rc = ensure_builtin(an);
	if (rc < 0)
		return rc;
	uint32_t n0 = q->groups[g].n_alts;
	for (uint32_t a = 0; a < n0; a++) {
		if (q->groups[g].alts[a].n_terms != 1)
			continue;
		/* copy: adding alternatives may move the group's alts */
		char term[MAX_FORM_LEN + 8];
		const char *t = q->groups[g].alts[a].terms[0];
		if (strlen(t) >= sizeof term)
			continue;
		strcpy(term, t);
		for (size_t x = find_key(term); x < n_by_key && !strcmp(forms[by_key[x]].key, term); x++) {
			size_t i = by_key[x];
			uint32_t set = forms[i].set;
			size_t j = i;
			while (j > 0 && forms[j - 1].set == set)
				j--;
			for (; j < n_forms && forms[j].set == set; j++) {
				if (j == i)
					continue;
				rc = lidx__query_add_text(q, an, g, forms[j].text, strlen(forms[j].text),
				                          forms[j].key == NULL ? LIDX__PHRASE_STRICT : 0);
				if (rc < 0)
					return rc;
			}
		}
	}
	return 0;
}
