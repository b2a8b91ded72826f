/* The peers' own figure for single matrix products at the exact shapes
 * rnnlite's layers issue (issue 11: is a product's rate a property of
 * rnnlite's kernels or of the shape?). One thread, operands in cache, f32,
 * each shape timed for every implementation in turns (bench_turns: order
 * reversed every round), JSON records of kind "gemm" on stdout, a table
 * with % of this process's own FMA peak on stderr.
 *
 * Implementations:
 *   rnnlite         rl__gemm (rec: B as it is, packed per call), dh as the
 *                   layers run it (rl__pack_narrow once, rl__gemm_narrow_pf:
 *                   the narrow-B kernel at n = 16 q + 1 or 2, e.g. H = 50,
 *                   else rl__gemm_packed), rl__gemm_at (dW)
 *   rnnlite-packed  rec only: rl__gemm_packed on B packed once (B constant,
 *                   as the fused step's packed weights and oneDNN's best case)
 *   onednn          oneDNN's matmul primitive (when built with libdnnl): a
 *                   constant B (rec, dh) declared with format_tag any and
 *                   reordered once outside the timing, so oneDNN prepacks
 *                   it as it likes; dW's A^T by strides {1, m} (no copy),
 *                   its B (dZ) in the user's row-major layout
 *   openblas        cblas_sgemm of the OpenBLAS given with --openblas DIR
 *                   (dlmopen'ed, never linked; one thread), with its own
 *                   core detection
 *   openblas-skx    the same library loaded again in its own namespace
 *                   with OPENBLAS_CORETYPE=SkylakeX
 *   blis            cblas_sgemm of the BLIS given with --blis FILE (Debian's
 *                   libblis4-serial's libblis.so.4; dlopen'ed, its own
 *                   architecture detection)
 *   libxsmm         LIBXSMM's JIT-generated kernel for the exact shape
 *                   (libxsmm_smmdispatch once, outside the timing; built in
 *                   when libxsmm-dev is installed: a static library), the
 *                   library made for small products; column-major, so
 *                   C^T = B^T A^T with the transposes as flags
 * C = A B (dW: A^T B), never accumulating, for every implementation.
 *
 * Shapes (m x k x n; T = 10, I = 1, H = 50, batch 64 for the seed):
 *   seed rec   [64 x 51] x [51 x G*50]  recurrent product, the input folded
 *                                        (k = H + I; the bias is the start)
 *   seed dh    [64 x G*50] x [G*50 x 50] dh = dZ U^T
 *   seed dh^T  [50 x G*50] x [G*50 x 64] dh^T = U dZ^T, the same product
 *                                        turned so that the batch (64) runs
 *                                        along the vectors, not H = 50
 *                                        (dZ^T read by strides: packed per
 *                                        call by rnnlite, not prepacked by
 *                                        oneDNN: dZ changes every step)
 *   seed dW    [52 x 640] x [640 x G*50] [x^T; h^T; 1] dZ, A^T stored
 *                                        [640 x 52] (k = T * batch)
 *   fwd rec    [64 x H] x [H x G*H], H = 128, 256, 512, LSTM and GRU
 *   bwd dh     [64 x G*H] x [G*H x H], the same H and cells (U^T packed once)
 * G = 1 SimpleRNN, 4 LSTM, 3 GRU (reset_after: U's 3H columns).
 *
 * Usage: gemm_peers [--openblas DIR] [--blis FILE] [--what seed,fwd,bwd] [--budget S]
 *                   [--reps N]
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE   /* dlmopen */
#endif
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compute.h"

#include "bench_util.h"
#include "peak.h"

#ifdef GEMM_PEERS_HAVE_DNNL
#include <oneapi/dnnl/dnnl.h>
#endif
#ifdef GEMM_PEERS_HAVE_XSMM
#include <libxsmm.h>
#endif

enum { MAX_IMPL = 8 };

typedef enum what { SEED_REC, SEED_DH, SEED_DH_T, SEED_DW, FWD_REC, BWD_DH } what;
static const char *const what_names[] = {"seed_rec", "seed_dh", "seed_dh_t", "seed_dw",
                                         "fwd_rec",  "bwd_dh"};

