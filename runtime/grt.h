/*
 * grt.h - the public API of the goroutine runtime.
 *
 * Programs and tests include only this header.  Names start with grt_ and
 * never change once released: programs, tests and hidden tests are written
 * against them.  Build any program with
 *
 *     make lib && cc prog.c -Iruntime build/libgrt.a -pthread
 *
 * Errors come back as negative errno values, never through errno: errno is
 * thread-local, and a goroutine may resume on another thread.  Misuse (a
 * NULL argument, a call that may block made outside a goroutine, Go's
 * runtime errors such as a send on a closed channel) stops the program at
 * the call with a message naming it: "fatal error: grt_go: go of nil func
 * value".
 *
 * Goroutines move between threads, and not only at calls.  A goroutine
 * that runs for 10 ms without calling the runtime is preempted: stopped
 * between two of its instructions by a signal (SIGURG), and resumed later,
 * perhaps on another thread (GRT_DEBUG=asyncpreemptoff=1 turns the signal
 * off).  So in a goroutine:
 *  - keep no thread-local state across code that runs long: the address
 *    of a __thread variable, or of errno, that the compiler computed
 *    before a preemption names the old thread's.  Use the runtime's
 *    accessors (grt_goid, grt_errno) and keep per-goroutine state in
 *    your own data;
 *  - do not hold a lock owned by a thread (a pthread mutex, flockfile)
 *    across code that runs long: it may be unlocked by another thread;
 *  - a system call may return EINTR: the signal handler restarts those
 *    that can be restarted (SA_RESTART), not the others (nanosleep,
 *    epoll_wait, ...);
 *  - a goroutine is never stopped inside libc or the runtime, nor in a
 *    system call: only in the program's own code.
 */
#ifndef GRT_H
#define GRT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

/* Start the runtime and run fn(arg) as the main goroutine.  Returns when
 * fn returns, like Go's main; the calling thread only waits.  Goroutines
 * still alive at that moment stay where they are.  May be called again.
 * While it waits, a program in which every goroutine waits and nothing can
 * wake one stops with Go's "all goroutines are asleep - deadlock!"; a
 * thread the runtime did not start counts as able to wake one (the API's
 * waking calls work from any thread), so while one is alive, no report. */
int grt_main(void (*fn)(void *), void *arg);

void grt_go(void (*fn)(void *), void *arg); /* spawn a goroutine (go fn(arg)) */
void grt_yield(void);                       /* runtime.Gosched */
void grt_exit(void);                        /* runtime.Goexit: ends the caller */
void grt_sleep(int64_t ns);
int64_t grt_nanotime(void); /* monotonic clock, in nanoseconds */
int64_t grt_goid(void);     /* the caller's goroutine id; 0 outside goroutines */
int grt_gomaxprocs(void);   /* the number of Ps (GRT_MAXPROCS) */

/* Channels. */
typedef struct grt_chan grt_chan;
grt_chan *grt_chan_make(size_t elemsize, size_t cap); /* cap 0: unbuffered; elemsize 1..64 KiB */
void grt_chan_send(grt_chan *c, const void *elem);    /* on a closed channel: fatal */
bool grt_chan_recv(grt_chan *c, void *elem);          /* false once closed and drained */
void grt_chan_close(grt_chan *c);
void grt_chan_free(grt_chan *c);                      /* NULL: nothing, as free(NULL) */

/* WaitGroup and Mutex: the zero value is ready to use, as in Go:
 *     grt_wg wg = {0};  grt_mutex mu = {0};
 * The fields are the runtime's; do not touch them. */
typedef struct grt_wg {
	_Atomic uint32_t lock;
	int64_t count;
	void *waitq[2];
} grt_wg;

typedef struct grt_mutex {
	_Atomic uint32_t lock;
	uint32_t locked;
	void *waitq[2];
} grt_mutex;

void grt_wg_add(grt_wg *wg, int n);
void grt_wg_done(grt_wg *wg);
void grt_wg_wait(grt_wg *wg);
void grt_mutex_lock(grt_mutex *mu);
void grt_mutex_unlock(grt_mutex *mu);

/* Blocking system calls.  Wrap any call that may block the thread:
 *     n = GRT_SYSCALL(read(fd, buf, len));
 *     if (n < 0 && grt_errno() == EAGAIN) ...
 * so that the scheduler can lend the P to another thread meanwhile.
 * GRT_SYSCALL gives what the call returns.  Its error is grt_errno(), not
 * errno: the goroutine may come back from the call on another thread,
 * whose errno is not the call's (and the compiler may even read the old
 * thread's, having kept errno's address from before the call).
 * grt_exitsyscall saves errno for grt_errno while still on the thread
 * that made the call. */
void grt_entersyscall(void);
void grt_exitsyscall(void);
int grt_errno(void); /* errno of the caller's last GRT_SYSCALL (outside a goroutine: errno) */
#define GRT_SYSCALL(expr)                                                      \
	({                                                                     \
		grt_entersyscall();                                            \
		__typeof__(expr) grt_r_ = (expr);                              \
		grt_exitsyscall();                                             \
		grt_r_;                                                        \
	})

/* TCP.  Errors are negative errno values.  A goroutine that waits for the
 * network holds no thread and no P (lab 5's netpoller; as shipped, and
 * for fds these calls did not make, such as files and pipes, they are
 * blocking system calls, as GRT_SYSCALL makes them).  host: a numeric
 * IPv4 or IPv6 address, "localhost", or NULL for any address (listen) or
 * the loopback one (dial); no name lookup.  Port 0 listens on a free
 * port (getsockname tells which).  Calls that may wait (accept, dial,
 * read, write, set_deadline) must be made from a goroutine.  At most one
 * goroutine at a time may read (or accept from) an fd, and one write to
 * it: a second one waiting is a fatal error (Go's net.Conn takes a lock
 * for that; here the program keeps to it). */
int grt_listen_tcp(const char *host, int port, int backlog); /* fd, or -errno */
int grt_accept(int lfd);                                     /* fd, or -errno */
int grt_dial_tcp(const char *host, int port);                /* fd, or -errno */
ssize_t grt_read(int fd, void *buf, size_t n);        /* bytes, 0 at end of file, or -errno */
ssize_t grt_write(int fd, const void *buf, size_t n); /* all n bytes, or -errno */
int grt_close(int fd);                                /* its waiters wake with -EBADF */
/* Absolute grt_nanotime() values, 0 for none.  A read or write that
 * would wait past its deadline, or begins after it, returns -ETIMEDOUT;
 * so do later ones until the deadline is set again.  -ENOTSUP without
 * the poller (lab 5 as shipped). */
int grt_set_deadline(int fd, int64_t read_at, int64_t write_at);

/* The scheduler's state as a Graphviz graph. */
void grt_dump_dot(FILE *out);

#endif
