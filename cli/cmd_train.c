/* rnnlite train: fit a model on columns of a CSV file and save the best epoch. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "common.h"
#include "progress.h"

static const cli_option options[] = {
    {"data", 'd', "FILE", "CSV file with a header row (- reads standard input)", 0},
    {"columns", 'c', "LIST", "input columns by name or 1-based position (default: all but --date)", 0},
    {"target", 't', "COLUMN", "column to forecast, one of --columns (default: the first)", 0},
    {"date", 0, "COLUMN", "text column left out of the inputs (dates, labels)", 0},
    {"model", 'm', "FILE", "where to save the trained model (.rlm)", 0},
    {"steps", 's', "N", "window length: past rows the model reads (default 10)", 0},
    {"layer", 'l', "SPEC", "hidden layer KIND:UNITS[:ACT[:RECURRENT_ACT]], repeatable (default lstm:32)", 1},
    {"epochs", 'e', "N", "training epochs (default 20)", 0},
    {"batch", 'b', "N", "batch size (default 32)", 0},
    {"optimizer", 0, "NAME", "adam, sgd or rmsprop (default adam)", 0},
    {"loss", 0, "NAME", "mse, mae or huber (default mse)", 0},
    {"learning-rate", 0, "X", "step size (default: the optimiser's)", 0},
    {"seed", 0, "N", "seed of initial weights and shuffling (default 42)", 0},
    {"validation-split", 0, "F", "fraction of windows held out from the end (default 0.1)", 0},
    {"patience", 0, "N", "stop after N epochs without improvement (default 0: off)", 0},
    {"scaler", 0, "NAME", "minmax, standard or none (default minmax)", 0},
    {"transform", 0, "LIST", "pipeline instead of --scaler, e.g. log,diff:12,standard", 0},
    {"threads", 0, "N", "worker threads (default 1)", 0},
    {"json", 'j', NULL, "print the summary as JSON (progress then goes to standard error)", 0},
    {"quiet", 'q', NULL, "print nothing but errors (and the --json summary)", 0},
};

typedef struct training {
    rl_model *model;
    progress prog;
    double best;            /* monitored loss of the best epoch */
    size_t best_epoch;
    void *best_buf;         /* the model saved at its best epoch (rl_free) */
    size_t best_size;
    rl_status save_status;  /* of the last snapshot */
    int monitor_val;        /* monitor val_loss (a validation split exists) */
} training;

/* After each epoch: snapshot the model when it improved, draw progress, and
 * stop cleanly once Ctrl-C was pressed. */
static int on_epoch(size_t epoch, float loss, float val_loss, void *user)
{
    training *t = user;
    double monitored = t->monitor_val ? val_loss : loss;
    int improved = isfinite(monitored) && monitored < t->best;
    if (improved) {
        void *buf = NULL;
        size_t size = 0;
        t->save_status = rl_model_save_buffer(t->model, &buf, &size);
        if (t->save_status == RL_OK) {
            rl_free(t->best_buf);
            t->best_buf = buf;
            t->best_size = size;
            t->best = monitored;
            t->best_epoch = epoch;
        }
    }
    progress_epoch(&t->prog, epoch, loss, val_loss, improved);
    return interrupt_requested();
}

static int parse_choice(const char *cmd, const char *opt, const char *value, const char *const *names,
                        size_t n, int dflt)
{
    if (!value)
        return dflt;
    for (size_t i = 0; i < n; i++)
        if (strcmp(value, names[i]) == 0)
            return (int)i;
    cli_error(cmd, "--%s '%s': unknown name", opt, value);
    return -1;
}

static const char *const activation_names[] = {"linear", "relu", "tanh", "sigmoid",
                                                "hard_sigmoid"};

