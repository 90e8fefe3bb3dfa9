/*
 * net.c - the network API: TCP sockets whose waits cost no thread.
 *
 * Every socket the API makes gets a poll descriptor (struct pollDesc) and
 * goes to the poller (lab 5's netpollopen: non-blocking, registered with
 * epoll).  A read is then a loop, as in Go's internal/poll: try the call;
 * if the kernel says EAGAIN, park until the poller says the fd may be
 * ready (pollWait, lab 5), and try again.  A waiting goroutine holds no
 * thread and no P.
 *
 * Without a poller (lab 5 as shipped, where netpollopen says -ENOSYS), or
 * for an fd the API did not make (a file, a pipe), a read is a blocking
 * system call through lab 4's hand-off, as Go does for files: correct,
 * but a thread for every goroutine that waits.  Deadlines need the
 * poller: on such an fd grt_set_deadline says -ENOTSUP.
 *
 * Descriptors live in a table indexed by fd, in chunks that are never
 * freed, so that an event arriving late for a closed fd finds memory that
 * is still a pollDesc.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "runtime.h"

#define PDCHUNK 1024
#define PDCHUNKS 1024 /* fds below 1,048,576: Linux's default hard limit */

static struct pollDesc *_Atomic pdchunks[PDCHUNKS];
static struct mutex pdchunklock;

/* fd's slot in the table, made on first use; NULL past the table. */
static struct pollDesc *pdslot(int fd, bool make)
{
	if (fd < 0 || fd >= PDCHUNK * PDCHUNKS)
		return NULL;
	struct pollDesc *_Atomic *cp = &pdchunks[fd / PDCHUNK];
	struct pollDesc *c = atomic_load(cp);
	if (!c && make) {
		lock(&pdchunklock);
		if (!(c = atomic_load(cp))) {
			if (!(c = calloc(PDCHUNK, sizeof *c)))
				fatal("out of memory for poll descriptors");
			for (int i = 0; i < PDCHUNK; i++)
				c[i].fd = -1;
			atomic_store(cp, c);
		}
		unlock(&pdchunklock);
	}
	return c ? &c[fd % PDCHUNK] : NULL;
}

struct pollDesc *pdlookup(int fd)
{
	struct pollDesc *pd = pdslot(fd, false);
	return pd && pd->fd == fd ? pd : NULL;
}

/* A new socket of the API's: a fresh descriptor, given to the poller,
 * holding the fd's own reference (grt_close drops it). */
static void pdopen(int fd)
{
	struct pollDesc *pd = pdslot(fd, true);
	if (!pd)
		return; /* past the table: blocking calls */
	lock(&pd->lock);
	atomic_store(&pd->rg, pdNil);
	atomic_store(&pd->wg, pdNil);
	atomic_store(&pd->closing, false);
	atomic_store(&pd->closed, false);
	atomic_store(&pd->refs, 1);
	atomic_store(&pd->rd, 0);
	atomic_store(&pd->wd, 0);
	pd->drained = false;
	pd->rseq++;
	pd->wseq++;
	unlock(&pd->lock);
	pd->polled = netpollopen(fd, pd) == 0;
	pd->fd = fd;
}

/*
 * References.  grt_close may come from another goroutine while a read on
 * the same fd is under way.  If it closed the fd at once, the number could
 * be reused at once by a new socket, and the read would go on with that
 * socket, and wait on its descriptor.  So each call holds a reference
 * while it works, and the last one to let go (the call, or grt_close,
 * which drops the fd's own) closes the fd.  Go's fdMutex does the same.
 */
static void pdrelease(struct pollDesc *pd)
{
	if (atomic_fetch_sub(&pd->refs, 1) != 1)
		return;
	int fd = pd->fd;
	if (pd->polled)
		netpollclose(fd);
	pd->fd = -1;
	close(fd);
}

/* fd's descriptor, referenced; NULL for an fd the API did not make.
 * -EBADF in *err if it is being closed. */
static struct pollDesc *pdacquire(int fd, int *err)
{
	*err = 0;
	struct pollDesc *pd = pdlookup(fd);
	if (!pd)
		return NULL;
	atomic_fetch_add(&pd->refs, 1);
	if (atomic_load(&pd->closed)) {
		pdrelease(pd);
		*err = -EBADF;
		return NULL;
	}
	return pd;
}

static void checkg(const char *api)
{
	if (!getg())
		fatal("%s: called outside a goroutine (start the runtime with grt_main)", api);
}

/* Before a try at the call: has the fd been closed, or its deadline
 * passed?  A late call fails even if the fd is ready, as in Go. */
static int pollcheck(struct pollDesc *pd, int mode)
{
	if (atomic_load(&pd->closing))
		return -EBADF;
	if (atomic_load(mode == 'r' ? &pd->rd : &pd->wd) < 0)
		return -ETIMEDOUT;
	return 0;
}

/* Wait for fd to be ready (lab 5's pollWait), saying on what for the
 * dumps and gdb, whatever the lab's code does. */
