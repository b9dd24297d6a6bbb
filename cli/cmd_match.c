/*
 * cmd_match.c -- `cvsearch match`: not built yet (issue #3).
 */
#include "cli.h"

int cmd_match(cli *c)
{
	cli_error(c, "match is not available in this build yet");
	return EXIT_USAGE;
}
