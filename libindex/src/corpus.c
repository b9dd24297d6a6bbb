/*
 * corpus.c -- a folder of notes and its index: where the index lives, which
 * files are notes, whether the index is fresh, and (re)building it under a
 * lock. Called by the CLI before every search, so a user never searches a
 * stale index. Files are read whole; binary files are skipped with a
 * warning, UTF-16 is decoded, anything else is indexed as it is.
 */
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <dirent.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <zlib.h>
#include "index.h"
#include "safefile.h"
#include "segset.h"
#include "watch.h"

#define MAX_DEPTH 64
#define DEFAULT_MAX_FILE LIDX__DEFAULT_MAX_FILE
#define IGNORE_FILE ".cvsearchignore"

typedef struct cfile {
	char *rel;          /* path relative to the root */
	uint64_t size;      /* what stat() said at the scan */
	int64_t mtime_ns, ctime_ns;
	uint64_t ino;
	int skip;           /* LIDX_SKIP_FOLDER or _OUTSIDE, decided at the scan; else 0 */
	int racy;           /* read by the build within a tick of its mtime: hash kept */
	uint64_t hash;      /* ... of the bytes read, whose size and mtime are above */
	size_t rel_off;     /* where rel is in the scan's paths */
} cfile;

/* A .cvsearchignore line, read as .gitignore reads one (without '!'). */
typedef struct ipat {
	char *glob;         /* fnmatch pattern */
	int dir_only;       /* it ended with '/': folders only */
	int anchored;       /* it started with '/' or has a '/' inside: the whole path */
} ipat;

typedef struct statter statter;
typedef struct dcache dcache;

typedef struct scan {
	char *root;
	cfile *files;
	size_t n, cap;
	char *paths;        /* the files' paths, each NUL-terminated */
	size_t n_paths, cap_paths;
	statter *par;       /* the helper thread of stat_ahead() */
	dcache *dc;         /* the folders' names kept from the last scan (NULL: none) */
	ipat *ignore;       /* patterns from .cvsearchignore */
	size_t n_ignore, cap_ignore;
	dev_t *dev;         /* folders on the current path, against loops */
	ino_t *ino;
	int depth;
	const lidx_sync_opts *o;
	int64_t t_scan_ns;  /* wall clock when the scan began (racy files, below) */
	size_t n_racy;      /* files with racy set, after a build read them */
	int incomplete;     /* a folder could not be read for a passing reason */
	char why[256];      /* ... which, and why */
	char *ix_base;      /* the index file's name, when its folder is inside the notes (else NULL) */
	dev_t ix_dev;       /* ... and that folder's device and inode: reached through a link too */
	ino_t ix_ino;
} scan;

static int isalnum_ascii(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static void warn(const lidx_sync_opts *o, const char *path, const char *what)
{
	if (o && o->warn)
		o->warn(o->ctx, path, what);
}

/* ---- where the index lives ---------------------------------------------------- */

static int mkdir_p(char *path)
{
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		int r = mkdir(path, 0700);
		*p = '/';
		if (r != 0 && errno != EEXIST)
			return -1;
	}
	return mkdir(path, 0700) == 0 || errno == EEXIST ? 0 : -1;
}

int lidx_corpus_index_path(const char *corpus_dir, char **out, lidx_err *err)
{
	*out = NULL;
	char real[PATH_MAX];
	if (!realpath(corpus_dir, real))
		return lidx__err(err, LIDX_ENOTFOUND, "cannot open notes folder %s: %s", corpus_dir, strerror(errno));
	struct stat st;
	if (stat(real, &st) != 0 || !S_ISDIR(st.st_mode))
		return lidx__err(err, LIDX_EINVAL, "%s is not a folder: --corpus takes the folder of your notes", corpus_dir);
	const char *env = getenv("CVSEARCH_INDEX_DIR");
	const char *xdg = getenv("XDG_CACHE_HOME");
	const char *home = getenv("HOME");
	char dir[PATH_MAX];
	if (env && *env)
		snprintf(dir, sizeof dir, "%s", env);
	else if (xdg && *xdg == '/')
		snprintf(dir, sizeof dir, "%s/cvsearch", xdg);
	else if (home && *home)
		snprintf(dir, sizeof dir, "%s/.cache/cvsearch", home);
	else
		return lidx__err(err, LIDX_EINVAL, "no place for the index: set HOME, XDG_CACHE_HOME or CVSEARCH_INDEX_DIR");
	if (mkdir_p(dir) != 0)
		return lidx__err(err, LIDX_EIO, "cannot create index folder %s: %s", dir, strerror(errno));
	/* as ssh trusts ~/.ssh and git a repository: ours (or root's), written by no one else */
	int rc = lidx__check_dir(dir, "index folder", 0, err);
	if (rc < 0)
		return rc;
	/* name: the folder's name (sanitized) and a hash of its real path */
	const char *base = strrchr(real, '/');
	base = base && base[1] ? base + 1 : "root";
	char name[64];
	size_t n = 0;
	for (const char *p = base; *p && n < 40; p++)
		name[n++] = (isalnum_ascii(*p) || *p == '-' || *p == '_') ? *p : '_';
	name[n] = 0;
	char *path = lidx__malloc(strlen(dir) + n + 40);
	if (!path)
		return lidx__err(err, LIDX_ENOMEM, "out of memory");
	sprintf(path, "%s/%s-%016llx.cvx", dir, name, (unsigned long long)lidx_hash(real, strlen(real)));
	*out = path;
	return 0;
}

/* ---- scanning the folder ------------------------------------------------------ */

static void scan_free(scan *s)
{
	lidx__free(s->paths);
	lidx__free(s->files);
	for (size_t i = 0; i < s->n_ignore; i++)
		lidx__free(s->ignore[i].glob);
	lidx__free(s->ignore);
	lidx__free(s->dev);
	lidx__free(s->ino);
	lidx__free(s->root);
	lidx__free(s->ix_base);
}

#define MAX_IGNORE_FILE (1u << 20)

/*
 * .cvsearchignore: only a regular file of at most 1 MiB is read (a FIFO or a
 * link to /dev/zero would hang or flood every command); another is left
 * aside with a warning.
 */
static int load_ignore(scan *s)
{
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/%s", s->root, IGNORE_FILE);
	char *text;
	size_t len;
	const char *why;
	int rc = lidx__read_small(path, MAX_IGNORE_FILE, &text, &len, &why);
	if (rc == LIDX_ENOMEM)
		return rc;
	if (rc < 0) {
		if (rc != LIDX_ENOTFOUND) {
			char msg[160];
			snprintf(msg, sizeof msg, "%s (%s); its patterns are not applied",
			         rc == LIDX_ETOOBIG ? "larger than 1 MiB" : why,
			         "only a regular file is read");
			warn(s->o, IGNORE_FILE, msg);
		}
		return 0;
	}
	rc = 0;
	for (char *line = text, *next; line < text + len && rc == 0; line = next) {
		char *nl = memchr(line, '\n', (size_t)(text + len - line));
		next = nl ? nl + 1 : text + len;
		size_t n = (size_t)(next - line);
		if (line == text && n >= 3 && !memcmp(line, "\xef\xbb\xbf", 3))
			line += 3, n -= 3; /* a UTF-8 byte order mark */
		n = strcspn(line, "\r\n") < n ? strcspn(line, "\r\n") : n;
		while (n && (line[n - 1] == ' ' || line[n - 1] == '\t'))
			n--;
		if (!n || line[0] == '#')
			continue;
		if (n > 1024) { /* as before: a pattern is a line of at most 1 KiB */
			warn(s->o, IGNORE_FILE, "a line longer than 1024 bytes; skipped");
			continue;
		}
		ipat ip = { NULL, 0, 0 };
		char *g = line;
		if (g[n - 1] == '/') { /* drafts/ : a folder */
			ip.dir_only = 1;
			n--;
		}
		if (n && g[0] == '/') { /* /drafts : at the top only */
			ip.anchored = 1;
			g++, n--;
		}
		if (!n)
			continue;
		ip.anchored |= memchr(g, '/', n) != NULL; /* a/b : the path from the top */
		if (LIDX_GROW(s->ignore, s->cap_ignore, s->n_ignore + 1) < 0 ||
		    !(ip.glob = lidx__strndup(g, n))) {
			rc = LIDX_ENOMEM;
			break;
		}
		s->ignore[s->n_ignore++] = ip;
	}
	lidx__free(text);
	return rc;
}

static int ignored(scan *s, const char *rel, const char *name, int is_dir)
{
	if (name[0] == '.')
		return 1; /* hidden: .git, .obsidian, .logseq, .cvsearchignore */
	if (is_dir && (!strcmp(name, "node_modules") || !strcmp(rel, "logseq/bak") ||
	               !strcmp(name, ".recycle")))
		return 1; /* Logseq's backups would duplicate every story */
	for (size_t i = 0; i < s->n_ignore; i++) {
		const ipat *ip = &s->ignore[i];
		if (ip->dir_only && !is_dir)
			continue;
		/* as git: a pattern with a '/' matches the path from the top, where '*'
		   stops at '/' (but '**' crosses it); one without, the name at any depth */
		int flags = strstr(ip->glob, "**") ? 0 : FNM_PATHNAME;
		if (ip->anchored ? fnmatch(ip->glob, rel, flags) == 0 ||
		                   (!strncmp(ip->glob, "**/", 3) && fnmatch(ip->glob + 3, rel, 0) == 0)
		                 : fnmatch(ip->glob, name, 0) == 0)
			return 1; /* a leading "**" and slash match at the top too */
	}
	return 0;
}

static int cfile_cmp(const void *a, const void *b)
{
	return strcmp(((const cfile *)a)->rel, ((const cfile *)b)->rel);
}

