/* Labels of future rows for `rnnlite forecast`: the date column continued
 * with the step between its last two values. */
#ifndef RNNLITE_CLI_DATES_H
#define RNNLITE_CLI_DATES_H

#include <stddef.h>

/* The label k (>= 1) steps after labels[n-1]. Understood: whole numbers
 * (1871, 1872 -> 1873), decimals (1973.0, 1973.0833), YYYY-MM and
 * YYYY-MM-DD (monthly when the last two share the day of month, else by
 * days). Anything else, or fewer than two labels, gives "+k". */
void next_label(char *const *labels, size_t n, size_t k, char *buf, size_t len);

#endif
