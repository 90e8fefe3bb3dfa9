/*
 * spin.c - a goroutine that never calls the runtime, and one that waits
 * for its turn on the same P.
 *
 *     make lib && cc -g examples/spin.c -Iruntime build/libgrt.a -pthread -o spin
 *     GRT_MAXPROCS=1 ./spin
 *
 * The main goroutine starts a spinner and yields to it.  Until lab 6 the
 * spinner keeps the only P until a plain thread (not a goroutine: it needs
 * no P) tells it to stop, a second later.  With preemption, sysmon stops
 * it after one time slice, 10 ms, and the main goroutine runs again.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <unistd.h>

#include "grt.h"

static _Atomic int stop;
static grt_wg wg;

static void spinner(void *arg)
{
	(void)arg;
	/* No call in the loop: nothing here asks the runtime anything. */
	for (unsigned long n = 0; !atomic_load_explicit(&stop, memory_order_relaxed); n++) {}
	grt_wg_done(&wg);
}

static void *alarm_thread(void *arg)
{
	(void)arg;
	sleep(1);
	atomic_store(&stop, 1);
	return NULL;
}

static void spin_main(void *arg)
{
	(void)arg;
	grt_wg_add(&wg, 1);
	grt_go(spinner, NULL);
	int64_t t0 = grt_nanotime();
	grt_yield();
	int64_t waited = grt_nanotime() - t0;
	printf("the main goroutine ran again %s\n", waited < 500 * 1000 * 1000 ? "within a time slice or so"
											: "only once the spinner stopped");
	atomic_store(&stop, 1);
	grt_wg_wait(&wg);
}

int main(void)
{
	pthread_t t;
	pthread_create(&t, NULL, alarm_thread, NULL);
	grt_main(spin_main, NULL);
	pthread_join(t, NULL);
	return 0;
}
