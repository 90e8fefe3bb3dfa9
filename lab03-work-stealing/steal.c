/*
 * steal.c - work stealing and spinning Ms.  (lab 3)
 *
 * As shipped, a P whose queue is empty looks only at the global queue
 * (lab 2's findqueued) and then sleeps, even while another P's ring is
 * full: on two Ps, goroutines spawned by one goroutine all run on one
 * thread.  And every wakep wakes an M, which often finds nothing (it
 * cannot steal) and sleeps again: a futex wake-up wasted per spawn.
 *
 * Your version (the handout, lab03-work-stealing/README.md, has the
 * contracts in full):
 *  - runqgrab, runqsteal: take n - n/2 of the n goroutines in a victim's
 *    ring, from its head, with a compare-and-swap on its runqhead (the
 *    owner may be taking at the same moment); runnext only when asked,
 *    only if the ring is empty, and from a running P only after usleep(3).
 *  - stealWork: up to four rounds over the other Ps, in a random order
 *    (random start, random stride coprime to gomaxprocs); runnext only in
 *    the last round.
 *  - the spinning protocol: trysteal becomes spinning only while
 *    2 * nmspinning < the busy Ps; dropspinning stops spinning, then
 *    looks at every queue once more; resetspinning stops spinning and
 *    calls wakep; wakep starts an M (spinning) only if no M spins.
 *    Having found work, dropspinning and wakep take an idle P with
 *    pidlegetSpinning, not pidleget.
 *
 * Invariants: sched.nmspinning counts the Ms with spinning set; a thief
 * writes only its own ring's slots and runqtail, and the victim's
 * runqhead and runnext by compare-and-swap; no goroutine is ever taken
 * twice or lost.
 */
#include "runtime.h"

uint32_t runqgrab(struct p *pp, struct g *_Atomic *batch, uint32_t batchhead, bool stealRunNextG)
{
	/* TODO(lab03) */
	(void)pp;
	(void)batch;
	(void)batchhead;
	(void)stealRunNextG;
	stub_abort("lab03-work-stealing", "steal.c", "runqgrab");
}

struct g *runqsteal(struct p *pp, struct p *p2, bool stealRunNextG)
{
	/* TODO(lab03) */
	(void)pp;
	(void)p2;
	(void)stealRunNextG;
	stub_abort("lab03-work-stealing", "steal.c", "runqsteal");
}

struct g *stealWork(struct p *pp)
{
	/* TODO(lab03) */
	(void)pp;
	stub_abort("lab03-work-stealing", "steal.c", "stealWork");
}

struct g *trysteal(struct m *mp, struct p *pp)
{
	/* TODO(lab03): spin, within the limit, and steal. */
	(void)mp;
	(void)pp;
	return NULL;
}

bool dropspinning(struct m *mp)
{
	/* TODO(lab03): stop spinning, then look once more. */
	(void)mp;
	return false;
}

void resetspinning(struct m *mp)
{
	/* TODO(lab03) */
	(void)mp;
}

void wakep(void)
{
	/* TODO(lab03): only if no M spins, and the new M spins. */
	if (atomic_load(&sched.npidle) == 0)
		return;
	lock(&sched.lock);
	struct p *pp = pidleget();
	unlock(&sched.lock);
	if (pp)
		startm(pp, false);
}
