/*
 * Does receiving into a NULL pointer fail at the call, naming it?
 *
 * want: fatal
 * stderr: fatal error: grt_chan_recv: elem is NULL
 * not-stderr: SIGSEGV
 */
#include "check.h"

static void main_goroutine(void *arg)
{
	(void)arg;
	grt_chan *c = grt_chan_make(sizeof(int), 1);
	grt_chan_recv(c, NULL);
	printf("still running\n");
}

int main(void)
{
	return grt_main(main_goroutine, NULL);
}
