/*
 * netpoll_epoll.c - the poller, on Linux's epoll.  (lab 5)
 *
 * As shipped, there is no poller: netpollopen refuses every fd
 * (-ENOSYS), so the network API makes blocking calls, and netpoll never
 * has anything to report.
 *
 * Your version (the handout, lab05-netpoller/README.md, has the contracts
 * in full):
 *  - netpollinit: one epoll instance, and an eventfd registered in it
 *    for netpollBreak;
 *  - netpollopen: the fd non-blocking, registered once for its whole
 *    life: reading, writing and hang-up, edge-triggered, with its pollDesc
 *    as the event's data; netpollclose: unregister it;
 *  - netpoll(delay): epoll_wait (delay < 0: for ever; 0: no wait), and
 *    for each event the directions it makes ready (netpollready); only a
 *    blocking call consumes a netpollBreak;
 *  - netpollBreak: wake a blocked netpoll, one eventfd write at a time.
 */
#include <errno.h>

#include "runtime.h"

void netpollinit(void)
{
	/* TODO(lab05) */
}

int netpollopen(int fd, struct pollDesc *pd)
{
	/* TODO(lab05): until then, net.c makes blocking calls. */
	(void)fd;
	(void)pd;
	return -ENOSYS;
}

void netpollclose(int fd)
{
	/* TODO(lab05) */
	(void)fd;
}

int32_t netpoll(int64_t delay, struct gqueue *toRun)
{
	/* TODO(lab05) */
	(void)delay;
	(void)toRun;
	return 0;
}

void netpollBreak(void)
{
	/* TODO(lab05) */
}
