"""grt.py - gdb commands for the goroutine runtime.

    (gdb) source tools/gdb/grt.py

  info goroutines      every goroutine that is not dead: id, state, why it
                       waits (the fd and direction of a network wait, when a
                       sleep ends), the function it was started with (* = on
                       a thread)
  goroutine N CMD      run the gdb command CMD (bt, info frame, frame 2, ...)
                       as if goroutine N were the current thread
  goroutine all CMD    the same, for every goroutine in turn
  info ps              every P: status, M, schedtick, runnext, free Gs, timers
                       (once a P has had one), local run queue; then the
                       global run queue
  info ms              every M: thread, P, current goroutine, idle/spinning/
                       syscall/netpoll
  info timers [N]      the N (10) earliest timers of each P: when, what for
  grt dot [FILE]       the picture grt_dump_dot would draw at this moment,
                       byte for byte (to gdb's output without FILE)

Every command only reads the program's memory through gdb: nothing runs in
the program.  So they work wherever it stopped, in user code or inside the
scheduler with sched.lock held, and on a program that is stuck.  Times
("wakes in 12 ms") are relative to the moment of the command, read from the
machine's monotonic clock, which the program's grt_nanotime reads too (in
a core file they are relative to when gdb runs, not to the crash).

How `goroutine N CMD` works.  A goroutine that is not on a thread left its
callee-saved registers, stack pointer and resume address in g->sched
(struct gobuf, saved by gogo).  That is all an unwinder needs: for the
length of one command, those values are loaded into the current thread's
registers (frame 0), then the thread's own values are put back, whatever
the command did.  A goroutine that is running (or in a system call) has its
registers on its thread: the command runs on that thread instead.
"""

import heapq
import re
import time

import gdb

# dot.c's #defines are not in the debug information: keep these in step.
SHOWNENDS = 6  # a long queue shows this many goroutines at each end
MAXSHOWN = 24  # waiting goroutines drawn per reason
MAXSLEEPERS = 6  # sleepers drawn: those that wake first
INT64_MAX = (1 << 63) - 1

GSTATUS = ("idle", "runnable", "running", "syscall", "waiting", "dead")
PSTATUS = ("idle", "running", "syscall", "dead")

# gdb register <- struct gobuf field: what gogo saves and loads.
GOBUF_REGS = (("rsp", "sp"), ("rip", "pc"), ("rbp", "bp"), ("rbx", "bx"),
              ("r12", "r12"), ("r13", "r13"), ("r14", "r14"), ("r15", "r15"))

# Commands that would resume the program: on a goroutine's borrowed
# registers, the thread would run off with them.
RESUMING = {"c", "continue", "fg", "s", "step", "si", "stepi", "n", "next", "ni", "nexti",
            "finish", "fin", "u", "until", "advance", "jump", "j", "run", "r", "start",
            "starti", "call", "signal", "queue-signal", "return", "kill", "detach"}

LIST_LIMIT = 10000000  # a linked list longer than this is taken to be a cycle


def _symbol(name):
    sym = gdb.lookup_global_symbol(name) or gdb.lookup_static_symbol(name)
    if sym is None:
        raise gdb.GdbError("grt: no symbol %r here: is this a program linked with the runtime "
                           "(libgrt.a, built with -g)?" % name)
    return sym.value()


def _const(expr, default):
    """The value of an enumerator from the debug information."""
    try:
        return int(gdb.parse_and_eval(expr))
    except gdb.error:
        return default


def _fetch(addr, typ):
    """The struct of type typ at addr, read from memory in one go."""
    v = gdb.Value(addr).cast(typ.pointer()).dereference()
    v.fetch_lazy()
    return v


def _name(seq, i):
    return seq[i] if 0 <= i < len(seq) else "?"


