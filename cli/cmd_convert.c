/* rnnlite convert: runs the model converter, rnnlite-convert (tools/), with
 * the arguments given. It is looked for next to this program first, then in
 * PATH, so an installed pair and a build tree both work. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"

static const cli_option options[] = {
    {"converter", 0, "PROGRAM", "converter to run (default: rnnlite-convert next to rnnlite, then in PATH)", 0},
};

static int run(const cli_command *cmd, cli_args *a)
{
    size_t n = arg_positional_count(a);
    char **argv = calloc(n + 2, sizeof *argv);
    if (!argv)
        return EXIT_FAIL;
    char here[PATH_MAX], sibling[PATH_MAX + 32];
    const char *program = arg_str(a, "converter");
    if (!program) {
        ssize_t len = readlink("/proc/self/exe", here, sizeof here - 1);
        program = "rnnlite-convert";
        if (len > 0) {
            here[len] = '\0';
            char *slash = strrchr(here, '/');
            if (slash) {
                *slash = '\0';
                snprintf(sibling, sizeof sibling, "%s/rnnlite-convert", here);
                if (access(sibling, X_OK) == 0)
                    program = sibling;
            }
        }
    }
    argv[0] = (char *)program;
    for (size_t i = 0; i < n; i++)
        argv[i + 1] = (char *)arg_positional(a, i);
    execvp(program, argv);
    cli_error(cmd->name, "cannot run %s: %s (the converter is installed with rnnlite's tools; "
              "see rnnlite(1))", program, strerror(errno));
    free(argv);
    return errno == ENOENT ? 127 : 126;
}

const cli_command cmd_convert = {
    "convert", "Convert a Keras or ONNX model to an rnnlite model file (runs rnnlite-convert "
    "with the arguments that follow; 'rnnlite convert -- --help' shows its own help).",
    "[--converter PROGRAM] CONVERTER-ARGUMENTS...", options, sizeof options / sizeof options[0], run, 1,
};
