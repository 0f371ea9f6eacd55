/* tests/lincheck/parse.c: read a history file (format in docs/lincheck.md).
 *
 * One operation a line, whitespace-separated:
 *     CLIENT CALL RET OP KEY [ARGS...] -> RESULT...
 * plus `init KEY VALUE VERSION` / `init KEY absent` lines, `#` comments and
 * blank lines. Every field is checked before the op is added, and the first
 * bad line stops the parse with a message naming it. */
#include "tests/lincheck/lincheck.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FIELDS 16

/* ---- interned strings ------------------------------------------------- */

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static void strtab_reindex(struct lc_strtab *t)
{
    free(t->slot);
    t->nslot = t->nslot ? 2 * t->nslot : 64;
    t->slot = calloc(t->nslot, sizeof *t->slot);
    if (!t->slot)
        abort();
    for (uint32_t id = 1; id <= t->n; id++) {
        uint32_t i = (uint32_t)hash_str(t->str[id]) & (t->nslot - 1);
        while (t->slot[i])
            i = (i + 1) & (t->nslot - 1);
        t->slot[i] = id;
    }
}

/* The id of s, adding it if new. */
static uint32_t strtab_intern(struct lc_strtab *t, const char *s)
{
    if (2 * (t->n + 1) > t->nslot)
        strtab_reindex(t);
    uint32_t i = (uint32_t)hash_str(s) & (t->nslot - 1);
    for (; t->slot[i]; i = (i + 1) & (t->nslot - 1))
        if (!strcmp(t->str[t->slot[i]], s))
            return t->slot[i];
    if (t->n + 2 > t->cap) {
        t->cap = t->cap ? 2 * t->cap : 64;
        t->str = realloc(t->str, t->cap * sizeof *t->str);
        if (!t->str)
            abort();
    }
    t->str[++t->n] = strdup(s);
    if (!t->str[t->n])
        abort();
    t->slot[i] = t->n;
    return t->n;
}

const char *lc_str(const struct lc_strtab *t, uint32_t id)
{
    return id >= 1 && id <= t->n ? t->str[id] : "?";
}

static void strtab_free(struct lc_strtab *t)
{
    for (uint32_t id = 1; id <= t->n; id++)
        free(t->str[id]);
    free(t->str);
    free(t->slot);
    memset(t, 0, sizeof *t);
}

void lc_free(struct lc_history *h)
{
    for (int i = 0; i < h->n; i++)
        free((char *)h->ops[i].text);
    free(h->ops);
    free(h->init);
    strtab_free(&h->keys);
    strtab_free(&h->vals);
    memset(h, 0, sizeof *h);
}

/* ---- fields ------------------------------------------------------------ */

struct init_dir {
    uint32_t key;
    struct lc_state st;
    int line;
};

struct ctx {
    const char *name;
    int line;
    char *err;
    size_t errlen;
};

static int fail(struct ctx *c, const char *fmt, ...)
{
    va_list ap;
    int k = snprintf(c->err, c->errlen, "%s:%d: ", c->name, c->line);
    if (k < 0 || (size_t)k >= c->errlen)
        return -1;
    va_start(ap, fmt);
    vsnprintf(c->err + k, c->errlen - (size_t)k, fmt, ap);
    va_end(ap);
    return -1;
}

