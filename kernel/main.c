/* kernel/main.c: boot. OpenSBI enters _start (kernel/entry.S) in S-mode
 * with the hart id and the device tree; kmain brings the node up from what
 * the device tree says and starts the shell. */
#include "drivers/plic.h"
#include "drivers/rtc.h"
#include "drivers/uart.h"
#include "drivers/virtio_blk.h"
#include "kernel/console.h"
#include "drivers/virtio_net.h"
#include "kernel/kalloc.h"
#include "kernel/kernel.h"
#include "kernel/port.h"
#include "kernel/printk.h"
#include "kernel/proc.h"
#include "kernel/ramdisk.h"
#include "kernel/riscv.h"
#include "kernel/sbi.h"
#include "kernel/timer.h"
#include "kernel/trace.h"
#include "kernel/trap.h"
#include "lib/bootargs.h"
#include "lib/fdt.h"
#include "lib/rand.h"
#include "net/net.h"
#include "net/rpc.h"

uint64_t kernel_node_id HOT_DATA = 1;
uint64_t kernel_nodes = 1;
struct fdt_info boot_fdt;
struct rand kernel_rng HOT_DATA; /* kernel_random (kernel/kernel.h) */
static int shell_pid;

/* The wall clock, corrected by what the host says (drivers/rtc.h): it
 * launched this node at launched_ms, and the time CSR has counted since
 * this machine started, which was after that. So the time now is at least
 * their sum. Without it a node restarted within a second could take a
 * smaller boot epoch than its last boot's, and its peers would refuse every
 * frame it sends as a replay (net/rpc.c, docs/wire.md). */
static void wall_clock_init(void)
{
    uint64_t launched_ms;
    if (bootargs_get_u64(boot_fdt.bootargs, "launched_ms", &launched_ms) != 0)
        return;
    uint64_t t = rdtime();
    uint64_t since_start_ns =
        t / timer_hz * 1000000000ULL + t % timer_hz * 1000000000ULL / timer_hz;
    int64_t lag = rtc_not_before(launched_ms * 1000000ULL + since_start_ns);
    if (lag < 0)
        klog("wall clock: launched_ms= is a second or more ahead of the RTC; not used");
}

/* A signed decimal number of units (clock_offset=-2.5 in seconds: scale 10^9)
 * from bootargs: 0 and *out, -1 if absent, -2 if malformed. */
static int bootarg_decimal(const char *key, uint64_t scale, int64_t *out)
{
    char v[32];
    if (bootargs_get(boot_fdt.bootargs, key, v, sizeof v) != 0)
        return -1;
    const char *c = v;
    int neg = *c == '-';
    c += neg || *c == '+';
    uint64_t whole = 0, frac = 0, fscale = 1;
    int digits = 0;
    for (; *c >= '0' && *c <= '9'; c++, digits++)
        whole = whole * 10 + (uint64_t)(*c - '0');
    if (*c == '.')
        for (c++; *c >= '0' && *c <= '9'; c++, digits++)
            if (fscale < scale) {
                frac = frac * 10 + (uint64_t)(*c - '0');
                fscale *= 10;
            }
    if (*c || !digits || whole > 1000000000ULL)
        return -2;
    int64_t x = (int64_t)(whole * scale + frac * (scale / fscale));
    *out = neg ? -x : x;
    return 0;
}

/* Skewed clocks for experiments (docs/trace.md, "Clocks"): clock_drift_ppm=P
 * makes this node's clock run P parts per million fast (negative: slow),
 * clock_offset=S sets its wall clock S seconds ahead (negative: behind). */
static void clock_skew_init(void)
{
    int64_t ppm = 0, offset = 0;
    int d = bootarg_decimal("clock_drift_ppm", 1, &ppm);
    int o = bootarg_decimal("clock_offset", 1000000000ULL, &offset);
    if (d == -2 || (d == 0 && timer_set_drift_ppm(ppm) != 0)) {
        klog("clock: clock_drift_ppm= is not a whole number within +-100000; ignored");
        d = -1;
    }
    if (o == -2) {
        klog("clock: clock_offset= is not a number of seconds; ignored");
        o = -1;
    }
    /* From here on the wall clock is the RTC's reading now plus the kernel
     * clock's progress: the same time (both follow the host), without a
     * device read each time (an MMIO exit to QEMU: a trace event stamps the
     * wall clock, and reading the RTC for each made a remote call 40%
     * slower with tracing on). */
    rtc_follow_kernel_clock(o == 0 ? offset : 0);
    if (d == 0 || o == 0) {
        klog("clock: %ld ppm fast, wall clock %ld ms ahead", (long)(d == 0 ? ppm : 0),
             (long)((o == 0 ? offset : 0) / 1000000));
    }
}

void trap_set_uart_irq(uint32_t irq);
void disk_port_start(void); /* kernel/disk_port.c */

