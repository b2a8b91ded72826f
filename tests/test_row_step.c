/* lib/kernels/fused_row.h: the fused one-row step (a stream step, a
 * one-sample predict) of every kernel path gives, bit for bit, what the
 * unfused path computes with the scalar kernels -- the bias, then x W and
 * h U by the scalar gemm, then the scalar cell -- for LSTM, GRU
 * (reset_after) and SimpleRNN, on ragged unit counts, inputs folded in or
 * given as a projection, fresh and continued states, U as the weights or as
 * the stream's aligned packed copy, Keras' default activations (the
 * specialised copy) and another pair (the generic one), with and without
 * a Dense head (the next layer stepped in the same call) against the scalar
 * gemm + activation of that Dense step; and each of those with the h U
 * chains in their usual passes, in passes cut to the fewest vectors
 * (pass_bytes, as a core whose L1d U outgrows gets them), and either of
 * those visited last to first (flip, an odd step). */
#include "testutil.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/kernels.h"
#include "kernels/pointwise.h"

static const size_t units[] = { 1, 7, 15, 16, 17, 50, 65, 200 };
static const size_t inputs[] = { 1, 3, 64 };
#define GUARD 32   /* floats after every output that nothing may touch */

enum cell { LSTM, GRU, RNN };
static const size_t gates_of[] = { 4, 3, 1 };

static float *buffer(size_t n, uint64_t seed, float scale)
{
    float *x = aligned_alloc(64, ((n + GUARD) * sizeof(float) + 63) / 64 * 64);
    assert_non_null(x);
    tu_fill_uniform(x, n + GUARD, seed, -scale, scale);
    return x;
}

/* Everything one step reads: weights in the layers' layout, the input row,
 * the state, and the packed copy of U. */
typedef struct step_case {
    enum cell cell;
    size_t u, in, g;
    float *kernel, *rec, *bias, *x, *h_prev, *c_prev, *packed;
} step_case;

static step_case make_case(enum cell cell, size_t u, size_t in, uint64_t seed)
{
    step_case c = { .cell = cell, .u = u, .in = in, .g = gates_of[cell] * u };
    c.kernel = buffer(in * c.g, seed, 0.5f);
    c.rec = buffer(u * c.g, seed + 1, 0.5f);
    c.bias = buffer(2 * c.g, seed + 2, 0.3f);   /* GRU: b_in then b_rec */
    c.x = buffer(in, seed + 3, 1.0f);
    c.h_prev = buffer(u, seed + 4, 0.9f);
    c.c_prev = buffer(u, seed + 5, 2.0f);
    size_t ld = rl_row_rec_ld(c.g);
    c.packed = buffer(u * ld, seed + 6, 7.0f);   /* padding filled with junk first */
    for (size_t k = 0; k < u; k++) {
        memcpy(c.packed + k * ld, c.rec + k * c.g, c.g * sizeof(float));
        for (size_t j = c.g; j < ld; j++)
            c.packed[k * ld + j] = 0.0f;
    }
    return c;
}

static void free_case(step_case *c)
{
    free(c->kernel), free(c->rec), free(c->bias), free(c->x), free(c->h_prev);
    free(c->c_prev), free(c->packed);
}

/* Outputs of one step, each with a guard band. */
typedef struct step_out {
    float *h, *c, *gates, *ac, *rec, *head;
} step_out;

static step_out new_out(const step_case *c)
{
    step_out o = { buffer(c->u, 90, 1.0f), buffer(c->u, 91, 1.0f), buffer(c->g, 92, 1.0f),
                   buffer(c->u, 93, 1.0f), buffer(c->g, 94, 1.0f), buffer(16, 97, 1.0f) };
    return o;
}

static void free_out(step_out *o)
{
    free(o->h), free(o->c), free(o->gates), free(o->ac), free(o->rec), free(o->head);
}

static void assert_same(const float *a, const float *b, size_t n, const char *what,
                        const char *path, const step_case *c)
{
    if (memcmp(a, b, n * sizeof(float)) != 0)
        fail_msg("%s differs on %s: cell %d, u %zu, in %zu", what, path, (int)c->cell, c->u,
                 c->in);
}

/* A Dense head on h: W [u][n], bias [n], activation. */
typedef struct head {
    size_t n;
    int act;
    float *w, *bias;
} head;

/* The Dense step as stream.c runs it unfused: bias, + h W, activation. */
static void reference_head(const step_case *c, const head *hd, const float *h, float *out)
{
    memcpy(out, hd->bias, hd->n * sizeof(float));
    rl__kernels_scalar()->gemm(1, hd->n, c->u, h, c->u, 1, hd->w, hd->n, out, hd->n, 1);
    if (hd->act)
        rl__pointwise_scalar.activate(hd->act, out, out, hd->n);
}

