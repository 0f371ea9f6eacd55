/* user/nodes.c: the cluster's health as each node's naming server sees it
 * (docs/naming.md, "Health"): its Raft role and term, commit and applied
 * indexes, how far it lags the leader's commit, the entries in its log
 * since its last snapshot (`log`), how many names it holds, the leader it
 * follows, the elections it started since it booted, how long since it
 * heard from its leader (`contact`), its node's RPC retransmissions,
 * calls that timed out and frames refused for a bad MAC, its wall clock's
 * offset from this node's (estimated as NTP does, from the request's and
 * the reply's times: the middle of the round trip, +- half of it), and
 * whether it answered at all. Below the table: the nodes the leader has
 * not heard from within an election timeout (a partition), and a warning
 * when two nodes claim leadership at once.
 *
 *   nodes [-j] [-t SECONDS]   -j: JSON for scripts; per-node timeout (1 s)
 *
 * Exits 0 when every node answered, all that know a leader name the same
 * one and no two claim to lead; 1 otherwise (tests use this as "the
 * cluster agrees"). */
#include <stdio.h>
#include <string.h>

#include "user/ipc.h"
#include "user/nsclient.h"
#include "user/ulib.h"

#define MAX_NODES 64

static const char *role_name(const struct ns_status *st)
{
    if (!st->member)
        return "client";
    switch (st->role) {
    case 0:
        return st->member == 2 ? "learner" : "follower";
    case 1:
        return "precandidate";
    case 2:
        return "candidate";
    case 3:
        return "leader";
    }
    return "?";
}

struct view {
    int rv; /* 0: it answered */
    struct ns_status st;
    int64_t offset_ns; /* its wall clock minus ours at the middle of the call */
    uint64_t error_ns; /* +- this: half the round trip */
};

static struct view v[MAX_NODES + 1];

static void print_json(int n, int leader, int two_leaders, uint32_t unheard)
{
    printf("{\"nodes\": [");
    for (int k = 1; k <= n; k++) {
        const struct ns_status *s = &v[k].st;
        printf("%s\n  {\"node\": %d, \"reachable\": %s", k > 1 ? "," : "", k,
               v[k].rv ? "false" : "true");
        if (v[k].rv) {
            printf(", \"error\": \"%s\"}", err_str(v[k].rv));
            continue;
        }
        printf(", \"role\": \"%s\", \"term\": %lu, \"commit\": %lu, \"applied\": %lu, "
               "\"log\": %lu, \"bindings\": %u, \"leader\": %u, \"elections\": %u, "
               "\"contact_ms\": %u, \"heard_mask\": %u, \"rpc_retransmits\": %lu, "
               "\"rpc_timeouts\": %lu, \"rpc_bad_mac\": %lu, \"clock_offset_ns\": %ld, "
               "\"clock_offset_error_ns\": %lu}",
               role_name(s), (unsigned long)s->term, (unsigned long)s->commit,
               (unsigned long)s->applied, (unsigned long)(s->last_index - s->snap_index),
               s->bindings, s->leader, s->elections, s->contact_ms, s->heard_mask,
               (unsigned long)s->rpc_retransmits, (unsigned long)s->rpc_timeouts,
               (unsigned long)s->rpc_bad_mac, (long)v[k].offset_ns, (unsigned long)v[k].error_ns);
    }
    printf("\n], \"leader\": %d, \"two_leaders\": %s, \"unheard_by_leader\": [", leader,
           two_leaders ? "true" : "false");
    int first = 1;
    for (int k = 1; k <= n && k <= 32; k++)
        if (unheard & (1u << (k - 1))) {
            printf("%s%d", first ? "" : ", ", k);
            first = 0;
        }
    printf("]}\n");
}

