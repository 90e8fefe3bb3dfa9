/*
 * Is a negative capacity (a huge size_t) refused at grt_chan_make, as Go's makechan does?
 *
 * want: fatal
 * stderr: fatal error: grt_chan_make: makechan: size out of range
 * not-stderr: SIGSEGV
 */
#include "check.h"

static void main_goroutine(void *arg)
{
	(void)arg;
	int cap = -1;
	grt_chan_make(sizeof(int), (size_t)cap);
	printf("still running\n");
}

int main(void)
{
	return grt_main(main_goroutine, NULL);
}
