/* The library as a guest in the host's process (issue 10, item 1): every
 * affinity case that 0.1 got wrong, each checked on the real threads of
 * this process (/proc/self/task), and the host parallel-for hook.
 *
 * - a one-CPU host mask: no extra thread, nothing outside the mask (0.1
 *   pinned its worker to CPU 0, outside a `taskset -c 1`);
 * - the calling thread is never pinned by default, and its mask is the
 *   same after rl_fit() even when the epoch callback changes the threads
 *   under the pinned placement (0.1 left it pinned to one CPU);
 * - two models' pinned pools, trained from two host threads, spread over
 *   the CPUs (0.1 put both workers on CPU 0 and both callers on CPU 1);
 * - a host parallel-for runs the products, bit-identical to one thread;
 *   small products are never split (0.1 split them below H = 128, where two
 *   threads are slower than one).
 * Cases that need two CPUs skip on a machine (or mask) with one. */
#include "testutil.h"

#include <dirent.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "finite.h"
#include "model.h"
#include "pool.h"
#include "rnnlite/rnnlite.h"

#define STEPS 4
#define FEATURES 3
#define N 64

static float xs[N * STEPS * FEATURES], ys[N];

/* Threads the process had before any test ran and that are not this one:
 * none natively, but qemu-user runs helper threads of its own (listed in
 * /proc/self/task, outside the guest's affinity calls). The checks below
 * are about the library's threads, so those are left out. */
static pid_t foreign[16];
static int n_foreign;

static int setup_data(void **state)
{
    (void)state;
    DIR *d = opendir("/proc/self/task");
    struct dirent *e;
    while (d && (e = readdir(d)))
        if (e->d_name[0] != '.' && (pid_t)atoi(e->d_name) != (pid_t)gettid() && n_foreign < 16)
            foreign[n_foreign++] = (pid_t)atoi(e->d_name);
    if (d)
        closedir(d);
    tu_fill_uniform(xs, N * STEPS * FEATURES, 11, -1, 1);
    tu_fill_uniform(ys, N, 12, -1, 1);
    return 0;
}

/* LSTM(units) -> Dense(1); at batch 32 an LSTM(128) step is a product big
 * enough to split, an LSTM(32) one is not. */
static rl_model *model(size_t units, unsigned threads, int placement)
{
    rl_model *m = NULL;
    assert_int_equal(rl_model_create(&m, STEPS, FEATURES), RL_OK);
    assert_int_equal(rl_model_add_lstm(m, units, RL_ACT_TANH, RL_ACT_SIGMOID, 0), RL_OK);
    assert_int_equal(rl_model_add_dense(m, 1, RL_ACT_LINEAR), RL_OK);
    assert_int_equal(rl_model_set_param(m, RL_PARAM_SEED, 5), RL_OK);
    assert_int_equal(rl_model_compile(m, RL_OPT_ADAM, RL_LOSS_MSE), RL_OK);
    assert_int_equal(rl_model_set_thread_placement(m, (rl_thread_placement)placement), RL_OK);
    assert_int_equal(rl_model_set_param(m, RL_PARAM_THREADS, threads), RL_OK);
    return m;
}

/* Calls fn(tid mask) for every thread of the process; returns how many. */
static int each_thread(void (*fn)(const cpu_set_t *mask, void *user), void *user)
{
    DIR *d = opendir("/proc/self/task");
    assert_non_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        int ours = 1;
        for (int i = 0; i < n_foreign; i++)
            ours &= foreign[i] != (pid_t)atoi(e->d_name);
        if (!ours)
            continue;
        cpu_set_t mask;
        if (sched_getaffinity((pid_t)atoi(e->d_name), sizeof mask, &mask) != 0)
            continue;   /* a thread that just ended */
        fn(&mask, user);
        n++;
    }
    closedir(d);
    return n;
}

static void assert_subset(const cpu_set_t *mask, void *user)
{
    const cpu_set_t *allowed = user;
    cpu_set_t both;
    CPU_AND(&both, mask, allowed);
    assert_true(CPU_EQUAL(&both, mask));
}

static void assert_equal_mask(const cpu_set_t *mask, void *user)
{
    assert_true(CPU_EQUAL(mask, (const cpu_set_t *)user));
}

static cpu_set_t own_mask(void)
{
    cpu_set_t m;
    assert_int_equal(pthread_getaffinity_np(pthread_self(), sizeof m, &m), 0);
    return m;
}

