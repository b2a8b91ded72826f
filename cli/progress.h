/* Training progress for `rnnlite train`: a redrawn bar when the output is a
 * terminal, one line per epoch otherwise, nothing with --quiet; and the
 * Ctrl-C handling that lets the current epoch finish. */
#ifndef RNNLITE_CLI_PROGRESS_H
#define RNNLITE_CLI_PROGRESS_H

#include <stddef.h>
#include <stdio.h>

typedef enum progress_mode { PROGRESS_NONE, PROGRESS_LINES, PROGRESS_BAR } progress_mode;

typedef struct progress {
    progress_mode mode;
    FILE *f;
    size_t epochs;          /* planned */
    double start;           /* seconds, monotonic */
} progress;

/* Bar when f is a terminal, lines otherwise, none when quiet. */
void progress_start(progress *p, FILE *f, size_t epochs, int quiet);
void progress_epoch(progress *p, size_t epoch, float loss, float val_loss, int improved);
/* Ends the bar's line. */
void progress_finish(progress *p);

/* SIGINT sets a flag instead of killing the process (a second Ctrl-C does). */
void interrupt_install(void);
int interrupt_requested(void);

#endif
