/* lib/bootargs.c: key=value lookup in the kernel command line. */
#include "lib/bootargs.h"

#include <stdbool.h>
#include <stddef.h>

#include "lib/errno.h"

static bool blank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

/* Finds the last word whose key is `key`; sets *val and *len to its value. */
static int find(const char *args, const char *key, const char **val, uint64_t *len)
{
    if (!args || !key || !*key)
        return -ENOENT;
    int rv = -ENOENT;
    const char *p = args;
    while (*p) {
        while (blank(*p))
            p++;
        if (!*p)
            break;
        const char *word = p;
        while (*p && !blank(*p))
            p++;
        /* The word is [word, p). Compare its key part with `key`. */
        const char *k = key, *w = word;
        while (*k && w < p && *w == *k) {
            k++;
            w++;
        }
        if (*k == '\0' && (w == p || *w == '=')) {
            const char *v = w == p ? w : w + 1;
            *val = v;
            *len = (uint64_t)(p - v);
            rv = 0;
        }
    }
    return rv;
}

int bootargs_get(const char *args, const char *key, char *out, uint64_t outlen)
{
    const char *v;
    uint64_t n;
    int rv = find(args, key, &v, &n);
    if (rv < 0)
        return rv;
    if (n >= outlen) {
        if (outlen > 0)
            out[0] = '\0';
        return -ENAMETOOLONG;
    }
    for (uint64_t i = 0; i < n; i++)
        out[i] = v[i];
    out[n] = '\0';
    return 0;
}

int bootargs_get_u64(const char *args, const char *key, uint64_t *out)
{
    const char *v;
    uint64_t n;
    int rv = find(args, key, &v, &n);
    if (rv < 0)
        return rv;
    unsigned base = 10;
    if (n >= 2 && v[0] == '0' && (v[1] == 'x' || v[1] == 'X')) {
        base = 16;
        v += 2;
        n -= 2;
    }
    if (n == 0)
        return -EINVAL;
    uint64_t x = 0;
    for (uint64_t i = 0; i < n; i++) {
        char c = v[i];
        unsigned d;
        if (c >= '0' && c <= '9')
            d = (unsigned)(c - '0');
        else if (base == 16 && c >= 'a' && c <= 'f')
            d = (unsigned)(c - 'a' + 10);
        else if (base == 16 && c >= 'A' && c <= 'F')
            d = (unsigned)(c - 'A' + 10);
        else
            return -EINVAL;
        if (x > (UINT64_MAX - d) / base)
            return -EINVAL; /* x * base + d would overflow */
        x = x * base + d;
    }
    *out = x;
    return 0;
}
