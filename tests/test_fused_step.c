/* lib/kernels/fused_step.h through compute.h's step calls: on every SIMD
 * path, the fused step of each recurrent cell (LSTM, GRU reset_after,
 * SimpleRNN) gives the bits of the scalar path's fill + gemm + cell, on
 * ragged shapes (units around the vector width, batches around the row
 * tile, k split into several passes), with the input folded into the step
 * or projected beforehand, with and without the recurrent product (first
 * step without an initial state), for several activation pairs; and it
 * writes nothing outside its outputs. */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compute.h"
#include "kernels/kernels.h"
#include "pool.h"

#define GUARD 24   /* floats after each output that nothing may touch */

typedef struct shape {
    size_t batch, u, in;
} shape;

/* Inputs of one step, shared by both runs. */
typedef struct inputs {
    float *x, *kernel, *bias, *rec_kernel, *rec_bias, *h_prev, *c_prev, *z0;
} inputs;

/* Outputs of one run (each with a guard tail). */
typedef struct outputs {
    float *z, *rec, *c, *ac, *h;
    size_t nz, nu;
} outputs;

static float *buffer(size_t n, uint64_t seed, float lo, float hi)
{
    float *p = malloc((n + GUARD) * sizeof(float));
    assert_non_null(p);
    tu_fill_uniform(p, n + GUARD, seed, lo, hi);
    return p;
}

static inputs make_inputs(shape sh, unsigned gates, uint64_t seed)
{
    const size_t g = gates * sh.u;
    inputs in = {
        .x = buffer(sh.batch * sh.in, seed, -2.0f, 2.0f),
        .kernel = buffer(sh.in * g, seed + 1, -1.0f, 1.0f),
        .bias = buffer(g, seed + 2, -1.0f, 1.0f),
        .rec_kernel = buffer(sh.u * g, seed + 3, -0.6f, 0.6f),
        .rec_bias = buffer(g, seed + 4, -1.0f, 1.0f),
        .h_prev = buffer(sh.batch * sh.u, seed + 5, -1.0f, 1.0f),
        .c_prev = buffer(sh.batch * sh.u, seed + 6, -3.0f, 3.0f),
        /* z as the input projection left it: wide enough to saturate */
        .z0 = buffer(sh.batch * g, seed + 7, -6.0f, 6.0f),
    };
    return in;
}

static void free_inputs(inputs *in)
{
    free(in->x), free(in->kernel), free(in->bias), free(in->rec_kernel);
    free(in->rec_bias), free(in->h_prev), free(in->c_prev), free(in->z0);
}

static outputs make_outputs(shape sh, unsigned gates, const inputs *in)
{
    outputs o = { .nz = sh.batch * gates * sh.u, .nu = sh.batch * sh.u };
    o.z = buffer(o.nz, 91, -9.0f, 9.0f);
    memcpy(o.z, in->z0, o.nz * sizeof(float));
    o.rec = buffer(o.nz, 92, -9.0f, 9.0f);
    o.c = buffer(o.nu, 93, -9.0f, 9.0f);
    o.ac = buffer(o.nu, 94, -9.0f, 9.0f);
    o.h = buffer(o.nu, 95, -9.0f, 9.0f);
    return o;
}

static void free_outputs(outputs *o)
{
    free(o->z), free(o->rec), free(o->c), free(o->ac), free(o->h);
}

