/*
 * time.c - the clock and sleeping.
 *
 * grt_sleep is a blocking system call here: the thread sleeps, and the
 * goroutine keeps its M.  It is known to block, so it hands off its P at
 * once (entersyscallblock, lab 4) rather than waiting for sysmon.
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
	struct timespec ts = { .tv_sec = ns / 1000000000, .tv_nsec = ns % 1000000000 };
	bool ing = getg() != NULL;
	if (ing)
		entersyscallblock();
	/* errno read before grt_exitsyscall: still the thread of the call. */
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
	}
	if (ing)
		grt_exitsyscall();
}
