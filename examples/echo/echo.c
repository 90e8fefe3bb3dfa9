/*
 * echo.c - a TCP echo listener: one goroutine per connection.
 *
 *     make examples SOLUTIONS=1
 *     build/cc-solutions/examples/echo [port]      (default 8000; 0: any free port)
 *
 * Each connection gets a goroutine that reads and writes back, written as
 * if every call blocked, until the client hangs up.  That straight-line
 * code is the point: no callbacks, no state machine, and yet an idle
 * connection costs no thread.  A grt_read with nothing to read parks its
 * goroutine on the netpoller (lab 5) and the thread runs other goroutines;
 * when data arrives, epoll says so and the goroutine is runnable again.
 * A thousand silent clients are a thousand parked goroutines (a page or
 * two of stack each) and one epoll set, on GRT_MAXPROCS threads and a
 * couple more.
 *
 * With lab 5 as shipped, the same program still works, but each read is
 * a blocking system call: lab 4's hand-off frees the P, and the thread
 * stays with the goroutine.  A thousand silent clients are then a
 * thousand threads.  Count them: ls /proc/$(pidof echo)/task | wc -l.
 */
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include "grt.h"

static void serve(void *arg)
{
	int fd = (int)(intptr_t)arg;
	char buf[4096];
	ssize_t n;
	while ((n = grt_read(fd, buf, sizeof buf)) > 0)
		if (grt_write(fd, buf, n) < 0)
			break;
	grt_close(fd);
}

/* The port the listener got: the one asked for, or the kernel's pick
 * for port 0 (a script starting us reads it from our first line). */
static int boundport(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return -1;
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

static void listener(void *arg)
{
	int lfd = grt_listen_tcp(NULL, *(int *)arg, SOMAXCONN);
	if (lfd < 0) {
		fprintf(stderr, "echo: listen: %s\n", strerror(-lfd));
		exit(1);
	}
	printf("echo: listening on port %d\n", boundport(lfd));
	fflush(stdout);
	for (;;) {
		int fd = grt_accept(lfd);
		if (fd >= 0) {
			grt_go(serve, (void *)(intptr_t)fd);
			continue;
		}
		/* Out of fds, say: the next accept would fail at once
		 * again, so pause rather than spin. */
		fprintf(stderr, "echo: accept: %s\n", strerror(-fd));
		grt_sleep(100 * 1000 * 1000);
	}
}

/* A thousand connections need a thousand fds: take all the hard limit
 * allows (the soft limit is often 1,024). */
static void raisenofile(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int main(int argc, char **argv)
{
	int port = argc > 1 ? atoi(argv[1]) : 8000;
	raisenofile();
	return grt_main(listener, &port);
}
