#include "progress.h"

#include <math.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void progress_start(progress *p, FILE *f, size_t epochs, int quiet)
{
    p->f = f;
    p->epochs = epochs;
    p->start = now();
    p->mode = quiet ? PROGRESS_NONE : isatty(fileno(f)) ? PROGRESS_BAR : PROGRESS_LINES;
}

static void format_duration(char *buf, size_t len, double s)
{
    if (s < 60)
        snprintf(buf, len, "%.0fs", ceil(s));
    else if (s < 3600)
        snprintf(buf, len, "%dm%02ds", (int)(s / 60), (int)fmod(s, 60));
    else
        snprintf(buf, len, "%dh%02dm", (int)(s / 3600), (int)fmod(s / 60, 60));
}

void progress_epoch(progress *p, size_t epoch, float loss, float val_loss, int improved)
{
    if (p->mode == PROGRESS_NONE)
        return;
    char val[48] = "";
    if (!isnan(val_loss))
        snprintf(val, sizeof val, " val_loss %.6g", (double)val_loss);
    if (p->mode == PROGRESS_LINES) {
        fprintf(p->f, "epoch %zu/%zu loss %.6g%s%s\n", epoch, p->epochs, (double)loss, val,
                improved ? " *" : "");
        fflush(p->f);
        return;
    }
    enum { WIDTH = 24 };
    size_t filled = p->epochs ? epoch * WIDTH / p->epochs : WIDTH;
    char bar[WIDTH + 1];
    memset(bar, '#', filled);
    memset(bar + filled, '.', WIDTH - filled);
    bar[WIDTH] = '\0';
    double elapsed = now() - p->start;
    char eta[32];
    format_duration(eta, sizeof eta, elapsed / (double)epoch * (double)(p->epochs - epoch));
    /* \r and erase-to-end-of-line redraw the bar in place. */
    fprintf(p->f, "\r[%s] epoch %zu/%zu loss %.5g%s ETA %s\033[K", bar, epoch, p->epochs,
            (double)loss, val, eta);
    fflush(p->f);
}

void progress_finish(progress *p)
{
    if (p->mode == PROGRESS_BAR) {
        fputc('\n', p->f);
        fflush(p->f);
    }
}

static volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
    (void)sig;
    interrupted = 1;
    static const char msg[] =
        "\nrnnlite: stopping after this epoch; the best model will be saved (Ctrl-C again quits now)\n";
    ssize_t ignored = write(STDERR_FILENO, msg, sizeof msg - 1);
    (void)ignored;
}

void interrupt_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESETHAND;   /* the second Ctrl-C terminates as usual */
    sigaction(SIGINT, &sa, NULL);
}

int interrupt_requested(void)
{
    return interrupted != 0;
}