/* One step on `path`: fused (packed weights) where the path has it. */
static outputs run_step_nc(const rl_compute *cxp, shape sh, unsigned gates, const inputs *in,
                           int fold, int recurrent, int act, int ract, int no_caches,
                           int use_chain)
{
    const rl_compute cx = *cxp;
    outputs o = make_outputs(sh, gates, in);
    int ok = 1;
    const size_t chain_n = rl__step_chain_floats(sh.batch, sh.u, &ok);
    assert_true(ok);
    float *chain = tu_guarded_buffer(chain_n, 77);
    const size_t pack_floats = rl__step_pack_floats(sh.in, sh.u, gates);
    float *packed = aligned_alloc(64, (pack_floats * sizeof(float) + 63) / 64 * 64);
    assert_non_null(packed);
    rl_cell_step s = {
        .batch = sh.batch, .u = sh.u, .in = sh.in, .x = fold ? in->x : NULL,
        .kernel = in->kernel, .bias = in->bias, .rec_kernel = in->rec_kernel,
        .rec_bias = gates == 3 ? in->rec_bias : NULL,
        .packed = rl__step_fused(&cx) ? packed : NULL,
        .h_prev = in->h_prev, .c_prev = in->c_prev, .recurrent = recurrent,
        .z = o.z, .rec = o.rec, .c = o.c, .ac = o.ac, .h = gates == 1 ? o.z : o.h,
        .act = act, .ract = ract, .no_caches = no_caches, .chain = use_chain ? chain : NULL,
    };
    rl__step_pack(&cx, &s, gates, fold, packed);
    if (gates == 4)
        rl__lstm_step(&cx, &s);
    else if (gates == 3)
        rl__gru_step(&cx, &s);
    else
        rl__rnn_step(&cx, &s);
    free(packed);
    tu_assert_guard(chain, chain_n, "chain area");
    free(chain);
    return o;
}

static outputs run_step_on(const rl_compute *cxp, shape sh, unsigned gates, const inputs *in,
                           int fold, int recurrent, int act, int ract)
{
    return run_step_nc(cxp, sh, gates, in, fold, recurrent, act, ract, 0, 0);
}

static outputs run_step(const rl_kernels *path, shape sh, unsigned gates, const inputs *in,
                        int fold, int recurrent, int act, int ract)
{
    const rl_compute cx = { .kernels = path, .pool = NULL };
    return run_step_on(&cx, sh, gates, in, fold, recurrent, act, ract);
}

static void assert_same(const char *what, const float *got, const float *want, size_t n,
                        const char *path, unsigned gates, shape sh, int fold, int recurrent)
{
    if (memcmp(got, want, (n + GUARD) * sizeof(float)) == 0)
        return;
    for (size_t i = 0; i < n + GUARD; i++)
        if (memcmp(got + i, want + i, sizeof(float)) != 0)
            fail_msg("%s: %s differs at %zu%s (%.9g vs %.9g scalar): gates %u batch %zu u %zu "
                     "in %zu fold %d recurrent %d",
                     path, what, i, i >= n ? " (guard)" : "", (double)got[i], (double)want[i],
                     gates, sh.batch, sh.u, sh.in, fold, recurrent);
}

static void check_case_on(const rl_compute *cx, unsigned gates, shape sh, int act, int ract,
                          uint64_t seed)
{
    const char *name = cx->kernels->name;
    inputs in = make_inputs(sh, gates, seed);
    for (int fold = 0; fold < 2; fold++)
        for (int recurrent = 0; recurrent < 2; recurrent++) {
            outputs want = run_step(rl__kernels_scalar(), sh, gates, &in, fold, recurrent, act,
                                    ract);
            outputs got = run_step_on(cx, sh, gates, &in, fold, recurrent, act, ract);
            assert_same("z", got.z, want.z, want.nz, name, gates, sh, fold, recurrent);
            if (gates == 3)
                assert_same("rec", got.rec, want.rec, want.nz, name, gates, sh, fold,
                            recurrent);
            if (gates == 4) {
                assert_same("c", got.c, want.c, want.nu, name, gates, sh, fold, recurrent);
                assert_same("ac", got.ac, want.ac, want.nu, name, gates, sh, fold,
                            recurrent);
            }
            if (gates != 1)
                assert_same("h", got.h, want.h, want.nu, name, gates, sh, fold, recurrent);
            /* forward only, as predict runs it (no_caches, the chains
             * between k passes in a guarded chain area): the same h and c;
             * the caches the backward reads may go unstored, nothing past
             * them is touched */
            outputs fwd = run_step_nc(cx, sh, gates, &in, fold, recurrent, act, ract, 1, 1);
            if (gates == 1)
                assert_same("z (no caches)", fwd.z, want.z, want.nz, name, gates, sh, fold,
                            recurrent);
            else
                assert_same("h (no caches)", fwd.h, want.h, want.nu, name, gates, sh, fold,
                            recurrent);
            if (gates == 4)
                assert_same("c (no caches)", fwd.c, want.c, want.nu, name, gates, sh, fold,
                            recurrent);
            if (memcmp(fwd.z + want.nz, want.z + want.nz, GUARD * sizeof(float)) != 0 ||
                memcmp(fwd.rec + want.nz, want.rec + want.nz, GUARD * sizeof(float)) != 0 ||
                memcmp(fwd.ac + want.nu, want.ac + want.nu, GUARD * sizeof(float)) != 0)
                fail_msg("%s: no caches: a guard word changed", name);
            free_outputs(&fwd);
            free_outputs(&want);
            free_outputs(&got);
        }
    free_inputs(&in);
}

