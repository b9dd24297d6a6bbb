/*
 * jsonr.c -- the JSON reader of jsonr.h: recursive descent over the bytes,
 * each value tagged with its line. Used by `cvsearch eval` (cmd_eval.c) for
 * judgment files; strings must be valid UTF-8 and \u escapes are decoded.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>
#include "jsonr.h"

typedef struct rd {
	const char *p, *end;
	size_t line;
	char *msg;
	size_t msg_len;
} rd;

static int fail(rd *r, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(r->msg, r->msg_len, "%zu: ", r->line);
	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < r->msg_len)
		vsnprintf(r->msg + n, r->msg_len - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

static void skip_ws(rd *r)
{
	while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r')) {
		if (*r->p == '\n')
			r->line++;
		r->p++;
	}
}

static const char *what_is(rd *r)
{
	static char buf[32];
	if (r->p >= r->end)
		return "the end of the file";
	unsigned char ch = (unsigned char)*r->p;
	if (ch >= 0x21 && ch < 0x7f)
		snprintf(buf, sizeof buf, "'%c'", ch);
	else
		snprintf(buf, sizeof buf, "byte 0x%02x", ch);
	return buf;
}

void jsonr_free(jsonr *v)
{
	if (!v)
		return;
	for (size_t i = 0; i < v->n; i++)
		jsonr_free(&v->items[i]);
	free(v->items);
	free(v->str);
	free(v->key);
	memset(v, 0, sizeof *v);
}

static int hex4(const char *p, unsigned *out)
{
	unsigned v = 0;
	for (int i = 0; i < 4; i++) {
		char c = p[i];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

/* A string at r->p (on the opening quote) into a malloc'd buffer. */
static int parse_string(rd *r, char **out, size_t *len_out)
{
	r->p++;
	size_t cap = 32, n = 0;
	char *buf = malloc(cap);
	if (!buf)
		return fail(r, "out of memory");
	for (;;) {
		if (r->p >= r->end) {
			free(buf);
			return fail(r, "a string is not closed (a '\"' is missing)");
		}
		if (cap - n < 8) {
			char *nb = realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				return fail(r, "out of memory");
			}
			buf = nb;
			cap *= 2;
		}
		unsigned char ch = (unsigned char)*r->p;
		if (ch == '"') {
			r->p++;
			break;
		}
		if (ch < 0x20) {
			free(buf);
			return fail(r, ch == '\n' ? "a string is not closed on its line (a '\"' is missing?)"
			                          : "a control character inside a string (write it as \\u%04x)", ch);
		}
		if (ch == '\\') {
			if (r->end - r->p < 2) {
				free(buf);
				return fail(r, "a string is not closed (a '\"' is missing)");
			}
			char e = r->p[1];
			const char *simple = strchr("\"\\/bfnrt", e);
			if (e && simple) {
				static const char to[] = "\"\\/\b\f\n\r\t";
				buf[n++] = to[simple - "\"\\/bfnrt"];
				r->p += 2;
				continue;
			}
			unsigned cp;
			if (e != 'u' || r->end - r->p < 6 || hex4(r->p + 2, &cp) < 0) {
				free(buf);
				return fail(r, "a bad escape in a string (\\%c)", e ? e : '?');
			}
			r->p += 6;
			if (cp >= 0xd800 && cp < 0xdc00) { /* a surrogate pair */
				unsigned lo;
				if (r->end - r->p < 6 || r->p[0] != '\\' || r->p[1] != 'u' || hex4(r->p + 2, &lo) < 0 ||
				    lo < 0xdc00 || lo > 0xdfff) {
					free(buf);
					return fail(r, "a \\u escape of half a surrogate pair");
				}
				r->p += 6;
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			} else if (cp >= 0xdc00 && cp < 0xe000) {
				free(buf);
				return fail(r, "a \\u escape of half a surrogate pair");
			}
			n += (size_t)utf8proc_encode_char((utf8proc_int32_t)cp, (utf8proc_uint8_t *)buf + n);
			continue;
		}
		if (ch < 0x80) {
			buf[n++] = (char)ch;
			r->p++;
			continue;
		}
		utf8proc_int32_t cp;
		utf8proc_ssize_t l = utf8proc_iterate((const utf8proc_uint8_t *)r->p, r->end - r->p, &cp);
		if (l <= 0) {
			free(buf);
			return fail(r, "a string is not valid UTF-8");
		}
		memcpy(buf + n, r->p, (size_t)l);
		n += (size_t)l;
		r->p += l;
	}
	buf[n] = 0;
	*out = buf;
	*len_out = n;
	return 0;
}

static int parse_value(rd *r, jsonr *v, int depth);

static int push(rd *r, jsonr *v, size_t *cap, jsonr *item)
{
	if (v->n == *cap) {
		size_t nc = *cap ? *cap * 2 : 4;
		jsonr *ni = realloc(v->items, nc * sizeof *ni);
		if (!ni) {
			jsonr_free(item);
			return fail(r, "out of memory");
		}
		v->items = ni;
		*cap = nc;
	}
	v->items[v->n++] = *item;
	return 0;
}

