/* tests/unit/test_fdt.c: lib/fdt against real QEMU virt DTBs (committed ones in
 * tests/unit/data/ and ones dumped at build time into build/host/dtb/), against
 * synthetic trees built by a small writer below, and against mutations. */
#include <stdlib.h>
#include <string.h>

#include "lib/errno.h"
#include "lib/fdt.h"
#include "tests/unit/unit.h"

#define MiB (1024ull * 1024)

/* Checks what every QEMU virt machine has, whatever its options. */
static void check_virt_common(const struct fdt_info *fi)
{
    CHECK_EQ(fi->mem_base, 0x80000000);
    CHECK_EQ(fi->uart.base, 0x10000000);
    CHECK_EQ(fi->uart.size, 0x100);
    CHECK_EQ(fi->uart.irq, 10);
    CHECK_EQ(fi->uart_clock, 3686400);
    CHECK_EQ(fi->plic.base, 0xc000000);
    CHECK_EQ(fi->plic.size, 0x600000);
    CHECK_EQ(fi->timebase_freq, 10000000);
    CHECK_EQ(fi->nvirtio, 8);
    /* FDT order: QEMU emits the slots from the highest address down. */
    for (int i = 0; i < 8; i++) {
        CHECK_EQ(fi->virtio[i].base, 0x10008000 - 0x1000 * i);
        CHECK_EQ(fi->virtio[i].size, 0x1000);
        CHECK_EQ(fi->virtio[i].irq, 8 - i);
    }
}

/* Parses a DTB file; `rv` receives fdt_parse's result. */
static struct fdt_info *parse_file(const char *path, int *rv)
{
    uint64_t len;
    void *blob = unit_read_file(path, &len);
    if (!blob)
        return NULL;
    static struct fdt_info fi;
    *rv = fdt_parse(blob, len, &fi);
    if (fdt_totalsize(blob) == 0 || fdt_totalsize(blob) > len)
        unit_fail(__FILE__, __LINE__, "%s: bad fdt_totalsize", path);
    free(blob);
    return &fi;
}

static void fdt_committed_64m(void)
{
    int rv;
    struct fdt_info *fi = parse_file("tests/unit/data/virt-64m.dtb", &rv);
    CHECK_OK();
    CHECK_EQ(rv, 0);
    check_virt_common(fi);
    CHECK_OK();
    CHECK_EQ(fi->mem_size, 64 * MiB);
    CHECK_EQ(fi->nharts, 1);
    CHECK(fi->has_sstc);
    CHECK_STR(fi->bootargs, "");
    CHECK_EQ(fi->initrd_start, 0);
    CHECK_EQ(fi->initrd_end, 0);
    CHECK(fi->rng_seed_len > 0 && fi->rng_seed_len <= 64);
}

static void fdt_committed_1g_args(void)
{
    int rv;
    struct fdt_info *fi = parse_file("tests/unit/data/virt-1g-args.dtb", &rv);
    CHECK_OK();
    CHECK_EQ(rv, 0);
    check_virt_common(fi);
    CHECK_OK();
    CHECK_EQ(fi->mem_size, 1024 * MiB);
    CHECK_EQ(fi->nharts, 4);
    CHECK(!fi->has_sstc);
    CHECK_STR(fi->bootargs, "node=2 nodes=3");
    CHECK(fi->initrd_start >= 0x80000000);
    CHECK_EQ(fi->initrd_end - fi->initrd_start, 4096);
}

