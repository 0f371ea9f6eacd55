/* tests/fuzz/fuzz_fsproto.c: libFuzzer target for the file service's
 * metadata wire codec (services/fs/fsproto.c). The input is tried as a
 * request and as a reply. Whatever decodes must encode back to exactly the
 * input bytes and decode again to the same fields; a decoded request must
 * fit FS_REQUEST_MAX and a reply FS_REPLY_MAX; a buffer one byte short must
 * be -EMSGSIZE; nothing may read outside the input (ASan) or return an
 * error other than -EBADMSG. A decoded request's paths must pass
 * fs_path_check: the state machine relies on it. */
#include <stdlib.h>
#include <string.h>

#include "services/fs/fsproto.h"

static struct fs_request req, req2;
static struct fs_reply rep, rep2;
static uint8_t again[FS_REPLY_MAX];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* a private copy, so a read past the end is a heap overflow ASan sees */
    uint8_t *buf = malloc(size ? size : 1);
    memcpy(buf, data, size);

    int rv = fs_request_decode(buf, size, &req);
    if (rv != 0 && rv != -EBADMSG)
        abort();
    if (rv == 0) {
        if (size > FS_REQUEST_MAX)
            abort(); /* every valid request fits a Raft entry */
        if (req.path_len && fs_path_check(req.path, req.path_len) != 0)
            abort();
        if (req.path2_len && fs_path_check(req.path2, req.path2_len) != 0)
            abort();
        int n = fs_request_encode(&req, again, FS_REQUEST_MAX);
        if (n != (int)size || memcmp(again, buf, size) != 0)
            abort();
        if (fs_request_decode(again, (size_t)n, &req2) != 0 || memcmp(&req, &req2, sizeof req))
            abort();
        if (fs_request_encode(&req, again, (size_t)n - 1) != -EMSGSIZE)
            abort();
    }

    rv = fs_reply_decode(buf, size, &rep);
    if (rv != 0 && rv != -EBADMSG)
        abort();
    if (rv == 0) {
        if (size > FS_REPLY_MAX)
            abort();
        int n = fs_reply_encode(&rep, again, sizeof again);
        if (n != (int)size || memcmp(again, buf, size) != 0)
            abort();
        if (fs_reply_decode(again, (size_t)n, &rep2) != 0 || memcmp(&rep, &rep2, sizeof rep))
            abort();
        if (fs_reply_encode(&rep, again, (size_t)n - 1) != -EMSGSIZE)
            abort();
    }
    free(buf);
    return 0;
}
