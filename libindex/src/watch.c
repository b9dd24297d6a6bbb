/*
 * watch.c -- `cvsearch watch` (issue #10): a process that watches a notes
 * folder with inotify, keeps its index fresh with lidx_corpus_sync()'s own
 * check and segment updates, and answers searches on a socket beside the
 * index: yes when every change made before the question is in the index,
 * so that the search opens it without stat'ing every note. Called by the
 * CLI (cmd_watch.c) and by corpus.c (lidx__watch_ask). Linux only:
 * elsewhere lidx_watch_open() says LIDX_ENOTSUP and searches walk.
 *
 * Why it is safe (see DESIGN.md, "A watcher"):
 *  - inotify queues an event before the system call that changed the file
 *    returns; a question sent after a change therefore finds its event
 *    queued, and the watcher reads the whole queue before it answers;
 *  - inotify only says "something changed": the index is brought up to date
 *    by the ordinary check (every note stat'ed, racy files hashed), run
 *    after the events were read, so a change during that check is an event
 *    of the next round; the watcher says yes only when a round found the
 *    queue empty after its check;
 *  - a folder is watched before it is read (an entry made later is an
 *    event), new folders are watched before the check that follows, and a
 *    lost event (IN_Q_OVERFLOW), a mount or unmount, or a link in the notes
 *    makes the watcher watch every folder anew before the check;
 *  - a watcher that cannot watch every folder (fs.inotify.max_user_watches)
 *    says no; a killed one leaves a socket nobody listens on (connection
 *    refused), a stopped one is seen in /proc and not waited for, and the
 *    index a search opens must be the very file the watcher vouched for.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "common.h"
#include "index.h"
#include "safefile.h"
#include "watch.h"

static void fill_id(uint64_t *v, const struct stat *st)
{
	v[0] = (uint64_t)st->st_dev;
	v[1] = (uint64_t)st->st_ino;
	v[2] = (uint64_t)st->st_size;
	v[3] = (uint64_t)st->st_mtim.tv_sec * 1000000000u + (uint64_t)st->st_mtim.tv_nsec;
	v[4] = (uint64_t)st->st_ctim.tv_sec * 1000000000u + (uint64_t)st->st_ctim.tv_nsec;
}

void lidx__index_identity(const char *index_path, lidx__ixid *out)
{
	memset(out, 0, sizeof *out);
	struct stat st;
	if (lstat(index_path, &st) == 0)
		fill_id(out->v, &st);
	char mp[PATH_MAX + 8];
	if ((size_t)snprintf(mp, sizeof mp, "%s.live", index_path) < sizeof mp && lstat(mp, &st) == 0)
		fill_id(out->v + 5, &st);
}

int lidx__pid_stopped(long pid)
{
	char path[64], st[512];
	if (pid <= 0)
		return 0;
	snprintf(path, sizeof path, "/proc/%ld/stat", pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, st, sizeof st - 1);
	close(fd);
	if (n <= 0)
		return 0;
	st[n] = 0;
	const char *paren = strrchr(st, ')'); /* "pid (comm) S ..." */
	return paren && paren[1] == ' ' && (paren[2] == 'T' || paren[2] == 't');
}

#ifdef __linux__

#include <dirent.h>
#include <poll.h>
#include <signal.h>
#include <time.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/vfs.h>

/*
 * The conversation, on index_path + ".sock" (a stream socket):
 *   search:  "CVSW1 ask ENGINE_REV MAX_FILE_BYTES ROOT_LEN\n" ROOT
 *   watcher: "ok PID V0 .. V9\n"   (the identity of the index, lidx__ixid)
 *         or "no PID WHY\n"
 *   or "CVSW1 stop\n", answered "bye PID\n" before the watcher exits.
 */
#define PROTO "CVSW1"
#define ASK_TIMEOUT_MS 10000  /* a search waits this long (the watcher may be updating the index) */
#define ASK_SLICE_MS 200      /* ... looking every slice whether the watcher was stopped */
#define REQ_TIMEOUT_MS 1000   /* the watcher waits this long for a question once connected */
#define QUIET_MS 30           /* changes are taken in once the notes are quiet this long ... */
#define QUIET_MAX_MS 300      /* ... or this long after the first */
#define RETRY_MS 10000        /* a watcher that could not watch every folder tries again */
#define MAX_ROUNDS 8          /* checks for one question while changes keep coming */
#define MAX_DEPTH 64          /* as corpus.c */

#define WATCH_MASK (IN_CREATE | IN_DELETE | IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_MOVED_FROM | \
                    IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR)

typedef struct wdir {
	int wd;
	int ix;             /* the folder holding the index (by device and inode: also through a link) */
	int out;            /* moved away, no move-in seen yet: its watch goes once the queue is read */
	char *rel;          /* the folder's path from the root ("" the root) when it was watched */
} wdir;

struct lidx_watcher {
	char *root;         /* the notes folder's real path */
	char *index_path;
	char *sock_path;    /* index_path.sock */
	char *ix_base;      /* the index file's name when its folder is inside the notes, else NULL */
	dev_t ix_dev;       /* ... and that folder's device and inode (a link to it is the same folder) */
	ino_t ix_ino;
	dev_t root_dev;     /* the notes folder watched: a folder put at its path (a parent renamed */
	ino_t root_ino;     /* and made anew) is watched anew */
	char *ign;          /* .cvsearchignore as the last check read it, when it is a symbolic link */
	size_t ign_len;     /* (its target may be outside the notes: no event; compared at each question) */
	int ign_rc;
	int ign_link;
	int lock_fd;        /* index_path.watch, flock'ed, holding our pid */
	int ino_fd;
	int sock_fd;
	int mounts_fd;      /* /proc/self/mounts: POLLPRI on a mount or unmount */
	int stop_fd[2];
	int bound;          /* the socket file is ours to remove */
	wdir *dirs;         /* by wd (rising: inotify gives them rising) */
	size_t n_dirs, cap_dirs;
	dev_t stack_dev[MAX_DEPTH + 1];
	ino_t stack_ino[MAX_DEPTH + 1];
	int depth;
	int has_links;      /* a symbolic link was seen in the notes: every change walks again */
	int dirty;          /* an event was read since the last check */
	int rewalk;         /* watch every folder anew before the next check */
	int clean;          /* the last check brought the index up to date */
	int degraded;       /* not every folder could be watched: say no */
	int said;           /* ... and the user was told (once, not at every retry) */
	int gone;           /* the notes folder was removed or moved */
	int moved_out;      /* some folder records are marked out */
	int stop_req;
	int64_t first_ns, last_ns, retry_ns;
	lidx__ixid id;      /* the index the last good check left */
	uint64_t max;       /* effective max_file_bytes */
	char why[256];      /* when not clean or degraded: why */
	lidx_watch_opts o;
};

