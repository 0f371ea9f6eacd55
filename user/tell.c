/* user/tell.c: print a line on another node's console, found by name.
 *
 *   tell NODE TEXT...
 *
 * Looks up "console.NODE" in the naming service (each node's naming server
 * binds its console there) and calls that port with the text: the line
 * appears on node NODE's console, prefixed with where it came from. A
 * small demonstration that programs reach services by name, wherever they
 * run. Exit 0 once the line is printed; 1 if there is no such console. */
#include <stdio.h>
#include <string.h>

#include "user/ipc.h"
#include "user/nsclient.h"
#include "user/ulib.h"

int main(int argc, char **argv)
{
    long node;
    if (argc < 3 || parse_long(argv[1], &node) || node < 1) {
        printf("usage: tell NODE TEXT...\n");
        return 2;
    }
    char name[32];
    snprintf(name, sizeof name, "console.%ld", node);
    struct port_id console;
    ns_set_timeout(5 * IPC_SECOND);
    int rv = ns_lookup(name, &console);
    if (rv) {
        printf("tell: no %s: %s\n", name, err_str(rv));
        return 1;
    }
    char line[512];
    int n = snprintf(line, sizeof line, "[from node %d pid %d]", sys_nodeid(), sys_getpid());
    for (int i = 2; i < argc && n < (int)sizeof line - 2; i++)
        n += snprintf(line + n, sizeof line - (size_t)n, " %s", argv[i]);
    if (n > (int)sizeof line - 2)
        n = (int)sizeof line - 2;
    line[n++] = '\n';
    long got = ipc_call(&console, line, (size_t)n, 0, 0, 5 * IPC_SECOND);
    if (got < 0) {
        printf("tell: %s: %s\n", name, err_str(got));
        return 1;
    }
    return 0;
}
