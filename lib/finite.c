#include "finite.h"

#include <stdint.h>
#include <string.h>

/* Branch-free on the exponent bits, so the loop vectorises: isfinite with
 * an early exit ran one element a cycle (~1 % of the seed fit, 3-4 % of a
 * 50-step forward at I = 64), and SimpleRNN(256)'s 66 K gradients took
 * 16 us a fit step in SSE2 on the caller alone. Static: clang 14 emits
 * the clones of an external function without the symbol its callers link
 * to, so the clones stay behind a plain function. */
RL_WIDE_CLONES static int all_finite_wide(const float *v, size_t n)
{
    uint32_t bad = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t b;
        memcpy(&b, &v[i], sizeof b);
        bad |= (b & 0x7f800000u) == 0x7f800000u;
    }
    return !bad;
}

int rl__all_finite(const float *v, size_t n)
{
    return all_finite_wide(v, n);
}
