/*
 * netpoll.c - goroutines wait for file descriptors.  (lab 5)
 *
 * As shipped, nothing waits here: the poller registers no fd
 * (netpoll_epoll.c's netpollopen says -ENOSYS), so the network API
 * (runtime/net.c) makes blocking system calls through lab 4's hand-off,
 * and every goroutine waiting for the network holds a thread.
 *
 * Your version (the handout, lab05-netpoller/README.md, has the contracts
 * in full):
 *  - netpollblock / netpollunblock: each direction of a pollDesc (rg, wg)
 *    is a binary semaphore, pdNil, pdReady, pdWait or the parked G, moved
 *    only by compare-and-swap, so that readiness arriving between the
 *    EAGAIN and the park is never lost; the park commits (pdWait -> G) in
 *    gopark's callback, and counts the G in sched.nnetwait;
 *  - netpollready: wake the waiters of the directions the poller saw;
 *  - pollWait: wait until ready, or return -EBADF (closing) or -ETIMEDOUT
 *    (deadline passed); pollUnblock: grt_close's wake-up of every waiter;
 *  - findnetpoll: findrunnable's non-blocking poll;
 *  - blocknetpoll: one M at a time blocks in the poller
 *    (sched.lastpoll 0 while it does), until an fd is ready or the next
 *    timer is due.
 *
 * Invariants: at most one goroutine waits per fd and direction; a
 * wake-up is consumed exactly once; sched.nnetwait counts the parked.
 */
#include <errno.h>

#include "runtime.h"

bool netpollblock(struct pollDesc *pd, int mode, bool waitio)
{
	/* TODO(lab05) */
	(void)pd;
	(void)mode;
	(void)waitio;
	stub_abort("lab05-netpoller", "netpoll.c", "netpollblock");
}

struct g *netpollunblock(struct pollDesc *pd, int mode, bool ioready)
{
	/* TODO(lab05) */
	(void)pd;
	(void)mode;
	(void)ioready;
	stub_abort("lab05-netpoller", "netpoll.c", "netpollunblock");
}

int32_t netpollready(struct gqueue *toRun, struct pollDesc *pd, int mode)
{
	/* TODO(lab05) */
	(void)toRun;
	(void)pd;
	(void)mode;
	stub_abort("lab05-netpoller", "netpoll.c", "netpollready");
}

int pollWait(struct pollDesc *pd, int mode)
{
	/* TODO(lab05) */
	(void)pd;
	(void)mode;
	stub_abort("lab05-netpoller", "netpoll.c", "pollWait");
}

void pollUnblock(struct pollDesc *pd)
{
	/* TODO(lab05) */
	(void)pd;
	stub_abort("lab05-netpoller", "netpoll.c", "pollUnblock");
}

struct g *findnetpoll(struct p *pp)
{
	/* TODO(lab05): nobody waits on the poller yet. */
	(void)pp;
	return NULL;
}

bool blocknetpoll(struct m *mp, int64_t pollUntil, struct g **gpp)
{
	/* TODO(lab05): an idle M just sleeps (stopm). */
	(void)mp;
	(void)pollUntil;
	*gpp = NULL;
	return false;
}
