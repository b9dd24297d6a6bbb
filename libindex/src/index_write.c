/*
 * index_write.c -- the builder: stories in, one index file out. Called by
 * corpus.c (a folder of notes) and by the CLI's batch mode (a TSV of
 * documents). Terms are gathered in memory per term (doc gaps, field
 * frequencies, positions), then written sorted, in blocks, with the story
 * text in 16 KiB zlib blocks (store_write.c, deflated on a worker thread
 * while stories are analyzed). The byte grammar is in format.h.
 *
 * Bounded memory (SPIMI, Heinz & Zobel 2003; Lucene's flush by RAM): past
 * the builder's budget (lidx_builder_set_memory) the terms gathered so far
 * are written, sorted, as a *run* to an unnamed temporary file and
 * forgotten (term table, postings, the analyzer's word cache), and the
 * story store goes on in a spill file; lidx_builder_write merges the runs
 * term by term into the same file a build in memory writes (the run
 * format: merge.h; the k-way merge: merge.c; here: check_memory, flush_run,
 * write_run and write_all's term source, tsrc).
 */
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <pthread.h>
#include <stdatomic.h>
#ifdef __GLIBC__
#include <malloc.h> /* malloc_trim */
#endif
#include <zlib.h>
#include "common.h"
#include "format.h"
#include "postings.h"
#include "store_write.h"
#include "dedup.h"
#include "merge.h"

/*
 * A term's postings as they are gathered: a byte buffer with 32-bit sizes (a
 * term's list is cut at 4 GiB: LIDX_ETOOBIG), so that a term's hot state
 * fits one 64-byte cache line.
 */
typedef struct tbuf {
	uint8_t *p;
	uint32_t len, cap;
} tbuf;

/*
 * One term: what a token and a story touch, one cache line (the array is
 * 64-byte aligned). Its string (read when the term is first seen and when
 * the index is written) lives apart, in bstr.
 */
typedef struct bterm {
	uint32_t df;
	uint32_t last_doc;
	/* the story being added */
	uint32_t mark;       /* story id + 1 when touched by the current story */
	uint32_t tft, tfb;
	uint32_t last_pos;   /* its last body position in the story (pos gaps) */
	tbuf docs;       /* varint(gap) varint(tf_title) varint(tf_body) per doc */
	tbuf pos;        /* varint(pos gap){tf_body} per doc */
	uint8_t pad_[8];
} bterm;

_Static_assert(sizeof(bterm) == 64, "a term's hot state is one cache line");

typedef struct bstr {
	uint32_t off, len;   /* in lidx_builder.strs */
	uint64_t mh;         /* lidx__mh_term_hash of the string (near-duplicate
	                        signatures: the same in every build) */
} bstr;

typedef struct bfile {
	char *path;
	lidx_file_info fi;   /* what stat() said, and why it was skipped */
	uint32_t first_story, n_stories;
} bfile;

/*
 * Analysis and postings run as two stages. The caller's thread analyzes a
 * story and turns its tokens into term ids (the analyzer, the term table),
 * appending (term, position) pairs to a batch; the postings stage applies
 * a batch to the terms' lists. Past PTHREAD_MIN bytes of text the postings
 * stage runs on a thread of its own, PBATCH words a batch, PRING batches
 * in flight; before that (every notes folder of a few MB, and the
 * fail-every-allocation tests) each story's batch is applied on the
 * caller's thread as soon as the story is analyzed, so an error is returned
 * by the add that caused it. On the thread an error is kept and returned by
 * the next add or by the write. A batch also lets the postings stage
 * prefetch the terms of the tokens ahead.
 */
#define TOK_TITLE UINT32_MAX   /* the position of a title token */
#define TOK_END UINT32_MAX     /* (TOK_END, 0): the end of a story */
#define PRING 8
#define PBATCH ((size_t)1 << 14)
#define PTHREAD_MIN ((size_t)4 << 20)
#define PREFETCH 8             /* tokens ahead */

/* runs kept at most (the file descriptors held); past it all are merged into one */
#define MAX_RUNS 64
/* runs of one level merged into one of the next (a tiered merge: each byte
   is rewritten about log16 of the runs times, not once every 63 runs) */
#define MERGE_FAN 16

/* (term, position or TOK_TITLE) pairs and story ends; the slot being
   filled is also the analyzer's sink (common.h): the pair of a word seen
   before is appended there with no callback */
typedef lidx__sink pslot;
_Static_assert(TOK_TITLE == UINT32_MAX, "the sink's title position");

struct lidx_builder {
	lidx_analyzer *an;
	/* the term table (the caller's thread) */
	bstr *tstr;      /* each term's string */
	size_t n_terms, cap_tstr;
	uint64_t *hash;  /* open addressing: term index + 1 (low half), 0 = empty;
	                    the term's hash (high half: the slot, and a tag that
	                    spares reading other terms' strings) */
	size_t hash_cap;
	lidx_buf strs;
	/* files and stories */
	bfile *files;
	size_t n_files, cap_files;
	lidx_buf docs;   /* DOCS section, built as we go */
	uint32_t n_stories;
	uint64_t sum_title, sum_body;
	/* store: records in zlib blocks, deflated on a worker thread */
	lidx_store_writer *store;
	size_t text_bytes, thread_min;
	/* the postings stage: owned by the postings thread while it runs, read by
	   the caller's thread only when every sealed batch is applied */
	bterm *terms;    /* 64-byte aligned inside terms_mem */
	void *terms_mem;
	size_t p_terms, cap_terms;
	uint32_t *touched; /* the terms of the story being applied */
	size_t n_touched, cap_touched;
	uint32_t p_doc;  /* stories applied */
	uint64_t n_postings, n_positions;
	/* batches: ring[sealed % PRING] is being filled; sealed, applied and
	   p_rc are shared, under mu */
	pslot ring[PRING];
	size_t sealed, applied;
	int p_rc;        /* the postings thread's first error */
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t work, done;
	int sync_ready, running, quit;
	char *root;
	/* SINF: flags per story (u32); SIGS: the near-duplicate signatures of
	   the stories that have one (LIDX_SIG_SIZE bytes each), and their ids */
	lidx_buf sinfo, sigs, sig_ids;
	size_t n_sigs;
	/* bounded memory: the budget (0: none), where temporary files go (beside
	   spill_beside, or in $TMPDIR), the runs written, the store's spill file */
	size_t budget, max_runs;
	uint32_t runs_written;
	uint64_t merged;   /* entries rewritten by merges (not the last one) */
	char *spill_beside;
	lidx_run *runs;
	size_t n_runs, cap_runs;
	int store_fd;
	/* the first failure of a temporary file: errno, and "writing" or
	   "reading" (for the message: the note being added is not to blame) */
	int tmp_errno;
	const char *tmp_what;
	/* bytes of the postings stage (term array and lists): p_mem is counted
	   by that stage, p_mem_pub published after each batch for this thread */
	size_t p_mem;
	_Atomic size_t p_mem_pub;
	struct timeval t0;
	int failed;      /* a failed add leaves the builder unusable */
};

static void runs_free(lidx_run *r, size_t n);

int lidx_builder_new(lidx_builder **out)
{
	*out = NULL;
	lidx_builder *b = lidx__calloc(1, sizeof *b);
	if (!b)
		return LIDX_ENOMEM;
	gettimeofday(&b->t0, NULL);
	b->hash_cap = 1024;
	b->hash = lidx__calloc(b->hash_cap, sizeof *b->hash);
	if (!b->hash || lidx_analyzer_new(&b->an) < 0 || lidx_sw_new(&b->store) < 0) {
		lidx_builder_free(b);
		return LIDX_ENOMEM;
	}
	if (pthread_mutex_init(&b->mu, NULL) != 0) {
		lidx_builder_free(b);
		return LIDX_ENOMEM;
	}
	if (pthread_cond_init(&b->work, NULL) != 0) {
		pthread_mutex_destroy(&b->mu);
		lidx_builder_free(b);
		return LIDX_ENOMEM;
	}
	if (pthread_cond_init(&b->done, NULL) != 0) {
		pthread_cond_destroy(&b->work);
		pthread_mutex_destroy(&b->mu);
		lidx_builder_free(b);
		return LIDX_ENOMEM;
	}
	b->sync_ready = 1;
	b->thread_min = PTHREAD_MIN;
	b->budget = LIDX_BUILD_MEMORY;
	b->max_runs = MAX_RUNS;
	b->store_fd = -1;
	*out = b;
	return 0;
}

