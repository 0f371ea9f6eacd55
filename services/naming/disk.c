/* services/naming/disk.c: Raft's durable state in the log store (lib/logstore.c)
 * on this node's disk, reached through the disk system calls (user/diskdev.c;
 * the naming server is a boot service, so it may use them).
 *
 * One log (log 0) holds the Raft log: record i is entry i, encoded as
 *   term u64 | type u8 | len u16 | data[len]   (little-endian)
 * so the store's record indexes are Raft indexes. Its hard-state slot holds
 * term u64 | vote u32. Its snapshot holds
 *   "NSS1" | term u64 | conf_len u16 | conf[conf_len] | machine snapshot
 * with the snapshot's last index kept by the store itself.
 *
 * The contract with the Raft core (services/raft/raft.h): everything a ready
 * asks to persist is written and flushed (logstore_commit) before
 * raft_persisted() is called; that ordering is what lets Raft promise votes
 * and acknowledge entries. Writes are synchronous: the loop does nothing
 * else while the disk works, and many client requests share one flush
 * (group commit), since the loop drains its queue before each ready. */
#include <stdio.h>
#include <string.h>

#include "lib/logstore.h"
#include "services/naming/server.h"
#include "user/diskdev.h"
#include "user/ulib.h"

#define NAMING_LOG 0
#define SNAP_SECTORS 2048 /* per snapshot slot: 1 MiB, above nsm_snapshot_max() */
#define SNAP_MAGIC "NSS1"
#define SNAP_HDR_MAX (4 + 8 + 2 + RAFT_MAX_DATA)
#define REC_HDR 11

static struct logstore ls;
static uint8_t work[4 << 20] __attribute__((aligned(8)));
static uint8_t rec[REC_HDR + RAFT_MAX_DATA];
static uint8_t snap_io[SNAP_HDR_MAX + (1 << 20)];
static bool was_empty;

static struct blockdev dev;

static void put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}
static uint64_t get64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

static int format_blank(void)
{
    uint8_t first[DISK_SECTOR];
    if (dev.read(0, 0, first, 1))
        return -EIO;
    for (int i = 0; i < DISK_SECTOR; i++)
        if (first[i])
            return -EBADMSG; /* not blank: never format over someone's data */
    struct logstore_format_opts o;
    memset(&o, 0, sizeof o);
    o.format_id = sys_clock() ^ ((uint64_t)ns.cfg.node << 48);
    o.log[NAMING_LOG].snap_sectors = SNAP_SECTORS;
    o.log[NAMING_LOG].ring_sectors = dev.nsectors - 1 - 2 - 2 * SNAP_SECTORS; /* the rest */
    ns_log("blank disk: formatting the log store");
    return logstore_format(&dev, ns.cfg.node, 1, &o);
}

/* Load the snapshot, hard state and entries into ns.raft and ns.machine. */
static int load(void)
{
    uint32_t len;
    uint64_t last_index;
    int rv = logstore_read_snapshot(&ls, NAMING_LOG, snap_io, sizeof snap_io, &len, &last_index);
    if (rv == 0) {
        if (len < 14 || memcmp(snap_io, SNAP_MAGIC, 4)) {
            ns_log("snapshot on disk is not ours");
            return -EBADMSG;
        }
        uint64_t term = get64(snap_io + 4);
        uint16_t clen = (uint16_t)(snap_io[12] | snap_io[13] << 8);
        struct raft_conf conf;
        /* An empty machine snapshot is the bootstrap configuration's (index 0). */
        uint32_t mlen = 14u + clen <= len ? len - 14 - clen : 0;
        if (14u + clen > len || raft_conf_decode(snap_io + 14, clen, &conf) ||
            (mlen ? nsm_restore(&ns.machine, snap_io + 14 + clen, mlen) != 0 : last_index != 0) ||
            ns.machine.applied != last_index ||
            raft_load_snapshot(&ns.raft, last_index, term, &conf, snap_io + 14 + clen,
                               len - 14 - clen)) {
            ns_log("snapshot on disk does not check out");
            return -EBADMSG;
        }
    } else if (rv != -ENOENT) {
        return rv;
    }
    uint8_t hs[12];
    rv = logstore_get_hardstate(&ls, NAMING_LOG, hs, sizeof hs, &len);
    if (rv)
        return rv;
    if (len == sizeof hs)
        raft_load_hard_state(&ns.raft, get64(hs), (uint32_t)(hs[8] | hs[9] << 8 | hs[10] << 16 |
                                                              (uint32_t)hs[11] << 24));
    uint64_t first = logstore_first(&ls, NAMING_LOG), last = logstore_last(&ls, NAMING_LOG);
    uint64_t from = raft_snap_index(&ns.raft) + 1;
    if (first > from && first <= last) {
        ns_log("log starts at %lu after snapshot %lu", (unsigned long)first,
               (unsigned long)(from - 1));
        return -EBADMSG;
    }
    for (uint64_t i = from > first ? from : first; i <= last; i++) {
        rv = logstore_read(&ls, NAMING_LOG, i, rec, sizeof rec, &len);
        if (rv)
            return rv;
        struct raft_entry e;
        uint16_t dlen = (uint16_t)(rec[9] | rec[10] << 8);
        if (len < REC_HDR || dlen != len - REC_HDR || dlen > RAFT_MAX_DATA) {
            ns_log("log record %lu is malformed", (unsigned long)i);
            return -EBADMSG;
        }
        e.term = get64(rec);
        e.type = rec[8];
        e.len = dlen;
        memcpy(e.data, rec + REC_HDR, dlen);
        rv = raft_load_entry(&ns.raft, i, &e);
        if (rv) {
            ns_log("log record %lu refused by Raft: %d", (unsigned long)i, rv);
            return rv;
        }
    }
    was_empty = raft_snap_index(&ns.raft) == 0 && last < first && len == 0;
    if (!was_empty)
        ns_log("recovered from disk: term %lu, snapshot %lu, log %lu..%lu",
               (unsigned long)raft_term(&ns.raft), (unsigned long)raft_snap_index(&ns.raft),
               (unsigned long)first, (unsigned long)last);
    return 0;
}