static int64_t ns_of(struct timespec t)
{
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/* how long a build waits, at most, for the tick of its racy files to pass */
static long settle_wait_ms = 30;

#ifdef LIDX_TESTING
static int coarse_times;
void lidx__test_coarse_times(int on)
{
	coarse_times = on;
}
void lidx__test_settle_wait_ms(long ms)
{
	settle_wait_ms = ms;
}
static long dir_hits, par_folders;
long lidx__test_dir_hits(void)
{
	long n = dir_hits;
	dir_hits = 0;
	return n;
}
long lidx__test_par_folders(void)
{
	long n = par_folders;
	par_folders = 0;
	return n;
}
#endif

/* A file's mtime and ctime in ns. Tests can pretend a file system with
   1-second timestamps and no ctime, where only the content hash tells a
   same-size edit in the build's second (test_corpus.c). */
static void stat_times(const struct stat *st, int64_t *mt, int64_t *ct)
{
	*mt = ns_of(st->st_mtim);
	*ct = ns_of(st->st_ctim);
#ifdef LIDX_TESTING
	if (coarse_times) {
		*mt -= *mt % 1000000000;
		*ct = 0;
	}
#endif
}

/* Append a file's entry. Its path goes into one buffer for the whole scan
   (s->paths) instead of a string of its own per file: the pointers are set
   when the scan is done (fix_paths), since the buffer moves as it grows. */
static int add_entry(scan *s, const char *rel, size_t rel_len, const struct stat *st, int skip)
{
	if (LIDX_GROW(s->files, s->cap, s->n + 1) < 0 || LIDX_GROW(s->paths, s->cap_paths, s->n_paths + rel_len + 1) < 0)
		return LIDX_ENOMEM;
	memcpy(s->paths + s->n_paths, rel, rel_len);
	s->paths[s->n_paths + rel_len] = 0;
	int64_t mt, ct;
	stat_times(st, &mt, &ct);
	s->files[s->n++] = (cfile){ NULL, (uint64_t)st->st_size, mt, ct, (uint64_t)st->st_ino, skip, 0, 0,
	                            s->n_paths };
	s->n_paths += rel_len + 1;
	return 0;
}

/* An error that says nothing about the folder: trying again later may work. */
static int transient(int e)
{
	return e == EMFILE || e == ENFILE || e == ENOMEM || e == EINTR || e == EAGAIN || e == EIO;
}

static void set_incomplete(scan *s, const char *rel, int e)
{
	if (!s->incomplete)
		snprintf(s->why, sizeof s->why, "cannot read folder %.180s: %s", *rel ? rel : ".", strerror(e));
	s->incomplete = 1;
}

/* ---- stat'ing a folder's entries on two threads ------------------------------------- */

/*
 * The check's cost is one fstatat() per note (issue #10: on 8,000 notes
 * the stats are ~60 % of a fresh search). A folder's entries that readdir
 * (or the folder cache) says are files or folders are stat'ed ahead,
 * before they are looked at one by one, by this thread and a helper
 * thread together, each claiming chunks of entries from one counter. The
 * helper only stats into the slots it claimed, which this thread does not
 * read until it has waited for the helper (mutex + condition variable); it
 * allocates nothing and reports nothing, so warnings, allocations and
 * their order stay on the calling thread as before. The helper starts at
 * the first folder with PAR_MIN such entries; a smaller folder is not
 * worth the hand-off, and a notes folder without one never starts a
 * thread.
 */
#define PAR_MIN 48

typedef struct dent {
	size_t name;        /* offset of its NUL-terminated name in the folder's names */
	unsigned char type; /* d_type */
	unsigned char dir;  /* sorts as a folder: its name and a '/' */
	int err;            /* stat ahead: 0 (st is valid), an errno, or -1 (not stat'ed ahead) */
	struct stat st;     /* fstatat(..., AT_SYMLINK_NOFOLLOW) */
} dent;

struct statter {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int running;        /* the thread was started */
	int quit;
	int posted;         /* a folder was handed over ... */
	int taken;          /* ... the helper took it ... */
	int done;           /* ... and has no entry in hand any more */
	int fd;             /* the folder */
	dent *e;            /* its entries e[0, n) */
	size_t n;
	const char *names;
	atomic_size_t next; /* the first entry that no thread has claimed */
};

static int pre_stat_type(unsigned char t)
{
	return t == DT_REG || t == DT_DIR;
}

static void stat_one(int fd, dent *e, const char *names)
{
	if (!pre_stat_type(e->type)) {
		e->err = -1;
		return;
	}
	e->err = fstatat(fd, names + e->name, &e->st, AT_SYMLINK_NOFOLLOW) == 0 ? 0 : errno;
	if (e->err == 0)
		e->dir = S_ISDIR(e->st.st_mode);
}

/* Stat the entries not yet claimed, STAT_CHUNK at a time, until none is left. */
#define STAT_CHUNK 8
static void stat_claim(statter *w, int fd, dent *e, size_t n, const char *names)
{
	for (;;) {
		size_t lo = atomic_fetch_add(&w->next, STAT_CHUNK);
		if (lo >= n)
			break;
		size_t hi = n - lo < STAT_CHUNK ? n : lo + STAT_CHUNK;
		for (size_t i = lo; i < hi; i++)
			stat_one(fd, &e[i], names);
	}
}

static void *statter_main(void *arg)
{
	statter *w = arg;
	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (!(w->posted && !w->taken) && !w->quit)
			pthread_cond_wait(&w->cv, &w->mu);
		if (w->quit)
			break;
		w->taken = 1;
		int fd = w->fd;
		dent *e = w->e;
		size_t n = w->n;
		const char *names = w->names;
		pthread_mutex_unlock(&w->mu);
		stat_claim(w, fd, e, n, names);
		pthread_mutex_lock(&w->mu);
		w->done = 1;
		pthread_cond_broadcast(&w->cv);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

/* 0 when the helper runs; -1 when it could not start (all is done on this thread). */
static int statter_start(statter *w)
{
	if (w->running)
		return 0;
	if (pthread_mutex_init(&w->mu, NULL) != 0)
		return -1;
	if (pthread_cond_init(&w->cv, NULL) != 0) {
		pthread_mutex_destroy(&w->mu);
		return -1;
	}
	w->quit = w->posted = w->taken = w->done = 0;
	if (pthread_create(&w->thread, NULL, statter_main, w) != 0) {
		pthread_cond_destroy(&w->cv);
		pthread_mutex_destroy(&w->mu);
		return -1;
	}
	w->running = 1;
	return 0;
}

static void statter_stop(statter *w)
{
	if (!w || !w->running)
		return;
	pthread_mutex_lock(&w->mu);
	w->quit = 1;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thread, NULL);
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	w->running = 0;
}

/*
 * Stat e[0, n) of the folder fd ahead, on two threads when it is worth it.
 * Both threads claim chunks of entries from one counter, so a helper that
 * the scheduler runs late (2 cores shared with a build) costs nothing: this
 * thread has claimed everything by then, and the hand-over is called off.
 * It only waits for a helper that took the folder and may hold a chunk.
 */
static void stat_ahead(scan *s, int fd, dent *e, size_t n, const char *names)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		k += pre_stat_type(e[i].type);
	statter *w = s->par;
	if (k < PAR_MIN || !w || statter_start(w) < 0) {
		for (size_t i = 0; i < n; i++)
			stat_one(fd, &e[i], names);
		return;
	}
#ifdef LIDX_TESTING
	par_folders++;
#endif
	pthread_mutex_lock(&w->mu);
	w->fd = fd;
	w->e = e;
	w->n = n;
	w->names = names;
	atomic_store(&w->next, 0);
	w->posted = 1;
	w->taken = w->done = 0;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	stat_claim(w, fd, e, n, names);
	pthread_mutex_lock(&w->mu);
	if (w->taken)
		while (!w->done)
			pthread_cond_wait(&w->cv, &w->mu);
	w->posted = 0;
	pthread_mutex_unlock(&w->mu);
}

/*
 * A folder's entries in the order their paths sort (strcmp), so that the
 * scan's list comes out sorted without sorting it whole: a folder "a" is
 * compared as "a/" (its files are "a/..."), so "a.md" < "a" < "a-b". The
 * order is checked when the scan is done (an entry that changed type since
 * readdir may sort otherwise) and the list is sorted then if need be.
 */
typedef struct okey {
	const char *name;
	size_t i;
	unsigned char dir;
} okey;

static int okey_cmp(const void *a, const void *b)
{
	const okey *x = a, *y = b;
	if (!x->dir && !y->dir)
		return strcmp(x->name, y->name);
	const unsigned char *p = (const unsigned char *)x->name, *q = (const unsigned char *)y->name;
	while (*p && *p == *q)
		p++, q++;
	int cp = *p ? *p : x->dir ? '/' : 0;
	int cq = *q ? *q : y->dir ? '/' : 0;
	return cp - cq;
}

/* ---- the folder listing cache ---------------------------------------------------- */

static int64_t tick_of(int64_t mtime_ns);
static int64_t now_ns(void);

/*
 * Reading a folder (getdents) costs about a quarter of the check on a large
 * notes folder (ext4 hashes and sorts every name of an indexed folder). A
 * folder's list of names changes only when an entry is created, removed or
 * renamed in it, and each of those sets the folder's mtime and ctime to
 * now (POSIX: link, unlink, rename, mkdir, rmdir, creat, symlink). So the
 * names of each folder are kept in INDEX.dirs with the folder's device,
 * inode, mtime and ctime as fstat() gave them before the names were read,
 * and reused while all four are the same. Only the list is reused: every
 * entry is still stat'ed (an edit in place changes no folder), every
 * ignore rule applied again. The racy case is the files' (see racy()): a
 * folder changed within a timestamp tick before it was read could change
 * again and keep its times, so such a folder's names are not kept. A
 * damaged or foreign cache file is ignored (CRC32, bounds), and rewritten.
 *
 * INDEX.dirs: "CVXDIRS\1", u32 version (1), u32 folders, u32 CRC32 of the
 * rest, u32 0; then per folder: u32 path length, the path (relative to the
 * root, "" for the root), u64 dev, u64 inode, i64 mtime ns, i64 ctime ns,
 * u32 entries, u32 names length, one d_type byte per entry, the names
 * (each NUL-terminated). All little-endian.
 */
#define DC_MAGIC "CVXDIRS\1"
#define DC_VERSION 1
#define DC_HEAD 24
#define DC_MAX (256u << 20)

typedef struct drec {
	const uint8_t *raw; /* the record's bytes in the file read */
	size_t raw_len;
	const char *rel;
	uint32_t rel_len;
	uint64_t dev, ino;
	int64_t mtime_ns, ctime_ns;
	uint32_t n, names_len;
	const uint8_t *types;
	const char *names;
} drec;

/* what the next INDEX.dirs holds of one folder of this scan: a record of the old one, or new bytes */
typedef struct dref {
	const drec *old;
	uint8_t *bytes;
	size_t len;
} dref;

struct dcache {
	char *path;
	uint8_t *file;      /* INDEX.dirs as read */
	drec *recs;         /* its folders, sorted by path */
	size_t n_recs;
	dref *refs;         /* the folders of this scan, as listed */
	size_t n_refs, cap_refs;
	size_t n_hits;      /* folders whose names came from the cache */
	int dirty;          /* a folder was read: write the cache again */
};

static int drec_cmp(const void *a, const void *b)
{
	const drec *x = a, *y = b;
	uint32_t n = x->rel_len < y->rel_len ? x->rel_len : y->rel_len;
	int c = memcmp(x->rel, y->rel, n);
	return c ? c : (x->rel_len > y->rel_len) - (x->rel_len < y->rel_len);
}

