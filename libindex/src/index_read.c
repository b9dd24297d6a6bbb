/*
 * index_read.c -- opening an index file (mmap, nothing loaded eagerly but
 * the small FILES table), checking it, and reading its lexicon and story
 * store. Every decoder takes an end bound: a damaged file is LIDX_ECORRUPT,
 * never a crash. The byte grammar is in format.h.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <zlib.h>
#include "index.h"
#include "dedup.h"
#include "safefile.h"

#define CORRUPT(what) lidx__err(err, LIDX_ECORRUPT, "index %s is corrupt (%s)", path, what)

/*
 * A section's CRC. A large one (POST and STORE of a large index, read whole
 * only by LIDX_OPEN_VERIFY and the story listing) is read in chunks, each
 * given back once checked (MADV_DONTNEED: the mapped file's pages stay in
 * the page cache, a later read maps them again): reading the whole map
 * would count the index's size in the process's peak RSS, above what a
 * bounded-memory build holds.
 */
#define CHECK_CHUNK ((size_t)8 << 20)
static int check_section(lidx_section *s)
{
	if (s->verified)
		return 0;
	uint32_t c = 0;
	if (s->len > 2 * CHECK_CHUNK) {
		uLong z = crc32(0, NULL, 0);
		uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
		for (uint64_t off = 0; off < s->len; off += CHECK_CHUNK) {
			size_t n = s->len - off < CHECK_CHUNK ? (size_t)(s->len - off) : CHECK_CHUNK;
			z = crc32_z(z, s->p + off, n);
			uintptr_t a = (uintptr_t)(s->p + off) & ~(page - 1);
			madvise((void *)a, (uintptr_t)(s->p + off + n) - a, MADV_DONTNEED);
		}
		c = (uint32_t)z;
	} else if (s->len) {
		c = (uint32_t)crc32_z(0, s->p, s->len);
	}
	if (c != s->crc)
		return LIDX_ECORRUPT;
	s->verified = 1;
	return 0;
}

