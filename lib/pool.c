/* Worker threads of one model (see pool.h for the placement rules). A
 * product is split over column blocks of C (whole cache lines), never over
 * k: every element is still one fma chain in increasing k order, so any
 * thread count, and the host's parallel-for, give the same bits.
 *
 * Hand-off: the caller publishes the job with a new generation in one
 * atomic word that also counts the column blocks handed out; every working
 * thread claims blocks from it until none are left, so a worker that the OS
 * keeps off its CPU delays only the block it holds. Idle workers spin on
 * the word for a while (products come in bursts, microseconds apart,
 * during training), then sleep on a condition variable; a caller that does
 * not work (RL_PLACE_WORKERS) spins briefly, then sleeps until the last
 * block is done. Nothing is allocated per call.
 *
 * Why the caller is left alone by default: pinning it changed the host's
 * thread for good when anything went wrong between bind and unbind, and two
 * models pinned their callers to the same CPU. Measured on the 2-vCPU VM
 * that motivated pinning: left free, a caller and a worker that both spin
 * could share a CPU and run 40x slower; so waiting here turns into sleeping
 * quickly, and the pinned placements exist for hosts that want them. */
#include "pool.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "alloc.h"
#include "kernels/kernels.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define cpu_relax() _mm_pause()
#else
#define cpu_relax() ((void)0)
#endif

#if defined(__linux__) && defined(CPU_SETSIZE)
#define RL_PIN 1
#endif

enum {
    LINE = 16,              /* floats per cache line: blocks start on one */
    GRAIN = 32,             /* columns per block unit (one AVX-512 panel) */
    BLOCKS_PER_THREAD = 3,  /* slack for a thread that falls behind */
    FINE_UNITS = 4,         /* up to this many blocks per slack block: one grain each */
    MIN_WORK = 1 << 16,     /* multiply-adds per block worth a hand-off */
    LONG_K = 1024,          /* products this deep split in one block per thread */
    CALLER_SPINS = 1 << 10, /* polls before the caller yields or sleeps (~15 us) */
    CLOCK_POLLS = 64,       /* polls between two looks at the clock (~1 us) */
};

/* How long an idle worker spins before it sleeps: about twice the recent
 * gap between jobs (a moving average per worker), so that jobs that come
 * microseconds to a few hundred microseconds apart, as the steps of a fit
 * do, never wait for a sleeping worker (~10 us each), while a pool whose
 * jobs come rarely sleeps soon and leaves the CPU to others (a spinning
 * thread on a busy machine takes its share from the caller). Longer inside
 * a call (fit, predict, evaluate: between bind and unbind) than outside. A
 * spinning worker yields now and then, so that when it shares a CPU with
 * the caller (nothing pinned) the caller still runs. */
#define SPIN_NS_MIN 20000u
/* After its spin a worker naps (timed sleeps of NAP_NS, a look at the
 * ticket after each) for up to NAP_NS_MAX from the start of its wait,
 * and only then sleeps on `wake`. Waking a worker blocked on the condition
 * variable costs the CALLER 25-45 us on the 2-vCPU VM of the bench
 * (measured inside pthread_cond_broadcast: an interrupt to an idle
 * virtual CPU), paid at the start of every call that comes more than a
 * spin after the last one: 15 % of a SimpleRNN(32) fit step (~200 us). A
 * napping worker needs no wake-up: it sees the ticket within a nap. */
#define NAP_NS 20000u
#define NAP_NS_MAX 2000000u
/* Calls that come at a steady cadence (a host predicting or fitting every
 * few ms; the bench's two models taking turns) leave the worker waits
 * longer than its naps, each about as long as the last: waking it then
 * cost every call 15-40 us of broadcast on the caller and 50-250 us
 * before the worker joined (a trace of SimpleRNN(256)'s fit on two
 * threads, 7 ms apart: the rounds that woke the worker took 3.8-4.5 ms,
 * the others 3.6-3.8). So when the last two waits that outlasted the naps
 * agree within an eighth (a cadence, up to CADENCE_NS_MAX), the worker
 * sleeps on a timer (an earlier job still wakes it) until an eighth of it
 * (at most CADENCE_EARLY) before the shorter of them, then naps through
 * to as much after the longer: the next call finds it napping. The naps of that window
 * (at most an eighth of the gap plus 2 ms) cost about what the naps after
 * every call already did; beyond CADENCE_NS_MAX the wake-up is under
 * 1 % of the cycle, and a host whose calls come irregularly never agrees
 * and sleeps as before. */
#define CADENCE_NS_MAX 20000000u
#define CADENCE_AGREE 8
#define CADENCE_EARLY 1000000u
#define NAP_SLACK_NS 2000ul   /* the naps' timer slack (Linux: 50 us by default) */
#define SPIN_NS_MAX_IN_CALL 1000000u
#define SPIN_NS_MAX_IDLE 60000u
#define YIELD_EVERY_NS 20000u

/* Work (multiply-adds, or element operations weighted as such: compute.c)
 * below which a job stays on the calling thread. Two thresholds, by what a
 * hand-off costs:
 * - a worker that sleeps costs a wake-up (a futex call here, ~5-10 us
 *   before it runs there), so only jobs of ~50 us and more wake one
 *   (an LSTM step's product at batch 64 from H = 91);
 * - a worker that spins (it worked less than about twice the recent gap
 *   between jobs ago) takes its blocks within a microsecond, so jobs from
 *   ~6 us are shared (at batch 64: the LSTM step's product and cell from
 *   H = 32 and 45, the GRU's from H = 37 and 51).
 * A model too small for any job to reach the first never wakes a worker and
 * runs as one thread; a larger one keeps its worker busy with the smaller
 * jobs between the large ones. */
#define PARALLEL_MIN_WORK ((size_t)1 << 21)
#define PARALLEL_MIN_WORK_AWAKE ((size_t)1 << 18)
/* A share job (rl__pool_for_shares) reads what the same thread wrote the
 * step before: nothing crosses between the cores but the hand-off itself,
 * so a spinning worker takes jobs this many times smaller. */
