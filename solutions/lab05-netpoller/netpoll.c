/*
 * netpoll.c - goroutines wait for file descriptors.  (lab 5)
 *
 * A goroutine whose read says EAGAIN parks on its fd's poll descriptor,
 * and the poller (netpoll_epoll.c) readies it when the kernel says the fd
 * may be readable.  Neither a thread nor a P waits for it.
 *
 * The race.  Readiness can arrive between the read's EAGAIN and the
 * park, on another thread.  If that wake-up found nobody to wake and was
 * dropped, the goroutine would park for an event that has come and gone
 * (edge-triggered epoll reports each edge once).  So each direction of a
 * pollDesc is a binary semaphore, one word moved only by compare-and-
 * swap:
 *
 *     pdNil   --readiness-->  pdReady  --waiter takes it-->  pdNil
 *     pdNil   --waiter-->     pdWait   --commit on g0-->     G (parked)
 *     pdWait  --readiness-->  pdReady  (the commit fails: G does not park)
 *     G       --readiness-->  pdReady  (netpollunblock returns G to ready)
 *
 * The commit is gopark's callback, on g0 once the goroutine's registers
 * are saved: it swaps pdWait for the G, and if readiness came first the
 * word is no longer pdWait, the swap fails, and the goroutine runs on.
 * Whoever finds a G in the word owns the wake-up.
 *
 * Errors (a deadline passed, the fd closing) wake like readiness but
 * leave the word pdNil: the waiter looks at pd->closing, pd->rd, pd->wd
 * (netpollcheckerr) to tell why it woke.
 *
 * The scheduler's two steps (findrunnable): findnetpoll polls without
 * waiting when a P runs out of work; blocknetpoll, for an M that gave
 * its P back, blocks in the poller if no other M does (sched.lastpoll is
 * 0 while one does), until an fd is ready or the next timer is due.
 *
 * After Go's netpoll.go.
 */
#include <errno.h>

#include "runtime.h"

static _Atomic uintptr_t *slot(struct pollDesc *pd, int mode)
{
	return mode == 'r' ? &pd->rg : &pd->wg;
}

/* Why a wait must end without readiness: 0, -EBADF or -ETIMEDOUT. */
static int netpollcheckerr(struct pollDesc *pd, int mode)
{
	if (atomic_load(&pd->closing))
		return -EBADF;
	if (atomic_load(mode == 'r' ? &pd->rd : &pd->wd) < 0)
		return -ETIMEDOUT;
	return 0;
}

/* gopark's commit, on g0: pdWait becomes the parked G, unless a wake-up
 * took pdWait away first. */
static bool netpollblockcommit(struct g *gp, void *arg)
{
	uintptr_t w = pdWait;
	if (!atomic_compare_exchange_strong((_Atomic uintptr_t *)arg, &w, (uintptr_t)gp))
		return false;
	atomic_fetch_add(&sched.nnetwait, 1);
	return true;
}

bool netpollblock(struct pollDesc *pd, int mode, bool waitio)
{
	_Atomic uintptr_t *gpp = slot(pd, mode);
	for (;;) {
		uintptr_t old = pdReady;
		if (atomic_compare_exchange_strong(gpp, &old, pdNil))
			return true; /* readiness came before us: consume it */
		if (old == pdNil && atomic_compare_exchange_strong(gpp, &old, pdWait))
			break;
		if (old != pdNil && old != pdReady)
			fatal("netpollblock: two goroutines wait to %s fd %d", mode == 'r' ? "read" : "write",
			      atomic_load(&pd->fd));
	}
	if (waitio || netpollcheckerr(pd, mode) == 0) {
		getg()->waitobj = pd;
		gopark(netpollblockcommit, gpp, waitReasonIOWait);
		getg()->waitobj = NULL;
	}
	uintptr_t old = atomic_exchange(gpp, pdNil);
	if (old > pdWait)
		fatal("netpollblock: fd %d's semaphore holds a goroutine after its wait", atomic_load(&pd->fd));
	return old == pdReady;
}