static void check_case(const rl_kernels *path, unsigned gates, shape sh, int act, int ract,
                       uint64_t seed)
{
    const rl_compute cx = { .kernels = path, .pool = NULL };
    check_case_on(&cx, gates, sh, act, ract, seed);
}

static const size_t units[] = { 1, 7, 15, 16, 17, 50, 65 };
static const size_t batches[] = { 1, 3, 8, 13, 64 };
static const size_t inputs_n[] = { 1, 3, 64 };
static const unsigned cells[] = { 4, 3, 1 };
/* (act, ract) as rl_activation: tanh / sigmoid (Keras' default) and relu /
 * sigmoid (both specialised in the epilogues), relu / hard_sigmoid, linear /
 * sigmoid (the generic code) */
static const int acts[][2] = { { 2, 3 }, { 1, 3 }, { 1, 4 }, { 0, 3 } };

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static void check_big(const rl_kernels *path, uint64_t *seed);

static void check_path(const rl_kernels *path)
{
    assert_non_null(path);   /* main registers only the paths this CPU runs */
    assert_non_null(path->lstm_step);
    rl__set_fused_pass_floats(RL_PASS_CPU);   /* also after a failed test's longjmp */
    uint64_t seed = 1;
    for (size_t c = 0; c < COUNT(cells); c++)
        for (size_t u = 0; u < COUNT(units); u++)
            for (size_t b = 0; b < COUNT(batches); b++)
                for (size_t i = 0; i < COUNT(inputs_n); i++) {
                    const int *a = acts[(u + b + i) % COUNT(acts)];
                    shape sh = { batches[b], units[u], inputs_n[i] };
                    check_case(path, cells[c], sh, a[0], a[1], seed += 10);
                }
    /* Large blocks under each kind of k passes (rl__set_fused_pass_floats,
     * whatever this CPU's choice): the L1 passes (0); passes of 2000
     * packed U floats read from L2 (LSTM 31 k rows on AVX-512, several
     * passes with the next pass's panel prefetched); one pass over the
     * block's whole k (65536: a quarter of a 1 MiB L2, Zen 4's choice). */
    const size_t pass_floats[] = { 0, 2000, 65536 };
    for (size_t pf = 0; pf < COUNT(pass_floats); pf++) {
        rl__set_fused_pass_floats(pass_floats[pf]);
        check_big(path, &seed);
    }
    rl__set_fused_pass_floats(RL_PASS_CPU);
}

static void check_big(const rl_kernels *path, uint64_t *seed)
{
    /* k in several passes (the L1 passes: the packed panel of a pass is
     * FS_PANEL_FLOATS) */
    const size_t big_units[] = { 130, 300, 520 };   /* 130: fit prefetch from 128 units */
    for (size_t c = 0; c < COUNT(cells); c++)
        for (size_t u = 0; u < COUNT(big_units); u++) {
            shape sh = { 13, big_units[u], 3 };
            check_case(path, cells[c], sh, 2, 3, *seed += 10);
        }
    /* Both sides of the last one-pass block (FS_ONE_PASS_FLOATS: LSTM 128
     * units on AVX-512, 256 on AVX2) and of fit's cache prefetch
     * (FS_DST_MIN_UNITS: 128), a ragged and a full batch, I = 64 and 1:
     * one-pass tiles with the input folded run the tile with constant pass
     * flags (FS_TILE_ONE_PASS), the others the general one. */
    const size_t edge_units[] = { 127, 128, 129, 256, 257 };
    const size_t edge_batches[] = { 13, 64 }, edge_inputs[] = { 64, 1 };
    for (size_t c = 0; c < COUNT(cells); c++)
        for (size_t u = 0; u < COUNT(edge_units); u++)
            for (size_t b = 0; b < COUNT(edge_batches); b++) {
                shape sh = { edge_batches[b], edge_units[u], edge_inputs[b] };
                check_case(path, cells[c], sh, 2, 3, *seed += 10);
            }
}

