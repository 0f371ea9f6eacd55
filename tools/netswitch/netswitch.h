/*
 * netswitch: a host-side L2 learning switch joining the QEMU nodes of one
 * cluster over unix datagram sockets. See docs/netswitch.md.
 *
 * One process, one thread, one poll() loop; nothing here ever blocks.
 *   main.c    command line, setup, the event loop, signals, cleanup
 *   port.c    per-port sockets, bounded output queues, retries
 *   fabric.c  MAC learning, partitions, per-link faults, the delay queue
 *   ctl.c     the text control socket
 *   pcap.c    the capture file
 */
#ifndef NETSWITCH_H
#define NETSWITCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "lib/rand.h"

struct pollfd;

#define NSW_MAX_PORTS 128   /* ports are numbered 1..nports; 0 is the switch itself */
#define NSW_PATH_MAX 99     /* longest socket path accepted (sun_path is 108) */
#define NSW_FRAME_MAX 65535 /* largest frame forwarded */
#define NSW_ETH_HLEN 14
#define NSW_CTL_CLIENTS 64           /* control connections open at once */
#define NSW_RX_BUDGET 64             /* frames read from one port per loop turn */
#define NSW_RETRY_MIN_NS 1000000ull  /* timer retry of a stuck output queue: 1 ms ... */
#define NSW_RETRY_MAX_NS 64000000ull /* ... backing off to 64 ms while nothing moves */
#define NSW_CONNECT_NS 10000000ull   /* retry connecting to an absent node every 10 ms */

/* A frame in flight; allocated to its exact length. */
struct frame {
    uint32_t len;
    uint8_t data[];
};

struct port_stats {
    uint64_t rx, rx_bytes;  /* frames read from the node */
    uint64_t tx, tx_bytes;  /* frames handed to the node's socket */
    uint64_t drop_qfull;    /* output queue full (node not reading) */
    uint64_t drop_down;     /* node socket absent/refusing (ECONNREFUSED, ENOENT) */
    uint64_t drop_err;      /* any other send error */
    uint64_t drop_part;     /* blocked by a partition (counted at the egress port) */
    uint64_t drop_loss;     /* dropped by link loss (egress port) */
    uint64_t drop_delayq;   /* delay queue full (egress port) */
    uint64_t drop_bad;      /* received frame shorter than an Ethernet header or oversized */
    uint64_t drop_filtered; /* unicast to the port it came from */
    uint64_t dup, corrupt, delayed, reordered; /* fault actions applied (egress port) */
    uint64_t injected;                         /* frames sent by `inject` */
};

struct port {
    int fd;              /* rx: unix dgram socket bound at sw_path */
    int txfd;            /* tx: unbound dgram socket, connect()ed to node_path */
    bool connected;      /* txfd is connected to a live node socket */
    uint64_t connect_at; /* earliest next connect() attempt while unconnected */
    char sw_path[NSW_PATH_MAX + 1];
    char node_path[NSW_PATH_MAX + 1];
    /* Output queue: a ring of frames waiting for the node to read. */
    struct frame **q;
    unsigned qhead, qlen;
    uint64_t retry_at;  /* monotonic ns of the next timed send attempt when qlen > 0 */
    uint64_t retry_ns;  /* current back-off */
    unsigned qmax_seen; /* high-water mark of qlen */
    struct port_stats st;
};

/* Faults applied to the frames crossing one directed link a -> b. */
struct link {
    double loss, dup, corrupt, reorder; /* probabilities in [0, 1] */
    uint32_t delay_ms, jitter_ms;       /* latency in [delay, delay + jitter] */
    uint32_t reorder_ms;                /* extra hold of a reordered frame */
    struct rand rng;                    /* this link's fault stream (lib/rand.c) */
};

struct mac_entry {
    uint8_t mac[6];
    uint8_t used;
    uint8_t port;
    uint64_t seen_ns;
};

#define NSW_MAC_SLOTS 4096 /* power of two */

struct delayed {
    uint64_t at_ns, seq;
    int port;
    struct frame *f;
};

struct sw {
    int nports;
    struct port ports[NSW_MAX_PORTS + 1]; /* index 0 unused */
    unsigned qcap;                        /* per-port output queue capacity */
    /* partitions: ports in different groups exchange nothing */
    int group[NSW_MAX_PORTS + 1];
    bool partitioned;
    /* links[a][b], a and b in 0..nports */
    struct link *links;
    uint64_t seed;
    /* MAC learning */
    struct mac_entry macs[NSW_MAC_SLOTS];
    uint64_t age_ns;
    /* delay queue: a binary min-heap on (at_ns, seq) */
    struct delayed *dq;
    unsigned dqlen, dqcap;
    uint64_t dqseq;
    uint64_t drop_delayq_total;
    /* capture */
    FILE *pcap;
    bool pcap_tx; /* capture each delivered copy rather than each received frame */
    char pcap_path[4096];
    uint64_t pcap_frames;
    /* global counters */
    uint64_t flooded, learned_moves;
    uint64_t start_ns;
    char ctl_path[NSW_PATH_MAX + 1];
    bool quit;
};

/* main.c */
uint64_t nsw_now(void); /* CLOCK_MONOTONIC in ns */

/* port.c */
int port_open(struct sw *sw, int k);
void port_close(struct sw *sw, int k);
/* Hand f to port k: sends now or queues it; takes ownership of f. */
void port_output(struct sw *sw, int k, struct frame *f);
/* Retry queued frames whose timer is due; returns the earliest pending retry, or 0. */
uint64_t port_flush_due(struct sw *sw, uint64_t now);
void port_probe(struct sw *sw);
/* poll() plumbing: two slots per port (rx POLLIN, tx POLLOUT while frames wait). */
int port_pollfds(struct sw *sw, struct pollfd *pfd);
void port_handle(struct sw *sw, struct pollfd *pfd);
struct frame *frame_new(const void *data, size_t len);

/* fabric.c */
int fabric_init(struct sw *sw, uint64_t seed, unsigned dqcap, unsigned age_s);
void fabric_free(struct sw *sw);
void fabric_seed(struct sw *sw, uint64_t seed);
/* Switch one received frame (copied as needed; f stays the caller's). */
void fabric_forward(struct sw *sw, int in, const struct frame *f);
/* Release delayed frames that are due; returns the next deadline, or 0. */
uint64_t fabric_release_due(struct sw *sw, uint64_t now);
struct link *fabric_link(struct sw *sw, int a, int b);
void fabric_link_clear(struct sw *sw, int a, int b);
/* Calls fn for each learned, unexpired MAC. */
typedef void mac_visit_fn(void *arg, const struct mac_entry *e, uint64_t age_ns);
void fabric_each_mac(struct sw *sw, mac_visit_fn *fn, void *arg);
void fabric_mac_flush(struct sw *sw);

/* pcap.c */
int pcap_start(struct sw *sw, const char *path, bool tx);
void pcap_stop(struct sw *sw);
void pcap_write(struct sw *sw, const struct frame *f);
void pcap_flush(struct sw *sw);

/* ctl.c */
int ctl_open(struct sw *sw, const char *path);
void ctl_close(struct sw *sw);
/* poll() plumbing for the control socket and its clients. */
int ctl_pollfds(struct pollfd *pfd, int max);
void ctl_handle(struct sw *sw, struct pollfd *pfd, int n);

#endif