int main(int argc, char **argv)
{
    uint64_t timeout = IPC_SECOND;
    int json = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-j")) {
            json = 1;
        } else if (!strcmp(argv[i], "-t") && i + 1 < argc &&
                   !parse_seconds_ns(argv[i + 1], &timeout) && timeout) {
            i++;
        } else {
            fprintf(stderr, "usage: nodes [-j] [-t SECONDS]\n");
            return 2;
        }
    }
    int n = (int)syscall0(SYS_NODES);
    if (n > MAX_NODES)
        n = MAX_NODES;
    int bad = 0, leader = 0, leader_term = 0, two_leaders = 0, claim = 0;
    uint32_t leader_seen = 0;
    for (int k = 1; k <= n; k++) {
        uint64_t t0 = sys_wallclock();
        v[k].rv = ns_status(k, &v[k].st, timeout);
        uint64_t t3 = sys_wallclock();
        if (v[k].rv) {
            bad = 1;
            continue;
        }
        const struct ns_status *s = &v[k].st;
        if (s->wall_ns && t0 && t3 >= t0) {
            v[k].offset_ns = (int64_t)(s->wall_ns - (t0 + (t3 - t0) / 2));
            v[k].error_ns = (t3 - t0) / 2;
        }
        if (s->leader) {
            if (leader_seen && leader_seen != s->leader)
                bad = 1;
            leader_seen = s->leader;
        } else if (s->member) {
            bad = 1;
        }
        if (s->member && s->role == 3) {
            if (claim) {
                two_leaders = claim;
                bad = 1;
            }
            claim = k;
            if (!leader || s->term > (uint64_t)leader_term) {
                leader = k;
                leader_term = (int)s->term;
            }
        }
    }
    uint32_t unheard = 0;
    if (leader)
        for (int k = 1; k <= n && k <= 32; k++)
            if ((v[k].rv || v[k].st.member) && !(v[leader].st.heard_mask & (1u << (k - 1))))
                unheard |= 1u << (k - 1);
    if (json) {
        print_json(n, leader, two_leaders != 0, unheard);
        return bad;
    }
    printf("%-5s %-12s %6s %8s %8s %5s %6s %8s %7s %5s %8s %5s %5s %5s %16s %s\n", "node", "role",
           "term", "commit", "applied", "lag", "log", "bindings", "leader", "elect", "contact",
           "retx", "tmo", "mac", "offset ms", "reachable");
    for (int k = 1; k <= n; k++) {
        const struct ns_status *s = &v[k].st;
        if (v[k].rv) {
            printf("%-5d %-12s %6s %8s %8s %5s %6s %8s %7s %5s %8s %5s %5s %5s %16s no (%s)\n", k,
                   "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-",
                   err_str(v[k].rv));
            continue;
        }
        char lead[12], lag[24], contact[16], offset[64];
        snprintf(lead, sizeof lead, "%u", s->leader);
        if (leader && s->member)
            snprintf(lag, sizeof lag, "%lu",
                     (unsigned long)(v[leader].st.commit > s->applied
                                         ? v[leader].st.commit - s->applied
                                         : 0));
        else
            snprintf(lag, sizeof lag, "-");
        if (s->contact_ms)
            snprintf(contact, sizeof contact, "%ums", s->contact_ms);
        else
            snprintf(contact, sizeof contact, "-");
        long off_us = (long)(v[k].offset_ns / 1000);
        snprintf(
            offset, sizeof offset, "%s%ld.%01ld+-%lu.%01lu", off_us < 0 ? "-" : "+",
            (off_us < 0 ? -off_us : off_us) / 1000, (off_us < 0 ? -off_us : off_us) % 1000 / 100,
            (unsigned long)(v[k].error_ns / 1000000), (unsigned long)(v[k].error_ns / 100000 % 10));
        printf("%-5d %-12s %6lu %8lu %8lu %5s %6lu %8u %7s %5u %8s %5lu %5lu %5lu %16s yes\n", k,
               role_name(s), (unsigned long)s->term, (unsigned long)s->commit,
               (unsigned long)s->applied, lag, (unsigned long)(s->last_index - s->snap_index),
               s->bindings, s->leader ? lead : "-", s->elections, contact,
               (unsigned long)s->rpc_retransmits, (unsigned long)s->rpc_timeouts,
               (unsigned long)s->rpc_bad_mac, offset);
    }
    if (unheard) {
        printf("not heard by the leader (node %d) within an election timeout:", leader);
        for (int k = 1; k <= n && k <= 32; k++)
            if (unheard & (1u << (k - 1)))
                printf(" %d", k);
        printf("\n");
    }
    if (two_leaders)
        printf("WARNING: nodes %d and %d both claim leadership (terms %lu and %lu)\n", two_leaders,
               claim, (unsigned long)v[two_leaders].st.term, (unsigned long)v[claim].st.term);
    return bad;
}