static void test_avx2_step_matches_scalar(void **state)
{
    (void)state;
    check_path(rl__kernels_avx2());
}

static void test_avx512_step_matches_scalar(void **state)
{
    (void)state;
    check_path(rl__kernels_avx512());
}

static void test_neon_step_matches_scalar(void **state)
{
    (void)state;
    check_path(rl__kernels_neon());
}

/* Split over 2 and 3 threads (by unit blocks, every block its own task, or by rows),
 * on the process's path: the bits of one scalar thread. */
static void test_threads_match_scalar(void **state)
{
    (void)state;
    /* { 64, 200, 3 }: by rows (each thread 32 or 16-24 rows; the packed
     * weights fit a thread's L2 here) with k in passes on AVX-512, each
     * thread's chains at its own place in the guarded chain area */
    const shape shapes[] = { { 13, 65, 3 }, { 64, 50, 1 }, { 8, 300, 64 }, { 64, 200, 3 } };
    uint64_t seed = 7000;
    rl__set_fused_pass_floats(RL_PASS_CPU);   /* the CPU's own k passes */
    for (unsigned threads = 2; threads <= 3; threads++) {
        rl_pool *pool = tu_split_everything_pool(threads);
        if (!pool)
            continue;   /* one allowed CPU: nothing to split */
        const rl_compute cx = { .kernels = rl__kernels(), .pool = pool };
        for (size_t c = 0; c < COUNT(cells); c++)
            for (size_t i = 0; i < COUNT(shapes); i++)
                check_case_on(&cx, cells[c], shapes[i], 2, 3, seed += 10);
        rl__pool_destroy(pool);
    }
}

/* The packed weights split over 2 and 3 threads by unit blocks (every
 * block its own task) are the bytes of the one-thread pack, on every
 * fused path, for ragged unit counts, with and without the folded input
 * and GRU's recurrent bias; bytes the pack leaves (padding past the
 * blocks) are left alike. */
static void test_pack_split_matches_one_thread(void **state)
{
    (void)state;
    const rl_kernels *paths[] = { rl__kernels_avx2(), rl__kernels_avx512(), rl__kernels_neon() };
    const size_t us[] = { 1, 7, 15, 16, 17, 50, 65, 300 }, ins[] = { 1, 5, 64 };
    uint64_t seed = 9100;
    for (unsigned threads = 2; threads <= 3; threads++) {
        rl_pool *pool = tu_split_everything_pool(threads);
        if (!pool)
            continue;   /* one allowed CPU: nothing to split */
        for (size_t p = 0; p < COUNT(paths); p++) {
            if (!paths[p] || !paths[p]->lstm_step)
                continue;
            const rl_compute one = { .kernels = paths[p], .pool = NULL };
            const rl_compute two = { .kernels = paths[p], .pool = pool };
            for (size_t c = 0; c < COUNT(cells); c++)
                for (size_t ui = 0; ui < COUNT(us); ui++)
                    for (size_t ii = 0; ii < COUNT(ins); ii++)
                        for (int fold = 0; fold < 2; fold++) {
                            const unsigned gates = cells[c];
                            const size_t u = us[ui], in = ins[ii], g = gates * u;
                            const size_t nw = (in + u + 2) * g;
                            float *w = malloc(nw * sizeof *w);
                            assert_non_null(w);
                            tu_fill_uniform(w, nw, seed++, -1, 1);
                            const size_t np = rl__step_pack_floats(in, u, gates);
                            float *a = malloc(np * sizeof *a), *b = malloc(np * sizeof *b);
                            assert_true(a && b);
                            for (size_t i = 0; i < np; i++)
                                a[i] = b[i] = -7.0f;
                            rl_cell_step st = {
                                .batch = 8, .u = u, .in = in, .kernel = w, .bias = w + in * g,
                                .rec_kernel = w + (in + 1) * g,
                                .rec_bias = gates == 3 ? w + (in + 1 + u) * g : NULL,
                            };
                            rl__step_pack(&one, &st, gates, fold, a);
                            rl__step_pack(&two, &st, gates, fold, b);
                            if (memcmp(a, b, np * sizeof *a) != 0)
                                fail_msg("%s gates %u u %zu in %zu fold %d threads %u: packs differ",
                                         paths[p]->name, gates, u, in, fold, threads);
                            free(a), free(b), free(w);
                        }
        }
        rl__pool_destroy(pool);
    }
}

