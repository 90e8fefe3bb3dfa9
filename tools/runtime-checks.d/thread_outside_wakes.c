/*
 * A thread the runtime did not start may wake a goroutine (grt_wg_done
 * from a plain pthread): while it is alive, is every goroutine waiting
 * for it never taken for a deadlock?
 *
 * want: exit 0
 * stdout: woken by the thread
 * not-stderr: deadlock
 * env: GRT_MAXPROCS=2
 */
#include <pthread.h>
#include <time.h>

#include "check.h"

static void *helper(void *arg)
{
	struct timespec ts = { 0, 300 * 1000 * 1000 };
	nanosleep(&ts, NULL); /* long after every M went idle */
	grt_wg_done(arg);
	return NULL;
}

static void main_goroutine(void *arg)
{
	(void)arg;
	static grt_wg wg;
	pthread_t t;
	grt_wg_add(&wg, 1);
	if (pthread_create(&t, NULL, helper, &wg) != 0)
		return;
	pthread_detach(t);
	grt_wg_wait(&wg);
	printf("woken by the thread\n");
}

int main(void)
{
	return grt_main(main_goroutine, NULL);
}
