/*
 * tsan-workout.c - the scheduler's concurrent paths, for ThreadSanitizer
 * to watch (make tsan runs each workout; tools/tsan).
 *
 *     tsan-workout NAME        idle-after-spawn (2 Ps) | mix (4 Ps) | tree (4 Ps) | net (4 Ps)
 *
 * The labs' tests check what the scheduler does; these make it do the
 * things whose races TSan can see only if they happen often: Ps going
 * idle and waking up, thieves looking at a P while its M gives it back,
 * goroutines moving between threads at every step.  Each checks its own
 * result too (abort on a wrong count), and uses only the public API.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "grt.h"

static void must(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "tsan-workout: %s\n", what);
		abort();
	}
}

/* ---- idle-after-spawn: a thief reads a P's state while its M gives it
 * back.  main spawns a child into its P's runnext and parks; a thread
 * outside the runtime wakes it.  Meanwhile the other M, woken by the
 * spawn, spins and looks at the runnext of main's P, and that P, once
 * the child has run, goes idle. ---- */

#define NIDLE 1000
static grt_wg *_Atomic pending;
static _Atomic int nchild;

static void *waker(void *arg)
{
	(void)arg;
	for (int i = 0; i < NIDLE; i++) {
		grt_wg *wg;
		while (!(wg = atomic_exchange(&pending, NULL)))
			sched_yield();
		grt_wg_done(wg); /* from any thread: grt.h */
	}
	return NULL;
}

static void child(void *arg)
{
	(void)arg;
	atomic_fetch_add(&nchild, 1);
}

static void idle_main(void *arg)
{
	(void)arg;
	for (int i = 0; i < NIDLE; i++) {
		grt_wg wg = { 0 };
		grt_wg_add(&wg, 1);
		grt_go(child, NULL);
		atomic_store(&pending, &wg);
		grt_wg_wait(&wg);
	}
}

static void idle_after_spawn(void)
{
	pthread_t t;
	must(pthread_create(&t, NULL, waker, NULL) == 0, "pthread_create");
	grt_main(idle_main, NULL);
	pthread_join(t, NULL);
	while (atomic_load(&nchild) < NIDLE)
		sched_yield(); /* the last child may still be running */
}

/* ---- mix: spawn and wait, ping-pong on channels, a contended mutex and
 * bursts of spawns, all at once. ---- */

#define NMIX 1500
static long counter; /* guarded by mu: TSan checks that grt_mutex orders it */
static grt_mutex mu;

static void done(void *arg)
{
	grt_wg_done(arg);
}

static void spawnwait(void *arg)
{
	for (int i = 0; i < NMIX; i++) {
		grt_wg wg = { 0 };
		grt_wg_add(&wg, 1);
		grt_go(done, &wg);
		grt_wg_wait(&wg);
	}
	grt_wg_done(arg);
}

struct pingpong {
	grt_chan *ping, *pong;
	grt_wg done;
};

static void ponger(void *arg)
{
	struct pingpong *pp = arg;
	long v;
	while (grt_chan_recv(pp->ping, &v)) {
		v++;
		grt_chan_send(pp->pong, &v);
	}
	grt_wg_done(&pp->done);
}

static void pinger(void *arg)
{
	struct pingpong pp = { grt_chan_make(sizeof(long), 0), grt_chan_make(sizeof(long), 0), { 0 } };
	grt_wg_add(&pp.done, 1);
	grt_go(ponger, &pp);
	for (long i = 0; i < NMIX; i++) {
		long v = i;
		grt_chan_send(pp.ping, &v);
		grt_chan_recv(pp.pong, &v);
		must(v == i + 1, "ping-pong: a value was lost");
	}
	grt_chan_close(pp.ping);
	grt_wg_wait(&pp.done);
	grt_chan_free(pp.ping);
	grt_chan_free(pp.pong);
	grt_wg_done(arg);
}

static void locker(void *arg)
{
	for (int i = 0; i < NMIX / 4; i++) {
		grt_mutex_lock(&mu);
		counter++;
		grt_mutex_unlock(&mu);
		if (i % 16 == 0)
			grt_yield();
	}
	grt_wg_done(arg);
}

static void burst(void *arg)
{
	for (int i = 0; i < NMIX / 20; i++) {
		grt_wg wg = { 0 };
		grt_wg_add(&wg, 20);
		for (int k = 0; k < 20; k++)
			grt_go(done, &wg);
		grt_wg_wait(&wg);
	}
	grt_wg_done(arg);
}

static void mix_main(void *arg)
{
	(void)arg;
	grt_wg wg = { 0 };
	grt_wg_add(&wg, 10);
	for (int i = 0; i < 2; i++) {
		grt_go(spawnwait, &wg);
		grt_go(pinger, &wg);
		grt_go(burst, &wg);
	}
	for (int i = 0; i < 4; i++)
		grt_go(locker, &wg);
	grt_wg_wait(&wg);
	grt_mutex_lock(&mu);
	must(counter == 4 * (NMIX / 4), "mix: the mutex let two goroutines in at once");
	grt_mutex_unlock(&mu);
}

