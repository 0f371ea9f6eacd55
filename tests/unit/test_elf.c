/* tests/unit/test_elf.c: lib/elf on hand-assembled images, a mutation of each
 * checked field, and a real program built by riscv64-unknown-elf-gcc. */
#include <stdlib.h>
#include <string.h>

#include "lib/elf.h"
#include "lib/errno.h"
#include "tests/unit/unit.h"

#define LO 0x10000ull
#define HI 0x100000ull
#define FILE_LEN 0x3000u

/* A hand-assembled executable: text R-X at 0x10000 (file 0..0x1200), data RW-
 * at 0x12000 (file 0x2000..0x2100, memsz 0x2000: bss), and a non-loadable
 * RISCV_ATTRIBUTES header between them. */
struct img {
    uint8_t b[FILE_LEN];
};

static void put(uint8_t *p, uint64_t v, int n)
{
    for (int i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* Offsets of header fields, for the mutations. */
#define E_TYPE 16
#define E_MACHINE 18
#define E_VERSION 20
#define E_ENTRY 24
#define E_PHOFF 32
#define E_EHSIZE 52
#define E_PHENTSIZE 54
#define E_PHNUM 56
#define PH(i) (64 + 56 * (i))
#define P_TYPE 0
#define P_FLAGS 4
#define P_OFFSET 8
#define P_VADDR 16
#define P_FILESZ 32
#define P_MEMSZ 40
#define P_ALIGN 48

static void phdr(uint8_t *ph, uint32_t type, uint32_t flags, uint64_t off, uint64_t vaddr,
                 uint64_t filesz, uint64_t memsz, uint64_t align)
{
    put(ph + P_TYPE, type, 4);
    put(ph + P_FLAGS, flags, 4);
    put(ph + P_OFFSET, off, 8);
    put(ph + P_VADDR, vaddr, 8);
    put(ph + 24, vaddr, 8); /* p_paddr */
    put(ph + P_FILESZ, filesz, 8);
    put(ph + P_MEMSZ, memsz, 8);
    put(ph + P_ALIGN, align, 8);
}

static void img_init(struct img *m)
{
    memset(m, 0, sizeof *m);
    uint8_t *b = m->b;
    memcpy(b,
           "\x7f"
           "ELF\x02\x01\x01",
           7);
    put(b + E_TYPE, 2, 2);
    put(b + E_MACHINE, 243, 2);
    put(b + E_VERSION, 1, 4);
    put(b + E_ENTRY, 0x10100, 8);
    put(b + E_PHOFF, 64, 8);
    put(b + E_EHSIZE, 64, 2);
    put(b + E_PHENTSIZE, 56, 2);
    put(b + E_PHNUM, 3, 2);
    phdr(b + PH(0), 1, ELF_R | ELF_X, 0, 0x10000, 0x1200, 0x1200, 0x1000);
    phdr(b + PH(1), 0x70000003, ELF_R, 0x2f00, 0, 0x10, 0, 1);
    phdr(b + PH(2), 1, ELF_R | ELF_W, 0x2000, 0x12000, 0x100, 0x2000, 0x1000);
}

static int img_parse(const struct img *m, uint64_t len, struct elf_image *out)
{
    /* An exact-size copy, so ASan sees any read past len. */
    uint8_t *copy = malloc(len ? len : 1);
    memcpy(copy, m->b, len);
    int rv = elf_parse(copy, len, LO, HI, out);
    free(copy);
    return rv;
}

static void elf_good(void)
{
    struct img m;
    struct elf_image ei;
    img_init(&m);
    CHECK_EQ(img_parse(&m, FILE_LEN, &ei), 0);
    CHECK_EQ(ei.entry, 0x10100);
    CHECK_EQ(ei.nseg, 2);
    CHECK_EQ(ei.seg[0].vaddr, 0x10000);
    CHECK_EQ(ei.seg[0].memsz, 0x1200);
    CHECK_EQ(ei.seg[0].offset, 0);
    CHECK_EQ(ei.seg[0].filesz, 0x1200);
    CHECK_EQ(ei.seg[0].flags, ELF_R | ELF_X);
    CHECK_EQ(ei.seg[1].vaddr, 0x12000);
    CHECK_EQ(ei.seg[1].memsz, 0x2000);
    CHECK_EQ(ei.seg[1].offset, 0x2000);
    CHECK_EQ(ei.seg[1].filesz, 0x100);
    CHECK_EQ(ei.seg[1].flags, ELF_R | ELF_W);
    /* A file cut short of the last loadable byte (0x2100) is refused; the
     * non-loadable tail is not needed. Nothing is read past len (ASan). */
    for (uint64_t n = 0; n < FILE_LEN; n++)
        CHECK_EQ(img_parse(&m, n, &ei), n < 0x2100 ? -ENOEXEC : 0);
    CHECK_EQ(elf_parse(NULL, FILE_LEN, LO, HI, &ei), -ENOEXEC);
    CHECK_EQ(elf_parse(m.b, FILE_LEN, LO, HI, NULL), -ENOEXEC);
}

/* Border cases that must still parse. */
static void elf_good_edges(void)
{
    struct img m;
    struct elf_image ei;

    img_init(&m); /* segment ending exactly at hi; bss-only misaligned segment */
    phdr(m.b + PH(2), 1, ELF_R | ELF_W, 0, HI - 0x800, 0, 0x800, 0);
    CHECK_EQ(img_parse(&m, FILE_LEN, &ei), 0);
    CHECK_EQ(ei.seg[1].filesz, 0);

    img_init(&m); /* garbage in a non-loadable header is ignored */
    phdr(m.b + PH(1), 6, 7, ~0ull, ~0ull, ~0ull, 1, 3);
    CHECK_EQ(img_parse(&m, FILE_LEN, &ei), 0);

    img_init(&m); /* a read-only segment, and entry at the last text byte */
    put(m.b + E_ENTRY, 0x111ff, 8);
    phdr(m.b + PH(1), 1, ELF_R, 0x2f00, 0x13f00, 0x10, 0x10, 0x1000);
    put(m.b + PH(2) + P_MEMSZ, 0x1000, 8); /* data now ends at 0x13000 */
    CHECK_EQ(img_parse(&m, FILE_LEN, &ei), 0);
    CHECK_EQ(ei.nseg, 3);

    img_init(&m); /* ELF_MAX_SEGS loads */
    put(m.b + E_PHNUM, ELF_MAX_SEGS, 2);
    for (int i = 1; i < ELF_MAX_SEGS; i++)
        phdr(m.b + PH(i), 1, ELF_R, 0, 0x20000 + 0x1000 * (uint64_t)i, 0, 0x10, 0);
    CHECK_EQ(img_parse(&m, FILE_LEN, &ei), 0);
    CHECK_EQ(ei.nseg, ELF_MAX_SEGS);
}

/* One change each; every one must be refused. */
static void elf_mutations(void)
{
    static const struct {
        const char *what;
        int off, size;
        uint64_t val;
    } muts[] = {
        {"magic0", 0, 1, 0x7e},
        {"magic1", 1, 1, 'e'},
        {"magic3", 3, 1, 'G'},
        {"class32", 4, 1, 1},
        {"big endian", 5, 1, 2},
        {"ei_version", 6, 1, 0},
        {"ET_DYN", E_TYPE, 2, 3},
        {"ET_REL", E_TYPE, 2, 1},
        {"x86-64", E_MACHINE, 2, 62},
        {"e_version", E_VERSION, 4, 2},
        {"e_ehsize", E_EHSIZE, 2, 52},
        {"e_phentsize", E_PHENTSIZE, 2, 32},
        {"e_phnum 0", E_PHNUM, 2, 0},
        {"e_phnum 65", E_PHNUM, 2, 65},
        {"e_phnum xnum", E_PHNUM, 2, 0xffff},
        {"phoff past end", E_PHOFF, 8, FILE_LEN - 56 * 3 + 1},
        {"phoff wraps", E_PHOFF, 8, ~0ull - 10},
        {"entry in data", E_ENTRY, 8, 0x12000},
        {"entry below", E_ENTRY, 8, 0xffff},
        {"entry past text", E_ENTRY, 8, 0x11200},
        {"filesz > memsz", PH(0) + P_FILESZ, 8, 0x1201},
        {"memsz 0", PH(2) + P_MEMSZ, 8, 0},
        {"file data past end", PH(2) + P_FILESZ, 8, FILE_LEN - 0x2000 + 1},
        {"offset past end", PH(2) + P_OFFSET, 8, FILE_LEN + 0x1000},
        {"offset wraps", PH(2) + P_OFFSET, 8, ~0ull - 0xfff},
        {"vaddr wraps", PH(2) + P_VADDR, 8, ~0ull - 0xfff},
        {"vaddr below lo", PH(0) + P_VADDR, 8, LO - 0x1000},
        {"end past hi", PH(2) + P_MEMSZ, 8, HI - 0x12000 + 1},
        {"vaddr/offset mod page", PH(2) + P_VADDR, 8, 0x12008},
        {"align 3", PH(2) + P_ALIGN, 8, 3},
        {"align 0x1800", PH(0) + P_ALIGN, 8, 0x1800},
        {"W+X data", PH(2) + P_FLAGS, 4, ELF_R | ELF_W | ELF_X},
        {"W+X text", PH(0) + P_FLAGS, 4, ELF_W | ELF_X},
        {"text not X", PH(0) + P_FLAGS, 4, ELF_R},
        {"no loads", PH(0) + P_TYPE, 4, 4},
        {"same page", PH(2) + P_VADDR, 8, 0x11000},
        {"page overlap", PH(0) + P_MEMSZ, 8, 0x2001},
    };
    for (size_t i = 0; i < sizeof muts / sizeof muts[0]; i++) {
        struct img m;
        struct elf_image ei;
        img_init(&m);
        put(m.b + muts[i].off, muts[i].val, muts[i].size);
        int rv = img_parse(&m, FILE_LEN, &ei);
        if (rv != -ENOEXEC)
            unit_fail(__FILE__, __LINE__, "mutation \"%s\" gave %d", muts[i].what, rv);
        CHECK_OK();
    }

    /* More than ELF_MAX_SEGS loadable segments. */
    struct img m;
    struct elf_image ei;
    img_init(&m);
    put(m.b + E_PHNUM, ELF_MAX_SEGS + 1, 2);
    for (int i = 1; i <= ELF_MAX_SEGS; i++)
        phdr(m.b + PH(i), 1, ELF_R, 0, 0x20000 + 0x1000 * (uint64_t)i, 0, 0x10, 0);
    CHECK_EQ(img_parse(&m, FILE_LEN, &ei), -ENOEXEC);

    /* Only non-loadable headers. */
    img_init(&m);
    put(m.b + E_PHNUM, 2, 2);
    put(m.b + PH(0) + P_TYPE, 4, 4);
    CHECK_EQ(img_parse(&m, FILE_LEN, &ei), -ENOEXEC);

    /* An image range that excludes everything. */
    img_init(&m);
    CHECK_EQ(elf_parse(m.b, FILE_LEN, HI, LO, &ei), -ENOEXEC);
}

/* Random byte changes never crash and never yield an unchecked result. */
static void elf_random_mutations(void)
{
    uint64_t x = 0x9e3779b97f4a7c15ull;
    for (int iter = 0; iter < 20000; iter++) {
        struct img m;
        struct elf_image ei;
        img_init(&m);
        for (int k = 0; k < 1 + iter % 4; k++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            m.b[(x >> 8) % (64 + 56 * 3)] = (uint8_t)x;
        }
        int rv = img_parse(&m, FILE_LEN, &ei);
        CHECK(rv == 0 || rv == -ENOEXEC);
        if (rv == 0) {
            CHECK(ei.nseg >= 1 && ei.nseg <= ELF_MAX_SEGS);
            for (int j = 0; j < ei.nseg; j++) {
                CHECK(ei.seg[j].vaddr >= LO && ei.seg[j].vaddr + ei.seg[j].memsz <= HI);
                CHECK(ei.seg[j].offset + ei.seg[j].filesz <= FILE_LEN);
                CHECK(!((ei.seg[j].flags & ELF_W) && (ei.seg[j].flags & ELF_X)));
            }
        }
    }
}

/* A program linked by the real toolchain (see UNIT_ELF in unit.mk). */
static void elf_real_program(void)
{
    uint64_t len;
    void *data = unit_read_file("build/host/elf/start.elf", &len);
    CHECK_OK();
    struct elf_image ei;
    int rv = elf_parse(data, len, 0x1000000000ull, 0x1100000000ull, &ei);
    CHECK_EQ(rv, 0);
    CHECK_EQ(ei.entry, 0x1000010000ull);
    CHECK_EQ(ei.nseg, 2);
    CHECK_EQ(ei.seg[0].flags, ELF_R | ELF_X);
    CHECK_EQ(ei.seg[1].flags, ELF_R | ELF_W);
    CHECK(ei.seg[1].memsz > ei.seg[1].filesz); /* it has bss */
    /* The same program outside the allowed range is refused. */
    CHECK_EQ(elf_parse(data, len, 0x1000010000ull, 0x1100000000ull, &ei), -ENOEXEC);
    free(data);
}

/* The fuzzer's seeds are valid, so it mutates from accepted inputs (same
 * range as tests/fuzz/fuzz_elf.c). */
static void elf_fuzz_seeds(void)
{
    static const char *seeds[] = {"tests/fuzz/corpus/fuzz_elf/tiny.elf",
                                  "tests/fuzz/corpus/fuzz_elf/gcc-start.elf"};
    for (int i = 0; i < 2; i++) {
        uint64_t len;
        void *data = unit_read_file(seeds[i], &len);
        CHECK_OK();
        struct elf_image ei;
        int rv = elf_parse(data, len, 0x10000, 0x4000000000ull, &ei);
        free(data);
        CHECK_EQ(rv, 0);
        CHECK_EQ(ei.nseg, 2);
    }
}

const struct unit_test unit_elf_tests[] = {
    {"elf_good", elf_good},
    {"elf_good_edges", elf_good_edges},
    {"elf_mutations", elf_mutations},
    {"elf_random_mutations", elf_random_mutations},
    {"elf_real_program", elf_real_program},
    {"elf_fuzz_seeds", elf_fuzz_seeds},
    {NULL, NULL},
};
