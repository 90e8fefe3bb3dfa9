/*
 * hello.c - two goroutines taking turns on one P.
 *
 *     make lib && cc -g examples/hello.c -Iruntime build/libgrt.a -pthread -o hello
 *     GRT_MAXPROCS=1 ./hello
 */
#include <stdio.h>

#include "grt.h"

static grt_wg wg;

static void worker(void *arg)
{
	for (int i = 0; i < 3; i++) {
		printf("%s: turn %d (goroutine %lld)\n", (char *)arg, i, (long long)grt_goid());
		grt_yield();
	}
	grt_wg_done(&wg);
}

static void hello_main(void *arg)
{
	(void)arg;
	grt_wg_add(&wg, 2);
	grt_go(worker, "ping");
	grt_go(worker, "pong");
	grt_wg_wait(&wg);
}

int main(void)
{
	return grt_main(hello_main, NULL);
}
