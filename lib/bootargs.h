/* lib/bootargs.h: reading the kernel command line (/chosen/bootargs), e.g.
 * "node=2 nodes=3 console=uart".
 *
 * Grammar: words separated by one or more blanks (space, tab, newline); a word is
 * `key=value` (the value runs to the next blank and may contain '=') or a bare
 * `key`, which is present with an empty value. Keys are matched exactly and
 * case-sensitively. When a key appears more than once the LAST one wins, so an
 * appended argument overrides an earlier one.
 *
 * Freestanding: only our headers and <stdint.h>. */
#ifndef LIB_BOOTARGS_H
#define LIB_BOOTARGS_H

#include <stdint.h>

/* Copies the value of `key` in `args` into out[0..outlen) NUL-terminated.
 * args and key may be NULL (then nothing is found).
 * Returns 0, -ENOENT if the key is absent (or key is empty), or -ENAMETOOLONG
 * if the value and its NUL do not fit in outlen (out is then "" when outlen > 0). */
int bootargs_get(const char *args, const char *key, char *out, uint64_t outlen);

/* Reads `key` as an unsigned number: decimal digits, or 0x/0X then hex digits.
 * Returns 0 with *out set, -ENOENT if absent, or -EINVAL if the value is empty,
 * has any other character (sign, blank, suffix) or does not fit in 64 bits
 * (*out is untouched on error). */
int bootargs_get_u64(const char *args, const char *key, uint64_t *out);

#endif
