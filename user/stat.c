/* user/stat.c: stat PATH...: what the file service keeps about each path:
 *
 *     file: /notes.txt
 *      ino: 12
 *     type: file
 *     size: 1234
 *     mode: 0644 (-rw-r--r--)
 *    nlink: 1
 *    mtime: 1733514420.123456789 (2024-12-06 19:47:00 UTC)
 *    ctime: ...
 *  version: 7
 *
 * The version (+1 on every change of the inode's metadata) is not in
 * POSIX's struct stat, so this asks the client library directly. */
#include <stdio.h>
#include <time.h>

#include "user/fsclient.h"
#include "user/posix_fs.h"
#include "user/ulib.h"

static void print_time(const char *label, uint64_t ns)
{
    unsigned long long s = ns / 1000000000ULL, frac = ns % 1000000000ULL;
    printf("%8s: %llu.%09llu", label, s, frac);
    /* Times from the service's wall clock (since 1970); a node without a
     * clock would give small numbers, which are shown as they are. */
    time_t t = (time_t)s;
    struct tm tm;
    if (s > 946684800ULL && gmtime_r(&t, &tm)) /* after 2000 */
        printf(" (%04d-%02d-%02d %02d:%02d:%02d UTC)", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
               tm.tm_hour, tm.tm_min, tm.tm_sec);
    printf("\n");
}

static int show(const char *path)
{
    char abs[FSC_PATH_MAX + 1];
    struct fsc_stat st;
    int rv = posix_fs_resolve(path, abs);
    if (rv >= 0)
        rv = fsc_stat(abs, &st);
    if (rv < 0) {
        fprintf(stderr, "stat: %s: %s\n", path, err_str(rv));
        return 1;
    }
    static const char rwx[] = "rwxrwxrwx";
    char mode[11];
    mode[0] = st.type == FSC_T_DIR ? 'd' : '-';
    for (int i = 0; i < 9; i++)
        mode[i + 1] = (st.mode & (0400 >> i)) ? rwx[i] : '-';
    mode[10] = 0;
    printf("%8s: %s\n", "file", abs);
    printf("%8s: %llu\n", "ino", (unsigned long long)st.ino);
    printf("%8s: %s\n", "type", st.type == FSC_T_DIR ? "directory" : "file");
    printf("%8s: %llu\n", "size", (unsigned long long)st.size);
    printf("%8s: %04o (%s)\n", "mode", (unsigned)st.mode & 07777, mode);
    printf("%8s: %lu\n", "nlink", (unsigned long)st.nlink);
    print_time("mtime", st.mtime_ns);
    print_time("ctime", st.ctime_ns);
    printf("%8s: %llu\n", "version", (unsigned long long)st.version);
    return 0;
}

int main(int argc, char **argv)
{
    int status = 0;
    if (argc < 2) {
        fprintf(stderr, "usage: stat PATH...\n");
        return 1;
    }
    for (int i = 1; i < argc; i++)
        status |= show(argv[i]);
    return status;
}
