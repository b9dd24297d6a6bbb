/*
 * jsonr.h -- a small JSON reader for the judgment files of `cvsearch eval`:
 * the whole document into a tree of values that remember their line, so
 * that errors can name it. RFC 8259; depth at most JSONR_MAX_DEPTH.
 */
#ifndef CVSEARCH_JSONR_H
#define CVSEARCH_JSONR_H

#include <stddef.h>

enum { JSONR_NULL, JSONR_BOOL, JSONR_NUM, JSONR_STR, JSONR_ARR, JSONR_OBJ };

#define JSONR_MAX_DEPTH 64

typedef struct jsonr {
	int type;              /* JSONR_* */
	size_t line;           /* 1-based line where the value starts */
	int b;                 /* JSONR_BOOL */
	double num;            /* JSONR_NUM */
	char *str;             /* JSONR_STR: decoded UTF-8, NUL-terminated (may hold NULs) */
	size_t len;
	struct jsonr *items;   /* JSONR_ARR, JSONR_OBJ: n items */
	size_t n;
	char *key;             /* a member of an object: its name (NUL-terminated) */
	size_t key_len;
} jsonr;

/*
 * Parse text (len bytes). On success *out is the document; free it with
 * jsonr_free(). On error returns -1 and writes "LINE: what" into msg.
 */
int jsonr_parse(const char *text, size_t len, jsonr *out, char *msg, size_t msg_len);
void jsonr_free(jsonr *v);

/* The member called key of object v (the last one if repeated), or NULL. */
const jsonr *jsonr_get(const jsonr *v, const char *key);

/* "an object", "a string", ... for messages */
const char *jsonr_type_name(int type);

#endif
