#include "error.h"

#include <stdarg.h>
#include <stdio.h>

#include "model.h"

rl_status rl__fail(const rl_model *m, rl_status s, const char *fmt, ...)
{
    if (m) {
        char *err = ((rl_model *)m)->err;   /* the message is not part of the model's value */
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, sizeof m->err, fmt, ap);
        va_end(ap);
    }
    return s;
}

void rl__clear_error(rl_model *m)
{
    m->err[0] = '\0';
}

const char *rl__error_text(const rl_model *m)
{
    return m->err;
}
