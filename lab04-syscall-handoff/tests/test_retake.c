/*
 * Lab 4's tests of sysmon's side, without sysmon: the test builds two Ps
 * of its own (no grt_main, so no sysmon and no other M), puts one in
 * _Psyscall, and calls retake with clock readings it chooses, or calls
 * handoffp while it holds sched.lock.  What retake and handoffp decide
 * then depends on nothing but the state the test made.  Do not edit: the
 * grader uses a pristine copy of this folder.
 */
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "runtime.h"

#define MS (1000 * 1000LL)
#define T0 (1000 * MS) /* retake's first look, on a clock we make up */

static struct p ps[2];
static struct p *psp[2];
static struct m idle_m; /* asleep in the M cache, for startm to find */
static struct g waiter; /* a goroutine that waits in a queue; never runs */

static const char *pstatus(uint32_t s)
{
	static const char *const names[] = { "_Pidle", "_Prunning", "_Psyscall", "_Pdead" };
	return s < 4 ? names[s] : "?";
}

/* P0 in a system call (syscalltick 5, sysmon has never looked at it), P1
 * idle or running, no M spinning, empty queues, idle_m in the M cache.
 * schedtick differs from sysmon's copy, so that a preemption check
 * (lab 6) counts from the first look, as for any P. */
static void setup(bool p1idle)
{
	memset(ps, 0, sizeof ps);
	memset(&sched.runq, 0, sizeof sched.runq);
	atomic_store(&sched.runqsize, 0);
	sched.pidle = NULL;
	atomic_store(&sched.npidle, 0);
	atomic_store(&sched.nmspinning, 0);
	atomic_store(&sched.needspinning, 0);
	for (int i = 0; i < 2; i++) {
		ps[i].id = i;
		ps[i].status = _Prunning;
		ps[i].schedtick = 7;
		psp[i] = &ps[i];
	}
	ps[0].status = _Psyscall;
	ps[0].syscalltick = 5;
	if (p1idle)
		pidleput(&ps[1]);
	allp = psp;
	gomaxprocs = 2;
	memset(&idle_m, 0, sizeof idle_m);
	idle_m.id = 9;
	idle_m.idle = true;
	sched.midle = &idle_m;
	sched.nmidle = 1;
	waiter.goid = 42;
}

static bool onidlelist(struct p *pp)
{
	for (struct p *q = sched.pidle; q; q = q->link)
		if (q == pp)
			return true;
	return false;
}

/* Check that P0 is still in the call, untouched; what says when. */
static void spared(uint32_t n, const char *when)
{
	CHECK_MSG(n == 0, "%s, retake returned %u: it must retake nothing", when, n);
	CHECK_MSG(ps[0].status == _Psyscall, "%s, retake left P0 %s: it must leave it in _Psyscall", when,
		  pstatus(ps[0].status));
	CHECK_MSG(sched.midle == &idle_m, "%s, retake started an M", when);
}

/* Check that P0 was retaken once, its tick moved on, and went where. */
static void retaken(uint32_t n, const char *when)
{
	CHECK_MSG(ps[0].status != _Psyscall, "%s, retake left P0 in _Psyscall: it must take it (compare-and-swap "
		  "to _Pidle) and hand it off", when);
	CHECK_MSG(n == 1, "%s, retake took P0 but returned %u: it returns how many Ps it retook (sysmon sleeps "
		  "longer when it retakes nothing)", when, n);
	CHECK_MSG(ps[0].syscalltick == 6, "%s, retake took P0 and left its syscalltick at %u, not 6: add 1, so that "
		  "the next call on P0 is not taken for this one", when, ps[0].syscalltick);
}