static int waitfd(struct pollDesc *pd, int mode)
{
	getg()->waitobj = pd;
	int err = pollWait(pd, mode);
	getg()->waitobj = NULL;
	return err;
}

/* ---- addresses ---- */

/* host: a numeric IPv4 or IPv6 address, "localhost", or NULL or "" for
 * any address (listen) or the loopback one (dial).  No name lookup: that
 * would be a blocking call of its own. */
static int sockaddr(const char *host, int port, bool listen, struct sockaddr_storage *ss, socklen_t *len)
{
	if (port < 0 || port > 65535)
		return -EINVAL;
	memset(ss, 0, sizeof *ss);
	struct sockaddr_in *in = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	in->sin_family = AF_INET;
	in->sin_port = htons(port);
	*len = sizeof *in;
	if (!host || !*host) {
		in->sin_addr.s_addr = htonl(listen ? INADDR_ANY : INADDR_LOOPBACK);
		return 0;
	}
	if (!strcmp(host, "localhost")) {
		in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		return 0;
	}
	if (inet_pton(AF_INET, host, &in->sin_addr) == 1)
		return 0;
	memset(ss, 0, sizeof *ss);
	in6->sin6_family = AF_INET6;
	in6->sin6_port = htons(port);
	*len = sizeof *in6;
	return inet_pton(AF_INET6, host, &in6->sin6_addr) == 1 ? 0 : -EINVAL;
}

static int fail(int fd, int err)
{
	close(fd);
	return -err;
}

/* ---- the API ---- */

/* A TCP socket for host and port, with their address in *ss: the fd, or
 * -errno. */
static int tcpsocket(const char *host, int port, bool listen, struct sockaddr_storage *ss, socklen_t *len)
{
	int err = sockaddr(host, port, listen, ss, len);
	if (err)
		return err;
	int fd = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	return fd < 0 ? -errno : fd;
}

int grt_listen_tcp(const char *host, int port, int backlog)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd = tcpsocket(host, port, true, &ss, &len);
	if (fd < 0)
		return fd;
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, backlog) < 0)
		return fail(fd, errno);
	pdopen(fd);
	return fd;
}

/* accept4, waiting in the poller for a connection if pd is polled. */
static int acceptfd(int lfd, struct pollDesc *pd)
{
	bool polled = pd && pd->polled;
	for (;;) {
		int err = polled ? pollcheck(pd, 'r') : 0;
		if (err)
			return err;
		int fd = polled ? accept4(lfd, NULL, NULL, SOCK_CLOEXEC)
				: GRT_SYSCALL(accept4(lfd, NULL, NULL, SOCK_CLOEXEC));
		err = polled ? errno : grt_errno();
		if (fd >= 0)
			return fd;
		if (err == EINTR || err == ECONNABORTED)
			continue;
		if (err != EAGAIN || !polled)
			return -err;
		if ((err = waitfd(pd, 'r')))
			return err;
	}
}

int grt_accept(int lfd)
{
	checkg("grt_accept");
	int err;
	struct pollDesc *pd = pdacquire(lfd, &err);
	if (err)
		return err;
	int fd = acceptfd(lfd, pd);
	if (pd)
		pdrelease(pd);
	if (fd >= 0) {
		int one = 1; /* Go's default: small writes leave at once */
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		pdopen(fd);
	}
	return fd;
}

int grt_dial_tcp(const char *host, int port)
{
	checkg("grt_dial_tcp");
	struct sockaddr_storage ss;
	socklen_t len;
	int err, fd = tcpsocket(host, port, false, &ss, &len);
	if (fd < 0)
		return fd;
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	pdopen(fd);
	struct pollDesc *pd = pdlookup(fd);
	if (!pd || !pd->polled) {
		if (GRT_SYSCALL(connect(fd, (struct sockaddr *)&ss, len)) < 0) {
			err = grt_errno();
			grt_close(fd);
			return -err;
		}
		return fd;
	}
	/* Non-blocking: the connection completes when the fd is writable. */
	if (connect(fd, (struct sockaddr *)&ss, len) < 0) {
		err = errno;
		if (err == EINPROGRESS) {
			socklen_t elen = sizeof err;
			if (!(err = -waitfd(pd, 'w')))
				getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen);
		}
		if (err) {
			grt_close(fd);
			return -err;
		}
	}
	return fd;
}

