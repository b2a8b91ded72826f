/* lib/alloc.c: alignment, zero fill, overflow checks and the test hook that
 * the zero-allocation and allocation-failure tests rely on. */
#include "testutil.h"

#include <stdint.h>
#include <string.h>

#include "alloc.h"

static void test_calloc_is_aligned_and_zeroed(void **state)
{
    (void)state;
    static const size_t sizes[] = { 1, 3, 63, 64, 65, 1000, 4096 + 7 };
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        unsigned char *p = rl__calloc(sizes[i], 1);
        assert_non_null(p);
        assert_int_equal((uintptr_t)p % RL_ALIGN, 0);
        for (size_t k = 0; k < sizes[i]; k++)
            assert_int_equal(p[k], 0);
        memset(p, 0xab, sizes[i]);   /* the whole block is writable (ASan/valgrind see it) */
        rl__free(p);
    }
    double *d = rl__calloc(17, sizeof(double));
    assert_non_null(d);
    assert_int_equal((uintptr_t)d % RL_ALIGN, 0);
    for (size_t k = 0; k < 17; k++)
        assert_true(d[k] == 0.0);
    rl__free(d);
}

static void test_calloc_zero_size_gives_a_block(void **state)
{
    (void)state;
    void *p = rl__calloc(0, 8), *q = rl__calloc(8, 0);
    assert_non_null(p);
    assert_non_null(q);
    rl__free(p);
    rl__free(q);
    rl__free(NULL);   /* harmless */
}

static void test_calloc_overflow_is_null(void **state)
{
    (void)state;
    assert_null(rl__calloc(SIZE_MAX / 2, 3));
    assert_null(rl__calloc(3, SIZE_MAX / 2));
    assert_null(rl__calloc(SIZE_MAX, SIZE_MAX));
    /* No overflow in n*size, but rounding up to the alignment would wrap. */
    assert_null(rl__calloc(SIZE_MAX - 10, 1));
}

static void test_mul(void **state)
{
    (void)state;
    int ok = 1;
    assert_int_equal(rl__mul(6, 7, &ok), 42);
    assert_int_equal(ok, 1);
    assert_int_equal(rl__mul(0, SIZE_MAX, &ok), 0);
    assert_int_equal(rl__mul(SIZE_MAX, 0, &ok), 0);
    assert_int_equal(rl__mul(SIZE_MAX, 1, &ok), SIZE_MAX);
    assert_int_equal(ok, 1);
    assert_int_equal(rl__mul(SIZE_MAX / 2, 3, &ok), 0);
    assert_int_equal(ok, 0);
    /* The flag sticks: later products that fit do not set it again. */
    assert_int_equal(rl__mul(2, 3, &ok), 6);
    assert_int_equal(ok, 0);
    ok = 1;
    size_t half = (size_t)1 << (sizeof(size_t) * 4);
    rl__mul(half, half, &ok);
    assert_int_equal(ok, 0);
    ok = 1;
    assert_int_equal(rl__mul(half - 1, half + 1, &ok), SIZE_MAX);   /* 2^64 - 1 exactly */
    assert_int_equal(ok, 1);
}

typedef struct hook_log {
    size_t calls, fail_at;   /* fail the fail_at-th call (from 1); 0 = never */
    size_t last_bytes;
} hook_log;

static int hook(size_t bytes, void *user)
{
    hook_log *h = user;
    h->calls++;
    h->last_bytes = bytes;
    return h->calls == h->fail_at;
}

static void test_hook_counts_and_fails(void **state)
{
    (void)state;
    hook_log h = { 0, 2, 0 };
    rl__set_alloc_hook(hook, &h);
    void *a = rl__calloc(10, 10);
    assert_int_equal(h.calls, 1);
    assert_true(h.last_bytes >= 100);
    void *b = rl__calloc(1, 1);   /* the second allocation fails */
    void *c = rl__calloc(1, 1);
    rl__set_alloc_hook(NULL, NULL);
    assert_non_null(a);
    assert_null(b);
    assert_non_null(c);
    assert_int_equal(h.calls, 3);
    void *d = rl__calloc(1, 1);   /* hook removed: not counted */
    assert_int_equal(h.calls, 3);
    rl__free(a);
    rl__free(c);
    rl__free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_calloc_is_aligned_and_zeroed),
        cmocka_unit_test(test_calloc_zero_size_gives_a_block),
        cmocka_unit_test(test_calloc_overflow_is_null),
        cmocka_unit_test(test_mul),
        cmocka_unit_test(test_hook_counts_and_fails),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
