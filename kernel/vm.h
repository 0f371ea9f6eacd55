/* kernel/vm.h: Sv39 page tables.
 *
 * Every address space shares the kernel's mappings of the first 64 GiB
 * (identity-mapped, supervisor-only: RAM, devices, kernel stacks), so a trap
 * or system call never switches page tables; user mappings live in
 * [USER_BASE, USER_TOP), above anything the kernel maps. */
#ifndef KERNEL_VM_H
#define KERNEL_VM_H

#include <stdint.h>
#include "lib/fdt.h"
#include "lib/syscall_abi.h"

typedef uint64_t pte_t;

#define PTE_V (1UL << 0)
#define PTE_R (1UL << 1)
#define PTE_W (1UL << 2)
#define PTE_X (1UL << 3)
#define PTE_U (1UL << 4)
#define PTE_G (1UL << 5)
#define PTE_A (1UL << 6)
#define PTE_D (1UL << 7)

#define PTE_SENT                                                                                   \
    (1UL << 8) /* RSW: pre-copy (kernel/migrate.c) sent this page and it has not
                               been written since (D clear) */

#define PTE_PA(pte) (((pte) >> 10) << 12)
/* Kernel stacks: one slot per process in a region of their own, each slot a
 * guard page (never mapped) under KSTACK_PAGES mapped pages. */
#define KSTACK_REGION 0xFC0000000ULL /* 63 GiB: the last root entry the kernel owns */
#define KSTACK_PAGES 4
#define KSTACK_SLOTS 256

/* Recent user-page translations (see user_pa in kernel/vm.c). */
#define VM_TCACHE 4

/* A process's user memory and its accounting. */
struct addrspace {
    pte_t *root;
    uint64_t pages;      /* user pages plus page-table pages held */
    uint64_t page_limit; /* LIMIT_PAGES */
    uint64_t heap_start; /* first byte sbrk manages */
    uint64_t brk;        /* current break */
    struct {
        uint64_t va; /* page address; 0 (never a user address): empty */
        pte_t pte;   /* its leaf PTE when cached (valid, user) */
    } tcache[VM_TCACHE];
};

/* Build the kernel page table from the device tree and turn paging on. */
void vm_init(const struct fdt_info *fi);
/* satp value for the kernel's own table (used when no process runs). */
uint64_t vm_kernel_satp(void);
/* satp for root tagged with asid (process slot + 1; the kernel's is 0). */
uint64_t vm_satp(const pte_t *root, uint32_t asid);
/* Make root the current address space. Inline: the IPC fastpath switches
 * on every call, and a return after the satp write costs it a jump-cache
 * lookup under QEMU (kernel/kernel.h). */
extern int vm_have_asids;
/* What satp holds (every write after boot goes through vm_switch or
 * vm_switch_kernel): a CSR read would end a translated block under QEMU. */
extern uint64_t vm_satp_now;
static inline __attribute__((always_inline)) void vm_switch(const pte_t *root, uint32_t asid)
{
    uint64_t want =
        (8UL << 60) | (vm_have_asids ? (uint64_t)asid << 44 : 0) | ((uint64_t)root >> 12);
    if (vm_satp_now == want)
        return;
    asm volatile("csrw satp, %0" ::"r"(want));
    vm_satp_now = want;
    /* With ASIDs, translations of other address spaces stay tagged apart, so
     * no fence is needed (vm_asid_recycle fences an ASID before reuse);
     * without them, everything cached belongs to the old table. */
    if (!vm_have_asids)
        asm volatile("sfence.vma zero, zero" ::: "memory");
}
/* Switch to the kernel's own table (fenced): before freeing the current
 * process's. */
void vm_switch_kernel(void);
/* Drop every cached translation of asid before a new process reuses it. */
void vm_asid_recycle(uint32_t asid);

/* New address space holding only the shared kernel mappings: 0 or -ENOMEM. */
int vm_create(struct addrspace *as, uint64_t page_limit);
/* Free every user page and page-table page, then the root. */
void vm_destroy(struct addrspace *as);
/* Free every user page and page table of as, keeping its root (and so the
 * kernel half): what a husk keeps (kernel/proc.h proc_moved_keeping_call). */