void lidx_builder_free(lidx_builder *b)
{
	if (!b)
		return;
	if (b->running) {
		pthread_mutex_lock(&b->mu);
		b->quit = 1;
		pthread_cond_signal(&b->work);
		pthread_mutex_unlock(&b->mu);
		pthread_join(b->thread, NULL);
	}
	if (b->sync_ready) {
		pthread_cond_destroy(&b->work);
		pthread_cond_destroy(&b->done);
		pthread_mutex_destroy(&b->mu);
	}
	for (int k = 0; k < PRING; k++)
		lidx__free(b->ring[k].v);
	for (size_t i = 0; i < b->p_terms; i++) {
		lidx__free(b->terms[i].docs.p);
		lidx__free(b->terms[i].pos.p);
	}
	lidx__free(b->terms_mem);
	lidx__free(b->tstr);
	lidx__free(b->hash);
	lidx_buf_free(&b->strs);
	for (size_t i = 0; i < b->n_files; i++)
		lidx__free(b->files[i].path);
	lidx__free(b->files);
	lidx_buf_free(&b->docs);
	lidx_sw_free(b->store);
	lidx__free(b->touched);
	lidx__free(b->root);
	lidx_buf_free(&b->sinfo);
	lidx_buf_free(&b->sigs);
	lidx_buf_free(&b->sig_ids);
	lidx_analyzer_free(b->an);
	runs_free(b->runs, b->n_runs);
	lidx__free(b->runs);
	if (b->store_fd >= 0)
		close(b->store_fd); /* after lidx_sw_free, which reads it no more */
	lidx__free(b->spill_beside);
	lidx__free(b);
}

int lidx_builder_set_root(lidx_builder *b, const char *root)
{
	char *r = lidx__strndup(root, strlen(root));
	if (!r)
		return LIDX_ENOMEM;
	lidx__free(b->root);
	b->root = r;
	return 0;
}

int lidx_builder_add_file_info(lidx_builder *b, const lidx_file_info *fi)
{
	if (b->failed)
		return LIDX_EINVAL;
	if (LIDX_GROW(b->files, b->cap_files, b->n_files + 1) < 0)
		return LIDX_ENOMEM;
	char *p = lidx__strndup(fi->path, strlen(fi->path));
	if (!p)
		return LIDX_ENOMEM;
	bfile *f = &b->files[b->n_files++];
	f->path = p;
	f->fi = *fi;
	f->fi.path = NULL;
	f->fi.skipped = fi->skipped != 0;
	if (!f->fi.skipped)
		f->fi.skip_reason = LIDX_SKIP_NONE;
	else if (fi->skip_reason <= 0 || fi->skip_reason > LIDX_SKIP_OTHER)
		f->fi.skip_reason = LIDX_SKIP_OTHER;
	f->first_story = b->n_stories;
	f->n_stories = 0;
	return 0;
}

void lidx__builder_unhash(lidx_builder *b, size_t i)
{
	if (i < b->n_files)
		b->files[i].fi.hashed = 0;
}

void lidx__builder_thread_min(lidx_builder *b, size_t bytes)
{
	b->thread_min = bytes;
}

void lidx__builder_max_runs(lidx_builder *b, size_t n)
{
	b->max_runs = n < 2 ? 2 : n;
}

size_t lidx__builder_n_runs(const lidx_builder *b)
{
	return b->n_runs;
}

uint64_t lidx__builder_merged(const lidx_builder *b)
{
	return b->merged;
}

size_t lidx__builder_store_mem(const lidx_builder *b)
{
	return lidx_sw_mem(b->store);
}

uint32_t lidx_builder_runs(const lidx_builder *b)
{
	return b->runs_written;
}

int lidx_builder_set_memory(lidx_builder *b, size_t max_bytes, const char *index_path)
{
	char *p = NULL;
	if (index_path && !(p = lidx__strndup(index_path, strlen(index_path))))
		return LIDX_ENOMEM;
	lidx__free(b->spill_beside);
	b->spill_beside = p;
	b->budget = max_bytes;
	return 0;
}

int lidx_builder_add_file(lidx_builder *b, const char *path, uint64_t size, int64_t mtime_ns, int skipped)
{
	lidx_file_info fi;
	memset(&fi, 0, sizeof fi);
	fi.path = path;
	fi.size = size;
	fi.mtime_ns = mtime_ns;
	fi.skipped = skipped;
	return lidx_builder_add_file_info(b, &fi);
}

/* ---- terms ------------------------------------------------------------------ */

static int hash_grow(lidx_builder *b)
{
	size_t nc = b->hash_cap * 2;
	uint64_t *h = lidx__calloc(nc, sizeof *h);
	if (!h)
		return LIDX_ENOMEM;
	for (size_t i = 0; i < b->hash_cap; i++) {
		uint64_t e = b->hash[i];
		if (!e)
			continue;
		size_t j = (e >> 32) & (nc - 1);
		while (h[j])
			j = (j + 1) & (nc - 1);
		h[j] = e;
	}
	lidx__free(b->hash);
	b->hash = h;
	b->hash_cap = nc;
	return 0;
}

/* Room for need terms in the 64-byte aligned term array. */
static int terms_grow(lidx_builder *b, size_t need)
{
	if (need <= b->cap_terms)
		return 0;
	size_t nc = b->cap_terms ? b->cap_terms * 2 : 1024;
	void *mem = lidx__malloc(lidx__mul(nc, sizeof *b->terms) + 64);
	if (!mem)
		return LIDX_ENOMEM;
	lidx__hugepages(mem, nc * sizeof *b->terms + 64);
	bterm *t = (bterm *)(((uintptr_t)mem + 63) & ~(uintptr_t)63);
	if (b->p_terms)
		memcpy(t, b->terms, b->p_terms * sizeof *t);
	lidx__free(b->terms_mem);
	b->terms_mem = mem;
	b->terms = t;
	b->cap_terms = nc;
	return 0;
}

