"""bench/run.py's SVG charts (bench/svgchart.py) and its issue-11 target verdicts.

The charts are checked as a reader would use them: the SVG parses as XML,
every series is one polyline with one point per measured size, every point's
position and tooltip give back the number it stands for, the axes carry
their labels and ticks, the legend names every series. The run.py half feeds
records shaped like the bench programs' output through run.py's report and
checks the charts and the target table it derives from them.
"""
import argparse
import contextlib
import io
import json
import os
import re
import sys
import tempfile
import unittest
import xml.etree.ElementTree as ET

BENCH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "bench")
sys.path.insert(0, BENCH)
import svgchart  # noqa: E402
import run  # noqa: E402

NS = {"s": "http://www.w3.org/2000/svg"}


def parse(doc):
    return ET.fromstring(doc)


def texts(root):
    return [t.text for t in root.iter("{%s}text" % NS["s"])]


def polylines(root):
    return {p.get("data-series"): [tuple(map(float, xy.split(",")))
                                   for xy in p.get("points").split()]
            for p in root.iter("{%s}polyline" % NS["s"])}


def panel_polylines(root):
    return [polylines(g) for g in root.iter("{%s}g" % NS["s"]) if g.get("class") == "panel"]


class Primitives(unittest.TestCase):
    def test_ticks_are_round_and_cover_the_range(self):
        self.assertEqual(svgchart.nice_ticks(0, 230), [0, 50, 100, 150, 200])
        self.assertEqual(svgchart.nice_ticks(0, 2.2), [0, 0.5, 1, 1.5, 2])
        self.assertEqual(svgchart.log_ticks(10, 1000), [10, 20, 50, 100, 200, 500, 1000])
        self.assertEqual([svgchart.fmt(v) for v in (0, 0.5, 2.5, 12.5, 225.4)],
                         ["0", "0.5", "2.5", "12.5", "225"])

    def test_line_figure_one_polyline_per_series_with_its_points(self):
        a = svgchart.Series("alpha", [(32, 10.0), (64, 20.0), (128, None), (256, 40.0)], "#000")
        b = svgchart.Series("beta", [(32, 5.0), (64, 6.0)], "#f00", dash="6 4", filled=False)
        panels = [svgchart.Panel("left", "H", "GFLOP/s", [a, b],
                                 [svgchart.Rule(50, "peak 50")], xticks=[32, 64, 128, 256],
                                 yhi=55, y2=(2.0, "% of peak")),
                  svgchart.Panel("right", "H", "GFLOP/s", [a], xticks=[32, 64, 128, 256])]
        doc = svgchart.line_figure("A title", panels, "a subtitle")
        root = parse(doc)
        self.assertEqual(root.tag, "{%s}svg" % NS["s"])
        per_panel = panel_polylines(root)
        self.assertEqual([sorted(p) for p in per_panel], [["alpha", "beta"], ["alpha"]])
        self.assertEqual(len(per_panel[0]["alpha"]), 3)      # the None point is left out
        self.assertEqual(len(per_panel[0]["beta"]), 2)
        t = texts(root)
        for label in ("A title", "a subtitle", "left", "right", "H", "GFLOP/s", "% of peak",
                      "peak 50", "alpha", "beta", "32", "256", "0", "50", "100"):
            self.assertIn(label, t)
        self.assertEqual(t.count("alpha"), 1)                # one legend entry per label
        # y grows upwards and x to the right; equal steps of log2(H) are equal
        xs = [x for x, _ in per_panel[0]["alpha"]]
        ys = [y for _, y in per_panel[0]["alpha"]]
        self.assertLess(ys[1], ys[0])
        self.assertAlmostEqual(xs[1] - xs[0], (xs[2] - xs[1]) / 2, delta=0.15)
        self.assertIn('stroke-dasharray="6 4"', doc)

    def test_bar_figure_bars_on_a_log_axis(self):
        groups = [("LSTM", [svgchart.Bar("mine", 10.0, "#00f"),
                            svgchart.Bar("theirs", 100.0, "#0f0", "= 10x")]),
                  ("GRU", [svgchart.Bar("mine", 20.0, "#00f"),
                           svgchart.Bar("theirs", 1000.0, "#0f0")])]
        root = parse(svgchart.bar_figure("Bars", groups, "time, ms (log)", unit="ms",
                                         marks={"LSTM": svgchart.Mark(10.0, "")},
                                         mark_label="a target"))
        bars = [r for r in root.iter("{%s}rect" % NS["s"]) if r.get("class") == "bar"]
        self.assertEqual([b.get("data-bar") for b in bars], ["mine", "theirs"] * 2)
        widths = [float(b.get("width")) for b in bars]
        # log scale: 10 -> 100 and 100 -> 1000 are the same length
        self.assertAlmostEqual(widths[3] - widths[1], widths[1] - widths[0], delta=0.2)
        t = texts(root)
        for label in ("Bars", "time, ms (log)", "LSTM", "GRU", "mine", "theirs", "a target",
                      "10", "100", "1000", "100 ms  = 10x"):
            self.assertIn(label, t)


