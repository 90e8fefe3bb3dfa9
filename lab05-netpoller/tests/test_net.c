/*
 * Lab 5's tests in the running runtime: TCP over loopback through the
 * network API, sleeping goroutines, deadlines, close.  Each waits with a
 * bound it checks itself (a plain thread, the watchdog, fails the test
 * with a message), so that a lost wake-up is reported, not left to the
 * grader's timeout.  Do not edit: the grader uses a pristine copy of this
 * folder.
 */
#include "nettest.h"

/* ---- 200 clients echo through a server ---- */

#define NCLIENT 200
#define NROUND 20
static int echo_port, echo_peak;
static _Atomic int echo_bad, echo_done;
static grt_wg echo_connected, echo_finished;
static grt_chan *echo_gate;

static void echo_conn(void *arg)
{
	int fd = (int)(intptr_t)arg;
	char buf[4096];
	ssize_t n;
	while ((n = grt_read(fd, buf, sizeof buf)) > 0)
		if (grt_write(fd, buf, n) != n)
			break;
	grt_close(fd);
}

static void echo_server(void *arg)
{
	int lfd = (int)(intptr_t)arg;
	for (int i = 0; i < NCLIENT; i++) {
		int fd = grt_accept(lfd);
		if (fd < 0)
			FAIL("grt_accept = %d (%s)", fd, strerror(-fd));
		grt_go(echo_conn, (void *)(intptr_t)fd);
	}
	grt_close(lfd);
}

static void echo_client(void *arg)
{
	int id = (int)(intptr_t)arg;
	int fd = grt_dial_tcp("127.0.0.1", echo_port);
	if (fd < 0)
		FAIL("client %d: grt_dial_tcp = %d (%s)", id, fd, strerror(-fd));
	grt_wg_done(&echo_connected);
	char c;
	grt_chan_recv(echo_gate, &c); /* until every connection is idle at once */
	char out[3000], in[3000];
	for (int r = 0; r < NROUND; r++) {
		int len = 1 + (id * 131 + r * 977) % (int)sizeof out;
		for (int k = 0; k < len; k++)
			out[k] = (char)(id + r * 7 + k);
		if (grt_write(fd, out, len) != len)
			FAIL("client %d: grt_write failed", id);
		for (int got = 0; got < len;) {
			ssize_t n = grt_read(fd, in + got, len - got);
			if (n <= 0)
				FAIL("client %d round %d: grt_read = %zd after %d of %d bytes", id, r, n, got, len);
			got += n;
		}
		if (memcmp(in, out, len))
			atomic_fetch_add(&echo_bad, 1);
	}
	grt_close(fd);
	grt_wg_done(&echo_finished);
}

static void echo_main(void *arg)
{
	(void)arg;
	int lfd = listener(&echo_port, NCLIENT);
	grt_go(echo_server, (void *)(intptr_t)lfd);
	echo_gate = grt_chan_make(1, 0);
	grt_wg_add(&echo_connected, NCLIENT);
	grt_wg_add(&echo_finished, NCLIENT);
	for (int i = 0; i < NCLIENT; i++)
		grt_go(echo_client, (void *)(intptr_t)i);
	grt_wg_wait(&echo_connected);
	grt_sleep(50 * MS); /* the server's goroutines all wait in grt_read */
	echo_peak = nthreads();
	grt_chan_close(echo_gate);
	grt_wg_wait(&echo_finished);
	atomic_store(&echo_done, 1);
}

TEST(echo_two_hundred, 5, 60,
     "2 Ps. 200 clients connect to an echo server (a goroutine per connection), wait until all are connected, "
     "then each sends 20 messages and checks every byte. How many threads does the process need while 200 "
     "connections are idle?")
{
	maxprocs("2");
	static struct watchdog w = { .flag = &echo_done, .ms = 30000,
				     .msg = "the 200 clients had not all finished 30 s later" };
	watchdog_start(&w);
	grt_main(echo_main, NULL);
	CHECK_MSG(echo_bad == 0, "%d of %d echoed messages came back different", echo_bad, NCLIENT * NROUND);
	CHECK_MSG(echo_peak <= threadbound(1), "with 200 connections idle (a goroutine waiting in grt_read on each), "
		  "the process had %d threads, more than %d: a goroutine waiting for the network must hold no thread "
		  "(netpollopen registers the fd; pollWait parks on its pollDesc)", echo_peak, threadbound(1));
}

/* ---- 1,000 idle readers ---- */