/* KIND:UNITS[:ACT[:RECURRENT_ACT]] -> one layer added to m. */
static int add_layer(rl_model *m, const char *spec, int return_sequences)
{
    char kind[24] = "", act[16] = "", ract[16] = "";
    unsigned long units = 0;
    char extra;
    int n = sscanf(spec, "%23[a-z_]:%lu:%15[a-z_]:%15[a-z_]%c", kind, &units, act, ract, &extra);
    if (n < 2 || n > 4 || units == 0) {
        cli_error("train", "--layer '%s': expected KIND:UNITS[:ACTIVATION[:RECURRENT_ACTIVATION]], "
                  "e.g. lstm:32 or dense:8:relu", spec);
        return -1;
    }
    int a = parse_choice("train", "layer activation", n >= 3 ? act : NULL, activation_names, 5, -2);
    int r = parse_choice("train", "layer recurrent activation", n >= 4 ? ract : NULL,
                         activation_names, 5, RL_ACT_SIGMOID);
    if (a == -1 || r == -1)
        return -1;
    rl_status s;
    if (strcmp(kind, "lstm") == 0)
        s = rl_model_add_lstm(m, units, a < 0 ? RL_ACT_TANH : (rl_activation)a, (rl_activation)r,
                              return_sequences);
    else if (strcmp(kind, "gru") == 0)
        s = rl_model_add_gru(m, units, a < 0 ? RL_ACT_TANH : (rl_activation)a, (rl_activation)r,
                             return_sequences);
    else if (strcmp(kind, "gru_reset_before") == 0)
        s = rl_model_add_gru_reset_before(m, units, a < 0 ? RL_ACT_TANH : (rl_activation)a,
                                          (rl_activation)r, return_sequences);
    else if (strcmp(kind, "rnn") == 0 || strcmp(kind, "simple_rnn") == 0)
        s = n >= 4 ? RL_E_INVALID
                   : rl_model_add_simple_rnn(m, units, a < 0 ? RL_ACT_TANH : (rl_activation)a,
                                             return_sequences);
    else if (strcmp(kind, "dense") == 0)
        s = n >= 4 ? RL_E_INVALID : rl_model_add_dense(m, units, a < 0 ? RL_ACT_LINEAR : (rl_activation)a);
    else {
        cli_error("train", "--layer '%s': unknown kind '%s' (lstm, gru, gru_reset_before, rnn or dense)", spec, kind);
        return -1;
    }
    if (s != RL_OK) {
        report_status("train", spec, s, m);
        return -1;
    }
    return 0;
}

static int is_recurrent(const char *spec)
{
    return strncmp(spec, "dense", 5) != 0;
}

/* Hidden layers from --layer (recurrent ones return sequences while another
 * recurrent layer follows), then the Dense(1) output. */
