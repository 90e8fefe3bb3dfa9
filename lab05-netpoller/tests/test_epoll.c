/*
 * Lab 5's direct tests of netpoll_epoll.c, without the scheduler: the test
 * calls netpollinit, registers one end of a socketpair with a pollDesc of
 * its own, and calls netpoll itself.  With nobody waiting, the readiness
 * netpoll reports shows in the pollDesc's words (pdReady).  Do not edit:
 * the grader uses a pristine copy of this folder.
 */
#include <fcntl.h>

#include "nettest.h"

static struct pollDesc pd;
static int sv[2];

static uintptr_t takeword(_Atomic uintptr_t *w)
{
	return atomic_exchange(w, pdNil);
}

static void setup(void)
{
	netpollinit();
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		FAIL("socketpair failed");
	atomic_store(&pd.fd, sv[0]);
	int err = netpollopen(sv[0], &pd);
	CHECK_MSG(err == 0, "netpollopen(fd, pd) returned %d (%s)", err, strerror(-err));
}

static int32_t pollnow(struct gqueue *q)
{
	*q = (struct gqueue){ 0 };
	return netpoll(0, q);
}

TEST(epoll_edges, 5, 20,
     "One end of a socketpair registered with netpollopen; the test writes to the other end, reads, closes it. "
     "Which directions does netpoll(0) report ready each time, and does it report the same edge twice?")
{
	setup();
	int fl = fcntl(sv[0], F_GETFL);
	CHECK_MSG(fl & O_NONBLOCK, "after netpollopen the fd is not O_NONBLOCK: a read would block the thread");
	struct gqueue q;
	/* A new socket may be written: the first look says so. */
	int32_t n = pollnow(&q);
	CHECK_MSG(n == 0 && !q.head, "netpoll(0) with nobody waiting returned %d or queued a goroutine", n);
	CHECK_MSG(takeword(&pd.wg) == pdReady, "a fresh socket is writable, but netpoll(0) left wg not pdReady: "
		  "register the fd for writing (EPOLLOUT) too");
	CHECK_MSG(takeword(&pd.rg) == pdNil, "nothing was sent, but netpoll(0) made rg ready");
	/* Data arrives: readable, once. */
	if (write(sv[1], "ab", 2) != 2)
		FAIL("write failed");
	pollnow(&q);
	CHECK_MSG(takeword(&pd.rg) == pdReady, "data arrived, but netpoll(0) did not make rg pdReady");
	pollnow(&q);
	CHECK_MSG(takeword(&pd.rg) == pdNil, "netpoll(0) reported the same data again, though nothing new arrived: "
		  "register edge-triggered (EPOLLET), or every poll wakes readers that have data already");
	char buf[4];
	CHECK_MSG(read(sv[0], buf, 1) == 1, "read failed");
	if (write(sv[1], "c", 1) != 1)
		FAIL("write failed");
	pollnow(&q);
	CHECK_MSG(takeword(&pd.rg) == pdReady, "new data arrived, but netpoll(0) did not make rg pdReady");
	/* The peer hangs up: readable (end of file). */
	close(sv[1]);
	pollnow(&q);
	CHECK_MSG(takeword(&pd.rg) == pdReady, "the peer closed its end, but netpoll(0) did not make rg pdReady: "
		  "a reader must wake to read the end of file (EPOLLRDHUP, EPOLLHUP)");
	/* Unregistered: no more reports. */
	takeword(&pd.wg);
	netpollclose(sv[0]);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		FAIL("socketpair failed");
	pollnow(&q);
	CHECK_MSG(takeword(&pd.rg) == pdNil && takeword(&pd.wg) == pdNil,
		  "after netpollclose, netpoll still reported the fd");
}

/* ---- a parked goroutine comes back in the list ---- */

TEST(epoll_queues_waiters, 3, 20,
     "A goroutine (made up by the test) waits in rg when data arrives. Does netpoll(0) hand it back, and "
     "count it?")
{
	setup();
	struct gqueue q;
	pollnow(&q); /* the first writable edge */
	takeword(&pd.wg);
	static struct g fake;
	fake.goid = 77;
	atomic_store(&fake.atomicstatus, _Gwaiting);
	atomic_store(&pd.rg, (uintptr_t)&fake);
	atomic_fetch_add(&sched.nnetwait, 1);
	if (write(sv[1], "x", 1) != 1)
		FAIL("write failed");
	int32_t n = pollnow(&q);
	CHECK_MSG(n == 1 && q.head == &fake && q.tail == &fake, "netpoll(0) returned %d and queued %s: the "
		  "goroutine parked in rg must come back in toRun, and the count with it", n,
		  q.head == &fake ? "it" : q.head ? "another" : "nobody");
	CHECK_MSG(atomic_load(&pd.rg) == pdReady, "after handing back the goroutine, rg is not pdReady");
}

/* ---- netpollBreak ---- */

static _Atomic int brk_back;
static int32_t brk_n = -1;

static void *brk_poller(void *arg)
{
	struct gqueue q = { 0 };
	brk_n = netpoll((int64_t)(intptr_t)arg, &q);
	atomic_store(&brk_back, 1);
	return NULL;
}

static int64_t timed_poll(int64_t delay)
{
	struct gqueue q = { 0 };
	int64_t t0 = grt_nanotime();
	netpoll(delay, &q);
	return grt_nanotime() - t0;
}

TEST(epoll_break, 4, 20,
     "A thread blocks in netpoll(-1), with nothing registered; another calls netpollBreak. Does the first wake? "
     "Does a non-blocking netpoll leave a break for the blocked one, and is a break consumed?")
{
	netpollinit();
	pthread_t t;
	pthread_create(&t, NULL, brk_poller, (void *)(intptr_t)-1);
	usleep(20000);
	CHECK_MSG(!atomic_load(&brk_back), "netpoll(-1) returned at once, with nothing registered");
	netpollBreak();
	for (int i = 0; i < 2000 && !atomic_load(&brk_back); i++)
		usleep(1000);
	CHECK_MSG(atomic_load(&brk_back), "netpollBreak did not wake a thread blocked in netpoll(-1) within 2 s");
	pthread_join(t, NULL);
	CHECK_MSG(brk_n == 0, "netpoll woken by netpollBreak returned %d goroutines, not 0", brk_n);
	/* Consumed: the next blocking poll waits its full time. */
	int64_t dt = timed_poll(30 * MS);
	CHECK_MSG(dt >= 20 * MS, "after a break was consumed, netpoll(30 ms) returned after %lld us: the blocking "
		  "poll must read the eventfd (and let a new netpollBreak write again)", (long long)dt / 1000);
	/* A non-blocking poll must leave a break for the blocked one. */
	netpollBreak();
	timed_poll(0);
	dt = timed_poll(2000 * MS);
	CHECK_MSG(dt < 1000 * MS, "a break sent before a netpoll(0) did not wake the next netpoll(2 s): only a "
		  "blocking poll consumes a break (the blocked M is the one it is for)");
	/* Two breaks, one wake-up's worth: nothing is left after it. */
	netpollBreak();
	netpollBreak();
	dt = timed_poll(2000 * MS);
	CHECK_MSG(dt < 1000 * MS, "two netpollBreak calls did not wake a netpoll(2 s)");
	dt = timed_poll(30 * MS);
	CHECK_MSG(dt >= 20 * MS, "two netpollBreak calls woke two polls: the second found the first still pending");
}
