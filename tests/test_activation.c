/* The library's own activation math (lib/kernels/pointwise_impl.h) against
 * libm in double, over the whole float range that matters, and every SIMD
 * path against the scalar one, bit for bit. */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "kernels/kernels.h"
#include "kernels/pointwise.h"
#include "rnnlite/rnnlite.h"
#include "testutil.h"

#define N 20001

static double reference(int act, double x)
{
    switch (act) {
    case RL_ACT_RELU: return x > 0 ? x : 0;
    case RL_ACT_TANH: return tanh(x);
    case RL_ACT_SIGMOID: return 1 / (1 + exp(-x));
    default: return x;
    }
}

/* Worst error in units of float's epsilon relative to max(|ref|, tiny). */
static void check_accuracy(int act, double lo, double hi, double max_ulps)
{
    static float x[N], y[N];
    for (size_t i = 0; i < N; i++)
        x[i] = (float)(lo + (hi - lo) * (double)i / (N - 1));
    rl__pw_scalar_activate(act, x, y, N);
    for (size_t i = 0; i < N; i++) {
        double want = reference(act, x[i]);
        double err = fabs((double)y[i] - want) / fmax(fabs(want), 1e-30) / FLT_EPSILON;
        if (!(err <= max_ulps)) {
            print_error("act %d at x=%.9g: got %.9g want %.17g (%.2f ulp)\n", act, (double)x[i],
                        (double)y[i], want, err);
            fail();
        }
    }
}

static void test_tanh_accuracy(void **state)
{
    (void)state;
    check_accuracy(RL_ACT_TANH, -1, 1, 3);      /* both branches meet at 0.625 */
    check_accuracy(RL_ACT_TANH, -12, 12, 3);
    check_accuracy(RL_ACT_TANH, -1e-4, 1e-4, 2); /* no cancellation near 0 */
}

static void test_sigmoid_accuracy(void **state)
{
    (void)state;
    check_accuracy(RL_ACT_SIGMOID, -20, 20, 4);
    check_accuracy(RL_ACT_SIGMOID, -80, -20, 8);  /* tiny outputs stay relatively accurate */
}

static void test_saturation_and_specials(void **state)
{
    (void)state;
    const float in[] = { -1e30f, -100.0f, -88.5f, 0.0f, -0.0f, 88.5f, 100.0f, 1e30f };
    float out[8];
    rl__pw_scalar_activate(RL_ACT_TANH, in, out, 8);
    assert_true(out[0] == -1.0f && out[1] == -1.0f && out[6] == 1.0f && out[7] == 1.0f);
    assert_true(out[3] == 0.0f);
    rl__pw_scalar_activate(RL_ACT_SIGMOID, in, out, 8);
    for (size_t i = 0; i < 8; i++)
        assert_true(out[i] >= 0.0f && out[i] <= 1.0f && isfinite(out[i]));
    assert_true(out[3] == 0.5f && out[7] == 1.0f && out[0] < 1e-30f);
    rl__pw_scalar_activate(RL_ACT_RELU, in, out, 8);
    assert_true(out[0] == 0.0f && out[7] == 1e30f);
}

/* Every compiled SIMD path the CPU runs gives the scalar path's bytes, for
 * every kernel, activation pair and a width with a partial last vector. */
static const rl_pointwise *simd_paths[3];

static size_t available_simd(void)
{
    size_t n = 0;
    if (rl__kernels_avx2())
        simd_paths[n++] = rl__pointwise_for("avx2");
    if (rl__kernels_avx512())
        simd_paths[n++] = rl__pointwise_for("avx512");
    if (rl__kernels_neon())
        simd_paths[n++] = rl__pointwise_for("neon");
    return n;
}

/* Every path, scalar first (the reference): fills pws, returns how many. */
static size_t every_path(const rl_pointwise *pws[4])
{
    size_t n = 1 + available_simd();
    pws[0] = &rl__pointwise_scalar;
    for (size_t p = 1; p < n; p++)
        pws[p] = simd_paths[p - 1];
    return n;
}

#define B 3
#define U 37   /* 2 x 16 + 5: full and partial vectors on both widths */

static void fill(float *x, size_t n, uint64_t seed, float scale)
{
    tu_fill_uniform(x, n, seed, -scale, scale);
}

/* A cell step's inputs for the backward checks, from seeds seed..seed+5:
 * pre-activations z0 and rec [B][4U], c_prev, dy, dh, dc [B][U]. */
