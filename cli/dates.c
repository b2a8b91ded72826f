#include "dates.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int parse_long(const char *s, long *v)
{
    char *end;
    *v = strtol(s, &end, 10);
    return end != s && *end == '\0';
}

static int parse_double(const char *s, double *v)
{
    char *end;
    *v = strtod(s, &end);
    return end != s && *end == '\0';
}

typedef struct ymd { int y, m, d; int has_day; } ymd;

static int parse_date(const char *s, ymd *out)
{
    char extra;
    out->has_day = 0;
    if (strlen(s) == 10 && sscanf(s, "%4d-%2d-%2d%c", &out->y, &out->m, &out->d, &extra) == 3) {
        out->has_day = 1;
        return out->m >= 1 && out->m <= 12 && out->d >= 1 && out->d <= 31;
    }
    out->d = 1;
    return strlen(s) == 7 && sscanf(s, "%4d-%2d%c", &out->y, &out->m, &extra) == 2 && out->m >= 1 &&
           out->m <= 12;
}

/* Days since 1970-01-01 (proleptic Gregorian; Howard Hinnant's algorithm). */
static long days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(long z, int *y, int *m, int *d)
{
    z += 719468;
    long era = (z >= 0 ? z : z - 146096) / 146097;
    long doe = z - era * 146097;
    long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

void next_label(char *const *labels, size_t n, size_t k, char *buf, size_t len)
{
    snprintf(buf, len, "+%zu", k);
    if (!labels || n < 2)
        return;
    const char *a = labels[n - 2], *b = labels[n - 1];
    long la, lb;
    double da, db;
    ymd ya, yb;
    if (parse_long(a, &la) && parse_long(b, &lb)) {
        snprintf(buf, len, "%ld", lb + (long)k * (lb - la));
    } else if (parse_double(a, &da) && parse_double(b, &db)) {
        snprintf(buf, len, "%.10g", db + (double)k * (db - da));
    } else if (parse_date(a, &ya) && parse_date(b, &yb) && ya.has_day == yb.has_day) {
        if (!yb.has_day || ya.d == yb.d) {
            long months = (long)(yb.y - ya.y) * 12 + (yb.m - ya.m);
            long t = (long)yb.y * 12 + (yb.m - 1) + (long)k * months;
            long y = t >= 0 ? t / 12 : (t - 11) / 12;
            if (yb.has_day)
                snprintf(buf, len, "%04ld-%02ld-%02d", y, t - y * 12 + 1, yb.d);
            else
                snprintf(buf, len, "%04ld-%02ld", y, t - y * 12 + 1);
        } else {
            long step = days_from_civil(yb.y, yb.m, yb.d) - days_from_civil(ya.y, ya.m, ya.d);
            int y, m, d;
            civil_from_days(days_from_civil(yb.y, yb.m, yb.d) + (long)k * step, &y, &m, &d);
            snprintf(buf, len, "%04d-%02d-%02d", y, m, d);
        }
    }
}
