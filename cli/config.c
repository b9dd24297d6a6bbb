/*
 * config.c -- the config file, $XDG_CONFIG_HOME/cvsearch/config (else
 * ~/.config/cvsearch/config): one setting, `corpus = DIR`. Read only when
 * it is a regular file of at most 64 KiB (a FIFO there hung every command);
 * a UTF-8 byte order mark in front is skipped. main.c calls
 * cli_config_corpus(); tests/fuzz/fuzz_config.c the parser.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "cli.h"

#define MAX_CONFIG (64 * 1024)

const char *cli_config_path(void)
{
	static char path[4096];
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	if (xdg && *xdg)
		snprintf(path, sizeof path, "%s/cvsearch/config", xdg);
	else if (home && *home)
		snprintf(path, sizeof path, "%s/.config/cvsearch/config", home);
	else
		return NULL; /* no home: no config file */
	return path;
}

static int blank(char ch)
{
	return ch == ' ' || ch == '\t';
}

/*
 * `corpus = DIR` from the config text; `~/` and a relative DIR are taken
 * from home. Blanks around DIR, '#' comment lines and other settings are
 * ignored; the first corpus line with a value wins. NULL if none.
 */
char *cli_config_parse(const char *text, size_t len, const char *home)
{
	if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3))
		text += 3, len -= 3; /* a UTF-8 byte order mark lost the first line */
	size_t at = 0;
	while (at < len) {
		const char *p = text + at, *nl = memchr(p, '\n', len - at);
		const char *e = nl ? nl : text + len;
		at = (size_t)(e - text) + (nl != NULL);
		while (p < e && blank(*p))
			p++;
		if ((size_t)(e - p) < 6 || memcmp(p, "corpus", 6))
			continue;
		p += 6;
		while (p < e && blank(*p))
			p++;
		if (p == e || *p++ != '=')
			continue;
		while (p < e && blank(*p))
			p++;
		while (e > p && (blank(e[-1]) || e[-1] == '\r'))
			e--;
		size_t n = (size_t)(e - p);
		if (!n || memchr(p, 0, n) || n > 4000)
			continue;
		char val[4096], full[8200];
		memcpy(val, p, n);
		val[n] = 0;
		if (val[0] == '~' && (val[1] == '/' || !val[1]) && home && *home)
			snprintf(full, sizeof full, "%s%s", home, val + 1);
		else if (val[0] != '/' && val[0] != '~' && home && *home)
			snprintf(full, sizeof full, "%s/%s", home, val);
		else
			snprintf(full, sizeof full, "%s", val);
		return strdup(full);
	}
	return NULL;
}

char *cli_config_corpus(void)
{
	const char *path = cli_config_path();
	if (!path)
		return NULL;
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	struct stat st;
	char *buf = NULL, *res = NULL;
	const char *why = NULL;
	if (fstat(fd, &st) != 0)
		why = strerror(errno);
	else if (!S_ISREG(st.st_mode))
		why = "not a regular file";
	else if (st.st_size > MAX_CONFIG)
		why = "larger than 64 KiB";
	else if (!(buf = malloc((size_t)st.st_size + 1)))
		why = "out of memory";
	if (why) {
		fprintf(stderr, "cvsearch: warning: %s: %s; not read\n", path, why);
		close(fd);
		return NULL;
	}
	size_t got = 0, n = (size_t)st.st_size;
	while (got < n) {
		ssize_t r = read(fd, buf + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	res = cli_config_parse(buf, got, getenv("HOME"));
	free(buf);
	return res;
}
