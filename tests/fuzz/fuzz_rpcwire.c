/* tests/fuzz/fuzz_rpcwire.c: libFuzzer target for lib/rpcwire. The first
 * byte picks a mode:
 *   0  the rest is a received frame, decoded with a fixed key (almost every
 *      input fails the MAC: this proves the length and MAC path safe);
 *   1  the rest is header + payload that the target MACs with the key before
 *      decoding, so the structural checks behind the MAC are exercised;
 *   2  the rest is a sequence of (epoch step, seq) frames fed to the replay
 *      window, compared with a plain model of its rules.
 * Decode must return 0, -EACCES or -EBADMSG and never read outside the frame
 * (ASan: the frame is copied into an exactly-sized buffer); a frame it
 * accepts must encode back to the same bytes. */
#include <stdlib.h>
#include <string.h>

#include "lib/blake2s.h"
#include "lib/rpcwire.h"

static const uint8_t fuzz_key[RPC_KEY_LEN] = "fuzz-cluster-key-0123456789abcd";

static void check_decode(const uint8_t *frame, uint32_t len, int macked)
{
    struct rpc_hdr h;
    const uint8_t *pl = NULL;
    int rv = rpcwire_decode(frame, len, fuzz_key, &h, &pl);
    if (rv != 0 && rv != -EACCES && rv != -EBADMSG)
        abort();
    if (macked && rv == -EACCES)
        abort(); /* a frame MACed with the key never fails the MAC */
    if (rv != 0)
        return;
    if (pl != frame + RPC_HDR_LEN || RPC_HDR_LEN + h.payload_len + RPC_MAC_LEN != len)
        abort();
    uint8_t *again = malloc(len);
    if (rpcwire_encode(again, len, &h, pl, fuzz_key) != len || memcmp(again, frame, len) != 0)
        abort();
    free(again);
}

/* Model of the replay rules: the known epoch, every seq seen in it, top. */
static void fuzz_replay(const uint8_t *d, size_t n)
{
    struct rpc_replay r = {0};
    enum { MAXOPS = 2048 };
    static uint32_t seen[MAXOPS];
    size_t nseen = 0;
    int have = 0;
    uint32_t epoch = 0, top = 0, e = 1000, s = 1000;
    for (size_t i = 0; i + 3 <= n && i / 3 < MAXOPS; i += 3) {
        /* Small steps around the current (epoch, seq), now and then a jump. */
        uint8_t op = d[i];
        uint16_t arg = (uint16_t)(d[i + 1] | d[i + 2] << 8);
        if (op < 8)
            e = e + op - 2; /* older, same or newer epoch */
        else if (op == 8)
            e = arg;
        if (op >= 128)
            s = s + (uint32_t)(int32_t)(int16_t)arg % 160u - 80u;
        else
            s = s + (arg & 0xff) - 100u;
        int want;
        /* Epochs compare modulo 2^32 (serial number arithmetic). */
        if (!have || (int32_t)(e - epoch) > 0) {
            want = 0;
            have = 1, epoch = e, top = s, nseen = 0;
        } else if ((int32_t)(e - epoch) < 0) {
            want = -ECONNRESET;
        } else {
            int dup = 0;
            for (size_t k = 0; k < nseen; k++)
                dup |= seen[k] == s;
            if (dup || (s < top && top - s >= 64))
                want = -EALREADY;
            else
                want = 0;
            if (want == 0 && s > top)
                top = s;
        }
        if (want == 0 && nseen < MAXOPS)
            seen[nseen++] = s;
        int rv = rpc_replay_check(&r, e, s);
        if (rv != want || r.epoch != epoch || r.top != top)
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    uint8_t mode = data[0] % 3;
    const uint8_t *d = data + 1;
    size_t n = size - 1;
    if (mode == 0) {
        if (n > 2 * RPC_FRAME_MAX)
            n = 2 * RPC_FRAME_MAX;
        uint8_t *f = malloc(n ? n : 1);
        memcpy(f, d, n);
        check_decode(f, (uint32_t)n, 0);
        free(f);
    } else if (mode == 1) {
        if (n > RPC_FRAME_MAX)
            n = RPC_FRAME_MAX;
        uint32_t len = (uint32_t)n + RPC_MAC_LEN;
        uint8_t *f = malloc(len);
        memcpy(f, d, n);
        struct blake2s_state s;
        blake2s_init(&s, RPC_MAC_LEN, fuzz_key, RPC_KEY_LEN);
        blake2s_update(&s, f, n);
        blake2s_final(&s, f + n);
        /* Too short or too long frames are refused before the MAC. */
        if (len >= RPC_HDR_LEN + RPC_MAC_LEN && len <= RPC_FRAME_MAX)
            check_decode(f, len, 1);
        else
            check_decode(f, len, 0);
        free(f);
    } else {
        fuzz_replay(d, n);
    }
    return 0;
}
