/* services/sched/schedstr.h: the few string helpers the scheduler's pure
 * code needs, for its fixed NUL-terminated arrays (label keys and values,
 * reasons, policy names).
 *
 * Header only and freestanding: no libc, so the same code builds for the
 * guest (picolibc or none) and the host. Every function is bounded by the
 * array size it is given, so a string that lost its NUL (a bug, or bytes not
 * yet validated) is never read past its array. */
#ifndef SERVICES_SCHED_SCHEDSTR_H
#define SERVICES_SCHED_SCHEDSTR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Length of s, at most max. */
static inline size_t sched_strnlen(const char *s, size_t max)
{
    size_t n = 0;
    while (n < max && s[n])
        n++;
    return n;
}

/* a and b (each at most max bytes, NUL-terminated within max or not) equal. */
static inline bool sched_streq(const char *a, const char *b, size_t max)
{
    for (size_t i = 0; i < max; i++) {
        if (a[i] != b[i])
            return false;
        if (!a[i])
            return true;
    }
    return true;
}

/* Copy src (at most its NUL or srcmax bytes) into dst[0..cap), zero-padding
 * the rest of dst, so equal strings are equal arrays (replicas hold the same
 * bytes). Truncates to cap - 1. */
static inline void sched_strcpy(char *dst, size_t cap, const char *src, size_t srcmax)
{
    size_t n = sched_strnlen(src, srcmax);
    if (n > cap - 1)
        n = cap - 1;
    for (size_t i = 0; i < cap; i++)
        dst[i] = i < n ? src[i] : 0;
}

/* A byte allowed in label keys and values, taint keys and values and policy
 * names: letters, digits and - _ . / (what Kubernetes allows in label
 * values; never , = : or a space, which the text forms use as separators). */
static inline bool sched_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.' || c == '/';
}

/* s[0..len) is made of name bytes only. */
static inline bool sched_name_ok(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (!sched_name_char(s[i]))
            return false;
    return true;
}

/* A byte allowed in a reason: printable ASCII (a reason is shown as is). */
static inline bool sched_text_ok(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] < 0x20 || s[i] > 0x7e)
            return false;
    return true;
}

#endif
