/*
 * switch.c - the raw context switch, without the scheduler: two contexts
 * on one thread pass control back and forth with gogo, then with glibc's
 * swapcontext, which saves the signal mask with a system call each time.
 * Prints ns per switch (one direction) for each.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <ucontext.h>

#include "runtime.h"

#define N 10000000L
#define STK (64 * 1024)

static struct gobuf mainbuf, cobuf;
static ucontext_t mainuc, couc;

static void gogo_partner(void *arg)
{
	(void)arg;
	for (;;)
		gogo(&cobuf, &mainbuf);
}

static void uc_partner(void)
{
	for (;;)
		swapcontext(&couc, &mainuc);
}

static void *stack(void)
{
	void *s = mmap(NULL, STK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (s == MAP_FAILED)
		abort();
	return s;
}

int main(void)
{
	char *s = stack();
	gostartcall(&cobuf, s, s + STK, gogo_partner, NULL);
	gogo(&mainbuf, &cobuf); /* warm up */
	int64_t t0 = grt_nanotime();
	for (long i = 0; i < N; i++)
		gogo(&mainbuf, &cobuf);
	int64_t t1 = grt_nanotime();

	getcontext(&couc);
	couc.uc_stack.ss_sp = stack();
	couc.uc_stack.ss_size = STK;
	makecontext(&couc, uc_partner, 0);
	swapcontext(&mainuc, &couc);
	long n2 = N / 10;
	int64_t t2 = grt_nanotime();
	for (long i = 0; i < n2; i++)
		swapcontext(&mainuc, &couc);
	int64_t t3 = grt_nanotime();

	printf("switch\tgogo\t%.1f\n", (double)(t1 - t0) / (2.0 * N));
	printf("switch\tswapcontext (glibc)\t%.1f\n", (double)(t3 - t2) / (2.0 * n2));
	return 0;
}
