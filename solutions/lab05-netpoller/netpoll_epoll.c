/*
 * netpoll_epoll.c - the poller, on Linux's epoll.  (lab 5)
 *
 * One epoll instance for the whole runtime.  Each fd is registered once,
 * when the network API makes it, for reading, writing and hang-up, edge-
 * triggered: the kernel reports each change from not-ready to ready
 * once, and never again for a goroutine that has not yet read what is
 * there.  That is why the pollDesc's semaphores must keep a readiness
 * that nobody waited for (pdReady), and why a reader reads until EAGAIN
 * before it waits.  One registration for the fd's whole life costs no
 * epoll_ctl per wait.
 *
 * netpollBreak wakes an M blocked in epoll_wait: a write to an eventfd
 * registered beside the sockets.  Only one write is outstanding at a
 * time (breakpending), and only a blocking netpoll consumes it: a
 * non-blocking one must not eat the wake-up meant for the blocked M.
 *
 * After Go's netpoll_epoll.go.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "runtime.h"

static int epfd = -1;
static int breakfd = -1;
static _Atomic int32_t breakpending;

void netpollinit(void)
{
	epfd = epoll_create1(EPOLL_CLOEXEC);
	breakfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (epfd < 0 || breakfd < 0)
		fatal("netpollinit: cannot make the epoll instance or its eventfd");
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &breakfd };
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, breakfd, &ev) < 0)
		fatal("netpollinit: cannot register the eventfd");
}

int netpollopen(int fd, struct pollDesc *pd)
{
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -errno;
	struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, .data.ptr = pd };
	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

void netpollclose(int fd)
{
	epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL);
}

void netpollBreak(void)
{
	int32_t zero = 0;
	if (!atomic_compare_exchange_strong(&breakpending, &zero, 1))
		return; /* one is on its way */
	uint64_t one = 1;
	while (write(breakfd, &one, sizeof one) < 0 && errno == EINTR) {
	}
}

/* epoll_wait counts milliseconds: round a short wait up (0 would not
 * wait at all), cap a long one. */
static int waitms(int64_t delay)
{
	if (delay < 0)
		return -1;
	if (delay == 0)
		return 0;
	if (delay < 1000000)
		return 1;
	if (delay < 1000000LL * 1000000000)
		return (int)(delay / 1000000);
	return 1000000000;
}

int32_t netpoll(int64_t delay, struct gqueue *toRun)
{
	struct epoll_event evs[128];
	int n;
	if (delay != 0)
		atomic_fetch_add(&sched.npoll, 1);
	while ((n = epoll_wait(epfd, evs, 128, waitms(delay))) < 0) {
		if (errno != EINTR)
			fatal("netpoll: epoll_wait failed (errno %d)", errno);
		if (delay > 0)
			return 0; /* the caller works out a new delay */
	}
	int32_t count = 0;
	for (int i = 0; i < n; i++) {
		uint32_t e = evs[i].events;
		if (evs[i].data.ptr == &breakfd) {
			if (delay != 0) {
				uint64_t v;
				while (read(breakfd, &v, sizeof v) < 0 && errno == EINTR) {
				}
				atomic_store(&breakpending, 0);
			}
			continue;
		}
		int mode = 0;
		if (e & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
			mode += 'r';
		if (e & (EPOLLOUT | EPOLLHUP | EPOLLERR))
			mode += 'w';
		if (mode)
			count += netpollready(toRun, evs[i].data.ptr, mode);
	}
	return count;
}
