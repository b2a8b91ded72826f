#include "error.h"

#include <stdarg.h>
#include <stdio.h>

rl_status rl__error_set(rl_error *e, rl_status s, const char *fmt, ...)
{
    if (e) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(e->text, sizeof e->text, fmt, ap);
        va_end(ap);
    }
    return s;
}

rl_status rl__tell(char *message, size_t message_len, rl_status s, const char *fmt, ...)
{
    if (!message || message_len == 0)
        return s;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, message_len, fmt, ap);
    va_end(ap);
    return s;
}
