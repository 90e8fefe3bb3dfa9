/*
 * figures.c - the handouts' pictures, drawn by the runtime itself.
 *
 *     figures SCENARIO > out.dot
 *
 * Each scenario sets up a moment worth seeing on one P, then calls
 * grt_dump_dot.  `make figures` runs them all and renders the SVGs that
 * the lab READMEs show, so that the pictures never drift from the code.
 */
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "runtime.h"

/* Not static: grt_dump_dot names goroutines by their exported symbols. */
void worker(void *arg);
void waiter(void *arg);
void sleeper(void *arg);
void states(void *arg);
void spawns(void *arg);
void blocker(void *arg);
void spinner(void *arg);
void producer(void *arg);
void syscaller(void *arg);
void hog(void *arg);

void worker(void *arg)
{
	(void)arg;
}

static grt_chan *gate;

void waiter(void *arg)
{
	(void)arg;
	char c;
	grt_chan_recv(gate, &c);
}

void sleeper(void *arg)
{
	grt_wg_wait(arg);
}

/* lab 1: goroutines in every state at once. */
void states(void *arg)
{
	(void)arg;
	static grt_wg never;
	gate = grt_chan_make(1, 0);
	grt_wg_add(&never, 1);
	for (int i = 0; i < 3; i++)
		grt_go(waiter, NULL);
	grt_go(sleeper, &never);
	grt_yield(); /* let them park */
	for (int i = 0; i < 3; i++)
		grt_go(worker, NULL);
	grt_dump_dot(stdout);
}

static int nspawn;

/* lab 2: the run queue after nspawn spawns. */
void spawns(void *arg)
{
	(void)arg;
	for (int i = 0; i < nspawn; i++)
		grt_go(worker, NULL);
	grt_dump_dot(stdout);
}

/* lab 3: a steal, before and after, on 2 Ps.  blocker keeps P1 busy
 * while main fills P0's queue with ten spinners; then blocker returns, and
 * P1's M, finding nothing of its own, steals half of P0's ring. */
static _Atomic int running, release, blocked, unblock;

void blocker(void *arg)
{
	(void)arg;
	atomic_store(&blocked, 1);
	while (!atomic_load(&unblock))
		;
}

void spinner(void *arg)
{
	(void)arg;
	atomic_fetch_add(&running, 1);
	while (!atomic_load(&release))
		;
}

static bool after;

void producer(void *arg)
{
	(void)arg;
	grt_go(blocker, NULL);
	while (!atomic_load(&blocked)) /* until another M stole it */
		;
	for (int i = 0; i < 10; i++)
		grt_go(spinner, NULL);
	if (after) {
		atomic_store(&unblock, 1);
		while (!atomic_load(&running)) /* until the thief runs one */
			;
	}
	grt_dump_dot(stdout);
	atomic_store(&unblock, 1);
	atomic_store(&release, 1);
}

/* lab 4: a goroutine blocks in read(2) on one P, with three goroutines
 * queued behind it.  0: just inside the call, the P left in _Psyscall
 * (drawn by the goroutine itself, between entersyscall and exitsyscall,
 * again until sysmon did not act in the middle of the picture); 1: sysmon
 * has handed the P to another M, which runs a hog; 2: the read is over,
 * the P is still busy, so the goroutine waits in the global queue and its
 * M sleeps in the M cache.  Moments 1 and 2 are drawn by a plain thread. */
static int moment, pipefd[2];
static _Atomic int hogging, hogstop;
static struct m *callm;

void hog(void *arg)
{
	(void)arg;
	atomic_store(&hogging, 1);
	while (!atomic_load(&hogstop))
		;
}

static bool drawinsyscall(struct p *pp)
{
	char *buf;
	size_t len;
	FILE *f = open_memstream(&buf, &len);
	uint32_t tick = pp->syscalltick;
	entersyscall();
	grt_dump_dot(f);
	bool still = atomic_load(&pp->status) == _Psyscall && pp->syscalltick == tick;
	exitsyscall();
	fclose(f);
	if (still)
		fwrite(buf, 1, len, stdout);
	free(buf);
	return still;
}

static void *drawer(void *arg)
{
	(void)arg;
	while (!atomic_load(&hogging))
		usleep(1000);
	if (moment == 2) {
		if (write(pipefd[1], "x", 1) != 1)
			exit(1);
		for (bool idle = false; !idle; usleep(1000)) {
			lock(&sched.lock);
			idle = callm->idle && sched.runqsize == 1;
			unlock(&sched.lock);
		}
	}
	usleep(10000);
	grt_dump_dot(stdout);
	exit(0);
}