#define NIDLE 1000
static int idle_fds[NIDLE][2], idle_n, idle_peak;
static _Atomic int idle_bad, idle_done;
static grt_wg idle_wg;

static void idle_reader(void *arg)
{
	int i = (int)(intptr_t)arg;
	unsigned char c;
	ssize_t n = grt_read(idle_fds[i][1], &c, 1);
	if (n != 1 || c != (unsigned char)i)
		atomic_fetch_add(&idle_bad, 1);
	grt_wg_done(&idle_wg);
}

static void idle_main(void *arg)
{
	(void)arg;
	int port;
	int lfd = listener(&port, 128);
	for (int i = 0; i < idle_n; i++)
		connpair(lfd, port, idle_fds[i]);
	grt_wg_add(&idle_wg, idle_n);
	for (int i = 0; i < idle_n; i++)
		grt_go(idle_reader, (void *)(intptr_t)i);
	grt_sleep(100 * MS);
	idle_peak = nthreads();
	for (int i = 0; i < idle_n; i++) {
		unsigned char c = (unsigned char)i;
		if (grt_write(idle_fds[i][0], &c, 1) != 1)
			FAIL("grt_write to connection %d failed", i);
	}
	grt_wg_wait(&idle_wg);
	for (int i = 0; i < idle_n; i++) {
		grt_close(idle_fds[i][0]);
		grt_close(idle_fds[i][1]);
	}
	grt_close(lfd);
	atomic_store(&idle_done, 1);
}

TEST(idle_thousand_readers, 4, 60,
     "2 Ps. 1,000 goroutines each wait in grt_read on an idle connection for 100 ms, then each gets its one "
     "byte. How many threads do they cost?")
{
	maxprocs("2");
	long lim = nofile(2 * NIDLE + 100);
	idle_n = lim >= 2 * NIDLE + 100 ? NIDLE : (int)(lim - 100) / 2;
	CHECK_MSG(idle_n >= 200, "the open-file limit (ulimit -n) is %ld, and cannot be raised to %d", lim,
		  2 * NIDLE + 100);
	static struct watchdog w = { .flag = &idle_done, .ms = 30000,
				     .msg = "the readers had not all finished 30 s later" };
	watchdog_start(&w);
	grt_main(idle_main, NULL);
	CHECK_MSG(idle_bad == 0, "%d of %d readers did not read their own byte", idle_bad, idle_n);
	CHECK_MSG(idle_peak <= threadbound(1), "with %d goroutines waiting in grt_read, the process had %d threads, "
		  "more than %d: a wait in the poller holds no thread", idle_n, idle_peak, threadbound(1));
}

/* ---- close wakes the waiters ---- */

static _Atomic int close_back[2];
static ssize_t close_ret[2] = { 1, 1 };
static int close_fds[2];

static void close_reader(void *arg)
{
	(void)arg;
	char c;
	close_ret[0] = grt_read(close_fds[1], &c, 1);
	atomic_store(&close_back[0], 1);
}

static void close_writer(void *arg)
{
	(void)arg;
	static char big[1 << 20];
	ssize_t n = 0;
	for (int i = 0; i < 64 && n >= 0; i++) /* the peer reads nothing: fills the buffers, then waits */
		n = grt_write(close_fds[1], big, sizeof big);
	close_ret[1] = n;
	atomic_store(&close_back[1], 1);
}

static void close_main(void *arg)
{
	(void)arg;
	int port;
	int lfd = listener(&port, 8);
	connpair(lfd, port, close_fds);
	grt_go(close_reader, NULL);
	grt_go(close_writer, NULL);
	grt_sleep(100 * MS);
	grt_close(close_fds[1]);
	for (int i = 0; i < 2000 && !(atomic_load(&close_back[0]) && atomic_load(&close_back[1])); i++)
		grt_sleep(MS);
	CHECK_MSG(atomic_load(&close_back[0]), "a goroutine waiting in grt_read was still waiting 2 s after "
		  "grt_close of its fd: closing wakes every waiter (pollUnblock)");
	CHECK_MSG(atomic_load(&close_back[1]), "a goroutine waiting in grt_write (the peer reads nothing) was still "
		  "waiting 2 s after grt_close of its fd: pollUnblock wakes the writer too");
	CHECK_MSG(close_ret[0] == -EBADF && close_ret[1] == -EBADF, "woken by grt_close, grt_read returned %zd and "
		  "grt_write %zd, not -EBADF (%d)", close_ret[0], close_ret[1], -EBADF);
	grt_close(close_fds[0]);
	grt_close(lfd);
}