def duration(d):
    """A span of d >= 0 ns, as dot.c writes it: "<1 ms", "12 ms", "42 s"."""
    if d < 1000000:
        return "<1 ms"
    if d < 10000000000:
        return "%d ms" % (d // 1000000)
    return "%d s" % (d // 1000000000)


def relative(when, now):
    """when, seen at now: "in 12 ms", or "due 3 ms ago" once it has passed."""
    return "in " + duration(when - now) if when >= now else "due %s ago" % duration(now - when)


class State:
    """What the runtime's globals say at this moment, read lazily, once per command."""

    def __init__(self):
        if gdb.selected_thread() is None:
            raise gdb.GdbError("grt: the program is not running")
        self.gtype = gdb.lookup_type("struct g")
        self.mtype = gdb.lookup_type("struct m")
        self.ptype = gdb.lookup_type("struct p")
        self.ptrsize = gdb.lookup_type("void").pointer().sizeof
        self.sched = _symbol("sched")
        self.sched.fetch_lazy()
        self.Grunning = _const("_Grunning", 2)
        self.Gsyscall = _const("_Gsyscall", 3)
        self.Gwaiting = _const("_Gwaiting", 4)
        self.Gdead = _const("_Gdead", 5)
        self.IOWait = _const("waitReasonIOWait", 6)
        self.Sleep = _const("waitReasonSleep", 5)
        self._gs = {}
        self._allgs = self._allm = self._allp = None
        self._names = {}
        self._now = None

    # ---- reading ----

    def _pointers(self, addr, n):
        """n pointers from an array at addr, in one read."""
        if n <= 0 or addr == 0:
            return []
        raw = bytes(gdb.selected_inferior().read_memory(addr, n * self.ptrsize))
        w = self.ptrsize
        return [int.from_bytes(raw[i:i + w], "little") for i in range(0, len(raw), w)]

    def g(self, addr):
        """struct g at addr (a gdb.Value), or None for NULL."""
        if not addr:
            return None
        gp = self._gs.get(addr)
        if gp is None:
            gp = self._gs[addr] = _fetch(addr, self.gtype)
        return gp

    def allgs(self):
        """Every G ever made, in sched.allgs order: (address, struct g)."""
        if self._allgs is None:
            n = int(self.sched["allglen"])
            addrs = self._pointers(int(self.sched["allgs"]), n)
            self._allgs = [(a, self.g(a)) for a in addrs if a]
        return self._allgs

    def live(self):
        return [(a, gp) for a, gp in self.allgs() if self.status(gp) != self.Gdead]

    def allm(self):
        """The Ms, in sched.allm order: (address, struct m)."""
        if self._allm is None:
            self._allm, seen = [], set()
            mp = int(self.sched["allm"])
            while mp and mp not in seen and len(seen) < LIST_LIMIT:
                seen.add(mp)
                m = _fetch(mp, self.mtype)
                self._allm.append((mp, m))
                mp = int(m["alllink"])
        return self._allm

    def allp(self):
        """allp[0..gomaxprocs): (address, struct p)."""
        if self._allp is None:
            n = int(_symbol("gomaxprocs"))
            addrs = self._pointers(int(_symbol("allp")), n)
            self._allp = [(a, _fetch(a, self.ptype)) for a in addrs if a]
        return self._allp

    def globalq(self, limit=None):
        """The global run queue, head first, through schedlink."""
        out, seen = [], set()
        gp = int(self.sched["runq"]["head"])
        while gp and gp not in seen and len(seen) < (limit or LIST_LIMIT):
            seen.add(gp)
            out.append(gp)
            gp = int(self.g(gp)["schedlink"])
        return out

    def localq(self, p):
        """A P's ring from runqhead to runqtail, or None when the two
        indices are caught in the middle of a change."""
        head, tail = int(p["runqhead"]), int(p["runqtail"])
        size = p["runq"].type.strip_typedefs().range()[1] + 1
        if (tail - head) & 0xffffffff > size:
            return None
        return [int(p["runq"][(head + i) % size]) for i in range((tail - head) & 0xffffffff)]

    # ---- what the fields mean ----

    def status(self, gp):
        return int(gp["atomicstatus"])

    def goid(self, addr):
        gp = self.g(addr)
        return int(gp["goid"]) if gp is not None else None

    def waitreason(self, r):
        try:
            s = _symbol("waitReasonStrings")[r]
            return s.string(errors="surrogateescape") if int(s) else ""
        except gdb.error:
            return "?"

    def m_of(self, gaddr):
        """The M running gaddr: the one whose curg it is."""
        for mp, m in self.allm():
            if int(m["curg"]) == gaddr:
                return mp, m
        return None

    def oldp_waiting(self, m):
        """The P m's goroutine left in _Psyscall, if it still waits for it
        (nobody took it since the call began), else None (dot.c's "left")."""
        addr = int(m["oldp"])
        if not addr:
            return None
        p = _fetch(addr, self.ptype)
        return p if (int(p["status"]) == _const("_Psyscall", 2) and int(p["syscalltick"]) == int(m["syscalltick"])) else None

    def thread_of(self, m):
        """gdb's thread for an M, matched by the kernel thread id."""
        tid = int(m["tid"])
        for t in gdb.selected_inferior().threads():
            if t.ptid[1] == tid:
                return t
        return None

    def funcname(self, addr):
        """The name of the function starting exactly at addr, from the
        executable's symbol table (static functions too), as symtab.c's
        funcname finds it; None if no function of the program starts there."""
        if addr not in self._names:
            name = None
            try:
                out = gdb.execute("info symbol 0x%x" % addr, to_string=True)
            except gdb.error:
                out = ""
            line = out.splitlines()[0] if out else ""
            m = re.match(r"(\S+) in section \S+", line)  # "name + 12 in ..." is not a start
            if m and gdb.solib_name(addr) is None:
                name = m.group(1)
            self._names[addr] = name
        return self._names[addr]

    def startname(self, gp):
        """The start function's name, or its address as C's %p prints it."""
        fn = int(gp["startfn"])
        if not fn:
            return None
        return self.funcname(fn) or "0x%x" % fn

    def gname(self, gp):
        """"G7 worker", as dot.c labels a goroutine."""
        s = "G%d" % int(gp["goid"])
        name = self.startname(gp)
        return s + " " + name if name else s

    # ---- lab 5: timers and the netpoller ----

    def now(self):
        """The clock grt_nanotime reads (CLOCK_MONOTONIC), once per command."""
        if self._now is None:
            self._now = time.clock_gettime_ns(time.CLOCK_MONOTONIC)
        return self._now

    def ptimers(self, p):
        """A P's timer heap: (how many, the first one's when, or None
        when there is no first one to read)."""
        n, heap = int(p["ntimers"]), int(p["timers"])
        first = int(p["timers"].dereference()) if n > 0 and heap else 0
        return n, int(_fetch(first, gdb.lookup_type("struct timer"))["when"]) if first else None

    def polling(self):
        """sched.lastpoll is 0: an M blocks in netpoll."""
        return int(self.sched["lastpoll"]) == 0

    def pollm(self):
        """The M blocked in netpoll, as dot.c's netpollm tells it: while
        lastpoll is 0, the one M with no P, no goroutine, neither spinning
        nor idle, nor sysmon; None if there is none, or more than one."""
        if not self.polling():
            return None
        found = None
        for mp, m in self.allm():
            if int(m["p"]) or int(m["curg"]) or m["idle"] or m["spinning"] or int(m["mstartfn"]):
                continue
            if found is not None:
                return None
            found = mp
        return found

    def iowait(self, gp):
        """(fd, "read" / "write" / "") of a goroutine parked on the
        netpoller (g->waitobj: its pollDesc), or None."""
        pd = int(gp["waitobj"])
        if int(gp["waitreason"]) != self.IOWait or not pd:
            return None
        d = _fetch(pd, gdb.lookup_type("struct pollDesc"))
        me = int(gp.address)
        return int(d["fd"]), "read" if int(d["rg"]) == me else "write" if int(d["wg"]) == me else ""

    def sleepwhen(self, gp):
        """When a sleeping goroutine's timer is due, or None."""
        t = int(gp["timer"])
        if int(gp["waitreason"]) != self.Sleep or not t:
            return None
        return int(_fetch(t, gdb.lookup_type("struct timer"))["when"])

    def waitdetail(self, gp):
        """What info goroutines adds to a wait reason: ' fd 5 read', ', wakes in 12 ms'."""
        io = self.iowait(gp)
        if io is not None:
            return " fd %d%s" % (io[0], " " + io[1] if io[1] else "")
        when = self.sleepwhen(gp)
        if when is not None:
            return ", " + ("wakes " if when >= self.now() else "") + relative(when, self.now())
        return ""


class Command(gdb.Command):
    """A command whose errors read as gdb's own, not as a Python traceback."""

    def invoke(self, arg, from_tty):
        try:
            self.run(arg, from_tty)
        except gdb.GdbError:
            raise
        except gdb.error as e:
            raise gdb.GdbError(str(e))


# ---- info goroutines ----

class InfoGoroutines(Command):
    """List the goroutines that are not dead, from sched.allgs.

A line per goroutine: * if an M is running it, its id, its state, why it
waits (for waiting ones) and the function it was started with.  A goroutine
waiting on the network says for which fd and direction ("IO wait fd 5
read"); a sleeper, when it wakes ("sleep, wakes in 12 ms").  See also
`goroutine N bt`."""

    def __init__(self):
        super().__init__("info goroutines", gdb.COMMAND_STACK, gdb.COMPLETE_NONE)

    def run(self, arg, from_tty):
        st = State()
        oncpu = {int(m["curg"]) for _, m in st.allm()}
        rows = []
        for addr, gp in st.live():
            s = st.status(gp)
            why = st.waitreason(int(gp["waitreason"])) + st.waitdetail(gp) if s == st.Gwaiting else ""
            if s == st.Grunning and int(gp["preempt"]):
                why = "preempt requested"  # lab 6: sysmon asked it to stop
            rows.append(("*" if addr in oncpu else " ", str(int(gp["goid"])), _name(GSTATUS, s), why,
                         st.startname(gp) or "-"))
        if not rows:
            gdb.write("No goroutines.\n")
            return
        w = max(2, max(len(r[1]) for r in rows))
        ww = max(11, max(len(r[3]) for r in rows))
        gdb.write("  %*s  %-8s  %-*s  %s\n" % (w, "Id", "State", ww, "Wait reason", "Function"))
        for mark, goid, state, why, fn in rows:
            gdb.write("%s %*s  %-8s  %-*s  %s\n" % (mark, w, goid, state, ww, why, fn))


# ---- goroutine N CMD ----

def _select_level(level):
    f = gdb.newest_frame()
    while level > 0 and f.older() is not None:
        f = f.older()
        level -= 1
    f.select()


def _on_thread(thread, cmd, from_tty):
    """Run cmd on another thread, then come back to this one."""
    here = gdb.selected_thread()
    level = gdb.selected_frame().level()
    if thread.num == here.num:
        gdb.execute(cmd, from_tty)
        return
    thread.switch()
    try:
        gdb.execute(cmd, from_tty)
    finally:
        here.switch()
        _select_level(level)


def _on_gobuf(buf, cmd, from_tty):
    """Run cmd with the current thread's registers replaced by a gobuf's."""
    here = gdb.selected_thread()
    level = gdb.selected_frame().level()
    gdb.newest_frame().select()  # frame 0's registers are the thread's own
    saved = [(reg, int(gdb.parse_and_eval("$" + reg))) for reg, _ in GOBUF_REGS]
    reg, field = GOBUF_REGS[0]
    try:
        gdb.execute("set var $%s = %d" % (reg, int(buf[field])), to_string=True)
    except gdb.error as e:  # a core file, say: nothing was changed
        _select_level(level)
        raise gdb.GdbError("grt: cannot load a goroutine's registers into this thread (%s)" % e)
    try:
        for reg, field in GOBUF_REGS[1:]:
            gdb.execute("set var $%s = %d" % (reg, int(buf[field])), to_string=True)
        gdb.execute(cmd, from_tty)
    finally:
        # The command may have moved to another thread or frame: writing a
        # register there would write into a stack, not into the thread.
        if gdb.selected_thread().num != here.num:
            here.switch()
        gdb.newest_frame().select()
        for reg, val in saved:
            gdb.execute("set var $%s = %d" % (reg, val), to_string=True)
        _select_level(level)


class Goroutine(Command):
    """Run a gdb command on a goroutine: goroutine N CMD, or goroutine all CMD.

    goroutine 7 bt
    goroutine 7 info frame
    goroutine all bt

For a goroutine that is not on a thread, the current thread's registers
are set, for the length of CMD, to the ones the goroutine saved when it
last stopped (g->sched), then put back exactly.  For one that is running,
CMD runs on the thread of its M.  Use CMD to look, not to run: commands
that resume the program are refused."""

    def __init__(self):
        super().__init__("goroutine", gdb.COMMAND_STACK, gdb.COMPLETE_COMMAND)

    def run(self, arg, from_tty):
        parts = arg.split(None, 1)
        if len(parts) < 2:
            raise gdb.GdbError("usage: goroutine N CMD, or goroutine all CMD (e.g. goroutine 7 bt)")
        which, cmd = parts
        if cmd.split()[0] in RESUMING:
            raise gdb.GdbError("grt: `%s` would resume the program; goroutine N is for looking "
                               "(switch threads with `thread` to run)" % cmd.split()[0])
        st = State()
        if which == "all":
            for addr, gp in st.live():
                gdb.write("\ngoroutine %d (%s):\n" % (int(gp["goid"]), _name(GSTATUS, st.status(gp))))
                try:
                    self.on(st, addr, gp, cmd, from_tty)
                except (gdb.error, gdb.GdbError) as e:  # on to the next one
                    gdb.write("%s\n" % e)
            return
        try:
            n = int(gdb.parse_and_eval(which))
        except gdb.error:
            raise gdb.GdbError("grt: %r is not a goroutine id" % which)
        for addr, gp in st.live():
            if int(gp["goid"]) == n:
                self.on(st, addr, gp, cmd, from_tty)
                return
        raise gdb.GdbError("grt: no goroutine %d (see info goroutines)" % n)

    def on(self, st, addr, gp, cmd, from_tty):
        goid, s = int(gp["goid"]), st.status(gp)
        where = None
        if s in (st.Grunning, st.Gsyscall):
            # Its registers are on a thread: the M whose curg it is.  (No
            # M at all: it is between mcall and the change of its state,
            # on g0, and its registers are saved already.)
            where = st.m_of(addr)
            if where is None and int(gp["m"]):
                where = int(gp["m"]), _fetch(int(gp["m"]), st.mtype)
        if where is not None:
            m = where[1]
            t = st.thread_of(m)
            if t is None:
                raise gdb.GdbError("grt: goroutine %d runs on M%d, thread %d, which gdb does not know"
                                   % (goid, int(m["id"]), int(m["tid"])))
            gdb.write("goroutine %d is %s on M%d, thread %d (gdb thread %d):\n"
                      % (goid, "in a system call" if s == st.Gsyscall else "running", int(m["id"]),
                         int(m["tid"]), t.num))
            _on_thread(t, cmd, from_tty)
        elif not int(gp["sched"]["pc"]):
            raise gdb.GdbError("grt: goroutine %d has no saved registers" % goid)
        else:
            # Not on a thread: its registers are in g->sched.
            _on_gobuf(gp["sched"], cmd, from_tty)


# ---- info ps, info ms ----

class InfoPs(Command):
    """List the Ps (allp[0..gomaxprocs)) and the global run queue.

For each P: its status, the M holding it, schedtick, syscalltick (the
system calls it came back from or was retaken from), the goroutine in
runnext, how many dead goroutines it keeps for reuse (gfreecnt), and the
local run queue from head to tail (goroutine ids).  Once a P has had a
timer (lab 5), two more columns come before the queue: how many timers its
heap holds, and when the first is due (see `info timers`)."""

    def __init__(self):
        super().__init__("info ps", gdb.COMMAND_STATUS, gdb.COMPLETE_NONE)

    def run(self, arg, from_tty):
        st = State()
        rows = []
        # Lab 5's columns, once there is something to show in them: a
        # program before lab 5 keeps the table it always had.
        timers = any(int(p["timers"]) or int(p["ntimers"]) for _, p in st.allp())
        for _, p in st.allp():
            mp = int(p["m"])
            q = st.localq(p)
            if q is None:
                runq = "(changing: head %d, tail %d)" % (int(p["runqhead"]), int(p["runqtail"]))
            else:
                runq = "%d%s" % (len(q), "".join((":" if i == 0 else "") + " %d" % st.goid(a)
                                                  for i, a in enumerate(q)))
            nxt = int(p["runnext"])
            row = (str(int(p["id"])), _name(PSTATUS, int(p["status"])),
                   str(int(_fetch(mp, st.mtype)["id"])) if mp else "-",
                   str(int(p["schedtick"])), str(int(p["syscalltick"])),
                   str(st.goid(nxt)) if nxt else "-", str(int(p["gfreecnt"])))
            if timers:
                n, first = st.ptimers(p)
                row += (str(n), relative(first, st.now()) if first is not None else "-")
            rows.append(row + (runq,))
        heads = ("P", "status", "M", "schedtick", "syscalltick", "runnext", "gfreecnt")
        if timers:
            heads += ("timers", "next timer")
        heads += ("local run queue",)
        widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(heads)]
        for r in [heads] + rows:
            cells = ["%-*s" % (widths[i], c) if heads[i] in ("status", "next timer") else "%*s" % (widths[i], c)
                     for i, c in enumerate(r[:-1])]
            gdb.write("  " + "  ".join(cells + [r[-1]]) + "\n")
        size = int(st.sched["runqsize"])
        q = st.globalq()
        gdb.write("global run queue: %d%s\n" % (size, "".join((":" if i == 0 else "") + " %d" % st.goid(a)
                                                               for i, a in enumerate(q))))
        if len(q) != size:
            gdb.write("  (runqsize says %d, the list holds %d: caught in the middle of a change)\n"
                      % (size, len(q)))


class InfoMs(Command):
    """List the Ms (sched.allm): id, kernel thread id, P, current goroutine, flags.

* marks the M of gdb's current thread.  Flags: idle (asleep in the M
cache, waiting for a P), spinning (looking for work), syscall (its
goroutine is in a system call; "left Pn": Pn waits in _Psyscall for it to
come back; "P retaken": sysmon gave that P to another M), sysmon (the
system monitor, which holds no P), netpoll (blocked in the network poller,
with no P, until an fd is ready or the next timer is due: lab 5)."""

    def __init__(self):
        super().__init__("info ms", gdb.COMMAND_STATUS, gdb.COMPLETE_NONE)

    def run(self, arg, from_tty):
        st = State()
        here = gdb.selected_thread().ptid[1]
        pollm = st.pollm()
        rows = []
        for mp, m in st.allm():
            pp, cg = int(m["p"]), int(m["curg"])
            flags = []
            if m["idle"]:
                flags.append("idle")
            if m["spinning"]:
                flags.append("spinning")
            if cg and st.status(st.g(cg)) == st.Gsyscall:
                left = st.oldp_waiting(m)
                flags.append("syscall" + ("" if not int(m["oldp"]) else ", left P%d" % int(left["id"]) if left
                                          else ", P retaken"))
            if int(m["mstartfn"]):
                flags.append("sysmon")
            if mp == pollm:
                flags.append("netpoll")
            t = st.thread_of(m)
            rows.append(("*" if int(m["tid"]) == here else " ", str(int(m["id"])), str(int(m["tid"])),
                         str(t.num) if t else "-",
                         str(int(_fetch(pp, st.ptype)["id"])) if pp else "-",
                         str(st.goid(cg)) if cg else "-", " ".join(flags)))
        if not rows:
            gdb.write("No Ms yet.\n")
            return
        heads = (" ", "M", "thread", "gdb", "P", "curg", "flags")
        widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(heads)]
        for r in [heads] + rows:
            gdb.write(("%s %*s  %*s  %*s  %*s  %*s  %s" % (
                r[0], widths[1], r[1], widths[2], r[2], widths[3], r[3], widths[4], r[4],
                widths[5], r[5], r[6])).rstrip() + "\n")


