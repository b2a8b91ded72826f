/* All library allocations go through here: 64-byte aligned (one cache line,
 * one AVX-512 vector), overflow-checked, and observable by tests through a
 * counting hook (proof that hot loops do not allocate). */
#ifndef RL_ALLOC_H
#define RL_ALLOC_H

#include <stddef.h>

#include "rnnlite/rnnlite.h"

#define RL_ALIGN 64

/* Aligned, zero-filled block of n * size bytes; NULL on overflow or failure. */
void *rl__calloc(size_t n, size_t size);
void rl__free(void *p);

/* Bytes rl__calloc(n, size) takes (rounded up to RL_ALIGN; 0 on overflow):
 * what rl_model_memory_needed() adds up. */
size_t rl__block_bytes(size_t n, size_t size);

/* Blocks allocated and not yet freed, process-wide (tests; rl_set_allocator). */
size_t rl__live_blocks(void);

/* Product a*b, or 0 with *ok cleared when it overflows. */
size_t rl__mul(size_t a, size_t b, int *ok);

/* Test hook: called before every allocation with its size; returning non-zero
 * makes the allocation fail. Not exported (hidden), not thread-safe: tests only. */
typedef int (*rl_alloc_hook)(size_t bytes, void *user);
void rl__set_alloc_hook(rl_alloc_hook hook, void *user);

#endif
