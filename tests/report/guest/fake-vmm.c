// SPDX-License-Identifier: GPL-2.0
/*
 * Stands in for QEMU in the report tests: a PIE whose functions the
 * fixtures "map" at a VMM-like address.  It is never run by the tests.
 */
#include <stdio.h>

unsigned long vmm_handle_pio(unsigned long port)
{
	unsigned long v = port;
	int i;

	for (i = 0; i < 16; i++)
		v = v * 33 + (unsigned long)i;
	return v;
}

int main(int argc, char **argv)
{
	(void)argv;
	printf("%lu\n", vmm_handle_pio((unsigned long)argc));
	return 0;
}
