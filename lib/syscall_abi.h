/* lib/syscall_abi.h: the system-call ABI, shared by the kernel and user space.
 *
 * Calling convention (RISC-V, like Linux): the number goes in a7, up to six
 * arguments in a0..a5, `ecall`; the result comes back in a0. A negative result
 * is -E<code> from lib/errno.h. docs/syscalls.md documents each call.
 * Freestanding: only <stdint.h>. */
#ifndef LIB_SYSCALL_ABI_H
#define LIB_SYSCALL_ABI_H

#include <stdint.h>

enum {
    SYS_EXIT = 0,         /* exit(int status): never returns */
    SYS_GETPID = 1,       /* getpid(): cluster-wide pid of the caller */
    SYS_GETPPID = 2,      /* getppid(): pid of the parent (0 if none) */
    SYS_SPAWN = 3,        /* spawn(const char *path, char *const argv[]): pid of the child */
    SYS_WAIT = 4,         /* wait(int pid, int *status, int flags): pid reaped, or 0 with WNOHANG */
    SYS_KILL = 5,         /* kill(int pid, int sig) */
    SYS_SLEEP = 6,        /* sleep(uint64_t ns) */
    SYS_YIELD = 7,        /* yield() */
    SYS_SBRK = 8,         /* sbrk(intptr_t incr): old break */
    SYS_READ = 9,         /* read(int fd, void *buf, size_t len): bytes read */
    SYS_WRITE = 10,       /* write(int fd, const void *buf, size_t len): bytes written */
    SYS_CLOCK = 11,       /* clock(): monotonic nanoseconds since boot */
    SYS_NODEID = 12,      /* nodeid(): this node's id (from bootargs) */
    SYS_PROCLIST = 13,    /* proclist(struct proc_info *buf, int max): entries filled */
    SYS_MEMINFO = 14,     /* meminfo(struct mem_info *out) */
    SYS_SETLIMIT = 15,    /* setlimit(int resource, uint64_t value): lower only */
    SYS_FAULTINJECT = 16, /* faultinject(int site, int after, int count): test hook */
    SYS_CALIBRATE = 17,   /* calibrate(int kind, uint64_t iters): ns for iters runs */
    SYS_PING = 18,        /* ping(uint32_t ip, int seq, uint64_t timeout_ns): RTT in ns */
    SYS_NETSTAT = 19,     /* netstat(struct net_stats *out) */
    SYS_UDPECHO =
        20, /* udpecho(uint32_t ip, const void *buf, size_t len, uint64_t timeout_ns): RTT ns */
    SYS_RAWECHO = 21,   /* rawecho(int node, uint64_t timeout_ns): bare Ethernet RTT in ns */
    SYS_DISK_INFO = 22, /* disk_info(struct disk_info *out): system services only */
    SYS_DISK_READ = 23, /* disk_read(uint64_t sector, void *buf, uint32_t count): services only */
    SYS_DISK_WRITE =
        24, /* disk_write(uint64_t sector, const void *buf, uint32_t count): services only */
    SYS_DISK_FLUSH = 25,    /* disk_flush(): every completed write durable; services only */
    SYS_SERVICE = 26,       /* service(): 1 if the caller is a system service, else 0 */
    SYS_PORT_CREATE = 27,   /* port_create(struct port_id *out) */
    SYS_PORT_CLOSE = 28,    /* port_close(const struct port_id *port): owner only */
    SYS_SEND = 29,          /* send(const struct send_args *a): queued at the port */
    SYS_RECV = 30,          /* recv(const struct recv_args *a): message length */
    SYS_CALL = 31,          /* call(const struct call_args *a): reply length */
    SYS_REPLY = 32,         /* reply(uint64_t token, const void *buf, size_t len) */
    SYS_BOOTSTRAP = 33,     /* bootstrap(int node, struct port_id *out, uint64_t timeout_ns) */
    SYS_RPCSTAT = 34,       /* rpcstat(struct rpc_stats *out) */
    SYS_SPAWN_NODE = 35,    /* spawn_node(int node, const char *path, char *const argv[]): pid */
    SYS_PROCLIST_NODE = 36, /* proclist_node(int node, struct proc_info *buf, int max) */
    SYS_NODES = 37,         /* nodes(): how many nodes the cluster has (bootargs nodes=) */
    SYS_LOG = 38,           /* log(const char *text, size_t len): one kernel log line */
    SYS_REPLY_RECV = 39,    /* reply_recv(uint64_t token, const void *buf, size_t len,
                            const struct recv_args *a): reply (token 0: none), then recv */
    SYS_CLOCK_INFO = 40,    /* clock_info(struct clock_info *out): read clock() without a trap */
    SYS_WALLCLOCK = 41,     /* wallclock(): ns since 1970 (the host's clock), 0 if none */
    SYS_SPAWN_IMAGE = 42,   /* spawn_image(const void *elf, size_t len, const char *name,
                           *             char *const argv[]): pid; the program from memory */
    SYS_RAMDISK_READ = 43,  /* ramdisk_read(const char *name, uint64_t off, void *buf,
                            *              size_t len): bytes of a boot program */
    SYS_MIGRATE = 44,       /* migrate(int pid, int node): move a process (0: the caller) to
                            another node; it keeps its pid (kernel/migrate.h); node |
                            MIGRATE_NOWAIT: start another's move and return at once */
    SYS_BOOTARG = 45,       /* bootarg(const char *key, char *buf, size_t cap): the value of
                            key= in this node's bootargs (its length), -ENOENT, -ENAMETOOLONG */
    SYS_TRACE = 46,         /* trace(op, a, b, c): the node's trace ring (TRACE_* below) */
    SYS_COUNT
};

