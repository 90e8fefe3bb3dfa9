/*
 * Is a mutex locked twice by the same goroutine reported as a deadlock,
 * with the other goroutines waiting on it listed too?
 *
 * want: fatal
 * stderr: fatal error: all goroutines are asleep - deadlock!
 * stderr: goroutine 1 [sync.Mutex.Lock]:
 * stderr: goroutine 2 [sync.Mutex.Lock]:
 * stderr: waits on grt_mutex
 * within: 1
 * faildump: all goroutines are asleep - deadlock!
 * env: GRT_MAXPROCS=4
 */
#include "check.h"

static grt_mutex mu;

static void locker(void *arg)
{
	(void)arg;
	grt_mutex_lock(&mu);
}

static void main_goroutine(void *arg)
{
	(void)arg;
	grt_mutex_lock(&mu);
	grt_go(locker, NULL);
	deadlock_begins();
	grt_mutex_lock(&mu);
}

int main(void)
{
	return grt_main(main_goroutine, NULL);
}