TEST(close_wakes_waiters, 5, 20,
     "2 Ps. One goroutine waits to read a connection, another to write to it (its peer reads nothing). The fd "
     "is closed. Do both wake, and with what?")
{
	maxprocs("2");
	grt_main(close_main, NULL);
}

/* ---- deadlines ---- */

static _Atomic int dl_done;

static void dl_main(void *arg)
{
	(void)arg;
	int port, fds[2];
	int lfd = listener(&port, 8);
	connpair(lfd, port, fds);
	char c;
	int64_t t0 = grt_nanotime();
	int err = grt_set_deadline(fds[1], t0 + 50 * MS, 0);
	CHECK_MSG(err == 0, "grt_set_deadline returned %d (%s)", err, strerror(-err));
	ssize_t n = grt_read(fds[1], &c, 1);
	int64_t dt = grt_nanotime() - t0;
	CHECK_MSG(n == -ETIMEDOUT, "a read past its deadline returned %zd, not -ETIMEDOUT", n);
	CHECK_MSG(dt >= 50 * MS, "a read with a 50 ms deadline gave up after %lld us", (long long)dt / 1000);
	CHECK_MSG(dt < 2000 * MS, "a read with a 50 ms deadline gave up only after %lld ms", (long long)dt / MS);
	/* Past its deadline, with data there: still late. */
	if (grt_write(fds[0], "a", 1) != 1)
		FAIL("grt_write failed");
	grt_sleep(10 * MS);
	n = grt_read(fds[1], &c, 1);
	CHECK_MSG(n == -ETIMEDOUT, "a read begun after the deadline passed returned %zd, not -ETIMEDOUT", n);
	/* No deadline: the data is read. */
	grt_set_deadline(fds[1], 0, 0);
	n = grt_read(fds[1], &c, 1);
	CHECK_MSG(n == 1 && c == 'a', "after the deadline was cleared, a read of waiting data returned %zd", n);
	/* A deadline in the past fails a read at once. */
	grt_set_deadline(fds[1], grt_nanotime() - MS, 0);
	CHECK_MSG(grt_read(fds[1], &c, 1) == -ETIMEDOUT, "a read after a deadline set in the past did not time out");
	/* A write deadline, on a writer the peer never reads. */
	static char big[1 << 20];
	t0 = grt_nanotime();
	grt_set_deadline(fds[1], 0, t0 + 50 * MS);
	n = 0;
	for (int i = 0; i < 64 && n >= 0; i++)
		n = grt_write(fds[1], big, sizeof big);
	dt = grt_nanotime() - t0;
	CHECK_MSG(n == -ETIMEDOUT && dt < 2000 * MS, "a write that fills the buffers, with a 50 ms deadline, returned "
		  "%zd after %lld ms, not -ETIMEDOUT", n, (long long)dt / MS);
	grt_close(fds[0]);
	grt_close(fds[1]);
	/* A deadline moved later: the old one does not fire. */
	connpair(lfd, port, fds);
	grt_set_deadline(fds[1], grt_nanotime() + 30 * MS, 0);
	grt_set_deadline(fds[1], grt_nanotime() + 150 * MS, 0);
	t0 = grt_nanotime();
	n = grt_read(fds[1], &c, 1);
	dt = grt_nanotime() - t0;
	CHECK_MSG(n == -ETIMEDOUT && dt >= 100 * MS, "a deadline moved from 30 ms to 150 ms: the read returned %zd "
		  "after %lld ms: the first one's timer must be deleted, or see that it is stale", n,
		  (long long)dt / MS);
	grt_close(fds[0]);
	grt_close(fds[1]);
	grt_close(lfd);
	atomic_store(&dl_done, 1);
}

TEST(deadlines, 4, 20,
     "2 Ps. A read with a 50 ms deadline on an idle connection; a read after it passed, with data waiting; a "
     "cleared deadline; one in the past; a write deadline; a deadline moved later. What does each call return, "
     "and when?")
{
	maxprocs("2");
	static struct watchdog w = { .flag = &dl_done, .ms = 10000,
				     .msg = "the deadline test had not finished 10 s later: a deadline did not "
				     "wake its goroutine (its timer never ran?)" };
	watchdog_start(&w);
	grt_main(dl_main, NULL);
}

/* ---- sleepers ---- */

#define NSLEEP 10000
static int64_t sl_deadline[NSLEEP];
static int sl_count;
static bool sl_late[NSLEEP]; /* first ran after its deadline: never slept */
static _Atomic int sl_early, sl_late_start, sl_done;
static int sl_peak;
static grt_wg sl_wg;

