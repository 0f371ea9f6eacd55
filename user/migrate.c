/* user/migrate.c: `migrate PID NODE` moves a process to another node
 * (kernel/migrate.h); it keeps its pid, and its output keeps coming to the
 * console it came to. Who may move what: a process its own children (this
 * command's caller is the shell: the shell's children, started with
 * `PROG &`), and a service any process of its node. Exits 1 on failure. */
#include <stdio.h>

#include "user/ulib.h"

int main(int argc, char **argv)
{
    long pid, node;
    if (argc != 3 || parse_long(argv[1], &pid) || parse_long(argv[2], &node) || pid < 0 ||
        node < 1) {
        fprintf(stderr, "usage: migrate PID NODE\n");
        return 2;
    }
    long rv = sys_migrate((int)pid, (int)node);
    if (rv) {
        fprintf(stderr, "migrate: %ld to node %ld: %s\n", pid, node, err_str(rv));
        return 1;
    }
    printf("migrate: %ld is on node %ld\n", pid, node);
    return 0;
}