static int64_t mono_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static void note(lidx_watcher *w, const char *msg)
{
	if (w->o.log)
		w->o.log(w->o.sync.ctx, 0, NULL, msg);
}

/* ---- asking (the search's side) ----------------------------------------------------- */

/* The socket's address; a path too long for sun_path goes through the
   index folder opened (*dfd, closed by the caller). -1 if it cannot be made. */
static int sock_addr(const char *sock_path, struct sockaddr_un *a, socklen_t *len, int *dfd)
{
	*dfd = -1;
	memset(a, 0, sizeof *a);
	a->sun_family = AF_UNIX;
	size_t n = strlen(sock_path);
	if (n < sizeof a->sun_path) {
		memcpy(a->sun_path, sock_path, n + 1);
	} else {
		const char *slash = strrchr(sock_path, '/');
		if (!slash || slash == sock_path)
			return -1;
		char dir[PATH_MAX];
		if ((size_t)(slash - sock_path) >= sizeof dir)
			return -1;
		memcpy(dir, sock_path, (size_t)(slash - sock_path));
		dir[slash - sock_path] = 0;
		*dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (*dfd < 0)
			return -1;
		if ((size_t)snprintf(a->sun_path, sizeof a->sun_path, "/proc/self/fd/%d/%s", *dfd, slash + 1) >=
		    sizeof a->sun_path) {
			close(*dfd);
			*dfd = -1;
			return -1;
		}
	}
	*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(a->sun_path) + 1);
	return 0;
}

static int owner_trusted(uid_t uid)
{
	return uid == geteuid() || uid == 0;
}

/*
 * Send req to the watcher of index_path and read its one-line answer into
 * ans (NUL-terminated, without the newline). 0, or -1 when no watcher of
 * ours answered: none listening, another user's socket, a stopped watcher,
 * no answer within timeout_ms. *pid gets the watcher's pid when known.
 */
static int converse(const char *index_path, const char *req, size_t req_len, char *ans, size_t cap,
                    int timeout_ms, long *pid)
{
	*pid = 0;
	char sp[PATH_MAX + 8];
	if ((size_t)snprintf(sp, sizeof sp, "%s.sock", index_path) >= sizeof sp)
		return -1;
	struct sockaddr_un a;
	socklen_t alen;
	int dfd, rc = -1;
	if (sock_addr(sp, &a, &alen, &dfd) < 0)
		return -1;
	/* non-blocking: a full backlog (a watcher that stopped accepting) fails at once */
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, alen) != 0)
		goto done;
	struct ucred cr;
	socklen_t cl = sizeof cr;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &cl) != 0 || !owner_trusted(cr.uid))
		goto done; /* a socket another user put there answers nothing we believe */
	*pid = cr.pid;
	if (lidx__pid_stopped(cr.pid))
		goto done;
	if (send(fd, req, req_len, MSG_NOSIGNAL) != (ssize_t)req_len)
		goto done;
	size_t got = 0;
	int64_t end = mono_ns() + (int64_t)timeout_ms * 1000000;
	for (;;) {
		int64_t left = (end - mono_ns()) / 1000000;
		if (left <= 0)
			goto done;
		struct pollfd pf = { fd, POLLIN, 0 };
		int pr = poll(&pf, 1, left < ASK_SLICE_MS ? (int)left : ASK_SLICE_MS);
		if (pr < 0 && errno != EINTR)
			goto done;
		if (pr <= 0) {
			if (lidx__pid_stopped(cr.pid))
				goto done;
			continue;
		}
		ssize_t n = recv(fd, ans + got, cap - 1 - got, 0);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			goto done;
		got += (size_t)n;
		char *nl = memchr(ans, '\n', got);
		if (nl) {
			*nl = 0;
			rc = 0;
			goto done;
		}
		if (got == cap - 1)
			goto done;
	}
done:
	if (fd >= 0)
		close(fd);
	if (dfd >= 0)
		close(dfd);
	return rc;
}

static int ask_req(const char *root, uint64_t max, char *req, size_t cap, size_t *len)
{
	size_t rl = strlen(root);
	int n = snprintf(req, cap, "%s ask %u %llu %zu\n", PROTO, (unsigned)LIDX_ENGINE_REV, (unsigned long long)max, rl);
	if (n < 0 || (size_t)n + rl > cap)
		return -1;
	memcpy(req + n, root, rl);
	*len = (size_t)n + rl;
	return 0;
}

/* "ok PID V0..V9": 1 with *id; else 0 (why gets the rest of a "no") */
static int parse_answer(const char *ans, lidx__ixid *id, char *why, size_t why_len)
{
	if (!strncmp(ans, "ok ", 3)) {
		const char *p = ans + 3;
		char *end;
		strtol(p, &end, 10);
		for (int i = 0; i < 10; i++) {
			p = end;
			if (*p != ' ')
				return 0;
			errno = 0;
			id->v[i] = strtoull(p + 1, &end, 10);
			if (errno || end == p + 1)
				return 0;
		}
		return *end == 0;
	}
	if (why && !strncmp(ans, "no ", 3)) {
		const char *sp = strchr(ans + 3, ' ');
		snprintf(why, why_len, "%s", sp ? sp + 1 : "");
	}
	return 0;
}

int lidx__watch_ask(const char *root, const char *index_path, uint64_t max_file_bytes, lidx__ixid *id)
{
	char req[PATH_MAX + 96], ans[512];
	size_t len;
	long pid;
	if (ask_req(root, max_file_bytes, req, sizeof req, &len) < 0 ||
	    converse(index_path, req, len, ans, sizeof ans, ASK_TIMEOUT_MS, &pid) < 0)
		return 0;
	return parse_answer(ans, id, NULL, 0);
}

int lidx_watch_query(const char *corpus_dir, const char *index_path, int stop, lidx_watch_status *out,
                     lidx_err *err)
{
	memset(out, 0, sizeof *out);
	char real[PATH_MAX], req[PATH_MAX + 96], ans[512];
	size_t len;
	if (!realpath(corpus_dir, real))
		return lidx__err(err, LIDX_ENOTFOUND, "cannot open notes folder %s: %s", corpus_dir, strerror(errno));
	if (stop) {
		len = (size_t)snprintf(req, sizeof req, "%s stop\n", PROTO);
	} else if (ask_req(real, LIDX__DEFAULT_MAX_FILE, req, sizeof req, &len) < 0) {
		return lidx__err(err, LIDX_ETOOBIG, "notes folder path too long");
	}
	long pid;
	if (converse(index_path, req, len, ans, sizeof ans, ASK_TIMEOUT_MS, &pid) < 0) {
		if (pid && lidx__pid_stopped(pid)) {
			out->live = 1;
			out->pid = pid;
			snprintf(out->why, sizeof out->why, "it is stopped: SIGSTOP or Ctrl-Z");
		}
		return 0;
	}
	out->live = 1;
	out->pid = pid;
	lidx__ixid id;
	out->fresh = !stop && parse_answer(ans, &id, out->why, sizeof out->why);
	return 0;
}