typedef struct shape {
    const char *cell;
    what w;
    long h;          /* units */
    size_t m, k, n;  /* C [m x n] = A [m x k] B [k x n]; dW: A stored [k x m] */
} shape;

/* cblas_sgemm's enums (cblas.h), so that no header of OpenBLAS is needed. */
enum { CBLAS_ROW_MAJOR = 101, CBLAS_NO_TRANS = 111, CBLAS_TRANS = 112 };
typedef void (*sgemm_fn)(int order, int ta, int tb, int m, int n, int k, float alpha,
                         const float *a, int lda, const float *b, int ldb, float beta, float *c,
                         int ldc);

typedef struct openblas {
    const char *impl;
    sgemm_fn sgemm;
    char core[64];
} openblas;

/* One implementation at one shape; run() does `inner` products. */
typedef struct run_ctx {
    const char *impl;
    int (*run)(struct run_ctx *);
    const shape *s;
    int inner;
    const float *a, *b;
    float *c, *packed, *work;
    rl_compute cx;
    sgemm_fn sgemm;
#ifdef GEMM_PEERS_HAVE_XSMM
    libxsmm_smmfunction xsmm;
#endif
    char note[96];
#ifdef GEMM_PEERS_HAVE_DNNL
    dnnl_stream_t stream;
    dnnl_primitive_t prim;
    dnnl_memory_t src, wei, dst;
#endif
} run_ctx;

static int run_any(void *p)
{
    run_ctx *r = p;
    return r->run(r);
}

/* ---- rnnlite ---------------------------------------------------------------- */

static int run_rnnlite(run_ctx *r)
{
    const shape *s = r->s;
    for (int i = 0; i < r->inner; i++) {
        if (s->w == SEED_DW)
            rl__gemm_at(&r->cx, s->m, s->n, s->k, r->a, s->m, r->b, s->n, r->c, s->n, 0, r->work);
        else if (s->w == SEED_DH || s->w == BWD_DH)   /* U^T packed once per backward */
            rl__gemm_narrow_pf(&r->cx, s->m, s->n, s->k, r->a, s->k, r->packed, r->c, s->n, 0,
                               NULL);
        else if (s->w == SEED_DH_T) {   /* dZ^T packed at every step: it changes */
            rl__pack_b(&r->cx, r->packed, s->k, s->n, r->b, 1, s->k);
            rl__gemm_packed(&r->cx, s->m, s->n, s->k, r->a, s->k, 1, r->packed, r->c, s->n, 0);
        }
        else
            rl__gemm(&r->cx, s->m, s->n, s->k, r->a, s->k, 1, r->b, s->n, r->c, s->n, 0);
    }
    return 0;
}

static int run_rnnlite_packed(run_ctx *r)
{
    const shape *s = r->s;
    for (int i = 0; i < r->inner; i++)
        rl__gemm_packed(&r->cx, s->m, s->n, s->k, r->a, s->k, 1, r->packed, r->c, s->n, 0);
    return 0;
}

/* ---- OpenBLAS (dlmopen, one namespace per core type) ------------------------ */

static int run_openblas(run_ctx *r)
{
    const shape *s = r->s;
    const int m = (int)s->m, n = (int)s->n, k = (int)s->k;
    for (int i = 0; i < r->inner; i++) {
        if (s->w == SEED_DW)
            r->sgemm(CBLAS_ROW_MAJOR, CBLAS_TRANS, CBLAS_NO_TRANS, m, n, k, 1.0f, r->a, m, r->b, n,
                     0.0f, r->c, n);
        else if (s->w == SEED_DH_T)
            r->sgemm(CBLAS_ROW_MAJOR, CBLAS_NO_TRANS, CBLAS_TRANS, m, n, k, 1.0f, r->a, k, r->b, k,
                     0.0f, r->c, n);
        else
            r->sgemm(CBLAS_ROW_MAJOR, CBLAS_NO_TRANS, CBLAS_NO_TRANS, m, n, k, 1.0f, r->a, k, r->b,
                     n, 0.0f, r->c, n);
    }
    return 0;
}

/* *fn = the function `name` of h, or NULL (ISO C has no cast from dlsym's
 * object pointer to a function pointer; POSIX guarantees the bytes match). */
