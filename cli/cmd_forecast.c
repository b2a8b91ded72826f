/* rnnlite forecast: the next rows of the model's target after the data
 * (rl_forecast), with the date column continued, an optional conformal
 * interval from a backtest of the model on the same data, and an SVG plot. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "common.h"
#include "dates.h"
#include "forecasting.h"
#include "svg_plot.h"

static const cli_option options[] = {
    {"model", 'm', "FILE", "model file (.rlm)", 0},
    {"data", 'd', "FILE", "CSV file with the history, oldest row first (- reads standard input)", 0},
    {"columns", 'c', "LIST", "input columns by name or 1-based position (default: all but --date)", 0},
    {"date", 0, "COLUMN", "text column continued in the output (dates, years, labels)", 0},
    {"horizon", 'H', "N", "rows to forecast (default 12)", 0},
    {"future", 0, "FILE", "CSV with the known future values of the other input columns", 0},
    {"interval", 0, "F", "add a conformal interval of coverage F (e.g. 0.9) from a backtest", 0},
    {"plot", 'p', "FILE", "write an SVG chart of the history, forecast and interval", 0},
    {"json", 'j', NULL, "print JSON instead of CSV", 0},
    {"output", 'o', "FILE", "write to FILE instead of standard output", 0},
};

typedef struct result {
    size_t horizon;
    float *value, *half;    /* [horizon]; half NULL without --interval */
    char **labels;          /* [horizon] */
} result;

static void result_free(result *r)
{
    for (size_t i = 0; r->labels && i < r->horizon; i++)
        free(r->labels[i]);
    free(r->labels);
    free(r->value);
    free(r->half);
}

/* Covariates for the forecast: the --future file, read with the same columns. */
static int read_future(const char *cmd, const cli_args *a, const model_view *v, size_t horizon,
                       csv_table *f)
{
    const char *path = arg_str(a, "future");
    if (!v->covariates)
        return 0;
    if (!path) {
        cli_error(cmd, "the model also reads columns it does not forecast: give their future "
                  "values with --future FILE.csv (%zu rows)", horizon);
        return -1;
    }
    csv_request req = {path, arg_str(a, "columns"), arg_str(a, "date"), NULL};
    char err[512];
    if (csv_read(&req, f, err, sizeof err) != 0) {
        fprintf(stderr, "rnnlite: %s\n", err);
        return -1;
    }
    if (f->n_cols != v->features || f->n_rows < horizon) {
        cli_error(cmd, "%s: %zu columns and %zu rows; the forecast needs %zu columns and %zu rows",
                  path, f->n_cols, f->n_rows, v->features, horizon);
        return -1;
    }
    /* The target column of the future rows is never read; NaN makes sure. */
    for (size_t r = 0; r < f->n_rows; r++)
        f->values[r * f->n_cols + v->target] = NAN;
    return 0;
}

static int interval(const char *cmd, const model_view *v, const csv_table *t, double coverage,
                    result *r)
{
    rl_backtest *b = NULL;
    if (run_backtest(cmd, v, t, t->n_rows / 2, 1, r->horizon, 1, &b) != 0)
        return -1;
    r->half = malloc(r->horizon * sizeof *r->half);
    rl_status s = r->half ? rl_backtest_interval(b, RL_METHOD_MODEL, coverage, 0, 0, r->half, r->horizon)
                          : RL_E_NOMEM;
    if (s != RL_OK)
        cli_error(cmd, "interval: %s (%s)", rl_status_string(s), rl_backtest_last_error(b));
    rl_backtest_destroy(b);
    return s == RL_OK ? 0 : -1;
}

static void write_csv(FILE *f, const csv_table *t, const model_view *v, const result *r)
{
    csv_cell(f, t->label_name ? t->label_name : "step");
    fputc(',', f);
    csv_cell(f, t->names[v->target]);
    fputs(r->half ? ",lower,upper\n" : "\n", f);
    for (size_t h = 0; h < r->horizon; h++) {
        csv_cell(f, r->labels[h]);
        fprintf(f, ",%.9g", (double)r->value[h]);
        if (r->half && isfinite(r->half[h]))
            fprintf(f, ",%.9g,%.9g", (double)(r->value[h] - r->half[h]),
                    (double)(r->value[h] + r->half[h]));
        else if (r->half)
            fputs(",,", f);
        fputc('\n', f);
    }
}

static void write_json(FILE *f, const csv_table *t, const model_view *v, const result *r,
                       double coverage)
{
    fputs("{\"target\": ", f);
    json_string(f, t->names[v->target]);
    fprintf(f, ", \"horizon\": %zu, \"coverage\": ", r->horizon);
    json_number(f, r->half ? coverage : NAN);
    fputs(", \"forecast\": [", f);
    for (size_t h = 0; h < r->horizon; h++) {
        fprintf(f, "%s{\"%s\": ", h ? ", " : "", t->label_name ? "label" : "step");
        if (t->label_name)
            json_string(f, r->labels[h]);
        else
            fprintf(f, "%zu", h + 1);
        fputs(", \"value\": ", f);
        json_number(f, r->value[h]);
        if (r->half) {
            fputs(", \"lower\": ", f);
            json_number(f, r->value[h] - r->half[h]);
            fputs(", \"upper\": ", f);
            json_number(f, r->value[h] + r->half[h]);
        }
        fputc('}', f);
    }
    fputs("]}\n", f);
}

