/*
 * gostartcall.c - the first stack frame of a new goroutine.  (lab 1)
 *
 * A new goroutine has never run, so it has no saved registers: we make
 * some up, so that the first gogo to it "resumes" it at goentry with:
 *
 *     rsp  16-byte aligned, and 0(%rsp) = goexit_badreturn
 *     rbx  fn      r12  arg      rbp  0 (ends gdb's frame chain)
 *     MXCSR and the x87 control word at their defaults
 *
 *     hi ->  +------------------------+   (top of the stack)
 *            | unused (alignment pad) |
 *     sp ->  | &goexit_badreturn      |   sp % 16 == 0
 *            +------------------------+
 *            | fn's frames grow down  |
 *     lo ->  ...
 *
 * Why sp % 16 == 0: goentry calls fn, which pushes 8 bytes, and the ABI
 * wants rsp + 8 to be a multiple of 16 at every function's first
 * instruction.
 */
#include "runtime.h"

void gostartcall(struct gobuf *buf, void *lo, void *hi, void (*fn)(void *), void *arg)
{
	uintptr_t sp = ((uintptr_t)hi & ~(uintptr_t)15) - 16;
	if (sp < (uintptr_t)lo)
		fatal("gostartcall: stack [%p, %p) is too small", lo, hi);
	*(uintptr_t *)sp = (uintptr_t)goexit_badreturn;

	buf->sp = sp;
	buf->pc = (uintptr_t)goentry;
	buf->bx = (uintptr_t)fn;
	buf->r12 = (uintptr_t)arg;
	buf->bp = 0;
	buf->mxcsr = MXCSR_DEFAULT;
	buf->fpucw = FPUCW_DEFAULT;
}
