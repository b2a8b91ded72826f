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