# ---- run.py on records shaped like the bench programs' output --------------------

HIDDEN, INPUTS = [32, 64, 128, 256, 512], [1, 64]
PEAK = 200.0   # GFLOP/s: 200e9 flops in 1 s


def gflops_of(impl, cell, mode, inp, h, threads):
    """The made-up speed of each case: rnnlite 150 GFLOP/s at one thread except
    LSTM I=1 H=256 forward (100), oneDNN 140, PT+OpenBLAS 60; two threads
    1.5x one, except H=64 (0.9x)."""
    g = {"rnnlite": 150.0, "onednn": 140.0, "pytorch-openblas": 60.0, "pytorch": 3.0}[impl]
    if impl == "rnnlite" and (cell, mode, inp, h) == ("lstm", "fwd", 1, 256):
        g = 100.0
    if threads == 2:
        g *= 0.9 if h == 64 else 1.5
    return g


def cell_record(impl, cell, mode, inp, h, threads):
    rec = {"impl": impl, "kind": "cell", "cell": cell, "mode": mode, "input": inp, "hidden": h,
           "threads": threads, "batch": 64, "steps": 50, "reps": 5}
    t = run.flops(rec) / (gflops_of(impl, cell, mode, inp, h, threads) * 1e9)
    rec.update(median_s=t, min_s=t * 0.98, max_s=t * 1.05)
    return rec


def records():
    recs = [{"impl": "rnnlite", "kind": "peak", "mode": "avx512", "flops": PEAK * 1e9,
             "min_s": 1.0, "median_s": 1.0}]
    for cpu, gflops in ((0, 196.0), (1, 190.0)):     # both CPUs at once: 1.93x one
        recs.append({"impl": "machine", "kind": "peak_concurrent", "mode": "avx512", "cpu": cpu,
                     "flops": gflops * 1e9, "min_s": 1.0, "median_s": 1.0, "processes": 2})
    for impl in ("rnnlite", "onednn", "pytorch-openblas"):
        for cell in ("rnn", "lstm", "gru"):
            for mode in ("fwd", "fwdbwd"):
                for inp in INPUTS:
                    for h in HIDDEN:
                        for threads in (1, 2):
                            recs.append(cell_record(impl, cell, mode, inp, h, threads))
    fit = {"rnn": 0.0136, "lstm": 0.0573, "gru": 0.0472}
    for cell, t in fit.items():
        for impl, factor in (("rnnlite", 1), ("pytorch-openblas", 12), ("pytorch", 25)):
            if (impl, cell) == ("pytorch-openblas", "lstm"):
                factor = 5.4
            for mode, scale in (("fit", 1.0), ("predict", 0.05)):
                s = t * factor * scale
                recs.append({"impl": impl, "kind": "seed", "cell": cell, "mode": mode,
                             "input": 1, "hidden": 50, "threads": 1, "batch": 64, "steps": 10,
                             "median_s": s, "min_s": s, "max_s": s, "reps": 3, "note": "tanh"})
    for mode, us in (("predict1", 3.4), ("stream_stateful", 0.56), ("stream_window", 3.0)):
        recs.append({"impl": "rnnlite", "kind": "latency", "cell": "lstm", "mode": mode,
                     "median_s": us * 1e-6, "p99_s": us * 1.2e-6, "min_s": us * 0.9e-6,
                     "reps": 20000, "note": mode})
    return recs


def options(charts_dir):
    return argparse.Namespace(hidden=HIDDEN, input=INPUTS, threads=[1, 2], passes=2,
                              peers=["pytorch", "pytorch-openblas", "onednn"], build=charts_dir,
                              json=None, markdown=None, charts=charts_dir)


def report(charts_dir):
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        run.report(options(charts_dir), {"cpu": "Test CPU", "date": "2026-11-30T04:00:00"},
                   records(), 1.0, write=False)
    return out.getvalue()


