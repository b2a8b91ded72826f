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

static rl_status check_flags(const rl_model *m, unsigned flags, const char *fn)
{
    if (flags & ~(unsigned)RL__SAVE_KNOWN_FLAGS)
        return rl__fail(m, RL_E_INVALID, "%s: unknown flag bits 0x%x", fn,
                        flags & ~(unsigned)RL__SAVE_KNOWN_FLAGS);
    return RL_OK;
}

static rl_status save_file(const rl_model *m, const char *path, unsigned flags, const char *fn)
{
    if (!m)
        return RL_E_INVALID;
    if (!path)
        return rl__fail(m, RL_E_INVALID, "%s: path is NULL", fn);
    rl_status s = check_flags(m, flags, fn);
    if (s == RL_OK)
        s = check_savable(m, fn);
    if (s != RL_OK)
        return s;
    size_t size = rl__format_size(m, flags);
    void *buf = rl__calloc(size, 1);
    if (!buf)
        return rl__fail(m, RL_E_NOMEM, "%s: out of memory for %zu bytes", fn, size);
    rl__format_write(m, flags, buf);
    rl_io_error e = { "", 0 };
    s = rl__file_write_atomic(path, buf, size, &e);
    rl__free(buf);
    if (s == RL_E_NOMEM)
        return rl__fail(m, s, "%s: out of memory", fn);
    if (s != RL_OK) {
        char text[128];
        return rl__fail(m, s, "%s: %s failed for '%s': %s", fn, e.step, path,
                        ERROR_TEXT(e.err, text));
    }
    return RL_OK;
}

rl_status rl_model_save(const rl_model *m, const char *path)
{
    return save_file(m, path, 0, "rl_model_save");
}

rl_status rl_model_save_flags(const rl_model *m, const char *path, unsigned flags)
{
    return save_file(m, path, flags, "rl_model_save_flags");
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
    size_t need = rl__format_size(m, 0);
    *size = need;
    if (!buffer)
        return RL_OK;
    if (capacity < need)
        return rl__fail(m, RL_E_SHAPE, "rl_model_save_to: the buffer holds %zu bytes, %zu needed",
                        capacity, need);
    rl__format_write(m, 0, buffer);
    return RL_OK;
}

static rl_status save_buffer(const rl_model *m, void **buffer, size_t *size, unsigned flags,
                             const char *fn)
{
    if (!m)
        return RL_E_INVALID;
    if (!buffer || !size)
        return rl__fail(m, RL_E_INVALID, "%s: buffer and size must not be NULL", fn);
    rl_status s = check_flags(m, flags, fn);
    if (s == RL_OK)
        s = check_savable(m, fn);
    if (s != RL_OK)
        return s;
    size_t need = rl__format_size(m, flags);
    void *buf = rl__calloc(need, 1);   /* rl_free() is free(), which takes it */
    if (!buf)
        return rl__fail(m, RL_E_NOMEM, "%s: out of memory for %zu bytes", fn, need);
    rl__format_write(m, flags, buf);
    *buffer = buf;
    *size = need;
    return RL_OK;
}

rl_status rl_model_save_buffer(const rl_model *m, void **buffer, size_t *size)
{
    return save_buffer(m, buffer, size, 0, "rl_model_save_buffer");
}

rl_status rl_model_save_buffer_flags(const rl_model *m, void **buffer, size_t *size,
                                     unsigned flags)
{
    return save_buffer(m, buffer, size, flags, "rl_model_save_buffer_flags");
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