/* Parse the cache file into dc->recs; 0, or -1 when it is not a whole cache file. */
static int dcache_parse(dcache *dc, const uint8_t *p, size_t len)
{
	if (len < DC_HEAD || memcmp(p, DC_MAGIC, 8) != 0 || lidx_rd32(p + 8) != DC_VERSION)
		return -1;
	uint32_t n = lidx_rd32(p + 12);
	if ((uint32_t)crc32_z(0, p + DC_HEAD, len - DC_HEAD) != lidx_rd32(p + 16) || n > (len - DC_HEAD) / 44)
		return -1;
	if (n && !(dc->recs = lidx__calloc(n, sizeof *dc->recs)))
		return LIDX_ENOMEM;
	const uint8_t *q = p + DC_HEAD, *end = p + len;
	for (uint32_t i = 0; i < n; i++) {
		drec *r = &dc->recs[i];
		if ((size_t)(end - q) < 4)
			return -1;
		r->raw = q;
		r->rel_len = lidx_rd32(q);
		q += 4;
		if ((size_t)(end - q) < (size_t)r->rel_len + 40)
			return -1;
		r->rel = (const char *)q;
		q += r->rel_len;
		r->dev = lidx_rd64(q);
		r->ino = lidx_rd64(q + 8);
		r->mtime_ns = (int64_t)lidx_rd64(q + 16);
		r->ctime_ns = (int64_t)lidx_rd64(q + 24);
		r->n = lidx_rd32(q + 32);
		r->names_len = lidx_rd32(q + 36);
		q += 40;
		if ((size_t)(end - q) < (uint64_t)r->n + r->names_len)
			return -1;
		r->types = q;
		r->names = (const char *)q + r->n;
		q += r->n + r->names_len;
		r->raw_len = (size_t)(q - r->raw);
		if (r->names_len && r->names[r->names_len - 1] != 0)
			return -1; /* the last name ends in the record (the count is checked on use) */
	}
	if (q != end)
		return -1;
	dc->n_recs = n;
	if (n) /* qsort(NULL, 0, ...) is undefined */
		qsort(dc->recs, n, sizeof *dc->recs, drec_cmp);
	return 0;
}

/*
 * The cache for the index at index_path (NULL when none can be used: the
 * index folder is not ours, out of memory). A missing or damaged file gives
 * an empty cache, to be written at the end of the scan.
 */
static dcache *dcache_open(const char *index_path)
{
	dcache *dc = lidx__calloc(1, sizeof *dc);
	size_t pl = strlen(index_path);
	if (!dc || !(dc->path = lidx__malloc(pl + 6))) {
		lidx__free(dc);
		return NULL;
	}
	memcpy(dc->path, index_path, pl);
	memcpy(dc->path + pl, ".dirs", 6);
	char dir[PATH_MAX];
	const char *slash = strrchr(index_path, '/');
	snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - index_path) + (slash == index_path) : 1,
	         slash ? index_path : ".");
	if (lidx__check_dir(dir, "index folder", 1, NULL) < 0) {
		lidx__free(dc->path);
		lidx__free(dc);
		return NULL;
	}
	dc->dirty = 1; /* until a whole cache is read */
	struct stat st;
	const char *why;
	int fd = lidx__open_regular(dc->path, 1, DC_MAX, &st, &why);
	if (fd < 0)
		return dc;
	if (lidx__check_trusted(&st, "folder cache", dc->path, NULL) < 0 || !st.st_size ||
	    !(dc->file = lidx__malloc((size_t)st.st_size))) {
		close(fd);
		return dc;
	}
	size_t n = (size_t)st.st_size;
	ssize_t got = lidx__read_full(fd, dc->file, n);
	close(fd);
	if (got >= 0 && (size_t)got == n && dcache_parse(dc, dc->file, n) == 0) {
		dc->dirty = 0;
	} else {
		lidx__free(dc->recs);
		dc->recs = NULL;
		dc->n_recs = 0;
	}
	return dc;
}

static void dcache_free(dcache *dc)
{
	if (!dc)
		return;
	for (size_t i = 0; i < dc->n_refs; i++)
		lidx__free(dc->refs[i].bytes);
	lidx__free(dc->refs);
	lidx__free(dc->recs);
	lidx__free(dc->file);
	lidx__free(dc->path);
	lidx__free(dc);
}

/* The cached names of the folder rel, if st (fstat of it, now) is what was recorded. */
static const drec *dcache_find(dcache *dc, const char *rel, size_t rel_len, const struct stat *st)
{
	if (!dc || !dc->n_recs)
		return NULL;
	drec key;
	key.rel = rel;
	key.rel_len = (uint32_t)rel_len;
	const drec *r = bsearch(&key, dc->recs, dc->n_recs, sizeof *dc->recs, drec_cmp);
	int64_t mt, ct;
	stat_times(st, &mt, &ct);
	if (!r || r->dev != (uint64_t)st->st_dev || r->ino != (uint64_t)st->st_ino || r->mtime_ns != mt ||
	    r->ctime_ns != ct)
		return NULL;
	/* n names, none empty, none with a '/' or "." or ".." (a cache file is ours, but checked all the same),
	   strictly increasing in the scan's order (okey_cmp, as dcache_add wrote them): a name twice would
	   list a note twice */
	const char *q = r->names, *end = r->names + r->names_len;
	okey prev = { NULL, 0, 0 };
	for (uint32_t i = 0; i < r->n; i++) {
		size_t l = q < end ? strnlen(q, (size_t)(end - q)) : 0;
		if (!l || q + l >= end || memchr(q, '/', l) || (q[0] == '.' && (l == 1 || (l == 2 && q[1] == '.'))))
			return NULL;
		okey cur = { q, i, r->types[i] == DT_DIR };
		if (i && okey_cmp(&prev, &cur) >= 0)
			return NULL;
		prev = cur;
		q += l + 1;
	}
	return q == end ? r : NULL;
}

/* This scan listed the folder from the cache (old) or by reading it (bytes); LIDX_ENOMEM or 0. */
static int dcache_note(dcache *dc, const drec *old, uint8_t *bytes, size_t len)
{
	if (LIDX_GROW(dc->refs, dc->cap_refs, dc->n_refs + 1) < 0) {
		lidx__free(bytes);
		return LIDX_ENOMEM;
	}
	dc->refs[dc->n_refs++] = (dref){ old, bytes, len };
	if (old) {
		dc->n_hits++;
#ifdef LIDX_TESTING
		dir_hits++;
#endif
	}
	else
		dc->dirty = 1;
	return 0;
}

/*
 * A folder just read: its record for the next cache, unless it is racy
 * (changed within two ticks of t_list, when its names were read), in which
 * case the next scan reads it again. Like racy(), this compares the
 * folder's times with this machine's clock: a network file system whose
 * server clock runs behind ours is as exposed here as the racy files are.
 */
static int dcache_add(dcache *dc, const char *rel, size_t rel_len, const struct stat *st, int64_t t_list,
                      const dent *e, const okey *ord, size_t n, size_t names_len)
{
	int64_t mt, ct;
	stat_times(st, &mt, &ct);
	/* two ticks: FAT's mtimes are 2 s apart, and the kernel's clock for timestamps lags */
	if (mt >= t_list - 2 * tick_of(mt) || (ct && ct >= t_list - 2 * tick_of(ct)) || n > UINT32_MAX ||
	    names_len > UINT32_MAX) {
		dc->dirty = 1;
		return 0;
	}
	size_t len = 4 + rel_len + 40 + n + names_len;
	uint8_t *b = lidx__malloc(len);
	if (!b)
		return LIDX_ENOMEM;
	lidx_wr32(b, (uint32_t)rel_len);
	memcpy(b + 4, rel, rel_len);
	uint8_t *q = b + 4 + rel_len;
	lidx_wr64(q, (uint64_t)st->st_dev);
	lidx_wr64(q + 8, (uint64_t)st->st_ino);
	lidx_wr64(q + 16, (uint64_t)mt);
	lidx_wr64(q + 24, (uint64_t)ct);
	lidx_wr32(q + 32, (uint32_t)n);
	lidx_wr32(q + 36, (uint32_t)names_len);
	q += 40;
	/* in the walk's order: the next scan finds them sorted and sorts nothing */
	char *nm = (char *)q + n;
	for (size_t k = 0; k < n; k++) {
		q[k] = e[ord[k].i].type;
		size_t l = strlen(ord[k].name) + 1;
		memcpy(nm, ord[k].name, l);
		nm += l;
	}
	return dcache_note(dc, NULL, b, len);
}

/* Write the cache again if this scan read a folder or no longer has one it held. Best effort. */
static void dcache_save(dcache *dc)
{
	if (!dc || (!dc->dirty && dc->n_hits == dc->n_recs))
		return;
	lidx_buf b = { 0 };
	uint8_t head[DC_HEAD] = { 0 };
	if (lidx_buf_put(&b, head, sizeof head) < 0)
		return;
	uint32_t n = 0;
	for (size_t i = 0; i < dc->n_refs; i++) {
		const dref *f = &dc->refs[i];
		if (lidx_buf_put(&b, f->old ? f->old->raw : f->bytes, f->old ? f->old->raw_len : f->len) < 0) {
			lidx_buf_free(&b);
			return;
		}
		n++;
	}
	memcpy(b.p, DC_MAGIC, 8);
	lidx_wr32(b.p + 8, DC_VERSION);
	lidx_wr32(b.p + 12, n);
	lidx_wr32(b.p + 16, (uint32_t)crc32_z(0, b.p + DC_HEAD, b.len - DC_HEAD));
	size_t pl = strlen(dc->path);
	char *tmp = lidx__malloc(pl + 8);
	if (tmp) {
		memcpy(tmp, dc->path, pl);
		memcpy(tmp + pl, ".XXXXXX", 8);
		int fd = mkstemp(tmp); /* mode 0600 */
		if (fd >= 0) {
			size_t put = 0;
			while (put < b.len) {
				ssize_t w = write(fd, b.p + put, b.len - put);
				if (w < 0 && errno == EINTR)
					continue;
				if (w <= 0)
					break;
				put += (size_t)w;
			}
			/* no fsync: a cache lost in a crash is read again from the folders */
			if (close(fd) != 0 || put != b.len || rename(tmp, dc->path) != 0)
				unlink(tmp);
		}
		lidx__free(tmp);
	}
	lidx_buf_free(&b);
}

/* ---- walking the folders ------------------------------------------------------------ */

/* 1 if name is the index file base or one of the files written beside it:
   base.dirs, base.live, base.lock, base.seg.N, the watcher's base.sock and
   base.watch (watch.c), and the temporary files base.tmp.*, base.dirs.*,
   base.live.tmp.*, base.run.* (see sweep_temps, dcache_save). */
