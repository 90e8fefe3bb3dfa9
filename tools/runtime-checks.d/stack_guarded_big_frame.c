/*
 * On a guarded stack, is a frame larger than a page (16 KiB here) that
 * starts near the bottom of the stack still caught by the guard, instead
 * of landing in the goroutine stack mapped below?
 *
 * want: fatal
 * stderr: goroutine 2: stack overflow
 * not-stderr: overflow returned
 * env: GRT_MAXPROCS=1
 */
#include <string.h>

#include "check.h"

static grt_chan *gate;

static void parked(void *arg)
{
	(void)arg;
	char v;
	grt_chan_recv(gate, &v);
}

/* Not inlined: the array escapes, so the compiler must give it all its bytes. */
static __attribute__((noinline)) void poke(volatile char *p)
{
	p[0] = 1;
}

static __attribute__((noinline)) void big_frame(void)
{
	volatile char big[16 * 1024];
	poke(big); /* its lowest byte: 16 KiB below the caller */
}

/* Frames of a little over 1 KiB each, then the big one. */
static long descend(int n)
{
	volatile char frame[1024];
	memset((char *)frame, n, sizeof frame);
	if (n == 0) {
		big_frame();
		return frame[0];
	}
	return descend(n - 1) + frame[n % sizeof frame];
}

static void overflower(void *arg)
{
	(void)arg;
	descend(50); /* about 54 KiB: 10 KiB left, less than the 16 KiB frame */
	fprintf(stderr, "overflow returned\n");
}

static void main_goroutine(void *arg)
{
	(void)arg;
	gate = grt_chan_make(1, 0);
	grt_go(overflower, NULL); /* goroutine 2 */
	grt_go(parked, NULL);     /* goroutine 3: its stack is mapped below 2's */
	for (int i = 0; i < 10; i++)
		grt_yield();
}

int main(void)
{
	return grt_main(main_goroutine, NULL);
}
