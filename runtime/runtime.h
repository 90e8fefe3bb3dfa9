/*
 * runtime.h - the runtime's internals: struct g, m, p and sched.
 *
 * For runtime/ and the labs' files only; programs include grt.h.
 * The names are Go's (src/runtime/runtime2.go, proc.go), so that this file
 * reads beside Go's.  Prototypes are grouped by the file that defines them.
 *
 * Lock order: a channel's or a sync object's lock, then sched.lock, then
 * sched.allglock.  Never hold a lock across a switch (gogo), except the one
 * handed to gopark, which the scheduler releases on g0 once the goroutine's
 * registers are saved.
 */
#ifndef GRT_RUNTIME_H
#define GRT_RUNTIME_H

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdnoreturn.h>
#include <ucontext.h>

#include "asm.h"
#include "grt.h"

/* ---- lock_futex.c: mutual exclusion and one-shot sleep/wake-up ---- */

/* A lock for the runtime's short critical sections; zero is unlocked. */
struct mutex {
	_Atomic uint32_t key; /* 0 unlocked, 1 locked, 2 locked with sleepers */
};
void lock(struct mutex *l);
void unlock(struct mutex *l);
bool lockfor(struct mutex *l, int64_t ns); /* lock, or give up after ns */

/* A note is a one-shot event: one thread sleeps until another wakes it.
 * noteclear re-arms it; only then may it be slept on again. */
struct note {
	_Atomic uint32_t key; /* 0 not yet, 1 woken */
};
void noteclear(struct note *n);
void notesleep(struct note *n);
void notewakeup(struct note *n);

/* ---- the switch (lab 1) ---- */

/*
 * gobuf: the registers of a goroutine that is not running.  A user-space
 * switch is an ordinary function call, so the caller has already saved
 * every caller-saved register it cares about: only the callee-saved ones
 * (SysV x86-64: rbx, rbp, r12-r15), the stack pointer, the resume address,
 * and the two control words the ABI says are callee-saved (MXCSR's
 * rounding and exception masks, the x87 control word) need a home.
 * Assembly addresses the fields by the GOBUF_* offsets of asm.h; the
 * asserts below keep the two in step.
 */
struct gobuf {
	uint64_t sp;     /* 0x00 stack pointer after the return from gogo */
	uint64_t pc;     /* 0x08 where to resume */
	uint64_t bx;     /* 0x10 */
	uint64_t bp;     /* 0x18 */
	uint64_t r12;    /* 0x20 */
	uint64_t r13;    /* 0x28 */
	uint64_t r14;    /* 0x30 */
	uint64_t r15;    /* 0x38 */
	uint32_t mxcsr;  /* 0x40 SSE control and status */
	uint16_t fpucw;  /* 0x44 x87 control word */
	uint16_t pad;
};
_Static_assert(offsetof(struct gobuf, sp) == GOBUF_SP, "asm.h");
_Static_assert(offsetof(struct gobuf, pc) == GOBUF_PC, "asm.h");
_Static_assert(offsetof(struct gobuf, bx) == GOBUF_BX, "asm.h");
_Static_assert(offsetof(struct gobuf, bp) == GOBUF_BP, "asm.h");
_Static_assert(offsetof(struct gobuf, r12) == GOBUF_R12, "asm.h");
_Static_assert(offsetof(struct gobuf, r13) == GOBUF_R13, "asm.h");
_Static_assert(offsetof(struct gobuf, r14) == GOBUF_R14, "asm.h");
_Static_assert(offsetof(struct gobuf, r15) == GOBUF_R15, "asm.h");
_Static_assert(offsetof(struct gobuf, mxcsr) == GOBUF_MXCSR, "asm.h");
_Static_assert(offsetof(struct gobuf, fpucw) == GOBUF_FPUCW, "asm.h");

/* Initial control words of a new goroutine: the values the ABI requires
 * at process start (all exceptions masked, round to nearest). */