/* The unfused step with the scalar kernels: z = bias + x W (+ h U), then
 * the cell. All outputs are written (gates, ac, rec included). */
static void reference(const step_case *c, int fresh, int act, int ract, step_out *o)
{
    const rl_gemm_fn gemm = rl__kernels_scalar()->gemm;
    const rl_pointwise *pw = &rl__pointwise_scalar;
    size_t u = c->u, g = c->g;
    memcpy(o->gates, c->bias, g * sizeof(float));
    gemm(1, g, c->in, c->x, c->in, 1, c->kernel, g, o->gates, g, 1);
    switch (c->cell) {
    case LSTM:
        if (!fresh)
            gemm(1, g, u, c->h_prev, u, 1, c->rec, g, o->gates, g, 1);
        pw->lstm_cell(1, u, o->gates, c->c_prev, o->c, o->ac, o->h, act, ract);
        break;
    case GRU:
        memcpy(o->rec, c->bias + g, g * sizeof(float));
        if (!fresh)
            gemm(1, g, u, c->h_prev, u, 1, c->rec, g, o->rec, g, 1);
        pw->gru_cell(1, u, o->gates, o->rec, c->h_prev, o->h, act, ract);
        break;
    case RNN:
        if (!fresh)
            gemm(1, g, u, c->h_prev, u, 1, c->rec, g, o->gates, g, 1);
        pw->activate(act, o->gates, o->h, u);
        break;
    }
}

/* variant bit 0: x folded in (else the projection given, in = 0); bit 1:
 * U packed (else the weights); bit 2: gates, ac and rec kept (forward's
 * outputs; else NULL and the work buffer); variant % 3: width (the AVX-512
 * path's chains as the CPU's datapath picks them, 512-bit, 256-bit). passes bit 0: flip; passes / 2:
 * pass_bytes SIZE_MAX (the usual passes), 1 (passes of FR_MIN_VECS
 * vectors, the thinnest), 0 (as the CPU's L1d cuts them). */
static void fused(const rl_pointwise *pw, const step_case *c, int fresh, int act, int ract,
                  unsigned variant, unsigned passes, const head *hd, float *work, float *proj,
                  step_out *o)
{
    const int fold = variant & 1, packed = (variant >> 1) & 1, keep = (variant >> 2) & 1;
    size_t g = c->g;
    if (!fold) {   /* the projection, as rl__layer_project makes it */
        memcpy(proj, c->bias, g * sizeof(float));
        rl__kernels_scalar()->gemm(1, g, c->in, c->x, c->in, 1, c->kernel, g, proj, g, 1);
    }
    rl_row_args a = {
        .units = c->u, .in = fold ? c->in : 0, .start = fold ? c->bias : proj, .x = c->x,
        .kernel = c->kernel, .rec = packed ? c->packed : c->rec,
        .ld_rec = packed ? rl_row_rec_ld(g) : 0, .h_prev = c->h_prev, .h = o->h,
        .c_prev = c->c_prev, .c = o->c, .gates = keep ? o->gates : NULL,
        .ac = keep ? o->ac : NULL, .rec_start = c->bias + g, .rec_out = keep ? o->rec : NULL,
        .work = work, .fresh = fresh, .act = act, .ract = ract,
        .flip = (int)(passes & 1), .width = (int)(variant % 3),
        .pass_bytes = (passes >> 1) == 0 ? SIZE_MAX : (passes >> 1) == 1 ? 1 : 0,
    };
    if (hd) {
        a.head_w = hd->w;
        a.head_start = hd->bias;
        a.head_out = o->head;
        a.head_n = hd->n;
        a.head_act = hd->act;
    }
    if (keep && !fold) {   /* forward's case: the gates overwrite the projection */
        memcpy(o->gates, proj, g * sizeof(float));
        a.start = o->gates;
    }
    switch (c->cell) {
    case LSTM: pw->lstm_row(&a); break;
    case GRU: pw->gru_row(&a); break;
    case RNN: pw->rnn_row(&a); break;
    }
}

static void check_guard(const float *p, size_t n, uint64_t seed, const char *what)
{
    float want[GUARD + 4096];
    size_t total = n + GUARD;
    if (total > sizeof want / sizeof want[0])
        return;
    tu_fill_uniform(want, total, seed, -1.0f, 1.0f);
    if (memcmp(p + n, want + n, GUARD * sizeof(float)) != 0)
        fail_msg("%s: written past its end", what);
}

