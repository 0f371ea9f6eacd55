/* tests/fuzz/fuzz_schedproto.c: libFuzzer target for the global
 * scheduler's codecs and text parsers (services/sched/schedproto.c,
 * schedreply.c, schedwire.c, spectext.c).
 *
 * Input byte 0 chooses what the rest is:
 *   0 a client request, 1 a log command, 2 a reply, 3 a load report:
 *     decoded; whatever decodes must encode back to exactly the same bytes
 *     (decoding is strict and canonical);
 *   4 a spec's text, 5 a label list's, 6 a taint's: parsed; whatever parses
 *     must format to text that parses to the same thing.
 * Seeds: tests/fuzz/corpus/fuzz_schedproto/ (build/host/sched_tests
 * --gen-corpus). */
#include <stdlib.h>
#include <string.h>

#include "services/sched/schedproto.h"
#include "services/sched/schedwire.h"
#include "services/sched/spectext.h"

static struct sched_request rq;
static struct sched_reply rp;
static struct sched_node node;
static uint8_t out[SCHED_WIRE_REPORT + 64];

static void same(const uint8_t *a, long na, const uint8_t *b, size_t nb)
{
    if (na != (long)nb || memcmp(a, b, nb) != 0)
        abort();
}

static void text(uint8_t kind, const uint8_t *data, size_t size)
{
    char *t = malloc(size + 1);
    memcpy(t, data, size);
    t[size] = 0;
    char buf[1024];
    if (kind == 4) {
        struct sched_spec a, b;
        if (sched_spec_parse(t, &a) == 0) {
            if (!sched_spec_valid(&a) || sched_spec_format(&a, buf, sizeof buf) < 0 ||
                sched_spec_parse(buf, &b) != 0 || memcmp(&a, &b, sizeof a) != 0)
                abort();
        }
    } else if (kind == 5) {
        struct sched_label l[SCHED_NODE_LABELS];
        uint32_t n;
        (void)sched_labels_parse(t, l, SCHED_NODE_LABELS, &n);
    } else {
        struct sched_taint a, b;
        if (sched_taint_parse(t, &a) == 0) {
            if (sched_taint_format(&a, buf, sizeof buf) < 0 || sched_taint_parse(buf, &b) != 0 ||
                memcmp(&a, &b, sizeof a) != 0)
                abort();
        }
    }
    free(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t kind = data[0] % 7;
    data++, size--;
    switch (kind) {
    case 0:
        if (sched_request_decode(data, size, &rq) == 0)
            same(out, sched_request_encode(&rq, out, sizeof out), data, size);
        break;
    case 1:
        if (sched_cmd_decode(data, size, &rq) == 0)
            same(out, sched_cmd_encode(&rq, out, sizeof out), data, size);
        break;
    case 2:
        if (sched_reply_decode(data, size, &rp) == 0)
            same(out, sched_reply_encode(&rp, out, sizeof out), data, size);
        break;
    case 3:
        if (sched_report_decode(data, size, &node) == 0)
            same(out, sched_report_encode(&node, out, sizeof out), data, size);
        break;
    default:
        text(kind, data, size);
        break;
    }
    return 0;
}
