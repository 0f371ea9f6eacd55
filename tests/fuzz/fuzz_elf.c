/* tests/fuzz/fuzz_elf.c: libFuzzer target for lib/elf. The input is the file;
 * elf_parse must return 0 or -ENOEXEC without reading outside it, and every
 * accepted image must satisfy the promises lib/elf.h makes to the loader. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/elf.h"
#include "lib/errno.h"

#define LO 0x10000ull
#define HI 0x4000000000ull

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *file = malloc(size ? size : 1);
    memcpy(file, data, size);
    struct elf_image ei;
    int rv = elf_parse(file, size, LO, HI, &ei);
    if (rv != 0 && rv != -ENOEXEC)
        abort();
    if (rv == 0) {
        if (ei.nseg < 1 || ei.nseg > ELF_MAX_SEGS)
            abort();
        int has_entry = 0;
        for (int i = 0; i < ei.nseg; i++) {
            const struct elf_segment *s = &ei.seg[i];
            if (s->memsz == 0 || s->filesz > s->memsz || s->vaddr < LO ||
                s->vaddr + s->memsz > HI || s->vaddr + s->memsz < s->vaddr)
                abort();
            if (s->offset > size || s->filesz > size - s->offset)
                abort();
            if ((s->flags & ELF_W) && (s->flags & ELF_X))
                abort();
            if ((s->flags & ELF_X) && ei.entry >= s->vaddr && ei.entry - s->vaddr < s->memsz)
                has_entry = 1;
            for (int j = 0; j < i; j++) {
                const struct elf_segment *t = &ei.seg[j];
                uint64_t s0 = s->vaddr / 4096, s1 = (s->vaddr + s->memsz - 1) / 4096;
                uint64_t t0 = t->vaddr / 4096, t1 = (t->vaddr + t->memsz - 1) / 4096;
                if (s0 <= t1 && t0 <= s1)
                    abort();
            }
            /* Touch the file bytes the loader would copy. */
            volatile uint8_t sink = 0;
            if (s->filesz)
                sink ^= file[s->offset] ^ file[s->offset + s->filesz - 1];
            (void)sink;
        }
        if (!has_entry)
            abort();
    }
    free(file);
    return 0;
}
