/* tests/sched/test_spec.c: the text forms of specs, labels and taints
 * (services/sched/spectext.c). */
#include <stdio.h>

#include "services/sched/schedwire.h"
#include "services/sched/spectext.h"
#include "tests/sched/harness.h"

static void spec_defaults(void)
{
    struct sched_spec s;
    CHECK_EQ(sched_spec_parse("", &s), 0);
    CHECK_EQ(s.cpu_milli, SCHED_DEFAULT_CPU_MILLI);
    CHECK_EQ(SCHED_DEFAULT_CPU_MILLI,
             250); /* a quarter of a hart: four to a node before requests pend */
    CHECK_EQ(s.mem_kib, 1024);
    CHECK_EQ(s.nselector + s.ntolerations + s.nlabels, 0);
    CHECK(!s.affinity.key[0] && !s.anti_affinity.key[0] && !s.spread_key[0] && !s.restart);
}

static void spec_full(void)
{
    struct sched_spec s;
    CHECK_EQ(sched_spec_parse("cpu=500,mem=2048,sel=disk=ssd,tol=gpu=yes:NoSchedule,"
                              "label=app=web,anti=app=web,aff=app=db,spread=zone,restart",
                              &s),
             0);
    CHECK_EQ(s.cpu_milli, 500);
    CHECK_EQ(s.mem_kib, 2048);
    CHECK_EQ(s.nselector, 1);
    CHECK_STR(s.selector[0].key, "disk");
    CHECK_STR(s.selector[0].value, "ssd");
    CHECK_EQ(s.ntolerations, 1);
    CHECK_STR(s.tolerations[0].kv.key, "gpu");
    CHECK_STR(s.tolerations[0].kv.value, "yes");
    CHECK_EQ(s.tolerations[0].effect, SCHED_NO_SCHEDULE);
    CHECK_EQ(s.nlabels, 1);
    CHECK_STR(s.labels[0].key, "app");
    CHECK_STR(s.anti_affinity.value, "web");
    CHECK_STR(s.affinity.value, "db");
    CHECK_STR(s.spread_key, "zone");
    CHECK_EQ(s.restart, 1);
    CHECK(sched_spec_valid(&s));
}

static void spec_any_forms(void)
{
    struct sched_spec s;
    CHECK_EQ(sched_spec_parse("tol=gpu,tol=x:NoExecute,tol=y=:NoSchedule,sel=disk,anti=app", &s),
             0);
    CHECK_EQ(s.ntolerations, 3);
    CHECK_EQ(s.tolerations[0].effect, 0);
    CHECK_STR(s.tolerations[0].kv.value, "");
    CHECK_EQ(s.tolerations[1].effect, SCHED_NO_EXECUTE);
    CHECK_STR(s.tolerations[2].kv.value, "");
    CHECK_STR(s.selector[0].value, "");
    CHECK_STR(s.anti_affinity.key, "app");
    CHECK_STR(s.anti_affinity.value, "");
}

static void spec_malformed(void)
{
    static const char *const bad[] = {
        "cpu",
        "cpu=",
        "cpu=x",
        "cpu=-1",
        "cpu=1000001",
        "cpu=99999999999",
        "mem=1073741825",
        "cpu=1,cpu=2",
        "restart,restart",
        "restart=1",
        "spread=",
        "spread=zone,spread=a",
        "sel=",
        "sel==ssd",
        "sel=a b=c",
        "tol=gpu:NoWhere",
        "tol=:NoSchedule",
        "label=app",
        "label==x",
        "aff=x,aff=y",
        "anti=",
        "bogus=1",
        ",",
        "cpu=5,",
        ",cpu=5",
        "cpu=5,,mem=3",
        "sel=a=1,sel=b=2,sel=c=3,sel=d=4,sel=e=5",
        "label=a=1,label=b=2,label=c=3,label=d=4,label=e=5",
        "sel=k234567890123456=v",
        "sel=k=v23456789012345678901234",
        "sel=k=v,w",
        "cpu=1 ",
        " cpu=1",
        "sel=k:v",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct sched_spec s;
        if (sched_spec_parse(bad[i], &s) != -EINVAL) {
            st_fail(__FILE__, __LINE__, "\"%s\" parsed", bad[i]);
            return;
        }
    }
    struct sched_spec s;
    CHECK_EQ(sched_spec_parse(NULL, &s), -EINVAL);
    /* the longest names fit */
    CHECK_EQ(sched_spec_parse("sel=k23456789012345=v2345678901234567890123", &s), 0);
}

