/**
 * @file rnnlite.h
 * @brief rnnlite: recurrent neural networks for time-series forecasting, in C.
 *
 * One opaque handle (::rl_model) holds a sequential stack of layers
 * (SimpleRNN, LSTM, GRU, Dense), its optimiser and its training state.
 * The numbers follow tf.keras 2.x: same weight layouts, same initialisers,
 * same optimiser steps.
 *
 * Conventions that hold for every function below:
 * - Data is float32, row-major and owned by the caller; the library copies
 *   what it keeps and never frees a caller pointer.
 * - Every function that can fail returns an ::rl_status. On failure nothing
 *   observable has changed, and rl_model_last_error() tells why.
 * - A handle may be used by one thread at a time; different handles are
 *   fully independent (the library has no global mutable state).
 * - No variadic functions, no `FILE *`, no structs by value: every function
 *   can be called through an FFI such as Python's ctypes.
 */
#ifndef RNNLITE_H
#define RNNLITE_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/** @name Version of this header
 *  Compare with rl_version_number() to detect a header/library mismatch.
 *  @{ */
#define RL_VERSION_MAJOR 0 /**< major version of this header */
#define RL_VERSION_MINOR 2 /**< minor version of this header */
#define RL_VERSION_PATCH 0 /**< patch version of this header */
/** MAJOR*10000 + MINOR*100 + PATCH, as rl_version_number() returns. */
#define RL_VERSION_NUMBER (RL_VERSION_MAJOR * 10000 + RL_VERSION_MINOR * 100 + RL_VERSION_PATCH)
/** @} */

#if defined(_WIN32) && defined(RNNLITE_BUILDING_DLL)
#define RL_API __declspec(dllexport)
#elif defined(__GNUC__)
#define RL_API __attribute__((visibility("default")))
#else
#define RL_API
#endif

/** Opaque model handle: a layer stack, its weights and its training state. */
typedef struct rl_model rl_model;

/** Opaque feature scaler (MinMax or Standard), fitted per feature column. */
typedef struct rl_scaler rl_scaler;

/** Result of every fallible call. Values are fixed forever. */
typedef enum rl_status {
    RL_OK = 0,            /**< success */
    RL_E_INVALID = 1,     /**< NULL pointer, zero size, value out of range */
    RL_E_NOMEM = 2,       /**< allocation failed (also: a size that would overflow) */
    RL_E_SHAPE = 3,       /**< sizes that do not fit: layers, weight count, buffer */
    RL_E_STATE = 4,       /**< wrong order: fit before compile, add after compile ... */
    RL_E_IO = 5,          /**< file could not be opened/read/written */
    RL_E_FORMAT = 6,      /**< model file/buffer corrupt, truncated, unknown version */
    RL_E_NUMERIC = 7,     /**< NaN/Inf in inputs, or training diverged */
    RL_E_UNSUPPORTED = 8  /**< valid request this build or model cannot do */
} rl_status;

/** Element-wise activation functions, as Keras names them. */
typedef enum rl_activation {
    RL_ACT_LINEAR = 0,   /**< identity */
    RL_ACT_RELU = 1,     /**< max(0, x) */
    RL_ACT_TANH = 2,     /**< tanh(x) */
    RL_ACT_SIGMOID = 3,  /**< 1 / (1 + exp(-x)) */
    /** clip(0.2 x + 0.5, 0, 1): the hard_sigmoid of tf.keras 2 and TensorFlow.js
     *  (TF.js' default recurrent activation). Keras 3 gave that name to another
     *  function, relu6(x + 3) / 6, which this is not. Since 0.2. */
    RL_ACT_HARD_SIGMOID = 4
} rl_activation;

/** Optimisers; their hyper-parameters are set with rl_model_set_param(). */
typedef enum rl_optimizer {
    RL_OPT_SGD = 0,      /**< SGD with optional momentum (Keras' nesterov=False) */
    RL_OPT_ADAM = 1,     /**< Adam as tf.keras.optimizers.Adam */
    RL_OPT_RMSPROP = 2   /**< RMSprop as tf.keras.optimizers.RMSprop (centered=False) */
} rl_optimizer;

/** Training losses, averaged over every output element of a batch. */
typedef enum rl_loss {
    RL_LOSS_MSE = 0,   /**< mean squared error */
    RL_LOSS_MAE = 1,   /**< mean absolute error */
    RL_LOSS_HUBER = 2  /**< Huber loss with delta 1, as tf.keras.losses.Huber() */
} rl_loss;

/**
 * Model parameters for rl_model_set_param(). Appended to, never renumbered.
 * Integer parameters pass as exact doubles. rl_param_bounds() gives the range.
 */
typedef enum rl_param {
    RL_PARAM_LEARNING_RATE = 0,    /**< step size; default 0.001 (Adam, RMSprop), 0.01 (SGD) */
    RL_PARAM_BETA1 = 1,            /**< Adam first-moment decay, [0,1); default 0.9 */
    RL_PARAM_BETA2 = 2,            /**< Adam second-moment decay, [0,1); default 0.999 */
    RL_PARAM_EPSILON = 3,          /**< Adam/RMSprop epsilon, > 0; default 1e-7 */
    RL_PARAM_MOMENTUM = 4,         /**< SGD and RMSprop momentum, [0,1); default 0 */
    RL_PARAM_CLIPNORM = 5,         /**< clip each gradient tensor to this L2 norm; 0 = off */
    RL_PARAM_SEED = 6,             /**< seed of initialisers and shuffling; set before compile */
    RL_PARAM_SHUFFLE = 7,          /**< 1 = reshuffle training samples every epoch (default), 0 = keep order */
    RL_PARAM_VALIDATION_SPLIT = 8, /**< fraction [0,1) held out from the end of the data; default 0 */
    RL_PARAM_PATIENCE = 9,         /**< early stopping: epochs without val-loss improvement; 0 = off */
    RL_PARAM_THREADS = 10,         /**< worker threads for the kernels, 1..64; default 1 */
    RL_PARAM_RHO = 11,             /**< RMSprop decay of the squared-gradient average; default 0.9 */
    /** 1 = Keras `stateful=True`: rl_fit(), rl_predict() and rl_evaluate()
     *  carry each batch row's final recurrent state into the same row of the
     *  next batch; no shuffling (::RL_PARAM_SHUFFLE is ignored); the states
     *  are reset at the start of every fit epoch and by
     *  rl_model_reset_states(). rl_fit() then needs the training (and
     *  validation) sample counts to be multiples of the batch size. States
     *  are kept per row for the batch size of the last stateful call (a
     *  predict or evaluate of n samples is one batch of n rows); a call with
     *  another number of rows starts from the zero state. Setting this
     *  parameter resets the states. Default 0. Saved in the model file. */
    RL_PARAM_STATEFUL = 12
} rl_param;

/** Number of ::rl_param values this library knows (one past the last). */
#define RL_PARAM_COUNT 13

/**
 * Called once after every epoch of rl_fit().
 * @param epoch     epoch just finished, counted from 1
 * @param loss      training loss of the epoch (sample-weighted batch mean)
 * @param val_loss  validation loss, or NaN when there is no validation split
 * @param user_data the pointer given to rl_model_set_epoch_callback()
 * @return 0 to go on, non-zero to stop training after this epoch (rl_fit then returns ::RL_OK)
 */
typedef int (*rl_epoch_callback)(size_t epoch, float loss, float val_loss, void *user_data);

/* ------------------------------------------------------------------ */
/** @name Library information
 *  @{ */

/** Library version as MAJOR*10000 + MINOR*100 + PATCH (compare with ::RL_VERSION_NUMBER). */
RL_API unsigned rl_version_number(void);

/** Library version as "MAJOR.MINOR.PATCH"; static storage, never NULL. */
RL_API const char *rl_version_string(void);

/** Name of a status ("ok", "invalid argument", ...); static storage, never NULL. */
RL_API const char *rl_status_string(rl_status s);

/**
 * Instruction-set path the kernels run on: "scalar", "avx2", "avx512"
 * (x86) or "neon" (AArch64 ASIMD); more names may come in later versions.
 * Chosen once from the CPU (x86: CPUID and XGETBV; AArch64: HWCAP); the
 * environment variable `RNNLITE_ISA=scalar|avx2|avx512|neon` forces a path
 * the CPU supports. Every path computes the same bits.
 * Static storage, never NULL.
 */
RL_API const char *rl_runtime_isa(void);

/** Name of a parameter ("learning_rate", ...); "unknown" for a value out of range. Never NULL. */
RL_API const char *rl_param_name(rl_param p);

/**
 * Accepted range of a parameter, both ends inclusive.
 * @return ::RL_OK, or ::RL_E_INVALID for an unknown @p p or NULL outputs.
 */
RL_API rl_status rl_param_bounds(rl_param p, double *lower, double *upper);

/** @} */

/* ------------------------------------------------------------------ */
/** @name Building a model
 *  Order: create, add layers, set parameters, compile. Adding a layer after
 *  compile is ::RL_E_STATE.
 *  @{ */

/**
 * Create an empty model for inputs of shape [time_steps][n_features].
 * @param out         receives the new handle (owned by the caller, free with rl_model_destroy())
 * @param time_steps  window length, >= 1
 * @param n_features  features per step, >= 1
 * @return ::RL_OK; ::RL_E_INVALID for NULL @p out or a zero size; ::RL_E_NOMEM.
 */
RL_API rl_status rl_model_create(rl_model **out, size_t time_steps, size_t n_features);

/** Free a model and everything it owns. NULL is a no-op. Destroy its streams
 *  (rl_stream_destroy()) first: a stream reads its model until it is destroyed. */
RL_API void rl_model_destroy(rl_model *m);

/**
 * Append a Keras SimpleRNN layer (h' = act(x W + h U + b)).
 * @param m                 model, not yet compiled
 * @param units             hidden size, 1..65536
 * @param activation        applied to the new state (Keras default: tanh)
 * @param return_sequences  non-zero to output every step (needed to stack a recurrent layer on it)
 * @return ::RL_OK; ::RL_E_INVALID (NULL, zero or too many units, unknown activation);
 *         ::RL_E_SHAPE when the previous layer does not output a sequence;
 *         ::RL_E_STATE after compile; ::RL_E_NOMEM.
 */
RL_API rl_status rl_model_add_simple_rnn(rl_model *m, size_t units, rl_activation activation,
                                         int return_sequences);

/**
 * Append a Keras LSTM layer: gates i, f, c, o; @p activation for the candidate
 * and the cell output, @p recurrent_activation for the gates (Keras: tanh, sigmoid).
 * Statuses as rl_model_add_simple_rnn().
 */
RL_API rl_status rl_model_add_lstm(rl_model *m, size_t units, rl_activation activation,
                                   rl_activation recurrent_activation, int return_sequences);

/**
 * Append a Keras GRU layer (reset_after=True, the TF2 default): gates z, r, h.
 * Statuses as rl_model_add_simple_rnn().
 */
RL_API rl_status rl_model_add_gru(rl_model *m, size_t units, rl_activation activation,
                                  rl_activation recurrent_activation, int return_sequences);

/**
 * Append a Keras GRU layer with reset_after=False (the Keras 2.2 default and
 * the only GRU of TensorFlow.js): gates z, r, h, one bias [3 units], and the
 * reset gate applied to the state before the candidate's recurrent product,
 * h~ = act(x W_h + b_h + (r * h) U_h). Weights as rl_model_add_gru() but with
 * a bias of one row. Statuses as rl_model_add_simple_rnn(). Since 0.2.
 */
RL_API rl_status rl_model_add_gru_reset_before(rl_model *m, size_t units,
                                               rl_activation activation,
                                               rl_activation recurrent_activation,
                                               int return_sequences);

/**
 * Append a Dense layer. On a sequence (after return_sequences) it applies to
 * every step, as Keras Dense does on 3-D input.
 * Statuses as rl_model_add_simple_rnn() (no ::RL_E_SHAPE).
 */
RL_API rl_status rl_model_add_dense(rl_model *m, size_t units, rl_activation activation);

/**
 * Set a parameter (see ::rl_param). Any time before rl_fit(); ::RL_PARAM_SEED
 * only before rl_model_compile().
 * @return ::RL_OK; ::RL_E_INVALID for NULL, an unknown parameter, NaN or a value
 *         outside rl_param_bounds() or not an integer where one is needed;
 *         ::RL_E_STATE for SEED after compile.
 */
RL_API rl_status rl_model_set_param(rl_model *m, rl_param p, double value);

/**
 * Read a parameter's current value.
 * @return ::RL_OK; ::RL_E_INVALID for NULL or an unknown parameter.
 */
RL_API rl_status rl_model_get_param(const rl_model *m, rl_param p, double *value);

/**
 * Choose optimiser and loss; allocate and initialise weights (glorot-uniform
 * kernels, orthogonal recurrent kernels, zero biases, LSTM forget bias 1) from
 * ::RL_PARAM_SEED, and the optimiser state.
 * @return ::RL_OK; ::RL_E_INVALID for an unknown optimiser or loss;
 *         ::RL_E_STATE when there is no layer or the model is compiled already;
 *         ::RL_E_NOMEM.
 */
RL_API rl_status rl_model_compile(rl_model *m, rl_optimizer opt, rl_loss loss);

/**
 * Install (or with NULL @p cb, remove) a callback run after every epoch of rl_fit().
 * @return ::RL_OK; ::RL_E_INVALID for NULL @p m.
 */
RL_API rl_status rl_model_set_epoch_callback(rl_model *m, rl_epoch_callback cb, void *user_data);

/**
 * Where the threads of ::RL_PARAM_THREADS may run. Whatever the placement,
 * threads only ever run on CPUs of the affinity mask of the thread that set
 * ::RL_PARAM_THREADS (the host's limits: taskset, cgroups, its own pinning),
 * the thread count is cut to the CPUs that mask allows (one CPU: no extra
 * thread, see rl_model_threads_in_use()), and the calling thread's affinity
 * is the same after every call as before it.
 */
typedef enum rl_thread_placement {
    /** Default: nothing is pinned; the OS schedules the workers and the
     *  calling thread, which shares the work. */
    RL_PLACE_FREE = 0,
    /** Each worker is pinned to a CPU of its own, those least used by other
     *  rnnlite models of the process first (two models spread instead of
     *  stacking). The calling thread is never pinned: it waits (sleeping)
     *  while the ::RL_PARAM_THREADS workers do all of the work. */
    RL_PLACE_WORKERS = 1,
    /** As ::RL_PLACE_WORKERS with one worker fewer, and the calling thread
     *  shares the work pinned to one more CPU of its own mask during each
     *  rl_fit(), rl_predict() and rl_evaluate(); its own mask is restored
     *  before the call returns, also when an epoch callback changes the
     *  threads. Only for hosts that want their thread pinned. */
    RL_PLACE_WORKERS_AND_CALLER = 2
} rl_thread_placement;

/**
 * Choose where the model's threads run (see ::rl_thread_placement); takes
 * effect at once (the workers are restarted). The placement is a property
 * of the host: it is not saved with the model.
 * @return ::RL_OK; ::RL_E_INVALID for NULL or an unknown placement;
 *         ::RL_E_NOMEM when the threads cannot start (the old ones stay).
 */
RL_API rl_status rl_model_set_thread_placement(rl_model *m, rl_thread_placement placement);

/** One task of a parallel-for: run part @p index of the work described by @p task_data. */
typedef void (*rl_task_fn)(void *task_data, size_t index);

/**
 * A host's parallel-for: run task(task_data, i) once for every i in
 * [0, n_tasks), on any threads in any order, and return when all have
 * finished (the shape of pthreadpool_parallelize_1d, an OpenMP
 * `parallel for`, tbb::parallel_for or a job system's wait-for-all).
 * Tasks never block on each other, so running them one after another on
 * the calling thread is also correct.
 */
typedef void (*rl_parallel_for_fn)(rl_task_fn task, void *task_data, size_t n_tasks, void *user);

/**
 * Run the model's parallel work on the host's threads instead of its own:
 * while set, the model starts no thread (::RL_PARAM_THREADS is kept but
 * unused) and splits each large matrix product into tasks for @p fn, about
 * three per thread of @p concurrency. Results are bit-identical to one
 * thread's, whatever runs the tasks. NULL @p fn goes back to the model's
 * own threads. Not saved with the model.
 * @param m            model
 * @param fn           the host's parallel-for, or NULL
 * @param user         passed to @p fn unchanged
 * @param concurrency  threads the host runs tasks on, 1..64 (ignored with NULL @p fn)
 * @return ::RL_OK; ::RL_E_INVALID for NULL @p m or @p concurrency out of range;
 *         ::RL_E_NOMEM.
 */
RL_API rl_status rl_model_set_parallel_for(rl_model *m, rl_parallel_for_fn fn, void *user,
                                           size_t concurrency);

/**
 * Threads that share the model's work now: ::RL_PARAM_THREADS cut to the
 * CPUs the host allows (1 when it allows one, whatever was asked), or the
 * host parallel-for's concurrency.
 * @return ::RL_OK; ::RL_E_INVALID for NULL.
 */
RL_API rl_status rl_model_threads_in_use(const rl_model *m, size_t *threads);

/** @} */

/* ------------------------------------------------------------------ */
/** @name Inspecting a model
 *  @{ */

/** Number of layers added so far. @return ::RL_OK or ::RL_E_INVALID for NULL. */
RL_API rl_status rl_model_layer_count(const rl_model *m, size_t *count);

/**
 * Input shape given to rl_model_create().
 * @return ::RL_OK or ::RL_E_INVALID for NULL.
 */
RL_API rl_status rl_model_input_shape(const rl_model *m, size_t *time_steps, size_t *n_features);

/**
 * Output shape of one sample: @p steps is 1, or time_steps when the last
 * recurrent layer returns sequences; @p units is the last layer's width.
 * rl_predict() writes n_samples * steps * units floats.
 * @return ::RL_OK; ::RL_E_INVALID for NULL; ::RL_E_STATE when there is no layer.
 */
RL_API rl_status rl_model_output_shape(const rl_model *m, size_t *steps, size_t *units);

/**
 * Number of floats in layer @p layer's weights (all its tensors, Keras order).
 * @return ::RL_OK; ::RL_E_INVALID for NULL or a layer index out of range.
 */
RL_API rl_status rl_model_weight_count(const rl_model *m, size_t layer, size_t *count);

/**
 * Replace a layer's weights: one flat array in Keras get_weights() order, row-major.
 * @return ::RL_OK; ::RL_E_INVALID (NULL, bad layer); ::RL_E_SHAPE when @p count
 *         differs from rl_model_weight_count(); ::RL_E_NUMERIC for NaN/Inf;
 *         ::RL_E_STATE before compile.
 */
RL_API rl_status rl_model_set_weights(rl_model *m, size_t layer, const float *w, size_t count);

/** Copy a layer's weights out (layout as rl_model_set_weights()). Same statuses. */
RL_API rl_status rl_model_get_weights(const rl_model *m, size_t layer, float *w, size_t count);

/**
 * Loss history of the last rl_fit(): up to @p capacity values per array.
 * @param m          model
 * @param loss       training loss per epoch, or NULL
 * @param val_loss   validation loss per epoch (NaN without validation), or NULL
 * @param capacity   room in @p loss and in @p val_loss, in floats
 * @param n_epochs   receives the number of epochs the last fit ran
 * @return ::RL_OK; ::RL_E_INVALID for NULL @p m or @p n_epochs.
 */
RL_API rl_status rl_model_history(const rl_model *m, float *loss, float *val_loss,
                                  size_t capacity, size_t *n_epochs);

/**
 * Detail of the last failure on this handle ("" when none); valid until the
 * next call on the handle. Never NULL (NULL @p m gives a fixed message).
 */
RL_API const char *rl_model_last_error(const rl_model *m);

/** @} */

/* ------------------------------------------------------------------ */
/** @name Memory
 *  For hosts that budget memory (embedded, games, servers with quotas).
 *  @{ */

/** The host's allocation function: @p size bytes (any alignment), or NULL. */
typedef void *(*rl_malloc_fn)(size_t size, void *user);
/** The host's reallocation function (accepted, not called: see rl_set_allocator()). */
typedef void *(*rl_realloc_fn)(void *ptr, size_t size, void *user);
/** The host's free function for blocks of its rl_malloc_fn. */
typedef void (*rl_free_fn)(void *ptr, void *user);

/**
 * Route every allocation of the library through the host's allocator.
 *
 * Per process, set before the first model (or scaler, stream, buffer)
 * exists, not per model: memory crosses handles (rl_free() takes buffers a
 * model made, a load creates a model before any handle exists to carry a
 * hook, scalers are copied into models), so one allocator for everything
 * alive is the only way a block is never freed by another allocator than
 * the one that made it. The call is refused while any block of the library
 * is alive. Call it from one thread, before other threads use rnnlite.
 *
 * Blocks are 64-byte aligned: each asks @p malloc_fn for 72 bytes more
 * than it holds (alignment, and the pointer to give back to @p free_fn).
 * rnnlite never grows a block in place, so @p realloc_fn may be NULL and is
 * not called. @p malloc_fn returning NULL makes the call that needed the
 * memory fail with ::RL_E_NOMEM and change nothing.
 * @param malloc_fn   the host's allocation function, or NULL (with @p free_fn
 *                    NULL) for the C library's again
 * @param realloc_fn  may be NULL
 * @param free_fn     frees what @p malloc_fn returned
 * @param user        passed to the functions unchanged
 * @return ::RL_OK; ::RL_E_INVALID when only one of @p malloc_fn and @p free_fn
 *         is given; ::RL_E_STATE while any block of the library is alive.
 */
RL_API rl_status rl_set_allocator(rl_malloc_fn malloc_fn, rl_realloc_fn realloc_fn,
                                  rl_free_fn free_fn, void *user);

/**
 * Bytes the model needs, to budget before allocating (works before
 * rl_model_compile(), once the layers are added). Each is the sum of the
 * library's blocks (each rounded up to 64 bytes; see rl_set_allocator() for
 * what a host allocator is asked on top).
 * @param m           model with its layers
 * @param batch_size  samples per pass, for @p workspace
 * @param weights     receives what rl_model_compile() allocates for the
 *                    weights and their gradients (or NULL)
 * @param optimizer   receives what it allocates for the optimiser state (or NULL)
 * @param workspace   receives the buffers of a pass over @p batch_size samples
 *                    (rl_fit with that batch size; rl_predict and rl_evaluate
 *                    take at least 64 samples at a time), kept until the
 *                    model is destroyed. A fit adds 8 bytes per training
 *                    sample and per epoch, and with ::RL_PARAM_PATIENCE one
 *                    copy of the weights (half of @p weights); a stateful
 *                    model keeps its recurrent state per batch row. With
 *                    more than one thread (::RL_PARAM_THREADS,
 *                    rl_model_set_parallel_for(); set them first), each
 *                    recurrent layer also keeps the arrays of a predict's
 *                    steps once more, by thread (its states and gates of a
 *                    step or two; of every step when it returns sequences
 *                    or takes more than 64 inputs). (or NULL)
 * @return ::RL_OK; ::RL_E_INVALID for NULL @p m or a zero @p batch_size;
 *         ::RL_E_STATE without layers; ::RL_E_NOMEM when a size overflows.
 */
RL_API rl_status rl_model_memory_needed(const rl_model *m, size_t batch_size, size_t *weights,
                                        size_t *optimizer, size_t *workspace);

/** @} */

/* ------------------------------------------------------------------ */
/** @name Training and inference
 *  @{ */

/**
 * Train with the compiled optimiser and loss (Keras model.fit semantics).
 * The last ::RL_PARAM_VALIDATION_SPLIT fraction of the samples is held out
 * (before shuffling); with ::RL_PARAM_PATIENCE > 0 training stops when the
 * validation loss has not improved for that many epochs and the best weights
 * are restored. Calling rl_fit() again continues from the current weights and
 * optimiser state.
 * @param m          compiled model
 * @param x          [n_samples][time_steps][n_features]
 * @param y          [n_samples][units], or [n_samples][time_steps][units] when the
 *                   last recurrent layer returns sequences
 * @param n_samples  number of samples in @p x and @p y, >= 1
 * @param epochs     >= 1
 * @param batch_size >= 1 (clamped to the number of training samples)
 * @return ::RL_OK (also when stopped early or by the callback);
 *         ::RL_E_INVALID (NULL, zero sizes, too few samples for the split);
 *         ::RL_E_STATE before compile; ::RL_E_NUMERIC for NaN/Inf in @p x or
 *         @p y (nothing changed) or when training diverges (weights are then
 *         the last finite ones); ::RL_E_NOMEM.
 */
RL_API rl_status rl_fit(rl_model *m, const float *x, const float *y, size_t n_samples,
                        size_t epochs, size_t batch_size);

/**
 * Run the model forward.
 * @param m          compiled model
 * @param x          [n_samples][time_steps][n_features]
 * @param n_samples  number of samples in @p x, >= 1
 * @param y      output buffer, see rl_model_output_shape()
 * @param y_len  capacity of @p y in floats; must be at least n_samples*steps*units
 * @return ::RL_OK; ::RL_E_INVALID (NULL, zero samples); ::RL_E_SHAPE for a short
 *         @p y; ::RL_E_STATE before compile; ::RL_E_NUMERIC for NaN/Inf in @p x;
 *         ::RL_E_NOMEM.
 */
RL_API rl_status rl_predict(rl_model *m, const float *x, size_t n_samples, float *y, size_t y_len);

/**
 * Compute the compiled loss on (x, y) without training.
 * Statuses as rl_predict(), plus ::RL_E_NUMERIC for NaN/Inf in @p y.
 */
RL_API rl_status rl_evaluate(rl_model *m, const float *x, const float *y, size_t n_samples,
                             float *loss);

/**
 * Zero the recurrent states a stateful model (::RL_PARAM_STATEFUL) carries
 * between calls, as Keras' `model.reset_states()`. Harmless on a model that
 * is not stateful. Streams keep their own state and are not affected.
 * @return ::RL_OK; ::RL_E_INVALID for NULL.
 */
RL_API rl_status rl_model_reset_states(rl_model *m);

/** @} */

/* ------------------------------------------------------------------ */
/** @name Model files and buffers
 *  Format: docs/format.md. Files carry architecture, parameters, weights,
 *  the optimiser state and an attached scaler, with a CRC-32.
 *  @{ */

/**
 * Save a compiled model to @p path atomically (temporary file, fsync, rename):
 * on any failure the previous file at @p path is untouched.
 * @return ::RL_OK; ::RL_E_INVALID for NULL; ::RL_E_STATE before compile; ::RL_E_IO.
 */
RL_API rl_status rl_model_save(const rl_model *m, const char *path);

/**
 * Load a model saved by rl_model_save(); the new handle is compiled and ready.
 * Only a regular file is read (a FIFO or device fails with ::RL_E_IO without
 * blocking); its header and architecture are checked before the rest is
 * read, and a file larger than its layers can need is refused before
 * anything is allocated for it. The initialisers do not run: the weights
 * come from the file. rl_model_load_detail() also tells why a load failed.
 * @return ::RL_OK; ::RL_E_INVALID for NULL; ::RL_E_IO; ::RL_E_FORMAT for a
 *         corrupt, truncated or unknown file; ::RL_E_NOMEM.
 */
RL_API rl_status rl_model_load(rl_model **out, const char *path);

/**
 * Save into a buffer the library allocates; free it with rl_free().
 * @return ::RL_OK; ::RL_E_INVALID; ::RL_E_STATE before compile; ::RL_E_NOMEM.
 */
RL_API rl_status rl_model_save_buffer(const rl_model *m, void **buffer, size_t *size);

/**
 * Save into a caller buffer. With @p buffer NULL (and @p capacity 0), only
 * stores the size needed in @p size.
 * @return ::RL_OK; ::RL_E_SHAPE when @p capacity is too small (@p size tells
 *         the size needed); ::RL_E_INVALID; ::RL_E_STATE before compile.
 */
RL_API rl_status rl_model_save_to(const rl_model *m, void *buffer, size_t capacity, size_t *size);

/** Load from memory; statuses as rl_model_load() (no ::RL_E_IO). */
RL_API rl_status rl_model_load_buffer(rl_model **out, const void *buffer, size_t size);

/**
 * rl_model_load() that also says why it failed, for callers without a
 * handle to ask (there is none until the load succeeds).
 * @param out          receives the new handle; NULL on failure
 * @param path         file to read; only a regular file is accepted (a FIFO,
 *                     directory or device fails at once, never blocks)
 * @param message      caller buffer for the reason, or NULL; always
 *                     NUL-terminated (cut to fit), "" on success. The reason
 *                     names the path and the errno text (::RL_E_IO), or the
 *                     section, byte offset and field that is wrong (::RL_E_FORMAT),
 *                     e.g. "rl_model_load: 'm.rlm': WGHT at byte 412: layer 1
 *                     weight 3 is not finite". 256 bytes hold every message.
 * @param message_len  capacity of @p message in bytes (0 with NULL)
 * @return as rl_model_load().
 */
RL_API rl_status rl_model_load_detail(rl_model **out, const char *path, char *message,
                                      size_t message_len);

/** rl_model_load_buffer() with the reason of a failure, as rl_model_load_detail(). */
RL_API rl_status rl_model_load_buffer_detail(rl_model **out, const void *buffer, size_t size,
                                             char *message, size_t message_len);

/** Free memory the library returned (rl_model_save_buffer()). NULL is a no-op. */
RL_API void rl_free(void *p);

/**
 * Attach a copy of a fitted scaler to the model (saved with it), or detach
 * with NULL. rl_model_get_scaler() gives it back after rl_model_load().
 * @return ::RL_OK; ::RL_E_INVALID for NULL @p m; ::RL_E_STATE for an unfitted scaler;
 *         ::RL_E_NOMEM.
 */
RL_API rl_status rl_model_set_scaler(rl_model *m, const rl_scaler *s);

/**
 * A new copy of the attached scaler (caller frees with rl_scaler_destroy()).
 * @return ::RL_OK; ::RL_E_INVALID for NULL; ::RL_E_STATE when none is attached; ::RL_E_NOMEM.
 */
RL_API rl_status rl_model_get_scaler(const rl_model *m, rl_scaler **out);

/** @} */

/* ------------------------------------------------------------------ */
/** @name Streaming: one observation at a time
 *  A stream follows a series as its observations arrive and gives the
 *  model's forecast after each one. It reads its model and never changes
 *  it, so several streams of one model may run in several threads (each
 *  stream on one thread at a time); the work runs on the calling thread,
 *  never on the model's worker pool. The model must outlive its streams:
 *  rl_model_destroy() of a model with live streams, or changing its layers'
 *  weights, scaler or targets while streams follow it, is the caller's error
 *  (a saved stream then no longer loads: its fingerprint differs).
 *
 *  Units: observations go in and forecasts come out in raw units; the
 *  model's attached scaler is applied inside (rl_predict() by contrast works
 *  in model units).
 *
 *  Errors of rl_stream_create() and rl_stream_load_buffer() are told by
 *  rl_model_last_error() of the model (they count as a call on the model);
 *  those of every other stream call by rl_stream_last_error().
 *  @{ */

/** Opaque stream handle: the model it follows, its recent observations or
 *  recurrent state, and its own workspace. */
typedef struct rl_stream rl_stream;

/** What a stream keeps between observations. */
typedef enum rl_stream_mode {
    /** Keeps the last time_steps observations; each push predicts exactly
     *  (bit for bit) what rl_predict() gives on that window. */
    RL_STREAM_WINDOW = 0,
    /** Carries the recurrent state one step per push (O(1) per step, every
     *  layer stepped once); equals a stateful model's rl_predict() on the
     *  same series cut into consecutive windows, at each window's end. */
    RL_STREAM_STATEFUL = 1
} rl_stream_mode;

/**
 * Create a stream of a compiled model, starting from zero state (as after
 * rl_model_reset_states(), whatever the model's own states are) with no
 * observation seen. Every buffer the stream will need is allocated here:
 * rl_stream_push(), rl_stream_reset() and rl_stream_forecast() allocate
 * nothing.
 * @param out   receives the stream (free with rl_stream_destroy()); NULL on failure
 * @param m     compiled model; must outlive the stream
 * @param mode  ::RL_STREAM_WINDOW or ::RL_STREAM_STATEFUL
 * @return ::RL_OK; ::RL_E_INVALID for NULL or an unknown mode; ::RL_E_STATE
 *         before compile, or with an attached scaler whose outputs the model's
 *         targets do not place (see rl_model_set_targets()); ::RL_E_SHAPE for
 *         a scaler fitted on another number of features; ::RL_E_NOMEM.
 */
RL_API rl_status rl_stream_create(rl_stream **out, const rl_model *m, rl_stream_mode mode);

/**
 * Bytes rl_stream_create() would allocate for a stream of @p m in @p mode
 * (its handle and every buffer it ever uses), to budget before creating it.
 * @return ::RL_OK; ::RL_E_INVALID for NULL or an unknown mode; ::RL_E_STATE
 *         before compile; statuses of rl_stream_create() for a model it
 *         refuses; ::RL_E_NOMEM when the size overflows.
 */
RL_API rl_status rl_stream_memory_needed(const rl_model *m, rl_stream_mode mode, size_t *bytes);

/** Free a stream (never its model). NULL is a no-op. */
RL_API void rl_stream_destroy(rl_stream *s);

/**
 * Forget every observation: back to the state rl_stream_create() gave.
 * @return ::RL_OK; ::RL_E_INVALID for NULL.
 */
RL_API rl_status rl_stream_reset(rl_stream *s);

/**
 * Give the stream one observation and get the model's output.
 * @param s           stream
 * @param obs         one raw observation, [n_features]
 * @param n_features  the model's n_features
 * @param pred        receives the model's output row in raw units (the
 *                    model's steps * units floats, see rl_model_output_shape()),
 *                    or NaN in every slot while the stream has not seen
 *                    enough observations (window mode: time_steps; a model
 *                    whose output is a sequence: time_steps in both modes)
 * @param pred_len    room in @p pred, in floats
 * @return ::RL_OK; ::RL_E_INVALID for NULL pointers or a wrong @p n_features;
 *         ::RL_E_SHAPE for @p pred_len too small; ::RL_E_NUMERIC for NaN/Inf
 *         in @p obs; ::RL_E_STATE once the stream has counted 2^63
 *         observations (only a crafted buffer gets there; rl_stream_reset()
 *         it). On failure the stream is unchanged. Allocates nothing.
 */
RL_API rl_status rl_stream_push(rl_stream *s, const float *obs, size_t n_features, float *pred,
                                size_t pred_len);

/**
 * Forecast @p horizon rows ahead from what the stream has seen, without
 * changing it: the model's forecasts are fed back as the next observations
 * (with the covariates of @p future for columns that are not targets), as
 * rl_forecast() does on a history; in window mode the result equals, bit for
 * bit, rl_forecast() on the last time_steps observations pushed. Uses the
 * stream's own workspace and allocates nothing.
 * @param s         stream that has seen enough observations to forecast
 * @param future    [n_future][n_features] raw rows of the known future of
 *                  the non-target columns (target columns in it are ignored);
 *                  NULL when every column is a target
 * @param n_future  rows in @p future (>= @p horizon when some column is not a target)
 * @param horizon   rows to forecast, >= 1
 * @param out       [horizon][n_targets] raw units (targets in the order of
 *                  rl_model_set_targets())
 * @param out_len   room in @p out, in floats
 * @return ::RL_OK; ::RL_E_INVALID for NULL, zero @p horizon, missing
 *         covariates or NaN/Inf in the rows read from @p future;
 *         ::RL_E_STATE when the stream has not yet seen enough observations,
 *         or the model's outputs are not whole rows of targets, or it
 *         outputs a sequence; ::RL_E_SHAPE for @p out_len too small.
 */
RL_API rl_status rl_stream_forecast(rl_stream *s, const float *future, size_t n_future,
                                    size_t horizon, float *out, size_t out_len);

/**
 * An independent copy of a stream (same model, same observations or state):
 * pushing into one never affects the other, e.g. for what-if forecasts.
 * @return ::RL_OK; ::RL_E_INVALID for NULL; ::RL_E_NOMEM.
 */
RL_API rl_status rl_stream_clone(const rl_stream *s, rl_stream **out);

/**
 * Serialise a stream's state (mode, observations or recurrent state, and a
 * fingerprint of its model's architecture, weights, scaler and targets) into
 * a buffer the library allocates; free it with rl_free(). Format:
 * docs/format.md. The buffer is checked by a CRC-32.
 * @return ::RL_OK; ::RL_E_INVALID for NULL; ::RL_E_NOMEM.
 */
RL_API rl_status rl_stream_save_buffer(const rl_stream *s, void **buffer, size_t *size);

/**
 * Rebuild a saved stream against its model: it continues exactly (bit for
 * bit) as the stream that was saved.
 * @param out     receives the stream; NULL on failure
 * @param m       the model the stream was saved with (same architecture,
 *                weights, scaler and targets)
 * @param buffer  bytes from rl_stream_save_buffer()
 * @param size    their count
 * @return ::RL_OK; ::RL_E_INVALID for NULL or a zero size; ::RL_E_FORMAT for
 *         a truncated, corrupt or unknown buffer, or one saved against
 *         another model; errors of rl_stream_create(). The message is in
 *         rl_model_last_error(m).
 */
RL_API rl_status rl_stream_load_buffer(rl_stream **out, const rl_model *m, const void *buffer,
                                       size_t size);

/**
 * Observations the stream has seen since it was created or reset.
 * @return ::RL_OK; ::RL_E_INVALID for NULL.
 */
RL_API rl_status rl_stream_seen(const rl_stream *s, size_t *count);

/**
 * Detail of the last failure of a call on this stream ("" when none); valid
 * until the next call on it. Never NULL.
 */
RL_API const char *rl_stream_last_error(const rl_stream *s);

/** @} */

/* ------------------------------------------------------------------ */
/** @name Scalers
 *  sklearn semantics: statistics per feature column of a [n_rows][n_features] array.
 *  @{ */

/**
 * MinMax scaler mapping each column's [min, max] to [@p range_min, @p range_max]
 * (sklearn MinMaxScaler(feature_range)). A constant column maps to range_min.
 * @return ::RL_OK; ::RL_E_INVALID for NULL, non-finite or range_min >= range_max; ::RL_E_NOMEM.
 */
RL_API rl_status rl_scaler_create_minmax(rl_scaler **out, float range_min, float range_max);

/**
 * Standard scaler: (v - mean) / std with the population std (sklearn
 * StandardScaler); a constant column gets scale 1.
 * @return ::RL_OK; ::RL_E_INVALID for NULL; ::RL_E_NOMEM.
 */
RL_API rl_status rl_scaler_create_standard(rl_scaler **out);

/** Free a scaler. NULL is a no-op. */
RL_API void rl_scaler_destroy(rl_scaler *s);

/**
 * Learn per-column statistics of @p data [n_rows][n_features]; refitting replaces them.
 * @return ::RL_OK; ::RL_E_INVALID for NULL or zero sizes; ::RL_E_NUMERIC for
 *         NaN/Inf in @p data (scaler unchanged); ::RL_E_NOMEM.
 */
RL_API rl_status rl_scaler_fit(rl_scaler *s, const float *data, size_t n_rows, size_t n_features);

/**
 * rl_scaler_fit() that also says why it failed, for callers without a
 * handle that keeps messages (a scaler keeps none: once fitted it is const
 * and may be shared by threads). @p message (or NULL) receives the reason,
 * always NUL-terminated, "" on success, e.g. "rl_scaler_fit: row 17, column
 * 2 is nan (not finite); the scaler is unchanged".
 * @return as rl_scaler_fit().
 */
RL_API rl_status rl_scaler_fit_detail(rl_scaler *s, const float *data, size_t n_rows,
                                      size_t n_features, char *message, size_t message_len);

/**
 * Scale @p in into @p out (both [n_rows][n_features]; may be the same buffer).
 * @return ::RL_OK; ::RL_E_INVALID for NULL or zero rows; ::RL_E_STATE before
 *         fit; ::RL_E_SHAPE when @p n_features differs from the fitted count.
 */
RL_API rl_status rl_scaler_transform(const rl_scaler *s, const float *in, float *out,
                                     size_t n_rows, size_t n_features);

/** Undo rl_scaler_transform(). Same statuses. */
RL_API rl_status rl_scaler_inverse_transform(const rl_scaler *s, const float *in, float *out,
                                             size_t n_rows, size_t n_features);

/**
 * Undo the scaling of one fitted column on a plain vector of @p n values, e.g.
 * the single-column output of a model that forecasts feature @p column.
 * @return ::RL_OK; ::RL_E_INVALID for NULL or @p column out of range; ::RL_E_STATE before fit.
 */
RL_API rl_status rl_scaler_inverse_transform_column(const rl_scaler *s, size_t column,
                                                    const float *in, float *out, size_t n);

/** Number of fitted feature columns (0 before fit). @return ::RL_OK or ::RL_E_INVALID. */
RL_API rl_status rl_scaler_feature_count(const rl_scaler *s, size_t *n_features);

/** @} */

/* ------------------------------------------------------------------ */
/** @name Windowing a series into supervised samples
 *  Window i takes points [i, i+time_steps) as x and point i+time_steps+horizon-1
 *  as y (horizon 1 = the next point, as the Keras tutorial's create_dataset).
 *  @{ */

/** Target selector for rl_window_make(): every feature column goes into y. */
#define RL_ALL_COLUMNS ((size_t)-1)

/**
 * Number of windows a series of @p n_points gives: n_points - time_steps - horizon + 1,
 * or 0 when the series is too short.
 * @return ::RL_OK; ::RL_E_INVALID for NULL @p count, zero time_steps or horizon.
 */
RL_API rl_status rl_window_count(size_t n_points, size_t time_steps, size_t horizon, size_t *count);

/**
 * Cut @p series [n_points][n_features] into windows.
 * @param series         [n_points][n_features], row-major
 * @param n_points       rows of @p series
 * @param n_features     columns of @p series, >= 1
 * @param time_steps     window length, >= 1
 * @param horizon        how far ahead y is, >= 1 (1 = the next point)
 * @param target_column  feature column forecast into y, or ::RL_ALL_COLUMNS
 * @param x      [count][time_steps][n_features], @p x_len floats of room
 * @param x_len  capacity of @p x in floats
 * @param y      [count][1 or n_features], @p y_len floats of room
 * @param y_len  capacity of @p y in floats
 * @return ::RL_OK; ::RL_E_INVALID (NULL, zero sizes, column out of range,
 *         series too short for one window); ::RL_E_SHAPE for a buffer too small.
 */
RL_API rl_status rl_window_make(const float *series, size_t n_points, size_t n_features,
                                size_t time_steps, size_t horizon, size_t target_column,
                                float *x, size_t x_len, float *y, size_t y_len);

/**
 * rl_window_make() that also says why it failed (a window call has no
 * handle to keep a message): @p message (or NULL) receives the reason,
 * always NUL-terminated, "" on success, e.g. "rl_window_make: 10 points make
 * no window of time_steps 8 and horizon 5 (at least 13 points are needed)"
 * or "rl_window_make: x holds 100 floats, 3 windows need 144".
 * @return as rl_window_make().
 */
RL_API rl_status rl_window_make_detail(const float *series, size_t n_points, size_t n_features,
                                       size_t time_steps, size_t horizon, size_t target_column,
                                       float *x, size_t x_len, float *y, size_t y_len,
                                       char *message, size_t message_len);

/** @} */

/* ------------------------------------------------------------------ */
/** @name Forecasting (0.2)
 *  A model forecasts the future of some of its input columns, its
 *  *targets*: its output row (n_outputs floats per sample, what
 *  rl_predict() writes for one sample) holds out_steps = n_outputs /
 *  n_targets consecutive future rows of them. rl_forecast() runs the model
 *  on raw history, as far ahead as asked. Guide: docs/guide.md, "Forecasting".
 *  @{ */

/**
 * Say which input columns the model's output row forecasts, in which order:
 * output[k * n_columns + j] is column @p columns[j] at step k+1 after the
 * window. Saved in the model file. Without this call the targets are every
 * input column, in order (when n_outputs is a multiple of n_features).
 * Callable before or after compile, before fit or forecast; the list is copied.
 * @param m          model
 * @param columns    [n_columns] distinct indices into the n_features input columns
 * @param n_columns  1..n_features
 * @return ::RL_OK; ::RL_E_INVALID for NULL, zero @p n_columns, a column out of
 *         range or listed twice; ::RL_E_SHAPE when the model is compiled and
 *         its output count is not a multiple of @p n_columns; ::RL_E_NOMEM.
 *         On failure the previous targets stay.
 */
RL_API rl_status rl_model_set_targets(rl_model *m, const size_t *columns, size_t n_columns);

/**
 * The model's target columns (the default list when never set).
 * With @p columns NULL (and @p capacity 0) only stores the count in @p n_columns.
 * @return ::RL_OK; ::RL_E_INVALID for NULL @p m or @p n_columns, or NULL
 *         @p columns with a non-zero @p capacity; ::RL_E_SHAPE when
 *         @p capacity is smaller than the count (@p n_columns tells it).
 */
RL_API rl_status rl_model_get_targets(const rl_model *m, size_t *columns, size_t capacity,
                                      size_t *n_columns);

/**
 * Forecast @p horizon future rows of the target columns from raw history.
 *
 * Loop (in raw units): take the last time_steps rows, apply the model's
 * attached scaler, predict one sample, invert the scaling of the predicted
 * targets, append its out_steps rows (targets predicted, other columns from
 * @p future), repeat until @p horizon rows exist. Recursive when out_steps is
 * 1, direct when out_steps >= horizon. The result equals, bit for bit, that
 * loop written with rl_scaler_transform(), rl_predict() on one sample and
 * rl_scaler_inverse_transform_column().
 *
 * @param m         compiled model (a stateful model carries its state through
 *                  the calls, as that rl_predict() loop would)
 * @param history   [n_points][n_features] raw observations, oldest first;
 *                  only the last time_steps rows are read
 * @param n_points  rows of @p history, >= time_steps
 * @param future    [n_future][n_features] known future values of the non-target
 *                  (covariate) columns, row i for forecast step i+1; NULL when
 *                  every column is a target. Target columns and rows past
 *                  @p horizon are never read.
 * @param n_future  rows of @p future; >= @p horizon when there are covariates
 * @param horizon   rows to forecast, >= 1
 * @param out       [horizon][n_targets] raw units, target order
 * @param out_len   capacity of @p out in floats
 * @return ::RL_OK; ::RL_E_INVALID for NULL, zero @p horizon, a history shorter
 *         than time_steps, or missing covariates; ::RL_E_SHAPE for a short
 *         @p out; ::RL_E_STATE before compile, when the output count is not a
 *         multiple of the targets, or with a scaler of another width;
 *         ::RL_E_NUMERIC for NaN/Inf in what is read, or a forecast that
 *         stops being finite; ::RL_E_NOMEM. @p out is written only on ::RL_OK.
 */
RL_API rl_status rl_forecast(rl_model *m, const float *history, size_t n_points,
                             const float *future, size_t n_future, size_t horizon, float *out,
                             size_t out_len);

/**
 * Cut a series into samples for a model with targets: window i takes rows
 * [i, i+time_steps) as x and rows [i+time_steps, i+time_steps+out_steps) of
 * the listed columns as y, laid out as the model's output row
 * (y[i][k][j] = column columns[j] at step k+1). Train a model whose last layer
 * has out_steps * n_columns units on it, call rl_model_set_targets() with the
 * same columns, and rl_forecast() continues it. The number of windows is
 * rl_window_count(n_points, time_steps, out_steps).
 * @param series      [n_points][n_features], row-major
 * @param n_points    rows of @p series
 * @param n_features  columns of @p series, >= 1
 * @param time_steps  window length, >= 1
 * @param out_steps   future rows per sample in y, >= 1
 * @param columns     [n_columns] target column indices (repeats allowed here)
 * @param n_columns   >= 1
 * @param x           [count][time_steps][n_features], @p x_len floats of room
 * @param x_len       capacity of @p x in floats
 * @param y           [count][out_steps][n_columns], @p y_len floats of room
 * @param y_len       capacity of @p y in floats
 * @return ::RL_OK; ::RL_E_INVALID (NULL, zero sizes, a column out of range,
 *         series too short for one window); ::RL_E_SHAPE for a buffer too small.
 */
RL_API rl_status rl_window_make_targets(const float *series, size_t n_points, size_t n_features,
                                        size_t time_steps, size_t out_steps,
                                        const size_t *columns, size_t n_columns, float *x,
                                        size_t x_len, float *y, size_t y_len);

/** @} */

/* ------------------------------------------------------------------ */
/** @name Saving for deployment (0.2)
 *  @{ */

/** Flag for rl_model_save_flags(): leave out the optimiser state (Adam's
 *  moments, RMSprop/momentum slots, step count). The file is about a third
 *  of an Adam model's full save and predicts and forecasts identically; a
 *  model loaded from it trains on with a fresh optimiser state. */
#define RL_SAVE_INFERENCE_ONLY 1u

/**
 * rl_model_save() with options: @p flags is 0 (same file as rl_model_save())
 * or ::RL_SAVE_INFERENCE_ONLY. Atomic as rl_model_save().
 * @return as rl_model_save(), and ::RL_E_INVALID for an unknown flag bit.
 */
RL_API rl_status rl_model_save_flags(const rl_model *m, const char *path, unsigned flags);

/**
 * rl_model_save_buffer() with options (see rl_model_save_flags()); free the
 * buffer with rl_free().
 * @return as rl_model_save_buffer(), and ::RL_E_INVALID for an unknown flag bit.
 */
RL_API rl_status rl_model_save_buffer_flags(const rl_model *m, void **buffer, size_t *size,
                                            unsigned flags);

/** @} */

/* ================================================================== */
/** @name Transform pipelines (0.2)
 *  A chain of steps turning raw series into the units a model trains on:
 *  log / log1p (variance that grows with the level), differencing at a lag
 *  (1 removes a trend, the season length removes a seasonal pattern; chain
 *  both), and MinMax or Standard scaling with per-column statistics. Fitted
 *  on the training part, attached to a model (rl_model_set_transform()),
 *  saved with it, applied to the history by rl_forecast() and streams and
 *  undone on their outputs, differencing from the history given.
 *
 *  Differencing at lag L drops the first L rows: a pipeline whose lags sum
 *  to `lost` (rl_transform_lost_rows()) turns n raw rows into n - lost
 *  model rows; model row i stands for raw row i + lost.
 *  Computations are in double; a one-step MinMax/Standard pipeline gives
 *  exactly the bits the matching ::rl_scaler gives.
 *  @{ */

/** Opaque transform pipeline. */
typedef struct rl_transform rl_transform;

/**
 * Create an empty pipeline (an empty fitted pipeline is the identity).
 * @return ::RL_OK; ::RL_E_INVALID for NULL @p out; ::RL_E_NOMEM.
 */
RL_API rl_status rl_transform_create(rl_transform **out);

/** Free a pipeline. NULL is a no-op. */
RL_API void rl_transform_destroy(rl_transform *t);

/**
 * Append log(v) on @p column (or every column with ::RL_ALL_COLUMNS).
 * Fit, apply and forecast refuse values <= 0 with ::RL_E_INVALID /
 * ::RL_E_NUMERIC and a message naming row and column.
 * @return ::RL_OK; ::RL_E_INVALID for NULL or more than 64 steps;
 *         ::RL_E_STATE after rl_transform_fit(). A column out of range is
 *         reported by rl_transform_fit().
 */
RL_API rl_status rl_transform_add_log(rl_transform *t, size_t column);

/** Append log1p(v) = log(1 + v) (for counts with zeros); refuses v <= -1. As rl_transform_add_log(). */
RL_API rl_status rl_transform_add_log1p(rl_transform *t, size_t column);

/**
 * Append differencing at @p lag, 1..100000: d[t] = v[t] - v[t - lag] on
 * @p column (or ::RL_ALL_COLUMNS); other columns pass through, all lose the
 * first @p lag rows. Statuses as rl_transform_add_log(), plus ::RL_E_INVALID for a bad lag.
 */
RL_API rl_status rl_transform_add_diff(rl_transform *t, size_t column, size_t lag);

/**
 * Append MinMax scaling of every column to [@p range_min, @p range_max],
 * statistics fitted per column on what the earlier steps produce
 * (sklearn MinMaxScaler). Statuses as rl_transform_add_log(), plus
 * ::RL_E_INVALID for a non-finite or empty range.
 */
RL_API rl_status rl_transform_add_minmax(rl_transform *t, float range_min, float range_max);

/** Append Standard scaling of every column ((v - mean) / population std, sklearn StandardScaler). */
RL_API rl_status rl_transform_add_standard(rl_transform *t);

/**
 * Fit the scaling steps on @p data [n_rows][n_features] (the training part,
 * raw units), running the steps in order. A pipeline is fitted once.
 * @return ::RL_OK; ::RL_E_INVALID for NULL, zero sizes, a step naming a
 *         column >= n_features, n_rows <= the lost rows, or a value outside
 *         a log's domain (message: value, row, column); ::RL_E_NUMERIC for
 *         NaN/Inf (message: row, column); ::RL_E_STATE when fitted already;
 *         ::RL_E_NOMEM. On failure the pipeline is unchanged.
 */
RL_API rl_status rl_transform_fit(rl_transform *t, const float *data, size_t n_rows,
                                  size_t n_features);

/** Rows the differencing steps consume (sum of their lags). @return ::RL_OK or ::RL_E_INVALID. */
RL_API rl_status rl_transform_lost_rows(const rl_transform *t, size_t *rows);

/** Fitted column count, 0 before rl_transform_fit(). @return ::RL_OK or ::RL_E_INVALID. */
RL_API rl_status rl_transform_feature_count(const rl_transform *t, size_t *n_features);

/**
 * Raw rows -> model units. @p in is [n_rows][n_features]; @p out receives
 * [n_rows - lost][n_features] (must not overlap @p in).
 * @return ::RL_OK; ::RL_E_INVALID for NULL or n_rows <= lost; ::RL_E_STATE
 *         before fit; ::RL_E_SHAPE for another column count or a short @p out
 *         (@p out_len floats); ::RL_E_NUMERIC for NaN/Inf or a value outside a
 *         log's domain (message: row, column); ::RL_E_NOMEM.
 */
RL_API rl_status rl_transform_apply(const rl_transform *t, const float *in, size_t n_rows,
                                    size_t n_features, float *out, size_t out_len);

/**
 * Model units -> raw, for rows that continue a raw history.
 * @param t          fitted pipeline
 * @param history    [n_history][n_features] raw rows just before @p in's first row;
 *                   n_history > lost (differencing is undone from it)
 * @param n_history  rows of @p history
 * @param n_features columns, as fitted
 * @param in         [n_rows][n_features] model units (e.g. forecasts)
 * @param n_rows     rows of @p in
 * @param out        [n_rows][n_features] raw units (may be @p in)
 * @param out_len    capacity of @p out in floats
 * Statuses as rl_transform_apply() (NaN in @p history is ::RL_E_NUMERIC with its position).
 */
RL_API rl_status rl_transform_invert(const rl_transform *t, const float *history,
                                     size_t n_history, size_t n_features, const float *in,
                                     size_t n_rows, float *out, size_t out_len);

/**
 * As rl_transform_invert() for a subset of columns, e.g. a model's targets:
 * @p in and @p out are [n_steps][n_columns], column j of them being column
 * @p columns[j] of the history.
 */
RL_API rl_status rl_transform_invert_columns(const rl_transform *t, const float *history,
                                             size_t n_history, size_t n_features,
                                             const size_t *columns, size_t n_columns,
                                             const float *in, size_t n_steps, float *out,
                                             size_t out_len);

/** Detail of the last failure on this pipeline ("" when none). Never NULL. */
RL_API const char *rl_transform_last_error(const rl_transform *t);

/**
 * Attach a copy of a fitted pipeline to the model (saved with it), or detach
 * with NULL. A model carries one pipeline: attaching one detaches the scaler
 * and rl_model_set_scaler() detaches the pipeline (a scaler is the one-step
 * pipeline). rl_forecast() and streams then need at least
 * time_steps + lost history rows.
 * @return ::RL_OK; ::RL_E_INVALID for NULL @p m; ::RL_E_STATE for an unfitted
 *         pipeline; ::RL_E_SHAPE when it was fitted on another column count
 *         than the model's n_features; ::RL_E_NOMEM.
 */
RL_API rl_status rl_model_set_transform(rl_model *m, const rl_transform *t);

/**
 * A new copy of the attached pipeline (caller frees it with
 * rl_transform_destroy()); with only a scaler attached, the equivalent
 * one-step pipeline.
 * @return ::RL_OK; ::RL_E_INVALID for NULL; ::RL_E_STATE when neither is attached; ::RL_E_NOMEM.
 */
RL_API rl_status rl_model_get_transform(const rl_model *m, rl_transform **out);

/** @} */

/* ------------------------------------------------------------------ */
/** @name Gaps (0.2)
 *  A gap is a NaN (or Inf) in a series.
 *  @{ */

/** Ways to fill gaps. */
typedef enum rl_fill {
    RL_FILL_LINEAR = 0,  /**< straight line between the observations around the gap */
    RL_FILL_LOCF = 1     /**< last observation carried forward */
} rl_fill;

/**
 * Fill the gaps of every column of @p in [n_points][n_features] into @p out
 * (may be @p in). Leading gaps take the first observation, trailing gaps
 * (linear) the last one.
 * @param in        [n_points][n_features] series with gaps
 * @param out       [n_points][n_features] filled series (may be @p in)
 * @param n_points  rows
 * @param n_features columns
 * @param method    ::RL_FILL_LINEAR or ::RL_FILL_LOCF
 * @param n_filled  receives how many values were filled, or NULL
 * @return ::RL_OK; ::RL_E_INVALID for NULL or zero sizes; ::RL_E_NUMERIC when
 *         a column has no finite value at all (@p out then untouched).
 */
RL_API rl_status rl_fill_gaps(const float *in, float *out, size_t n_points, size_t n_features,
                              rl_fill method, size_t *n_filled);

/**
 * Position of the first NaN/Inf of @p data [n_rows][n_columns] (row-major
 * order), to report where bad data is.
 * @return ::RL_OK when every value is finite; ::RL_E_NUMERIC with @p row and
 *         @p column set otherwise; ::RL_E_INVALID for NULL.
 */
RL_API rl_status rl_find_nonfinite(const float *data, size_t n_rows, size_t n_columns,
                                   size_t *row, size_t *column);

/**
 * As rl_window_count(), counting only windows whose x rows and y row are
 * all finite (the windows rl_window_make_complete() writes).
 * @return ::RL_OK; ::RL_E_INVALID for NULL, zero sizes or a column out of range.
 */
RL_API rl_status rl_window_count_complete(const float *series, size_t n_points,
                                          size_t n_features, size_t time_steps, size_t horizon,
                                          size_t target_column, size_t *count);

/**
 * As rl_window_make(), skipping every window that touches a gap (a NaN/Inf
 * in any of its x rows or in its y value) instead of copying it.
 * @param series, n_points, n_features, time_steps, horizon, target_column,
 *        x, x_len, y, y_len  as rl_window_make()
 * @param n_windows receives the number of windows written (rl_window_count_complete())
 * @return as rl_window_make(); ::RL_E_INVALID also when no window is complete.
 */
RL_API rl_status rl_window_make_complete(const float *series, size_t n_points,
                                         size_t n_features, size_t time_steps, size_t horizon,
                                         size_t target_column, float *x, size_t x_len, float *y,
                                         size_t y_len, size_t *n_windows);

/** @} */

/* ------------------------------------------------------------------ */
/** @name Evaluation in raw units (0.2)
 *  Metrics, naive baselines, a chronological split, a rolling-origin
 *  backtest and conformal intervals. Errors are actual - forecast.
 *  @{ */

/** Accuracy metrics. Percentages are in percent, as R's forecast::accuracy(). */
typedef enum rl_metric {
    RL_METRIC_RMSE = 0,   /**< sqrt(mean(e^2)) */
    RL_METRIC_MAE = 1,    /**< mean(|e|) */
    RL_METRIC_MAPE = 2,   /**< mean(100 |e / actual|); Inf when an actual is 0 */
    RL_METRIC_SMAPE = 3,  /**< mean(200 |e| / (|actual| + |forecast|)) (M3 competition); 0/0 counts 0 */
    RL_METRIC_MASE = 4    /**< mean(|e|) / scale, scale = in-sample seasonal-naive MAE (rl_mase_scale()) */
} rl_metric;

/** Number of ::rl_metric values. */
#define RL_METRIC_COUNT 5

/** Forecasting methods of a backtest: the caller's model and the naive baselines. */
typedef enum rl_method {
    RL_METHOD_MODEL = 0,           /**< the rl_forecaster given to rl_backtest_run() */
    RL_METHOD_LAST_VALUE = 1,      /**< every step = the last observation (R: naive()) */
    RL_METHOD_SEASONAL_NAIVE = 2,  /**< step h = the observation one season before it (R: snaive()) */
    RL_METHOD_DRIFT = 3            /**< last value + h * (last - first) / (n - 1) (R: rwf(drift=TRUE)) */
} rl_method;

/** Number of ::rl_method values. */
#define RL_METHOD_COUNT 4

/** Name of a metric ("RMSE", ...) or method ("model", "last_value", ...); "unknown" out of range. */
RL_API const char *rl_metric_name(rl_metric metric);
/** @copydoc rl_metric_name */
RL_API const char *rl_method_name(rl_method method);

/**
 * In-sample MAE of the seasonal-naive forecast: mean |y[t] - y[t - season]|
 * over t = season .. n_points-1 (season 1: the last-value forecast); the MASE
 * denominator (Hyndman and Koehler 2006; R: accuracy()'s scale).
 * @return ::RL_OK; ::RL_E_INVALID for NULL, season 0 or n_points <= season;
 *         ::RL_E_NUMERIC for NaN/Inf (ignored pairs are not skipped) or a zero scale.
 */
RL_API rl_status rl_mase_scale(const float *series, size_t n_points, size_t season, double *scale);

/**
 * One metric of @p forecast against @p actual (@p n values each).
 * @param metric      which metric
 * @param actual      [n] true values
 * @param forecast    [n] forecasts
 * @param n           values in each
 * @param mase_scale  rl_mase_scale() of the training part; read only for ::RL_METRIC_MASE
 * @param value       receives the metric
 * @return ::RL_OK; ::RL_E_INVALID for NULL, n 0, an unknown metric or a
 *         MASE scale <= 0; ::RL_E_NUMERIC for NaN/Inf inputs.
 */
RL_API rl_status rl_metric_compute(rl_metric metric, const float *actual, const float *forecast,
                                   size_t n, double mase_scale, double *value);

/**
 * Forecast @p horizon steps of a univariate @p history with a naive method
 * (not ::RL_METHOD_MODEL) into @p out (@p out_len floats).
 * @param method    ::RL_METHOD_LAST_VALUE, ::RL_METHOD_SEASONAL_NAIVE or ::RL_METHOD_DRIFT
 * @param history   [n_points] the series so far
 * @param n_points  its length
 * @param season    season length for ::RL_METHOD_SEASONAL_NAIVE (ignored otherwise), >= 1
 * @param horizon   steps to forecast
 * @param out       [horizon] forecasts
 * @param out_len   capacity of @p out in floats
 * @return ::RL_OK; ::RL_E_INVALID for NULL, zero sizes, an unknown method or
 *         a history shorter than the method needs (seasonal: @p season points,
 *         drift: 2); ::RL_E_SHAPE for a short @p out; ::RL_E_NUMERIC for NaN/Inf
 *         in the points the method reads.
 */
RL_API rl_status rl_baseline_forecast(rl_method method, const float *history, size_t n_points,
                                      size_t season, size_t horizon, float *out, size_t out_len);

/**
 * Chronological split: the first round(n_points * train_fraction) points
 * train, the rest test (never shuffled).
 * @return ::RL_OK; ::RL_E_INVALID for NULL, a fraction outside (0, 1) or a
 *         split that leaves either part empty.
 */
RL_API rl_status rl_split_chronological(size_t n_points, double train_fraction, size_t *n_train);

/**
 * Seasonal period of a univariate series: the lag in 2..@p max_period where
 * the autocorrelation of the series minus its least-squares line has its
 * highest peak (a local maximum above 0.3), or a divisor of that lag whose
 * peak is at least 90 % as high (seasons repeat at their multiples); 1 when
 * there is no peak. Uses @p n_points finite values.
 * @return ::RL_OK; ::RL_E_INVALID for NULL or n_points < 2 * max_period + 2
 *         (too short to see two seasons); ::RL_E_NUMERIC for NaN/Inf.
 */
RL_API rl_status rl_detect_season(const float *series, size_t n_points, size_t max_period,
                                  size_t *period);

/**
 * A forecaster under test: forecast @p horizon values of the target column
 * after @p history. Called by rl_backtest_run() once per origin, in origin order.
 * @param history    [n_points][n_features] raw rows before the origin
 * @param n_points   rows of @p history (the origin)
 * @param n_features columns of every row
 * @param future     [horizon][n_features] the rows being forecast with the
 *                   target column set to NaN (known covariates stay), for
 *                   rl_forecast()'s `future`
 * @param horizon    values to forecast
 * @param refit      non-zero when the protocol asks to (re)train on @p history
 *                   (first origin, then every refit_every origins)
 * @param out        [horizon] forecasts of the target column, raw units
 * @param user_data  the pointer given to rl_backtest_run()
 * @return ::RL_OK, or a failure status that stops the backtest.
 */
typedef rl_status (*rl_forecaster)(const float *history, size_t n_points, size_t n_features,
                                   const float *future, size_t horizon, int refit, float *out,
                                   void *user_data);

/** Opaque result of a rolling-origin backtest. */
typedef struct rl_backtest rl_backtest;

/** Create an empty backtest. @return ::RL_OK; ::RL_E_INVALID; ::RL_E_NOMEM. */
RL_API rl_status rl_backtest_create(rl_backtest **out);

/** Free a backtest. NULL is a no-op. */
RL_API void rl_backtest_destroy(rl_backtest *b);

/**
 * Rolling-origin evaluation with an expanding history: origins are
 * initial, initial + step, ... while origin + horizon <= n_points; at each,
 * the forecaster and the three baselines forecast the next @p horizon values
 * of @p target_column from rows [0, origin), and the errors against the
 * series are kept. Replaces any earlier run's results.
 * @param b             backtest whose results the run replaces
 * @param series        [n_points][n_features] raw units, finite in the target
 *                      column (fill gaps first: rl_fill_gaps())
 * @param n_points      rows of @p series
 * @param n_features    columns of @p series
 * @param target_column the column forecast and scored
 * @param initial       first origin, >= 2 and >= season (the baselines need it)
 * @param step          distance between origins, >= 1
 * @param horizon       forecast steps per origin, >= 1
 * @param season        season length for the seasonal-naive baseline and the
 *                      MASE scale, >= 1 (1: no season)
 * @param refit_every   0: the forecaster fits at the first origin only; k:
 *                      at the first origin and every k-th after it
 * @param fn            the model's forecaster, or NULL for the baselines only
 * @param user_data     passed to @p fn
 * @return ::RL_OK; ::RL_E_INVALID for bad sizes, no origin or NaN in the target
 *         (message: row); the forecaster's status if it fails (message names
 *         the origin); ::RL_E_NOMEM.
 */
RL_API rl_status rl_backtest_run(rl_backtest *b, const float *series, size_t n_points,
                                 size_t n_features, size_t target_column, size_t initial,
                                 size_t step, size_t horizon, size_t season, size_t refit_every,
                                 rl_forecaster fn, void *user_data);

/**
 * Shape of the last run: origins and horizon (both 0 before a run).
 * @return ::RL_OK or ::RL_E_INVALID for NULL.
 */
RL_API rl_status rl_backtest_shape(const rl_backtest *b, size_t *n_origins, size_t *horizon);

/**
 * Forecasts of one method, [n_origins][horizon] raw units, origin order.
 * @return ::RL_OK; ::RL_E_INVALID (NULL, unknown method); ::RL_E_STATE before
 *         a run, or for ::RL_METHOD_MODEL when the run had no forecaster;
 *         ::RL_E_SHAPE when @p out_len < n_origins * horizon.
 */
RL_API rl_status rl_backtest_forecasts(const rl_backtest *b, rl_method method, float *out,
                                       size_t out_len);

/** Errors (actual - forecast) of one method, laid out and checked as rl_backtest_forecasts(). */
RL_API rl_status rl_backtest_errors(const rl_backtest *b, rl_method method, float *out,
                                    size_t out_len);

/**
 * A metric of one method over every origin, at one horizon step
 * (@p step 1..horizon) or over all steps (@p step 0). MASE divides each
 * origin's errors by the seasonal-naive MAE of that origin's history.
 * @return ::RL_OK; ::RL_E_INVALID (NULL, unknown metric or method, step >
 *         horizon); ::RL_E_STATE as rl_backtest_forecasts(); ::RL_E_NUMERIC
 *         for MASE when a history has zero scale.
 */
RL_API rl_status rl_backtest_metric(const rl_backtest *b, rl_method method, rl_metric metric,
                                    size_t step, double *value);

/**
 * Split-conformal half-widths per horizon step: for step h, the
 * ceil((n + 1) * coverage)-th smallest absolute error of that step over
 * origins [first, first + count) (Inf when there are too few of them for
 * this coverage). forecast[h] -/+ half_width[h] is the interval: under
 * exchangeable errors it holds the truth with probability >= @p coverage.
 * @param b           a run backtest
 * @param method      whose errors calibrate the interval
 * @param coverage    in (0, 1), e.g. 0.9
 * @param first       first origin to calibrate on
 * @param count       origins to calibrate on (0: from @p first to the last)
 * @param half_width  [horizon] floats
 * @param len         room in @p half_width
 * @return ::RL_OK; ::RL_E_INVALID (NULL, coverage, origins out of range);
 *         ::RL_E_STATE as rl_backtest_forecasts(); ::RL_E_SHAPE for a short buffer.
 */
RL_API rl_status rl_backtest_interval(const rl_backtest *b, rl_method method, double coverage,
                                      size_t first, size_t count, float *half_width, size_t len);

/**
 * Held-out coverage: half-widths calibrated on the first @p n_calibration
 * origins (rl_backtest_interval()), then the fraction of (origin, step)
 * pairs of the remaining origins whose actual lies in forecast -/+ half-width.
 * @return ::RL_OK; ::RL_E_INVALID when no origin is left to check; others as rl_backtest_interval().
 */
RL_API rl_status rl_backtest_coverage(const rl_backtest *b, rl_method method, double coverage,
                                      size_t n_calibration, double *observed);

/** Detail of the last failure on this backtest ("" when none). Never NULL. */
RL_API const char *rl_backtest_last_error(const rl_backtest *b);

/** @} */

/* ------------------------------------------------------------------ */
/** @name The recommended recipe (0.2)
 *  A forecaster that chooses its transforms from the data
 *  (docs/forecasting.md): season given or detected (rl_detect_season()),
 *  log of the target when every value is positive, differencing of the
 *  target at the season (or at 1 without a season), Standard scaling of
 *  every column; windows one season long (8 steps without a season; at most
 *  a third of the rows); a GRU(8) + Dense(1) trained with Adam on
 *  one-step targets, a few seeds averaged; forecasts by rl_forecast()
 *  (recursive), in raw units. Gaps are filled linearly (rl_fill_gaps()).
 *  Built from public calls only: read lib/recipe.c to change a step.
 *  @{ */

/** Opaque recipe: its options and, after rl_recipe_fit(), its models. */
typedef struct rl_recipe rl_recipe;

/** Options of a recipe (rl_recipe_set()); integers pass as exact doubles. */
typedef enum rl_recipe_option {
    RL_RECIPE_SEASON = 0,         /**< season length; 0 = detect (default); 1 = none */
    RL_RECIPE_WINDOW = 1,         /**< window length; 0 = from the season (default) */
    RL_RECIPE_UNITS = 2,          /**< GRU units, default 8 */
    RL_RECIPE_EPOCHS = 3,         /**< training epochs, default 40 (few: the series are short) */
    RL_RECIPE_LOG = 4,            /**< -1 = log when all values are positive (default), 0 = never, 1 = always */
    RL_RECIPE_SEED = 5,           /**< seed of the first model, default 1 */
    RL_RECIPE_ENSEMBLE = 6,       /**< models averaged, 1..16, default 3 */
    RL_RECIPE_LEARNING_RATE = 7,  /**< Adam step, default 0.003 */
    RL_RECIPE_TREND_DIFF = 8      /**< 1 = difference a seasonal target at lag 1 too, 0 = not (default) */
} rl_recipe_option;

/** Number of ::rl_recipe_option values. */
#define RL_RECIPE_OPTION_COUNT 9

/**
 * Create a recipe forecasting input column @p target_column.
 * @return ::RL_OK; ::RL_E_INVALID for NULL; ::RL_E_NOMEM.
 */
RL_API rl_status rl_recipe_create(rl_recipe **out, size_t target_column);

/** Free a recipe and its models. NULL is a no-op. */
RL_API void rl_recipe_destroy(rl_recipe *r);

/**
 * Set an option (takes effect at the next rl_recipe_fit()).
 * @return ::RL_OK; ::RL_E_INVALID for NULL, an unknown option or a value out of range.
 */
RL_API rl_status rl_recipe_set(rl_recipe *r, rl_recipe_option option, double value);

/**
 * Read an option; after a fit, SEASON, WINDOW and LOG read back what was chosen.
 * @return ::RL_OK; ::RL_E_INVALID.
 */
RL_API rl_status rl_recipe_get(const rl_recipe *r, rl_recipe_option option, double *value);

/**
 * Choose the transforms and train the models on @p series
 * [n_points][n_features] (the training part, raw units; gaps allowed).
 * Refitting replaces the models; on failure the previous ones stay.
 * @return ::RL_OK; ::RL_E_INVALID for NULL, a target column out of range or
 *         a series too short for its season and window; statuses of the
 *         calls it makes (rl_transform_fit(), rl_fit()); ::RL_E_NOMEM.
 */
RL_API rl_status rl_recipe_fit(rl_recipe *r, const float *series, size_t n_points,
                               size_t n_features);

/**
 * Forecast @p horizon values of the target after @p history (raw units,
 * gaps filled linearly); the mean of the models' rl_forecast().
 * @p future as rl_forecast()'s (covariates; NULL for a univariate series).
 * @return ::RL_OK; ::RL_E_STATE before a fit; ::RL_E_SHAPE for @p out_len <
 *         horizon; rl_forecast()'s statuses (message in rl_recipe_last_error()).
 */
RL_API rl_status rl_recipe_forecast(rl_recipe *r, const float *history, size_t n_points,
                                    const float *future, size_t n_future, size_t horizon,
                                    float *out, size_t out_len);

/**
 * The recipe as an ::rl_forecaster for rl_backtest_run(): @p user_data is the
 * ::rl_recipe; it refits when the backtest asks and forecasts with
 * rl_recipe_forecast().
 */
RL_API rl_status rl_recipe_forecaster(const float *history, size_t n_points, size_t n_features,
                                      const float *future, size_t horizon, int refit, float *out,
                                      void *user_data);

/**
 * A copy of fitted model @p index (0..ENSEMBLE-1), with its transform
 * pipeline and targets attached: save it, stream it, forecast with it.
 * @return ::RL_OK; ::RL_E_INVALID (NULL, index out of range or before a fit); ::RL_E_NOMEM.
 */
RL_API rl_status rl_recipe_model(const rl_recipe *r, size_t index, rl_model **out);

/** Detail of the last failure on this recipe ("" when none). Never NULL. */
RL_API const char *rl_recipe_last_error(const rl_recipe *r);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* RNNLITE_H */