/* ---- the folders watched ------------------------------------------------------------ */

static int wdir_cmp(const void *a, const void *b)
{
	int x = ((const wdir *)a)->wd, y = ((const wdir *)b)->wd;
	return (x > y) - (x < y);
}

static wdir *find_wd(lidx_watcher *w, int wd)
{
	wdir key = { .wd = wd };
	return w->n_dirs ? bsearch(&key, w->dirs, w->n_dirs, sizeof *w->dirs, wdir_cmp) : NULL;
}

/* Record wd as the folder rel, st its stat (a wd seen again: its path now,
   and no longer moved out). LIDX_ENOMEM or 0. */
static int remember(lidx_watcher *w, int wd, const char *rel, const struct stat *st)
{
	char *r = lidx__strndup(rel, strlen(rel));
	if (!r)
		return LIDX_ENOMEM;
	int ix = w->ix_base && st->st_dev == w->ix_dev && st->st_ino == w->ix_ino;
	wdir *d = find_wd(w, wd);
	if (d) {
		lidx__free(d->rel);
		d->rel = r;
		d->ix = ix;
		d->out = 0;
		return 0;
	}
	if (LIDX_GROW(w->dirs, w->cap_dirs, w->n_dirs + 1) < 0) {
		lidx__free(r);
		return LIDX_ENOMEM;
	}
	size_t k = w->n_dirs;
	while (k > 0 && w->dirs[k - 1].wd > wd) { /* (wds rise: this moves nothing) */
		w->dirs[k] = w->dirs[k - 1];
		k--;
	}
	w->dirs[k] = (wdir){ wd, ix, 0, r };
	w->n_dirs++;
	return 0;
}

static void forget(lidx_watcher *w, int wd)
{
	wdir *d = find_wd(w, wd);
	if (!d)
		return;
	lidx__free(d->rel);
	size_t k = (size_t)(d - w->dirs);
	memmove(d, d + 1, (w->n_dirs - k - 1) * sizeof *d);
	w->n_dirs--;
}

static void forget_all(lidx_watcher *w)
{
	for (size_t i = 0; i < w->n_dirs; i++)
		lidx__free(w->dirs[i].rel);
	w->n_dirs = 0;
}

static void degrade(lidx_watcher *w, const char *fmt, const char *a, const char *b)
{
	if (!w->degraded) {
		snprintf(w->why, sizeof w->why, fmt, a, b);
		if (!w->said)
			note(w, w->why);
		w->said = 1;
	}
	w->degraded = 1;
	w->retry_ns = mono_ns() + (int64_t)RETRY_MS * 1000000;
}

/* A network file system: inotify sees only the changes made on this machine. */
static const char *remote_fs(int fd)
{
	static const struct { unsigned long magic; const char *name; } fs[] = {
		{ 0x6969, "NFS" }, { 0x517B, "SMB" }, { 0xFF534D42, "CIFS" }, { 0xFE534D42, "SMB2" },
		{ 0x65735546, "FUSE" }, { 0x01021997, "9P" }, { 0x00C36400, "Ceph" }, { 0x5346414F, "AFS" },
		{ 0x013111A8, "IBRIX" }, { 0x47504653, "GPFS" }, { 0x0BD00BD0, "Lustre" },
	};
	struct statfs sf;
	if (fstatfs(fd, &sf) != 0)
		return NULL;
	for (size_t i = 0; i < sizeof fs / sizeof fs[0]; i++)
		if ((unsigned long)(uint32_t)sf.f_type == fs[i].magic)
			return fs[i].name;
	return NULL;
}

/* A folder name the scan never enters (corpus.c, ignored(): the built-in
   rules; .cvsearchignore patterns are not applied here, which only makes
   the watcher watch more than it needs). */
static int skip_dir(const char *rel, const char *name)
{
	return name[0] == '.' || !strcmp(name, "node_modules") || !strcmp(rel, "logseq/bak");
}

/* 1 if the real path p is the root or inside it */
static int inside(const lidx_watcher *w, const char *p)
{
	size_t rl = strlen(w->root);
	if (rl == 1)
		return p[0] == '/';
	return !strncmp(p, w->root, rl) && (p[rl] == '/' || !p[rl]);
}

static int watch_tree(lidx_watcher *w, char *path, size_t len);

/* The index folder's device and inode, at each rewatch (made anew since?) */
static void ix_folder_id(lidx_watcher *w)
{
	if (!w->ix_base)
		return;
	const char *slash = strrchr(w->index_path, '/');
	char dir[PATH_MAX];
	struct stat st;
	if (!slash)
		snprintf(dir, sizeof dir, ".");
	else
		snprintf(dir, sizeof dir, "%.*s", (int)(slash - w->index_path) + (slash == w->index_path), w->index_path);
	if (stat(dir, &st) == 0) {
		w->ix_dev = st.st_dev;
		w->ix_ino = st.st_ino;
	}
}

#ifdef LIDX_TESTING
/* test hooks (test_watch.c): a lost event at the next read of the queue;
   inotify refusing more watches than n from now (-1: no limit) */
static volatile sig_atomic_t test_overflow;
static long test_watch_limit = -1;
void lidx__test_watch_overflow(void);
void lidx__test_watch_overflow(void)
{
	test_overflow = 1;
}
void lidx__test_watch_limit(long n);
void lidx__test_watch_limit(long n)
{
	test_watch_limit = n;
}
#endif

static int add_watch(lidx_watcher *w, const char *path)
{
#ifdef LIDX_TESTING
	if (test_watch_limit == 0) {
		errno = ENOSPC;
		return -1;
	}
	if (test_watch_limit > 0)
		test_watch_limit--;
#endif
	return inotify_add_watch(w->ino_fd, path, WATCH_MASK);
}

/* Watch the folder of a note reached through a link (the scan stats the
   target, so an edit of it must be an event): path is the link. */
