/*
 * epoll_http.c - lab 5's baseline: the HTTP example's work done by hand,
 * one thread around one epoll loop, no runtime.
 *
 *     cc -O2 -D_GNU_SOURCE -Iexamples/http -o epoll_http bench/epoll_http.c
 *     epoll_http [port]        (default 8080; 0: any free port, the first line says which)
 *
 * What a careful C programmer writes when a thread per connection is too
 * dear: every socket non-blocking, one epoll set, and for each connection
 * the state that a goroutine would keep on its stack (the bytes read but
 * not answered yet, the answer not written yet).  It parses and answers
 * with the same http1.h as examples/http/http.c, so the two differ only in
 * how they wait for the network.
 *
 * Level-triggered, one read per readiness event.  epoll keeps reporting
 * an fd while it has data, so a read that did not fill the buffer needs
 * no second read to find EAGAIN: a request costs a read, a write and a
 * share of one epoll_wait, the fewest system calls there are, which is
 * what a baseline should be.  (Edge-triggered would have to read until
 * EAGAIN; so does a goroutine, which cannot know that the socket is
 * empty before it tries.)
 *
 * An answer the kernel does not take whole waits for EPOLLOUT, and the
 * connection reads nothing meanwhile: a client that pipelines requests
 * without reading the answers cannot make us buffer without bound.
 *
 * Rejected: a thread per connection (what lab 5's stub amounts to), and
 * a pool of threads each with an epoll set (the runtime gets one P here,
 * so the baseline gets one thread).
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http1.h"

enum { INSIZE = 4096, MAXEVENTS = 256 };

struct conn {
	int fd;
	uint32_t events;     /* what epoll watches it for: EPOLLIN or EPOLLOUT */
	bool closing;        /* close once out is written */
	size_t have;         /* in[0..have): read, not answered yet */
	size_t outoff, outn; /* out[outoff..outn): answered, not written yet */
	char in[INSIZE];
	char out[16 * HTTP1_RESPONSE_LEN];
};

static int ep;

static void watch(struct conn *c, uint32_t events)
{
	if (c->events == events)
		return;
	struct epoll_event ev = { .events = events, .data.ptr = c };
	if (epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev) < 0) {
		perror("epoll_http: epoll_ctl");
		exit(1);
	}
	c->events = events;
}

/* Closing the fd takes it out of the epoll set too. */
static void drop(struct conn *c)
{
	close(c->fd);
	free(c);
}

/* Write what is pending, then answer what has been read, until the kernel
 * takes no more (wait until writable) or no complete request is left
 * (wait until readable).  False when the connection is done. */
static bool progress(struct conn *c)
{
	for (;;) {
		while (c->outoff < c->outn) {
			ssize_t r = send(c->fd, c->out + c->outoff, c->outn - c->outoff, MSG_NOSIGNAL);
			if (r >= 0)
				c->outoff += r;
			else if (errno == EAGAIN) {
				watch(c, EPOLLOUT);
				return true;
			} else if (errno != EINTR)
				return false;
		}
		c->outoff = c->outn = 0;
		if (c->closing)
			return false;
		size_t used = http1_answer(c->in, c->have, c->out, sizeof c->out, &c->outn, &c->closing);
		if (!used)
			break;
		memmove(c->in, c->in + used, c->have - used);
		c->have -= used;
	}
	if (c->have == sizeof c->in)
		return false; /* a request header too big for us */
	watch(c, EPOLLIN);
	return true;
}

static bool readable(struct conn *c)
{
	ssize_t r = read(c->fd, c->in + c->have, sizeof c->in - c->have);
	if (r < 0)
		return errno == EAGAIN || errno == EINTR;
	if (r == 0)
		return false;
	c->have += r;
	return progress(c);
}

/* Take every connection waiting in the backlog. */
static void accepting(int lfd)
{
	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno != EAGAIN)
				perror("epoll_http: accept");
			return;
		}
		int one = 1; /* as the runtime and Go do: small answers leave at once */
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		struct conn *c = malloc(sizeof *c);
		if (!c) {
			close(fd);
			continue;
		}
		*c = (struct conn){ .fd = fd, .events = EPOLLIN };
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };
		if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0)
			drop(c);
	}
}

static int listening(int port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
	socklen_t len = sizeof sin;
	int one = 1;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
	    bind(fd, (struct sockaddr *)&sin, sizeof sin) < 0 || listen(fd, SOMAXCONN) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) < 0) {
		perror("epoll_http: listen");
		exit(1);
	}
	printf("epoll_http: listening on port %d\n", ntohs(sin.sin_port));
	fflush(stdout);
	return fd;
}

/* Many connections need many fds: take all the hard limit allows. */
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
	raisenofile();
	int lfd = listening(argc > 1 ? atoi(argv[1]) : 8080);
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL }, evs[MAXEVENTS];
	if ((ep = epoll_create1(EPOLL_CLOEXEC)) < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev) < 0) {
		perror("epoll_http: epoll");
		return 1;
	}
	for (;;) {
		int n = epoll_wait(ep, evs, MAXEVENTS, -1);
		for (int i = 0; i < n; i++) {
			struct conn *c = evs[i].data.ptr;
			if (!c)
				accepting(lfd);
			else if (!(c->events & EPOLLOUT ? progress(c) : readable(c)))
				drop(c);
		}
	}
}
