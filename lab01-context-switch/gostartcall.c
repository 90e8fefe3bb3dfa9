/*
 * gostartcall.c - the first stack frame of a new goroutine.  (lab 1)
 *
 * A new goroutine has never run, so it has no saved registers: make some
 * up, so that the first gogo to it "resumes" it at goentry (gogo.S) with:
 *
 *     rsp  16-byte aligned, and 0(%rsp) = the address of goexit_badreturn
 *     rbx  fn      r12  arg      rbp  0
 *     MXCSR and the x87 control word at MXCSR_DEFAULT and FPUCW_DEFAULT
 *
 *     hi ->  +------------------------+   (top of the stack)
 *            | unused (alignment pad) |
 *     sp ->  | &goexit_badreturn      |   sp % 16 == 0
 *            +------------------------+
 *            | fn's frames grow down  |
 *     lo ->  ...
 *
 * Invariant: everything written lies inside [lo, hi).  A stack too small
 * for this frame is a runtime bug: stop with fatal() (runtime.h).
 */
#include "runtime.h"

void gostartcall(struct gobuf *buf, void *lo, void *hi, void (*fn)(void *), void *arg)
{
	/* TODO(lab01): fill in *buf as described above. */
	(void)buf;
	(void)lo;
	(void)hi;
	(void)fn;
	(void)arg;
	stub_abort("lab01-context-switch", "gostartcall.c", "gostartcall");
}
