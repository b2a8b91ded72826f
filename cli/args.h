/* Command-line options of the rnnlite tool: one table per command drives
 * both the parser and `--help` (the man page lists the same options; a test
 * compares them). */
#ifndef RNNLITE_CLI_ARGS_H
#define RNNLITE_CLI_ARGS_H

#include <stddef.h>

/* Exit statuses (documented in rnnlite.1, EXIT STATUS). */
enum {
    EXIT_OK = 0,
    EXIT_FAIL = 1,          /* bad data, a model the command cannot use, I/O, library error */
    EXIT_USAGE = 2,         /* unknown option, missing or malformed argument */
    EXIT_INTERRUPTED = 130, /* Ctrl-C (training still saved its best model) */
};

typedef struct cli_option {
    const char *name;       /* long name, without the leading "--" */
    char short_name;        /* e.g. 'o' for -o; 0 for none */
    const char *arg;        /* value placeholder such as "FILE"; NULL for a flag */
    const char *help;       /* one line for --help */
    int repeatable;         /* may be given more than once */
} cli_option;

typedef struct cli_args cli_args;

typedef struct cli_command {
    const char *name;
    const char *summary;    /* one line */
    const char *usage;      /* after "rnnlite NAME " */
    const cli_option *options;
    size_t n_options;
    int (*run)(const struct cli_command *cmd, cli_args *args);
    int options_first;      /* options end at the first positional argument (the
                               rest is passed on unparsed, as by `rnnlite convert`) */
} cli_command;

/* Parses argv (after the command name). Returns NULL with the message
 * printed and *status set (EXIT_USAGE, or EXIT_OK after --help). */
cli_args *args_parse(const cli_command *cmd, int argc, char **argv, int *status);
void args_free(cli_args *a);

/* Value of an option (the last one given), or NULL. */
const char *arg_str(const cli_args *a, const char *name);
/* The i-th value of a repeatable option, or NULL past the last. */
const char *arg_nth(const cli_args *a, const char *name, size_t i);
int arg_flag(const cli_args *a, const char *name);
/* Positional arguments (only for commands that take them). */
size_t arg_positional_count(const cli_args *a);
const char *arg_positional(const cli_args *a, size_t i);

/* Converters: the default when absent; -1 with a usage message printed when
 * the text is not a number in [lo, hi]. */
int arg_size(const cli_args *a, const char *name, size_t dflt, size_t lo, size_t hi, size_t *out);
int arg_double(const cli_args *a, const char *name, double dflt, double lo, double hi, double *out);
/* The value of a required option, or NULL after printing a usage message. */
const char *arg_required(const cli_args *a, const char *name);

/* Writes `rnnlite NAME --help` to standard output. */
void print_command_help(const cli_command *cmd);
/* Prints "rnnlite: CMD: message" (printf-style) to standard error. */
void cli_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
