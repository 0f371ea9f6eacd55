/* lib/fmt.c: a small C99-style printf engine and string helpers.
 *
 * The engine writes through `struct out`, which counts every character it is
 * offered but stores only those that fit, so the return value is the length the
 * whole output would have had, as C99 requires. */
#include "lib/fmt.h"

#include <stdbool.h>

struct out {
    char *buf;
    uint64_t size; /* capacity including the NUL */
    uint64_t pos;  /* characters offered so far */
};

static void out_ch(struct out *o, char c)
{
    if (o->size > 0 && o->pos < o->size - 1)
        o->buf[o->pos] = c;
    o->pos++;
}

static void out_rep(struct out *o, char c, int64_t n)
{
    while (n-- > 0)
        out_ch(o, c);
}

static void out_str(struct out *o, const char *s, uint64_t n)
{
    for (uint64_t i = 0; i < n; i++)
        out_ch(o, s[i]);
}

/* One parsed conversion specification. */
struct spec {
    bool left, zero, plus, space, alt;
    int width; /* 0 if none */
    int prec;  /* -1 if none */
    char conv;
};

/* Formats an integer: `neg` tells whether the magnitude v came from a negative
 * signed value. Follows C99: precision gives the minimum digit count, value 0
 * with precision 0 prints no digits, '0' is ignored with a precision or '-'. */
static void fmt_int(struct out *o, const struct spec *sp, uint64_t v, bool neg)
{
    char digits[24];
    int nd = 0;
    unsigned base = 10;
    const char *alpha = "0123456789abcdef";
    char prefix[2];
    int np = 0;

    switch (sp->conv) {
    case 'x':
    case 'p':
        base = 16;
        break;
    case 'X':
        base = 16;
        alpha = "0123456789ABCDEF";
        break;
    case 'o':
        base = 8;
        break;
    default:
        break;
    }
    if (sp->conv == 'd' || sp->conv == 'i') {
        if (neg)
            prefix[np++] = '-';
        else if (sp->plus)
            prefix[np++] = '+';
        else if (sp->space)
            prefix[np++] = ' ';
    }
    if (sp->conv == 'p' || (sp->alt && v != 0 && (sp->conv == 'x' || sp->conv == 'X'))) {
        prefix[np++] = '0';
        prefix[np++] = sp->conv == 'X' ? 'X' : 'x';
    }

    uint64_t t = v;
    while (t != 0) {
        digits[nd++] = alpha[t % base];
        t /= base;
    }
    int prec = sp->prec < 0 ? 1 : sp->prec;
    int zeros = prec > nd ? prec - nd : 0;
    /* '#' with %o forces the first digit to be 0. */
    if (sp->conv == 'o' && sp->alt && zeros == 0 && (nd == 0 || digits[nd - 1] != '0'))
        zeros = 1;
    int64_t len = (int64_t)np + zeros + nd;
    int64_t pad = sp->width > len ? sp->width - len : 0;
    if (sp->zero && !sp->left && sp->prec < 0) {
        zeros += (int)pad;
        pad = 0;
    }
    if (!sp->left)
        out_rep(o, ' ', pad);
    out_str(o, prefix, (uint64_t)np);
    out_rep(o, '0', zeros);
    while (nd > 0)
        out_ch(o, digits[--nd]);
    if (sp->left)
        out_rep(o, ' ', pad);
}

static void fmt_chars(struct out *o, const struct spec *sp, const char *s, uint64_t n)
{
    int64_t pad = (uint64_t)sp->width > n ? (int64_t)(sp->width - n) : 0;
    if (!sp->left)
        out_rep(o, ' ', pad);
    out_str(o, s, n);
    if (sp->left)
        out_rep(o, ' ', pad);
}

/* Reads a decimal count, saturating well below INT_MAX so widths cannot overflow. */
static int parse_count(const char **pp)
{
    const char *p = *pp;
    int n = 0;
    while (*p >= '0' && *p <= '9') {
        if (n < 100000000)
            n = n * 10 + (*p - '0');
        p++;
    }
    *pp = p;
    return n;
}

enum len { LEN_NONE, LEN_HH, LEN_H, LEN_L, LEN_LL, LEN_Z, LEN_J, LEN_T };