static void fill_cell_inputs(uint64_t seed, float *z0, float *rec, float *cp, float *dy,
                             float *dh0, float *dc0)
{
    fill(z0, B * 4 * U, seed, 6);
    fill(rec, B * 4 * U, seed + 1, 3);
    fill(cp, B * U, seed + 2, 2);
    fill(dy, B * U, seed + 3, 1);
    fill(dh0, B * U, seed + 4, 1);
    fill(dc0, B * U, seed + 5, 1);
}

static void check_same(const float *a, const float *b, size_t n, const char *what, int act,
                       int ract)
{
    if (memcmp(a, b, n * sizeof(float)) != 0) {
        print_error("%s differs from scalar (act %d, ract %d)\n", what, act, ract);
        fail();
    }
}

static void test_simd_matches_scalar(void **state)
{
    (void)state;
    size_t n_paths = available_simd();
    assert_true(n_paths > 0);   /* registered only when a SIMD path runs */
    static float z0[B * 4 * U], rec[B * 4 * U], cp[B * U], dy[B * U], dh0[B * U], dc0[B * U];
    static float z[2][B * 4 * U], c[2][B * U], ac[2][B * U], h[2][B * U], dz[2][B * 4 * U];
    static float dh[2][B * U], dc[2][B * U], drec[2][B * 4 * U];
    fill_cell_inputs(1, z0, rec, cp, dy, dh0, dc0);
    for (size_t p = 0; p < n_paths; p++) {
        const rl_pointwise *pw[2] = { &rl__pointwise_scalar, simd_paths[p] };
        for (int act = 0; act < 4; act++) {
            for (int ract = 0; ract < 4; ract++) {
                for (int k = 0; k < 2; k++) {
                    memcpy(z[k], z0, sizeof z0);
                    pw[k]->lstm_cell(B, U, z[k], cp, c[k], ac[k], h[k], act, ract);
                    memcpy(dc[k], dc0, sizeof dc0);
                    pw[k]->lstm_cell_backward(B, U, z[k], cp, ac[k], dy, dh0, dc[k], dz[k], act,
                                              ract);
                }
                check_same(z[0], z[1], B * 4 * U, "lstm gates", act, ract);
                check_same(h[0], h[1], B * U, "lstm h", act, ract);
                check_same(c[0], c[1], B * U, "lstm c", act, ract);
                check_same(dz[0], dz[1], B * 4 * U, "lstm dz", act, ract);
                check_same(dc[0], dc[1], B * U, "lstm dc", act, ract);
                for (int k = 0; k < 2; k++) {
                    memcpy(z[k], z0, sizeof z0);
                    pw[k]->gru_cell(B, U, z[k], rec, cp, h[k], act, ract);
                    memcpy(dh[k], dh0, sizeof dh0);
                    pw[k]->gru_cell_backward(B, U, z[k], rec, cp, ract == 0 ? NULL : dy, dh[k],
                                             dz[k], drec[k], act, ract);
                }
                check_same(z[0], z[1], B * 3 * U, "gru gates", act, ract);
                check_same(h[0], h[1], B * U, "gru h", act, ract);
                check_same(dz[0], dz[1], B * U, "gru dzx (h~ third)", act, ract);
                check_same(drec[0], drec[1], B * 3 * U, "gru drec", act, ract);
                check_same(dh[0], dh[1], B * U, "gru dh", act, ract);
            }
            for (int k = 0; k < 2; k++) {
                pw[k]->activate(act, z0, z[k], B * 4 * U - 1);
                pw[k]->act_backward(act, z[k], dh0, act == 2 ? NULL : dy, dz[k], B * U - 3);
            }
            check_same(z[0], z[1], B * 4 * U - 1, "activate", act, 0);
            check_same(dz[0], dz[1], B * U - 3, "act_backward", act, 0);
        }
    }
}

/* The layers write the cells' gradients over the forward's caches (LSTM
 * dz over the gates, GRU drec over rec: layer_lstm.c, layer_gru.c): on
 * every path, scalar included, the backward in place gives the bytes of
 * the backward into separate buffers, for a width with a partial last
 * vector and with dy or without. */
