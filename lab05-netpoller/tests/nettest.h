/*
 * nettest.h - what lab 5's tests share: thread counts, loopback
 * connections, the open-file limit, a watchdog.  Do not edit: the grader
 * uses a pristine copy of this folder.
 */
#ifndef NETTEST_H
#define NETTEST_H

#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness.h"
#include "runtime.h"

#define MS (1000 * 1000LL)

static inline void maxprocs(const char *n)
{
	setenv("GRT_MAXPROCS", n, 1);
}

/* The process's threads, from /proc/self/task. */
static inline int nthreads(void)
{
	DIR *d = opendir("/proc/self/task");
	if (!d)
		FAIL("cannot open /proc/self/task");
	int n = 0;
	for (struct dirent *e; (e = readdir(d));)
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

/* What the runtime may use with the poller: a thread per P, sysmon, the
 * thread waiting in grt_main, and one spare M; the test's own threads
 * come on top. */
static inline int threadbound(int extra)
{
	return grt_gomaxprocs() + 3 + extra;
}

/* A listener on a free loopback port; *port says which. */
static inline int listener(int *port, int backlog)
{
	int lfd = grt_listen_tcp("127.0.0.1", 0, backlog);
	if (lfd < 0)
		FAIL("grt_listen_tcp(\"127.0.0.1\", 0) = %d (%s)", lfd, strerror(-lfd));
	struct sockaddr_in a;
	socklen_t len = sizeof a;
	if (getsockname(lfd, (struct sockaddr *)&a, &len) < 0)
		FAIL("getsockname failed");
	*port = ntohs(a.sin_port);
	return lfd;
}

/* A connected pair over loopback, both ends made by the API (from a
 * goroutine): fds[0] dialled, fds[1] accepted. */
static inline void connpair(int lfd, int port, int fds[2])
{
	fds[0] = grt_dial_tcp("127.0.0.1", port);
	if (fds[0] < 0)
		FAIL("grt_dial_tcp = %d (%s)", fds[0], strerror(-fds[0]));
	fds[1] = grt_accept(lfd);
	if (fds[1] < 0)
		FAIL("grt_accept = %d (%s)", fds[1], strerror(-fds[1]));
}

/* Raise the open-file limit to at least n, if the hard limit allows:
 * the number it is now. */
static inline long nofile(long n)
{
	struct rlimit r;
	getrlimit(RLIMIT_NOFILE, &r);
	if ((long)r.rlim_cur < n) {
		r.rlim_cur = (long)r.rlim_max < n && r.rlim_max != RLIM_INFINITY ? r.rlim_max : (rlim_t)n;
		setrlimit(RLIMIT_NOFILE, &r);
		getrlimit(RLIMIT_NOFILE, &r);
	}
	return (long)r.rlim_cur;
}

/* A plain thread that fails the test with msg unless *flag is set within
 * ms milliseconds: a lost wake-up ends with a message, not the grader's
 * timeout.  It reads *w until then: make w static, not the test's local. */
struct watchdog {
	_Atomic int *flag;
	int ms;
	const char *msg;
	pthread_t t;
};

static inline void *watchdog_run(void *arg)
{
	struct watchdog *w = arg;
	for (int i = 0; i < w->ms && !atomic_load(w->flag); i++)
		usleep(1000);
	if (!atomic_load(w->flag))
		FAIL("%s", w->msg);
	return NULL;
}

static inline void watchdog_start(struct watchdog *w)
{
	pthread_create(&w->t, NULL, watchdog_run, w);
	pthread_detach(w->t);
}

#endif
