/*
 * Does grt_go with a NULL function fail at the call, not when it would run?
 *
 * want: fatal
 * stderr: fatal error: grt_go: go of nil func value
 * not-stderr: SIGSEGV
 */
#include "check.h"

static void main_goroutine(void *arg)
{
	(void)arg;
	grt_go(NULL, NULL);
	printf("still running\n");
}

int main(void)
{
	return grt_main(main_goroutine, NULL);
}
