/* The stream behind the opaque rl_stream handle: what stream.c (lifecycle,
 * push, forecast) and stream_io.c (save, load) share.
 *
 * A stream reads its model and never writes it: everything it changes lives
 * in one block it owns, cut into the arrays below by stream_layout(), so a
 * clone is one copy and a push never allocates.
 *
 * Raw observations are kept, not scaled ones: converting to model units is
 * the units module's job (scaler, later transforms that read earlier raw
 * rows), and keeping raw rows lets it see what it needs. */
#ifndef RL_STREAM_H
#define RL_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"

/* The most observations a stream counts. No real stream gets near it (2^63
 * pushes); it is there so that a count loaded from a buffer cannot wrap
 * (which would put seen and ring_head out of step), and push and load share
 * it so that every stream a push leaves behind saves and loads again. */
#define RL__STREAM_MAX_SEEN (UINT64_C(1) << 63)

struct rl_stream {
    const rl_model *m;
    rl_stream_mode mode;

    /* Shape, fixed at create. */
    size_t n_features, time_steps;
    size_t history;          /* raw rows the units module reads before a window */
    size_t ring_rows;        /* raw rows kept: window T + history; stateful history + 1 */
    size_t n_out;            /* floats of one output row (model's steps * units) */
    size_t state_len;        /* sum of the layers' state lengths */
    size_t width;            /* widest layer input or output */
    size_t scratch_len;      /* largest step scratch */
    size_t proj_len;         /* largest input projection, gates * units */
    size_t proj0_len;        /* layer 0's */
    size_t work_rows;        /* rows of the forecast's linear raw buffer */
    size_t packed_len;       /* every layer's rl__layer_row_pack_len */
    int seq_out;             /* the model outputs a sequence ([T][units]) */
    int units_ok;            /* outputs are whole rows of targets (forecast, raw outputs) */
    uint64_t fingerprint;    /* of the model when the stream was made */

    /* What the stream has seen (saved by stream_io.c). */
    uint64_t seen;           /* observations since create/reset, <= RL__STREAM_MAX_SEEN */
    size_t ring_head;        /* ring row the next observation goes to */
    int fresh;               /* stateful: the state is the zero state */

    /* Arrays inside block, floats. Saved: ring, state, last_out, seq. */
    float *block;
    size_t block_len;
    float *ring;             /* [ring_rows][n_features] raw, circular */
    float *state;            /* stateful: every layer's state, layer after layer */
    float *last_out;         /* stateful: output row (model units) after the last push */
    float *seq;              /* stateful, sequence output: last T step outputs, circular by seen */
    /* Workspace, never saved. */
    float *wstate;           /* window runs and forecasts: a scratch copy of the states */
    float *lin;              /* [work_rows][n_features] raw rows in order */
    float *model_rows;       /* [work_rows][n_features] the same in model units */
    float *act_a, *act_b;    /* [width] activations between layers */
    float *scratch;          /* [scratch_len] a layer's step scratch */
    float *proj;             /* [proj_len] the input projection of a step */
    float *cache;            /* window mode: layer 0's projection of each kept
                              * observation, [ring_rows][proj0_len] by ring slot;
                              * rebuilt from the ring after a load */
    float *pred;             /* [n_out] an output row */
    float *packed;           /* [packed_len] the layers' U packed for the one-row
                              * step (rl__layer_row_pack), 64-byte aligned; valid
                              * while packed_ok and the model's weights_gen is
                              * packed_gen, else repacked before a step */
    int packed_ok;
    uint64_t packed_gen;

    rl_error err;            /* rl_stream_last_error(); written through error.h */
};

/* Points the arrays into s->block (after create, clone, load). */
void rl__stream_layout(rl_stream *s);
/* Block length in floats for the shape fields; 0 on overflow. */
size_t rl__stream_block_len(const rl_stream *s);
/* Fills every shape field from the model and mode; RL_OK or a failure with
 * a message in the model's last error. */
rl_status rl__stream_shape(rl_stream *s, const rl_model *m, rl_stream_mode mode);
/* Window mode: recomputes the projection cache from the ring (after a load). */
void rl__stream_rebuild_cache(rl_stream *s);
/* Fingerprint of what a stream depends on: architecture, weights, scaler, targets. */
uint64_t rl__stream_fingerprint(const rl_model *m);
/* A new stream of this shape (block allocated and laid out, zero state). */
rl_status rl__stream_new(rl_stream **out, const rl_model *m, rl_stream_mode mode);

/* rl_predict's forward of one window of model-unit rows [time_steps][n_features]
 * from the zero state, as a window-mode stream runs it (the layers' one-row
 * steps on U packed in the stream's block): y gets n_out floats. Uses the
 * stream's workspace only (wstate, activations, packed U); any shape. */
void rl__stream_run_rows(rl_stream *s, const float *rows, float *y);

/* Records a message in the stream (error.h's rl__fail); returns st. */
#define rl__stream_fail(s, st, ...) rl__fail(s, st, __VA_ARGS__)

#endif
