/* The model file API: argument checks and messages, then one call down:
 * the format is in io_format_*.c, the files in io_file.c. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "error.h"
#include "io_file.h"
#include "io_buf.h"
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
    void *buf = rl__calloc(need, 1);   /* rl_free() gives it back to the same allocator */
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

/* Copies a message into the caller's buffer (cut to fit, always ended). */
static void tell(char *message, size_t message_len, const char *text)
{
    if (!message || message_len == 0)
        return;
    size_t n = strlen(text);
    if (n >= message_len)
        n = message_len - 1;
    memcpy(message, text, n);
    message[n] = '\0';
}

rl_status rl_model_load_buffer_detail(rl_model **out, const void *buffer, size_t size,
                                      char *message, size_t message_len)
{
    tell(message, message_len, "");
    if (!out) {
        tell(message, message_len, "rl_model_load_buffer: out is NULL");
        return RL_E_INVALID;
    }
    *out = NULL;
    if (!buffer) {
        tell(message, message_len, "rl_model_load_buffer: buffer is NULL");
        return RL_E_INVALID;
    }
    rl_format_error why = { "" };
    rl_status s = rl__format_read(out, buffer, size, &why);
    if (s == RL_E_FORMAT) {
        char text[sizeof why.text + 64];
        snprintf(text, sizeof text, "rl_model_load_buffer: %s", why.text);
        tell(message, message_len, text);
    } else if (s == RL_E_NOMEM) {
        tell(message, message_len, "rl_model_load_buffer: out of memory");
    }
    return s;
}

rl_status rl_model_load_buffer(rl_model **out, const void *buffer, size_t size)
{
    return rl_model_load_buffer_detail(out, buffer, size, NULL, 0);
}

enum { MAX_SECTIONS_BEFORE_ARCH = 64 };

/* Reads the header and the ARCH section of an open file and checks that its
 * size is one its layers can need, so neither a huge nor a lying file makes
 * the library allocate more than the model it describes. */
static rl_status check_file(int fd, uint64_t size, rl_io_error *e, rl_format_error *why)
{
    unsigned char head[RL__FORMAT_HEADER];
    size_t n = size < sizeof head ? (size_t)size : sizeof head;
    rl_status s = rl__file_read_at(fd, head, n, 0, e);
    if (s == RL_OK)
        s = rl__format_check_header(head, n, size, why);
    if (s != RL_OK)
        return s;
    /* Sections may come in any order (ARCH is first from every writer so far). */
    uint64_t at = RL__FORMAT_HEADER;
    for (int k = 0; k < MAX_SECTIONS_BEFORE_ARCH; k++) {
        unsigned char sh[RL__SECTION_HEADER];
        if (at > size - RL__FORMAT_TRAILER || size - RL__FORMAT_TRAILER - at < sizeof sh)
            break;
        if ((s = rl__file_read_at(fd, sh, sizeof sh, at, e)) != RL_OK)
            return s;
        rl_rbuf r = rl__rb_make(sh, sizeof sh);
        uint32_t tag = rl__rb_u32(&r);
        (void)rl__rb_u32(&r);
        uint64_t len = rl__rb_u64(&r);
        at += sizeof sh;
        if (len > size - RL__FORMAT_TRAILER - at)
            break;   /* the full parse names it */
        if (tag == RL__TAG_ARCH) {
            if (len > RL__ARCH_MAX_BYTES) {
                snprintf(why->text, sizeof why->text,
                         "ARCH at byte %llu: %llu bytes (at most %d for %d layers)",
                         (unsigned long long)at, (unsigned long long)len, RL__ARCH_MAX_BYTES,
                         RL_MAX_LAYERS);
                return RL_E_FORMAT;
            }
            unsigned char arch[RL__ARCH_MAX_BYTES];
            uint64_t layers;
            if ((s = rl__file_read_at(fd, arch, (size_t)len, at, e)) != RL_OK ||
                (s = rl__format_layer_bytes(arch, (size_t)len, (size_t)at, &layers, why)) != RL_OK)
                return s;
            uint64_t most = RL__FORMAT_HEADER + RL__SECTION_HEADER + len + layers +
                            RL__FORMAT_SLACK;
            if (size > most) {
                snprintf(why->text, sizeof why->text,
                         "header: the file has %llu bytes, its layers need at most %llu",
                         (unsigned long long)size, (unsigned long long)most);
                return RL_E_FORMAT;
            }
            return RL_OK;
        }
        at += len;
    }
    snprintf(why->text, sizeof why->text, "ARCH: no architecture section at byte %llu or before",
             (unsigned long long)at);
    return RL_E_FORMAT;
}

rl_status rl_model_load_detail(rl_model **out, const char *path, char *message,
                               size_t message_len)
{
    tell(message, message_len, "");
    if (!out || !path) {
        tell(message, message_len, "rl_model_load: out and path must not be NULL");
        if (out)
            *out = NULL;
        return RL_E_INVALID;
    }
    *out = NULL;
    rl_io_error e = { "", 0 };
    rl_format_error why = { "" };
    int fd = -1;
    uint64_t size = 0;
    void *data = NULL;
    rl_status s = rl__file_open_read(path, &fd, &size, &e);
    if (s == RL_OK)
        s = check_file(fd, size, &e, &why);
    if (s == RL_OK && size > SIZE_MAX)
        s = RL_E_NOMEM;
    if (s == RL_OK && !(data = rl__calloc((size_t)size, 1)))
        s = RL_E_NOMEM;
    if (s == RL_OK)
        s = rl__file_read_at(fd, data, (size_t)size, 0, &e);
    if (fd >= 0)
        close(fd);
    if (s == RL_OK)
        s = rl__format_read(out, data, (size_t)size, &why);
    rl__free(data);

    char text[512], err[128];
    text[0] = '\0';
    if (s == RL_E_IO && e.err == 0)
        snprintf(text, sizeof text, "rl_model_load: '%s': %s", path, e.step);
    else if (s == RL_E_IO)
        snprintf(text, sizeof text, "rl_model_load: '%s': %s failed: %s", path, e.step,
                 ERROR_TEXT(e.err, err));
    else if (s == RL_E_FORMAT)
        snprintf(text, sizeof text, "rl_model_load: '%s': %s", path, why.text);
    else if (s == RL_E_NOMEM)
        snprintf(text, sizeof text, "rl_model_load: '%s': out of memory for %llu bytes", path,
                 (unsigned long long)size);
    tell(message, message_len, text);
    return s;
}

rl_status rl_model_load(rl_model **out, const char *path)
{
    return rl_model_load_detail(out, path, NULL, 0);
}

void rl_free(void *p)
{
    rl__free(p);
}