/* Append varint v to a term's buffer; *mem counts the bytes it holds. */
static inline int tbuf_varint(tbuf *t, uint32_t v, size_t *mem)
{
	if (t->cap - t->len < 5) {
		size_t nc = t->cap ? (size_t)t->cap * 2 : 16;
		if (nc > UINT32_MAX)
			nc = UINT32_MAX;
		if (nc - t->len < 5)
			return LIDX_ETOOBIG;
		uint8_t *p = lidx__realloc(t->p, nc);
		if (!p)
			return LIDX_ENOMEM;
		t->p = p;
		*mem += nc - t->cap;
		t->cap = (uint32_t)nc;
	}
	uint8_t *p = t->p + t->len;
	while (v >= 0x80) {
		*p++ = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	*p++ = (uint8_t)v;
	t->len = (uint32_t)(p - t->p);
	return 0;
}

static int term_id(lidx_builder *b, const char *s, size_t n, uint32_t *out)
{
	uint64_t tag = lidx_hash(s, n) >> 32 << 32;
	size_t j = (tag >> 32) & (b->hash_cap - 1);
	while (b->hash[j]) {
		uint64_t e = b->hash[j];
		if ((e & ~(uint64_t)UINT32_MAX) != tag) {
			j = (j + 1) & (b->hash_cap - 1);
			continue;
		}
		const bstr *t = &b->tstr[(uint32_t)e - 1];
		if (t->len == n && (n == 0 || !memcmp(b->strs.p + t->off, s, n))) {
			*out = (uint32_t)e - 1;
			return 0;
		}
		j = (j + 1) & (b->hash_cap - 1);
	}
	if (b->n_terms >= UINT32_MAX - 1 || b->strs.len + n >= UINT32_MAX)
		return LIDX_ETOOBIG;
	if (LIDX_GROW(b->tstr, b->cap_tstr, b->n_terms + 1) < 0)
		return LIDX_ENOMEM;
	size_t off = b->strs.len;
	if (lidx_buf_put(&b->strs, s, n) < 0)
		return LIDX_ENOMEM;
	b->tstr[b->n_terms] = (bstr){ (uint32_t)off, (uint32_t)n, lidx__mh_term_hash(s, n) };
	b->hash[j] = tag | ((uint64_t)b->n_terms + 1);
	*out = (uint32_t)b->n_terms++;
	if (b->n_terms * 2 > b->hash_cap)
		return hash_grow(b);
	return 0;
}

typedef struct collect {
	lidx_builder *b;
	int title;
	lidx_sig *sig;       /* the story's MinHash signature, or NULL */
	lidx_mh_state mh;
} collect;

static int on_token(void *ctx, const lidx_token *t)
{
	collect *c = ctx;
	lidx_builder *b = c->b;
	/* a word seen before: its term index + 1 in the analyzer's cache entry,
	   which the analyzer has just read (no hash probe, no memcmp, no miss) */
	uint32_t id, *user = lidx__analyzer_user(b->an);
	if (user && *user) {
		id = *user - 1;
	} else {
		int rc = term_id(b, t->term, t->term_len, &id);
		if (rc < 0)
			return rc;
		if (user)
			*user = id + 1;
	}
	pslot *s = &b->ring[b->sealed % PRING];
	if (s->cap - s->n < 2 && LIDX_GROW(s->v, s->cap, s->n + 2) < 0)
		return LIDX_ENOMEM;
	s->v[s->n++] = id;
	if (c->title) {
		s->v[s->n++] = TOK_TITLE;
		return 0;
	}
	if (c->sig && !(t->flags & LIDX_TOK_PART))
		lidx__mh_add(c->sig, &c->mh, b->tstr[id].mh);
	if (t->pos == TOK_TITLE) {
		s->n--;
		return LIDX_ETOOBIG;
	}
	s->v[s->n++] = t->pos;
	return 0;
}

/* ---- the postings stage --------------------------------------------------------- */

/* The end of a story: its doc entry in each term it touched. */
static int end_story(lidx_builder *b)
{
	uint32_t doc = b->p_doc;
	int rc;
	for (size_t i = 0; i < b->n_touched; i++) {
		bterm *t = &b->terms[b->touched[i]];
		if ((rc = tbuf_varint(&t->docs, doc - t->last_doc, &b->p_mem)) < 0 ||
		    (rc = tbuf_varint(&t->docs, t->tft, &b->p_mem)) < 0 ||
		    (rc = tbuf_varint(&t->docs, t->tfb, &b->p_mem)) < 0)
			return rc;
		t->last_doc = doc;
		t->df++;
		b->n_postings++;
		b->n_positions += t->tfb;
	}
	b->n_touched = 0;
	b->p_doc++;
	return 0;
}

/* Apply a batch: counts per story, positions straight to the terms' lists
   as gaps within the story (its doc entry, with tf_body, comes at its end). */
static int apply(lidx_builder *b, const uint32_t *v, size_t n)
{
	int rc;
	for (size_t i = 0; i < n; i += 2) {
		uint32_t id = v[i], pos = v[i + 1];
		if (i + 2 * PREFETCH < n && v[i + 2 * PREFETCH] < b->p_terms)
			__builtin_prefetch(&b->terms[v[i + 2 * PREFETCH]], 1);
		if (id == TOK_END) {
			if ((rc = end_story(b)) < 0)
				return rc;
			continue;
		}
		if (id >= b->p_terms) { /* a new term (ids come in order of first use) */
			if ((rc = terms_grow(b, (size_t)id + 1)) < 0)
				return rc;
			memset(&b->terms[b->p_terms], 0, ((size_t)id + 1 - b->p_terms) * sizeof *b->terms);
			b->p_terms = (size_t)id + 1;
		}
		bterm *bt = &b->terms[id];
		if (bt->mark != b->p_doc + 1) {
			if (LIDX_GROW(b->touched, b->cap_touched, b->n_touched + 1) < 0)
				return LIDX_ENOMEM;
			b->touched[b->n_touched++] = id;
			bt->mark = b->p_doc + 1;
			bt->tft = bt->tfb = 0;
			bt->last_pos = 0;
		}
		if (pos == TOK_TITLE) {
			bt->tft++;
			continue;
		}
		if ((rc = tbuf_varint(&bt->pos, pos - bt->last_pos, &b->p_mem)) < 0)
			return rc;
		bt->last_pos = pos;
		bt->tfb++;
	}
	/* for the budget check of the caller's thread */
	atomic_store_explicit(&b->p_mem_pub, b->p_mem + b->cap_terms * sizeof *b->terms,
	                      memory_order_relaxed);
	return 0;
}

static void *postings_worker(void *arg)
{
	lidx_builder *b = arg;
	pthread_mutex_lock(&b->mu);
	for (;;) {
		while (b->applied == b->sealed && !b->quit)
			pthread_cond_wait(&b->work, &b->mu);
		if (b->applied == b->sealed)
			break; /* quit, nothing left */
		pslot *s = &b->ring[b->applied % PRING];
		int failed = b->p_rc;
		pthread_mutex_unlock(&b->mu);
		int rc = failed ? 0 : apply(b, s->v, s->n); /* after an error: skipped */
		pthread_mutex_lock(&b->mu);
		if (rc < 0 && !b->p_rc)
			b->p_rc = rc;
		b->applied++;
		pthread_cond_signal(&b->done);
	}
	pthread_mutex_unlock(&b->mu);
	return NULL;
}

/* Empty an applied slot; one a long story grew past a few batches is freed
   (eight of a 10 MB story's size would stay, unused, for the whole build). */
static void slot_reset(pslot *s)
{
	s->n = 0;
	if (s->cap > 4 * 2 * PBATCH) {
		lidx__free(s->v);
		s->v = NULL;
		s->cap = 0;
	}
}

/*
 * After a story (or with all, to write): without the thread, apply the
 * batch here; with it, hand the batch over when full (all: whatever is in
 * it, and wait until every batch is applied). Returns the first error.
 */
static int postings_flush(lidx_builder *b, int all)
{
	pslot *s = &b->ring[b->sealed % PRING];
	if (!b->running && !b->quit && !all && b->text_bytes >= b->thread_min) {
		if (pthread_create(&b->thread, NULL, postings_worker, b) == 0)
			b->running = 1;
		else
			b->quit = 1; /* no thread: apply on this one from now on */
	}
	if (!b->running) {
		int rc = apply(b, s->v, s->n);
		slot_reset(s);
		return rc;
	}
	if (s->n < PBATCH && !all)
		return 0;
	pthread_mutex_lock(&b->mu);
	if (s->n) {
		b->sealed++;
		pthread_cond_signal(&b->work);
	}
	/* the next slot is free once the batch PRING back is applied */
	size_t want = all ? b->sealed : b->sealed + 1 > PRING ? b->sealed + 1 - PRING : 0;
	while (b->applied < want)
		pthread_cond_wait(&b->done, &b->mu);
	int rc = b->p_rc;
	pthread_mutex_unlock(&b->mu);
	slot_reset(&b->ring[b->sealed % PRING]);
	return rc;
}

/* ---- adding stories ----------------------------------------------------------- */

static int check_memory(lidx_builder *b);
static int store_fail(lidx_builder *b, int rc);
static int tmp_err(lidx_builder *b, lidx_err *err, int rc, const char *pre, const char *post);

/*
 * meta: words of the whole file (front matter title and tags, the file
 * name) that count as title words of this story too. flags: LIDX_STORY_*;
 * such a story is stored (listed, shown) but gets no postings.
 */
static int add_story(lidx_builder *b, const char *title, const char *crumb, const char *meta,
                     unsigned flags, int dedup, uint32_t line_start, uint32_t line_end,
                     const char *text, size_t len)
{
	int rc;
	if (!b->n_files && (rc = lidx_builder_add_file(b, "", 0, 0, 0)) < 0)
		return rc;
	if (b->n_stories == UINT32_MAX - 1 || len > UINT32_MAX / 2)
		return LIDX_ETOOBIG;
	size_t tl = strlen(title), cl = strlen(crumb);
	/* analyze: title, breadcrumb and meta (field 0), text (field 1); the
	   fields' token counts are the pairs they added to the slot */
	lidx_sig sig;
	collect c = { b, 1, NULL, { 0, 0, 0 } };
	if (dedup && !flags) {
		c.sig = &sig;
		lidx__mh_init(c.sig, b->n_stories);
	}
	pslot *s = &b->ring[b->sealed % PRING];
	size_t n0 = s->n, n1 = s->n;
	if (!flags) {
		const unsigned o = LIDX__ANALYZE_PREFETCH;
		if (!c.sig) /* the signature needs every token: all through on_token */
			lidx__analyzer_sink(b->an, s);
		s->title = 1;
		if ((rc = lidx_analyze(b->an, title, tl, o, 0, on_token, &c, NULL)) == 0 &&
		    (rc = lidx_analyze(b->an, crumb, cl, o, 0, on_token, &c, NULL)) == 0 &&
		    (!meta || (rc = lidx_analyze(b->an, meta, strlen(meta), o, 0, on_token, &c, NULL)) == 0)) {
			n1 = s->n;
			c.title = 0;
			s->title = 0;
			rc = lidx_analyze(b->an, text, len, o, 0, on_token, &c, NULL);
		}
		lidx__analyzer_sink(b->an, NULL);
		if (rc != 0)
			return rc;
	}
	size_t n_title = (n1 - n0) / 2, n_body = (s->n - n1) / 2;
	if (n_body >= UINT32_MAX - 1)
		return LIDX_ETOOBIG;
	uint32_t doc = b->n_stories;
	if (LIDX_GROW(s->v, s->cap, s->n + 2) < 0)
		return LIDX_ENOMEM;
	s->v[s->n++] = TOK_END;
	s->v[s->n++] = 0;
	b->text_bytes += len;
	if ((rc = postings_flush(b, 0)) < 0)
		return rc;
	/* store record */
	uint32_t block, off, rec_len;
	if ((rc = store_fail(b, lidx_sw_add(b->store, title, tl, crumb, cl, text, len, &block, &off, &rec_len))) < 0)
		return rc;
	uint8_t d[LIDX_DOC_SIZE];
	lidx_wr32(d, (uint32_t)(b->n_files - 1));
	lidx_wr32(d + 4, line_start);
	lidx_wr32(d + 8, line_end);
	lidx_wr32(d + 12, (uint32_t)n_title);
	lidx_wr32(d + 16, (uint32_t)n_body);
	lidx_wr32(d + 20, block);
	lidx_wr32(d + 24, off);
	lidx_wr32(d + 28, rec_len);
	if ((rc = lidx_buf_put(&b->docs, d, sizeof d)) < 0)
		return rc;
	if ((rc = lidx_buf_u32(&b->sinfo, flags)) < 0 || (rc = lidx_buf_u32(&b->sinfo, doc)) < 0)
		return rc; /* the group is set when the index is written */
	/* the signature, kept only if the story is long enough */
	uint8_t rec[LIDX_SIG_SIZE];
	if (c.sig && c.mh.n >= LIDX_MH_MIN_TOKENS && (lidx__mh_put(rec, c.sig), lidx__mh_present(rec))) {
		if ((rc = lidx_buf_put(&b->sigs, rec, sizeof rec)) < 0 || (rc = lidx_buf_u32(&b->sig_ids, doc)) < 0)
			return rc;
		b->n_sigs++;
	}
	b->sum_title += n_title;
	b->sum_body += n_body;
	b->n_stories++;
	b->files[b->n_files - 1].n_stories++;
	if (b->budget && (rc = check_memory(b)) < 0)
		return rc;
	return 0;
}

int lidx_builder_add_story(lidx_builder *b, const char *title, const char *breadcrumb,
                           uint32_t line_start, uint32_t line_end, const char *text, size_t len)
{
	if (b->failed)
		return LIDX_EINVAL;
	int rc = add_story(b, title ? title : "", breadcrumb ? breadcrumb : "", NULL, 0, 0, line_start,
	                   line_end, text, len);
	if (rc < 0)
		b->failed = 1; /* postings may be half-appended: no write after this */
	return rc;
}

int lidx_builder_add_text(lidx_builder *b, const char *text, size_t len, const char *name, lidx_err *err)
{
	lidx_segments sg;
	int rc = lidx_segment(text, len, name, &sg, err);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < sg.n_stories && rc == 0; i++) {
		lidx_seg_story *s = &sg.stories[i];
		if (b->failed) {
			rc = LIDX_EINVAL;
			break;
		}
		rc = add_story(b, s->title, s->breadcrumb, sg.meta, s->flags, 1, s->line_start, s->line_end,
		               sg.text + s->byte_start, s->byte_end - s->byte_start);
		if (rc < 0)
			b->failed = 1; /* postings may be half-appended: no write after this */
	}
	lidx_segments_free(&sg);
	if (rc < 0 && tmp_err(b, err, rc, "", "") < 0)
		return rc; /* a temporary file failed: not the note's fault */
	if (rc < 0)
		return lidx__err(err, rc, "%s while indexing %s", lidx_strerror(rc), name);
	return 0;
}

