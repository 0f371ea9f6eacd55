/* tests/sim/codec_test.c: the Raft wire codec and raft_step's input checks.
 * Round-trips every message type, then shows that every truncation, every
 * trailing byte and each corrupted field is rejected with an error. */
#include "services/raft/raft.h"
#include "lib/errno.h"

#include <stdio.h>
#include <string.h>

static int passed, failed;
static const char *filter = "";

#define TEST(name) static void name(bool *ok)
#define EXPECT(c)                                                                                  \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            printf("  %s:%d: %s\n", __FILE__, __LINE__, #c);                                       \
            *ok = false;                                                                           \
        }                                                                                          \
    } while (0)

static struct raft_entry ents[4];
static uint8_t snapdata[100];

static struct raft_msg sample(int type)
{
    struct raft_msg m = {.type = (uint8_t)type,
                         .from = 2,
                         .to = 1,
                         .term = 7,
                         .index = 41,
                         .log_term = 6,
                         .commit = 40,
                         .hint = 3,
                         .ctx = 99};
    if (type == RAFT_MSG_APPEND) {
        for (int i = 0; i < 3; i++) {
            ents[i].term = 7;
            ents[i].type = RAFT_ENTRY_NORMAL;
            ents[i].len = (uint16_t)(10 * i);
            memset(ents[i].data, 'a' + i, ents[i].len);
        }
        m.n_entries = 3;
        m.entries = ents;
    }
    if (type == RAFT_MSG_SNAPSHOT) {
        m.conf.n = 2;
        m.conf.m[0] = (struct raft_member){1, RAFT_VOTER};
        m.conf.m[1] = (struct raft_member){5, RAFT_LEARNER};
        memset(snapdata, 0x5a, sizeof snapdata);
        m.snap_len = sizeof snapdata;
        m.snap_data = snapdata;
    }
    return m;
}

TEST(codec_roundtrip_all_types)
{
    for (int t = 1; t < RAFT_MSG_TYPE_END; t++) {
        struct raft_msg m = sample(t), d;
        uint8_t buf[1024];
        struct raft_entry out[4];
        int n = raft_encode(&m, buf, sizeof buf);
        EXPECT(n == (int)raft_encoded_size(&m));
        EXPECT(raft_decode(buf, (size_t)n, &d, out, 4) == 0);
        EXPECT(d.type == m.type && d.from == m.from && d.to == m.to && d.term == m.term &&
               d.index == m.index && d.log_term == m.log_term && d.commit == m.commit &&
               d.hint == m.hint && d.ctx == m.ctx && d.n_entries == m.n_entries &&
               d.snap_len == m.snap_len);
        for (uint32_t i = 0; i < d.n_entries; i++)
            EXPECT(d.entries[i].len == ents[i].len &&
                   !memcmp(d.entries[i].data, ents[i].data, ents[i].len));
        if (t == RAFT_MSG_SNAPSHOT)
            EXPECT(d.conf.n == 2 && d.conf.m[1].id == 5 && !memcmp(d.snap_data, snapdata, 100));
    }
}

TEST(codec_rejects_truncation_and_trailing)
{
    for (int t = 1; t < RAFT_MSG_TYPE_END; t++) {
        struct raft_msg m = sample(t), d;
        uint8_t buf[1024];
        struct raft_entry out[4];
        int n = raft_encode(&m, buf, sizeof buf);
        for (int k = 0; k < n; k++)
            EXPECT(raft_decode(buf, (size_t)k, &d, out, 4) < 0);
        EXPECT(raft_decode(buf, (size_t)n + 1, &d, out, 4) < 0);
        EXPECT(raft_encode(&m, buf, (size_t)n - 1) == -EMSGSIZE);
    }
}

