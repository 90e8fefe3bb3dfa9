/*
 * syscall.c - a goroutine in a blocking system call hands off its P.  (lab 4)
 *
 * A goroutine that calls read(2) keeps its thread (its M) until the kernel
 * returns: nothing can be done about that.  But it must not keep its P,
 * the right to run goroutines, or every goroutine queued on that P waits
 * for the kernel too.
 *
 * Most calls are quick, though, and handing the P to another thread at
 * each one would cost two futex wake-ups and a thread.  So entersyscall
 * only leaves the P in _Psyscall, still with its queue, and
 * exitsyscall takes it back with one compare-and-swap if it is still
 * there (the fast path).  A call that lasts is sysmon's business: retake
 * finds the P in _Psyscall, in the same call (its syscalltick unchanged)
 * since its last look, and hands it off (handoffp) to an M that will run
 * its goroutines.  The goroutine, back from the kernel, then takes any
 * idle P, or else joins the global run queue while its M goes to sleep in
 * the M cache (exitsyscall0).
 *
 * The one race: exitsyscall's fast path and retake both want the P.  Both
 * move it out of _Psyscall by compare-and-swap, so exactly one gets it.
 *
 * entersyscallblock is for a call known to block (grt_sleep): no point
 * waiting for sysmon, hand off at once.
 *
 * After Go's proc.go (reentersyscall, exitsyscall, exitsyscallfast,
 * exitsyscall0, entersyscallblock, handoffp, retake).
 */
#include "runtime.h"

void entersyscall(void)
{
	struct m *mp = getm();
	casgstatus(mp->curg, _Grunning, _Gsyscall);
	struct p *pp = releasep(mp);
	mp->oldp = pp;
	mp->syscalltick = pp->syscalltick;
	/* Last: from this store on, retake may take pp. */
	atomic_store(&pp->status, _Psyscall);
}

void entersyscallblock(void)
{
	struct m *mp = getm();
	casgstatus(mp->curg, _Grunning, _Gsyscall);
	struct p *pp = releasep(mp);
	mp->oldp = NULL; /* nothing to take back: exitsyscall looks for an idle P */
	mp->syscalltick = pp->syscalltick++;
	atomic_store(&pp->status, _Pidle);
	handoffp(pp);
}

/* Get a P without leaving the thread: the old one if nobody took it, or
 * an idle one. */
static bool exitsyscallfast(struct m *mp, struct p *oldp)
{
	uint32_t s = _Psyscall;
	if (oldp && atomic_compare_exchange_strong(&oldp->status, &s, _Pidle)) {
		acquirep(mp, oldp);
		return true;
	}
	if (atomic_load(&sched.npidle) == 0)
		return false;
	lock(&sched.lock);
	struct p *pp = pidleget();
	unlock(&sched.lock);
	if (!pp)
		return false;
	acquirep(mp, pp);
	return true;
}

/* On g0, with no P: queue gp where a P will find it, and sleep. */
static void exitsyscall0(struct g *gp)
{
	struct m *mp = getm();
	casgstatus(gp, _Gsyscall, _Grunnable);
	lock(&sched.lock);
	struct p *pp = pidleget();
	if (!pp)
		globrunqput(gp);
	unlock(&sched.lock);
	if (pp) {
		/* A P went idle since exitsyscallfast looked: run gp on it. */
		acquirep(mp, pp);
		runqput(pp, gp, false);
		return;
	}
	stopm(mp); /* back to the scheduler, with a P, once startm needs us */
}

void exitsyscall(void)
{
	struct m *mp = getm();
	struct g *gp = mp->curg;
	struct p *oldp = mp->oldp;
	mp->oldp = NULL;
	if (exitsyscallfast(mp, oldp)) {
		mp->p->syscalltick++; /* this call is over: sysmon must not count it */
		casgstatus(gp, _Gsyscall, _Grunning);
		return;
	}
	mcall(exitsyscall0);
	/* Running again, on whichever M a P chose. */
}

void handoffp(struct p *pp)
{
	/* Goroutines wait for it: an M to run them, now. */
	if (!runqempty(pp) || atomic_load(&sched.runqsize) != 0) {
		startm(pp, false);
		return;
	}
	/* No work, and nobody is looking for any: let an M look with it
	 * (spinning), or work arriving in a busy P's queue may wait there. */
	int32_t zero = 0;
	if (atomic_load(&sched.nmspinning) + atomic_load(&sched.npidle) == 0 &&
	    atomic_compare_exchange_strong(&sched.nmspinning, &zero, 1)) {
		atomic_store(&sched.needspinning, 0);
		startm(pp, true);
		return;
	}
	/* Under the lock that globrunqput takes: a goroutine queued after
	 * this look finds pp idle, and its wakep starts an M for it. */
	lock(&sched.lock);
	if (atomic_load(&sched.runqsize) != 0) {
		unlock(&sched.lock);
		startm(pp, false);
		return;
	}
	pidleput(pp);
	unlock(&sched.lock);
}

uint32_t retake(int64_t now)
{
	uint32_t n = 0;
	for (int32_t i = 0; i < gomaxprocs; i++) {
		struct p *pp = allp[i];
		struct sysmontick *pd = &pp->sysmontick;
		uint32_t s = atomic_load(&pp->status);
		bool sysretake = false;
		if (s == _Prunning || s == _Psyscall)
			sysretake = sysmonpreempt(pp, now); /* lab 6 */
		if (s != _Psyscall)
			continue;
		/* A new call since our last look: give it one sysmon tick. */
		uint32_t t = pp->syscalltick;
		if (!sysretake && pd->syscalltick != t) {
			pd->syscalltick = t;
			pd->syscallwhen = now;
			continue;
		}
		/* Nothing waits for pp, and an idle P or a spinning M is there
		 * for new work: leave pp alone, for up to 10 ms (after that,
		 * retake it anyway, so that sysmon can rest). */
		if (runqempty(pp) && atomic_load(&sched.nmspinning) + atomic_load(&sched.npidle) > 0 &&
		    now - pd->syscallwhen < 10 * 1000 * 1000)
			continue;
		s = _Psyscall;
		if (atomic_compare_exchange_strong(&pp->status, &s, _Pidle)) {
			n++;
			pp->syscalltick++;
			handoffp(pp);
		}
	}
	return n;
}
