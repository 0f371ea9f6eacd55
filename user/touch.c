/* user/touch.c: touch FILE...: creates each FILE that does not exist
 * (empty, mode 0644). An existing file or directory is left as it is: the
 * file service has no call that sets a time, and POSIX none that reaches
 * it here (utimes is not provided). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    int status = 0;
    if (argc < 2) {
        fprintf(stderr, "usage: touch FILE...\n");
        return 1;
    }
    for (int i = 1; i < argc; i++) {
        int fd = open(argv[i], O_WRONLY | O_CREAT, 0644);
        if (fd >= 0) {
            close(fd);
        } else if (errno != EISDIR) {
            fprintf(stderr, "touch: %s: %s\n", argv[i], strerror(errno));
            status = 1;
        }
    }
    return status;
}
