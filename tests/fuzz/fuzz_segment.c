/*
 * fuzz_segment.c -- libFuzzer target: story segmentation of arbitrary bytes
 * (Markdown, Logseq outlines, org-mode, plain text, front matter, e-mail
 * headers, dated lists), then the same text through the builder. Checks
 * every story's line and byte range and flags against the input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "libindex.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	lidx_segments s;
	lidx_err err;
	if (lidx_segment(text, size, "fuzz.md", &s, &err) == 0) {
		size_t lines = 1;
		for (size_t i = 0; i < size; i++)
			lines += data[i] == '\n';
		if (s.text_len != size)
			abort(); /* the cleaned text keeps the input's length */
		for (size_t i = 0; i < s.n_stories; i++) {
			lidx_seg_story *st = &s.stories[i];
			if (!st->title || !st->breadcrumb || st->line_start < 1 || st->line_start > st->line_end ||
			    st->line_end > lines || st->byte_start > st->byte_end || st->byte_end > size ||
			    (st->flags & ~(unsigned)(LIDX_STORY_LINKS | LIDX_STORY_TEMPLATE)))
				abort();
		}
		lidx_segments_free(&s);
	}
	lidx_builder *b;
	if (lidx_builder_new(&b) < 0)
		return 0;
	if (lidx_builder_add_file(b, "fuzz.md", size, 0, 0) == 0)
		(void)lidx_builder_add_text(b, text, size, "fuzz.md", &err);
	lidx_builder_free(b);
	return 0;
}
