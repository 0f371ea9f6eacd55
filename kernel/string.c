/* kernel/string.c: the memory and string helpers gcc and the kernel expect. */
#include "kernel/kernel.h"

HOT_PATH void *memset(void *dst, int c, size_t n)
{
    unsigned char *d = dst;
    uint64_t v = (unsigned char)c;
    /* The empty asms keep gcc from turning the shifts into a multiply by a
     * constant it loads from .rodata: a page the hot path would touch only
     * for that (kernel/kernel.h). */
    v |= v << 8;
    asm("" : "+r"(v));
    v |= v << 16;
    asm("" : "+r"(v));
    v |= v << 32;
    /* Bytes up to an 8-byte boundary, then words, then the tail: structs
     * whose size is not a multiple of 8 (cleared on every RPC) included. */
    if (n >= 16) {
        for (; (uintptr_t)d & 7; n--)
            *d++ = (unsigned char)c;
        for (; n >= 8; n -= 8, d += 8)
            *(uint64_t *)d = v;
    }
    while (n--)
        *d++ = (unsigned char)c;
    return dst;
}

/* Copy n bytes in units of `type`: d and s must be aligned for it. */
#define COPY_UNITS(type, d, s, n)                                                                  \
    for (; (n) >= sizeof(type); (n) -= sizeof(type), (d) += sizeof(type), (s) += sizeof(type))     \
    *(type *)(d) = *(const type *)(s)

FAST_PATH void *memcpy(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    /* The widest unit both pointers can be aligned to at once (they are
     * alike modulo that unit): a frame copied to or from a network buffer
     * 42 bytes into a page is 2 bytes off, and goes by halfwords, not bytes.
     * (rv64imac: a misaligned access may trap to firmware, so never that.) */
    uintptr_t rel = (uintptr_t)d ^ (uintptr_t)s;
    if (n >= 16 && (rel & 1) == 0) {
        size_t unit = (rel & 7) == 0 ? 8 : (rel & 3) == 0 ? 4 : 2;
        for (; (uintptr_t)d & (unit - 1); n--)
            *d++ = *s++;
        if (unit == 8)
            COPY_UNITS(uint64_t, d, s, n);
        else if (unit == 4)
            COPY_UNITS(uint32_t, d, s, n);
        else
            COPY_UNITS(uint16_t, d, s, n);
    }
    while (n--)
        *d++ = *s++;
    return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    if (d == s || n == 0)
        return dst;
    if (d < s || d >= s + n)
        return memcpy(dst, src, n);
    while (n--)
        d[n] = s[n];
    return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a, *y = b;
    for (size_t i = 0; i < n; i++)
        if (x[i] != y[i])
            return x[i] - y[i];
    return 0;
}

size_t strlen(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

int strcmp(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return (unsigned char)*a - (unsigned char)*b;
}

size_t strlcpy(char *dst, const char *src, size_t n)
{
    size_t len = strlen(src);
    if (n) {
        size_t c = len < n - 1 ? len : n - 1;
        memcpy(dst, src, c);
        dst[c] = 0;
    }
    return len;
}
