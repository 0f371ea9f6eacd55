/* kernel/vm.c: Sv39 page tables, the kernel map, user mappings and checked
 * user copies. See kernel/vm.h for the address-space layout. */
#include "kernel/vm.h"
#include "kernel/kalloc.h"
#include "kernel/kernel.h"
#include "kernel/printk.h"
#include "kernel/riscv.h"
#include "lib/syscall_abi.h"

#define LEVELS 3
#define VPN(va, level) (((va) >> (12 + 9 * (level))) & 0x1ff)
#define PA_PTE(pa) (((uint64_t)(pa) >> 12) << 10)
#define MEGA (2UL << 20)
#define KERNEL_ROOT_ENTRIES 64 /* root entries [0, 64) = the first 64 GiB */

static pte_t *kernel_root;
int vm_have_asids HOT_DATA; /* the hart implements enough ASID bits for one per slot */
#define have_asids vm_have_asids

/* The PTE for `va` at level 0, creating tables on the way when `as` is given
 * (their pages are counted against it) or `alloc_kernel` is set. */
uint64_t vm_satp_now HOT_DATA; /* vm_switch (kernel/vm.h) */
#define satp_now vm_satp_now

FAST_PATH static pte_t *walk(pte_t *root, uint64_t va, struct addrspace *as, int alloc_kernel)
{
    pte_t *table = root;
    for (int level = LEVELS - 1; level > 0; level--) {
        pte_t *pte = &table[VPN(va, level)];
        if (*pte & PTE_V) {
            if (*pte & (PTE_R | PTE_W | PTE_X))
                return 0; /* a superpage: no level-0 entry to give */
            table = (pte_t *)PTE_PA(*pte);
            continue;
        }
        if (!as && !alloc_kernel)
            return 0;
        if (as && as->pages >= as->page_limit)
            return 0;
        pte_t *next = page_alloc();
        if (!next)
            return 0;
        if (as)
            as->pages++;
        *pte = PA_PTE(next) | PTE_V;
        table = next;
    }
    return &table[VPN(va, 0)];
}

/* Kernel mapping of [va, va+len) to pa with 2 MiB pages where alignment
 * allows. Boot-time only: running out of memory here is fatal. */
static void kmap(uint64_t va, uint64_t pa, uint64_t len, uint64_t perm)
{
    uint64_t end = va + len;
    perm |= PTE_V | PTE_A | PTE_D | PTE_G;
    while (va < end) {
        if ((va % MEGA) == 0 && (pa % MEGA) == 0 && end - va >= MEGA) {
            pte_t *l1 = kernel_root;
            pte_t *e = &l1[VPN(va, 2)];
            if (!(*e & PTE_V)) {
                pte_t *t = page_alloc();
                if (!t)
                    panic("vm: out of memory building the kernel map");
                *e = PA_PTE(t) | PTE_V;
            }
            pte_t *mid = (pte_t *)PTE_PA(*e);
            mid[VPN(va, 1)] = PA_PTE(pa) | perm;
            va += MEGA;
            pa += MEGA;
            continue;
        }
        pte_t *pte = walk(kernel_root, va, 0, 1);
        if (!pte)
            panic("vm: cannot map kernel address %lx", (unsigned long)va);
        *pte = PA_PTE(pa) | perm;
        va += PAGE_SIZE;
        pa += PAGE_SIZE;
    }
}

