/*
 * timer.c - timers, in a min-heap per P.  (lab 5)
 *
 * As shipped, there are no timers: grt_sleep is a blocking system call
 * (nanosleep) that hands off its P at once (lab 4's entersyscallblock), so
 * that every sleeping goroutine holds a thread until it wakes.
 *
 * Your version (the handout, lab05-netpoller/README.md, has the contracts
 * in full):
 *  - each P keeps a binary min-heap of timers ordered by when, under
 *    pp->timerslock, with the root's when in pp->timer0When (0: empty)
 *    for lock-free glances;
 *  - addtimer puts a timer in the caller's P's heap, counts it in
 *    sched.ntimers, and wakes the poller if it is blocked until later
 *    (netpollBreak), or an idle M if none blocks there (wakep);
 *  - deltimer takes a pending timer out of whichever heap holds it;
 *  - checkTimers runs pp's due timers, each f with no lock held;
 *    stealTimers does it for the other Ps; timeSleepUntil is the
 *    earliest when of all;
 *  - timeSleep parks the goroutine (waitReasonSleep) with its timer,
 *    added only once the goroutine is parked (in gopark's commit).
 *
 * Invariants: a timer is in at most one heap, and t->pp names it; a
 * timer's f runs once per add; every pending timer counts in
 * sched.ntimers, so that a sleeping program is no deadlock.
 */
#include <errno.h>
#include <time.h>

#include "runtime.h"

void addtimer(struct timer *t)
{
	/* TODO(lab05) */
	(void)t;
	stub_abort("lab05-netpoller", "timer.c", "addtimer");
}

bool deltimer(struct timer *t)
{
	/* TODO(lab05): nothing is ever pending until addtimer works. */
	(void)t;
	return false;
}

int64_t checkTimers(struct p *pp, int64_t now)
{
	/* TODO(lab05) */
	(void)pp;
	(void)now;
	return 0;
}

bool stealTimers(struct p *pp, int64_t now)
{
	/* TODO(lab05) */
	(void)pp;
	(void)now;
	return false;
}

int64_t timeSleepUntil(void)
{
	/* TODO(lab05) */
	return 0;
}

void timeSleep(int64_t ns)
{
	/* TODO(lab05): a timer and gopark, not a thread. */
	struct timespec ts = { .tv_sec = ns / 1000000000, .tv_nsec = ns % 1000000000 };
	entersyscallblock();
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
	}
	grt_exitsyscall();
}
