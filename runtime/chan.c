/*
 * chan.c - channels: unbuffered, buffered, closed.
 *
 * A channel is a lock, a ring buffer of cap elements, and two queues of
 * parked goroutines: senders waiting for room, receivers waiting for a
 * value.  Invariants, with c->lock held:
 *  - recvq non-empty => the buffer is empty (else they would have taken);
 *  - sendq non-empty => the buffer is full (or cap is 0);
 *  - a value handed to a parked goroutine is copied straight into the
 *    memory it parked with (g->waitelem), then it is made runnable: it
 *    never has to retry.
 * Waiters are readied after the lock is released, so the goroutine woken
 * never finds the lock held by the one that woke it.
 */
#include <stdlib.h>
#include <string.h>

#include "runtime.h"

struct grt_chan {
	struct mutex lock;
	bool closed;
	size_t elemsize;
	size_t dataqsiz; /* cap */
	size_t qcount;   /* elements in buf */
	size_t sendx, recvx;
	struct gqueue sendq, recvq;
	unsigned char *buf;
};

/*
 * Misuse fails at the call, naming it, with Go's words where Go has them.
 * Element size 0 is refused although Go has chan struct{}: in C it is
 * rather the sign of swapped arguments (grt_chan_make(0, sizeof(int))
 * would copy nothing, silently); a channel for signals uses elemsize 1.
 */
#define MAXELEMSIZE (64 * 1024)          /* Go's limit too */
#define MAXCHANBUF ((size_t)1 << 32)     /* bytes of buffer: a negative cap lands far above */

static void checkelem(const char *api, grt_chan *c, const void *elem)
{
	if (!c)
		fatal("%s: the channel is NULL", api);
	if (!elem)
		fatal("%s: elem is NULL (it must point to %zu bytes)", api, c->elemsize);
	if (!getg())
		fatal("%s: called outside a goroutine (start the runtime with grt_main)", api);
}

grt_chan *grt_chan_make(size_t elemsize, size_t cap)
{
	if (elemsize == 0)
		fatal("grt_chan_make: elemsize is 0 (are elemsize and cap swapped? a channel for signals "
		      "can use 1)");
	if (elemsize > MAXELEMSIZE)
		fatal("grt_chan_make: elemsize %zu is too large (at most %d bytes; pass a pointer instead)",
		      elemsize, MAXELEMSIZE);
	if (cap > MAXCHANBUF / elemsize)
		fatal("grt_chan_make: makechan: size out of range (cap %zu of %zu-byte elements; a negative "
		      "number passed as cap?)", cap, elemsize);
	grt_chan *c = calloc(1, sizeof *c);
	if (!c || (cap && !(c->buf = calloc(cap, elemsize))))
		fatal("out of memory making a channel");
	c->elemsize = elemsize;
	c->dataqsiz = cap;
	return c;
}

void grt_chan_free(grt_chan *c)
{
	if (!c)
		return; /* as free(NULL) */
	if (c->sendq.head || c->recvq.head)
		fatal("grt_chan_free: goroutines are still waiting on the channel");
	free(c->buf);
	free(c);
}

static void copyelem(grt_chan *c, void *dst, const void *src)
{
	memcpy(dst, src, c->elemsize);
}

static unsigned char *slot(grt_chan *c, size_t i)
{
	return c->buf + i * c->elemsize;
}

static bool unlockchan(struct g *gp, void *l)
{
	(void)gp;
	unlock(l);
	return true;
}

/* Park the caller on q until someone sets waitok (a match) or closes. */
static bool chanpark(grt_chan *c, struct gqueue *q, void *elem, enum waitreason why)
{
	struct g *gp = getg();
	gp->waitelem = elem;
	gp->waitok = false;
	gp->waitobj = c;
	gqueue_push(q, gp);
	gopark(unlockchan, &c->lock, why);
	gp = getg();
	gp->waitobj = NULL;
	return gp->waitok;
}

void grt_chan_send(grt_chan *c, const void *elem)
{
	checkelem("grt_chan_send", c, elem);
	preemptcheck();
	lock(&c->lock);
	if (c->closed) {
		unlock(&c->lock);
		fatal("grt_chan_send: send on closed channel");
	}
	struct g *gp = gqueue_pop(&c->recvq);
	if (gp) {
		copyelem(c, gp->waitelem, elem);
		gp->waitok = true;
		unlock(&c->lock);
		goready(gp);
		return;
	}
	if (c->qcount < c->dataqsiz) {
		copyelem(c, slot(c, c->sendx), elem);
		c->sendx = (c->sendx + 1) % c->dataqsiz;
		c->qcount++;
		unlock(&c->lock);
		return;
	}
	if (!chanpark(c, &c->sendq, (void *)elem, waitReasonChanSend))
		fatal("grt_chan_send: send on closed channel (closed while the sender waited)");
}

bool grt_chan_recv(grt_chan *c, void *elem)
{
	checkelem("grt_chan_recv", c, elem);
	preemptcheck();
	lock(&c->lock);
	struct g *gp = gqueue_pop(&c->sendq);
	if (gp) {
		if (c->dataqsiz == 0) {
			copyelem(c, elem, gp->waitelem);
		} else {
			/* Full buffer: take its head, and the sender's value
			 * takes the freed slot at the tail. */
			copyelem(c, elem, slot(c, c->recvx));
			copyelem(c, slot(c, c->recvx), gp->waitelem);
			c->recvx = (c->recvx + 1) % c->dataqsiz;
			c->sendx = c->recvx;
		}
		gp->waitok = true;
		unlock(&c->lock);
		goready(gp);
		return true;
	}
	if (c->qcount > 0) {
		copyelem(c, elem, slot(c, c->recvx));
		c->recvx = (c->recvx + 1) % c->dataqsiz;
		c->qcount--;
		unlock(&c->lock);
		return true;
	}
	if (c->closed) {
		unlock(&c->lock);
		memset(elem, 0, c->elemsize);
		return false;
	}
	if (chanpark(c, &c->recvq, elem, waitReasonChanRecv))
		return true;
	memset(elem, 0, c->elemsize);
	return false;
}

void grt_chan_close(grt_chan *c)
{
	if (!c)
		fatal("grt_chan_close: close of nil channel (the channel is NULL)");
	lock(&c->lock);
	if (c->closed) {
		unlock(&c->lock);
		fatal("grt_chan_close: close of closed channel");
	}
	c->closed = true;
	struct gqueue woken = { 0 };
	struct g *gp;
	while ((gp = gqueue_pop(&c->recvq)))
		gqueue_push(&woken, gp);
	while ((gp = gqueue_pop(&c->sendq)))
		gqueue_push(&woken, gp); /* they will die: send on closed channel */
	unlock(&c->lock);
	while ((gp = gqueue_pop(&woken)))
		goready(gp);
}