int lidx__index_companion(const char *name, const char *base)
{
	size_t bl = strlen(base);
	if (strncmp(name, base, bl) != 0)
		return 0;
	const char *r = name + bl;
	if (!*r || !strcmp(r, ".dirs") || !strcmp(r, ".live") || !strcmp(r, ".lock") || !strcmp(r, ".sock") ||
	    !strcmp(r, ".watch"))
		return 1;
	if (!strncmp(r, ".seg.", 5) && r[5]) {
		for (r += 5; *r >= '0' && *r <= '9'; r++)
			;
		return !*r;
	}
	return (!strncmp(r, ".tmp.", 5) && r[5]) || (!strncmp(r, ".dirs.", 6) && r[6]) ||
	       (!strncmp(r, ".live.tmp.", 10) && r[10]) || (!strncmp(r, ".run.", 5) && r[5]);
}

/* When the index is kept inside the notes folder (--index notes/my.cvx),
   note its folder by device and inode and its name (s->ix_dev, s->ix_ino,
   s->ix_base), so that the scan leaves it out, also where a link in the
   notes leads to that folder (by path, the index would be indexed as notes
   there, changing at each build); LIDX_ENOMEM or 0. */
static int index_inside(scan *s, const char *index_path)
{
	char dir[PATH_MAX], real[PATH_MAX];
	const char *slash = strrchr(index_path, '/');
	const char *base = slash ? slash + 1 : index_path;
	if (!*base)
		return 0;
	if (!slash)
		snprintf(dir, sizeof dir, ".");
	else
		snprintf(dir, sizeof dir, "%.*s", (int)(slash - index_path) + (slash == index_path), index_path);
	if (!realpath(dir, real))
		return 0;
	size_t rl = strlen(s->root);
	struct stat st;
	if (!(!strcmp(real, s->root) || (rl == 1 && s->root[0] == '/') ||
	      (!strncmp(real, s->root, rl) && real[rl] == '/')) ||
	    stat(real, &st) != 0)
		return 0;
	s->ix_dev = st.st_dev;
	s->ix_ino = st.st_ino;
	s->ix_base = lidx__strndup(base, strlen(base));
	return s->ix_base ? 0 : LIDX_ENOMEM;
}

static int walk_entry(scan *s, int fd, int ixd, const dent *de, const char *d_name, char *sub, size_t sub_len,
                      size_t dir_len, size_t rootlen);

/* set_incomplete for the folder whose path is the first dir_len bytes of sub */
static void incomplete_at(scan *s, char *sub, size_t dir_len, int e)
{
	char c = sub[dir_len];
	sub[dir_len] = 0;
	set_incomplete(s, sub, e);
	sub[dir_len] = c;
}

/* The folder's entries (but "." and ".."), names in *names (*names_len bytes). 0, LIDX_ENOMEM, or an errno (> 0) of readdir. */
static int read_folder(DIR *d, dent **e_out, size_t *n_out, char **names_out, size_t *names_len)
{
	dent *e = NULL;
	char *names = NULL;
	size_t n = 0, cap = 0, len = 0, cap_names = 0;
	int rc = 0;
	for (;;) {
		errno = 0;
		struct dirent *de = readdir(d);
		if (!de) {
			rc = errno;
			break;
		}
		const char *nm = de->d_name;
		if (nm[0] == '.' && (!nm[1] || (nm[1] == '.' && !nm[2])))
			continue;
		size_t l = strlen(nm);
		if (LIDX_GROW(e, cap, n + 1) < 0 || LIDX_GROW(names, cap_names, len + l + 1) < 0) {
			rc = LIDX_ENOMEM;
			break;
		}
		memcpy(names + len, nm, l + 1);
		e[n].name = len;
		e[n].type = de->d_type;
		e[n].dir = de->d_type == DT_DIR;
		e[n].err = -1;
		n++;
		len += l + 1;
	}
	*e_out = e;
	*n_out = n;
	*names_out = names;
	*names_len = len;
	return rc;
}

/*
 * Walk one folder, opened relative to its parent's descriptor (pfd; the
 * root by its path): every stat is an fstatat() of a bare name in an open
 * folder, so the kernel resolves one path component per file instead of
 * the whole path from the root (a quarter of a fresh search's time on 8,000
 * notes four folders deep). A sub-folder that cannot be opened is recorded (as a
 * skipped entry with its ctime, so that a chmod that fixes it is seen) when
 * the reason is lasting (permissions), and marks the scan incomplete when it
 * is passing (too many open files): an index built from an incomplete scan
 * would silently lose the folder's notes. Symbolic links are followed only
 * while they stay inside the notes folder. rel (rel_len bytes) is the
 * folder's path from the root, in a buffer of PATH_MAX bytes that sub-folders
 * extend in place.
 */
static int walk(scan *s, int pfd, const char *name, char *rel, size_t rel_len, const struct stat *dst, int link)
{
	/* a folder that was no link when stat'ed is not followed if it became one */
	int fl = O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NONBLOCK | (link ? 0 : O_NOFOLLOW);
	int fd = rel_len ? openat(pfd, name, fl) : open(s->root, fl & ~O_NOFOLLOW);
	/* the folder's times before its names are read (see dcache_add) */
	struct stat now;
	const drec *hit = NULL;
	int have_now = fd >= 0 && (s->dc || s->ix_base) && fstat(fd, &now) == 0;
	/* the folder that holds the index (by inode: also through a link)
	   changes at each write of it (and of the folder cache itself): its
	   names are read each time, not kept */
	int ixd = have_now && s->ix_base && now.st_dev == s->ix_dev && now.st_ino == s->ix_ino;
	if (ixd || !s->dc)
		have_now = 0;
	if (have_now)
		hit = dcache_find(s->dc, rel, rel_len, &now);
	int64_t t_list = now_ns();
	DIR *d = fd >= 0 && !hit ? fdopendir(fd) : NULL;
	if (fd < 0 || (!hit && !d)) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		if (transient(e) || !rel_len) {
			set_incomplete(s, rel, e);
			warn(s->o, rel_len ? rel : s->root, strerror(e));
			return 0;
		}
		char msg[160];
		snprintf(msg, sizeof msg, "cannot open folder: %s; skipped", strerror(e));
		warn(s->o, rel, msg);
		return add_entry(s, rel, rel_len, dst, LIDX_SKIP_FOLDER);
	}
	dent *ents = NULL;
	size_t n_ents = 0, names_len = 0;
	char *names_read = NULL;
	const char *names;
	okey *ord = NULL;
	int rc = 0, keep = 0;
	if (hit) { /* the names kept from the last scan: no readdir */
		names = hit->names;
		n_ents = hit->n;
		if (n_ents && !(ents = lidx__malloc(n_ents * sizeof *ents))) {
			rc = LIDX_ENOMEM;
			goto done;
		}
		size_t off = 0;
		for (size_t i = 0; i < n_ents; i++) {
			ents[i].name = off;
			ents[i].type = hit->types[i];
			ents[i].dir = hit->types[i] == DT_DIR;
			ents[i].err = -1;
			off += strlen(names + off) + 1;
		}
		rc = dcache_note(s->dc, hit, NULL, 0);
	} else {
		rc = read_folder(d, &ents, &n_ents, &names_read, &names_len);
		names = names_read;
		if (rc > 0) { /* a readdir error: what was read is looked at (and not kept) */
			set_incomplete(s, rel, rc);
			rc = 0;
			if (s->dc)
				s->dc->dirty = 1;
		} else if (rc == 0 && have_now) {
			keep = 1; /* (once sorted, below) */
		}
	}
	if (rc < 0)
		goto done;
	stat_ahead(s, fd, ents, n_ents, names);
	if (n_ents && !(ord = lidx__malloc(n_ents * sizeof *ord))) {
		rc = LIDX_ENOMEM;
		goto done;
	}
	int sorted = 1;
	for (size_t i = 0; i < n_ents; i++) {
		ord[i] = (okey){ names + ents[i].name, i, ents[i].dir };
		if (i && sorted && okey_cmp(&ord[i - 1], &ord[i]) > 0)
			sorted = 0;
	}
	if (!sorted) /* readdir's order; the cache keeps the sorted one */
		qsort(ord, n_ents, sizeof *ord, okey_cmp);
	if (keep && (rc = dcache_add(s->dc, rel, rel_len, &now, t_list, ents, ord, n_ents, names_len)) < 0)
		goto done;
	size_t rootlen = strlen(s->root);
	for (size_t k = 0; k < n_ents && rc == 0; k++) {
		dent *de = &ents[ord[k].i];
		const char *d_name = ord[k].name;
		size_t nl = strlen(d_name);
		size_t sub_len = rel_len + (rel_len ? 1 : 0) + nl;
		if (sub_len >= PATH_MAX || rootlen + 1 + sub_len >= PATH_MAX) {
			warn(s->o, d_name, "path too long, skipped");
			continue;
		}
		/* rel + "/" + name, in place: rel[rel_len] is restored below */
		char *sub = rel;
		if (rel_len)
			sub[rel_len] = '/';
		memcpy(sub + sub_len - nl, d_name, nl + 1);
		rc = walk_entry(s, fd, ixd, de, d_name, sub, sub_len, rel_len, rootlen);
		rel[rel_len] = 0;
	}
done:
	lidx__free(ord);
	lidx__free(ents);
	lidx__free(names_read);
	if (d)
		closedir(d);
	else
		close(fd);
	return rc;
}

/* One entry of a folder (see walk): sub is its path from the root; ixd is
   1 when the folder is the one that holds the index. */
