/*
 * Does closing a NULL channel fail as Go's close of a nil channel does?
 *
 * want: fatal
 * stderr: fatal error: grt_chan_close: close of nil channel
 * not-stderr: SIGSEGV
 */
#include "check.h"

static void main_goroutine(void *arg)
{
	(void)arg;
	grt_chan_close(NULL);
	printf("still running\n");
}

int main(void)
{
	return grt_main(main_goroutine, NULL);
}
