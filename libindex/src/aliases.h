/*
 * aliases.h -- abbreviations and synonyms (k8s = kubernetes): a built-in
 * table of the field's common ones, extended by the user's alias file
 * (lidx_aliases_load()). query.c and match.c add the other spellings of a
 * word as alternatives of its group.
 */
#ifndef LIDX_ALIASES_H
#define LIDX_ALIASES_H

#include "query.h"

/*
 * For every single-term alternative of group g that is a spelling in an
 * alias set, add the set's other spellings to g (a multi-word spelling as a
 * phrase). Returns 0 or a negative LIDX_E* code.
 */
int lidx__alias_expand(lidx_query *q, lidx_analyzer *an, size_t g);

/*
 * Add the alias sets of an alias file's text (one set a line, spellings
 * separated by '=' or ','; '#' comments; a leading UTF-8 BOM is skipped).
 * name is for messages ("FILE:LINE: ..."). lidx_aliases_load() reads the
 * file and calls this; the fuzz target calls it directly.
 */
int lidx__aliases_parse(lidx_analyzer *an, const char *text, size_t len, const char *name, lidx_err *err);

/* 1 if term (analyzed) is a spelling in some alias set. */
int lidx__alias_known(lidx_analyzer *an, const char *term);

#endif