static int watch_link_target(lidx_watcher *w, const char *path)
{
	char real[PATH_MAX];
	if (!realpath(path, real) || !inside(w, real))
		return 0; /* a link out of the notes: not followed by the scan either */
	char *slash = strrchr(real, '/');
	if (!slash)
		return 0;
	if (slash == real)
		slash[1] = 0;
	else
		*slash = 0;
	struct stat st;
	if (stat(real, &st) != 0)
		return 0; /* gone meanwhile: its parent's event says so */
	int wd = add_watch(w, real);
	if (wd < 0) {
		if (errno == ENOSPC || errno == ENOMEM)
			degrade(w, "cannot watch %s: %s (raise fs.inotify.max_user_watches); searches check the "
			        "folder themselves", real, strerror(errno));
		return 0;
	}
	size_t rl = strlen(w->root);
	return remember(w, wd, real[rl] ? real + rl + (rl > 1) : "", &st);
}

/*
 * Watch the folder at path (len bytes, in a PATH_MAX buffer that is
 * extended in place and restored) and every folder under it that a scan
 * enters. The watch is added before the folder is read: an entry made
 * after it is an event, one made before is read here. Only LIDX_ENOMEM is
 * an error; a folder that cannot be watched for a lasting reason
 * (permissions: the scan cannot read it either, and its chmod is an event
 * of its parent) is left, for a passing one the watcher degrades.
 */
static int watch_tree(lidx_watcher *w, char *path, size_t len)
{
	size_t rl = strlen(w->root);
	const char *rel = len > rl ? path + rl + (rl > 1) : "";
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		/* gone, or unreadable: the scan cannot enter it either; but a
		   passing failure (too many open files, no memory) leaves a
		   folder the scan may enter unwatched: say no until a retry */
		if (errno == EMFILE || errno == ENFILE || errno == ENOMEM)
			degrade(w, "cannot open %s to watch it: %s; searches check the folder themselves", path,
			        strerror(errno));
		return 0;
	}
	struct stat st;
	int rc = 0;
	DIR *d = NULL;
	if (fstat(fd, &st) != 0)
		goto done;
	for (int k = 0; k < w->depth; k++)
		if (w->stack_dev[k] == st.st_dev && w->stack_ino[k] == st.st_ino)
			goto done; /* a link loop: the scan stops there too */
	if (w->depth >= MAX_DEPTH)
		goto done;
	if (w->depth == 0 || st.st_dev != w->stack_dev[w->depth - 1]) {
		const char *fs = remote_fs(fd);
		if (fs) {
			degrade(w, "%s is on a network file system (%s): inotify does not see changes made on other "
			        "machines; searches check the folder themselves", path, fs);
			goto done;
		}
	}
	/* through /proc/self/fd: the folder opened, even if renamed meanwhile */
	char self[64];
	snprintf(self, sizeof self, "/proc/self/fd/%d", fd);
	int wd = add_watch(w, self);
	if (wd < 0 && errno == ENOENT)
		wd = add_watch(w, path); /* no /proc */
	if (wd < 0) {
		int e = errno;
		if (e == ENOSPC || e == ENOMEM || e == EMFILE)
			degrade(w, "cannot watch %s: %s (raise fs.inotify.max_user_watches); searches check the "
			        "folder themselves", path, strerror(e));
		else if (e != EACCES && e != ENOENT && e != ENOTDIR)
			degrade(w, "cannot watch %s: %s; searches check the folder themselves", path, strerror(e));
		goto done;
	}
	if (!rel[0]) {
		w->root_dev = st.st_dev;
		w->root_ino = st.st_ino;
	}
	if ((rc = remember(w, wd, rel, &st)) < 0)
		goto done;
	w->stack_dev[w->depth] = st.st_dev;
	w->stack_ino[w->depth] = st.st_ino;
	w->depth++;
	d = fdopendir(fd);
	if (!d) {
		degrade(w, "cannot read %s to watch what it holds: %s; searches check the folder themselves", path,
		        strerror(errno));
		w->depth--;
		goto done;
	}
	fd = -1;
	struct dirent *de;
	while (rc == 0) {
		errno = 0;
		if (!(de = readdir(d))) {
			if (errno) /* the folders under it may be left unwatched */
				degrade(w, "cannot read %s to watch what it holds: %s; searches check the folder "
				        "themselves", path, strerror(errno));
			break;
		}
		const char *name = de->d_name;
		size_t nl = strlen(name);
		if (name[0] == '.' || len + 1 + nl >= PATH_MAX)
			continue; /* hidden (., .. too): the scan never looks at it */
		unsigned char t = de->d_type;
		int link = 0;
		if (t != DT_DIR && t != DT_LNK && t != DT_UNKNOWN)
			continue;
		path[len] = '/';
		memcpy(path + len + 1, name, nl + 1);
		if (t == DT_LNK || t == DT_UNKNOWN) {
			struct stat ls;
			if (fstatat(dirfd(d), name, &ls, AT_SYMLINK_NOFOLLOW) != 0) {
				path[len] = 0;
				continue;
			}
			link = S_ISLNK(ls.st_mode);
			if (link)
				w->has_links = 1;
			if (!link && !S_ISDIR(ls.st_mode)) {
				path[len] = 0;
				continue;
			}
			if (link && (fstatat(dirfd(d), name, &ls, 0) != 0 || !S_ISDIR(ls.st_mode))) {
				if (link && S_ISREG(ls.st_mode))
					rc = watch_link_target(w, path);
				path[len] = 0;
				continue;
			}
		}
		/* the path of the sub-folder from the root, for the built-in rules */
		const char *sub = path + rl + (rl > 1);
		if (!skip_dir(sub, name)) {
			if (link) {
				char real[PATH_MAX];
				if (realpath(path, real) && inside(w, real))
					rc = watch_tree(w, path, len + 1 + nl);
			} else {
				rc = watch_tree(w, path, len + 1 + nl);
			}
		}
		path[len] = 0;
	}
	w->depth--;
done:
	if (d)
		closedir(d);
	else if (fd >= 0)
		close(fd);
	path[len] = 0;
	return rc;
}

/* Watch every folder anew (a new inotify instance: the old one's watches
   and events go; the check that follows sees what they would have said). */
static int rewatch(lidx_watcher *w)
{
	int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (fd < 0) {
		degrade(w, "cannot watch %s: %s; searches check the folder themselves", w->root, strerror(errno));
		return 0;
	}
	if (w->ino_fd >= 0)
		close(w->ino_fd);
	w->ino_fd = fd;
	forget_all(w);
	int was = w->degraded;
	w->degraded = 0;
	w->has_links = 0;
	w->rewalk = 0;
	w->moved_out = 0;
	w->depth = 0;
	ix_folder_id(w);
	char path[PATH_MAX];
	size_t len = strlen(w->root);
	memcpy(path, w->root, len + 1);
	int rc = watch_tree(w, path, len);
	if (rc == 0 && !w->n_dirs && !w->degraded)
		degrade(w, "cannot watch %s%s", w->root, ": the folder cannot be read");
	if (was && !w->degraded && w->said)
		note(w, "every folder is watched again: commands skip the folder check again");
	if (!w->degraded)
		w->said = 0;
	return rc;
}

