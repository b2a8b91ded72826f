#include "svg_plot.h"

#include <math.h>
#include <stdio.h>

/* Layout in pixels: room for the title and legend above the plot, tick
 * labels and axis labels left of and below it. */
enum { MARGIN_LEFT = 80, MARGIN_RIGHT = 30, MARGIN_TOP = 84, MARGIN_BOTTOM = 62 };

typedef struct axis {
    double lo, hi, step;     /* range rounded out to whole ticks */
    int decimals;            /* digits after the point in tick labels */
} axis;

/* Heckbert's "nice numbers": a step of 1, 2 or 5 times a power of ten that
 * cuts the range into about `ticks` parts. */
static double nice_step(double range, int ticks)
{
    double raw = range / ticks;
    double mag = pow(10, floor(log10(raw)));
    double f = raw / mag;
    double nice = f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10;
    return nice * mag;
}

static axis make_axis(double lo, double hi, int ticks, double pad)
{
    if (hi - lo < 1e-12) {   /* a flat line still needs a visible range */
        lo -= 1;
        hi += 1;
    }
    double span = hi - lo;
    lo -= pad * span;
    hi += pad * span;
    axis a;
    a.step = nice_step(hi - lo, ticks);
    /* The small slack keeps an end that is already a tick from moving out. */
    a.lo = floor(lo / a.step + 1e-9) * a.step;
    a.hi = ceil(hi / a.step - 1e-9) * a.step;
    int d = (int)-floor(log10(a.step) + 1e-9);
    a.decimals = d > 0 ? d : 0;
    return a;
}

static double map(const axis *a, double v, double from, double to)
{
    return from + (v - a->lo) / (a->hi - a->lo) * (to - from);
}

static void put_escaped(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        default: fputc(*s, f);
        }
    }
}

static void put_text(FILE *f, double x, double y, const char *anchor, int size,
                     const char *extra, const char *text)
{
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" font-size=\"%d\"%s>", x, y, anchor,
            size, extra ? extra : "");
    put_escaped(f, text);
    fputs("</text>\n", f);
}

static void put_tick_label(FILE *f, double x, double y, const char *anchor, double v, int decimals)
{
    char buf[64];
    if (fabs(v) < 1e-12)
        v = 0;   /* no "-0.0" */
    snprintf(buf, sizeof buf, "%.*f", decimals, v);
    put_text(f, x, y, anchor, 12, NULL, buf);
}

static void put_axes(FILE *f, const axis *ax, const axis *ay, double x0, double x1, double y0,
                     double y1)
{
    fputs("<g stroke=\"#dddddd\" stroke-width=\"1\">\n", f);
    for (double v = ax->lo; v <= ax->hi + ax->step * 1e-6; v += ax->step) {
        double px = map(ax, v, x0, x1);
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", px, y0, px, y1);
    }
    for (double v = ay->lo; v <= ay->hi + ay->step * 1e-6; v += ay->step) {
        double py = map(ay, v, y0, y1);
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", x0, py, x1, py);
    }
    fputs("</g>\n", f);
    fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" "
               "stroke=\"#333333\" stroke-width=\"1\"/>\n",
            x0, y1, x1 - x0, y0 - y1);
    fputs("<g stroke=\"#333333\" stroke-width=\"1\">\n", f);
    for (double v = ax->lo; v <= ax->hi + ax->step * 1e-6; v += ax->step) {
        double px = map(ax, v, x0, x1);
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", px, y0, px, y0 + 5);
    }
    for (double v = ay->lo; v <= ay->hi + ay->step * 1e-6; v += ay->step) {
        double py = map(ay, v, y0, y1);
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", x0 - 5, py, x0, py);
    }
    fputs("</g>\n", f);
    for (double v = ax->lo; v <= ax->hi + ax->step * 1e-6; v += ax->step)
        put_tick_label(f, map(ax, v, x0, x1), y0 + 19, "middle", v, ax->decimals);
    for (double v = ay->lo; v <= ay->hi + ay->step * 1e-6; v += ay->step)
        put_tick_label(f, x0 - 9, map(ay, v, y0, y1) + 4, "end", v, ay->decimals);
}

