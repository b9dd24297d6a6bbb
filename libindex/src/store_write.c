/*
 * store_write.c -- the story store of an index being built: records
 * (title, breadcrumb, text) packed into blocks of LIDX_STORE_BLOCK bytes,
 * each deflated (zlib level 1) on a worker thread while the builder goes on
 * analyzing the next stories. Deflate is a third of a build's instructions
 * (88 MB of Gutenberg text: 0.9 s of 2.9 s); on a second core it costs the
 * build nothing. The bytes written are the STORE and SIDX sections of
 * format.h, the same as a compression on the builder's own thread would give.
 *
 * Threading: one worker and a ring of RING slots. Only the builder's thread
 * allocates (a block's output buffer, compressBound() bytes, is allocated
 * when the block is sealed), so lidx_alloc_fail_at() stays deterministic; the
 * worker runs deflate into that buffer and frees the raw block. Sealed
 * blocks are collected in order into w->blocks, which the worker never
 * touches. If the worker cannot be started, blocks are deflated in place.
 *
 * A builder over its memory budget (index_write.c) hands the store a spill
 * file (lidx_sw_spill): from then on each block is written there as it is
 * collected and only its place is kept; the blocks are read back one at a
 * time when the index is written.
 */
#include <stdlib.h>
#include <errno.h>
#include <unistd.h>
#include <pthread.h>
#include <zlib.h>
#include "common.h"
#include "format.h"
#include "store_write.h"

#define RING 8

typedef struct zblock {
	uint8_t *z;        /* u32 raw_len, then the zlib stream; NULL when spilled */
	size_t z_len;
	uint64_t off;      /* where it is in the spill file (when z is NULL) */
} zblock;

typedef struct zslot {
	uint8_t *raw;      /* the sealed block; freed by whoever deflates it */
	size_t raw_len;
	uint8_t *z;        /* compressBound(raw_len) + 4 bytes */
	size_t z_cap, z_len;
	int rc;
} zslot;

struct lidx_store_writer {
	lidx_buf block;    /* records of the open block */
	zblock *blocks;    /* sealed and collected, in order */
	size_t n_blocks, cap_blocks;
	/* the ring: slot k % RING holds sealed block k for collected <= k < sealed */
	zslot ring[RING];
	size_t sealed, deflated, collected;
	int failed;        /* a block could not be deflated: the store is unusable */
	size_t mem;        /* bytes of the collected blocks held in memory */
	int spill;         /* the spill file (-1: none) */
	uint64_t spill_len;
	int io_errno;      /* the spill file's first failure: errno, "writing" or "reading" */
	const char *io_what;
	/* the worker */
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t work, done;
	int running, quit;
	z_stream zs;
	int zs_ready;
};

/* Deflate a slot's raw block into its buffer; frees the raw block. */
static void deflate_slot(z_stream *zs, int *ready, zslot *s)
{
	s->rc = LIDX_ENOMEM;
	if (!*ready) {
		memset(zs, 0, sizeof *zs);
		if (deflateInit(zs, Z_BEST_SPEED) != Z_OK) /* 3x faster than 6, ~10% larger */
			goto out;
		*ready = 1;
	} else if (deflateReset(zs) != Z_OK) {
		goto out;
	}
	lidx_wr32(s->z, (uint32_t)s->raw_len);
	zs->next_in = s->raw;
	zs->avail_in = (uInt)s->raw_len;
	zs->next_out = s->z + 4;
	zs->avail_out = (uInt)(s->z_cap - 4);
	if (deflate(zs, Z_FINISH) == Z_STREAM_END) {
		s->z_len = 4 + zs->total_out;
		s->rc = 0;
	}
out:
	lidx__free(s->raw);
	s->raw = NULL;
}

