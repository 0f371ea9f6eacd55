/* lib/kreqwire.c: see lib/kreqwire.h. */
#include "lib/kreqwire.h"
#include "lib/errno.h"

static uint32_t length(const char *s)
{
    uint32_t n = 0;
    while (s[n])
        n++;
    return n;
}

int kreqwire_build_spawn(char *body, uint32_t cap, const char *path, char *const argv[], int argc)
{
    uint32_t used = 0;
    for (int i = -1; i < argc; i++) {
        const char *s = i < 0 ? path : argv[i];
        uint32_t n = length(s) + 1;
        if (n > cap - used)
            return -E2BIG;
        for (uint32_t k = 0; k < n; k++)
            body[used + k] = s[k];
        used += n;
    }
    return (int)used;
}

int kreqwire_parse_spawn(const char *body, uint32_t len, int argc, const char **path,
                         const char *argv[USER_ARGV_MAX + 1])
{
    if (argc < 0 || argc > USER_ARGV_MAX || len == 0)
        return -EINVAL;
    uint32_t at = 0;
    for (int i = -1; i < argc; i++) {
        uint32_t start = at;
        while (at < len && body[at])
            at++;
        if (at == len)
            return -EINVAL; /* not terminated inside the body */
        if (i < 0) {
            if (at == start)
                return -EINVAL; /* empty path */
            *path = body + start;
        } else {
            argv[i] = body + start;
        }
        at++;
    }
    if (at != len)
        return -EINVAL; /* bytes after the last argument */
    argv[argc] = 0;
    return 0;
}

int kreqwire_check_registry(const struct registry_req *rq)
{
    if (rq->op != REGISTRY_BIND && rq->op != REGISTRY_LOOKUP && rq->op != REGISTRY_UNBIND)
        return -EINVAL;
    if (rq->name[0] == 0)
        return -EINVAL;
    for (int i = 0; i < REGISTRY_NAME_MAX; i++)
        if (rq->name[i] == 0)
            return 0;
    return -EINVAL;
}
