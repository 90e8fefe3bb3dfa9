/*
 * Does unlocking an unlocked mutex fail at the call, with Go's words?
 *
 * want: fatal
 * stderr: fatal error: grt_mutex_unlock: sync: unlock of unlocked mutex
 * not-stderr: SIGSEGV
 */
#include "check.h"

static void main_goroutine(void *arg)
{
	(void)arg;
	static grt_mutex mu;
	grt_mutex_lock(&mu);
	grt_mutex_unlock(&mu);
	grt_mutex_unlock(&mu);
	printf("still running\n");
}

int main(void)
{
	return grt_main(main_goroutine, NULL);
}