static void symbol(void *h, const char *name, void *fn, size_t size)
{
    void *p = dlsym(h, name);
    memset(fn, 0, size);
    if (p && size == sizeof p)
        memcpy(fn, &p, size);
}

/* Loads the BLIS at `path` (dlopen, local): its cblas_sgemm, its
 * architecture's name in *o. Returns 0, or -1 (message printed). */
static int load_blis(const char *path, openblas *o)
{
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        fprintf(stderr, "gemm_peers: blis: %s (skipped)\n", dlerror());
        return -1;
    }
    int (*arch_id)(void) = NULL;
    const char *(*arch_name)(int) = NULL;
    o->impl = "blis";
    symbol(h, "cblas_sgemm", &o->sgemm, sizeof o->sgemm);
    symbol(h, "bli_arch_query_id", &arch_id, sizeof arch_id);
    symbol(h, "bli_arch_string", &arch_name, sizeof arch_name);
    if (!o->sgemm) {
        fprintf(stderr, "gemm_peers: blis: no cblas_sgemm in %s (skipped)\n", path);
        return -1;
    }
    snprintf(o->core, sizeof o->core, "%s", arch_id && arch_name ? arch_name(arch_id()) : "?");
    return 0;
}

/* Loads dir/libopenblas.so.0 in a new link-map namespace (so a second copy
 * can read another OPENBLAS_CORETYPE at its start-up); coretype NULL: the
 * library's own detection. Returns 0 and fills *o, or -1 (message printed). */
static int load_openblas(const char *dir, const char *coretype, const char *impl, openblas *o)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/libopenblas.so.0", dir);
    setenv("OPENBLAS_NUM_THREADS", "1", 1);
    if (coretype)
        setenv("OPENBLAS_CORETYPE", coretype, 1);
    else
        unsetenv("OPENBLAS_CORETYPE");
    void *h = dlmopen(LM_ID_NEWLM, path, RTLD_NOW | RTLD_LOCAL);
    unsetenv("OPENBLAS_CORETYPE");
    if (!h) {
        fprintf(stderr, "gemm_peers: %s: %s (skipped)\n", impl, dlerror());
        return -1;
    }
    o->impl = impl;
    void (*set_threads)(int) = NULL;
    char *(*corename)(void) = NULL;
    symbol(h, "cblas_sgemm", &o->sgemm, sizeof o->sgemm);
    symbol(h, "openblas_set_num_threads", &set_threads, sizeof set_threads);
    symbol(h, "openblas_get_corename", &corename, sizeof corename);
    if (!o->sgemm) {
        fprintf(stderr, "gemm_peers: %s: no cblas_sgemm in %s (skipped)\n", impl, path);
        return -1;
    }
    if (set_threads)
        set_threads(1);
    snprintf(o->core, sizeof o->core, "%s", corename ? corename() : "?");
    return 0;
}

/* ---- LIBXSMM ------------------------------------------------------------------- */

#ifdef GEMM_PEERS_HAVE_XSMM
/* The kernel for C = A B (row-major) as LIBXSMM's column-major
 * C^T [n x m] = B^T [n x k] A^T [k x m]: B is the first operand, A the
 * second; dW's A^T (stored [k x m]) is the second operand transposed, dh^T's
 * dZ^T (B, read from dZ [n x k]) the first. NULL when LIBXSMM has none. */
static libxsmm_smmfunction xsmm_kernel(const shape *s)
{
    libxsmm_blasint m = (libxsmm_blasint)s->n, n = (libxsmm_blasint)s->m,
                    k = (libxsmm_blasint)s->k;
    libxsmm_blasint lda = s->w == SEED_DH_T ? k : m, ldb = s->w == SEED_DW ? n : k, ldc = m;
    int flags = s->w == SEED_DW     ? LIBXSMM_GEMM_FLAG_TRANS_B
                : s->w == SEED_DH_T ? LIBXSMM_GEMM_FLAG_TRANS_A
                                    : LIBXSMM_GEMM_FLAG_NONE;
    int prefetch = LIBXSMM_PREFETCH_NONE;
    float alpha = 1, beta = 0;
    return libxsmm_smmdispatch(m, n, k, &lda, &ldb, &ldc, &alpha, &beta, &flags, &prefetch);
}

