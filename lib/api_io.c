/* The model file API: argument checks and messages, then one call down:
 * the format is in io_format_*.c, the files in io_file.c. */
#include <string.h>

#include "alloc.h"
#include "error.h"
#include "io_file.h"
#include "io_format.h"
#include "model.h"

/* strerror_r comes in two flavours (GNU returns the text, XSI fills buf and
 * returns an int); _Generic picks the right reading without a configure check. */
static const char *xsi_text(int r, char *buf)
{
    return r == 0 ? buf : "unknown error";
}

static const char *gnu_text(char *r, char *buf)
{
    (void)buf;
    return r;
}

#define ERROR_TEXT(err, buf)                                                                   \
    _Generic(strerror_r((err), (buf), sizeof(buf)), char *: gnu_text, default: xsi_text)(      \
        strerror_r((err), (buf), sizeof(buf)), (buf))

static rl_status check_savable(const rl_model *m, const char *fn)
{
    if (!m->compiled)
        return rl__fail(m, RL_E_STATE, "%s: the model is not compiled (nothing to save)", fn);
    return RL_OK;
}

rl_status rl_model_save(const rl_model *m, const char *path)
{
    if (!m)
        return RL_E_INVALID;
    if (!path)
        return rl__fail(m, RL_E_INVALID, "rl_model_save: path is NULL");
    rl_status s = check_savable(m, "rl_model_save");
    if (s != RL_OK)
        return s;
    size_t size = rl__format_size(m);
    void *buf = rl__calloc(size, 1);
    if (!buf)
        return rl__fail(m, RL_E_NOMEM, "rl_model_save: out of memory for %zu bytes", size);
    rl__format_write(m, buf);
    rl_io_error e = { "", 0 };
    s = rl__file_write_atomic(path, buf, size, &e);
    rl__free(buf);
    if (s == RL_E_NOMEM)
        return rl__fail(m, s, "rl_model_save: out of memory");
    if (s != RL_OK) {
        char text[128];
        return rl__fail(m, s, "rl_model_save: %s failed for '%s': %s", e.step, path,
                        ERROR_TEXT(e.err, text));
    }
    return RL_OK;
}

rl_status rl_model_save_to(const rl_model *m, void *buffer, size_t capacity, size_t *size)
{
    if (!m)
        return RL_E_INVALID;
    if (!size)
        return rl__fail(m, RL_E_INVALID, "rl_model_save_to: size is NULL");
    if (!buffer && capacity != 0)
        return rl__fail(m, RL_E_INVALID, "rl_model_save_to: buffer is NULL but capacity is %zu",
                        capacity);
    rl_status s = check_savable(m, "rl_model_save_to");
    if (s != RL_OK)
        return s;
    size_t need = rl__format_size(m);
    *size = need;
    if (!buffer)
        return RL_OK;
    if (capacity < need)
        return rl__fail(m, RL_E_SHAPE, "rl_model_save_to: the buffer holds %zu bytes, %zu needed",
                        capacity, need);
    rl__format_write(m, buffer);
    return RL_OK;
}

rl_status rl_model_save_buffer(const rl_model *m, void **buffer, size_t *size)
{
    if (!m)
        return RL_E_INVALID;
    if (!buffer || !size)
        return rl__fail(m, RL_E_INVALID, "rl_model_save_buffer: buffer and size must not be NULL");
    rl_status s = check_savable(m, "rl_model_save_buffer");
    if (s != RL_OK)
        return s;
    size_t need = rl__format_size(m);
    void *buf = rl__calloc(need, 1);   /* rl_free() is free(), which takes it */
    if (!buf)
        return rl__fail(m, RL_E_NOMEM, "rl_model_save_buffer: out of memory for %zu bytes", need);
    rl__format_write(m, buf);
    *buffer = buf;
    *size = need;
    return RL_OK;
}

rl_status rl_model_load_buffer(rl_model **out, const void *buffer, size_t size)
{
    if (!out)
        return RL_E_INVALID;
    *out = NULL;
    if (!buffer)
        return RL_E_INVALID;
    return rl__format_read(out, buffer, size);
}

rl_status rl_model_load(rl_model **out, const char *path)
{
    if (!out)
        return RL_E_INVALID;
    *out = NULL;
    if (!path)
        return RL_E_INVALID;
    void *data = NULL;
    size_t size = 0;
    rl_status s = rl__file_read_all(path, &data, &size);
    if (s != RL_OK)
        return s;
    s = rl__format_read(out, data, size);
    rl__free(data);
    return s;
}

void rl_free(void *p)
{
    rl__free(p);
}
