/*
 * Does a parked goroutine still cost about one page, on a guarded stack
 * and on a slab stack with its canary zone (which must live in a page the
 * goroutine below touches anyway)?
 *
 * want: exit 0
 * report: parked goroutine
 * env: GRT_MAXPROCS=1
 */
#include <stdlib.h>

#include "check.h"
#include "slab.h"

#define N 10000
#define BOUND_KIB 6.0 /* a page of stack, the struct g, page tables; two pages would be 8+ */

static grt_chan *gate;
static grt_wg done;
static _Atomic int started;

static void parked(void *arg)
{
	(void)arg;
	char v;
	atomic_fetch_add(&started, 1);
	grt_chan_recv(gate, &v);
	grt_wg_done(&done);
}

static long rss_kib(void)
{
	long size = 0, rss = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	if (!f || fscanf(f, "%ld %ld", &size, &rss) != 2)
		exit(3);
	fclose(f);
	return rss * 4;
}

static double park_many(void)
{
	atomic_store(&started, 0);
	long rss0 = rss_kib();
	grt_wg_add(&done, N);
	for (int i = 0; i < N; i++)
		grt_go(parked, NULL);
	while (atomic_load(&started) < N)
		grt_yield();
	return (double)(rss_kib() - rss0) / N;
}

static void main_goroutine(void *arg)
{
	(void)arg;
	gate = grt_chan_make(1, 0);
	double guarded = park_many();
	slabstacks_from_now();
	double slab = park_many();
	grt_chan_close(gate);
	grt_wg_wait(&done);
	printf("parked goroutine: %.1f KiB on a guarded stack, %.1f KiB on a slab stack (bound %.0f)\n", guarded,
	       slab, BOUND_KIB);
	if (guarded > BOUND_KIB || slab > BOUND_KIB)
		exit(1);
}

int main(void)
{
	return grt_main(main_goroutine, NULL);
}