#define SHARES_CHEAPER 4
/* A share job the workers would take if awake, but that finds them all
 * asleep, runs on the caller. When it comes in another call less than
 * SHARES_WAKE_GAP_NS after the last such job, it also wakes them: a host
 * predicting in a loop. A wake-up costs the caller 25-45 us (above) and
 * the worker comes 0.1-5 ms later, which helps none of these jobs (a few
 * to a few hundred us) that comes alone; but a worker so woken spins
 * SPIN_NS_MAX_IN_CALL after each job until it next goes to sleep, so the
 * calls that follow find it spinning and split. (With the spin of other
 * waits, at most 60 us between calls and twice the average wait in them,
 * it missed the next call whenever other work of the host came between,
 * and the waits between calls and between the chunks of one predict
 * average to too little: at batch 128 (two chunks, the one-thread model's
 * predict of the bench between calls) 55 % of the jobs ran on the caller
 * alone, 0.97x on two threads against one.) Calls further apart
 * find it napping or asleep again, and a napping worker is no help either:
 * a 20 us nap takes 65 us on this VM (timer and wake-up of an idle vCPU),
 * by when the caller has taken the worker's share itself. While the cores
 * are far apart (FAR_MIN_WORK) this is what splits a predict of
 * SimpleRNN(32) I = 1 at batch 64 (3.4 M, 59 us on one thread), which ran
 * on the caller alone before (0.94-0.97x on two threads against one). */
#define SHARES_WAKE_GAP_NS (SPIN_NS_MAX_IN_CALL / 2)

/* A fit whose widest step does less work than this (rl__pool_begin_call)
 * runs on the calling thread alone. It was 1.5 M while every forward step
 * was a hand-off (the seed LSTM(50) fit ran at 0.89-0.95x on two threads);
 * with the forward (and the backwards through time) split once per
 * sequence by rows, fits from 2^18 gained (H = 32-64 1.01-1.47x, the seed
 * fits LSTM 1.22x, GRU 1.17x). Since workers nap instead of sleeping
 * between calls (NAP_NS), a fit no longer pays a wake-up at its start, and
 * smaller fits gain too (paired, batch 64, T = 50, everything split):
 * SimpleRNN(32) I = 1 (133 K) 1.07-1.16x, LSTM(8) and GRU(8) I = 1 (84 K,
 * 63 K) 1.16-1.21x, SimpleRNN(8) I = 64 (53 K) 1.13x, while SimpleRNN(16)
 * I = 1 (50 K) reads 1.00-1.01x and SimpleRNN(8) I = 1 (21 K) 0.93x. */
#define CALL_MIN_STEP_WORK ((size_t)1 << 16)

/* The thresholds above were set where a hand-off between the caller's
 * core and the worker's takes 55-72 ns there and back (the two vCPUs of
 * the bench VM on neighbouring cores of one AMD Zen 5 CCD; the Xeons).
 * On that same VM the host moves the vCPUs apart for minutes at a time:
 * the round trip then takes 335-440 ns, every hand-off and every line a
 * step reads from the other thread's cache costs ~6x more, and fits at
 * H = 32 ran at 0.68-0.97x on two threads. So a pool times the distance
 * (a ball of one cache line passed between the caller and each worker)
 * when it is made, and again during a call at most once a second (the host
 * may have moved the threads since), and while the round trip takes
 * RL_POOL_FAR_HANDOFF_NS or more splits only larger jobs (FAR_*):
 * measured far, paired, batch 64, fit steps at H = 32 went from 0.68-0.97x
 * to 0.96-1.09x on two threads against one (docs/performance.md,
 * fourteenth session). SimpleRNN and LSTM from 48 units pay from smaller
 * steps than that threshold lets split (FAR_CALL_MIN_STEP_WORK_SMALL;
 * sixteenth session). A reading that fails (a thread off its CPU: late
 * rounds) keeps the last one; no reading at all keeps the near thresholds.
 *
 * A reading needs the workers running: one woken from its sleep came
 * after 0.1-5 ms here (its idle vCPU is the host's to wake), so a fit
 * does not wait for them: at its start it wakes sleeping workers and
 * reads the distance after its first split job, or at its end when
 * nothing was split (while far, most small fits), with a worker that has
 * spun or napped since; a worker still late then costs one round of
 * PROBE_AGAIN_ARRIVE_NS. A predict or evaluate reads it only after a split
 * job. Only the first reading, at creation, waits for the workers. */
#define FAR_MIN_WORK ((size_t)1 << 23)
#define FAR_MIN_WORK_AWAKE ((size_t)1 << 20)
#define FAR_CALL_MIN_STEP_WORK ((size_t)1 << 20)
/* A fit whose widest layer is one the caller knows pays from smaller steps
 * while far (rl__pool_begin_call's small_pays_far; passes.c says which, and
 * what was measured) is split from this step work instead. */
#define FAR_CALL_MIN_STEP_WORK_SMALL ((size_t)1 << 18)
#define PROBE_PASSES 8          /* timed round trips per partner and round */
#define PROBE_ROUNDS 16         /* at creation; the reading is the quickest round */
#define PROBE_ROUNDS_AGAIN 4    /* during a call; a late round ends it */
#define PROBE_NS_MAX 5000000u   /* the most one reading takes */
#define PROBE_ARRIVE_NS 1000000u /* first reading: for a new worker to come to a round */
#define PROBE_AGAIN_ARRIVE_NS 200000u /* later: from a nap (a vCPU the host lets idle) */
#define PROBE_WAIT_NS 50000u    /* then, a partner slower to answer makes the round late */
#define PROBE_AGAIN_NS 1000000000u
/* When a call reads the distance again (rl_pool.probe_due). */
enum { PROBE_NOT, PROBE_AFTER_SPLIT, PROBE_AFTER_SPLIT_OR_AT_END };

/* The ticket word: generation (bits 63-32), a share job's flag (31),
 * blocks of the job (30-16), and (15-0) the next block to hand out or, in
 * a share job, the mask of blocks claimed. */
#define TICKET(gen, blocks, next) (((uint64_t)(gen) << 32) | ((uint64_t)(blocks) << 16) | (next))
#define TICKET_GEN(t) ((uint32_t)((t) >> 32))
#define TICKET_SHARES(t) ((unsigned)(((t) >> 31) & 1u))
#define TICKET_BLOCKS(t) ((unsigned)(((t) >> 16) & 0x7fffu))
#define TICKET_NEXT(t) ((unsigned)((t) & 0xffffu))
#define SHARE_FLAG 0x8000u
#define MAX_BLOCKS 0x7fffu
#define MAX_SHARES 16u

/* One parallel-for: fn over [0, n) in `blocks` blocks of whole grains. */
typedef struct range_job {
    rl_range_fn fn;
    void *ctx;
    size_t n, grain;
    size_t units;          /* grains in [0, n), the last one maybe short */
    unsigned blocks;
} range_job;

typedef struct worker {
    rl_pool *pool;
    pthread_t thread;
    int cpu;               /* pinned to, or -1 */
    uint64_t gap_ns;       /* moving average of the time jobs take to come */
    uint64_t long_wait[2]; /* the last two waits that outlasted the naps (CADENCE_*) */
    int in_loop;           /* woken for a predict loop, not asleep since (SHARES_WAKE_GAP_NS) */
} worker;