static void sleeper(void *arg)
{
	int i = (int)(intptr_t)arg;
	int64_t d = sl_deadline[i] - grt_nanotime();
	if (d <= 0) {
		sl_late[i] = true;
		atomic_fetch_add(&sl_late_start, 1);
	}
	grt_sleep(d);
	if (grt_nanotime() < sl_deadline[i])
		atomic_fetch_add(&sl_early, 1);
	if (!sl_late[i] && !getg()->timer)
		FAIL("a goroutine woke from grt_sleep with g->timer NULL: timeSleep uses the goroutine's own timer");
	grt_wg_done(&sl_wg);
}

/* sl_count sleepers, deadlines spacing ns apart from 200 ms on, spawned
 * in a shuffled order; on one P, none runs before main parks (runsleepers
 * turns preemption off: spawning 10,000 takes longer than a time slice). */
static void sl_main(void *arg)
{
	int64_t spacing = (int64_t)(intptr_t)arg;
	static int perm[NSLEEP];
	for (int i = 0; i < sl_count; i++)
		perm[i] = i;
	srand(11);
	for (int i = sl_count - 1; i > 0; i--) {
		int j = rand() % (i + 1), t = perm[i];
		perm[i] = perm[j], perm[j] = t;
	}
	grt_wg_add(&sl_wg, sl_count);
	for (int k = 0; k < sl_count; k++)
		grt_go(sleeper, (void *)(intptr_t)perm[k]);
	int64_t t0 = grt_nanotime() + 200 * MS;
	for (int i = 0; i < sl_count; i++)
		sl_deadline[i] = t0 + i * spacing;
	grt_sleep(t0 + 100 * MS - grt_nanotime());
	sl_peak = nthreads();
	grt_wg_wait(&sl_wg);
	atomic_store(&sl_done, 1);
}

static void runsleepers(int n, int64_t spacing)
{
	maxprocs("1");
	setenv("GRT_MAXTHREADS", "500", 1);
	forcePreemptNS = NOPREEMPT; /* lab 6: no time slice ends during the spawns */
	sl_count = n;
	static struct watchdog w = { .flag = &sl_done, .ms = 30000,
				     .msg = "the sleepers had not all woken 30 s later" };
	watchdog_start(&w);
	grt_main(sl_main, (void *)(intptr_t)spacing);
	CHECK_MSG(sl_early == 0, "%d sleepers woke before their deadline", sl_early);
	CHECK_MSG(sl_late_start < n / 10, "%d of the %d sleepers started after their deadline: the machine is too "
		  "slow for this test", sl_late_start, n);
}

TEST(ten_thousand_sleepers, 4, 60,
     "1 P. 10,000 goroutines sleep until deadlines 100 us apart. Does any wake early? How many threads do they "
     "cost?")
{
	runsleepers(NSLEEP, 100 * 1000);
	CHECK_MSG(sl_peak <= threadbound(1), "with 10,000 goroutines asleep, the process had %d threads, more than "
		  "%d: a sleeping goroutine is a timer and a parked G, not a thread", sl_peak, threadbound(1));
}

/* ---- a sleeper runs next ---- */

static _Atomic int nx_log[4], nx_n, nx_done;

static void nx_record(void *arg)
{
	nx_log[atomic_fetch_add(&nx_n, 1)] = (int)(intptr_t)arg;
}

static void nx_sleeper(void *arg)
{
	(void)arg;
	grt_sleep(1 * MS);
	nx_record((void *)0);
}

static void nx_main(void *arg)
{
	(void)arg;
	grt_go(nx_sleeper, NULL);
	grt_yield(); /* the sleeper runs, and parks for 1 ms */
	/* Keep the P while its timer falls due: grt_nanotime never switches. */
	int64_t end = grt_nanotime() + 5 * MS;
	while (grt_nanotime() < end) {
	}
	/* Three more: the last in runnext, two in the P's queue. */
	for (intptr_t i = 1; i <= 3; i++)
		grt_go(nx_record, (void *)i);
	int64_t t0 = grt_nanotime();
	while (atomic_load(&nx_n) < 4 && grt_nanotime() - t0 < 2000 * MS)
		grt_yield();
	atomic_store(&nx_done, 1);
}