static int parse(lidx_index *ix, unsigned flags, const char *path, lidx_err *err)
{
	const uint8_t *m = ix->map;
	if (ix->size < LIDX_HEADER_SIZE || memcmp(m, LIDX_MAGIC, 8) != 0)
		return lidx__err(err, LIDX_ECORRUPT, "%s is not a cvsearch index (bad magic)", path);
	if (lidx_rd32(m + 60) != (uint32_t)crc32_z(0, m, 60))
		return CORRUPT("header checksum");
	uint32_t version = lidx_rd32(m + 8);
	if (version != LIDX_FORMAT_VERSION)
		return lidx__err(err, LIDX_EVERSION, "index %s has format version %u, this cvsearch reads %u",
		                 path, version, LIDX_FORMAT_VERSION);
	uint32_t n_sec = lidx_rd32(m + 12);
	ix->engine_rev = lidx_rd32(m + 24);
	if (lidx_rd64(m + 16) != ix->size)
		return CORRUPT("file size differs from header: truncated?");
	if (n_sec > 64 || LIDX_HEADER_SIZE + (uint64_t)n_sec * LIDX_ENTRY_SIZE > ix->size)
		return CORRUPT("section table");
	for (uint32_t i = 0; i < n_sec; i++) {
		const uint8_t *e = m + LIDX_HEADER_SIZE + i * LIDX_ENTRY_SIZE;
		uint32_t id = lidx_rd32(e);
		uint64_t off = lidx_rd64(e + 8), len = lidx_rd64(e + 16);
		if (id == 0 || id > SEC_MAX || ix->sec[id].p)
			return CORRUPT("section id");
		if (off > ix->size || len > ix->size - off || (off & 7))
			return CORRUPT("section bounds");
		ix->sec[id] = (lidx_section){ m + off, len, lidx_rd32(e + 4), 0 };
	}
	for (int id = 1; id <= SEC_MAX; id++) {
		if (!ix->sec[id].p && (id == SEC_SINFO || id == SEC_SIGS))
			continue; /* optional */
		if (!ix->sec[id].p)
			return CORRUPT("missing section");
		/* SIGS is read by an index of several segments only: checked then */
		int big = id == SEC_POST || id == SEC_STORE || id == SEC_SIGS;
		if ((!big || (flags & LIDX_OPEN_VERIFY) || ix->size < (1u << 22)) &&
		    check_section(&ix->sec[id]) < 0)
			return CORRUPT("section checksum");
	}
	/* META */
	lidx_section *s = &ix->sec[SEC_META];
	if (s->len < LIDX_META_FIXED)
		return CORRUPT("META size");
	const uint8_t *p = s->p;
	ix->n_stories = lidx_rd32(p);
	ix->n_files = lidx_rd32(p + 4);
	ix->n_skipped = lidx_rd32(p + 8);
	ix->n_blocks = lidx_rd32(p + 12);
	ix->n_terms = lidx_rd64(p + 16);
	ix->n_postings = lidx_rd64(p + 24);
	ix->n_positions = lidx_rd64(p + 32);
	ix->sum_title = lidx_rd64(p + 40);
	ix->sum_body = lidx_rd64(p + 48);
	ix->built_at = (int64_t)lidx_rd64(p + 56);
	ix->build_usec = lidx_rd64(p + 64);
	uint32_t rl = lidx_rd32(p + 72);
	if (rl > s->len - LIDX_META_FIXED)
		return CORRUPT("META root");
	if (!(ix->root = lidx__strndup((const char *)p + LIDX_META_FIXED, rl)))
		return LIDX_ENOMEM;
	ix->n_live = ix->n_stories;
	if (ix->sec[SEC_DOCS].len != (uint64_t)ix->n_stories * LIDX_DOC_SIZE)
		return CORRUPT("DOCS size");
	if (ix->sec[SEC_SINFO].p) {
		if (ix->sec[SEC_SINFO].len != (uint64_t)ix->n_stories * 8)
			return CORRUPT("SINF size");
		for (uint32_t i = 0; i < ix->n_stories; i++) {
			uint32_t g = lidx_rd32(ix->sec[SEC_SINFO].p + (uint64_t)i * 8 + 4);
			if (g > i || (g < i && lidx_rd32(ix->sec[SEC_SINFO].p + (uint64_t)g * 8 + 4) != g))
				return CORRUPT("SINF group");
			ix->n_grouped += g != i;
		}
	}
	if (ix->sec[SEC_SIGS].p && ix->sec[SEC_SIGS].len != (uint64_t)ix->n_stories * LIDX_SIG_SIZE)
		return CORRUPT("SIGS size");
	if (ix->sec[SEC_SIDX].len != ((uint64_t)ix->n_blocks + 1) * 8)
		return CORRUPT("SIDX size");
	if (ix->sec[SEC_LEXI].len != ((ix->n_terms + LIDX_LEX_BLOCK - 1) / LIDX_LEX_BLOCK) * 8)
		return CORRUPT("LEXI size");
	if (ix->n_files > ix->sec[SEC_FILES].len) /* an entry takes at least a byte */
		return CORRUPT("FILES count");
	ix->avg_title = ix->n_stories ? (double)ix->sum_title / ix->n_stories : 0;
	ix->avg_body = ix->n_stories ? (double)ix->sum_body / ix->n_stories : 0;
	/* FILES */
	ix->files = lidx__calloc(ix->n_files ? ix->n_files : 1, sizeof *ix->files);
	if (!ix->files)
		return LIDX_ENOMEM;
	p = ix->sec[SEC_FILES].p;
	const uint8_t *end = p + ix->sec[SEC_FILES].len;
	/* paths are stored without NUL: copied into one block (the section's
	   size bounds their bytes, and each path takes a varint byte or more
	   for which its NUL goes), one allocation instead of one per file */
	ix->paths = lidx__malloc((size_t)ix->sec[SEC_FILES].len + 1);
	if (!ix->paths)
		return LIDX_ENOMEM;
	char *pp = ix->paths;
	uint64_t covered = 0;
	for (uint32_t i = 0; i < ix->n_files; i++) {
		uint64_t plen, size, mt, ct, ino, fl, first, n;
		if (lidx_get_varint(&p, end, &plen) < 0 || plen > (uint64_t)(end - p))
			return CORRUPT("FILES entry");
		memcpy(pp, p, (size_t)plen);
		pp[plen] = 0;
		ix->files[i].path = pp;
		pp += plen + 1;
		p += plen;
		if (lidx_get_varint(&p, end, &size) < 0 || lidx_get_varint(&p, end, &mt) < 0 ||
		    lidx_get_varint(&p, end, &ct) < 0 || lidx_get_varint(&p, end, &ino) < 0 ||
		    lidx_get_varint(&p, end, &fl) < 0 || lidx_get_varint(&p, end, &first) < 0 ||
		    lidx_get_varint(&p, end, &n) < 0)
			return CORRUPT("FILES entry");
		if ((fl >> 8) > LIDX_SKIP_OTHER || (fl & 0xfc) || ((fl >> 8) != 0) != (fl & 1))
			return CORRUPT("FILES flags");
		if (fl & 2) {
			if (end - p < 8)
				return CORRUPT("FILES entry");
			ix->files[i].hash = lidx_rd64(p);
			p += 8;
		}
		if (first > ix->n_stories || n > ix->n_stories - first || first != covered)
			return CORRUPT("FILES story range");
		covered += n;
		ix->files[i].size = size;
		ix->files[i].mtime_ns = (int64_t)mt;
		ix->files[i].skipped = fl & 1;
		ix->files[i].ctime_ns = (int64_t)ct;
		ix->files[i].ino = ino;
		ix->files[i].hashed = (fl >> 1) & 1;
		ix->files[i].skip_reason = (int)(fl >> 8);
		ix->files[i].first_story = (uint32_t)first;
		ix->files[i].n_stories = (uint32_t)n;
	}
	if (covered != ix->n_stories)
		return CORRUPT("FILES do not cover the stories");
	return 0;
}

