/*
 * timer.c - timers, in a min-heap per P.  (lab 5)
 *
 * A sleeping goroutine is a parked goroutine plus a timer that will
 * ready it: no thread waits for it.  Each P keeps the timers its
 * goroutines add in a binary min-heap ordered by when, under its own
 * lock, so that adding a timer touches no shared lock.  timer0When, the
 * root's when, is kept atomic beside the heap: the scheduler glances at
 * it on every pass (checkTimers, stealTimers, timeSleepUntil) without
 * taking the lock.
 *
 * Who runs a due timer: the M holding its P, at the top of findrunnable;
 * an M with nothing to do, for the other Ps' heaps (their Ps may be
 * idle, and nobody else would look); and the M blocked in the poller
 * sleeps only until the earliest timer of all (blocknetpoll).  A new
 * timer earlier than that wakes the poller (netpollBreak).
 *
 * A timer's function runs with no lock held: it may take other locks
 * (a deadline's takes its pollDesc's).  So its f, arg and seq are copied
 * under the lock, before the timer leaves the heap: from then on its
 * owner may set it anew and add it again, even while f runs.
 *
 * After Go's time.go (Go 1.14 to 1.22: addtimer, deltimer, runtimer,
 * checkTimers, timeSleepUntil, timeSleep).
 */
#include <stdlib.h>

#include "runtime.h"

/* ---- the heap; pp->timerslock held ---- */

static void heapset(struct timer **h, int32_t i, struct timer *t)
{
	h[i] = t;
	t->index = i;
}

static void siftup(struct timer **h, int32_t i)
{
	struct timer *t = h[i];
	while (i > 0 && h[(i - 1) / 2]->when > t->when) {
		heapset(h, i, h[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	heapset(h, i, t);
}

static void siftdown(struct timer **h, int32_t n, int32_t i)
{
	struct timer *t = h[i];
	for (;;) {
		int32_t c = 2 * i + 1;
		if (c >= n)
			break;
		if (c + 1 < n && h[c + 1]->when < h[c]->when)
			c++;
		if (h[c]->when >= t->when)
			break;
		heapset(h, i, h[c]);
		i = c;
	}
	heapset(h, i, t);
}

static void settimer0(struct p *pp)
{
	atomic_store(&pp->timer0When, pp->ntimers ? pp->timers[0]->when : 0);
}

/* Take slot i out of pp's heap: the last timer fills the hole. */
static void heapremove(struct p *pp, int32_t i)
{
	struct timer **h = pp->timers;
	atomic_store(&h[i]->pp, NULL);
	int32_t last = --pp->ntimers;
	if (i != last) {
		heapset(h, i, h[last]);
		siftdown(h, last, i);
		siftup(h, i);
	}
	settimer0(pp);
}

/* ---- adding and removing ---- */

/* The M blocked in the poller wakes at sched.pollUntil: if the new timer
 * is earlier, wake it now.  If none is blocked there, make sure an idle M
 * comes to look (it will block in the poller until this timer). */
static void wakeNetPoller(int64_t when)
{
	if (atomic_load(&sched.lastpoll) == 0) {
		int64_t until = atomic_load(&sched.pollUntil);
		if (until == 0 || until > when)
			netpollBreak();
	} else {
		wakep();
	}
}

void addtimer(struct timer *t)
{
	struct m *mp = getm();
	struct p *pp = mp ? mp->p : NULL;
	if (!pp)
		fatal("addtimer: the caller holds no P");
	lock(&pp->timerslock);
	if (pp->ntimers == pp->timerscap) {
		int32_t cap = pp->timerscap ? 2 * pp->timerscap : 64;
		struct timer **h = realloc(pp->timers, cap * sizeof *h);
		if (!h)
			fatal("out of memory growing P%d's timer heap", pp->id);
		pp->timers = h;
		pp->timerscap = cap;
	}
	/* Once unlocked, t may run on another M and be set anew at once:
	 * read nothing of it after. */
	int64_t when = t->when;
	int32_t i = pp->ntimers++;
	heapset(pp->timers, i, t);
	siftup(pp->timers, i);
	atomic_store(&t->pp, pp);
	settimer0(pp);
	atomic_fetch_add(&sched.ntimers, 1);
	unlock(&pp->timerslock);
	wakeNetPoller(when);
}

bool deltimer(struct timer *t)
{
	for (;;) {
		struct p *pp = atomic_load(&t->pp);
		if (!pp)
			return false;
		lock(&pp->timerslock);
		if (atomic_load(&t->pp) == pp) {
			heapremove(pp, t->index);
			unlock(&pp->timerslock);
			atomic_fetch_sub(&sched.ntimers, 1);
			return true;
		}
		unlock(&pp->timerslock); /* run meanwhile (and maybe added again): look again */
	}
}

/* ---- running ---- */

int64_t checkTimers(struct p *pp, int64_t now)
{
	int64_t next = atomic_load(&pp->timer0When);
	if (next == 0 || next > now)
		return next; /* the common case: no lock */
	lock(&pp->timerslock);
	while (pp->ntimers > 0 && pp->timers[0]->when <= now) {
		/* Copy first: once heapremove clears t->pp, deltimer says
		 * "not pending" without the lock, and t may be set anew. */
		struct timer *t = pp->timers[0];
		void (*f)(void *, uintptr_t) = t->f;
		void *arg = t->arg;
		uintptr_t seq = t->seq;
		heapremove(pp, 0);
		unlock(&pp->timerslock);
		atomic_fetch_sub(&sched.ntimers, 1);
		f(arg, seq);
		lock(&pp->timerslock);
	}
	next = atomic_load(&pp->timer0When);
	unlock(&pp->timerslock);
	return next;
}

bool stealTimers(struct p *pp, int64_t now)
{
	bool ran = false;
	for (int32_t i = 0; i < gomaxprocs; i++) {
		struct p *p2 = allp[i];
		int64_t w = atomic_load(&p2->timer0When);
		if (p2 != pp && w != 0 && w <= now) {
			checkTimers(p2, now);
			ran = true;
		}
	}
	return ran;
}

int64_t timeSleepUntil(void)
{
	int64_t next = 0;
	for (int32_t i = 0; i < gomaxprocs; i++) {
		int64_t w = atomic_load(&allp[i]->timer0When);
		if (w != 0 && (next == 0 || w < next))
			next = w;
	}
	return next;
}

/* ---- sleeping ---- */

/* Next (runnext), as Go's does: the sleeper runs as soon as the P
 * schedules, not behind everyone queued while it slept. */
static void goroutineReady(void *arg, uintptr_t seq)
{
	(void)seq;
	goready(arg);
}

/* On g0, once the sleeper's registers are saved: only now may its timer
 * fire, or goready could find it still running. */
static bool resetForSleep(struct g *gp, void *arg)
{
	(void)gp;
	addtimer(arg);
	return true;
}

void timeSleep(int64_t ns)
{
	struct g *gp = getg();
	if (!gp->timer && !(gp->timer = calloc(1, sizeof *gp->timer)))
		fatal("out of memory for a timer");
	struct timer *t = gp->timer;
	int64_t now = grt_nanotime();
	t->when = ns < INT64_MAX - now ? now + ns : INT64_MAX;
	t->f = goroutineReady;
	t->arg = gp;
	gopark(resetForSleep, t, waitReasonSleep);
}