TEST(sleeper_runs_next, 2, 20,
     "1 P. A goroutine's 1 ms sleep ends while the main goroutine keeps the P; then the main goroutine starts "
     "three goroutines and yields. Which runs first: the sleeper, or those it finds in the queue?")
{
	maxprocs("1");
	static struct watchdog w = { .flag = &nx_done, .ms = 10000, .msg = "the four goroutines had not run 10 s later" };
	watchdog_start(&w);
	grt_main(nx_main, NULL);
	CHECK_MSG(atomic_load(&nx_n) == 4, "only %d of the four goroutines ran within 2 s", atomic_load(&nx_n));
	CHECK_MSG(nx_log[0] == 0, "the goroutine started %s ran before the sleeper whose timer had fired: a timer's "
		  "function readies its sleeper next (goready, into runnext), as Go's does, not at the tail of the "
		  "queue, behind everyone queued while it slept",
		  nx_log[0] == 3 ? "last (in runnext)" : nx_log[0] == 1 ? "first" : "second");
}

/* ---- sleeps due at once, on 2 Ps ---- */

#define NSHORT 50000
static _Atomic int short_done;
static bool short_timer[2];
static grt_wg short_wg;

static void short_sleeper(void *arg)
{
	int k = (int)(intptr_t)arg;
	for (int i = 0; i < NSHORT; i++)
		grt_sleep(1);
	short_timer[k] = getg()->timer != NULL;
	grt_wg_done(&short_wg);
}

static void short_main(void *arg)
{
	(void)arg;
	grt_wg_add(&short_wg, 2);
	grt_go(short_sleeper, (void *)0);
	grt_go(short_sleeper, (void *)1);
	grt_wg_wait(&short_wg);
	atomic_store(&short_done, 1);
}

TEST(short_sleeps, 1, 60,
     "2 Ps. Two goroutines each sleep 1 ns, 50,000 times: every timer is due as soon as it is added, and the "
     "other P's M may run it at once. Can a timer wake a goroutine that has not finished parking?")
{
	maxprocs("2");
	static struct watchdog w = { .flag = &short_done, .ms = 30000,
				     .msg = "100,000 sleeps of 1 ns had not finished 30 s later" };
	watchdog_start(&w);
	grt_main(short_main, NULL);
	CHECK_MSG(short_timer[0] && short_timer[1], "the sleepers' g->timer is NULL: timeSleep parks the goroutine "
		  "with its own timer (a nanosleep holds the thread)");
}

/* ---- an idle M waits in epoll_wait, it does not spin ---- */

static int64_t idle_polls;

static void idlepoll_main(void *arg)
{
	(void)arg;
	grt_sleep(10 * MS); /* start-up's Ms settle */
	int64_t n0 = atomic_load(&sched.npoll);
	for (int i = 0; i < 10; i++)
		grt_sleep(20 * MS + i * 100000);
	idle_polls = atomic_load(&sched.npoll) - n0;
}

TEST(idle_poller_sleeps, 1, 20,
     "1 P. The only goroutine sleeps 20 ms, ten times; nothing else happens. How many times does the M call "
     "epoll_wait meanwhile?")
{
	maxprocs("1");
	grt_main(idlepoll_main, NULL);
	CHECK_MSG(idle_polls > 0, "ten sleeps, and no M blocked in netpoll: an M with nothing to do and a timer "
		  "pending blocks in the poller until the timer (blocknetpoll)");
	CHECK_MSG(idle_polls <= 100, "ten sleeps of 20 ms took %lld blocking polls: the M spins instead of waiting "
		  "in epoll_wait (a wait under 1 ms must round up to 1 ms, not down to 0)", (long long)idle_polls);
}

/* ---- timers while the P that holds them is busy ---- */

static ssize_t busy_read[2] = { 1, 1 };
static _Atomic int busy_read_back[2];
static int busy_fds[2][2];

static void busy_reader(void *arg)
{
	int k = (int)(intptr_t)arg;
	char c;
	busy_read[k] = grt_read(busy_fds[k][1], &c, 1);
	atomic_store(&busy_read_back[k], 1);
}

/* An idle P off the idle list, so that no M takes it; NULL if none. */
static struct p *ptake(void)
{
	lock(&sched.lock);
	struct p *pp = pidleget();
	unlock(&sched.lock);
	return pp;
}

static void pgive(struct p *pp)
{
	lock(&sched.lock);
	pidleput(pp);
	unlock(&sched.lock);
}

/* Spin, never yielding (our P stays busy), until *flag or 2 s. */
static bool spinfor(_Atomic int *flag)
{
	for (int64_t t0 = grt_nanotime(); !atomic_load(flag) && grt_nanotime() - t0 < 2000 * MS;)
		__builtin_ia32_pause();
	return atomic_load(flag);
}