static void test_cell_backward_in_place(void **state)
{
    (void)state;
    const rl_pointwise *pws[4];
    const size_t n = every_path(pws);
    static float z0[B * 4 * U], rec[B * 4 * U], cp[B * U], dy[B * U], dh0[B * U], dc0[B * U];
    static float z[B * 4 * U], c[B * U], ac[B * U], h[B * U], dz[B * 4 * U], dc[2][B * U];
    static float buf[B * 4 * U], dh[2][B * U], dzx[2][B * U];
    fill_cell_inputs(11, z0, rec, cp, dy, dh0, dc0);
    for (size_t p = 0; p < n; p++)
        for (int act = 0; act < 4; act++)
            for (int with_dy = 0; with_dy < 2; with_dy++) {
                const rl_pointwise *pw = pws[p];
                const int ract = (act + 1) % 4;
                const float *d = with_dy ? dy : NULL;
                memcpy(z, z0, sizeof z0);
                pw->lstm_cell(B, U, z, cp, c, ac, h, act, ract);
                memcpy(dc[0], dc0, sizeof dc0);
                memcpy(dc[1], dc0, sizeof dc0);
                pw->lstm_cell_backward(B, U, z, cp, ac, d, dh0, dc[0], dz, act, ract);
                memcpy(buf, z, sizeof z);
                pw->lstm_cell_backward(B, U, buf, cp, ac, d, dh0, dc[1], buf, act, ract);
                check_same(buf, dz, B * 4 * U, "lstm dz over the gates", act, ract);
                check_same(dc[1], dc[0], B * U, "lstm dc (dz over the gates)", act, ract);
                memcpy(z, z0, sizeof z0);
                pw->gru_cell(B, U, z, rec, cp, h, act, ract);
                memcpy(dh[0], dh0, sizeof dh0);
                memcpy(dh[1], dh0, sizeof dh0);
                pw->gru_cell_backward(B, U, z, rec, cp, d, dh[0], dzx[0], dz, act, ract);
                memcpy(buf, rec, B * 3 * U * sizeof(float));
                pw->gru_cell_backward(B, U, z, buf, cp, d, dh[1], dzx[1], buf, act, ract);
                check_same(buf, dz, B * 3 * U, "gru drec over rec", act, ract);
                check_same(dzx[1], dzx[0], B * U, "gru dzx (drec over rec)", act, ract);
                check_same(dh[1], dh[0], B * U, "gru dh (drec over rec)", act, ract);
            }
}

/* The backward cells on every width and batch the layers meet (a row of u
 * lanes: under one vector, whole vectors, whole vectors and a ragged end,
 * which the SIMD paths run as one more full vector overlapping the last,
 * cell_math.h), on every path against the scalar bytes, into separate
 * buffers and in place (LSTM dz over the gates, GRU drec over rec), for
 * the activation pair the paths instantiate as constants (tanh, sigmoid)
 * and two others, with dy and without; the floats after the last row stay
 * as they were. */
#define WB_MAX 64
#define WU_MAX 65
#define WGUARD 16

static int guard_intact(const float *p, size_t n, float v)
{
    for (size_t i = 0; i < n; i++)
        if (memcmp(&p[i], &v, sizeof v) != 0)
            return 0;
    return 1;
}