void vm_init(const struct fdt_info *fi)
{
    kernel_root = page_alloc();
    if (!kernel_root)
        panic("vm: no memory for the kernel page table");
    uint64_t ram_end = fi->mem_base + fi->mem_size;
    if (ram_end > KSTACK_REGION)
        panic("vm: RAM above %lx is not supported", (unsigned long)KSTACK_REGION);

    /* Devices. */
    kmap(PAGE_ROUND_DOWN(fi->uart.base), PAGE_ROUND_DOWN(fi->uart.base), PAGE_SIZE, PTE_R | PTE_W);
    kmap(fi->plic.base, fi->plic.base, PAGE_ROUND_UP(fi->plic.size), PTE_R | PTE_W);
    if (fi->rtc.base)
        kmap(PAGE_ROUND_DOWN(fi->rtc.base), PAGE_ROUND_DOWN(fi->rtc.base), PAGE_SIZE,
             PTE_R | PTE_W);
    for (int i = 0; i < fi->nvirtio; i++)
        kmap(PAGE_ROUND_DOWN(fi->virtio[i].base), PAGE_ROUND_DOWN(fi->virtio[i].base),
             PAGE_ROUND_UP(fi->virtio[i].size), PTE_R | PTE_W);

    /* The kernel image, W^X, then the rest of RAM read-write, never
     * executable. OpenSBI's memory below the kernel is not mapped. */
    uint64_t ks = (uint64_t)kernel_start, te = (uint64_t)text_end, re = (uint64_t)rodata_end;
    kmap(ks, ks, te - ks, PTE_R | PTE_X);
    kmap(te, te, re - te, PTE_R);
    kmap(re, re, ram_end - re, PTE_R | PTE_W);

    /* The kernel-stack region's level-1 table exists from boot, so every
     * process root (a copy of the kernel root entries) sees every stack. */
    pte_t *e = &kernel_root[VPN(KSTACK_REGION, 2)];
    pte_t *t = page_alloc();
    if (!t)
        panic("vm: no memory for the stack table");
    *e = PA_PTE(t) | PTE_V;

    csr_write(satp, vm_kernel_satp());
    sfence_vma_all();
    /* ASIDs: write all ones to the field and see which bits stick. */
    csr_write(satp, vm_kernel_satp() | (0xffffUL << 44));
    have_asids = ((csr_read(satp) >> 44) & 0xffff) >= KSTACK_SLOTS;
    csr_write(satp, vm_kernel_satp());
    sfence_vma_all();
    satp_now = vm_kernel_satp();
}

HOT_PATH uint64_t vm_satp(const pte_t *root, uint32_t asid)
{
    return (8UL << 60) | (have_asids ? (uint64_t)asid << 44 : 0) | ((uint64_t)root >> 12);
}
uint64_t vm_kernel_satp(void) { return vm_satp(kernel_root, 0); }

void vm_switch_kernel(void)
{
    csr_write(satp, vm_kernel_satp());
    sfence_vma_all();
    satp_now = vm_kernel_satp();
}

void vm_asid_recycle(uint32_t asid)
{
    if (have_asids)
        asm volatile("sfence.vma zero, %0" ::"r"((uint64_t)asid) : "memory");
}

/* The translation cache. System calls touch the same few user pages again
 * and again (the argument block on the stack, a message buffer), and each
 * software walk of the user page table reads three table pages: under QEMU
 * every distinct page the kernel touches after an address-space switch
 * costs a TLB refill, so walking the tables on every copy is what makes a
 * call slow, not the copy. The cache holds leaf PTEs exactly as in the
 * table; only vm_free_range and vm_destroy ever change or drop a valid user
 * PTE (vm_alloc_range only fills empty ones), and both flush it. */
static void tcache_flush(struct addrspace *as)
{
    for (int i = 0; i < VM_TCACHE; i++)
        as->tcache[i].va = 0;
}

/* The leaf PTE of user page va (page-aligned), or 0 if unmapped. */
FAST_PATH static pte_t user_pte(const struct addrspace *as, uint64_t va)
{
    /* The cache is a memo of the table, not part of the address space's
     * meaning: filling it through a const pointer changes nothing visible. */
    struct addrspace *memo = (struct addrspace *)as;
    int i = (int)((va >> 12) % VM_TCACHE);
    if (memo->tcache[i].va == va)
        return memo->tcache[i].pte;
    pte_t *pte = walk(as->root, va, 0, 0);
    if (!pte)
        return 0;
    if ((*pte & (PTE_V | PTE_U)) == (PTE_V | PTE_U)) {
        memo->tcache[i].va = va;
        memo->tcache[i].pte = *pte;
    }
    return *pte;
}

int vm_create(struct addrspace *as, uint64_t page_limit)
{
    memset(as, 0, sizeof *as);
    as->root = page_alloc();
    if (!as->root)
        return -ENOMEM;
    as->pages = 1;
    as->page_limit = page_limit;
    for (int i = 0; i < KERNEL_ROOT_ENTRIES; i++)
        as->root[i] = kernel_root[i];
    return 0;
}