/* ---- events ------------------------------------------------------------------------- */

/* Mark the folder rel and every folder under it as moved out. */
static void mark_out(lidx_watcher *w, const char *rel)
{
	size_t n = strlen(rel);
	for (size_t i = 0; i < w->n_dirs; i++) {
		const char *r = w->dirs[i].rel;
		if (!strncmp(r, rel, n) && (!r[n] || r[n] == '/')) {
			w->dirs[i].out = 1;
			w->moved_out = 1;
		}
	}
}

/* Stop watching the folders moved out and not moved in again. */
static void drop_out(lidx_watcher *w)
{
	w->moved_out = 0;
	for (size_t i = w->n_dirs; i-- > 0;) {
		if (!w->dirs[i].out)
			continue;
		inotify_rm_watch(w->ino_fd, w->dirs[i].wd); /* its IN_IGNORED then finds no record */
		forget(w, w->dirs[i].wd);
	}
}

static void mark_dirty(lidx_watcher *w)
{
	int64_t now = mono_ns();
	if (!w->dirty)
		w->first_ns = now;
	w->last_ns = now;
	w->dirty = 1;
	if (w->has_links)
		w->rewalk = 1; /* a link's target may have come or gone: follow them anew */
}

static int on_event(lidx_watcher *w, const struct inotify_event *ev)
{
	if (ev->mask & IN_Q_OVERFLOW) { /* events were lost: all anew */
		w->rewalk = 1;
		mark_dirty(w);
		return 0;
	}
	wdir *d = find_wd(w, ev->wd);
	if (ev->mask & IN_IGNORED) { /* the folder went (its parent has the event) or was unmounted */
		if (!d)
			return 0; /* a watch we removed (a folder moved out): its parent had the event */
		if (!d->rel[0])
			w->gone = 1;
		forget(w, ev->wd);
		mark_dirty(w);
		return 0;
	}
	if (!d) {
		mark_dirty(w);
		return 0;
	}
	if (ev->mask & IN_UNMOUNT)
		w->rewalk = 1;
	const char *name = ev->len ? ev->name : "";
	if (*name) {
		if (d->ix && lidx__index_companion(name, w->ix_base))
			return 0; /* the index itself, kept among the notes (the folder known by inode: also through a link) */
		/* a hidden name is never a note (but .cvsearchignore), unless a
		   link leads into it: with links, every event counts */
		if (name[0] == '.' && !w->has_links && !(!d->rel[0] && !strcmp(name, ".cvsearchignore")))
			return 0;
	} else if (!d->rel[0] && (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF))) {
		w->gone = 1;
	}
	mark_dirty(w);
	if (!*name || w->rewalk)
		return 0;
	size_t rl = strlen(w->root), dl = strlen(d->rel), nl = strlen(name);
	char path[PATH_MAX];
	if (rl + 1 + dl + 1 + nl >= sizeof path)
		return 0;
	snprintf(path, sizeof path, "%s%s%s/%s", rl > 1 ? w->root : "", dl ? "/" : "", d->rel, name);
	if ((ev->mask & IN_ISDIR) && (ev->mask & IN_MOVED_FROM)) {
		/* moved away: unless it is moved in again (a rename inside the
		   notes re-records its watches), its watches go once the queue is
		   read, or each edit there would make a check and the watches
		   would pile up toward fs.inotify.max_user_watches */
		mark_out(w, path + rl + (rl > 1));
		return 0;
	}
	if ((ev->mask & IN_ISDIR) && (ev->mask & (IN_CREATE | IN_MOVED_TO | IN_ATTRIB))) {
		/* a new folder (or one moved in, or made readable): watched, and
		   what it holds already, before the check that follows */
		if (skip_dir(path + rl + (rl > 1), name))
			return 0;
		w->depth = 0;
		return watch_tree(w, path, strlen(path));
	}
	if (ev->mask & (IN_CREATE | IN_MOVED_TO)) {
		struct stat st;
		if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
			w->has_links = 1;
			w->rewalk = 1;
		}
	}
	return 0;
}

/* Read every event queued; LIDX_ENOMEM or 0. */
static int drain(lidx_watcher *w)
{
	union {
		struct inotify_event ev;
		char b[16384];
	} u;
	int rc = 0;
#ifdef LIDX_TESTING
	if (test_overflow) {
		test_overflow = 0;
		struct inotify_event ov;
		memset(&ov, 0, sizeof ov);
		ov.wd = -1;
		ov.mask = IN_Q_OVERFLOW;
		on_event(w, &ov);
	}
#endif
	for (;;) {
		ssize_t n = read(w->ino_fd, u.b, sizeof u.b);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0) { /* cannot read the events: all anew */
			w->rewalk = 1;
			mark_dirty(w);
			break;
		}
		for (char *p = u.b; p < u.b + n && rc == 0;) {
			struct inotify_event *ev = (struct inotify_event *)p;
			rc = on_event(w, ev);
			p += sizeof *ev + ev->len;
		}
		if (rc < 0)
			return rc;
	}
	if (w->moved_out && !w->rewalk)
		drop_out(w);
	if (w->mounts_fd >= 0) {
		struct pollfd pf = { w->mounts_fd, POLLPRI, 0 };
		if (poll(&pf, 1, 0) > 0 && (pf.revents & (POLLPRI | POLLERR))) {
			w->rewalk = 1; /* a mount or unmount: a folder may now be another file system */
			mark_dirty(w);
		}
	}
	return 0;
}

/* ---- bringing the index up to date ---------------------------------------------------- */

/* The root's .cvsearchignore when it is a symbolic link: its target may
   be outside the notes (no event), so its bytes are kept and compared at
   each question. 1: a link, read (*text is the caller's); 0: no link. */
static int ign_read(const lidx_watcher *w, char **text, size_t *len, int *rc)
{
	char p[PATH_MAX + 32];
	struct stat st;
	*text = NULL;
	*len = 0;
	*rc = 0;
	if ((size_t)snprintf(p, sizeof p, "%s/.cvsearchignore", strlen(w->root) > 1 ? w->root : "") >= sizeof p ||
	    lstat(p, &st) != 0 || !S_ISLNK(st.st_mode))
		return 0;
	const char *why;
	*rc = lidx__read_small(p, 1u << 20, text, len, &why); /* as corpus.c's load_ignore */
	return 1;
}

/* Keep the ignore file as the check about to run reads it (read before it:
   a change after this read is found by ign_changed). */
