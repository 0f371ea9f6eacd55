/* user/clockcheck.c: `clockcheck [N]`: checks that clock() read without a
 * trap (user/syscalls.c: the time CSR converted with SYS_CLOCK_INFO's
 * constants) and the SYS_CLOCK system call are one clock. In N rounds of
 * user, trap, user readings nothing goes backwards and each trap reading
 * lies between the user readings around it. Prints what one read of each
 * costs; the trap-free read must be the cheaper (it is what the kernel's
 * scounteren.TM grant is for). Exit 0 only if all of it holds. */
#include <stdio.h>

#include "user/ulib.h"

int main(int argc, char **argv)
{
    long n = 10000;
    if (argc > 2 || (argc == 2 && (parse_long(argv[1], &n) || n < 1 || n > 1000000))) {
        fprintf(stderr, "usage: clockcheck [N]\n");
        return 2;
    }
    struct clock_info ci;
    int rv = sys_clock_info(&ci);
    if (rv < 0 || ci.hz == 0) {
        printf("clockcheck: clock_info: %s\n", rv < 0 ? err_str(rv) : "hz 0");
        return 1;
    }
    printf("clockcheck: hz %lu, user_time %lu\n", (unsigned long)ci.hz,
           (unsigned long)ci.user_time);
    if (!ci.user_time) {
        printf("clockcheck: the kernel does not let user mode read the time CSR\n");
        return 1;
    }
    long bad = 0;
    uint64_t last = 0;
    for (long i = 0; i < n; i++) {
        uint64_t u1 = sys_clock(), t = sys_clock_trap(), u2 = sys_clock();
        if (u1 < last || t < u1 || u2 < t) {
            if (bad++ < 5)
                printf("clockcheck: round %ld out of order: %lu %lu %lu (last %lu)\n", i,
                       (unsigned long)u1, (unsigned long)t, (unsigned long)u2, (unsigned long)last);
        }
        last = u2;
    }
    uint64_t t0 = sys_clock();
    for (long i = 0; i < n; i++)
        sys_clock();
    uint64_t t1 = sys_clock();
    for (long i = 0; i < n; i++)
        sys_clock_trap();
    uint64_t t2 = sys_clock();
    uint64_t user_ns = (t1 - t0) / (uint64_t)n, trap_ns = (t2 - t1) / (uint64_t)n;
    printf("clockcheck: %ld rounds, %ld out of order; read %lu ns without a trap, %lu ns "
           "through SYS_CLOCK\n",
           n, bad, (unsigned long)user_ns, (unsigned long)trap_ns);
    if (user_ns >= trap_ns) {
        printf("clockcheck: the trap-free read is not cheaper\n");
        return 1;
    }
    return bad ? 1 : 0;
}
