/* CSV reader for the example series (csv_series.h). */
#include "csv_series.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t count_fields(const char *line)
{
    size_t n = 1;
    for (; *line && *line != '\n'; line++)
        n += *line == ',';
    return n;
}

/* One field as a float: NaN for "" or "NA"; 0 return on garbage. */
static int parse_field(const char **p, float *v)
{
    const char *s = *p;
    const char *end = s + strcspn(s, ",\r\n");
    if (end == s || (end - s == 2 && strncmp(s, "NA", 2) == 0)) {
        *v = NAN;
    } else {
        char *stop = NULL;
        *v = strtof(s, &stop);
        if (stop != end)
            return 0;
    }
    *p = *end == ',' ? end + 1 : end;
    return 1;
}

int csv_series_load(const char *path, csv_series *out)
{
    memset(out, 0, sizeof *out);
    FILE *f = fopen(path, "r");
    if (!f) {
        perror(path);
        return -1;
    }
    char line[4096];
    size_t cap = 0, cols = 0, lineno = 0;
    int header_seen = 0, ok = 1;
    while (ok && fgets(line, sizeof line, f)) {
        lineno++;
        if (line[0] == '#' || line[0] == '\n' || line[0] == '\r')
            continue;
        if (!header_seen) {   /* the header names the columns */
            header_seen = 1;
            cols = count_fields(line) - 1;
            ok = cols >= 1;
            continue;
        }
        if (count_fields(line) != cols + 1) {
            fprintf(stderr, "%s:%zu: expected %zu fields\n", path, lineno, cols + 1);
            ok = 0;
            break;
        }
        if (out->n_points == cap) {
            cap = cap ? 2 * cap : 256;
            float *t = realloc(out->time, cap * sizeof(float));
            float *v = t ? realloc(out->values, cap * cols * sizeof(float)) : NULL;
            if (t)
                out->time = t;
            if (!t || !v) {
                ok = 0;
                break;
            }
            out->values = v;
        }
        const char *p = line;
        ok = parse_field(&p, &out->time[out->n_points]);
        for (size_t j = 0; ok && j < cols; j++)
            ok = parse_field(&p, &out->values[out->n_points * cols + j]);
        if (!ok)
            fprintf(stderr, "%s:%zu: not a number\n", path, lineno);
        out->n_points++;
    }
    fclose(f);
    out->n_columns = cols;
    if (!ok || out->n_points == 0) {
        csv_series_free(out);
        return -1;
    }
    return 0;
}

void csv_series_free(csv_series *s)
{
    free(s->time);
    free(s->values);
    memset(s, 0, sizeof *s);
}
