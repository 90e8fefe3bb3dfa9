/*
 * Does a program whose goroutines all wait on channels stop at once with
 * Go's message, each goroutine's wait reason, and the picture?
 *
 * want: fatal
 * stderr: fatal error: all goroutines are asleep - deadlock!
 * stderr: goroutine 1 [chan send]:
 * stderr: goroutine 2 [chan receive]:
 * stderr: started as receiver, waits on grt_chan
 * within: 1
 * faildump: all goroutines are asleep - deadlock!
 * env: GRT_MAXPROCS=2
 */
#include "check.h"

void receiver(void *arg);

void receiver(void *arg)
{
	int v;
	grt_chan_recv(arg, &v); /* nobody ever sends */
}

static void main_goroutine(void *arg)
{
	(void)arg;
	grt_chan *c = grt_chan_make(sizeof(int), 0);
	for (int i = 0; i < 3; i++)
		grt_go(receiver, c);
	int v = 1;
	deadlock_begins();
	grt_chan_send(grt_chan_make(sizeof(int), 0), &v); /* nobody ever receives */
}

int main(void)
{
	return grt_main(main_goroutine, NULL);
}