static int build_layers(const cli_args *a, rl_model *m)
{
    const char *dflt = "lstm:32";
    size_t n = 0, last_recurrent = 0;
    for (const char *s; (s = arg_nth(a, "layer", n)); n++)
        if (is_recurrent(s))
            last_recurrent = n + 1;
    if (n == 0 && add_layer(m, dflt, 0) != 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (add_layer(m, arg_nth(a, "layer", i), i + 1 < last_recurrent) != 0)
            return -1;
    rl_status s = rl_model_add_dense(m, 1, RL_ACT_LINEAR);
    if (s != RL_OK) {
        report_status("train", "output layer", s, m);
        return -1;
    }
    return 0;
}

static int set_param(rl_model *m, rl_param p, double v)
{
    rl_status s = rl_model_set_param(m, p, v);
    if (s != RL_OK)
        report_status("train", rl_param_name(p), s, m);
    return s == RL_OK ? 0 : -1;
}

/* Scaler chosen by --scaler, fitted on every row of the chosen columns. */
static int fit_scaler(const char *kind, const csv_table *t, rl_scaler **out)
{
    static const char *const names[] = {"none", "minmax", "standard"};
    int k = parse_choice("train", "scaler", kind, names, 3, 1);
    *out = NULL;
    if (k <= 0)
        return k;
    rl_status s = k == 1 ? rl_scaler_create_minmax(out, 0, 1) : rl_scaler_create_standard(out);
    if (s == RL_OK)
        s = rl_scaler_fit(*out, t->values, t->n_rows, t->n_cols);
    if (s != RL_OK) {
        report_status("train", "fitting the scaler", s, NULL);
        rl_scaler_destroy(*out);
        *out = NULL;
        return -1;
    }
    return 0;
}

/* --transform log,log1p,diff[:LAG],minmax,standard: the steps in order, every
 * column; fitted on all rows. */
static int fit_transform(const char *list, const csv_table *t, rl_transform **out)
{
    rl_transform *tr = NULL;
    rl_status s = rl_transform_create(&tr);
    char *copy = strdup(list);
    if (s != RL_OK || !copy) {
        cli_error("train", "out of memory");
        free(copy);
        rl_transform_destroy(tr);
        return -1;
    }
    int rc = 0;
    for (char *save = NULL, *step = strtok_r(copy, ",", &save); step && rc == 0;
         step = strtok_r(NULL, ",", &save)) {
        unsigned long lag = 1;
        char extra;
        if (strcmp(step, "log") == 0)
            s = rl_transform_add_log(tr, RL_ALL_COLUMNS);
        else if (strcmp(step, "log1p") == 0)
            s = rl_transform_add_log1p(tr, RL_ALL_COLUMNS);
        else if (strcmp(step, "minmax") == 0)
            s = rl_transform_add_minmax(tr, 0, 1);
        else if (strcmp(step, "standard") == 0)
            s = rl_transform_add_standard(tr);
        else if (strcmp(step, "diff") == 0 || sscanf(step, "diff:%lu%c", &lag, &extra) == 1)
            s = rl_transform_add_diff(tr, RL_ALL_COLUMNS, lag);
        else {
            cli_error("train", "--transform: unknown step '%s' (log, log1p, diff[:LAG], minmax, "
                      "standard)", step);
            rc = -1;
            break;
        }
        if (s != RL_OK) {
            cli_error("train", "--transform %s: %s (%s)", step, rl_status_string(s),
                      rl_transform_last_error(tr));
            rc = -1;
        }
    }
    free(copy);
    if (rc == 0 && (s = rl_transform_fit(tr, t->values, t->n_rows, t->n_cols)) != RL_OK) {
        cli_error("train", "fitting --transform %s: %s (%s)", list, rl_status_string(s),
                  rl_transform_last_error(tr));
        rc = -1;
    }
    if (rc != 0) {
        rl_transform_destroy(tr);
        tr = NULL;
    }
    *out = tr;
    return rc;
}

typedef struct train_settings {
    size_t steps, epochs, batch, seed, patience, threads;
    double lr, split;
    int optimizer, loss, has_lr;
} train_settings;

static int read_settings(const cli_args *a, train_settings *s)
{
    static const char *const opts[] = {"sgd", "adam", "rmsprop"};
    static const char *const losses[] = {"mse", "mae", "huber"};
    s->has_lr = arg_str(a, "learning-rate") != NULL;
    if (arg_size(a, "steps", 10, 1, 100000, &s->steps) || arg_size(a, "epochs", 20, 1, 1000000, &s->epochs) ||
        arg_size(a, "batch", 32, 1, 1 << 20, &s->batch) || arg_size(a, "seed", 42, 0, 0xffffffffu, &s->seed) ||
        arg_size(a, "patience", 0, 0, 1000000, &s->patience) ||
        arg_size(a, "threads", 1, 1, 64, &s->threads) ||
        arg_double(a, "learning-rate", 0.001, 1e-12, 1e6, &s->lr) ||
        arg_double(a, "validation-split", 0.1, 0, 0.9, &s->split))
        return -1;
    s->optimizer = parse_choice("train", "optimizer", arg_str(a, "optimizer"), opts, 3, RL_OPT_ADAM);
    s->loss = parse_choice("train", "loss", arg_str(a, "loss"), losses, 3, RL_LOSS_MSE);
    return s->optimizer < 0 || s->loss < 0 ? -1 : 0;
}

static void print_summary(FILE *f, int json, const char *path, const training *t, size_t params,
                          const rl_model *m, int interrupted)
{
    float loss[4096], val[4096];
    size_t n = 0;
    rl_model_history(m, loss, val, 4096, &n);
    size_t shown = n < 4096 ? n : 4096;
    if (!json) {
        fprintf(f, "saved %s: best epoch %zu of %zu (%s %.6g), %zu parameters%s\n", path,
                t->best_epoch, n, t->monitor_val ? "val_loss" : "loss", t->best, params,
                interrupted ? "; interrupted" : "");
        return;
    }
    fputs("{\"model\": ", f);
    json_string(f, path);
    fprintf(f, ", \"parameters\": %zu, \"epochs_run\": %zu, \"best_epoch\": %zu, \"monitor\": \"%s\", "
            "\"best\": ", params, n, t->best_epoch, t->monitor_val ? "val_loss" : "loss");
    json_number(f, t->best);
    fprintf(f, ", \"interrupted\": %s, \"history\": [", interrupted ? "true" : "false");
    for (size_t i = 0; i < shown; i++) {
        fprintf(f, "%s{\"epoch\": %zu, \"loss\": ", i ? ", " : "", i + 1);
        json_number(f, loss[i]);
        fputs(", \"val_loss\": ", f);
        json_number(f, val[i]);
        fputc('}', f);
    }
    fputs("]}\n", f);
}

static size_t parameter_count(const rl_model *m)
{
    size_t layers = 0, total = 0;
    rl_model_layer_count(m, &layers);
    for (size_t i = 0; i < layers; i++) {
        size_t c = 0;
        rl_model_weight_count(m, i, &c);
        total += c;
    }
    return total;
}

/* Saves the best snapshot through a loaded copy: rl_model_save writes
 * atomically, so an existing file is replaced whole or not at all. */
static int save_best(const training *t, const char *path)
{
    rl_model *best = NULL;
    rl_status s = rl_model_load_buffer(&best, t->best_buf, t->best_size);
    if (s == RL_OK)
        s = rl_model_save(best, path);
    if (s != RL_OK)
        report_status("train", path, s, best);
    rl_model_destroy(best);
    return s == RL_OK ? 0 : -1;
}

static int run(const cli_command *cmd, cli_args *a)
{
    train_settings set;
    const char *path = arg_required(a, "model");
    if (!path || read_settings(a, &set) != 0)
        return EXIT_USAGE;
    int json = arg_flag(a, "json");

    csv_table table;
    if (read_data(a, &table) != 0)
        return EXIT_FAIL;
    int rc = EXIT_FAIL;
    rl_scaler *scaler = NULL;
    rl_transform *transform = NULL;
    float *rows = NULL, *x = NULL, *y = NULL;
    training t = {.best = INFINITY, .save_status = RL_OK, .monitor_val = set.split > 0};
    size_t count;
    /* Model units: the rows through --transform or the scaler. */
    size_t n_rows = table.n_rows, cells = table.n_rows * table.n_cols;
    if (arg_str(a, "transform") && arg_str(a, "scaler")) {
        cli_error(cmd->name, "--transform and --scaler exclude each other (add minmax or standard "
                  "to the pipeline)");
        rc = EXIT_USAGE;
        goto done;
    }
    if (arg_str(a, "transform") ? fit_transform(arg_str(a, "transform"), &table, &transform)
                                : fit_scaler(arg_str(a, "scaler"), &table, &scaler))
        goto done;
    rows = malloc(cells * sizeof *rows);
    if (!rows) {
        cli_error(cmd->name, "out of memory");
        goto done;
    }
    if (transform) {
        size_t lost = 0;
        rl_transform_lost_rows(transform, &lost);
        n_rows -= lost;
        rl_status ts = rl_transform_apply(transform, table.values, table.n_rows, table.n_cols, rows, cells);
        if (ts != RL_OK) {
            cli_error(cmd->name, "--transform: %s (%s)", rl_status_string(ts),
                      rl_transform_last_error(transform));
            goto done;
        }
    } else if (scaler) {
        rl_scaler_transform(scaler, table.values, rows, table.n_rows, table.n_cols);
    } else {
        memcpy(rows, table.values, cells * sizeof *rows);
    }
    if (make_windows(cmd->name, rows, n_rows, table.n_cols, set.steps, table.target, &x, &y,
                     &count) != 0)
        goto done;

    rl_status s = rl_model_create(&t.model, set.steps, table.n_cols);
    if (s != RL_OK) {
        report_status(cmd->name, "creating the model", s, NULL);
        goto done;
    }
    if (build_layers(a, t.model) != 0 || set_param(t.model, RL_PARAM_SEED, (double)set.seed) ||
        set_param(t.model, RL_PARAM_VALIDATION_SPLIT, set.split) ||
        set_param(t.model, RL_PARAM_PATIENCE, (double)set.patience) ||
        set_param(t.model, RL_PARAM_THREADS, (double)set.threads) ||
        (set.has_lr && set_param(t.model, RL_PARAM_LEARNING_RATE, set.lr)))
        goto done;
    if ((s = rl_model_set_targets(t.model, &table.target, 1)) != RL_OK ||
        (s = rl_model_compile(t.model, (rl_optimizer)set.optimizer, (rl_loss)set.loss)) != RL_OK ||
        (scaler && (s = rl_model_set_scaler(t.model, scaler)) != RL_OK) ||
        (transform && (s = rl_model_set_transform(t.model, transform)) != RL_OK)) {
        report_status(cmd->name, "compiling the model", s, t.model);
        goto done;
    }
    rl_model_set_epoch_callback(t.model, on_epoch, &t);
    progress_start(&t.prog, json ? stderr : stdout, set.epochs, arg_flag(a, "quiet"));
    interrupt_install();
    s = rl_fit(t.model, x, y, count, set.epochs, set.batch);
    progress_finish(&t.prog);
    if (s != RL_OK)
        report_status(cmd->name, "training", s, t.model);
    if (t.save_status != RL_OK)
        report_status(cmd->name, "keeping the best epoch", t.save_status, t.model);
    if (!t.best_buf) {
        cli_error(cmd->name, "no epoch finished with a finite loss; nothing saved");
        goto done;
    }
    /* A failed fit still saves the best finite epoch, but exits non-zero. */
    if (save_best(&t, path) != 0 || s != RL_OK)
        goto done;
    if (json || !arg_flag(a, "quiet"))
        print_summary(stdout, json, path, &t, parameter_count(t.model), t.model, interrupt_requested());
    rc = interrupt_requested() ? EXIT_INTERRUPTED : EXIT_OK;
done:
    rl_free(t.best_buf);
    rl_model_destroy(t.model);
    rl_scaler_destroy(scaler);
    rl_transform_destroy(transform);
    free(rows);
    free(x);
    free(y);
    csv_free(&table);
    return rc;
}

const cli_command cmd_train = {
    "train", "Train a model to forecast the next value of a column, and save its best epoch.",
    "--data FILE.csv --model OUT.rlm [OPTION]...", options, sizeof options / sizeof options[0], run, 0,
};
