/* rnnlite evaluate: one-step-ahead errors of a model at every window of a CSV
 * file: the forecast from each prefix of the data (rl_forecast, horizon 1)
 * against the next value, summarised by the library's metrics. */
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
    {"json", 'j', NULL, "print JSON instead of CSV", 0},
    {"output", 'o', "FILE", "write to FILE instead of standard output", 0},
};

static const rl_metric metrics[] = {RL_METRIC_RMSE, RL_METRIC_MAE, RL_METRIC_MAPE, RL_METRIC_SMAPE,
                                    RL_METRIC_MASE};
enum { N_METRICS = sizeof metrics / sizeof metrics[0] };

static int run(const cli_command *cmd, cli_args *a)
{
    const char *path = arg_required(a, "model");
    if (!path)
        return EXIT_USAGE;
    rl_model *m = NULL;
    csv_table t = {0};
    rl_backtest *b = NULL;
    model_view v;
    int rc = EXIT_FAIL;
    if (load_model(cmd->name, path, &m) != 0)
        return EXIT_FAIL;
    if (read_data(a, &t) != 0 || model_view_init(cmd->name, m, &t, &v) != 0 ||
        run_backtest(cmd->name, &v, &t, v.first_origin, 1, 1, 1, &b) != 0)
        goto done;
    size_t windows = 0, horizon = 0;
    rl_backtest_shape(b, &windows, &horizon);
    double value[N_METRICS];
    for (size_t i = 0; i < N_METRICS; i++)
        if (rl_backtest_metric(b, RL_METHOD_MODEL, metrics[i], 0, &value[i]) != RL_OK)
            value[i] = NAN;   /* MAPE with a zero actual, MASE of a constant series */
    FILE *out = open_output(a);
    if (!out)
        goto done;
    if (arg_flag(a, "json")) {
        fprintf(out, "{\"windows\": %zu, \"target\": ", windows);
        json_string(out, t.names[v.target]);
        for (size_t i = 0; i < N_METRICS; i++) {
            fprintf(out, ", \"%s\": ", metrics[i] == RL_METRIC_SMAPE ? "smape"
                    : metrics[i] == RL_METRIC_RMSE ? "rmse" : metrics[i] == RL_METRIC_MAE ? "mae"
                    : metrics[i] == RL_METRIC_MAPE ? "mape" : "mase");
            json_number(out, value[i]);
        }
        fputs("}\n", out);
    } else {
        fprintf(out, "metric,value\nwindows,%zu\n", windows);
        for (size_t i = 0; i < N_METRICS; i++)
            if (isfinite(value[i]))
                fprintf(out, "%s,%.9g\n", rl_metric_name(metrics[i]), value[i]);
    }
    rc = close_output(a, out) == 0 ? EXIT_OK : EXIT_FAIL;
done:
    rl_backtest_destroy(b);
    csv_free(&t);
    rl_model_destroy(m);
    return rc;
}

const cli_command cmd_evaluate = {
    "evaluate", "One-step-ahead errors of a model at every window of a CSV file (RMSE, MAE, MAPE, "
    "sMAPE, MASE in the data's units).",
    "--model FILE.rlm --data FILE.csv [OPTION]...", options, sizeof options / sizeof options[0], run, 0,
};