static int parse_container(rd *r, jsonr *v, int depth)
{
	int obj = *r->p == '{';
	char close = obj ? '}' : ']';
	size_t cap = 0;
	v->type = obj ? JSONR_OBJ : JSONR_ARR;
	if (depth >= JSONR_MAX_DEPTH)
		return fail(r, "nested deeper than %d levels", JSONR_MAX_DEPTH);
	r->p++;
	skip_ws(r);
	if (r->p < r->end && *r->p == close) {
		r->p++;
		return 0;
	}
	for (;;) {
		jsonr item;
		memset(&item, 0, sizeof item);
		skip_ws(r);
		if (obj) {
			if (r->p >= r->end || *r->p != '"')
				return fail(r, "expected a member name in quotes, found %s", what_is(r));
			if (parse_string(r, &item.key, &item.key_len) < 0)
				return -1;
			skip_ws(r);
			if (r->p >= r->end || *r->p != ':') {
				fail(r, "expected ':' after the member name \"%s\", found %s", item.key, what_is(r));
				free(item.key);
				return -1;
			}
			r->p++;
		}
		if (parse_value(r, &item, depth + 1) < 0) {
			jsonr_free(&item);
			return -1;
		}
		if (push(r, v, &cap, &item) < 0)
			return -1;
		skip_ws(r);
		if (r->p < r->end && *r->p == ',') {
			r->p++;
			skip_ws(r);
			if (r->p < r->end && *r->p == close)
				return fail(r, "a ',' before '%c' (JSON allows no trailing comma)", close);
			continue;
		}
		if (r->p < r->end && *r->p == close) {
			r->p++;
			return 0;
		}
		return fail(r, "expected ',' or '%c', found %s", close, what_is(r));
	}
}

static int parse_value(rd *r, jsonr *v, int depth)
{
	skip_ws(r);
	v->line = r->line;
	if (r->p >= r->end)
		return fail(r, "expected a value, found the end of the file");
	char ch = *r->p;
	if (ch == '{' || ch == '[')
		return parse_container(r, v, depth);
	if (ch == '"') {
		v->type = JSONR_STR;
		return parse_string(r, &v->str, &v->len);
	}
	static const struct { const char *word; int type, b; } lits[] = {
		{ "true", JSONR_BOOL, 1 }, { "false", JSONR_BOOL, 0 }, { "null", JSONR_NULL, 0 },
	};
	for (size_t i = 0; i < 3; i++) {
		size_t l = strlen(lits[i].word);
		if ((size_t)(r->end - r->p) >= l && !memcmp(r->p, lits[i].word, l)) {
			v->type = lits[i].type;
			v->b = lits[i].b;
			r->p += l;
			return 0;
		}
	}
	if (ch == '-' || (ch >= '0' && ch <= '9')) {
		/* the JSON number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
		const char *s = r->p, *q = s;
		if (q < r->end && *q == '-')
			q++;
		if (q < r->end && *q == '0')
			q++;
		else if (q < r->end && *q >= '1' && *q <= '9')
			while (q < r->end && *q >= '0' && *q <= '9')
				q++;
		else
			return fail(r, "a bad number");
		if (q < r->end && *q == '.') {
			const char *d = ++q;
			while (q < r->end && *q >= '0' && *q <= '9')
				q++;
			if (q == d)
				return fail(r, "a bad number (no digit after '.')");
		}
		if (q < r->end && (*q == 'e' || *q == 'E')) {
			q++;
			if (q < r->end && (*q == '+' || *q == '-'))
				q++;
			const char *d = q;
			while (q < r->end && *q >= '0' && *q <= '9')
				q++;
			if (q == d)
				return fail(r, "a bad number (no digit in the exponent)");
		}
		char tmp[64];
		if ((size_t)(q - s) >= sizeof tmp)
			return fail(r, "a number longer than %zu characters", sizeof tmp - 1);
		memcpy(tmp, s, (size_t)(q - s));
		tmp[q - s] = 0;
		errno = 0;
		v->type = JSONR_NUM;
		v->num = strtod(tmp, NULL);
		if (errno == ERANGE && (v->num > 1 || v->num < -1))
			return fail(r, "the number %s is out of range", tmp);
		r->p = q;
		return 0;
	}
	return fail(r, "expected a value, found %s", what_is(r));
}

int jsonr_parse(const char *text, size_t len, jsonr *out, char *msg, size_t msg_len)
{
	rd r = { text, text + len, 1, msg, msg_len };
	memset(out, 0, sizeof *out);
	if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3))
		r.p += 3; /* a UTF-8 byte order mark */
	if (parse_value(&r, out, 0) < 0) {
		jsonr_free(out);
		return -1;
	}
	skip_ws(&r);
	if (r.p < r.end) {
		jsonr_free(out);
		return fail(&r, "text after the end of the document: %s", what_is(&r));
	}
	return 0;
}

const jsonr *jsonr_get(const jsonr *v, const char *key)
{
	const jsonr *found = NULL;
	if (v && v->type == JSONR_OBJ)
		for (size_t i = 0; i < v->n; i++)
			if (!strcmp(v->items[i].key, key))
				found = &v->items[i];
	return found;
}

const char *jsonr_type_name(int type)
{
	switch (type) {
	case JSONR_NULL: return "null";
	case JSONR_BOOL: return "true or false";
	case JSONR_NUM: return "a number";
	case JSONR_STR: return "a string";
	case JSONR_ARR: return "an array";
	default: return "an object";
	}
}
