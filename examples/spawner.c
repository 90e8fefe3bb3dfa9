/*
 * spawner.c - one goroutine spawns 300, more than a P's ring holds.
 *
 *     make lib && cc -g examples/spawner.c -Iruntime build/libgrt.a -pthread -o spawner
 *     GRT_MAXPROCS=1 ./spawner
 *
 * With one P, the spawner keeps running while it spawns: the ring fills
 * up (256 goroutines), and the next spawn moves half of it to the global
 * run queue (runqputslow).  Lab 2's handout watches that happen in gdb.
 */
#include <stdio.h>

#include "grt.h"

enum { N = 300 };

static grt_wg wg;
static long sum;
static grt_mutex mu;

static void add(void *arg)
{
	grt_mutex_lock(&mu);
	sum += (long)arg;
	grt_mutex_unlock(&mu);
	grt_wg_done(&wg);
}

static void spawner(void *arg)
{
	(void)arg;
	grt_wg_add(&wg, N);
	for (long i = 1; i <= N; i++)
		grt_go(add, (void *)i);
	grt_wg_wait(&wg);
	printf("%d goroutines added up to %ld\n", N, sum);
}

int main(void)
{
	return grt_main(spawner, NULL);
}