void syscaller(void *arg)
{
	(void)arg;
	callm = getm();
	for (int i = 0; i < 3; i++)
		grt_go(i == 0 ? hog : worker, NULL);
	if (moment == 0) {
		while (!drawinsyscall(getm()->p))
			;
		exit(0);
	}
	pthread_t t;
	if (pipe(pipefd) != 0 || pthread_create(&t, NULL, drawer, NULL) != 0)
		exit(1);
	char c;
	GRT_SYSCALL(read(pipefd[0], &c, 1));
}

/* lab 5: G1 reads a loopback connection on which nothing has arrived,
 * with three goroutines queued behind it.  0: just before the read (G1
 * draws); 1: G1 parked on the fd, the netpoller watching it, P0 running
 * the writer, no thread held for G1 (the writer draws); 2: the writer
 * has sent a byte, and the poller (sysmon's, as P0 never runs dry) has
 * put G1 back on the global run queue (the writer draws once it is
 * there).  The connection is made before the others are spawned, so that
 * its waits (dial, accept) leave no trace in the queues. */
static int netfd[2]; /* the dialled end, the accepted end */

void reader(void *arg);
void writer(void *arg);

static int connectpair(void)
{
	int lfd = grt_listen_tcp("127.0.0.1", 0, 1);
	struct sockaddr_in sa;
	socklen_t len = sizeof sa;
	if (lfd < 0 || getsockname(lfd, (struct sockaddr *)&sa, &len) != 0)
		return -1;
	netfd[0] = grt_dial_tcp("127.0.0.1", ntohs(sa.sin_port));
	netfd[1] = grt_accept(lfd);
	grt_close(lfd);
	return netfd[0] < 0 || netfd[1] < 0 ? -1 : 0;
}

void writer(void *arg)
{
	(void)arg;
	if (moment == 2) {
		if (grt_write(netfd[0], "x", 1) != 1)
			exit(1);
		while (atomic_load(&sched.runqsize) == 0) /* until the poller readies G1 */
			;
	}
	grt_dump_dot(stdout);
	exit(0);
}

void reader(void *arg)
{
	(void)arg;
	if (connectpair() != 0)
		exit(1);
	for (int i = 0; i < 3; i++)
		grt_go(i < 2 ? worker : writer, NULL);
	if (moment == 0) {
		grt_dump_dot(stdout);
		exit(0);
	}
	char c;
	grt_read(netfd[1], &c, 1);
	exit(1); /* the writer ends the program first */
}

int main(int argc, char **argv)
{
	setenv("GRT_MAXPROCS", "1", 1);
	forcePreemptNS = NOPREEMPT; /* lab 6: a preemption would reorder the queues drawn */
	const char *s = argc == 2 ? argv[1] : "";
	if (strcmp(s, "lab01-states") == 0)
		return grt_main(states, NULL);
	if (strncmp(s, "lab04-syscall-", 14) == 0) {
		moment = strcmp(s, "lab04-syscall-before") == 0 ? 0 : strcmp(s, "lab04-syscall-handoff") == 0 ? 1 : 2;
		return grt_main(syscaller, NULL);
	}
	if (strncmp(s, "lab05-netpoll-", 14) == 0) {
		closefrom(3); /* the picture shows an fd: the same number in every run */
		moment = strcmp(s, "lab05-netpoll-before") == 0 ? 0 : strcmp(s, "lab05-netpoll-parked") == 0 ? 1 : 2;
		return grt_main(reader, NULL);
	}
	if (strncmp(s, "lab03-steal-", 12) == 0) {
		setenv("GRT_MAXPROCS", "2", 1);
		after = strcmp(s, "lab03-steal-after") == 0;
		return grt_main(producer, NULL);
	}
	nspawn = strcmp(s, "lab02-runnext") == 0 ? 4
	       : strcmp(s, "lab02-full") == 0	 ? 257
	       : strcmp(s, "lab02-spill") == 0	 ? 258
						 : 0;
	if (nspawn)
		return grt_main(spawns, NULL);
	fprintf(stderr, "usage: figures lab01-states | lab02-runnext | lab02-full | lab02-spill | "
			"lab03-steal-before | lab03-steal-after | lab04-syscall-before | lab04-syscall-handoff | "
			"lab04-syscall-back | lab05-netpoll-before | lab05-netpoll-parked | lab05-netpoll-ready\n");
	return 2;
}
