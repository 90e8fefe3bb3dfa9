/*
 * steal.c - work stealing and spinning Ms.  (lab 3)
 *
 * An M whose P has nothing to run steals half of another P's queue,
 * rather than going to sleep while that P is buried in work.  Looking
 * costs CPU, so the Ms that look ("spinning" Ms) are rationed: at most
 * half as many as there are busy Ps, and wakep starts a new one only when
 * none is spinning.  A spinning M that finds work stops spinning and, if
 * it was the last one, wakes another to look for more: so work spreads
 * one M at a time, and an idle runtime has no M awake.
 *
 * Stealing (runqgrab, runqsteal, stealWork): the thief takes from the
 * head of the victim's ring, as the owner does, with a compare-and-swap
 * on runqhead (lab 2's invariants); it takes n - n/2 of the n there.  It
 * visits the other Ps in a random order (a random start, a random stride
 * coprime to GOMAXPROCS, so that every P is visited once per round), up
 * to four rounds; runnext only in the last round, and from a running P
 * only after a short sleep, since its owner is probably about to run it.
 *
 * The spinning protocol (trysteal, dropspinning, resetspinning, wakep)
 * must lose no wake-up.  Whoever makes a goroutine runnable puts it in a
 * queue, then reads nmspinning (wakep): nonzero, and it leaves the work to
 * the spinner.  So a spinner that gives up must first decrement
 * nmspinning, then look at every queue once more (dropspinning): between
 * the two orders, one side always sees the other.  On both sides a full
 * barrier separates the store from the load that follows (Go's "StoreLoad"
 * pattern): without it, x86 may let the load pass the store.
 *
 * One more hole: an M that trysteal did not let spin gives its P back
 * without looking again, trusting the spinners it was counted against.
 * But a count can vanish unseen: wakep counts the M it will start, then
 * finds no idle P and gives the count back.  So whoever has found work
 * takes an idle P with pidlegetSpinning, which, finding none, raises
 * needspinning: the next M about to give up its P spins instead.
 */
#include <unistd.h>

#include "runtime.h"

uint32_t runqgrab(struct p *pp, struct g *_Atomic *batch, uint32_t batchhead, bool stealRunNextG)
{
	for (;;) {
		uint32_t h = atomic_load_explicit(&pp->runqhead, memory_order_acquire);
		uint32_t t = atomic_load_explicit(&pp->runqtail, memory_order_acquire);
		uint32_t n = t - h;
		n = n - n / 2;
		if (n == 0) {
			struct g *next = atomic_load(&pp->runnext);
			if (!stealRunNextG || !next)
				return 0;
			/* Its owner just made it runnable and is probably about
			 * to switch to it: give the owner a moment, or we steal
			 * a goroutine and a cache that were about to be used. */
			if (pp->status == _Prunning)
				usleep(3);
			if (!atomic_compare_exchange_strong(&pp->runnext, &next, NULL))
				continue;
			atomic_store_explicit(&batch[batchhead % RUNQSIZE], next, memory_order_relaxed);
			return 1;
		}
		if (n > RUNQSIZE / 2)
			continue; /* h and t read at different moments: again */
		for (uint32_t i = 0; i < n; i++) {
			struct g *gp = atomic_load_explicit(&pp->runq[(h + i) % RUNQSIZE], memory_order_relaxed);
			atomic_store_explicit(&batch[(batchhead + i) % RUNQSIZE], gp, memory_order_relaxed);
		}
		/* Commit: the slots are read, the owner may reuse them. */
		if (atomic_compare_exchange_strong_explicit(&pp->runqhead, &h, h + n, memory_order_release,
							    memory_order_relaxed))
			return n;
	}
}

struct g *runqsteal(struct p *pp, struct p *p2, bool stealRunNextG)
{
	uint32_t t = atomic_load_explicit(&pp->runqtail, memory_order_relaxed);
	uint32_t n = runqgrab(p2, pp->runq, t, stealRunNextG);
	if (n == 0)
		return NULL;
	n--;
	struct g *gp = atomic_load_explicit(&pp->runq[(t + n) % RUNQSIZE], memory_order_relaxed);
	if (n == 0)
		return gp;
	uint32_t h = atomic_load_explicit(&pp->runqhead, memory_order_acquire);
	if (t - h + n >= RUNQSIZE)
		fatal("runqsteal: P%d's run queue overflows", pp->id);
	/* Publish the rest: others may steal them from us in turn. */
	atomic_store_explicit(&pp->runqtail, t + n, memory_order_release);
	return gp;
}

