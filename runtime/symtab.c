/*
 * symtab.c - the names of functions, for dumps and messages.
 *
 * A goroutine is best known by the function it was started with.  dladdr
 * only sees exported symbols; the executable's own symbol table (.symtab)
 * also names static functions, as gdb does.  It is read once, by mapping
 * /proc/self/exe; a stripped program has none, and its goroutines are
 * named by address.
 */
#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime.h"

static struct {
	const Elf64_Sym *syms;
	size_t nsyms;
	const char *strs;
	uintptr_t base; /* where the executable is loaded (PIE) */
	uintptr_t end;  /* the end of its last function, relative to base */
} tab;

static int mainbase(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	*(uintptr_t *)data = info->dlpi_addr; /* the first object is the executable */
	return 1;
}

static void symtabload(void)
{
	int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0)
		return;
	const unsigned char *f = NULL;
	if (fstat(fd, &st) == 0 && st.st_size > (off_t)sizeof(Elf64_Ehdr))
		f = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (!f || f == MAP_FAILED)
		return;
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)f;
	if (eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_shoff == 0 ||
	    eh->e_shoff + (size_t)eh->e_shnum * sizeof(Elf64_Shdr) > (size_t)st.st_size)
		return;
	const Elf64_Shdr *sh = (const Elf64_Shdr *)(f + eh->e_shoff);
	for (int i = 0; i < eh->e_shnum; i++) {
		if (sh[i].sh_type != SHT_SYMTAB || sh[i].sh_link >= eh->e_shnum)
			continue;
		tab.syms = (const Elf64_Sym *)(f + sh[i].sh_offset);
		tab.nsyms = sh[i].sh_size / sizeof(Elf64_Sym);
		tab.strs = (const char *)(f + sh[sh[i].sh_link].sh_offset);
	}
	for (size_t i = 0; i < tab.nsyms; i++)
		if (ELF64_ST_TYPE(tab.syms[i].st_info) == STT_FUNC &&
		    tab.syms[i].st_value + tab.syms[i].st_size > tab.end)
			tab.end = tab.syms[i].st_value + tab.syms[i].st_size;
	dl_iterate_phdr(mainbase, &tab.base);
}

static pthread_once_t symtabonce = PTHREAD_ONCE_INIT;

/* Read the table now: a signal handler must not be the first to map it. */
void symtabinit(void)
{
	pthread_once(&symtabonce, symtabload);
}

/* The name of the function that starts exactly at pc, or NULL. */
const char *funcname(uintptr_t pc)
{
	symtabinit();
	for (size_t i = 0; i < tab.nsyms; i++) {
		const Elf64_Sym *s = &tab.syms[i];
		if (ELF64_ST_TYPE(s->st_info) == STT_FUNC && s->st_value && tab.base + s->st_value == pc)
			return tab.strs + s->st_name;
	}
	return NULL;
}

/*
 * The function of the executable that contains pc, and pc's offset in it
 * (*off), or NULL.  A symbol without a size (assembly without .size)
 * counts as reaching up to the next symbol.  Reads only what symtabinit
 * mapped, so a signal handler may call it.
 */
const char *funcfor(uintptr_t pc, uintptr_t *off)
{
	const Elf64_Sym *best = NULL;
	if (pc < tab.base || pc - tab.base >= tab.end)
		return NULL; /* not the executable's code: a shared library's */
	for (size_t i = 0; i < tab.nsyms; i++) {
		const Elf64_Sym *s = &tab.syms[i];
		uintptr_t start = tab.base + s->st_value;
		if (ELF64_ST_TYPE(s->st_info) != STT_FUNC || !s->st_value || start > pc)
			continue;
		if (s->st_size && pc - start >= s->st_size)
			continue;
		if (!best || s->st_value > best->st_value || (s->st_value == best->st_value && s->st_size))
			best = s;
	}
	if (!best)
		return NULL;
	*off = pc - (tab.base + best->st_value);
	return tab.strs + best->st_name;
}
