/*
 * segset.c -- an index of several segments: the main file (PATH) and
 * beside it segment files of the same format (PATH.seg.GEN) named by a
 * manifest (PATH.live) that also lists, per segment, the files whose
 * stories are deleted (a later segment holds their new version, or they
 * are gone). index_read.c opens the set as one lidx_index with global
 * story ids (segment base + local id); postings.c chains the segments'
 * lists; the near-duplicate groups of the live stories of all segments
 * are made by the writer (lidx__segs_set_groups, global_groups) and read
 * from the manifest (manifest_groups). corpus.c writes segments and manifests.
 * Byte grammar: docs/FORMAT.md, "Segments".
 */
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>
#include <zlib.h>
#include "index.h"
#include "dedup.h"
#include "safefile.h"
#include "segset.h"

static uint32_t seg_of(const struct lidx_segset *ss, uint32_t id);
static int is_dead(const struct lidx_segset *ss, uint32_t s, uint32_t local);

struct lidx_segset {
	uint32_t n;                       /* segments, the main file first */
	lidx_index *seg[LIDX_MAX_SEGS];   /* each a one-file handle */
	uint32_t base[LIDX_MAX_SEGS + 1]; /* global id of each segment's story 0; base[n] = all */
	uint8_t *dead[LIDX_MAX_SEGS];     /* deleted stories (local ids), NULL: none */
	uint32_t *fmap[LIDX_MAX_SEGS];    /* local file id -> global file id (UINT32_MAX: dead) */
	uint32_t *gseg, *glocal;          /* global file id -> segment, local file id */
	uint32_t *group;                  /* global story id -> its near-duplicate group */
	lidx_manifest man;                /* as read */
};

#define CORRUPT(what) lidx__err(err, LIDX_ECORRUPT, "index %s is corrupt (%s)", path, what)
/* a fault of the manifest (path the main file): named as PATH.live */
#define MCORRUPT(what) lidx__err(err, LIDX_ECORRUPT, "index %s.live is corrupt (%s)", path, what)

/* ---- the manifest ----------------------------------------------------------------- */

uint32_t lidx__segs_file_id(lidx_index *ix)
{
	/* CRC32 of the header and section table: it holds every section's CRC */
	uint32_t n_sec = lidx_rd32(ix->map + 12);
	return (uint32_t)crc32_z(0, ix->map, LIDX_HEADER_SIZE + (size_t)n_sec * LIDX_ENTRY_SIZE);
}

void lidx__manifest_clear(lidx_manifest *m)
{
	for (uint32_t s = 0; s < m->n; s++)
		lidx__free(m->seg[s].dead_files);
	lidx__free(m->gstory);
	lidx__free(m->ggroup);
	memset(m, 0, sizeof *m);
}

