#include "halves.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

/* The helper spins this long after a run before it sleeps: longer than a
 * round of bench_turns' other contexts at the sizes timed (a 2T fit of
 * LSTM(512) takes some 40 ms). */
#define HELPER_SPIN_S 0.2
enum { CLOCK_POLLS = 1024 };   /* spins between looks at the clock */

struct halves {
    bench_fn fn;
    void *caller_ctx, *helper_ctx;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    atomic_uint gen;        /* bumped by each run (under lock) */
    atomic_uint done_gen;   /* the helper's last finished run */
    atomic_int result;      /* of the helper's last run */
    atomic_int quit;
};

static void relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

/* Waits for a run after `seen` (returns its number) or for quit (returns
 * seen): spins for HELPER_SPIN_S, then sleeps on the condition. */
static unsigned next_run(halves *h, unsigned seen)
{
    const double start = bench_now();
    for (unsigned i = 1;; i++) {
        const unsigned g = atomic_load_explicit(&h->gen, memory_order_acquire);
        if (g != seen || atomic_load_explicit(&h->quit, memory_order_relaxed))
            return g;
        relax();
        if (i % CLOCK_POLLS == 0 && bench_now() - start > HELPER_SPIN_S)
            break;
    }
    pthread_mutex_lock(&h->lock);
    unsigned g;
    while ((g = atomic_load_explicit(&h->gen, memory_order_acquire)) == seen &&
           !atomic_load_explicit(&h->quit, memory_order_relaxed))
        pthread_cond_wait(&h->wake, &h->lock);
    pthread_mutex_unlock(&h->lock);
    return g;
}

static void *helper_main(void *arg)
{
    halves *h = arg;
    unsigned seen = 0;
    for (;;) {
        const unsigned g = next_run(h, seen);
        if (g == seen)   /* quit */
            return NULL;
        seen = g;
        atomic_store_explicit(&h->result, h->fn(h->helper_ctx), memory_order_relaxed);
        atomic_store_explicit(&h->done_gen, g, memory_order_release);
    }
}

halves *halves_start(bench_fn fn, void *caller_ctx, void *helper_ctx)
{
    halves *h = calloc(1, sizeof *h);
    if (!h)
        return NULL;
    h->fn = fn;
    h->caller_ctx = caller_ctx;
    h->helper_ctx = helper_ctx;
    if (pthread_mutex_init(&h->lock, NULL) != 0) {
        free(h);
        return NULL;
    }
    if (pthread_cond_init(&h->wake, NULL) != 0) {
        pthread_mutex_destroy(&h->lock);
        free(h);
        return NULL;
    }
    if (pthread_create(&h->thread, NULL, helper_main, h) != 0) {
        pthread_cond_destroy(&h->wake);
        pthread_mutex_destroy(&h->lock);
        free(h);
        return NULL;
    }
    return h;
}

int halves_run(void *arg)
{
    halves *h = arg;
    pthread_mutex_lock(&h->lock);
    const unsigned g = atomic_load_explicit(&h->gen, memory_order_relaxed) + 1;
    atomic_store_explicit(&h->gen, g, memory_order_release);
    pthread_cond_signal(&h->wake);
    pthread_mutex_unlock(&h->lock);
    const int mine = h->fn(h->caller_ctx);
    while (atomic_load_explicit(&h->done_gen, memory_order_acquire) != g)
        relax();
    const int theirs = atomic_load_explicit(&h->result, memory_order_relaxed);
    return mine ? mine : theirs;
}

void halves_stop(halves *h)
{
    if (!h)
        return;
    pthread_mutex_lock(&h->lock);
    atomic_store_explicit(&h->quit, 1, memory_order_relaxed);
    pthread_cond_signal(&h->wake);
    pthread_mutex_unlock(&h->lock);
    pthread_join(h->thread, NULL);
    pthread_cond_destroy(&h->wake);
    pthread_mutex_destroy(&h->lock);
    free(h);
}