#define MXCSR_DEFAULT 0x1f80
#define FPUCW_DEFAULT 0x037f

/* lab01 gogo.S: save the caller's registers in *save, load *load, and
 * continue where *load was saved.  Returns when someone loads *save. */
void gogo(struct gobuf *save, struct gobuf *load);
/* lab01 gogo.S: the first code a new goroutine runs (see gostartcall). */
void goentry(void);
/* lab01 gostartcall.c: make buf start fn(arg) on the stack [lo, hi). */
void gostartcall(struct gobuf *buf, void *lo, void *hi, void (*fn)(void *), void *arg);

/* ---- proc.c: G, M, P and the scheduler ---- */

/* Goroutine states (Go's runtime2.go).  Who may move a G out of each one: */
enum {
	_Gidle,     /* just allocated, not yet initialized */
	_Grunnable, /* on a run queue; not running; its stack is nobody's */
	_Grunning,  /* running on an M that holds a P; owns its stack */
	_Gsyscall,  /* in a blocking system call; owns its M, not a P */
	_Gwaiting,  /* parked (gopark) on a wait queue; goready moves it on */
	_Gdead,     /* exited; on a free list with its stack, to be reused */
};

/* Why a _Gwaiting goroutine waits (for info goroutines and the dumps). */
enum waitreason {
	waitReasonZero,
	waitReasonChanSend,
	waitReasonChanRecv,
	waitReasonSyncMutexLock,
	waitReasonSyncWaitGroupWait,
	waitReasonSleep,
	waitReasonIOWait,
	waitReasonMax,
};
extern const char *const waitReasonStrings[waitReasonMax];

struct stack {
	uintptr_t lo, hi; /* usable bytes [lo, hi), hi 16-byte aligned */
	bool guarded;     /* a PROT_NONE guard lies just below lo; if not, a
	                   * canary zone does (stack.c) */
};

struct g {
	struct gobuf sched;    /* saved registers while not running */
	struct stack stack;
	int64_t goid;
	_Atomic uint32_t atomicstatus; /* _G* */
	enum waitreason waitreason;
	void (*startfn)(void *);       /* for dumps, gdb and messages */
	struct g *schedlink;           /* next on a run queue, a wait queue (a
	                                * parked G is on no run queue) or a
	                                * free list */
	struct m *m;                   /* the M running it, or NULL */
	/* While parked on a channel or sync object (chan.c, sync.c): */
	void *waitelem;  /* chan: where to copy the element to or from */
	bool waitok;     /* chan: woken by a matching operation, not a close */
	void *waitobj;   /* what it waits on, for the dumps */
	void *racectx;   /* its ThreadSanitizer fiber; NULL without TSan (race.h) */
	int syscallerr;  /* errno after its last system call, read on the thread
	                  * that made it (grt_errno) */
	struct timer *timer; /* grt_sleep's timer, made at its first sleep (lab 5) */
	/* Preemption (lab 6).  preempt: sysmon asks it to stop, at the next
	 * API call (cooperative) or safe point (a signal); cleared whenever
	 * it is scheduled.  npreempt: how many times a signal stopped it. */
	_Atomic bool preempt;
	_Atomic int64_t npreempt;
};