struct rl_pool {
    /* Written by the caller per job, claimed from by everyone: own line. */
    _Alignas(64) _Atomic uint64_t ticket;
    /* Written by whoever finishes a block, polled by the caller. */
    _Alignas(64) atomic_uint done;

    _Alignas(64) range_job job;   /* published by the ticket's release store */
    uint32_t generation;         /* caller only */
    atomic_int quit;             /* set under lock, before the generation that says so */
    atomic_int in_call;          /* between bind and unbind: workers spin longer */
    int call_single;             /* this call runs on the caller alone (begin_call) */
    size_t min_step_work;        /* CALL_MIN_STEP_WORK but in tests */
    int caller_sleeps;           /* under lock: signal `finished` at the last block */
    int wake_monotonic;          /* `wake` times its waits on CLOCK_MONOTONIC */
    pthread_mutex_t lock;
    pthread_cond_t wake;
    pthread_cond_t finished;
    unsigned n_threads;          /* threads that share a product */
    unsigned n_workers;
    unsigned n_started;
    int caller_works;            /* the caller claims blocks too */
    int placement;               /* rl_thread_placement */
    size_t min_work;             /* PARALLEL_MIN_WORK but in tests */
    size_t min_work_awake;       /* PARALLEL_MIN_WORK_AWAKE but in tests */
    atomic_uint sleeping;        /* workers asleep on `wake` (or about to be) */
    atomic_uint napping;         /* workers in timed naps (nap_for_job) */
    size_t block_work;           /* MIN_WORK but in tests (never above min_work) */
    int fixed_thresholds;        /* set by a test: no reading changes them */
    uint64_t handoff_ns;         /* round trip to the farthest worker; 0 unknown */
    uint64_t probed_at;          /* when it was last read (now_ns) */
    /* The last share job the workers slept through: when, in which call
     * (calls_ended counts the calls ended, rl__pool_unbind_caller). */
    uint64_t share_asleep_at;
    unsigned share_asleep_call, calls_ended;
    atomic_uint loop_wake_gen;   /* the generation of the last such wake-up */
    int probe_due;               /* PROBE_*: when this call reads the distance */
    size_t private_cache;        /* bytes of cache each thread has to itself (L2) */
    worker *workers;

    /* The host's parallel-for, instead of workers. */
    rl_parallel_for_fn host_for;
    void *host_user;

    /* Caller placement (RL_PLACE_WORKERS_AND_CALLER); touched only by the
     * thread using the pool. */
    int caller_cpu;
    int bind_wanted;       /* pin the caller at the next parallel product */
    int bound;             /* the caller is pinned; saved_mask restores it */
#ifdef RL_PIN
    pthread_t bound_thread;
    cpu_set_t saved_mask;
#endif
};

/* Block b covers grains [units b / blocks, units (b + 1) / blocks): every
 * grain exactly once, the blocks within one grain of the same size. */
static void run_block(const range_job *j, unsigned block)
{
    const size_t u0 = j->units * block / j->blocks;
    const size_t u1 = j->units * (block + 1) / j->blocks;
    const size_t end = u1 * j->grain < j->n ? u1 * j->grain : j->n;
    j->fn(j->ctx, u0 * j->grain, end);
}

static void host_task(void *job, size_t index)
{
    run_block(job, (unsigned)index);
}

/* Tells a sleeping caller that the last block of `blocks` is done. */
static void block_done(rl_pool *p, unsigned blocks)
{
    if (atomic_fetch_add_explicit(&p->done, 1, memory_order_acq_rel) + 1 != blocks)
        return;
    pthread_mutex_lock(&p->lock);
    if (p->caller_sleeps)
        pthread_cond_signal(&p->finished);
    pthread_mutex_unlock(&p->lock);
}

/* The block of a share job that thread `me` claims next from the mask of
 * those claimed: its own (block me) first, then the lowest one left. */
static unsigned next_share(unsigned claimed, unsigned blocks, unsigned me)
{
    if (me < blocks && !(claimed & (1u << me)))
        return me;
    for (unsigned b = 0; b < blocks; b++)
        if (!(claimed & (1u << b)))
            return b;
    return blocks;
}

/* Runs blocks of generation `gen` until none are left to claim; `me` is
 * the thread's number (the working caller 0, workers from 1), whose own
 * block it claims first in a share job. A block is claimed before the job
 * is read, so the job cannot change under it: the caller waits for every
 * block of a generation before the next. */
