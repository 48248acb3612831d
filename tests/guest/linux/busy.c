// SPDX-License-Identifier: GPL-2.0
/*
 * A busy program for the Linux guest, built twice (busy-a, busy-b) with
 * a work function of its own name, so that a profile of the guest can
 * tell them apart by comm and by symbol.  Static, with symbols and a
 * build-id: the host finds it by that build-id.  An argument is a
 * niceness to run at (Debian's busybox has no nice applet).
 */
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#ifndef BUSY_NAME
#error "build with -DBUSY_NAME=a or b"
#endif

#define CAT2(a, b)	a##b
#define CAT(a, b)	CAT2(a, b)
#define WORK		CAT(busy_work_, BUSY_NAME)

volatile uint64_t busy_sink;

/* Not inlined, so that samples land in a function named after us. */
__attribute__((noinline)) void WORK(void)
{
	uint64_t x = busy_sink;
	int i;

	for (i = 0; i < 1000000; i++)
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
	busy_sink = x;
}

int main(int argc, char **argv)
{
	if (argc > 1 && nice(atoi(argv[1])) == -1)
		return 1;
	for (;;)
		WORK();
}
