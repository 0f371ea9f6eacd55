/* user/kill.c: `kill [-9|-15] PID...` sends SIG_KILL or SIG_TERM (the
 * default). Exits 1 if any pid could not be signalled. */
#include <stdio.h>
#include <string.h>

#include "user/ulib.h"

int main(int argc, char **argv)
{
    int sig = SIG_TERM, i = 1, status = 0;
    if (argc > 1 && argv[1][0] == '-') {
        if (strcmp(argv[1], "-9") == 0)
            sig = SIG_KILL;
        else if (strcmp(argv[1], "-15") == 0)
            sig = SIG_TERM;
        else {
            fprintf(stderr, "kill: bad signal %s (use -9 or -15)\n", argv[1]);
            return 2;
        }
        i++;
    }
    if (i >= argc) {
        fprintf(stderr, "usage: kill [-9|-15] PID...\n");
        return 2;
    }
    for (; i < argc; i++) {
        long pid;
        if (parse_long(argv[i], &pid) != 0) {
            fprintf(stderr, "kill: bad pid %s\n", argv[i]);
            status = 1;
            continue;
        }
        int rv = sys_kill((int)pid, sig);
        if (rv < 0) {
            fprintf(stderr, "kill: %ld: %s\n", pid, err_str(rv));
            status = 1;
        }
    }
    return status;
}
