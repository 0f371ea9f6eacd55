/* lib/elf.c: ELF64 executable validation (System V gABI, "ELF-64 Object File
 * Format"; RISC-V psABI for EM_RISCV). Fields are read byte by byte in little
 * endian, so the file needs no alignment in memory. */
#include "lib/elf.h"

#include <stdbool.h>
#include <stddef.h>

#include "lib/errno.h"

#define EHDR_SIZE 64
#define PHDR_SIZE 56
#define ET_EXEC 2
#define EM_RISCV 243
#define PT_LOAD 1

static uint64_t le(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

/* Decodes and checks one PT_LOAD program header into *s. */
static int check_load(const uint8_t *ph, uint64_t len, uint64_t lo, uint64_t hi,
                      struct elf_segment *s)
{
    uint32_t flags = (uint32_t)le(ph + 4, 4);
    uint64_t offset = le(ph + 8, 8), vaddr = le(ph + 16, 8);
    uint64_t filesz = le(ph + 32, 8), memsz = le(ph + 40, 8), align = le(ph + 48, 8);

    if (memsz == 0 || filesz > memsz)
        return -ENOEXEC;
    if (offset > len || filesz > len - offset)
        return -ENOEXEC;
    if (vaddr > UINT64_MAX - memsz)
        return -ENOEXEC;
    if (vaddr < lo || vaddr + memsz > hi)
        return -ENOEXEC;
    if (filesz > 0 && vaddr % ELF_PAGE != offset % ELF_PAGE)
        return -ENOEXEC;
    if (align != 0 && (align & (align - 1)) != 0)
        return -ENOEXEC;
    if ((flags & ELF_W) && (flags & ELF_X))
        return -ENOEXEC;
    *s = (struct elf_segment){.vaddr = vaddr,
                              .memsz = memsz,
                              .offset = offset,
                              .filesz = filesz,
                              .flags = flags & (ELF_R | ELF_W | ELF_X)};
    return 0;
}

/* Do the page ranges of two segments meet? (Last pages, so no overflow.) */
static bool pages_overlap(const struct elf_segment *a, const struct elf_segment *b)
{
    uint64_t a0 = a->vaddr / ELF_PAGE, a1 = (a->vaddr + a->memsz - 1) / ELF_PAGE;
    uint64_t b0 = b->vaddr / ELF_PAGE, b1 = (b->vaddr + b->memsz - 1) / ELF_PAGE;
    return a0 <= b1 && b0 <= a1;
}

int elf_parse(const void *data, uint64_t len, uint64_t lo, uint64_t hi, struct elf_image *out)
{
    const uint8_t *d = data;
    if (!d || !out || len < EHDR_SIZE)
        return -ENOEXEC;

    /* ---- the ELF header ---- */
    if (d[0] != 0x7f || d[1] != 'E' || d[2] != 'L' || d[3] != 'F')
        return -ENOEXEC;
    if (d[4] != 2 /* ELFCLASS64 */ || d[5] != 1 /* ELFDATA2LSB */ || d[6] != 1 /* EV_CURRENT */)
        return -ENOEXEC;
    if (le(d + 16, 2) != ET_EXEC || le(d + 18, 2) != EM_RISCV || le(d + 20, 4) != 1)
        return -ENOEXEC;
    uint64_t entry = le(d + 24, 8), phoff = le(d + 32, 8);
    uint64_t ehsize = le(d + 52, 2), phentsize = le(d + 54, 2), phnum = le(d + 56, 2);
    if (ehsize != EHDR_SIZE || phentsize != PHDR_SIZE || phnum < 1 || phnum > ELF_MAX_PHNUM)
        return -ENOEXEC;
    if (phoff > len || phnum * PHDR_SIZE > len - phoff)
        return -ENOEXEC;

    /* ---- the loadable segments ---- */
    out->entry = entry;
    out->nseg = 0;
    for (uint64_t i = 0; i < phnum; i++) {
        const uint8_t *ph = d + phoff + i * PHDR_SIZE;
        if (le(ph, 4) != PT_LOAD)
            continue;
        if (out->nseg == ELF_MAX_SEGS)
            return -ENOEXEC;
        struct elf_segment *s = &out->seg[out->nseg];
        if (check_load(ph, len, lo, hi, s) < 0)
            return -ENOEXEC;
        for (int j = 0; j < out->nseg; j++)
            if (pages_overlap(&out->seg[j], s))
                return -ENOEXEC;
        out->nseg++;
    }
    if (out->nseg == 0)
        return -ENOEXEC;

    bool entry_ok = false;
    for (int j = 0; j < out->nseg; j++) {
        const struct elf_segment *s = &out->seg[j];
        if ((s->flags & ELF_X) && entry >= s->vaddr && entry - s->vaddr < s->memsz)
            entry_ok = true;
    }
    return entry_ok ? 0 : -ENOEXEC;
}
