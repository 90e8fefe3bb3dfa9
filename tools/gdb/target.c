/*
 * target.c - a moment of the runtime that tools/gdb/test knows by heart.
 *
 *     cc -g -O0 -rdynamic -Iruntime tools/gdb/target.c build/gdbtest/libgrt.a -pthread -ldl
 *     gdb -ex 'break stop_here' -ex run --args ./a.out [busy | syscall | netpoll]
 *
 * On one P (it sets GRT_MAXPROCS=1), with no time slice ever over (lab 6's
 * preemption would reorder the queues), the main goroutine sets the scene,
 * writes grt_dump_dot's picture to the file $TARGET_DOT (if set), then
 * calls stop_here() while it is still running.  At that moment:
 *
 *   G1        target_main   running on M0 (it called stop_here)
 *   G2-G4     chan_waiter   waiting: chan receive      (in grt_chan_recv)
 *   G5-G6     mutex_waiter  waiting: sync.Mutex.Lock   (in grt_mutex_lock)
 *   G7        wg_waiter     waiting: sync.WaitGroup.Wait
 *   G14-G16   ring_worker   runnable, in P0's local run queue, in order
 *   G17       free          runnable, in P0's runnext: started with libc's
 *                           free, which the executable's symbol table does
 *                           not hold, so it is named by its address
 *   two dead goroutines on P0's free list: G8-G13 (quick) ran and exited,
 *   and G14-G17 reused four of them.
 *
 * `busy` draws a crowded moment instead, for the long-queue cases of the
 * picture: 30 channel receivers and 2 senders waiting, and 300 spawns
 * that overflow the local run queue into the global one.
 *
 * `syscall` draws lab 4's: G2 (reader) blocked in read(2) on M0, whose P
 * sysmon handed to M2, which runs G1; M1 is sysmon.
 *
 * `netpoll` draws lab 5's, stopped in a thread of its own that is not an
 * M (the drawer), once nothing can run:
 *
 *   G1        target_main   waiting: sync.WaitGroup.Wait
 *   G2        net_reader    waiting: IO wait, in grt_read on the accepted
 *                           end (net_fd) of an idle loopback connection,
 *                           which has a read deadline in two hours
 *   G3-G10    net_sleeper   waiting: sleep, G3 for an hour and 7 minutes, each
 *                           next one a minute less: G10 wakes first, in an hour
 *   P0        idle, its heap holding nine timers: the sleepers', the deadline's
 *   M0        blocked in netpoll (epoll_wait) until G10's timer; M1 sysmon
 *
 * The picture draws only the six sleepers that wake first (G10 to G5).
 *
 * After stop_here the drawer exits the process with 0 (nothing could end
 * the sleep sooner).
 *
 * The goroutines' functions are static on purpose (but ring_worker): gdb
 * and the runtime must name them from the symbol table all the same.
 * Afterwards everything is released and the program exits with 0.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "grt.h"
#include "runtime.h"

void ring_worker(void *arg);
void stop_here(void);

static grt_chan *gate;   /* nobody sends: its receivers wait */
static grt_chan *full;   /* nobody receives: its senders wait (busy) */
static grt_mutex mu;     /* held by the main goroutine */
static grt_wg never;     /* its count stays at 1 until the end */
static int busy;
static int pipefd[2];    /* syscall: reader reads it */
static _Atomic int reading;
int net_fd;              /* netpoll: the fd net_reader waits on (the test prints it) */

static void chan_waiter(void *arg)
{
	(void)arg;
	int v;
	grt_chan_recv(gate, &v);
}

static void chan_sender(void *arg)
{
	(void)arg;
	int v = 1;
	grt_chan_send(full, &v);
}

static void mutex_waiter(void *arg)
{
	(void)arg;
	grt_mutex_lock(&mu);
	grt_mutex_unlock(&mu);
}

static void wg_waiter(void *arg)
{
	grt_wg_wait(arg);
}

static void quick(void *arg)
{
	(void)arg;
}

void ring_worker(void *arg)
{
	(void)arg;
}

/* The test's breakpoint: the picture above, with G1 running. */
__attribute__((noinline)) void stop_here(void)
{
	__asm__ volatile("" ::: "memory");
}

/* Every M has written its thread id (the first thing a new M does): the
 * picture names each one's thread, and gdb's, read later, must agree. */
static bool threadsnamed(void)
{
	lock(&sched.lock);
	bool named = true;
	for (struct m *mp = sched.allm; mp; mp = mp->alllink)
		named = named && mp->tid != 0;
	unlock(&sched.lock);
	return named;
}

static void dump(void)
{
	const char *path = getenv("TARGET_DOT");
	if (!path || !*path)
		return;
	FILE *f = fopen(path, "w");
	if (!f) {
		perror(path);
		exit(1);
	}
	grt_dump_dot(f);
	fclose(f);
}

static void reader(void *arg)
{
	char c;
	atomic_store(&reading, 1);
	GRT_SYSCALL(read(pipefd[0], &c, 1));
	grt_wg_done(arg);
}

/* syscall: once the reader is in read(2), we run again only on the M
 * that sysmon's hand-off started: the one P is ours, the reader's M is
 * still in the kernel. */