static int highest_cpu(const cpu_set_t *set)
{
    int last = -1;
    for (int c = 0; c < CPU_SETSIZE; c++)
        if (CPU_ISSET(c, set))
            last = c;
    return last;
}

/* ---- a one-CPU host ----------------------------------------------------- */

static void one_allowed_cpu_means_one_thread(void **state)
{
    (void)state;
    cpu_set_t before = own_mask();
    if (CPU_COUNT(&before) < 2)
        skip();
    /* As `taskset -c <last>`: the last CPU, so that CPU 0 (where 0.1 put
     * its worker) is outside. */
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(highest_cpu(&before), &one);
    assert_int_equal(sched_setaffinity(0, sizeof one, &one), 0);
    for (int placement = 0; placement <= 2; placement++) {
        rl_model *m = model(128, 2, placement);
        size_t used = 0;
        assert_int_equal(rl_model_threads_in_use(m, &used), RL_OK);
        assert_int_equal(used, 1);
        assert_int_equal(rl_fit(m, xs, ys, N, 1, 32), RL_OK);
        each_thread(assert_subset, &one);
        rl_model_destroy(m);
    }
    assert_int_equal(sched_setaffinity(0, sizeof before, &before), 0);
}

/* ---- the caller's mask --------------------------------------------------- */

typedef struct watch {
    cpu_set_t original;
    int change_threads_at;   /* epoch whose callback sets THREADS to 3, or 0 */
    rl_model *m;
    int epochs_seen;
    int threads_seen;        /* threads of the process seen in a callback */
    int placement;
} watch;

static void count_one(const cpu_set_t *mask, void *user)
{
    (void)mask;
    (void)user;
}

static int on_epoch(size_t epoch, float loss, float val, void *user)
{
    (void)loss;
    (void)val;
    watch *w = user;
    w->epochs_seen++;
    /* Mid-fit, between products: every thread within the host's mask; the
     * caller as the host left it unless it asked for it to be pinned; and
     * by default no thread pinned at all. */
    each_thread(assert_subset, &w->original);
    if (w->placement != RL_PLACE_WORKERS_AND_CALLER) {
        cpu_set_t now = own_mask();
        assert_true(CPU_EQUAL(&now, &w->original));
    }
    if (w->placement == RL_PLACE_FREE)
        each_thread(assert_equal_mask, &w->original);
    w->threads_seen = each_thread(count_one, NULL);
    if ((int)epoch == w->change_threads_at)
        assert_int_equal(rl_model_set_param(w->m, RL_PARAM_THREADS, 3), RL_OK);
    return 0;
}

static void caller_mask_is_never_left_changed(void **state)
{
    (void)state;
    cpu_set_t before = own_mask();
    if (CPU_COUNT(&before) < 2)
        skip();
    for (int placement = 0; placement <= 2; placement++) {
        rl_model *m = model(128, 2, placement);
        watch w = { .original = before, .change_threads_at = 2, .m = m, .placement = placement };
        assert_int_equal(rl_model_set_epoch_callback(m, on_epoch, &w), RL_OK);
        assert_int_equal(rl_fit(m, xs, ys, N, 3, 32), RL_OK);
        assert_int_equal(w.epochs_seen, 3);
        cpu_set_t after = own_mask();
        assert_true(CPU_EQUAL(&after, &before));
        /* predict and evaluate bracket the same way */
        float y[N], loss;
        assert_int_equal(rl_predict(m, xs, N, y, N), RL_OK);
        assert_int_equal(rl_evaluate(m, xs, ys, N, &loss), RL_OK);
        after = own_mask();
        assert_true(CPU_EQUAL(&after, &before));
        rl_model_destroy(m);
        after = own_mask();
        assert_true(CPU_EQUAL(&after, &before));
    }
}

/* ---- two models, two host threads ----------------------------------------- */

typedef struct trainer {
    rl_model *m;
    pthread_barrier_t *ready;
    cpu_set_t caller_during;
    rl_status status;
} trainer;

static int record_caller(size_t epoch, float loss, float val, void *user)
{
    (void)epoch;
    (void)loss;
    (void)val;
    trainer *t = user;
    t->caller_during = own_mask();
    return 0;
}

static void *train(void *arg)
{
    trainer *t = arg;
    pthread_barrier_wait(t->ready);
    t->status = rl_fit(t->m, xs, ys, N, 2, 32);
    return NULL;
}

