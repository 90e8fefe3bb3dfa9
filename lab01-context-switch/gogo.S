/*
 * gogo.S - the context switch, and the first code of a new goroutine.  (lab 1)
 *
 * void gogo(struct gobuf *save, struct gobuf *load);
 *     rdi = save, rsi = load (SysV x86-64 ABI, section 3.2).
 *
 * gogo saves the calling goroutine's registers in *save, loads *load, and
 * continues where *load was saved.  When someone later loads *save, this
 * call to gogo returns, perhaps on another thread.
 *
 * Which registers?  Only those a caller may rely on across a call:
 * rbx, rbp, r12-r15, the control bits of MXCSR and the x87 control word,
 * plus the stack pointer and where to continue.  struct gobuf in
 * runtime/runtime.h has one field for each; asm.h names their offsets:
 *
 *     0x00 sp   0x08 pc   0x10 rbx  0x18 rbp  0x20 r12
 *     0x28 r13  0x30 r14  0x38 r15  0x40 mxcsr (4)  0x44 x87 cw (2)
 *
 * goentry is where a new goroutine starts: gostartcall.c says what it
 * finds in its registers and on its stack.
 *
 * Until you write them, both stop the program with a message.
 */
#include "asm.h"

	.text
	.globl	gogo
	.type	gogo, @function
gogo:
	/* TODO(lab01): save the registers in *save (rdi), load *load (rsi),
	 * and continue at load->pc with rsp = load->sp. */
	leaq	lab(%rip), %rdi
	leaq	file(%rip), %rsi
	leaq	gogoname(%rip), %rdx
	jmp	stub_abort
	.size	gogo, .-gogo

	.globl	goentry
	.type	goentry, @function
goentry:
	/* TODO(lab01): call fn(arg) (fn in rbx, arg in r12), then goexit1. */
	leaq	lab(%rip), %rdi
	leaq	file(%rip), %rsi
	leaq	goentryname(%rip), %rdx
	jmp	stub_abort
	.size	goentry, .-goentry

	.section .rodata
lab:		.asciz "lab01-context-switch"
file:		.asciz "gogo.S"
gogoname:	.asciz "gogo"
goentryname:	.asciz "goentry"

	.section .note.GNU-stack,"",@progbits