int lidx_index_open(lidx_index **out, const char *path, unsigned flags, lidx_err *err)
{
	lidx_index *ix;
	int rc = lidx__index_open_one(&ix, path, flags, err);
	*out = NULL;
	if (rc < 0)
		return rc;
	/* a reader never locks: a merge may replace the manifest and remove a
	   segment it named between our reading it and opening the segment, so
	   a missing segment is looked for again in the new manifest */
	for (int tries = 0;; tries++) {
		rc = lidx__segs_open(ix, flags, out, err);
		if (rc != LIDX_ECORRUPT || tries >= 3)
			break;
	}
	if (rc < 0) {
		*out = NULL;
		lidx_index_close(ix);
	}
	return rc;
}

int lidx__index_open_one(lidx_index **out, const char *path, unsigned flags, lidx_err *err)
{
	*out = NULL;
	lidx_index *ix = lidx__calloc(1, sizeof *ix);
	if (!ix)
		return lidx__err(err, LIDX_ENOMEM, "out of memory");
	ix->fd = -1;
	for (int k = 0; k < LIDX_BLOCK_CACHE; k++)
		ix->cached_block[k] = UINT32_MAX;
	int rc;
	if (!(ix->path = lidx__strndup(path, strlen(path)))) {
		rc = lidx__err(err, LIDX_ENOMEM, "out of memory");
		goto fail;
	}
	/* no link, no FIFO (O_NONBLOCK: opening one never waits), ours alone */
	ix->fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (ix->fd < 0) {
		int e = errno;
		rc = lidx__err(err, e == ENOENT ? LIDX_ENOTFOUND : e == ELOOP ? LIDX_EUNSAFE : LIDX_EIO,
		               "cannot open index %s: %s", path,
		               e == ELOOP ? "it is a symbolic link (not followed)" : strerror(e));
		goto fail;
	}
	struct stat st;
	if (fstat(ix->fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		rc = lidx__err(err, LIDX_EIO, "cannot open index %s: not a regular file", path);
		goto fail;
	}
	if ((rc = lidx__check_trusted(&st, "index file", path, err)) < 0)
		goto fail;
	ix->size = (size_t)st.st_size;
	if (ix->size < LIDX_HEADER_SIZE) {
		rc = lidx__err(err, LIDX_ECORRUPT, "index %s is corrupt (%zu bytes: truncated)", path, ix->size);
		goto fail;
	}
	ix->map = mmap(NULL, ix->size, PROT_READ, MAP_SHARED, ix->fd, 0);
	if (ix->map == MAP_FAILED) {
		ix->map = NULL;
		rc = lidx__err(err, LIDX_EIO, "cannot map index %s: %s", path, strerror(errno));
		goto fail;
	}
	rc = parse(ix, flags, path, err);
	if (rc == LIDX_ENOMEM)
		lidx__err(err, rc, "out of memory opening %s", path);
	if (rc < 0)
		goto fail;
	ix->post_checked = lidx__calloc((size_t)(ix->n_terms / 8 + 1), 1);
	if (!ix->post_checked) {
		rc = lidx__err(err, LIDX_ENOMEM, "out of memory");
		goto fail;
	}
	*out = ix;
	return 0;
fail:
	lidx_index_close(ix);
	return rc;
}

void lidx_index_close(lidx_index *ix)
{
	if (!ix)
		return;
	if (ix->map)
		munmap(ix->map, ix->size);
	if (ix->fd >= 0)
		close(ix->fd);
	lidx__free(ix->files);
	lidx__free(ix->paths);
	lidx__free(ix->root);
	lidx__free(ix->path);
	for (int k = 0; k < LIDX_BLOCK_CACHE; k++)
		lidx__free(ix->block[k]);
	lidx__free(ix->post_checked);
	lidx__free(ix->norms);
	lidx__segs_free(ix->segs);
	lidx__free(ix);
}

int lidx_index_stats(lidx_index *ix, lidx_stats *o)
{
	memset(o, 0, sizeof *o);
	o->n_stories = ix->n_stories;
	o->n_files = ix->n_files - ix->n_skipped;
	o->n_skipped = ix->n_skipped;
	o->n_terms = ix->n_terms;
	o->n_postings = ix->n_postings;
	o->n_positions = ix->n_positions;
	o->index_bytes = ix->size;
	o->postings_bytes = ix->sec[SEC_POST].len;
	o->store_bytes = ix->sec[SEC_STORE].len;
	o->build_seconds = (double)ix->build_usec / 1e6;
	o->built_at = ix->built_at;
	o->avg_title_len = ix->avg_title;
	o->avg_body_len = ix->avg_body;
	o->n_segments = 1;
	if (ix->segs)
		lidx__segs_stats(ix, o);
	return 0;
}

const char *lidx_index_root(lidx_index *ix)
{
	return ix->root;
}

uint32_t lidx_index_file_count(lidx_index *ix)
{
	return ix->n_files;
}

int lidx_index_file(lidx_index *ix, uint32_t i, lidx_file_info *out)
{
	if (i >= ix->n_files)
		return LIDX_EINVAL;
	*out = ix->files[i];
	return 0;
}

uint32_t lidx_index_story_count(lidx_index *ix)
{
	return ix->n_stories;
}

int lidx__doc_info(lidx_index *ix, uint32_t doc, lidx_docinfo *o)
{
	if (ix->segs)
		return lidx__segs_doc_info(ix, doc, o);
	if (doc >= ix->n_stories)
		return LIDX_EINVAL;
	const uint8_t *d = ix->sec[SEC_DOCS].p + (uint64_t)doc * LIDX_DOC_SIZE;
	o->file_id = lidx_rd32(d);
	o->line_start = lidx_rd32(d + 4);
	o->line_end = lidx_rd32(d + 8);
	o->title_len = lidx_rd32(d + 12);
	o->body_len = lidx_rd32(d + 16);
	if (o->file_id >= ix->n_files)
		return LIDX_ECORRUPT;
	return 0;
}

/* ---- story store --------------------------------------------------------------- */

/* Decompress store block blk (or find it cached): *slot says where. */
static int load_block(lidx_index *ix, uint32_t blk, unsigned *slot)
{
	for (unsigned k = 0; k < LIDX_BLOCK_CACHE; k++)
		if (ix->cached_block[k] == blk) {
			*slot = k;
			return 0;
		}
	if (blk >= ix->n_blocks)
		return LIDX_ECORRUPT;
	const uint8_t *sidx = ix->sec[SEC_SIDX].p;
	uint64_t a = lidx_rd64(sidx + (uint64_t)blk * 8), b = lidx_rd64(sidx + (uint64_t)blk * 8 + 8);
	lidx_section *st = &ix->sec[SEC_STORE];
	if (a > b || b > st->len || b - a < 4)
		return LIDX_ECORRUPT;
	uint32_t raw = lidx_rd32(st->p + a);
	if (raw > (64u << 20))
		return LIDX_ECORRUPT;
	uint8_t *out = lidx__malloc(raw ? raw : 1);
	if (!out)
		return LIDX_ENOMEM;
	z_stream z;
	memset(&z, 0, sizeof z);
	if (inflateInit(&z) != Z_OK) {
		lidx__free(out);
		return LIDX_ENOMEM;
	}
	z.next_in = (Bytef *)(st->p + a + 4);
	z.avail_in = (uInt)(b - a - 4);
	z.next_out = out;
	z.avail_out = raw;
	int zr = inflate(&z, Z_FINISH);
	size_t got = z.total_out;
	inflateEnd(&z);
	if (zr != Z_STREAM_END || got != raw) {
		lidx__free(out);
		return zr == Z_MEM_ERROR ? LIDX_ENOMEM : LIDX_ECORRUPT;
	}
	unsigned k = ix->block_next;
	ix->block_next = (k + 1) % LIDX_BLOCK_CACHE;
	lidx__free(ix->block[k]);
	ix->block[k] = out;
	ix->block_len[k] = raw;
	ix->cached_block[k] = blk;
	*slot = k;
	return 0;
}

static int get_str(const uint8_t **p, const uint8_t *end, char **out, size_t *len)
{
	uint64_t n;
	if (lidx_get_varint(p, end, &n) < 0 || n > (uint64_t)(end - *p))
		return LIDX_ECORRUPT;
	if (!(*out = lidx__strndup((const char *)*p, (size_t)n)))
		return LIDX_ENOMEM;
	if (len)
		*len = (size_t)n;
	*p += n;
	return 0;
}

void lidx_story_clear(lidx_story *s)
{
	if (!s)
		return;
	lidx__free(s->title);
	lidx__free(s->breadcrumb);
	lidx__free(s->text);
	memset(s, 0, sizeof *s);
}

int lidx__index_sigs(lidx_index *ix, const uint8_t **out)
{
	*out = NULL;
	if (!ix->sec[SEC_SIGS].p)
		return 0;
	if (check_section(&ix->sec[SEC_SIGS]) < 0)
		return LIDX_ECORRUPT;
	*out = ix->sec[SEC_SIGS].p;
	return 0;
}

int lidx_index_story(lidx_index *ix, uint32_t id, lidx_story *out, lidx_err *err)
{
	if (ix->segs)
		return lidx__segs_story(ix, id, out, err);
	memset(out, 0, sizeof *out);
	if (id >= ix->n_stories)
		return lidx__err(err, LIDX_ENOTFOUND, "no story %u (the index has %u)", id, ix->n_stories);
	const uint8_t *d = ix->sec[SEC_DOCS].p + (uint64_t)id * LIDX_DOC_SIZE;
	uint32_t file = lidx_rd32(d), blk = lidx_rd32(d + 20), off = lidx_rd32(d + 24), len = lidx_rd32(d + 28);
	const char *path = ix->path;
	if (file >= ix->n_files)
		return CORRUPT("story file id");
	unsigned k = 0;
	int rc = load_block(ix, blk, &k);
	if (rc == LIDX_ENOMEM)
		return lidx__err(err, rc, "out of memory reading a story");
	if (rc < 0 || off > ix->block_len[k] || len > ix->block_len[k] - off)
		return CORRUPT("story store");
	const uint8_t *p = ix->block[k] + off, *end = p + len;
	if ((rc = get_str(&p, end, &out->title, NULL)) < 0 ||
	    (rc = get_str(&p, end, &out->breadcrumb, NULL)) < 0 ||
	    (rc = get_str(&p, end, &out->text, &out->text_len)) < 0) {
		lidx_story_clear(out);
		if (rc == LIDX_ENOMEM)
			return lidx__err(err, rc, "out of memory reading a story");
		return CORRUPT("story record");
	}
	out->id = id;
	out->file_id = file;
	out->path = ix->files[file].path;
	out->line_start = lidx_rd32(d + 4);
	out->line_end = lidx_rd32(d + 8);
	out->group = lidx__story_group(ix, id);
	out->flags = ix->sec[SEC_SINFO].p ? lidx_rd32(ix->sec[SEC_SINFO].p + (uint64_t)id * 8) : 0;
	return 0;
}

int lidx_index_find_story(lidx_index *ix, const char *path, uint32_t line, uint32_t *id_out)
{
	size_t pl = strlen(path);
	int found_file = 0;
	/* an exact path first, then a suffix at a '/' boundary */
	for (int pass = 0; pass < 2; pass++) {
		for (uint32_t f = 0; f < ix->n_files; f++) {
			const char *fp = ix->files[f].path;
			size_t fl = strlen(fp);
			int match = pass == 0 ? !strcmp(fp, path)
			                      : (fl > pl && !strcmp(fp + fl - pl, path) && fp[fl - pl - 1] == '/');
			if (!match)
				continue;
			found_file = 1;
			for (uint32_t k = 0; k < ix->files[f].n_stories; k++) {
				lidx_docinfo di;
				uint32_t id = ix->files[f].first_story + k;
				if (lidx__doc_info(ix, id, &di) < 0)
					return LIDX_ECORRUPT;
				if (line == 0 || (di.line_start <= line && line <= di.line_end)) {
					*id_out = id;
					return 0;
				}
			}
		}
		if (found_file)
			break;
	}
	return LIDX_ENOTFOUND;
}

/* ---- lexicon ------------------------------------------------------------------ */

typedef struct lexpos {
	const uint8_t *p, *end;
	char term[256];
	size_t len;
} lexpos;

/* Decode one entry at lp->p (term is front-coded against lp->term). */
static int lex_next(lidx_index *ix, lexpos *lp, lidx_term *t)
{
	uint64_t pre, suf, df, off, len;
	if (lidx_get_varint(&lp->p, lp->end, &pre) < 0 || pre > lp->len ||
	    lidx_get_varint(&lp->p, lp->end, &suf) < 0 || suf > (uint64_t)(lp->end - lp->p) ||
	    pre + suf >= sizeof lp->term)
		return LIDX_ECORRUPT;
	memcpy(lp->term + pre, lp->p, (size_t)suf);
	lp->len = (size_t)(pre + suf);
	lp->term[lp->len] = 0;
	lp->p += suf;
	if (lidx_get_varint(&lp->p, lp->end, &df) < 0 || lidx_get_varint(&lp->p, lp->end, &off) < 0 ||
	    lidx_get_varint(&lp->p, lp->end, &len) < 0 || lp->end - lp->p < 4)
		return LIDX_ECORRUPT;
	t->post_crc = lidx_rd32(lp->p);
	lp->p += 4;
	lidx_section *ps = &ix->sec[SEC_POST];
	if (off > ps->len || len > ps->len - off || df == 0 || df > ix->n_stories)
		return LIDX_ECORRUPT;
	t->df = (uint32_t)df;
	t->n_parts = 0;
	t->post = ps->p + off;
	t->post_len = len;
	return 0;
}

static int lex_block_start(lidx_index *ix, uint64_t blk, lexpos *lp)
{
	lidx_section *li = &ix->sec[SEC_LEXI], *lt = &ix->sec[SEC_LEXT];
	uint64_t off = lidx_rd64(li->p + blk * 8);
	if (off > lt->len)
		return LIDX_ECORRUPT;
	lp->p = lt->p + off;
	lp->end = lt->p + lt->len;
	lp->len = 0;
	return 0;
}

static int cmp_term(const char *a, size_t al, const char *b, size_t bl)
{
	size_t n = al < bl ? al : bl;
	int c = memcmp(a, b, n);
	if (c)
		return c;
	return al < bl ? -1 : al > bl;
}

/* The last block whose first term is <= key (0 if none). */
static int lex_find_block(lidx_index *ix, const char *key, size_t kl, uint64_t *out)
{
	uint64_t nb = (ix->n_terms + LIDX_LEX_BLOCK - 1) / LIDX_LEX_BLOCK;
	uint64_t lo = 0, hi = nb; /* invariant: first(lo-1) <= key < first(hi) */
	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;
		lexpos lp;
		lidx_term t;
		if (lex_block_start(ix, mid, &lp) < 0 || lex_next(ix, &lp, &t) < 0)
			return LIDX_ECORRUPT;
		if (cmp_term(lp.term, lp.len, key, kl) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*out = lo ? lo - 1 : 0;
	return 0;
}

int lidx__term_find(lidx_index *ix, const char *term, size_t len, lidx_term *out)
{
	if (ix->segs)
		return lidx__segs_term_find(ix, term, len, out);
	out->n_parts = 0;
	if (!ix->n_terms)
		return LIDX_ENOTFOUND;
	uint64_t blk;
	if (lex_find_block(ix, term, len, &blk) < 0)
		return LIDX_ECORRUPT;
	lexpos lp;
	if (lex_block_start(ix, blk, &lp) < 0)
		return LIDX_ECORRUPT;
	for (uint64_t k = 0; k < LIDX_LEX_BLOCK && blk * LIDX_LEX_BLOCK + k < ix->n_terms; k++) {
		lidx_term t;
		if (lex_next(ix, &lp, &t) < 0)
			return LIDX_ECORRUPT;
		int c = cmp_term(lp.term, lp.len, term, len);
		if (c == 0) {
			t.ord = blk * LIDX_LEX_BLOCK + k;
			memcpy(out, &t, offsetof(lidx_term, part)); /* one file: no parts */
			return 0;
		}
		if (c > 0)
			break;
	}
	return LIDX_ENOTFOUND;
}

int lidx__term_prefix(lidx_index *ix, const char *prefix, size_t len, size_t max,
                      lidx_term_fn fn, void *ctx)
{
	if (ix->segs)
		return lidx__segs_term_prefix(ix, prefix, len, max, fn, ctx);
	if (!ix->n_terms)
		return 0;
	uint64_t blk;
	if (lex_find_block(ix, prefix, len, &blk) < 0)
		return LIDX_ECORRUPT;
	size_t n = 0;
	for (; blk * LIDX_LEX_BLOCK < ix->n_terms; blk++) {
		lexpos lp;
		if (lex_block_start(ix, blk, &lp) < 0)
			return LIDX_ECORRUPT;
		for (uint64_t k = 0; k < LIDX_LEX_BLOCK && blk * LIDX_LEX_BLOCK + k < ix->n_terms; k++) {
			lidx_term t;
			if (lex_next(ix, &lp, &t) < 0)
				return LIDX_ECORRUPT;
			int c = cmp_term(lp.term, lp.len < len ? lp.len : len, prefix, len);
			if (c < 0)
				continue;
			if (c > 0 || lp.len < len)
				return 0;
			t.ord = blk * LIDX_LEX_BLOCK + k;
			if (n++ >= max)
				return 0;
			int rc = fn(ctx, lp.term, lp.len, &t);
			if (rc)
				return rc;
		}
	}
	return 0;
}

int lidx_index_check_stories(lidx_index *ix, lidx_err *err)
{
	if (ix->segs)
		return lidx__segs_check_stories(ix, err);
	const char *path = ix->path;
	if (check_section(&ix->sec[SEC_STORE]) < 0 || check_section(&ix->sec[SEC_SIDX]) < 0)
		return CORRUPT("story store checksum");
	return 0;
}

int lidx_index_verify(lidx_index *ix, lidx_err *err)
{
	if (ix->segs)
		return lidx__segs_verify(ix, err);
	const char *path = ix->path;
	for (int id = 1; id <= SEC_MAX; id++)
		if (check_section(&ix->sec[id]) < 0)
			return CORRUPT("section checksum");
	/* walk the lexicon and every postings list */
	for (uint64_t blk = 0; blk * LIDX_LEX_BLOCK < ix->n_terms; blk++) {
		lexpos lp;
		if (lex_block_start(ix, blk, &lp) < 0)
			return CORRUPT("lexicon");
		char prev[256];
		size_t prev_len = 0;
		for (uint64_t k = 0; k < LIDX_LEX_BLOCK && blk * LIDX_LEX_BLOCK + k < ix->n_terms; k++) {
			lidx_term t;
			if (lex_next(ix, &lp, &t) < 0)
				return CORRUPT("lexicon entry");
			if (k && cmp_term(prev, prev_len, lp.term, lp.len) >= 0)
				return CORRUPT("lexicon order");
			memcpy(prev, lp.term, lp.len);
			prev_len = lp.len;
			t.ord = blk * LIDX_LEX_BLOCK + k;
			lidx_cursor c;
			if (lidx__cursor_open(ix, &t, &c) < 0)
				return CORRUPT("postings checksum");
			uint32_t n = 0, bound_of = UINT32_MAX;
			lidx_bound bd;
			while (c.doc != UINT32_MAX) {
				n++;
				/* the block's score bound covers each of its docs (block-max relies on it) */
				lidx_docinfo di;
				if (c.block_last != bound_of && lidx__cursor_bound(&c, &bd) < 0)
					return CORRUPT("postings bound");
				bound_of = c.block_last;
				if (lidx__doc_info(ix, c.doc, &di) < 0 ||
				    !lidx__bound_covers(&bd, c.tf_title, c.tf_body, di.title_len, di.body_len))
					return CORRUPT("postings bound");
				if (lidx__cursor_next(&c) < 0)
					return CORRUPT("postings");
			}
			if (n != t.df)
				return CORRUPT("postings count");
		}
	}
	for (uint32_t b = 0; b < ix->n_blocks; b++) {
		int rc = load_block(ix, b, &(unsigned){ 0 });
		if (rc == LIDX_ENOMEM)
			return lidx__err(err, rc, "out of memory");
		if (rc < 0)
			return CORRUPT("story store");
	}
	return 0;
}
