/* tests/lincheck/lincheck.c: the command.
 *
 *     lincheck [-v] [-b STEPS] [-m MIB] HISTORY_FILE     (- reads stdin)
 *
 * Reads a history (docs/lincheck.md), checks every key on its own, and
 * prints one of
 *     linearizable: N ops, K keys                                  exit 0
 *     NOT linearizable: key K  (then that key's ops and a diagnosis) exit 1
 *     UNKNOWN: search budget exceeded on key K                     exit 3
 * A malformed history or a bad command line exits 2 with a message on stderr.
 * A key that is not linearizable outweighs one whose search ran out of
 * budget. -v prints each key's search figures on stderr. */
#include "tests/lincheck/lincheck.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DEFAULT_STEPS 100000000ull /* 10-20 s of search per key (sanitized build) */
#define DEFAULT_MIB 1024

static void usage(void)
{
    fprintf(stderr, "usage: lincheck [-v] [-b STEPS] [-m MIB] HISTORY_FILE  (- for stdin)\n");
    exit(2);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void put_state(FILE *out, const struct lc_history *h, struct lc_state s)
{
    if (!s.val)
        fprintf(out, "absent");
    else
        fprintf(out, "%s@%llu", lc_str(&h->vals, s.val), (unsigned long long)s.ver);
}

static int cmp_call(const void *a, const void *b)
{
    const struct lc_op *x = a, *y = b;
    if (x->call != y->call)
        return x->call < y->call ? -1 : 1;
    return x->line - y->line;
}

static int digits(long v)
{
    int d = 1;
    while (v >= 10) {
        v /= 10;
        d++;
    }
    return d;
}

/* The diagnosis of a key with no linearization: its ops by call time, each
 * marked with its place in the longest linearizable prefix found. */
static void explain(FILE *out, const struct lc_history *h, uint32_t key, const struct lc_op *ops,
                    int n, const struct lc_report *rep)
{
    int *pos = calloc((size_t)n + 1, sizeof *pos);
    if (!pos)
        abort();
    for (int k = 0; k < rep->nprefix; k++)
        pos[rep->prefix[k]] = k + 1;
    struct lc_state init = h->init[key];
    struct lc_state last = rep->nprefix ? rep->after[rep->nprefix - 1] : init;
    int lw = 1, pw = digits(n);
    for (int i = 0; i < n; i++)
        if (digits(ops[i].line) > lw)
            lw = digits(ops[i].line);

    fprintf(out, "key %s: %d ops by call time; initial state ", lc_str(&h->keys, key), n);
    put_state(out, h, init);
    fprintf(out, "\n");
    if (rep->unwritten < 0 && rep->overversion < 0)
        fprintf(out,
                "[i]: i-th op of the longest linearizable prefix found (%d of %d ops), "
                "with the state after it (VALUE@VERSION)\n",
                rep->nprefix, n);
    for (int i = 0; i < n; i++) {
        if (pos[i]) {
            fprintf(out, "  line %*d [%*d] %s  => ", lw, ops[i].line, pw, pos[i], ops[i].text);
            put_state(out, h, rep->after[pos[i] - 1]);
            fprintf(out, "\n");
        } else {
            fprintf(out, "  line %*d [%*s] %s\n", lw, ops[i].line, pw, "", ops[i].text);
        }
    }

    if (rep->unwritten >= 0) {
        const struct lc_op *o = &ops[rep->unwritten];
        fprintf(out,
                "line %d needs value %s, which no op on key %s writes (nor is it the initial "
                "value):\n  line %d: %s\n",
                o->line, lc_str(&h->vals, o->kind == LC_CAS ? o->old : o->val),
                lc_str(&h->keys, key), o->line, o->text);
    }
    if (rep->overversion >= 0) {
        const struct lc_op *o = &ops[rep->overversion];
        fprintf(out,
                "line %d reports version %llu, but the key can be at version %llu at most by "
                "then (its initial version plus the writes called before it returned):\n"
                "  line %d: %s\n",
                o->line, (unsigned long long)o->version, (unsigned long long)rep->version_bound,
                o->line, o->text);
    }
    if (rep->stuck >= 0) {
        const struct lc_op *o = &ops[rep->stuck];
        fprintf(out, "stuck after that prefix (state ");
        put_state(out, h, last);
        fprintf(out,
                "): line %d must take effect before it returns, but neither it nor any other "
                "op called by then can take effect next:\n  line %d: %s\n",
                o->line, o->line, o->text);
    }
    if (rep->strander >= 0) {
        /* a pending op that needs the value the strander would replace */
        int need = -1;
        for (int i = 0; i < n && need < 0; i++)
            if (!pos[i] && i != rep->strander && ops[i].res != LC_UNKNOWN && last.val &&
                ((ops[i].kind == LC_GET && ops[i].res == LC_VALUE && ops[i].val == last.val) ||
                 (ops[i].kind == LC_CAS && ops[i].res == LC_OK && ops[i].old == last.val)))
                need = i;
        fprintf(out, "line %d could go next, but it would replace %s for good",
                ops[rep->strander].line, lc_str(&h->vals, last.val));
        if (need >= 0)
            fprintf(out, " while line %d still needs it:\n  line %d: %s\n", ops[need].line,
                    ops[need].line, ops[need].text);
        else
            fprintf(out, "\n");
    }
    free(pos);
}

int main(int argc, char **argv)
{
    struct lc_limits lim = {DEFAULT_STEPS, (size_t)DEFAULT_MIB << 20};
    bool verbose = false;
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        char *end;
        if (!strcmp(argv[i], "-v")) {
            verbose = true;
        } else if (!strcmp(argv[i], "-b") && i + 1 < argc) {
            lim.max_steps = strtoull(argv[++i], &end, 10);
            if (*end || !lim.max_steps)
                usage();
        } else if (!strcmp(argv[i], "-m") && i + 1 < argc) {
            unsigned long long mib = strtoull(argv[++i], &end, 10);
            if (*end || !mib || mib > ((size_t)-1 >> 20))
                usage();
            lim.max_bytes = (size_t)mib << 20;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            usage();
        } else if (!path) {
            path = argv[i];
        } else {
            usage();
        }
    }
    if (!path)
        usage();

    FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
    if (!f) {
        fprintf(stderr, "lincheck: cannot open %s\n", path);
        return 2;
    }
    struct lc_history h = {0};
    char err[512];
    int rv = lc_parse(f, strcmp(path, "-") ? path : "<stdin>", &h, err, sizeof err);
    if (f != stdin)
        fclose(f);
    if (rv < 0) {
        fprintf(stderr, "lincheck: %s\n", err);
        lc_free(&h);
        return 2;
    }

    /* per key: the ops that constrain it (not failed, not unanswered gets) */
    struct lc_op *sub = malloc(((size_t)h.n + 1) * sizeof *sub);
    if (!sub)
        abort();
    /* keys out of budget are reported after those not linearizable */
    char *later_buf = NULL;
    size_t later_len = 0;
    FILE *later = open_memstream(&later_buf, &later_len);
    if (!later)
        abort();
    int nkeys = 0, nops = h.n - h.n_failed, status = 0;
    for (uint32_t key = 1; key <= h.keys.n; key++) {
        int n = 0, nopen = 0, seen = 0;
        for (int i = 0; i < h.n; i++) {
            const struct lc_op *o = &h.ops[i];
            if (o->key != key || o->res == LC_FAILED)
                continue;
            seen = 1;
            if (o->kind == LC_GET && o->res == LC_UNKNOWN)
                continue;
            nopen += o->res == LC_UNKNOWN;
            sub[n++] = *o;
        }
        nkeys += seen;
        if (!n)
            continue;
        qsort(sub, (size_t)n, sizeof *sub, cmp_call);
        struct lc_report rep;
        double t0 = now_s();
        enum lc_verdict v = lc_check_key(sub, n, h.init[key], &lim, &rep);
        if (verbose)
            fprintf(stderr,
                    "lincheck: key %s: %d ops (%d open): %s, %llu steps, %llu states, "
                    "%.1f MiB, %.3f s, longest prefix %d\n",
                    lc_str(&h.keys, key), n, nopen,
                    v == LC_LINEARIZABLE ? "linearizable"
                    : v == LC_NOT        ? "NOT linearizable"
                                         : "budget exceeded",
                    (unsigned long long)rep.steps, (unsigned long long)rep.states,
                    rep.bytes / 1048576.0, now_s() - t0, rep.nprefix);
        if (v == LC_NOT) {
            printf("NOT linearizable: key %s\n", lc_str(&h.keys, key));
            explain(stdout, &h, key, sub, n, &rep);
            status = 1;
        } else if (v == LC_BUDGET) {
            fprintf(later,
                    "UNKNOWN: search budget exceeded on key %s (%llu steps, %llu states, "
                    "%.0f MiB; see -b and -m)\n",
                    lc_str(&h.keys, key), (unsigned long long)rep.steps,
                    (unsigned long long)rep.states, rep.bytes / 1048576.0);
            if (verbose)
                explain(later, &h, key, sub, n, &rep);
            if (status == 0)
                status = 3;
        }
        lc_report_free(&rep);
    }
    fclose(later);
    fputs(later_buf, stdout);
    free(later_buf);
    if (status == 0)
        printf("linearizable: %d ops, %d keys\n", nops, nkeys);
    free(sub);
    lc_free(&h);
    return status;
}
