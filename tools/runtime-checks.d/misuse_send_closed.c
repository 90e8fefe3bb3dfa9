/*
 * Does a send on a closed channel fail, naming the call, with Go's words?
 *
 * want: fatal
 * stderr: fatal error: grt_chan_send: send on closed channel
 * not-stderr: SIGSEGV
 */
#include "check.h"

static void main_goroutine(void *arg)
{
	(void)arg;
	grt_chan *c = grt_chan_make(sizeof(int), 1);
	int v = 1;
	grt_chan_close(c);
	grt_chan_send(c, &v);
	printf("still running\n");
}

int main(void)
{
	return grt_main(main_goroutine, NULL);
}