static int walk_entry(scan *s, int fd, int ixd, const dent *de, const char *d_name, char *sub, size_t sub_len,
                      size_t dir_len, size_t rootlen)
{
	if (ixd && lidx__index_companion(d_name, s->ix_base))
		return 0; /* the index itself, kept among the notes (ixd: this is its folder) */
	struct stat st, lst;
	/* lstat only what may be a link (d_type saves a call per file); a
	   name that d_type says is no link is stat'ed without following
	   (ahead, by stat_ahead) */
	int maybe_link = de->type == DT_LNK || de->type == DT_UNKNOWN;
	if (maybe_link && fstatat(fd, d_name, &lst, AT_SYMLINK_NOFOLLOW) != 0) {
		int e = errno;
		if (transient(e))
			incomplete_at(s, sub, dir_len, e);
		warn(s->o, sub, strerror(e));
		return 0;
	}
	if (maybe_link || de->err < 0) {
		if (fstatat(fd, d_name, &st, maybe_link ? 0 : AT_SYMLINK_NOFOLLOW) != 0)
			goto stat_failed;
	} else if (de->err > 0) {
		errno = de->err;
		goto stat_failed;
	} else {
		st = de->st;
	}
	if (!maybe_link && S_ISLNK(st.st_mode)) { /* replaced by a link since readdir */
		lst = st;
		maybe_link = 1;
		if (fstatat(fd, d_name, &st, 0) != 0) {
			warn(s->o, sub, errno == ELOOP ? "symbolic link loop, skipped" : strerror(errno));
			return 0;
		}
	}
	if (maybe_link && S_ISLNK(lst.st_mode) && !ignored(s, sub, d_name, S_ISDIR(st.st_mode))) {
		/* a link out of the notes folder (to /etc, to ~) is not followed:
		   the notes are what is inside the folder given */
		char full[PATH_MAX], real[PATH_MAX];
		if ((size_t)snprintf(full, sizeof full, "%s/%s", s->root, sub) >= sizeof full ||
		    !realpath(full, real) ||
		    !(strncmp(real, s->root, rootlen) == 0 && (real[rootlen] == '/' || !real[rootlen] ||
		                                              (rootlen == 1 && s->root[0] == '/')))) {
			warn(s->o, sub, "a link out of the notes folder; not followed");
			return add_entry(s, sub, sub_len, &lst, LIDX_SKIP_OUTSIDE);
		}
	}
	if (S_ISDIR(st.st_mode)) {
		if (ignored(s, sub, d_name, 1))
			return 0;
		int loop = 0;
		for (int k = 0; k < s->depth; k++)
			loop |= s->dev[k] == st.st_dev && s->ino[k] == st.st_ino;
		if (loop) {
			warn(s->o, sub, "folder link loop, skipped");
			return 0;
		}
		if (s->depth >= MAX_DEPTH) {
			warn(s->o, sub, "folders nested too deep, skipped");
			return 0;
		}
		s->dev[s->depth] = st.st_dev;
		s->ino[s->depth] = st.st_ino;
		s->depth++;
		int rc = walk(s, fd, d_name, sub, sub_len, &st, maybe_link && S_ISLNK(lst.st_mode));
		s->depth--;
		return rc;
	}
	if (!S_ISREG(st.st_mode) || ignored(s, sub, d_name, 0))
		return 0;
	return add_entry(s, sub, sub_len, &st, 0);
stat_failed:;
	int e = errno;
	if (transient(e))
		incomplete_at(s, sub, dir_len, e);
	warn(s->o, sub, e == ELOOP ? "symbolic link loop, skipped" : strerror(e));
	return 0;
}

/* Point each file at its path, once s->paths no longer moves; sort the
   list if walk's order was not the sorted one (see okey). */
static void fix_paths(scan *s)
{
	int sorted = 1;
	for (size_t i = 0; i < s->n; i++) {
		s->files[i].rel = s->paths + s->files[i].rel_off;
		if (i && strcmp(s->files[i - 1].rel, s->files[i].rel) >= 0)
			sorted = 0;
	}
	if (!sorted)
		qsort(s->files, s->n, sizeof *s->files, cfile_cmp);
}

/* Scan the notes folder; with index_path, the folder listings kept beside that index are used and updated. */
static int scan_corpus(scan *s, const char *corpus_dir, const char *index_path, const lidx_sync_opts *o,
                       lidx_err *err)
{
	memset(s, 0, sizeof *s);
	s->o = o;
	char real[PATH_MAX];
	if (!realpath(corpus_dir, real))
		return lidx__err(err, LIDX_ENOTFOUND, "cannot open notes folder %s: %s", corpus_dir, strerror(errno));
	s->root = lidx__strndup(real, strlen(real));
	s->dev = lidx__calloc(MAX_DEPTH + 1, sizeof *s->dev);
	s->ino = lidx__calloc(MAX_DEPTH + 1, sizeof *s->ino);
	if (!s->root || !s->dev || !s->ino)
		return lidx__err(err, LIDX_ENOMEM, "out of memory");
	struct stat st;
	if (stat(real, &st) != 0 || !S_ISDIR(st.st_mode))
		return lidx__err(err, LIDX_EINVAL, "%s is not a folder", corpus_dir);
	s->dev[0] = st.st_dev;
	s->ino[0] = st.st_ino;
	s->depth = 1;
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	s->t_scan_ns = ns_of(now);
	statter par;
	memset(&par, 0, sizeof par);
	s->par = &par;
	int rc = load_ignore(s);
	if (rc == 0 && index_path)
		rc = index_inside(s, index_path);
	if (rc == 0 && index_path)
		s->dc = dcache_open(index_path); /* NULL: none (the scan reads every folder) */
	char rel[PATH_MAX] = "";
	if (rc == 0)
		rc = walk(s, AT_FDCWD, "", rel, 0, &st, 1);
	statter_stop(&par);
	s->par = NULL;
	fix_paths(s);
	if (rc == 0)
		dcache_save(s->dc);
	dcache_free(s->dc);
	s->dc = NULL;
	if (rc < 0)
		return lidx__err(err, rc, "out of memory scanning %s", corpus_dir);
	return 0;
}

/* ---- freshness -------------------------------------------------------------------- */

/* CRC32 << 32 | Adler-32 of the bytes: what the FILES table keeps of a racy file. */
static uint64_t content_hash(const uint8_t *p, size_t n)
{
	return (uint64_t)crc32_z(0, p, n) << 32 | (uint64_t)adler32_z(1, p, n);
}

/*
 * Racy files (git's term): one modified within a timestamp tick of the
 * scan could be edited again after it was read and keep its size and
 * times -- on a file system with 1-second timestamps, or within one kernel
 * tick on any. For those the content's hash is kept, and compared when
 * their stat data has not changed. The tick is taken as 1 s when the mtime
 * has no nanoseconds, else 20 ms (kernel timestamps are coarse).
 */
static int64_t tick_of(int64_t mtime_ns)
{
	return mtime_ns % 1000000000 == 0 ? 1000000000 : 20000000;
}

static int racy(const scan *s, int64_t mtime_ns)
{
	/* (an edit sets mtime and ctime to now: an old mtime would change, so
	   only a recent mtime can stay the same; ctime is never older) */
	return mtime_ns >= s->t_scan_ns - tick_of(mtime_ns);
}

static int64_t now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	return ns_of(t);
}

/* 1 if the file at rel still has the content whose hash was kept. */
static int same_content(const scan *s, const char *rel, uint64_t size, uint64_t hash)
{
	char full[PATH_MAX];
	if ((size_t)snprintf(full, sizeof full, "%s/%s", s->root, rel) >= sizeof full)
		return 0;
	char *text;
	size_t len;
	const char *why;
	if (lidx__read_small(full, size, &text, &len, &why) < 0)
		return 0;
	int same = len == size && content_hash((const uint8_t *)text, len) == hash;
	lidx__free(text);
	return same;
}

/* 1 if scan file f is not what the index's entry fi describes. */
static int file_changed(const scan *s, const cfile *f, const lidx_file_info *fi)
{
	int ix_skip = fi->skip_reason == LIDX_SKIP_FOLDER || fi->skip_reason == LIDX_SKIP_OUTSIDE
	              ? fi->skip_reason : 0;
	/* a file that changed or failed while it was read is read again */
	return f->size != fi->size || f->mtime_ns != fi->mtime_ns || f->ctime_ns != fi->ctime_ns ||
	       f->ino != fi->ino || f->skip != ix_skip || fi->skip_reason == LIDX_SKIP_CHANGED ||
	       (fi->hashed && !same_content(s, f->rel, f->size, fi->hash));
}

/*
 * Does the index describe exactly these files? Counts the differences. A
 * file is unchanged when size, mtime, ctime and inode are (ctime: a chmod
 * that makes a skipped file readable; inode: a file replaced by another),
 * and, for a racy one, its content hash.
 */
static int compare(lidx_index *ix, scan *s, lidx_sync_report *rep)
{
	uint32_t added = 0, changed = 0, deleted = 0;
	size_t i = 0, j = 0;
	uint32_t nf = lidx_index_file_count(ix);
	/* the index lists files in the order they were added: sorted by path */
	while (i < s->n || j < nf) {
		lidx_file_info fi;
		int c;
		if (j < nf)
			lidx_index_file(ix, (uint32_t)j, &fi);
		if (i >= s->n)
			c = 1;
		else if (j >= nf)
			c = -1;
		else
			c = strcmp(s->files[i].rel, fi.path);
		if (c < 0) {
			added++, i++;
		} else if (c > 0) {
			deleted++, j++;
		} else {
			changed += file_changed(s, &s->files[i], &fi);
			i++, j++;
		}
	}
	rep->n_added = added;
	rep->n_changed = changed;
	rep->n_deleted = deleted;
	return added || changed || deleted;
}

/* ---- reading one file ------------------------------------------------------------ */

enum { NOTE_OK = 0, NOTE_SKIP = 1, NOTE_RETRY = 2 };

/*
 * Read a notes file. Returns NOTE_OK with *text (malloc'd), NOTE_SKIP with
 * *reason (a warning was given), NOTE_RETRY when the file could not be
 * opened for a passing reason (too many open files: the build must not go
 * on without it), or a negative code. *st gets what fstat() said of the
 * file read (or nothing, when it could not be opened); *hash its content
 * hash when it is racy.
 */
static int read_note(const scan *s, const cfile *f, uint64_t max, char **text, size_t *len,
                     struct stat *st, int *reason, int *hashed, uint64_t *hash)
{
	const lidx_sync_opts *o = s->o;
	const char *rel = f->rel;
	char full[PATH_MAX];
	snprintf(full, sizeof full, "%s/%s", s->root, rel);
	*text = NULL;
	*hashed = 0;
	*reason = LIDX_SKIP_NONE;
	/* O_NONBLOCK: a note swapped for a FIFO since the scan opens at once, and
	   is then refused as not a regular file (it hung the build, lock held) */
	int fd = open(full, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		int e = errno;
		if (transient(e))
			return NOTE_RETRY;
		char msg[256];
		snprintf(msg, sizeof msg, "cannot read: %s; skipped", strerror(e));
		warn(o, rel, msg);
		*reason = LIDX_SKIP_UNREADABLE;
		return NOTE_SKIP;
	}
	if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode)) {
		close(fd);
		warn(o, rel, "not a regular file; skipped");
		*reason = LIDX_SKIP_NOT_REGULAR;
		return NOTE_SKIP;
	}
	if ((uint64_t)st->st_ino != f->ino) {
		/* replaced since the scan (and perhaps by a link out of the folder):
		   skipped now; its new stat data makes the next run read it */
		close(fd);
		warn(o, rel, "replaced while the notes were read; skipped this time");
		*reason = LIDX_SKIP_CHANGED;
		return NOTE_SKIP;
	}
	if ((uint64_t)st->st_size > max) {
		close(fd);
		char msg[128];
		snprintf(msg, sizeof msg, "larger than %llu MiB; skipped", (unsigned long long)(max >> 20));
		warn(o, rel, msg);
		*reason = LIDX_SKIP_TOO_BIG;
		return NOTE_SKIP;
	}
	int fl = fcntl(fd, F_GETFL);
	if (fl >= 0)
		fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	size_t n = (size_t)st->st_size;
	uint8_t *buf = lidx__malloc(n + 1);
	if (!buf) {
		close(fd);
		return LIDX_ENOMEM;
	}
	ssize_t got = lidx__read_full(fd, buf, n);
	close(fd);
	if (got < 0 || (size_t)got != n) { /* cut short, or a read error: tried again next time */
		lidx__free(buf);
		warn(o, rel, "could not be read whole (changed while reading?); skipped this time");
		*reason = LIDX_SKIP_CHANGED;
		return NOTE_SKIP;
	}
	buf[n] = 0;
	int64_t mt, ct;
	stat_times(st, &mt, &ct);
	(void)ct;
	if (racy(s, mt)) {
		*hashed = 1;
		*hash = content_hash(buf, n);
	}
	if (n >= 2 && ((buf[0] == 0xff && buf[1] == 0xfe) || (buf[0] == 0xfe && buf[1] == 0xff))) {
		size_t ol;
		char *u = lidx__utf16_to_utf8(buf, n, &ol);
		lidx__free(buf);
		if (!u)
			return LIDX_ENOMEM;
		warn(o, rel, "UTF-16 text, decoded");
		*text = u;
		*len = ol;
		return NOTE_OK;
	}
	if (n >= 5 && !memcmp(buf, "%PDF-", 5)) {
		lidx__free(buf);
		warn(o, rel, "a PDF file: export it to text to search it; skipped");
		*reason = LIDX_SKIP_PDF;
		return NOTE_SKIP;
	}
	if (memchr(buf, 0, n < 8192 ? n : 8192)) {
		lidx__free(buf);
		warn(o, rel, "binary file (NUL bytes); skipped");
		*reason = LIDX_SKIP_BINARY;
		return NOTE_SKIP;
	}
	*text = (char *)buf;
	*len = n;
	return NOTE_OK;
}

