/* tests/fuzz/fuzz_chunkproto.c: libFuzzer target for services/fs/chunkproto.c,
 * the chunk messages from the network. Input: one byte choosing request or
 * reply, then the message. Decoding must refuse with -EBADMSG or accept; an
 * accepted message must re-encode to exactly the same bytes, and its data
 * pointer must lie inside the input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/errno.h"
#include "services/fs/chunkproto.h"

static uint8_t out[CHUNK_MSG_MAX + 64];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const uint8_t *msg = data + 1;
    size_t len = size - 1;
    if (data[0] & 1) {
        struct chunk_rep r;
        int rv = chunk_rep_decode(msg, len, &r);
        if (rv != 0 && rv != -EBADMSG)
            abort();
        if (rv)
            return 0;
        if (r.data_len && (r.data < msg || r.data + r.data_len > msg + len))
            abort();
        long n = chunk_rep_encode(&r, out, sizeof out);
        if (n != (long)len || memcmp(out, msg, len))
            abort();
    } else {
        struct chunk_req q;
        int rv = chunk_req_decode(msg, len, &q);
        if (rv != 0 && rv != -EBADMSG)
            abort();
        if (rv)
            return 0;
        if (q.data_len && (q.data < msg || q.data + q.data_len > msg + len))
            abort();
        if (q.off + q.len > FS_CHUNK_SIZE || q.length > FS_CHUNK_SIZE)
            abort();
        long n = chunk_req_encode(&q, out, sizeof out);
        if (n != (long)len || memcmp(out, msg, len))
            abort();
    }
    return 0;
}
