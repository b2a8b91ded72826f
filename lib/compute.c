#include "compute.h"

#ifdef RL_REAL_DOUBLE
#include "activation.h"
#else
#include "kernels/kernels.h"
#include "kernels/pointwise.h"
#include "pool.h"
#endif

/* In square tiles, so that both the reads and the strided writes stay in
 * cache lines already loaded (the plain double loop missed on every write). */
void rl__transpose(real *restrict dst, const real *restrict src, size_t rows, size_t cols)
{
    enum { TILE = 16 };
    for (size_t i0 = 0; i0 < rows; i0 += TILE) {
        size_t i1 = i0 + TILE < rows ? i0 + TILE : rows;
        for (size_t j0 = 0; j0 < cols; j0 += TILE) {
            size_t j1 = j0 + TILE < cols ? j0 + TILE : cols;
            for (size_t i = i0; i < i1; i++)
                for (size_t j = j0; j < j1; j++)
                    dst[j * rows + i] = src[i * cols + j];
        }
    }
}

#ifdef RL_REAL_DOUBLE
/* The double build (gradient checks) needs only a correct product. */
void rl__gemm(const rl_compute *cx, size_t m, size_t n, size_t k,
              const real *a, size_t a_rs, size_t a_cs,
              const real *b, size_t ldb, real *c, size_t ldc, int accumulate)
{
    (void)cx;
    for (size_t i = 0; i < m; i++) {
        real *ci = c + i * ldc;
        if (!accumulate)
            for (size_t j = 0; j < n; j++)
                ci[j] = 0;
        for (size_t p = 0; p < k; p++)
            for (size_t j = 0; j < n; j++)
                ci[j] = fma(a[i * a_rs + p * a_cs], b[p * ldb + j], ci[j]);
    }
}

/* The same cell formulas as lib/kernels/pointwise_impl.h, with libm's
 * functions, for the double-precision gradient checks. */
void rl__activate_n(const rl_compute *cx, int act, const real *x, real *y, size_t n)
{
    (void)cx;
    rl__activate((rl_activation)act, x, y, n);
}

void rl__lstm_cell(const rl_compute *cx, size_t batch, size_t u, real *z, const real *c_prev,
                   real *c, real *ac, real *h, int act, int ract)
{
    (void)cx;
    for (size_t b = 0; b < batch; b++) {
        real *zb = z + b * 4 * u;
        for (size_t j = 0; j < u; j++) {
            size_t k = b * u + j;
            real i_ = rl__activation_one(ract, zb[j]);
            real f_ = rl__activation_one(ract, zb[u + j]);
            real g_ = rl__activation_one(act, zb[2 * u + j]);
            real o_ = rl__activation_one(ract, zb[3 * u + j]);
            zb[j] = i_;
            zb[u + j] = f_;
            zb[2 * u + j] = g_;
            zb[3 * u + j] = o_;
            c[k] = fma(f_, c_prev[k], i_ * g_);
            ac[k] = rl__activation_one(act, c[k]);
            h[k] = o_ * ac[k];
        }
    }
}

void rl__gru_cell(const rl_compute *cx, size_t batch, size_t u, real *z, const real *rec,
                  const real *h_prev, real *h, int act, int ract)
{
    (void)cx;
    for (size_t b = 0; b < batch; b++) {
        real *zb = z + b * 3 * u;
        const real *rb = rec + b * 3 * u;
        for (size_t j = 0; j < u; j++) {
            size_t k = b * u + j;
            real z_ = rl__activation_one(ract, zb[j] + rb[j]);
            real r_ = rl__activation_one(ract, zb[u + j] + rb[u + j]);
            real hh = rl__activation_one(act, fma(r_, rb[2 * u + j], zb[2 * u + j]));
            zb[j] = z_;
            zb[u + j] = r_;
            zb[2 * u + j] = hh;
            h[k] = fma(z_, h_prev[k], (1 - z_) * hh);
        }
    }
}
void rl__act_backward(const rl_compute *cx, int act, const real *y, const real *dh,
                      const real *dy, real *dz, size_t n)
{
    (void)cx;
    for (size_t i = 0; i < n; i++)
        dz[i] = (dh[i] + (dy ? dy[i] : 0)) * rl__activation_grad((rl_activation)act, y[i]);
}

