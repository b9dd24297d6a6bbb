/*
 * cmd_batch.c -- `cvsearch batch`: not built yet (issue #4).
 */
#include "cli.h"

int cmd_batch(cli *c)
{
	cli_error(c, "batch is not available in this build yet");
	return EXIT_USAGE;
}