static void *worker(void *arg)
{
	lidx_store_writer *w = arg;
	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (w->deflated == w->sealed && !w->quit)
			pthread_cond_wait(&w->work, &w->mu);
		if (w->deflated == w->sealed)
			break; /* quit, nothing left */
		zslot *s = &w->ring[w->deflated % RING];
		pthread_mutex_unlock(&w->mu);
		deflate_slot(&w->zs, &w->zs_ready, s);
		pthread_mutex_lock(&w->mu);
		w->deflated++;
		pthread_cond_signal(&w->done);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

int lidx_sw_new(lidx_store_writer **out)
{
	lidx_store_writer *w = lidx__calloc(1, sizeof *w);
	*out = w;
	if (!w)
		return LIDX_ENOMEM;
	w->spill = -1;
	if (pthread_mutex_init(&w->mu, NULL) != 0) {
		lidx__free(w);
		*out = NULL;
		return LIDX_ENOMEM;
	}
	if (pthread_cond_init(&w->work, NULL) != 0) {
		pthread_mutex_destroy(&w->mu);
		lidx__free(w);
		*out = NULL;
		return LIDX_ENOMEM;
	}
	if (pthread_cond_init(&w->done, NULL) != 0) {
		pthread_cond_destroy(&w->work);
		pthread_mutex_destroy(&w->mu);
		lidx__free(w);
		*out = NULL;
		return LIDX_ENOMEM;
	}
	/* the worker starts when a block is sealed while stories keep coming: a
	   store of one block (most notes folders) is deflated here, threadless */
	return 0;
}

void lidx_sw_free(lidx_store_writer *w)
{
	if (!w)
		return;
	if (w->running) {
		pthread_mutex_lock(&w->mu);
		w->quit = 1;
		pthread_cond_signal(&w->work);
		pthread_mutex_unlock(&w->mu);
		pthread_join(w->thread, NULL);
	}
	for (size_t k = w->collected; k < w->sealed; k++) {
		zslot *s = &w->ring[k % RING];
		lidx__free(s->raw);
		lidx__free(s->z);
	}
	for (size_t i = 0; i < w->n_blocks; i++)
		lidx__free(w->blocks[i].z);
	lidx__free(w->blocks);
	lidx_buf_free(&w->block);
	if (w->zs_ready)
		deflateEnd(&w->zs);
	pthread_cond_destroy(&w->work);
	pthread_cond_destroy(&w->done);
	pthread_mutex_destroy(&w->mu);
	lidx__free(w);
}

/* Write n bytes at the spill file's end (a short write is retried). */
static int spill_put(lidx_store_writer *w, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t k = write(w->spill, p, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			if (!w->io_errno) {
				w->io_errno = k < 0 && errno ? errno : ENOSPC; /* write() of 0: no room */
				w->io_what = "writing";
			}
			return LIDX_EIO;
		}
		p += k;
		n -= (size_t)k;
		w->spill_len += (uint64_t)k;
	}
	return 0;
}

/* Move block i from memory to the spill file. */
static int spill_block(lidx_store_writer *w, size_t i)
{
	zblock *zb = &w->blocks[i];
	uint64_t off = w->spill_len;
	int rc = spill_put(w, zb->z, zb->z_len);
	if (rc < 0)
		return rc;
	lidx__free(zb->z);
	zb->z = NULL;
	zb->off = off;
	w->mem -= zb->z_len;
	return 0;
}

/* Move the deflated slots into w->blocks, waiting until limit are collected. */
static int collect(lidx_store_writer *w, size_t limit)
{
	while (w->collected < limit) {
		pthread_mutex_lock(&w->mu);
		while (w->running && w->deflated <= w->collected)
			pthread_cond_wait(&w->done, &w->mu);
		pthread_mutex_unlock(&w->mu);
		/* the worker is done with this slot and does not touch it again */
		zslot *s = &w->ring[w->collected % RING];
		if (s->rc < 0) {
			w->failed = s->rc;
			lidx__free(s->z);
		} else {
			/* give back what deflate did not use (about half); a failed
			   shrink keeps the buffer as it is */
			uint8_t *z = lidx__realloc(s->z, s->z_len);
			/* room in w->blocks was reserved when the block was sealed */
			w->blocks[w->n_blocks++] = (zblock){ z ? z : s->z, s->z_len, 0 };
			w->mem += s->z_len;
			int rc = w->spill >= 0 ? spill_block(w, w->n_blocks - 1) : 0;
			if (rc < 0 && !w->failed)
				w->failed = rc;
		}
		s->z = NULL;
		w->collected++; /* only this thread reads or writes collected */
	}
	return w->failed;
}

