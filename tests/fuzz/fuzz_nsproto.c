/* tests/fuzz/fuzz_nsproto.c: libFuzzer target for the naming service's wire
 * codec (services/naming/nsproto.c). The input is tried as a request and as
 * a reply. Whatever decodes must encode back to exactly the input bytes and
 * decode again to the same fields; nothing may read outside the input (ASan)
 * or return an error other than -EBADMSG. */
#include <stdlib.h>
#include <string.h>

#include "lib/errno.h"
#include "services/naming/nsproto.h"

static struct ns_request req, req2;
static struct ns_reply rep, rep2;
static uint8_t again[NS_REPLY_MAX];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* a private copy, so a read past the end is a heap overflow ASan sees */
    uint8_t *buf = malloc(size ? size : 1);
    memcpy(buf, data, size);

    int rv = ns_request_decode(buf, size, &req);
    if (rv != 0 && rv != -EBADMSG)
        abort();
    if (rv == 0) {
        if (size > NS_REQUEST_MAX)
            abort(); /* every valid request fits a Raft entry */
        int n = ns_request_encode(&req, again, NS_REQUEST_MAX);
        if (n != (int)size || memcmp(again, buf, size) != 0)
            abort();
        if (ns_request_decode(again, (size_t)n, &req2) != 0 || memcmp(&req, &req2, sizeof req))
            abort();
        if (n > 0 && ns_request_encode(&req, again, (size_t)n - 1) != -EMSGSIZE)
            abort();
    }

    rv = ns_reply_decode(buf, size, &rep);
    if (rv != 0 && rv != -EBADMSG)
        abort();
    if (rv == 0) {
        if (size > NS_REPLY_MAX)
            abort();
        int n = ns_reply_encode(&rep, again, sizeof again);
        if (n != (int)size || memcmp(again, buf, size) != 0)
            abort();
        if (ns_reply_decode(again, (size_t)n, &rep2) != 0 || memcmp(&rep, &rep2, sizeof rep))
            abort();
    }
    free(buf);
    return 0;
}
