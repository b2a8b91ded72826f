/* Reading a numeric table from a CSV file for the rnnlite tool: a header row,
 * comma-separated cells (RFC 4180 quoting), chosen columns converted to
 * float, one optional column kept as text (dates). Every error names the
 * file, the line and the column. */
#ifndef RNNLITE_CLI_CSV_H
#define RNNLITE_CLI_CSV_H

#include <stddef.h>

typedef struct csv_table {
    size_t n_rows;          /* data rows (the header is not counted) */
    size_t n_cols;          /* chosen numeric columns */
    float *values;          /* [n_rows][n_cols] */
    char **names;           /* header names of the chosen columns */
    char **labels;          /* [n_rows] text of the label (date) column, or NULL */
    char *label_name;       /* header name of the label column, or NULL */
    size_t *lines;          /* [n_rows] line number of each row in the file */
    size_t target;          /* position of the requested target among the chosen columns */
} csv_table;

/* How to pick columns: `columns` is a comma-separated list of header names
 * or 1-based positions ("2,temp"); NULL takes every column except the label
 * column. `label` names the text column kept for output (NULL: none). */
typedef struct csv_request {
    const char *path;       /* "-" reads standard input */
    const char *columns;
    const char *label;
    const char *target;     /* one of the chosen columns (name or 1-based file position);
                               NULL: the first chosen column */
} csv_request;

/* Returns 0 and fills *out, or -1 with a message "FILE:LINE: ..." in err. */
int csv_read(const csv_request *req, csv_table *out, char *err, size_t err_len);

void csv_free(csv_table *t);

#endif