/* The bare trap: handled at the very top of the trap vector, before any
 * register is saved, and returned from with sret. It exists only so that
 * `make bench` can measure the cost of a U->S->U round trip as a floor. */
#define SYS_BARE_TRAP 0x7ff

/* wait() flags */
#define WAIT_NOHANG 1

/* Signals understood by kill(). A killed process exits with 128 + sig. */
#define SIG_TERM 15
#define SIG_KILL 9
#define SIG_SEGV 11 /* reported when a process dies of a bad memory access */
#define SIG_ILL 4   /* reported when a process dies of an illegal instruction */

/* setlimit() resources */
#define LIMIT_PAGES 0    /* user pages the process may hold */
#define LIMIT_CHILDREN 1 /* live children the process may have */

/* faultinject() sites: make the kernel's allocator fail, to test that every
 * caller survives. `after` successful allocations pass first, then `count`
 * fail. count 0 disarms. */
#define FAULT_PAGE_ALLOC 0
#define FAULT_HEAP_ALLOC 1

/* calibrate() kinds, for make bench */
#define CAL_SATP_SWITCH 0 /* write satp + sfence.vma */
#define CAL_NOP 1         /* empty kernel loop, to subtract */
#define CAL_MAC 2         /* encode + MAC one header-only RPC frame (rpcwire_encode_k) */

#define PROC_NAME_MAX 16
enum { PSTATE_RUNNABLE = 1, PSTATE_RUNNING, PSTATE_SLEEPING, PSTATE_ZOMBIE };

struct proc_info {
    int32_t pid;
    int32_t ppid;
    int32_t state;   /* PSTATE_* */
    int32_t node;    /* node it runs on */
    uint64_t pages;  /* user pages held */
    uint64_t cpu_ns; /* CPU time used */
    char name[PROC_NAME_MAX];
    int32_t console_node; /* the node whose console shows its output */
    int32_t owed_replies; /* calls it took before a move, still to be answered through
                             the node it took them on (kernel/migrate_proxy.c) */
    int32_t call_node;    /* 0, or the node where a call it moved in still runs (it
                             waits for the result: kernel/migrate_call.c) */
    uint32_t flags;       /* PROC_F_* */
};
#define MIGRATE_NOWAIT (1 << 30)
#define PROC_F_SERVICE 1 /* a system service (started at boot) */
#define PROC_F_PINNED 2  /* a service or a console's shell: the scheduler never moves it */
#define PROC_F_MOVING 4  /* being moved to another node (in pre-copy or about to be) */