static void fdt_generated(void)
{
    static const struct {
        const char *path;
        uint64_t mem;
        uint32_t harts;
        bool sstc;
        const char *args;
    } cases[] = {
        {"build/host/dtb/virt-64m.dtb", 64 * MiB, 1, true, ""},
        {"build/host/dtb/virt-1g.dtb", 1024 * MiB, 4, true, ""},
        {"build/host/dtb/virt-nosstc.dtb", 64 * MiB, 1, false, ""},
        {"build/host/dtb/virt-args.dtb", 128 * MiB, 2, true, "node=2 nodes=3"},
        {"build/host/dtb/virt-net.dtb", 64 * MiB, 1, true, ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int rv;
        struct fdt_info *fi = parse_file(cases[i].path, &rv);
        CHECK_OK();
        CHECK_EQ(rv, 0);
        check_virt_common(fi);
        CHECK_OK();
        CHECK_EQ(fi->mem_size, cases[i].mem);
        CHECK_EQ(fi->nharts, cases[i].harts);
        CHECK_EQ(fi->has_sstc, cases[i].sstc);
        CHECK_STR(fi->bootargs, cases[i].args);
        CHECK_EQ(fi->rtc.base, 0x101000); /* the goldfish RTC: boot epochs come from it */
    }
}

/* Every length shorter than totalsize is refused; every mutation of every
 * header byte and of a spread of other bytes parses or is refused, never
 * crashes (ASan watches). */
static void fdt_truncated_and_mutated(void)
{
    uint64_t len;
    uint8_t *blob = unit_read_file("tests/unit/data/virt-64m.dtb", &len);
    CHECK_OK();
    struct fdt_info fi;
    for (uint64_t n = 0; n < len; n++) {
        uint8_t *copy = malloc(n ? n : 1); /* exact size: ASan catches overreads */
        memcpy(copy, blob, n);
        int rv = fdt_parse(copy, n, &fi);
        free(copy);
        CHECK_EQ(rv, -EINVAL);
    }
    uint8_t *copy = malloc(len);
    for (uint64_t i = 0; i < len; i += (i < 64 ? 1 : 7)) {
        static const uint8_t vals[] = {0x00, 0xff, 0x01, 0x80, 0x7f, 0x03, 0x09};
        for (size_t k = 0; k < sizeof vals; k++) {
            memcpy(copy, blob, len);
            copy[i] = vals[k];
            int rv = fdt_parse(copy, len, &fi);
            CHECK(rv == 0 || rv == -EINVAL);
            copy[i] ^= 0x5a;
            rv = fdt_parse(copy, len, &fi);
            CHECK(rv == 0 || rv == -EINVAL);
        }
    }
    free(copy);
    free(blob);
}

static void fdt_bad_header(void)
{
    uint64_t len;
    uint8_t *blob = unit_read_file("tests/unit/data/virt-64m.dtb", &len);
    CHECK_OK();
    struct fdt_info fi;
    CHECK_EQ(fdt_parse(blob, len, &fi), 0);
    CHECK_EQ(fdt_parse(NULL, len, &fi), -EINVAL);
    CHECK_EQ(fdt_parse(blob, len, NULL), -EINVAL);
    blob[0] = 0xd0 ^ 1;
    CHECK_EQ(fdt_parse(blob, len, &fi), -EINVAL);
    CHECK_EQ(fdt_totalsize(blob), 0);
    blob[0] = 0xd0;
    CHECK_EQ(fdt_totalsize(blob), len);
    blob[23] = 16; /* version 16 */
    CHECK_EQ(fdt_parse(blob, len, &fi), -EINVAL);
    blob[23] = 17;
    blob[11] |= 2; /* misaligned structure block */
    CHECK_EQ(fdt_parse(blob, len, &fi), -EINVAL);
    blob[11] &= ~2;
    blob[8] = 0x80; /* structure block past the end */
    CHECK_EQ(fdt_parse(blob, len, &fi), -EINVAL);
    blob[8] = 0;
    blob[32] = 0x7f; /* strings block past the end */
    CHECK_EQ(fdt_parse(blob, len, &fi), -EINVAL);
    blob[32] = 0;
    CHECK_EQ(fdt_parse(blob, len, &fi), 0);
    free(blob);
}

/* ---- a minimal DTB writer for synthetic trees ---- */

struct dtw {
    uint8_t st[8192];
    uint32_t nst;
    char str[2048];
    uint32_t nstr;
};

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static void w_tok(struct dtw *w, uint32_t t)
{
    put32(w->st + w->nst, t);
    w->nst += 4;
}

static void w_bytes(struct dtw *w, const void *p, uint32_t n)
{
    memcpy(w->st + w->nst, p, n);
    w->nst += n;
    while (w->nst % 4)
        w->st[w->nst++] = 0;
}

static void w_begin(struct dtw *w, const char *name)
{
    w_tok(w, 1);
    w_bytes(w, name, (uint32_t)strlen(name) + 1);
}

static void w_end(struct dtw *w) { w_tok(w, 2); }

static void w_prop(struct dtw *w, const char *name, const void *val, uint32_t len)
{
    uint32_t off = 0;
    while (off < w->nstr && strcmp(w->str + off, name) != 0)
        off += (uint32_t)strlen(w->str + off) + 1;
    if (off >= w->nstr) {
        off = w->nstr;
        strcpy(w->str + off, name);
        w->nstr += (uint32_t)strlen(name) + 1;
    }
    w_tok(w, 3);
    w_tok(w, len);
    w_tok(w, off);
    w_bytes(w, val, len);
}

static void w_u32(struct dtw *w, const char *name, uint32_t v)
{
    uint8_t b[4];
    put32(b, v);
    w_prop(w, name, b, 4);
}

static void w_str(struct dtw *w, const char *name, const char *s)
{
    w_prop(w, name, s, (uint32_t)strlen(s) + 1);
}

/* reg with n cells: values given as 32-bit cells. */
static void w_cells(struct dtw *w, const char *name, const uint32_t *c, int n)
{
    uint8_t b[64];
    for (int i = 0; i < n; i++)
        put32(b + 4 * i, c[i]);
    w_prop(w, name, b, (uint32_t)(4 * n));
}

/* Lays out header + empty reservation map + structure + strings; returns length. */
static uint32_t w_finish(struct dtw *w, uint8_t *out)
{
    w_tok(w, 9);
    uint32_t off_rsv = 40, off_st = 56, off_str = off_st + w->nst;
    uint32_t total = off_str + w->nstr;
    memset(out, 0, off_st);
    put32(out, 0xd00dfeed);
    put32(out + 4, total);
    put32(out + 8, off_st);
    put32(out + 12, off_str);
    put32(out + 16, off_rsv);
    put32(out + 20, 17);
    put32(out + 24, 16);
    put32(out + 32, w->nstr);
    put32(out + 36, w->nst);
    memcpy(out + off_st, w->st, w->nst);
    memcpy(out + off_str, w->str, w->nstr);
    return total;
}

/* Options for the synthetic machine. */
struct synth {
    uint32_t cells;      /* #address-cells = #size-cells at root */
    const char *isa;     /* cpu@0 riscv,isa */
    const char *isa_ext; /* cpu@0 riscv,isa-extensions (one entry), or NULL */
    const char *bootargs;
    int nvirtio;
    bool no_uart, no_plic, no_mem, no_timebase, uart_disabled;
    bool prop_after_subnode;
    int extra_depth;
};

static uint32_t synth_build(const struct synth *o, uint8_t *out)
{
    static struct dtw w;
    memset(&w, 0, sizeof w);
    uint32_t c = o->cells ? o->cells : 2;
    w_begin(&w, "");
    w_u32(&w, "#address-cells", c);
    w_u32(&w, "#size-cells", c);
    w_str(&w, "compatible", "test,machine");
    if (o->bootargs) {
        w_begin(&w, "chosen");
        w_str(&w, "bootargs", o->bootargs);
        w_end(&w);
    }
    if (!o->no_mem) {
        w_begin(&w, "memory@80000000");
        w_str(&w, "device_type", "memory");
        uint32_t r2[] = {0, 0x80000000, 0, 0x4000000}, r1[] = {0x80000000, 0x4000000};
        w_cells(&w, "reg", c == 2 ? r2 : r1, c == 2 ? 4 : 2);
        w_end(&w);
    }
    w_begin(&w, "cpus");
    w_u32(&w, "#address-cells", 1);
    w_u32(&w, "#size-cells", 0);
    if (!o->no_timebase)
        w_u32(&w, "timebase-frequency", 1000000);
    for (int i = 0; i < 2; i++) {
        w_begin(&w, i == 0 ? "cpu@0" : "cpu@1");
        w_u32(&w, "reg", (uint32_t)i);
        w_str(&w, "device_type", "cpu");
        w_str(&w, "riscv,isa", i == 0 && o->isa ? o->isa : "rv64imac");
        if (i == 0 && o->isa_ext) {
            char list[64];
            size_t n = strlen(o->isa_ext);
            memcpy(list, "i\0m\0", 4);
            memcpy(list + 4, o->isa_ext, n + 1);
            w_prop(&w, "riscv,isa-extensions", list, (uint32_t)(n + 5));
        }
        w_end(&w);
    }
    w_begin(&w, "cpu-map");
    w_end(&w);
    w_end(&w);
    w_begin(&w, "soc");
    w_u32(&w, "#address-cells", c);
    w_u32(&w, "#size-cells", c);
    if (!o->no_uart) {
        w_begin(&w, "serial@10000000");
        uint32_t r2[] = {0, 0x10000000, 0, 0x100}, r1[] = {0x10000000, 0x100};
        w_cells(&w, "reg", c == 2 ? r2 : r1, c == 2 ? 4 : 2);
        w_u32(&w, "interrupts", 10);
        w_str(&w, "compatible", "ns16550a");
        if (o->uart_disabled)
            w_str(&w, "status", "disabled");
        w_end(&w);
    }
    for (int i = 0; i < o->nvirtio; i++) {
        w_begin(&w, "virtio_mmio");
        uint32_t base = 0x10001000 + 0x1000 * (uint32_t)i;
        uint32_t r2[] = {0, base, 0, 0x1000}, r1[] = {base, 0x1000};
        w_cells(&w, "reg", c == 2 ? r2 : r1, c == 2 ? 4 : 2);
        w_u32(&w, "interrupts", 1 + (uint32_t)i);
        w_str(&w, "compatible", "virtio,mmio");
        w_end(&w);
    }
    if (!o->no_plic) {
        w_begin(&w, "plic@c000000");
        w_prop(&w, "compatible", "sifive,plic-1.0.0\0riscv,plic0", 30);
        uint32_t r2[] = {0, 0xc000000, 0, 0x600000}, r1[] = {0xc000000, 0x600000};
        w_cells(&w, "reg", c == 2 ? r2 : r1, c == 2 ? 4 : 2);
        w_end(&w);
    }
    for (int i = 0; i < o->extra_depth; i++)
        w_begin(&w, "deep");
    for (int i = 0; i < o->extra_depth; i++)
        w_end(&w);
    w_end(&w);
    if (o->prop_after_subnode)
        w_u32(&w, "late", 1);
    w_end(&w);
    return w_finish(&w, out);
}

static int synth_parse(const struct synth *o, struct fdt_info *fi)
{
    static uint8_t buf[16384];
    uint32_t n = synth_build(o, buf);
    uint8_t *exact = malloc(n);
    memcpy(exact, buf, n);
    int rv = fdt_parse(exact, n, fi);
    free(exact);
    return rv;
}

static void fdt_synth_cells(void)
{
    struct fdt_info fi;
    for (uint32_t c = 1; c <= 2; c++) {
        struct synth o = {.cells = c, .nvirtio = 3};
        CHECK_EQ(synth_parse(&o, &fi), 0);
        CHECK_EQ(fi.mem_base, 0x80000000);
        CHECK_EQ(fi.mem_size, 0x4000000);
        CHECK_EQ(fi.uart.base, 0x10000000);
        CHECK_EQ(fi.uart.irq, 10);
        CHECK_EQ(fi.uart_clock, 0);
        CHECK_EQ(fi.plic.base, 0xc000000);
        CHECK_EQ(fi.plic.size, 0x600000);
        CHECK_EQ(fi.plic.irq, 0);
        CHECK_EQ(fi.timebase_freq, 1000000);
        CHECK_EQ(fi.nharts, 2);
        CHECK_EQ(fi.nvirtio, 3);
        CHECK_EQ(fi.virtio[2].base, 0x10003000);
        CHECK_EQ(fi.virtio[2].irq, 3);
        CHECK_STR(fi.bootargs, "");
    }
    struct synth o = {.cells = 3};
    CHECK_EQ(synth_parse(&o, &fi), -EINVAL); /* 3-cell reg is not supported */
}

static void fdt_synth_sstc(void)
{
    static const struct {
        const char *isa, *ext;
        bool want;
    } cases[] = {
        {"rv64imac_zicsr_sstc", NULL, true}, {"rv64imac_sstc_zicsr", NULL, true},
        {"RV64IMAC_SSTC", NULL, true},       {"rv64imac_SsTc", NULL, true},
        {"rv64imac_sstcx", NULL, false},     {"rv64imac_xsstc", NULL, false},
        {"rv64imacsstc", NULL, false},       {"rv64imac_zicsr", NULL, false},
        {"rv64imac_zicsr", "sstc", true},    {"rv64imac_zicsr", "SSTC", true},
        {"rv64imac_zicsr", "sstcc", false},  {"rv64imac", "zicsr", false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct fdt_info fi;
        struct synth o = {.isa = cases[i].isa, .isa_ext = cases[i].ext};
        CHECK_EQ(synth_parse(&o, &fi), 0);
        if (fi.has_sstc != cases[i].want)
            unit_fail(__FILE__, __LINE__, "isa \"%s\" ext \"%s\": has_sstc %d", cases[i].isa,
                      cases[i].ext ? cases[i].ext : "-", fi.has_sstc);
        CHECK_OK();
    }
}

static void fdt_synth_required(void)
{
    struct fdt_info fi;
    struct synth ok = {0};
    CHECK_EQ(synth_parse(&ok, &fi), 0);
    struct synth a = {.no_uart = true}, b = {.no_plic = true}, c = {.no_mem = true},
                 d = {.no_timebase = true}, e = {.uart_disabled = true};
    CHECK_EQ(synth_parse(&a, &fi), -EINVAL);
    CHECK_EQ(synth_parse(&b, &fi), -EINVAL);
    CHECK_EQ(synth_parse(&c, &fi), -EINVAL);
    CHECK_EQ(synth_parse(&d, &fi), -EINVAL);
    CHECK_EQ(synth_parse(&e, &fi), -EINVAL);
}

static void fdt_synth_bootargs(void)
{
    struct fdt_info fi;
    char args[300];
    memset(args, 'a', sizeof args);
    args[255] = '\0';
    struct synth o = {.bootargs = args};
    CHECK_EQ(synth_parse(&o, &fi), 0);
    CHECK_EQ(strlen(fi.bootargs), 255);
    args[255] = 'a';
    args[256] = '\0';
    CHECK_EQ(synth_parse(&o, &fi), -EINVAL);
    struct synth e = {.bootargs = ""};
    CHECK_EQ(synth_parse(&e, &fi), 0);
    CHECK_STR(fi.bootargs, "");
}

static void fdt_synth_virtio_limit(void)
{
    struct fdt_info fi;
    struct synth o = {.nvirtio = FDT_MAX_VIRTIO + 4};
    CHECK_EQ(synth_parse(&o, &fi), 0);
    CHECK_EQ(fi.nvirtio, FDT_MAX_VIRTIO);
    CHECK_EQ(fi.virtio[FDT_MAX_VIRTIO - 1].base, 0x10001000 + 0x1000 * (FDT_MAX_VIRTIO - 1));
}

static void fdt_synth_structure(void)
{
    struct fdt_info fi;
    /* root(1) + soc(2) + extra: FDT_MAX_DEPTH is fine, one more is not */
    struct synth deep = {.extra_depth = FDT_MAX_DEPTH - 2};
    CHECK_EQ(synth_parse(&deep, &fi), 0);
    deep.extra_depth++;
    CHECK_EQ(synth_parse(&deep, &fi), -EINVAL);
    struct synth late = {.prop_after_subnode = true};
    CHECK_EQ(synth_parse(&late, &fi), -EINVAL);

    /* Property name offset out of the strings block, and unterminated. */
    static uint8_t buf[16384];
    struct synth ok = {0};
    uint32_t n = synth_build(&ok, buf);
    CHECK_EQ(fdt_parse(buf, n, &fi), 0);
    uint32_t off_str = (uint32_t)buf[12] << 24 | buf[13] << 16 | buf[14] << 8 | buf[15];
    uint32_t size_str = (uint32_t)buf[32] << 24 | buf[33] << 16 | buf[34] << 8 | buf[35];
    buf[off_str + size_str - 1] = 'x'; /* last name loses its NUL */
    CHECK_EQ(fdt_parse(buf, n, &fi), -EINVAL);
    /* An unknown token right after the root's BEGIN_NODE. */
    n = synth_build(&ok, buf);
    buf[56 + 11] = 7;
    CHECK_EQ(fdt_parse(buf, n, &fi), -EINVAL);
    /* A missing FDT_END. */
    n = synth_build(&ok, buf);
    buf[n - (size_str)-1] = 4; /* END (9) -> NOP, then off the end */
    CHECK_EQ(fdt_parse(buf, n, &fi), -EINVAL);
}

const struct unit_test unit_fdt_tests[] = {
    {"fdt_committed_64m", fdt_committed_64m},
    {"fdt_committed_1g_args", fdt_committed_1g_args},
    {"fdt_generated", fdt_generated},
    {"fdt_truncated_and_mutated", fdt_truncated_and_mutated},
    {"fdt_bad_header", fdt_bad_header},
    {"fdt_synth_cells", fdt_synth_cells},
    {"fdt_synth_sstc", fdt_synth_sstc},
    {"fdt_synth_required", fdt_synth_required},
    {"fdt_synth_bootargs", fdt_synth_bootargs},
    {"fdt_synth_virtio_limit", fdt_synth_virtio_limit},
    {"fdt_synth_structure", fdt_synth_structure},
    {NULL, NULL},
};
