/* lib/layer_table.h and the rl_layer_ops rows it lists: every kind is
 * described consistently, since the file reader and writer, the initialiser
 * and the API take everything they know about a kind from its row. */
#include "testutil.h"

#include <string.h>

#include "layer.h"
#include "rnnlite/rnnlite.h"

/* Each row names its own file id, a distinct name, and tensors in Keras
 * order: kernel on the input first, the recurrent kernel (only and always
 * for recurrent kinds) next, the bias last. */
static void rows_are_consistent(void **state)
{
    (void)state;
    for (int k = 0; k < RL_LAYER_KIND_COUNT; k++) {
        const rl_layer_ops *ops = rl__layer_ops((rl_layer_kind)k);
        assert_non_null(ops);
        assert_int_equal(ops->kind, k);
        assert_non_null(ops->name);
        assert_true(ops->gates >= 1 && ops->bias_rows >= 1);
        assert_true(!ops->has_rec_act || ops->recurrent);
        assert_non_null(ops->workspace);
        assert_non_null(ops->forward);
        assert_non_null(ops->backward);
        assert_true(ops->n_tensors >= 2 && ops->n_tensors <= RL_LAYER_MAX_TENSORS);
        assert_int_equal(ops->tensors[0].rows, RL_ROWS_INPUT);
        assert_int_equal(ops->tensors[ops->n_tensors - 1].rows, RL_ROWS_BIAS);
        int has_units_rows = 0;
        for (size_t t = 0; t < ops->n_tensors; t++) {
            assert_non_null(ops->tensors[t].name);
            has_units_rows |= ops->tensors[t].rows == RL_ROWS_UNITS;
        }
        assert_int_equal(has_units_rows, ops->recurrent != 0);
        for (int j = 0; j < k; j++)
            assert_string_not_equal(ops->name, rl__layer_ops((rl_layer_kind)j)->name);
    }
    assert_null(rl__layer_ops(RL_LAYER_KIND_COUNT));
}

/* The tensors tile the flat weight array, and the count they give is the
 * one the public API reports for a layer of that kind. */
static void tensors_tile_the_weights(void **state)
{
    (void)state;
    const size_t in = 3, units = 5;
    for (int k = 0; k < RL_LAYER_KIND_COUNT; k++) {
        rl_layer l;
        assert_true(rl__layer_init(&l, (rl_layer_kind)k, in, 4, units, RL_ACT_TANH,
                                   RL_ACT_SIGMOID, 1));
        size_t off[RL_LAYER_MAX_TENSORS], cnt[RL_LAYER_MAX_TENSORS];
        size_t n = rl__layer_tensors(&l, off, cnt), at = 0;
        for (size_t t = 0; t < n; t++) {
            assert_int_equal(off[t], at);
            assert_int_equal(cnt[t], rl__layer_tensor_rows(&l, t) * l.ops->gates * units);
            at += cnt[t];
        }
        assert_int_equal(at, l.n_w);
        size_t expect = (in + (l.ops->recurrent ? units : 0) + l.ops->bias_rows) *
                        l.ops->gates * units;
        assert_int_equal(l.n_w, expect);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rows_are_consistent),
        cmocka_unit_test(tensors_tile_the_weights),
    };
    return cmocka_run_group_tests_name("layer_table", tests, NULL, NULL);
}
