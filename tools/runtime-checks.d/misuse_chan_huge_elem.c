/*
 * Is an element larger than 64 KiB refused at grt_chan_make?
 *
 * want: fatal
 * stderr: fatal error: grt_chan_make: elemsize 100000 is too large
 * not-stderr: SIGSEGV
 */
#include "check.h"

static void main_goroutine(void *arg)
{
	(void)arg;
	grt_chan_make(100000, 1);
	printf("still running\n");
}

int main(void)
{
	return grt_main(main_goroutine, NULL);
}