/* A decimal number below LC_INF, no sign, no junk. */
static bool parse_u64(const char *s, uint64_t *out)
{
    uint64_t v = 0;
    if (!*s)
        return false;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return false;
        unsigned d = (unsigned)(*s - '0');
        if (v > (UINT64_MAX - 1 - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

/* Words that mean something in a result, so cannot be keys or values. */
static bool reserved(const char *s)
{
    return !strcmp(s, "?") || !strcmp(s, "->") || !strcmp(s, "absent") || !strcmp(s, "failed") ||
           s[0] == '#';
}

static int name_field(struct ctx *c, struct lc_strtab *t, const char *what, const char *s,
                      uint32_t *id)
{
    if (reserved(s))
        return fail(c, "'%s' cannot be a %s (reserved word)", s, what);
    *id = strtab_intern(t, s);
    return 0;
}

static int version_field(struct ctx *c, const char *s, uint64_t *v)
{
    if (!parse_u64(s, v) || *v == 0)
        return fail(c, "bad version '%s' (a number >= 1)", s);
    return 0;
}

/* ---- lines ------------------------------------------------------------- */

/* `init KEY absent` or `init KEY VALUE VERSION`: the key's state before the
 * history starts (wherever the line is); absent when not given. */
static int parse_init(struct ctx *c, struct lc_history *h, char **f, int nf, struct init_dir **dirs,
                      int *ndirs)
{
    struct init_dir d = {0, {0, 0}, c->line};
    if (nf != 3 && nf != 4)
        return fail(c, "expected `init KEY absent` or `init KEY VALUE VERSION`");
    if (name_field(c, &h->keys, "key", f[1], &d.key) < 0)
        return -1;
    if (nf == 3 && strcmp(f[2], "absent"))
        return fail(c, "expected `init KEY absent` or `init KEY VALUE VERSION`");
    if (nf == 4 && (name_field(c, &h->vals, "value", f[2], &d.st.val) < 0 ||
                    version_field(c, f[3], &d.st.ver) < 0))
        return -1;
    for (int i = 0; i < *ndirs; i++)
        if ((*dirs)[i].key == d.key)
            return fail(c, "second `init` for key %s (first on line %d)", f[1], (*dirs)[i].line);
    *dirs = realloc(*dirs, (size_t)(*ndirs + 1) * sizeof **dirs);
    if (!*dirs)
        abort();
    (*dirs)[(*ndirs)++] = d;
    return 0;
}

/* The result fields r[0..nr) of op o. */
static int parse_result(struct ctx *c, struct lc_history *h, struct lc_op *o, char **r, int nr)
{
    static const char *const forms[] = {[LC_PUT] = "`ok [VERSION]`",
                                        [LC_GET] = "`VALUE [VERSION]` or `absent`",
                                        [LC_CAS] = "`ok [VERSION]` or `mismatch`",
                                        [LC_RM] = "`ok` or `absent`"};
    if (nr == 1 && !strcmp(r[0], "?")) {
        o->res = LC_UNKNOWN;
        return 0;
    }
    if (nr == 1 && !strcmp(r[0], "failed")) {
        o->res = LC_FAILED;
        return 0;
    }
    if (nr < 1 || nr > 2)
        goto bad;
    if (o->kind == LC_GET && !strcmp(r[0], "absent")) {
        o->res = LC_ABSENT;
        if (nr != 1)
            goto bad;
        return 0;
    }
    if (o->kind == LC_GET) {
        o->res = LC_VALUE;
        if (name_field(c, &h->vals, "value", r[0], &o->val) < 0)
            return -1;
    } else if (!strcmp(r[0], "ok")) {
        o->res = LC_OK;
        if (o->kind == LC_RM && nr != 1)
            goto bad;
    } else if ((o->kind == LC_CAS && !strcmp(r[0], "mismatch")) ||
               (o->kind == LC_RM && !strcmp(r[0], "absent"))) {
        o->res = !strcmp(r[0], "mismatch") ? LC_MISMATCH : LC_ABSENT;
        if (nr != 1)
            goto bad;
        return 0;
    } else {
        goto bad;
    }
    if (nr == 2)
        return version_field(c, r[1], &o->version);
    return 0;
bad:
    return fail(c, "bad result for %s: expected %s, `?` or `failed`",
                o->kind == LC_PUT   ? "put"
                : o->kind == LC_GET ? "get"
                : o->kind == LC_CAS ? "cas"
                                    : "rm",
                forms[o->kind]);
}

static int parse_op(struct ctx *c, struct lc_history *h, char **f, int nf, const char *text)
{
    static const struct {
        const char *name;
        uint8_t kind;
        int nargs;
        const char *usage;
    } kinds[] = {{"put", LC_PUT, 1, "put KEY VALUE"},
                 {"get", LC_GET, 0, "get KEY"},
                 {"cas", LC_CAS, 2, "cas KEY OLD NEW"},
                 {"rm", LC_RM, 0, "rm KEY"}};
    struct lc_op o = {0};
    int arrow = -1;
    for (int i = 0; i < nf; i++)
        if (!strcmp(f[i], "->")) {
            arrow = i;
            break;
        }
    if (arrow < 0)
        return fail(c, "no `->` before the result");
    if (arrow < 5)
        return fail(c, "expected `CLIENT CALL RET OP KEY [ARGS] -> RESULT`");
    if (reserved(f[0]))
        return fail(c, "'%s' cannot be a client", f[0]);
    if (!parse_u64(f[1], &o.call))
        return fail(c, "bad call time '%s' (nanoseconds, a decimal number)", f[1]);
    bool ret_known = strcmp(f[2], "?") != 0;
    if (ret_known && !parse_u64(f[2], &o.ret))
        return fail(c, "bad return time '%s' (nanoseconds, or `?`)", f[2]);
    int k = 0;
    while (k < 4 && strcmp(f[3], kinds[k].name))
        k++;
    if (k == 4)
        return fail(c, "unknown operation '%s' (put, get, cas or rm)", f[3]);
    o.kind = kinds[k].kind;
    if (arrow - 5 != kinds[k].nargs)
        return fail(c, "`%s` takes %d argument%s after the key, got %d", kinds[k].usage,
                    kinds[k].nargs, kinds[k].nargs == 1 ? "" : "s", arrow - 5);
    if (name_field(c, &h->keys, "key", f[4], &o.key) < 0)
        return -1;
    if (o.kind == LC_PUT && name_field(c, &h->vals, "value", f[5], &o.val) < 0)
        return -1;
    if (o.kind == LC_CAS && (name_field(c, &h->vals, "value", f[5], &o.old) < 0 ||
                             name_field(c, &h->vals, "value", f[6], &o.val) < 0))
        return -1;
    if (parse_result(c, h, &o, f + arrow + 1, nf - arrow - 1) < 0)
        return -1;
    if (o.res == LC_UNKNOWN) {
        o.ret = LC_INF; /* a recorded give-up time does not bound when it takes effect */
    } else if (o.res != LC_FAILED) {
        if (!ret_known)
            return fail(c, "return time `?` with a known result (use `-> ?` if unknown)");
        if (o.ret < o.call)
            return fail(c, "returns (%llu) before its call (%llu)", (unsigned long long)o.ret,
                        (unsigned long long)o.call);
    }
    o.line = c->line;
    o.text = strdup(text);
    if (!o.text)
        abort();
    if (h->n == h->cap) {
        h->cap = h->cap ? 2 * h->cap : 256;
        h->ops = realloc(h->ops, (size_t)h->cap * sizeof *h->ops);
        if (!h->ops)
            abort();
    }
    h->ops[h->n++] = o;
    if (o.res == LC_FAILED)
        h->n_failed++;
    return 0;
}

int lc_parse(FILE *f, const char *name, struct lc_history *h, char *err, size_t errlen)
{
    struct ctx c = {name, 0, err, errlen};
    struct init_dir *dirs = NULL;
    int ndirs = 0, rv = 0;
    char *buf = NULL, *copy = NULL;
    size_t cap = 0;
    ssize_t len;
    while (rv == 0 && (len = getline(&buf, &cap, f)) >= 0) {
        c.line++;
        while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
            buf[--len] = 0;
        if (strlen(buf) != (size_t)len) {
            rv = fail(&c, "NUL byte in line");
            break;
        }
        char *text = buf + strspn(buf, " \t");
        if (!*text || *text == '#')
            continue;
        char *end = text + strlen(text);
        while (end > text && (end[-1] == ' ' || end[-1] == '\t'))
            *--end = 0;
        free(copy);
        if (!(copy = strdup(text)))
            abort();
        char *fields[MAX_FIELDS + 1];
        int nf = 0;
        for (char *s = strtok(copy, " \t"); s && nf <= MAX_FIELDS; s = strtok(NULL, " \t"))
            fields[nf++] = s;
        if (nf > MAX_FIELDS)
            rv = fail(&c, "too many fields (at most %d)", MAX_FIELDS);
        else if (!strcmp(fields[0], "init"))
            rv = parse_init(&c, h, fields, nf, &dirs, &ndirs);
        else
            rv = parse_op(&c, h, fields, nf, text);
    }
    if (rv == 0 && ferror(f)) {
        snprintf(err, errlen, "%s: read error", name);
        rv = -1;
    }
    h->init = calloc(h->keys.n + 1, sizeof *h->init);
    if (!h->init)
        abort();
    for (int i = 0; i < ndirs; i++)
        h->init[dirs[i].key] = dirs[i].st;
    free(dirs);
    free(copy);
    free(buf);
    return rv;
}
