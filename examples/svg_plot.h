/* A tiny line-chart writer for the examples: one plot area, axes with
 * ticks and labels, a title and a legend, written as a standalone SVG file.
 * No dependency beyond the C library; not part of rnnlite. */
#ifndef SVG_PLOT_H
#define SVG_PLOT_H

#include <stddef.h>

/* One line: n points (x[i], y[i]). */
typedef struct svg_series {
    const float *x, *y;
    size_t n;
    const char *label;       /* legend text (plain text; &, < and > are escaped) */
    const char *color;       /* any SVG colour, e.g. "#0072B2" */
    const char *dash;        /* SVG stroke-dasharray such as "6 4", or NULL for solid */
    double width;            /* stroke width in pixels */
} svg_series;

typedef struct svg_chart {
    const char *title, *x_label, *y_label;
    int width, height;       /* pixels of the whole image */
} svg_chart;

/* Write the chart to path. Axis ranges cover all points (rounded out to
 * tick values). Returns 0, or -1 when the file cannot be written or there is
 * nothing finite to plot (errno tells which for I/O). */
int svg_line_chart(const char *path, const svg_chart *chart, const svg_series *series,
                   size_t n_series);

#endif
