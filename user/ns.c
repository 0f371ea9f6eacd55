/* user/ns.c: the naming service from the shell (docs/naming.md).
 *
 *   ns [-t SECONDS] put KEY VALUE     bind KEY to VALUE; prints "ok version N"
 *   ns [-t SECONDS] get KEY           prints the value (and the port, if any)
 *   ns [-t SECONDS] cas KEY OLD NEW   set KEY to NEW if its value is OLD
 *   ns [-t SECONDS] casv KEY VER NEW  set KEY to NEW if its version is VER
 *                                     (0: only if KEY does not exist)
 *   ns [-t SECONDS] rm KEY            unbind KEY
 *   ns [-t SECONDS] ls [PREFIX]       names under PREFIX, one per line
 *   ns [-t SECONDS] stat KEY          the binding's version, indexes, owner
 *   ns watch PREFIX [N]               print the next N (default 1) changes
 *   ns hold KEY VALUE SECONDS         bind KEY ephemerally, then sleep: the
 *                                     binding goes when this process dies
 *
 * Exit status: 0 success; 1 the request was refused (no such name, CAS
 * mismatch, bad input); 3 no answer in time (for a write: outcome unknown);
 * 2 usage. Tests rely on these. */
#include <stdio.h>
#include <string.h>

#include "user/ipc.h"
#include "user/nsclient.h"
#include "user/ulib.h"

static int usage(void)
{
    printf("usage: ns [-t SECONDS] put KEY VALUE | get KEY | cas KEY OLD NEW |\n"
           "          casv KEY VERSION NEW | rm KEY | ls [PREFIX] | stat KEY |\n"
           "          watch PREFIX [N] | hold KEY VALUE SECONDS\n");
    return 2;
}

static int fail(const char *what, const char *key, int rv)
{
    if (rv == -ENOENT)
        printf("ns: %s: not found\n", key);
    else if (rv == -ECONNREFUSED)
        printf("ns: no naming service on any node (is `naming` in services=?)\n");
    else if (rv == -ECANCELED)
        printf("ns: %s: %s lost (the value or version differs)\n", key, what);
    else
        printf("ns: %s %s: %s\n", what, key, err_str(rv));
    return rv == -ETIMEDOUT ? 3 : 1;
}

static void print_value(const struct ns_binding *b)
{
    if (b->flags & NS_F_VALUE)
        printf("%.*s", (int)b->value_len, (const char *)b->value);
    if (b->flags & NS_F_PORT)
        printf("%sport %lu:%lu", (b->flags & NS_F_VALUE) ? " " : "",
               (unsigned long)(b->port.a >> 32), (unsigned long)(b->port.a & 0xffffffffu));
    printf("\n");
}

static int list(const char *prefix)
{
    static struct ns_reply rep;
    static char after[NS_NAME_MAX + 1];
    after[0] = 0;
    for (;;) {
        int rv = ns_list(prefix, after, &rep);
        if (rv)
            return fail("ls", prefix, rv);
        const char *p = rep.names;
        for (uint32_t i = 0; i < rep.n_names; i++) {
            printf("%s\n", p);
            size_t n = strlen(p);
            if (i + 1 == rep.n_names)
                memcpy(after, p, n + 1);
            p += n + 1;
        }
        if (!rep.more || !rep.n_names)
            return 0;
    }
}

static int watch(const char *prefix, long count)
{
    static struct ns_reply rep;
    /* Watch from now: the index of a read tells where "now" is. */
    int rv = ns_list(prefix, "", &rep);
    if (rv)
        return fail("watch", prefix, rv);
    uint64_t after = rep.index;
    printf("watching \"%s\" after index %lu\n", prefix, (unsigned long)after);
    for (long seen = 0; seen < count;) {
        rv = ns_watch(prefix, after, &rep);
        if (rv == -EAGAIN)
            continue; /* nothing yet: ask again */
        if (rv == -ESTALE) {
            printf("ns: watch: changes were missed; re-read and watch from index %lu\n",
                   (unsigned long)rep.index);
            return 1;
        }
        if (rv)
            return fail("watch", prefix, rv);
        if (rep.event == NS_EV_RM) {
            printf("rm %.*s (index %lu)\n", (int)rep.b.name_len, rep.b.name,
                   (unsigned long)rep.index);
        } else {
            printf("put %.*s = ", (int)rep.b.name_len, rep.b.name);
            print_value(&rep.b);
        }
        after = rep.index;
        seen++;
    }
    return 0;
}

