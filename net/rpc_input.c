/* net/rpc_input.c: a datagram for the RPC transport's UDP port
 * (net/rpc_internal.h; docs/ipc.md): its frame is decoded and
 * authenticated, checked against the sender's replay window (a restarted
 * peer resets the state kept for its old boot), and handed to the caller
 * side or the server side by its type. */
#include "kernel/trace.h"
#include "net/rpc_internal.h"

void rpc_udp_input(uint32_t src_ip, uint16_t sport, uint16_t dport, const uint8_t *data,
                   uint32_t len)
{
    (void)sport, (void)dport;
    struct rpc_hdr h;
    const uint8_t *payload;
    rpc_stats.rx_frames++;
    int rv = rpcwire_decode_k(data, len, &rpc_key, &h, &payload);
    if (rv == -EACCES) {
        rpc_stats.bad_mac++;
        return;
    }
    if (rv) {
        rpc_stats.bad_frames++;
        return;
    }
    if (h.dst_node != kernel_node_id || h.src_node == 0 || h.src_node >= MAX_PEERS ||
        inet_node_ip(h.src_node) != src_ip) {
        rpc_stats.misaddressed++;
        return;
    }
    uint32_t old_epoch = rpc_peer_replay[h.src_node].epoch;
    rv = rpc_replay_check(&rpc_peer_replay[h.src_node], h.src_epoch, h.seq);
    if (rv) {
        rpc_stats.replayed++;
        return;
    }
    if (old_epoch && old_epoch != h.src_epoch)
        rpc_peer_restarted(h.src_node, h.src_epoch);
    rpc_silent[h.src_node] = 0;
    trace_lamport_seen(h.lamport); /* what it tells of comes before what follows here */
    struct rpc_out *o;
    switch (h.type) {
    case RPC_DATA:
        rpc_on_data(&h, payload);
        break;
    case RPC_REPLY:
        if ((o = rpc_out_find(h.src_node, h.msg_id)) != 0) {
            o->heard = 1;
            rpc_on_reply_fragment(o, &h, payload);
        }
        break;
    case RPC_ACK: {
        if (h.payload_len != RPC_ACK_PAYLOAD) {
            rpc_stats.bad_frames++;
            break;
        }
        uint64_t bitmap = 0;
        for (int i = 0; i < 8; i++)
            bitmap |= (uint64_t)payload[8 + i] << (8 * i);
        if (payload[0] == ACK_DATA) {
            if ((o = rpc_out_find(h.src_node, h.msg_id)) != 0) {
                o->heard = 1;
                rpc_on_data_ack(o, bitmap);
            }
        } else if (payload[0] == ACK_REPLY || payload[0] == ACK_POLL) {
            rpc_on_reply_ack(&h, bitmap, payload[0] == ACK_POLL);
        } else {
            rpc_stats.bad_frames++;
        }
        break;
    }
    case RPC_NACK:
        if ((o = rpc_out_find(h.src_node, h.msg_id)) != 0 && o->state != OUT_DONE) {
            o->heard = 1;
            o->error = -(int)h.status;
            o->state = OUT_DONE;
            proc_wakeup(o);
        }
        break;
    }
}
