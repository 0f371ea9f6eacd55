/* tests/unit/test_lebytes.c: lib/lebytes.h, the bounded little-endian
 * cursors under the Raft and naming codecs. */
#include <string.h>

#include "lib/lebytes.h"
#include "tests/unit/unit.h"

static void lebytes_writer_layout(void)
{
    uint8_t buf[16];
    memset(buf, 0xee, sizeof buf);
    struct le_writer w = {buf, sizeof buf, 0};
    le_put(&w, 0x0102, 2);
    le_put(&w, 0x0a0b0c0d0e0f1011ull, 8);
    le_put_bytes(&w, "xyz", 3);
    CHECK(!le_overflow(&w));
    CHECK_EQ(w.n, 13);
    static const uint8_t want[13] = {0x02, 0x01, 0x11, 0x10, 0x0f, 0x0e, 0x0d,
                                     0x0c, 0x0b, 0x0a, 'x',  'y',  'z'};
    CHECK(memcmp(buf, want, sizeof want) == 0);
    CHECK_EQ(buf[13], 0xee);
}

/* Past cap nothing is written, the count goes on, and overflow is seen. */
static void lebytes_writer_overflow(void)
{
    uint8_t buf[8];
    memset(buf, 0xee, sizeof buf);
    struct le_writer w = {buf, 6, 0};
    le_put(&w, 0x11223344, 4);
    le_put(&w, 0x5566778899aabbccull, 8); /* would end at 12 > 6 */
    le_put(&w, 0x7, 1);
    CHECK(le_overflow(&w));
    CHECK_EQ(w.n, 13);
    CHECK_EQ(buf[4], 0xee); /* nothing of the second value */
    CHECK_EQ(buf[6], 0xee);
    struct le_writer exact = {buf, 4, 0};
    le_put(&exact, 1, 4);
    CHECK(!le_overflow(&exact));
}

static void lebytes_reader(void)
{
    static const uint8_t in[] = {0x34, 0x12, 0x78, 0x56, 0x34, 0x12, 'a', 'b'};
    struct le_reader r = le_reader(in, sizeof in);
    CHECK_EQ(le_get(&r, 2), 0x1234);
    CHECK_EQ(le_get(&r, 4), 0x12345678);
    CHECK_EQ(le_left(&r), 2);
    char two[2];
    CHECK(le_get_bytes(&r, two, 2));
    CHECK(two[0] == 'a' && two[1] == 'b');
    CHECK_EQ(le_left(&r), 0);
    CHECK(r.ok);
    /* One byte too many: the read fails whole and the reader stays failed. */
    CHECK_EQ(le_get(&r, 1), 0);
    CHECK(!r.ok);
    struct le_reader s = le_reader(in, 3);
    CHECK_EQ(le_get(&s, 4), 0);
    CHECK_EQ(s.at, 0);
    CHECK(!s.ok);
    CHECK_EQ(le_get(&s, 1), 0); /* even though a byte is there */
    CHECK_EQ(le_left(&s), 0);
    struct le_reader k = le_reader(in, sizeof in);
    CHECK(le_get_bytes(&k, NULL, 6)); /* skip */
    CHECK_EQ(le_get(&k, 1), 'a');
}

const struct unit_test unit_lebytes_tests[] = {
    {"lebytes_writer_layout", lebytes_writer_layout},
    {"lebytes_writer_overflow", lebytes_writer_overflow},
    {"lebytes_reader", lebytes_reader},
    {NULL, NULL},
};
