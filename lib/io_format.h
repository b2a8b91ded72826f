/* The model file format (docs/format.md): a header, tagged sections, a
 * CRC-32 trailer. io_format_write.c turns a model into bytes,
 * io_format_read.c rebuilds a model from untrusted bytes; api_io.c is the API. */
#ifndef RL_IO_FORMAT_H
#define RL_IO_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"

/* Version 2 (rnnlite 0.2) adds the TRGT section and may leave out OPTS
 * (inference-only save); PARM may carry more parameters. Readers accept
 * every version from RL__FORMAT_VERSION_MIN. */
#define RL__FORMAT_VERSION 2u
#define RL__FORMAT_VERSION_MIN 1u

#define RL__FORMAT_HEADER 20    /* magic[8], version u32, total size u64 */
#define RL__SECTION_HEADER 16   /* tag u32, flags u32, payload length u64 */
#define RL__FORMAT_TRAILER 4    /* CRC-32 of every byte before it */

/* A reader that does not know a section's tag must reject the file when this
 * flag is set, and may skip the section when it is clear. */
#define RL__SECTION_REQUIRED 1u

/* Tags are four ASCII letters, stored in this byte order. */
#define RL__TAG(a, b, c, d)                                                                    \
    ((uint32_t)(a) | (uint32_t)(b) << 8 | (uint32_t)(c) << 16 | (uint32_t)(d) << 24)
#define RL__TAG_ARCH RL__TAG('A', 'R', 'C', 'H')   /* input shape and layers */
#define RL__TAG_PARM RL__TAG('P', 'A', 'R', 'M')   /* rl_param values, set mask */
#define RL__TAG_COMP RL__TAG('C', 'O', 'M', 'P')   /* optimiser and loss */
#define RL__TAG_WGHT RL__TAG('W', 'G', 'H', 'T')   /* weights of every layer */
#define RL__TAG_OPTS RL__TAG('O', 'P', 'T', 'S')   /* optimiser slots, step count, shuffle rng */
#define RL__TAG_SCAL RL__TAG('S', 'C', 'A', 'L')   /* attached scaler (only when there is one) */
#define RL__TAG_TRGT RL__TAG('T', 'R', 'G', 'T')   /* v2: target columns (only when set) */
#define RL__TAG_TRFM RL__TAG('T', 'R', 'F', 'M')   /* attached transform pipeline (only when there is one) */

#define RL__ARCH_LAYER_BYTES 32   /* kind, act, rec_act, return_sequences (u32), in, units (u64) */
#define RL__PARAM_MAX 64          /* the set mask is a u64 */

extern const uint8_t rl__format_magic[8];

/* Writer options: RL_SAVE_INFERENCE_ONLY (public header) leaves out OPTS. */
#define RL__SAVE_KNOWN_FLAGS RL_SAVE_INFERENCE_ONLY

/* Bytes rl__format_write() writes for a compiled model. */
size_t rl__format_size(const rl_model *m, unsigned flags);
/* Writes the file image of a compiled model into buf (rl__format_size() bytes). */
void rl__format_write(const rl_model *m, unsigned flags, void *buf);

/* Why a file image was rejected: the section (or "header"), the byte
 * offset of the field and what is wrong with it. */
typedef struct rl_format_error {
    char text[192];
} rl_format_error;

/* A new compiled model from a file image; nothing in it is trusted.
 * RL_E_FORMAT for anything but a well-formed file (with the reason in *err
 * when err is not NULL), RL_E_NOMEM. */
rl_status rl__format_read(rl_model **out, const void *buf, size_t size, rl_format_error *err);

/* The first len bytes of a file of `size` bytes: magic, version and the
 * declared total size (which must be `size`). RL_OK or RL_E_FORMAT. */
rl_status rl__format_check_header(const void *buf, size_t len, uint64_t size,
                                  rl_format_error *err);

/* Bytes the WGHT and OPTS sections of the ARCH section body `arch` (found
 * at file offset `offset`) take: what a file of that architecture needs at
 * most, besides a few small sections. RL_E_FORMAT for a bad ARCH. */
rl_status rl__format_layer_bytes(const void *arch, size_t len, size_t offset, uint64_t *bytes,
                                 rl_format_error *err);

/* Bytes a file may hold besides its header, ARCH, WGHT and OPTS: PARM, COMP,
 * section headers, a scaler of up to RL_MAX_FEATURES columns and optional
 * sections of later versions. A file larger than that is refused before
 * anything is allocated for it. */
#define RL__FORMAT_SLACK ((uint64_t)4 << 20)
#define RL__ARCH_MAX_BYTES (24 + RL__ARCH_LAYER_BYTES * RL_MAX_LAYERS)

#endif
