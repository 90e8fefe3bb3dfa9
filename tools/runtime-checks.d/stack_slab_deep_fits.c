/*
 * Does a slab stack still hold 62 KiB of frames (the canary zone takes
 * only the last bytes), with no false report at its switches?
 *
 * want: exit 0
 * stdout: deep recursion done
 * not-stderr: overflow
 * env: GRT_MAXPROCS=1
 */
#include <string.h>

#include "check.h"
#include "slab.h"

static long sweep(int n)
{
	volatile char frame[1024];
	memset((char *)frame, n, sizeof frame);
	if (n % 8 == 0)
		grt_yield(); /* a check at every eighth frame */
	if (n == 0)
		return frame[0];
	return sweep(n - 1) + frame[n % sizeof frame];
}

static void deep(void *arg)
{
	sweep(60); /* 61 frames of a little over 1 KiB */
	grt_wg_done(arg);
}

static void main_goroutine(void *arg)
{
	(void)arg;
	static grt_wg wg;
	slabstacks_from_now();
	grt_wg_add(&wg, 2);
	grt_go(deep, &wg);
	grt_go(deep, &wg); /* neighbours: each sweeps next to the other's zone */
	grt_wg_wait(&wg);
	printf("deep recursion done\n");
}

int main(void)
{
	return grt_main(main_goroutine, NULL);
}
