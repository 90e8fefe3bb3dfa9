// The Go twin of examples/http/http.c: "Hello, World!" over keep-alive
// HTTP/1.1, a goroutine per connection, for lab 5's table in bench/run.
//
//	go build -o httpd ./httpd      (in bench/go)
//	GOMAXPROCS=1 ./httpd [port]    (default 8080; 0: any free port, the first line says which)
//
// A raw net.Listener, not net/http: net/http would parse every header,
// build a Request, add a Date header and more, and the table would
// measure that instead of how goroutines wait for the network.  This
// reads, parses and writes what http.c and bench/epoll_http.c do, the same
// bytes, with the same 4 KiB buffer (their rules are in
// examples/http/http1.h).  Go (1.19 and later) raises RLIMIT_NOFILE to
// the hard limit by itself, and its TCP connections have TCP_NODELAY set,
// as the runtime's do.
package main

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"strconv"
)

var (
	response   = []byte("HTTP/1.1 200 OK\r\nContent-Length: 13\r\n\r\nHello, World!")
	blankLine  = []byte("\r\n\r\n")
	http10     = []byte("HTTP/1.0\r")
	connection = []byte("connection:")
	keepAlive  = []byte("keep-alive")
	closeWord  = []byte("close")
)

func main() {
	port := 8080
	if len(os.Args) > 1 {
		port, _ = strconv.Atoi(os.Args[1])
	}
	ln, err := net.Listen("tcp", ":"+strconv.Itoa(port))
	if err != nil {
		fmt.Fprintln(os.Stderr, "httpd:", err)
		os.Exit(1)
	}
	fmt.Printf("httpd: listening on port %d\n", ln.Addr().(*net.TCPAddr).Port)
	for {
		c, err := ln.Accept()
		if err != nil {
			fmt.Fprintln(os.Stderr, "httpd: accept:", err)
			continue
		}
		go serve(c)
	}
}

// serve answers the requests of one connection until the client closes,
// asks to close, or sends a request header bigger than the buffer.
func serve(c net.Conn) {
	defer c.Close()
	in := make([]byte, 4096)
	var out []byte
	have := 0
	for have < len(in) {
		n, err := c.Read(in[have:])
		if n == 0 || err != nil {
			return
		}
		have += n
		used, closing := 0, false
		for !closing {
			end := bytes.Index(in[used:have], blankLine)
			if end < 0 {
				break
			}
			closing = closes(in[used : used+end+4])
			out = append(out, response...)
			used += end + 4
		}
		if len(out) > 0 {
			if _, err := c.Write(out); err != nil {
				return
			}
			out = out[:0]
		}
		if closing {
			return
		}
		have = copy(in, in[used:have])
	}
}

// closes tells whether a request (its header block) ends its connection:
// HTTP/1.1 keeps it unless "Connection: close"; HTTP/1.0 closes it unless
// "Connection: keep-alive".  Without allocating, as http1.h does not.
func closes(req []byte) bool {
	eol := bytes.IndexByte(req, '\n')
	v10 := eol >= 9 && bytes.Equal(req[eol-9:eol], http10)
	for rest := req[eol+1:]; len(rest) > 0; {
		eol = bytes.IndexByte(rest, '\n')
		line := rest[:eol]
		rest = rest[eol+1:]
		if len(line) > 11 && bytes.EqualFold(line[:11], connection) {
			if v10 {
				return !containsFold(line[11:], keepAlive)
			}
			return containsFold(line[11:], closeWord)
		}
	}
	return v10
}

func containsFold(s, word []byte) bool {
	for i := 0; i+len(word) <= len(s); i++ {
		if bytes.EqualFold(s[i:i+len(word)], word) {
			return true
		}
	}
	return false
}
