#include "tests/storage/harness.h"
const struct storage_test crash_tests[] = {{NULL, NULL}};