/* ---- building --------------------------------------------------------------------- */

/*
 * The index would keep the content hash of each racy file, and every
 * freshness check would read such a file again until the next build. Once
 * a racy file's tick has passed, an edit gives it a new mtime: if its
 * content is then still the bytes indexed, the hash is no longer needed.
 * So the build waits for the tick to pass when that is soon (at most
 * settle_wait_ms: the 20 ms tick of a file system with fine timestamps,
 * not the 1 s of a coarse one), reads each racy file whose tick has passed
 * again, and drops the hash of those that are unchanged. One that changed
 * keeps its (old) hash, which the next check finds different.
 */
static void settle(const scan *s, lidx_builder *b, const uint32_t *bfile)
{
	if (!s->n_racy)
		return;
	int64_t last = INT64_MIN;
	for (size_t i = 0; i < s->n; i++)
		if (s->files[i].racy && s->files[i].mtime_ns + tick_of(s->files[i].mtime_ns) > last)
			last = s->files[i].mtime_ns + tick_of(s->files[i].mtime_ns);
	int64_t wait = last - now_ns() + 1000000; /* +1 ms: past the tick, not on it */
	if (wait > 0 && wait <= (int64_t)settle_wait_ms * 1000000) {
		struct timespec ts = { (time_t)(wait / 1000000000), (long)(wait % 1000000000) };
		while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
			;
	}
	int64_t now = now_ns(); /* taken before the reads: each read is after the tick */
	for (size_t i = 0; i < s->n; i++) {
		const cfile *f = &s->files[i];
		if (f->racy && f->mtime_ns + tick_of(f->mtime_ns) < now &&
		    same_content(s, f->rel, f->size, f->hash))
			lidx__builder_unhash(b, bfile ? bfile[i] : i);
	}
}

/* Read scan file i and add it to the builder (its stories, or the reason it
   is skipped). */
static int add_note(scan *s, lidx_builder *b, size_t i, uint64_t max, lidx_sync_report *rep,
                    lidx_err *err)
{
	const lidx_sync_opts *o = s->o;
	cfile *f = &s->files[i];
	lidx_file_info fi;
	memset(&fi, 0, sizeof fi);
	fi.path = f->rel;
	fi.size = f->size;
	fi.mtime_ns = f->mtime_ns;
	fi.ctime_ns = f->ctime_ns;
	fi.ino = f->ino;
	char *text = NULL;
	size_t len = 0;
	int r = NOTE_SKIP, rc;
	if (f->skip) {
		fi.skip_reason = f->skip; /* a folder or a link, told at the scan */
	} else {
		struct stat st;
		r = read_note(s, f, max, &text, &len, &st, &fi.skip_reason, &fi.hashed, &fi.hash);
		if (r < 0)
			return lidx__err(err, r, "out of memory reading %s", f->rel);
		if (r == NOTE_RETRY)
			return lidx__err(err, LIDX_EIO, "cannot open %s: %s", f->rel, strerror(errno));
		if (r == NOTE_OK) { /* what was read is what is recorded */
			fi.size = (uint64_t)st.st_size;
			stat_times(&st, &fi.mtime_ns, &fi.ctime_ns);
		}
	}
	(void)o;
	fi.skipped = r != NOTE_OK;
	if (fi.hashed) { /* s->files[i] describes the bytes read, for settle() */
		f->size = fi.size;
		f->mtime_ns = fi.mtime_ns;
		f->hash = fi.hash;
		f->racy = 1;
		s->n_racy++;
	}
	rc = lidx_builder_add_file_info(b, &fi);
	if (rc < 0) {
		lidx__err(err, rc, "out of memory");
	} else if (r == NOTE_OK) {
		const char *name = strrchr(f->rel, '/');
		rc = lidx_builder_add_text(b, text, len, name ? name + 1 : f->rel, err);
		rep->n_files++;
	} else {
		rep->n_skipped++;
	}
	lidx__free(text);
	return rc;
}

static void remove_segments(const char *index_path, const lidx_manifest *keep);

/* The builder's memory budget from the options; its temporary files go beside path. */
static int set_memory(lidx_builder *b, const lidx_sync_opts *o, const char *path)
{
	size_t m = o && o->max_memory ? o->max_memory : LIDX_BUILD_MEMORY;
	return lidx_builder_set_memory(b, m == SIZE_MAX ? 0 : m, path);
}

static int build(scan *s, const char *index_path, const lidx_sync_opts *o, lidx_sync_report *rep,
                 lidx_err *err)
{
	lidx_builder *b;
	if (lidx_builder_new(&b) < 0)
		return lidx__err(err, LIDX_ENOMEM, "out of memory");
	uint64_t max = o && o->max_file_bytes ? o->max_file_bytes : DEFAULT_MAX_FILE;
	int rc = lidx_builder_set_root(b, s->root);
	if (rc == 0)
		rc = set_memory(b, o, index_path);
	rep->n_files = rep->n_skipped = 0;
	s->n_racy = 0;
	for (size_t i = 0; i < s->n && rc == 0; i++) {
		if (o && o->progress)
			o->progress(o->ctx, i, s->n, s->files[i].rel);
		rc = add_note(s, b, i, max, rep, err);
	}
	if (o && o->progress && rc == 0)
		o->progress(o->ctx, s->n, s->n, "");
	if (rc == 0)
		settle(s, b, NULL);
	if (rc == 0)
		rc = lidx_builder_write(b, index_path, err);
	rep->n_runs = lidx_builder_runs(b);
	lidx_builder_free(b);
	/* the new main file is not the one a manifest names: the segments of
	   the old one are dead now (readers already ignore them) */
	if (rc == 0)
		remove_segments(index_path, NULL);
	return rc;
}

/* ---- updating: a segment of the changed files ---------------------------------------- */

/*
 * Remove the files beside index_path whose name is index_path's own name
 * followed by a suffix drop(suffix, ctx) accepts (temporary files, old
 * segments). Called with the build lock held.
 */
static void sweep_siblings(const char *index_path, int (*drop)(const char *suffix, void *ctx), void *ctx)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(index_path, '/');
	const char *base = slash ? slash + 1 : index_path;
	if (slash)
		snprintf(dir, sizeof dir, "%.*s", (int)(slash - index_path) + (slash == index_path), index_path);
	else
		snprintf(dir, sizeof dir, ".");
	size_t bl = strlen(base);
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d)))
		if (!strncmp(de->d_name, base, bl) && drop(de->d_name + bl, ctx))
			unlinkat(dirfd(d), de->d_name, 0);
	closedir(d);
}

/* drop for sweep_siblings: manifest temps, segments the manifest does not name */
static int stale_segment(const char *n, void *ctx)
{
	const lidx_manifest *keep = ctx;
	if (!strncmp(n, ".live.tmp.", 10))
		return 1;
	if (strncmp(n, ".seg.", 5) != 0)
		return 0;
	char *end;
	errno = 0;
	unsigned long g = strtoul(n + 5, &end, 10);
	if (*end == 0 && errno == 0 && keep) /* a segment: kept when named */
		for (uint32_t k = 1; k < keep->n; k++)
			if (keep->seg[k].gen == g)
				return 0;
	return 1;
}

/*
 * Remove PATH.live (when keep is NULL), the segment files keep does not name
 * and the temporary files of killed segment or manifest writers. Called
 * with the build lock held: no other builder is writing one.
 */
static void remove_segments(const char *index_path, const lidx_manifest *keep)
{
	if (!keep) {
		char mp[PATH_MAX + 8];
		snprintf(mp, sizeof mp, "%s.live", index_path);
		unlink(mp);
	}
	sweep_siblings(index_path, stale_segment, (void *)keep);
}

/* Add file f (local id in its segment) to the segment's deleted files. */
static int mark_dead(lidx_manifest_seg *e, uint32_t f)
{
	uint32_t *p = lidx__realloc(e->dead_files, ((size_t)e->n_dead + 1) * 4);
	if (!p)
		return LIDX_ENOMEM;
	e->dead_files = p;
	uint32_t k = e->n_dead;
	while (k > 0 && p[k - 1] > f) {
		p[k] = p[k - 1];
		k--;
	}
	if (k > 0 && p[k - 1] == f) { /* already dead: undo the shift */
		memmove(p + k, p + k + 1, (size_t)(e->n_dead - k) * 4);
		return 0;
	}
	p[k] = f;
	e->n_dead++;
	return 0;
}

/* the merge policy (see DESIGN.md, "Incremental updates") */
#define SEG_MAX_SMALL 4   /* segments beside the main file before they are merged */
#define SEG_MAX_SHARE 5   /* full rebuild once the files outside the main file plus its deleted ones pass 1/5 of its files (an edited file is both) */

/*
 * Write the changed, added and deleted files as a segment beside the index
 * ix (the current one, checked under the lock): a new segment file with the
 * changed and added files, their old versions (and the deleted files)
 * marked deleted in the segments that hold them, then the new manifest by
 * rename. When there would be more than SEG_MAX_SMALL segments beside the
 * main file, the new segment also takes the live files of the others
 * (read again from the notes), which are dropped. Returns 1 when the change
 * is too large for a segment (the caller rebuilds), 0 when written, or a
 * negative code.
 */
