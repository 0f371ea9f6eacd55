/* labs/service/test_count.c: the host half of the service lab's grader
 * (labs/service/README.md): the naming service's COUNT request, in its wire
 * codec (services/naming/nsproto.c) and its state machine
 * (services/naming/nsmachine.c), built from the tree being graded. Prints
 * `PASS name` or `FAIL name: why` per test. */
#include <stdio.h>

#include "tests/naming/harness.h"

static struct ns_machine m;

static void count_request_round_trip(void)
{
    struct ns_request q = nt_req(NS_OP_COUNT, "svc/"), d;
    uint8_t buf[NS_REQUEST_MAX];
    int n = ns_request_encode(&q, buf, sizeof buf);
    CHECK(n > 0);
    if (n <= 0)
        return;
    CHECK_EQ(ns_request_decode(buf, (size_t)n, &d), 0);
    CHECK_EQ(d.op, NS_OP_COUNT);
    CHECK(d.name_len == 4 && memcmp(d.name, "svc/", 4) == 0);
    CHECK(!ns_op_is_write(NS_OP_COUNT)); /* a read: never in the log */
}

static void count_request_checks_its_prefix(void)
{
    uint8_t buf[NS_REQUEST_MAX];
    struct ns_request q = nt_req(NS_OP_COUNT, ""), d;
    int n = ns_request_encode(&q, buf, sizeof buf);
    CHECK(n > 0 && ns_request_decode(buf, (size_t)n, &d) == 0); /* "": every name */
    q = nt_req(NS_OP_COUNT, "a\001b");                          /* not a name's bytes */
    CHECK(ns_request_encode(&q, buf, sizeof buf) < 0);
    q = nt_req(NS_OP_COUNT, "x");
    q.flags = NS_F_VALUE; /* a count carries nothing else */
    CHECK(ns_request_encode(&q, buf, sizeof buf) < 0);
}

static void count_reply_round_trip(void)
{
    struct ns_reply r, d;
    memset(&r, 0, sizeof r);
    r.op = NS_OP_COUNT;
    r.n_names = 70000; /* more than 16 bits */
    r.index = 42;
    uint8_t buf[NS_REPLY_MAX];
    int n = ns_reply_encode(&r, buf, sizeof buf);
    CHECK(n > 0);
    if (n <= 0)
        return;
    CHECK_EQ(ns_reply_decode(buf, (size_t)n, &d), 0);
    CHECK_EQ(d.n_names, 70000);
    CHECK_EQ(d.index, 42);
    CHECK_EQ(ns_reply_decode(buf, (size_t)n - 1, &d), -EBADMSG);
}

static void count_in_the_machine(void)
{
    nsm_init(&m);
    static const char *const names[] = {"svc/a", "svc/b", "svc/c/d", "svcx", "sv", "zz"};
    struct ns_reply rep;
    for (unsigned i = 0; i < sizeof names / sizeof names[0]; i++) {
        struct ns_request q = nt_put(names[i], "v", NULL);
        q.client = 7, q.seq = i + 1;
        CHECK_EQ(nt_apply(&m, &q, &rep), 0);
    }
    static const struct {
        const char *prefix;
        uint32_t want;
    } cases[] = {{"svc/", 3},   {"svc", 4}, {"sv", 5},  {"", 6},
                 {"svc/c/", 1}, {"q", 0},   {"zzz", 0}, {"svc/b", 1}};
    for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct ns_request q = nt_req(NS_OP_COUNT, cases[i].prefix);
        memset(&rep, 0, sizeof rep);
        nsm_read(&m, &q, &rep);
        CHECK_EQ(rep.status, 0);
        if (rep.n_names != cases[i].want)
            hosttest_fail(__FILE__, __LINE__, "count \"%s\": %u, want %u", cases[i].prefix,
                          rep.n_names, cases[i].want);
    }
}

static const struct nt_test count_tests[] = {
    {"count_request_round_trip", count_request_round_trip},
    {"count_request_checks_its_prefix", count_request_checks_its_prefix},
    {"count_reply_round_trip", count_reply_round_trip},
    {"count_in_the_machine", count_in_the_machine},
    {NULL, NULL},
};

int main(int argc, char **argv)
{
    static const struct nt_test *const tables[] = {count_tests};
    const struct hosttest_suite suite = {.tables = tables, .ntables = 1, .seed_env = "NAMING_SEED"};
    return hosttest_main(&suite, argc, argv);
}