struct m {
	struct g *g0;        /* runs the scheduler, on the thread's own stack */
	struct g *_Atomic curg; /* the goroutine running now, or NULL (sysmon reads it: lab 6) */
	struct p *p;         /* the attached P, or NULL */
	struct p *nextp;     /* the P handed over by startm before a wake-up */
	int64_t id;
	int tid;             /* the kernel's thread id, for gdb and dumps */
	pthread_t thread;
	struct note park;    /* sleeps here while idle (stopm) */
	struct m *schedlink; /* next on sched.midle */
	struct m *alllink;   /* next on sched.allm */
	struct p *oldp;      /* the P it left in _Psyscall when its goroutine entered
	                      * a system call, to take back on the way out (lab 4) */
	uint32_t syscalltick; /* oldp's syscalltick then (the pictures and gdb: if it
	                       * has changed since, oldp was retaken) */
	void (*mstartfn)(void); /* runs instead of the scheduler (sysmon), or NULL */
	bool spinning;       /* looking for work (lab 3) */
	bool idle;           /* asleep on park */
	/* The action mcall asks g0 to perform once curg's registers are saved,
	 * and, for gopark, the lock to release then. */
	void (*mcallfn)(struct g *);
	bool (*waitunlockf)(struct g *, void *);
	void *waitlock;
	void *altstack;      /* signal stack: a stack overflow handler needs one */
	int32_t locks;       /* runtime locks held (lock_futex.c): no preemption while > 0 */
	sigset_t sigmask;    /* its thread's usual signal mask (signal.c) */
	_Atomic uint32_t preemptGen; /* preemption signals it handled (lab 6) */
};

enum { _Pidle, _Prunning, _Psyscall, _Pdead };

#define RUNQSIZE 256

struct p {
	int32_t id;
	_Atomic uint32_t status; /* _P*; atomic: thieves read it unlocked, as a hint (runqgrab) */
	struct m *_Atomic m; /* the M that holds it, or NULL (sysmon reads it: lab 6) */
	struct p *link;    /* next on sched.pidle */
	_Atomic uint32_t schedtick; /* +1 per new time slice (not for runnext); sysmon reads it */
	/* The local run queue (lab 2): a ring read by thieves without a lock. */
	_Atomic uint32_t runqhead;
	_Atomic uint32_t runqtail;
	struct g *_Atomic runq[RUNQSIZE];
	struct g *_Atomic runnext; /* runs next, inheriting the time slice */
	_Atomic uint32_t syscalltick; /* +1 per system call it leaves, or is retaken from (lab 4) */
	struct sysmontick {  /* what sysmon saw at its last look (retake; lab 6) */
		uint32_t schedtick, syscalltick;
		int64_t schedwhen, syscallwhen; /* when it first saw those ticks */
	} sysmontick;
	/* Dead Gs with their stacks, owned by this P (no lock needed). */
	struct g *gfree;
	int32_t gfreecnt;
	/* Timers (lab 5): a min-heap on when, added to by the goroutines that
	 * run on this P, run by whichever M looks first (timerslock). */
	struct mutex timerslock;
	struct timer **timers;
	int32_t ntimers, timerscap;
	_Atomic int64_t timer0When; /* timers[0]->when, or 0: read without the lock */
};

/* A FIFO of goroutines linked through schedlink. */
struct gqueue {
	struct g *head, *tail;
};

struct schedt {
	struct mutex lock; /* guards everything below unless said otherwise */

	struct m *midle;  /* idle Ms, asleep on their park notes */
	int32_t nmidle;
	int64_t mnext;    /* the next M id */
	struct m *allm;   /* every M ever made; never shrinks */
	_Atomic int32_t mcount;
	int32_t maxmcount; /* GRT_MAXTHREADS: more Ms than this is fatal */

	struct p *pidle;  /* idle Ps */
	_Atomic int32_t npidle;
	_Atomic int32_t nmspinning; /* Ms with spinning set (lab 3) */
	_Atomic int32_t needspinning; /* work found, no idle P: an M giving up its P must spin (lab 3) */
	_Atomic int64_t nstartm;    /* startm calls: Ms put to work (for tests, bench) */
	_Atomic int64_t nsteal;     /* goroutines findrunnable got by stealing */

	_Atomic int32_t sysmonwait; /* sysmon sleeps on sysmonnote: every P was idle */
	struct note sysmonnote;

	struct gqueue runq; /* the global run queue */
	_Atomic int32_t runqsize;

	struct g *gfree;    /* dead Gs beyond the per-P caches */
	_Atomic int32_t ngfree;

