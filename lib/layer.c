#include "layer.h"

#include <string.h>

#include "alloc.h"

#define DECLARE_OPS(id, name, ops) extern const rl_layer_ops ops;
RL_LAYER_TABLE(DECLARE_OPS)
#undef DECLARE_OPS

#define TABLE_ENTRY(id, name, ops) [name] = &ops,
static const rl_layer_ops *const layer_table[RL_LAYER_KIND_COUNT] = {
    RL_LAYER_TABLE(TABLE_ENTRY)
};
#undef TABLE_ENTRY

const rl_layer_ops *rl__layer_ops(rl_layer_kind kind)
{
    return (unsigned)kind < RL_LAYER_KIND_COUNT ? layer_table[kind] : NULL;
}

int rl__layer_init(rl_layer *l, rl_layer_kind kind, size_t in, size_t in_steps, size_t units,
                   rl_activation act, rl_activation rec_act, int return_sequences)
{
    const rl_layer_ops *ops = rl__layer_ops(kind);
    int ok = 1;
    *l = (rl_layer){ 0 };
    l->ops = ops;
    l->in = in;
    l->units = units;
    l->in_steps = in_steps;
    l->out_steps = (ops->recurrent && !return_sequences) ? 1 : in_steps;
    l->act = act;
    l->rec_act = rec_act;
    l->return_sequences = ops->recurrent ? (return_sequences != 0) : 0;

    size_t gu = rl__mul(ops->gates, units, &ok), rows = 0;
    for (size_t t = 0; t < ops->n_tensors; t++) {
        size_t r = rl__layer_tensor_rows(l, t);
        ok &= rows + r >= rows;
        rows += r;
    }
    l->n_w = rl__mul(rows, gu, &ok);
    /* Every size the layer is later used with must fit in size_t, so that
     * rl__layer_out_len and the per-sample lengths need no checks of their
     * own: with a 32-bit size_t, 100000 steps x 65536 units does not. */
    (void)rl__mul(l->out_steps, units, &ok);
    (void)rl__mul(in_steps, in, &ok);
    (void)rl__mul(l->n_w, sizeof(real), &ok);
    return ok;
}

size_t rl__layer_tensor_rows(const rl_layer *l, size_t t)
{
    switch (l->ops->tensors[t].rows) {
    case RL_ROWS_INPUT: return l->in;
    case RL_ROWS_UNITS: return l->units;
    case RL_ROWS_BIAS: return l->ops->bias_rows;
    }
    return 0;
}

size_t rl__layer_tensors(const rl_layer *l, size_t offset[RL_LAYER_MAX_TENSORS],
                         size_t count[RL_LAYER_MAX_TENSORS])
{
    size_t gu = l->ops->gates * l->units, at = 0;
    for (size_t t = 0; t < l->ops->n_tensors; t++) {
        offset[t] = at;
        count[t] = rl__layer_tensor_rows(l, t) * gu;
        at += count[t];
    }
    return l->ops->n_tensors;
}

rl_status rl__layer_alloc_weights(rl_layer *l)
{
    l->w = rl__calloc(l->n_w, sizeof(real));
    l->grad = rl__calloc(l->n_w, sizeof(real));
    return l->w && l->grad ? RL_OK : RL_E_NOMEM;
}

rl_status rl__layer_reserve(rl_layer *l, size_t batch, int regions)
{
    if (batch <= l->cap_batch && regions == l->regions)
        return RL_OK;
    size_t n = l->ops->workspace(l, batch, regions);
    if (n == 0)
        return RL_E_NOMEM;
    real *ws = rl__calloc(n, sizeof(real));
    if (!ws)
        return RL_E_NOMEM;
    rl__free(l->ws);
    l->ws = ws;
    l->cap_batch = batch;
    l->regions = regions;
    l->packed_key.valid = 0;   /* a new area: nothing packed in it */
    return RL_OK;
}

void rl__layer_release_workspace(rl_layer *l)
{
    rl__free(l->ws);
    l->ws = l->out = NULL;
    l->cap_batch = 0;
    l->packed_key.valid = 0;
}

void rl__layer_free(rl_layer *l)
{
    rl__free(l->w);
    rl__free(l->grad);
    l->w = l->grad = NULL;
    rl__layer_release_workspace(l);
}

void rl__layer_project(const rl_layer *l, const rl_compute *cx, const real *x, real *proj)
{
    size_t off[RL_LAYER_MAX_TENSORS], cnt[RL_LAYER_MAX_TENSORS];
    size_t n = rl__layer_tensors(l, off, cnt), g = l->ops->gates * l->units;
    rl__fill_rows(cx, proj, l->w + off[n - 1], 1, g);   /* the bias is the last tensor */
    rl__gemm(cx, 1, g, l->in, x, l->in, 1, l->w, g, proj, g, 1);
}

size_t rl__layer_row_pack_len(const rl_layer *l)
{
    const size_t g = l->ops->gates * l->units;
    if (!l->ops->recurrent || !rl__row_pack_pays(l->units * g * sizeof(real)))
        return 0;
    return l->units * rl_row_rec_ld(g);
}

void rl__layer_row_pack(const rl_layer *l, real *dst)
{
    if (!rl__layer_row_pack_len(l))
        return;
    size_t g = l->ops->gates * l->units, ld = rl_row_rec_ld(g);
    const real *rec = l->w + l->in * g;
    for (size_t k = 0; k < l->units; k++) {   /* a row, then its padding */
        memcpy(dst + k * ld, rec + k * g, g * sizeof(real));
        memset(dst + k * ld + g, 0, (ld - g) * sizeof(real));
    }
}