static int update(scan *s, lidx_index *ix, const char *index_path, const lidx_sync_opts *o,
                  lidx_sync_report *rep, lidx_err *err)
{
	lidx_manifest m;
	memset(&m, 0, sizeof m);
	lidx_builder *b = NULL;
	uint8_t *take = lidx__calloc(s->n ? s->n : 1, 1);   /* scan files for the new segment */
	uint32_t *bfile = lidx__calloc(s->n ? s->n : 1, sizeof *bfile);
	uint8_t *gdead = lidx__calloc(ix->n_files ? ix->n_files : 1, 1); /* index files to delete */
	int rc = 0;
	if (!take || !bfile || !gdead || lidx__segs_manifest(ix, &m) < 0) {
		rc = lidx__err(err, LIDX_ENOMEM, "out of memory");
		goto done;
	}
	/* the differences, as compare() finds them */
	size_t i = 0, j = 0, n_take = 0;
	uint32_t nf = ix->n_files;
	while (i < s->n || j < nf) {
		int c = i >= s->n ? 1 : j >= nf ? -1 : strcmp(s->files[i].rel, ix->files[j].path);
		if (c < 0) {
			take[i++] = 1;
		} else if (c > 0) {
			gdead[j++] = 1;
		} else {
			if (file_changed(s, &s->files[i], &ix->files[j]))
				take[i] = gdead[j] = 1;
			i++, j++;
		}
	}
	uint32_t nseg = m.n, merge = nseg - 1 >= SEG_MAX_SMALL;
	if (merge) { /* the new segment takes the small segments' live files too */
		for (i = 0, j = 0; i < s->n && j < nf;) {
			int c = strcmp(s->files[i].rel, ix->files[j].path);
			if (c == 0) {
				uint32_t sg, lf;
				lidx__segs_where(ix, (uint32_t)j, &sg, &lf);
				if (sg != 0)
					take[i] = 1;
			}
			if (c <= 0)
				i++;
			if (c >= 0)
				j++;
		}
		for (uint32_t k = 1; k < m.n; k++)
			lidx__free(m.seg[k].dead_files);
		m.n = 1;
	}
	for (j = 0; j < nf; j++) {
		if (!gdead[j])
			continue;
		uint32_t sg, lf;
		lidx__segs_where(ix, (uint32_t)j, &sg, &lf);
		if (sg >= m.n)
			continue; /* in a segment the merge drops */
		if (mark_dead(&m.seg[sg], lf) < 0) {
			rc = lidx__err(err, LIDX_ENOMEM, "out of memory");
			goto done;
		}
	}
	for (i = 0; i < s->n; i++)
		n_take += take[i];
	/* too much for a segment: the main file's deleted files and the files
	   outside it would pass a fifth of its files (an edited file counts
	   twice, its dead old version and its new one: both cost, DESIGN.md) */
	lidx_index *main = lidx__segs_seg(ix, 0);
	uint64_t outside = n_take;
	if (!merge)
		for (uint32_t k = 1; k < m.n; k++)
			outside += lidx__segs_seg(ix, k)->n_files - m.seg[k].n_dead;
	if ((outside + m.seg[0].n_dead) * SEG_MAX_SHARE > main->n_files ||
	    (n_take && m.n >= LIDX_MAX_SEGS)) {
		rc = 1;
		goto done;
	}
	rep->n_files = rep->n_skipped = 0;
	s->n_racy = 0;
	if (n_take) {
		uint32_t gen = m.next_gen++;
		char sp[PATH_MAX + 32];
		lidx__segs_seg_path(index_path, gen, sp, sizeof sp);
		uint64_t max = o && o->max_file_bytes ? o->max_file_bytes : DEFAULT_MAX_FILE;
		if (lidx_builder_new(&b) < 0) {
			rc = lidx__err(err, LIDX_ENOMEM, "out of memory");
			goto done;
		}
		rc = lidx_builder_set_root(b, s->root);
		if (rc == 0)
			rc = set_memory(b, o, index_path); /* temporary files: PATH.run.* */
		uint32_t nb = 0;
		for (i = 0; i < s->n && rc == 0; i++) {
			if (!take[i])
				continue;
			bfile[i] = nb++;
			rc = add_note(s, b, i, max, rep, err);
		}
		if (rc == 0) {
			/* settle only the files of this segment */
			for (i = 0; i < s->n; i++)
				if (!take[i] && s->files[i].racy)
					s->files[i].racy = 0;
			settle(s, b, bfile);
		}
		if (rc == 0)
			rc = lidx_builder_write(b, sp, err);
		rep->n_runs = lidx_builder_runs(b);
		lidx_index *x = NULL;
		if (rc == 0 && (rc = lidx__index_open_one(&x, sp, 0, err)) == 0) {
			lidx_manifest_seg *e = &m.seg[m.n++];
			memset(e, 0, sizeof *e);
			e->gen = gen;
			e->size = x->size;
			e->id = lidx__segs_file_id(x);
			lidx_index_close(x);
		}
		if (rc < 0)
			goto done;
	}
	/* the near-duplicate groups of the new set, as a fresh build's */
	if ((rc = lidx__segs_set_groups(index_path, &m, err)) < 0 ||
	    (rc = lidx__manifest_write(index_path, &m, err)) < 0)
		goto done;
	remove_segments(index_path, &m);
	rep->updated = 1;
done:
	lidx_builder_free(b);
	lidx__manifest_clear(&m);
	lidx__free(take);
	lidx__free(bfile);
	lidx__free(gdead);
	return rc;
}

/* drop for sweep_siblings: temporary files of builders and of the folder cache */
static int stale_temp(const char *n, void *ctx)
{
	(void)ctx; /* (a search writing a .dirs file just fails to rename it) */
	return (!strncmp(n, ".tmp.", 5) && strlen(n + 5) == 6) || (!strncmp(n, ".dirs.", 6) && strlen(n + 6) == 6) ||
	       (!strncmp(n, ".run.", 5) && strlen(n + 5) == 6);
}

/*
 * Remove the temporary files (index_path.tmp.XXXXXX) of builders that were
 * killed before their rename: each is as big as the index; and the runs and
 * store spills of a bounded-memory build (index_path.run.XXXXXX, only where
 * O_TMPFILE is missing, and only between mkstemp and unlink: merge.c
 * lidx__tmpfile). Also those of the folder cache (index_path.dirs.XXXXXX, see dcache_save). Only a builder
 * holding the lock writes one, so with the lock held none is in use.
 */
static void sweep_temps(const char *index_path)
{
	sweep_siblings(index_path, stale_temp, NULL);
}

/*
 * Never overwrite what is not ours: a file at index_path that is not a
 * cvsearch index (`--index notes.md` by mistake), or the index of another
 * notes folder (one --index FILE for two folders). A damaged index of this
 * folder, or an empty file, is fine to rebuild. The index opened to tell
 * whose it is is handed on in *ix_out (NULL when none could be opened, with
 * the reason in *orc_out): the freshness check reads the same one.
 */
static int check_target(const char *index_path, const char *root, lidx_index **ix_out, int *orc_out,
                        lidx_err *err)
{
	*ix_out = NULL;
	*orc_out = LIDX_ENOTFOUND;
	int fd = open(index_path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0 && errno == ELOOP)
		return lidx__err(err, LIDX_EUNSAFE, "index %s is a symbolic link: not writing through it "
		                 "(remove it, or choose another index file)", index_path);
	if (fd < 0)
		return 0; /* missing (or unreadable: writing it will say) */
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return lidx__err(err, LIDX_EINVAL, "%s is not a regular file: not overwriting it "
		                 "(choose another index file)", index_path);
	}
	uint8_t head[8];
	ssize_t n = read(fd, head, sizeof head);
	close(fd);
	if (n > 0 && memcmp(head, LIDX_MAGIC, (size_t)n) != 0)
		return lidx__err(err, LIDX_EINVAL, "%s is not a cvsearch index: not overwriting it "
		                 "(choose another index file)", index_path);
	lidx_index *ix;
	lidx_err oe;
	int orc = lidx_index_open(&ix, index_path, 0, &oe);
	*orc_out = orc;
	if (orc == LIDX_ECORRUPT || orc == LIDX_EVERSION || orc == LIDX_ENOTFOUND)
		return 0; /* damaged or gone: ours to rebuild */
	if (orc < 0)
		return lidx__err(err, orc, "%s", oe.msg); /* cannot tell whose it is: do not touch it */
	if (ix->root && *ix->root && strcmp(ix->root, root) != 0) {
		int rc = lidx__err(err, LIDX_EINVAL, "index %s holds the notes of %s, not of %s: not "
		                   "overwriting it (choose another index file, or delete it)",
		                   index_path, ix->root, root);
		lidx_index_close(ix);
		return rc;
	}
	*ix_out = ix;
	return 0;
}

/* 1 if the index ix (NULL: it could not be opened, for the reason orc) is
   missing, unreadable or describes other files. */
static int stale_ix(lidx_index *ix, int orc, scan *s, lidx_sync_report *rep)
{
	if (!ix) {
		rep->was_corrupt = orc == LIDX_ECORRUPT || orc == LIDX_EVERSION;
		rep->n_added = (uint32_t)s->n;
		rep->n_changed = rep->n_deleted = 0;
		return 1;
	}
	int stale = compare(ix, s, rep) || ix->engine_rev != LIDX_ENGINE_REV;
	rep->n_stories = ix->n_live;
	rep->n_skipped = 0;
	for (uint32_t f = 0; f < ix->n_files; f++)
		rep->n_skipped += (uint32_t)ix->files[f].skipped;
	return stale;
}

/* ---- the lock -------------------------------------------------------------------- */

#define LOCK_WAIT_SHORT 200      /* x 50 ms: ~10 s for a running builder, with an old index to serve */
#define LOCK_WAIT_LONG 2400      /* ~2 min: 'cvsearch index', or no index at all yet */
#define LOCK_WAIT_NS 50000000L

static void copy_str(char *dst, size_t n, const char *src)
{
	size_t l = strlen(src);
	if (l >= n)
		l = n - 1;
	memcpy(dst, src, l);
	dst[l] = 0;
}

/* 1 if the process whose pid the lock file holds is stopped (SIGSTOP, ^Z). */
static int holder_stopped(int lock, long *pid_out)
{
	char buf[32];
	ssize_t n = pread(lock, buf, sizeof buf - 1, 0);
	*pid_out = 0;
	if (n <= 0)
		return 0;
	buf[n] = 0;
	long pid = strtol(buf, NULL, 10);
	if (pid <= 0)
		return 0;
	*pid_out = pid;
	return lidx__pid_stopped(pid);
}

/*
 * Take the build lock without waiting forever: 0 (held), LIDX_ELOCKED with
 * *why set when a builder keeps it (stopped, or still busy after ~10 s), or
 * LIDX_EIO. The lock file is opened without following links and must be
 * ours; while held it holds our pid, so that others can tell a stopped
 * builder.
 */