	_Atomic int64_t goidgen;

	struct mutex allglock; /* guards allgs */
	struct g **allgs;      /* every G ever made, for dumps and gdb */
	int64_t allglen, allgcap;

	/*
	 * Deadlock detection (deadlock.c).  checkdead runs when the last M
	 * goes idle and reports a deadlock only if nothing says a goroutine
	 * may still run again.  The ways one may, and who keeps each:
	 *  - a G in a system call: its M is busy, never on midle (lab 4 hands
	 *    off the P, never the M), and the scan of allgs sees _Gsyscall;
	 *  - sysmon (lab 4): an M that runs no goroutine; count it in nmsys;
	 *  - a pending timer, a parked network wait (lab 5): ntimers, nnetwait
	 *    (an M blocked in netpoll is not idle either, as in Go);
	 *  - a thread outside the runtime: counted from the OS (deadlock.c);
	 *    a thread of our own that is not an M goes in nsysthreads.
	 */
	int32_t nmainwait;        /* grt_main calls waiting for their main goroutine */
	int32_t nmsys;            /* lab 4: Ms that run no goroutines (sysmon): not counted as running */
	int32_t nsysthreads;      /* threads of the runtime that are not Ms (trace.c's printer) */
	_Atomic int32_t ntimers;  /* lab 5: pending timers (a goroutine in grt_sleep) */
	_Atomic int32_t nnetwait; /* lab 5: goroutines parked on the netpoller */

	/* The netpoller (lab 5).  lastpoll is 0 while an M blocks in netpoll
	 * (so at most one does), else when someone last polled (sysmon polls
	 * when that is over 10 ms ago).  pollUntil: when the blocked M will
	 * wake by itself, 0 for never. */
	_Atomic int64_t lastpoll;
	_Atomic int64_t pollUntil;
	_Atomic int64_t npoll;    /* netpoll calls that waited in epoll_wait (tests, bench) */

	/* Preemption (lab 6), for tests, the bench and the pictures. */
	_Atomic int64_t npreempt;      /* goroutines stopped by asyncPreempt */
	_Atomic int64_t npreemptcoop;  /* goroutines stopped at an API call (preemptcheck) */
};

extern struct schedt sched;
extern struct p **allp;
extern int32_t gomaxprocs;

struct m *getm(void); /* the current thread's M, or NULL: never cached */
struct g *getg(void); /* the goroutine running on this thread, or NULL */
uint32_t readgstatus(struct g *gp);
void casgstatus(struct g *gp, uint32_t from, uint32_t to);
void mcall(void (*fn)(struct g *));
/* Park the caller; on g0, once its registers are saved, commit(gp, arg)
 * runs (releasing the lock that guards gp's wait queue).  If commit
 * returns false the goroutine does not park: it runs again at once. */
void gopark(bool (*commit)(struct g *gp, void *arg), void *arg, enum waitreason reason);
void goready(struct g *gp); /* ready(gp, true) */
/* On g0: the preempted goroutine gp goes to the tail of the global run
 * queue, as a yield does (lab 6). */
void gopreempt_m(struct g *gp);
/* What every API call that may switch checks: if sysmon asked the caller
 * to stop (g->preempt), yield now.  Outside a goroutine, nothing. */
void preemptcheck(void);
void ready(struct g *gp, bool next);
void newproc(void (*fn)(void *), void *arg);
noreturn void goexit1(void);
noreturn void goexit_badreturn(void); /* what returns past a first frame hits */
void gqueue_push(struct gqueue *q, struct g *gp);
struct g *gqueue_pop(struct gqueue *q);
void globrunqput(struct g *gp);
/* Make q's parked goroutines runnable, on the global queue, and put an
 * idle P to work for them.  Any thread; no lock held. */
void injectglist(struct gqueue *q);
/* The P and M helpers the labs share (Go's names).  sched.lock held for
 * pidleput, pidleget and pidlegetSpinning; none for the others. */
