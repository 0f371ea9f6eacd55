/* user/nodes.c: each node's naming server as it sees itself: its Raft role,
 * term, commit and applied indexes, the entries in its log since its last
 * snapshot (`log`), how many names it holds, the leader it follows, and
 * whether it answered at all (docs/naming.md).
 *
 *   nodes [-t SECONDS]   per-node timeout (default 1 s)
 *
 * Exits 0 when every node answered and all that know a leader name the same
 * one; 1 otherwise (tests use this as "the cluster agrees"). */
#include <stdio.h>
#include <string.h>

#include "user/ipc.h"
#include "user/nsclient.h"
#include "user/ulib.h"

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

int main(int argc, char **argv)
{
    uint64_t timeout = IPC_SECOND;
    if (argc == 3 && !strcmp(argv[1], "-t")) {
        if (parse_seconds_ns(argv[2], &timeout) || !timeout) {
            printf("usage: nodes [-t SECONDS]\n");
            return 2;
        }
    } else if (argc != 1) {
        printf("usage: nodes [-t SECONDS]\n");
        return 2;
    }
    int n = (int)syscall0(SYS_NODES);
    int bad = 0;
    uint32_t leader_seen = 0;
    printf("%-5s %-12s %6s %8s %8s %6s %8s %7s %s\n", "node", "role", "term", "commit", "applied",
           "log", "bindings", "leader", "reachable");
    for (int k = 1; k <= n; k++) {
        struct ns_status st;
        int rv = ns_status(k, &st, timeout);
        if (rv) {
            printf("%-5d %-12s %6s %8s %8s %6s %8s %7s no (%s)\n", k, "-", "-", "-", "-", "-", "-",
                   "-", err_str(rv));
            bad = 1;
            continue;
        }
        char lead[12];
        snprintf(lead, sizeof lead, "%u", st.leader);
        printf("%-5d %-12s %6lu %8lu %8lu %6lu %8u %7s yes\n", k, role_name(&st),
               (unsigned long)st.term, (unsigned long)st.commit, (unsigned long)st.applied,
               (unsigned long)(st.last_index - st.snap_index), st.bindings, st.leader ? lead : "-");
        if (st.leader) {
            if (leader_seen && leader_seen != st.leader)
                bad = 1;
            leader_seen = st.leader;
        } else if (st.member) {
            bad = 1;
        }
    }
    return bad;
}
