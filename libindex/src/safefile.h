/*
 * safefile.h -- opening files and folders that another local user might
 * have planted: only regular files are read (a FIFO or /dev/zero never
 * blocks or floods a reader), sizes are capped, and the index's folder and
 * files must belong to the user (or root) and be writable by no one else.
 * Used by corpus.c, index_read.c and aliases.c.
 */
#ifndef LIDX_SAFEFILE_H
#define LIDX_SAFEFILE_H

#include <stddef.h>
#include <sys/stat.h>
#include "common.h"

/*
 * 0 if st belongs to the effective user or to root and is writable by
 * neither group nor others; else LIDX_EUNSAFE with a message naming what
 * (e.g. "index folder") and path.
 */
int lidx__check_trusted(const struct stat *st, const char *what, const char *path, lidx_err *err);

/*
 * The folder that holds an index: it must be a folder (not a link to one),
 * trusted as above, and every folder above it must belong to the user or
 * root and not be writable by others unless sticky (/tmp), as ssh checks the
 * folders above ~/.ssh. With allow_sticky, dir itself may be a sticky
 * folder that anyone can write (--index /tmp/x.cvx: nobody else can
 * replace or remove our files there). 0 or LIDX_EUNSAFE / LIDX_ENOTFOUND with a message.
 */
int lidx__check_dir(const char *dir, const char *what, int allow_sticky, lidx_err *err);

/*
 * Open path read-only without blocking (O_NONBLOCK: a FIFO opens at once)
 * and check that it is a regular file of at most max bytes. With nofollow,
 * a symbolic link is refused. Returns the descriptor (O_NONBLOCK cleared)
 * with *st filled, or a negative code: LIDX_ENOTFOUND (missing), LIDX_EIO
 * (cannot open, or not a regular file), LIDX_ETOOBIG; *why gets a short
 * reason for a message.
 */
int lidx__open_regular(const char *path, int nofollow, uint64_t max, struct stat *st, const char **why);

/*
 * Read a small text file whole (see lidx__open_regular). *out is malloc'd
 * and NUL-terminated. 0 or a negative code with *why set.
 */
int lidx__read_small(const char *path, uint64_t max, char **out, size_t *len, const char **why);

/*
 * Read up to n bytes of fd into buf, again after EINTR, until n or the end
 * of the file: the count read, or -1 with errno set on a read error.
 */
ssize_t lidx__read_full(int fd, void *buf, size_t n);

#endif