static void free_table(pte_t *table, int level)
{
    for (int i = 0; i < 512; i++) {
        pte_t pte = table[i];
        if (!(pte & PTE_V))
            continue;
        if (level > 0 && !(pte & (PTE_R | PTE_W | PTE_X)))
            free_table((pte_t *)PTE_PA(pte), level - 1);
        else
            page_free((void *)PTE_PA(pte));
    }
    page_free(table);
}

void vm_destroy(struct addrspace *as)
{
    if (!as->root)
        return;
    tcache_flush(as);
    for (int i = KERNEL_ROOT_ENTRIES; i < 512; i++) {
        pte_t pte = as->root[i];
        if (pte & PTE_V)
            free_table((pte_t *)PTE_PA(pte), LEVELS - 2);
    }
    page_free(as->root);
    as->root = 0;
    as->pages = 0;
}

void vm_empty_user(struct addrspace *as)
{
    if (!as->root)
        return;
    tcache_flush(as);
    for (int i = KERNEL_ROOT_ENTRIES; i < 512; i++) {
        pte_t pte = as->root[i];
        if (pte & PTE_V)
            free_table((pte_t *)PTE_PA(pte), LEVELS - 2);
        as->root[i] = 0;
    }
    as->pages = 0;
    sfence_vma_all();
}

FAST_PATH static int user_range_ok(uint64_t va, uint64_t len)
{
    return va >= USER_BASE && len <= USER_TOP - va && va < USER_TOP;
}

int vm_alloc_range(struct addrspace *as, uint64_t va, uint64_t len, uint64_t perm)
{
    uint64_t start = PAGE_ROUND_DOWN(va), end = PAGE_ROUND_UP(va + len);
    if (!user_range_ok(start, end - start))
        return -EINVAL;
    for (uint64_t a = start; a < end; a += PAGE_SIZE) {
        pte_t *pte = walk(as->root, a, as, 0);
        if (!pte || as->pages >= as->page_limit) {
            vm_free_range(as, start, a - start);
            return -ENOMEM;
        }
        if (*pte & PTE_V)
            panic("vm_alloc_range: %lx already mapped", (unsigned long)a);
        void *page = page_alloc();
        if (!page) {
            vm_free_range(as, start, a - start);
            return -ENOMEM;
        }
        as->pages++;
        *pte = PA_PTE(page) | perm | PTE_U | PTE_V | PTE_A | PTE_D;
    }
    return 0;
}

void vm_free_range(struct addrspace *as, uint64_t va, uint64_t len)
{
    for (uint64_t a = va; a < va + len; a += PAGE_SIZE) {
        pte_t *pte = walk(as->root, a, 0, 0);
        if (!pte || !(*pte & PTE_V))
            continue;
        page_free((void *)PTE_PA(*pte));
        *pte = 0;
        as->pages--;
        sfence_vma_addr(a);
    }
    tcache_flush(as);
}

/* The kernel is about to write into user page va: mark it dirty, as the
 * hart does for the process's own stores (pre-copy resends it). Only after
 * a move cleared D: every page is mapped dirty (vm_alloc_range). */
static void mark_dirty(const struct addrspace *as, uint64_t va)
{
    pte_t *pte = walk(as->root, va, 0, 0);
    if (pte)
        *pte |= PTE_D;
    tcache_flush((struct addrspace *)as); /* the memo held the clean copy */
}

/* Physical address behind user address `uva` if mapped with `need` perms. */
FAST_PATH static uint64_t user_pa(const struct addrspace *as, uint64_t uva, uint64_t need)
{
    pte_t pte = user_pte(as, PAGE_ROUND_DOWN(uva));
    if ((pte & (PTE_V | PTE_U | need)) != (PTE_V | PTE_U | need))
        return 0;
    if (__builtin_expect((need & PTE_W) && !(pte & PTE_D), 0))
        mark_dirty(as, PAGE_ROUND_DOWN(uva));
    return PTE_PA(pte) | (uva & (PAGE_SIZE - 1));
}

