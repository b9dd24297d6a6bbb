/*
 * store_write.h -- the story store of an index being built (store_write.c):
 * records packed into blocks, deflated on a worker thread, written as the
 * STORE and SIDX sections of format.h by index_write.c.
 */
#ifndef LIDX_STORE_WRITE_H
#define LIDX_STORE_WRITE_H

#include "common.h"

typedef struct lidx_store_writer lidx_store_writer;

int lidx_sw_new(lidx_store_writer **out);
/* Stops the worker and frees every block. */
void lidx_sw_free(lidx_store_writer *w);

/*
 * Append the record (title, breadcrumb, text); *block, *off and *rec_len say
 * where it lands (the DOCS fields). On failure nothing was appended.
 */
int lidx_sw_add(lidx_store_writer *w, const char *title, size_t tl, const char *crumb,
                size_t cl, const char *text, size_t len, uint32_t *block, uint32_t *off,
                uint32_t *rec_len);

/*
 * Seal the open block and wait until every block is deflated. Then blocks
 * 0 .. lidx_sw_n_blocks() - 1 are ready; more records may be added after.
 * A block that could not be deflated fails this and every later call.
 */
int lidx_sw_finish(lidx_store_writer *w);
uint32_t lidx_sw_n_blocks(const lidx_store_writer *w);
/*
 * Block i as stored: u32 raw_len, then the zlib stream; *p is the block in
 * memory, or scratch's bytes (read back from the spill file). LIDX_ENOMEM,
 * LIDX_EIO.
 */
int lidx_sw_block(lidx_store_writer *w, uint32_t i, lidx_buf *scratch, const uint8_t **p,
                  size_t *len);

/*
 * From now on keep the deflated blocks in file fd (open for reading and
 * writing, at its end; the caller closes it after lidx_sw_free), not in
 * memory; the blocks already collected are moved there now. A write error
 * fails this and every later call.
 */
int lidx_sw_spill(lidx_store_writer *w, int fd);
/* The errno of the spill file's first failed write or read (0: none), and
   which it was ("writing", "reading"): for the builder's message. */
int lidx_sw_errno(const lidx_store_writer *w);
const char *lidx_sw_errno_what(const lidx_store_writer *w);
/* Bytes of story text the store holds in memory (blocks and the open one). */
size_t lidx_sw_mem(const lidx_store_writer *w);

#endif
