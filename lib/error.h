/* The per-model message behind rl_model_last_error(), and the one function
 * that writes it. The message lives inside the model (an rl_error member
 * named err), but this module does not need the model's layout: the macros
 * below reach the member where the caller already sees the model. Any module
 * holding a model may record why a call failed; the api_*.c files clear it
 * when a call starts. */
#ifndef RL_ERROR_H
#define RL_ERROR_H

#include "rnnlite/rnnlite.h"

typedef struct rl_error {
    char text[256];
} rl_error;

/* Formats a message into e (NULL: nothing is recorded); returns s. */
rl_status rl__error_set(rl_error *e, rl_status s, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* For calls without a handle (the *_detail variants): formats the reason
 * into the caller's buffer (NULL or 0 bytes: nothing; always NUL-ended, cut
 * to fit) and returns s. */
rl_status rl__tell(char *message, size_t message_len, rl_status s, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

/* `return rl__fail(m, s, "...", ...)`: records the message in model m (may
 * be NULL) and returns s. The message is not part of the model's value, so
 * a const model may record one. */
#define rl__fail(m, s, ...) rl__error_set((m) ? (rl_error *)&(m)->err : NULL, (s), __VA_ARGS__)

/* Forgets the previous call's message (a new call starts). */
#define rl__clear_error(m) ((void)((m)->err.text[0] = '\0'))

/* The message of the last failed call ("" when none since the last clear). */
#define rl__error_text(m) ((const char *)(m)->err.text)

#endif