/* A store or an add of one element, in multiply-adds of a product (the
 * pool's unit of work): both passes are memory-bound, ~6 per element
 * measured single-threaded with bench_breakdown. */
enum { WORK_MEMORY_PASS = 6, COLUMN_GRAIN = 16 };

typedef struct rows_job {
    real *c;
    const real *src;
    size_t rows, n;
} rows_job;

static void fill_range(void *ctx, size_t r0, size_t r1)
{
    const rows_job *j = ctx;
    for (size_t r = r0; r < r1; r++)
        for (size_t k = 0; k < j->n; k++)
            j->c[r * j->n + k] = j->src[k];
}

void rl__fill_rows(const rl_compute *cx, real *restrict c, const real *restrict bias, size_t rows,
                   size_t n)
{
    rows_job j = { c, bias, rows, n };
    rl__parallel_for_large(cx, rows, 1, rows * n * WORK_MEMORY_PASS, fill_range, &j);
}

static void col_sums_range(void *ctx, size_t j0, size_t j1)
{
    const rows_job *j = ctx;
    for (size_t r = 0; r < j->rows; r++)
        for (size_t k = j0; k < j1; k++)
            j->c[k] += j->src[r * j->n + k];
}

void rl__add_col_sums(const rl_compute *cx, real *restrict acc, const real *restrict d,
                      size_t rows, size_t n)
{
    rows_job j = { acc, d, rows, n };
    rl__parallel_for_large(cx, n, COLUMN_GRAIN, rows * n * WORK_MEMORY_PASS, col_sums_range, &j);
}

/* One input (the forecasting case): [x^T; 1] [2 x rows] in scratch. */
/* [x^T; 1] with one input, else the packed k blocks of x^T; at least those
 * of [x^T; h^T; 1] (or [h^T; 0; 1]) for the whole weight gradient. */
size_t rl__input_backward_scratch(const rl_layer *l, size_t rows, int *ok)
{
    size_t in_part = l->in == 1 ? rl__mul(rows, 2, ok) : rl__gemm_at_size(l->in, ok);
    size_t at_rows = l->in + l->units + 2;
    if (at_rows < l->units)
        *ok = 0;
    size_t rec_part = rl__gemm_at_size(at_rows, ok);
    return in_part > rec_part ? in_part : rec_part;
}

/* The bias gradient is a product by a row of ones (rl__col_sums: the bits
 * of the plain column sums). With one input it rides along with the kernel
 * gradient in one product of two rows, [x^T; 1] dz: dz -- the largest
 * array of the backward -- is then read once instead of twice, and both
 * rows keep their own fma chain in row order. */
void rl__input_backward(const rl_layer *l, const rl_compute *cx, const real *x, const real *dz,
                        size_t rows, real *g_kernel, real *g_bias, real *wt, real *dx,
                        real *scratch)
{
    size_t in = l->in, g = l->ops->gates * l->units;
    if (in == 1) {
        for (size_t p = 0; p < rows; p++) {
            scratch[p] = x[p];
            scratch[rows + p] = 1;
        }
        rl__gemm(cx, 2, g, rows, scratch, rows, 1, dz, g, g_kernel, (size_t)(g_bias - g_kernel),
                 0);
    } else {
        rl__gemm_at(cx, in, g, rows, x, in, dz, g, g_kernel, g, 0, scratch);
        rl__col_sums(cx, g_bias, dz, rows, g);
    }
    rl__input_dx(l, cx, dz, rows, wt, dx);
}

void rl__input_dx(const rl_layer *l, const rl_compute *cx, const real *dz, size_t rows,
                  real *wt, real *dx)
{
    size_t in = l->in, g = l->ops->gates * l->units;
    if (dx) {   /* W^T packed straight from W: no transpose, no per-call panel copy */
        rl__pack_b(cx, wt, g, in, l->w, 1, g);
        rl__gemm_packed(cx, rows, in, g, dz, g, 1, wt, dx, in, 0);
    }
}

enum { PACK_ALIGN = 64 };

size_t rl__layer_pack_floats(const rl_layer *l, unsigned gates, int *ok)
{
    /* rl__step_pack_floats is (u + in + 2) gates (u rounded up to 32): the
     * same product with u + 32, checked, bounds it without overflow. */
    size_t u = l->units, rows = u + l->in + 2;
    int fits = rows > u && u + 32 > u;
    size_t bound = rl__mul(rl__mul(rows, gates, &fits), u + 32, &fits);
    if (!fits || bound > (size_t)-1 - PACK_ALIGN / sizeof(real)) {
        *ok = 0;
        return 0;
    }
    return rl__step_pack_floats(l->in, u, gates) + PACK_ALIGN / sizeof(real);
}

real *rl__layer_pack_area(real *p)
{
    uintptr_t a = ((uintptr_t)p + PACK_ALIGN - 1) & ~(uintptr_t)(PACK_ALIGN - 1);
    return (real *)a;
}

size_t rl__sum_sizes(const size_t *n, size_t count, int ok)
{
    size_t total = 0;
    for (size_t i = 0; i < count && ok; i++) {
        ok = total + n[i] >= total;
        total += n[i];
    }
    return ok ? total : 0;
}

int rl__layer_shares(rl_layer *l, const rl_compute *cx, const rl_cell_step *s,
                     const real *x_folded, unsigned gates, rl_shares *sh)
{
    rl_cell_step first = *s;   /* step 0's, as far as the split looks */
    first.x = x_folded;
    if (l->regions && l->forward_only)
        rl__step_shares(cx, &first, gates, l->in_steps, sh);
    else
        rl__shares_one(sh, s->batch);
    l->shares_used = sh->n;
    return sh->n > 1;
}