/* read(2) on a polled fd: try, and on EAGAIN wait in the poller. */
static ssize_t pollread(struct pollDesc *pd, int fd, void *buf, size_t n)
{
	/* A read that returned less than it asked for emptied the socket:
	 * the next one would say EAGAIN, so wait first.  Safe because epoll
	 * reports every arrival of data after that read, edge-triggered or
	 * not: at worst the wait returns at once for data already read, and
	 * the read says EAGAIN as it would have. */
	if (pd->drained) {
		pd->drained = false;
		int err = pollcheck(pd, 'r');
		if (err || (err = waitfd(pd, 'r')))
			return err;
	}
	for (;;) {
		int err = pollcheck(pd, 'r');
		if (err)
			return err;
		ssize_t r = read(fd, buf, n);
		if (r >= 0) {
			pd->drained = r > 0 && (size_t)r < n;
			return r;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			return -errno;
		if ((err = waitfd(pd, 'r')))
			return err;
	}
}

ssize_t grt_read(int fd, void *buf, size_t n)
{
	checkg("grt_read");
	int err;
	struct pollDesc *pd = pdacquire(fd, &err);
	if (err)
		return err;
	ssize_t r;
	if (pd && pd->polled) {
		r = pollread(pd, fd, buf, n);
	} else {
		r = GRT_SYSCALL(read(fd, buf, n));
		if (r < 0)
			r = -grt_errno();
	}
	if (pd)
		pdrelease(pd);
	return r;
}

/* All n bytes: send (write for an fd not the API's), waiting in the
 * poller whenever the socket's buffer is full. */
static ssize_t writeall(struct pollDesc *pd, int fd, const char *buf, size_t n)
{
	bool polled = pd && pd->polled;
	size_t done = 0;
	while (done < n) {
		int err = polled ? pollcheck(pd, 'w') : 0;
		if (err)
			return err;
		/* send, not write, on sockets: a peer that has gone away is
		 * EPIPE, not a SIGPIPE that kills the process. */
		ssize_t r = polled ? send(fd, buf + done, n - done, MSG_NOSIGNAL)
			   : pd	   ? GRT_SYSCALL(send(fd, buf + done, n - done, MSG_NOSIGNAL))
				   : GRT_SYSCALL(write(fd, buf + done, n - done));
		err = polled ? errno : grt_errno();
		if (r >= 0) {
			done += r;
			continue;
		}
		if (err == EINTR)
			continue;
		if (err != EAGAIN || !polled)
			return -err;
		if ((err = waitfd(pd, 'w')))
			return err;
	}
	return n;
}

ssize_t grt_write(int fd, const void *buf, size_t n)
{
	checkg("grt_write");
	int err;
	struct pollDesc *pd = pdacquire(fd, &err);
	if (err)
		return err;
	ssize_t r = writeall(pd, fd, buf, n);
	if (pd)
		pdrelease(pd);
	return r;
}

/* Waiters wake with -EBADF; the fd is closed once the last call on it
 * has let go (at once, if none is under way). */
int grt_close(int fd)
{
	struct pollDesc *pd = pdlookup(fd);
	if (!pd)
		return close(fd) < 0 ? -errno : 0;
	if (atomic_exchange(&pd->closed, true))
		return -EBADF; /* closed twice */
	if (pd->polled)
		pollUnblock(pd);
	pdrelease(pd);
	return 0;
}

/* ---- deadlines ---- */

/* A deadline's timer fired: unless the deadline was changed since (seq),
 * mark it passed and wake the goroutine waiting in that direction. */
static void deadline(struct pollDesc *pd, uintptr_t seq, int mode)
{
	lock(&pd->lock);
	if (seq != (mode == 'r' ? pd->rseq : pd->wseq)) {
		unlock(&pd->lock);
		return;
	}
	atomic_store(mode == 'r' ? &pd->rd : &pd->wd, -1);
	struct g *gp = netpollunblock(pd, mode, false);
	unlock(&pd->lock);
	if (gp)
		goready(gp);
}

static void readdeadline(void *arg, uintptr_t seq)
{
	deadline(arg, seq, 'r');
}

static void writedeadline(void *arg, uintptr_t seq)
{
	deadline(arg, seq, 'w');
}

/* Under pd->lock: replace mode's deadline by at; the goroutine to wake
 * if it is already past. */
static struct g *setdeadline(struct pollDesc *pd, int mode, int64_t at)
{
	bool r = mode == 'r';
	struct timer *t = r ? &pd->rt : &pd->wt;
	uintptr_t seq = r ? ++pd->rseq : ++pd->wseq; /* a timer still running is stale */
	deltimer(t);
	if (at != 0 && at <= grt_nanotime())
		at = -1;
	atomic_store(r ? &pd->rd : &pd->wd, at);
	if (at < 0)
		return netpollunblock(pd, mode, false);
	if (at > 0) {
		*t = (struct timer){ .when = at, .f = r ? readdeadline : writedeadline, .arg = pd, .seq = seq };
		addtimer(t);
	}
	return NULL;
}

int grt_set_deadline(int fd, int64_t read_at, int64_t write_at)
{
	checkg("grt_set_deadline");
	int err;
	struct pollDesc *pd = pdacquire(fd, &err);
	if (!pd)
		return err ? err : -ENOTSUP; /* not a socket of the API's */
	if (!pd->polled) {
		pdrelease(pd);
		return -ENOTSUP;
	}
	lock(&pd->lock);
	/* Not after pollUnblock, which deleted the timers for good. */
	struct g *rg = NULL, *wg = NULL;
	if (!atomic_load(&pd->closing)) {
		rg = setdeadline(pd, 'r', read_at);
		wg = setdeadline(pd, 'w', write_at);
	}
	unlock(&pd->lock);
	if (rg)
		goready(rg);
	if (wg)
		goready(wg);
	pdrelease(pd);
	return 0;
}
