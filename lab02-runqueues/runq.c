/*
 * runq.c - run queues: where runnable goroutines wait for a P.  (lab 2)
 *
 * As shipped, this is Go 1.0's design: one global queue under sched.lock,
 * shared by every P.  Every spawn, every wake-up and every pick takes the
 * same lock, and a goroutine made runnable by the running one waits
 * behind everybody else.  It works; it is slow and unfair.
 *
 * Your version gives each P its own queue (the fields runq, runqhead,
 * runqtail and runnext of struct p in runtime/runtime.h):
 *  - runqput: next=true puts gp in runnext, and the goroutine it displaces
 *    goes to the tail of the ring; next=false puts gp at the tail.  A
 *    full ring moves half of itself, plus gp, to the global queue
 *    (runqputslow).
 *  - runqget: runnext first (it inherits the time slice), then the head
 *    of the ring.
 *  - globrunqget: a batch from the global queue: one to run, the rest
 *    into the ring.
 *  - findqueued: the global queue first on every 61st schedule tick, so
 *    that it is never starved; then runqget; then globrunqget.
 *
 * Invariants of the ring: only the owner P writes runqtail and the slots
 * between tail and head + RUNQSIZE; anyone may take from the head, with a
 * compare-and-swap on runqhead (lab 3's thieves will); 0 <= tail - head
 * <= RUNQSIZE, with indices that wrap around as uint32_t.
 */
#include "runtime.h"

void runqput(struct p *pp, struct g *gp, bool next)
{
	/* TODO(lab02): the local ring and runnext. */
	(void)pp;
	(void)next;
	lock(&sched.lock);
	globrunqput(gp);
	unlock(&sched.lock);
}

struct g *runqget(struct p *pp, bool *inheritTime)
{
	/* TODO(lab02): runnext, then the head of the ring. */
	(void)pp;
	*inheritTime = false;
	return NULL;
}

struct g *globrunqget(struct p *pp, int32_t max)
{
	/* TODO(lab02): take a batch, not one. */
	(void)pp;
	(void)max;
	struct g *gp = gqueue_pop(&sched.runq);
	if (gp)
		atomic_fetch_sub(&sched.runqsize, 1);
	return gp;
}

struct g *findqueued(struct p *pp, bool *inheritTime)
{
	/* TODO(lab02): every 61st tick the global queue first; then the
	 * local queue; then the global queue. */
	struct g *gp = runqget(pp, inheritTime);
	if (gp)
		return gp;
	*inheritTime = false;
	if (atomic_load(&sched.runqsize) == 0)
		return NULL;
	lock(&sched.lock);
	gp = globrunqget(pp, 0);
	unlock(&sched.lock);
	return gp;
}
