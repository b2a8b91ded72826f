// A C++ host application using rnnlite as a distro package would provide it:
// train a forecaster on a series in raw units, ship it as one file (with its
// scaler), load it back and forecast. C++11, RAII over the C handles.
//
//   host_cpp [MODEL_PATH]      (default: host_cpp.rnnl in the current directory)
#include <rnnlite/rnnlite.h>

#include <cmath>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace rnn {

// A failed call becomes an exception carrying the library's message.
struct error : std::runtime_error {
    rl_status status;
    error(rl_status st, const std::string &what)
        : std::runtime_error(what + ": " + rl_status_string(st)), status(st) {}
};

inline void check(rl_status st, const char *what, const rl_model *m = nullptr)
{
    if (st != RL_OK)
        throw error(st, m ? std::string(what) + " (" + rl_model_last_error(m) + ")" : what);
}

struct model_deleter {
    void operator()(rl_model *m) const { rl_model_destroy(m); }
};
struct scaler_deleter {
    void operator()(rl_scaler *s) const { rl_scaler_destroy(s); }
};
using model = std::unique_ptr<rl_model, model_deleter>;
using scaler = std::unique_ptr<rl_scaler, scaler_deleter>;

inline model create(size_t steps, size_t features)
{
    rl_model *m = nullptr;
    check(rl_model_create(&m, steps, features), "rl_model_create");
    return model(m);
}

inline model load(const std::string &path)
{
    rl_model *m = nullptr;
    check(rl_model_load(&m, path.c_str()), "rl_model_load");
    return model(m);
}

inline scaler attached_scaler(const model &m)
{
    rl_scaler *s = nullptr;
    check(rl_model_get_scaler(m.get(), &s), "rl_model_get_scaler", m.get());
    return scaler(s);
}

// Forecast of the point after each window, in raw units.
inline std::vector<float> forecast(const model &m, const std::vector<float> &x, size_t n)
{
    std::vector<float> y(n);
    check(rl_predict(m.get(), x.data(), n, y.data(), y.size()), "rl_predict", m.get());
    scaler s = attached_scaler(m);
    check(rl_scaler_inverse_transform_column(s.get(), 0, y.data(), y.data(), n),
          "rl_scaler_inverse_transform_column");
    return y;
}

}  // namespace rnn

int main(int argc, char **argv)
{
    const std::string path = argc > 1 ? argv[1] : "host_cpp.rnnl";
    if (rl_version_number() != RL_VERSION_NUMBER) {
        std::fprintf(stderr, "built against rnnlite %d, running with %s\n", RL_VERSION_NUMBER,
                     rl_version_string());
        return 1;
    }
    try {
        // Daily temperatures in degrees: a yearly cycle plus a weekly ripple.
        const size_t points = 400, steps = 14;
        const double pi = 3.14159265358979323846;
        std::vector<float> series(points);
        for (size_t i = 0; i < points; i++) {
            const double day = static_cast<double>(i);
            series[i] = static_cast<float>(12.0 + 8.0 * std::sin(2 * pi * day / 365.0) +
                                           1.5 * std::sin(2 * pi * day / 7.0));
        }

        // Scale to [0, 1] with statistics of the series, then cut windows.
        rl_scaler *raw = nullptr;
        rnn::check(rl_scaler_create_minmax(&raw, 0.0f, 1.0f), "rl_scaler_create_minmax");
        rnn::scaler scale(raw);
        std::vector<float> scaled(points);
        rnn::check(rl_scaler_fit(scale.get(), series.data(), points, 1), "rl_scaler_fit");
        rnn::check(rl_scaler_transform(scale.get(), series.data(), scaled.data(), points, 1),
                   "rl_scaler_transform");
        size_t n = 0;
        rnn::check(rl_window_count(points, steps, 1, &n), "rl_window_count");
        std::vector<float> x(n * steps), y(n);
        rnn::check(rl_window_make(scaled.data(), points, 1, steps, 1, 0, x.data(), x.size(),
                                  y.data(), y.size()),
                   "rl_window_make");

        // Train, attach the scaler, save.
        rnn::model m = rnn::create(steps, 1);
        rnn::check(rl_model_add_gru(m.get(), 16, RL_ACT_TANH, RL_ACT_SIGMOID, 0), "add_gru",
                   m.get());
        rnn::check(rl_model_add_dense(m.get(), 1, RL_ACT_LINEAR), "add_dense", m.get());
        rnn::check(rl_model_set_param(m.get(), RL_PARAM_SEED, 7), "set_param", m.get());
        rnn::check(rl_model_compile(m.get(), RL_OPT_ADAM, RL_LOSS_MSE), "compile", m.get());
        rnn::check(rl_fit(m.get(), x.data(), y.data(), n, 20, 32), "rl_fit", m.get());
        rnn::check(rl_model_set_scaler(m.get(), scale.get()), "set_scaler", m.get());
        rnn::check(rl_model_save(m.get(), path.c_str()), "rl_model_save", m.get());

        // What a deployed host does: load the file and forecast in degrees.
        rnn::model loaded = rnn::load(path);
        const std::vector<float> before = rnn::forecast(m, x, n);
        const std::vector<float> after = rnn::forecast(loaded, x, n);
        double worst = 0.0;
        for (size_t i = 0; i < n; i++) {
            if (before[i] != after[i])
                throw std::runtime_error("the loaded model forecasts differently");
            worst = std::fmax(worst, std::fabs(after[i] - series[i + steps]));
        }
        std::printf("saved %s; last day: forecast %.2f, actual %.2f; worst error %.2f degrees\n",
                    path.c_str(), static_cast<double>(after[n - 1]),
                    static_cast<double>(series[points - 1]), worst);
        std::remove(path.c_str());
        return 0;
    } catch (const std::exception &e) {
        std::fprintf(stderr, "host_cpp: %s\n", e.what());
        return 1;
    }
}