static void ign_keep(lidx_watcher *w)
{
	lidx__free(w->ign);
	w->ign = NULL;
	w->ign_link = ign_read(w, &w->ign, &w->ign_len, &w->ign_rc);
}

/* 1 if the ignore file is not what the last check read (or cannot tell) */
static int ign_changed(const lidx_watcher *w)
{
	char *text;
	size_t len;
	int rc;
	int link = ign_read(w, &text, &len, &rc);
	int changed = link != w->ign_link || rc != w->ign_rc || rc == LIDX_ENOMEM || len != w->ign_len ||
	              (len && memcmp(text, w->ign, len) != 0);
	lidx__free(text);
	return link || w->ign_link ? changed : 0;
}

/* The notes folder's path now leads to another folder (a parent renamed
   and made anew: no event of the folder watched): watch it anew; gone
   from its path: the watcher ends, as when the folder itself goes. */
static void root_check(lidx_watcher *w)
{
	struct stat st;
	if (stat(w->root, &st) != 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			w->gone = 1;
		else
			w->rewalk = 1, mark_dirty(w);
	} else if (st.st_dev != w->root_dev || st.st_ino != w->root_ino) {
		w->rewalk = 1;
		mark_dirty(w);
	}
}

#ifdef LIDX_TESTING
/* test hook (test_watch.c): called as each check of the watcher returns */
static void (*test_after_sync)(void);
void lidx__test_watch_after_sync(void (*f)(void));
void lidx__test_watch_after_sync(void (*f)(void))
{
	test_after_sync = f;
}
#endif

static int refresh(lidx_watcher *w)
{
	int rc = 0;
	if (w->rewalk && (rc = rewatch(w)) < 0)
		return rc;
	w->dirty = 0; /* before the check: an event from now on is another round */
	ign_keep(w);
	lidx_sync_report rep;
	lidx_err err = { 0 };
	lidx_sync_opts so = w->o.sync;
	so.force = 0;
	lidx__ixid id;
	rc = lidx__corpus_sync_open(w->root, w->index_path, &so, &rep, NULL, 0, &id, &err);
#ifdef LIDX_TESTING
	if (test_after_sync)
		test_after_sync();
#endif
	w->clean = rc == 0 && !rep.stale;
	if (w->clean && !id.v[0] && !id.v[1]) {
		/* the index was replaced while it was checked: check it again */
		w->clean = 0;
		if (!w->degraded)
			snprintf(w->why, sizeof w->why, "the index was replaced while it was checked");
		mark_dirty(w);
	} else if (w->clean) {
		w->id = id; /* taken under the build lock, or before and after an open that found it fresh */
	} else if (!w->degraded) {
		snprintf(w->why, sizeof w->why, "%.250s", rc < 0 ? err.msg : rep.why);
	}
	if (w->o.log)
		w->o.log(w->o.sync.ctx, rc, &rep, rc < 0 ? err.msg : rep.stale ? rep.why : NULL);
	return rc == LIDX_ENOMEM ? rc : 0;
}

/* Take in every change made so far; 1 when the index holds them all. */
static int bring_fresh(lidx_watcher *w)
{
	for (int round = 0; round < MAX_ROUNDS; round++) {
		if (drain(w) < 0)
			return 0;
		root_check(w);
		if (ign_changed(w))
			mark_dirty(w); /* a linked .cvsearchignore edited (outside the notes: no event) */
		lidx__ixid now;
		lidx__index_identity(w->index_path, &now);
		if (memcmp(&now, &w->id, sizeof now) != 0)
			mark_dirty(w); /* written or removed by another process: check it */
		if (w->degraded || w->gone)
			return 0; /* the search checks the folder itself */
		if (!w->dirty && (w->clean || round > 0))
			return w->clean;
		if (refresh(w) < 0)
			return 0;
	}
	return 0; /* changes keep coming: the search checks for itself */
}

/* ---- answering ---------------------------------------------------------------------- */

static void reply(int fd, const char *s)
{
	if (send(fd, s, strlen(s), MSG_NOSIGNAL) < 0) {
		/* the search gave up: it checks the folder itself */
	}
}

/* Read up to the first newline (and then need more bytes) within REQ_TIMEOUT_MS. */
static int read_req(int fd, char *buf, size_t cap, size_t *hdr, size_t *got)
{
	int64_t end = mono_ns() + (int64_t)REQ_TIMEOUT_MS * 1000000;
	*got = 0;
	*hdr = 0;
	for (;;) {
		char *nl = memchr(buf, '\n', *got);
		if (nl) {
			*hdr = (size_t)(nl - buf) + 1;
			return 0;
		}
		if (*got == cap)
			return -1;
		int64_t left = (end - mono_ns()) / 1000000;
		struct pollfd pf = { fd, POLLIN, 0 };
		if (left <= 0 || poll(&pf, 1, (int)left) <= 0)
			return -1;
		ssize_t n = recv(fd, buf + *got, cap - *got, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		*got += (size_t)n;
	}
}

static int read_more(int fd, char *buf, size_t need, size_t *got)
{
	int64_t end = mono_ns() + (int64_t)REQ_TIMEOUT_MS * 1000000;
	while (*got < need) {
		int64_t left = (end - mono_ns()) / 1000000;
		struct pollfd pf = { fd, POLLIN, 0 };
		if (left <= 0 || poll(&pf, 1, (int)left) <= 0)
			return -1;
		ssize_t n = recv(fd, buf + *got, need - *got, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		*got += (size_t)n;
	}
	return 0;
}

static void serve_one(lidx_watcher *w, int fd)
{
	struct ucred cr;
	socklen_t cl = sizeof cr;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &cl) != 0 || !owner_trusted(cr.uid))
		return;
	char buf[PATH_MAX + 128], out[512];
	size_t hdr, got;
	if (read_req(fd, buf, sizeof buf, &hdr, &got) < 0)
		return;
	buf[hdr - 1] = 0;
	long me = (long)getpid();
	if (!strcmp(buf, PROTO " stop")) {
		snprintf(out, sizeof out, "bye %ld\n", me);
		reply(fd, out);
		w->stop_req = 1;
		return;
	}
	unsigned rev;
	unsigned long long max;
	size_t rl;
	if (sscanf(buf, PROTO " ask %u %llu %zu", &rev, &max, &rl) != 3 || rl >= PATH_MAX) {
		snprintf(out, sizeof out, "no %ld not a question this watcher understands\n", me);
		reply(fd, out);
		return;
	}
	memmove(buf, buf + hdr, got - hdr);
	got -= hdr;
	if (read_more(fd, buf, rl, &got) < 0)
		return;
	const char *why = NULL;
	if (rev != LIDX_ENGINE_REV)
		why = "the watcher runs another version of cvsearch";
	else if (rl != strlen(w->root) || memcmp(buf, w->root, rl) != 0)
		why = "the watcher watches another notes folder for this index";
	else if (max != w->max)
		why = "the watcher skips files of another size";
	else if (!bring_fresh(w))
		why = w->gone ? "the notes folder was removed or moved" : w->degraded || !w->clean ? w->why
		      : "the notes keep changing";
	if (why) {
		snprintf(out, sizeof out, "no %ld %.400s\n", me, why);
	} else {
		int n = snprintf(out, sizeof out, "ok %ld", me);
		for (int i = 0; i < 10 && n > 0 && (size_t)n < sizeof out; i++)
			n += snprintf(out + n, sizeof out - (size_t)n, " %llu", (unsigned long long)w->id.v[i]);
		snprintf(out + n, sizeof out - (size_t)n, "\n");
	}
	reply(fd, out);
}

