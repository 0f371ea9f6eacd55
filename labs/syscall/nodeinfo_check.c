/* labs/syscall/nodeinfo_check.c: the in-guest half of the system-call
 * lab's grader (labs/syscall/README.md). Built into the ramdisk only for
 * the grader (make LAB_PROGS=labs/syscall/nodeinfo_check.c), against the
 * tree's lib/syscall_abi.h: it needs SYS_NODEINFO and struct node_info
 * there. Prints `PASS name` or `FAIL name: why` per check. */
#include <stdio.h>
#include <string.h>

#include "user/ulib.h"

#define KERNEL_ADDR 0x80200000UL
#define UNMAPPED_ADDR 0x2000000000UL

static int failures;

static void result(const char *name, int ok, const char *why)
{
    if (ok) {
        printf("PASS %s\n", name);
    } else {
        printf("FAIL %s: %s\n", name, why);
        failures++;
    }
}

static long nodeinfo(uint64_t ptr) { return syscall1(SYS_NODEINFO, ptr); }

int main(void)
{
    char why[160];
    /* The figures, beside what the other system calls say. */
    struct mem_info mi;
    struct node_info ni;
    memset(&ni, 0xa5, sizeof ni);
    uint64_t t0 = sys_clock();
    long rv = sys_meminfo(&mi);
    long got = nodeinfo((uint64_t)&ni);
    uint64_t t1 = sys_clock();
    snprintf(why, sizeof why, "nodeinfo returned %ld", got);
    result("nodeinfo_returns_0", rv == 0 && got == 0, why);
    snprintf(why, sizeof why, "node %u, nodeid() %d; nodes %u, bootargs %ld", ni.node, sys_nodeid(),
             ni.nodes, (long)syscall0(SYS_NODES));
    result("nodeinfo_node_and_nodes",
           got == 0 && ni.node == (uint32_t)sys_nodeid() &&
               ni.nodes == (uint32_t)syscall0(SYS_NODES),
           why);
    snprintf(why, sizeof why, "uptime %llu ns, clock() %llu..%llu",
             (unsigned long long)ni.uptime_ns, (unsigned long long)t0, (unsigned long long)t1);
    result("nodeinfo_uptime", got == 0 && ni.uptime_ns >= t0 && ni.uptime_ns <= t1, why);
    snprintf(why, sizeof why, "%u processes, meminfo %llu", ni.nprocs,
             (unsigned long long)mi.nprocs);
    result("nodeinfo_processes", got == 0 && ni.nprocs == mi.nprocs, why);
    int64_t dfree = (int64_t)ni.free_pages - (int64_t)mi.free_pages;
    snprintf(why, sizeof why, "%llu of %llu pages free, meminfo %llu of %llu",
             (unsigned long long)ni.free_pages, (unsigned long long)ni.total_pages,
             (unsigned long long)mi.free_pages, (unsigned long long)mi.total_pages);
    result("nodeinfo_pages",
           got == 0 && ni.total_pages == mi.total_pages && dfree > -64 && dfree < 64, why);

    /* Bad pointers: an error, and the node goes on. */
    long brk = sys_sbrk(0);
    uint64_t end = ((uint64_t)brk + 4095) & ~4095UL;
    if (end == (uint64_t)brk)
        end += 4096;
    sys_sbrk((long)(end - (uint64_t)brk)); /* [.., end) mapped, end not */
    struct {
        const char *name;
        uint64_t ptr;
    } bad[] = {
        {"nodeinfo_null_pointer", 0},
        {"nodeinfo_kernel_pointer", KERNEL_ADDR},
        {"nodeinfo_unmapped_pointer", UNMAPPED_ADDR},
        {"nodeinfo_straddling_pointer", end - 8},
    };
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        long r = nodeinfo(bad[i].ptr);
        snprintf(why, sizeof why, "returned %ld, not -EFAULT (%d)", r, -EFAULT);
        result(bad[i].name, r == -EFAULT, why);
    }
    return failures ? 1 : 0;
}
