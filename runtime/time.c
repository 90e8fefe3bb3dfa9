/*
 * time.c - the clock, and grt_sleep's checks.
 *
 * How a goroutine sleeps is lab 5's (timer.c): as shipped, a blocking
 * system call that holds a thread for the whole sleep; once built, a
 * timer in the P's heap and a parked goroutine, costing no thread.
 */
#include <errno.h>
#include <time.h>

#include "runtime.h"

int64_t grt_nanotime(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void grt_sleep(int64_t ns)
{
	if (ns <= 0)
		return;
	if (getg()) {
		timeSleep(ns);
		return;
	}
	/* A plain thread: nothing to schedule, so just sleep. */
	struct timespec ts = { .tv_sec = ns / 1000000000, .tv_nsec = ns % 1000000000 };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
	}
}
