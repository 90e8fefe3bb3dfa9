/*
 * regs.S - one injected call of asyncPreempt, as doSigPreempt makes it,
 * with every register holding a value the test chose.  Do not edit: the
 * grader uses a pristine copy of this folder.
 *
 * void regcheck(const uint64_t in[], uint64_t out[]);
 *
 * in:  [0..14] rax rbx rcx rdx rsi rdi rbp r8 r9 r10 r11 r12 r13 r14 r15
 *      [15] flags, [16..47] xmm0..xmm15 (two words each)
 * out: the same, as found when asyncPreempt returned, then [48] rsp's
 *      distance from where it was, [49..64] the 128 bytes below it (the
 *      red zone), which asyncPreempt must not have touched.
 */
	.text
	.globl	regcheck
	.type	regcheck, @function
regcheck:
	pushq	%rbx
	pushq	%rbp
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	subq	$8, %rsp		/* rsp is now 8 mod 16, as anywhere in a function */
	movq	%rsi, (%rsp)		/* out, at 0(%rsp) */
	movq	%rsp, 384(%rsi)		/* rsp0, for the distance */
	/* The red zone: a pattern. */
	movq	$-16, %rax
1:	movabsq	$0x5a5a5a5a00000000, %rcx
	movl	%eax, %edx
	orq	%rdx, %rcx
	movq	%rcx, (%rsp,%rax,8)
	incq	%rax
	jnz	1b
	/* The injected return address below the red zone, and rsp there. */
	leaq	back(%rip), %rax
	movq	%rax, -136(%rsp)
	leaq	-136(%rsp), %rsp
	/* The chosen values: xmm, flags, then the general registers. */
	movdqu	128(%rdi), %xmm0
	movdqu	144(%rdi), %xmm1
	movdqu	160(%rdi), %xmm2
	movdqu	176(%rdi), %xmm3
	movdqu	192(%rdi), %xmm4
	movdqu	208(%rdi), %xmm5
	movdqu	224(%rdi), %xmm6
	movdqu	240(%rdi), %xmm7
	movdqu	256(%rdi), %xmm8
	movdqu	272(%rdi), %xmm9
	movdqu	288(%rdi), %xmm10
	movdqu	304(%rdi), %xmm11
	movdqu	320(%rdi), %xmm12
	movdqu	336(%rdi), %xmm13
	movdqu	352(%rdi), %xmm14
	movdqu	368(%rdi), %xmm15
	pushq	120(%rdi)
	popfq
	movq	0(%rdi), %rax
	movq	8(%rdi), %rbx
	movq	16(%rdi), %rcx
	movq	24(%rdi), %rdx
	movq	32(%rdi), %rsi
	movq	48(%rdi), %rbp
	movq	56(%rdi), %r8
	movq	64(%rdi), %r9
	movq	72(%rdi), %r10
	movq	80(%rdi), %r11
	movq	88(%rdi), %r12
	movq	96(%rdi), %r13
	movq	104(%rdi), %r14
	movq	112(%rdi), %r15
	movq	40(%rdi), %rdi
	jmp	asyncPreempt
back:
	/* As found.  Nothing may write below rsp until the red zone is
	 * copied, nor change the flags until they are. */
	xchgq	%rax, (%rsp)		/* rax = out; the rax that came back waits at 0(%rsp) */
	movq	%rbx, 8(%rax)
	movq	%rcx, 16(%rax)
	movq	%rdx, 24(%rax)
	movq	%rsi, 32(%rax)
	movq	%rdi, 40(%rax)
	movq	%rbp, 48(%rax)
	movq	%r8, 56(%rax)
	movq	%r9, 64(%rax)
	movq	%r10, 72(%rax)
	movq	%r11, 80(%rax)
	movq	%r12, 88(%rax)
	movq	%r13, 96(%rax)
	movq	%r14, 104(%rax)
	movq	%r15, 112(%rax)
	movdqu	%xmm0, 128(%rax)
	movdqu	%xmm1, 144(%rax)
	movdqu	%xmm2, 160(%rax)
	movdqu	%xmm3, 176(%rax)
	movdqu	%xmm4, 192(%rax)
	movdqu	%xmm5, 208(%rax)
	movdqu	%xmm6, 224(%rax)
	movdqu	%xmm7, 240(%rax)
	movdqu	%xmm8, 256(%rax)
	movdqu	%xmm9, 272(%rax)
	movdqu	%xmm10, 288(%rax)
	movdqu	%xmm11, 304(%rax)
	movdqu	%xmm12, 320(%rax)
	movdqu	%xmm13, 336(%rax)
	movdqu	%xmm14, 352(%rax)
	movdqu	%xmm15, 368(%rax)
	movq	-128(%rsp), %rcx
	movq	%rcx, 392(%rax)
	movq	-120(%rsp), %rcx
	movq	%rcx, 400(%rax)
	movq	-112(%rsp), %rcx
	movq	%rcx, 408(%rax)
	movq	-104(%rsp), %rcx
	movq	%rcx, 416(%rax)
	movq	-96(%rsp), %rcx
	movq	%rcx, 424(%rax)
	movq	-88(%rsp), %rcx
	movq	%rcx, 432(%rax)
	movq	-80(%rsp), %rcx
	movq	%rcx, 440(%rax)
	movq	-72(%rsp), %rcx
	movq	%rcx, 448(%rax)
	movq	-64(%rsp), %rcx
	movq	%rcx, 456(%rax)
	movq	-56(%rsp), %rcx
	movq	%rcx, 464(%rax)
	movq	-48(%rsp), %rcx
	movq	%rcx, 472(%rax)
	movq	-40(%rsp), %rcx
	movq	%rcx, 480(%rax)
	movq	-32(%rsp), %rcx
	movq	%rcx, 488(%rax)
	movq	-24(%rsp), %rcx
	movq	%rcx, 496(%rax)
	movq	-16(%rsp), %rcx
	movq	%rcx, 504(%rax)
	movq	-8(%rsp), %rcx
	movq	%rcx, 512(%rax)
	pushfq
	popq	%rcx
	movq	%rcx, 120(%rax)
	cld
	movq	(%rsp), %rcx
	movq	%rcx, 0(%rax)
	movq	%rsp, %rcx
	subq	384(%rax), %rcx
	movq	%rcx, 384(%rax)
	addq	$8, %rsp
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbp
	popq	%rbx
	ret
	.size	regcheck, .-regcheck

	.section .note.GNU-stack,"",@progbits