uint64_t vm_user_pa(const struct addrspace *as, uint64_t uva) { return user_pa(as, uva, 0); }

FAST_PATH int vm_check_user(const struct addrspace *as, uint64_t uva, uint64_t len, int write)
{
    if (len == 0)
        return 0;
    if (!user_range_ok(uva, len))
        return -EFAULT;
    uint64_t need = write ? PTE_W : PTE_R;
    for (uint64_t a = PAGE_ROUND_DOWN(uva); a < uva + len; a += PAGE_SIZE)
        if (!user_pa(as, a, need))
            return -EFAULT;
    return 0;
}

FAST_PATH int vm_copyin(const struct addrspace *as, void *dst, uint64_t uva, uint64_t len)
{
    if (vm_check_user(as, uva, len, 0))
        return -EFAULT;
    char *d = dst;
    while (len > 0) {
        uint64_t n = PAGE_SIZE - (uva & (PAGE_SIZE - 1));
        if (n > len)
            n = len;
        memcpy(d, (void *)user_pa(as, uva, PTE_R), n);
        d += n, uva += n, len -= n;
    }
    return 0;
}

FAST_PATH int vm_copyout(const struct addrspace *as, uint64_t uva, const void *src, uint64_t len)
{
    if (vm_check_user(as, uva, len, 1))
        return -EFAULT;
    const char *s = src;
    while (len > 0) {
        uint64_t n = PAGE_SIZE - (uva & (PAGE_SIZE - 1));
        if (n > len)
            n = len;
        memcpy((void *)user_pa(as, uva, PTE_W), s, n);
        s += n, uva += n, len -= n;
    }
    return 0;
}

int vm_fill(struct addrspace *as, uint64_t uva, const void *src, uint64_t len)
{
    if (!user_range_ok(uva, len))
        return -EFAULT;
    const char *s = src;
    while (len > 0) {
        uint64_t n = PAGE_SIZE - (uva & (PAGE_SIZE - 1));
        if (n > len)
            n = len;
        uint64_t pa = user_pa(as, uva, 0);
        if (!pa)
            return -EFAULT;
        memcpy((void *)pa, s, n);
        s += n, uva += n, len -= n;
    }
    return 0;
}

int vm_copyin_str(const struct addrspace *as, char *dst, uint64_t uva, uint64_t max)
{
    for (uint64_t i = 0; i < max; i++) {
        if (!user_range_ok(uva + i, 1) || uva + i < uva)
            return -EFAULT;
        uint64_t pa = user_pa(as, uva + i, PTE_R);
        if (!pa)
            return -EFAULT;
        dst[i] = *(char *)pa;
        if (dst[i] == 0)
            return (int)i;
    }
    return -ENAMETOOLONG;
}

uint64_t vm_kstack_map(int slot)
{
    uint64_t base = KSTACK_REGION + (uint64_t)slot * (KSTACK_PAGES + 1) * PAGE_SIZE;
    uint64_t lo = base + PAGE_SIZE; /* base itself is the guard page */
    for (int i = 0; i < KSTACK_PAGES; i++) {
        void *page = page_alloc();
        pte_t *pte = page ? walk(kernel_root, lo + i * PAGE_SIZE, 0, 1) : 0;
        if (!pte) {
            if (page)
                page_free(page);
            vm_kstack_unmap(slot);
            return 0;
        }
        *pte = PA_PTE(page) | PTE_V | PTE_R | PTE_W | PTE_A | PTE_D | PTE_G;
    }
    return lo + KSTACK_PAGES * PAGE_SIZE;
}

void vm_kstack_unmap(int slot)
{
    uint64_t lo = KSTACK_REGION + ((uint64_t)slot * (KSTACK_PAGES + 1) + 1) * PAGE_SIZE;
    for (int i = 0; i < KSTACK_PAGES; i++) {
        pte_t *pte = walk(kernel_root, lo + i * PAGE_SIZE, 0, 0);
        if (pte && (*pte & PTE_V)) {
            page_free((void *)PTE_PA(*pte));
            *pte = 0;
            sfence_vma_addr(lo + i * PAGE_SIZE);
        }
    }
}

