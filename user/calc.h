/* user/calc.h: the protocol of the calculator demo service (user/calcd.c)
 * and its client (user/calc.c). */
#ifndef USER_CALC_H
#define USER_CALC_H

#include <stdint.h>

enum {
    CALC_ADD = 1,     /* call: a + b */
    CALC_SUM_ADD = 2, /* one-way send: add a to the sender's running sum */
    CALC_SUM_END = 3, /* call: the sender's running sum, then reset it */
};

struct calc_req {
    uint32_t op, pad;
    int64_t a, b;
};

struct calc_rep {
    int32_t status, pad; /* 0 or -errno */
    int64_t value;
};

#endif