/* The scalar path has no fused step: the layers then keep the one input
 * projection over all steps, and nothing is packed. */
static void test_scalar_is_unfused(void **state)
{
    (void)state;
    const rl_compute cx = { .kernels = rl__kernels_scalar(), .pool = NULL };
    assert_int_equal(rl__step_fused(&cx), 0);
    assert_int_equal(rl__step_folds_input(&cx, 1, 50, 4), 0);
}

/* The fused step's k passes as chosen from a core's cache sizes
 * (rl__fused_pass_choice): an L1d of 48 KiB or more (the Xeon they were
 * tuned on: 48 KiB, 2 MiB L2) keeps the L1 passes (0); a smaller one
 * (Zen 4: 32 KiB, 1 MiB) runs a block's k from L2 in passes of up to a
 * quarter of L2; a size not known keeps the L1 passes. The process's
 * choice is the one for the sizes the C library reports, read by
 * rl__l1d_bytes and rl__l2_bytes (0 where sysconf does not know). */
static void test_pass_choice_from_cache_sizes(void **state)
{
    (void)state;
    assert_int_equal(rl__fused_pass_choice(48 * 1024, 2 << 20), 0);
    assert_int_equal(rl__fused_pass_choice(64 * 1024, 1 << 20), 0);
    assert_int_equal(rl__fused_pass_choice(32 * 1024, 1 << 20), 65536);
    assert_int_equal(rl__fused_pass_choice(32 * 1024, 2 << 20), 131072);
    assert_int_equal(rl__fused_pass_choice(0, 1 << 20), 0);
    assert_int_equal(rl__fused_pass_choice(32 * 1024, 0), 0);
    long l1d = -1, l2 = -1;
#ifdef _SC_LEVEL1_DCACHE_SIZE
    l1d = sysconf(_SC_LEVEL1_DCACHE_SIZE);
#endif
#ifdef _SC_LEVEL2_CACHE_SIZE
    l2 = sysconf(_SC_LEVEL2_CACHE_SIZE);
#endif
    assert_int_equal(rl__l1d_bytes(), l1d > 0 ? (size_t)l1d : 0);
    assert_int_equal(rl__l2_bytes(), l2 > 0 ? (size_t)l2 : 0);
    rl__set_fused_pass_floats(RL_PASS_CPU);
    assert_int_equal(rl__fused_pass_floats(),
                     rl__fused_pass_choice(rl__l1d_bytes(), rl__l2_bytes()));
    rl__set_fused_pass_floats(123);
    assert_int_equal(rl__fused_pass_floats(), 123);
    rl__set_fused_pass_floats(RL_PASS_CPU);
}

int main(void)
{
    struct CMUnitTest tests[7];
    size_t n = 0;
#define ADD(t) tests[n++] = (struct CMUnitTest)cmocka_unit_test(t)
    if (rl__kernels_avx2())
        ADD(test_avx2_step_matches_scalar);
    if (rl__kernels_avx512())
        ADD(test_avx512_step_matches_scalar);
    if (rl__kernels_neon() && rl__kernels_neon()->lstm_step)
        ADD(test_neon_step_matches_scalar);
    ADD(test_threads_match_scalar);
    ADD(test_pack_split_matches_one_thread);
    ADD(test_scalar_is_unfused);
    ADD(test_pass_choice_from_cache_sizes);
#undef ADD
    return _cmocka_run_group_tests("fused_step", tests, n, NULL, NULL);
}