void pidleput(struct p *pp);
struct p *pidleget(void);
struct p *pidlegetSpinning(void); /* pidleget, for work found: NULL raises needspinning */
void acquirep(struct m *mp, struct p *pp);
struct p *releasep(struct m *mp);
void startm(struct p *pp, bool spinning);
/* A new thread: it runs fn if not NULL (an M with no P, as sysmon), else
 * the scheduler with pp.  Past GRT_MAXTHREADS Ms, fatal. */
void newm(void (*fn)(void), struct p *pp, bool spinning);
/* Sleep until startm hands mp a P, which mp then holds.  No lock held. */
void stopm(struct m *mp);
bool runqempty(struct p *pp); /* nothing in pp's ring or runnext; any thread */
uint32_t cheaprand(void);     /* a random number; g0 or plain threads only */
noreturn void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* What a lab's shipped stub calls: stop with a message naming the file to edit. */
noreturn void stub_abort(const char *labdir, const char *file, const char *what);

/* ---- lab02 runq.c: run queues ---- */
/* Put gp on pp's queue; next: gp was made runnable by the running
 * goroutine and should run next.  Only pp's owner may call it. */
void runqput(struct p *pp, struct g *gp, bool next);
/* The next goroutine from pp's own queue; *inheritTime is set when it
 * comes from runnext and so shares the current time slice. */
struct g *runqget(struct p *pp, bool *inheritTime);
/* Up to max (0: no limit) goroutines from the global queue: one to run
 * now, the rest moved to pp's queue.  sched.lock must be held. */
struct g *globrunqget(struct p *pp, int32_t max);
/* Where findrunnable looks first: the queues a P may use without
 * stealing (the local one, the global one, and in which order). */
struct g *findqueued(struct p *pp, bool *inheritTime);

/* ---- lab03 steal.c: work stealing and spinning Ms ---- */
/* Grab about half of pp's goroutines into batch, a ring of RUNQSIZE slots
 * (the thief's runq), from index batchhead on; stealRunNextG: take pp's
 * runnext if its ring is empty.  Returns how many it grabbed. */
uint32_t runqgrab(struct p *pp, struct g *_Atomic *batch, uint32_t batchhead, bool stealRunNextG);
/* Steal half of p2's goroutines into pp's ring (pp's owner calls it, with
 * pp's ring empty); returns one of them to run, or NULL. */
struct g *runqsteal(struct p *pp, struct p *p2, bool stealRunNextG);
/* Up to four rounds over every other P, in a random order: a goroutine
 * stolen for pp, or NULL. */
struct g *stealWork(struct p *pp);
/* findrunnable's step 3: become spinning if few enough Ms spin, and steal. */
struct g *trysteal(struct m *mp, struct p *pp);
/* findrunnable's step 5, after mp gave back its P: stop spinning, then
 * look at every queue once more; true if mp took a P back to run the work
 * it saw (spinning again). */
bool dropspinning(struct m *mp);
/* mp was spinning and found work: stop spinning; the last spinner wakes
 * another M. */
void resetspinning(struct m *mp);
/* Someone made a goroutine runnable: put an idle P to work, if useful. */
void wakep(void);

/* ---- stack.c: goroutine stacks ---- */
#define STACKSIZE (64 * 1024)
#define STACK_CANARY 0x57ac4ca9a21e5eedULL
void stackinit(void);
struct stack stackalloc(void);
/* Fatal unless gp's stack is intact and its saved sp inside it; called at
 * every switch back to g0 (yield, park, exit). */
void stackcheck(const struct g *gp);
struct stackstats {
	_Atomic int64_t nmmap;    /* mmap calls made for stacks */
	_Atomic int64_t nguarded; /* stacks handed out with a guard page */
	_Atomic int64_t nslab;    /* stacks handed out from slabs */
	int64_t guardbudget;      /* how many guarded stacks may exist */
};
extern struct stackstats stackstats;

