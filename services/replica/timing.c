/* services/replica/timing.c: the marks of timing.h, when built with
 * REPLICA_TIMING. One read at a time is followed (the benchmark's client
 * reads one after another): its steps' clock readings are summed and their
 * means logged every TIMING_EVERY reads. */
#ifdef REPLICA_TIMING
#include "services/replica/internal.h"
#include "services/replica/timing.h"
#include "user/ulib.h"

#define TIMING_EVERY 256

static uint64_t at[T_POINTS];  /* this read's (or heartbeat's) readings */
static uint64_t sum[T_POINTS]; /* summed steps: sum[p] = at[p] - at[p-1] */
static uint32_t reads, heartbeats;
static uint64_t answered_at, rest_sum; /* the loop's pass after an answer */

static void report_reads(void)
{
    replica_log("timing: %u reads, mean us from arrival: round sent +%lu, first answer +%lu, "
                "released +%lu, answered +%lu, the loop's pass ends +%lu",
                reads, (unsigned long)(sum[T_ROUND_SENT] / reads / 1000),
                (unsigned long)(sum[T_ACK_IN] / reads / 1000),
                (unsigned long)(sum[T_READ_READY] / reads / 1000),
                (unsigned long)(sum[T_ANSWERED] / reads / 1000),
                (unsigned long)((sum[T_ANSWERED] + rest_sum) / reads / 1000));
}

void timing_mark(enum timing_point p)
{
    uint64_t now = sys_clock();
    switch (p) {
    case T_READ_IN:
        at[T_READ_IN] = now;
        at[T_ROUND_SENT] = at[T_ACK_IN] = at[T_READ_READY] = 0;
        return;
    case T_ROUND_SENT:
    case T_ACK_IN:
        /* the first of each after the step before it */
        if (at[T_READ_IN] && at[p - 1] && !at[p])
            at[p] = now;
        return;
    case T_READ_READY: /* (with no round at all on a lease) */
        if (at[T_READ_IN] && !at[p])
            at[p] = now;
        return;
    case T_ANSWERED:
        if (!at[T_READ_IN] || !at[T_READ_READY])
            return;
        for (int q = T_ROUND_SENT; q <= T_READ_READY; q++) {
            if (!at[q])
                at[q] = at[q - 1]; /* no round (a lease read): a step of 0 */
            sum[q] += at[q] - at[T_READ_IN];
        }
        sum[T_ANSWERED] += now - at[T_READ_IN];
        at[T_READ_IN] = 0;
        answered_at = now;
        return;
    case T_LOOP_WAITS:
        if (!answered_at)
            return;
        rest_sum += now - answered_at;
        answered_at = 0;
        if (++reads == TIMING_EVERY) {
            report_reads();
            reads = 0;
            for (int q = T_READ_IN; q <= T_ANSWERED; q++)
                sum[q] = 0;
            rest_sum = 0;
        }
        return;
    case T_HB_IN:
        at[T_HB_IN] = now;
        return;
    case T_HB_ANSWERED:
        if (!at[T_HB_IN])
            return;
        sum[T_HB_ANSWERED] += now - at[T_HB_IN];
        at[T_HB_IN] = 0;
        if (++heartbeats == TIMING_EVERY) {
            replica_log("timing: %u heartbeats, mean %lu us from arrival to answer sent",
                        heartbeats, (unsigned long)(sum[T_HB_ANSWERED] / heartbeats / 1000));
            heartbeats = 0;
            sum[T_HB_ANSWERED] = 0;
        }
        return;
    default:
        return;
    }
}
#endif