/* ---- tree: goroutines that spawn goroutines, some exiting from deep in
 * their stack, some yielding: every P's queue is a victim. ---- */

#define TREEDEPTH 11 /* 2^12 - 1 goroutines */
static _Atomic int ntree;
static grt_wg treewg;

static void exit_from(int depth)
{
	if (depth > 0)
		exit_from(depth - 1);
	grt_exit();
}

static void node(void *arg)
{
	intptr_t depth = (intptr_t)arg;
	atomic_fetch_add(&ntree, 1);
	if (depth > 0) {
		grt_wg_add(&treewg, 2);
		grt_go(node, (void *)(depth - 1));
		if (depth % 3 == 0)
			grt_yield();
		grt_go(node, (void *)(depth - 1));
	}
	grt_wg_done(&treewg);
	if (depth % 2)
		exit_from(8);
}

static void tree_main(void *arg)
{
	(void)arg;
	grt_wg_add(&treewg, 1);
	grt_go(node, (void *)TREEDEPTH);
	grt_wg_wait(&treewg);
	must(atomic_load(&ntree) == (2 << TREEDEPTH) - 1, "tree: a goroutine ran twice, or never");
}

/* ---- net: the netpoller's paths from every side at once.  Clients echo
 * through a server while their sleeps' timers fire on every P and some
 * readers give up at a deadline: semaphores released by the poller and
 * by timers, from whichever M gets there first; connections closed by
 * one side while the other's goroutine waits. ---- */

#define NNET 40
static int netport;
static grt_wg netwg;
static _Atomic int netbytes;

static void echoer(void *arg)
{
	int fd = (int)(intptr_t)arg;
	char buf[512];
	ssize_t n;
	while ((n = grt_read(fd, buf, sizeof buf)) > 0 && grt_write(fd, buf, n) == n)
		atomic_fetch_add(&netbytes, (int)n);
	grt_close(fd);
}

static void acceptor(void *arg)
{
	int lfd = (int)(intptr_t)arg, fd;
	while ((fd = grt_accept(lfd)) >= 0)
		grt_go(echoer, (void *)(intptr_t)fd);
}

static void netclient(void *arg)
{
	int id = (int)(intptr_t)arg;
	int fd = grt_dial_tcp("127.0.0.1", netport);
	must(fd >= 0, "net: dial failed");
	char out[300], in[300];
	for (int r = 0; r < 50; r++) {
		int len = 1 + (id * 37 + r * 11) % (int)sizeof out;
		memset(out, 'a' + (id + r) % 26, len);
		must(grt_write(fd, out, len) == len, "net: write failed");
		for (int got = 0; got < len;) {
			ssize_t n = grt_read(fd, in + got, len - got);
			must(n > 0, "net: read failed");
			got += n;
		}
		must(memcmp(in, out, len) == 0, "net: echo differs");
		if (r % 10 == id % 10)
			grt_sleep(1000 * (r % 7));
	}
	if (id % 4 == 0) { /* a deadline on an idle read */
		grt_set_deadline(fd, grt_nanotime() + 2000000, 0);
		must(grt_read(fd, in, 1) == -ETIMEDOUT, "net: a deadline did not fire");
	}
	grt_close(fd);
	grt_wg_done(&netwg);
}

static void net_main(void *arg)
{
	(void)arg;
	int lfd = grt_listen_tcp("127.0.0.1", 0, 128);
	must(lfd >= 0, "net: listen failed");
	struct sockaddr_in a;
	socklen_t len = sizeof a;
	must(getsockname(lfd, (struct sockaddr *)&a, &len) == 0, "net: getsockname failed");
	netport = ntohs(a.sin_port);
	grt_go(acceptor, (void *)(intptr_t)lfd);
	grt_wg_add(&netwg, NNET);
	for (int i = 0; i < NNET; i++)
		grt_go(netclient, (void *)(intptr_t)i);
	grt_wg_wait(&netwg);
	must(atomic_load(&netbytes) > 0, "net: nothing was echoed");
}

int main(int argc, char **argv)
{
	/* Two Ps for one thief and one victim; four, on fewer cores, for
	 * threads preempted at any point. */
	if (argc == 2 && strcmp(argv[1], "idle-after-spawn") == 0) {
		setenv("GRT_MAXPROCS", "2", 1);
		idle_after_spawn();
	} else if (argc == 2 && strcmp(argv[1], "mix") == 0) {
		setenv("GRT_MAXPROCS", "4", 1);
		grt_main(mix_main, NULL);
	} else if (argc == 2 && strcmp(argv[1], "tree") == 0) {
		setenv("GRT_MAXPROCS", "4", 1);
		grt_main(tree_main, NULL);
	} else if (argc == 2 && strcmp(argv[1], "net") == 0) {
		setenv("GRT_MAXPROCS", "4", 1);
		grt_main(net_main, NULL);
	} else {
		fprintf(stderr, "usage: %s idle-after-spawn | mix | tree | net\n", argv[0]);
		return 2;
	}
	return 0;
}
