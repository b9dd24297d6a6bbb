/*
 * output.c -- writing what cvsearch finds: text from notes escaped for the
 * terminal (notes may hold ANSI escapes), JSON strings that are always valid
 * UTF-8, colors that honor --color and NO_COLOR.
 */
#include <string.h>
#include <utf8proc.h>
#include "cli.h"

const char *col(cli *c, const char *code)
{
	static char buf[4][16];
	static int k;
	if (!c->color)
		return "";
	k = (k + 1) & 3;
	snprintf(buf[k], sizeof buf[k], "\033[%sm", code);
	return buf[k];
}

/* Length of a valid UTF-8 sequence at s, or 0. */
static size_t valid_seq(const char *s, size_t n, int32_t *cp)
{
	utf8proc_ssize_t r = utf8proc_iterate((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)n, cp);
	return r > 0 ? (size_t)r : 0;
}

/* One line of text: a newline (in a file name, say) shows as ^J like other controls. */
void out_text(FILE *f, const char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		unsigned char ch = (unsigned char)s[i];
		if (ch >= 0x20 && ch < 0x7f) {
			fputc(ch, f);
			i++;
			continue;
		}
		if (ch == '\t') {
			fputs("  ", f);
			i++;
			continue;
		}
		if (ch == '\r') {
			i++;
			continue;
		}
		if (ch < 0x80) {
			fprintf(f, "^%c", ch == 0x7f ? '?' : ch + 64); /* ESC shows as ^[ */
			i++;
			continue;
		}
		int32_t cp;
		size_t l = valid_seq(s + i, n - i, &cp);
		if (!l) {
			fprintf(f, "\\x%02x", ch);
			i++;
			continue;
		}
		if ((cp >= 0x80 && cp < 0xa0) || cp == 0x2028 || cp == 0x2029 || (cp >= 0x202a && cp <= 0x202e) ||
		    (cp >= 0x2066 && cp <= 0x2069))
			fprintf(f, "<U+%04X>", (unsigned)cp); /* C1 controls, bidi overrides */
		else
			fwrite(s + i, 1, l, f);
		i += l;
	}
}

void out_marked_in(FILE *f, const char *s, size_t n, const lidx_span *m, size_t nm, int color,
                   const char *restore)
{
	size_t at = 0;
	for (size_t k = 0; k < nm; k++) {
		if (m[k].start < at || m[k].end > n || m[k].start >= m[k].end)
			continue;
		out_text(f, s + at, m[k].start - at);
		fputs(color ? "\033[1;33m" : "[", f);
		out_text(f, s + m[k].start, m[k].end - m[k].start);
		fputs(color ? "\033[0m" : "]", f);
		if (color && restore)
			fputs(restore, f);
		at = m[k].end;
	}
	out_text(f, s + at, n - at);
}

void out_marked(FILE *f, const char *s, size_t n, const lidx_span *m, size_t nm, int color)
{
	out_marked_in(f, s, n, m, nm, color, NULL);
}

void json_str(FILE *f, const char *s, size_t n)
{
	fputc('"', f);
	for (size_t i = 0; i < n;) {
		unsigned char ch = (unsigned char)s[i];
		if (ch == '"' || ch == '\\') {
			fputc('\\', f);
			fputc(ch, f);
			i++;
		} else if (ch == '\n') {
			fputs("\\n", f);
			i++;
		} else if (ch == '\t') {
			fputs("\\t", f);
			i++;
		} else if (ch == '\r') {
			fputs("\\r", f);
			i++;
		} else if (ch < 0x20 || ch == 0x7f) {
			fprintf(f, "\\u%04x", ch);
			i++;
		} else if (ch < 0x80) {
			fputc(ch, f);
			i++;
		} else {
			int32_t cp;
			size_t l = valid_seq(s + i, n - i, &cp);
			if (l) {
				fwrite(s + i, 1, l, f);
				i += l;
			} else {
				fputs("\xef\xbf\xbd", f);
				i++;
			}
		}
	}
	fputc('"', f);
}

size_t json_offset(const char *s, size_t n, size_t off)
{
	size_t out = 0;
	for (size_t i = 0; i < off && i < n;) {
		unsigned char ch = (unsigned char)s[i];
		int32_t cp;
		size_t l = ch < 0x80 ? 1 : valid_seq(s + i, n - i, &cp);
		if (!l) { /* json_str writes U+FFFD: three bytes for one */
			out += 3;
			i++;
		} else {
			out += l;
			i += l;
		}
	}
	return out;
}

void json_cstr(FILE *f, const char *s)
{
	json_str(f, s, strlen(s));
}
