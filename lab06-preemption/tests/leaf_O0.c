/*
 * leaf_O0.c - a leaf function that keeps its locals in the red zone.
 * Compiled alone, without optimization (the Makefile's rule for *_O0.c):
 * at -O0 a function that calls nobody keeps its locals below rsp, in the
 * 128 bytes the ABI promises no signal handler or interrupt will touch,
 * and never moves rsp.  Do not edit: the grader uses a pristine copy of
 * this folder.
 */
#include <stdint.h>

uint64_t leafsum(uint64_t n, uint64_t seed);

uint64_t leafsum(uint64_t n, uint64_t seed)
{
	uint64_t a = seed, b = seed ^ 0x9e3779b97f4a7c15ULL, c = 0, d = 1, i;
	for (i = 0; i < n; i++) {
		a = a * 6364136223846793005ULL + 1442695040888963407ULL;
		b ^= a >> 29;
		b = (b << 7) | (b >> 57);
		c += a ^ b;
		d = d * 3 + (c >> 61);
	}
	return a ^ b ^ c ^ d;
}
