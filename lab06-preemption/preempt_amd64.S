/*
 * preempt_amd64.S - asyncPreempt: a call the interrupted code never made.
 * (lab 6)
 *
 * doSigPreempt leaves the goroutine here, on its own stack, as if the
 * instruction at pc had called asyncPreempt from 128 bytes below its
 * stack pointer sp0:
 *
 *     sp0        the interrupted stack pointer
 *     sp0 - 128  the red zone, which the function may be using
 *     sp0 - 136  pc, where to go back to            <- rsp on entry
 *
 * asyncPreempt must save every general register, the flags and the
 * x87/SSE state, call asyncPreempt2 (which switches to the scheduler and
 * returns when the goroutine runs again, perhaps on another thread),
 * restore them all, and continue at pc with rsp = sp0.  rsp on entry is
 * a multiple of 8, not of 16.
 *
 * Until you write it, it stops the program with a message (the shipped
 * doSigPreempt never comes here).
 */
	.text
	.globl	asyncPreempt
	.type	asyncPreempt, @function
asyncPreempt:
	/* TODO(lab06) */
	andq	$-16, %rsp
	leaq	lab(%rip), %rdi
	leaq	file(%rip), %rsi
	leaq	name(%rip), %rdx
	call	stub_abort
	.size	asyncPreempt, .-asyncPreempt

	.section .rodata
lab:	.asciz "lab06-preemption"
file:	.asciz "preempt_amd64.S"
name:	.asciz "asyncPreempt"

	.section .note.GNU-stack,"",@progbits
