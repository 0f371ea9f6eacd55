/* tests/fuzz/fuzz_kreqwire.c: libFuzzer target for the unmarshalling of
 * kernel-to-kernel request bodies and registry requests (lib/kreqwire).
 * Input: byte 0 = argc (mod USER_ARGV_MAX + 2, so -1..USER_ARGV_MAX occur),
 * the rest the body. A body that parses must rebuild to the same bytes;
 * nothing may read outside the body (ASan). */
#include <stdlib.h>
#include <string.h>

#include "lib/errno.h"
#include "lib/kreqwire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int argc = data[0] % (USER_ARGV_MAX + 2) - 1;
    uint32_t len = (uint32_t)(size - 1);
    char *body = malloc(len ? len : 1);
    memcpy(body, data + 1, len);
    const char *path, *argv[USER_ARGV_MAX + 1];
    int rv = kreqwire_parse_spawn(body, len, argc, &path, argv);
    if (rv != 0 && rv != -EINVAL)
        abort();
    if (rv == 0) {
        char *again = malloc(len);
        int n = kreqwire_build_spawn(again, len, path, (char *const *)argv, argc);
        if (n != (int)len || memcmp(again, body, len) != 0 || argv[argc] != NULL)
            abort();
        free(again);
    }
    struct registry_req rq;
    memset(&rq, 0, sizeof rq);
    memcpy(&rq, data + 1, len < sizeof rq ? len : sizeof rq);
    rv = kreqwire_check_registry(&rq);
    if (rv != 0 && rv != -EINVAL)
        abort();
    free(body);
    return 0;
}
