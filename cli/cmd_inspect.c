/* rnnlite inspect: what a model file holds. Shapes and parameter counts come
 * from the library; layer kinds, activations, the optimiser and the scaler
 * kind are read from the file's sections (docs/format.md), after
 * rl_model_load() has validated it. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "common.h"

static const cli_option options[] = {
    {"model", 'm', "FILE", "model file to describe", 0},
    {"json", 'j', NULL, "print JSON instead of text", 0},
    {"output", 'o', "FILE", "write to FILE instead of standard output", 0},
};

static uint64_t le(const unsigned char *p, size_t n)
{
    uint64_t v = 0;
    for (size_t i = n; i-- > 0;)
        v = v << 8 | p[i];
    return v;
}

typedef struct file_bytes {
    unsigned char *data;
    size_t size;
} file_bytes;

static int read_file(const char *path, file_bytes *fb)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    fb->data = NULL;
    fb->size = 0;
    if (fseek(f, 0, SEEK_END) == 0) {
        long n = ftell(f);
        if (n > 0 && fseek(f, 0, SEEK_SET) == 0 && (fb->data = malloc((size_t)n)) &&
            fread(fb->data, 1, (size_t)n, f) == (size_t)n)
            fb->size = (size_t)n;
    }
    fclose(f);
    return fb->size ? 0 : -1;
}

/* Payload of the section `tag`, or NULL. The file was validated by the library. */
static const unsigned char *section(const file_bytes *fb, const char *tag, size_t *len)
{
    size_t at = 20;
    while (at + 16 <= fb->size - 4) {
        uint64_t n = le(fb->data + at + 8, 8);
        if (n > fb->size - 4 - at - 16)
            return NULL;
        if (memcmp(fb->data + at, tag, 4) == 0) {
            *len = (size_t)n;
            return fb->data + at + 16;
        }
        at += 16 + (size_t)n;
    }
    return NULL;
}

static const char *const kinds[] = {"Dense", "SimpleRNN", "LSTM", "GRU", "GRU reset-before"};
static const char *const activations[] = {"linear", "relu", "tanh", "sigmoid", "hard_sigmoid"};
static const char *const optimizers[] = {"sgd", "adam", "rmsprop"};
static const char *const losses[] = {"mse", "mae", "huber"};
static const char *const scalers[] = {"none", "minmax", "standard"};

static const char *const transform_steps[] = {"?", "log", "log1p", "diff", "minmax", "standard"};

/* TRFM (docs/format.md): n_features, n_steps, then per step kind, 0, column
 * (all ones: every column), lag, range_min, range_max and, for the scaling
 * steps, 2 x n_features statistics. Writes "log(all), diff(0, lag 12), ...". */
static void describe_transform(const unsigned char *p, size_t len, char *buf, size_t cap)
{
    buf[0] = '\0';
    if (!p || len < 16)
        return;
    uint64_t nf = le(p, 8), n = le(p + 8, 8);
    size_t at = 16, used = 0;
    for (uint64_t k = 0; k < n && at + 40 <= len; k++) {
        uint64_t kind = le(p + at, 4), col = le(p + at + 8, 8), lag = le(p + at + 16, 8);
        char where[48];
        if (col == UINT64_MAX)
            snprintf(where, sizeof where, "all");
        else
            snprintf(where, sizeof where, "column %llu", (unsigned long long)col + 1);
        int w = snprintf(buf + used, cap - used, "%s%s(%s%s", k ? ", " : "",
                         kind < 6 ? transform_steps[kind] : "?", where, kind == 3 ? ", lag " : ")");
        if (w < 0 || (size_t)w >= cap - used)
            return;
        used += (size_t)w;
        if (kind == 3) {
            w = snprintf(buf + used, cap - used, "%llu)", (unsigned long long)lag);
            if (w < 0 || (size_t)w >= cap - used)
                return;
            used += (size_t)w;
        }
        at += 40 + (kind == 4 || kind == 5 ? 16 * (size_t)nf : 0);
    }
}

static const char *name_of(const char *const *names, size_t n, uint64_t v)
{
    return v < n ? names[v] : "unknown";
}

static void list_sections(FILE *f, const file_bytes *fb, int json)
{
    size_t at = 20;
    int first = 1;
    while (at + 16 <= fb->size - 4) {
        uint64_t n = le(fb->data + at + 8, 8);
        if (json)
            fprintf(f, "%s{\"tag\": \"%.4s\", \"bytes\": %llu}", first ? "" : ", ",
                    (const char *)fb->data + at, (unsigned long long)n);
        else
            fprintf(f, "%s%.4s (%llu bytes)", first ? "" : ", ", (const char *)fb->data + at,
                    (unsigned long long)n);
        first = 0;
        if (n > fb->size - 4 - at - 16)
            break;
        at += 16 + (size_t)n;
    }
}

