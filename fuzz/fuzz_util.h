/* Shared by the harnesses: the libFuzzer entry point they define, and a
 * byte reader that never runs out (missing bytes read as 0), so every
 * input, however short, decodes to something. */
#ifndef RL_FUZZ_UTIL_H
#define RL_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct fz_bytes {
    const uint8_t *p;
    size_t n, at;
} fz_bytes;

static inline unsigned fz_u8(fz_bytes *b)
{
    return b->at < b->n ? b->p[b->at++] : 0;
}

/* 0..limit-1 */
static inline size_t fz_below(fz_bytes *b, size_t limit)
{
    unsigned v = fz_u8(b) | fz_u8(b) << 8;
    return limit ? v % limit : 0;
}

/* A float that is usually ordinary and sometimes extreme or not finite. */
static inline float fz_float(fz_bytes *b)
{
    static const float special[8] = { 0.0f, -0.0f, 1e30f, -1e30f, 1e-30f, 3.4e38f, 1.0f / 0.0f,
                                      0.0f / 0.0f };
    unsigned k = fz_u8(b);
    if (k >= 248)
        return special[k - 248];
    return ((float)k - 124.0f) / 31.0f;
}

#endif