static void syscall_main(void)
{
	grt_wg wg = { 0 };
	grt_wg_add(&wg, 1);
	if (pipe(pipefd) != 0)
		exit(1);
	grt_go(reader, &wg);
	while (!atomic_load(&reading))
		grt_yield();
	while (getm()->id == 0) /* the reader's M */
		grt_yield();
	dump();
	stop_here();
	if (write(pipefd[1], "x", 1) != 1)
		exit(1);
	grt_wg_wait(&wg);
}

#define HOUR (3600 * 1000000000LL)

static void net_reader(void *arg)
{
	(void)arg;
	char c;
	grt_read(net_fd, &c, 1);
}

#define NSLEEPERS 8

static void net_sleeper(void *arg)
{
	grt_sleep(HOUR + (intptr_t)arg * 60 * 1000000000LL);
}

/* The moment netpoll waits for, read under sched.lock: G1-G10 parked,
 * every timer pending, the one M that is not sysmon blocked in netpoll, and
 * every other M asleep in the M cache, so that the pictures can tell
 * which M polls. */
static bool netpoll_still(void)
{
	bool named = threadsnamed();
	lock(&sched.lock);
	int awake = 0;
	for (struct m *mp = sched.allm; mp; mp = mp->alllink)
		awake += !mp->idle && !mp->mstartfn;
	bool still = named && atomic_load(&sched.lastpoll) == 0 && atomic_load(&sched.nnetwait) == 1 &&
		     atomic_load(&sched.ntimers) == NSLEEPERS + 1 && awake == 1;
	lock(&sched.allglock);
	for (int64_t i = 0; i < sched.allglen && i < NSLEEPERS + 2; i++)
		still = still && readgstatus(sched.allgs[i]) == _Gwaiting;
	unlock(&sched.allglock);
	unlock(&sched.lock);
	return still;
}

static void *drawer(void *arg)
{
	(void)arg;
	while (!netpoll_still())
		usleep(1000);
	dump();
	stop_here();
	exit(0);
}

static void netpoll_main(void)
{
	int lfd = grt_listen_tcp("127.0.0.1", 0, 1);
	struct sockaddr_in sa;
	socklen_t len = sizeof sa;
	if (lfd < 0 || getsockname(lfd, (struct sockaddr *)&sa, &len) != 0)
		exit(1);
	int cfd = grt_dial_tcp("127.0.0.1", ntohs(sa.sin_port));
	net_fd = grt_accept(lfd);
	if (cfd < 0 || net_fd < 0 || grt_set_deadline(net_fd, grt_nanotime() + 2 * HOUR, 0) != 0)
		exit(1);
	grt_wg never = { 0 };
	grt_wg_add(&never, 1);
	grt_go(net_reader, NULL);
	for (intptr_t i = NSLEEPERS - 1; i >= 0; i--)
		grt_go(net_sleeper, (void *)i);
	pthread_t t;
	if (pthread_create(&t, NULL, drawer, NULL) != 0)
		exit(1);
	grt_wg_wait(&never);
}

static void target_main(void *arg)
{
	while (!threadsnamed()) /* sysmon's M may not have run yet */
		usleep(1000);
	if (arg && strcmp(arg, "syscall") == 0) {
		syscall_main();
		return;
	}
	if (arg) {
		netpoll_main();
		return;
	}
	gate = grt_chan_make(sizeof(int), 0);
	full = grt_chan_make(sizeof(int), 0);
	grt_mutex_lock(&mu);
	grt_wg_add(&never, 1);

	int nchan = busy ? 30 : 3;
	for (int i = 0; i < nchan; i++)
		grt_go(chan_waiter, NULL);
	if (busy) {
		for (int i = 0; i < 2; i++)
			grt_go(chan_sender, NULL);
	}
	for (int i = 0; i < 2; i++)
		grt_go(mutex_waiter, NULL);
	grt_go(wg_waiter, &never);
	for (int i = 0; i < 6; i++)
		grt_go(quick, NULL);
	/* To the global queue: everything spawned runs (and parks or exits)
	 * before this goroutine's turn comes again. */
	grt_yield();

	int nring = busy ? 300 : 3;
	for (int i = 0; i < nring; i++)
		grt_go(ring_worker, NULL);
	if (!busy)
		grt_go(free, NULL); /* free(NULL) does nothing */

	dump();
	stop_here();

	grt_chan_close(gate);
	grt_mutex_unlock(&mu);
	grt_wg_done(&never);
}

int main(int argc, char **argv)
{
	setenv("GRT_MAXPROCS", "1", 1);
	/* Lab 6: no time slice ends while the scene is set, or the main
	 * goroutine, preempted, would wait in the global queue while the
	 * spawned ones run. */
	forcePreemptNS = NOPREEMPT;
	busy = argc > 1 && strcmp(argv[1], "busy") == 0;
	const char *scene = argc > 1 && (strcmp(argv[1], "syscall") == 0 || strcmp(argv[1], "netpoll") == 0)
				    ? argv[1]
				    : NULL;
	return grt_main(target_main, (void *)scene);
}