static void labels_parse(void)
{
    struct sched_label l[SCHED_NODE_LABELS];
    uint32_t n;
    CHECK_EQ(sched_labels_parse("disk=ssd,zone=a", l, SCHED_NODE_LABELS, &n), 0);
    CHECK_EQ(n, 2);
    CHECK_STR(l[1].key, "zone");
    CHECK_STR(l[1].value, "a");
    CHECK_EQ(sched_labels_parse("", l, SCHED_NODE_LABELS, &n), 0);
    CHECK_EQ(n, 0);
    CHECK_EQ(sched_labels_parse("gpu", l, SCHED_NODE_LABELS, &n), 0);
    CHECK_STR(l[0].value, "");
    CHECK_EQ(sched_labels_parse("a=1,a=2", l, SCHED_NODE_LABELS, &n), -EINVAL);
    CHECK_EQ(sched_labels_parse("a=1,", l, SCHED_NODE_LABELS, &n), -EINVAL);
    CHECK_EQ(sched_labels_parse("=1", l, SCHED_NODE_LABELS, &n), -EINVAL);
    CHECK_EQ(sched_labels_parse("a=1,b=2,c=3", l, 2, &n), -EINVAL);
    CHECK_EQ(sched_labels_parse("a=x:y", l, SCHED_NODE_LABELS, &n), -EINVAL);
}

static void taint_parse(void)
{
    struct sched_taint t;
    CHECK_EQ(sched_taint_parse("gpu=yes:NoSchedule", &t), 0);
    CHECK_STR(t.kv.key, "gpu");
    CHECK_STR(t.kv.value, "yes");
    CHECK_EQ(t.effect, SCHED_NO_SCHEDULE);
    CHECK_EQ(sched_taint_parse("maint:NoExecute", &t), 0);
    CHECK_STR(t.kv.value, "");
    CHECK_EQ(t.effect, SCHED_NO_EXECUTE);
    CHECK_EQ(sched_taint_parse("gpu=yes", &t), -EINVAL); /* the effect is required */
    CHECK_EQ(sched_taint_parse("gpu=yes:", &t), -EINVAL);
    CHECK_EQ(sched_taint_parse(":NoSchedule", &t), -EINVAL);
    CHECK_EQ(sched_taint_parse("a=b:NoSchedule:NoExecute", &t), -EINVAL);
}

static void format_round_trip(void)
{
    static const char *const texts[] = {
        "",
        "cpu=0,mem=0",
        "cpu=500,mem=2048,sel=disk=ssd,tol=gpu=yes:NoSchedule,label=app=web,anti=app=web,"
        "aff=app=db,spread=zone,restart",
        "tol=gpu,tol=x:NoExecute,tol=y=z,sel=disk,anti=app,aff=a=",
        "label=a=,label=b=c,sel=x=y,sel=p=q",
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        struct sched_spec a, b;
        char buf[512];
        CHECK_EQ(sched_spec_parse(texts[i], &a), 0);
        int n = sched_spec_format(&a, buf, sizeof buf);
        CHECK(n > 0 && (size_t)n == strlen(buf));
        CHECK_EQ(sched_spec_parse(buf, &b), 0);
        if (memcmp(&a, &b, sizeof a) != 0) {
            st_fail(__FILE__, __LINE__, "\"%s\" -> \"%s\" differs", texts[i], buf);
            return;
        }
    }
    struct sched_spec s = st_spec("cpu=500,sel=disk=ssd");
    char small[8];
    CHECK_EQ(sched_spec_format(&s, small, sizeof small), -EMSGSIZE);
    CHECK_EQ(strlen(small), 7);
    struct sched_taint t;
    char buf[64];
    CHECK_EQ(sched_taint_parse("gpu=yes:NoExecute", &t), 0);
    CHECK(sched_taint_format(&t, buf, sizeof buf) > 0);
    CHECK_STR(buf, "gpu=yes:NoExecute");
}

