#include "alloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static rl_alloc_hook g_hook;   /* tests only; NULL in every real use */
static void *g_hook_user;

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

void *rl__calloc(size_t n, size_t size)
{
    int ok = 1;
    size_t bytes = rl__mul(n, size, &ok);
    if (!ok || bytes > SIZE_MAX - RL_ALIGN)
        return NULL;
    if (bytes == 0)
        bytes = 1;
    bytes = (bytes + RL_ALIGN - 1) / RL_ALIGN * RL_ALIGN;
    if (g_hook && g_hook(bytes, g_hook_user))
        return NULL;
    void *p = aligned_alloc(RL_ALIGN, bytes);
    if (p)
        memset(p, 0, bytes);
    return p;
}

void rl__free(void *p)
{
    free(p);
}