static void serve(lidx_watcher *w)
{
	for (;;) {
		int c = accept4(w->sock_fd, NULL, NULL, SOCK_CLOEXEC);
		if (c < 0 && errno == EINTR)
			continue;
		if (c < 0)
			return; /* EAGAIN: no one else is waiting */
		serve_one(w, c);
		close(c);
		if (w->stop_req)
			return;
	}
}

/* ---- the watcher -------------------------------------------------------------------- */

static int take_watch_lock(lidx_watcher *w, lidx_err *err)
{
	char lp[PATH_MAX + 8];
	snprintf(lp, sizeof lp, "%s.watch", w->index_path);
	int fd = open(lp, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0600);
	if (fd < 0)
		return lidx__err(err, errno == ELOOP ? LIDX_EUNSAFE : LIDX_EIO, "cannot create the watcher's lock %s: %s",
		                 lp, errno == ELOOP ? "it is a symbolic link" : strerror(errno));
	struct stat st;
	int rc;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return lidx__err(err, LIDX_EUNSAFE, "the watcher's lock %s is not a regular file", lp);
	}
	if ((rc = lidx__check_trusted(&st, "watcher lock", lp, err)) < 0) {
		close(fd);
		return rc;
	}
	while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		if (errno == EINTR)
			continue;
		if (errno != EWOULDBLOCK) {
			int e = errno;
			close(fd);
			return lidx__err(err, LIDX_EIO, "cannot lock %s: %s", lp, strerror(e));
		}
		char buf[32] = "", who[48] = "";
		ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
		buf[n > 0 ? n : 0] = 0;
		long pid = strtol(buf, NULL, 10);
		close(fd);
		if (pid > 0)
			snprintf(who, sizeof who, " (pid %ld)", pid);
		return lidx__err(err, LIDX_ELOCKED, "another cvsearch watch%s already watches these notes for this "
		                 "index (%s)", who, lp);
	}
	char pid[32];
	int n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) != 0 || pwrite(fd, pid, (size_t)n, 0) != n) {
		/* only informative */
	}
	w->lock_fd = fd;
	return 0;
}

static int listen_sock(lidx_watcher *w, lidx_err *err)
{
	struct stat st;
	if (lstat(w->sock_path, &st) == 0) {
		/* left by a watcher that was killed (we hold the lock: no live one) */
		if (!S_ISSOCK(st.st_mode))
			return lidx__err(err, LIDX_EINVAL, "%s is not a socket: not replacing it", w->sock_path);
		if (unlink(w->sock_path) != 0)
			return lidx__err(err, LIDX_EIO, "cannot remove the old socket %s: %s", w->sock_path, strerror(errno));
	}
	struct sockaddr_un a;
	socklen_t alen;
	int dfd;
	if (sock_addr(w->sock_path, &a, &alen, &dfd) < 0)
		return lidx__err(err, LIDX_ETOOBIG, "cannot make a socket at %s (path too long)", w->sock_path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	int rc = 0;
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, alen) != 0) {
		rc = lidx__err(err, LIDX_EIO, "cannot listen on %s: %s", w->sock_path, strerror(errno));
		goto done;
	}
	w->bound = 1;
	/* only the user may connect (the folder is the user's already; the
	   watcher also checks each caller's uid) */
	if (chmod(w->sock_path, 0600) != 0 || listen(fd, 64) != 0) {
		rc = lidx__err(err, LIDX_EIO, "cannot listen on %s: %s", w->sock_path, strerror(errno));
		goto done;
	}
	w->sock_fd = fd;
	fd = -1;
done:
	if (fd >= 0)
		close(fd);
	if (dfd >= 0)
		close(dfd);
	return rc;
}

/* The index's file name, when the index is kept among the notes; its
   folder is then known by device and inode (ix_folder_id), so that the
   index's own writes are no event through a link to that folder either. */
static int index_inside(lidx_watcher *w)
{
	const char *slash = strrchr(w->index_path, '/');
	char dir[PATH_MAX], real[PATH_MAX];
	if (!slash)
		snprintf(dir, sizeof dir, ".");
	else
		snprintf(dir, sizeof dir, "%.*s", (int)(slash - w->index_path) + (slash == w->index_path), w->index_path);
	if (!realpath(dir, real) || !inside(w, real))
		return 0;
	const char *base = slash ? slash + 1 : w->index_path;
	w->ix_base = lidx__strndup(base, strlen(base));
	return w->ix_base ? 0 : LIDX_ENOMEM;
}