int main(int argc, char **argv)
{
    int i = 1;
    if (i + 1 < argc && !strcmp(argv[i], "-t")) {
        uint64_t t;
        if (parse_seconds_ns(argv[i + 1], &t) || t == 0)
            return usage();
        ns_set_timeout(t);
        i += 2;
    }
    if (i >= argc)
        return usage();
    const char *cmd = argv[i];
    int n = argc - i - 1;
    char **a = argv + i + 1;
    uint64_t version = 0;
    int rv;
    if (!strcmp(cmd, "put") && n == 2) {
        rv = ns_put(a[0], a[1], strlen(a[1]), 0, &version);
        if (rv)
            return fail("put", a[0], rv);
        printf("ok version %lu\n", (unsigned long)version);
    } else if (!strcmp(cmd, "get") && n == 1) {
        struct ns_binding b;
        if ((rv = ns_get(a[0], &b)) != 0)
            return fail("get", a[0], rv);
        print_value(&b);
    } else if (!strcmp(cmd, "stat") && n == 1) {
        struct ns_binding b;
        if ((rv = ns_get(a[0], &b)) != 0)
            return fail("stat", a[0], rv);
        printf("name %.*s\nversion %lu\ncreated at index %lu\nchanged at index %lu\n",
               (int)b.name_len, b.name, (unsigned long)b.version, (unsigned long)b.create_index,
               (unsigned long)b.mod_index);
        if (b.session)
            printf("ephemeral: session %lu, owner pid %d\n", (unsigned long)b.session,
                   (int)b.owner_pid);
        printf("value ");
        print_value(&b);
    } else if (!strcmp(cmd, "cas") && n == 3) {
        rv = ns_cas_value(a[0], a[1], strlen(a[1]), a[2], strlen(a[2]), &version);
        if (rv)
            return fail("cas", a[0], rv);
        printf("ok version %lu\n", (unsigned long)version);
    } else if (!strcmp(cmd, "casv") && n == 3) {
        long expect;
        if (parse_long(a[1], &expect) || expect < 0)
            return usage();
        rv = ns_cas_version(a[0], (uint64_t)expect, a[2], strlen(a[2]), &version);
        if (rv == -ECANCELED) {
            printf("ns: %s: casv lost (version is %lu)\n", a[0], (unsigned long)version);
            return 1;
        }
        if (rv)
            return fail("casv", a[0], rv);
        printf("ok version %lu\n", (unsigned long)version);
    } else if (!strcmp(cmd, "rm") && n == 1) {
        if ((rv = ns_rm(a[0], 0)) != 0)
            return fail("rm", a[0], rv);
        printf("ok\n");
    } else if (!strcmp(cmd, "ls") && n <= 1) {
        return list(n ? a[0] : "");
    } else if (!strcmp(cmd, "watch") && (n == 1 || n == 2)) {
        long count = 1;
        if (n == 2 && (parse_long(a[1], &count) || count < 1))
            return usage();
        ns_set_timeout(3600 * IPC_SECOND);
        return watch(a[0], count);
    } else if (!strcmp(cmd, "hold") && n == 3) {
        uint64_t t;
        if (parse_seconds_ns(a[2], &t))
            return usage();
        rv = ns_put_ephemeral(a[0], a[1], strlen(a[1]), 0, &version);
        if (rv)
            return fail("hold", a[0], rv);
        printf("holding %s (version %lu)\n", a[0], (unsigned long)version);
        sys_sleep(t);
    } else {
        return usage();
    }
    return 0;
}
