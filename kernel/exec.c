/* kernel/exec.c: ELF loading. lib/elf.c has already checked every header
 * field by the time a byte is copied, so a bad program is an error, never a
 * fault. */
#include "kernel/exec.h"
#include "kernel/kalloc.h"
#include "kernel/kernel.h"
#include "lib/elf.h"
#include "lib/syscall_abi.h"

static uint64_t elf_perm(uint32_t flags)
{
    uint64_t perm = 0;
    if (flags & ELF_R)
        perm |= PTE_R;
    if (flags & ELF_W)
        perm |= PTE_R | PTE_W;
    if (flags & ELF_X)
        perm |= PTE_X;
    return perm;
}

/* Stack: strings at the top, then the argv array, 16-byte aligned. The page
 * under the stack stays unmapped as a guard. */
static int setup_stack(struct addrspace *as, char *const argv[], int argc, uint64_t entry,
                       struct user_start *out)
{
    uint64_t stack_lo = USER_TOP - USER_STACK_SIZE;
    int rv = vm_alloc_range(as, stack_lo, USER_STACK_SIZE, PTE_R | PTE_W);
    if (rv)
        return rv;
    if (argc < 0 || argc > USER_ARGV_MAX)
        return -E2BIG;
    uint64_t sp = USER_TOP, ptrs[USER_ARGV_MAX + 1];
    uint64_t total = 0;
    for (int i = argc - 1; i >= 0; i--) {
        uint64_t n = strlen(argv[i]) + 1;
        total += n;
        if (total > USER_ARG_BYTES)
            return -E2BIG;
        sp -= n;
        if (vm_fill(as, sp, argv[i], n))
            return -ENOMEM;
        ptrs[i] = sp;
    }
    ptrs[argc] = 0;
    sp &= ~15UL;
    sp -= (uint64_t)(argc + 1) * 8;
    sp &= ~15UL;
    if (vm_fill(as, sp, ptrs, (uint64_t)(argc + 1) * 8))
        return -ENOMEM;
    out->entry = entry;
    out->sp = sp;
    out->argc = (uint64_t)argc;
    out->argv = sp;
    return 0;
}

int exec_load(struct addrspace *as, const void *elf, uint64_t len, char *const argv[], int argc,
              struct user_start *out)
{
    /* The loader fills read-only text too, so it writes through vm_fill
     * (no W check) rather than vm_copyout. */
    struct elf_image img;
    if (elf_parse(elf, len, USER_BASE, USER_TOP - USER_STACK_SIZE - PAGE_SIZE, &img) != 0)
        return -ENOEXEC;

    uint64_t top = 0;
    for (int i = 0; i < img.nseg; i++) {
        const struct elf_segment *s = &img.seg[i];
        int rv = vm_alloc_range(as, s->vaddr, s->memsz, elf_perm(s->flags));
        if (rv)
            return rv;
        if (s->filesz && vm_fill(as, s->vaddr, (const char *)elf + s->offset, s->filesz))
            return -ENOEXEC;
        if (s->vaddr + s->memsz > top)
            top = s->vaddr + s->memsz;
    }
    as->heap_start = as->brk = PAGE_ROUND_UP(top);
    return setup_stack(as, argv, argc, img.entry, out);
}

int exec_load_user(struct addrspace *as, const struct exec_user_image *src, char *const argv[],
                   int argc, struct user_start *out)
{
    char *page = page_alloc();
    if (!page)
        return -ENOMEM;
    int rv = -ENOEXEC;
    uint64_t head = src->len < PAGE_SIZE ? src->len : PAGE_SIZE;
    struct elf_image img;
    if (vm_copyin(src->as, page, src->va, head)) {
        rv = -EFAULT;
        goto out;
    }
    /* elf_parse reads the ELF header and the program headers only: make
     * sure those are in the page we hold before it looks (e_phoff at 32,
     * e_phnum at 56, 56-byte entries). */
    if (head < 64)
        goto out;
    uint64_t phoff = 0, phnum = (uint8_t)page[56] | (uint64_t)(uint8_t)page[57] << 8;
    for (int i = 0; i < 8; i++)
        phoff |= (uint64_t)(uint8_t)page[32 + i] << (8 * i);
    if (phoff > head || phnum > (head - phoff) / 56)
        goto out;
    if (elf_parse(page, src->len, USER_BASE, USER_TOP - USER_STACK_SIZE - PAGE_SIZE, &img))
        goto out;
    uint64_t top = 0;
    for (int i = 0; i < img.nseg; i++) {
        const struct elf_segment *s = &img.seg[i];
        if ((rv = vm_alloc_range(as, s->vaddr, s->memsz, elf_perm(s->flags))) != 0)
            goto out;
        for (uint64_t done = 0; done < s->filesz;) {
            uint64_t n = s->filesz - done < PAGE_SIZE ? s->filesz - done : PAGE_SIZE;
            if (vm_copyin(src->as, page, src->va + s->offset + done, n)) {
                rv = -EFAULT;
                goto out;
            }
            if (vm_fill(as, s->vaddr + done, page, n)) {
                rv = -ENOEXEC;
                goto out;
            }
            done += n;
        }
        if (s->vaddr + s->memsz > top)
            top = s->vaddr + s->memsz;
    }
    as->heap_start = as->brk = PAGE_ROUND_UP(top);
    rv = setup_stack(as, argv, argc, img.entry, out);
out:
    page_free(page);
    return rv;
}