/* Random specs: format then parse gives the spec back; the wire codec too. */
static void random_round_trip(void)
{
    for (int it = 0; it < 2000; it++) {
        struct sched_spec s;
        memset(&s, 0, sizeof s);
        s.cpu_milli = (uint32_t)st_below(SCHED_CPU_MILLI_MAX + 1);
        s.mem_kib = (uint32_t)st_below(1u << 20);
        s.nselector = (uint32_t)st_below(SCHED_SPEC_TERMS + 1);
        s.ntolerations = (uint32_t)st_below(SCHED_SPEC_TERMS + 1);
        s.nlabels = (uint32_t)st_below(SCHED_SPEC_TERMS + 1);
        for (uint32_t i = 0; i < s.nselector; i++)
            snprintf(s.selector[i].key, SCHED_KEY_MAX, "s%u", (unsigned)st_below(1000)),
                snprintf(s.selector[i].value, SCHED_VALUE_MAX, "%.*s", (int)st_below(3), "v-x");
        for (uint32_t i = 0; i < s.ntolerations; i++) {
            snprintf(s.tolerations[i].kv.key, SCHED_KEY_MAX, "t.%u", (unsigned)st_below(1000));
            s.tolerations[i].effect = (uint8_t)st_below(3);
        }
        for (uint32_t i = 0; i < s.nlabels; i++)
            snprintf(s.labels[i].key, SCHED_KEY_MAX, "l/%u", (unsigned)st_below(99)),
                snprintf(s.labels[i].value, SCHED_VALUE_MAX, "w%u", (unsigned)st_below(9));
        if (st_below(2))
            snprintf(s.anti_affinity.key, SCHED_KEY_MAX, "app");
        if (st_below(2))
            snprintf(s.spread_key, SCHED_KEY_MAX, "zone");
        s.restart = (uint8_t)st_below(2);
        CHECK(sched_spec_valid(&s));
        char buf[700];
        struct sched_spec back;
        CHECK(sched_spec_format(&s, buf, sizeof buf) > 0);
        CHECK_EQ(sched_spec_parse(buf, &back), 0);
        CHECK(memcmp(&s, &back, sizeof s) == 0);
        uint8_t wire[SCHED_WIRE_SPEC];
        struct le_writer w = {wire, sizeof wire, 0};
        sched_put_spec(&w, &s);
        CHECK(!le_overflow(&w));
        struct le_reader r = le_reader(wire, w.n);
        sched_get_spec(&r, &back);
        CHECK(r.ok && r.at == w.n);
        CHECK(memcmp(&s, &back, sizeof s) == 0);
    }
}

/* The largest spec fits its wire bound, and a PLACE command with it fits a
 * message. */
static void largest_spec_fits(void)
{
    struct sched_spec s;
    memset(&s, 0, sizeof s);
    s.cpu_milli = SCHED_CPU_MILLI_MAX;
    s.nselector = s.ntolerations = s.nlabels = SCHED_SPEC_TERMS;
    for (int i = 0; i < SCHED_SPEC_TERMS; i++) {
        memset(s.selector[i].key, 'k', SCHED_KEY_MAX - 1);
        memset(s.selector[i].value, 'v', SCHED_VALUE_MAX - 1);
        s.tolerations[i].kv = s.labels[i] = s.selector[i];
        s.tolerations[i].effect = 2;
    }
    s.affinity = s.anti_affinity = s.selector[0];
    memset(s.spread_key, 'z', SCHED_KEY_MAX - 1);
    CHECK(sched_spec_valid(&s));
    uint8_t wire[SCHED_WIRE_SPEC + 8];
    struct le_writer w = {wire, sizeof wire, 0};
    sched_put_spec(&w, &s);
    CHECK_EQ(w.n, SCHED_WIRE_SPEC);
    struct sched_request r = st_cmd(SCHED_OP_PLACE);
    r.client = r.seq = r.req_id = 1;
    r.spec = s;
    memset(r.reason, 'r', SCHED_REASON_MAX - 1);
    uint8_t buf[SCHED_MSG_MAX];
    CHECK(sched_cmd_encode(&r, buf, sizeof buf) > 0);
    CHECK(sched_request_encode(&r, buf, sizeof buf) > 0);
}

const struct st_test st_spec_tests[] = {
    {"spec_defaults", spec_defaults},
    {"spec_full", spec_full},
    {"spec_any_forms", spec_any_forms},
    {"spec_malformed", spec_malformed},
    {"spec_labels_parse", labels_parse},
    {"spec_taint_parse", taint_parse},
    {"spec_format_round_trip", format_round_trip},
    {"spec_random_round_trip", random_round_trip},
    {"spec_largest_fits", largest_spec_fits},
    {NULL, NULL},
};