/* Start (or restart) the console shell, which has no parent. */
static void start_shell(void)
{
    char *argv[] = {"sh", 0};
    shell_pid = proc_spawn(0, "sh", argv, 1);
    if (shell_pid < 0)
        klog("cannot start the shell: error %d", -shell_pid);
    else
        proc_find(shell_pid)->pinned = 1; /* the console's: the scheduler leaves it here */
}

/* Start the system services named in bootargs: services=prog[:arg...][,prog...].
 * They may use the disk; a service that cannot start is reported, and the
 * node carries on without it. */
static void start_services(void)
{
    char list[FDT_BOOTARGS_MAX];
    if (bootargs_get(boot_fdt.bootargs, "services", list, sizeof list) != 0 || !list[0])
        return;
    for (char *entry = list; entry && *entry;) {
        char *comma = entry;
        while (*comma && *comma != ',')
            comma++;
        char *next = *comma ? comma + 1 : 0;
        *comma = 0;
        char *argv[USER_ARGV_MAX + 1];
        int argc = 0;
        for (char *a = entry; a && argc < USER_ARGV_MAX;) {
            char *colon = a;
            while (*colon && *colon != ':')
                colon++;
            char *more = *colon ? colon + 1 : 0;
            *colon = 0;
            argv[argc++] = a;
            a = more;
        }
        argv[argc] = 0;
        int pid = proc_spawn(0, argv[0], argv, argc);
        if (pid < 0) {
            klog("service %s: cannot start: error %d", argv[0], -pid);
        } else {
            proc_find(pid)->service = 1;
            proc_find(pid)->pinned = 1;
            klog("service %s started as pid %d", argv[0], pid);
        }
        entry = next;
    }
}

/* Called when an orphan exits: the shell comes back if it was the shell. */
void kernel_orphan_exited(int pid)
{
    if (pid == shell_pid) {
        klog("shell exited; starting a new one");
        start_shell();
    }
}

void kmain(uint64_t hartid, const void *dtb)
{
    if (fdt_parse(dtb, 1 << 20, &boot_fdt) != 0)
        sbi_shutdown(1); /* no console address: nothing else can be done */
    uart_init(boot_fdt.uart.base);
    trap_init();

    uint64_t v;
    if (bootargs_get_u64(boot_fdt.bootargs, "node", &v) == 0 && v > 0 && v < 20000)
        kernel_node_id = v;
    if (bootargs_get_u64(boot_fdt.bootargs, "nodes", &v) == 0 && v > 0 && v < 20000)
        kernel_nodes = v;
    rand_seed(&kernel_rng, boot_fdt.rng_seed, boot_fdt.rng_seed_len);

    /* Free RAM: from the end of the kernel image to the device tree (which
     * QEMU places near the top of RAM) or the end of RAM. */
    uint64_t free_lo = PAGE_ROUND_UP((uint64_t)kernel_end);
    uint64_t free_hi = boot_fdt.mem_base + boot_fdt.mem_size;
    uint64_t dtb_at = (uint64_t)dtb;
    if (dtb_at > free_lo && dtb_at < free_hi)
        free_hi = PAGE_ROUND_DOWN(dtb_at);
    kalloc_init(free_lo, free_hi);
    vm_init(&boot_fdt);

    rtc_init(boot_fdt.rtc.base);
    plic_init(boot_fdt.plic.base, hartid);
    plic_enable(boot_fdt.uart.irq);
    trap_set_uart_irq(boot_fdt.uart.irq);
    csr_set(sie, SIE_SEIE);
    timer_init(boot_fdt.timebase_freq, boot_fdt.has_sstc);
    wall_clock_init();
    clock_skew_init();

    klog("node %lu of %lu booting: hart %lu, %lu MiB RAM, %lu pages free, timer %s, %d virtio "
         "slots, %d programs",
         (unsigned long)kernel_node_id, (unsigned long)kernel_nodes, (unsigned long)hartid,
         (unsigned long)(boot_fdt.mem_size >> 20), (unsigned long)kalloc_free_pages(), timer_mode(),
         boot_fdt.nvirtio, ramdisk_count());
    if (boot_fdt.nharts > 1)
        klog("%u harts present; this kernel uses hart %lu only", boot_fdt.nharts,
             (unsigned long)hartid);
    if (virtio_net_init(&boot_fdt) == 0) {
        net_init((uint32_t)kernel_node_id);
        udp_echo_start();
        rpc_init();
    } else {
        klog("no network device: running without networking");
    }
    trace_init(); /* the boot event: after the RPC epoch, which names this boot */
    if (virtio_blk_init(&boot_fdt) != 0)
        klog("no disk");
    /* bootargs panic_test=1 takes a kernel fault on purpose, so the panic
     * report (cause, registers, clean stop) is tested like everything else. */
    if (bootargs_get_u64(boot_fdt.bootargs, "panic_test", &v) == 0 && v == 1)
        asm volatile("sd zero, 8(zero)"); /* address 8 is unmapped: a store page fault */
    registry_init();
    console_service_start();
    disk_port_start();
    start_services();
    start_shell();
    scheduler();
}