class RunCharts(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.dir = cls.tmp.name
        cls.text = report(cls.dir)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def read(self, name):
        with open(os.path.join(self.dir, name)) as f:
            return f.read()

    def test_every_chart_written(self):
        self.assertEqual(sorted(os.listdir(self.dir)),
                         ["gflops-gru.svg", "gflops-lstm.svg", "gflops-rnn.svg", "seed-fit.svg",
                          "speedup-2t.svg"])

    def test_gflops_chart_series_and_values(self):
        root = parse(self.read("gflops-lstm.svg"))
        panels = panel_polylines(root)
        self.assertEqual(len(panels), 2)                      # forward, forward + backward
        expected = sorted("%s, I = %d" % (impl, i) for impl in ("rnnlite", "oneDNN", "PT+OpenBLAS")
                          for i in INPUTS)
        for p in panels:
            self.assertEqual(sorted(p), expected)
            for pts in p.values():
                self.assertEqual(len(pts), len(HIDDEN))
        # the slow case sits lower than its neighbours' line, at 100 of 150 GFLOP/s
        fwd = panels[0]["rnnlite, I = 1"]
        base = panels[0]["oneDNN, I = 1"][0][1]               # 140 GFLOP/s
        top = panels[0]["rnnlite, I = 1"][0][1]               # 150 GFLOP/s
        per_gflop = (base - top) / 10
        self.assertAlmostEqual(fwd[3][1] - top, 50 * per_gflop, delta=0.3)
        titles = [t.text for t in root.iter("{%s}title" % NS["s"])]
        self.assertIn("rnnlite, I = 1: 100 at 256", titles)
        t = texts(root)
        for label in ("LSTM, forward", "LSTM, forward + backward", "GFLOP/s",
                      "hidden units H (log scale)", "% of one-core peak",
                      "one-core peak 200 GFLOP/s", "512"):
            self.assertIn(label, t)

    def test_speedup_chart(self):
        root = parse(self.read("speedup-2t.svg"))
        panels = panel_polylines(root)
        self.assertEqual(len(panels), 3)
        for p in panels:
            # rnnlite fwd / fwd+bwd x I = 1 / 64, oneDNN fwd / fwd+bwd at I = 64
            self.assertEqual(sorted(p), sorted(["rnnlite forward, I = 1", "rnnlite forward, I = 64",
                                                "rnnlite forward + backward, I = 1",
                                                "rnnlite forward + backward, I = 64",
                                                "oneDNN forward, I = 64",
                                                "oneDNN forward + backward, I = 64"]))
            for pts in p.values():
                self.assertEqual(len(pts), len(HIDDEN))
        titles = [t.text for t in root.iter("{%s}title" % NS["s"])]
        self.assertIn("rnnlite forward, I = 64: 0.9 at 64", titles)
        self.assertIn("rnnlite forward + backward, I = 1: 1.5 at 512", titles)
        self.assertIn("oneDNN forward, I = 64: 0.9 at 64", titles)
        t = texts(root)
        for label in ("SimpleRNN", "LSTM", "GRU", "1.0x: no gain", "target 1.8x",
                      "FMA peak, 2 CPUs: 1.93x"):
            self.assertIn(label, t)

    def test_seed_chart(self):
        root = parse(self.read("seed-fit.svg"))
        bars = [r.get("data-bar") for r in root.iter("{%s}rect" % NS["s"])
                if r.get("class") == "bar"]
        self.assertEqual(bars, ["rnnlite", "PT+OpenBLAS", "PyTorch (as installed)"] * 3)
        t = texts(root)
        self.assertIn("57.3 ms", t)
        self.assertIn("309 ms  = 5.4x rnnlite", t)
        self.assertIn("target: PT+OpenBLAS time / 10", t)

    def test_charts_depend_only_on_the_data(self):
        with tempfile.TemporaryDirectory() as other:
            report(other)
            for name in os.listdir(self.dir):
                with open(os.path.join(other, name)) as f:
                    self.assertEqual(f.read(), self.read(name), name)

    def test_breakdown_shows_the_parts_that_were_timed(self):
        # a part the table does not know (a backward that fuses), none transposing
        times = {"gemm_fwd_in": 1e-3, "gemm_fwd_rec": 5e-3, "cell_fwd": 1e-3, "fill_fwd": 0,
                 "gemm_bwd_dh": 4e-3, "gemm_bwd_w": 4e-3, "cell_bwd": 1e-3, "fused_bwd": 0.5e-3,
                 "colsum_bwd": 0.5e-3, "layer_fwd": 8e-3, "layer_bwd": 12e-3, "adam": 1e-3,
                 "predict": 8.5e-3, "fit_step": 20e-3}
        recs = [{"impl": "rnnlite", "kind": "breakdown", "cell": "lstm", "mode": k, "input": 64,
                 "hidden": 128, "threads": 1, "steps": 50, "median_s": v}
                for k, v in times.items()]
        text, rows = run.breakdown_table(recs, PEAK)
        header = [c.strip() for c in text.split("\n")[0].split("|")[1:-1]]
        self.assertIn("fused_bwd", header)           # unknown: by its name
        self.assertNotIn("transpose U", header)
        cells = [c.strip() for c in text.split("\n")[2].split("|")[1:-1]]
        rest_bwd = len(header) - 1 - header[::-1].index("rest")
        self.assertEqual(cells[rest_bwd], "2 (17%)")          # backward rest: 12 - 10 ms
        # [64 x 128] x [128 x 512] x 49 steps in 5 ms: 82 GFLOP/s
        self.assertAlmostEqual(rows[0]["gemm_gflops"]["gemm_fwd_rec"],
                               2.0 * 49 * 64 * 128 * 512 / 5e-3 / 1e9)

    def test_baseline_column(self):
        path = os.path.join(self.dir, "..", os.path.basename(self.dir) + "-base.json")
        with open(path, "w") as f:
            json.dump({"options": {"hidden": HIDDEN, "input": INPUTS, "threads": [1, 2],
                                   "peers": ["pytorch", "pytorch-openblas", "onednn"]},
                       "machine": {"date": "2026-11-30T01:57:16+00:00"},
                       "records": records()}, f)
        try:
            base = run.baseline_goals(path)
        finally:
            os.remove(path)
        text = run.targets_table(base[0], base)
        self.assertRegex(text, r"\| baseline \(2026-11-30 01:57\) +\| this run")
        self.assertRegex(text, r"\| < 0.5 us +\| median 0.560 us \(worst p99 0.672 us\) +"
                               r"\| median 0.560 us +\| no +\|")

    def test_paired_speedup_is_the_two_thread_figure(self):
        # bench_rnnlite --threads 1,2 in two passes: 2T medians that would read
        # 0.90x against the 1T ones, paired rounds that read 0.99x and 1.03x
        recs, best, paired = records(), {}, {}
        case = lambda r: tuple(r.get(k) for k in ("impl", "kind", "cell", "mode", "input",
                                                  "hidden", "threads"))
        one = next(r for r in recs if case(r) == ("rnnlite", "cell", "rnn", "fwd", 1, 64, 1))
        two = next(r for r in recs if case(r) == ("rnnlite", "cell", "rnn", "fwd", 1, 64, 2))
        for n, (sp, lo, hi) in enumerate(((0.99, 0.9, 1.1), (1.03, 0.95, 1.2))):
            t2 = dict(two, median_s=two["median_s"] * (1 + n), speedup_vs_threads=1, speedup=sp,
                      speedup_min=lo, speedup_max=hi, pairs=25)
            run.keep_best(best, paired, [dict(one), t2], n + 1)
        merged = run.merge_paired(best, paired)
        self.assertEqual(len(merged), 2)
        rest = [r for r in recs if r is not one and r is not two]
        rows2 = run.cell_rows(rest + merged, options(self.dir), PEAK, 2)
        row = next(r for r in rows2 if (r["cell"], r["mode"], r["input"], r["hidden"]) ==
                   ("rnn", "fwd", 1, 64))
        self.assertAlmostEqual(row["speedup_vs_1T"], 1.01)      # median of the passes' pairs
        self.assertEqual(row["speedup_vs_1T_range"], [0.9, 1.2])
        self.assertEqual(row["speedup_pairs"], 50)
        self.assertAlmostEqual(row["rnnlite_ms"], two["median_s"] * 1e3)   # the best pass
        # records without pairs (a JSON of before) keep the ratio of the medians
        old = next(r for r in rows2 if (r["cell"], r["mode"], r["input"], r["hidden"]) ==
                   ("rnn", "fwdbwd", 1, 64))
        self.assertAlmostEqual(old["speedup_vs_1T"], 0.9)

    def test_seed_shape_bounds(self):
        # one training step at T = 10, I = 1, H = 50: 3 x 2*64*10*51*200 =
        # 39.168 MFLOP (LSTM); oneDNN at 50 GFLOP/s, rnnlite at 100
        step = 3 * 2.0 * 64 * 10 * 51 * 200
        recs = [r for r in records()]
        for impl, gflops in (("onednn", 50.0), ("rnnlite", 100.0)):
            for batch in (64, 30):
                t = step * batch / 64 / (gflops * 1e9)
                recs.append({"impl": impl, "kind": "seedshape", "cell": "lstm", "mode": "fwdbwd",
                             "hidden": 50, "input": 1, "batch": batch, "steps": 10, "threads": 1,
                             "median_s": t, "min_s": t, "max_s": t, "p99_s": t, "reps": 200})
        # the products alone: rec 160, dh 140, dW 120 GFLOP/s
        rates = {"gemm_fwd_rec": 160.0, "gemm_bwd_dh": 140.0, "gemm_bwd_w": 120.0}
        times = {k: run.gemm_flops(k, "lstm", 1, 50, t=10) / (g * 1e9) for k, g in rates.items()}
        times.update(gemm_fwd_in=1e-5, layer_fwd=2e-4, layer_bwd=3e-4, adam=4e-6, predict=2e-4,
                     fit_step=5e-4)
        recs += [{"impl": "rnnlite", "kind": "breakdown", "cell": "lstm", "mode": k, "input": 1,
                  "hidden": 50, "threads": 1, "steps": 10, "median_s": v}
                 for k, v in times.items()]
        _, bd_rows = run.breakdown_table(recs, PEAK)
        lines = run.seed_shape_bounds(recs, bd_rows, PEAK)
        self.assertEqual(len(lines), 3)                       # batch 64, batch 30, products
        self.assertIn("batch 64", lines[0])
        self.assertIn("oneDNN (forward_training + backward) LSTM 50 GFLOP/s (25 %, 0.783 ms)",
                      lines[0])
        self.assertIn("rnnlite (one rl_fit step with Adam) LSTM 100 GFLOP/s (50 %, 0.392 ms)",
                      lines[0])
        self.assertIn("batch 30", lines[1])
        self.assertIn("LSTM 50 GFLOP/s (25 %, 0.367 ms)", lines[1])
        # forward 2*10*64*51*200 at 160, dh 2*9*64*200*50 at 140, dW 2*10*64*52*200
        # at 120: 81.6 + 82.3 + 110.9 = 274.8 us for the step's 39.168 MFLOP
        self.assertIn("LSTM rec [64x50]x[50x200] 80 %, dh [64x200]x[200x50] 70 %, dW "
                      "[52x640]x[640x200] 60 %; a fit step's products alone at these rates: "
                      "275 us, 143 GFLOP/s (71 %)", lines[2])
        # and the report prints them among the bounds, a run without them does not
        out = io.StringIO()
        with tempfile.TemporaryDirectory() as other, contextlib.redirect_stdout(out), \
                contextlib.redirect_stderr(io.StringIO()):
            run.report(options(other), {"cpu": "Test CPU", "date": "2026-11-30T04:00:00"},
                       recs, 1.0, write=False)
        for line in lines:
            self.assertIn("- " + line, out.getvalue())
        self.assertNotIn("seed shape", self.text)

    def test_gemm_peers_table_and_bounds(self):
        # gemm_peers' records: LSTM seed rec [64x51]x[51x200] and forward rec
        # H=128 [64x128]x[128x512], each implementation at a made-up rate
        shapes = {("seed_rec", 50): (64, 51, 200, "seed_rec [64x51]x[51x200]"),
                  ("fwd_rec", 128): (64, 128, 512, "fwd_rec [64x128]x[128x512]"),
                  ("bwd_dh", 128): (64, 512, 128, "bwd_dh [64x512]x[512x128]")}
        rates = {("seed_rec", 50): {"rnnlite": 120.0, "rnnlite-packed": 130.0, "onednn": 140.0,
                                    "openblas": 100.0, "openblas-skx": 110.0, "libxsmm": 150.0,
                                    "blis": 80.0},
                 ("fwd_rec", 128): {"rnnlite": 150.0, "rnnlite-packed": 160.0, "onednn": 150.0,
                                    "openblas": 90.0},
                 ("bwd_dh", 128): {"rnnlite": 170.0, "onednn": 160.0}}
        recs = []
        for key, (m, k, n, note) in shapes.items():
            f = 2.0 * m * k * n * 100   # 100 products a sample
            for impl, g in rates[key].items():
                extra = "; brg:avx512_core, B prepacked" if impl == "onednn" else ""
                recs.append({"impl": impl, "kind": "gemm", "cell": "lstm", "mode": key[0],
                             "hidden": key[1], "batch": 64, "threads": 1, "note": note + extra,
                             "flops": f, "median_s": f / (g * 1e9), "min_s": f / (g * 1e9)})
        # bench_breakdown's recurrent product at H = 128 (50 steps) at 90 GFLOP/s
        bd = {"gemm_fwd_rec": run.gemm_flops("gemm_fwd_rec", "lstm", 64, 128) / 90e9,
              "layer_fwd": 1e-3, "layer_bwd": 2e-3, "adam": 1e-5, "predict": 1e-3,
              "fit_step": 3e-3}
        recs += [{"impl": "rnnlite", "kind": "breakdown", "cell": "lstm", "mode": k, "input": 64,
                  "hidden": 128, "threads": 1, "steps": 50, "median_s": v}
                 for k, v in bd.items()]
        _, bd_rows = run.breakdown_table(recs, PEAK)
        rows = run.gemm_rows(recs, bd_rows, PEAK)
        self.assertEqual([(r["mode"], r["hidden"]) for r in rows],
                         [("seed_rec", 50), ("fwd_rec", 128), ("bwd_dh", 128)])   # seed first
        seed, fwd, bwd = rows
        self.assertEqual(bwd["rnnlite_best"], "rnnlite")
        self.assertEqual(seed["shape"], "[64x51]x[51x200]")
        self.assertEqual(seed["best_peer"], "libxsmm")
        self.assertEqual(seed["rnnlite_best"], "rnnlite-packed")
        self.assertAlmostEqual(seed["pct"]["onednn"], 70.0)
        self.assertAlmostEqual(seed["padded_bound_pct"], 100 * 200 / 208)   # 13 vectors
        self.assertAlmostEqual(run.padded_bound(50, 16), 50 / 64)       # dh: 4 vectors a row
        self.assertNotIn("breakdown_pct", seed)      # no seed-shape breakdown in this run
        self.assertEqual(seed["notes"]["onednn"], "brg:avx512_core, B prepacked")
        self.assertAlmostEqual(fwd["breakdown_pct"], 45.0)
        self.assertEqual(fwd["best_peer"], "onednn")
        table = run.gemm_table(rows)
        line = next(l for l in table.split("\n") if "seed rec" in l)
        cells = [c.strip() for c in line.split("|")[1:-1]]
        self.assertEqual(cells, ["LSTM", "seed rec", "[64x51]x[51x200]", "96 %", "70 % (140)",
                                 "75 % (150)", "50 % (100)", "55 % (110)", "40 % (80)",
                                 "60 % (120)", "65 % (130)", "-", "0.87x"])
        line = next(l for l in table.split("\n") if "forward rec" in l)
        cells = [c.strip() for c in line.split("|")[1:-1]]
        self.assertEqual(cells[-2:], ["45 %", "1.07x"])        # bench_breakdown's; 160 / 150
        self.assertEqual(cells[3], "100 %")                    # 512 = 32 x 16 lanes
        self.assertEqual(cells[5], "-")                        # no LIBXSMM record
        self.assertEqual(cells[7], "-")                        # no OpenBLAS SKX record
        lines = run.gemm_bounds(rows)
        self.assertEqual(len(lines), 3)
        self.assertIn("LSTM rec LIBXSMM 75 % vs 65 %", lines[0])
        self.assertIn("LSTM H=128 oneDNN matmul 75 % vs 80 %", lines[1])
        self.assertIn("The backward's dh", lines[2])
        self.assertIn("LSTM H=128 oneDNN matmul 80 % vs 85 %", lines[2])
        out = io.StringIO()
        with tempfile.TemporaryDirectory() as other, contextlib.redirect_stdout(out), \
                contextlib.redirect_stderr(io.StringIO()):
            run.report(options(other), {"cpu": "Test CPU", "date": "2026-11-30T04:00:00"},
                       records() + recs, 1.0, write=False)
        self.assertIn("### The peers' own figure for the products", out.getvalue())
        for line in lines:
            self.assertIn("- " + line, out.getvalue())
        self.assertNotIn("peers' own figure for the products", self.text)   # none measured

    def test_seed_ratio_is_the_median_of_its_rounds(self):
        # Three rounds, the machine slower in the second: rnnlite 50, 60, 50
        # ms against PT+OpenBLAS 520, 540, 480 ms. Per round 10.4x, 9.0x,
        # 9.6x: the median 9.6x, where the medians' ratio would be 520 / 50
        # = 10.4x. PyTorch as installed ran in round 1 only.
        opt = options(self.dir)
        recs = []
        for n, (mine, theirs) in enumerate(((0.050, 0.520), (0.060, 0.540), (0.050, 0.480))):
            for impl, s in (("rnnlite", mine), ("pytorch-openblas", theirs)) + (
                    (("pytorch", 2.6),) if n == 0 else ()):
                recs.append({"impl": impl, "kind": "seed", "cell": "lstm", "mode": "fit",
                             "input": 1, "hidden": 50, "threads": 1, "batch": 64, "steps": 10,
                             "median_s": s, "min_s": s, "max_s": s, "reps": 3, "note": "tanh",
                             "round": n + 1})
        table, rows = run.seed_table(recs, opt.peers)
        row = rows[0]
        self.assertAlmostEqual(row["rnnlite_fit_s"], 0.050)
        self.assertAlmostEqual(row["pytorch-openblas_fit_s"], 0.520)
        self.assertAlmostEqual(row["pytorch-openblas_fit_ratio"], 0.480 / 0.050)
        self.assertEqual(row["pytorch-openblas_fit_ratio_range"], [0.540 / 0.060, 0.520 / 0.050])
        self.assertAlmostEqual(row["pytorch_fit_ratio"], 2.6 / 0.050)   # its one round
        self.assertNotIn("pytorch_fit_ratio_range", row)                  # no range of one
        self.assertIn("9.6 (9.0-10.4)", table)
        goal = run.targets([], [], rows, [], opt.peers)[0]
        self.assertFalse(goal["met"])
        self.assertEqual(goal["worst"], "LSTM 9.6x")
        self.assertIn("ranges 9.0-10.4x", goal["measured"])

    def test_targets_verdicts_and_worst_cases(self):
        opt = options(self.dir)
        rows1 = run.cell_rows(records(), opt, PEAK, 1)
        rows2 = run.cell_rows(records(), opt, PEAK, 2)
        _, seed = run.seed_table(records(), opt.peers)
        _, lat = run.latency_table(records())
        verdicts = run.targets(rows1, rows2, seed, lat, opt.peers)
        self.assertEqual(len(verdicts), 7)                    # the table, in order
        goal = lambda prefix: next(g for g in verdicts if g["target"].startswith(prefix))
        seed_goal = goal("seed fit vs PT+OpenBLAS")
        self.assertFalse(seed_goal["met"])
        self.assertEqual(seed_goal["worst"], "LSTM 5.4x")
        fwd = goal("forward vs oneDNN")
        self.assertIn("24 cases", fwd["target"])
        self.assertFalse(fwd["met"])                          # 23 of 24, median 1.07x
        self.assertIn(">= 1.0x in 23 of 24; median 1.07x", fwd["measured"])
        self.assertEqual(fwd["worst"], "LSTM I=1 H=256 fwd 0.71x")
        self.assertTrue(goal("forward + backward vs oneDNN")["met"])
        peak_goal = goal("forward, % of peak")
        self.assertFalse(peak_goal["met"])                    # 75 % everywhere but 50 %
        self.assertEqual(peak_goal["worst"], "LSTM I=1 H=256 fwd 50 %")
        self.assertFalse(goal("two threads vs one, H >= 256")["met"])   # 1.5x, not 1.8x
        any_size = goal("two threads vs one, any size")
        self.assertFalse(any_size["met"])
        self.assertEqual(any_size["worst"], "SimpleRNN I=1 H=64 fwd 0.90x")
        stream = goal("stream step stateful")
        self.assertFalse(stream["met"])
        self.assertEqual(stream["measured"], "median 0.560 us")
        self.assertIn("avx512 196.0 + 190.0 = 386.0 GFLOP/s, 1.93x one core", self.text)
        # the bounds: 10x PT+OpenBLAS's 309 ms LSTM fit (6.06 GFLOP) is 196 GFLOP/s
        self.assertIn("LSTM 196 GFLOP/s (98 % of peak; this run 106, 53 %)", self.text)
        self.assertIn("oneDNN's forward at H >= 128, LSTM and GRU: 70-70 % of peak", self.text)
        self.assertIn("FMA peak with both CPUs busy (avx512): 1.93x one core", self.text)
        self.assertIn("oneDNN's own two-thread speed-up at H >= 256: 1.50-1.50x", self.text)
        self.assertRegex(self.text, r"\| stream step stateful, LSTM\(50\)\+Dense\(1\) +\| < 0.5 us +"
                                    r"\| median 0.560 us +\| no +\| p99 0.672 us +\|")

    def test_two_threads_against_the_machines_ceiling(self):
        # bench_rnnlite --what ceiling in two passes: the halves at 1.9x one
        # thread (1.85x and 1.95x) but for LSTM I=1 H=512 fwd+bwd (1.6x),
        # beside their one-thread records; the pool reads 1.5x everywhere
        # (gflops_of)
        ceiling = []
        for cell in ("rnn", "lstm", "gru"):
            for inp in INPUTS:
                for h in (256, 512):
                    for mode in ("fwd", "fwdbwd"):
                        sp = 1.6 if (cell, inp, h, mode) == ("lstm", 1, 512, "fwdbwd") else 1.9
                        base = {"impl": "rnnlite", "kind": "ceiling", "cell": cell,
                                "input": inp, "hidden": h, "mode": mode, "batch": 64,
                                "steps": 50, "median_s": 1.0}
                        for n, p in ((1, sp - 0.05), (2, sp + 0.05)):   # two passes
                            ceiling.append(dict(base, threads=1, note="one thread",
                                                ceiling_pass=n))
                            ceiling.append(dict(base, threads=2, note="halves", median_s=1 / p,
                                                speedup_vs_threads=1, speedup=p,
                                                speedup_min=p - 0.1, speedup_max=p + 0.1,
                                                pairs=9, ceiling_pass=n))
        recs = records() + ceiling
        opt = options(self.dir)
        rows2 = run.cell_rows(recs, opt, PEAK, 2)
        rows = run.ceiling_rows(recs, rows2)
        self.assertEqual(len(rows), 24)                       # the target's cases, once each
        worst = next(r for r in rows if (r["cell"], r["input"], r["hidden"], r["mode"]) ==
                     ("lstm", 1, 512, "fwdbwd"))
        self.assertAlmostEqual(worst["pool_speedup"], 1.5)
        self.assertAlmostEqual(worst["halves_speedup"], 1.6)    # the passes' median
        self.assertEqual(worst["halves_passes"], 2)
        self.assertAlmostEqual(worst["of_ceiling"], 1.5 / 1.6)
        self.assertEqual([round(x, 6) for x in worst["halves_speedup_range"]], [1.45, 1.75])
        _, seed = run.seed_table(recs, opt.peers)
        _, lat = run.latency_table(recs)
        goal = next(g for g in run.targets(run.cell_rows(recs, opt, PEAK, 1), rows2, seed, lat,
                                           opt.peers, rows)
                    if g["target"].startswith("two threads vs one, H >= 256"))
        self.assertFalse(goal["met"])                         # the pool's 1.5x decides
        self.assertIn("; the machine's ceiling (independent halves at once) 1.60-1.90x, "
                      ">= 1.8x in 23 of 24; the pool at 79-94 % of it (median 79 %)",
                      goal["measured"])
        out = io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
            run.report(opt, {"cpu": "Test CPU", "date": "2026-11-30T04:00:00"}, recs, 1.0,
                       write=False)
        self.assertIn("### Two threads against the machine's ceiling\n", out.getvalue())
        self.assertIn("| LSTM I=1 H=512 fwd+bwd | 1.50 | 1.60 | 0.94 |", out.getvalue())
        self.assertNotIn("machine's ceiling", self.text)   # not measured: no section

    def test_cases_under_one_against_the_ceiling(self):
        # the ceiling at every size: where the pool reads under 1.0x, the
        # never-below-1.0x verdict names the machine's own figure there
        rows = [{"cell": "rnn", "input": 1, "hidden": 64, "mode": "fwd", "pool_speedup": 0.95,
                 "halves_speedup": 1.98, "of_ceiling": 0.95 / 1.98},
                {"cell": "gru", "input": 64, "hidden": 32, "mode": "fwdbwd",
                 "pool_speedup": 0.98, "halves_speedup": 1.02, "of_ceiling": 0.98 / 1.02},
                {"cell": "lstm", "input": 1, "hidden": 256, "mode": "fwd", "pool_speedup": 1.9,
                 "halves_speedup": 1.95, "of_ceiling": 1.9 / 1.95}]
        self.assertEqual(run.below_detail(rows, 1.0),
                         "; where under 1.0x, the machine's ceiling SimpleRNN I=1 H=64 fwd 1.98x "
                         "(the pool at 48 % of it), GRU I=64 H=32 fwd+bwd 1.02x (the pool at "
                         "96 % of it)")
        self.assertEqual(run.below_detail(rows[2:], 1.0), "")
        rows2 = [{"cell": "rnn", "input": 1, "hidden": 64, "mode": "fwd", "speedup_vs_1T": 0.95},
                 {"cell": "lstm", "input": 1, "hidden": 256, "mode": "fwd", "speedup_vs_1T": 1.9}]
        goal = next(g for g in run.targets([], rows2, [], [], ["onednn"], rows)
                    if g["target"].startswith("two threads vs one, any size"))
        self.assertFalse(goal["met"])
        self.assertIn("SimpleRNN I=1 H=64 fwd 1.98x (the pool at 48 % of it)", goal["measured"])
        h256 = next(g for g in run.targets([], rows2, [], [], ["onednn"], rows)
                    if g["target"].startswith("two threads vs one, H >= 256"))
        self.assertIn("1.95-1.95x, >= 1.8x in 1 of 1", h256["measured"])   # H >= 256 only

    def test_percent_of_the_peak_read_beside_each_case(self):
        # Readings are their runs' medians (min_s: a faster best run, not
        # used). Pass 1 read 160 / 170 GFLOP/s around H = 128 (the higher counts),
        # pass 2 250 (not the pass that counted there); rnnlite's H = 128
        # records carry pass 1, the rest pass 2; H = 256 has no reading at
        # first, so no "beside".
        recs = records()
        for r in recs:
            if r["impl"] == "rnnlite" and r.get("kind") == "cell":
                r["pass"] = 1 if r["hidden"] == 128 else 2
        for n, h, where, gflops in ((1, 128, "before", 160.0), (1, 128, "after", 170.0),
                                    (2, 128, "before", 250.0), (2, 512, "before", 180.0),
                                    (2, 512, "after", 175.0)):
            recs.append({"impl": "machine", "kind": "peak_adjacent", "mode": "avx512",
                         "threads": 1, "flops": gflops * 1e9, "min_s": 0.8, "median_s": 1.0,
                         "peak_pass": n, "hidden": h, "where": where})
        self.assertEqual(run.peak_beside(recs), {(1, 128): 170.0, (2, 128): 250.0,
                                                 (2, 512): 180.0})
        opt = options(self.dir)
        rows1 = run.cell_rows(recs, opt, PEAK, 1)
        row = lambda cell, inp, h: next(r for r in rows1 if (r["cell"], r["input"], r["hidden"],
                                                             r["mode"]) == (cell, inp, h, "fwd"))
        self.assertAlmostEqual(row("lstm", 64, 128)["rnnlite_pct_peak_beside"], 100 * 150 / 170)
        self.assertAlmostEqual(row("lstm", 64, 128)["rnnlite_pct_peak"], 75.0)   # of PEAK 200
        self.assertAlmostEqual(row("gru", 1, 512)["rnnlite_pct_peak_beside"], 100 * 150 / 180)
        self.assertNotIn("rnnlite_pct_peak_beside", row("lstm", 1, 256))
        self.assertTrue(all("rnnlite_pct_peak_beside" not in r
                            for r in run.cell_rows(recs, opt, PEAK, 2)))
        # the verdict falls back to the run's peak while any case lacks a reading...
        _, seed = run.seed_table(recs, opt.peers)
        _, lat = run.latency_table(recs)
        goal = next(g for g in run.targets(rows1, [], seed, lat, opt.peers)
                    if g["target"].startswith("forward, % of peak"))
        self.assertEqual(goal["measured"], "50-75 %; >= 80 % in 0 of 12")
        # ...and judges by the peak beside once every case has one
        recs += [{"impl": "machine", "kind": "peak_adjacent", "mode": "avx512", "threads": 1,
                  "flops": 140e9, "min_s": 0.9, "median_s": 1.0, "peak_pass": 2, "hidden": 256,
                  "where": "after"}]
        rows1 = run.cell_rows(recs, opt, PEAK, 1)
        goal = next(g for g in run.targets(rows1, [], seed, lat, opt.peers)
                    if g["target"].startswith("forward, % of peak"))
        self.assertEqual(goal["measured"], "of the peak read beside each case 71-107 %; "
                                           ">= 80 % in 11 of 12; of the run's best peak 50-75 %, "
                                           ">= 80 % in 0")
        self.assertFalse(goal["met"])
        self.assertEqual(goal["worst"], "LSTM I=1 H=256 fwd 71 %")   # 100 / 140


if __name__ == "__main__":
    unittest.main()
