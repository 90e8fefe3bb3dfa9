/*
 * Is a goroutine in grt_sleep (a system call until lab 5) never taken for
 * a deadlock, and is the deadlock that follows its wake-up still reported
 * at once?
 *
 * want: fatal
 * stderr: fatal error: all goroutines are asleep - deadlock!
 * stderr: goroutine 1 [chan receive]:
 * stdout: slept
 * within: 1
 * env: GRT_MAXPROCS=1
 */
#include "check.h"

static void sleeper(void *arg)
{
	(void)arg;
	grt_sleep(500 * 1000 * 1000); /* every other goroutine waits meanwhile */
	printf("slept\n");
	deadlock_begins();
}

static void main_goroutine(void *arg)
{
	(void)arg;
	grt_chan *c = grt_chan_make(1, 0);
	grt_go(sleeper, NULL);
	char v;
	grt_chan_recv(c, &v);
}

int main(void)
{
	return grt_main(main_goroutine, NULL);
}