static uint32_t gcd(uint32_t a, uint32_t b)
{
	while (b) {
		uint32_t r = a % b;
		a = b;
		b = r;
	}
	return a;
}

#define STEALTRIES 4

struct g *stealWork(struct p *pp)
{
	uint32_t n = (uint32_t)gomaxprocs;
	for (int i = 0; i < STEALTRIES; i++) {
		bool stealRunNextG = i == STEALTRIES - 1;
		/* A random start and a stride coprime to n: each P once, in
		 * an order that differs from thief to thief, so that thieves
		 * do not all fall on the same victim. */
		uint32_t pos = cheaprand() % n, inc;
		do
			inc = 1 + cheaprand() % n;
		while (gcd(inc, n) != 1);
		for (uint32_t k = 0; k < n; k++, pos = (pos + inc) % n) {
			struct p *p2 = allp[pos];
			if (p2 == pp)
				continue;
			struct g *gp = runqsteal(pp, p2, stealRunNextG);
			if (gp)
				return gp;
		}
	}
	return NULL;
}

struct g *trysteal(struct m *mp, struct p *pp)
{
	/* Spinning burns a CPU: allow at most half as many spinners as busy
	 * Ps, or a large GOMAXPROCS with little work is all spinning. */
	if (!mp->spinning) {
		int32_t busy = gomaxprocs - atomic_load(&sched.npidle);
		if (2 * atomic_load(&sched.nmspinning) >= busy)
			return NULL;
		mp->spinning = true;
		atomic_fetch_add(&sched.nmspinning, 1);
	}
	return stealWork(pp);
}

bool dropspinning(struct m *mp)
{
	if (!mp->spinning)
		return false;
	mp->spinning = false;
	/* A read-modify-write: a full barrier before the loads below. */
	if (atomic_fetch_sub(&sched.nmspinning, 1) <= 0)
		fatal("dropspinning: nmspinning went negative");
	/* Whoever made work runnable while we spun saw nmspinning > 0 and
	 * left the work to us.  Look once more; from now on they wake. */
	bool work = atomic_load(&sched.runqsize) > 0;
	for (int32_t i = 0; i < gomaxprocs && !work; i++)
		work = !runqempty(allp[i]);
	if (!work)
		return false;
	lock(&sched.lock);
	struct p *pp = pidlegetSpinning();
	unlock(&sched.lock);
	if (!pp)
		return false; /* every P is held: needspinning makes their Ms look */
	acquirep(mp, pp);
	mp->spinning = true;
	atomic_fetch_add(&sched.nmspinning, 1);
	return true;
}

void resetspinning(struct m *mp)
{
	mp->spinning = false;
	if (atomic_fetch_sub(&sched.nmspinning, 1) <= 0)
		fatal("resetspinning: nmspinning went negative");
	/* We were spinning and found work: there may be more.  If we were
	 * the last spinner, start another (wakep does nothing otherwise). */
	wakep();
}

void wakep(void)
{
	/* The caller has just put work in a queue: a full barrier before we
	 * read what others are doing (dropspinning's side of the protocol). */
	atomic_thread_fence(memory_order_seq_cst);
	if (atomic_load(&sched.npidle) == 0)
		return;
	/* One spinner at a time: if one is looking, it will find the work. */
	int32_t zero = 0;
	if (atomic_load(&sched.nmspinning) != 0 ||
	    !atomic_compare_exchange_strong(&sched.nmspinning, &zero, 1))
		return;
	lock(&sched.lock);
	struct p *pp = pidlegetSpinning();
	unlock(&sched.lock);
	if (!pp) {
		atomic_fetch_sub(&sched.nmspinning, 1);
		return;
	}
	startm(pp, true);
}
