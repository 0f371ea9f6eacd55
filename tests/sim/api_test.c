/* tests/sim/api_test.c: the core's API contracts, one node at a time:
 * durability gating (nothing acted on before raft_persisted), error returns,
 * ring bounds and compaction, ReadIndex preconditions, membership and
 * transfer preconditions. Prints PASS/FAIL per test and `N passed, M failed`. */
#include "services/raft/raft.h"
#include "lib/errno.h"

#include <stdio.h>
#include <string.h>

#define EXPECT(c)                                                                                  \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            printf("  %s:%d: %s\n", __FILE__, __LINE__, #c);                                       \
            *ok = false;                                                                           \
        }                                                                                          \
    } while (0)

static struct raft r;
static struct raft_entry ring[64];
static uint8_t snap[64];
static struct raft_ready rd;

static void fresh(uint32_t id, int voters)
{
    struct raft_config cfg = {.id = id,
                              .election_ms = 100,
                              .heartbeat_ms = 20,
                              .seed = 3,
                              .ring = ring,
                              .ring_cap = 64,
                              .snap_buf = snap,
                              .snap_cap = sizeof snap,
                              .pre_vote = true,
                              .check_quorum = true};
    raft_init(&r, &cfg);
    struct raft_conf c = {.n = (uint32_t)voters};
    for (int i = 0; i < voters; i++)
        c.m[i] = (struct raft_member){(uint32_t)i + 1, RAFT_VOTER};
    raft_bootstrap(&r, &c);
}

/* Drive a single-voter node to leadership, confirming every write. */
static void lead(void)
{
    fresh(1, 1);
    raft_tick(&r, 250);
    for (int i = 0; i < 4; i++) {
        raft_ready(&r, &rd);
        if (rd.persist)
            raft_persisted(&r);
    }
}

static void test_vote_counts_only_when_durable(bool *ok)
{
    fresh(1, 1);
    raft_tick(&r, 250); /* pre-vote wins at once, then a real election */
    EXPECT(raft_role(&r) == RAFT_CANDIDATE);
    raft_ready(&r, &rd);
    EXPECT(rd.persist && rd.hs && rd.term == 1 && rd.vote == 1);
    EXPECT(raft_role(&r) == RAFT_CANDIDATE); /* not before the vote is on disk */
    raft_persisted(&r);
    EXPECT(raft_role(&r) == RAFT_LEADER);
}

static void test_commit_waits_for_leader_disk(bool *ok)
{
    lead();
    EXPECT(raft_role(&r) == RAFT_LEADER);
    uint64_t c = raft_commit(&r), idx;
    EXPECT(raft_propose(&r, (const uint8_t *)"x", 1, &idx) == 0 && idx == raft_last_index(&r));
    EXPECT(raft_commit(&r) == c);
    raft_ready(&r, &rd);
    EXPECT(rd.persist && rd.ents_from == idx && rd.ents_to == idx);
    EXPECT(raft_commit(&r) == c);
    raft_persisted(&r);
    EXPECT(raft_commit(&r) == idx);
    raft_ready(&r, &rd);
    EXPECT(rd.apply_to == idx && raft_entry_at(&r, idx)->data[0] == 'x');
}

static void test_vote_grant_held_until_durable(bool *ok)
{
    fresh(2, 3);
    struct raft_msg m = {
        .type = RAFT_MSG_VOTE, .from = 1, .to = 2, .term = 5, .index = 0, .log_term = 0};
    EXPECT(raft_step(&r, &m) == 0);
    raft_ready(&r, &rd);
    EXPECT(rd.persist && rd.hs && rd.vote == 1 && rd.term == 5);
    EXPECT(rd.n_msgs == 0); /* the grant waits for the disk */
    raft_ready(&r, &rd);
    EXPECT(!rd.persist && rd.n_msgs == 0); /* one batch at a time */
    raft_persisted(&r);
    raft_ready(&r, &rd);
    EXPECT(rd.n_msgs == 1 && rd.msgs[0].type == RAFT_MSG_VOTE_RESP && !rd.msgs[0].reject);
    m.from = 3; /* a second candidate in the same term is refused */
    EXPECT(raft_step(&r, &m) == 0);
    raft_ready(&r, &rd);
    EXPECT(rd.n_msgs == 1 && rd.msgs[0].reject);
}