static int run_xsmm(run_ctx *r)
{
    for (int i = 0; i < r->inner; i++)
        r->xsmm(r->b, r->a, r->c);
    return 0;
}
#endif

/* ---- oneDNN matmul ------------------------------------------------------------ */

#ifdef GEMM_PEERS_HAVE_DNNL
#define CHECK(call)                                                                         \
    do {                                                                                    \
        dnnl_status_t st_ = (call);                                                         \
        if (st_ != dnnl_success) {                                                          \
            fprintf(stderr, "gemm_peers:%d: %s failed (%d)\n", __LINE__, #call, (int)st_); \
            exit(1);                                                                        \
        }                                                                                   \
    } while (0)

typedef struct dnnl_env {
    dnnl_engine_t engine;
    dnnl_stream_t stream;
} dnnl_env;

static dnnl_memory_t dnnl_mem(const dnnl_env *e, const dnnl_memory_desc_t *md, const float *from)
{
    dnnl_memory_t m;
    CHECK(dnnl_memory_create(&m, md, e->engine, DNNL_MEMORY_ALLOCATE));
    void *p;
    CHECK(dnnl_memory_get_data_handle(m, &p));
    if (from)
        memcpy(p, from, dnnl_memory_desc_get_size(md));
    else
        memset(p, 0, dnnl_memory_desc_get_size(md));
    return m;
}

/* The matmul primitive for s and its memories; B reordered once into the
 * layout the primitive chose when B is a constant weight. */
static void dnnl_set_up(const dnnl_env *e, run_ctx *r)
{
    const shape *s = r->s;
    const int constant_b = s->w != SEED_DW && s->w != SEED_DH_T;
    dnnl_memory_desc_t src, wei, wei_user, dst;
    dnnl_dims_t src_dims = {(dnnl_dim_t)s->m, (dnnl_dim_t)s->k};
    dnnl_dims_t wei_dims = {(dnnl_dim_t)s->k, (dnnl_dim_t)s->n};
    dnnl_dims_t dst_dims = {(dnnl_dim_t)s->m, (dnnl_dim_t)s->n};
    if (s->w == SEED_DW) {   /* A^T: element (i, p) at p * m + i */
        dnnl_dims_t strides = {1, (dnnl_dim_t)s->m};
        CHECK(dnnl_memory_desc_init_by_strides(&src, 2, src_dims, dnnl_f32, strides));
    } else {
        CHECK(dnnl_memory_desc_init_by_tag(&src, 2, src_dims, dnnl_f32, dnnl_ab));
    }
    /* B: row-major, except dh^T's dZ^T, read from dZ [n x k] as its transpose */
    dnnl_format_tag_t wei_tag = s->w == SEED_DH_T ? dnnl_ba : dnnl_ab;
    CHECK(dnnl_memory_desc_init_by_tag(&wei_user, 2, wei_dims, dnnl_f32, wei_tag));
    CHECK(dnnl_memory_desc_init_by_tag(&wei, 2, wei_dims, dnnl_f32,
                                       constant_b ? dnnl_format_tag_any : wei_tag));
    CHECK(dnnl_memory_desc_init_by_tag(&dst, 2, dst_dims, dnnl_f32, dnnl_ab));
    dnnl_matmul_desc_t md;
    CHECK(dnnl_matmul_desc_init(&md, &src, &wei, NULL, &dst));
    dnnl_primitive_desc_t pd;
    CHECK(dnnl_primitive_desc_create(&pd, &md, NULL, e->engine, NULL));
    const char *impl = "?";
    CHECK(dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &impl));
    snprintf(r->note, sizeof r->note, "%s", impl);
    const dnnl_memory_desc_t *wei_chosen = dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0);
    r->src = dnnl_mem(e, &src, r->a);
    r->dst = dnnl_mem(e, &dst, NULL);
    dnnl_memory_t user = dnnl_mem(e, &wei_user, r->b);
    if (dnnl_memory_desc_equal(&wei_user, wei_chosen)) {
        r->wei = user;
    } else {
        dnnl_primitive_desc_t rpd;
        dnnl_primitive_t reorder;
        CHECK(dnnl_reorder_primitive_desc_create(&rpd, &wei_user, e->engine, wei_chosen, e->engine,
                                                 NULL));
        CHECK(dnnl_primitive_create(&reorder, rpd));
        r->wei = dnnl_mem(e, wei_chosen, NULL);
        dnnl_exec_arg_t args[2] = {{DNNL_ARG_FROM, user}, {DNNL_ARG_TO, r->wei}};
        CHECK(dnnl_primitive_execute(reorder, e->stream, 2, args));
        CHECK(dnnl_stream_wait(e->stream));
        CHECK(dnnl_primitive_destroy(reorder));
        CHECK(dnnl_primitive_desc_destroy(rpd));
        CHECK(dnnl_memory_destroy(user));
        size_t l = strlen(r->note);
        snprintf(r->note + l, sizeof r->note - l, ", B prepacked");
    }
    CHECK(dnnl_primitive_create(&r->prim, pd));
    CHECK(dnnl_primitive_desc_destroy(pd));
    r->stream = e->stream;
}

