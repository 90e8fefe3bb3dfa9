/*
 * Does sending on a NULL channel fail at the call, naming it?
 *
 * want: fatal
 * stderr: fatal error: grt_chan_send: the channel is NULL
 * not-stderr: SIGSEGV
 */
#include "check.h"

static void main_goroutine(void *arg)
{
	(void)arg;
	int v = 1;
	grt_chan_send(NULL, &v);
	printf("still running\n");
}

int main(void)
{
	return grt_main(main_goroutine, NULL);
}
