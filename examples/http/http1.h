/*
 * http1.h - just enough HTTP/1.1 to answer a load generator such as wrk:
 * where a request ends, whether it closes its connection, and the one
 * response.
 *
 * Two programs share it: examples/http/http.c (a goroutine per
 * connection) and bench/epoll_http.c (one thread around one epoll loop).
 * The benchmark compares two ways of waiting for the network, so the
 * bytes parsed and sent must be the same in both; bench/go/httpd is the
 * same again in Go.
 *
 * Not a web server.  A request is its header block, up to the blank line;
 * a body is never read (wrk sends GETs without one), so a request with a
 * body garbles the next one.  Every request gets the same answer, whatever
 * its method and path.  Pipelined requests (several in one read) are
 * answered in order, in one write.
 */
#ifndef HTTP1_H
#define HTTP1_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

#define HTTP1_RESPONSE "HTTP/1.1 200 OK\r\nContent-Length: 13\r\n\r\nHello, World!"
#define HTTP1_RESPONSE_LEN (sizeof HTTP1_RESPONSE - 1)

/* The length of the request at the start of buf, through its blank line;
 * 0 while the blank line has not arrived. */
static inline size_t http1_request_end(const char *buf, size_t n)
{
	for (const char *p = buf; (p = memchr(p, '\n', buf + n - p)); p++)
		if (p - buf >= 3 && memcmp(p - 3, "\r\n\r\n", 4) == 0)
			return p + 1 - buf;
	return 0;
}

/* Is word in s[0..n), ignoring case? */
static inline bool http1_contains(const char *s, size_t n, const char *word)
{
	size_t w = strlen(word);
	for (size_t i = 0; i + w <= n; i++)
		if (strncasecmp(s + i, word, w) == 0)
			return true;
	return false;
}

/* Does this request (a whole header block) end its connection?  HTTP/1.1
 * keeps a connection open unless "Connection: close" says otherwise;
 * HTTP/1.0 closes it unless "Connection: keep-alive" asks to keep it. */
static inline bool http1_closes(const char *req, size_t n)
{
	const char *end = req + n;
	const char *eol = memchr(req, '\n', n);
	bool v10 = eol - req >= 9 && memcmp(eol - 9, "HTTP/1.0\r", 9) == 0;
	for (const char *p = eol + 1; p < end; p = eol + 1) {
		eol = memchr(p, '\n', end - p);
		size_t len = eol - p;
		if (len > 11 && strncasecmp(p, "connection:", 11) == 0)
			return v10 ? !http1_contains(p + 11, len - 11, "keep-alive")
				   : http1_contains(p + 11, len - 11, "close");
	}
	return v10;
}

/* Answer the complete requests at the start of in[0..n), as many as cap
 * bytes of out hold: their responses go to out, their length to *outn.
 * Returns how many bytes of in were answered.  *closing is set when one
 * of them ends the connection; none after it is answered. */
static inline size_t http1_answer(const char *in, size_t n, char *out, size_t cap, size_t *outn,
				  bool *closing)
{
	size_t used = 0, req;
	*outn = 0;
	*closing = false;
	while (!*closing && *outn + HTTP1_RESPONSE_LEN <= cap &&
	       (req = http1_request_end(in + used, n - used))) {
		*closing = http1_closes(in + used, req);
		memcpy(out + *outn, HTTP1_RESPONSE, HTTP1_RESPONSE_LEN);
		*outn += HTTP1_RESPONSE_LEN;
		used += req;
	}
	return used;
}

#endif
