/*
 * alloc.c -- the single allocation point of libindex, so that tests can
 * fail the Nth allocation (lidx_alloc_fail_at) and check that every caller
 * reports LIDX_ENOMEM cleanly and leaks nothing (curl's "torture" tests).
 */
#include <stdlib.h>
#include <stdio.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include "common.h"

/* Atomic: the builder's postings thread and the store's worker allocate and
   free too (the tests that fail allocations build small indexes, with no
   postings thread, so their counts stay deterministic). */
static _Atomic long alloc_count;   /* allocations since the last lidx_alloc_fail_at() */
static _Atomic long alloc_fail_at; /* fail when alloc_count reaches this (0: never) */

long lidx_alloc_fail_at(long n)
{
	long c = atomic_exchange_explicit(&alloc_count, 0, memory_order_relaxed);
	atomic_store_explicit(&alloc_fail_at, n > 0 ? n : 0, memory_order_relaxed);
	return c;
}

static int should_fail(void)
{
	long c = atomic_fetch_add_explicit(&alloc_count, 1, memory_order_relaxed) + 1;
	long f = atomic_load_explicit(&alloc_fail_at, memory_order_relaxed);
	return f && c == f;
}

void *lidx__malloc(size_t n)
{
	if (should_fail() || n == SIZE_MAX)
		return NULL;
	return malloc(n ? n : 1);
}

void *lidx__calloc(size_t n, size_t size)
{
	if (should_fail())
		return NULL;
	return calloc(n ? n : 1, size ? size : 1);
}

void *lidx__realloc(void *p, size_t n)
{
	if (should_fail() || n == SIZE_MAX)
		return NULL;
	return realloc(p, n ? n : 1);
}

void lidx__free(void *p)
{
	free(p);
}

void lidx_free(void *p)
{
	free(p);
}

void lidx__hugepages(void *p, size_t n)
{
#ifdef MADV_HUGEPAGE
	const uintptr_t huge = (uintptr_t)2 << 20;
	uintptr_t a = ((uintptr_t)p + huge - 1) & ~(huge - 1), e = ((uintptr_t)p + n) & ~(huge - 1);
	if (e > a)
		madvise((void *)a, e - a, MADV_HUGEPAGE); /* advice: an error changes nothing */
#else
	(void)p;
	(void)n;
#endif
}

char *lidx__strndup(const char *s, size_t n)
{
	if (n == SIZE_MAX)
		return NULL;
	char *d = lidx__malloc(n + 1);
	if (!d)
		return NULL;
	if (n)
		memcpy(d, s, n);
	d[n] = 0;
	return d;
}

int lidx__grow(void **arr, size_t *cap, size_t need, size_t esz)
{
	if (need <= *cap)
		return 0;
	size_t nc = *cap ? *cap : 8;
	while (nc < need) {
		if (nc > SIZE_MAX / 2)
			return LIDX_ENOMEM;
		nc *= 2;
	}
	void *p = lidx__realloc(*arr, lidx__mul(nc, esz));
	if (!p)
		return LIDX_ENOMEM;
	*arr = p;
	*cap = nc;
	return 0;
}

int lidx__err(lidx_err *err, int code, const char *fmt, ...)
{
	if (err) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof err->msg, fmt, ap);
		va_end(ap);
		err->code = code;
	}
	return code;
}

const char *lidx_strerror(int code)
{
	switch (code) {
	case LIDX_OK: return "success";
	case LIDX_ENOMEM: return "out of memory";
	case LIDX_EIO: return "input/output error";
	case LIDX_ECORRUPT: return "index is corrupt";
	case LIDX_EVERSION: return "index has another format version";
	case LIDX_EINVAL: return "invalid argument";
	case LIDX_ETOOBIG: return "input too big";
	case LIDX_ESYNTAX: return "malformed query";
	case LIDX_ENOTFOUND: return "not found";
	case LIDX_EEMPTY: return "nothing to search";
	case LIDX_ELOCKED: return "index is locked by another process";
	case LIDX_EUNSAFE: return "not trusted: owned by another user or writable by others";
	case LIDX_ENOTSUP: return "not supported on this system or file system";
	}
	return "unknown error";
}

const char *lidx_skip_name(int reason)
{
	switch (reason) {
	case LIDX_SKIP_NONE: return "indexed";
	case LIDX_SKIP_UNREADABLE: return "unreadable";
	case LIDX_SKIP_NOT_REGULAR: return "not a regular file";
	case LIDX_SKIP_TOO_BIG: return "too large";
	case LIDX_SKIP_BINARY: return "binary, not text";
	case LIDX_SKIP_PDF: return "a PDF";
	case LIDX_SKIP_CHANGED: return "changed while read";
	case LIDX_SKIP_FOLDER: return "a folder that could not be opened";
	case LIDX_SKIP_OUTSIDE: return "a link out of the notes folder";
	}
	return "skipped";
}