static void dnnl_tear_down(run_ctx *r)
{
    dnnl_primitive_destroy(r->prim);
    dnnl_memory_destroy(r->src);
    dnnl_memory_destroy(r->wei);
    dnnl_memory_destroy(r->dst);
}

static int run_dnnl(run_ctx *r)
{
    dnnl_exec_arg_t args[3] = {
        {DNNL_ARG_SRC, r->src}, {DNNL_ARG_WEIGHTS, r->wei}, {DNNL_ARG_DST, r->dst}};
    for (int i = 0; i < r->inner; i++)
        CHECK(dnnl_primitive_execute(r->prim, r->stream, 3, args));
    CHECK(dnnl_stream_wait(r->stream));
    return 0;
}
#endif

/* ---- every implementation computed the same product ------------------------------- */

static const float *result(const run_ctx *r)
{
#ifdef GEMM_PEERS_HAVE_DNNL
    if (r->run == run_dnnl) {
        void *p = NULL;
        CHECK(dnnl_memory_get_data_handle(r->dst, &p));
        return p;
    }
#endif
    return r->c;
}

/* 0 when r's C matches ref's within float rounding of a k-term sum (the
 * implementations sum in different orders), else 1 with a message: a
 * transposed operand or a wrong leading dimension shows as a mismatch. */
static int same_product(const shape *s, const run_ctx *ref, const run_ctx *r)
{
    const float *x = result(ref), *y = result(r);
    double worst = 0;
    for (size_t i = 0; i < s->m * s->n; i++) {
        double d = (double)x[i] - (double)y[i];
        d = d < 0 ? -d : d;
        if (d > worst)
            worst = d;
    }
    /* |A| and |B| <= 0.5: each sum's terms <= 0.25, its rounding well under k * 2^-20 */
    if (worst <= 1e-6 * (double)s->k || worst == 0)
        return 0;
    fprintf(stderr, "gemm_peers: %s %s: %s differs from %s by %g\n", s->cell, what_names[s->w],
            r->impl, ref->impl, worst);
    return 1;
}

/* ---- peak ----------------------------------------------------------------------- */

typedef struct peak_ctx {
    float (*fn)(long);
    long iters;
    volatile float sink;
} peak_ctx;

static int run_peak(void *p)
{
    peak_ctx *c = p;
    c->sink = c->fn(c->iters);
    return 0;
}

/* This process's one-core FMA peak in GFLOP/s: the best of many short runs
 * (noise only slows a run down); 0 when no FMA path is built in. */
static double measure_peak(int emit)
{
    peak_ctx c = {NULL, 1000 * 1000, 0};
    double per_round = 0;
    __builtin_cpu_init();
#ifdef PEAK_HAVE_AVX2
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
        c.fn = peak_avx2;
        per_round = PEAK_AVX2_FLOPS_PER_ROUND;
    }
#endif
#ifdef PEAK_HAVE_AVX512
    if (__builtin_cpu_supports("avx512f")) {
        c.fn = peak_avx512;
        per_round = PEAK_AVX512_FLOPS_PER_ROUND;
    }