/* SYS_CLOCK_INFO: how user code computes clock() itself from the time CSR,
 * which the kernel lets user mode read (scounteren.TM) as Linux's vDSO
 * does: ns = (t / hz) * 1e9 + (t % hz) * 1e9 / hz with t = rdtime - base.
 * The same formula as the kernel's, so both readings agree to the tick. */
struct clock_info {
    uint64_t hz;        /* ticks per second of the time CSR */
    uint64_t base;      /* the time CSR's value at boot (clock() == 0) */
    uint64_t user_time; /* 1: user mode may read the time CSR; 0: use SYS_CLOCK */
    uint64_t gen;       /* changes when the kernel rewrites this copy in the process's memory
                           (after a move to another node, whose time CSR counts from another
                           boot): a reading that saw it change reads again */
};

struct mem_info {
    uint64_t total_pages;
    uint64_t free_pages;
    uint64_t heap_bytes_used;
    uint64_t nprocs;
    uint64_t alloc_failures; /* allocations that failed (injected or real) */
};

/* Network counters (SYS_NETSTAT): every frame dropped is counted once, under
 * the reason it was dropped. */
struct net_stats {
    uint64_t rx_frames, tx_frames, tx_full;
    uint64_t rx_not_for_us; /* another node's unicast MAC */
    uint64_t rx_bad_eth, rx_unknown_type;
    uint64_t rx_bad_arp, arp_requests_sent, arp_replies_sent, arp_parked_dropped;
    uint64_t rx_bad_ip, rx_bad_ip_checksum, rx_ip_fragments, rx_ip_not_for_us;
    uint64_t rx_unknown_proto;
    uint64_t rx_bad_icmp, icmp_echo_replied;
    uint64_t rx_bad_udp, rx_bad_udp_checksum, rx_udp_no_port;
    uint64_t rx_udp, tx_udp;
    uint64_t rx_bad_length; /* the device reported an impossible length */
};

/* The node's disk (SYS_DISK_INFO). Sectors are 512 bytes; one read or write
 * moves at most DISK_MAX_SECTORS. */
#define DISK_SECTOR 512
#define DISK_MAX_SECTORS 128
struct disk_info {
    uint64_t sectors;
    uint32_t sector_size;
    uint32_t can_flush; /* the device has a write cache and honours flush */
};

/* Ports (docs/ipc.md). A port identity is a sparse capability: `a` holds the
 * node that created the port (high 32 bits) and its slot (low 32), `b` a
 * 64-bit random check the kernel verifies on every use. Holding the 16 bytes
 * is what lets a process send to a port; only its creator may receive. */
struct port_id {
    uint64_t a, b;
};
#define PORT_NODE(p) ((uint32_t)((p).a >> 32))

#define MSG_MAX (64 * 1024 + 4096)  /* largest message, local or remote */
#define SPAWN_IMAGE_MAX (16u << 20) /* largest program spawn_image takes */
#define TIMEOUT_NEVER UINT64_MAX    /* recv/call timeout: wait forever */

struct send_args {
    struct port_id dst;
    const void *buf;
    uint64_t len;
    struct port_id carry; /* a port handed to the receiver; zero if none */
    uint64_t flags;       /* SEND_* */
};

/* send() flags. A datagram to a port on another node is sent once, without
 * waiting for the peer's acknowledgement: send returns as soon as its frames
 * are out. It arrives at most once, whole, or not at all (a lost fragment
 * loses the message). For protocols that retry on their own, such as Raft:
 * a dead peer never blocks the sender. On the sender's node it is an
 * ordinary send. */
#define SEND_DATAGRAM 1