static void put_series(FILE *f, const svg_series *s, const axis *ax, const axis *ay, double x0,
                       double x1, double y0, double y1)
{
    fprintf(f, "<path fill=\"none\" stroke=\"%s\" stroke-width=\"%.1f\" stroke-linejoin=\"round\"",
            s->color, s->width);
    if (s->dash)
        fprintf(f, " stroke-dasharray=\"%s\"", s->dash);
    fputs(" d=\"", f);
    int pen_down = 0;
    for (size_t i = 0; i < s->n; i++) {
        if (!isfinite(s->x[i]) || !isfinite(s->y[i])) {
            pen_down = 0;   /* a gap, not a line through the missing point */
            continue;
        }
        fprintf(f, "%c%.2f,%.2f ", pen_down ? 'L' : 'M', map(ax, s->x[i], x0, x1),
                map(ay, s->y[i], y0, y1));
        pen_down = 1;
    }
    fputs("\"/>\n", f);
}

/* Legend as one row between the title and the plot: it never hides data. */
static void put_legend(FILE *f, const svg_series *series, size_t n, double x, double y)
{
    for (size_t i = 0; i < n; i++) {
        const svg_series *s = &series[i];
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
                   "stroke-width=\"%.1f\"",
                x, y, x + 36, y, s->color, s->width + 0.5);
        if (s->dash)
            fprintf(f, " stroke-dasharray=\"%s\"", s->dash);
        fputs("/>\n", f);
        put_text(f, x + 44, y + 4, "start", 13, NULL, s->label);
        size_t len = 0;
        for (const char *c = s->label; c && *c; c++)
            len++;
        x += 44 + 7.5 * (double)len + 28;   /* about 7.5 px per character at 13 px */
    }
}

int svg_line_chart(const char *path, const svg_chart *chart, const svg_series *series,
                   size_t n_series)
{
    double xmin = INFINITY, xmax = -INFINITY, ymin = INFINITY, ymax = -INFINITY;
    for (size_t k = 0; k < n_series; k++) {
        for (size_t i = 0; i < series[k].n; i++) {
            double x = series[k].x[i], y = series[k].y[i];
            if (!isfinite(x) || !isfinite(y))
                continue;
            xmin = fmin(xmin, x);
            xmax = fmax(xmax, x);
            ymin = fmin(ymin, y);
            ymax = fmax(ymax, y);
        }
    }
    if (!(xmin <= xmax))
        return -1;
    axis ax = make_axis(xmin, xmax, 10, 0);
    axis ay = make_axis(ymin, ymax, 8, 0.04);
    double x0 = MARGIN_LEFT, x1 = chart->width - MARGIN_RIGHT;
    double y0 = chart->height - MARGIN_BOTTOM, y1 = MARGIN_TOP;   /* y grows downwards */

    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
               "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
               "viewBox=\"0 0 %d %d\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n",
            chart->width, chart->height, chart->width, chart->height);
    fprintf(f, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
    put_text(f, chart->width / 2.0, 28, "middle", 18, " font-weight=\"bold\"", chart->title);
    put_legend(f, series, n_series, x0, 56);
    put_axes(f, &ax, &ay, x0, x1, y0, y1);
    put_text(f, (x0 + x1) / 2, chart->height - 16, "middle", 14, NULL, chart->x_label);
    char rot[96];
    snprintf(rot, sizeof rot, " transform=\"rotate(-90 %d %.1f)\"", 22, (y0 + y1) / 2);
    put_text(f, 22, (y0 + y1) / 2, "middle", 14, rot, chart->y_label);

    fprintf(f, "<clipPath id=\"plot\"><rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
               "height=\"%.1f\"/></clipPath>\n<g clip-path=\"url(#plot)\">\n",
            x0, y1, x1 - x0, y0 - y1);
    for (size_t k = 0; k < n_series; k++)
        put_series(f, &series[k], &ax, &ay, x0, x1, y0, y1);
    fputs("</g>\n</svg>\n", f);

    int failed = ferror(f);
    if (fclose(f) != 0)
        failed = 1;
    return failed ? -1 : 0;
}