static int take_lock(const char *lp, int max_steps, int *lock_out, char *why, size_t why_len, lidx_err *err)
{
	*lock_out = -1;
	int lock = open(lp, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0600);
	if (lock < 0) {
		int e = errno;
		snprintf(why, why_len, "cannot create the lock file: %s",
		         e == ELOOP ? "it is a symbolic link" : strerror(e));
		return lidx__err(err, e == ELOOP ? LIDX_EUNSAFE : LIDX_EIO, "%s (%s)", why, lp);
	}
	struct stat st;
	int rc;
	if (fstat(lock, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(lock);
		snprintf(why, why_len, "the lock file is not a regular file");
		return lidx__err(err, LIDX_EUNSAFE, "%s (%s)", why, lp);
	}
	if ((rc = lidx__check_trusted(&st, "lock file", lp, err)) < 0) {
		close(lock);
		copy_str(why, why_len, err ? err->msg : "lock file not trusted");
		return rc;
	}
	for (int step = 0;; step++) {
		if (flock(lock, LOCK_EX | LOCK_NB) == 0)
			break;
		if (errno == EINTR)
			continue;
		if (errno != EWOULDBLOCK) {
			snprintf(why, why_len, "cannot lock the index: %s", strerror(errno));
			close(lock);
			return lidx__err(err, LIDX_EIO, "%s (%s)", why, lp);
		}
		long pid;
		int stopped = holder_stopped(lock, &pid);
		if (stopped || step >= max_steps) {
			close(lock);
			if (stopped)
				snprintf(why, why_len, "another cvsearch (pid %ld) holds the build lock and is stopped", pid);
			else
				snprintf(why, why_len, "another cvsearch%s is still rebuilding it", pid ? "" : " process");
			return lidx__err(err, LIDX_ELOCKED, "%s (%s)", why, lp);
		}
		struct timespec ts = { 0, LOCK_WAIT_NS };
		nanosleep(&ts, NULL);
	}
	char pid[32];
	int n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
	if (ftruncate(lock, 0) != 0 || pwrite(lock, pid, (size_t)n, 0) != n) {
		/* only informative: others then wait the full time */
	}
	*lock_out = lock;
	return 0;
}

static void drop_lock(int lock)
{
	if (lock < 0)
		return;
	if (ftruncate(lock, 0) != 0) {
		/* a pid left behind names a process that no longer holds the lock: harmless */
	}
	close(lock); /* releases the lock */
}

/* 1 if a complete index of this folder is at index_path (check_target ran). */
static int old_usable(const char *index_path)
{
	lidx_index *ix;
	if (lidx_index_open(&ix, index_path, 0, NULL) < 0)
		return 0;
	lidx_index_close(ix);
	return 1;
}

/* Fall back to the previous index: rc becomes 0 and rep says why. */
static int serve_stale(lidx_sync_report *rep, const char *why)
{
	rep->stale = 1;
	copy_str(rep->why, sizeof rep->why, why);
	return 0;
}

static void index_folder(const char *index_path, char *out, size_t n)
{
	const char *slash = strrchr(index_path, '/');
	if (!slash)
		snprintf(out, n, ".");
	else if (slash == index_path)
		snprintf(out, n, "/");
	else
		snprintf(out, n, "%.*s", (int)(slash - index_path), index_path);
}

int lidx_corpus_sync(const char *corpus_dir, const char *index_path, const lidx_sync_opts *o,
                     lidx_sync_report *rep, lidx_err *err)
{
	return lidx__corpus_sync_open(corpus_dir, index_path, o, rep, NULL, 1, NULL, err);
}

int lidx_corpus_sync_open(const char *corpus_dir, const char *index_path, const lidx_sync_opts *o,
                          lidx_sync_report *rep, lidx_index **out, lidx_err *err)
{
	return lidx__corpus_sync_open(corpus_dir, index_path, o, rep, out, 1, NULL, err);
}

/* The index as a watcher vouched for it (watched: it answered yes, for the
   identity wid) is the one check_target opened: use it without a walk. */
static int watched_fresh(int watched, const lidx__ixid *wid, lidx_index *cur, const char *index_path,
                         lidx_sync_report *rep)
{
	lidx__ixid now;
	if (!watched || !cur || cur->engine_rev != LIDX_ENGINE_REV)
		return 0;
	/* stat'ed after the open: a file replaced since the answer differs */
	lidx__index_identity(index_path, &now);
	if (memcmp(&now, wid, sizeof now) != 0)
		return 0;
	lidx_stats st;
	lidx_index_stats(cur, &st);
	rep->watched = 1;
	rep->n_files = st.n_files;
	rep->n_skipped = st.n_skipped;
	rep->n_stories = st.n_stories;
	return 1;
}

int lidx__corpus_sync_open(const char *corpus_dir, const char *index_path, const lidx_sync_opts *o,
                           lidx_sync_report *rep, lidx_index **out, int ask_watcher, lidx__ixid *id_out,
                           lidx_err *err)
{
	if (out)
		*out = NULL;
	/* the identity of the index found fresh or written: before the open
	   and after the check when no lock is taken (another process may write
	   it meanwhile: then zeros), else under the lock */
	lidx__ixid id_before = { { 0 } }, id_after;
	if (id_out)
		memset(id_out, 0, sizeof *id_out);
	struct timeval t0, t1;
	gettimeofday(&t0, NULL);
	memset(rep, 0, sizeof *rep);
	int force = o && o->force;
	int lock = -1;
	char why[256] = "";
	scan s;
	memset(&s, 0, sizeof s);
	lidx_index *cur = NULL;
	int orc, rc;
	/* whether index_path may be written is decided before the scan reads
	   or saves the folder cache beside it (index_path.dirs) */
	char real[PATH_MAX];
	if (!realpath(corpus_dir, real)) {
		rc = lidx__err(err, LIDX_ENOTFOUND, "cannot open notes folder %s: %s", corpus_dir, strerror(errno));
		goto done;
	}
	char dir[PATH_MAX];
	index_folder(index_path, dir, sizeof dir);
	if ((rc = lidx__check_dir(dir, "index folder", 1, err)) < 0 && rc != LIDX_ENOTFOUND)
		goto done;
	/* a live `cvsearch watch` that has taken in every change made before
	   this question vouches for the index (watch.c): no walk. Asked before
	   the index is opened, so the index opened is at least the one vouched
	   for; if it is another, the folder is checked as usual */
	lidx__ixid wid;
	int watched = ask_watcher && !force && rc == 0 &&
	              lidx__watch_ask(real, index_path, o && o->max_file_bytes ? o->max_file_bytes : DEFAULT_MAX_FILE,
	                              &wid) == 1;
	if (id_out)
		lidx__index_identity(index_path, &id_before);
	if ((rc = check_target(index_path, real, &cur, &orc, err)) < 0)
		goto done;
	if (watched_fresh(watched, &wid, cur, index_path, rep)) {
		if (out)
			*out = cur;
		else
			lidx_index_close(cur);
		goto done;
	}
	if ((rc = scan_corpus(&s, corpus_dir, index_path, o, err)) < 0) {
		lidx_index_close(cur);
		goto done;
	}
	rep->n_files = (uint32_t)s.n;
	if (!stale_ix(cur, orc, &s, rep) && !force) {
		if (out) /* fresh: the caller searches the index just checked */
			*out = cur;
		else
			lidx_index_close(cur);
		if (id_out) {
			lidx__index_identity(index_path, &id_after);
			if (!memcmp(&id_before, &id_after, sizeof id_after))
				*id_out = id_after;
		}
		goto done;
	}
	lidx_index_close(cur);
	if (s.incomplete) {
		/* never replace an index by one that lost a folder to a passing error */
		if (!force && old_usable(index_path)) {
			rc = serve_stale(rep, s.why);
			goto done;
		}
		if (force) {
			rc = lidx__err(err, LIDX_EIO, "%s: not rebuilding the index without it", s.why);
			goto done;
		}
		/* no index at all: one with what could be read, said, beats none */
		warn(o, ".", "some notes could not be read: the index lacks them until the next run");
	}
	/* builders take turns; readers never wait (the rename is atomic) */
	char lp[PATH_MAX];
	snprintf(lp, sizeof lp, "%s.lock", index_path);
	/* a search with an old index to fall back on waits ~10 s for a running
	   builder; an explicit rebuild, or a first build, up to ~2 min; none
	   waits for a stopped one */
	int have_old = !force && old_usable(index_path);
	if ((rc = take_lock(lp, have_old ? LOCK_WAIT_SHORT : LOCK_WAIT_LONG, &lock, why, sizeof why, err)) < 0) {
		if (have_old && rc != LIDX_EUNSAFE)
			rc = serve_stale(rep, why);
		goto done;
	}
	sweep_temps(index_path);
	/* another process may have built it while we waited */
	lidx_index *now = NULL;
	int nrc = lidx_index_open(&now, index_path, 0, err);
	if (nrc == LIDX_ENOMEM) { /* not a reason to rebuild it all */
		rc = nrc;
		goto done;
	}
	if (nrc < 0)
		now = NULL;
	if (!force && !stale_ix(now, nrc, &s, rep)) {
		lidx_index_close(now);
		if (id_out) /* only lock holders write it */
			lidx__index_identity(index_path, id_out);
		goto done;
	}
	/* a change to a complete index of this engine: a segment of the
	   changed files, if small enough; else (or when the notes could not
	   all be read) the whole index */
	rc = 1;
	if (now && !force && !s.incomplete && now->engine_rev == LIDX_ENGINE_REV)
		rc = update(&s, now, index_path, o, rep, err);
	lidx_index_close(now);
	if (rc == LIDX_ECORRUPT) {
		/* damage the open did not check (a big section of a large main file,
		   e.g. SIGS, is checked when first read): the whole index anew */
		rep->was_corrupt = 1;
		rc = 1;
	}
	if (rc == 1)
		rc = build(&s, index_path, o, rep, err);
	if (rc == 0) {
		rep->rebuilt = 1;
		if (id_out) /* the lock still held: the index just written */
			lidx__index_identity(index_path, id_out);
		lidx_index *ix;
		if (lidx_index_open(&ix, index_path, 0, NULL) == 0) {
			lidx_stats st;
			lidx_index_stats(ix, &st);
			rep->n_stories = st.n_stories; /* live ones, after an update */
			rep->n_files = st.n_files;
			rep->n_skipped = st.n_skipped;
			lidx_index_close(ix);
		}
	} else if (!force && rc != LIDX_ENOMEM && old_usable(index_path)) {
		/* disk full, out of inodes, read-only: the old index is still whole */
		rc = serve_stale(rep, err ? err->msg : lidx_strerror(rc));
	}
done:
	drop_lock(lock);
	gettimeofday(&t1, NULL);
	rep->seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_usec - t0.tv_usec) / 1e6;
	scan_free(&s);
	return rc;
}
