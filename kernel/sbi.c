/* kernel/sbi.c: the Supervisor Binary Interface calls the kernel uses. */
#include "kernel/sbi.h"
#include "kernel/riscv.h"

#define SBI_EXT_BASE 0x10
#define SBI_EXT_TIME 0x54494D45
#define SBI_EXT_SRST 0x53525354

struct sbiret {
    long error;
    long value;
};

static struct sbiret sbi_call(uint64_t eid, uint64_t fid, uint64_t a0, uint64_t a1, uint64_t a2)
{
    register uint64_t r_a0 asm("a0") = a0;
    register uint64_t r_a1 asm("a1") = a1;
    register uint64_t r_a2 asm("a2") = a2;
    register uint64_t r_a6 asm("a6") = fid;
    register uint64_t r_a7 asm("a7") = eid;
    asm volatile("ecall" : "+r"(r_a0), "+r"(r_a1) : "r"(r_a2), "r"(r_a6), "r"(r_a7) : "memory");
    struct sbiret r = {(long)r_a0, (long)r_a1};
    return r;
}

void sbi_set_timer(uint64_t when) { sbi_call(SBI_EXT_TIME, 0, when, 0, 0); }

int sbi_probe_extension(uint64_t eid)
{
    struct sbiret r = sbi_call(SBI_EXT_BASE, 3, eid, 0, 0);
    return r.error == 0 && r.value != 0;
}

void sbi_shutdown(int reason_failure)
{
    /* SRST: type 0 = shutdown, reason 1 = system failure. */
    sbi_call(SBI_EXT_SRST, 0, 0, reason_failure ? 1 : 0, 0);
    for (;;)
        wfi();
}
