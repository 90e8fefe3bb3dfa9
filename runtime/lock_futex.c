/*
 * lock_futex.c - the runtime's lock and its sleep/wake-up note, on futexes.
 *
 * Both block the *thread*, not a goroutine: they guard the scheduler's own
 * data, which is touched for a few instructions at a time, and they put
 * idle Ms to sleep.  Goroutines that wait for each other use gopark.
 *
 * lock: key is 0 (unlocked), 1 (locked) or 2 (locked, and someone may be
 * asleep in the kernel).  Only an unlock that sees 2 pays for a wake-up.
 * note: key goes 0 -> 1 once; notesleep returns when it is 1.
 *
 * Each M counts the locks it holds (m->locks, Go's name): a goroutine
 * must not be preempted while it holds one (lab 6), or every M that wants
 * the lock would wait for a goroutine that is not running.
 */
#include <errno.h>
#include <linux/futex.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime.h"

static void futexsleep(_Atomic uint32_t *addr, uint32_t val)
{
	/* Sleeps only if *addr still equals val: no wake-up can be lost
	 * between our check and the kernel's. */
	syscall(SYS_futex, addr, FUTEX_WAIT_PRIVATE, val, NULL, NULL, 0);
}

static void futexwakeup(_Atomic uint32_t *addr, int n)
{
	syscall(SYS_futex, addr, FUTEX_WAKE_PRIVATE, n, NULL, NULL, 0);
}

/* Count a lock the calling M takes or lets go of; plain threads have none. */
static void mlocks(int32_t delta)
{
	struct m *mp = getm();
	if (mp)
		mp->locks += delta;
}

void lock(struct mutex *l)
{
	mlocks(1); /* before it is held: no instant holding it uncounted */
	uint32_t v = 0;
	if (atomic_compare_exchange_strong_explicit(&l->key, &v, 1, memory_order_acquire,
						    memory_order_relaxed))
		return;
	/* Spin a little: the holder is likely running on another core. */
	for (int i = 0; i < 100; i++) {
		v = 0;
		if (atomic_load_explicit(&l->key, memory_order_relaxed) == 0 &&
		    atomic_compare_exchange_weak_explicit(&l->key, &v, 1, memory_order_acquire,
							  memory_order_relaxed))
			return;
		__builtin_ia32_pause();
	}
	/* Then sleep, marking the lock contended so unlock wakes us. */
	while (atomic_exchange_explicit(&l->key, 2, memory_order_acquire) != 0)
		futexsleep(&l->key, 2);
}

void unlock(struct mutex *l)
{
	if (atomic_exchange_explicit(&l->key, 0, memory_order_release) == 2)
		futexwakeup(&l->key, 1);
	mlocks(-1);
}

void noteclear(struct note *n)
{
	atomic_store_explicit(&n->key, 0, memory_order_relaxed);
}

void notesleep(struct note *n)
{
	while (atomic_load_explicit(&n->key, memory_order_acquire) == 0)
		futexsleep(&n->key, 0);
}

void notewakeup(struct note *n)
{
	if (atomic_exchange_explicit(&n->key, 1, memory_order_release) != 0)
		fatal("notewakeup: double wake-up");
	futexwakeup(&n->key, 1);
}

/* For those who must not wait forever: a dump of a runtime that may be
 * stuck with the lock held. */
bool lockfor(struct mutex *l, int64_t ns)
{
	int64_t deadline = grt_nanotime() + ns;
	do {
		uint32_t v = 0;
		if (atomic_compare_exchange_weak_explicit(&l->key, &v, 1, memory_order_acquire,
							  memory_order_relaxed)) {
			mlocks(1);
			return true;
		}
		sched_yield();
	} while (grt_nanotime() < deadline);
	return false;
}
