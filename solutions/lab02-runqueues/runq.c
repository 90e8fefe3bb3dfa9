/*
 * runq.c - run queues: where runnable goroutines wait for a P.  (lab 2)
 *
 * Each P has its own queue: a 256-slot ring plus one slot, runnext, for
 * the goroutine that the running one just made runnable (a spawn, a
 * wake-up).  Only the owner puts; others may take from the head (lab 3's
 * thieves).  The global queue, under sched.lock, takes the overflow and
 * the goroutines that yield, and every P looks at it first on every 61st
 * schedule tick so that nothing there starves.
 *
 * Invariants of the ring: only the owner writes runqtail and the slots in
 * [tail, head + RUNQSIZE); takers advance runqhead with a compare-and-swap;
 * 0 <= tail - head <= RUNQSIZE, indices wrapping around as uint32_t.
 *
 * Memory order, as in Go: the owner's store-release of runqtail publishes
 * the slot it just filled; a taker's load-acquire of runqhead pairs with
 * the compare-and-swap (release) of whoever took before it, so the owner
 * never overwrites a slot that a taker is still reading.
 */
#include "runtime.h"

static bool runqputslow(struct p *pp, struct g *gp, uint32_t h, uint32_t t);

void runqput(struct p *pp, struct g *gp, bool next)
{
	if (next) {
		/* Swap gp into runnext; a thief may take runnext meanwhile,
		 * hence the compare-and-swap loop. */
		struct g *old = atomic_load(&pp->runnext);
		while (!atomic_compare_exchange_weak(&pp->runnext, &old, gp)) {
		}
		if (!old)
			return;
		gp = old; /* the displaced one goes to the tail */
	}
	for (;;) {
		uint32_t h = atomic_load_explicit(&pp->runqhead, memory_order_acquire);
		uint32_t t = atomic_load_explicit(&pp->runqtail, memory_order_relaxed);
		if (t - h < RUNQSIZE) {
			atomic_store_explicit(&pp->runq[t % RUNQSIZE], gp, memory_order_relaxed);
			atomic_store_explicit(&pp->runqtail, t + 1, memory_order_release);
			return;
		}
		if (runqputslow(pp, gp, h, t))
			return;
		/* A taker moved the head: there is room now. */
	}
}

/* The ring is full: move its older half, plus gp, to the global queue in
 * one batch, under one lock.  Fails if a taker got there first. */
static bool runqputslow(struct p *pp, struct g *gp, uint32_t h, uint32_t t)
{
	struct g *batch[RUNQSIZE / 2 + 1];
	uint32_t n = (t - h) / 2;
	if (n != RUNQSIZE / 2)
		fatal("runqputslow: the queue is not full");
	for (uint32_t i = 0; i < n; i++)
		batch[i] = atomic_load_explicit(&pp->runq[(h + i) % RUNQSIZE], memory_order_relaxed);
	if (!atomic_compare_exchange_strong_explicit(&pp->runqhead, &h, h + n, memory_order_release,
						     memory_order_relaxed))
		return false;
	batch[n] = gp;
	lock(&sched.lock);
	for (uint32_t i = 0; i <= n; i++)
		globrunqput(batch[i]);
	unlock(&sched.lock);
	return true;
}

struct g *runqget(struct p *pp, bool *inheritTime)
{
	/* runnext first.  Only the owner clears it, but a thief may take it,
	 * so the owner too must use a compare-and-swap. */
	struct g *next = atomic_load(&pp->runnext);
	if (next && atomic_compare_exchange_strong(&pp->runnext, &next, NULL)) {
		*inheritTime = true;
		return next;
	}
	for (;;) {
		uint32_t h = atomic_load_explicit(&pp->runqhead, memory_order_acquire);
		uint32_t t = atomic_load_explicit(&pp->runqtail, memory_order_relaxed);
		if (t == h)
			return NULL;
		struct g *gp = atomic_load_explicit(&pp->runq[h % RUNQSIZE], memory_order_relaxed);
		if (atomic_compare_exchange_strong_explicit(&pp->runqhead, &h, h + 1, memory_order_release,
							    memory_order_relaxed)) {
			*inheritTime = false;
			return gp;
		}
	}
}

/* Callers ask for more than one only when pp's ring is empty, so the
 * batch fits without runqputslow (which would take sched.lock again). */
struct g *globrunqget(struct p *pp, int32_t max)
{
	int32_t size = atomic_load(&sched.runqsize);
	if (size == 0)
		return NULL;
	/* A fair share: what is there divided among the Ps, and no more
	 * than half a ring, so that the batch always fits. */
	int32_t n = size / gomaxprocs + 1;
	if (n > size)
		n = size;
	if (max > 0 && n > max)
		n = max;
	if (n > RUNQSIZE / 2)
		n = RUNQSIZE / 2;
	atomic_fetch_sub(&sched.runqsize, n);
	struct g *gp = gqueue_pop(&sched.runq);
	while (--n > 0)
		runqput(pp, gqueue_pop(&sched.runq), false);
	return gp;
}

struct g *findqueued(struct p *pp, bool *inheritTime)
{
	struct g *gp;
	*inheritTime = false;
	/* Once in a while, the global queue first: otherwise goroutines that
	 * keep the local queue busy would starve those waiting there.  61 is
	 * a prime, so that the check does not fall into step with patterns
	 * in the program. */
	if (pp->schedtick % 61 == 0 && atomic_load(&sched.runqsize) > 0) {
		lock(&sched.lock);
		gp = globrunqget(pp, 1);
		unlock(&sched.lock);
		if (gp)
			return gp;
	}
	if ((gp = runqget(pp, inheritTime)))
		return gp;
	if (atomic_load(&sched.runqsize) == 0)
		return NULL;
	lock(&sched.lock);
	gp = globrunqget(pp, 0);
	unlock(&sched.lock);
	return gp;
}
