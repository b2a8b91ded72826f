/* Element-wise cell kernels per instruction set (cell_math.h). The
 * activation codes are rl_activation's values. */
#ifndef RL_POINTWISE_H
#define RL_POINTWISE_H

#include <stddef.h>

#include "row_step.h"

/* One fused one-row step (fused_row.h), in float (rl_row_args: row_step.h). */
typedef void (*rl_row_fn)(const rl_row_args *s);

typedef void (*rl_activate_fn)(int act, const float *x, float *y, size_t n);
typedef void (*rl_lstm_cell_fn)(size_t batch, size_t u, float *z, const float *c_prev, float *c,
                                float *ac, float *h, int act, int ract);
typedef void (*rl_gru_cell_fn)(size_t batch, size_t u, float *z, const float *rec,
                               const float *h_prev, float *h, int act, int ract);

#define RL_POINTWISE_DECLARE(isa)                                                              \
    void rl__pw_##isa##_activate(int act, const float *x, float *y, size_t n);                \
    void rl__pw_##isa##_lstm_cell(size_t batch, size_t u, float *z, const float *c_prev,      \
                                  float *c, float *ac, float *h, int act, int ract);          \
    void rl__pw_##isa##_gru_cell(size_t batch, size_t u, float *z, const float *rec,          \
                                 const float *h_prev, float *h, int act, int ract);          \
    void rl__pw_##isa##_act_backward(int act, const float *y, const float *dh,                \
                                     const float *dy, float *dz, size_t count);               \
    void rl__pw_##isa##_lstm_cell_backward(size_t batch, size_t u, const float *gates,        \
                                           const float *c_prev, const float *ac,              \
                                           const float *dy, const float *dh, float *dc,       \
                                           float *dz, int act, int ract);                     \
    void rl__pw_##isa##_gru_cell_backward(size_t batch, size_t u, const float *gates,         \
                                          const float *rec, const float *h_prev,              \
                                          const float *dy, float *dh, float *dzx,             \
                                          float *drec, int act, int ract);          \
    void rl__pw_##isa##_lstm_row(const rl_row_args *s);                                     \
    void rl__pw_##isa##_gru_row(const rl_row_args *s);                                      \
    void rl__pw_##isa##_rnn_row(const rl_row_args *s);

RL_POINTWISE_DECLARE(scalar)
RL_POINTWISE_DECLARE(avx2)
RL_POINTWISE_DECLARE(avx512)
RL_POINTWISE_DECLARE(neon)

typedef void (*rl_act_backward_fn)(int act, const float *y, const float *dh, const float *dy,
                                   float *dz, size_t count);
typedef void (*rl_lstm_cell_backward_fn)(size_t batch, size_t u, const float *gates,
                                         const float *c_prev, const float *ac, const float *dy,
                                         const float *dh, float *dc, float *dz, int act,
                                         int ract);
typedef void (*rl_gru_cell_backward_fn)(size_t batch, size_t u, const float *gates,
                                        const float *rec, const float *h_prev, const float *dy,
                                        float *dh, float *dzx, float *drec, int act, int ract);

typedef struct rl_pointwise {
    const char *name;
    rl_activate_fn activate;
    rl_lstm_cell_fn lstm_cell;
    rl_gru_cell_fn gru_cell;
    rl_act_backward_fn act_backward;
    rl_lstm_cell_backward_fn lstm_cell_backward;
    rl_gru_cell_backward_fn gru_cell_backward;
    /* row: the fused one-row steps (fused_row.h), and the widest Dense head
     * they step beside the cell (one vector) */
    rl_row_fn lstm_row, gru_row, rnn_row;
    size_t row_head_max;
} rl_pointwise;

#define RL_POINTWISE_TABLE(isa)                                                                \
    const rl_pointwise rl__pointwise_##isa = {                                                \
        #isa, rl__pw_##isa##_activate, rl__pw_##isa##_lstm_cell, rl__pw_##isa##_gru_cell,     \
        rl__pw_##isa##_act_backward, rl__pw_##isa##_lstm_cell_backward,                       \
        rl__pw_##isa##_gru_cell_backward,                                                     \
        rl__pw_##isa##_lstm_row, rl__pw_##isa##_gru_row, rl__pw_##isa##_rnn_row, V_WIDTH,     \
    };

extern const rl_pointwise rl__pointwise_scalar, rl__pointwise_avx2, rl__pointwise_avx512,
    rl__pointwise_neon;

/* The cell kernels of the same instruction set as the matrix kernels `name`
 * ("scalar", "avx2", "avx512", "neon"), so that one forced path covers both. */
const rl_pointwise *rl__pointwise_for(const char *name);

#endif