static void busy_main(void *arg)
{
	(void)arg;
	int port;
	int lfd = listener(&port, 8);
	connpair(lfd, port, busy_fds[0]);
	connpair(lfd, port, busy_fds[1]);
	/* 1: a reader parks on our P while the other P is out of reach, so
	 * that no M blocks in the poller; the P comes back idle, and we arm
	 * a deadline for the reader and stay busy. */
	struct p *other = NULL;
	for (int64_t t0 = grt_nanotime(); !other && grt_nanotime() - t0 < 2000 * MS; grt_yield())
		other = ptake(); /* a spinning M may hold it a moment */
	CHECK_MSG(other, "the other P never went idle");
	grt_go(busy_reader, (void *)0);
	grt_yield(); /* it runs on our P, and parks */
	bool polling = atomic_load(&sched.lastpoll) == 0;
	pgive(other);
	CHECK_MSG(!polling, "an M blocked in the poller, though no P was free for it");
	grt_set_deadline(busy_fds[0][1], grt_nanotime() + 20 * MS, 0);
	CHECK_MSG(spinfor(&busy_read_back[0]), "a read deadline 20 ms away, set while no M was in the poller, on a P "
		  "that then stayed busy, the other P idle: the read had not ended 2 s later. addtimer must make sure "
		  "an M watches the new timer: with nobody in the poller, an idle M (wakep), which will block in the "
		  "poller until the timer");
	/* 2: an M blocks in the poller with no timeout; we arm a deadline
	 * for a reader, and stay busy. */
	grt_go(busy_reader, (void *)1);
	bool blocked = false;
	for (int64_t t0 = grt_nanotime(); !blocked && grt_nanotime() - t0 < 2000 * MS;) {
		grt_yield();
		blocked = atomic_load(&sched.lastpoll) == 0 && atomic_load(&sched.pollUntil) == 0 &&
			  atomic_load(&sched.nnetwait) == 1;
	}
	CHECK_MSG(blocked, "with a goroutine waiting in grt_read and the other P idle, no M blocked in the poller");
	grt_set_deadline(busy_fds[1][1], grt_nanotime() + 20 * MS, 0);
	CHECK_MSG(spinfor(&busy_read_back[1]), "a read deadline 20 ms away, set while an M was blocked in the poller "
		  "with no timeout and our P stayed busy, had not ended the read 2 s later: addtimer must wake the "
		  "poller (netpollBreak) for a timer earlier than its pollUntil");
	CHECK_MSG(busy_read[0] == -ETIMEDOUT && busy_read[1] == -ETIMEDOUT, "the reads returned %zd and %zd, not "
		  "-ETIMEDOUT", busy_read[0], busy_read[1]);
	for (int k = 0; k < 2; k++) {
		grt_close(busy_fds[k][0]);
		grt_close(busy_fds[k][1]);
	}
	grt_close(lfd);
}

TEST(timers_while_p_busy, 3, 20,
     "2 Ps. A goroutine's timer sits in the heap of a P that then runs a goroutine that never yields. Who runs "
     "the timer: when the other P sleeps, and when an M blocks in the poller with no timeout?")
{
	maxprocs("2");
	grt_main(busy_main, NULL);
}

/* ---- deadlines changed while their timers fire ---- */

#define NCHURN 100000
static _Atomic long churn_done = -1;

static void *churn_watch(void *arg)
{
	(void)arg;
	long last = -2;
	for (int still = 0; still < 2000; still++) {
		long d = atomic_load(&churn_done);
		if (d == NCHURN - 1)
			return NULL;
		if (d != last)
			still = 0, last = d;
		usleep(1000);
	}
	FAIL("grt_set_deadline call %ld of %d had not returned 2 s later, while deadline timers fired on the other "
	     "P: a deadlock? A timer's f (the deadline's takes the pollDesc's lock) must run with the heap's lock "
	     "released, since grt_set_deadline holds the pollDesc's lock when it calls deltimer", last + 1, NCHURN);
}

static void churn_main(void *arg)
{
	(void)arg;
	int port, fds[2];
	int lfd = listener(&port, 8);
	connpair(lfd, port, fds);
	pthread_t w;
	pthread_create(&w, NULL, churn_watch, NULL);
	for (long i = 0; i < NCHURN; i++) {
		int err = grt_set_deadline(fds[1], grt_nanotime() + (i % 64) * 1000, 0);
		if (err)
			FAIL("grt_set_deadline returned %d (%s)", err, strerror(-err));
		atomic_store(&churn_done, i);
	}
	pthread_join(w, NULL);
	grt_close(fds[0]);
	grt_close(fds[1]);
	grt_close(lfd);
}