static void test_errors(bool *ok)
{
    fresh(2, 3);
    uint64_t idx;
    EXPECT(raft_propose(&r, (const uint8_t *)"x", 1, &idx) == -EPERM);
    EXPECT(raft_read(&r, 1) == -EPERM);
    EXPECT(raft_transfer(&r, 1) == -EPERM);
    EXPECT(raft_change(&r, 4, RAFT_LEARNER, &idx) == -EPERM);
    lead();
    uint8_t big[RAFT_MAX_DATA + 1] = {0};
    EXPECT(raft_propose(&r, big, sizeof big, &idx) == -EMSGSIZE);
    EXPECT(raft_transfer(&r, 1) == -EINVAL);
    EXPECT(raft_transfer(&r, 9) == -EINVAL);
    EXPECT(raft_change(&r, 1, RAFT_VOTER, &idx) == -EINVAL);  /* no change */
    EXPECT(raft_change(&r, 1, RAFT_REMOVE, &idx) == -EINVAL); /* no voter left */
    EXPECT(raft_change(&r, 4, RAFT_LEARNER, &idx) == 0);
    EXPECT(raft_change(&r, 5, RAFT_LEARNER, &idx) == -EBUSY); /* one at a time */
    EXPECT(raft_conf_role(raft_conf(&r), 4) == RAFT_LEARNER); /* in force when appended */
    EXPECT(raft_compact(&r, raft_last_index(&r) + 1, snap, 1) == -EINVAL);
}

static void test_ring_bound_and_compaction(bool *ok)
{
    lead();
    uint64_t idx;
    int n = 0, rv, throttled = 0;
    while ((rv = raft_propose(&r, (const uint8_t *)"y", 1, &idx)) != -ENOSPC) {
        if (rv == -EAGAIN) { /* a quarter of the ring uncommitted: commit it */
            EXPECT(raft_last_index(&r) - raft_commit(&r) == 64 / 4);
            throttled++;
            raft_ready(&r, &rd);
            raft_persisted(&r);
            continue;
        }
        EXPECT(rv == 0);
        n++;
    }
    EXPECT(throttled >= 2);
    EXPECT(raft_last_index(&r) - raft_snap_index(&r) < 64);
    raft_ready(&r, &rd);
    raft_persisted(&r);
    raft_ready(&r, &rd);
    EXPECT(rd.apply_to == raft_last_index(&r));
    uint8_t big[sizeof snap + 1] = {0};
    EXPECT(raft_compact(&r, rd.apply_to, big, sizeof big) == -EMSGSIZE);
    EXPECT(raft_compact(&r, rd.apply_to, (const uint8_t *)"S", 1) == 0);
    EXPECT(raft_snap_index(&r) == rd.apply_to && raft_entry_at(&r, rd.apply_to) == NULL);
    raft_ready(&r, &rd);
    EXPECT(rd.persist && rd.snap && rd.snap_len == 1);
    raft_persisted(&r);
    EXPECT(raft_propose(&r, (const uint8_t *)"z", 1, &idx) == 0);
    EXPECT(n > 50);
}

static void test_read_index(bool *ok)
{
    fresh(1, 1);
    raft_tick(&r, 250);
    raft_ready(&r, &rd);
    raft_persisted(&r); /* leader; its no-op is not yet durable */
    EXPECT(raft_role(&r) == RAFT_LEADER);
    EXPECT(raft_read(&r, 7) == -EAGAIN);
    raft_ready(&r, &rd);
    raft_persisted(&r);
    raft_ready(&r, &rd);
    EXPECT(raft_read(&r, 7) == 0);
    raft_ready(&r, &rd);
    EXPECT(rd.n_reads == 1 && rd.reads[0].ctx == 7 && rd.reads[0].index == raft_commit(&r));
}

static void test_restart_from_disk(bool *ok)
{
    struct raft_conf c = {.n = 1, .m = {{1, RAFT_VOTER}}};
    struct raft_entry e = {.term = 3, .type = RAFT_ENTRY_NORMAL, .len = 1, .data = {'q'}};
    struct raft_config cfg = {.id = 1,
                              .election_ms = 100,
                              .heartbeat_ms = 20,
                              .seed = 3,
                              .ring = ring,
                              .ring_cap = 64,
                              .snap_buf = snap,
                              .snap_cap = sizeof snap};
    EXPECT(raft_init(&r, &cfg) == 0);
    EXPECT(raft_load_snapshot(&r, 10, 2, &c, (const uint8_t *)"S", 1) == 0);
    EXPECT(raft_load_hard_state(&r, 3, 1) == 0);
    EXPECT(raft_load_entry(&r, 12, &e) == -EINVAL); /* gap */
    EXPECT(raft_load_entry(&r, 11, &e) == 0);
    EXPECT(raft_last_index(&r) == 11 && raft_commit(&r) == 10 && raft_term(&r) == 3);
    raft_ready(&r, &rd);
    EXPECT(!rd.persist); /* what came from disk is not written again */
}

int main(int argc, char **argv)
{
    const char *filter = argc > 1 ? argv[1] : "";
    struct {
        const char *name;
        void (*fn)(bool *);
    } tests[] = {
        {"api_vote_counts_only_when_durable", test_vote_counts_only_when_durable},
        {"api_commit_waits_for_leader_disk", test_commit_waits_for_leader_disk},
        {"api_vote_grant_held_until_durable", test_vote_grant_held_until_durable},
        {"api_errors", test_errors},
        {"api_ring_bound_and_compaction", test_ring_bound_and_compaction},
        {"api_read_index", test_read_index},
        {"api_restart_from_disk", test_restart_from_disk},
    };
    int passed = 0, failed = 0;
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
