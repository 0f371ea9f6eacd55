/* user/fspath.c: lexical path normalisation (see user/fspath.h). */
#include "user/fspath.h"

#include "lib/errno.h"

/* The result being built: out[0..len) is the normalised path so far ("" for
 * "/"). Components that did not fit are not stored but counted in `lost`:
 * a ".." first takes one of those back, so the final answer depends only on
 * the final path, not on how long the way to it was. */
struct fspath_acc {
    char *out;
    size_t len;
    size_t lost;
};

static void acc_pop(struct fspath_acc *a)
{
    if (a->lost > 0) {
        a->lost--;
        return;
    }
    while (a->len > 0 && a->out[a->len - 1] != '/')
        a->len--;
    if (a->len > 0)
        a->len--; /* the '/' before the component */
}

static void acc_push(struct fspath_acc *a, const char *c, size_t n)
{
    if (a->lost > 0 || a->len + 1 + n > FSC_PATH_MAX) {
        a->lost++;
        return;
    }
    a->out[a->len++] = '/';
    for (size_t i = 0; i < n; i++)
        a->out[a->len++] = c[i];
}

/* Feeds every component of s into a; -ENAMETOOLONG for an over-long one. */
static int acc_walk(struct fspath_acc *a, const char *s)
{
    while (*s) {
        while (*s == '/')
            s++;
        const char *c = s;
        while (*s && *s != '/')
            s++;
        size_t n = (size_t)(s - c);
        if (n > FSC_NAME_MAX)
            return -ENAMETOOLONG;
        if (n == 0 || (n == 1 && c[0] == '.'))
            continue;
        if (n == 2 && c[0] == '.' && c[1] == '.')
            acc_pop(a);
        else
            acc_push(a, c, n);
    }
    return 0;
}

int fspath_resolve(const char *cwd, const char *path, char out[FSC_PATH_MAX + 1])
{
    struct fspath_acc a = {out, 0, 0};
    int rv;
    out[0] = 0;
    if (!path || !path[0])
        return -EINVAL;
    if (path[0] != '/') {
        if (!cwd || cwd[0] != '/')
            return -EINVAL;
        if ((rv = acc_walk(&a, cwd)) < 0)
            goto fail;
    }
    if ((rv = acc_walk(&a, path)) < 0)
        goto fail;
    if (a.lost > 0) {
        rv = -ENAMETOOLONG;
        goto fail;
    }
    if (a.len == 0)
        out[a.len++] = '/';
    out[a.len] = 0;
    return (int)a.len;
fail:
    out[0] = 0;
    return rv;
}

const char *fspath_base(const char *norm)
{
    const char *base = norm;
    for (const char *p = norm; *p; p++)
        if (*p == '/' && p[1])
            base = p + 1;
    return base;
}
