// SPDX-License-Identifier: GPL-2.0
/* A guest program for the report tests: one function to land samples in. */
volatile unsigned long prog_sink;

__attribute__((noinline)) void prog_work(void)
{
	int i;

	for (i = 0; i < 100; i++)
		prog_sink += i;
}

int main(void)
{
	prog_work();
	return 0;
}
