/*
 * idle.c - many idle keep-alive connections to a server, for counting
 * what they cost it.
 *
 *     cc -O2 -o idle bench/idle.c
 *     idle PORT [N]        N connections to 127.0.0.1:PORT (default 1,000)
 *
 * Opens N connections, sends one small HTTP request on each and waits for
 * the first bytes of each answer, then prints "ready" and holds them all,
 * silent, until its standard input closes.  bench/run then reads the
 * server's threads and resident memory.
 *
 * Why answer once before holding: a connection the kernel completed may
 * still sit in the listener's backlog, not accepted, costing the server
 * nothing yet.  An answer means the server accepted the connection, ran
 * whatever serves it, and went back to waiting for the next request:
 * what an idle keep-alive client costs.  Any answer will do (an echo
 * server sends the request back), so this serves the echo example too.
 *
 * Plain C and blocking calls, no runtime: the client must not be what is
 * measured.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

static const char request[] = "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";

static void die(const char *what, int i, int err)
{
	fprintf(stderr, "idle: connection %d: %s%s%s\n", i, what, err ? ": " : "", err ? strerror(err) : "");
	exit(1);
}

/* N connections need N fds: take all the hard limit allows. */
static void raisenofile(int n)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)n + 16) {
		fprintf(stderr, "idle: %d connections need more fds than RLIMIT_NOFILE allows (%llu)\n", n,
			(unsigned long long)rl.rlim_cur);
		exit(1);
	}
}

static int dial(int port, int i)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket", i, errno);
	/* A server that never answers must not hang the benchmark. */
	struct timeval tv = { .tv_sec = 30 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	if (connect(fd, (struct sockaddr *)&sin, sizeof sin) < 0)
		die("connect", i, errno);
	return fd;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: idle PORT [N]\n");
		return 2;
	}
	int port = atoi(argv[1]), n = argc > 2 ? atoi(argv[2]) : 1000;
	raisenofile(n);
	int *fds = calloc(n, sizeof *fds);
	if (!fds)
		die("calloc", 0, errno);
	/* All connect first, then all ask, then all read: the server sees
	 * them at once, as a thousand clients arriving together. */
	for (int i = 0; i < n; i++)
		fds[i] = dial(port, i);
	for (int i = 0; i < n; i++)
		if (send(fds[i], request, sizeof request - 1, MSG_NOSIGNAL) < 0)
			die("send", i, errno);
	char buf[512];
	for (int i = 0; i < n; i++) {
		ssize_t r = recv(fds[i], buf, sizeof buf, 0);
		if (r <= 0)
			die(r ? "no answer" : "closed without an answer", i, r ? errno : 0);
	}
	printf("ready\n");
	fflush(stdout);
	while (read(0, buf, sizeof buf) > 0)
		;
	return 0;
}
