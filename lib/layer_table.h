/* The layer table: the one list of layer kinds. A row is
 *     ROW(file id, enum name, ops of the kind's layer_*.c)
 * The file id is what model files store: never renumber a row, add new kinds
 * at the end. Everything else about a kind (its name, weight tensors and
 * their initialisers, whether it has a recurrent activation, its passes) is
 * in its rl_layer_ops (layer.h), defined by its own layer_*.c; the file
 * reader and writer, the initialiser and the API ask the table for it.
 * lib/README.md lists every place a new kind touches. */
#ifndef RL_LAYER_TABLE_H
#define RL_LAYER_TABLE_H

#define RL_LAYER_TABLE(ROW)                                                                    \
    ROW(0, RL_LAYER_DENSE, rl__dense_ops)                                                      \
    ROW(1, RL_LAYER_SIMPLE_RNN, rl__simple_rnn_ops)                                            \
    ROW(2, RL_LAYER_LSTM, rl__lstm_ops)                                                        \
    ROW(3, RL_LAYER_GRU, rl__gru_ops)                                                          \
    ROW(4, RL_LAYER_GRU_RESET_BEFORE, rl__gru_reset_before_ops)

#endif
