/*
 * A sender waiting on a channel that another goroutine closes: does it
 * fail as Go's does, naming the call, rather than return as if sent?
 *
 * want: fatal
 * stderr: fatal error: grt_chan_send: send on closed channel
 * not-stderr: send returned
 * env: GRT_MAXPROCS=1
 */
#include "check.h"

static void sender(void *arg)
{
	int v = 1;
	grt_chan_send(arg, &v); /* nobody receives: it waits */
	fprintf(stderr, "send returned\n");
}

static void main_goroutine(void *arg)
{
	(void)arg;
	grt_chan *c = grt_chan_make(sizeof(int), 0);
	grt_go(sender, c);
	grt_yield(); /* let it park */
	grt_chan_close(c);
	for (int i = 0; i < 10; i++)
		grt_yield();
}

int main(void)
{
	return grt_main(main_goroutine, NULL);
}
