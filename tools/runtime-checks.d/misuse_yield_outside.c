/*
 * Does grt_yield outside grt_main say to start the runtime first?
 *
 * want: fatal
 * stderr: fatal error: grt_yield: called outside a goroutine (start the runtime with grt_main)
 * not-stderr: SIGSEGV
 */
#include "check.h"

int main(void)
{
	grt_yield();
	printf("still running\n");
	return 0;
}
