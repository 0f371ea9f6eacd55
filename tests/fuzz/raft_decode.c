/* tests/fuzz/raft_decode.c: libFuzzer target for the Raft wire decoder.
 * Any input must either decode to a message that re-encodes to exactly the
 * same bytes, or be rejected with a negative error; never crash or read out
 * of bounds. A decoded message is then fed to a fresh node, which must accept
 * or reject it without crashing. */
#include "services/raft/raft.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct raft_entry ents[64];
    static uint8_t out[1 << 16];
    static struct raft r;
    static struct raft_entry ring[64];
    static uint8_t snap[256];
    struct raft_msg m;
    int rv = raft_decode(data, size, &m, ents, 64);
    if (rv < 0)
        return 0;
    if (rv != 0)
        abort();
    int n = raft_encode(&m, out, sizeof out);
    if (n < 0 || (size_t)n != size || memcmp(out, data, size) != 0)
        abort();
    struct raft_config cfg = {.id = m.to ? m.to : 1,
                              .election_ms = 100,
                              .heartbeat_ms = 20,
                              .seed = 1,
                              .ring = ring,
                              .ring_cap = 64,
                              .snap_buf = snap,
                              .snap_cap = sizeof snap};
    if (raft_init(&r, &cfg) == 0) {
        struct raft_conf c = {.n = 2, .m = {{cfg.id, RAFT_VOTER}, {cfg.id + 1, RAFT_VOTER}}};
        raft_bootstrap(&r, &c);
        raft_step(&r, &m);
        struct raft_ready rd;
        raft_ready(&r, &rd);
    }
    return 0;
}