static void claim_blocks(rl_pool *p, uint32_t gen, unsigned me)
{
    uint64_t t = atomic_load_explicit(&p->ticket, memory_order_acquire);
    for (;;) {
        if (TICKET_GEN(t) != gen)
            return;
        const unsigned blocks = TICKET_BLOCKS(t);
        unsigned b;
        uint64_t claimed;
        if (TICKET_SHARES(t)) {
            b = next_share(TICKET_NEXT(t), blocks, me);
            claimed = t | (1u << (b < blocks ? b : 0));
        } else {
            b = TICKET_NEXT(t);
            claimed = t + 1;
        }
        if (b >= blocks)
            return;
        if (atomic_compare_exchange_weak_explicit(&p->ticket, &t, claimed, memory_order_acquire,
                                                  memory_order_acquire)) {
            run_block(&p->job, b);
            block_done(p, blocks);
            t = atomic_load_explicit(&p->ticket, memory_order_acquire);
        }
    }
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Spins until the generation is not `seen`, for up to the spin budget;
 * returns whether it changed. */
static int spin_for_job(rl_pool *p, uint32_t seen, uint64_t start, uint64_t budget)
{
    uint64_t yielded = start;
    for (unsigned i = 1;; i++) {
        if (TICKET_GEN(atomic_load_explicit(&p->ticket, memory_order_acquire)) != seen)
            return 1;
        cpu_relax();
        if (i % CLOCK_POLLS == 0) {
            const uint64_t t = now_ns();
            if (t - start > budget)
                return 0;
            if (t - yielded > YIELD_EVERY_NS) {
                sched_yield();
                yielded = t;
            }
        }
    }
}

/* Naps until the generation is not `seen`, until the time `until`;
 * returns whether it changed. */
static int nap_for_job(rl_pool *p, uint32_t seen, uint64_t until)
{
    int changed = 0;
    atomic_fetch_add_explicit(&p->napping, 1, memory_order_relaxed);
    while (!changed && now_ns() < until) {
        const struct timespec nap = { 0, NAP_NS };
        nanosleep(&nap, NULL);
        changed = TICKET_GEN(atomic_load_explicit(&p->ticket, memory_order_acquire)) != seen;
    }
    atomic_fetch_sub_explicit(&p->napping, 1, memory_order_relaxed);
    return changed;
}

/* Sleeps on `wake` until the generation is not `seen` (or quit), or until
 * the time `until` (0: no limit); returns the generation. */
static uint32_t sleep_for_job(rl_pool *p, uint32_t seen, uint64_t until)
{
    uint32_t g;
    const struct timespec at = { (time_t)(until / 1000000000u), (long)(until % 1000000000u) };
    pthread_mutex_lock(&p->lock);
    atomic_fetch_add_explicit(&p->sleeping, 1, memory_order_relaxed);
    while ((g = TICKET_GEN(atomic_load_explicit(&p->ticket, memory_order_acquire))) == seen &&
           !atomic_load_explicit(&p->quit, memory_order_relaxed)) {
        if (!until)
            pthread_cond_wait(&p->wake, &p->lock);
        else if (pthread_cond_timedwait(&p->wake, &p->lock, &at) != 0 && now_ns() >= until)
            break;
    }
    atomic_fetch_sub_explicit(&p->sleeping, 1, memory_order_relaxed);
    pthread_mutex_unlock(&p->lock);
    return g;
}

/* The window [*from, *to) (from the start of a wait) in which the next
 * long wait should end, when the last two agree (CADENCE_*); 0 if not. */
static int cadence_window(const worker *w, uint64_t *from, uint64_t *to)
{
    const uint64_t a = w->long_wait[0], b = w->long_wait[1];
    const uint64_t lo = a < b ? a : b, hi = a < b ? b : a;
    if (lo == 0 || hi > CADENCE_NS_MAX || hi - lo > lo / CADENCE_AGREE)
        return 0;
    *from = lo - (lo / 8 < CADENCE_EARLY ? lo / 8 : CADENCE_EARLY);
    *to = hi + (hi / 8 < CADENCE_EARLY ? hi / 8 : CADENCE_EARLY);
    return 1;
}

/* Waits for a generation other than `seen`; returns it, with *quit set
 * when the pool is shutting down: spins (about twice the recent gap
 * between jobs), naps up to NAP_NS_MAX from the start, then sleeps on
 * `wake` -- in a cadence, only until its window, napping through it. */
static uint32_t wait_for_job(worker *w, uint32_t seen, int *quit)
{
    rl_pool *p = w->pool;
    const uint64_t start = now_ns();
    /* in a predict loop (SHARES_WAKE_GAP_NS) as long as in a call */
    if (seen == atomic_load_explicit(&p->loop_wake_gen, memory_order_relaxed))
        w->in_loop = 1;
    const uint64_t cap = w->in_loop || atomic_load_explicit(&p->in_call, memory_order_relaxed)
                             ? SPIN_NS_MAX_IN_CALL
                             : SPIN_NS_MAX_IDLE;
    uint64_t budget = w->in_loop ? cap : 2 * w->gap_ns, from = 0, to = 0;
    budget = budget < SPIN_NS_MIN ? SPIN_NS_MIN : budget > cap ? cap : budget;
    uint32_t g = seen;
    const int cadence = p->wake_monotonic && cadence_window(w, &from, &to);
    if (spin_for_job(p, seen, start, budget) || nap_for_job(p, seen, start + NAP_NS_MAX))
        g = TICKET_GEN(atomic_load_explicit(&p->ticket, memory_order_acquire));
    if (g == seen && cadence && to > NAP_NS_MAX) {
        if (from > NAP_NS_MAX)
            g = sleep_for_job(p, seen, start + from);
        if (g == seen && !atomic_load_explicit(&p->quit, memory_order_acquire) &&
            nap_for_job(p, seen, start + to))
            g = TICKET_GEN(atomic_load_explicit(&p->ticket, memory_order_acquire));
    }
    if (g == seen) {
        w->in_loop = 0;   /* the loop is over */
        g = sleep_for_job(p, seen, 0);
    }
    /* quit is stored before the generation that announces it */
    *quit = atomic_load_explicit(&p->quit, memory_order_acquire);
    const uint64_t waited = now_ns() - start;
    w->gap_ns = (3 * w->gap_ns + waited) / 4;
    if (waited > NAP_NS_MAX) {
        w->long_wait[1] = w->long_wait[0];
        w->long_wait[0] = waited;
    }
    return g;
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    rl_pool *p = w->pool;
    const unsigned me = (unsigned)(w - p->workers) + (unsigned)p->caller_works;
    /* Not the current value: a job may be out before this thread first runs. */
    uint32_t seen = 0;
    w->gap_ns = SPIN_NS_MIN;
#ifdef __linux__
    prctl(PR_SET_TIMERSLACK, NAP_SLACK_NS, 0, 0, 0);   /* this thread's naps only */
#endif
    for (;;) {
        int quit = 0;
        seen = wait_for_job(w, seen, &quit);
        if (quit)
            return NULL;
        claim_blocks(p, seen, me);
    }
}

/* ---- placement ------------------------------------------------------------ */

#ifdef RL_PIN
/* How many pinned threads of any pool in the process sit on each CPU: the
 * one piece of process-wide state, so that two models' pools spread over
 * the CPUs instead of stacking on the first ones. It decides placement
 * only, never a result. */
static pthread_mutex_t cpu_users_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned cpu_users[CPU_SETSIZE];

/* The least used CPU of `set` (lowest number on ties), taken out of `set`
 * and counted as used; -1 when `set` is empty. */
static int take_cpu(cpu_set_t *set)
{
    int best = -1;
    pthread_mutex_lock(&cpu_users_lock);
    for (int cpu = 0; cpu < CPU_SETSIZE; cpu++)
        if (CPU_ISSET(cpu, set) && (best < 0 || cpu_users[cpu] < cpu_users[best]))
            best = cpu;
    if (best >= 0) {
        cpu_users[best]++;
        CPU_CLR(best, set);
    }
    pthread_mutex_unlock(&cpu_users_lock);
    return best;
}

static void give_back_cpu(int cpu)
{
    if (cpu < 0)
        return;
    pthread_mutex_lock(&cpu_users_lock);
    cpu_users[cpu]--;
    pthread_mutex_unlock(&cpu_users_lock);
}

static int pin_thread(pthread_t t, int cpu)
{
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    return pthread_setaffinity_np(t, sizeof one, &one);
}

/* CPUs the calling thread may run on: the host's limit for every thread
 * this pool makes (a new thread inherits its creator's mask). */
static int allowed_cpus(cpu_set_t *set)
{
    CPU_ZERO(set);
    if (pthread_getaffinity_np(pthread_self(), sizeof *set, set) != 0)
        return 0;
    return CPU_COUNT(set);
}

/* Pins each worker to its own allowed CPU (best effort: a worker that
 * cannot be pinned keeps the inherited mask, which is allowed too). */
static void place_workers(rl_pool *p)
{
    cpu_set_t set;
    allowed_cpus(&set);
    for (unsigned i = 0; i < p->n_started; i++) {
        int cpu = take_cpu(&set);
        if (cpu < 0)
            break;
        if (pin_thread(p->workers[i].thread, cpu) == 0) {
            p->workers[i].cpu = cpu;
        } else {
            give_back_cpu(cpu);
        }
    }
}

static void bind_caller_now(rl_pool *p)
{
    p->bind_wanted = 0;
    pthread_t self = pthread_self();
    cpu_set_t set;
    if (pthread_getaffinity_np(self, sizeof p->saved_mask, &p->saved_mask) != 0)
        return;
    set = p->saved_mask;
    for (unsigned i = 0; i < p->n_started; i++)
        if (p->workers[i].cpu >= 0)
            CPU_CLR(p->workers[i].cpu, &set);
    int cpu = take_cpu(&set);
    if (cpu < 0)
        return;   /* no CPU of the caller's own mask is free: leave it alone */
    if (pin_thread(self, cpu) != 0) {
        give_back_cpu(cpu);
        return;
    }
    p->caller_cpu = cpu;
    p->bound_thread = self;
    p->bound = 1;
}

static void unbind_caller_now(rl_pool *p)
{
    (void)pthread_setaffinity_np(p->bound_thread, sizeof p->saved_mask, &p->saved_mask);
    give_back_cpu(p->caller_cpu);
    p->caller_cpu = -1;
    p->bound = 0;
}

static void release_workers_cpus(rl_pool *p)
{
    for (unsigned i = 0; i < p->n_started; i++) {
        give_back_cpu(p->workers[i].cpu);
        p->workers[i].cpu = -1;
    }
}
#else
static int allowed_cpus(void *set)
{
    (void)set;
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}
static void place_workers(rl_pool *p) { (void)p; }
static void bind_caller_now(rl_pool *p) { p->bind_wanted = 0; }
static void unbind_caller_now(rl_pool *p) { p->bound = 0; }
static void release_workers_cpus(rl_pool *p) { (void)p; }
#endif

/* ---- life cycle ------------------------------------------------------------- */

static void probe_cores(rl_pool *p, unsigned rounds, int first);
static int probe_is_due(const rl_pool *p);
static void wait_done(rl_pool *p, unsigned blocks);

/* The split thresholds for cores near each other, or far apart (FAR_*). */
static void use_thresholds(rl_pool *p, int far)
{
    p->min_work = far ? FAR_MIN_WORK : PARALLEL_MIN_WORK;
    p->min_work_awake = far ? FAR_MIN_WORK_AWAKE : PARALLEL_MIN_WORK_AWAKE;
    p->min_step_work = far ? FAR_CALL_MIN_STEP_WORK : CALL_MIN_STEP_WORK;
}

/* Publishes a new generation (with `blocks` blocks) and wakes sleepers. */
static void publish(rl_pool *p, unsigned blocks)
{
    p->generation++;
    pthread_mutex_lock(&p->lock);
    atomic_store_explicit(&p->ticket, TICKET(p->generation, blocks, 0), memory_order_release);
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->lock);
}