struct msg_info {
    uint64_t len; /* the message's full length */
    int32_t sender_pid, sender_node;
    struct port_id carried; /* zero if the message carries no port */
    uint64_t reply_token;   /* nonzero: the sender waits in call(); pass to reply() */
};

/* call, recv and reply_recv, the system calls of a round trip, take their
 * arguments in registers, not in a block in memory (which the kernel would
 * have to translate and read on every call); two sizes share one register,
 * low 32 bits and high 32 (each is at most MSG_MAX; user/ipc.c passes a
 * larger one as IPC_SIZE_MAX, which fails the way it would have):
 *   recv(port.a, port.b, buf, cap, timeout_ns)
 *   call(dst.a, dst.b, buf, len | rcap << 32, rbuf, timeout_ns, carry)
 *        carry: a const struct port_id * to hand the server, or 0
 *   reply_recv(token, buf, len | cap << 32, port.a, port.b, rbuf, timeout_ns)
 * recv's cap: a longer message stays queued (-EMSGSIZE, its length in a1).
 * timeout_ns 0: recv does not wait (-EAGAIN), call is refused (-EINVAL);
 * TIMEOUT_NEVER waits for ever. */
#define IPC_SIZE_MAX 0xffffffffULL
#define IPC_SIZES(lo, hi)                                                                          \
    (((uint64_t)(lo) > IPC_SIZE_MAX ? IPC_SIZE_MAX : (uint64_t)(lo)) |                             \
     ((uint64_t)(hi) > IPC_SIZE_MAX ? IPC_SIZE_MAX : (uint64_t)(hi)) << 32)

/* recv and reply_recv return the message's struct msg_info in registers,
 * as L4 and seL4 return message registers, not through memory: a0 is the
 * length or -errno; after a message (and after -EMSGSIZE, which sets only
 * the length) a1 = its length, a2 = its reply token, a3 = sender pid (low
 * 32 bits) and node (high 32), a4 and a5 = the carried port. The user
 * library (user/ipc.c) fills a struct msg_info from them. */

/* The per-node registry behind every bootstrap port takes calls whose
 * message is a struct registry_req and answers with a struct registry_rep. */
#define REGISTRY_NAME_MAX 32
enum { REGISTRY_BIND = 1, REGISTRY_LOOKUP = 2, REGISTRY_UNBIND = 3 };
struct registry_req {
    uint32_t op;
    char name[REGISTRY_NAME_MAX]; /* NUL-terminated */
    struct port_id port;          /* for BIND */
};
struct registry_rep {
    int32_t status;      /* 0 or -errno */
    struct port_id port; /* for LOOKUP */
};

/* SYS_TRACE (kernel/trace.c, docs/trace.md): the node's ring of trace
 * events. Every remote message is traced: it carries a trace id (its
 * sender's, or a new one) and the node's Lamport time; its span id is made
 * from its cluster-wide key (sending node, boot epoch, message id) on both
 * ends. A process that receives a message works for its trace and span
 * until the next one; what it sends meanwhile carries them (the span as
 * parent). Children inherit their parent's.
 *   trace(TRACE_READ, from_seq, struct trace_record *buf, max): the events
 *        numbered from_seq on (or the oldest kept), at most max: how many
 *   trace(TRACE_EMIT, const char *kind, const char *attrs, 0): one event of
 *        the caller's (attrs: "key=value ..." words, printed as they are)
 *   trace(TRACE_BEGIN, 0, 0, 0): the caller starts a new trace (a new trace
 *        id and root span): what it and its children send next is in it
 *   trace(TRACE_INFO, struct trace_info *out, 0, 0)
 *   trace(TRACE_LATENCY, struct port_latency *buf, max, 0): call latency per
 *        port (kernel/latency.h): how many entries
 *   trace(TRACE_SET, on, 0, 0): keep events (1) or not (0; bootargs
 *        trace=off at boot): this node's console and services only (EPERM) */
