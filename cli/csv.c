#include "csv.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Whole-file read: tables for this tool are small, and one buffer lets the
 * parser unquote cells in place. */
static char *slurp(const char *path, size_t *len, char *err, size_t err_len)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f) {
        snprintf(err, err_len, "%s: %s", path, strerror(errno));
        return NULL;
    }
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap + 1);
    while (buf) {
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap)
            break;
        /* Up to 1 TiB, and never past what a 32-bit size_t can double. */
        const size_t max_cap = SIZE_MAX / 4 < 0x10000000000u ? SIZE_MAX / 4 : (size_t)0x10000000000u;
        char *bigger = cap < max_cap ? realloc(buf, cap * 2 + 1) : NULL;
        if (!bigger) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = bigger;
        cap *= 2;
    }
    int failed = ferror(f);
    if (f != stdin)
        fclose(f);
    if (!buf || failed) {
        snprintf(err, err_len, "%s: %s", path, buf ? "read error" : "out of memory");
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* One record of cells, pointing into the (modified) buffer. */
typedef struct record {
    char **cells;
    size_t n, cap;
    size_t line;            /* line where the record starts */
} record;

static int push_cell(record *r, char *cell)
{
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 16;
        char **bigger = realloc(r->cells, cap * sizeof *bigger);
        if (!bigger)
            return -1;
        r->cells = bigger;
        r->cap = cap;
    }
    r->cells[r->n++] = cell;
    return 0;
}

typedef struct cursor {
    char *p, *end;
    size_t line;            /* current line, from 1 */
    const char *path;
} cursor;

static void fail(char *err, size_t err_len, const char *path, size_t line, const char *fmt, ...)
{
    int k = snprintf(err, err_len, "%s:%zu: ", path, line);
    if (k < 0 || (size_t)k >= err_len)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err + k, err_len - (size_t)k, fmt, ap);
    va_end(ap);
}

/* Reads the next record; returns 1 with a record, 0 at end of input, -1 on
 * error. Blank lines are skipped. Cells are NUL-terminated in place. */