#endif
    if (!c.fn)
        return 0;
    bench_policy p = {.warmup = 3, .min_reps = 41, .max_reps = 41, .budget_s = 0};
    bench_stats s;
    bench_measure(run_peak, &c, &p, &s);
    if (emit) {   /* a peak record as bench_peak's: run.py's peak is the best of all */
        bench_record r = {.impl = "machine", .kind = "peak",
                          .mode = per_round == PEAK_AVX512_FLOPS_PER_ROUND ? "avx512" : "avx2",
                          .hidden = -1, .input = -1, .batch = -1, .steps = -1, .threads = 1,
                          .note = "gemm_peers", .flops = per_round * (double)c.iters};
        bench_emit(stdout, &r, &s);
    }
    return per_round * (double)c.iters / s.min_s * 1e-9;
}

/* ---- one shape ---------------------------------------------------------------- */

static float *filled(size_t n, unsigned long long seed, float scale)
{
    float *v = aligned_alloc(64, ((n ? n : 1) * sizeof(float) + 63) / 64 * 64);
    if (v)
        bench_fill(v, n, seed, scale);
    return v;
}

typedef struct options {
    const char *openblas_dir, *blis;
    int seed, fwd, bwd;
    double budget;
    int reps;
} options;

/* The stderr table, printed at the end against the better of the two peaks. */
enum { MAX_ROWS = 256 };
typedef struct table_row {
    char text[200], note[96];
    double gflops;
} table_row;
typedef struct table {
    table_row rows[MAX_ROWS];
    int n;
} table;

typedef struct peers {
    openblas ob[3];   /* OpenBLAS twice, BLIS */
    int n_ob;
#ifdef GEMM_PEERS_HAVE_DNNL
    dnnl_env dnnl;
#endif
} peers;

