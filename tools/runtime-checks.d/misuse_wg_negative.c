/*
 * Does a WaitGroup counter below zero fail at grt_wg_done, with Go's words?
 *
 * want: fatal
 * stderr: fatal error: grt_wg_done: sync: negative WaitGroup counter
 * not-stderr: SIGSEGV
 */
#include "check.h"

static void main_goroutine(void *arg)
{
	(void)arg;
	static grt_wg wg;
	grt_wg_add(&wg, 1);
	grt_wg_done(&wg);
	grt_wg_done(&wg);
	printf("still running\n");
}

int main(void)
{
	return grt_main(main_goroutine, NULL);
}
