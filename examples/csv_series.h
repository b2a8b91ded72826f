/* Reads the example series of examples/data/: CSV with an optional '#'
 * comment line, a header line, then `time,value[,value...]` rows. An empty
 * or "NA" field is a gap (NaN). Not part of rnnlite. */
#ifndef CSV_SERIES_H
#define CSV_SERIES_H

#include <stddef.h>

typedef struct csv_series {
    float *time;       /* [n_points] first column */
    float *values;     /* [n_points][n_columns] the other columns, row-major */
    size_t n_points, n_columns;
} csv_series;

/* 0 on success (free with csv_series_free), -1 when the file cannot be
 * read or a row is malformed (a message goes to stderr). */
int csv_series_load(const char *path, csv_series *out);
void csv_series_free(csv_series *s);

#endif