static int bench_shape(const shape *s, const peers *pe, const options *o, table *tab)
{
    const size_t a_n = s->m * s->k, b_n = s->k * s->n, c_n = s->m * s->n;
    int ok = 1;
    float *a = filled(a_n, 31, 0.5f), *b = filled(b_n, 32, 0.5f);
    float *packed = filled(rl__packed_size(s->k, s->n, &ok), 0, 0);
    float *work = filled(rl__gemm_at_size(s->m, &ok), 0, 0);
    run_ctx rc[MAX_IMPL];
    int n = 0;
    memset(rc, 0, sizeof rc);
    if (!a || !b || !packed || !work || !ok)
        return 1;
    if (s->w == SEED_DH || s->w == BWD_DH)   /* as the layers pack U^T */
        rl__pack_narrow(&(rl_compute){0}, packed, s->k, s->n, b, s->n, 1);
    else
        rl__pack_b(&(rl_compute){0}, packed, s->k, s->n, b, s->n, 1);
    const double flops = 2.0 * (double)s->m * (double)s->k * (double)s->n;
    /* ~0.2 ms a sample at ~150 GFLOP/s: the clock's and the turns' overhead
     * stay well under 1 %, the operands stay in cache between products. */
    int inner = (int)(30e6 / flops) + 1;
    rc[n++] = (run_ctx){.impl = "rnnlite", .run = run_rnnlite};
    if (s->w == SEED_REC || s->w == FWD_REC)
        rc[n++] = (run_ctx){.impl = "rnnlite-packed", .run = run_rnnlite_packed};
#ifdef GEMM_PEERS_HAVE_DNNL
    rc[n++] = (run_ctx){.impl = "onednn", .run = run_dnnl};
#endif
#ifdef GEMM_PEERS_HAVE_XSMM
    libxsmm_smmfunction xsmm = xsmm_kernel(s);
    if (xsmm)
        rc[n++] = (run_ctx){.impl = "libxsmm", .run = run_xsmm, .xsmm = xsmm, .note = "JIT"};
    else
        fprintf(stderr, "gemm_peers: libxsmm: no kernel for %s %s (skipped)\n", s->cell,
                what_names[s->w]);
#endif
    for (int i = 0; i < pe->n_ob; i++) {
        rc[n] = (run_ctx){.impl = pe->ob[i].impl, .run = run_openblas, .sgemm = pe->ob[i].sgemm};
        snprintf(rc[n].note, sizeof rc[n].note, "core %s", pe->ob[i].core);
        n++;
    }
    void *ctxs[MAX_IMPL];
    for (int i = 0; i < n; i++) {
        rc[i].s = s;
        rc[i].inner = inner;
        rc[i].a = a;
        rc[i].b = b;
        rc[i].packed = packed;
        rc[i].work = work;
        rc[i].c = filled(c_n, 0, 0);
        if (!rc[i].c)
            return 1;
#ifdef GEMM_PEERS_HAVE_DNNL
        if (rc[i].run == run_dnnl)
            dnnl_set_up(&pe->dnnl, &rc[i]);
#endif
        ctxs[i] = &rc[i];
    }
    bench_stats st[MAX_IMPL], ratio[MAX_IMPL];
    int r = bench_turns(run_any, ctxs, n, o->budget, o->reps, st, ratio);
    for (int i = 1; i < n && !r; i++)
        r = same_product(s, &rc[0], &rc[i]);
    char shape_note[160];
    if (s->w == SEED_DW || s->w == SEED_DH_T)
        snprintf(shape_note, sizeof shape_note, "[%zux%zu]x[%zux%zu] %s^T", s->m, s->k, s->k, s->n,
                 s->w == SEED_DW ? "A" : "B");
    else
        snprintf(shape_note, sizeof shape_note, "[%zux%zu]x[%zux%zu]", s->m, s->k, s->k, s->n);
    const int seed = s->w <= SEED_DW;
    for (int i = 0; i < n && !r; i++) {
        char note[300];
        snprintf(note, sizeof note, "%s %s%s%s", what_names[s->w], shape_note,
                 rc[i].note[0] ? "; " : "", rc[i].note);
        bench_record rec = {.impl = rc[i].impl, .kind = "gemm", .cell = s->cell,
                            .mode = what_names[s->w], .hidden = s->h,
                            .input = seed ? 1 : -1, .batch = 64, .steps = seed ? 10 : -1,
                            .threads = 1, .note = note,
                            .flops = flops * inner};
        bench_emit(stdout, &rec, &st[i]);
        if (tab->n < MAX_ROWS) {
            table_row *t = &tab->rows[tab->n++];
            snprintf(t->text, sizeof t->text, "%-5s %-8s %-28s %-15s", s->cell, what_names[s->w],
                     shape_note, rc[i].impl);
            snprintf(t->note, sizeof t->note, "%s", rc[i].note);
            t->gflops = flops * inner / st[i].median_s * 1e-9;
        }
    }
    fflush(stdout);
    for (int i = 0; i < n; i++) {
#ifdef GEMM_PEERS_HAVE_DNNL
        if (rc[i].run == run_dnnl)
            dnnl_tear_down(&rc[i]);
#endif
        free(rc[i].c);
    }
    free(a);
    free(b);
    free(packed);
    free(work);
    return r;
}

static int parse(int argc, char **argv, options *o)
{
    *o = (options){.openblas_dir = NULL, .blis = NULL, .seed = 1, .fwd = 1, .bwd = 1, .budget = 0.3,
                   .reps = 31};
    for (int i = 1; i < argc; i += 2) {
        if (i + 1 >= argc)
            return -1;
        if (!strcmp(argv[i], "--openblas"))
            o->openblas_dir = argv[i + 1];
        else if (!strcmp(argv[i], "--blis"))
            o->blis = argv[i + 1];
        else if (!strcmp(argv[i], "--what")) {
            o->seed = strstr(argv[i + 1], "seed") != NULL;
            o->fwd = strstr(argv[i + 1], "fwd") != NULL;
            o->bwd = strstr(argv[i + 1], "bwd") != NULL;
        } else if (!strcmp(argv[i], "--budget"))
            o->budget = strtod(argv[i + 1], NULL);
        else if (!strcmp(argv[i], "--reps"))
            o->reps = (int)strtol(argv[i + 1], NULL, 10);
        else
            return -1;
    }
    return o->reps >= 1 && (o->seed || o->fwd || o->bwd) ? 0 : -1;
}

