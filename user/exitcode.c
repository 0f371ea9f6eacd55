/* user/exitcode.c: `exitcode N` exits with status N (for testing $?). */
#include <stdio.h>

#include "user/ulib.h"

int main(int argc, char **argv)
{
    long n;
    if (argc != 2 || parse_long(argv[1], &n) != 0) {
        fprintf(stderr, "usage: exitcode N\n");
        return 2;
    }
    return (int)n;
}
