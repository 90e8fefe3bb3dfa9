/*
 * http.c - "Hello, World!" over keep-alive HTTP/1.1: one goroutine per
 * connection.
 *
 *     make examples SOLUTIONS=1
 *     build/cc-solutions/examples/http [port]      (default 8080; 0: any free port)
 *     wrk -t1 -c100 -d3s http://127.0.0.1:8080/
 *
 * The connection's goroutine reads, answers every complete request it
 * has, and reads again, until the client closes or asks to.  It is
 * written as if each read blocked, and on the netpoller (lab 5) a read
 * with nothing to read parks the goroutine, not the thread: the thread
 * goes on with the next connection that has a request.  So the loop that
 * an event-driven server writes by hand (bench/epoll_http.c: who is
 * readable, what was each connection doing) is the scheduler's, and the
 * benchmark (bench/run, lab 5's table) asks what that costs: how many
 * requests a second on one P, beside that hand-written loop and Go.
 *
 * What a request is, and the answer, are in http1.h, shared with the
 * benchmark's epoll loop.
 */
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include "grt.h"
#include "http1.h"

enum { INSIZE = 4096 };

/* Answer the complete requests in in[0..*have), and move what follows
 * them (a request still arriving) to the front.  False when the
 * connection is done: the client asked to close, or went away. */
static bool respond(int fd, char *in, size_t *have)
{
	char out[16 * HTTP1_RESPONSE_LEN];
	size_t used = 0, n, outn;
	bool closing;
	do {
		n = http1_answer(in + used, *have - used, out, sizeof out, &outn, &closing);
		used += n;
		if (outn && grt_write(fd, out, outn) < 0)
			return false;
	} while (n && !closing);
	memmove(in, in + used, *have - used);
	*have -= used;
	return !closing;
}

static void serve(void *arg)
{
	int fd = (int)(intptr_t)arg;
	char in[INSIZE];
	size_t have = 0;
	ssize_t n;
	/* A request that fills the buffer and is still not over is too big
	 * for us: the connection ends (Go's server would answer 431 first). */
	while (have < sizeof in && (n = grt_read(fd, in + have, sizeof in - have)) > 0) {
		have += n;
		if (!respond(fd, in, &have))
			break;
	}
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
		fprintf(stderr, "http: listen: %s\n", strerror(-lfd));
		exit(1);
	}
	printf("http: listening on port %d\n", boundport(lfd));
	fflush(stdout);
	for (;;) {
		int fd = grt_accept(lfd);
		if (fd >= 0) {
			grt_go(serve, (void *)(intptr_t)fd);
			continue;
		}
		/* Out of fds, say: the next accept would fail at once
		 * again, so pause rather than spin. */
		fprintf(stderr, "http: accept: %s\n", strerror(-fd));
		grt_sleep(100 * 1000 * 1000);
	}
}

/* Many connections need many fds: take all the hard limit allows (the
 * soft limit is often 1,024). */
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
	int port = argc > 1 ? atoi(argv[1]) : 8080;
	raisenofile();
	return grt_main(listener, &port);
}