/* ---- signal.c: faults on goroutine stacks; the preemption signal ---- */
void siginit(void);
void minitsignals(struct m *mp);
/* The signal that preempts, Go's choice (see signal.c). */
#define sigPreempt SIGURG
/* Send sig to mp's thread. */
void signalM(struct m *mp, int sig);
/* Code addresses [lo, hi).  programtext: the executable's own code (the
 * program, its tests); runtimetext: the runtime's and the labs', which the
 * build puts in a section of its own (grt_text).  The rest (libc, the
 * dynamic linker, the vDSO) is neither. */
struct textrange {
	uintptr_t lo, hi;
};
extern struct textrange programtext, runtimetext;

/* ---- lab04 syscall.c: system calls hand off the P ---- */
/* The calling goroutine enters a system call that may block: its M keeps
 * it, and leaves its P in _Psyscall for it to take back, or for sysmon to
 * retake.  Called on the goroutine's stack; gp and its M are the caller's. */
void entersyscall(void);
/* The same, for a call known to block: hand off the P at once. */
void entersyscallblock(void);
/* Back from the system call: take back the old P if it is still in
 * _Psyscall, else an idle one; else queue the goroutine and park the M.
 * Returns running, perhaps on another M. */
void exitsyscall(void);
/* Give pp, taken from a blocked M, to an M that will use it, or to the
 * idle list if there is nothing for it to do.  No lock held. */
void handoffp(struct p *pp);
/* sysmon's look at every P: retake those in a system call for too long
 * (and, from lab 6, preempt long-running goroutines).  Returns how many
 * it retook. */
uint32_t retake(int64_t now);

/* ---- sysmon.c: the system monitor ---- */
void newsysmon(void);  /* start sysmon's M (once) */
void sysmonwake(void); /* a P goes to work: wake sysmon if it sleeps */
/* The time slice: a goroutine that runs this long without a scheduling
 * event is preempted (lab 6).  Go's forcePreemptNS, 10 ms; tests set it. */
extern int64_t forcePreemptNS;
/* A time slice no test outlives: for tests of earlier labs that need the
 * main goroutine to keep its P while it sets things up. */
#define NOPREEMPT (3600LL * 1000 * 1000 * 1000)

/* ---- lab06 preempt.c, preempt_amd64.S: asynchronous preemption ---- */
/* retake's first step, for a P running or in a system call: note a new
 * time slice (schedtick moved since the last look), or if the same one
 * has lasted forcePreemptNS on a running P, preempt it (preemptone).
 * Returns true when it asked a goroutine to stop; for a P in a system
 * call, never (Go's retakes such a P at once; here lab 4's rules decide). */
bool sysmonpreempt(struct p *pp, int64_t now);
/* Ask the goroutine running on pp to stop: its preempt flag, and unless
 * GRT_DEBUG=asyncpreemptoff=1, the signal to its M.  False if there is no
 * goroutine to ask (no M, an M on g0, or the caller's own). */
bool preemptone(struct p *pp);
/* Did sysmon ask gp, the running goroutine, to stop? */
bool wantAsyncPreempt(struct g *gp);
/* May gp, interrupted on mp at pc with stack pointer sp, be stopped
 * there: its own code, on its own stack, with room for asyncPreempt's
 * frame, holding no runtime lock, not in a system call? */
bool isAsyncSafePoint(struct m *mp, struct g *gp, uintptr_t pc, uintptr_t sp);
/* The preemption signal's work, in mp's signal handler: if wanted and
 * safe, make the interrupted goroutine call asyncPreempt when the handler
 * returns, by editing the signal context uc. */
void doSigPreempt(struct m *mp, ucontext_t *uc);
/* Entered, not called, from doSigPreempt's edited context: save every
 * register, call asyncPreempt2, restore them, and go on where the
 * goroutine was interrupted.  Assembly. */
