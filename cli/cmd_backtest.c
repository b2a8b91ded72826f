/* rnnlite backtest: rolling-origin evaluation of a model against the naive
 * baselines (the library's rl_backtest_run): at origins initial, initial +
 * step, ... every method forecasts the next `horizon` rows from the rows
 * before the origin. The model is used as loaded (not retrained per origin). */
#include <math.h>
#include <stdlib.h>

#include "commands.h"
#include "common.h"
#include "forecasting.h"

static const cli_option options[] = {
    {"model", 'm', "FILE", "model file (.rlm)", 0},
    {"data", 'd', "FILE", "CSV file with a header row (- reads standard input)", 0},
    {"columns", 'c', "LIST", "input columns by name or 1-based position (default: all but --date)", 0},
    {"date", 0, "COLUMN", "text column left out of the inputs (dates, labels)", 0},
    {"horizon", 'H', "N", "rows forecast at each origin (default 12)", 0},
    {"initial", 0, "N", "rows before the first origin (default: half the rows)", 0},
    {"step", 0, "N", "rows between origins (default 1)", 0},
    {"season", 0, "N", "season length of the seasonal-naive baseline and MASE (default 1)", 0},
    {"coverage", 0, "F", "coverage of the conformal interval, 0 to 1 (default 0.9)", 0},
    {"json", 'j', NULL, "print JSON instead of CSV", 0},
    {"output", 'o', "FILE", "write to FILE instead of standard output", 0},
};

static const rl_metric metrics[] = {RL_METRIC_RMSE, RL_METRIC_MAE, RL_METRIC_MAPE, RL_METRIC_SMAPE,
                                    RL_METRIC_MASE};
enum { N_METRICS = sizeof metrics / sizeof metrics[0] };

static void metric_values(const rl_backtest *b, rl_method method, size_t step, double *v)
{
    for (size_t i = 0; i < N_METRICS; i++)
        if (rl_backtest_metric(b, method, metrics[i], step, &v[i]) != RL_OK)
            v[i] = NAN;
}

static void csv_row(FILE *f, rl_method method, size_t step, const double *v, double half_width)
{
    fprintf(f, "%s,", rl_method_name(method));
    if (step)
        fprintf(f, "%zu", step);
    else
        fputs("all", f);
    for (size_t i = 0; i < N_METRICS; i++)
        fprintf(f, isfinite(v[i]) ? ",%.9g" : ",", v[i]);
    fprintf(f, isfinite(half_width) ? ",%.9g\n" : ",\n", half_width);
}

static void json_metrics(FILE *f, const double *v)
{
    fputc('{', f);
    for (size_t i = 0; i < N_METRICS; i++) {
        fprintf(f, "%s\"%s\": ", i ? ", " : "", rl_metric_name(metrics[i]));
        json_number(f, v[i]);
    }
    fputc('}', f);
}

static int report(FILE *f, int json, const rl_backtest *b, double coverage, const char *target)
{
    size_t origins = 0, horizon = 0;
    rl_backtest_shape(b, &origins, &horizon);
    float *half = malloc(horizon * sizeof *half);
    if (!half)
        return -1;
    if (rl_backtest_interval(b, RL_METHOD_MODEL, coverage, 0, 0, half, horizon) != RL_OK)
        for (size_t h = 0; h < horizon; h++)
            half[h] = NAN;
    double held_out = NAN;
    if (origins >= 2 && rl_backtest_coverage(b, RL_METHOD_MODEL, coverage, origins / 2, &held_out) != RL_OK)
        held_out = NAN;
    double v[N_METRICS];
    if (!json) {
        fputs("method,step", f);
        for (size_t i = 0; i < N_METRICS; i++)
            fprintf(f, ",%s", rl_metric_name(metrics[i]));
        fputs(",half_width\n", f);
        for (int m = 0; m < RL_METHOD_COUNT; m++) {
            metric_values(b, (rl_method)m, 0, v);
            csv_row(f, (rl_method)m, 0, v, NAN);
        }
        for (size_t h = 1; h <= horizon; h++) {
            metric_values(b, RL_METHOD_MODEL, h, v);
            csv_row(f, RL_METHOD_MODEL, h, v, half[h - 1]);
        }
    } else {
        fprintf(f, "{\"target\": ");
        json_string(f, target);
        fprintf(f, ", \"origins\": %zu, \"horizon\": %zu, \"methods\": {", origins, horizon);
        for (int m = 0; m < RL_METHOD_COUNT; m++) {
            metric_values(b, (rl_method)m, 0, v);
            fprintf(f, "%s\"%s\": ", m ? ", " : "", rl_method_name((rl_method)m));
            json_metrics(f, v);
        }
        fputs("}, \"model_by_step\": [", f);
        for (size_t h = 1; h <= horizon; h++) {
            metric_values(b, RL_METHOD_MODEL, h, v);
            fputs(h > 1 ? ", " : "", f);
            json_metrics(f, v);
        }
        fprintf(f, "], \"interval\": {\"coverage\": %g, \"half_width\": [", coverage);
        for (size_t h = 0; h < horizon; h++) {
            fputs(h ? ", " : "", f);
            json_number(f, half[h]);
        }
        fputs("], \"held_out_coverage\": ", f);
        json_number(f, held_out);
        fputs("}}\n", f);
    }
    free(half);
    return 0;
}

static int run(const cli_command *cmd, cli_args *a)
{
    const char *path = arg_required(a, "model");
    size_t horizon, initial, step, season;
    double coverage;
    if (!path || arg_size(a, "horizon", 12, 1, 100000, &horizon) ||
        arg_size(a, "initial", 0, 2, (size_t)-1 / 2, &initial) ||
        arg_size(a, "step", 1, 1, 100000, &step) || arg_size(a, "season", 1, 1, 100000, &season) ||
        arg_double(a, "coverage", 0.9, 1e-6, 1 - 1e-6, &coverage))
        return EXIT_USAGE;
    rl_model *m = NULL;
    csv_table t = {0};
    rl_backtest *b = NULL;
    model_view v;
    int rc = EXIT_FAIL;
    if (load_model(cmd->name, path, &m) != 0)
        return EXIT_FAIL;
    if (read_data(a, &t) != 0 || model_view_init(cmd->name, m, &t, &v) != 0)
        goto done;
    if (!arg_str(a, "initial"))
        initial = t.n_rows / 2;
    if (run_backtest(cmd->name, &v, &t, initial, step, horizon, season, &b) != 0)
        goto done;
    FILE *out = open_output(a);
    if (!out)
        goto done;
    if (report(out, arg_flag(a, "json"), b, coverage, t.names[v.target]) != 0)
        cli_error(cmd->name, "out of memory");
    rc = close_output(a, out) == 0 ? EXIT_OK : EXIT_FAIL;
done:
    rl_backtest_destroy(b);
    csv_free(&t);
    rl_model_destroy(m);
    return rc;
}

const cli_command cmd_backtest = {
    "backtest", "Rolling-origin backtest of a model against the naive baselines (last value, "
    "seasonal naive, drift), with a conformal interval.",
    "--model FILE.rlm --data FILE.csv [--horizon N] [OPTION]...", options,
    sizeof options / sizeof options[0], run, 0,
};
