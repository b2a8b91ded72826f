/* Helpers shared by the test executables. */
#ifndef RL_TESTUTIL_H
#define RL_TESTUTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "rnnlite/rnnlite.h"

/* A host parallel-for (rl_model_set_parallel_for): the tasks alternately
 * on a new thread and on the caller. user: NULL, or an atomic_int counting
 * the calls. */
void tu_host_for(rl_task_fn task, void *data, size_t n, void *user);

/* Deterministic test data: uniform floats in [lo, hi) from a seed. */
void tu_fill_uniform(float *x, size_t n, uint64_t seed, float lo, float hi);

/* Path of a file under tests/ (static buffer). */
const char *tu_data_path(const char *rel);

/* |a - b| <= atol + rtol * |b|, else fail with the index. */
void tu_assert_close(const float *a, const double *b, size_t n, double rtol, double atol,
                     const char *what);

/* Fails the test unless got and want hold the same bits, naming the first
 * float that differs (its index, its row and column for rows of ld floats
 * when ld > 0, both values) after the caller's printf-style context. For
 * the kernel tests, whose promise is the scalar path's bits. */
void tu_assert_same_bits(const float *got, const float *want, size_t len, size_t ld,
                         const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Under `meson test --setup=scalar|avx2|avx512` (env RNNLITE_ISA): when the
 * library runs another path (the CPU or the build lacks the one asked for),
 * prints a TAP skip plan and exits 0, which meson counts as a skip. Called
 * before main in every test executable (testutil.c); no-op in the double
 * build, which has no kernels. */
void tu_skip_if_isa_unavailable(void);

/* Defines one CMocka test per kernel path -- test_scalar, test_avx2,
 * test_avx512, test_neon -- each calling check(table) with that path's
 * kernels from lib/kernels/kernels.h (include it first), which is NULL where
 * this build or CPU has no such path: check skips it then. */
#define TU_TEST_EACH_KERNEL_PATH(check)                                                        \
    static void test_scalar(void **state) { (void)state; check(rl__kernels_scalar()); }     \
    static void test_avx2(void **state) { (void)state; check(rl__kernels_avx2()); }         \
    static void test_avx512(void **state) { (void)state; check(rl__kernels_avx512()); }     \
    static void test_neon(void **state) { (void)state; check(rl__kernels_neon()); }

/* Guarded buffers for kernel tests: n uniform floats in [-1, 1) from seed,
 * followed by TU_GUARD floats of TU_GUARD_VALUE that nothing may write
 * (malloc'ed: the caller frees); tu_assert_guard fails naming `what` when
 * one of them changed. */
#define TU_GUARD 64
#define TU_GUARD_VALUE 12345.0f
float *tu_guarded_buffer(size_t n, uint64_t seed);
void tu_assert_guard(const float *x, size_t n, const char *what);

/* *b = B [k x n] (row stride ldb) and *bt = B^T [n x k] (row stride ldbt)
 * holding the same numbers, for kernels that read B either way: guarded
 * buffers as tu_guarded_buffer, B^T filled from seed, B's padding from
 * seed + 1. The caller frees both. */
void tu_guarded_b_and_transpose(size_t k, size_t n, size_t ldb, size_t ldbt, uint64_t seed,
                                float **b, float **bt);

/* A pool of `threads` threads that splits every job however small
 * (rl__pool_set_min_work 0), for tests that compare split results with one
 * thread's; NULL when the process may use only one CPU (nothing to split).
 * Fails the test if the pool cannot be made; the caller destroys it with
 * rl__pool_destroy (lib/pool.h). Float build only. */
struct rl_pool *tu_split_everything_pool(unsigned threads);

/* Runs check(cx) on the caller's thread (cx NULL), then with a
 * tu_split_everything_pool of 2 and of 3 threads: for the compute layer's
 * entries, which must give one thread's bits however they are split.
 * Float build only. */
struct rl_compute;
void tu_check_on_1_2_3_threads(void (*check)(const struct rl_compute *cx));

/* Adds to tests[n++] the tests of TU_TEST_EACH_KERNEL_PATH whose path this
 * build and CPU have (scalar always). */
#define TU_ADD_KERNEL_PATH_TESTS(tests, n)                                                     \
    do {                                                                                       \
        (tests)[(n)++] = (struct CMUnitTest)cmocka_unit_test(test_scalar);                     \
        if (rl__kernels_avx2())                                                                \
            (tests)[(n)++] = (struct CMUnitTest)cmocka_unit_test(test_avx2);                   \
        if (rl__kernels_avx512())                                                              \
            (tests)[(n)++] = (struct CMUnitTest)cmocka_unit_test(test_avx512);                 \
        if (rl__kernels_neon())                                                                \
            (tests)[(n)++] = (struct CMUnitTest)cmocka_unit_test(test_neon);                   \
    } while (0)

/* Little-endian fields of a model-file image (docs/format.md), n bytes. */
uint64_t tu_get_le(const unsigned char *p, int n);
void tu_put_le(unsigned char *p, uint64_t v, int n);

#endif
