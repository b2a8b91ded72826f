/* Files for the model format: an atomic write (temporary file beside the
 * target, fsync, rename) so a crash or a full disk never leaves a torn model
 * at the path, and a whole-file read. */
#ifndef RL_IO_FILE_H
#define RL_IO_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "rnnlite/rnnlite.h"

/* Why a write failed: the step and its errno, for the caller's message. */
typedef struct rl_io_error {
    const char *step;   /* "create", "write", "fsync", "close", "rename", "open", "read" */
    int err;            /* errno; 0 when `step` is the whole reason */
} rl_io_error;

/* Writes n bytes to path atomically: the old file at path stays whole
 * unless the new one is complete. On failure the temporary file is removed.
 * RL_E_IO (with *e filled) or RL_E_NOMEM. */
rl_status rl__file_write_atomic(const char *path, const void *data, size_t n, rl_io_error *e);

/* Opens path for reading: never blocks (O_NONBLOCK, so a FIFO without a
 * writer fails instead of hanging), never leaks into exec'd children
 * (O_CLOEXEC), and only a regular file is accepted, checked on the open
 * descriptor before a byte is read. *size is its size. RL_E_IO with *e set
 * (step "not a regular file (a FIFO)" and err 0 for the last). */
rl_status rl__file_open_read(const char *path, int *fd, uint64_t *size, rl_io_error *e);

/* Exactly n bytes at offset; RL_E_IO (step "read") when fewer are there. */
rl_status rl__file_read_at(int fd, void *buf, size_t n, uint64_t offset, rl_io_error *e);

/* Test hook for fault injection, called before each step of an atomic
 * write. For RL_IO_WRITE, `offset` is where the chunk of *len bytes goes and
 * the hook may shorten *len. Returning non-zero fails the step (a write
 * fails after writing *len bytes). Not exported, not thread-safe: tests only. */
typedef enum rl_io_step {
    RL_IO_CREATE,
    RL_IO_WRITE,
    RL_IO_SYNC,
    RL_IO_CLOSE,
    RL_IO_RENAME
} rl_io_step;
typedef int (*rl_io_hook)(rl_io_step step, size_t offset, size_t *len, void *user);
void rl__io_set_hook(rl_io_hook hook, void *user);

#endif
