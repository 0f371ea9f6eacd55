/* user/install.c: copy boot programs (the kernel's ramdisk) into the file
 * service, from where the shell runs them by path.
 *
 *   install NAME [PATH]   NAME's program into PATH (default /bin/NAME)
 *
 * Then `/bin/NAME args` on any node runs the copy in the file service (the
 * shell reads it and spawns it from memory: user/spawnfiles.c), while a
 * bare `NAME` still runs the boot program. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "user/ulib.h"

static char buf[65536];

int main(int argc, char **argv)
{
    if (argc != 2 && argc != 3) {
        fprintf(stderr, "usage: install NAME [PATH]\n");
        return 2;
    }
    char path[256];
    snprintf(path, sizeof path, "%s", argc == 3 ? argv[2] : "");
    if (argc == 2) {
        if (mkdir("/bin", 0755) && errno != EEXIST) {
            fprintf(stderr, "install: /bin: %s\n", strerror(errno));
            return 1;
        }
        snprintf(path, sizeof path, "/bin/%s", argv[1]);
    }
    long n = sys_ramdisk_read(argv[1], 0, buf, sizeof buf);
    if (n < 0) {
        fprintf(stderr, "install: %s: %s\n", argv[1], err_str(n));
        return 1;
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0755);
    if (fd < 0) {
        fprintf(stderr, "install: %s: %s\n", path, strerror(errno));
        return 1;
    }
    uint64_t off = 0;
    while (n > 0) {
        if (write(fd, buf, (size_t)n) != n) {
            fprintf(stderr, "install: %s: %s\n", path, strerror(errno));
            close(fd);
            return 1;
        }
        off += (uint64_t)n;
        n = sys_ramdisk_read(argv[1], off, buf, sizeof buf);
    }
    close(fd);
    if (n < 0) {
        fprintf(stderr, "install: %s: %s\n", argv[1], err_str(n));
        return 1;
    }
    printf("install: %s -> %s (%lu bytes)\n", argv[1], path, (unsigned long)off);
    return 0;
}
