/*
 * With ten thousand goroutines asleep, does the report stay short (the
 * first hundred, then a count) and still come within a second?
 *
 * want: fatal
 * stderr: fatal error: all goroutines are asleep - deadlock!
 * stderr: goroutine 1 [chan receive]:
 * stderr: ...and 9901 more goroutines, all waiting
 * within: 1
 * faildump: all goroutines are asleep - deadlock!
 */
#include "check.h"

#define N 10000

static grt_chan *gate;

static void waiter(void *arg)
{
	(void)arg;
	char v;
	grt_chan_recv(gate, &v);
}

static void main_goroutine(void *arg)
{
	(void)arg;
	gate = grt_chan_make(1, 0);
	for (int i = 0; i < N; i++)
		grt_go(waiter, NULL);
	deadlock_begins();
	char v;
	grt_chan_recv(gate, &v);
}

int main(void)
{
	return grt_main(main_goroutine, NULL);
}
