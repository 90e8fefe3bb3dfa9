/*
 * preempt_amd64.S - asyncPreempt: a call the interrupted code never made.
 * (lab 6)
 *
 * doSigPreempt left the goroutine here, on its own stack, as if the
 * instruction at pc had called us from 128 bytes below its stack pointer:
 *
 *     sp0        the interrupted stack pointer
 *     sp0 - 128  the red zone, which the function may be using: untouched
 *     sp0 - 136  pc, where to go back to            <- rsp on entry
 *
 * Nothing here may change a bit of what the goroutine had: every general
 * register, the flags, and the x87/SSE state (fxsave: the xmm registers,
 * MXCSR, the x87 stack and control word), which the C code we call may
 * use freely.  rsp on entry is 8-aligned, not 16: align it for the call
 * and for fxsave, keeping the old one in rbx (saved first, and kept by
 * any C function).  Then the return: ret $128 pops pc and then steps over
 * the red zone, so that rsp is sp0 again, without touching a flag.
 *
 * The .cfi lines change no instruction: they tell a debugger how to find
 * the interrupted frame (pc, and rsp 128 bytes above the one a real call
 * would have left), so that gdb's bt goes on past asyncPreempt into the
 * goroutine's own function.  They are exact from the movq to rbx on.
 *
 * After Go's preempt_amd64.s, which its mkpreempt.go writes.
 */
	.text
	.globl	asyncPreempt
	.type	asyncPreempt, @function
asyncPreempt:
	.cfi_startproc
	/* rsp's value in the interrupted frame is CFA + 128: DWARF's
	 * DW_CFA_val_offset_sf (0x15), register 7 (rsp), factored offset -16
	 * (times the data alignment, -8), spelled out for clang's assembler,
	 * which lacks .cfi_val_offset. */
	.cfi_escape 0x15, 0x07, 0x70
	pushfq
	pushq	%rax
	pushq	%rbx
	pushq	%rcx
	pushq	%rdx
	pushq	%rsi
	pushq	%rdi
	pushq	%rbp
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	movq	%rsp, %rbx
	.cfi_def_cfa rbx, 136
	.cfi_offset rbx, -32
	.cfi_offset rbp, -72
	.cfi_offset r12, -104
	.cfi_offset r13, -112
	.cfi_offset r14, -120
	.cfi_offset r15, -128
	andq	$-16, %rsp
	subq	$512, %rsp
	fxsave64 (%rsp)
	cld			/* the ABI wants the direction flag clear at a call */
	call	asyncPreempt2
	fxrstor64 (%rsp)
	movq	%rbx, %rsp
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%r11
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rbp
	popq	%rdi
	popq	%rsi
	popq	%rdx
	popq	%rcx
	popq	%rbx
	popq	%rax
	popfq
	ret	$128
	.cfi_endproc
	.size	asyncPreempt, .-asyncPreempt

	.section .note.GNU-stack,"",@progbits
