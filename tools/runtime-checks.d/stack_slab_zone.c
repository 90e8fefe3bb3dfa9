/*
 * On a slab stack (no guard page), does an overflow that writes below the
 * stack stop the program at the goroutine's next switch, naming it?
 *
 * want: fatal
 * stderr: goroutine 4: stack overflow (it wrote into the canary zone
 * not-stderr: overflow returned
 * env: GRT_MAXPROCS=1
 */
#include <string.h>

#include "check.h"
#include "slab.h"

static grt_chan *gate;

static void parked(void *arg)
{
	(void)arg;
	char v;
	grt_chan_recv(gate, &v);
}

/* Frames of 1 KiB, every byte written: they sweep through the zone. */
static long sweep(int n)
{
	volatile char frame[1024];
	memset((char *)frame, n, sizeof frame);
	if (n == 0)
		return frame[0];
	return sweep(n - 1) + frame[n % sizeof frame];
}

static void overflower(void *arg)
{
	(void)arg;
	sweep(66); /* 66 KiB of frames: past the 64 KiB stack */
	grt_yield(); /* the next switch: the check comes here */
	fprintf(stderr, "overflow returned\n");
}

static void main_goroutine(void *arg)
{
	(void)arg;
	slabstacks_from_now();
	gate = grt_chan_make(1, 0);
	grt_go(parked, NULL); /* goroutines 2 and 3: the stacks below ours */
	grt_go(parked, NULL);
	grt_yield();
	grt_go(overflower, NULL); /* goroutine 4 */
	for (int i = 0; i < 10; i++)
		grt_yield();
}

int main(void)
{
	return grt_main(main_goroutine, NULL);
}