void asyncPreempt(void);
/* asyncPreempt's C half (proc.c): gopreempt_m by mcall. */
void asyncPreempt2(void);
/* How far below the interrupted sp asyncPreempt's frame reaches, at most
 * (the red zone, its return address, registers, flags, fxsave area,
 * alignment, and asyncPreempt2's calls up to the switch).  A goroutine
 * with less stack left than this is not preempted. */
#define ASYNCPREEMPT_STACK 4096

/* ---- lab05 timer.c: timers, in a heap per P ---- */
/* A timer runs f(arg, seq) on an M's g0 once grt_nanotime() >= when.  It
 * is in at most one heap: pp names it (NULL: not pending).  f runs with
 * no lock held and must not block: it makes a goroutine runnable. */
struct timer {
	int64_t when;
	void (*f)(void *arg, uintptr_t seq);
	void *arg;
	uintptr_t seq;
	struct p *_Atomic pp; /* the P whose heap holds it, or NULL */
	int32_t index;        /* its slot in pp->timers */
};
/* Put t (not pending) in the heap of the caller's P.  The caller holds a
 * P (a goroutine, or g0 of an M with one). */
void addtimer(struct timer *t);
/* Take t out of its heap; false if it was not pending (never added,
 * already run, or running now). */
bool deltimer(struct timer *t);
/* Run pp's timers that are due at now; the caller holds a P (maybe
 * another one).  Returns the next when in pp's heap, 0 if none. */
int64_t checkTimers(struct p *pp, int64_t now);
/* findrunnable's timer step: run the due timers of the other Ps (one may
 * be idle, and nobody else would); true if any ran. */
bool stealTimers(struct p *pp, int64_t now);
/* The earliest when over every P's heap, 0 if none. */
int64_t timeSleepUntil(void);
/* grt_sleep's work, in a goroutine, ns > 0. */
void timeSleep(int64_t ns);

/* ---- lab05 netpoll.c: goroutines wait for file descriptors ---- */
/* A poll descriptor: what the runtime knows of an fd made by the network
 * API (net.c).  One per fd number, never freed (an event that comes late,
 * for an fd closed since, finds it still there: at worst a spurious
 * wake-up, after which the read fails with EAGAIN and waits again).
 * rg and wg are binary semaphores, one per direction: */
enum {
	pdNil,   /* no I/O readiness seen, nobody waiting */
	pdReady, /* readiness seen, not yet consumed by a waiter */
	pdWait,  /* a goroutine is about to park here */
	/* anything else: the struct g * parked here */
};
struct pollDesc {
	_Atomic int fd;           /* -1 while no API socket has this number */
	_Atomic bool polled;      /* registered with the poller (net.c) */
	bool drained;             /* the last read emptied the socket (net.c; the reader's) */
	_Atomic uintptr_t rg, wg; /* pdNil, pdReady, pdWait or a G */
	_Atomic bool closing;     /* pollUnblock ran: waits end with -EBADF */
	_Atomic bool closed;      /* grt_close was called (net.c) */
	_Atomic int32_t refs;     /* the fd's own, and one per call under way (net.c) */
	/* Deadlines (net.c): absolute grt_nanotime(), 0 none, -1 passed. */
	struct mutex lock;        /* guards the deadlines' timers and seqs */
	_Atomic int64_t rd, wd;
	struct timer rt, wt;
	uintptr_t rseq, wseq;     /* +1 per change: an old timer's f sees it is stale */
};
/* Park on pd's mode ('r' or 'w') semaphore until readiness comes (true),
 * or an error (closing, deadline; false).  waitio: park even if an error
 * is already set. */
bool netpollblock(struct pollDesc *pd, int mode, bool waitio);
/* Release pd's mode semaphore: ioready says readiness came (else it is
 * an error that wakes).  Returns the goroutine to make runnable, if any. */
