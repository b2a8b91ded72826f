/* Version, status names and the kernel path: facts about the library. */
#include "kernels/kernels.h"
#include "rnnlite/rnnlite.h"

#define STR2(x) #x
#define STR(x) STR2(x)

unsigned rl_version_number(void)
{
    return RL_VERSION_NUMBER;
}

const char *rl_version_string(void)
{
    return STR(RL_VERSION_MAJOR) "." STR(RL_VERSION_MINOR) "." STR(RL_VERSION_PATCH);
}

const char *rl_status_string(rl_status s)
{
    switch (s) {
    case RL_OK: return "ok";
    case RL_E_INVALID: return "invalid argument";
    case RL_E_NOMEM: return "out of memory";
    case RL_E_SHAPE: return "shape mismatch";
    case RL_E_STATE: return "call out of order";
    case RL_E_IO: return "input/output error";
    case RL_E_FORMAT: return "corrupt or unknown model format";
    case RL_E_NUMERIC: return "non-finite number";
    case RL_E_UNSUPPORTED: return "unsupported";
    }
    return "unknown status";
}

const char *rl_runtime_isa(void)
{
    return rl__kernels()->name;
}
