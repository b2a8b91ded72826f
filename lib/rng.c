#include "rng.h"

#include <math.h>

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

void rl__rng_seed(rl_rng *r, uint64_t seed)
{
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&seed);
}

uint64_t rl__rng_next(rl_rng *r)
{
    uint64_t *s = r->s;
    const uint64_t result = rotl(s[1] * 5, 7) * 9;
    const uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double rl__rng_uniform(rl_rng *r)
{
    return (double)(rl__rng_next(r) >> 11) * 0x1.0p-53;
}

/* Natural logarithm of s in (0, 1): frexp (exact) and the series
 * ln m = 2 atanh((m - 1) / (m + 1)) on [sqrt(1/2), sqrt(2)), |z| <= 0.172,
 * 14 terms (the next is below 1e-22). Only + - * / and constants, so every
 * architecture and C library gives the same double, unlike libm's log
 * (docs/portability.md); accurate to a few ulp. */
static double log_unit(double s)
{
    int e;
    double m = frexp(s, &e);
    if (m < 0.70710678118654752440) {
        m *= 2.0;
        e -= 1;
    }
    const double z = (m - 1.0) / (m + 1.0), z2 = z * z;
    double p = 1.0 / 29.0;
    for (int k = 13; k >= 0; k--)
        p = p * z2 + 1.0 / (double)(2 * k + 1);
    const double ln2_hi = 0.693147180369123816490, ln2_lo = 1.90821492927058770002e-10;
    return (double)e * ln2_hi + ((double)e * ln2_lo + 2.0 * z * p);
}

double rl__rng_normal(rl_rng *r)
{
    double u, v, s;
    do {
        u = 2.0 * rl__rng_uniform(r) - 1.0;
        v = 2.0 * rl__rng_uniform(r) - 1.0;
        s = u * u + v * v;
    } while (s >= 1.0 || s == 0.0);
    /* The second variate is dropped so that the stream position depends only
     * on how many normals were drawn. */
    return u * sqrt(-2.0 * log_unit(s) / s);
}

uint64_t rl__rng_below(rl_rng *r, uint64_t n)
{
    uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t x;
    do {
        x = rl__rng_next(r);
    } while (x >= limit);
    return x % n;
}
