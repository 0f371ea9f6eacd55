/* user/mem.c: prints the kernel's memory figures (SYS_MEMINFO), one per
 * line, in a form tests can parse: `free 12345 pages`. */
#include <stdio.h>

#include "user/ulib.h"

int main(void)
{
    struct mem_info mi;
    int rv = sys_meminfo(&mi);
    if (rv < 0) {
        fprintf(stderr, "mem: %s\n", err_str(rv));
        return 1;
    }
    printf("total %llu pages (%llu MiB)\n", (unsigned long long)mi.total_pages,
           (unsigned long long)(mi.total_pages * 4096 >> 20));
    printf("free %llu pages (%llu MiB)\n", (unsigned long long)mi.free_pages,
           (unsigned long long)(mi.free_pages * 4096 >> 20));
    printf("heap %llu bytes\n", (unsigned long long)mi.heap_bytes_used);
    printf("procs %llu\n", (unsigned long long)mi.nprocs);
    printf("failures %llu\n", (unsigned long long)mi.alloc_failures);
    return 0;
}
