/*
 * sysmon.c - the system monitor: an M without a P that watches the Ps.
 *
 * A goroutine in a blocking system call keeps its M, which sits in the
 * kernel, and (lab 4) leaves its P in _Psyscall, to take back if the call
 * was quick.  If the call is slow, the P's other goroutines wait, and no
 * one on that P can notice: its only M is blocked.  So a thread of its
 * own, which holds no P and so is never stuck behind one, looks at every
 * P now and then and retakes those stuck in a system call (lab 4's retake
 * and handoffp).  It also polls the network when no M has for 10 ms
 * (lab 5's netpoll): while every P runs goroutines, none looks.  Lab 6
 * gives it one more job: preempting a goroutine that has run too long
 * (sysmonpreempt).
 *
 * How often.  Every 20 us while it finds Ps to retake; after 50 looks in a
 * row that found none (1 ms), it doubles its sleep each time, up to 10 ms.
 * So a program that makes few slow calls pays almost nothing for it, and
 * one that blocks often has its Ps back within tens of microseconds.
 * While a goroutine runs across its looks, it looks every 1 ms and wakes
 * when that goroutine's time slice ends (lab 6): goroutines that compute
 * then get slices of 10 to 11 ms, where Go's sysmon, which sleeps up to
 * 10 ms whatever the Ps run, gives them 10 to 20 ms.
 * When every P is idle, nothing can be stuck: it sleeps on
 * sched.sysmonnote until acquirep puts a P to work (sysmonwake), so an
 * idle program uses no CPU.
 *
 * It is an M like the others (in sched.allm and sched.mcount, so within
 * GRT_MAXTHREADS, and visible in gdb), but it runs no goroutine:
 * checkdead counts it in sched.nmsys, so that it never looks like a
 * running M that could still wake somebody.
 *
 * These are Go's numbers and Go's structure (proc.go's sysmon), without
 * what our runtime does not have (the garbage collector, forced GC).
 */
#include <unistd.h>

#include "runtime.h"

#define SYSMON_MINDELAY 20    /* microseconds */
#define SYSMON_MAXDELAY 10000 /* microseconds */
#define SYSMON_IDLELOOPS 50   /* looks at the shortest sleep before doubling */

int64_t forcePreemptNS = 10 * 1000 * 1000;

/* Sleep while every P is idle. */
static void sysmonpark(void)
{
	if (atomic_load(&sched.npidle) != gomaxprocs)
		return;
	lock(&sched.lock);
	/* Under the lock that pidleget takes: a P that leaves the idle list
	 * after this sees sysmonwait set when its M calls acquirep. */
	if (atomic_load(&sched.npidle) != gomaxprocs) {
		unlock(&sched.lock);
		return;
	}
	atomic_store(&sched.sysmonwait, 1);
	unlock(&sched.lock);
	notesleep(&sched.sysmonnote);
	noteclear(&sched.sysmonnote);
}

/* Lab 6: while a goroutine runs across sysmon's looks (its P's schedtick
 * is the one sysmonpreempt noted), look again within forcePreemptNS / 10
 * (1 ms), wake when its time slice ends, not up to 10 ms later, and soon
 * after, to see the next slice begin. */
static useconds_t sysmonslice(int64_t now, useconds_t delay)
{
	int64_t wake = (int64_t)delay * 1000;
	for (int32_t i = 0; i < gomaxprocs; i++) {
		struct p *pp = allp[i];
		if (atomic_load(&pp->status) != _Prunning || pp->sysmontick.schedtick != pp->schedtick)
			continue;
		int64_t left = pp->sysmontick.schedwhen + forcePreemptNS - now;
		int64_t most = forcePreemptNS / 10;
		/* Over: the goroutine was just asked, and is stopped at once,
		 * so look again soon, to see the next slice begin; unless it
		 * was asked a while ago (the signal is off, or it is not at a
		 * safe point): then no sooner than 1 ms. */
		if (left <= 0)
			left = -left < most ? 0 : most;
		if (left > most)
			left = most;
		if (left < wake)
			wake = left;
	}
	return (useconds_t)(wake / 1000);
}

/* If nobody has polled the network for 10 ms (every P busy running
 * goroutines), poll it here: ready fds must not wait for a P to run out
 * of work. */
static void sysmonnetpoll(int64_t now)
{
	int64_t last = atomic_load(&sched.lastpoll);
	if (last == 0 || now - last < 10 * 1000 * 1000)
		return; /* an M is blocked in netpoll, or one polled lately */
	if (!atomic_compare_exchange_strong(&sched.lastpoll, &last, now))
		return;
	struct gqueue q = { 0 };
	if (netpoll(0, &q) > 0)
		injectglist(&q);
}

static void sysmon(void)
{
	lock(&sched.lock);
	sched.nmsys++;
	checkdead(); /* we were counted as running until now */
	unlock(&sched.lock);

	int idle = 0; /* looks in a row that retook nothing */
	useconds_t delay = SYSMON_MINDELAY;
	int64_t now = grt_nanotime();
	for (;;) {
		if (idle == 0)
			delay = SYSMON_MINDELAY;
		else if (idle > SYSMON_IDLELOOPS)
			delay *= 2;
		if (delay > SYSMON_MAXDELAY)
			delay = SYSMON_MAXDELAY;
		useconds_t d = sysmonslice(now, delay);
		usleep(d < SYSMON_MINDELAY ? SYSMON_MINDELAY : d);
		/* Back from a park, go on at the same pace: a program whose
		 * Ps go idle between bursts (a server) would otherwise wake
		 * sysmon every 20 us after each. */
		sysmonpark();
		now = grt_nanotime();
		sysmonnetpoll(now);
		if (retake(now) != 0)
			idle = 0;
		else
			idle++;
	}
}

void newsysmon(void)
{
	newm(sysmon, NULL, false);
}

/* Called by acquirep, with any lock or none: one load while sysmon is
 * awake.  The exchange lets exactly one waker wake it. */
void sysmonwake(void)
{
	if (atomic_load_explicit(&sched.sysmonwait, memory_order_relaxed) && atomic_exchange(&sched.sysmonwait, 0))
		notewakeup(&sched.sysmonnote);
}
