/* tests/sched/corpus.c: `sched_tests --gen-corpus DIR` writes seed inputs
 * for the scheduler's fuzzers into DIR/fuzz_schedproto/ and
 * DIR/fuzz_schedmachine/ (tests/fuzz/fuzz_sched*.c describe the formats):
 * one of each request, command, reply list and report; a few texts; a
 * command stream of every op; a snapshot of a busy machine. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <sys/stat.h>

#include "services/sched/schedwire.h"
#include "services/sched/spectext.h"
#include "tests/sched/harness.h"

static int write_seed(const char *dir, const char *fuzzer, const char *name, uint8_t kind,
                      const void *data, size_t len)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, fuzzer);
    (void)mkdir(path, 0755); /* may be there already; fopen below tells */
    snprintf(path, sizeof path, "%s/%s/%s", dir, fuzzer, name);
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    int ok = fwrite(&kind, 1, 1, f) == 1 && fwrite(data, 1, len, f) == len;
    return fclose(f) == 0 && ok ? 0 : -1;
}

static struct sched_request sample(uint8_t op)
{
    struct sched_request r = st_cmd(op);
    if (sched_op_is_write(op))
        r.client = 42, r.seq = 1;
    r.req_id = 7;
    r.node = 2;
    r.to = 3;
    r.pid = 200007;
    r.spec = st_spec("cpu=500,mem=2048,sel=disk=ssd,tol=gpu=yes:NoSchedule,label=app=web,"
                     "anti=app=web,spread=zone,restart");
    char *argv[] = {"burn", "60", "tag", 0};
    sched_cmd_from_argv(&r.cmd, 3, argv); /* PLACE carries it (restart) */
    r.score = 60;
    strcpy(r.kv.kv.key, "disk");
    strcpy(r.kv.kv.value, "ssd");
    r.kv.effect = op == SCHED_OP_TAINT ? SCHED_NO_SCHEDULE : 0;
    strcpy(r.name, "mosix");
    r.list = SCHED_LIST_PLACEMENTS;
    return r;
}

static const uint8_t all_ops[] = {
    SCHED_OP_PLACE, SCHED_OP_BIND,           SCHED_OP_EXITED,    SCHED_OP_CORDON, SCHED_OP_UNCORDON,
    SCHED_OP_LABEL, SCHED_OP_TAINT,          SCHED_OP_POLICY,    SCHED_OP_WAIT,   SCHED_OP_STATUS,
    SCHED_OP_DRAIN, SCHED_OP_PENDING_PLACED, SCHED_OP_NODE_LOST, SCHED_OP_MOVED,
};

int st_gen_corpus(const char *dir)
{
    static uint8_t buf[1 << 19];
    static struct sched_machine m;
    static struct sched_reply rep;
    char name[64];
    int bad = 0;
    const char *proto = "fuzz_schedproto", *mach = "fuzz_schedmachine";
    for (size_t i = 0; i < sizeof all_ops; i++) {
        struct sched_request r = sample(all_ops[i]);
        int n = sched_request_encode(&r, buf, sizeof buf);
        snprintf(name, sizeof name, "request-%u", all_ops[i]);
        if (n > 0)
            bad |= write_seed(dir, proto, name, 0, buf, (size_t)n);
        n = sched_cmd_encode(&r, buf, sizeof buf);
        snprintf(name, sizeof name, "cmd-%u", all_ops[i]);
        if (n > 0)
            bad |= write_seed(dir, proto, name, 1, buf, (size_t)n);
    }
    /* replies: a machine with some of everything, read page by page */
    schm_init(&m);
    uint8_t stream[1 << 14];
    size_t at = 0;
    for (int k = 0; k < 3; k++) {
        for (size_t i = 0; i < sizeof all_ops; i++) {
            struct sched_request r = sample(all_ops[i]);
            r.req_id = 7 + (uint64_t)k;
            r.pid = 200007 + k;
            r.seq = (uint64_t)k * sizeof all_ops + i + 1;
            int n = sched_cmd_encode(&r, buf, sizeof buf);
            if (n <= 0)
                continue;
            schm_apply(&m, m.applied + 1, buf, (size_t)n, &rep);
            stream[at++] = (uint8_t)n;
            stream[at++] = (uint8_t)(n >> 8);
            memcpy(stream + at, buf, (size_t)n);
            at += (size_t)n;
        }
    }
    bad |= write_seed(dir, mach, "every-op", 1, stream, at);
    st_random_history(&m, 300);
    long sn = schm_snapshot(&m, buf, sizeof buf);
    bad |= sn <= 0 || write_seed(dir, mach, "snapshot", 0, buf, (size_t)sn);
    for (uint8_t list = SCHED_LIST_PLACEMENTS; list <= SCHED_LIST_MOVES; list++) {
        struct sched_request q = st_cmd(SCHED_OP_STATUS);
        q.list = list;
        schm_read(&m, &q, &rep);
        int n = sched_reply_encode(&rep, buf, sizeof buf);
        snprintf(name, sizeof name, "reply-list-%u", list);
        bad |= n <= 0 || write_seed(dir, proto, name, 2, buf, (size_t)n);
    }
    struct sched_node nodes[2];
    memset(nodes, 0, sizeof nodes);
    nodes[0].id = 1, nodes[1].id = 2;
    nodes[0].up = true;
    nodes[0].nprocs_listed = 2;
    nodes[0].procs[0].pid = 100001, nodes[0].procs[0].req_id = 7, nodes[0].procs[0].movable = 1;
    nodes[0].procs[1].pid = 100002, nodes[0].procs[1].cpu_milli = 900;
    sched_labels_parse("disk=ssd,zone=a", nodes[0].labels, SCHED_NODE_LABELS, &nodes[0].nlabels);
    sched_taint_parse("gpu=yes:NoSchedule", &nodes[0].taints[nodes[0].ntaints++]);
    schm_read_nodes(&m, nodes, 2, 0, &rep);
    int n = sched_reply_encode(&rep, buf, sizeof buf);
    bad |= n <= 0 || write_seed(dir, proto, "reply-nodes", 2, buf, (size_t)n);
    long rn = sched_report_encode(&nodes[0], buf, sizeof buf);
    bad |= rn <= 0 || write_seed(dir, proto, "report", 3, buf, (size_t)rn);
    static const char *const spec = "cpu=500,mem=2048,sel=disk=ssd,tol=gpu=yes:NoSchedule,"
                                    "label=app=web,anti=app=web,aff=app=db,spread=zone,restart";
    bad |= write_seed(dir, proto, "text-spec", 4, spec, strlen(spec));
    bad |= write_seed(dir, proto, "text-labels", 5, "disk=ssd,zone=a", 15);
    bad |= write_seed(dir, proto, "text-taint", 6, "gpu=yes:NoExecute", 17);
    if (bad)
        fprintf(stderr, "gen-corpus: a seed could not be written under %s\n", dir);
    return bad ? 1 : 0;
}