TEST(deadline_churn, 2, 30,
     "2 Ps. A goroutine sets a deadline 0 to 63 us away, 100,000 times, on an fd nobody reads; the other P's M "
     "runs the timers as they come due. Can the two ever wait for each other?")
{
	maxprocs("2");
	grt_main(churn_main, NULL);
}

/* ---- the poller wakes with goroutines, and every P is busy ---- */

static int nop_fds[2];
static _Atomic int nop_read_back, nop_main_runs;
static grt_wg nop_wake;

static void nop_reader(void *arg)
{
	(void)arg;
	char c;
	if (grt_read(nop_fds[1], &c, 1) == 1)
		atomic_store(&nop_read_back, 1);
}

/* A plain thread: wakes main (who then holds the only P), then makes
 * the reader's fd ready for the M blocked in the poller. */
static void *nop_thread(void *arg)
{
	(void)arg;
	for (int i = 0; !(atomic_load(&sched.lastpoll) == 0 && atomic_load(&sched.nnetwait) == 1); i++) {
		if (i == 2000)
			FAIL("a goroutine waited in grt_read, the other one on a WaitGroup, and after 2 s no M blocked in "
			     "the poller (sched.lastpoll 0, sched.nnetwait 1): blocknetpoll, and the park's count");
		usleep(1000);
	}
	grt_wg_done(&nop_wake);
	while (!atomic_load(&nop_main_runs))
		usleep(100);
	if (write(nop_fds[0], "x", 1) != 1)
		FAIL("write failed");
	return NULL;
}

static void nop_main(void *arg)
{
	(void)arg;
	int port;
	int lfd = listener(&port, 8);
	connpair(lfd, port, nop_fds);
	grt_wg_add(&nop_wake, 1);
	grt_go(nop_reader, NULL);
	pthread_t t;
	pthread_create(&t, NULL, nop_thread, NULL);
	grt_wg_wait(&nop_wake); /* until the poller blocks, and the thread wakes us */
	atomic_store(&nop_main_runs, 1);
	for (int64_t t0 = grt_nanotime(); !atomic_load(&nop_read_back) && grt_nanotime() - t0 < 2000 * MS;)
		grt_yield();
	CHECK_MSG(atomic_load(&nop_read_back), "1 P, held by the main goroutine: the M blocked in the poller woke with "
		  "the reader, found no idle P, and the reader had not run 2 s later: blocknetpoll must put what it "
		  "got on the run queues (injectglist) before the M goes to sleep");
	GRT_SYSCALL(pthread_join(t, NULL));
	grt_close(nop_fds[0]);
	grt_close(nop_fds[1]);
	grt_close(lfd);
}

TEST(poller_finds_no_p, 2, 20,
     "1 P. An M blocks in the poller for a reader; a plain thread wakes the main goroutine, which takes the P, "
     "and then the reader's data arrives. What does the poller's M do with the reader, with no P to run it?")
{
	maxprocs("1");
	grt_main(nop_main, NULL);
}

/* ---- the poller learns of a new timer ---- */

static _Atomic int pw_back;
static int pw_fds[2];
static bool pw_blocked;
static int64_t pw_slept;

static void pw_reader(void *arg)
{
	(void)arg;
	char c;
	grt_read(pw_fds[1], &c, 1);
}

static void pw_main(void *arg)
{
	(void)arg;
	int port;
	int lfd = listener(&port, 8);
	connpair(lfd, port, pw_fds);
	grt_go(pw_reader, NULL);
	/* Until the other P's M blocks in the poller, with no timer: 2 s. */
	for (int64_t t0 = grt_nanotime(); !pw_blocked && grt_nanotime() - t0 < 2000 * MS;) {
		grt_yield();
		pw_blocked = atomic_load(&sched.lastpoll) == 0 && atomic_load(&sched.pollUntil) == 0;
	}
	if (!pw_blocked)
		FAIL("with a goroutine waiting in grt_read and the other P idle, no M blocked in the poller (sched.lastpoll "
		     "stayed non-zero): an M with nothing to do blocks in netpoll when goroutines wait on it "
		     "(blocknetpoll)");
	static struct watchdog w = { .flag = &pw_back, .ms = 3000,
				     .msg = "a 20 ms grt_sleep had not returned 3 s later, while an M was "
					    "blocked in netpoll with no timeout: addtimer must wake it "
					    "(netpollBreak) when the new timer is earlier than its pollUntil" };
	watchdog_start(&w);
	int64_t t0 = grt_nanotime();
	grt_sleep(20 * MS);
	pw_slept = grt_nanotime() - t0;
	atomic_store(&pw_back, 1);
	grt_write(pw_fds[0], "x", 1);
	grt_close(pw_fds[0]);
	grt_close(lfd);
}

