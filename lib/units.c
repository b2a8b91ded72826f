/* Raw <-> model units and the meaning of the output row (units.h). The
 * element functions are the scaler's own, so a forecast or a stream rounds
 * exactly as rl_scaler_transform / rl_scaler_inverse_transform_column do. */
#include "units.h"

#include <string.h>

#include "scaler.h"
#include "transform.h"

size_t rl__units_target_count(const rl_model *m)
{
    return m->n_targets ? m->n_targets : m->n_features;
}

size_t rl__units_target_column(const rl_model *m, size_t j)
{
    return m->n_targets ? m->targets[j] : j;
}

int rl__units_is_target(const rl_model *m, size_t c)
{
    if (!m->n_targets)
        return 1;
    for (size_t j = 0; j < m->n_targets; j++)
        if (m->targets[j] == c)
            return 1;
    return 0;
}

size_t rl__units_out_steps(const rl_model *m)
{
    size_t n_out = rl__model_out_len(m), nt = rl__units_target_count(m);
    return n_out % nt == 0 ? n_out / nt : 0;
}

rl_status rl__units_check(const rl_model *m, const char *fn)
{
    size_t n_out = rl__model_out_len(m), nt = rl__units_target_count(m);
    if (n_out % nt != 0) {
        if (!m->n_targets)
            return rl__fail(m, RL_E_STATE,
                            "%s: the model outputs %zu values, not a multiple of its %zu input "
                            "columns: say which columns it forecasts with rl_model_set_targets",
                            fn, n_out, nt);
        return rl__fail(m, RL_E_STATE,
                        "%s: the model outputs %zu values, not a multiple of its %zu target "
                        "columns (rl_model_set_targets)", fn, n_out, nt);
    }
    if (m->transform && rl__transform_features(m->transform) != m->n_features)
        return rl__fail(m, RL_E_STATE,
                        "%s: the attached transform pipeline was fitted on %zu columns, the model "
                        "takes %zu", fn, rl__transform_features(m->transform), m->n_features);
    if (m->scaler && rl__scaler_features(m->scaler) != m->n_features)
        return rl__fail(m, RL_E_STATE,
                        "%s: the attached scaler was fitted on %zu columns, the model takes %zu",
                        fn, rl__scaler_features(m->scaler), m->n_features);
    return RL_OK;
}

size_t rl__units_history_rows(const rl_model *m)
{
    return m->transform ? rl__transform_lost_rows(m->transform) : 0;
}

void rl__units_to_model(const rl_model *m, const float *raw, size_t n_before, size_t n_rows,
                        float *out)
{
    (void)n_before;   /* >= the pipeline's lost rows: what differencing reads */
    size_t nf = m->n_features;
    if (m->transform) {
        rl__transform_forward_rows(m->transform, raw, n_rows, out);
        return;
    }
    if (!m->scaler) {
        memcpy(out, raw, n_rows * nf * sizeof(float));
        return;
    }
    for (size_t i = 0; i < n_rows; i++)
        for (size_t c = 0; c < nf; c++)
            out[i * nf + c] = rl__scaler_forward_value(m->scaler, c, raw[i * nf + c]);
}

void rl__units_outputs_to_raw(const rl_model *m, const float *prev, size_t n_prev,
                              const float *pred, size_t n_steps, float *out)
{
    size_t nt = rl__units_target_count(m);
    if (m->transform) {
        rl__transform_inverse_rows(m->transform, prev, n_prev, m->n_targets ? m->targets : NULL,
                                   nt, pred, n_steps, out);
        return;
    }
    for (size_t k = 0; k < n_steps; k++)
        for (size_t j = 0; j < nt; j++) {
            float v = pred[k * nt + j];
            out[k * nt + j] =
                m->scaler ? rl__scaler_inverse_value(m->scaler, rl__units_target_column(m, j), v)
                          : v;
        }
}