uint64_t vm_next_user_page(const struct addrspace *as, uint64_t from, pte_t *out)
{
    uint64_t va = PAGE_ROUND_UP(from < USER_BASE ? USER_BASE : from);
    while (va < USER_TOP) {
        pte_t top = as->root[(va >> 30) & 511];
        if (!(top & PTE_V)) {
            va = (va | ((1ULL << 30) - 1)) + 1; /* nothing in this GiB */
            continue;
        }
        pte_t mid = ((pte_t *)PTE_PA(top))[(va >> 21) & 511];
        if (!(mid & PTE_V)) {
            va = (va | ((1ULL << 21) - 1)) + 1; /* nothing in these 2 MiB */
            continue;
        }
        pte_t leaf = ((pte_t *)PTE_PA(mid))[(va >> 12) & 511];
        if ((leaf & (PTE_V | PTE_U)) == (PTE_V | PTE_U)) {
            *out = leaf;
            return va;
        }
        va += PAGE_SIZE;
    }
    return 0;
}

/* The leaf PTE of the next mapped user page at or above va (its address
 * in *at), or NULL: the walk vm_next_user_page does, giving the entry. */
static pte_t *next_leaf(const struct addrspace *as, uint64_t va, uint64_t *at)
{
    va = PAGE_ROUND_UP(va < USER_BASE ? USER_BASE : va);
    while (va < USER_TOP) {
        pte_t top = as->root[(va >> 30) & 511];
        if (!(top & PTE_V)) {
            va = (va | ((1ULL << 30) - 1)) + 1;
            continue;
        }
        pte_t mid = ((pte_t *)PTE_PA(top))[(va >> 21) & 511];
        if (!(mid & PTE_V)) {
            va = (va | ((1ULL << 21) - 1)) + 1;
            continue;
        }
        pte_t *leaf = &((pte_t *)PTE_PA(mid))[(va >> 12) & 511];
        if ((*leaf & (PTE_V | PTE_U)) == (PTE_V | PTE_U)) {
            *at = va;
            return leaf;
        }
        va += PAGE_SIZE;
    }
    return 0;
}

uint64_t vm_next_unsent_page(struct addrspace *as, uint64_t from, pte_t *out)
{
    uint64_t va = from;
    pte_t *leaf;
    while ((leaf = next_leaf(as, va, &va)) != 0) {
        if (!(*leaf & PTE_SENT) || (*leaf & PTE_D)) {
            *leaf = (*leaf | PTE_SENT) & ~PTE_D;
            *out = *leaf;
            return va;
        }
        va += PAGE_SIZE;
    }
    return 0;
}

void vm_clear_sent(struct addrspace *as)
{
    uint64_t va = USER_BASE;
    pte_t *leaf;
    while ((leaf = next_leaf(as, va, &va)) != 0) {
        *leaf = (*leaf & ~PTE_SENT) | PTE_D;
        va += PAGE_SIZE;
    }
    tcache_flush(as);
}

uint64_t vm_keep_range(struct addrspace *as, uint64_t va, uint64_t n)
{
    uint64_t kept = 0;
    for (uint64_t i = 0; i < n; i++) {
        pte_t *pte = walk(as->root, va + i * PAGE_SIZE, 0, 0);
        if (pte && (*pte & (PTE_V | PTE_U)) == (PTE_V | PTE_U)) {
            *pte |= PTE_SENT;
            kept++;
        }
    }
    return kept;
}

uint64_t vm_drop_unkept(struct addrspace *as)
{
    uint64_t va = USER_BASE, left = 0;
    pte_t *leaf;
    while ((leaf = next_leaf(as, va, &va)) != 0) {
        if (*leaf & PTE_SENT) {
            *leaf &= ~PTE_SENT;
            left++;
        } else {
            page_free((void *)PTE_PA(*leaf));
            *leaf = 0;
            as->pages--;
        }
        va += PAGE_SIZE;
    }
    tcache_flush(as);
    return left;
}

void vm_flush_user(struct addrspace *as, uint32_t asid)
{
    tcache_flush(as);
    if (have_asids)
        asm volatile("sfence.vma zero, %0" ::"r"((uint64_t)asid) : "memory");
    else
        asm volatile("sfence.vma zero, zero" ::: "memory");
}