struct g *netpollunblock(struct pollDesc *pd, int mode, bool ioready)
{
	_Atomic uintptr_t *gpp = slot(pd, mode);
	uintptr_t old = atomic_load(gpp);
	for (;;) {
		if (old == pdReady)
			return NULL; /* already signalled */
		if (old == pdNil && !ioready)
			return NULL; /* an error and no waiter: it will see the error */
		if (atomic_compare_exchange_strong(gpp, &old, ioready ? pdReady : pdNil))
			break;
	}
	if (old <= pdWait)
		return NULL; /* nobody parked (pdWait: its commit will fail) */
	atomic_fetch_sub(&sched.nnetwait, 1);
	return (struct g *)old;
}

int32_t netpollready(struct gqueue *toRun, struct pollDesc *pd, int mode)
{
	int32_t n = 0;
	struct g *gp;
	if ((mode == 'r' || mode == 'r' + 'w') && (gp = netpollunblock(pd, 'r', true))) {
		gqueue_push(toRun, gp);
		n++;
	}
	if ((mode == 'w' || mode == 'r' + 'w') && (gp = netpollunblock(pd, 'w', true))) {
		gqueue_push(toRun, gp);
		n++;
	}
	return n;
}

int pollWait(struct pollDesc *pd, int mode)
{
	int err = netpollcheckerr(pd, mode);
	if (err)
		return err;
	while (!netpollblock(pd, mode, false)) {
		if ((err = netpollcheckerr(pd, mode)))
			return err;
		/* Woken with no readiness and no error (a deadline moved away
		 * just as it fired): wait again. */
	}
	return 0;
}

void pollUnblock(struct pollDesc *pd)
{
	lock(&pd->lock);
	atomic_store(&pd->closing, true);
	pd->rseq++; /* a deadline timer running now does nothing */
	pd->wseq++;
	struct g *rg = netpollunblock(pd, 'r', false);
	struct g *wg = netpollunblock(pd, 'w', false);
	deltimer(&pd->rt);
	deltimer(&pd->wt);
	unlock(&pd->lock);
	if (rg)
		goready(rg);
	if (wg)
		goready(wg);
}

/* ---- the scheduler's steps ---- */

/* Of a list the poller made runnable: one to run now, the rest queued. */
static struct g *takeone(struct gqueue *q)
{
	struct g *gp = gqueue_pop(q);
	injectglist(q);
	casgstatus(gp, _Gwaiting, _Grunnable);
	return gp;
}

struct g *findnetpoll(struct p *pp)
{
	(void)pp;
	/* Nobody waits, or an M blocks in the poller and will see it all. */
	if (atomic_load(&sched.nnetwait) == 0 || atomic_load(&sched.lastpoll) == 0)
		return NULL;
	struct gqueue q = { 0 };
	if (netpoll(0, &q) == 0)
		return NULL;
	return takeone(&q);
}

bool blocknetpoll(struct m *mp, int64_t pollUntil, struct g **gpp)
{
	*gpp = NULL;
	if (atomic_load(&sched.nnetwait) == 0 && pollUntil == 0)
		return false; /* nothing the poller could bring */
	if (atomic_exchange(&sched.lastpoll, 0) == 0) {
		/* Another M blocks there: make sure it wakes for our timer. */
		int64_t until = atomic_load(&sched.pollUntil);
		if (pollUntil != 0 && (until == 0 || until > pollUntil))
			netpollBreak();
		return false;
	}
	atomic_store(&sched.pollUntil, pollUntil);
	int64_t delay = -1;
	if (pollUntil != 0 && (delay = pollUntil - grt_nanotime()) < 0)
		delay = 0;
	struct gqueue q = { 0 };
	netpoll(delay, &q);
	atomic_store(&sched.pollUntil, 0);
	atomic_store(&sched.lastpoll, grt_nanotime());

	lock(&sched.lock);
	struct p *pp = pidleget();
	unlock(&sched.lock);
	if (!pp) {
		injectglist(&q); /* every P is busy: they will find them */
		return false;
	}
	acquirep(mp, pp);
	if (q.head)
		*gpp = takeone(&q);
	return true;
}