int lidx__manifest_read(const char *path, lidx_manifest *m, lidx_err *err)
{
	memset(m, 0, sizeof *m);
	char mp[4096];
	snprintf(mp, sizeof mp, "%s.live", path);
	struct stat st;
	const char *why = NULL;
	int fd = lidx__open_regular(mp, 1, 64u << 20, &st, &why);
	if (fd == LIDX_ENOTFOUND)
		return LIDX_ENOTFOUND;
	if (fd < 0)
		return lidx__err(err, fd == LIDX_ETOOBIG ? LIDX_ECORRUPT : fd, "cannot read %s: %s", mp, why);
	int rc = lidx__check_trusted(&st, "index manifest", mp, err);
	uint8_t *buf = NULL;
	size_t n = (size_t)st.st_size, got = 0;
	if (rc == 0 && !(buf = lidx__malloc(n ? n : 1)))
		rc = lidx__err(err, LIDX_ENOMEM, "out of memory");
	if (rc == 0) {
		ssize_t r = lidx__read_full(fd, buf, n);
		got = r < 0 ? 0 : (size_t)r;
	}
	close(fd);
	if (rc < 0)
		goto done;
	path = mp; /* for CORRUPT() */
	if (got != n || n < 28 || memcmp(buf, LIDX_LIVE_MAGIC, 8) != 0 ||
	    lidx_rd32(buf + n - 4) != (uint32_t)crc32_z(0, buf, n - 4)) {
		rc = CORRUPT("manifest header or checksum");
		goto done;
	}
	if (lidx_rd32(buf + 8) != LIDX_LIVE_VERSION) {
		rc = lidx__err(err, LIDX_EVERSION, "index manifest %s has another version", mp);
		goto done;
	}
	m->n = lidx_rd32(buf + 12);
	m->next_gen = lidx_rd32(buf + 16);
	if (m->n == 0 || m->n > LIDX_MAX_SEGS) {
		m->n = 0;
		rc = CORRUPT("manifest segment count");
		goto done;
	}
	const uint8_t *p = buf + 24, *end = buf + n - 4;
	uint32_t nseg = m->n;
	m->n = 0;
	for (uint32_t s = 0; s < nseg; s++) {
		if (end - p < 24) {
			rc = CORRUPT("manifest entry");
			goto done;
		}
		lidx_manifest_seg *e = &m->seg[m->n++];
		e->gen = lidx_rd32(p);
		e->n_dead = lidx_rd32(p + 4);
		e->size = lidx_rd64(p + 8);
		e->id = lidx_rd32(p + 16);
		p += 24;
		if ((s == 0) != (e->gen == 0) || (s && e->gen >= m->next_gen) ||
		    e->n_dead > (uint64_t)(end - p) / 4) {
			rc = CORRUPT("manifest entry");
			goto done;
		}
		e->dead_files = lidx__malloc(e->n_dead ? (size_t)e->n_dead * 4 : 1);
		if (!e->dead_files) {
			rc = lidx__err(err, LIDX_ENOMEM, "out of memory");
			goto done;
		}
		for (uint32_t k = 0; k < e->n_dead; k++, p += 4) {
			e->dead_files[k] = lidx_rd32(p);
			if (k && e->dead_files[k] <= e->dead_files[k - 1]) {
				rc = CORRUPT("manifest deleted files order");
				goto done;
			}
		}
	}
	if (end - p < 4) {
		rc = CORRUPT("manifest groups");
		goto done;
	}
	uint32_t ng = lidx_rd32(p);
	p += 4;
	if (ng > (uint64_t)(end - p) / 8) {
		rc = CORRUPT("manifest groups");
		goto done;
	}
	m->gstory = lidx__malloc(ng ? (size_t)ng * 4 : 1);
	m->ggroup = lidx__malloc(ng ? (size_t)ng * 4 : 1);
	if (!m->gstory || !m->ggroup) {
		rc = lidx__err(err, LIDX_ENOMEM, "out of memory");
		goto done;
	}
	for (; m->n_grouped < ng; m->n_grouped++, p += 8) {
		m->gstory[m->n_grouped] = lidx_rd32(p);
		m->ggroup[m->n_grouped] = lidx_rd32(p + 4);
		if (m->n_grouped && m->gstory[m->n_grouped] <= m->gstory[m->n_grouped - 1]) {
			rc = CORRUPT("manifest groups order");
			goto done;
		}
	}
	if (p != end)
		rc = CORRUPT("manifest size");
done:
	lidx__free(buf);
	if (rc < 0)
		lidx__manifest_clear(m);
	return rc;
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

int lidx__manifest_write(const char *path, const lidx_manifest *m, lidx_err *err)
{
	size_t n = 32 + (size_t)m->n_grouped * 8;
	for (uint32_t s = 0; s < m->n; s++)
		n += 24 + (size_t)m->seg[s].n_dead * 4;
	uint8_t *buf = lidx__calloc(n, 1);
	char mp[4096], tmp[4096 + 16];
	snprintf(mp, sizeof mp, "%s.live", path);
	snprintf(tmp, sizeof tmp, "%s.tmp.XXXXXX", mp);
	if (!buf)
		return lidx__err(err, LIDX_ENOMEM, "out of memory");
	memcpy(buf, LIDX_LIVE_MAGIC, 8);
	put32(buf + 8, LIDX_LIVE_VERSION);
	put32(buf + 12, m->n);
	put32(buf + 16, m->next_gen);
	uint8_t *p = buf + 24;
	for (uint32_t s = 0; s < m->n; s++) {
		const lidx_manifest_seg *e = &m->seg[s];
		put32(p, e->gen);
		put32(p + 4, e->n_dead);
		put64(p + 8, e->size);
		put32(p + 16, e->id);
		p += 24;
		for (uint32_t k = 0; k < e->n_dead; k++, p += 4)
			put32(p, e->dead_files[k]);
	}
	put32(p, m->n_grouped);
	p += 4;
	for (uint32_t k = 0; k < m->n_grouped; k++, p += 8) {
		put32(p, m->gstory[k]);
		put32(p + 4, m->ggroup[k]);
	}
	put32(p, (uint32_t)crc32_z(0, buf, n - 4));
	/* a temporary name, fsync, rename, fsync the folder: a crash leaves
	   the old manifest or the new one */
	int fd = mkstemp(tmp), rc = 0;
	if (fd < 0) {
		lidx__free(buf);
		return lidx__err(err, LIDX_EIO, "cannot create %s: %s", tmp, strerror(errno));
	}
	size_t off = 0;
	while (off < n) {
		ssize_t w = write(fd, buf + off, n - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			rc = LIDX_EIO;
			break;
		}
		off += (size_t)w;
	}
	if (rc == 0 && fsync(fd) != 0)
		rc = LIDX_EIO;
	int e = errno;
	if (close(fd) != 0 && rc == 0)
		rc = LIDX_EIO, e = errno;
	if (rc == 0 && rename(tmp, mp) != 0)
		rc = LIDX_EIO, e = errno;
	lidx__free(buf);
	if (rc < 0) {
		unlink(tmp);
		return lidx__err(err, rc, "cannot write %s: %s", mp, strerror(e));
	}
	char dir[4096];
	snprintf(dir, sizeof dir, "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash)
		*(slash == dir ? slash + 1 : slash) = 0;
	else
		snprintf(dir, sizeof dir, ".");
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) { /* best effort, as the index file's */
		if (fsync(dfd) != 0) {
		}
		close(dfd);
	}
	return 0;
}

void lidx__segs_seg_path(const char *path, uint32_t gen, char *out, size_t n)
{
	snprintf(out, n, "%s.seg.%u", path, gen);
}

/* ---- opening a set ------------------------------------------------------------------ */

void lidx__segs_free(lidx_segset *ss)
{
	if (!ss)
		return;
	for (uint32_t s = 0; s < ss->n; s++) {
		lidx_index_close(ss->seg[s]);
		lidx__free(ss->dead[s]);
		lidx__free(ss->fmap[s]);
	}
	lidx__free(ss->gseg);
	lidx__free(ss->glocal);
	lidx__free(ss->group);
	lidx__manifest_clear(&ss->man);
	lidx__free(ss);
}

/*
 * The groups the manifest holds (what global_groups found when it was
 * written): every listed story and its group's id live, the id its own.
 */
static int manifest_groups(lidx_index *v, lidx_segset *ss, const char *path, lidx_err *err)
{
	uint32_t n = ss->base[ss->n];
	const lidx_manifest *m = &ss->man;
	ss->group = lidx__malloc(lidx__mul(n ? n : 1, sizeof *ss->group));
	if (!ss->group)
		return lidx__err(err, LIDX_ENOMEM, "out of memory");
	for (uint32_t i = 0; i < n; i++)
		ss->group[i] = i;
	for (uint32_t k = 0; k < m->n_grouped; k++) {
		uint32_t a = m->gstory[k], g = m->ggroup[k];
		if (a >= n || g >= n || a == g)
			return MCORRUPT("manifest group");
		ss->group[a] = g;
	}
	for (uint32_t k = 0; k < m->n_grouped; k++) {
		uint32_t a = m->gstory[k], g = m->ggroup[k], sa = seg_of(ss, a), sg = seg_of(ss, g);
		if (ss->group[g] != g || is_dead(ss, sa, a - ss->base[sa]) || is_dead(ss, sg, g - ss->base[sg]))
			return MCORRUPT("manifest group");
	}
	v->n_grouped = m->n_grouped;
	return 0;
}

/*
 * The near-duplicate groups of the live stories of all segments, as a fresh
 * build of the same notes makes them (dedup.c): the signatures stored in
 * each segment's SIGS (the same in every build), in the order of a fresh
 * build (the live files by path, as merge_files left v->files, then their
 * stories), through the same LSH rule. A group's id is its first story in
 * that order (the fresh build's smallest id); deleted stories take no part.
 */
static int global_groups(lidx_index *v, lidx_segset *ss, const char *path, lidx_err *err)
{
	uint32_t n = ss->base[ss->n];
	const uint8_t *secs[LIDX_MAX_SEGS];
	for (uint32_t s = 0; s < ss->n; s++)
		if (lidx__index_sigs(ss->seg[s], &secs[s]) < 0)
			return CORRUPT("SIGS checksum");
	ss->group = lidx__malloc(lidx__mul(n ? n : 1, sizeof *ss->group));
	const uint8_t **sig = lidx__malloc(lidx__mul(v->n_live ? v->n_live : 1, sizeof *sig));
	uint32_t *story = lidx__malloc(lidx__mul(v->n_live ? v->n_live : 1, sizeof *story));
	uint32_t *root = lidx__malloc(lidx__mul(v->n_live ? v->n_live : 1, sizeof *root));
	int rc = 0;
	if (!ss->group || !sig || !story || !root) {
		rc = lidx__err(err, LIDX_ENOMEM, "out of memory");
		goto done;
	}
	for (uint32_t i = 0; i < n; i++)
		ss->group[i] = i;
	size_t k = 0;
	for (uint32_t f = 0; f < v->n_files; f++) {
		uint32_t s = ss->gseg[f];
		const lidx_file_info *fi = &ss->seg[s]->files[ss->glocal[f]];
		if (!secs[s])
			continue;
		for (uint32_t i = 0; i < fi->n_stories && k < v->n_live; i++) {
			const uint8_t *r = secs[s] + (uint64_t)(fi->first_story + i) * LIDX_SIG_SIZE;
			if (lidx__mh_present(r)) {
				sig[k] = r;
				story[k++] = ss->base[s] + fi->first_story + i;
			}
		}
	}
	if ((rc = lidx__mh_link(sig, k, root)) < 0) {
		rc = lidx__err(err, rc, "%s", lidx_strerror(rc));
		goto done;
	}
	v->n_grouped = 0;
	for (size_t i = 0; i < k; i++) {
		ss->group[story[i]] = story[root[i]];
		v->n_grouped += root[i] != i;
	}
done:
	lidx__free(sig);
	lidx__free(story);
	lidx__free(root);
	return rc;
}

/* Merge the segments' live FILES (each in path order) into v->files. */
static int merge_files(lidx_index *v, lidx_segset *ss, const char *path, lidx_err *err)
{
	size_t total = 0;
	for (uint32_t s = 0; s < ss->n; s++)
		total += ss->seg[s]->n_files;
	v->files = lidx__calloc(total ? total : 1, sizeof *v->files);
	ss->gseg = lidx__calloc(total ? total : 1, sizeof *ss->gseg);
	ss->glocal = lidx__calloc(total ? total : 1, sizeof *ss->glocal);
	if (!v->files || !ss->gseg || !ss->glocal)
		return lidx__err(err, LIDX_ENOMEM, "out of memory");
	uint32_t at[LIDX_MAX_SEGS] = { 0 };
	uint32_t n = 0;
	for (;;) {
		int best = -1;
		const char *bp = NULL;
		for (uint32_t s = 0; s < ss->n; s++) {
			while (at[s] < ss->seg[s]->n_files && ss->fmap[s][at[s]] == UINT32_MAX)
				at[s]++; /* dead */
			if (at[s] >= ss->seg[s]->n_files)
				continue;
			const char *p = ss->seg[s]->files[at[s]].path;
			int c = bp ? strcmp(p, bp) : -1;
			if (c == 0)
				return MCORRUPT("a file live in two segments");
			if (c < 0)
				best = (int)s, bp = p;
		}
		if (best < 0)
			break;
		lidx_file_info fi = ss->seg[best]->files[at[best]];
		fi.first_story += ss->base[best];
		ss->gseg[n] = (uint32_t)best;
		ss->glocal[n] = at[best];
		ss->fmap[best][at[best]++] = n;
		v->n_skipped += (uint32_t)fi.skipped;
		v->files[n++] = fi;
	}
	v->n_files = n;
	return 0;
}

static int open_view(lidx_index *main, lidx_manifest m, unsigned flags, int compute, lidx_index **out,
                     lidx_err *err);

int lidx__segs_open(lidx_index *main, unsigned flags, lidx_index **out, lidx_err *err)
{
	*out = main;
	lidx_manifest m;
	const char *path = main->path;
	int rc = lidx__manifest_read(path, &m, err);
	if (rc == LIDX_ENOTFOUND)
		return 0;
	if (rc < 0)
		return rc;
	if (m.seg[0].size != main->size || m.seg[0].id != lidx__segs_file_id(main)) {
		/* the manifest of an older main file (a full rebuild replaced it and
		   was stopped before removing the manifest): not ours */
		lidx__manifest_clear(&m);
		return 0;
	}
	if (m.n == 1 && m.seg[0].n_dead == 0) {
		lidx__manifest_clear(&m);
		return 0;
	}
	return open_view(main, m, flags, 0, out, err);
}

/*
 * A view of main and the segments m names (m is the view's, or cleared on
 * failure; main is the caller's on failure). compute: group near-duplicates
 * from the signatures (the writer), else take the manifest's groups.
 */
static int open_view(lidx_index *main, lidx_manifest m, unsigned flags, int compute, lidx_index **out,
                     lidx_err *err)
{
	const char *path = main->path;
	int rc = 0;
	lidx_index *v = lidx__calloc(1, sizeof *v);
	lidx_segset *ss = lidx__calloc(1, sizeof *ss);
	if (!v || !ss) {
		lidx__free(v);
		lidx__free(ss);
		lidx__manifest_clear(&m);
		return lidx__err(err, LIDX_ENOMEM, "out of memory");
	}
	v->fd = -1;
	v->segs = ss;
	ss->man = m;
	for (int k = 0; k < LIDX_BLOCK_CACHE; k++)
		v->cached_block[k] = UINT32_MAX;
	ss->seg[0] = main;
	ss->n = 1;
	for (uint32_t s = 1; s < m.n && rc == 0; s++) {
		char sp[4096 + 32];
		lidx__segs_seg_path(path, m.seg[s].gen, sp, sizeof sp);
		lidx_index *x = NULL;
		rc = lidx__index_open_one(&x, sp, flags, err);
		if (rc == LIDX_ENOTFOUND)
			rc = CORRUPT("a segment named by the manifest is missing");
		if (rc < 0)
			break;
		ss->seg[ss->n++] = x;
		if (m.seg[s].size != x->size || m.seg[s].id != lidx__segs_file_id(x) ||
		    x->engine_rev != main->engine_rev || strcmp(x->root, main->root) != 0)
			rc = CORRUPT("a segment is not the one the manifest names");
	}
	/* bases, deleted stories, file maps */
	uint64_t base = 0;
	for (uint32_t s = 0; s < ss->n && rc == 0; s++) {
		lidx_index *x = ss->seg[s];
		ss->base[s] = (uint32_t)base;
		base += x->n_stories;
		if (base >= UINT32_MAX) {
			rc = CORRUPT("too many stories");
			break;
		}
		ss->fmap[s] = lidx__calloc(x->n_files ? x->n_files : 1, sizeof *ss->fmap[s]);
		if (!ss->fmap[s]) {
			rc = lidx__err(err, LIDX_ENOMEM, "out of memory");
			break;
		}
		const lidx_manifest_seg *e = &m.seg[s];
		if (e->n_dead && !(ss->dead[s] = lidx__calloc(x->n_stories / 8 + 1, 1))) {
			rc = lidx__err(err, LIDX_ENOMEM, "out of memory");
			break;
		}
		v->n_stories += x->n_stories;
		v->n_live += x->n_stories;
		v->sum_title += x->sum_title;
		v->sum_body += x->sum_body;
		for (uint32_t k = 0; k < e->n_dead && rc == 0; k++) {
			uint32_t f = e->dead_files[k];
			if (f >= x->n_files) {
				rc = MCORRUPT("manifest deleted file id");
				break;
			}
			ss->fmap[s][f] = UINT32_MAX;
			for (uint32_t i = 0; i < x->files[f].n_stories; i++) {
				uint32_t d = x->files[f].first_story + i;
				lidx_docinfo di;
				if ((rc = lidx__doc_info(x, d, &di)) < 0) {
					rc = CORRUPT("DOCS");
					break;
				}
				ss->dead[s][d >> 3] |= (uint8_t)(1u << (d & 7));
				v->n_live--;
				v->sum_title -= di.title_len;
				v->sum_body -= di.body_len;
			}
		}
		v->n_blocks += x->n_blocks;
		v->n_terms += x->n_terms;
		v->n_postings += x->n_postings;
		v->n_positions += x->n_positions;
		if (x->built_at > v->built_at)
			v->built_at = x->built_at;
		v->build_usec += x->build_usec;
	}
	ss->base[ss->n] = (uint32_t)base;
	if (rc == 0)
		rc = merge_files(v, ss, path, err);
	if (rc == 0)
		rc = compute ? global_groups(v, ss, path, err) : manifest_groups(v, ss, path, err);
	if (rc == 0 && (!(v->path = lidx__strndup(path, strlen(path))) ||
	                !(v->root = lidx__strndup(main->root, strlen(main->root)))))
		rc = lidx__err(err, LIDX_ENOMEM, "out of memory");
	if (rc < 0) {
		ss->seg[0] = NULL; /* the caller's */
		lidx__segs_free(ss);
		v->segs = NULL;
		lidx__free(v->files);
		lidx__free(v->path);
		lidx__free(v->root);
		lidx__free(v);
		return rc;
	}
	v->engine_rev = main->engine_rev;
	v->size = 0;
	for (uint32_t s = 0; s < ss->n; s++)
		v->size += ss->seg[s]->size;
	v->avg_title = v->n_live ? (double)v->sum_title / v->n_live : 0;
	v->avg_body = v->n_live ? (double)v->sum_body / v->n_live : 0;
	*out = v;
	return 0;
}

int lidx__segs_set_groups(const char *path, lidx_manifest *m, lidx_err *err)
{
	lidx__free(m->gstory);
	lidx__free(m->ggroup);
	m->gstory = m->ggroup = NULL;
	m->n_grouped = 0;
	if (m->n == 1 && m->seg[0].n_dead == 0)
		return 0; /* such a manifest is not read: the main file's own groups */
	/* the set as written: the main file, and a copy of m for the view */
	lidx_manifest c = *m;
	c.gstory = c.ggroup = NULL;
	for (uint32_t s = 0; s < m->n; s++)
		c.seg[s].dead_files = NULL;
	for (uint32_t s = 0; s < m->n; s++) {
		c.seg[s].dead_files = lidx__malloc(m->seg[s].n_dead ? (size_t)m->seg[s].n_dead * 4 : 1);
		if (!c.seg[s].dead_files) {
			lidx__manifest_clear(&c);
			return lidx__err(err, LIDX_ENOMEM, "out of memory");
		}
		if (m->seg[s].n_dead)
			memcpy(c.seg[s].dead_files, m->seg[s].dead_files, (size_t)m->seg[s].n_dead * 4);
	}
	lidx_index *main = NULL, *v = NULL;
	int rc = lidx__index_open_one(&main, path, 0, err);
	if (rc < 0) {
		lidx__manifest_clear(&c);
		return rc;
	}
	if (c.seg[0].size != main->size || c.seg[0].id != lidx__segs_file_id(main)) {
		lidx__manifest_clear(&c);
		lidx_index_close(main);
		return CORRUPT("the main file is not the one the manifest names");
	}
	if ((rc = open_view(main, c, 0, 1, &v, err)) < 0) {
		lidx_index_close(main);
		return rc;
	}
	lidx_segset *ss = v->segs;
	uint32_t n = ss->base[ss->n], k = 0;
	m->gstory = lidx__malloc(v->n_grouped ? (size_t)v->n_grouped * 4 : 1);
	m->ggroup = lidx__malloc(v->n_grouped ? (size_t)v->n_grouped * 4 : 1);
	if (!m->gstory || !m->ggroup) {
		rc = lidx__err(err, LIDX_ENOMEM, "out of memory");
	} else {
		for (uint32_t i = 0; i < n && k < v->n_grouped; i++)
			if (ss->group[i] != i) {
				m->gstory[k] = i;
				m->ggroup[k++] = ss->group[i];
			}
		m->n_grouped = k;
	}
	lidx_index_close(v);
	return rc;
}

/* ---- the view ----------------------------------------------------------------------- */

/* The segment of global story id (id < base[n]). */
static uint32_t seg_of(const struct lidx_segset *ss, uint32_t id)
{
	uint32_t s = 0;
	while (s + 1 < ss->n && id >= ss->base[s + 1])
		s++;
	return s;
}

static int is_dead(const struct lidx_segset *ss, uint32_t s, uint32_t local)
{
	return ss->dead[s] && (ss->dead[s][local >> 3] >> (local & 7) & 1);
}

int lidx__segs_doc_info(lidx_index *ix, uint32_t doc, lidx_docinfo *out)
{
	lidx_segset *ss = ix->segs;
	if (doc >= ix->n_stories)
		return LIDX_EINVAL;
	uint32_t s = seg_of(ss, doc), local = doc - ss->base[s];
	if (is_dead(ss, s, local))
		return LIDX_EINVAL; /* deleted: as if out of range */
	int rc = lidx__doc_info(ss->seg[s], local, out);
	if (rc < 0)
		return rc;
	out->file_id = ss->fmap[s][out->file_id];
	return out->file_id == UINT32_MAX ? LIDX_ECORRUPT : 0;
}

uint32_t lidx__segs_group(lidx_index *ix, uint32_t id)
{
	lidx_segset *ss = ix->segs;
	if (id >= ix->n_stories)
		return id;
	/* grouped over the live stories of all segments at open (global_groups) */
	return ss->group[id];
}

int lidx__segs_story(lidx_index *ix, uint32_t id, lidx_story *out, lidx_err *err)
{
	lidx_segset *ss = ix->segs;
	memset(out, 0, sizeof *out);
	uint32_t s = id < ix->n_stories ? seg_of(ss, id) : 0;
	if (id >= ix->n_stories)
		return lidx__err(err, LIDX_ENOTFOUND, "no story %u (the index has %u live stories, ids below %u)",
		                 id, ix->n_live, ix->n_stories);
	if (is_dead(ss, s, id - ss->base[s]))
		return lidx__err(err, LIDX_ENOTFOUND, "story %u was deleted: its note changed or was removed "
		                 "since (the index has %u live stories)", id, ix->n_live);
	int rc = lidx_index_story(ss->seg[s], id - ss->base[s], out, err);
	if (rc < 0)
		return rc;
	out->id = id;
	out->file_id = ss->fmap[s][out->file_id];
	out->group = lidx__segs_group(ix, id);
	return 0;
}

/* Count the deleted stories in segment s's list of a term. */
static int dead_in_list(lidx_segset *ss, uint32_t s, const lidx_term *t, uint32_t *out)
{
	lidx_index *x = ss->seg[s];
	const lidx_manifest_seg *e = &ss->man.seg[s];
	lidx_cursor c;
	*out = 0;
	int rc = lidx__cursor_open(x, t, &c);
	if (rc < 0)
		return rc;
	/* dead files are in id order, so their stories rise: one pass of seeks */
	for (uint32_t k = 0; k < e->n_dead && c.doc != UINT32_MAX; k++) {
		const lidx_file_info *f = &x->files[e->dead_files[k]];
		for (uint32_t i = 0; i < f->n_stories && c.doc != UINT32_MAX; i++) {
			if ((rc = lidx__cursor_seek(&c, f->first_story + i)) < 0)
				return rc;
			*out += c.doc == f->first_story + i;
		}
	}
	return 0;
}

int lidx__segs_term_find(lidx_index *ix, const char *term, size_t len, lidx_term *out)
{
	lidx_segset *ss = ix->segs;
	uint64_t df = 0;
	memset(out, 0, offsetof(lidx_term, part));
	for (uint32_t s = 0; s < ss->n; s++) {
		lidx_term t;
		int rc = lidx__term_find(ss->seg[s], term, len, &t);
		if (rc == LIDX_ENOTFOUND)
			continue;
		if (rc < 0)
			return rc;
		uint32_t dead = 0;
		/* df counts live stories only, exactly: the deleted ones are
		   looked up in the list (a seek per deleted story) */
		if (ss->dead[s] && (rc = dead_in_list(ss, s, &t, &dead)) < 0)
			return rc;
		if (dead > t.df)
			return LIDX_ECORRUPT;
		df += t.df - dead;
		out->part[out->n_parts++] = (lidx_term_part){ t.post, t.post_len, t.ord, t.post_crc, s };
	}
	if (df == 0)
		return LIDX_ENOTFOUND; /* only in deleted stories: as a rebuild, no such term */
	out->df = (uint32_t)df;
	out->ord = out->part[0].ord;
	out->post = out->part[0].post;
	out->post_len = out->part[0].post_len;
	out->post_crc = out->part[0].post_crc;
	return 0;
}

typedef struct prefix_acc {
	char **terms;
	size_t n, cap;
	int nomem;
} prefix_acc;

static int collect(void *ctx, const char *term, size_t len, const lidx_term *t)
{
	(void)t;
	prefix_acc *a = ctx;
	char *c = lidx__strndup(term, len);
	if (!c || LIDX_GROW(a->terms, a->cap, a->n + 1) < 0) {
		lidx__free(c);
		a->nomem = 1;
		return LIDX_ENOMEM;
	}
	a->terms[a->n++] = c;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The first max words starting with prefix that a live story has, in byte
   order over all segments, as in a fresh build of the live notes. Each
   segment's words are read up to a limit; a word past the last one read of
   a segment that had more is not decided on (that segment may have smaller
   ones unread), so when too few live words lie below that bound, the limit
   doubles and the words after the last one decided on are read again.
   Deleted-only words are skipped however many sort first. */
int lidx__segs_term_prefix(lidx_index *ix, const char *prefix, size_t len, size_t max,
                           lidx_term_fn fn, void *ctx)
{
	lidx_segset *ss = ix->segs;
	prefix_acc a = { NULL, 0, 0, 0 };
	int rc = 0;
	size_t each = max > SIZE_MAX - 1024 ? SIZE_MAX : max + 1024;
	size_t called = 0;
	char *after = NULL; /* the last word decided on (called or skipped) */
	while (rc == 0 && called < max) {
		const char *bound = NULL; /* the least last word of a cut-off segment */
		for (uint32_t s = 0; s < ss->n && rc == 0; s++) {
			size_t from = a.n;
			rc = lidx__term_prefix(ss->seg[s], prefix, len, each, collect, &a);
			if (rc == 0 && a.n - from >= each &&
			    (!bound || strcmp(a.terms[a.n - 1], bound) < 0))
				bound = a.terms[a.n - 1];
		}
		if (rc == 0 && a.n)
			qsort(a.terms, a.n, sizeof *a.terms, cmp_str);
		for (size_t i = 0; i < a.n && rc == 0 && called < max; i++) {
			const char *w = a.terms[i];
			if (i && !strcmp(w, a.terms[i - 1]))
				continue;
			if (after && strcmp(w, after) <= 0)
				continue; /* decided in an earlier round */
			if (bound && strcmp(w, bound) > 0)
				break;
			char *c = lidx__strndup(w, strlen(w));
			if (!c) {
				rc = LIDX_ENOMEM;
				break;
			}
			lidx__free(after);
			after = c;
			lidx_term t;
			int r = lidx__segs_term_find(ix, w, strlen(w), &t);
			if (r == LIDX_ENOTFOUND)
				continue;
			if (r < 0) {
				rc = r;
				break;
			}
			called++;
			rc = fn(ctx, w, strlen(w), &t);
		}
		for (size_t i = 0; i < a.n; i++)
			lidx__free(a.terms[i]);
		a.n = 0;
		if (!bound)
			break; /* every segment read to its last word */
		each = each > SIZE_MAX / 2 ? SIZE_MAX : each * 2;
	}
	lidx__free(a.terms);
	lidx__free(after);
	return rc;
}

int lidx__segs_cursor_open(lidx_index *ix, const lidx_term *t, lidx_cursor *c)
{
	lidx_segset *ss = ix->segs;
	memset(c, 0, offsetof(lidx_cursor, docs));
	c->doc = UINT32_MAX;
	if (t->n_parts == 0 || t->n_parts > ss->n)
		return LIDX_EINVAL;
	for (uint32_t k = 0; k < t->n_parts; k++) {
		const lidx_term_part *pt = &t->part[k];
		if (pt->seg >= ss->n)
			return LIDX_EINVAL;
		lidx_index *x = ss->seg[pt->seg];
		uint8_t bit = (uint8_t)(1u << (pt->ord & 7));
		if (!(x->post_checked[pt->ord >> 3] & bit)) {
			if (lidx__post_crc(pt->post, pt->post_len) != pt->post_crc)
				return LIDX_ECORRUPT;
			x->post_checked[pt->ord >> 3] |= bit;
		}
		c->parts[k].p = pt->post;
		c->parts[k].end = pt->post + pt->post_len;
		c->parts[k].dead = ss->dead[pt->seg];
		c->parts[k].base = ss->base[pt->seg];
		c->parts[k].n_ids = x->n_stories;
	}
	c->n_parts = t->n_parts;
	c->p = c->parts[0].p;
	c->end = c->parts[0].end;
	c->dead = c->parts[0].dead;
	c->base = c->parts[0].base;
	c->n_ids = c->parts[0].n_ids;
	c->df = t->df;
	c->doc = 0;
	return lidx__cursor_seek(c, 0);
}

int lidx__segs_check_stories(lidx_index *ix, lidx_err *err)
{
	for (uint32_t s = 0; s < ix->segs->n; s++) {
		int rc = lidx_index_check_stories(ix->segs->seg[s], err);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int lidx__segs_verify(lidx_index *ix, lidx_err *err)
{
	for (uint32_t s = 0; s < ix->segs->n; s++) {
		int rc = lidx_index_verify(ix->segs->seg[s], err);
		if (rc < 0)
			return rc;
	}
	return 0;
}

void lidx__segs_stats(lidx_index *ix, lidx_stats *o)
{
	o->postings_bytes = o->store_bytes = 0;
	for (uint32_t s = 0; s < ix->segs->n; s++) {
		o->postings_bytes += ix->segs->seg[s]->sec[SEC_POST].len;
		o->store_bytes += ix->segs->seg[s]->sec[SEC_STORE].len;
	}
	o->n_stories = ix->n_live;
	o->n_segments = ix->segs->n;
}

/* ---- for an update (corpus.c) ---------------------------------------------------------- */

uint32_t lidx__segs_count(lidx_index *ix)
{
	return ix->segs ? ix->segs->n : 1;
}

void lidx__segs_where(lidx_index *ix, uint32_t gfile, uint32_t *seg, uint32_t *local)
{
	lidx_segset *ss = ix->segs;
	if (!ss) {
		*seg = 0;
		*local = gfile;
		return;
	}
	*seg = gfile < ix->n_files ? ss->gseg[gfile] : UINT32_MAX;
	*local = gfile < ix->n_files ? ss->glocal[gfile] : UINT32_MAX;
}

int lidx__segs_manifest(lidx_index *ix, lidx_manifest *out)
{
	memset(out, 0, sizeof *out);
	if (!ix->segs) {
		out->n = 1;
		out->next_gen = 1;
		out->seg[0].size = ix->size;
		out->seg[0].id = lidx__segs_file_id(ix);
		return 0;
	}
	const lidx_manifest *m = &ix->segs->man;
	*out = *m;
	out->n_grouped = 0; /* the writer sets them again (lidx__segs_set_groups) */
	out->gstory = out->ggroup = NULL;
	for (uint32_t s = 0; s < m->n; s++) {
		out->seg[s].dead_files = lidx__malloc(m->seg[s].n_dead ? (size_t)m->seg[s].n_dead * 4 : 1);
		if (!out->seg[s].dead_files) {
			out->n = s;
			lidx__manifest_clear(out);
			return LIDX_ENOMEM;
		}
		memcpy(out->seg[s].dead_files, m->seg[s].dead_files, (size_t)m->seg[s].n_dead * 4);
	}
	return 0;
}

lidx_index *lidx__segs_seg(lidx_index *ix, uint32_t s)
{
	return ix->segs ? ix->segs->seg[s] : ix;
}
