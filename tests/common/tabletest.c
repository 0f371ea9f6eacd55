/* tests/common/tabletest.c: the loop over tables of named tests
 * (tabletest.h). */
#include "tests/common/tabletest.h"

#include <stdio.h>
#include <string.h>

int table_run(const struct table_test *const *tables, size_t n, const char *filter,
              char *why)
{
    int passed = 0, failed = 0;
    for (size_t t = 0; t < n; t++) {
        for (const struct table_test *tt = tables[t]; tt->name; tt++) {
            if (!strstr(tt->name, filter))
                continue;
            why[0] = 0;
            if (tt->fn() == 0) {
                printf("PASS %s\n", tt->name);
                passed++;
            } else {
                printf("FAIL %s: %s\n", tt->name, why);
                failed++;
            }
            fflush(stdout);
        }
    }
    printf("%d passed, %d failed\n", passed, failed);
    fflush(stdout); /* before LeakSanitizer's report, which exits without flushing */
    return failed;
}