int main(int argc, char **argv)
{
    options o;
    if (parse(argc, argv, &o)) {
        fprintf(stderr, "usage: gemm_peers [--openblas DIR] [--blis FILE] [--what seed,fwd,bwd] "
                        "[--budget S] [--reps N]\n");
        return 2;
    }
    peers pe;
    memset(&pe, 0, sizeof pe);
    if (o.openblas_dir) {
        if (!load_openblas(o.openblas_dir, NULL, "openblas", &pe.ob[pe.n_ob]))
            pe.n_ob++;
        if (!load_openblas(o.openblas_dir, "SkylakeX", "openblas-skx", &pe.ob[pe.n_ob]))
            pe.n_ob++;
    }
    if (o.blis && !load_blis(o.blis, &pe.ob[pe.n_ob]))
        pe.n_ob++;
#ifdef GEMM_PEERS_HAVE_XSMM
    libxsmm_init();
#endif
#ifdef GEMM_PEERS_HAVE_DNNL
    /* One thread whatever OMP_NUM_THREADS says: Debian's oneDNN runs on
     * OpenMP and would take every CPU (a run without the variable
     * read oneDNN's dW 1.3x too fast). libgomp is loaded with libdnnl; a
     * oneDNN on another runtime has no such symbol and is left as it is. */
    void (*omp_threads)(int) = NULL;
    symbol(RTLD_DEFAULT, "omp_set_num_threads", &omp_threads, sizeof omp_threads);
    if (omp_threads)
        omp_threads(1);
    CHECK(dnnl_engine_create(&pe.dnnl.engine, dnnl_cpu, 0));
    CHECK(dnnl_stream_create(&pe.dnnl.stream, pe.dnnl.engine, dnnl_stream_default_flags));
#endif
    static const struct {
        const char *cell;
        size_t g;
    } cells[] = {{"rnn", 1}, {"lstm", 4}, {"gru", 3}};
    enum { SEED_H = 50, SEED_I = 1, SEED_K = 10 * 64 };
    shape shapes[32];
    int n = 0;
    if (o.seed)
        for (int c = 0; c < 3; c++) {
            size_t g = cells[c].g * SEED_H;
            shapes[n++] = (shape){cells[c].cell, SEED_REC, SEED_H, 64, SEED_H + SEED_I, g};
            shapes[n++] = (shape){cells[c].cell, SEED_DH, SEED_H, 64, g, SEED_H};
            shapes[n++] = (shape){cells[c].cell, SEED_DH_T, SEED_H, SEED_H, g, 64};
            shapes[n++] = (shape){cells[c].cell, SEED_DW, SEED_H, SEED_I + SEED_H + 1, SEED_K, g};
        }
    if (o.fwd)
        for (int c = 1; c < 3; c++)
            for (size_t h = 128; h <= 512; h *= 2)
                shapes[n++] = (shape){cells[c].cell, FWD_REC, (long)h, 64, h, cells[c].g * h};
    if (o.bwd)
        for (int c = 1; c < 3; c++)
            for (size_t h = 128; h <= 512; h *= 2)
                shapes[n++] = (shape){cells[c].cell, BWD_DH, (long)h, 64, cells[c].g * h, h};
    static table tab;
    double peak = measure_peak(1);
    int r = 0;
    for (int i = 0; i < n && !r; i++)
        r = bench_shape(&shapes[i], &pe, &o, &tab);
    /* The peak again after the products: the better of the two. */
    double peak2 = measure_peak(1);
    if (peak2 > peak)
        peak = peak2;
    for (int i = 0; i < tab.n; i++)
        fprintf(stderr, "%s %7.1f GFLOP/s %5.1f %%  %s\n", tab.rows[i].text, tab.rows[i].gflops,
                peak > 0 ? 100 * tab.rows[i].gflops / peak : 0, tab.rows[i].note);
    fprintf(stderr, "peak (this process, the better of before and after) %.1f GFLOP/s\n", peak);
#ifdef GEMM_PEERS_HAVE_DNNL
    dnnl_stream_destroy(pe.dnnl.stream);
    dnnl_engine_destroy(pe.dnnl.engine);
#endif
    return r;
}
