/*
 * fuzz_config.c -- libFuzzer target: the config file parser
 * (cli_config_parse(), `corpus = DIR`) on arbitrary bytes, long lines, a
 * byte order mark, NULs. The CLI's config.c is compiled into the target
 * (it has no other dependency), so the fuzzer sees the code cvsearch runs.
 */
#include <stdint.h>
#include "../../cli/config.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* with and without a home folder (a relative DIR is taken from it) */
	for (int k = 0; k < 2; k++) {
		char *dir = cli_config_parse((const char *)data, size, k ? "/home/u" : NULL);
		if (dir) {
			size_t n = strlen(dir);
			if (!n || n > 8200)
				abort(); /* a value is never empty, and bounded */
			free(dir);
		}
	}
	return 0;
}