static void stop_workers(rl_pool *p)
{
    pthread_mutex_lock(&p->lock);
    atomic_store_explicit(&p->quit, 1, memory_order_release);
    pthread_mutex_unlock(&p->lock);
    publish(p, 0);
    for (unsigned i = 0; i < p->n_started; i++)
        pthread_join(p->workers[i].thread, NULL);
}

/* The L2 of this CPU as the C library reports it (each core's own on the
 * x86 and Arm server parts of today); when it does not know, 1 MiB. */
static size_t private_cache_bytes(void)
{
    const size_t bytes = rl__l2_bytes();
    return bytes ? bytes : (size_t)1 << 20;
}

static rl_pool *new_pool(unsigned n_workers)
{
    rl_pool *p = rl__calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->workers = rl__calloc(n_workers ? n_workers : 1, sizeof *p->workers);
    if (!p->workers || pthread_mutex_init(&p->lock, NULL) != 0) {
        rl__free(p->workers);
        rl__free(p);
        return NULL;
    }
    /* `wake`'s timed waits (a cadence) count on the monotonic clock */
    pthread_condattr_t monotonic;
    int attr_ok = pthread_condattr_init(&monotonic) == 0;
    if (attr_ok && pthread_condattr_setclock(&monotonic, CLOCK_MONOTONIC) != 0) {
        pthread_condattr_destroy(&monotonic);
        attr_ok = 0;
    }
    const int wake_failed = pthread_cond_init(&p->wake, attr_ok ? &monotonic : NULL) != 0;
    if (attr_ok)
        pthread_condattr_destroy(&monotonic);
    p->wake_monotonic = attr_ok;
    if (wake_failed) {
        pthread_mutex_destroy(&p->lock);
        rl__free(p->workers);
        rl__free(p);
        return NULL;
    }
    if (pthread_cond_init(&p->finished, NULL) != 0) {
        pthread_cond_destroy(&p->wake);
        pthread_mutex_destroy(&p->lock);
        rl__free(p->workers);
        rl__free(p);
        return NULL;
    }
    p->n_workers = n_workers;
    p->caller_cpu = -1;
    use_thresholds(p, 0);
    p->block_work = MIN_WORK;
    p->private_cache = private_cache_bytes();
    atomic_init(&p->sleeping, 0);
    atomic_init(&p->napping, 0);
    atomic_init(&p->ticket, TICKET(0, 0, 0));
    atomic_init(&p->done, 0);
    atomic_init(&p->in_call, 0);
    atomic_init(&p->loop_wake_gen, UINT32_MAX);   /* none yet (a worker starts at 0) */
    atomic_init(&p->quit, 0);
    return p;
}

rl_status rl__pool_create(unsigned n_threads, int placement, rl_pool **out)
{
    *out = NULL;
#ifdef RL_PIN
    cpu_set_t set;
#else
    int set;
#endif
    int allowed = allowed_cpus(&set);
    if (allowed > 0 && n_threads > (unsigned)allowed)
        n_threads = (unsigned)allowed;
    if (n_threads < 2)
        return RL_OK;   /* one thread: no pool */
    /* With the caller only waiting, the workers are all the threads. */
    const int caller_works = placement != RL_PLACE_WORKERS;
    const unsigned n_workers = caller_works ? n_threads - 1 : n_threads;
    rl_pool *p = new_pool(n_workers);
    if (!p)
        return RL_E_NOMEM;
    p->n_threads = n_threads;
    p->caller_works = caller_works;
    p->placement = placement;
    for (unsigned i = 0; i < n_workers; i++) {
        worker *w = &p->workers[i];
        w->pool = p;
        w->cpu = -1;
        if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
            rl__pool_destroy(p);
            return RL_E_NOMEM;
        }
        p->n_started++;
    }
    if (placement != RL_PLACE_FREE)
        place_workers(p);
    probe_cores(p, PROBE_ROUNDS, 1);
    *out = p;
    return RL_OK;
}

