/* services/replica/timing.h: where a read's time goes, measured on a real
 * cluster (docs/replica.md, "Where a read's time goes"). Built in only with
 * `make REPLICA_TIMING=1`. Make does not notice a changed flag: delete the
 * runtime's objects first (replica_*.o in each service's object folder
 * under build/user), and again after, to build without. The marks then
 * take the clock at each step of a ReadIndex read and the server logs the
 * mean of each step every TIMING_EVERY reads (leader) or heartbeats
 * answered (follower). Otherwise every mark compiles to nothing. */
#ifndef SERVICES_REPLICA_TIMING_H
#define SERVICES_REPLICA_TIMING_H

enum timing_point {
    T_READ_IN,     /* leader: a client's read arrived (replica_read) */
    T_ROUND_SENT,  /* leader: the heartbeat round for it went out (peers_send) */
    T_ACK_IN,      /* leader: a follower's heartbeat answer arrived (peers_input) */
    T_READ_READY,  /* leader: Raft released the read (requests_reads_ready) */
    T_ANSWERED,    /* leader: the service answered its caller */
    T_LOOP_WAITS,  /* leader: the loop blocks for the next message (its pass ends) */
    T_HB_IN,       /* follower: a heartbeat arrived */
    T_HB_ANSWERED, /* follower: its answer went out */
    T_POINTS
};

#ifdef REPLICA_TIMING
void timing_mark(enum timing_point p);
#else
#define timing_mark(p) ((void)0)
#endif

#endif