/* Seal the open block: hand it to the worker (or, with no thread, deflate it here). */
static int seal(lidx_store_writer *w, int threaded)
{
	if (!w->block.len)
		return 0;
	if (w->failed)
		return w->failed;
	/* the ring is full: wait for its oldest block */
	int rc;
	if (w->sealed - w->collected == RING && (rc = collect(w, w->collected + 1)) < 0)
		return rc;
	size_t cap = (size_t)compressBound((uLong)w->block.len) + 4;
	if (LIDX_GROW(w->blocks, w->cap_blocks, w->sealed + 1) < 0)
		return LIDX_ENOMEM;
	uint8_t *z = lidx__malloc(cap);
	if (!z)
		return LIDX_ENOMEM;
	if (threaded && !w->running && !w->quit) {
		if (pthread_create(&w->thread, NULL, worker, w) == 0)
			w->running = 1;
		else
			w->quit = 1; /* no thread: deflate on this one from now on */
	}
	zslot *s = &w->ring[w->sealed % RING];
	*s = (zslot){ w->block.p, w->block.len, z, cap, 0, 0 };
	memset(&w->block, 0, sizeof w->block); /* the slot owns the bytes now */
	if (!w->running)
		deflate_slot(&w->zs, &w->zs_ready, s);
	pthread_mutex_lock(&w->mu);
	w->sealed++;
	if (!w->running)
		w->deflated++;
	pthread_cond_signal(&w->work);
	pthread_mutex_unlock(&w->mu);
	return 0;
}

int lidx_sw_add(lidx_store_writer *w, const char *title, size_t tl, const char *crumb,
                size_t cl, const char *text, size_t len, uint32_t *block, uint32_t *off,
                uint32_t *rec_len)
{
	int rc;
	if (w->block.len >= LIDX_STORE_BLOCK && (rc = seal(w, 1)) < 0)
		return rc;
	if (w->sealed >= UINT32_MAX - 1)
		return LIDX_ETOOBIG;
	/* a new block's buffer at its usual size at once: grown from 64 bytes
	   by doubling it was copied nine times (and its pages touched twice) */
	if (!w->block.cap && (rc = lidx_buf_reserve(&w->block, LIDX_STORE_BLOCK + LIDX_STORE_BLOCK / 2)) < 0)
		return rc;
	size_t start = w->block.len;
	if ((rc = lidx_buf_str(&w->block, title, tl)) < 0 ||
	    (rc = lidx_buf_str(&w->block, crumb, cl)) < 0 ||
	    (rc = lidx_buf_str(&w->block, text, len)) < 0) {
		w->block.len = start;
		return rc;
	}
	if (w->block.len - start > UINT32_MAX) {
		w->block.len = start;
		return LIDX_ETOOBIG;
	}
	*block = (uint32_t)w->sealed;
	*off = (uint32_t)start;
	*rec_len = (uint32_t)(w->block.len - start);
	return 0;
}

int lidx_sw_finish(lidx_store_writer *w)
{
	int rc = seal(w, 0); /* the last block: no thread started for it */
	if (rc < 0)
		return rc;
	return collect(w, w->sealed);
}

uint32_t lidx_sw_n_blocks(const lidx_store_writer *w)
{
	return (uint32_t)w->n_blocks;
}

int lidx_sw_spill(lidx_store_writer *w, int fd)
{
	if (w->spill >= 0)
		return 0;
	if (w->failed)
		return w->failed;
	w->spill = fd;
	for (size_t i = 0; i < w->n_blocks; i++) {
		int rc = spill_block(w, i);
		if (rc < 0)
			return w->failed = rc;
	}
	return 0;
}

size_t lidx_sw_mem(const lidx_store_writer *w)
{
	return w->mem + w->block.cap;
}

int lidx_sw_errno(const lidx_store_writer *w)
{
	return w->io_errno;
}

const char *lidx_sw_errno_what(const lidx_store_writer *w)
{
	return w->io_what ? w->io_what : "writing";
}

int lidx_sw_block(lidx_store_writer *w, uint32_t i, lidx_buf *scratch, const uint8_t **p,
                  size_t *len)
{
	const zblock *zb = &w->blocks[i];
	*len = zb->z_len;
	if (zb->z) {
		*p = zb->z;
		return 0;
	}
	scratch->len = 0;
	if (lidx_buf_reserve(scratch, zb->z_len) < 0)
		return LIDX_ENOMEM;
	for (size_t got = 0; got < zb->z_len;) {
		ssize_t k = pread(w->spill, scratch->p + got, zb->z_len - got, (off_t)(zb->off + got));
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			if (!w->io_errno) {
				w->io_errno = k < 0 && errno ? errno : EIO; /* 0: the file is shorter than written */
				w->io_what = "reading";
			}
			return LIDX_EIO;
		}
		got += (size_t)k;
	}
	*p = scratch->p;
	return 0;
}
