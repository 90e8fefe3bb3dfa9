/*
 * When the main goroutine calls grt_exit, grt_main can never return: once
 * the other goroutines have finished, is that reported as Go reports it?
 *
 * want: fatal
 * stderr: fatal error: no goroutines (main called grt_exit) - deadlock!
 * stdout: worker done
 * within: 1
 * faildump: no goroutines (main called grt_exit) - deadlock!
 */
#include "check.h"

static void worker(void *arg)
{
	(void)arg;
	grt_sleep(100 * 1000 * 1000); /* a system call: no deadlock while it lasts */
	deadlock_begins();
	printf("worker done\n"); /* not flushed: the report must flush it */
}

static void main_goroutine(void *arg)
{
	(void)arg;
	grt_go(worker, NULL);
	grt_exit();
}

int main(void)
{
	return grt_main(main_goroutine, NULL);
}
