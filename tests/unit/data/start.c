/* tests/unit/data/start.c: a tiny static RISC-V program (no libc) whose ELF the
 * unit tests feed to elf_parse: text, rodata, data and bss, entry _start. */
static int counter = 5;
static const char msg[] = "hello";
int scratch[100];

void _start(void)
{
    counter += msg[1] + scratch[3];
    for (;;)
        __asm__ volatile("wfi");
}