int lidx_watch_open(lidx_watcher **out, const char *corpus_dir, const char *index_path,
                    const lidx_watch_opts *opts, lidx_err *err)
{
	*out = NULL;
	char real[PATH_MAX];
	if (!realpath(corpus_dir, real))
		return lidx__err(err, LIDX_ENOTFOUND, "cannot open notes folder %s: %s", corpus_dir, strerror(errno));
	lidx_watcher *w = lidx__calloc(1, sizeof *w);
	if (!w)
		return lidx__err(err, LIDX_ENOMEM, "out of memory");
	w->lock_fd = w->ino_fd = w->sock_fd = w->mounts_fd = w->stop_fd[0] = w->stop_fd[1] = -1;
	if (opts)
		w->o = *opts;
	w->max = w->o.sync.max_file_bytes ? w->o.sync.max_file_bytes : LIDX__DEFAULT_MAX_FILE;
	size_t il = strlen(index_path);
	int rc = 0;
	w->root = lidx__strndup(real, strlen(real));
	w->index_path = lidx__strndup(index_path, il);
	w->sock_path = lidx__malloc(il + 6);
	if (!w->root || !w->index_path || !w->sock_path || index_inside(w) < 0) {
		rc = lidx__err(err, LIDX_ENOMEM, "out of memory");
		goto fail;
	}
	memcpy(w->sock_path, index_path, il);
	memcpy(w->sock_path + il, ".sock", 6);
	char dir[PATH_MAX];
	const char *slash = strrchr(index_path, '/');
	snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - index_path) + (slash == index_path) : 1,
	         slash ? index_path : ".");
	if ((rc = lidx__check_dir(dir, "index folder", 1, err)) < 0 || (rc = take_watch_lock(w, err)) < 0)
		goto fail;
	int rfd = open(real, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	const char *fs = rfd >= 0 ? remote_fs(rfd) : NULL;
	if (rfd >= 0)
		close(rfd);
	if (fs) {
		rc = lidx__err(err, LIDX_ENOTSUP, "%s is on a network file system (%s): inotify does not see "
		               "changes made on other machines, so it cannot be watched; searches check it themselves",
		               real, fs);
		goto fail;
	}
	if (pipe2(w->stop_fd, O_CLOEXEC | O_NONBLOCK) != 0) {
		rc = lidx__err(err, LIDX_EIO, "cannot make a pipe: %s", strerror(errno));
		goto fail;
	}
	w->mounts_fd = open("/proc/self/mounts", O_RDONLY | O_CLOEXEC); /* -1: mounts are not followed */
	/* watch first, then check: a change after a folder is watched is an
	   event, one before it is in the first check */
	if ((rc = rewatch(w)) < 0) {
		lidx__err(err, rc, "out of memory");
		goto fail;
	}
	if (w->ino_fd < 0 || w->degraded) {
		rc = lidx__err(err, LIDX_EIO, "%s", w->why);
		goto fail;
	}
	w->dirty = 1;
	if ((rc = refresh(w)) < 0) {
		lidx__err(err, rc, "out of memory");
		goto fail;
	}
	if ((rc = listen_sock(w, err)) < 0)
		goto fail;
	*out = w;
	return 0;
fail:
	lidx_watch_close(w);
	return rc;
}

size_t lidx_watch_folders(const lidx_watcher *w)
{
	return w ? w->n_dirs : 0;
}

void lidx_watch_stop(lidx_watcher *w)
{
	if (w && w->stop_fd[1] >= 0) {
		ssize_t n = write(w->stop_fd[1], "x", 1);
		(void)n;
	}
}

int lidx_watch_run(lidx_watcher *w, lidx_err *err)
{
	while (!w->stop_req && !w->gone) {
		int64_t now = mono_ns();
		int timeout = -1;
		if (w->dirty) {
			int64_t due = w->last_ns + (int64_t)QUIET_MS * 1000000;
			int64_t cap = w->first_ns + (int64_t)QUIET_MAX_MS * 1000000;
			if (cap < due)
				due = cap;
			timeout = due > now ? (int)((due - now) / 1000000) + 1 : 0;
		} else if (w->degraded) {
			timeout = w->retry_ns > now ? (int)((w->retry_ns - now) / 1000000) + 1 : 0;
		}
		struct pollfd pf[4] = {
			{ w->stop_fd[0], POLLIN, 0 }, { w->ino_fd, POLLIN, 0 }, { w->sock_fd, POLLIN, 0 },
			{ w->mounts_fd, POLLPRI, 0 },
		};
		int pr = poll(pf, w->mounts_fd >= 0 ? 4 : 3, timeout);
		if (pr < 0 && errno != EINTR)
			return lidx__err(err, LIDX_EIO, "poll: %s", strerror(errno));
		if (pr > 0 && (pf[0].revents & POLLIN))
			break;
		if (drain(w) < 0)
			return lidx__err(err, LIDX_ENOMEM, "out of memory");
		if (pr > 0 && (pf[2].revents & POLLIN))
			serve(w);
		now = mono_ns();
		if (w->degraded && !w->dirty && now >= w->retry_ns) {
			w->rewalk = 1;
			mark_dirty(w);
		}
		if (w->dirty && !w->gone &&
		    (now >= w->last_ns + (int64_t)QUIET_MS * 1000000 || now >= w->first_ns + (int64_t)QUIET_MAX_MS * 1000000) &&
		    refresh(w) < 0)
			return lidx__err(err, LIDX_ENOMEM, "out of memory");
	}
	if (w->gone)
		return lidx__err(err, LIDX_ENOTFOUND, "the notes folder %s was removed or moved", w->root);
	return 0;
}

void lidx_watch_close(lidx_watcher *w)
{
	if (!w)
		return;
	if (w->sock_fd >= 0)
		close(w->sock_fd);
	if (w->bound)
		unlink(w->sock_path); /* ours: we still hold the lock */
	if (w->ino_fd >= 0)
		close(w->ino_fd);
	if (w->mounts_fd >= 0)
		close(w->mounts_fd);
	for (int i = 0; i < 2; i++)
		if (w->stop_fd[i] >= 0)
			close(w->stop_fd[i]);
	if (w->lock_fd >= 0) {
		if (ftruncate(w->lock_fd, 0) != 0) {
			/* a pid left behind is only informative */
		}
		close(w->lock_fd);
	}
	forget_all(w);
	lidx__free(w->dirs);
	lidx__free(w->root);
	lidx__free(w->index_path);
	lidx__free(w->sock_path);
	lidx__free(w->ix_base);
	lidx__free(w->ign);
	lidx__free(w);
}

#else /* no inotify */

int lidx__watch_ask(const char *root, const char *index_path, uint64_t max_file_bytes, lidx__ixid *id)
{
	(void)root, (void)index_path, (void)max_file_bytes, (void)id;
	return 0;
}

int lidx_watch_open(lidx_watcher **out, const char *corpus_dir, const char *index_path,
                    const lidx_watch_opts *opts, lidx_err *err)
{
	(void)corpus_dir, (void)index_path, (void)opts;
	*out = NULL;
	return lidx__err(err, LIDX_ENOTSUP, "watching a folder needs Linux inotify: not supported on this "
	                 "system (searches check the folder themselves)");
}

int lidx_watch_run(lidx_watcher *w, lidx_err *err)
{
	(void)w;
	return lidx__err(err, LIDX_ENOTSUP, "not supported on this system");
}

void lidx_watch_stop(lidx_watcher *w)
{
	(void)w;
}

size_t lidx_watch_folders(const lidx_watcher *w)
{
	(void)w;
	return 0;
}

void lidx_watch_close(lidx_watcher *w)
{
	(void)w;
}

int lidx_watch_query(const char *corpus_dir, const char *index_path, int stop, lidx_watch_status *out,
                     lidx_err *err)
{
	(void)corpus_dir, (void)index_path, (void)stop, (void)err;
	memset(out, 0, sizeof *out);
	return 0;
}

#endif