rl_status rl__pool_create_host(rl_parallel_for_fn fn, void *user, unsigned concurrency,
                               rl_pool **out)
{
    rl_pool *p = new_pool(0);
    *out = p;
    if (!p)
        return RL_E_NOMEM;
    p->host_for = fn;
    p->host_user = user;
    p->n_threads = concurrency ? concurrency : 1;
    p->caller_works = 0;
    return RL_OK;
}

void rl__pool_destroy(rl_pool *p)
{
    if (!p)
        return;
    if (p->bound)
        unbind_caller_now(p);   /* whatever destroyed it mid-call: the host's mask comes back */
    stop_workers(p);
    release_workers_cpus(p);
    pthread_cond_destroy(&p->finished);
    pthread_cond_destroy(&p->wake);
    pthread_mutex_destroy(&p->lock);
    rl__free(p->workers);
    rl__free(p);
}

unsigned rl__pool_threads(const rl_pool *p)
{
    return p ? p->n_threads : 1;
}

size_t rl__pool_private_cache(const rl_pool *p)
{
    return p ? p->private_cache : 0;
}

void rl__pool_set_min_work(rl_pool *p, size_t work)
{
    if (p) {
        p->min_work = work;
        p->min_work_awake = work < PARALLEL_MIN_WORK_AWAKE ? work : PARALLEL_MIN_WORK_AWAKE;
        p->min_step_work = work < CALL_MIN_STEP_WORK ? work : CALL_MIN_STEP_WORK;
        p->block_work = work < MIN_WORK ? (work ? work : 1) : MIN_WORK;
        p->fixed_thresholds = 1;
    }
}

unsigned rl__pool_workers_asleep(const rl_pool *p)
{
    return p ? atomic_load_explicit(&p->sleeping, memory_order_relaxed) : 0;
}

uint32_t rl__pool_published(const rl_pool *p)
{
    return p ? p->generation : 0;
}

int rl__pool_worker_cpu(const rl_pool *p, unsigned i)
{
    return p && i < p->n_started ? p->workers[i].cpu : -1;
}

void rl__pool_bind_caller(rl_pool *p)
{
    if (p)
        atomic_store_explicit(&p->in_call, 1, memory_order_relaxed);
    if (p && !p->bound && p->placement == RL_PLACE_WORKERS_AND_CALLER && !p->host_for)
        p->bind_wanted = 1;
}

void rl__pool_begin_call(rl_pool *p, size_t step_work, int small_pays_far)
{
    if (!p)
        return;
    /* Read the distance again (FAR_*) if it could decide this call: below
     * the near threshold it runs on the caller either way. */
    p->probe_due = step_work >= CALL_MIN_STEP_WORK && probe_is_due(p)
                       ? PROBE_AFTER_SPLIT_OR_AT_END
                       : PROBE_NOT;
    /* the smaller threshold only lowers the far one: near (and a test's)
     * are below it already */
    size_t min = p->min_step_work;
    if (small_pays_far && min > FAR_CALL_MIN_STEP_WORK_SMALL)
        min = FAR_CALL_MIN_STEP_WORK_SMALL;
    p->call_single = step_work < min;
    if (!p->call_single)
        rl__pool_bind_caller(p);
    else if (p->probe_due)   /* woken workers spin (to the reading at unbind), not nap */
        atomic_store_explicit(&p->in_call, 1, memory_order_relaxed);
    /* Wake sleeping workers now, with a job of no blocks, so that they spin
     * by the time the call's first steps come: else those small jobs stay
     * on the caller until a large one wakes them. */
    if ((!p->call_single || p->probe_due) && !p->host_for &&
        atomic_load_explicit(&p->sleeping, memory_order_relaxed) +
                atomic_load_explicit(&p->napping, memory_order_relaxed) > 0)
        publish(p, 0);
}

void rl__pool_begin_forward_call(rl_pool *p)
{
    /* No early wake-up (begin_call's): a one-sample predict must not pay a
     * futex call; a job big enough to split wakes the worker itself. */
    if (!p)
        return;
    p->call_single = 0;
    /* Only after a split job: a predict too small to split must not wait
     * for a sleeping worker at its end. */
    p->probe_due = probe_is_due(p) ? PROBE_AFTER_SPLIT : PROBE_NOT;
    rl__pool_bind_caller(p);
}

void rl__pool_unbind_caller(rl_pool *p)
{
    if (!p)
        return;
    if (p->probe_due == PROBE_AFTER_SPLIT_OR_AT_END)
        probe_cores(p, PROBE_ROUNDS_AGAIN, 0);   /* nothing was split */
    p->probe_due = PROBE_NOT;
    p->call_single = 0;
    p->calls_ended++;
    atomic_store_explicit(&p->in_call, 0, memory_order_relaxed);
    p->bind_wanted = 0;
    if (p->bound)
        unbind_caller_now(p);
}

/* ---- products --------------------------------------------------------------- */

/* Waits until all `blocks` are done: spins briefly, then sleeps (a caller
 * that does not work must not take a CPU from the workers). */
static void wait_done(rl_pool *p, unsigned blocks)
{
    for (unsigned i = 0; i < CALLER_SPINS; i++) {
        if (atomic_load_explicit(&p->done, memory_order_acquire) == blocks)
            return;
        cpu_relax();
    }
    if (p->caller_works) {
        /* Only blocks that workers hold are left: each is short. */
        while (atomic_load_explicit(&p->done, memory_order_acquire) != blocks)
            sched_yield();
        return;
    }
    pthread_mutex_lock(&p->lock);
    p->caller_sleeps = 1;
    while (atomic_load_explicit(&p->done, memory_order_acquire) != blocks)
        pthread_cond_wait(&p->finished, &p->lock);
    p->caller_sleeps = 0;
    pthread_mutex_unlock(&p->lock);
}

/* Whether a job of `work` pays for a hand-off now (see PARALLEL_MIN_WORK):
 * workers that still spin take smaller jobs than workers that all sleep
 * (and than the host's parallel-for, whose cost we cannot know). A stale
 * count only moves one job either way. */