enum {
    TRACE_READ = 1,
    TRACE_EMIT = 2,
    TRACE_BEGIN = 3,
    TRACE_INFO = 4,
    TRACE_LATENCY = 5,
    TRACE_SET = 6
};
#define TRACE_KIND_MAX 12  /* with the NUL */
#define TRACE_ATTRS_MAX 96 /* with the NUL */
struct trace_record {
    uint64_t seq, lamport, wall_ns;
    uint64_t trace_id, span_id, parent_id;
    uint64_t msg_id;     /* a message event's key: (key_node, key_epoch, msg_id) */
    uint64_t latency_ns; /* reply_send: since the call arrived; reply_recv: the round trip */
    uint32_t pid, peer, key_node, key_epoch, port;
    int32_t error; /* call_fail: the errno */
    uint8_t call;  /* a call (awaits a reply), not a one-way message */
    char kind[TRACE_KIND_MAX];
    char attrs[TRACE_ATTRS_MAX];
};
struct port_latency {
    struct port_id port; /* calls to it (served 0) or answered by it (served 1) */
    uint32_t served;
    uint64_t calls, p50_ns, p99_ns, max_ns, mean_ns;
};
struct trace_info {
    uint64_t next_seq; /* the number the next event gets */
    uint64_t dropped;  /* events overwritten since boot (the ring keeps the newest cap) */
    uint32_t boot_epoch, node, cap;
    uint32_t on; /* events are kept (TRACE_SET) */
};

/* IPC counters (SYS_RPCSTAT): the RPC transport's, where every frame dropped
 * is counted once, and the local fastpath's. */
struct rpc_stats {
    uint64_t rx_frames, tx_frames;
    uint64_t bad_mac;      /* wrong key or altered in flight */
    uint64_t replayed;     /* duplicate, too old, or from a dead epoch */
    uint64_t bad_frames;   /* malformed after the MAC checked */
    uint64_t misaddressed; /* for another node, or a source that does not match its IP */
    uint64_t duplicates;   /* retransmissions of a message already handled */
    uint64_t retransmits;
    uint64_t delivered;  /* messages from other nodes queued at a local port */
    uint64_t no_buffers; /* incoming messages refused for lack of memory */
    uint64_t encode_errors;
    uint64_t datagrams;     /* datagrams sent (send with SEND_DATAGRAM to another node) */
    uint64_t stale_kernel;  /* kernel requests refused: meant for an earlier boot of this node */
    uint64_t local_fast;    /* local calls and replies the fastpath delivered (kernel/ipc_fast.c) */
    uint64_t redirects;     /* messages for a port that moved on, answered with where it went */
    uint64_t call_timeouts; /* calls and sends that got no answer in time (ETIMEDOUT, EHOSTDOWN) */
};

/* The disk port (registered as "disk" on a node with a disk): calls from
 * system services on the same node. Request: struct disk_req, then for
 * DISK_OP_WRITE the data. Reply: DISK_OP_INFO a struct disk_info;
 * DISK_OP_READ exactly count * 512 bytes of data; otherwise (and on any
 * failure) an int32 status, 0 or -errno. */
enum { DISK_OP_INFO = 1, DISK_OP_READ = 2, DISK_OP_WRITE = 3, DISK_OP_FLUSH = 4 };
struct disk_req {
    uint32_t op;
    uint32_t count; /* sectors, 1..DISK_MAX_SECTORS */
    uint64_t sector;
};

/* Pids are cluster-shaped: node * PID_NODE_STRIDE + a per-node sequence, so
 * pid 300007 is the 7th process created on node 3. */
#define PID_NODE_STRIDE 100000
#define PID_NODE(pid) ((pid) / PID_NODE_STRIDE)

/* User address space (Sv39 lower half; the kernel identity-maps the first
 * 64 GiB supervisor-only in every address space, users live above it). */
#define USER_BASE 0x1000000000ULL
#define USER_TOP 0x4000000000ULL
#define USER_STACK_SIZE (64 * 1024)
#define USER_ARGV_MAX 32
#define USER_ARG_BYTES 4096

#endif
