#include "args.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct given {
    const cli_option *opt;
    const char *value;      /* points into argv; "" for a flag */
} given;

struct cli_args {
    const cli_command *cmd;
    given *items;
    size_t n_items;
    char **positional;
    size_t n_positional;
};

void cli_error(const char *cmd, const char *fmt, ...)
{
    fprintf(stderr, "rnnlite: %s%s", cmd ? cmd : "", cmd ? ": " : "");
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

static const cli_option *find_long(const cli_command *cmd, const char *name, size_t len)
{
    for (size_t i = 0; i < cmd->n_options; i++)
        if (strlen(cmd->options[i].name) == len && strncmp(cmd->options[i].name, name, len) == 0)
            return &cmd->options[i];
    return NULL;
}

static const cli_option *find_short(const cli_command *cmd, char c)
{
    for (size_t i = 0; i < cmd->n_options; i++)
        if (cmd->options[i].short_name == c)
            return &cmd->options[i];
    return NULL;
}

static void usage_hint(const cli_command *cmd)
{
    fprintf(stderr, "Try 'rnnlite %s --help'.\n", cmd->name);
}

cli_args *args_parse(const cli_command *cmd, int argc, char **argv, int *status)
{
    cli_args *a = calloc(1, sizeof *a);
    if (a) {
        a->items = calloc((size_t)argc + 1, sizeof *a->items);
        a->positional = calloc((size_t)argc + 1, sizeof *a->positional);
    }
    if (!a || !a->items || !a->positional) {
        cli_error(cmd->name, "out of memory");
        args_free(a);
        *status = EXIT_FAIL;
        return NULL;
    }
    a->cmd = cmd;
    int only_positional = 0;
    for (int i = 0; i < argc; i++) {
        const char *s = argv[i];
        const cli_option *opt = NULL;
        const char *value = NULL;
        if (only_positional || s[0] != '-' || strcmp(s, "-") == 0) {
            a->positional[a->n_positional++] = argv[i];
            only_positional = cmd->options_first;
            continue;
        }
        if (strcmp(s, "--") == 0) {
            only_positional = 1;
            continue;
        }
        if (strcmp(s, "--help") == 0 || strcmp(s, "-h") == 0) {
            print_command_help(cmd);
            args_free(a);
            *status = EXIT_OK;
            return NULL;
        }
        if (s[1] == '-') {
            const char *eq = strchr(s + 2, '=');
            size_t len = eq ? (size_t)(eq - s - 2) : strlen(s + 2);
            opt = find_long(cmd, s + 2, len);
            if (eq)
                value = eq + 1;
        } else if (s[2] == '\0') {
            opt = find_short(cmd, s[1]);
        }
        if (!opt) {
            cli_error(cmd->name, "unknown option '%s'", s);
            usage_hint(cmd);
            goto usage;
        }
        if (opt->arg && !value) {
            if (i + 1 >= argc) {
                cli_error(cmd->name, "option '--%s' needs a value (%s)", opt->name, opt->arg);
                usage_hint(cmd);
                goto usage;
            }
            value = argv[++i];
        } else if (!opt->arg && value) {
            cli_error(cmd->name, "option '--%s' takes no value", opt->name);
            goto usage;
        }
        if (!opt->repeatable)
            for (size_t k = 0; k < a->n_items; k++)
                if (a->items[k].opt == opt) {
                    cli_error(cmd->name, "option '--%s' given twice", opt->name);
                    goto usage;
                }
        a->items[a->n_items].opt = opt;
        a->items[a->n_items].value = value ? value : "";
        a->n_items++;
    }
    return a;
usage:
    args_free(a);
    *status = EXIT_USAGE;
    return NULL;
}

void args_free(cli_args *a)
{
    if (!a)
        return;
    free(a->items);
    free(a->positional);
    free(a);
}

const char *arg_nth(const cli_args *a, const char *name, size_t i)
{
    for (size_t k = 0; k < a->n_items; k++)
        if (strcmp(a->items[k].opt->name, name) == 0 && i-- == 0)
            return a->items[k].value;
    return NULL;
}

const char *arg_str(const cli_args *a, const char *name)
{
    const char *last = NULL;
    for (size_t k = 0; k < a->n_items; k++)
        if (strcmp(a->items[k].opt->name, name) == 0)
            last = a->items[k].value;
    return last;
}

int arg_flag(const cli_args *a, const char *name)
{
    return arg_str(a, name) != NULL;
}

size_t arg_positional_count(const cli_args *a)
{
    return a->n_positional;
}

const char *arg_positional(const cli_args *a, size_t i)
{
    return i < a->n_positional ? a->positional[i] : NULL;
}

int arg_double(const cli_args *a, const char *name, double dflt, double lo, double hi, double *out)
{
    const char *s = arg_str(a, name);
    if (!s) {
        *out = dflt;
        return 0;
    }
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end != '\0' || errno != 0 || !isfinite(v) || v < lo || v > hi) {
        cli_error(a->cmd->name, "--%s '%s': expected a number from %g to %g", name, s, lo, hi);
        return -1;
    }
    *out = v;
    return 0;
}

int arg_size(const cli_args *a, const char *name, size_t dflt, size_t lo, size_t hi, size_t *out)
{
    const char *s = arg_str(a, name);
    if (!s) {
        *out = dflt;
        return 0;
    }
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (*s < '0' || *s > '9' || *end != '\0' || errno != 0 || v < lo || v > hi) {
        cli_error(a->cmd->name, "--%s '%s': expected a whole number from %zu to %zu", name, s, lo, hi);
        return -1;
    }
    *out = (size_t)v;
    return 0;
}

const char *arg_required(const cli_args *a, const char *name)
{
    const char *s = arg_str(a, name);
    if (!s || !*s) {
        cli_error(a->cmd->name, "--%s is required", name);
        usage_hint(a->cmd);
    }
    return s && *s ? s : NULL;
}

void print_command_help(const cli_command *cmd)
{
    printf("Usage: rnnlite %s %s\n%s\n\nOptions:\n", cmd->name, cmd->usage, cmd->summary);
    for (size_t i = 0; i < cmd->n_options; i++) {
        const cli_option *o = &cmd->options[i];
        char left[64];
        snprintf(left, sizeof left, "%c%c%s--%s%s%s", o->short_name ? '-' : ' ',
                 o->short_name ? o->short_name : ' ', o->short_name ? ", " : "  ", o->name,
                 o->arg ? " " : "", o->arg ? o->arg : "");
        printf("  %-28s %s\n", left, o->help);
    }
    printf("  %-28s %s\n", "-h, --help", "show this help and exit");
}