int disk_open(void)
{
    long rv = diskdev_open(&dev);
    if (rv < 0) {
        ns_log("no disk: %s", err_str(rv));
        return (int)rv;
    }
    rv = logstore_open(&ls, &dev, work, sizeof work);
    if (rv == -EBADMSG && ls.error_log == LOGSTORE_NO_LOG) {
        rv = format_blank();
        if (rv == 0)
            rv = logstore_open(&ls, &dev, work, sizeof work);
        else if (rv == -EBADMSG)
            rv = logstore_open(&ls, &dev, work, sizeof work); /* for its error message */
    }
    if (rv < 0) {
        ns_log("cannot open the log store: %s: %s", err_str(rv), ls.error_msg);
        return (int)rv;
    }
    if (ls.nlogs < 1) {
        ns_log("the disk holds a store without a naming log");
        return -EBADMSG;
    }
    return load();
}

bool disk_was_empty(void) { return was_empty; }

static int write_snapshot(const struct raft_ready *rd)
{
    uint16_t clen = raft_conf_encode(rd->snap_conf, snap_io + 14);
    if (14u + clen + rd->snap_len > sizeof snap_io)
        return -EMSGSIZE;
    memcpy(snap_io, SNAP_MAGIC, 4);
    put64(snap_io + 4, rd->snap_term);
    snap_io[12] = (uint8_t)clen;
    snap_io[13] = (uint8_t)(clen >> 8);
    memcpy(snap_io + 14 + clen, rd->snap_data, rd->snap_len);
    int rv = logstore_write_snapshot(&ls, NAMING_LOG, snap_io, 14u + clen + rd->snap_len,
                                     rd->snap_index);
    if (rv)
        return rv;
    /* Entries up to the snapshot are no longer needed; past the end of the
     * log (a snapshot from the leader) this empties it, and the next append
     * gets index snap_index + 1. */
    return logstore_truncate_prefix(&ls, NAMING_LOG, rd->snap_index + 1);
}

int disk_persist(const struct raft_ready *rd)
{
    int rv = 0;
    if (rd->snap && (rv = write_snapshot(rd)) != 0)
        return rv;
    if (rd->hs) {
        uint8_t hs[12];
        put64(hs, rd->term);
        for (int i = 0; i < 4; i++)
            hs[8 + i] = (uint8_t)(rd->vote >> (8 * i));
        if ((rv = logstore_set_hardstate(&ls, NAMING_LOG, hs, sizeof hs)) != 0)
            return rv;
    }
    if (rd->ents_from) {
        if (rd->ents_from <= logstore_last(&ls, NAMING_LOG) &&
            (rv = logstore_truncate_suffix(&ls, NAMING_LOG, rd->ents_from)) != 0)
            return rv;
        for (uint64_t i = rd->ents_from; i <= rd->ents_to; i++) {
            const struct raft_entry *e = raft_entry_at(&ns.raft, i);
            if (!e)
                return -EINVAL;
            put64(rec, e->term);
            rec[8] = e->type;
            rec[9] = (uint8_t)e->len;
            rec[10] = (uint8_t)(e->len >> 8);
            memcpy(rec + REC_HDR, e->data, e->len);
            uint64_t got;
            if ((rv = logstore_append(&ls, NAMING_LOG, rec, REC_HDR + e->len, &got)) != 0)
                return rv;
            if (got != i) {
                ns_log("log store gave index %lu for entry %lu", (unsigned long)got,
                       (unsigned long)i);
                return -EIO;
            }
        }
    }
    return logstore_commit(&ls);
}

void disk_stats(uint64_t *log_first, uint64_t *log_last)
{
    *log_first = logstore_first(&ls, NAMING_LOG);
    *log_last = logstore_last(&ls, NAMING_LOG);
}
