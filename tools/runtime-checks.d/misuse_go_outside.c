/*
 * Does grt_go outside grt_main say to start the runtime first?
 *
 * want: fatal
 * stderr: fatal error: grt_go: called outside a goroutine (start the runtime with grt_main)
 * not-stderr: SIGSEGV
 */
#include "check.h"

static void nothing(void *arg)
{
	(void)arg;
}

int main(void)
{
	grt_go(nothing, NULL);
	printf("still running\n");
	return 0;
}
