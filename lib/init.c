#include "init.h"

#include <math.h>

#include "alloc.h"

static void glorot_uniform(float *w, size_t fan_in, size_t fan_out, rl_rng *rng)
{
    double limit = sqrt(6.0 / (double)(fan_in + fan_out));
    for (size_t i = 0; i < fan_in * fan_out; i++)
        w[i] = (float)((2.0 * rl__rng_uniform(rng) - 1.0) * limit);
}

/* Keras Orthogonal for a [rows][cols] matrix with rows <= cols: a normal
 * [cols][rows] matrix, QR (here modified Gram-Schmidt on its columns, which
 * gives R a positive diagonal as Keras' sign fix does), Q transposed. */
static rl_status orthogonal(float *w, size_t rows, size_t cols, rl_rng *rng)
{
    double *a = rl__calloc(rows * cols, sizeof(double));   /* column j at a + j*cols */
    if (!a)
        return RL_E_NOMEM;
    for (size_t i = 0; i < cols; i++)
        for (size_t j = 0; j < rows; j++)
            a[j * cols + i] = rl__rng_normal(rng);
    for (size_t j = 0; j < rows; j++) {
        double *qj = a + j * cols;
        for (size_t p = 0; p < j; p++) {
            const double *qp = a + p * cols;
            double dot = 0;
            for (size_t i = 0; i < cols; i++)
                dot += qp[i] * qj[i];
            for (size_t i = 0; i < cols; i++)
                qj[i] -= dot * qp[i];
        }
        double norm = 0;
        for (size_t i = 0; i < cols; i++)
            norm += qj[i] * qj[i];
        norm = sqrt(norm);
        for (size_t i = 0; i < cols; i++)
            qj[i] = norm > 0 ? qj[i] / norm : 0;
    }
    for (size_t j = 0; j < rows; j++)
        for (size_t i = 0; i < cols; i++)
            w[j * cols + i] = (float)a[j * cols + i];
    rl__free(a);
    return RL_OK;
}

/* One tensor of [rows][cols] as its spec says; draws in this order. */
static rl_status init_tensor(float *w, size_t rows, size_t cols, rl_init init, size_t units,
                             rl_rng *rng)
{
    switch (init) {
    case RL_INIT_GLOROT_UNIFORM:
        glorot_uniform(w, rows, cols, rng);
        return RL_OK;
    case RL_INIT_ORTHOGONAL:
        return orthogonal(w, rows, cols, rng);
    case RL_INIT_ZEROS:
    case RL_INIT_UNIT_FORGET_BIAS:
        for (size_t i = 0; i < rows * cols; i++)
            w[i] = 0;
        /* Keras' unit_forget_bias: the forget gate (the second block of
         * units) starts open. */
        for (size_t j = 0; init == RL_INIT_UNIT_FORGET_BIAS && j < units; j++)
            w[units + j] = 1;
        return RL_OK;
    }
    return RL_OK;
}

rl_status rl__init_layer(rl_layer *l, rl_rng *rng)
{
    size_t offset[RL_LAYER_MAX_TENSORS], count[RL_LAYER_MAX_TENSORS];
    size_t n = rl__layer_tensors(l, offset, count);
    size_t cols = l->ops->gates * l->units;
    for (size_t t = 0; t < n; t++) {
        rl_status s = init_tensor(l->w + offset[t], rl__layer_tensor_rows(l, t), cols,
                                  l->ops->tensors[t].init, l->units, rng);
        if (s != RL_OK)
            return s;
    }
    return RL_OK;
}
