/* rl_model_load_buffer on arbitrary bytes (issue 10, item 6). The CRC (and
 * the header's total size) are fixed up first, so that mutations reach the
 * parser instead of all dying at the checksum. A buffer that loads must
 * work and round-trip: predict on it, save it, load the save, save again:
 * both saves are the same bytes. */
#include <stdlib.h>
#include <string.h>

#include "crc32.h"
#include "fuzz_util.h"
#include "rnnlite/rnnlite.h"

static void put_le(uint8_t *p, uint64_t v, int n)
{
    for (int i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* A loaded model must predict on an input of its shape (small ones only). */
static void exercise(rl_model *m)
{
    size_t steps, features, out_steps, units;
    if (rl_model_input_shape(m, &steps, &features) != RL_OK ||
        rl_model_output_shape(m, &out_steps, &units) != RL_OK)
        abort();
    if (steps * features > 512 || out_steps * units > 512)
        return;
    float x[1024], y[1024];
    for (size_t i = 0; i < 2 * steps * features; i++)
        x[i] = (float)(i % 7) / 7.0f - 0.5f;
    rl_status s = rl_predict(m, x, 2, y, 2 * out_steps * units);
    if (s != RL_OK && s != RL_E_NOMEM)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1u << 20))
        return 0;
    uint8_t *buf = malloc(size ? size : 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    if (size >= 24) {
        put_le(buf + 12, size, 8);
        put_le(buf + size - 4, rl__crc32(0, buf, size - 4), 4);
    }
    rl_model *m = (rl_model *)buf;   /* poisoned: must come back NULL on failure */
    char why[256];
    rl_status s = rl_model_load_buffer_detail(&m, buf, size, why, sizeof why);
    free(buf);
    if (s != RL_OK) {
        if (m != NULL || why[0] == '\0')
            abort();   /* a failure leaves no handle and always says why */
        return 0;
    }
    exercise(m);
    void *a = NULL, *b = NULL;
    size_t na = 0, nb = 0;
    rl_model *again = NULL;
    if (rl_model_save_buffer(m, &a, &na) == RL_OK) {
        if (rl_model_load_buffer(&again, a, na) != RL_OK)
            abort();   /* what the library saved, it loads */
        if (rl_model_save_buffer(again, &b, &nb) != RL_OK || na != nb || memcmp(a, b, na) != 0)
            abort();   /* and saves to the same bytes */
    }
    rl_free(a);
    rl_free(b);
    rl_model_destroy(again);
    rl_model_destroy(m);
    return 0;
}