static void check_case(const rl_pointwise *pw, const step_case *c, int fresh, int act, int ract)
{
    step_out want = new_out(c);
    reference(c, fresh, act, ract, &want);
    size_t u = c->u, g = c->g;
    float *work = buffer(RL_ROW_WORK_FLOATS(4, u), 95, 1.0f);
    float *proj = buffer(g, 96, 1.0f);
    /* Heads of one unit and of the widest the path takes, linear and tanh. */
    head heads[2] = { { 1, 0, NULL, NULL }, { pw->row_head_max, 2, NULL, NULL } };
    float head_want[2][16];
    for (int k = 0; k < 2; k++) {
        heads[k].w = buffer(u * heads[k].n, 80 + (uint64_t)k, 0.4f);
        heads[k].bias = buffer(heads[k].n, 82 + (uint64_t)k, 0.4f);
        reference_head(c, &heads[k], want.h, head_want[k]);
    }
    for (unsigned variant = 0; variant < 6 * 24; variant++) {
        step_out got = new_out(c);
        const unsigned passes = variant / 24, v = variant % 24;
        const head *hd = v < 8 ? NULL : &heads[v / 16];
        fused(pw, c, fresh, act, ract, v, passes, hd, work, proj, &got);
        if (hd) {
            assert_same(got.head, head_want[v / 16], hd->n, "head", pw->name, c);
            check_guard(got.head, hd->n, 97, "head");
        }
        assert_same(got.h, want.h, u, "h", pw->name, c);
        check_guard(got.h, u, 90, "h");
        if (c->cell == LSTM) {
            assert_same(got.c, want.c, u, "c", pw->name, c);
            check_guard(got.c, u, 91, "c");
        }
        if (v & 4) {
            if (c->cell != RNN)
                assert_same(got.gates, want.gates, g, "gates", pw->name, c);
            if (c->cell == LSTM)
                assert_same(got.ac, want.ac, u, "act(c)", pw->name, c);
            if (c->cell == GRU)
                assert_same(got.rec, want.rec, g, "h U + b_rec", pw->name, c);
        }
        free_out(&got);
    }
    for (int k = 0; k < 2; k++)
        free(heads[k].w), free(heads[k].bias);
    free(work), free(proj);
    free_out(&want);
}

static void check_path(const rl_kernels *k)
{
    if (!k)
        return;   /* the path is not in this build or CPU (as test_kernels) */
    const rl_pointwise *pw = rl__pointwise_for(k->name);
    assert_string_equal(pw->name, k->name);
    static const int acts[][2] = { { 2, 3 }, { 1, 4 } };   /* tanh/sigmoid; relu/hard_sigmoid */
    uint64_t seed = 1;
    for (int cell = LSTM; cell <= RNN; cell++)
        for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
            for (size_t j = 0; j < sizeof inputs / sizeof inputs[0]; j++) {
                step_case c = make_case((enum cell)cell, units[i], inputs[j], seed += 10);
                for (size_t a = 0; a < 2; a++)
                    for (int fresh = 0; fresh < 2; fresh++)
                        check_case(pw, &c, fresh, acts[a][0], acts[a][1]);
                free_case(&c);
            }
}

TU_TEST_EACH_KERNEL_PATH(check_path)

/* Where the one-row step cuts its h U passes (rl_row_pass_bytes), at the
 * cache sizes of the two machines it was measured on (docs/performance.md,
 * the ninth and tenth sessions' sections). */
static void test_pass_bytes_rule(void **state)
{
    (void)state;
    const size_t kib = 1024, col = 50 * 64;   /* LSTM(50): a vector column */
    /* Packed LSTM(50) U, 41.6 KB: over 3/4 of the Xeon's 48 KiB, 7-vector
     * passes of 24 KiB; over Zen 4's 32 KiB, passes of 16 KiB. */
    assert_int_equal(rl_row_pass_bytes(41600, col, 48 * kib), 24 * kib);
    assert_int_equal(rl_row_pass_bytes(41600, col, 32 * kib), 16 * kib);
    /* SimpleRNN(100), 44.8 KB: within 48 KiB, but half of L1d holds only
     * 3 vector columns of its 100 rows (fewer than 6), so one pass. */
    assert_int_equal(rl_row_pass_bytes(44800, 100 * 64, 48 * kib), 0);
    /* Up to three quarters of L1d, more than twice it, or L1d not known:
     * one pass. */
    assert_int_equal(rl_row_pass_bytes(36 * kib, col, 48 * kib), 0);
    assert_int_equal(rl_row_pass_bytes(36 * kib + 4, col, 48 * kib), 24 * kib);
    assert_int_equal(rl_row_pass_bytes(97 * kib, col, 48 * kib), 0);
    assert_int_equal(rl_row_pass_bytes(41600, col, 0), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pass_bytes_rule),
        cmocka_unit_test(test_scalar),
        cmocka_unit_test(test_avx2),
        cmocka_unit_test(test_avx512),
        cmocka_unit_test(test_neon),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