/* ---- writing ---------------------------------------------------------------- */

typedef struct writer {
	FILE *f;
	uint64_t off;
	uint8_t table[SEC_MAX * LIDX_ENTRY_SIZE];
	uint32_t n_sec;
} writer;

static int w_bytes(writer *w, const void *p, size_t n, uLong *crc)
{
	if (n && fwrite(p, 1, n, w->f) != n)
		return LIDX_EIO;
	if (crc && n) /* crc32 of a NULL buffer is its initial value: skip empties */
		*crc = crc32_z(*crc, p, n);
	w->off += n;
	return 0;
}

static int w_align(writer *w)
{
	static const uint8_t zero[8];
	size_t pad = (8 - (w->off & 7)) & 7;
	return w_bytes(w, zero, pad, NULL);
}

/* Record a section that was written as [start, w->off). */
static void w_section(writer *w, uint32_t id, uint64_t start, uLong crc)
{
	uint8_t *e = w->table + w->n_sec++ * LIDX_ENTRY_SIZE;
	lidx_wr32(e, id);
	lidx_wr32(e + 4, (uint32_t)crc);
	lidx_wr64(e + 8, start);
	lidx_wr64(e + 16, w->off - start);
}

static int w_buf_section(writer *w, uint32_t id, const lidx_buf *buf)
{
	int rc = w_align(w);
	if (rc < 0)
		return rc;
	uint64_t start = w->off;
	uLong crc = crc32(0, NULL, 0);
	if ((rc = w_bytes(w, buf->p, buf->len, &crc)) < 0)
		return rc;
	w_section(w, id, start, crc);
	return 0;
}

/* SIGS: a signature per story, all ones for a story without one. */
static int w_sigs(const lidx_builder *b, writer *w)
{
	int rc = w_align(w);
	if (rc < 0)
		return rc;
	uint64_t start = w->off;
	uLong crc = crc32(0, NULL, 0);
	uint8_t none[LIDX_SIG_SIZE];
	lidx__mh_put(none, NULL);
	size_t k = 0;
	for (uint32_t i = 0; i < b->n_stories; i++) {
		const uint8_t *r = none;
		if (k < b->n_sigs && lidx_rd32(b->sig_ids.p + 4 * k) == i)
			r = b->sigs.p + LIDX_SIG_SIZE * k++;
		if ((rc = w_bytes(w, r, LIDX_SIG_SIZE, &crc)) < 0)
			return rc;
	}
	w_section(w, SEC_SIGS, start, crc);
	return 0;
}

/*
 * Terms are sorted by their bytes. A sort through term indexes reads two
 * random terms and their strings per comparison (cache misses, most of the
 * sort's time on 300,000 terms); this one sorts (first 8 bytes big-endian,
 * index) pairs, contiguous, and reads the strings only on a tie of the first
 * 8 bytes. A term has no NUL byte, so a short term's zero padding sorts as
 * memcmp-then-length does.
 */
typedef struct sort_key {
	uint64_t prefix;
	uint32_t id;
} sort_key;

