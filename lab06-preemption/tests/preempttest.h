/*
 * preempttest.h - what lab 6's tests share: settings, a watchdog, CPU
 * time, and loops with no calls in them.  Do not edit: the grader uses a
 * pristine copy of this folder.
 */
#ifndef PREEMPTTEST_H
#define PREEMPTTEST_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "runtime.h"

#define MS (1000 * 1000LL)
#define US 1000LL

static inline void maxprocs(const char *n)
{
	setenv("GRT_MAXPROCS", n, 1);
}

/* The grader's time scale, for bounds on a slow or busy machine. */
static inline double timescale(void)
{
	const char *s = getenv("GRADER_TIMEOUT_SCALE");
	double k = s ? atof(s) : 1;
	return k > 1 ? k : 1;
}

/* A plain thread that sets *flag after ms milliseconds, unless *done is
 * set first: what ends a loop that makes no calls when preemption fails. */
struct alarm {
	_Atomic int *flag, *done;
	int ms;
	pthread_t t;
};
static inline void *alarm_run(void *arg)
{
	struct alarm *a = arg;
	for (int i = 0; i < a->ms && !atomic_load(a->done); i++)
		usleep(1000);
	atomic_store(a->flag, 1);
	return NULL;
}
static inline void alarm_start(struct alarm *a)
{
	if (pthread_create(&a->t, NULL, alarm_run, a) != 0)
		FAIL("pthread_create failed");
}
static inline void alarm_stop(struct alarm *a)
{
	atomic_store(a->done, 1);
	pthread_join(a->t, NULL);
}

/* Spin until *flag is set, counting; no call in the loop. */
static inline long spin(_Atomic int *flag, _Atomic long *count)
{
	long n = 0;
	while (!atomic_load_explicit(flag, memory_order_relaxed)) {
		n++;
		atomic_store_explicit(count, n, memory_order_relaxed);
	}
	return n;
}

#endif
