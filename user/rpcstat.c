/* user/rpcstat.c: print the RPC transport's counters (SYS_RPCSTAT). */
#include <stdio.h>

#include "user/ulib.h"

int main(void)
{
    struct rpc_stats s;
    long rv = syscall1(SYS_RPCSTAT, &s);
    if (rv < 0) {
        fprintf(stderr, "rpcstat: %s\n", err_str(rv));
        return 1;
    }
#define SHOW(f) printf("%-14s %lu\n", #f, (unsigned long)s.f)
    SHOW(rx_frames);
    SHOW(tx_frames);
    SHOW(bad_mac);
    SHOW(replayed);
    SHOW(bad_frames);
    SHOW(misaddressed);
    SHOW(duplicates);
    SHOW(retransmits);
    SHOW(delivered);
    SHOW(no_buffers);
    SHOW(encode_errors);
    SHOW(datagrams);
    SHOW(stale_kernel);
    SHOW(local_fast);
    SHOW(redirects);
    SHOW(call_timeouts);
    return 0;
}
