/* rnnlite evaluate: one-step-ahead errors of a model on every window of a CSV file. */
#include <math.h>
#include <stdlib.h>

#include "commands.h"
#include "common.h"

static const cli_option options[] = {
    {"model", 'm', "FILE", "model file (.rlm)", 0},
    {"data", 'd', "FILE", "CSV file with a header row (- reads standard input)", 0},
    {"columns", 'c', "LIST", "input columns by name or 1-based position (default: all but --date)", 0},
    {"target", 't', "COLUMN", "column the model forecasts, one of --columns (default: the first)", 0},
    {"date", 0, "COLUMN", "text column left out of the inputs (dates, labels)", 0},
    {"json", 'j', NULL, "print JSON instead of CSV", 0},
    {"output", 'o', "FILE", "write to FILE instead of standard output", 0},
};

static int run(const cli_command *cmd, cli_args *a)
{
    const char *path = arg_required(a, "model");
    if (!path)
        return EXIT_USAGE;
    rl_model *m = NULL;
    csv_table t = {0};
    if (load_model(cmd->name, path, &m) != 0)
        return EXIT_FAIL;
    int rc = EXIT_FAIL;
    float *rows = NULL, *x = NULL, *y = NULL, *pred = NULL;
    rl_scaler *scaler = NULL;
    size_t steps, features, count, out_steps, out_units;
    rl_model_input_shape(m, &steps, &features);
    rl_model_output_shape(m, &out_steps, &out_units);
    if (out_steps != 1 || out_units != 1) {
        cli_error(cmd->name, "%s forecasts %zu x %zu values per window; evaluate takes models with "
                  "one output", path, out_steps, out_units);
        goto done;
    }
    if (read_data(a, &t) != 0 || check_columns(cmd->name, m, &t) != 0 ||
        scaled_copy(cmd->name, m, &t, &rows, &scaler) != 0 ||
        make_windows(cmd->name, rows, t.n_rows, t.n_cols, steps, t.target, &x, &y, &count) != 0)
        goto done;
    float loss = 0;
    rl_status s = rl_evaluate(m, x, y, count, &loss);
    pred = malloc(count * sizeof *pred);
    if (s == RL_OK)
        s = pred ? rl_predict(m, x, count, pred, count) : RL_E_NOMEM;
    if (s == RL_OK && scaler)
        s = rl_scaler_inverse_transform_column(scaler, t.target, pred, pred, count);
    if (s != RL_OK) {
        report_status(cmd->name, "evaluating", s, m);
        goto done;
    }
    /* Errors in the data's own units against the raw target values. */
    double abs_sum = 0, sq_sum = 0, pct_sum = 0;
    size_t pct_n = 0;
    for (size_t i = 0; i < count; i++) {
        double actual = t.values[(i + steps) * t.n_cols + t.target];
        double e = (double)pred[i] - actual;
        abs_sum += fabs(e);
        sq_sum += e * e;
        if (actual != 0) {
            pct_sum += fabs(e / actual);
            pct_n++;
        }
    }
    double mae = abs_sum / (double)count, rmse = sqrt(sq_sum / (double)count);
    double mape = pct_n == count ? 100 * pct_sum / (double)count : NAN;
    FILE *out = open_output(a);
    if (!out)
        goto done;
    if (arg_flag(a, "json")) {
        fprintf(out, "{\"windows\": %zu, \"target\": ", count);
        json_string(out, t.names[t.target]);
        fputs(", \"loss\": ", out);
        json_number(out, loss);
        fputs(", \"mae\": ", out);
        json_number(out, mae);
        fputs(", \"rmse\": ", out);
        json_number(out, rmse);
        fputs(", \"mape\": ", out);
        json_number(out, mape);
        fputs("}\n", out);
    } else {
        fprintf(out, "metric,value\nwindows,%zu\nloss,%.9g\nmae,%.9g\nrmse,%.9g\n", count,
                (double)loss, mae, rmse);
        if (isfinite(mape))
            fprintf(out, "mape,%.9g\n", mape);
    }
    rc = close_output(a, out) == 0 ? EXIT_OK : EXIT_FAIL;
done:
    free(rows);
    free(x);
    free(y);
    free(pred);
    rl_scaler_destroy(scaler);
    csv_free(&t);
    rl_model_destroy(m);
    return rc;
}

const cli_command cmd_evaluate = {
    "evaluate", "One-step-ahead errors of a model on every window of a CSV file: the model's loss "
    "(model units), MAE, RMSE and MAPE (data units).",
    "--model FILE.rlm --data FILE.csv [OPTION]...", options, sizeof options / sizeof options[0], run, 0,
};