static int next_record(cursor *c, record *r, char *err, size_t err_len)
{
    while (c->p < c->end && (*c->p == '\n' || *c->p == '\r')) {
        if (*c->p == '\n')
            c->line++;
        c->p++;
    }
    if (c->p >= c->end)
        return 0;
    r->n = 0;
    r->line = c->line;
    for (;;) {
        char *out = c->p, *start = c->p;
        if (*c->p == '"') {
            size_t open_line = c->line;
            c->p++;
            for (;;) {
                if (c->p >= c->end) {
                    fail(err, err_len, c->path, open_line, "quoted cell never closed");
                    return -1;
                }
                if (*c->p == '"') {
                    if (c->p + 1 < c->end && c->p[1] == '"') {
                        *out++ = '"';
                        c->p += 2;
                        continue;
                    }
                    c->p++;
                    break;
                }
                if (*c->p == '\n')
                    c->line++;
                *out++ = *c->p++;
            }
            if (c->p < c->end && *c->p == '\r')
                c->p++;
            if (c->p < c->end && *c->p != ',' && *c->p != '\n') {
                fail(err, err_len, c->path, c->line, "text after the closing quote of cell %zu",
                     r->n + 1);
                return -1;
            }
        } else {
            while (c->p < c->end && *c->p != ',' && *c->p != '\n')
                c->p++;
            out = c->p;
            if (out > start && out[-1] == '\r')
                out--;
        }
        char sep = c->p < c->end ? *c->p : '\n';
        *out = '\0';
        if (push_cell(r, start) != 0) {
            fail(err, err_len, c->path, c->line, "out of memory");
            return -1;
        }
        if (c->p < c->end)
            c->p++;
        if (sep == '\n') {
            c->line++;
            return 1;
        }
    }
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

/* Column named or numbered by `spec` among the header cells; -1 if none. */
static long header_index(const record *hdr, const char *spec)
{
    for (size_t i = 0; i < hdr->n; i++)
        if (strcmp(hdr->cells[i], spec) == 0)
            return (long)i;
    char *end;
    errno = 0;
    unsigned long pos = strtoul(spec, &end, 10);
    if (*spec >= '0' && *spec <= '9' && *end == '\0' && errno == 0 && pos >= 1 && pos <= hdr->n)
        return (long)pos - 1;
    return -1;
}

static char *dup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

/* Resolves req->columns against the header into idx[] (capacity hdr->n). */
static int choose_columns(const csv_request *req, const record *hdr, long label, size_t *idx,
                          size_t *n_idx, char *err, size_t err_len)
{
    *n_idx = 0;
    if (!req->columns) {
        for (size_t i = 0; i < hdr->n; i++)
            if ((long)i != label)
                idx[(*n_idx)++] = i;
        if (*n_idx == 0) {
            fail(err, err_len, req->path, 1, "no numeric column (the header has only the label column)");
            return -1;
        }
        return 0;
    }
    char *list = dup(req->columns);
    if (!list) {
        snprintf(err, err_len, "out of memory");
        return -1;
    }
    int rc = 0;
    for (char *save = NULL, *tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        char *name = trim(tok);
        long at = header_index(hdr, name);
        if (at < 0) {
            fail(err, err_len, req->path, 1, "no column '%s' in the header", name);
            rc = -1;
            break;
        }
        if (*n_idx == hdr->n) {
            fail(err, err_len, req->path, 1, "more columns asked for than the header has");
            rc = -1;
            break;
        }
        idx[(*n_idx)++] = (size_t)at;
    }
    if (rc == 0 && *n_idx == 0) {
        snprintf(err, err_len, "--columns '%s' names no column", req->columns);
        rc = -1;
    }
    free(list);
    return rc;
}

static int parse_number(const char *cell, float *v)
{
    char *end;
    errno = 0;
    double d = strtod(cell, &end);
    if (end == cell || *end != '\0')
        return -1;
    if (!isfinite(d) || fabs(d) > 3.4e38)
        return -2;
    *v = (float)d;
    return 0;
}

static int grow(csv_table *t, size_t *cap, size_t cols)
{
    size_t ncap = *cap ? *cap * 2 : 256;
    float *v = realloc(t->values, ncap * cols * sizeof *v);
    if (!v)
        return -1;
    t->values = v;
    size_t *l = realloc(t->lines, ncap * sizeof *l);
    if (!l)
        return -1;
    t->lines = l;
    if (t->label_name) {
        char **s = realloc(t->labels, ncap * sizeof *s);
        if (!s)
            return -1;
        t->labels = s;
    }
    *cap = ncap;
    return 0;
}

int csv_read(const csv_request *req, csv_table *out, char *err, size_t err_len)
{
    memset(out, 0, sizeof *out);
    size_t len;
    char *buf = slurp(req->path, &len, err, err_len);
    if (!buf)
        return -1;
    cursor c = {buf, buf + len, 1, req->path};
    record hdr = {0}, row = {0};
    size_t *idx = NULL, n_idx = 0, cap = 0;
    int rc = -1;

    int got = next_record(&c, &hdr, err, err_len);
    if (got <= 0) {
        if (got == 0)
            fail(err, err_len, req->path, 1, "empty file: a header row and data rows are needed");
        goto done;
    }
    for (size_t i = 0; i < hdr.n; i++)
        hdr.cells[i] = trim(hdr.cells[i]);
    long label = -1;
    if (req->label) {
        label = header_index(&hdr, req->label);
        if (label < 0) {
            fail(err, err_len, req->path, hdr.line, "no column '%s' in the header", req->label);
            goto done;
        }
    }
    idx = malloc(hdr.n * sizeof *idx);
    if (!idx || choose_columns(req, &hdr, label, idx, &n_idx, err, err_len) != 0)
        goto done;
    out->n_cols = n_idx;
    out->names = calloc(n_idx, sizeof *out->names);
    if (!out->names)
        goto done;
    for (size_t j = 0; j < n_idx; j++)
        if (!(out->names[j] = dup(hdr.cells[idx[j]])))
            goto done;
    if (req->target) {
        long at = header_index(&hdr, req->target);
        size_t j = 0;
        while (at >= 0 && j < n_idx && idx[j] != (size_t)at)
            j++;
        if (at < 0 || j == n_idx) {
            fail(err, err_len, req->path, hdr.line, at < 0 ? "no target column '%s' in the header"
                 : "target column '%s' is not among the chosen columns", req->target);
            goto done;
        }
        out->target = j;
    }
    if (label >= 0 && !(out->label_name = dup(hdr.cells[label])))
        goto done;

    while ((got = next_record(&c, &row, err, err_len)) == 1) {
        if (row.n != hdr.n) {
            fail(err, err_len, req->path, row.line, "%zu cells, but the header has %zu", row.n, hdr.n);
            goto done;
        }
        if (out->n_rows == cap && grow(out, &cap, n_idx) != 0) {
            snprintf(err, err_len, "%s: out of memory", req->path);
            goto done;
        }
        size_t r = out->n_rows;
        for (size_t j = 0; j < n_idx; j++) {
            char *cell = trim(row.cells[idx[j]]);
            int bad = parse_number(cell, &out->values[r * n_idx + j]);
            if (bad) {
                fail(err, err_len, req->path, row.line,
                     *cell == '\0' ? "column '%s' (%zu) is empty%s"
                     : bad == -2 ? "column '%s' (%zu): '%s' is not a finite float"
                                 : "column '%s' (%zu): '%s' is not a number",
                     hdr.cells[idx[j]], idx[j] + 1, *cell == '\0' ? "" : cell);
                goto done;
            }
        }
        out->lines[r] = row.line;
        if (label >= 0) {
            out->labels[r] = dup(trim(row.cells[label]));
            if (!out->labels[r]) {
                snprintf(err, err_len, "%s: out of memory", req->path);
                goto done;
            }
        }
        out->n_rows++;
    }
    if (got < 0)
        goto done;
    if (out->n_rows == 0) {
        fail(err, err_len, req->path, c.line, "no data rows after the header");
        goto done;
    }
    rc = 0;
done:
    if (rc != 0)
        csv_free(out);
    free(idx);
    free(hdr.cells);
    free(row.cells);
    free(buf);
    return rc;
}

void csv_free(csv_table *t)
{
    if (t->names)
        for (size_t j = 0; j < t->n_cols; j++)
            free(t->names[j]);
    if (t->labels)
        for (size_t r = 0; r < t->n_rows; r++)
            free(t->labels[r]);
    free(t->names);
    free(t->labels);
    free(t->label_name);
    free(t->values);
    free(t->lines);
    memset(t, 0, sizeof *t);
}