static const lidx_builder *sort_b;
static int term_cmp(const void *x, const void *y)
{
	const sort_key *ka = x, *kb = y;
	if (ka->prefix != kb->prefix)
		return ka->prefix < kb->prefix ? -1 : 1;
	const bstr *a = &sort_b->tstr[ka->id];
	const bstr *b = &sort_b->tstr[kb->id];
	size_t n = a->len < b->len ? a->len : b->len;
	int c = memcmp(sort_b->strs.p + a->off, sort_b->strs.p + b->off, n);
	if (c)
		return c;
	return a->len < b->len ? -1 : a->len > b->len;
}

static uint64_t sort_prefix(const uint8_t *s, size_t n)
{
	uint64_t v = 0;
	for (size_t i = 0; i < 8; i++)
		v = v << 8 | (i < n ? s[i] : 0);
	return v;
}

/* Re-block one term's postings (as gathered: merge.h) into pblocks (format.h)
   appended to out; docs: the DOCS section (each story's field lengths, for
   the block bounds). */
static int write_postings(const lidx_mterm *t, const uint8_t *docs, uint32_t n_docs, lidx_buf *out,
                          lidx_buf *tmp_docs, lidx_buf *tmp_pos)
{
	uint32_t bt[LIDX_POST_BLOCK], bb[LIDX_POST_BLOCK], btl[LIDX_POST_BLOCK], bbl[LIDX_POST_BLOCK];
	/* a title-only term has no positions: pos may be NULL (NULL + 0 is UB) */
	const uint8_t *dp = t->docs, *de = t->docs_len ? t->docs + t->docs_len : dp;
	const uint8_t *pp = t->pos, *pe = t->pos_len ? t->pos + t->pos_len : pp;
	uint32_t doc = 0, prev_last = 0;
	int rc;
	for (uint32_t left = t->df; left;) {
		uint32_t n = left < LIDX_POST_BLOCK ? left : LIDX_POST_BLOCK;
		tmp_docs->len = tmp_pos->len = 0;
		uint32_t block_prev = prev_last;
		for (uint32_t k = 0; k < n; k++) {
			uint32_t gap, tft, tfb;
			if (lidx_get_varint32(&dp, de, &gap) < 0 || lidx_get_varint32(&dp, de, &tft) < 0 ||
			    lidx_get_varint32(&dp, de, &tfb) < 0)
				return LIDX_EINVAL; /* our own buffer: cannot happen */
			/* a run read back from a damaged temporary file must not
			   index DOCS out of bounds */
			if ((uint64_t)doc + gap >= n_docs)
				return LIDX_ECORRUPT;
			doc += gap;
			bt[k] = tft;
			bb[k] = tfb;
			btl[k] = lidx_rd32(docs + (size_t)doc * LIDX_DOC_SIZE + 12);
			bbl[k] = lidx_rd32(docs + (size_t)doc * LIDX_DOC_SIZE + 16);
			if ((rc = lidx_buf_varint(tmp_docs, doc - block_prev)) < 0 ||
			    (rc = lidx_buf_varint(tmp_docs, tft)) < 0 ||
			    (rc = lidx_buf_varint(tmp_docs, tfb)) < 0)
				return rc;
			block_prev = doc;
			const uint8_t *ps = pp;
			for (uint32_t q = 0; q < tfb; q++) {
				uint64_t v;
				if (lidx_get_varint(&pp, pe, &v) < 0)
					return LIDX_EINVAL;
			}
			if ((rc = lidx_buf_put(tmp_pos, ps, (size_t)(pp - ps))) < 0)
				return rc;
		}
		if ((rc = lidx_buf_varint(out, n)) < 0 ||
		    (rc = lidx_buf_varint(out, doc - prev_last)) < 0 ||
		    (rc = lidx_buf_varint(out, tmp_docs->len)) < 0 ||
		    (rc = lidx_buf_varint(out, tmp_pos->len)) < 0 ||
		    (rc = lidx__post_bound_put(out, bt, bb, btl, bbl, n)) < 0 ||
		    (rc = lidx_buf_put(out, tmp_docs->p, tmp_docs->len)) < 0 ||
		    (rc = lidx_buf_put(out, tmp_pos->p, tmp_pos->len)) < 0)
			return rc;
		prev_last = doc;
		left -= n;
	}
	return 0;
}

/* The terms in byte order, in a new array (*out). */
static int sort_terms(lidx_builder *b, sort_key **out)
{
	sort_key *order = lidx__malloc(lidx__mul(b->n_terms ? b->n_terms : 1, sizeof *order));
	*out = order;
	if (!order)
		return LIDX_ENOMEM;
	for (size_t i = 0; i < b->n_terms; i++)
		order[i] = (sort_key){ sort_prefix(b->strs.p + b->tstr[i].off, b->tstr[i].len), (uint32_t)i };
	sort_b = b;
	qsort(order, b->n_terms, sizeof *order, term_cmp);
	return 0;
}

/* The terms of an index in byte order: the builder's (order) or the merge of its runs (m). */
typedef struct tsrc {
	lidx_builder *b;
	const sort_key *order;
	size_t i;
	lidx_merge *m;
} tsrc;

/* The next term into *t: 1, 0 at the end, or an error. */
static int tsrc_next(tsrc *src, lidx_mterm *t)
{
	if (src->m)
		return lidx__merge_next(src->m, t);
	lidx_builder *b = src->b;
	size_t i = src->i;
	if (i == b->n_terms)
		return 0;
	/* terms in sorted order are at random in memory: fetch ahead */
	if (i + 8 < b->n_terms) {
		__builtin_prefetch(&b->terms[src->order[i + 8].id]);
		__builtin_prefetch(&b->tstr[src->order[i + 8].id]);
	}
	if (i + 4 < b->n_terms) {
		const bterm *ahead = &b->terms[src->order[i + 4].id];
		__builtin_prefetch(ahead->docs.p);
		__builtin_prefetch(ahead->pos.p);
		__builtin_prefetch(b->strs.p + b->tstr[src->order[i + 4].id].off);
	}
	const bterm *bt = &b->terms[src->order[i].id];
	const bstr *ts = &b->tstr[src->order[i].id];
	*t = (lidx_mterm){ b->strs.p + ts->off, ts->len, bt->df, bt->last_doc, bt->docs.p, bt->pos.p,
	                   bt->docs.len, bt->pos.len };
	src->i++;
	return 1;
}

static void runs_free(lidx_run *r, size_t n)
{
	for (size_t i = 0; i < n; i++)
		lidx__run_close(&r[i]);
}

/* Remember the first failure of a temporary file (errno is still the
   failing call's); rc is returned as it is. */
static int tmp_fail(lidx_builder *b, int rc, const char *what)
{
	if (rc == LIDX_EIO && !b->tmp_errno) {
		b->tmp_errno = errno ? errno : EIO;
		b->tmp_what = what;
	}
	return rc;
}

/* The same for the store's spill file, which keeps its own errno. */
static int store_fail(lidx_builder *b, int rc)
{
	if (rc == LIDX_EIO && !b->tmp_errno && lidx_sw_errno(b->store)) {
		b->tmp_errno = lidx_sw_errno(b->store);
		b->tmp_what = lidx_sw_errno_what(b->store);
	}
	return rc;
}

/* The folder temporary files go to (merge.c lidx__tmpfile), into buf. */
static const char *tmp_dir(const lidx_builder *b, char *buf, size_t n)
{
	if (!b->spill_beside) {
		const char *d = getenv("TMPDIR");
		return d && *d ? d : "/tmp";
	}
	snprintf(buf, n, "%s", b->spill_beside);
	return dirname(buf);
}

/*
 * If rc is a temporary file's failure, err says so (between pre and post)
 * and rc is returned; else 0. A run that reads back damaged is LIDX_ECORRUPT.
 */
static int tmp_err(lidx_builder *b, lidx_err *err, int rc, const char *pre, const char *post)
{
	char dir[PATH_MAX], what[PATH_MAX + 160];
	const char *d = tmp_dir(b, dir, sizeof dir);
	if (rc == LIDX_EIO && b->tmp_errno)
		snprintf(what, sizeof what, "%s a temporary file in %s: %s", b->tmp_what, d, strerror(b->tmp_errno));
	else if (rc == LIDX_ECORRUPT && b->n_runs)
		snprintf(what, sizeof what, "a temporary file in %s reads back damaged", d);
	else
		return 0;
	lidx__err(err, rc, "%s%s%s", pre, what, post);
	return rc;
}

