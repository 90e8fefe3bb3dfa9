/*
 * A goroutine made runnable but then lost by a run queue (a bug in
 * runq.c) would wait forever: when every M is idle, is the lost goroutine
 * named at once, as a scheduler bug, instead of a silent hang?
 *
 * want: fatal
 * stderr: fatal error: checkdead: goroutine 2 is runnable, yet every M is idle
 * not-stderr: all goroutines are asleep
 * within: 1
 * env: GRT_MAXPROCS=2
 */
#include "check.h"
#include "runtime.h"

static struct g *_Atomic lost;

static void waiter(void *arg)
{
	char v;
	atomic_store(&lost, getg());
	grt_chan_recv(arg, &v);
}

static void main_goroutine(void *arg)
{
	(void)arg;
	static grt_wg never;
	grt_go(waiter, grt_chan_make(1, 0));
	while (!atomic_load(&lost) || readgstatus(atomic_load(&lost)) != _Gwaiting)
		grt_yield();
	/* What goready does, minus the run queue: as if runqput dropped it. */
	casgstatus(atomic_load(&lost), _Gwaiting, _Grunnable);
	grt_wg_add(&never, 1);
	deadlock_begins();
	grt_wg_wait(&never);
}

int main(void)
{
	return grt_main(main_goroutine, NULL);
}