static void two_models_spread_over_the_cpus(void **state)
{
    (void)state;
    cpu_set_t before = own_mask();
    if (CPU_COUNT(&before) < 2)
        skip();
    /* The placement 0.1 had (one worker, the caller pinned beside it). */
    trainer t[2];
    pthread_barrier_t ready;
    pthread_barrier_init(&ready, NULL, 2);
    for (int i = 0; i < 2; i++) {
        t[i] = (trainer){ model(128, 2, RL_PLACE_WORKERS_AND_CALLER), &ready, before, RL_OK };
        assert_int_equal(rl_model_set_epoch_callback(t[i].m, record_caller, &t[i]), RL_OK);
    }
    int w0 = rl__pool_worker_cpu(t[0].m->cx.pool, 0), w1 = rl__pool_worker_cpu(t[1].m->cx.pool, 0);
    assert_true(w0 >= 0 && w1 >= 0);
    assert_int_not_equal(w0, w1);   /* 0.1: both on CPU 0 */
    pthread_t th[2];
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&th[i], NULL, train, &t[i]), 0);
    for (int i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    pthread_barrier_destroy(&ready);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(t[i].status, RL_OK);
        /* Each caller was pinned off its own worker's CPU... */
        assert_int_equal(CPU_COUNT(&t[i].caller_during), 1);
        assert_false(CPU_ISSET(rl__pool_worker_cpu(t[i].m->cx.pool, 0), &t[i].caller_during));
    }
    /* ...and the two callers were not stacked on one CPU (0.1: both on CPU 1). */
    assert_false(CPU_EQUAL(&t[0].caller_during, &t[1].caller_during));
    for (int i = 0; i < 2; i++)
        rl_model_destroy(t[i].m);
}

/* ---- the host's parallel-for ---------------------------------------------- */

typedef struct host_pool {
    atomic_int calls;
    atomic_int tasks_elsewhere;   /* tasks run on a thread other than the caller */
} host_pool;

typedef struct host_job {
    rl_task_fn task;
    void *data;
    size_t from, to;
    pthread_t caller;
    host_pool *hp;
} host_job;

static void *host_worker(void *arg)
{
    host_job *j = arg;
    /* Backwards, to show that order does not matter. */
    for (size_t i = j->to; i-- > j->from;) {
        j->task(j->data, i);
        if (!pthread_equal(pthread_self(), j->caller))
            atomic_fetch_add(&j->hp->tasks_elsewhere, 1);
    }
    return NULL;
}

/* A crude host pool: half the tasks on a fresh thread, half here. */
static void host_parallel_for(rl_task_fn task, void *data, size_t n, void *user)
{
    host_pool *hp = user;
    atomic_fetch_add(&hp->calls, 1);
    host_job a = { task, data, 0, n / 2, pthread_self(), hp };
    host_job b = { task, data, n / 2, n, pthread_self(), hp };
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, host_worker, &a), 0);
    host_worker(&b);
    pthread_join(t, NULL);
}

static void weights_of(rl_model *m, float *w, size_t cap)
{
    size_t at = 0, layers = 0;
    assert_int_equal(rl_model_layer_count(m, &layers), RL_OK);
    for (size_t l = 0; l < layers; l++) {
        size_t n;
        assert_int_equal(rl_model_weight_count(m, l, &n), RL_OK);
        assert_true(at + n <= cap);
        assert_int_equal(rl_model_get_weights(m, l, w + at, n), RL_OK);
        at += n;
    }
}

static void host_parallel_for_is_bit_identical(void **state)
{
    (void)state;
    enum { CAP = 80000 };
    float *w1 = calloc(CAP, sizeof(float)), *wh = calloc(CAP, sizeof(float));
    float p1[N], ph[N];
    rl_model *one = model(128, 1, RL_PLACE_FREE);
    rl_model *hosted = model(128, 1, RL_PLACE_FREE);
    host_pool hp = { 0, 0 };
    assert_int_equal(rl_model_set_parallel_for(hosted, host_parallel_for, &hp, 4), RL_OK);
    size_t used = 0;
    assert_int_equal(rl_model_threads_in_use(hosted, &used), RL_OK);
    assert_int_equal(used, 4);
    assert_int_equal(rl_fit(one, xs, ys, N, 2, 32), RL_OK);
    assert_int_equal(rl_fit(hosted, xs, ys, N, 2, 32), RL_OK);
    assert_int_equal(rl_predict(one, xs, N, p1, N), RL_OK);
    assert_int_equal(rl_predict(hosted, xs, N, ph, N), RL_OK);
    assert_true(atomic_load(&hp.calls) > 0);
    assert_true(atomic_load(&hp.tasks_elsewhere) > 0);
    weights_of(one, w1, CAP);
    weights_of(hosted, wh, CAP);
    assert_memory_equal(w1, wh, CAP * sizeof(float));
    assert_memory_equal(p1, ph, sizeof p1);
    /* Bad arguments, and back to the model's own threads. */
    assert_int_equal(rl_model_set_parallel_for(hosted, host_parallel_for, &hp, 0), RL_E_INVALID);
    assert_int_equal(rl_model_set_parallel_for(hosted, host_parallel_for, &hp, 65), RL_E_INVALID);
    assert_int_equal(rl_model_set_parallel_for(NULL, host_parallel_for, &hp, 2), RL_E_INVALID);
    assert_int_equal(rl_model_set_thread_placement(hosted, (rl_thread_placement)3), RL_E_INVALID);
    assert_int_equal(rl_model_set_parallel_for(hosted, NULL, NULL, 0), RL_OK);
    int calls = atomic_load(&hp.calls);
    assert_int_equal(rl_predict(hosted, xs, N, ph, N), RL_OK);
    assert_int_equal(atomic_load(&hp.calls), calls);
    assert_memory_equal(p1, ph, sizeof p1);
    rl_model_destroy(one);
    rl_model_destroy(hosted);
    free(w1);
    free(wh);
}