TEST(codec_rejects_bad_fields)
{
    struct raft_msg m = sample(RAFT_MSG_APPEND), d;
    uint8_t buf[1024], b2[1024];
    struct raft_entry out[4];
    int n = raft_encode(&m, buf, sizeof buf);
    memcpy(b2, buf, (size_t)n);
    b2[0] ^= 1; /* magic */
    EXPECT(raft_decode(b2, (size_t)n, &d, out, 4) == -EBADMSG);
    memcpy(b2, buf, (size_t)n);
    b2[1] = 2; /* version */
    EXPECT(raft_decode(b2, (size_t)n, &d, out, 4) == -EPROTO);
    memcpy(b2, buf, (size_t)n);
    b2[2] = RAFT_MSG_TYPE_END; /* type */
    EXPECT(raft_decode(b2, (size_t)n, &d, out, 4) == -EBADMSG);
    memcpy(b2, buf, (size_t)n);
    b2[RAFT_WIRE_HEADER] = 200; /* entry count larger than the input */
    EXPECT(raft_decode(b2, (size_t)n, &d, out, 4) == -EBADMSG);
    EXPECT(raft_decode(buf, (size_t)n, &d, out, 2) == -ENOBUFS);
    memcpy(b2, buf, (size_t)n);
    b2[RAFT_WIRE_HEADER + 4 + 8] = 9; /* entry type */
    EXPECT(raft_decode(b2, (size_t)n, &d, out, 4) == -EBADMSG);
    memcpy(b2, buf, (size_t)n);
    b2[RAFT_WIRE_HEADER + 4 + 9] = 0xff; /* entry length beyond RAFT_MAX_DATA */
    b2[RAFT_WIRE_HEADER + 4 + 10] = 0xff;
    EXPECT(raft_decode(b2, (size_t)n, &d, out, 4) == -EBADMSG);
    EXPECT(raft_decode(NULL, 0, &d, out, 4) == -EBADMSG);
}

TEST(step_rejects_invalid_messages)
{
    static struct raft r;
    static struct raft_entry ring[64];
    struct raft_config cfg = {
        .id = 1, .election_ms = 100, .heartbeat_ms = 20, .seed = 1, .ring = ring, .ring_cap = 64};
    EXPECT(raft_init(&r, &cfg) == 0);
    struct raft_msg m = sample(RAFT_MSG_HEARTBEAT);
    m.to = 3;
    EXPECT(raft_step(&r, &m) == -EINVAL);
    m = sample(RAFT_MSG_HEARTBEAT);
    m.from = 1;
    EXPECT(raft_step(&r, &m) == -EINVAL);
    m = sample(RAFT_MSG_HEARTBEAT);
    m.term = 0;
    EXPECT(raft_step(&r, &m) == -EINVAL);
    m = sample(RAFT_MSG_APPEND);
    ents[1].term = 9; /* entry from a future term */
    EXPECT(raft_step(&r, &m) == -EPROTO);
    EXPECT(raft_term(&r) == 0); /* nothing changed */
    m = sample(RAFT_MSG_APPEND);
    m.index = 0; /* the empty prefix has term 0 (found by the fuzzer: it hung) */
    m.n_entries = 0;
    EXPECT(raft_step(&r, &m) == -EPROTO);
    m = sample(RAFT_MSG_SNAPSHOT);
    m.conf.m[1].id = 1;
    m.conf.m[0].id = 1; /* duplicate member */
    EXPECT(raft_step(&r, &m) == -EPROTO);
    struct raft_config bad = cfg;
    bad.heartbeat_ms = 100;
    EXPECT(raft_init(&r, &bad) == -EINVAL);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        filter = argv[1];
    struct {
        const char *name;
        void (*fn)(bool *);
    } tests[] = {
        {"codec_roundtrip_all_types", codec_roundtrip_all_types},
        {"codec_rejects_truncation_and_trailing", codec_rejects_truncation_and_trailing},
        {"codec_rejects_bad_fields", codec_rejects_bad_fields},
        {"step_rejects_invalid_messages", step_rejects_invalid_messages},
    };
    for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++) {
        if (!strstr(tests[i].name, filter))
            continue;
        bool ok = true;
        tests[i].fn(&ok);
        printf("%s %s\n", ok ? "PASS" : "FAIL", tests[i].name);
        ok ? passed++ : failed++;
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
