/* The per-model message behind rl_model_last_error(): the one place that
 * writes it. Any module holding a model may record why a call failed; the
 * api_*.c files clear it when a call starts. */
#ifndef RL_ERROR_H
#define RL_ERROR_H

#include "rnnlite/rnnlite.h"

/* Formats a message into the model's buffer (m may be NULL: nothing is
 * recorded); returns s, for `return rl__fail(m, s, ...)`. */
rl_status rl__fail(const rl_model *m, rl_status s, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Forgets the previous call's message (a new call starts). */
void rl__clear_error(rl_model *m);

/* The message of the last failed call ("" when it succeeded). */
const char *rl__error_text(const rl_model *m);

#endif
