/* Bounded little-endian writer and reader over a byte buffer: the only code
 * of the file format that touches bytes. Values are stored byte by byte in
 * a fixed order, never as host structs, so files are the same on every
 * machine; floats are IEEE-754 binary32/binary64 bit patterns. */
#ifndef RL_IO_BUF_H
#define RL_IO_BUF_H

#include <stddef.h>
#include <stdint.h>

/* Writer. With p NULL it only counts, so the same code measures a file and
 * writes it. Bytes beyond cap are dropped but still counted: len > cap
 * after writing means the buffer was too small. */
typedef struct rl_wbuf {
    uint8_t *p;
    size_t cap, len;
} rl_wbuf;

void rl__wb_bytes(rl_wbuf *w, const void *data, size_t n);
void rl__wb_u32(rl_wbuf *w, uint32_t v);
void rl__wb_u64(rl_wbuf *w, uint64_t v);
void rl__wb_f32(rl_wbuf *w, float v);
void rl__wb_f64(rl_wbuf *w, double v);

/* Reader. A read past the end returns 0 and sets `bad`, which stays set, so
 * a parser can read a group of fields and check once. */
typedef struct rl_rbuf {
    const uint8_t *p;
    size_t len, pos;
    int bad;
} rl_rbuf;

static inline rl_rbuf rl__rb_make(const void *p, size_t len)
{
    return (rl_rbuf){ .p = p, .len = len, .pos = 0, .bad = 0 };
}

static inline size_t rl__rb_left(const rl_rbuf *r)
{
    return r->len - r->pos;
}

uint32_t rl__rb_u32(rl_rbuf *r);
uint64_t rl__rb_u64(rl_rbuf *r);
float rl__rb_f32(rl_rbuf *r);
double rl__rb_f64(rl_rbuf *r);
/* n floats into dst (all or, setting `bad`, none). */
void rl__rb_f32s(rl_rbuf *r, float *dst, size_t n);
/* Takes the next n bytes as a reader of their own; sets `bad` (and returns
 * an empty reader) when fewer are left. */
rl_rbuf rl__rb_sub(rl_rbuf *r, size_t n);

#endif