/* Below a product of 2^21 multiply-adds nothing is handed off: an LSTM(32)
 * at batch 32 (largest product 32 x 128 x 32) never reaches the hook. */
static void small_problems_stay_on_one_thread(void **state)
{
    (void)state;
    rl_model *m = model(32, 1, RL_PLACE_FREE);
    host_pool hp = { 0, 0 };
    assert_int_equal(rl_model_set_parallel_for(m, host_parallel_for, &hp, 2), RL_OK);
    assert_int_equal(rl_fit(m, xs, ys, N, 1, 32), RL_OK);
    assert_int_equal(atomic_load(&hp.calls), 0);
    rl_model_destroy(m);
}

/* A fit whose steps are too short for a second thread (SimpleRNN(8) at
 * 64 rows: 64 x 8 x (64 + 8 + 32) multiply-adds, under 2^16) stays on one
 * for the whole call, even where one product of the call (the kernel
 * gradient over all 64 x 64 rows: 2.4 x 10^6 multiply-adds) is large
 * enough to split on its own; a model of longer steps under the same hook
 * is split. */
static void calls_of_short_steps_stay_on_one_thread(void **state)
{
    (void)state;
    enum { T = 64, F = 64, ROWS = 64 };
    float *x = calloc((size_t)ROWS * T * F, sizeof(float)), y[ROWS];
    assert_non_null(x);
    tu_fill_uniform(x, (size_t)ROWS * T * F, 13, -1, 1);
    tu_fill_uniform(y, ROWS, 14, -1, 1);
    const size_t units[2] = { 8, 160 };
    for (int big = 0; big < 2; big++) {
        rl_model *m = NULL;
        assert_int_equal(rl_model_create(&m, T, F), RL_OK);
        assert_int_equal(rl_model_add_simple_rnn(m, units[big], RL_ACT_TANH, 0), RL_OK);
        assert_int_equal(rl_model_add_dense(m, 1, RL_ACT_LINEAR), RL_OK);
        assert_int_equal(rl_model_compile(m, RL_OPT_ADAM, RL_LOSS_MSE), RL_OK);
        host_pool hp = { 0, 0 };
        assert_int_equal(rl_model_set_parallel_for(m, host_parallel_for, &hp, 2), RL_OK);
        assert_int_equal(rl_fit(m, x, y, ROWS, 1, ROWS), RL_OK);
        if (big)
            assert_true(atomic_load(&hp.calls) > 0);
        else
            assert_int_equal(atomic_load(&hp.calls), 0);
        rl_model_destroy(m);
    }
    free(x);
}

/* A forward-only call (predict) splits each recurrent layer's sequence
 * once, by rows of the batch (each thread runs every step of its rows:
 * rl__run_steps), not at every step, so even a model of short steps gains
 * from a second thread: a SimpleRNN(40) over 64 steps at 64 rows is one
 * parallel-for of the host hook (per step it would be 64, or none, each
 * step too short to split), with the bits of one thread; the input (1 MiB
 * here) is read in place, not gathered (its fold into the fused step takes
 * rows T * F floats apart). Paths without the fused step (scalar) keep the
 * gather, the input projection and per-step products. */
