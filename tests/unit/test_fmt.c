/* tests/unit/test_fmt.c: lib/fmt against the host's snprintf. */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "lib/fmt.h"
#include "tests/unit/unit.h"

/* The cases below deliberately use legal-but-odd formats ("%-05d", "%08.3d",
 * ""), which gcc's format checker flags. */
#pragma GCC diagnostic ignored "-Wformat"
#pragma GCC diagnostic ignored "-Wformat-zero-length"

/* Formats with both engines into generous buffers and compares text and length. */
#define SAME(...)                                                                                  \
    do {                                                                                           \
        char want_[512], got_[512];                                                                \
        int wn_ = snprintf(want_, sizeof want_, __VA_ARGS__);                                      \
        int gn_ = fmt_snprintf(got_, sizeof got_, __VA_ARGS__);                                    \
        if (wn_ != gn_ || strcmp(want_, got_) != 0) {                                              \
            unit_fail(__FILE__, __LINE__, "%s: want \"%s\" (%d) got \"%s\" (%d)", #__VA_ARGS__,    \
                      want_, wn_, got_, gn_);                                                      \
            return;                                                                                \
        }                                                                                          \
    } while (0)

static void fmt_ints(void)
{
    SAME("%d", 0);
    SAME("%d", 42);
    SAME("%d", -42);
    SAME("%i", INT_MIN);
    SAME("%d", INT_MAX);
    SAME("%u", 0u);
    SAME("%u", UINT_MAX);
    SAME("%x %X %o", 0xdeadbeefu, 0xdeadbeefu, 0755u);
    SAME("%ld %lu %lx", LONG_MIN, ULONG_MAX, ULONG_MAX);
    SAME("%lld %llu %llx", LLONG_MIN, ULLONG_MAX, 0x123456789abcdefULL);
    SAME("%hd %hu %hx", (short)-1234, (unsigned short)65535, (unsigned short)0xbeef);
    SAME("%hhd %hhu %hhx", (signed char)-5, (unsigned char)250, (unsigned char)0xab);
    SAME("%hhd", 300);  /* truncated to a char */
    SAME("%hd", 70000); /* truncated to a short */
    SAME("%zu %zx %zd", (size_t)12345, (size_t)0xfff, (size_t)99);
}

static void fmt_width_flags(void)
{
    SAME("[%5d]", 42);
    SAME("[%-5d]", 42);
    SAME("[%05d]", 42);
    SAME("[%05d]", -42);
    SAME("[%-05d]", -42);
    SAME("[%1d]", 12345);
    SAME("[%08x]", 0xbeefu);
    SAME("[%8X]", 0xbeefu);
    SAME("[%016lx]", 0x1234UL);
    SAME("[%*d]", 6, 7);
    SAME("[%*d]", -6, 7);
    SAME("[%-*d]", 6, 7);
    SAME("[%0*d]", 6, -7);
    SAME("[%+d] [% d] [%+d]", 5, 5, -5);
    SAME("[%#x] [%#X] [%#o] [%#x] [%#o]", 255u, 255u, 8u, 0u, 0u);
    SAME("[%#10x] [%#010x] [%-#10x]", 255u, 255u, 255u);
    SAME("[%5c] [%-5c] [%c]", 'a', 'b', 'c');
    SAME("[%10s] [%-10s] [%s]", "abc", "def", "");
}

static void fmt_precision(void)
{
    SAME("[%.3d]", 7);
    SAME("[%.3d]", -7);
    SAME("[%8.3d]", -7);
    SAME("[%-8.3d]", 7);
    SAME("[%08.3d]", 7); /* '0' ignored with a precision */
    SAME("[%.0d] [%.0x] [%5.0u]", 0, 0u, 0u);
    SAME("[%.0d]", 1);
    SAME("[%.10x]", 0xabcu);
    SAME("[%.*d]", 5, 42);
    SAME("[%.*d]", -1, 42); /* negative precision: as if omitted */
    SAME("[%.2s]", "hello");
    SAME("[%.10s]", "hello");
    SAME("[%8.2s] [%-8.2s]", "hello", "hello");
    SAME("[%.*s]", 3, "abcdef");
    SAME("[%.0s]", "abc");
    SAME("[%*.*s]", 7, 2, "xyz");
    SAME("[%#.3o] [%#.5x]", 8u, 0x1fu);
}

static void fmt_misc(void)
{
    SAME("100%%");
    SAME("%%d");
    SAME("%s and %s", "this", "that");
    SAME("%c%c%c", 'x', 'y', 'z');
    SAME("%p", (void *)0x1000);
    SAME("%p", (void *)0xffffffffffffffffULL);
    SAME("[%20p] [%-20p]", (void *)0x8020, (void *)0x8020);
    SAME("no conversions at all");
    SAME("");
    SAME("%s", "a string that is rather longer than the others, to see copying work");

    char buf[32];
    const char *volatile nul = NULL; /* volatile: hide it from gcc's format check */
    CHECK_EQ(fmt_snprintf(buf, sizeof buf, "%s", nul), 6);
    CHECK_STR(buf, "(null)");
    CHECK_EQ(fmt_snprintf(buf, sizeof buf, "%p", (void *)0), 3);
    CHECK_STR(buf, "0x0");
}

