/*
 * Does grt_wg_wait outside a goroutine fail every time, not only when it would have to wait?
 *
 * want: fatal
 * stderr: fatal error: grt_wg_wait: called outside a goroutine
 * not-stderr: SIGSEGV
 */
#include "check.h"

int main(void)
{
	static grt_wg wg; /* count 0: it would not even wait */
	grt_wg_wait(&wg);
	printf("still running\n");
	return 0;
}
