/* The ceiling of a two-thread split on this machine: the work cut in two
 * independent halves (two models, each with half of the batch and a thread
 * of its own), run at once. Nothing is shared between the halves -- no
 * weights, no h, no hand-off between steps -- so no split of one model over
 * two threads can beat it; what it loses against one thread doing all of
 * the work is the machine's (the clock both cores can hold, their shared
 * caches and memory), not the library's. bench_rnnlite --what ceiling
 * times it beside the pool, docs/performance.md quotes it.
 *
 * The helper thread spins for a while after each run (as the pool's
 * workers do) and then sleeps, so a run in turn with others finds it awake:
 * its wake-up (0.1-5 ms on a KVM guest) is not what is measured. */
#ifndef BENCH_HALVES_H
#define BENCH_HALVES_H

#include "bench_util.h"

typedef struct halves halves;

/* Starts the helper thread that runs fn(helper_ctx) at each halves_run;
 * the caller runs fn(caller_ctx). NULL when the thread cannot start. */
halves *halves_start(bench_fn fn, void *caller_ctx, void *helper_ctx);

/* A bench_fn over a halves: both halves at once, returns when both are
 * done; 0, or the first non-zero result of either. */
int halves_run(void *h);

/* Stops and joins the helper; NULL is harmless. */
void halves_stop(halves *h);

#endif
