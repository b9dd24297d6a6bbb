/*
 * safefile.c -- files and folders that may have been planted by another
 * local user: trust checks on the index's folder and files (owner, mode),
 * and reading only regular files of bounded size without ever blocking.
 * Called by corpus.c (cache folder, lock, .cvsearchignore, notes),
 * index_read.c (the index file) and aliases.c (the alias file).
 */
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <unistd.h>
#include "safefile.h"

static int owner_ok(uid_t uid)
{
	return uid == geteuid() || uid == 0;
}

int lidx__check_trusted(const struct stat *st, const char *what, const char *path, lidx_err *err)
{
	if (!owner_ok(st->st_uid))
		return lidx__err(err, LIDX_EUNSAFE, "%s %s belongs to another user (uid %u): not trusting it",
		                 what, path, (unsigned)st->st_uid);
	if (st->st_mode & (S_IWGRP | S_IWOTH))
		return lidx__err(err, LIDX_EUNSAFE, "%s %s is writable by %s (mode %04o): not trusting it "
		                 "(chmod go-w it)", what, path, st->st_mode & S_IWOTH ? "anyone" : "its group",
		                 (unsigned)(st->st_mode & 07777));
	return 0;
}

int lidx__check_dir(const char *dir, const char *what, int allow_sticky, lidx_err *err)
{
	struct stat st;
	if (lstat(dir, &st) != 0)
		return lidx__err(err, errno == ENOENT ? LIDX_ENOTFOUND : LIDX_EIO, "cannot use %s %s: %s",
		                 what, dir, strerror(errno));
	if (S_ISLNK(st.st_mode)) {
		/* a link the user made (~/.cache -> /data/cache) is fine when its
		   target passes; one in a folder others can write was checked below */
		if (stat(dir, &st) != 0)
			return lidx__err(err, LIDX_EIO, "cannot use %s %s: %s", what, dir, strerror(errno));
		if (!owner_ok(st.st_uid) || (st.st_mode & (S_IWGRP | S_IWOTH)))
			return lidx__check_trusted(&st, what, dir, err);
	}
	if (!S_ISDIR(st.st_mode))
		return lidx__err(err, LIDX_EINVAL, "%s %s is not a folder", what, dir);
	int sticky_ok = allow_sticky && (st.st_mode & S_ISVTX) && owner_ok(st.st_uid);
	int rc = sticky_ok ? 0 : lidx__check_trusted(&st, what, dir, err);
	if (rc < 0)
		return rc;
	/* the folders above: someone who can write one can swap ours for theirs */
	char real[PATH_MAX];
	if (!realpath(dir, real))
		return lidx__err(err, LIDX_EIO, "cannot use %s %s: %s", what, dir, strerror(errno));
	for (char *slash = strrchr(real, '/'); slash; slash = strrchr(real, '/')) {
		if (slash == real)
			slash[1] = 0; /* "/" itself */
		else
			*slash = 0;
		if (stat(real, &st) != 0)
			return lidx__err(err, LIDX_EIO, "cannot use %s %s: %s", what, real, strerror(errno));
		if (!owner_ok(st.st_uid))
			return lidx__err(err, LIDX_EUNSAFE, "%s %s is inside %s, which belongs to another user "
			                 "(uid %u): not trusting it", what, dir, real, (unsigned)st.st_uid);
		if ((st.st_mode & S_IWOTH) && !(st.st_mode & S_ISVTX))
			return lidx__err(err, LIDX_EUNSAFE, "%s %s is inside %s, which anyone can write "
			                 "(mode %04o): not trusting it", what, dir, real,
			                 (unsigned)(st.st_mode & 07777));
		if (!real[1])
			break;
	}
	return 0;
}

int lidx__open_regular(const char *path, int nofollow, uint64_t max, struct stat *st, const char **why)
{
	*why = "";
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | (nofollow ? O_NOFOLLOW : 0));
	if (fd < 0) {
		int e = errno;
		*why = e == ELOOP && nofollow ? "a symbolic link" : strerror(e);
		return e == ENOENT ? LIDX_ENOTFOUND : LIDX_EIO;
	}
	if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode)) {
		close(fd);
		*why = "not a regular file";
		return LIDX_EIO;
	}
	if ((uint64_t)st->st_size > max) {
		close(fd);
		*why = "too large";
		return LIDX_ETOOBIG;
	}
	/* a regular file never blocks; clear the flag all the same */
	int fl = fcntl(fd, F_GETFL);
	if (fl >= 0)
		fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	return fd;
}

ssize_t lidx__read_full(int fd, void *buf, size_t n)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = read(fd, (char *)buf + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

int lidx__read_small(const char *path, uint64_t max, char **out, size_t *len, const char **why)
{
	*out = NULL;
	*len = 0;
	struct stat st;
	int fd = lidx__open_regular(path, 0, max, &st, why);
	if (fd < 0)
		return fd;
	size_t n = (size_t)st.st_size, got = 0;
	char *buf = lidx__malloc(n + 1);
	if (!buf) {
		close(fd);
		*why = "out of memory";
		return LIDX_ENOMEM;
	}
	/* read at most the size fstat gave: a file that grows is cut there */
	ssize_t r = lidx__read_full(fd, buf, n);
	if (r < 0) {
		*why = strerror(errno);
		close(fd);
		lidx__free(buf);
		return LIDX_EIO;
	}
	got = (size_t)r;
	close(fd);
	buf[got] = 0;
	*out = buf;
	*len = got;
	return 0;
}
