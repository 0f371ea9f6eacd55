/* services/replica/disk.c: Raft's durable state in a log store
 * (lib/logstore.c) in the service's own region of this node's disk
 * (lib/disklabel.h: the region is named after the service), reached through
 * the disk system calls (user/diskdev.c; replicated services are boot
 * services, so they may use them).
 *
 * One log (log 0) holds the Raft log: record i is entry i, encoded as
 *   term u64 | type u8 | len u16 | data[len]   (little-endian)
 * so the store's record indexes are Raft indexes. Its hard-state slot holds
 * term u64 | vote u32. Its snapshot holds
 *   "RPS1" | term u64 | conf_len u16 | conf[conf_len] | machine snapshot
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

#include "lib/disklabel.h"
#include "lib/lebytes.h"
#include "lib/logstore.h"
#include "services/replica/internal.h"
#include "user/diskdev.h"
#include "user/ulib.h"

#define RAFT_LOG 0
#define SNAP_MAGIC "RPS1"
#define SNAP_HDR_MAX (4 + 8 + 2 + RAFT_MAX_DATA)
/* per snapshot slot: a full snapshot with its header, and the slot's header sector */
#define SNAP_SECTORS ((REPLICA_SNAP_CAP + SNAP_HDR_MAX + 511) / 512 + 1)
#define REC_HDR 11

static struct logstore ls;
static uint8_t work[4 << 20] __attribute__((aligned(8)));
static uint8_t rec[REC_HDR + RAFT_MAX_DATA];
static uint8_t snap_io[SNAP_HDR_MAX + REPLICA_SNAP_CAP];
static bool was_empty;

static struct blockdev disk, dev; /* the whole disk, and our region of it */
static struct disklabel_dev region;

static uint64_t get64(const uint8_t *p)
{
    struct le_reader r = le_reader(p, 8);
    return le_get(&r, 8);
}

static void put64(uint8_t *p, uint64_t v)
{
    struct le_writer w = {p, 8, 0};
    le_put(&w, v, 8);
}

static int format_blank(void)
{
    uint8_t first[DISK_SECTOR];
    if (dev.read(dev.ctx, 0, first, 1))
        return -EIO;
    for (int i = 0; i < DISK_SECTOR; i++)
        if (first[i])
            return -EBADMSG; /* not blank: never format over someone's data */
    if (dev.nsectors < 1 + 2 + 2 * SNAP_SECTORS + 1024) {
        replica_log("disk region of %lu sectors is too small", (unsigned long)dev.nsectors);
        return -ENOSPC;
    }
    struct logstore_format_opts o;
    memset(&o, 0, sizeof o);
    o.format_id = sys_clock() ^ ((uint64_t)replica.cfg.node << 48);
    o.log[RAFT_LOG].snap_sectors = SNAP_SECTORS;
    o.log[RAFT_LOG].ring_sectors = dev.nsectors - 1 - 2 - 2 * SNAP_SECTORS; /* the rest */
    replica_log("blank disk: formatting the log store");
    return logstore_format(&dev, replica.cfg.node, 1, &o);
}

/* The snapshot on disk, into the Raft core and the state machine. */
static int load_snapshot(void)
{
    uint32_t len;
    uint64_t last_index;
    int rv = logstore_read_snapshot(&ls, RAFT_LOG, snap_io, sizeof snap_io, &len, &last_index);
    if (rv)
        return rv == -ENOENT ? 0 : rv;
    if (len < 14 || memcmp(snap_io, SNAP_MAGIC, 4)) {
        replica_log("snapshot on disk is not ours");
        return -EBADMSG;
    }
    uint64_t term = get64(snap_io + 4);
    uint16_t clen = (uint16_t)(snap_io[12] | snap_io[13] << 8);
    struct raft_conf conf;
    /* An empty machine snapshot is the bootstrap configuration's (index 0):
     * the machine stays as reset() made it. */
    uint32_t mlen = 14u + clen <= len ? len - 14 - clen : 0;
    if (14u + clen > len || raft_conf_decode(snap_io + 14, clen, &conf) ||
        (mlen ? replica.svc->restore(snap_io + 14 + clen, mlen) != 0 : last_index != 0) ||
        (mlen && replica.svc->applied() != last_index) ||
        raft_load_snapshot(&replica.raft, last_index, term, &conf, snap_io + 14 + clen, mlen)) {
        replica_log("snapshot on disk does not check out");
        return -EBADMSG;
    }
    return 0;
}