TEST(poller_wakes_for_timer, 4, 20,
     "2 Ps. An M blocks in the poller with no timeout (a goroutine waits on an idle connection). Then the "
     "main goroutine sleeps 20 ms. Who runs its timer, and when?")
{
	maxprocs("2");
	grt_main(pw_main, NULL);
	CHECK_MSG(pw_slept >= 20 * MS && pw_slept < 1000 * MS, "a 20 ms sleep took %lld us",
		  (long long)pw_slept / 1000);
}

/* ---- ping-pong: EAGAIN, then park, many times over ---- */

#define NPING 20000
static _Atomic long ping_done = -1;
static int ping_fds[2];
static _Atomic long ping_parked;
static grt_wg ping_wg;

static void *ping_watch(void *arg)
{
	(void)arg;
	struct pollDesc *pd[2] = { pdlookup(ping_fds[0]), pdlookup(ping_fds[1]) };
	long last = -2;
	for (int still = 0; still < 2000; still++) {
		long d = atomic_load(&ping_done);
		if (d == NPING - 1)
			return NULL;
		if (d != last)
			still = 0, last = d;
		for (int k = 0; k < 2; k++)
			if (pd[k] && atomic_load(&pd[k]->rg) > pdWait)
				atomic_fetch_add(&ping_parked, 1);
		usleep(200);
	}
	FAIL("round trip %ld of %d did not come back within 2 s: a wake-up was lost between a read's EAGAIN and its "
	     "park", last + 1, NPING);
}

static void pinger(void *arg)
{
	(void)arg;
	char c = 0;
	for (long r = 0; r < NPING; r++) {
		if (grt_write(ping_fds[0], &c, 1) != 1 || grt_read(ping_fds[0], &c, 1) != 1)
			FAIL("round trip %ld: pinger's write or read failed", r);
		atomic_store(&ping_done, r);
	}
	grt_wg_done(&ping_wg);
}

static void ponger(void *arg)
{
	(void)arg;
	char c;
	for (long r = 0; r < NPING; r++)
		if (grt_read(ping_fds[1], &c, 1) != 1 || grt_write(ping_fds[1], &c, 1) != 1)
			FAIL("round trip %ld: ponger's read or write failed", r);
	grt_wg_done(&ping_wg);
}

static void ping_main(void *arg)
{
	(void)arg;
	int port;
	int lfd = listener(&port, 8);
	connpair(lfd, port, ping_fds);
	pthread_t w;
	pthread_create(&w, NULL, ping_watch, NULL);
	grt_wg_add(&ping_wg, 2);
	grt_go(pinger, NULL);
	grt_go(ponger, NULL);
	grt_wg_wait(&ping_wg);
	pthread_join(w, NULL);
	grt_close(ping_fds[0]);
	grt_close(ping_fds[1]);
	grt_close(lfd);
}

TEST(ping_pong, 3, 60,
     "2 Ps. Two goroutines bounce one byte over a connection 20,000 times: each read finds nothing, then "
     "parks, while the other P writes. Is a wake-up ever lost? Do the readers wait in the poller?")
{
	maxprocs("2");
	grt_main(ping_main, NULL);
	CHECK_MSG(ping_parked > 0, "in 20,000 round trips the watchdog never saw a reader parked in the poller (rg "
		  "holding a G): grt_read waits in pollWait, not in a blocking read");
}

/* ---- guards: waiting on a timer or the network is no deadlock ---- */

static void gd_reader(void *arg)
{
	int *fds = arg;
	char c;
	grt_read(fds[1], &c, 1);
}

static void gd_main(void *arg)
{
	(void)arg;
	int port, fds[2];
	int lfd = listener(&port, 8);
	connpair(lfd, port, fds);
	grt_go(gd_reader, fds);
	grt_sleep(100 * MS); /* every goroutine waits: one on a timer, one on the network */
	grt_write(fds[0], "x", 1);
	grt_sleep(10 * MS);
	grt_close(fds[0]);
	grt_close(fds[1]);
	grt_close(lfd);
}

TEST(waiting_is_no_deadlock, 0, 20,
     "Every goroutine waits: the main one in grt_sleep, another in grt_read. Is that a deadlock? (No: a timer "
     "or the network will wake one.)")
{
	maxprocs("1");
	grt_main(gd_main, NULL);
}
