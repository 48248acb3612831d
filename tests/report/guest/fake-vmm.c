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

/*
 * A Rust VMM's functions, under the names rustc gave the method
 * firecracker::vstate::Vcpu::run_emulation: legacy mangling (rustc's
 * default) and v0 mangling (-C symbol-mangling-version=v0).
 */
unsigned long rust_legacy(unsigned long x)
	__asm__("_ZN11firecracker6vstate4Vcpu13run_emulation17hb31b2f9b21b5d262E");
unsigned long rust_v0(unsigned long x)
	__asm__("_RNvMNtCsNWaxWCtMPa_11firecracker6vstateNtB2_4Vcpu13run_emulation");

__attribute__((noinline)) unsigned long rust_legacy(unsigned long x)
{
	return x * 31 + 7;
}

__attribute__((noinline)) unsigned long rust_v0(unsigned long x)
{
	return x * 37 + 11;
}

int main(int argc, char **argv)
{
	(void)argv;
	printf("%lu\n", vmm_handle_pio((unsigned long)argc) +
	       rust_legacy(argc) + rust_v0(argc));
	return 0;
}