/* Load the snapshot, hard state and entries into the Raft core and machine. */
static int load(void)
{
    int rv = load_snapshot();
    if (rv)
        return rv;
    uint8_t hs[12];
    uint32_t len;
    rv = logstore_get_hardstate(&ls, RAFT_LOG, hs, sizeof hs, &len);
    if (rv)
        return rv;
    if (len == sizeof hs)
        raft_load_hard_state(
            &replica.raft, get64(hs),
            (uint32_t)(hs[8] | hs[9] << 8 | hs[10] << 16 | (uint32_t)hs[11] << 24));
    uint64_t first = logstore_first(&ls, RAFT_LOG), last = logstore_last(&ls, RAFT_LOG);
    uint64_t from = raft_snap_index(&replica.raft) + 1;
    if (first > from && first <= last) {
        replica_log("log starts at %lu after snapshot %lu", (unsigned long)first,
                    (unsigned long)(from - 1));
        return -EBADMSG;
    }
    for (uint64_t i = from > first ? from : first; i <= last; i++) {
        uint32_t rlen;
        rv = logstore_read(&ls, RAFT_LOG, i, rec, sizeof rec, &rlen);
        if (rv)
            return rv;
        struct raft_entry e;
        uint16_t dlen = (uint16_t)(rec[9] | rec[10] << 8);
        if (rlen < REC_HDR || dlen != rlen - REC_HDR || dlen > RAFT_MAX_DATA) {
            replica_log("log record %lu is malformed", (unsigned long)i);
            return -EBADMSG;
        }
        e.term = get64(rec);
        e.type = rec[8];
        e.len = dlen;
        memcpy(e.data, rec + REC_HDR, dlen);
        rv = raft_load_entry(&replica.raft, i, &e);
        if (rv) {
            replica_log("log record %lu refused by Raft: %d", (unsigned long)i, rv);
            return rv;
        }
    }
    was_empty = raft_snap_index(&replica.raft) == 0 && last < first && len == 0;
    if (!was_empty)
        replica_log("recovered from disk: term %lu, snapshot %lu, log %lu..%lu",
                    (unsigned long)raft_term(&replica.raft),
                    (unsigned long)raft_snap_index(&replica.raft), (unsigned long)first,
                    (unsigned long)last);
    return 0;
}

int disk_open(void)
{
    long rv = diskdev_open(&disk);
    if (rv < 0) {
        replica_log("no disk: %s", err_str(rv));
        return (int)rv;
    }
    rv = disklabel_open(&disk, replica.svc->name, &region, &dev);
    if (rv < 0) {
        replica_log("no \"%s\" region on the disk: %s%s", replica.svc->name, err_str(rv),
                    rv == -EBADMSG ? " (its first sector is not a region table)" : "");
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
        replica_log("cannot open the log store: %s: %s", err_str(rv), ls.error_msg);
        return (int)rv;
    }
    if (ls.nlogs < 1) {
        replica_log("the disk holds a store without a Raft log");
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
    int rv =
        logstore_write_snapshot(&ls, RAFT_LOG, snap_io, 14u + clen + rd->snap_len, rd->snap_index);
    if (rv)
        return rv;
    /* Entries up to the snapshot are no longer needed; past the end of the
     * log (a snapshot from the leader) this empties it, and the next append
     * gets index snap_index + 1. */
    return logstore_truncate_prefix(&ls, RAFT_LOG, rd->snap_index + 1);
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
        if ((rv = logstore_set_hardstate(&ls, RAFT_LOG, hs, sizeof hs)) != 0)
            return rv;
    }
    if (rd->ents_from) {
        if (rd->ents_from <= logstore_last(&ls, RAFT_LOG) &&
            (rv = logstore_truncate_suffix(&ls, RAFT_LOG, rd->ents_from)) != 0)
            return rv;
        for (uint64_t i = rd->ents_from; i <= rd->ents_to; i++) {
            const struct raft_entry *e = raft_entry_at(&replica.raft, i);
            if (!e)
                return -EINVAL;
            put64(rec, e->term);
            rec[8] = e->type;
            rec[9] = (uint8_t)e->len;
            rec[10] = (uint8_t)(e->len >> 8);
            memcpy(rec + REC_HDR, e->data, e->len);
            uint64_t got;
            if ((rv = logstore_append(&ls, RAFT_LOG, rec, REC_HDR + e->len, &got)) != 0)
                return rv;
            if (got != i) {
                replica_log("log store gave index %lu for entry %lu", (unsigned long)got,
                            (unsigned long)i);
                return -EIO;
            }
        }
    }
    return logstore_commit(&ls);
}
