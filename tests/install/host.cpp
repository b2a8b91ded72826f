// An outside C++11 program built against the installed tree with
// `pkg-config --cflags --libs rnnlite` (tests/install/run.sh): the C header
// must work from C++ (extern "C", no C-only constructs). Exit 0 when it does.
#include <rnnlite/rnnlite.h>

#include <cmath>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

namespace {

struct model_deleter {
    void operator()(rl_model *m) const { rl_model_destroy(m); }
};
struct scaler_deleter {
    void operator()(rl_scaler *s) const { rl_scaler_destroy(s); }
};
typedef std::unique_ptr<rl_model, model_deleter> model_ptr;
typedef std::unique_ptr<rl_scaler, scaler_deleter> scaler_ptr;

bool ok(rl_status st, const rl_model *m, const char *what)
{
    if (st != RL_OK)
        std::fprintf(stderr, "host.cpp: %s: %s: %s\n", what, rl_status_string(st),
                     rl_model_last_error(m));
    return st == RL_OK;
}

}  // namespace

int main()
{
    const std::string version = std::to_string(RL_VERSION_MAJOR) + "." +
                                std::to_string(RL_VERSION_MINOR) + "." +
                                std::to_string(RL_VERSION_PATCH);
    if (rl_version_number() != RL_VERSION_NUMBER || version != rl_version_string()) {
        std::fprintf(stderr, "host.cpp: header %s, library %s\n", version.c_str(),
                     rl_version_string());
        return 1;
    }

    // A series in raw units, scaled to [0, 1] and cut into windows of 4.
    const size_t points = 40, steps = 4, epochs = 30;
    std::vector<float> series(points);
    for (size_t i = 0; i < points; i++)
        series[i] = 50.0f + 10.0f * std::sin(0.3f * static_cast<float>(i));
    rl_scaler *raw_scaler = nullptr;
    if (!ok(rl_scaler_create_minmax(&raw_scaler, 0.0f, 1.0f), nullptr, "scaler_create"))
        return 1;
    scaler_ptr scaler(raw_scaler);
    if (!ok(rl_scaler_fit(scaler.get(), series.data(), points, 1), nullptr, "scaler_fit") ||
        !ok(rl_scaler_transform(scaler.get(), series.data(), series.data(), points, 1), nullptr,
            "scaler_transform"))
        return 1;
    size_t n = 0;
    if (!ok(rl_window_count(points, steps, 1, &n), nullptr, "window_count"))
        return 1;
    std::vector<float> x(n * steps), y(n), pred(n), loss(epochs);
    if (!ok(rl_window_make(series.data(), points, 1, steps, 1, 0, x.data(), x.size(), y.data(),
                           y.size()),
            nullptr, "window_make"))
        return 1;

    rl_model *raw = nullptr;
    if (!ok(rl_model_create(&raw, steps, 1), nullptr, "create"))
        return 1;
    model_ptr m(raw);
    size_t ran = 0;
    if (!ok(rl_model_add_lstm(m.get(), 8, RL_ACT_TANH, RL_ACT_SIGMOID, 0), m.get(), "add_lstm") ||
        !ok(rl_model_add_dense(m.get(), 1, RL_ACT_LINEAR), m.get(), "add_dense") ||
        !ok(rl_model_set_param(m.get(), RL_PARAM_LEARNING_RATE, 0.01), m.get(), "set_param") ||
        !ok(rl_model_compile(m.get(), RL_OPT_ADAM, RL_LOSS_MSE), m.get(), "compile") ||
        !ok(rl_fit(m.get(), x.data(), y.data(), n, epochs, 8), m.get(), "fit") ||
        !ok(rl_predict(m.get(), x.data(), n, pred.data(), pred.size()), m.get(), "predict") ||
        !ok(rl_model_history(m.get(), loss.data(), nullptr, loss.size(), &ran), m.get(), "history"))
        return 1;
    if (ran != epochs || !(loss.back() < loss.front())) {
        std::fprintf(stderr, "host.cpp: training did not reduce the loss\n");
        return 1;
    }
    // Back to raw units: every forecast must lie near the series' range.
    if (!ok(rl_scaler_inverse_transform_column(scaler.get(), 0, pred.data(), pred.data(), n),
            nullptr, "inverse_transform"))
        return 1;
    for (float p : pred) {
        if (!(p > 30.0f && p < 70.0f)) {
            std::fprintf(stderr, "host.cpp: forecast %g outside (30, 70), series in [40, 60]\n",
                         static_cast<double>(p));
            return 1;
        }
    }
    std::printf("host.cpp: ok, rnnlite %s, loss %.4f -> %.4f\n", rl_version_string(),
                static_cast<double>(loss.front()), static_cast<double>(loss.back()));
    return 0;
}
