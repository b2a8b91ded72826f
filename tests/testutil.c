#include "testutil.h"

#include <math.h>
#include <stdio.h>

void tu_fill_uniform(float *x, size_t n, uint64_t seed, float lo, float hi)
{
    uint64_t s = seed * 0x9e3779b97f4a7c15ULL + 1;
    for (size_t i = 0; i < n; i++) {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        x[i] = lo + (hi - lo) * (float)((s >> 40) * 0x1.0p-24);
    }
}

const char *tu_data_path(const char *rel)
{
    static char buf[4096];
    snprintf(buf, sizeof buf, "%s/%s", RL_TEST_DATA, rel);
    return buf;
}

void tu_assert_close(const float *a, const double *b, size_t n, double rtol, double atol,
                     const char *what)
{
    for (size_t i = 0; i < n; i++) {
        double diff = fabs((double)a[i] - b[i]);
        if (!(diff <= atol + rtol * fabs(b[i]))) {
            print_error("%s[%zu]: got %.9g, want %.9g (diff %.3g)\n", what, i, (double)a[i], b[i],
                        diff);
            fail();
        }
    }
}
