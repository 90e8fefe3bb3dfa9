/*
 * runq.c - run queues: where runnable goroutines wait for a P.
 *
 * This is Go 1.0's design, kept simple on purpose: one global queue under
 * sched.lock, shared by every P.  Every spawn, every wake-up and every
 * pick takes the same lock, and a goroutine made runnable by the running
 * one waits behind everybody else.  It works; it is slow and unfair.
 *
 * Invariant: sched.runqsize is the length of sched.runq.
 */
#include "runtime.h"

/* Put gp where pp will find it.  next: gp was made runnable by the running
 * goroutine (spawn, wake-up); this version ignores the hint. */
void runqput(struct p *pp, struct g *gp, bool next)
{
	(void)pp;
	(void)next;
	lock(&sched.lock);
	globrunqput(gp);
	unlock(&sched.lock);
}

/* The next goroutine from pp's own queue: this version has none. */
struct g *runqget(struct p *pp)
{
	(void)pp;
	return NULL;
}

/* sched.lock must be held. */
void globrunqput(struct g *gp)
{
	gqueue_push(&sched.runq, gp);
	atomic_fetch_add(&sched.runqsize, 1);
}

/* sched.lock must be held. */
struct g *globrunqget(struct p *pp)
{
	(void)pp;
	struct g *gp = gqueue_pop(&sched.runq);
	if (gp)
		atomic_fetch_sub(&sched.runqsize, 1);
	return gp;
}
