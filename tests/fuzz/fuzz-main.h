/* SPDX-License-Identifier: GPL-2.0 */
/*
 * main() for a fuzz target built without libFuzzer: runs every file given
 * through LLVMFuzzerTestOneInput() once (AFL++ passes one file; replaying
 * a corpus passes many).  With AFL++'s persistent mode it loops over
 * __AFL_FUZZ_TESTCASE_BUF instead.
 */
#include <stdio.h>
#include <stdlib.h>

#ifdef __AFL_FUZZ_TESTCASE_LEN
__AFL_FUZZ_INIT();
#endif

static unsigned char *fuzz_slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	unsigned char *buf = NULL;
	size_t cap = 0, n;

	*len = 0;
	if (!fp)
		return NULL;
	do {
		if (cap - *len < 65536) {
			cap = cap ? cap * 2 : 65536;
			buf = realloc(buf, cap);
			if (!buf)
				abort();
		}
		n = fread(buf + *len, 1, cap - *len, fp);
		*len += n;
	} while (n);
	fclose(fp);
	return buf;
}

int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

int main(int argc, char **argv)
{
	int i;

	if (LLVMFuzzerInitialize)
		LLVMFuzzerInitialize(&argc, &argv);
#ifdef __AFL_FUZZ_TESTCASE_LEN
	if (argc < 2) {
		unsigned char *buf;

		__AFL_INIT();
		buf = __AFL_FUZZ_TESTCASE_BUF;
		while (__AFL_LOOP(10000))
			LLVMFuzzerTestOneInput(buf, __AFL_FUZZ_TESTCASE_LEN);
		return 0;
	}
#endif
	for (i = 1; i < argc; i++) {
		size_t len;
		unsigned char *buf = fuzz_slurp(argv[i], &len);

		if (!buf && len) {
			perror(argv[i]);
			return 1;
		}
		LLVMFuzzerTestOneInput(buf ? buf : (unsigned char *)"", len);
		free(buf);
	}
	return 0;
}
