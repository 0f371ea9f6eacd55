/* user/args.c: prints how it was called: `argc=N [argv0] [argv1] ...`, so
 * tests can check exactly how the shell split and passed the words. */
#include <stdio.h>

int main(int argc, char **argv)
{
    printf("argc=%d", argc);
    for (int i = 0; i < argc; i++)
        printf(" [%s]", argv[i]);
    printf("\n");
    return argv[argc] == NULL ? 0 : 1; /* argv must be NULL-terminated */
}
