/* Every block of the library comes from here: 64-byte aligned (one cache
 * line, one AVX-512 vector), zero-filled, overflow-checked, counted.
 *
 * The host's allocator (rl_set_allocator) is per process and set while no
 * block is alive, never per model: memory crosses handles (rl_free() takes
 * save buffers, a load makes a model before any handle exists to carry a
 * hook, scalers are copied into models), so a block freed by another
 * allocator than the one that made it must be impossible; counting live
 * blocks makes it so. A host allocator guarantees no 64-byte alignment:
 * each of its blocks is asked for RL_ALIGN + sizeof(void *) bytes more,
 * and the pointer it returned is kept just below the aligned block. */
#include "alloc.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif

static rl_alloc_hook g_hook;   /* tests only; NULL in every real use */
static void *g_hook_user;

/* Set only while g_live is 0 (rl_set_allocator), read by every allocation. */
static rl_malloc_fn host_malloc;
static rl_free_fn host_free;
static void *host_user;
static atomic_size_t g_live;

void rl__set_alloc_hook(rl_alloc_hook hook, void *user)
{
    g_hook = hook;
    g_hook_user = user;
}

size_t rl__mul(size_t a, size_t b, int *ok)
{
    if (a != 0 && b > SIZE_MAX / a) {
        *ok = 0;
        return 0;
    }
    return a * b;
}

size_t rl__block_bytes(size_t n, size_t size)
{
    int ok = 1;
    size_t bytes = rl__mul(n, size, &ok);
    if (!ok || bytes > SIZE_MAX - 2 * RL_ALIGN)
        return 0;
    if (bytes == 0)
        bytes = 1;
    return (bytes + RL_ALIGN - 1) / RL_ALIGN * RL_ALIGN;
}

static void *from_host(size_t bytes)
{
    unsigned char *raw = host_malloc(bytes + RL_ALIGN + sizeof(void *), host_user);
    if (!raw)
        return NULL;
    uintptr_t at = ((uintptr_t)raw + sizeof(void *) + RL_ALIGN - 1) / RL_ALIGN * RL_ALIGN;
    unsigned char *p = raw + (at - (uintptr_t)raw);
    memcpy(p - sizeof(void *), &raw, sizeof raw);
    return p;
}

/* Blocks of several MiB (a layer's workspace: LSTM(512)'s packed U alone
 * is 4 MiB, streamed every step) are asked for huge pages where the kernel
 * gives them on request (transparent huge pages in "madvise" mode): fewer
 * TLB misses. Advice only, before the first touch; nothing else changes. */
enum { HUGE_PAGE = 2u << 20 };

static void advise_huge_pages(void *p, size_t bytes)
{
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    if (bytes < 4 * (size_t)HUGE_PAGE)
        return;
    uintptr_t a = ((uintptr_t)p + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1);
    uintptr_t e = ((uintptr_t)p + bytes) & ~(uintptr_t)(HUGE_PAGE - 1);
    if (e > a)
        (void)madvise((void *)a, e - a, MADV_HUGEPAGE);
#else
    (void)p, (void)bytes;
#endif
}

void *rl__calloc(size_t n, size_t size)
{
    size_t bytes = rl__block_bytes(n, size);
    if (bytes == 0)
        return NULL;
    if (g_hook && g_hook(bytes, g_hook_user))
        return NULL;
    void *p = host_malloc ? from_host(bytes) : aligned_alloc(RL_ALIGN, bytes);
    if (!p)
        return NULL;
    if (!host_malloc)
        advise_huge_pages(p, bytes);
    memset(p, 0, bytes);
    atomic_fetch_add_explicit(&g_live, 1, memory_order_relaxed);
    return p;
}

void rl__free(void *p)
{
    if (!p)
        return;
    atomic_fetch_sub_explicit(&g_live, 1, memory_order_relaxed);
    if (host_free) {
        void *raw;
        memcpy(&raw, (unsigned char *)p - sizeof(void *), sizeof raw);
        host_free(raw, host_user);
    } else {
        free(p);
    }
}

size_t rl__live_blocks(void)
{
    return atomic_load_explicit(&g_live, memory_order_relaxed);
}

rl_status rl_set_allocator(rl_malloc_fn malloc_fn, rl_realloc_fn realloc_fn, rl_free_fn free_fn,
                           void *user)
{
    /* rnnlite never grows a block in place (every buffer is allocated at
     * its final size), so realloc is accepted for hosts whose allocator
     * interface has one, and not called. */
    (void)realloc_fn;
    if (!malloc_fn != !free_fn)
        return RL_E_INVALID;
    if (atomic_load(&g_live) != 0)
        return RL_E_STATE;
    host_malloc = malloc_fn;
    host_free = free_fn;
    host_user = malloc_fn ? user : NULL;
    return RL_OK;
}