/* History, then the forecast joined to the last observation, then the band. */
static int plot(const char *cmd, const char *path, const csv_table *t, const model_view *v,
                const result *r, double coverage)
{
    size_t n = t->n_rows, hz = r->horizon;
    float *x = malloc((n + 3 * (hz + 1)) * sizeof *x), *y = malloc((n + 3 * (hz + 1)) * sizeof *y);
    if (!x || !y) {
        free(x);
        free(y);
        cli_error(cmd, "out of memory");
        return -1;
    }
    float *fx = x + n, *fy = y + n, *lo = y + n + hz + 1, *hi = lo + hz + 1;
    for (size_t i = 0; i < n; i++) {
        x[i] = (float)i;
        y[i] = t->values[i * t->n_cols + v->target];
    }
    fx[0] = (float)(n - 1);
    fy[0] = lo[0] = hi[0] = y[n - 1];
    for (size_t h = 0; h < hz; h++) {
        fx[h + 1] = (float)(n + h);
        fy[h + 1] = r->value[h];
        float half = r->half && isfinite(r->half[h]) ? r->half[h] : 0;
        lo[h + 1] = r->value[h] - half;
        hi[h + 1] = r->value[h] + half;
    }
    char band[64], title[256], xlabel[128];
    snprintf(band, sizeof band, "%.0f%% interval", 100 * coverage);
    snprintf(title, sizeof title, "rnnlite forecast of %s, %zu steps", t->names[v->target], hz);
    snprintf(xlabel, sizeof xlabel, "row%s%s", t->label_name ? " (" : "",
             t->label_name ? (t->labels && n ? t->labels[0] : "") : "");
    if (t->label_name)
        strncat(xlabel, " = 0)", sizeof xlabel - strlen(xlabel) - 1);
    svg_series s[] = {
        {x, y, n, "history", "#333333", NULL, 1.5},
        {fx, fy, hz + 1, "forecast", "#D55E00", NULL, 2},
        {fx, lo, hz + 1, band, "#0072B2", "5 4", 1},
        {fx, hi, hz + 1, band, "#0072B2", "5 4", 1},
    };
    svg_chart chart = {title, xlabel, t->names[v->target], 900, 450};
    int rc = svg_line_chart(path, &chart, s, r->half ? 4 : 2);
    if (rc != 0)
        cli_error(cmd, "%s: cannot write the plot", path);
    free(x);
    free(y);
    return rc;
}

static int run(const cli_command *cmd, cli_args *a)
{
    const char *path = arg_required(a, "model");
    size_t horizon;
    double coverage = 0;
    if (!path || arg_size(a, "horizon", 12, 1, 1000000, &horizon) ||
        arg_double(a, "interval", 0.9, 1e-6, 1 - 1e-6, &coverage))
        return EXIT_USAGE;
    rl_model *m = NULL;
    csv_table t = {0}, fut = {0};
    model_view v;
    result r = {horizon, NULL, NULL, NULL};
    int rc = EXIT_FAIL;
    if (load_model(cmd->name, path, &m) != 0)
        return EXIT_FAIL;
    if (read_data(a, &t) != 0 || model_view_init(cmd->name, m, &t, &v) != 0 ||
        read_future(cmd->name, a, &v, horizon, &fut) != 0)
        goto done;
    if (t.n_rows < v.first_origin) {
        cli_error(cmd->name, "%zu rows of history; the model needs at least %zu", t.n_rows,
                  v.first_origin);
        goto done;
    }
    r.value = malloc(horizon * sizeof *r.value);
    r.labels = calloc(horizon, sizeof *r.labels);
    if (!r.value || !r.labels) {
        cli_error(cmd->name, "out of memory");
        goto done;
    }
    rl_status s = rl_forecast(m, t.values, t.n_rows, v.covariates ? fut.values : NULL,
                              v.covariates ? fut.n_rows : 0, horizon, r.value, horizon);
    if (s != RL_OK) {
        report_status(cmd->name, "forecast", s, m);
        goto done;
    }
    for (size_t h = 0; h < horizon; h++) {
        char label[64];
        if (fut.labels && h < fut.n_rows)
            snprintf(label, sizeof label, "%s", fut.labels[h]);
        else
            next_label(t.labels, t.n_rows, h + 1, label, sizeof label);
        if (!(r.labels[h] = strdup(label)))
            goto done;
    }
    if (arg_str(a, "interval") && interval(cmd->name, &v, &t, coverage, &r) != 0)
        goto done;
    if (arg_str(a, "plot") && plot(cmd->name, arg_str(a, "plot"), &t, &v, &r, coverage) != 0)
        goto done;
    FILE *out = open_output(a);
    if (!out)
        goto done;
    if (arg_flag(a, "json"))
        write_json(out, &t, &v, &r, coverage);
    else
        write_csv(out, &t, &v, &r);
    rc = close_output(a, out) == 0 ? EXIT_OK : EXIT_FAIL;
done:
    result_free(&r);
    csv_free(&fut);
    csv_free(&t);
    rl_model_destroy(m);
    return rc;
}

const cli_command cmd_forecast = {
    "forecast", "Forecast the next rows of the model's target after the data, with an optional "
    "interval and SVG plot.",
    "--model FILE.rlm --data FILE.csv [--horizon N] [OPTION]...", options,
    sizeof options / sizeof options[0], run, 0,
};