static int worth_splitting(rl_pool *p, size_t work, int shares)
{
    if (work >= p->min_work)
        return 1;
    if (work < (shares ? p->min_work_awake / SHARES_CHEAPER : p->min_work_awake) || p->host_for)
        return 0;
    const unsigned sleeping = atomic_load_explicit(&p->sleeping, memory_order_relaxed);
    /* a napping worker takes a job within a nap: not worth it either */
    if (sleeping + atomic_load_explicit(&p->napping, memory_order_relaxed) < p->n_started)
        return 1;
    if (shares && sleeping == p->n_started) {   /* SHARES_WAKE_GAP_NS */
        const uint64_t t = now_ns();
        if (p->calls_ended != p->share_asleep_call && t - p->share_asleep_at < SHARES_WAKE_GAP_NS) {
            atomic_store_explicit(&p->loop_wake_gen, p->generation + 1, memory_order_relaxed);
            publish(p, 0);   /* its release makes the store above seen with the ticket */
        }
        p->share_asleep_at = t;
        p->share_asleep_call = p->calls_ended;
    }
    return 0;
}

/* shares: one block per thread, block i claimed first by thread i (see
 * rl__pool_for_shares), else blocks handed out in order. */
static void pool_for(rl_pool *p, size_t n, size_t grain, size_t work, int awake_tier,
                     int shares, rl_range_fn fn, void *ctx)
{
    if (n == 0)
        return;
    if (grain == 0)
        grain = 1;
    const size_t units = n / grain + (n % grain != 0);
    /* Blocks of one grain when there are few grains: blocks of unequal
     * size (8 grains in 6 blocks) left one thread waiting for the other's
     * double block (a 64 x 256 x 256 product: 1.5x on two threads, 1.9x
     * in 8 blocks); a claim costs ~0.1 us. */
    size_t blocks = 1;
    if (p && !p->call_single && (awake_tier ? worth_splitting(p, work, shares) : work >= p->min_work)) {
        blocks = (size_t)p->n_threads * BLOCKS_PER_THREAD;
        if (units <= blocks * FINE_UNITS)
            blocks = units;
        if (shares && p->n_threads <= MAX_SHARES)
            blocks = p->n_threads;
        else
            shares = 0;   /* more threads than the claim mask has bits: blocks in turn */
    }
    if (blocks > units)
        blocks = units;
    if (p && blocks > work / p->block_work)
        blocks = work / p->block_work;
    if (blocks > MAX_BLOCKS)
        blocks = MAX_BLOCKS;
    if (blocks <= 1) {
        fn(ctx, 0, n);
        return;
    }
    p->job = (range_job){ fn, ctx, n, grain, units, (unsigned)blocks };
    if (p->host_for) {
        p->host_for(host_task, &p->job, blocks, p->host_user);
        return;
    }
    if (p->bind_wanted)
        bind_caller_now(p);
    atomic_store_explicit(&p->done, 0, memory_order_relaxed);
    publish(p, (unsigned)blocks | (shares ? SHARE_FLAG : 0u));
    if (p->caller_works)
        claim_blocks(p, p->generation, 0);
    wait_done(p, (unsigned)blocks);
    if (p->probe_due)
        probe_cores(p, PROBE_ROUNDS_AGAIN, 0);   /* the workers are awake now */
}

void rl__pool_for(rl_pool *p, size_t n, size_t grain, size_t work, rl_range_fn fn, void *ctx)
{
    pool_for(p, n, grain, work, 1, 0, fn, ctx);
}

void rl__pool_for_large(rl_pool *p, size_t n, size_t grain, size_t work, rl_range_fn fn,
                        void *ctx)
{
    pool_for(p, n, grain, work, 0, 0, fn, ctx);
}

void rl__pool_for_shares(rl_pool *p, size_t n, size_t grain, size_t work, rl_range_fn fn,
                         void *ctx)
{
    pool_for(p, n, grain, work, 1, 1, fn, ctx);
}

/* A product as a parallel-for over GRAIN-column units of C counted from
 * its first cache-line boundary (`first` columns before it go with unit
 * 0), so two threads never write to one line of row 0 (of any row, when
 * ldc is a multiple of LINE). */
typedef struct gemm_job {
    rl_gemm_fn gemm;
    size_t m, n, k;
    const float *a;
    size_t a_rs, a_cs;
    const float *b;
    size_t ldb;
    float *c;
    size_t ldc;
    int accumulate;
    size_t first;
    size_t units;
} gemm_job;

static void gemm_units(void *ctx, size_t u0, size_t u1)
{
    const gemm_job *j = ctx;
    const size_t c0 = u0 == 0 ? 0 : j->first + u0 * GRAIN < j->n ? j->first + u0 * GRAIN : j->n;
    const size_t c1 = u1 == j->units ? j->n : j->first + u1 * GRAIN < j->n ? j->first + u1 * GRAIN : j->n;
    if (c1 > c0)
        j->gemm(j->m, c1 - c0, j->k, j->a, j->a_rs, j->a_cs, j->b + c0, j->ldb, j->c + c0,
                j->ldc, j->accumulate);
}

void rl__pool_gemm(rl_pool *p, rl_gemm_fn gemm, size_t m, size_t n, size_t k,
                   const float *a, size_t a_rs, size_t a_cs,
                   const float *b, size_t ldb, float *c, size_t ldc, int accumulate)
{
    const size_t misalign = ((uintptr_t)c / sizeof(float)) % LINE;
    const size_t first = misalign ? LINE - misalign : 0;
    const size_t units = n > first ? (n - first + GRAIN - 1) / GRAIN : 1;
    const size_t work = m * n * (k ? k : 1);
    if (!p || p->call_single || work < p->min_work || units < 2) {
        gemm(m, n, k, a, a_rs, a_cs, b, ldb, c, ldc, accumulate);
        return;
    }
    gemm_job j = { gemm, m, n, k, a, a_rs, a_cs, b, ldb, c, ldc, accumulate, first, units };
    /* A long k (a weight gradient: k = steps x batch) in one block per
     * thread: the kernel streams A once per k block for all its columns, so
     * blocks of one grain each read all of A again (dU of SimpleRNN(256), k =
     * 3200: 1.45x on two threads in 8 blocks of 32 columns). */
    pool_for(p, units, 1, work, 0, k >= LONG_K, gemm_units, &j);
}

/* ---- distance between the cores (FAR_*) -------------------------------------- */

/* One round of a reading: a share job of one block per thread, in which the
 * caller (block 0) throws a ball to each worker in turn and times its
 * round trips. ball = partner << 16 | throw: odd while thrown, even when
 * caught (one more); throw 1 only checks that the partner is there. */