struct g *netpollunblock(struct pollDesc *pd, int mode, bool ioready);
/* The poller saw mode ('r', 'w' or 'r' + 'w') ready on pd: queue on
 * toRun whichever goroutines wait for it; returns how many. */
int32_t netpollready(struct gqueue *toRun, struct pollDesc *pd, int mode);
/* grt_read's and grt_write's wait: 0 when the fd may be ready, else
 * -ETIMEDOUT (deadline) or -EBADF (closing). */
int pollWait(struct pollDesc *pd, int mode);
/* grt_close's first step: mark pd closing and wake its waiters. */
void pollUnblock(struct pollDesc *pd);
/* findrunnable's step 2: a goroutine the network made runnable, polled
 * without blocking; the others go to the run queues.  NULL if none. */
struct g *findnetpoll(struct p *pp);
/* findrunnable's step 6, with no P: if nobody else does, block in the
 * poller until an fd is ready or pollUntil (0: no timer) passes; else
 * make sure the poller wakes by pollUntil.  Returns true if it took a P
 * on the way out (*gpp: a goroutine to run, or NULL), false if the M
 * should sleep (stopm). */
bool blocknetpoll(struct m *mp, int64_t pollUntil, struct g **gpp);

/* ---- lab05 netpoll_epoll.c: the poller, on Linux's epoll ---- */
void netpollinit(void); /* once, at start-up */
/* Watch fd (made non-blocking here) for pd: 0, or -errno.  The shipped
 * stub returns -ENOSYS, and net.c then makes blocking calls. */
int netpollopen(int fd, struct pollDesc *pd);
void netpollclose(int fd);
/* Wait up to delay ns (<0: for ever, 0: not at all) for events; queue on
 * toRun the goroutines they make runnable.  Returns how many. */
int32_t netpoll(int64_t delay, struct gqueue *toRun);
void netpollBreak(void); /* wake an M blocked in netpoll */

/* ---- net.c: the network API, and files ---- */
struct pollDesc *pdlookup(int fd); /* fd's descriptor, or NULL */

/* ---- env.c: settings from the environment ---- */
int32_t getmaxprocs(void);
int32_t getmaxthreads(void); /* GRT_MAXTHREADS, default 10000 */
struct debugvars {
	int64_t schedtrace; /* GRT_DEBUG=schedtrace=MS: print the state every MS ms */
	int scheddetail;    /* GRT_DEBUG=scheddetail=1: and every P, M and G */
	const char *dotdir; /* GRT_DOT=dir: a snapshot at every scheduling event */
	int dotmax;         /* GRT_DOT_MAX: at most this many snapshots */
	const char *faildump; /* GRT_FAILDUMP=file: the picture on a failure or SIGQUIT */
	_Atomic int asyncpreemptoff; /* GRT_DEBUG=asyncpreemptoff=1: no preemption signal (lab 6); tests change it */
};
extern struct debugvars debug;
void parsedebugvars(void);

/* ---- symtab.c: function names ---- */
const char *funcname(uintptr_t pc);
const char *funcfor(uintptr_t pc, uintptr_t *off);
void symtabinit(void);

/* ---- dot.c: pictures of the state ---- */
void dotsnapshot(const char *event, const struct g *gp);
/* At every scheduling event: a picture if GRT_DOT asks, else one test. */
static inline void dotevent(const char *event, const struct g *gp)
{
	if (__builtin_expect(debug.dotdir != NULL, 0))
		dotsnapshot(event, gp);
}
void faildump(const char *why);
void faildumpheld(const char *why); /* the same; the caller holds sched.lock and allglock */
void dotinit(void);                 /* GRT_DOT=dir: create dir (mkdir -p) */

/* ---- deadlock.c: all goroutines are asleep (Go's checkdead) ---- */
void checkdead(void); /* sched.lock held; called as an M goes idle */

/* ---- trace.c: GRT_DEBUG=schedtrace ---- */
void schedtraceinit(void);

#endif
