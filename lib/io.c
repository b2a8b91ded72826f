/* Model files: placeholder until the file-format work lands (issue 4). */
#include <stdlib.h>

#include "model.h"

rl_status rl_model_save(const rl_model *m, const char *path)
{
    (void)path;
    return m ? rl__fail(m, RL_E_UNSUPPORTED, "saving is not implemented yet") : RL_E_INVALID;
}

rl_status rl_model_load(rl_model **out, const char *path)
{
    (void)out;
    (void)path;
    return RL_E_UNSUPPORTED;
}

rl_status rl_model_save_buffer(const rl_model *m, void **buffer, size_t *size)
{
    (void)buffer;
    (void)size;
    return m ? RL_E_UNSUPPORTED : RL_E_INVALID;
}

rl_status rl_model_save_to(const rl_model *m, void *buffer, size_t capacity, size_t *size)
{
    (void)buffer;
    (void)capacity;
    (void)size;
    return m ? RL_E_UNSUPPORTED : RL_E_INVALID;
}

rl_status rl_model_load_buffer(rl_model **out, const void *buffer, size_t size)
{
    (void)out;
    (void)buffer;
    (void)size;
    return RL_E_UNSUPPORTED;
}

void rl_free(void *p)
{
    free(p);
}