typedef struct probe {
    _Alignas(64) atomic_uint ball;
    _Alignas(64) atomic_int over;    /* no more throws: partners return */
    unsigned threads;
    int first;                       /* the pool's first reading: wait for arrivals */
    uint64_t slowest_ns;             /* per round trip, of the farthest partner */
    int late;                        /* a partner missed a throw */
} probe;

#define BALL(partner, throw) (((unsigned)(partner) << 16) | (unsigned)(throw))

/* Spins until the ball reads `want`, for up to `limit` ns. */
static int wait_for_ball(probe *pr, unsigned want, uint64_t limit)
{
    const uint64_t start = now_ns();
    for (unsigned i = 1;; i++) {
        if (atomic_load_explicit(&pr->ball, memory_order_acquire) == want)
            return 1;
        cpu_relax();
        if (i % CLOCK_POLLS == 0 && now_ns() - start > limit)
            return 0;
    }
}

static void throw_ball(probe *pr)
{
    for (unsigned partner = 1; partner < pr->threads && !pr->late; partner++) {
        uint64_t start = 0;
        for (unsigned pass = 0; pass <= PROBE_PASSES && !pr->late; pass++) {
            if (pass == 1)
                start = now_ns();   /* pass 0: the partner has arrived */
            const unsigned thrown = BALL(partner, 2 * pass + 1);
            atomic_store_explicit(&pr->ball, thrown, memory_order_release);
            const uint64_t limit = pass ? PROBE_WAIT_NS
                                   : pr->first ? PROBE_ARRIVE_NS : PROBE_AGAIN_ARRIVE_NS;
            pr->late = !wait_for_ball(pr, thrown + 1, limit);
        }
        const uint64_t ns = (now_ns() - start) / PROBE_PASSES;
        if (!pr->late && ns > pr->slowest_ns)
            pr->slowest_ns = ns;
    }
    atomic_store_explicit(&pr->over, 1, memory_order_release);
}

/* Partner `me` returns each throw meant for it, until the caller is done
 * (or PROBE_NS_MAX, should the caller never come: it always does). */
static void catch_ball(probe *pr, unsigned me)
{
    const uint64_t start = now_ns();
    unsigned caught = 0;
    for (unsigned i = 1; caught <= PROBE_PASSES; i++) {
        const unsigned b = atomic_load_explicit(&pr->ball, memory_order_acquire);
        if (b >> 16 == me && (b & 1u)) {
            atomic_store_explicit(&pr->ball, b + 1, memory_order_release);
            caught++;
            continue;
        }
        if (atomic_load_explicit(&pr->over, memory_order_acquire))
            return;
        cpu_relax();
        if (i % CLOCK_POLLS == 0 && now_ns() - start > PROBE_NS_MAX)
            return;
    }
}

static void probe_block(void *ctx, size_t begin, size_t end)
{
    for (size_t b = begin; b < end; b++) {
        if (b == 0)
            throw_ball(ctx);
        else
            catch_ball(ctx, (unsigned)b);
    }
}

/* The round trip to the farthest worker in one round (ns, at least 1), or
 * 0 when a worker was late (asleep, or off its CPU). The caller claims its
 * own block 0 first, so it is always the thrower. */
static uint64_t probe_round(rl_pool *p, int first)
{
    probe pr = { .threads = p->n_threads, .first = first };
    atomic_init(&pr.ball, 0);
    atomic_init(&pr.over, 0);
    p->job = (range_job){ probe_block, &pr, p->n_threads, 1, p->n_threads, p->n_threads };
    atomic_store_explicit(&p->done, 0, memory_order_relaxed);
    publish(p, p->n_threads | SHARE_FLAG);
    claim_blocks(p, p->generation, 0);
    wait_done(p, p->n_threads);
    return pr.late ? 0 : pr.slowest_ns ? pr.slowest_ns : 1;
}

#ifdef RL_PIN
/* Unpinned workers start on the caller's CPU, and one woken after a
 * while is put next to the thread that woke it: a thread waiting for a
 * ball from one that shares its CPU waits for the scheduler instead (1-5
 * ms a round, measured). So they are kept off the caller's CPU for a
 * reading, then get back the mask they inherited (`allowed`). */
static void hold_workers_apart(rl_pool *p, const cpu_set_t *allowed, int apart)
{
    const int here = sched_getcpu();
    cpu_set_t set = *allowed;
    if (apart && here >= 0 && here < CPU_SETSIZE)
        CPU_CLR(here, &set);
    if (CPU_COUNT(&set) == 0)
        return;
    for (unsigned i = 0; i < p->n_started; i++)
        if (p->workers[i].cpu < 0)
            (void)pthread_setaffinity_np(p->workers[i].thread, sizeof set, &set);
}
#endif

/* Whether the distance can be read, and would count: the caller works (it
 * throws), a share job has a block per thread, and no test fixed the
 * thresholds. */
static int can_probe(const rl_pool *p)
{
    return p->caller_works && !p->host_for && p->n_threads <= MAX_SHARES && !p->fixed_thresholds;
}

/* Reads the distance in up to `rounds` rounds (the quickest one counts),
 * and sets the thresholds by it (where can_probe). */
static void probe_cores(rl_pool *p, unsigned rounds, int first)
{
    p->probe_due = PROBE_NOT;
    if (!can_probe(p))
        return;
#ifdef RL_PIN
    cpu_set_t allowed;
    const int hold = p->placement == RL_PLACE_FREE && allowed_cpus(&allowed) > 1;
    if (hold)
        hold_workers_apart(p, &allowed, 1);
    const int was_bound = p->bound;
    if (!was_bound && p->placement == RL_PLACE_WORKERS_AND_CALLER)
        bind_caller_now(p);   /* off the workers' CPUs */
#endif
    const uint64_t start = now_ns();
    uint64_t best = 0;
    for (unsigned r = 0; r < rounds && now_ns() - start < PROBE_NS_MAX; r++) {
        const uint64_t ns = probe_round(p, first);
        if (ns)
            best = best && best < ns ? best : ns;
        else if (!first)
            break;   /* the workers went back to sleep: try again next time */
    }
#ifdef RL_PIN
    if (hold)
        hold_workers_apart(p, &allowed, 0);
    if (p->bound && !was_bound)
        unbind_caller_now(p);
#endif
    p->probed_at = now_ns();
    if (!best)
        return;
    p->handoff_ns = best;
    use_thresholds(p, best >= RL_POOL_FAR_HANDOFF_NS);
}

/* Whether a call should read the distance again: a second since the last. */
static int probe_is_due(const rl_pool *p)
{
    return can_probe(p) && now_ns() - p->probed_at >= PROBE_AGAIN_NS;
}

uint64_t rl__pool_handoff_ns(const rl_pool *p)
{
    return p ? p->handoff_ns : 0;
}
