/* lib/fmt.h: the printf engine used by the kernel (printk), services and tests,
 * plus the few string helpers freestanding code needs.
 *
 * Freestanding: no libc. Conversions: %d %i %u %x %X %o %p %s %c %%, with flags
 * '-' and '0', a width (digits or '*'), a precision ('.N' or '.*') for %s and the
 * integer conversions, and length modifiers hh h l ll z. Anything else is copied
 * to the output literally (the whole bad directive), so a typo is visible rather
 * than consuming an argument. No floating point. */
#ifndef LIB_FMT_H
#define LIB_FMT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* Formats `fmt` with the arguments in `ap` into buf[0..size).
 * Returns the length the full output would have had (like C99 vsnprintf), so
 * a return value >= size means the output was truncated. When size > 0 the
 * buffer is always NUL-terminated; when size == 0 buf may be NULL and nothing is
 * written. %s of NULL prints "(null)"; %p prints 0x followed by lowercase hex. */
int fmt_vsnprintf(char *buf, uint64_t size, const char *fmt, va_list ap);

/* As fmt_vsnprintf, with the arguments given directly. */
int fmt_snprintf(char *buf, uint64_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Length of the NUL-terminated string s. */
uint64_t fmt_strlen(const char *s);

/* Length of s, scanning at most max bytes (returns max if no NUL found). */
uint64_t fmt_strnlen(const char *s, uint64_t max);

/* Compares NUL-terminated strings like strcmp: <0, 0 or >0 (as unsigned bytes). */
int fmt_strcmp(const char *a, const char *b);

/* Copies src into dst[0..size) always NUL-terminating when size > 0 (like
 * strlcpy). Returns fmt_strlen(src); a result >= size means it was truncated. */
uint64_t fmt_strlcpy(char *dst, const char *src, uint64_t size);

#endif
