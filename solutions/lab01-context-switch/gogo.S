/*
 * gogo.S - the context switch, and the first code of a new goroutine.  (lab 1)
 *
 * void gogo(struct gobuf *save, struct gobuf *load);
 *     rdi = save, rsi = load (SysV x86-64 ABI, section 3.2).
 *
 * gogo is an ordinary call, so the caller already expects rax, rcx, rdx,
 * rsi, rdi, r8-r11 and every vector register to be clobbered.  What it may
 * rely on across a call, gogo saves in *save: the callee-saved registers
 * rbx, rbp, r12-r15, the control bits of MXCSR and the x87 control word,
 * the stack pointer, and where to continue (gogo's return address).
 * Then it loads *load and jumps: when someone later loads *save, this call
 * to gogo returns, perhaps on another thread.
 *
 * struct gobuf (asm.h has the offsets):
 *     0x00 sp   0x08 pc   0x10 rbx  0x18 rbp  0x20 r12
 *     0x28 r13  0x30 r14  0x38 r15  0x40 mxcsr (4)  0x44 x87 cw (2)
 */
#include "asm.h"

	.text
	.globl	gogo
	.type	gogo, @function
gogo:
	.cfi_startproc
	/* save */
	movq	(%rsp), %rax		/* our return address: resume there */
	movq	%rax, GOBUF_PC(%rdi)
	leaq	8(%rsp), %rax		/* rsp as the caller will see it after ret */
	movq	%rax, GOBUF_SP(%rdi)
	movq	%rbx, GOBUF_BX(%rdi)
	movq	%rbp, GOBUF_BP(%rdi)
	movq	%r12, GOBUF_R12(%rdi)
	movq	%r13, GOBUF_R13(%rdi)
	movq	%r14, GOBUF_R14(%rdi)
	movq	%r15, GOBUF_R15(%rdi)
	stmxcsr	GOBUF_MXCSR(%rdi)
	fnstcw	GOBUF_FPUCW(%rdi)

	/* load */
	movq	GOBUF_BX(%rsi), %rbx
	movq	GOBUF_BP(%rsi), %rbp
	movq	GOBUF_R12(%rsi), %r12
	movq	GOBUF_R13(%rsi), %r13
	movq	GOBUF_R14(%rsi), %r14
	movq	GOBUF_R15(%rsi), %r15
	ldmxcsr	GOBUF_MXCSR(%rsi)
	fldcw	GOBUF_FPUCW(%rsi)
	movq	GOBUF_SP(%rsi), %rsp	/* from here on we are on the other stack */
	jmpq	*GOBUF_PC(%rsi)
	.cfi_endproc
	.size	gogo, .-gogo

/*
 * goentry: where a new goroutine starts (gostartcall sets pc to it).
 * gostartcall left fn in rbx, arg in r12, and rsp 16-byte aligned with
 * goexit_badreturn's address at 0(%rsp).  So: call fn(arg); when fn
 * returns, end the goroutine.  goexit1 never returns; if anything ever
 * returned past this frame, the ret below would take it to
 * goexit_badreturn, which stops the program with a message.
 */
	.globl	goentry
	.type	goentry, @function
goentry:
	.cfi_startproc
	.cfi_undefined rip		/* the outermost frame: debuggers stop here */
	movq	%r12, %rdi
	callq	*%rbx			/* rsp is 16-byte aligned at the call */
	callq	goexit1
	ret
	.cfi_endproc
	.size	goentry, .-goentry

	.section .note.GNU-stack,"",@progbits