/* A new temporary file (unnamed, beside the index) open for reading and writing. */
static int tmp_open(lidx_builder *b, FILE **out)
{
	*out = NULL;
	int fd = lidx__tmpfile(b->spill_beside);
	if (fd < 0)
		return tmp_fail(b, fd, "creating");
	if (!(*out = fdopen(fd, "w+b"))) {
		close(fd);
		return LIDX_ENOMEM;
	}
	return 0;
}

/* A new run file; *out owns the descriptor. */
static int run_file(lidx_builder *b, FILE **out)
{
	*out = NULL;
	if (LIDX_GROW(b->runs, b->cap_runs, b->n_runs + 1) < 0)
		return LIDX_ENOMEM;
	return tmp_open(b, out);
}

/* Write the terms gathered since the last run, in byte order, as a run. */
static int write_run(lidx_builder *b)
{
	sort_key *order = NULL;
	FILE *f = NULL;
	int rc;
	if ((rc = sort_terms(b, &order)) < 0 || (rc = run_file(b, &f)) < 0)
		goto done;
	tsrc src = { b, order, 0, NULL };
	lidx_mterm t;
	while ((rc = tsrc_next(&src, &t)) > 0)
		if ((rc = tmp_fail(b, lidx__run_put(f, &t), "writing")) < 0)
			break;
	if (rc == 0 && fflush(f) != 0)
		rc = tmp_fail(b, LIDX_EIO, "writing");
	if (rc == 0) {
		lidx__run_open(&b->runs[b->n_runs++], f, b->n_terms);
		b->runs_written++;
		f = NULL;
	}
done:
	if (f)
		fclose(f);
	lidx__free(order);
	return rc;
}

/* Merge runs[from ..] into one, of the level after theirs. */
static int merge_runs(lidx_builder *b, size_t from)
{
	FILE *f = NULL;
	lidx_merge m;
	memset(&m, 0, sizeof m);
	uint64_t n = 0;
	unsigned level = 0;
	for (size_t i = from; i < b->n_runs; i++)
		if (b->runs[i].level > level)
			level = b->runs[i].level;
	int rc;
	if ((rc = run_file(b, &f)) < 0 ||
	    (rc = tmp_fail(b, lidx__merge_init(&m, b->runs + from, b->n_runs - from, b->n_stories), "reading")) < 0)
		goto done;
	lidx_mterm t;
	while ((rc = tmp_fail(b, lidx__merge_next(&m, &t), "reading")) > 0) {
		if ((rc = tmp_fail(b, lidx__run_put(f, &t), "writing")) < 0)
			break;
		n++;
	}
	if (rc == 0 && fflush(f) != 0)
		rc = tmp_fail(b, LIDX_EIO, "writing");
	if (rc == 0) {
		runs_free(b->runs + from, b->n_runs - from);
		lidx__run_open(&b->runs[from], f, n);
		b->merged += n;
		b->runs[from].level = level + 1;
		b->n_runs = from + 1;
		f = NULL;
	}
done:
	lidx__merge_free(&m);
	if (f)
		fclose(f);
	return rc;
}

/*
 * The tiered merge (as Lucene's LogMergePolicy, Bentley & Saxe's
 * logarithmic method): runs are in story order with levels that never
 * rise; when the newest MERGE_FAN runs (fewer for a small run limit) share
 * a level they become one run of the next level, and so on up. A fresh run
 * is rewritten once per level, about log16(runs) times: merging all runs
 * into one whenever MAX_RUNS were held rewrote the growing first run every
 * 63 runs (a 43 MB corpus in 4 MB: 19.3 s against 11.3 s in memory).
 */