# ---- grt dot ----

def dot(st):
    """The text grt_dump_dot(FILE *) writes, mirroring runtime/dot.c."""
    out = []
    w = out.append

    def qrecord(ident, label, n, gs):
        # qbegin, qitem for each, qend
        w('    %s [label="%s%s' % (ident, label, "|(empty)" if n == 0 else ""))
        for i, gp in enumerate(gs):
            if n > 2 * SHOWNENDS + 1 and SHOWNENDS <= i < n - SHOWNENDS:
                if i == SHOWNENDS:
                    w("|%d more" % (n - 2 * SHOWNENDS))
                continue
            w("|" + st.gname(gp))
        w('"];\n')

    # grt_dump_dot takes both locks if it can; a dump of a program
    # stopped with one held says it read without.
    locked = int(st.sched["lock"]["key"]) == 0 and int(st.sched["allglock"]["key"]) == 0
    w('digraph grt {\n  compound=true;\n  node [shape=record, fontname="Helvetica", fontsize=10];\n')
    if not locked:
        w('  labelloc=t;\n  label=" (read without the scheduler\'s locks)";\n')

    now, polling, pollm = st.now(), st.polling(), st.pollm()
    timersdrawn = set()
    for _, p in st.allp():
        pid = int(p["id"])
        w('  subgraph cluster_p%d {\n    label="P%d %s  schedtick %d'
          % (pid, pid, _name(PSTATUS, int(p["status"])), int(p["schedtick"])))
        if int(p["syscalltick"]):
            w("  syscalltick %d" % int(p["syscalltick"]))
        w('";\n')
        nxt = st.g(int(p["runnext"]))
        qrecord("p%d_next" % pid, "runnext", 1 if nxt is not None else 0, [nxt] if nxt is not None else [])
        q = st.localq(p) or []
        qrecord("p%d_runq" % pid, "local run queue", len(q), [st.g(a) for a in q])
        n, first = st.ptimers(p)  # dumptimers
        if n > 0:
            w('    p%d_timers [label="timers: %d%s"];\n'
              % (pid, n, "" if first is None else "|next " + relative(first, now)))
            timersdrawn.add(pid)
        w("  }\n")

    size = int(st.sched["runqsize"])
    w('  subgraph cluster_global {\n    label="global run queue: %d";\n' % size)
    qrecord("global", "head", size, [st.g(a) for a in st.globalq()])
    w("  }\n")

    for maddr, m in st.allm():
        mid = int(m["id"])
        w('  m%d [shape=box, label="M%d  thread %d\\n' % (mid, mid, int(m["tid"])))
        gp = st.g(int(m["curg"]))
        left = st.oldp_waiting(m)
        if int(m["mstartfn"]):
            w("sysmon (no P)")
        elif gp is not None and st.status(gp) == st.Gsyscall:
            w("in a system call: " + st.gname(gp))
            if int(m["oldp"]) and left is None:
                w("\\nits P was retaken")
        elif gp is not None:
            w("running " + st.gname(gp))
        elif maddr == pollm:
            w("blocked in netpoll (no P)")
        else:
            w("idle, in the M cache" if m["idle"] else "spinning" if m["spinning"] else "scheduling")
        w('"];\n')
        if maddr == pollm:
            w("  m%d -> netpoll;\n" % mid)
        if left is not None:
            lid = int(left["id"])
            w('  m%d -> p%d_runq [lhead=cluster_p%d, style=dashed, fontname="Helvetica", fontsize=10, label="left in _Psyscall"];\n'
              % (mid, lid, lid))
        pp = int(m["p"])
        if pp:
            pid = int(_fetch(pp, st.ptype)["id"])
            w("  m%d -> p%d_runq [lhead=cluster_p%d];\n" % (mid, pid, pid))

    # The waiting goroutines, one cluster per reason, each in allgs order
    # (dumpreason), with lab 5's second line (waitdetail).
    nreasons = _const("waitReasonMax", 7)
    ioreason, sleepreason = st.IOWait, st.Sleep
    byreason = {}
    for _, gp in st.allgs():
        if st.status(gp) == st.Gwaiting:
            byreason.setdefault(int(gp["waitreason"]), []).append(gp)
    # Sleepers: those that wake first, soonest first (firstsleepers; a
    # stable sort keeps allgs order among ties).
    if sleepreason in byreason:
        byreason[sleepreason].sort(key=lambda gp: INT64_MAX if st.sleepwhen(gp) is None else st.sleepwhen(gp))
    for r in range(1, nreasons):
        gs = byreason.get(r, [])
        if not gs:
            continue
        most = MAXSLEEPERS if r == sleepreason else MAXSHOWN
        w('  subgraph cluster_wait%d {\n    label="waiting: %s";\n' % (r, st.waitreason(r)))
        for gp in gs[:most]:
            detail = ""
            io = st.iowait(gp)
            when = st.sleepwhen(gp)
            if io is not None:
                detail = "\\nfd %d%s" % (io[0], " " + io[1] if io[1] else "")
            elif when is not None:
                detail = "\\n" + ("wakes " if when >= now else "") + relative(when, now)
            w('    g%d [shape=ellipse, label="%s%s"];\n' % (int(gp["goid"]), st.gname(gp), detail))
        if len(gs) > most:
            w('    wait%d_more [shape=plaintext, label="and %d more%s"];\n'
              % (r, len(gs) - most, ", waking later" if r == sleepreason else ""))
        w("  }\n")

    # The netpoller (dumpnetpoller), then the edges to what will wake the
    # waiters (dumpwaiting).
    io = byreason.get(ioreason, [])
    if io or polling:
        w('  netpoll [shape=box, style=rounded, label="netpoller (epoll)\\n')
        w("1 goroutine waits on an fd\\n" if len(io) == 1 else "%d goroutines wait on fds\\n" % len(io))
        if not polling:
            w("no thread blocks in it")
        else:
            w("M%d blocks in epoll_wait" % int(_fetch(pollm, st.mtype)["id"]) if pollm else "an M blocks in epoll_wait")
            until = int(st.sched["pollUntil"])
            if until:
                w("\\nuntil a timer " + relative(until, now))
        w('"];\n')
    for gp in io[:MAXSHOWN]:
        w("  g%d -> netpoll;\n" % int(gp["goid"]))
    if len(io) > MAXSHOWN:
        w("  wait%d_more -> netpoll;\n" % ioreason)
    for gp in byreason.get(sleepreason, [])[:MAXSLEEPERS]:
        t = int(gp["timer"])
        pp = int(_fetch(t, gdb.lookup_type("struct timer"))["pp"]) if t else 0
        pid = int(_fetch(pp, st.ptype)["id"]) if pp else None
        if pid in timersdrawn:
            w("  g%d -> p%d_timers [style=dotted];\n" % (int(gp["goid"]), pid))
    w("}\n")
    return "".join(out)