static void test_cell_backward_widths(void **state)
{
    (void)state;
    const rl_pointwise *pws[4];
    const size_t n = every_path(pws);
    enum { G = WB_MAX * 4 * WU_MAX, S = WB_MAX * WU_MAX };
    static float z0[G], rec0[G], cp[S], dy[S], dh0[S], dc0[S];
    static float z[G], c[S], ac[S], h[S];
    static float dz[4][G + WGUARD], dc[4][S + WGUARD], buf[4][G + WGUARD], dcin[4][S + WGUARD];
    static float dh[4][S + WGUARD], dzx[4][S + WGUARD], dhin[4][S + WGUARD], dzxin[4][S + WGUARD];
    static float drec[4][G + WGUARD], rbuf[4][G + WGUARD];
    const float mark = -7.25f;
    fill(z0, G, 21, 6);
    fill(rec0, G, 22, 3);
    fill(cp, S, 23, 2);
    fill(dy, S, 24, 1);
    fill(dh0, S, 25, 1);
    fill(dc0, S, 26, 1);
    const size_t units[] = { 1, 7, 15, 16, 17, 50, 65 }, batches[] = { 1, 3, 8, 13, 64 };
    const int acts[3][2] = { { 2, 3 }, { 1, 4 }, { 3, 2 } };
    for (size_t iu = 0; iu < sizeof units / sizeof units[0]; iu++)
        for (size_t ib = 0; ib < sizeof batches / sizeof batches[0]; ib++)
            for (int ia = 0; ia < 3; ia++)
                for (int with_dy = 0; with_dy < 2; with_dy++) {
                    const size_t u = units[iu], bt = batches[ib], g = 4 * u, s = bt * u;
                    const int act = acts[ia][0], ract = acts[ia][1];
                    const float *d = with_dy ? dy : NULL;
                    for (size_t k = 0; k < n; k++) {
                        const rl_pointwise *pw = pws[k];
                        for (size_t i = 0; i < G + WGUARD; i++)
                            dz[k][i] = buf[k][i] = mark;
                        for (size_t i = 0; i < S + WGUARD; i++)
                            dc[k][i] = dcin[k][i] = dh[k][i] = dhin[k][i] = dzx[k][i] =
                                dzxin[k][i] = mark;
                        /* LSTM: gates from the scalar forward (the same on every path) */
                        memcpy(z, z0, bt * g * sizeof(float));
                        rl__pointwise_scalar.lstm_cell(bt, u, z, cp, c, ac, h, act, ract);
                        memcpy(dc[k], dc0, s * sizeof(float));
                        memcpy(dcin[k], dc0, s * sizeof(float));
                        pw->lstm_cell_backward(bt, u, z, cp, ac, d, dh0, dc[k], dz[k], act, ract);
                        memcpy(buf[k], z, bt * g * sizeof(float));
                        pw->lstm_cell_backward(bt, u, buf[k], cp, ac, d, dh0, dcin[k], buf[k],
                                               act, ract);
                        check_same(dz[0], dz[k], bt * g, "lstm dz (widths)", act, ract);
                        check_same(dc[0], dc[k], s, "lstm dc (widths)", act, ract);
                        check_same(dz[0], buf[k], bt * g, "lstm dz over the gates (widths)", act,
                                   ract);
                        check_same(dc[0], dcin[k], s, "lstm dc, in place (widths)", act, ract);
                        if (!guard_intact(dz[k] + bt * g, G + WGUARD - bt * g, mark) ||
                            !guard_intact(buf[k] + bt * g, G + WGUARD - bt * g, mark) ||
                            !guard_intact(dc[k] + s, S + WGUARD - s, mark)) {
                            print_error("lstm backward wrote past its rows (u %zu, batch %zu, "
                                        "path %zu)\n", u, bt, k);
                            fail();
                        }
                        /* GRU: z, r, h~ from the scalar forward; rec as given */
                        memcpy(z, z0, bt * 3 * u * sizeof(float));
                        rl__pointwise_scalar.gru_cell(bt, u, z, rec0, cp, h, act, ract);
                        memcpy(dh[k], dh0, s * sizeof(float));
                        memcpy(dhin[k], dh0, s * sizeof(float));
                        for (size_t i = 0; i < G + WGUARD; i++)
                            drec[k][i] = rbuf[k][i] = mark;
                        pw->gru_cell_backward(bt, u, z, rec0, cp, d, dh[k], dzx[k], drec[k], act,
                                              ract);
                        memcpy(rbuf[k], rec0, bt * 3 * u * sizeof(float));
                        pw->gru_cell_backward(bt, u, z, rbuf[k], cp, d, dhin[k], dzxin[k],
                                              rbuf[k], act, ract);
                        check_same(drec[0], drec[k], bt * 3 * u, "gru drec (widths)", act, ract);
                        check_same(dzx[0], dzx[k], s, "gru dzx (widths)", act, ract);
                        check_same(dh[0], dh[k], s, "gru dh (widths)", act, ract);
                        check_same(drec[0], rbuf[k], bt * 3 * u, "gru drec over rec (widths)",
                                   act, ract);
                        check_same(dzx[0], dzxin[k], s, "gru dzx, in place (widths)", act, ract);
                        check_same(dh[0], dhin[k], s, "gru dh, in place (widths)", act, ract);
                        if (!guard_intact(drec[k] + bt * 3 * u, G + WGUARD - bt * 3 * u, mark) ||
                            !guard_intact(rbuf[k] + bt * 3 * u, G + WGUARD - bt * 3 * u, mark) ||
                            !guard_intact(dzx[k] + s, S + WGUARD - s, mark) ||
                            !guard_intact(dh[k] + s, S + WGUARD - s, mark)) {
                            print_error("gru backward wrote past its rows (u %zu, batch %zu, "
                                        "path %zu)\n", u, bt, k);
                            fail();
                        }
                    }
                }
}