static int run(const cli_command *cmd, cli_args *a)
{
    const char *path = arg_required(a, "model");
    if (!path)
        return EXIT_USAGE;
    rl_model *m = NULL;
    if (load_model(cmd->name, path, &m) != 0)
        return EXIT_FAIL;
    file_bytes fb = {0};
    if (read_file(path, &fb) != 0) {
        cli_error(cmd->name, "%s: %s", path, strerror(errno));
        rl_model_destroy(m);
        return EXIT_FAIL;
    }
    FILE *out = open_output(a);
    if (!out) {
        free(fb.data);
        rl_model_destroy(m);
        return EXIT_FAIL;
    }
    int json = arg_flag(a, "json");
    size_t steps, features, out_steps, out_units, n_layers = 0, total = 0;
    rl_model_input_shape(m, &steps, &features);
    rl_model_output_shape(m, &out_steps, &out_units);
    rl_model_layer_count(m, &n_layers);
    size_t arch_len = 0, comp_len = 0, scal_len = 0;
    const unsigned char *arch = section(&fb, "ARCH", &arch_len);
    const unsigned char *comp = section(&fb, "COMP", &comp_len);
    const unsigned char *scal = section(&fb, "SCAL", &scal_len);
    size_t trfm_len = 0;
    char transform[512];
    const unsigned char *trfm = section(&fb, "TRFM", &trfm_len);
    describe_transform(trfm, trfm_len, transform, sizeof transform);
    size_t targets[64], n_targets = 0;
    if (rl_model_get_targets(m, targets, 64, &n_targets) != RL_OK)
        n_targets = 0;
    unsigned version = (unsigned)le(fb.data + 8, 4);
    const char *scaler = scal && scal_len >= 12 ? name_of(scalers, 3, le(scal, 4)) : "none";

    if (json) {
        fputs("{\"file\": ", out);
        json_string(out, path);
        fprintf(out, ", \"format_version\": %u, \"bytes\": %zu, \"input\": {\"time_steps\": %zu, "
                "\"features\": %zu}, \"output\": {\"steps\": %zu, \"units\": %zu}, \"layers\": [",
                version, fb.size, steps, features, out_steps, out_units);
    } else {
        fprintf(out, "file            %s (format version %u, %zu bytes)\n", path, version, fb.size);
        fprintf(out, "input           %zu time steps x %zu features\n", steps, features);
        fprintf(out, "layers\n  #  kind       units  activation  recurrent   sequences  parameters\n");
    }
    for (size_t i = 0; i < n_layers; i++) {
        size_t w = 0;
        rl_model_weight_count(m, i, &w);
        total += w;
        const unsigned char *rec = arch && arch_len >= 24 + 32 * (i + 1) ? arch + 24 + 32 * i : NULL;
        const char *kind = rec ? name_of(kinds, 5, le(rec, 4)) : "unknown";
        const char *act = rec ? name_of(activations, 5, le(rec + 4, 4)) : "unknown";
        int recurrent = rec && le(rec, 4) >= 2;
        const char *ract = recurrent ? name_of(activations, 5, le(rec + 8, 4)) : "-";
        int seq = rec ? (int)le(rec + 12, 4) : 0;
        unsigned long long units = rec ? (unsigned long long)le(rec + 24, 8) : 0;
        if (json) {
            fprintf(out, "%s{\"kind\": \"%s\", \"units\": %llu, \"activation\": \"%s\", "
                    "\"recurrent_activation\": ", i ? ", " : "", kind, units, act);
            if (recurrent)
                fprintf(out, "\"%s\"", ract);
            else
                fputs("null", out);
            fprintf(out, ", \"return_sequences\": %s, \"parameters\": %zu}", seq ? "true" : "false", w);
        } else {
            fprintf(out, "  %-2zu %-10s %5llu  %-10s  %-10s  %-9s  %zu\n", i + 1, kind, units, act,
                    ract, seq ? "yes" : "no", w);
        }
    }
    const char *opt = comp ? name_of(optimizers, 3, le(comp, 4)) : "unknown";
    const char *loss = comp ? name_of(losses, 3, le(comp + 4, 4)) : "unknown";
    if (json) {
        fprintf(out, "], \"parameters\": %zu, \"optimizer\": \"%s\", \"loss\": \"%s\", "
                "\"scaler\": \"%s\", \"transform\": ", total, opt, loss, scaler);
        if (*transform)
            json_string(out, transform);
        else
            fputs("null", out);
        fputs(", \"targets\": [", out);
        for (size_t i = 0; i < n_targets; i++)
            fprintf(out, "%s%zu", i ? ", " : "", targets[i] + 1);
        fputs("], \"sections\": [", out);
        list_sections(out, &fb, 1);
        fputs("]}\n", out);
    } else {
        fprintf(out, "output          %zu step%s x %zu unit%s\n", out_steps, out_steps == 1 ? "" : "s",
                out_units, out_units == 1 ? "" : "s");
        fprintf(out, "parameters      %zu\n", total);
        fprintf(out, "compiled with   %s, %s loss\n", opt, loss);
        fprintf(out, "scaler          %s\n", scaler);
        fprintf(out, "transform       %s\n", *transform ? transform : "none");
        fputs("targets         input column", out);
        fputs(n_targets == 1 ? "" : "s", out);
        for (size_t i = 0; i < n_targets; i++)
            fprintf(out, "%s%zu", i ? ", " : " ", targets[i] + 1);
        fputc('\n', out);
        fputs("sections        ", out);
        list_sections(out, &fb, 0);
        fputc('\n', out);
    }
    free(fb.data);
    rl_model_destroy(m);
    return close_output(a, out) == 0 ? EXIT_OK : EXIT_FAIL;
}

const cli_command cmd_inspect = {
    "inspect", "Describe a model file: layers, shapes, parameter count, targets, scaler and transforms, "
    "optimiser, format version and sections.",
    "--model FILE.rlm [--json]", options, sizeof options / sizeof options[0], run, 0,
};