int fmt_vsnprintf(char *buf, uint64_t size, const char *fmt, va_list ap)
{
    struct out o = {buf, size, 0};
    va_list args;
    va_copy(args, ap);

    const char *p = fmt;
    while (*p) {
        if (*p != '%') {
            out_ch(&o, *p++);
            continue;
        }
        const char *start = p++;
        struct spec sp = {.prec = -1};

        for (;; p++) {
            if (*p == '-')
                sp.left = true;
            else if (*p == '0')
                sp.zero = true;
            else if (*p == '+')
                sp.plus = true;
            else if (*p == ' ')
                sp.space = true;
            else if (*p == '#')
                sp.alt = true;
            else
                break;
        }
        if (*p == '*') {
            int w = va_arg(args, int);
            p++;
            if (w < 0) {
                sp.left = true;
                w = w < -100000000 ? 100000000 : -w;
            }
            sp.width = w > 100000000 ? 100000000 : w;
        } else {
            sp.width = parse_count(&p);
        }
        if (*p == '.') {
            p++;
            if (*p == '*') {
                int pr = va_arg(args, int);
                p++;
                sp.prec = pr < 0 ? -1 : (pr > 100000000 ? 100000000 : pr);
            } else {
                sp.prec = parse_count(&p);
            }
        }
        enum len len = LEN_NONE;
        switch (*p) {
        case 'h':
            p++;
            len = LEN_H;
            if (*p == 'h') {
                p++;
                len = LEN_HH;
            }
            break;
        case 'l':
            p++;
            len = LEN_L;
            if (*p == 'l') {
                p++;
                len = LEN_LL;
            }
            break;
        case 'z':
            p++;
            len = LEN_Z;
            break;
        case 'j':
            p++;
            len = LEN_J;
            break;
        case 't':
            p++;
            len = LEN_T;
            break;
        default:
            break;
        }
        sp.conv = *p;
        if (*p)
            p++;

        switch (sp.conv) {
        case 'd':
        case 'i': {
            int64_t v;
            switch (len) {
            case LEN_HH:
                v = (signed char)va_arg(args, int);
                break;
            case LEN_H:
                v = (short)va_arg(args, int);
                break;
            case LEN_L:
                v = va_arg(args, long);
                break;
            case LEN_LL:
                v = va_arg(args, long long);
                break;
            case LEN_Z:
            case LEN_T:
                v = va_arg(args, ptrdiff_t);
                break;
            case LEN_J:
                v = va_arg(args, intmax_t);
                break;
            default:
                v = va_arg(args, int);
                break;
            }
            /* Negate in unsigned arithmetic so INT64_MIN is fine. */
            uint64_t mag = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
            fmt_int(&o, &sp, mag, v < 0);
            break;
        }
        case 'u':
        case 'x':
        case 'X':
        case 'o': {
            uint64_t v;
            switch (len) {
            case LEN_HH:
                v = (unsigned char)va_arg(args, unsigned);
                break;
            case LEN_H:
                v = (unsigned short)va_arg(args, unsigned);
                break;
            case LEN_L:
                v = va_arg(args, unsigned long);
                break;
            case LEN_LL:
                v = va_arg(args, unsigned long long);
                break;
            case LEN_Z:
            case LEN_T:
                v = va_arg(args, size_t);
                break;
            case LEN_J:
                v = va_arg(args, uintmax_t);
                break;
            default:
                v = va_arg(args, unsigned);
                break;
            }
            fmt_int(&o, &sp, v, false);
            break;
        }
        case 'p': {
            uintptr_t v = (uintptr_t)va_arg(args, void *);
            struct spec ps = sp;
            ps.prec = -1;
            ps.plus = ps.space = false;
            /* 0x0 for NULL (glibc says "(nil)"); one form is easier to grep. */
            if (v == 0)
                ps.prec = 1;
            fmt_int(&o, &ps, v, false);
            break;
        }
        case 'c': {
            char c = (char)va_arg(args, int);
            fmt_chars(&o, &sp, &c, 1);
            break;
        }
        case 's': {
            const char *s = va_arg(args, const char *);
            if (!s)
                s = "(null)";
            uint64_t n = sp.prec >= 0 ? fmt_strnlen(s, (uint64_t)sp.prec) : fmt_strlen(s);
            fmt_chars(&o, &sp, s, n);
            break;
        }
        case '%':
            out_ch(&o, '%');
            break;
        default:
            /* Unknown or truncated directive: show it as written. */
            out_str(&o, start, (uint64_t)(p - start));
            break;
        }
    }
    va_end(args);

    if (size > 0)
        buf[o.pos < size ? o.pos : size - 1] = '\0';
    return o.pos > 0x7fffffff ? 0x7fffffff : (int)o.pos;
}

int fmt_snprintf(char *buf, uint64_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = fmt_vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

uint64_t fmt_strlen(const char *s)
{
    uint64_t n = 0;
    while (s[n])
        n++;
    return n;
}

uint64_t fmt_strnlen(const char *s, uint64_t max)
{
    uint64_t n = 0;
    while (n < max && s[n])
        n++;
    return n;
}

int fmt_strcmp(const char *a, const char *b)
{
    while (*a && *a == *b) {
        a++;
        b++;
    }
    return (int)(unsigned char)*a - (int)(unsigned char)*b;
}

uint64_t fmt_strlcpy(char *dst, const char *src, uint64_t size)
{
    uint64_t n = fmt_strlen(src);
    if (size > 0) {
        uint64_t c = n < size - 1 ? n : size - 1;
        for (uint64_t i = 0; i < c; i++)
            dst[i] = src[i];
        dst[c] = '\0';
    }
    return n;
}
