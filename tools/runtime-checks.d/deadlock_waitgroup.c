/*
 * Is a WaitGroup that never reaches zero reported as a deadlock, after the
 * goroutines that did call grt_wg_done have finished?
 *
 * want: fatal
 * stderr: fatal error: all goroutines are asleep - deadlock!
 * stderr: goroutine 1 [sync.WaitGroup.Wait]:
 * not-stderr: goroutine 2 [
 * within: 1
 * faildump: all goroutines are asleep - deadlock!
 */
#include "check.h"

static void worker(void *arg)
{
	grt_wg_done(arg);
}

static void main_goroutine(void *arg)
{
	(void)arg;
	static grt_wg wg;
	grt_wg_add(&wg, 3);
	grt_go(worker, &wg);
	grt_go(worker, &wg); /* one grt_wg_done short */
	deadlock_begins();
	grt_wg_wait(&wg);
}

int main(void)
{
	return grt_main(main_goroutine, NULL);
}