/* tanh runs one sequence for every x (pointwise_impl.h: (1 - e) / (1 + e),
 * e = exp(-2|x|), no second polynomial path selected below a seam): on runs
 * of consecutive floats across the places where that sequence changes
 * regime -- the reduction's n steps (|x| = ln 2 / 4, 3 ln 2 / 4), the old
 * seam 0.625, the clamp at 10 -- every path gives the scalar bits, the
 * result is odd bit for bit and never decreases. A sequence that rounded
 * differently on one side of a regime boundary shows here as a step down. */
static void test_tanh_one_path_odd_monotonic(void **state)
{
    (void)state;
    enum { RUN = 1 << 16 };
    static float x[RUN], neg[RUN], y[RUN], yneg[RUN], ysimd[RUN];
    const float starts[] = { 0.0f, 1e-6f, 0.17f, 0.515f, 0.62f, 3.0f, 9.999f };
    size_t n_paths = available_simd();
    for (size_t s = 0; s < sizeof starts / sizeof starts[0]; s++) {
        x[0] = starts[s];
        for (size_t i = 1; i < RUN; i++)
            x[i] = nextafterf(x[i - 1], INFINITY);
        for (size_t i = 0; i < RUN; i++)
            neg[i] = -x[i];
        rl__pw_scalar_activate(RL_ACT_TANH, x, y, RUN);
        rl__pw_scalar_activate(RL_ACT_TANH, neg, yneg, RUN);
        for (size_t i = 0; i < RUN; i++) {
            if (i > 0 && y[i] < y[i - 1]) {
                print_error("tanh decreases from x=%.9g (%.9g) to %.9g (%.9g)\n", (double)x[i - 1],
                            (double)y[i - 1], (double)x[i], (double)y[i]);
                fail();
            }
            float minus = -y[i];
            if (memcmp(&minus, &yneg[i], sizeof minus) != 0) {
                print_error("tanh(-x) != -tanh(x) at x=%.9g\n", (double)x[i]);
                fail();
            }
            if (fabsf(x[i]) >= 10.0f && y[i] != 1.0f)
                fail_msg("tanh(%.9g) = %.9g, not 1", (double)x[i], (double)y[i]);
        }
        for (size_t p = 0; p < n_paths; p++) {
            simd_paths[p]->activate(RL_ACT_TANH, x, ysimd, RUN);
            check_same(y, ysimd, RUN, "tanh on consecutive floats", RL_ACT_TANH, 0);
        }
    }
}

/* The sigmoid and tanh sequences in pointwise_impl.h are written folded
 * (eighth session): the sigmoid's exp(-x) without the negation, tanh's
 * reduction on |x| instead of w = 2|x|, each a vector operation fewer, and
 * claimed to give the bits of the plain sequences below (the library's
 * until then) for every float. Here the plain sequences, one rounding per
 * step with fmaf for each fused step, are the reference: on runs of
 * consecutive floats across every place where a sequence changes regime
 * (0, the reduction's n steps, the clamps, the subnormals, tanh's clamp at
 * 10) and on random bit patterns, every path gives their bits (a NaN for a
 * NaN). A fold that lost a power-of-two factor, a sign or a rounding fails
 * here (e.g. 1 - q as q - 1, or tanh's halves as 1 -+ t: every value). */
static float plain_min(float a, float b) { return a < b ? a : b; }
static float plain_max(float a, float b) { return a > b ? a : b; }

static float plain_sigmoid(float x)
{
    if (isnan(x))
        return x;
    float t = 0.0f - x;
    t = plain_min(88.3762626647949f, plain_max(-87.3365447505f, t));
    float n = fmaf(t, 1.44269504088896341f, 12582912.0f);
    n = n - 12582912.0f;
    float r = fmaf(n, -0.693359375f, t);
    r = fmaf(n, 2.12194440e-4f, r);
    float p = 1.9875691500e-4f;
    p = fmaf(p, r, 1.3981999507e-3f);
    p = fmaf(p, r, 8.3334519073e-3f);
    p = fmaf(p, r, 4.1665795894e-2f);
    p = fmaf(p, r, 1.6666665459e-1f);
    p = fmaf(p, r, 5.0000001201e-1f);
    float rr = r * r;
    p = fmaf(p, rr, r);
    p = p + 1.0f;
    float e = ldexpf(p, (int)n);
    float d = 1.0f + e;
    return 1.0f / d;
}