void vm_empty_user(struct addrspace *as);
/* Map fresh zeroed pages over [va, va+len) with PTE perms `perm` (U is
 * added). Counts against the limit: -ENOMEM when over it or out of memory;
 * on failure nothing stays mapped from this call. */
int vm_alloc_range(struct addrspace *as, uint64_t va, uint64_t len, uint64_t perm);
/* Unmap and free the pages of [va, va+len) (page-aligned). */
void vm_free_range(struct addrspace *as, uint64_t va, uint64_t len);

/* Checked copies between kernel memory and a user address space. Every page
 * of the user range must be mapped user-accessible with the needed
 * permission, and the range must not wrap or leave [USER_BASE, USER_TOP).
 * Return 0 or -EFAULT; nothing is partly written on -EFAULT from copyout
 * (the range is checked first). */
int vm_copyin(const struct addrspace *as, void *dst, uint64_t uva, uint64_t len);
int vm_copyout(const struct addrspace *as, uint64_t uva, const void *src, uint64_t len);
/* Copy a NUL-terminated string of at most max-1 bytes: length, -EFAULT, or
 * -ENAMETOOLONG. */
int vm_copyin_str(const struct addrspace *as, char *dst, uint64_t uva, uint64_t max);
/* Write into mapped user pages whatever their permissions (the ELF loader
 * filling text): 0 or -EFAULT if a page is not mapped. */
int vm_fill(struct addrspace *as, uint64_t uva, const void *src, uint64_t len);
/* Physical address behind a user address already checked with
 * vm_check_user (for device DMA). */
uint64_t vm_user_pa(const struct addrspace *as, uint64_t uva);
/* Check a user range without copying: 0 or -EFAULT. write != 0 needs W. */
int vm_check_user(const struct addrspace *as, uint64_t uva, uint64_t len, int write);

/* Whether user bytes [uva, uva+len) lie within one page whose translation
 * is in the cache with the needed permission (write != 0: W, else R): a
 * check without a call, for the IPC fastpath (each call and return costs
 * it a jump-cache lookup). 0 says only "not known": use vm_check_user. */
static inline int vm_user_range_cached(const struct addrspace *as, uint64_t uva, uint64_t len,
                                       int write)
{
    uint64_t off = uva & 4095, va = uva - off;
    if (len == 0)
        return 1;
    if (uva < USER_BASE || uva >= USER_TOP || len > 4096 - off)
        return 0;
    int i = (int)((va >> 12) % VM_TCACHE);
    uint64_t need = PTE_V | PTE_U | (write ? PTE_W : PTE_R);
    return as->tcache[i].va == va && (as->tcache[i].pte & need) == need;
}

/* The first mapped user page at or above `from` (its leaf PTE in *out),
 * or 0 if there is none: a walk over a process's memory, in address order
 * (kernel/migrate.c). User mappings are 4 KiB leaves only. */
uint64_t vm_next_user_page(const struct addrspace *as, uint64_t from, pte_t *out);

/* Pre-copy's dirty tracking (kernel/migrate.c): a page is to be sent if it
 * was never sent (PTE_SENT clear) or written since (PTE_D: the hart sets it
 * on a store once its cached translation is gone; the kernel's own writes
 * into user pages set it too, in user_pa). */
/* The first such page at or above `from`: marked sent (D cleared), its
 * leaf PTE in *out; 0 if none. Call vm_flush_user after a batch. */
uint64_t vm_next_unsent_page(struct addrspace *as, uint64_t from, pte_t *out);
/* Forget every sent mark (a move starts from scratch, or gave up). */
void vm_clear_sent(struct addrspace *as);
/* Mark every mapped page of [va, va + n pages) kept (SENT) and return how
 * many were mapped (the target of a move checks the source's list). */
uint64_t vm_keep_range(struct addrspace *as, uint64_t va, uint64_t n);
/* Unmap every page not marked kept, and clear the marks: the pages freed
 * at the source during pre-copy. Returns the pages left. */
uint64_t vm_drop_unkept(struct addrspace *as);
/* Forget cached translations of as (asid), so the next store to a page
 * whose D was cleared sets it again. */
void vm_flush_user(struct addrspace *as, uint32_t asid);

/* Map/unmap kernel stack slot `slot`; returns the stack top or 0. */
uint64_t vm_kstack_map(int slot);
void vm_kstack_unmap(int slot);

#endif
