/* Run-time choice of the kernel path. Temporary: scalar only until the SIMD
 * paths land (kernels issue). */
#include "kernels.h"

#include <stddef.h>

const rl_kernels *rl__kernels_avx2(void) { return NULL; }
const rl_kernels *rl__kernels_avx512(void) { return NULL; }

const rl_kernels *rl__kernels(void)
{
    return rl__kernels_scalar();
}
