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

grt_chan *grt_chan_make(size_t elemsize, size_t cap)
{
	grt_chan *c = calloc(1, sizeof *c);
	if (!c || (cap && elemsize && !(c->buf = calloc(cap, elemsize))))
		fatal("out of memory making a channel");
	c->elemsize = elemsize;
	c->dataqsiz = cap;
	return c;
}

void grt_chan_free(grt_chan *c)
{
	if (c && (c->sendq.head || c->recvq.head))
		fatal("grt_chan_free: goroutines are still waiting on the channel");
	if (c)
		free(c->buf);
	free(c);
}

static void copyelem(grt_chan *c, void *dst, const void *src)
{
	if (c->elemsize)
		memcpy(dst, src, c->elemsize);
}

static unsigned char *slot(grt_chan *c, size_t i)
{
	return c->buf + i * c->elemsize;
}

static void unlockchan(void *l)
{
	unlock(l);
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
	if (!getg())
		fatal("grt_chan_send called outside a goroutine");
	lock(&c->lock);
	if (c->closed) {
		unlock(&c->lock);
		fatal("send on closed channel");
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
		fatal("send on closed channel");
}

bool grt_chan_recv(grt_chan *c, void *elem)
{
	if (!getg())
		fatal("grt_chan_recv called outside a goroutine");
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
		if (c->elemsize)
			memset(elem, 0, c->elemsize);
		return false;
	}
	if (chanpark(c, &c->recvq, elem, waitReasonChanRecv))
		return true;
	if (c->elemsize)
		memset(elem, 0, c->elemsize);
	return false;
}

void grt_chan_close(grt_chan *c)
{
	lock(&c->lock);
	if (c->closed) {
		unlock(&c->lock);
		fatal("close of closed channel");
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
