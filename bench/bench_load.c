/* rl_model_load of an LSTM(1024) -> Dense(1) (49 MB file with Adam state)
 * against reading the same file into memory with read(2): what a load adds
 * to the I/O (allocation, CRC, parsing; no initialisers). The target is a
 * ratio within 2x. Prints one JSON record. Usage: bench_load [units] */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "bench_util.h"
#include "rnnlite/rnnlite.h"

typedef struct ctx {
    const char *path;
    size_t size;
    unsigned char *buf;
} ctx;

/* What any loader has to do at least: a new buffer, the file read into it. */
static int read_file(void *arg)
{
    ctx *c = arg;
    int fd = open(c->path, O_RDONLY);
    if (fd < 0)
        return 1;
    c->buf = malloc(c->size);
    if (!c->buf) {
        close(fd);
        return 1;
    }
    size_t got = 0;
    while (got < c->size) {
        ssize_t k = read(fd, c->buf + got, c->size - got);
        if (k <= 0)
            break;
        got += (size_t)k;
    }
    close(fd);
    free(c->buf);
    return got == c->size ? 0 : 1;
}

static int load_model(void *arg)
{
    ctx *c = arg;
    rl_model *m = NULL;
    if (rl_model_load(&m, c->path) != RL_OK)
        return 1;
    rl_model_destroy(m);
    return 0;
}

int main(int argc, char **argv)
{
    size_t units = argc > 1 ? (size_t)strtoul(argv[1], NULL, 10) : 1024;
    char path[] = "/tmp/bench_load_XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return 1;
    close(fd);
    rl_model *m = NULL;
    if (rl_model_create(&m, 16, 1) != RL_OK ||
        rl_model_add_lstm(m, units, RL_ACT_TANH, RL_ACT_SIGMOID, 0) != RL_OK ||
        rl_model_add_dense(m, 1, RL_ACT_LINEAR) != RL_OK ||
        rl_model_compile(m, RL_OPT_ADAM, RL_LOSS_MSE) != RL_OK || rl_model_save(m, path) != RL_OK)
        return 1;
    size_t size = 0;
    if (rl_model_save_to(m, NULL, 0, &size) != RL_OK)
        return 1;
    rl_model_destroy(m);
    ctx c = { path, size, NULL };
    bench_stats io, load;
    if (bench_auto(read_file, &c, 2.0, 15, &io) || bench_auto(load_model, &c, 4.0, 15, &load))
        return 1;
    printf("{\"bench\": \"load\", \"units\": %zu, \"file_bytes\": %zu, \"read_median_s\": %.6f, "
           "\"load_median_s\": %.6f, \"load_over_read\": %.2f}\n",
           units, size, io.median_s, load.median_s, load.median_s / io.median_s);
    unlink(path);
    return 0;
}