static float plain_tanh(float x)
{
    if (isnan(x))
        return x;
    float a = plain_min(10.0f, fabsf(x));
    float w = a + a;
    float n = fmaf(w, -1.44269504088896341f, 12582912.0f);
    n = n - 12582912.0f;
    float r = fmaf(n, 0.693359375f, w);
    r = fmaf(n, -2.12194440e-4f, r);
    float p = 1.9875691500e-4f;
    p = fmaf(p, r, -1.3981999507e-3f);
    p = fmaf(p, r, 8.3334519073e-3f);
    p = fmaf(p, r, -4.1665795894e-2f);
    p = fmaf(p, r, 1.6666665459e-1f);
    p = fmaf(p, r, -5.0000001201e-1f);
    float rr = r * r;
    float m = fmaf(p, rr, r);
    float t = ldexpf(1.0f, (int)n);
    float num = fmaf(t, m, 1.0f - t);
    float den = fmaf(-t, m, 1.0f + t);
    return copysignf(num / den, x);
}

static void check_plain(int act, const float *x, size_t n, const rl_pointwise *pw,
                        const char *path)
{
    static float y[1 << 16];
    pw->activate(act, x, y, n);
    for (size_t i = 0; i < n; i++) {
        float want = act == RL_ACT_TANH ? plain_tanh(x[i]) : plain_sigmoid(x[i]);
        if (isnan(want) || isnan(y[i])) {
            if (!isnan(want) || !isnan(y[i]))
                fail_msg("%s act %d x=%a: got %a want %a", path, act, (double)x[i], (double)y[i],
                         (double)want);
            continue;
        }
        if (memcmp(&want, &y[i], sizeof want) != 0)
            fail_msg("%s act %d x=%a: got %a, the plain sequence %a", path, act, (double)x[i],
                     (double)y[i], (double)want);
    }
}

static void test_folded_forms_match_plain(void **state)
{
    (void)state;
    enum { RUN = 1 << 16 };
    static float x[RUN];
    const rl_pointwise *pws[4];
    const char *names[4] = { "scalar", "simd 1", "simd 2", "simd 3" };
    const size_t n_paths = every_path(pws);
    /* run starts (each run goes up, then the same run negated) */
    const float starts[] = { 0.0f,   1e-30f, 1e-6f,      0.17f,  0.3465f, 0.5195f, 1.0395f,
                             3.0f,   9.999f, 43.66f,     87.33f, 88.37f,  88.72f,  1e30f,
                             3e38f,  FLT_MIN * 0.5f };
    for (int act = RL_ACT_TANH; act <= RL_ACT_SIGMOID; act++)
        for (size_t s = 0; s < sizeof starts / sizeof starts[0]; s++)
            for (int sign = 0; sign < 2; sign++) {
                x[0] = sign ? -starts[s] : starts[s];
                for (size_t i = 1; i < RUN; i++)
                    x[i] = nextafterf(x[i - 1], sign ? -INFINITY : INFINITY);
                for (size_t p = 0; p < n_paths; p++)
                    check_plain(act, x, RUN, pws[p], names[p]);
            }
    /* random bit patterns: every exponent, subnormals, infinities, NaNs */
    uint64_t st = 0x9e3779b97f4a7c15u;
    for (int rep = 0; rep < 8; rep++) {
        for (size_t i = 0; i < RUN; i++) {
            st = st * 6364136223846793005u + 1442695040888963407u;
            uint32_t bits = (uint32_t)(st >> 32);
            memcpy(&x[i], &bits, sizeof bits);
        }
        for (int act = RL_ACT_TANH; act <= RL_ACT_SIGMOID; act++)
            for (size_t p = 0; p < n_paths; p++)
                check_plain(act, x, RUN, pws[p], names[p]);
    }
}

int main(void)
{
    struct CMUnitTest tests[8];
    size_t n = 0;
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_tanh_accuracy);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_sigmoid_accuracy);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_saturation_and_specials);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_tanh_one_path_odd_monotonic);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_folded_forms_match_plain);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_cell_backward_in_place);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_cell_backward_widths);
    /* Not registered without a SIMD path: cmocka's TAP skip reads as a failure to meson. */
    if (available_simd() > 0)
        tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_simd_matches_scalar);
    return _cmocka_run_group_tests("activation", tests, n, NULL, NULL);
}
