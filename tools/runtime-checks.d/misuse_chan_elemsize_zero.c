/*
 * Is a channel of 0-byte elements (swapped arguments?) refused at grt_chan_make?
 *
 * want: fatal
 * stderr: fatal error: grt_chan_make: elemsize is 0
 * not-stderr: SIGSEGV
 */
#include "check.h"

static void main_goroutine(void *arg)
{
	(void)arg;
	grt_chan_make(0, sizeof(int));
	printf("still running\n");
}

int main(void)
{
	return grt_main(main_goroutine, NULL);
}
