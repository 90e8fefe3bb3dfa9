/*
 * When the main goroutine returns while others still wait, grt_main
 * returns (as Go's main does): is that never taken for a deadlock, also
 * when grt_main is called again afterwards?
 *
 * want: exit 0
 * stdout: second run done
 * not-stderr: deadlock
 */
#include <time.h>

#include "check.h"

static grt_chan *never;

static void waiter(void *arg)
{
	(void)arg;
	char v;
	grt_chan_recv(never, &v);
}

static void first(void *arg)
{
	(void)arg;
	never = grt_chan_make(1, 0);
	for (int i = 0; i < 10; i++)
		grt_go(waiter, NULL);
	grt_yield(); /* let them park */
}

static void second(void *arg)
{
	(void)arg;
	grt_sleep(200 * 1000 * 1000); /* every M but this one is idle meanwhile */
	printf("second run done\n");
}

int main(void)
{
	grt_main(first, NULL);
	struct timespec ts = { 0, 200 * 1000 * 1000 };
	nanosleep(&ts, NULL); /* the Ms go idle with ten goroutines asleep */
	return grt_main(second, NULL);
}