static int merge_tiers(lidx_builder *b)
{
	size_t fan = b->max_runs / 4;
	if (fan > MERGE_FAN)
		fan = MERGE_FAN;
	if (fan < 2)
		fan = 2;
	while (b->n_runs >= fan) {
		unsigned level = b->runs[b->n_runs - 1].level;
		size_t from = b->n_runs;
		while (from && b->runs[from - 1].level == level)
			from--;
		if (b->n_runs - from < fan)
			break;
		int rc = merge_runs(b, from);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Forget the terms (written as a run): the term table, their postings and
   the analyzer's word cache, which holds term ids. */
static int reset_terms(lidx_builder *b)
{
	uint64_t *h = lidx__calloc(1024, sizeof *h);
	lidx_analyzer *an = NULL;
	if (!h || lidx_analyzer_new(&an) < 0) {
		lidx__free(h);
		return LIDX_ENOMEM;
	}
	for (size_t i = 0; i < b->p_terms; i++) {
		lidx__free(b->terms[i].docs.p);
		lidx__free(b->terms[i].pos.p);
	}
	lidx__free(b->terms_mem);
	b->terms_mem = NULL;
	b->terms = NULL;
	b->p_terms = b->cap_terms = 0;
	lidx__free(b->tstr);
	b->tstr = NULL;
	b->n_terms = b->cap_tstr = 0;
	lidx__free(b->hash);
	b->hash = h;
	b->hash_cap = 1024;
	lidx_buf_free(&b->strs);
	lidx_analyzer_free(b->an);
	b->an = an;
	b->p_mem = 0;
	atomic_store_explicit(&b->p_mem_pub, 0, memory_order_relaxed);
#ifdef __GLIBC__
	malloc_trim(0);
#endif
	return 0;
}

/* From now on the story store keeps its deflated blocks in a temporary file. */
static int spill_store(lidx_builder *b)
{
	if (b->store_fd >= 0)
		return 0;
	int fd = lidx__tmpfile(b->spill_beside);
	if (fd < 0)
		return tmp_fail(b, fd, "creating");
	b->store_fd = fd;
	return store_fail(b, lidx_sw_spill(b->store, fd));
}

/*
 * Past the budget, write the terms as a run; the story store goes to its
 * spill file at the first run. Called between stories (the postings stage
 * is drained first: then the terms are this thread's).
 */
static int flush_run(lidx_builder *b)
{
	int rc = postings_flush(b, 1);
	if (rc < 0)
		return rc;
	if (b->p_terms != b->n_terms)
		return LIDX_EINVAL;
	if ((rc = spill_store(b)) < 0)
		return rc;
	if (!b->n_terms)
		return 0;
	if (b->n_runs >= b->max_runs && (rc = merge_runs(b, 0)) < 0) /* too many levels: all in one */
		return rc;
	if ((rc = write_run(b)) < 0 || (rc = reset_terms(b)) < 0)
		return rc;
	return merge_tiers(b);
}

/*
 * What the builder holds: what a run frees (terms, postings, the word
 * cache) and what stays (the store not yet spilled, DOCS, SINF, SIGS). A
 * run is written when the sum passes the budget, but not while what it
 * would free is under a quarter of the budget (else a large corpus's
 * per-story tables would make every story a run). The store is decided
 * apart: past a quarter of the budget it goes to its spill file even when
 * no run is written (stories with few or no terms: maps of links).
 */
static int check_memory(lidx_builder *b)
{
	size_t run = atomic_load_explicit(&b->p_mem_pub, memory_order_relaxed) +
	             b->cap_tstr * sizeof *b->tstr + b->hash_cap * sizeof *b->hash + b->strs.cap +
	             lidx__analyzer_mem(b->an);
	size_t store = lidx_sw_mem(b->store);
	size_t kept = store + b->docs.cap + b->sinfo.cap + b->sigs.cap + b->sig_ids.cap;
	if (run + kept <= b->budget)
		return 0;
	if (b->store_fd < 0 && store > b->budget / 4) {
		int rc = spill_store(b);
		if (rc < 0)
			return rc;
		kept -= store - lidx_sw_mem(b->store);
		if (run + kept <= b->budget)
			return 0;
	}
	if (run < b->budget / 4)
		return 0;
	return flush_run(b);
}

static int write_all(lidx_builder *b, writer *w)
{
	int rc;
	uint8_t hdr[LIDX_HEADER_SIZE];
	memset(hdr, 0, sizeof hdr);
	/* header and table are written last; reserve their room */
	uint8_t zero[LIDX_HEADER_SIZE + SEC_MAX * LIDX_ENTRY_SIZE];
	memset(zero, 0, sizeof zero);
	if ((rc = w_bytes(w, zero, sizeof zero, NULL)) < 0)
		return rc;

	/* the terms in byte order: sorted here, or merged from the runs */
	sort_key *order = NULL;
	lidx_merge merge;
	memset(&merge, 0, sizeof merge);
	lidx_buf pb = { 0 }, td = { 0 }, tp = { 0 }, lext = { 0 }, lexi = { 0 }, meta = { 0 }, files = { 0 };
	lidx_buf sidx = { 0 }, prev = { 0 }, scratch = { 0 };
	uint32_t *group = NULL;
	const uint8_t **sig = NULL;
	tsrc src = { b, NULL, 0, NULL };
	FILE *lext_f = NULL; /* LEXT past lext_max bytes (a bounded build), then copied */
	uint64_t lext_base = 0;
	size_t lext_max = b->budget ? b->budget / 8 : SIZE_MAX;
	if (b->n_runs) {
		if ((rc = tmp_fail(b, lidx__merge_init(&merge, b->runs, b->n_runs, b->n_stories), "reading")) < 0)
			goto done;
		src.m = &merge;
	} else {
		if ((rc = sort_terms(b, &order)) < 0)
			goto done;
		src.order = order;
	}

	/* POST, streamed one term at a time, and LEXT and LEXI */
	if ((rc = w_align(w)) < 0)
		goto done;
	uint64_t post_start = w->off, n_terms = 0;
	uLong crc = crc32(0, NULL, 0);
	lidx_mterm t;
	while ((rc = tmp_fail(b, tsrc_next(&src, &t), "reading")) > 0) {
		pb.len = 0;
		if ((rc = write_postings(&t, b->docs.p, b->n_stories, &pb, &td, &tp)) < 0)
			goto done;
		uint64_t post_off = w->off - post_start;
		if ((rc = w_bytes(w, pb.p, pb.len, &crc)) < 0)
			goto done;
		size_t pre = 0;
		if (n_terms % LIDX_LEX_BLOCK == 0) {
			if (lext.len && lext.len >= lext_max) {
				if ((!lext_f && (rc = tmp_open(b, &lext_f)) < 0) ||
				    (fwrite(lext.p, 1, lext.len, lext_f) != lext.len &&
				     (rc = tmp_fail(b, LIDX_EIO, "writing")) < 0))
					goto done;
				lext_base += lext.len;
				lext.len = 0;
			}
			if ((rc = lidx_buf_u64(&lexi, lext_base + lext.len)) < 0)
				goto done;
		} else {
			while (pre < prev.len && pre < t.term_len && prev.p[pre] == t.term[pre])
				pre++;
		}
		if ((rc = lidx_buf_varint(&lext, pre)) < 0 ||
		    (rc = lidx_buf_str(&lext, (const char *)t.term + pre, t.term_len - pre)) < 0 ||
		    (rc = lidx_buf_varint(&lext, t.df)) < 0 ||
		    (rc = lidx_buf_varint(&lext, post_off)) < 0 ||
		    (rc = lidx_buf_varint(&lext, pb.len)) < 0 ||
		    (rc = lidx_buf_u32(&lext, lidx__post_crc(pb.p, pb.len))) < 0)
			goto done;
		prev.len = 0;
		if (t.term_len && (rc = lidx_buf_put(&prev, t.term, t.term_len)) < 0)
			goto done;
		n_terms++;
	}
	if (rc < 0)
		goto done;
	w_section(w, SEC_POST, post_start, crc);
	if (lext_f) {
		/* LEXT: the part in the temporary file, then the rest */
		if ((rc = w_align(w)) < 0)
			goto done;
		uint64_t lext_start = w->off;
		crc = crc32(0, NULL, 0);
		if (fflush(lext_f) != 0 || fseek(lext_f, 0, SEEK_SET) != 0) {
			rc = tmp_fail(b, LIDX_EIO, "writing");
			goto done;
		}
		scratch.len = 0;
		if ((rc = lidx_buf_reserve(&scratch, (size_t)1 << 16)) < 0)
			goto done;
		for (uint64_t left = lext_base; left;) {
			size_t n = left < ((size_t)1 << 16) ? (size_t)left : (size_t)1 << 16;
			if (fread(scratch.p, 1, n, lext_f) != n) {
				rc = tmp_fail(b, LIDX_EIO, "reading");
				goto done;
			}
			if ((rc = w_bytes(w, scratch.p, n, &crc)) < 0)
				goto done;
			left -= n;
		}
		if ((rc = w_bytes(w, lext.p, lext.len, &crc)) < 0)
			goto done;
		w_section(w, SEC_LEXT, lext_start, crc);
	} else if ((rc = w_buf_section(w, SEC_LEXT, &lext)) < 0) {
		goto done;
	}
	if ((rc = w_buf_section(w, SEC_LEXI, &lexi)) < 0)
		goto done;

	/* STORE, SIDX, DOCS */
	if ((rc = store_fail(b, lidx_sw_finish(b->store))) < 0 || (rc = w_align(w)) < 0)
		goto done;
	uint32_t n_blocks = lidx_sw_n_blocks(b->store);
	uint64_t store_start = w->off;
	crc = crc32(0, NULL, 0);
	for (uint32_t i = 0; i < n_blocks; i++) {
		const uint8_t *zp;
		size_t zl;
		if ((rc = store_fail(b, lidx_sw_block(b->store, i, &scratch, &zp, &zl))) < 0 ||
		    (rc = lidx_buf_u64(&sidx, w->off - store_start)) < 0 ||
		    (rc = w_bytes(w, zp, zl, &crc)) < 0)
			goto done;
	}
	w_section(w, SEC_STORE, store_start, crc);
	if ((rc = lidx_buf_u64(&sidx, w->off - store_start)) < 0 ||
	    (rc = w_buf_section(w, SEC_SIDX, &sidx)) < 0 ||
	    (rc = w_buf_section(w, SEC_DOCS, &b->docs)) < 0)
		goto done;

	/* FILES */
	uint32_t n_skipped = 0;
	for (size_t i = 0; i < b->n_files; i++) {
		bfile *f = &b->files[i];
		n_skipped += (uint32_t)f->fi.skipped;
		uint64_t flags = (uint64_t)f->fi.skipped | (uint64_t)(f->fi.hashed != 0) << 1 |
		                 (uint64_t)f->fi.skip_reason << 8;
		if ((rc = lidx_buf_str(&files, f->path, strlen(f->path))) < 0 ||
		    (rc = lidx_buf_varint(&files, f->fi.size)) < 0 ||
		    (rc = lidx_buf_varint(&files, (uint64_t)f->fi.mtime_ns)) < 0 ||
		    (rc = lidx_buf_varint(&files, (uint64_t)f->fi.ctime_ns)) < 0 ||
		    (rc = lidx_buf_varint(&files, f->fi.ino)) < 0 ||
		    (rc = lidx_buf_varint(&files, flags)) < 0 ||
		    (rc = lidx_buf_varint(&files, f->first_story)) < 0 ||
		    (rc = lidx_buf_varint(&files, f->n_stories)) < 0 ||
		    (f->fi.hashed && (rc = lidx_buf_u64(&files, f->fi.hash)) < 0))
			goto done;
	}
	if ((rc = w_buf_section(w, SEC_FILES, &files)) < 0)
		goto done;

	/* SINF: flags, and near-duplicate groups (from the signatures in story
	   order: a group's id is its smallest story id); SIGS */
	if (b->n_sigs) {
		group = lidx__malloc(lidx__mul(b->n_sigs, sizeof *group));
		sig = lidx__malloc(lidx__mul(b->n_sigs, sizeof *sig));
		if (!group || !sig) {
			rc = LIDX_ENOMEM;
			goto done;
		}
		const uint8_t *ids = b->sig_ids.p;
		for (size_t k = 0; k < b->n_sigs; k++)
			sig[k] = b->sigs.p + k * LIDX_SIG_SIZE;
		if ((rc = lidx__mh_link(sig, b->n_sigs, group)) < 0)
			goto done;
		for (size_t k = 0; k < b->n_sigs; k++)
			lidx_wr32(b->sinfo.p + (size_t)lidx_rd32(ids + 4 * k) * 8 + 4, lidx_rd32(ids + 4 * (size_t)group[k]));
	}
	if ((rc = w_buf_section(w, SEC_SINFO, &b->sinfo)) < 0 || (b->n_sigs && (rc = w_sigs(b, w)) < 0))
		goto done;

	/* META */
	struct timeval t1;
	gettimeofday(&t1, NULL);
	uint64_t usec = (uint64_t)((t1.tv_sec - b->t0.tv_sec) * 1000000 + (t1.tv_usec - b->t0.tv_usec));
	const char *root = b->root ? b->root : "";
	if ((rc = lidx_buf_u32(&meta, b->n_stories)) < 0 ||
	    (rc = lidx_buf_u32(&meta, (uint32_t)b->n_files)) < 0 ||
	    (rc = lidx_buf_u32(&meta, n_skipped)) < 0 ||
	    (rc = lidx_buf_u32(&meta, n_blocks)) < 0 ||
	    (rc = lidx_buf_u64(&meta, n_terms)) < 0 ||
	    (rc = lidx_buf_u64(&meta, b->n_postings)) < 0 ||
	    (rc = lidx_buf_u64(&meta, b->n_positions)) < 0 ||
	    (rc = lidx_buf_u64(&meta, b->sum_title)) < 0 ||
	    (rc = lidx_buf_u64(&meta, b->sum_body)) < 0 ||
	    (rc = lidx_buf_u64(&meta, (uint64_t)time(NULL))) < 0 ||
	    (rc = lidx_buf_u64(&meta, usec)) < 0 ||
	    (rc = lidx_buf_u32(&meta, (uint32_t)strlen(root))) < 0 ||
	    (rc = lidx_buf_put(&meta, root, strlen(root))) < 0)
		goto done;
	if ((rc = w_buf_section(w, SEC_META, &meta)) < 0)
		goto done;

	/* header and section table */
	memcpy(hdr, LIDX_MAGIC, 8);
	lidx_wr32(hdr + 8, LIDX_FORMAT_VERSION);
	lidx_wr32(hdr + 12, w->n_sec);
	lidx_wr64(hdr + 16, w->off);
	lidx_wr32(hdr + 24, LIDX_ENGINE_REV);
	lidx_wr32(hdr + 60, (uint32_t)crc32_z(0, hdr, 60));
	if (fseek(w->f, 0, SEEK_SET) != 0 || fwrite(hdr, 1, sizeof hdr, w->f) != sizeof hdr ||
	    fwrite(w->table, 1, SEC_MAX * LIDX_ENTRY_SIZE, w->f) != SEC_MAX * LIDX_ENTRY_SIZE)
		rc = LIDX_EIO;
done:
	if (lext_f)
		fclose(lext_f);
	lidx__merge_free(&merge);
	lidx__free(order);
	lidx__free(group);
	lidx__free(sig);
	lidx_buf_free(&prev);
	lidx_buf_free(&scratch);
	lidx_buf_free(&pb);
	lidx_buf_free(&td);
	lidx_buf_free(&tp);
	lidx_buf_free(&lext);
	lidx_buf_free(&lexi);
	lidx_buf_free(&meta);
	lidx_buf_free(&files);
	lidx_buf_free(&sidx);
	return rc;
}

static int fsync_dir(const char *path)
{
	char *copy = lidx__strndup(path, strlen(path));
	if (!copy)
		return LIDX_ENOMEM;
	int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY);
	lidx__free(copy);
	if (fd < 0)
		return LIDX_EIO;
	int rc = fsync(fd) == 0 ? 0 : LIDX_EIO;
	close(fd);
	return rc;
}

/*
 * The new index is written into an unnamed file (O_TMPFILE, Linux 3.11+ on
 * ext4, xfs, btrfs, tmpfs) and given a name only when it is complete: a
 * build interrupted by Ctrl-C, SIGTERM or even kill -9 leaves nothing
 * behind. Where O_TMPFILE is not supported, PATH.tmp.XXXXXX (mkstemp) is
 * used and removed on failure; one left by a killed build is swept by the
 * next build (corpus.c).
 */
static int open_unnamed(const char *path)
{
#ifdef O_TMPFILE
	char *copy = lidx__strndup(path, strlen(path));
	if (!copy)
		return -1;
	int fd = open(dirname(copy), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	lidx__free(copy);
	return fd;
#else
	(void)path;
	errno = EOPNOTSUPP;
	return -1;
#endif
}

/* Give the unnamed file fd the name tmp: through /proc, as an unprivileged
   linkat(AT_EMPTY_PATH) is not allowed. */
static int name_unnamed(int fd, const char *tmp)
{
	char proc[64];
	snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
	if (linkat(AT_FDCWD, proc, AT_FDCWD, tmp, AT_SYMLINK_FOLLOW) == 0)
		return 0;
	return linkat(fd, "", AT_FDCWD, tmp, AT_EMPTY_PATH); /* no /proc: works with CAP_DAC_READ_SEARCH */
}

int lidx_builder_write(lidx_builder *b, const char *path, lidx_err *err)
{
	if (b->failed)
		return lidx__err(err, LIDX_EINVAL, "cannot write an index after a failed add");
	int prc = postings_flush(b, 1); /* every batch applied: the terms are this thread's */
	if (prc < 0) {
		b->failed = 1;
		return lidx__err(err, prc, "cannot write index %s: %s", path, lidx_strerror(prc));
	}
	if (b->p_terms != b->n_terms)
		return lidx__err(err, LIDX_EINVAL, "cannot write index %s: terms without postings", path);
	if (b->n_runs && b->n_terms && (prc = flush_run(b)) < 0) { /* the last run */
		b->failed = 1;
		if (tmp_err(b, err, prc, "cannot write index: ", "") < 0)
			return prc;
		return lidx__err(err, prc, "cannot write index %s: %s", path, lidx_strerror(prc));
	}
	size_t pl = strlen(path);
	char *tmp = lidx__malloc(pl + 16);
	if (!tmp)
		return lidx__err(err, LIDX_ENOMEM, "out of memory");
	memcpy(tmp, path, pl);
	memcpy(tmp + pl, ".tmp.XXXXXX", 12);
	int fd = open_unnamed(path), unnamed = fd >= 0;
	if (!unnamed)
		fd = mkostemp(tmp, O_CLOEXEC); /* mode 0600 */
	if (fd < 0) {
		int e = errno;
		lidx__free(tmp);
		return lidx__err(err, LIDX_EIO, "cannot create a temporary file beside %s: %s", path, strerror(e));
	}
	writer w;
	memset(&w, 0, sizeof w);
	w.f = fdopen(fd, "wb");
	int rc, named = !unnamed;
	if (!w.f) {
		close(fd);
		rc = LIDX_ENOMEM;
	} else {
		rc = write_all(b, &w);
		if (rc == 0 && (fflush(w.f) != 0 || fsync(fileno(w.f)) != 0))
			rc = LIDX_EIO;
		if (rc == 0 && unnamed) {
			/* a fresh name beside the index (mkstemp's pattern, then linkat) */
			int tfd = mkstemp(tmp);
			if (tfd < 0 || (close(tfd), unlink(tmp)) != 0 || name_unnamed(fileno(w.f), tmp) != 0)
				rc = LIDX_EIO;
			else
				named = 1;
		}
		if (fclose(w.f) != 0 && rc == 0)
			rc = LIDX_EIO;
	}
	if (rc == 0 && rename(tmp, path) != 0)
		rc = LIDX_EIO;
	if (rc == 0)
		fsync_dir(path); /* best effort: some file systems cannot sync a folder */
	if (rc < 0) {
		int e = errno;
		if (named)
			unlink(tmp);
		lidx__free(tmp);
		if (tmp_err(b, err, rc, "cannot write index: ", "") < 0)
			return rc;
		if (rc == LIDX_EIO)
			return lidx__err(err, rc, "cannot write index %s: %s", path, strerror(e));
		return lidx__err(err, rc, "cannot write index %s: %s", path, lidx_strerror(rc));
	}
	lidx__free(tmp);
	return 0;
}
