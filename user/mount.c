/* user/mount.c: the mount mode of the file service's client (as NFS's:
 * user/fsclient.h).
 *
 *   mount                    prints this process's mode: `hard` or
 *                            `soft,timeo=MS,retrans=N` (what it inherited)
 *   mount MODE CMD [ARGS]    runs CMD with that mode, e.g.
 *                            mount soft,timeo=500,retrans=2 cat /f
 *
 * MODE is a comma-separated list of hard, soft, timeo=MS and retrans=N;
 * what it leaves out stays as it was. The mode is per process and reaches
 * CMD (and whatever CMD starts) through spawn_with_files: a child cannot
 * change its parent's, so there is no form that changes the shell's. The
 * status is CMD's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "user/fsclient.h"
#include "user/spawnfiles.h"
#include "user/ulib.h"

static int usage(void)
{
    fprintf(stderr, "usage: mount [hard|soft[,timeo=MS][,retrans=N] CMD [ARGS...]]\n");
    return 1;
}

/* Parses a positive decimal number; 0 if it is not one. */
static uint32_t number(const char *s)
{
    char *end;
    unsigned long v = strtoul(s, &end, 10);
    return (*s && !*end && v > 0 && v <= 0xffffffffUL) ? (uint32_t)v : 0;
}

/* Applies MODE to *m; 0, or -1 with a message. */
static int parse_mode(char *mode, struct fsc_mount *m)
{
    for (char *opt = strtok(mode, ","); opt; opt = strtok(NULL, ",")) {
        if (strcmp(opt, "hard") == 0) {
            m->soft = 0;
        } else if (strcmp(opt, "soft") == 0) {
            m->soft = 1;
        } else if (strncmp(opt, "timeo=", 6) == 0 && number(opt + 6)) {
            m->timeo_ms = number(opt + 6);
        } else if (strncmp(opt, "retrans=", 8) == 0 && number(opt + 8)) {
            m->retrans = number(opt + 8);
        } else {
            fprintf(stderr, "mount: bad option '%s'\n", opt);
            return -1;
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct fsc_mount m;
    fsc_get_mount(&m);
    if (argc == 1) {
        if (m.soft)
            printf("soft,timeo=%u,retrans=%u\n", (unsigned)m.timeo_ms, (unsigned)m.retrans);
        else
            printf("hard\n");
        return 0;
    }
    if (argc < 3)
        return usage();
    if (parse_mode(argv[1], &m) < 0)
        return usage();
    fsc_set_mount(&m);
    fflush(stdout);
    int pid = spawn_with_files(argv[2], argv + 2, NULL);
    if (pid < 0) {
        fprintf(stderr, "mount: %s: %s\n", argv[2], pid == -ENOENT ? "not found" : err_str(pid));
        return pid == -ENOENT ? 127 : 126;
    }
    int st = 0, rv;
    while ((rv = sys_wait(pid, &st, 0)) == -EINTR)
        ;
    if (rv < 0) {
        fprintf(stderr, "mount: wait: %s\n", err_str(rv));
        return 126;
    }
    return st;
}
