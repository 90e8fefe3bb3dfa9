/*
 * On a slab stack, a frame bigger than the stack can jump over the canary
 * zone without writing it: if the goroutine switches while its stack
 * pointer is still below its stack, is that reported as an overflow?
 *
 * want: fatal
 * stderr: goroutine 3: stack overflow (its stack pointer
 * not-stderr: overflow returned
 * env: GRT_MAXPROCS=1
 */
#include "check.h"
#include "slab.h"

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

static __attribute__((noinline)) void huge_frame(void)
{
	volatile char big[70 * 1024]; /* larger than the whole stack */
	poke(big);                    /* only its far end is written */
	grt_yield();                  /* switch with rsp below the stack */
	poke(big);
}

static void overflower(void *arg)
{
	(void)arg;
	huge_frame();
	fprintf(stderr, "overflow returned\n");
}

static void main_goroutine(void *arg)
{
	(void)arg;
	slabstacks_from_now();
	gate = grt_chan_make(1, 0);
	grt_go(parked, NULL); /* goroutine 2: the stack below ours */
	grt_yield();
	grt_go(overflower, NULL); /* goroutine 3 */
	for (int i = 0; i < 10; i++)
		grt_yield();
}

int main(void)
{
	return grt_main(main_goroutine, NULL);
}