/* Non-standard directives are copied literally and consume no argument. */
static void fmt_unknown_directive(void)
{
    char buf[64];
    /* Through variables, so the compiler's format check does not object. */
    const char *q = "a%qb%d", *f = "end%", *g = "x%-08";
    CHECK_EQ(fmt_snprintf(buf, sizeof buf, q, 5), 5);
    CHECK_STR(buf, "a%qb5");
    /* A lone '%' at the end of the format. */
    CHECK_EQ(fmt_snprintf(buf, sizeof buf, f, 0), 4);
    CHECK_STR(buf, "end%");
    CHECK_EQ(fmt_snprintf(buf, sizeof buf, g, 0), 5);
    CHECK_STR(buf, "x%-08");
}

static void fmt_truncation(void)
{
    char buf[8];
    memset(buf, 'Z', sizeof buf);
    CHECK_EQ(fmt_snprintf(buf, 5, "%d", 1234567), 7);
    CHECK_STR(buf, "1234");
    CHECK_EQ(buf[5], 'Z'); /* nothing written past size */
    CHECK_EQ(fmt_snprintf(buf, 1, "hello"), 5);
    CHECK_EQ(buf[0], '\0');
    buf[0] = 'Q';
    CHECK_EQ(fmt_snprintf(buf, 0, "hello"), 5);
    CHECK_EQ(buf[0], 'Q');
    CHECK_EQ(fmt_snprintf(NULL, 0, "%s=%d", "abc", 10), 6);
    CHECK_EQ(fmt_snprintf(buf, 8, "%20s", "x"), 20);
    CHECK_STR(buf, "       ");
    /* Exactly fits. */
    CHECK_EQ(fmt_snprintf(buf, 8, "1234567"), 7);
    CHECK_STR(buf, "1234567");
    CHECK_EQ(fmt_snprintf(buf, 8, "12345678"), 8);
    CHECK_STR(buf, "1234567");
}

/* Every prefix size of a long output agrees with the host. */
static void fmt_every_size(void)
{
    for (unsigned size = 0; size < 60; size++) {
        char want[64], got[64];
        memset(want, 'Z', sizeof want);
        memset(got, 'Z', sizeof got);
        int wn = snprintf(want, size, "%-6s|%08x|%+d|%.3s|%c", "ab", 0xfeedu, -17, "wxyz", 'q');
        int gn = fmt_snprintf(got, size, "%-6s|%08x|%+d|%.3s|%c", "ab", 0xfeedu, -17, "wxyz", 'q');
        CHECK_EQ(wn, gn);
        CHECK(memcmp(want, got, sizeof want) == 0);
    }
}

/* A width far larger than the buffer does not loop forever or overflow. */
static void fmt_huge_width(void)
{
    char buf[16];
    CHECK_EQ(fmt_snprintf(buf, sizeof buf, "%*d", 1000000, 1), 1000000);
    CHECK_EQ(fmt_snprintf(buf, sizeof buf, "%.*d", 100000, 1), 100000);
    volatile int most_negative = INT_MIN;
    CHECK_EQ(fmt_snprintf(buf, sizeof buf, "%*d", most_negative, 1), 100000000);
}

static void fmt_strings(void)
{
    char buf[8];
    CHECK_EQ(fmt_strlen(""), 0);
    CHECK_EQ(fmt_strlen("abc"), 3);
    CHECK_EQ(fmt_strnlen("abcdef", 3), 3);
    CHECK_EQ(fmt_strnlen("ab", 10), 2);
    CHECK(fmt_strcmp("abc", "abc") == 0);
    CHECK(fmt_strcmp("abc", "abd") < 0);
    CHECK(fmt_strcmp("abc", "ab") > 0);
    CHECK(fmt_strcmp("\xff", "a") > 0);
    CHECK_EQ(fmt_strlcpy(buf, "hello world", sizeof buf), 11);
    CHECK_STR(buf, "hello w");
    CHECK_EQ(fmt_strlcpy(buf, "hi", sizeof buf), 2);
    CHECK_STR(buf, "hi");
}

const struct unit_test unit_fmt_tests[] = {
    {"fmt_ints", fmt_ints},
    {"fmt_width_flags", fmt_width_flags},
    {"fmt_precision", fmt_precision},
    {"fmt_misc", fmt_misc},
    {"fmt_unknown_directive", fmt_unknown_directive},
    {"fmt_truncation", fmt_truncation},
    {"fmt_every_size", fmt_every_size},
    {"fmt_huge_width", fmt_huge_width},
    {"fmt_strings", fmt_strings},
    {NULL, NULL},
};
