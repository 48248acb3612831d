// SPDX-License-Identifier: GPL-2.0
/* What tools/main.c provides to the tool's objects; harnesses have no main.c. */
#include "util.h"

const char *vmprof_version(void)
{
	return "fuzz";
}