# ---- info timers ----

class InfoTimers(Command):
    """List each P's timers, earliest first: info timers [N] (the first N, 10 by default).

A line per timer: when it is due, from now, and what it is for: the
goroutine it wakes (a sleeper's timer, g->timer), the fd whose read or
write deadline it marks passed (grt_set_deadline), or else its function
and argument.  The heap is walked from its root, earliest first, so only
about 2N timers are read however many there are."""

    def __init__(self):
        super().__init__("info timers", gdb.COMMAND_STATUS, gdb.COMPLETE_NONE)

    def run(self, arg, from_tty):
        try:
            limit = int(arg) if arg.strip() else 10
        except ValueError:
            raise gdb.GdbError("usage: info timers [N]")
        st = State()
        ttype, pdtype = gdb.lookup_type("struct timer"), gdb.lookup_type("struct pollDesc")
        deadlines = {f.name: f.bitpos // 8 for f in pdtype.fields() if f.name in ("rt", "wt")}
        shown = False
        for _, p in st.allp():
            n, heap = int(p["ntimers"]), int(p["timers"])
            if n <= 0 or not heap:
                continue
            shown = True
            gdb.write("P%d: %d timer%s%s\n" % (int(p["id"]), n, "" if n == 1 else "s",
                                              ", the %d earliest:" % limit if n > limit else ""))
            rows = []
            for i, taddr in self.earliest(st, heap, n, limit, ttype):
                if not taddr:  # a broken heap: say where
                    rows.append(("?", "NULL in timers[%d]" % i))
                    continue
                t = _fetch(taddr, ttype)
                rows.append((relative(int(t["when"]), st.now()), self.what(st, taddr, t, deadlines, pdtype)))
            w = max(len(r[0]) for r in rows) if rows else 0
            for when, what in rows:
                gdb.write("  %-*s  %s\n" % (w, when, what))
        if not shown:
            gdb.write("No timers.\n")

    def earliest(self, st, heap, n, limit, ttype):
        """(slot, address) of the limit earliest timers of a heap of n, in
        order: a min-heap's children are never earlier than their parent,
        so a frontier from the root, smallest first, visits them in order."""
        def at(i):
            addr = st._pointers(heap + i * st.ptrsize, 1)[0]
            return int(_fetch(addr, ttype)["when"]) if addr else INT64_MAX, i, addr
        out, frontier = [], [at(0)]
        while frontier and len(out) < limit:
            _, i, addr = heapq.heappop(frontier)
            out.append((i, addr))
            for c in (2 * i + 1, 2 * i + 2):
                if c < n:
                    heapq.heappush(frontier, at(c))
        return out

    def what(self, st, taddr, t, deadlines, pdtype):
        arg = int(t["arg"])
        for name, off in deadlines.items():
            if arg and taddr == arg + off:
                fd = int(_fetch(arg, pdtype)["fd"])
                return "the %s deadline of fd %d" % ("read" if name == "rt" else "write", fd)
        try:  # not through st.g: arg may be anything
            gp = _fetch(arg, st.gtype) if arg else None
            if gp is not None and int(gp["timer"]) == taddr:
                return "wakes " + st.gname(gp)
        except gdb.MemoryError:
            pass
        f = int(t["f"])
        return "%s(0x%x, %d)" % (st.funcname(f) or "0x%x" % f, arg, int(t["seq"]))


class Grt(gdb.Command):
    """Commands for the goroutine runtime: grt dot.

See also info goroutines, goroutine N CMD, info ps, info ms, info timers."""

    def __init__(self):
        super().__init__("grt", gdb.COMMAND_STATUS, gdb.COMPLETE_COMMAND, True)

    def invoke(self, arg, from_tty):
        gdb.execute("help grt", from_tty)


class GrtDot(Command):
    """Write the scheduler's picture, as grt_dump_dot would now: grt dot [FILE].

The same Graphviz text, byte for byte, read from memory only: it works
with the program stopped anywhere, sched.lock held or not.  Without FILE,
the text goes to gdb's output.  Render with: dot -Tsvg FILE > FILE.svg"""

    def __init__(self):
        super().__init__("grt dot", gdb.COMMAND_STATUS, gdb.COMPLETE_FILENAME)

    def run(self, arg, from_tty):
        args = gdb.string_to_argv(arg)
        if len(args) > 1:
            raise gdb.GdbError("usage: grt dot [FILE]")
        text = dot(State())
        if not args:
            gdb.write(text)
            return
        try:
            with open(args[0], "wb") as f:
                f.write(text.encode("utf-8", "surrogateescape"))
        except OSError as e:
            raise gdb.GdbError("grt dot: %s" % e)
        gdb.write("grt dot: wrote %s\n" % args[0])


InfoGoroutines()
Goroutine()
InfoPs()
InfoMs()
InfoTimers()
Grt()
GrtDot()
