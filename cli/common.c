#include "common.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int read_data(const cli_args *a, csv_table *t)
{
    const char *cmd = "data";
    const char *path = arg_str(a, "data");
    if (!path || !*path) {
        cli_error(cmd, "no data file: give --data FILE.csv (or - for standard input)");
        return -1;
    }
    csv_request req = {path, arg_str(a, "columns"), arg_str(a, "date"), arg_str(a, "target")};
    char err[512];
    if (csv_read(&req, t, err, sizeof err) != 0) {
        fprintf(stderr, "rnnlite: %s\n", err);
        return -1;
    }
    return 0;
}

void report_status(const char *cmd, const char *what, rl_status s, const rl_model *m)
{
    if (m)
        cli_error(cmd, "%s: %s (%s)", what, rl_status_string(s), rl_model_last_error(m));
    else
        cli_error(cmd, "%s: %s", what, rl_status_string(s));
}

int load_model(const char *cmd, const char *path, rl_model **m)
{
    rl_status s = rl_model_load(m, path);
    if (s != RL_OK) {
        report_status(cmd, path, s, NULL);
        return -1;
    }
    return 0;
}

int check_columns(const char *cmd, const rl_model *m, const csv_table *t)
{
    size_t steps, features;
    rl_model_input_shape(m, &steps, &features);
    if (features != t->n_cols) {
        cli_error(cmd, "the model reads %zu column%s, the data gives %zu (choose them with --columns)",
                  features, features == 1 ? "" : "s", t->n_cols);
        return -1;
    }
    return 0;
}

int scaled_copy(const char *cmd, const rl_model *m, const csv_table *t, float **out,
                rl_scaler **scaler)
{
    *scaler = NULL;
    size_t n = t->n_rows * t->n_cols;
    *out = malloc(n * sizeof **out);
    if (!*out) {
        cli_error(cmd, "out of memory for %zu rows", t->n_rows);
        return -1;
    }
    rl_status s = rl_model_get_scaler(m, scaler);
    if (s == RL_E_STATE) {   /* no scaler attached: the model reads raw values */
        *scaler = NULL;
        memcpy(*out, t->values, n * sizeof **out);
        return 0;
    }
    if (s == RL_OK)
        s = rl_scaler_transform(*scaler, t->values, *out, t->n_rows, t->n_cols);
    if (s != RL_OK) {
        report_status(cmd, "scaling the data with the model's scaler", s, NULL);
        rl_scaler_destroy(*scaler);
        *scaler = NULL;
        free(*out);
        *out = NULL;
        return -1;
    }
    return 0;
}

int make_windows(const char *cmd, const float *rows, size_t n_rows, size_t n_cols,
                 size_t time_steps, size_t target, float **x, float **y, size_t *count)
{
    *x = *y = NULL;
    rl_window_count(n_rows, time_steps, 1, count);
    if (*count == 0) {
        cli_error(cmd, "%zu rows are too few for windows of %zu steps (at least %zu rows needed)",
                  n_rows, time_steps, time_steps + 1);
        return -1;
    }
    if (*count > SIZE_MAX / sizeof(float) / time_steps / n_cols) {
        cli_error(cmd, "too many windows");
        return -1;
    }
    size_t x_len = *count * time_steps * n_cols;
    *x = malloc(x_len * sizeof **x);
    *y = malloc(*count * sizeof **y);
    rl_status s = *x && *y ? rl_window_make(rows, n_rows, n_cols, time_steps, 1, target, *x, x_len,
                                            *y, *count)
                           : RL_E_NOMEM;
    if (s != RL_OK) {
        report_status(cmd, "cutting windows", s, NULL);
        free(*x);
        free(*y);
        *x = *y = NULL;
        return -1;
    }
    return 0;
}

FILE *open_output(const cli_args *a)
{
    const char *path = arg_str(a, "output");
    if (!path || strcmp(path, "-") == 0)
        return stdout;
    FILE *f = fopen(path, "w");
    if (!f)
        cli_error(NULL, "%s: cannot write: %s", path, strerror(errno));
    return f;
}

int close_output(const cli_args *a, FILE *f)
{
    const char *path = arg_str(a, "output");
    int bad = ferror(f);
    if (f == stdout)
        bad |= fflush(f) != 0;
    else
        bad |= fclose(f) != 0;
    if (bad)
        cli_error(NULL, "%s: write failed", path && f != stdout ? path : "standard output");
    return bad ? -1 : 0;
}

void json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p < 0x20)
            fprintf(f, "\\u%04x", *p);
        else
            fputc(*p, f);
    }
    fputc('"', f);
}

void json_number(FILE *f, double v)
{
    if (isfinite(v))
        fprintf(f, "%.9g", v);
    else
        fputs("null", f);
}

void csv_cell(FILE *f, const char *s)
{
    if (!strpbrk(s, ",\"\n\r")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}