void rl__lstm_cell_backward(const rl_compute *cx, size_t batch, size_t u, const real *gates,
                            const real *c_prev, const real *ac, const real *dy, const real *dh,
                            real *dc, real *dz, int act, int ract)
{
    (void)cx;
    for (size_t b = 0; b < batch; b++) {
        const real *gb = gates + b * 4 * u;
        real *dzb = dz + b * 4 * u;
        for (size_t j = 0; j < u; j++) {
            size_t k = b * u + j;
            real i_ = gb[j], f_ = gb[u + j], g_ = gb[2 * u + j], o_ = gb[3 * u + j];
            real dh_ = dh[k] + (dy ? dy[k] : 0);
            real dc_ = dc[k] + dh_ * o_ * rl__activation_grad(act, ac[k]);
            dzb[j] = dc_ * g_ * rl__activation_grad(ract, i_);
            dzb[u + j] = dc_ * c_prev[k] * rl__activation_grad(ract, f_);
            dzb[2 * u + j] = dc_ * i_ * rl__activation_grad(act, g_);
            dzb[3 * u + j] = dh_ * ac[k] * rl__activation_grad(ract, o_);
            dc[k] = dc_ * f_;
        }
    }
}

void rl__gru_cell_backward(const rl_compute *cx, size_t batch, size_t u, const real *gates,
                           const real *rec, const real *h_prev, const real *dy, real *dh,
                           real *dzx, real *drec, int act, int ract)
{
    (void)cx;
    for (size_t b = 0; b < batch; b++) {
        const real *gb = gates + b * 3 * u, *rb = rec + b * 3 * u;
        real *dxb = dzx + b * 3 * u, *drb = drec + b * 3 * u;
        for (size_t j = 0; j < u; j++) {
            size_t k = b * u + j;
            real z_ = gb[j], r_ = gb[u + j], hh = gb[2 * u + j];
            real dh_ = dh[k] + (dy ? dy[k] : 0);
            real da = dh_ * (1 - z_) * rl__activation_grad(act, hh);
            real dz = dh_ * (h_prev[k] - hh) * rl__activation_grad(ract, z_);
            real dr = da * rb[2 * u + j] * rl__activation_grad(ract, r_);
            dxb[j] = drb[j] = dz;
            dxb[u + j] = drb[u + j] = dr;
            dxb[2 * u + j] = da;
            drb[2 * u + j] = da * r_;
            dh[k] = dh_ * z_;
        }
    }
}
#else
static const rl_kernels *kernels_of(const rl_compute *cx)
{
    return (cx && cx->kernels) ? cx->kernels : rl__kernels();
}

/* Cell kernels of the same path as the matrix kernels. */
static const rl_pointwise *pointwise_of(const rl_compute *cx)
{
    return rl__pointwise_for(kernels_of(cx)->name);
}

void rl__activate_n(const rl_compute *cx, int act, const real *x, real *y, size_t n)
{
    pointwise_of(cx)->activate(act, x, y, n);
}

void rl__lstm_cell(const rl_compute *cx, size_t batch, size_t u, real *z, const real *c_prev,
                   real *c, real *ac, real *h, int act, int ract)
{
    pointwise_of(cx)->lstm_cell(batch, u, z, c_prev, c, ac, h, act, ract);
}

void rl__gru_cell(const rl_compute *cx, size_t batch, size_t u, real *z, const real *rec,
                  const real *h_prev, real *h, int act, int ract)
{
    pointwise_of(cx)->gru_cell(batch, u, z, rec, h_prev, h, act, ract);
}

void rl__act_backward(const rl_compute *cx, int act, const real *y, const real *dh,
                      const real *dy, real *dz, size_t n)
{
    pointwise_of(cx)->act_backward(act, y, dh, dy, dz, n);
}

void rl__lstm_cell_backward(const rl_compute *cx, size_t batch, size_t u, const real *gates,
                            const real *c_prev, const real *ac, const real *dy, const real *dh,
                            real *dc, real *dz, int act, int ract)
{
    pointwise_of(cx)->lstm_cell_backward(batch, u, gates, c_prev, ac, dy, dh, dc, dz, act, ract);
}

void rl__gru_cell_backward(const rl_compute *cx, size_t batch, size_t u, const real *gates,
                           const real *rec, const real *h_prev, const real *dy, real *dh,
                           real *dzx, real *drec, int act, int ract)
{
    pointwise_of(cx)->gru_cell_backward(batch, u, gates, rec, h_prev, dy, dh, dzx, drec, act, ract);
}

void rl__gemm(const rl_compute *cx, size_t m, size_t n, size_t k,
              const real *a, size_t a_rs, size_t a_cs,
              const real *b, size_t ldb, real *c, size_t ldc, int accumulate)
{
    const rl_kernels *kern = kernels_of(cx);
    if (m == 0 || n == 0)
        return;
    if (cx && cx->pool) {
        rl__pool_gemm(cx->pool, kern->gemm, m, n, k, a, a_rs, a_cs, b, ldb, c, ldc, accumulate);
        return;
    }
    kern->gemm(m, n, k, a, a_rs, a_cs, b, ldb, c, ldc, accumulate);
}
#endif
