/*
 * sync.c - WaitGroup and Mutex, built on gopark/goready.
 *
 * Both are a lock, a little state and a queue of parked goroutines.  The
 * zero value is ready to use: an unlocked lock, a zero count, an empty
 * queue.  The mutex hands ownership straight to the goroutine it wakes
 * (locked stays 1), so a waiter cannot be overtaken forever.
 */
#include "runtime.h"

_Static_assert(sizeof(((grt_wg *)0)->lock) == sizeof(struct mutex), "grt_wg.lock is a struct mutex");
_Static_assert(sizeof(((grt_wg *)0)->waitq) == sizeof(struct gqueue), "grt_wg.waitq is a gqueue");
_Static_assert(sizeof(((grt_mutex *)0)->waitq) == sizeof(struct gqueue), "grt_mutex.waitq is a gqueue");

#define LOCKOF(x) ((struct mutex *)&(x)->lock)
#define QUEUEOF(x) ((struct gqueue *)(x)->waitq)

static bool unlockf(struct g *gp, void *l)
{
	(void)gp;
	unlock(l);
	return true;
}

/* Misuse fails at the call, naming it: a NULL object, and a call that may
 * park made outside a goroutine (it fails every time, not only when it
 * would have had to wait).  Waking calls (add, done, unlock) work from any
 * thread. */
static void checkobj(const char *api, const void *obj)
{
	if (!obj)
		fatal("%s: the argument is NULL", api);
}

static void checkg(const char *api)
{
	if (!getg())
		fatal("%s: called outside a goroutine (start the runtime with grt_main)", api);
}

static void parkon(struct mutex *l, struct gqueue *q, void *obj, enum waitreason why)
{
	struct g *gp = getg();
	gp->waitobj = obj;
	gqueue_push(q, gp);
	gopark(unlockf, l, why);
	getg()->waitobj = NULL;
}

static void wgadd(const char *api, grt_wg *wg, int n)
{
	checkobj(api, wg);
	lock(LOCKOF(wg));
	wg->count += n;
	if (wg->count < 0) {
		unlock(LOCKOF(wg));
		fatal("%s: sync: negative WaitGroup counter", api);
	}
	struct gqueue woken = { 0 };
	if (wg->count == 0) {
		woken = *QUEUEOF(wg);
		*QUEUEOF(wg) = (struct gqueue){ 0 };
	}
	unlock(LOCKOF(wg));
	struct g *gp;
	while ((gp = gqueue_pop(&woken)))
		goready(gp);
}

void grt_wg_add(grt_wg *wg, int n)
{
	wgadd("grt_wg_add", wg, n);
}

void grt_wg_done(grt_wg *wg)
{
	wgadd("grt_wg_done", wg, -1);
}

void grt_wg_wait(grt_wg *wg)
{
	checkobj("grt_wg_wait", wg);
	checkg("grt_wg_wait");
	preemptcheck();
	lock(LOCKOF(wg));
	if (wg->count == 0) {
		unlock(LOCKOF(wg));
		return;
	}
	parkon(LOCKOF(wg), QUEUEOF(wg), wg, waitReasonSyncWaitGroupWait);
}

void grt_mutex_lock(grt_mutex *mu)
{
	checkobj("grt_mutex_lock", mu);
	checkg("grt_mutex_lock");
	preemptcheck();
	lock(LOCKOF(mu));
	if (!mu->locked) {
		mu->locked = 1;
		unlock(LOCKOF(mu));
		return;
	}
	parkon(LOCKOF(mu), QUEUEOF(mu), mu, waitReasonSyncMutexLock); /* we own it on return */
}

void grt_mutex_unlock(grt_mutex *mu)
{
	checkobj("grt_mutex_unlock", mu);
	lock(LOCKOF(mu));
	if (!mu->locked) {
		unlock(LOCKOF(mu));
		fatal("grt_mutex_unlock: sync: unlock of unlocked mutex");
	}
	struct g *gp = gqueue_pop(QUEUEOF(mu));
	if (!gp)
		mu->locked = 0;
	unlock(LOCKOF(mu));
	if (gp)
		goready(gp);
}