TEST(retake_waits_a_tick, 3, 20,
     "retake, called at made-up times, on P0 in a call with nothing in its queue while P1 is idle: when "
     "does it note the call, when does it leave it alone, when does it take P0?")
{
	setup(true);
	uint32_t n = retake(T0);
	spared(n, "at its first look at a new call");
	CHECK_MSG(ps[0].sysmontick.syscalltick == 5, "at its first look at a new call, retake set "
		  "sysmontick.syscalltick to %u, not to P0's syscalltick (5): it must remember which call it saw",
		  ps[0].sysmontick.syscalltick);
	CHECK_MSG(ps[0].sysmontick.syscallwhen == T0, "at its first look at a new call, retake set "
		  "sysmontick.syscallwhen to %lld, not to now (%lld)", (long long)ps[0].sysmontick.syscallwhen,
		  (long long)T0);
	n = retake(T0 + 6 * MS);
	spared(n, "6 ms into the call, nothing waiting and P1 idle");
	n = retake(T0 + 12 * MS);
	retaken(n, "12 ms into the call (more than 10 ms since the first look)");
	CHECK_MSG(onidlelist(&ps[0]) && sched.midle == &idle_m, "with no work anywhere and P1 idle, the retaken "
		  "P0 must go to the idle list (handoffp), not to an M");
	n = retake(T0 + 13 * MS);
	CHECK_MSG(n == 0 && ps[0].status == _Pidle, "retake looked at an idle P0 and returned %u, left it %s", n,
		  pstatus(ps[0].status));
}

TEST(retake_when_needed, 3, 20,
     "retake at its second look at the same call, 1 ms apart: first with a goroutine in P0's queue and P1 "
     "idle, then with nothing in the queue but no P idle and no M spinning. Does it take P0, and to whom?")
{
	/* 1: a goroutine waits for P0; P1 idle would not run it soon. */
	setup(true);
	runqput(&ps[0], &waiter, false);
	spared(retake(T0), "at its first look at a new call");
	uint32_t n = retake(T0 + MS);
	retaken(n, "at its second look, with a goroutine in P0's queue");
	CHECK_MSG(idle_m.nextp == &ps[0] && !idle_m.spinning, "with a goroutine in its queue, the retaken P0 must go "
		  "to an M (startm(pp, false)); the M in the M cache got %s%s",
		  idle_m.nextp ? "a P" : "nothing", idle_m.spinning ? ", spinning" : "");

	/* 2: nothing waits, but nobody would look for new work. */
	setup(false);
	spared(retake(T0), "at its first look at a new call");
	n = retake(T0 + MS);
	retaken(n, "at its second look, no P idle and no M spinning");
	CHECK_MSG(idle_m.nextp == &ps[0] && idle_m.spinning && atomic_load(&sched.nmspinning) == 1,
		  "with no P idle and no M spinning, the retaken P0 must go to a spinning M (startm(pp, true), "
		  "nmspinning 1): nobody else would look for new work; the M in the M cache got %s%s, nmspinning "
		  "is %d", idle_m.nextp ? "a P" : "nothing", idle_m.spinning ? ", spinning" : "",
		  atomic_load(&sched.nmspinning));
}

/* ---- handoffp's second look, under the lock ---- */

static void *handoff_thread(void *arg)
{
	handoffp(arg);
	return NULL;
}

TEST(handoffp_looks_again, 2, 20,
     "handoffp finds no work, P1 idle, and goes for sched.lock to put P0 on the idle list; while it waits, "
     "the lock's holder puts a goroutine on the global queue. Where does P0 go?")
{
	setup(true);
	ps[0].status = _Pidle; /* taken, as retake does, and given to handoffp */
	lock(&sched.lock);
	pthread_t t;
	pthread_create(&t, NULL, handoff_thread, &ps[0]);
	/* Until handoffp sleeps on the lock (key 2: contended), or 2 s. */
	for (int i = 0; i < 2000 && atomic_load(&sched.lock.key) != 2; i++)
		usleep(1000);
	bool waited = atomic_load(&sched.lock.key) == 2;
	globrunqput(&waiter);
	unlock(&sched.lock);
	pthread_join(t, NULL);
	CHECK_MSG(!onidlelist(&ps[0]) && idle_m.nextp == &ps[0], "%s, and a goroutine was put on the global queue "
		  "before it got the lock; P0 ended %s: handoffp must look at the global queue again under the "
		  "lock and start an M for it, or the goroutine waits in the queue with every P idle",
		  waited ? "handoffp waited for sched.lock" : "handoffp never waited for sched.lock",
		  onidlelist(&ps[0]) ? "on the idle list" : "with no M");
}