static void forward_splits_a_sequence_once(void **state)
{
    (void)state;
    enum { T = 64, F = 64, ROWS = 64, UNITS = 40 };
    float *x = calloc((size_t)ROWS * T * F, sizeof(float)), p1[ROWS], ph[ROWS];
    assert_non_null(x);
    tu_fill_uniform(x, (size_t)ROWS * T * F, 15, -1, 1);
    rl_model *m[2] = { NULL, NULL };
    host_pool hp = { 0, 0 };
    for (int i = 0; i < 2; i++) {
        assert_int_equal(rl_model_create(&m[i], T, F), RL_OK);
        assert_int_equal(rl_model_add_simple_rnn(m[i], UNITS, RL_ACT_TANH, 0), RL_OK);
        assert_int_equal(rl_model_add_dense(m[i], 1, RL_ACT_LINEAR), RL_OK);
        assert_int_equal(rl_model_set_param(m[i], RL_PARAM_SEED, 9), RL_OK);
        assert_int_equal(rl_model_compile(m[i], RL_OPT_ADAM, RL_LOSS_MSE), RL_OK);
    }
    assert_int_equal(rl_model_set_param(m[0], RL_PARAM_THREADS, 1), RL_OK);
    assert_int_equal(rl_model_set_parallel_for(m[1], host_parallel_for, &hp, 2), RL_OK);
    assert_int_equal(rl_predict(m[0], x, ROWS, p1, ROWS), RL_OK);
    assert_int_equal(rl_predict(m[1], x, ROWS, ph, ROWS), RL_OK);
    assert_memory_equal(p1, ph, sizeof p1);
    if (rl__step_fused(&m[1]->cx)) {
        assert_int_equal(atomic_load(&hp.calls), 1);   /* the sequence */
        assert_true(atomic_load(&hp.tasks_elsewhere) > 0);
    }
    /* More threads than one share each can be claimed by (16): blocks in
     * turn instead, the same bits. */
    assert_int_equal(rl_model_set_parallel_for(m[1], host_parallel_for, &hp, 20), RL_OK);
    memset(ph, 0, sizeof ph);
    assert_int_equal(rl_predict(m[1], x, ROWS, ph, ROWS), RL_OK);
    assert_memory_equal(p1, ph, sizeof p1);
    rl_model_destroy(m[0]);
    rl_model_destroy(m[1]);
    free(x);
}

/* The gradients' finiteness check split over 2 and 3 threads (every range
 * its own task, element ranges of 16) finds one NaN or infinity wherever
 * it sits (first, inside, last element, at a range boundary or not) and
 * passes finite arrays, as the one-thread check does. */
static void finite_check_split_finds_every_position(void **state)
{
    (void)state;
    const size_t sizes[] = { 1, 15, 16, 17, 1000, 100003 };
    const float bads[2] = { NAN, -INFINITY };
    for (unsigned threads = 2; threads <= 3; threads++) {
        rl_pool *pool = tu_split_everything_pool(threads);
        if (!pool)
            continue;   /* one allowed CPU */
        const rl_compute cx = { .kernels = rl__kernels(), .pool = pool };
        for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++) {
            const size_t n = sizes[si];
            float *v = malloc(n * sizeof *v);
            assert_non_null(v);
            tu_fill_uniform(v, n, 40 + si, -1e30f, 1e30f);
            assert_int_equal(rl__all_finite_on(&cx, v, n), 1);
            const size_t at[] = { 0, n / 3, n / 2, 16 < n ? 16 : 0, n - 1 };
            for (size_t ai = 0; ai < sizeof at / sizeof at[0]; ai++) {
                const float keep = v[at[ai]];
                v[at[ai]] = bads[ai % 2];
                assert_int_equal(rl__all_finite_on(&cx, v, n), 0);
                assert_int_equal(rl__all_finite(v, n), 0);
                v[at[ai]] = keep;
            }
            assert_int_equal(rl__all_finite_on(&cx, v, n), 1);
            free(v);
        }
        rl__pool_destroy(pool);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(one_allowed_cpu_means_one_thread),
        cmocka_unit_test(caller_mask_is_never_left_changed),
        cmocka_unit_test(two_models_spread_over_the_cpus),
        cmocka_unit_test(host_parallel_for_is_bit_identical),
        cmocka_unit_test(small_problems_stay_on_one_thread),
        cmocka_unit_test(calls_of_short_steps_stay_on_one_thread),
        cmocka_unit_test(forward_splits_a_sequence_once),
        cmocka_unit_test(finite_check_split_finds_every_position),
    };
    return cmocka_run_group_tests(tests, setup_data, NULL);
}
