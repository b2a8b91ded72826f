/* What several rnnlite commands share: reading the data they are given,
 * loading a model, scaling and windowing, and writing CSV or JSON. */
#ifndef RNNLITE_CLI_COMMON_H
#define RNNLITE_CLI_COMMON_H

#include <stdio.h>

#include <rnnlite/rnnlite.h>

#include "args.h"
#include "csv.h"

/* Reads --data with --columns, --date and --target; 0 or -1 (message printed). */
int read_data(const cli_args *a, csv_table *t);

/* rl_model_load with the library's message on failure; 0 or -1. */
int load_model(const char *cmd, const char *path, rl_model **m);

/* Reports a failed library call: "rnnlite: CMD: WHAT: STATUS (detail)". */
void report_status(const char *cmd, const char *what, rl_status s, const rl_model *m);

/* Checks that the table has the columns the model reads; 0 or -1. */
int check_columns(const char *cmd, const rl_model *m, const csv_table *t);

/* The table in model units: a copy transformed by the model's scaler (or
 * copied as is when it has none). *scaler gets the scaler (NULL if none);
 * free both. 0 or -1. */
int scaled_copy(const char *cmd, const rl_model *m, const csv_table *t, float **out,
                rl_scaler **scaler);

/* Windows of time_steps rows forecasting the next value of column `target`:
 * x [count][time_steps][n_cols], y [count]. 0 or -1 (too short). */
int make_windows(const char *cmd, const float *rows, size_t n_rows, size_t n_cols,
                 size_t time_steps, size_t target, float **x, float **y, size_t *count);

/* --output FILE (or standard output); NULL after a message. close_output()
 * reports a failed write and returns -1. */
FILE *open_output(const cli_args *a);
int close_output(const cli_args *a, FILE *f);

void json_string(FILE *f, const char *s);
void json_number(FILE *f, double v);   /* null for NaN and infinities */
void csv_cell(FILE *f, const char *s); /* quoted when needed */

#endif
