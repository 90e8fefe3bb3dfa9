/*
 * syscall.c - a goroutine in a blocking system call hands off its P.  (lab 4)
 *
 * As shipped, a goroutine in a system call keeps its M and its P: while
 * its thread waits in the kernel, that P runs nothing else.  On one P, a
 * goroutine blocked in read(2) stops every other goroutine.  Only the
 * goroutine's state changes, so that dumps and gdb show the call.
 *
 * Your version (the handout, lab04-syscall-handoff/README.md, has the
 * contracts in full):
 *  - entersyscall: the goroutine to _Gsyscall; the M lets go of its P
 *    (releasep), remembers it in mp->oldp with its syscalltick, and the P
 *    goes to _Psyscall, last.
 *  - exitsyscall: the fast path takes back oldp if it is still in
 *    _Psyscall (compare-and-swap), else an idle P, and bumps the P's
 *    syscalltick; else mcall to a function that queues the goroutine on
 *    the global queue (or runs it on a P that went idle meanwhile) and
 *    parks the M (stopm).
 *  - retake (sysmon calls it): hand off every P in the same system call
 *    since sysmon's last look, unless it has no work, an idle P or a
 *    spinning M could take new work, and the call is younger than 10 ms.
 *    It takes the P by compare-and-swap out of _Psyscall, and bumps its
 *    syscalltick.  Call sysmonpreempt first (lab 6's step).
 *  - handoffp: an M for the P if it or the global queue has work; a
 *    spinning M if no M spins and no P is idle; else the idle list.
 *  - entersyscallblock: as entersyscall, then hand off at once.
 *
 * Invariants: a P in _Psyscall has no M (pp->m is NULL) and belongs to
 * whoever moves it out of _Psyscall first; a goroutine comes back from a
 * system call running on an M that holds a P, or queued, never lost.
 */
#include "runtime.h"

void entersyscall(void)
{
	/* TODO(lab04): hand the P over to _Psyscall. */
	casgstatus(getg(), _Grunning, _Gsyscall);
}

void entersyscallblock(void)
{
	/* TODO(lab04): hand off the P at once. */
	entersyscall();
}

void exitsyscall(void)
{
	/* TODO(lab04): get a P back, or queue the goroutine and park the M. */
	casgstatus(getg(), _Gsyscall, _Grunning);
}

void handoffp(struct p *pp)
{
	/* TODO(lab04) */
	(void)pp;
	stub_abort("lab04-syscall-handoff", "syscall.c", "handoffp");
}

uint32_t retake(int64_t now)
{
	/* TODO(lab04): sysmon retakes nothing yet. */
	(void)now;
	return 0;
}
