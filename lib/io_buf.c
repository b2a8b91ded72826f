#include "io_buf.h"

#include <float.h>
#include <string.h>

/* The format stores IEEE-754 binary32/binary64; a host with other float
 * types would need a conversion here, not a different file. */
_Static_assert(sizeof(float) == 4 && FLT_RADIX == 2 && FLT_MANT_DIG == 24 && FLT_MAX_EXP == 128,
               "float must be IEEE-754 binary32");
_Static_assert(sizeof(double) == 8 && DBL_MANT_DIG == 53 && DBL_MAX_EXP == 1024,
               "double must be IEEE-754 binary64");

static void put_le(rl_wbuf *w, uint64_t v, size_t n)
{
    if (w->p && n <= w->cap && w->len <= w->cap - n)
        for (size_t i = 0; i < n; i++)
            w->p[w->len + i] = (uint8_t)(v >> (8 * i));
    w->len += n;
}

void rl__wb_bytes(rl_wbuf *w, const void *data, size_t n)
{
    if (w->p && n <= w->cap && w->len <= w->cap - n)
        memcpy(w->p + w->len, data, n);
    w->len += n;
}

void rl__wb_u32(rl_wbuf *w, uint32_t v)
{
    put_le(w, v, 4);
}

void rl__wb_u64(rl_wbuf *w, uint64_t v)
{
    put_le(w, v, 8);
}

void rl__wb_f32(rl_wbuf *w, float v)
{
    uint32_t bits;
    memcpy(&bits, &v, sizeof bits);   /* a scalar's bit pattern, not a struct layout */
    put_le(w, bits, 4);
}

void rl__wb_f64(rl_wbuf *w, double v)
{
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    put_le(w, bits, 8);
}

static uint64_t get_le(rl_rbuf *r, size_t n)
{
    if (r->bad || rl__rb_left(r) < n) {
        r->bad = 1;
        return 0;
    }
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v |= (uint64_t)r->p[r->pos + i] << (8 * i);
    r->pos += n;
    return v;
}

uint32_t rl__rb_u32(rl_rbuf *r)
{
    return (uint32_t)get_le(r, 4);
}

uint64_t rl__rb_u64(rl_rbuf *r)
{
    return get_le(r, 8);
}

float rl__rb_f32(rl_rbuf *r)
{
    uint32_t bits = (uint32_t)get_le(r, 4);
    float v;
    memcpy(&v, &bits, sizeof v);
    return v;
}

double rl__rb_f64(rl_rbuf *r)
{
    uint64_t bits = get_le(r, 8);
    double v;
    memcpy(&v, &bits, sizeof v);
    return v;
}

rl_rbuf rl__rb_sub(rl_rbuf *r, size_t n)
{
    if (r->bad || rl__rb_left(r) < n) {
        r->bad = 1;
        return rl__rb_make(NULL, 0);
    }
    rl_rbuf sub = rl__rb_make(r->p + r->pos, n);
    r->pos += n;
    return sub;
}

void rl__rb_f32s(rl_rbuf *r, float *dst, size_t n)
{
    if (r->bad || n > rl__rb_left(r) / 4) {
        r->bad = 1;
        return;
    }
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    /* The file's byte order is the host's: one copy (a 50 MB model loads
     * at memory speed instead of a shift-and-or per byte). */
    memcpy(dst, r->p + r->pos, n * 4);
    r->pos += n * 4;
#else
    for (size_t i = 0; i < n; i++)
        dst[i] = rl__rb_f32(r);
#endif
}
