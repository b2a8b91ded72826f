#!/usr/bin/python3
"""Build and run the rnnlite bench suite and its peers; print one table.

    bench/run.py                  # full run (about 10 minutes)
    bench/run.py --quick          # a smaller run to try things out

Steps: configure <build> with -Dbench=true if needed and build it; measure
the machine's single-core FMA peak (bench_peak, at the start and the end);
run rnnlite (bench_rnnlite) and oneDNN (dnnl_bench, when built) in turns, at
1 and 2 threads (rnnlite's two counts in one process, timed in turn: its
two-thread speed-up is a paired figure); PyTorch as installed (1 thread) and with
OPENBLAS_CORETYPE=SkylakeX (1 and 2 threads) (peers/torch_bench.py under
/usr/bin/python3); one training step of rnnlite and oneDNN at the seed
workload's own shape (T = 10, I = 1, H = 50, batch 64 and 30; --what
seedshape, ~5 s); single matrix products at the layers' own shapes, rnnlite
against oneDNN's matmul and OpenBLAS's sgemm in turns (gemm_peers, when
built: the peers' own figure for the products, ~1 minute); time the pieces
of a layer (bench_breakdown); print the
tables and issue 11's targets; write <build>/bench-results.json,
<build>/bench-results.md and the SVG charts <build>/charts/*.svg (GFLOP/s
against H per cell kind, two-thread speed-up, seed fit times; bench/svgchart.py).

    bench/run.py --from-json docs/perf/bench-results.json
                                  # tables again, charts into docs/perf/charts/

Ratios are peer time / rnnlite time: above 1 means rnnlite is faster.
"""
import argparse
import datetime
import json
import os
import platform
import re
import shutil
import subprocess
import sys

import svgchart

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TORCH_PY = "/usr/bin/python3"   # Debian's interpreter, with python3-torch
GATES = {"rnn": 1, "lstm": 4, "gru": 3}
CELL_NAMES = {"rnn": "SimpleRNN", "lstm": "LSTM", "gru": "GRU"}
PEERS = ["pytorch", "pytorch-openblas", "pytorch-skx", "onednn"]
PEER_LABEL = {"pytorch": "PyTorch", "pytorch-openblas": "PT+OpenBLAS",
              "pytorch-skx": "PT+OpenBLAS SKX", "onednn": "oneDNN"}
TORCH_PEERS = [p for p in PEERS if p.startswith("pytorch")]
OPENBLAS_DEB = "libopenblas0-pthread"
OPENBLAS_SUBDIR = "usr/lib/x86_64-linux-gnu/openblas-pthread"
BLIS_DEB = "libblis4-serial"   # one thread, no OpenMP: gemm_peers' BLIS
BLIS_LIB = "usr/lib/x86_64-linux-gnu/blis-serial/libblis.so.4"


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# ---- running the programs ------------------------------------------------------

def build(build_dir, jobs):
    if not os.path.exists(os.path.join(build_dir, "build.ninja")):
        subprocess.run(["meson", "setup", build_dir, ROOT, "-Dbench=true", "-Dtests=false",
                        "-Dexamples=false", "-Dbuildtype=release"], check=True,
                       stdout=subprocess.DEVNULL)
    else:
        subprocess.run(["meson", "configure", build_dir, "-Dbench=true"], check=True,
                       stdout=subprocess.DEVNULL)
    subprocess.run(["ninja", "-C", build_dir, "-j", str(jobs)], check=True,
                   stdout=subprocess.DEVNULL)


def clean_env(**extra):
    """The environment without any OpenBLAS/OpenMP tuning, plus `extra`."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("OPENBLAS_") and not k.startswith("OMP_")}
    env.update(extra)
    return env


def run_records(cmd, env=None, label=""):
    log("  " + label + ": " + " ".join(os.path.basename(c) if i == 0 else c
                                       for i, c in enumerate(cmd)))
    t0 = datetime.datetime.now()
    p = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    log("    %.0f s" % (datetime.datetime.now() - t0).total_seconds())
    if p.returncode != 0:
        log(p.stderr)
        raise SystemExit("%s failed with status %d" % (cmd[0], p.returncode))
    return ([json.loads(line) for line in p.stdout.splitlines() if line.startswith("{")],
            p.stderr + p.stdout)


def system_blas():
    """The BLAS that programs linking libblas.so.3 get (Debian alternatives)."""
    try:
        return os.path.realpath("/etc/alternatives/libblas.so.3-x86_64-linux-gnu")
    except OSError:
        return ""


def unpacked_deb(bdir, deb, subdir, wanted, fetch, info, info_key, what):
    """The file `wanted` (a path inside Debian package `deb`) installed, or
    from the package unpacked into <bdir>/<subdir> (apt-get download +
    dpkg -x: nothing changes on the system), fetched once when `fetch` is
    true; None when neither. A fetched .deb's name goes in info[info_key]."""
    if os.path.exists("/" + wanted):
        return "/" + wanted
    local = os.path.join(bdir, subdir)
    path = os.path.join(local, wanted)
    if os.path.exists(path):
        return path
    if not fetch or not shutil.which("apt-get") or not shutil.which("dpkg"):
        return None
    log("fetching %s (unpacked into %s, not installed)" % (deb, local))
    os.makedirs(local, exist_ok=True)
    p = subprocess.run(["apt-get", "download", deb], cwd=local,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    debs = [f for f in os.listdir(local) if f.startswith(deb) and f.endswith(".deb")]
    if p.returncode != 0 or not debs:
        log("  apt-get download failed; %s skipped\n%s" % (what, p.stderr))
        return None
    subprocess.run(["dpkg", "-x", os.path.join(local, debs[0]), local], check=True)
    info[info_key] = debs[0]
    return path if os.path.exists(path) else None


def find_openblas(bdir, fetch, info):
    """A directory holding OpenBLAS's libblas.so.3, for LD_LIBRARY_PATH:
    Debian's OpenBLAS when installed, else the package unpacked into
    <bdir>/peers-openblas."""
    lib = unpacked_deb(bdir, OPENBLAS_DEB, "peers-openblas",
                       os.path.join(OPENBLAS_SUBDIR, "libblas.so.3"), fetch, info,
                       "openblas_deb", "OpenBLAS peers")
    return os.path.dirname(lib) if lib else None


def find_blis(bdir, fetch, info):
    """Debian's serial BLIS (libblis.so.4) for gemm_peers: installed, or the
    package unpacked into <bdir>/peers-blis."""
    return unpacked_deb(bdir, BLIS_DEB, "peers-blis", BLIS_LIB, fetch, info, "blis_deb",
                        "BLIS")


def sizes_args(opt):
    return ["--hidden", ",".join(map(str, opt.hidden)), "--input", ",".join(map(str, opt.input)),
            "--budget", str(opt.budget), "--reps", str(opt.reps)]


def concurrent_peak(peak_exe, n):
    """bench_peak on n CPUs at once, one process pinned to each: against the
    one-core figure, the most n threads can gain on FMA-bound work (vCPUs
    that share a physical core, or a clock that drops with more cores busy,
    show here). Records of kind 'peak_concurrent', with the CPU they ran on."""
    log("  peak on %d CPUs at once" % n)
    pin = ["taskset", "-c"] if shutil.which("taskset") else None
    procs = [subprocess.Popen((pin + [str(cpu)] if pin else []) + [peak_exe],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for cpu in range(n)]
    recs = []
    for cpu, p in enumerate(procs):
        out, err = p.communicate()
        if p.returncode != 0:
            log("    bench_peak on CPU %d failed (%d), skipped: %s" % (cpu, p.returncode, err))
            continue
        for line in out.splitlines():
            if line.startswith("{"):
                rec = json.loads(line)
                rec.update(kind="peak_concurrent", cpu=cpu, processes=n)
                recs.append(rec)
    return recs


def keep_best(best, paired, recs, passes):
    """Per case the record of the pass with the lowest median (noise only ever
    slows a run down); paired records (with "speedup") also kept per pass."""
    for rec in recs:
        key = tuple(rec.get(k) for k in ("impl", "cell", "mode", "input", "hidden", "threads"))
        if "speedup" in rec:
            paired.setdefault(key, []).append(rec)
        rec["passes"] = passes   # how many passes ran (kept up to date on the best)
        rec["pass"] = passes     # the pass this record came from (for peak_beside)
        if key not in best or rec["median_s"] < best[key]["median_s"]:
            best[key] = rec
        else:
            best[key]["passes"] = passes


def merge_paired(best, paired):
    """The best records, each paired case with the median of its passes'
    paired speed-ups, the extremes of their rounds and the rounds in all."""
    for key, prs in paired.items():
        best[key]["paired_speedup"] = median([p["speedup"] for p in prs])
        best[key]["paired_speedup_min"] = min(p["speedup_min"] for p in prs)
        best[key]["paired_speedup_max"] = max(p["speedup_max"] for p in prs)
        best[key]["paired_rounds"] = sum(p["pairs"] for p in prs)
    return list(best.values())


ADJACENT_PEAK_REPS = 7   # ~0.2 s of bench_peak beside each group of cases


def adjacent_peak(exe, n, h, where):
    """A short bench_peak reading just before or after pass n's runs at
    hidden size h (`where`: "before", "after"), as "peak_adjacent" records:
    a shared VM's clock moves by 10-20 % over minutes (this machine's peak
    read 179-217 GFLOP/s within one session), so a case's % of peak is also
    taken against the peak of the same minute (peak_beside)."""
    r, _ = run_records([exe("bench_peak"), "--reps", str(ADJACENT_PEAK_REPS)],
                       label="pass %d: peak %s H=%d" % (n, where, h))
    for rec in r:
        rec.update(kind="peak_adjacent", peak_pass=n, hidden=h, where=where)
    return r


def ceiling_beside(exe, n, h, sizes):
    """The machine's own two-thread figure at hidden size h, taken in pass n
    just after the pool's (bench_rnnlite --what ceiling: each case cut in two
    independent halves run at once, bench/halves.h): the same minutes of
    the VM's clock and of the host's placement of its vCPUs."""
    r, _ = run_records([exe("bench_rnnlite"), "--what", "ceiling", "--hidden", str(h)] + sizes,
                       env=clean_env(), label="pass %d: two-thread ceiling H=%d" % (n, h))
    for rec in r:
        rec["ceiling_pass"] = n
    return r


def peak_beside(recs):
    """(pass, hidden) -> GFLOP/s: the higher of the readings taken just
    before and just after that pass's runs at that size, over the ISAs (the
    higher peak, so the lower % of it: the conservative side). A reading is
    its runs' median, as a case's time is: in the eleventh session's first
    run the best single runs of these readings spread 177-195 GFLOP/s (and
    the run-level best of 31 reached 221) while their medians stayed at
    174-187; a best run is a spike of the clock that no case sustains."""
    out = {}
    for r in recs:
        if r.get("kind") == "peak_adjacent":
            key = (r["peak_pass"], r["hidden"])
            out[key] = max(out.get(key, 0), r["flops"] / r["median_s"] / 1e9)
    return out


SEED_SHAPE_PASSES = 2
GEMM_PEERS_PASSES = 2


def gemm_peer_runs(exe, openblas, blis=None):
    """bench/peers/gemm_peers: single products at the shapes the layers issue
    (the seed fit's rec, dh, dW; the forward's recurrent product at H = 128,
    256, 512), rnnlite's entries, oneDNN's matmul and OpenBLAS's cblas_sgemm
    (loaded from `openblas`, its own core detection and SkylakeX), BLIS's
    (loaded from `blis`) and LIBXSMM's JIT kernels (when built in) timed in
    turns in one process, one thread. Skipped cleanly when not built; a
    library's column when it was not found. Two passes; per case the
    lower median counts. Its peak records (the same loop as bench_peak's)
    join the run's."""
    prog = exe("gemm_peers")
    if not os.path.exists(prog):
        log("  gemm_peers not built, skipped")
        return []
    cmd = [prog, "--budget", "0.3"]
    if openblas and os.path.exists(os.path.join(openblas, "libopenblas.so.0")):
        cmd += ["--openblas", openblas]
    if blis:
        cmd += ["--blis", blis]
    best, peaks = {}, []
    for n in range(GEMM_PEERS_PASSES):
        r, _ = run_records(cmd, env=clean_env(OMP_NUM_THREADS="1"),
                           label="pass %d: products at the layers' shapes" % (n + 1))
        for rec in r:
            if rec.get("kind") != "gemm":
                peaks.append(rec)
                continue
            key = tuple(rec.get(k) for k in ("impl", "cell", "mode", "hidden"))
            if key not in best or rec["median_s"] < best[key]["median_s"]:
                best[key] = rec
    return peaks + list(best.values())


def seed_shape_runs(exe, have_dnnl):
    """One training step (and a forward) at the seed workload's shape, rnnlite
    and oneDNN in turns (bench_rnnlite / dnnl_bench --what seedshape: T = 10,
    I = 1, H = 50, batch 64 and the last batch's 30, one thread): the peer's
    own figure at the shape of the seed fit. A call takes 0.02-0.8 ms, so up
    to 200 samples a case (~2 s a program); per case the pass with the lower
    median counts."""
    runs = [("rnnlite", exe("bench_rnnlite"), clean_env())]
    if have_dnnl:
        runs.append(("oneDNN", exe("dnnl_bench"), clean_env(OMP_NUM_THREADS="1")))
    best = {}
    for n in range(SEED_SHAPE_PASSES):
        for name, prog, env in (runs if n % 2 == 0 else runs[::-1]):
            r, _ = run_records([prog, "--what", "seedshape", "--threads", "1", "--reps", "200",
                                "--budget", "0.2"], env=env,
                               label="pass %d: %s seed shape" % (n + 1, name))
            for rec in r:
                key = tuple(rec.get(k) for k in ("impl", "cell", "mode", "batch"))
                if key not in best or rec["median_s"] < best[key]["median_s"]:
                    best[key] = rec
    return list(best.values())


def seed_rounds(exe, sizes, torch_script, torch_seed, rounds):
    """The seed fit of rnnlite and of each PyTorch configuration in turns,
    `rounds` times (the order reversed every other round): records of kind
    "seed" with their round. A configuration's ratio is the median of its
    rounds' ratios (seed_table), each against rnnlite's fit minutes apart
    at most. Timed in one block each, as before, the LSTM's ratio against
    PT+OpenBLAS read 9.3x and 10.5x in two runs 11 minutes apart on one
    machine (the sixteenth session), the clock of a shared VM drifting
    between the two programs' turns. PyTorch as installed (netlib BLAS, a
    fit of seconds) runs in the first round only."""
    recs = []
    for n in range(rounds if torch_seed else 1):   # nothing to pair with: one round
        runs = [("rnnlite", [exe("bench_rnnlite"), "--what", "seed"] + sizes, clean_env())]
        runs += [(impl, [TORCH_PY, torch_script, "--impl", impl, "--what", "seed",
                         "--threads", "1"], env)
                 for impl, env in torch_seed if impl != "pytorch" or n == 0]
        for name, cmd, env in (runs if n % 2 == 0 else runs[::-1]):
            r, _ = run_records(cmd, env=env, label="round %d: %s seed" % (n + 1, name))
            recs += [dict(x, round=n + 1) for x in r]
    return recs


def run_all(opt, bdir, info):
    recs = []
    exe = lambda name: os.path.join(bdir, "bench", name)

    log("machine peak")
    r, _ = run_records([exe("bench_peak")], label="peak")
    recs += r
    cpus = min(max(opt.threads), os.cpu_count() or 1)
    if cpus > 1:
        recs += concurrent_peak(exe("bench_peak"), cpus)

    # rnnlite and oneDNN take turns, one hidden size at a time, so that a
    # burst of load from elsewhere hits both alike.
    have_dnnl = os.path.exists(exe("dnnl_bench")) and "onednn" in opt.peers
    if "onednn" in opt.peers and not have_dnnl:
        log("  oneDNN: dnnl_bench not built (libdnnl-dev missing?), skipped")
    sizes = ["--input", ",".join(map(str, opt.input)), "--budget", str(opt.budget),
             "--reps", str(opt.reps)]
    # The clock of a shared VM drifts by 10-20 % over minutes: several passes
    # (the second in the other order) and, per case, the pass with the lower
    # median counts (noise only ever slows a run down).
    # rnnlite runs every thread count in one process, one model per count,
    # their calls timed in turn (bench_rnnlite --threads 1,2): each record of
    # a second count carries the median of the rounds' paired ratios
    # ("speedup"), which is what the two-thread figures report (the median of
    # the passes' paired medians); the best pass's median time stays the
    # time in the tables.
    best, paired = {}, {}
    threads_arg = ",".join(map(str, opt.threads))
    for n in range(opt.passes):
        for h in opt.hidden:
            runs = [("rnnlite", exe("bench_rnnlite"), clean_env(), threads_arg)]
            if have_dnnl:
                # OpenMP threads pinned one per core, as rnnlite pins its workers.
                runs += [("oneDNN", exe("dnnl_bench"),
                          clean_env(OMP_NUM_THREADS=str(t), OMP_PROC_BIND="close",
                                    OMP_PLACES="cores"), str(t)) for t in opt.threads]
            recs += adjacent_peak(exe, n + 1, h, "before")
            for name, prog, env, threads in (runs if n % 2 == 0 else runs[::-1]):
                r, err = run_records([prog, "--what", "cells", "--threads", threads,
                                      "--hidden", str(h)] + sizes, env=env,
                                     label="pass %d: %s %sT H=%d" % (n + 1, name, threads, h))
                m = re.search(r"rnnlite (\S+), kernels (\S+)", err)
                if m:
                    info["rnnlite"] = m.group(1)
                    info["rnnlite_isa"] = m.group(2).rstrip(",")
                keep_best(best, paired, r, n + 1)
            if max(opt.threads) >= 2:
                recs += ceiling_beside(exe, n + 1, h, sizes)
            recs += adjacent_peak(exe, n + 1, h, "after")
    recs += merge_paired(best, paired)
    r, _ = run_records([exe("bench_rnnlite"), "--what", "latency"] + sizes,
                       env=clean_env(), label="rnnlite latency")
    recs += r
    if have_dnnl:
        r, _ = run_records([exe("dnnl_bench"), "--what", "latency"],
                           env=clean_env(OMP_NUM_THREADS="1"), label="oneDNN latency")
        recs += r
    recs += seed_shape_runs(exe, have_dnnl)

    # PyTorch: as installed (whatever libblas.so.3 the system selects), and
    # with Debian's OpenBLAS 0.3.21, with its own core detection and with
    # OPENBLAS_CORETYPE=SkylakeX. OpenBLAS threads are set like torch's.
    torch_script = os.path.join(ROOT, "bench", "peers", "torch_bench.py")
    info["torch_blas_as_installed"] = system_blas()
    openblas = None
    if any(p in opt.peers for p in ("pytorch-openblas", "pytorch-skx")):
        openblas = find_openblas(bdir, not opt.no_fetch, info)
        info["openblas_dir"] = openblas
    torch_seed = []   # (impl, env) of the one-thread runs, for seed_rounds
    configs = [("pytorch", {}, opt.torch_installed_threads)]
    if openblas:
        if "openblas" not in info["torch_blas_as_installed"]:
            configs.append(("pytorch-openblas", {"LD_LIBRARY_PATH": openblas}, opt.threads))
        configs.append(("pytorch-skx", {"LD_LIBRARY_PATH": openblas,
                                        "OPENBLAS_CORETYPE": "SkylakeX"}, opt.threads))
    for impl, extra, threads in configs:
        if impl not in opt.peers:
            continue
        if not os.path.exists(TORCH_PY):
            log("  %s: %s missing, skipped" % (impl, TORCH_PY))
            continue
        for t in threads:
            what = "cells,latency" if t == 1 else "cells"
            env = clean_env(OMP_PROC_BIND="close", OMP_PLACES="cores",
                            OPENBLAS_NUM_THREADS=str(t), OPENBLAS_VERBOSE="2", **extra)
            if t == 1:
                torch_seed.append((impl, env))
            r, err = run_records([TORCH_PY, torch_script, "--impl", impl, "--what", what,
                                  "--threads", str(t)] + sizes_args(opt), env=env,
                                 label="%s %dT" % (impl, t))
            recs += r
            m = re.search(r"torch (\S+),", err)
            if m:
                info["torch"] = m.group(1)
            m = re.search(r"Core: (\S+)", err)
            if m:
                info["openblas_core_" + impl] = m.group(1)

    recs += seed_rounds(exe, sizes, torch_script, torch_seed, opt.seed_rounds)

    if "gemm" in opt.peers:
        if openblas is None:
            openblas = find_openblas(bdir, not opt.no_fetch, info)
        recs += gemm_peer_runs(exe, openblas, find_blis(bdir, not opt.no_fetch, info))

    if opt.breakdown:
        # the seed workload's shape first: 10 steps, 1 feature, 50 units
        r, _ = run_records([exe("bench_breakdown"), "--hidden", str(SEED_SHAPE["hidden"]),
                            "--input", str(SEED_SHAPE["input"]),
                            "--steps", str(SEED_SHAPE["steps"]), "--budget", str(opt.budget),
                            "--reps", str(opt.reps)], env=clean_env(), label="breakdown seed shape")
        recs += r
        for t in opt.threads:
            r, _ = run_records([exe("bench_breakdown"), "--hidden",
                                ",".join(map(str, opt.breakdown)), "--input", "64",
                                "--threads", str(t), "--budget", str(opt.budget),
                                "--reps", str(opt.reps)],
                               env=clean_env(), label="breakdown %dT" % t)
            recs += r
    log("machine peak, again")   # the clock may have moved; the best run counts
    r, _ = run_records([exe("bench_peak")], label="peak")
    recs += r
    for rec in recs:
        if rec.get("impl") == "onednn" and rec.get("note", "").startswith("oneDNN "):
            info["onednn"] = rec["note"].split()[1]
    return recs


# ---- machine description ------------------------------------------------------------

def machine_info():
    info = {"date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
            "kernel": platform.release()}
    try:
        out = subprocess.run(["lscpu"], stdout=subprocess.PIPE, text=True).stdout
        fields = dict(line.split(":", 1) for line in out.splitlines() if ":" in line)
        fields = {k.strip(): v.strip() for k, v in fields.items()}
        info["cpu"] = fields.get("Model name", "?")
        info["cpus"] = fields.get("CPU(s)", "?")
        info["cores_per_socket"] = fields.get("Core(s) per socket", "?")
        info["threads_per_core"] = fields.get("Thread(s) per core", "?")
        info["cpu_family_model"] = "%s/%s" % (fields.get("CPU family", "?"),
                                              fields.get("Model", "?"))
        info["hypervisor"] = fields.get("Hypervisor vendor", "")
        info["l2"] = fields.get("L2 cache", "")
    except OSError:
        pass
    cc = shutil.which("cc")
    if cc:
        info["cc"] = subprocess.run([cc, "--version"], stdout=subprocess.PIPE,
                                    text=True).stdout.splitlines()[0]
    try:
        out = subprocess.run(["dpkg-query", "-W", "-f", "${Package} ${Version}\\n",
                              "libopenblas0-pthread", "libopenblas0", "libdnnl2",
                              "python3-torch"], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, text=True).stdout
        info["packages"] = [l for l in out.splitlines() if l.split()[1:]]
    except OSError:
        pass
    info["env_openblas"] = {k: v for k, v in os.environ.items() if k.startswith("OPENBLAS_")}
    try:
        info["loadavg_at_start"] = os.getloadavg()[0]
    except OSError:
        pass
    return info


# ---- tables -------------------------------------------------------------------------

def peak_scaling(recs):
    """Per ISA: the GFLOP/s of each CPU when all ran bench_peak at once, and
    their sum over the one-core figure (medians both: the concurrent runs
    overlap for most of their samples, not necessarily for their best)."""
    solo, conc = {}, {}
    for r in recs:
        g = r["flops"] / r["median_s"] / 1e9 if r.get("flops") else None
        if r.get("kind") == "peak" and g:
            solo[r["mode"]] = max(solo.get(r["mode"], 0), g)
        elif r.get("kind") == "peak_concurrent" and g:
            conc.setdefault(r["mode"], []).append(g)
    return {isa: {"per_cpu": gs, "factor": sum(gs) / solo[isa]}
            for isa, gs in conc.items() if isa in solo and len(gs) > 1}


def flops(rec):
    f = 2.0 * rec["batch"] * rec["steps"] * (rec["input"] + rec["hidden"]) \
        * GATES[rec["cell"]] * rec["hidden"]
    return 3 * f if rec["mode"] == "fwdbwd" else f


def index(recs):
    return {(r["impl"], r.get("kind"), r.get("cell"), r.get("mode"), r.get("input"),
             r.get("hidden"), r.get("threads")): r for r in recs}


def fmt_ms(s):
    ms = s * 1e3
    return "%.3g" % ms if ms < 10 else "%.0f" % ms if ms >= 100 else "%.1f" % ms


def fmt_x(peer, mine):
    if not peer or not mine:
        return "-"
    return "%.2f" % (peer["median_s"] / mine["median_s"])


def cell_rows(recs, opt, peak, threads):
    ix = index(recs)
    beside = peak_beside(recs) if threads == 1 else {}   # one-core readings: 1T only
    rows = []
    for cell in ("rnn", "lstm", "gru"):
        for inp in opt.input:
            for h in opt.hidden:
                for mode in ("fwd", "fwdbwd"):
                    key = lambda impl, t=threads: ix.get((impl, "cell", cell, mode, inp, h, t))
                    mine = key("rnnlite")
                    if not mine:
                        continue
                    gf = flops(mine) / mine["median_s"] / 1e9
                    row = {"cell": cell, "input": inp, "hidden": h, "mode": mode,
                           "threads": threads, "rnnlite_ms": mine["median_s"] * 1e3,
                           "rnnlite_min_ms": mine["min_s"] * 1e3,
                           "rnnlite_max_ms": mine["max_s"] * 1e3,
                           "rnnlite_gflops": gf,
                           "rnnlite_pct_peak": 100 * gf / (peak * threads) if peak else None,
                           "reps": mine["reps"]}
                    adj = beside.get((mine.get("pass"), h))
                    if adj:
                        row["peak_beside_gflops"] = adj
                        row["rnnlite_pct_peak_beside"] = 100 * gf / adj
                    for peer in PEERS:
                        p = key(peer)
                        if p:
                            row[peer + "_ms"] = p["median_s"] * 1e3
                            row[peer + "_gflops"] = flops(p) / p["median_s"] / 1e9
                            row[peer + "_ratio"] = p["median_s"] / mine["median_s"]
                    if threads != 1:
                        one = key("rnnlite", 1)
                        if "paired_speedup" in mine and mine.get("speedup_vs_threads") == 1:
                            # 1T and 2T timed in turn, in one process
                            row["speedup_vs_1T"] = mine["paired_speedup"]
                            row["speedup_vs_1T_range"] = [mine["paired_speedup_min"],
                                                          mine["paired_speedup_max"]]
                            row["speedup_pairs"] = mine["paired_rounds"]
                        elif one:   # runs of another time (a JSON from before pairing)
                            row["speedup_vs_1T"] = one["median_s"] / mine["median_s"]
                    rows.append(row)
    return rows


def table(header, rows, left=False):
    """A markdown table, columns right-aligned (numbers) or `left`-aligned (words)."""
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    just = (lambda c, w: str(c).ljust(w)) if left else (lambda c, w: str(c).rjust(w))
    line = lambda cells: "| " + " | ".join(just(c, w) for c, w in zip(cells, widths)) + " |"
    rule = (lambda w: ":" + "-" * (w + 1)) if left else (lambda w: "-" * (w + 1) + ":")
    out = [line(header), "|" + "|".join(rule(w) for w in widths) + "|"]
    out += [line(r) for r in rows]
    return "\n".join(out)


def opt_num(v, f="%.2f"):
    return f % v if v is not None else "-"


def cells_table(rows, peers, threads):
    header = ["cell", "I", "H", "pass", "rnnlite ms (min-max)", "GF/s", "% peak"]
    beside = any("rnnlite_pct_peak_beside" in r for r in rows)
    if beside:
        header.append("% beside")
    if threads != 1:
        header.append("vs 1T")
    for p in peers:
        header += [PEER_LABEL[p] + " ms", "x"]
    body = []
    for r in rows:
        line = [CELL_NAMES[r["cell"]], r["input"], r["hidden"],
                "fwd" if r["mode"] == "fwd" else "fwd+bwd",
                "%s (%s-%s)" % (fmt_ms(r["rnnlite_ms"] / 1e3), fmt_ms(r["rnnlite_min_ms"] / 1e3),
                                fmt_ms(r["rnnlite_max_ms"] / 1e3)),
                "%.1f" % r["rnnlite_gflops"], opt_num(r["rnnlite_pct_peak"], "%.0f%%")]
        if beside:
            line.append(opt_num(r.get("rnnlite_pct_peak_beside"), "%.0f%%"))
        if threads != 1:
            line.append(opt_num(r.get("speedup_vs_1T")))
        for p in peers:
            if p + "_ms" in r:
                line += [fmt_ms(r[p + "_ms"] / 1e3), "%.2f" % r[p + "_ratio"]]
            else:
                line += ["-", "-"]
        body.append(line)
    return table(header, body)


def seed_fits(recs, cell):
    """The seed fit records of `cell` by implementation: {impl: {round:
    record}} (a record without a round, from a run before seed_rounds, as
    round 1)."""
    out = {}
    for r in recs:
        if r.get("kind") == "seed" and r.get("cell") == cell and r.get("mode") == "fit":
            out.setdefault(r["impl"], {})[r.get("round", 1)] = r
    return out


def seed_ratio(fits, peer):
    """`peer` against rnnlite over the rounds both ran, each round's ratio
    from its own pair: {fit_s (median), ratio (median), lo, hi, rounds}, or
    None."""
    mine, theirs = fits.get("rnnlite", {}), fits.get(peer, {})
    both = sorted(set(mine) & set(theirs))
    if not both:
        return None
    ratios = [theirs[n]["median_s"] / mine[n]["median_s"] for n in both]
    return {"fit_s": median([theirs[n]["median_s"] for n in both]), "ratio": median(ratios),
            "lo": min(ratios), "hi": max(ratios), "rounds": len(both)}


def seed_table(recs, peers):
    ix = index(recs)
    header = ["model", "rnnlite fit s"] + sum([[PEER_LABEL[p] + " fit s", "x"] for p in peers
                                               if p != "onednn"], []) \
        + ["rnnlite predict ms"] + sum([[PEER_LABEL[p] + " predict ms", "x"] for p in peers
                                        if p != "onednn"], [])
    body, rows = [], []
    for cell in ("rnn", "lstm", "gru"):
        get = lambda impl, mode: ix.get((impl, "seed", cell, mode, 1, 50, 1))
        fits, pred = seed_fits(recs, cell), get("rnnlite", "predict")
        if not fits.get("rnnlite"):
            continue
        fit_s = median([r["median_s"] for r in fits["rnnlite"].values()])
        note = next(iter(fits["rnnlite"].values())).get("note", "")
        name = "%s(50, %s)+Dense(1)" % (CELL_NAMES[cell], note)
        line = [name, "%.4f" % fit_s]
        row = {"cell": cell, "rnnlite_fit_s": fit_s,
               "rnnlite_predict_s": pred["median_s"] if pred else None}
        for p in peers:
            if p == "onednn":
                continue
            pr = seed_ratio(fits, p)
            if not pr:
                line += ["-", "-"]
                continue
            line += ["%.3f" % pr["fit_s"], "%.1f" % pr["ratio"] if pr["rounds"] == 1
                     else "%.1f (%.1f-%.1f)" % (pr["ratio"], pr["lo"], pr["hi"])]
            row[p + "_fit_s"] = pr["fit_s"]
            row[p + "_fit_ratio"] = pr["ratio"]
            if pr["rounds"] > 1:
                row[p + "_fit_ratio_range"] = [pr["lo"], pr["hi"]]
        line.append(fmt_ms(pred["median_s"]) if pred else "-")
        for p in peers:
            if p == "onednn":
                continue
            pp = get(p, "predict")
            line += [fmt_ms(pp["median_s"]) if pp else "-", fmt_x(pp, pred)]
            if pp:
                row[p + "_predict_s"] = pp["median_s"]
        body.append(line)
        rows.append(row)
    return table(header, body), rows


def latency_table(recs):
    body, rows = [], []
    for r in recs:
        if r.get("kind") == "latency":
            body.append([PEER_LABEL.get(r["impl"], r["impl"]), "%.2f" % (r["median_s"] * 1e6),
                         "%.2f" % (r["p99_s"] * 1e6), "%.2f" % (r["min_s"] * 1e6), r["reps"],
                         r.get("note", "")])
            rows.append({"impl": r["impl"], "mode": r.get("mode", "predict1"),
                         "median_us": r["median_s"] * 1e6, "p99_us": r["p99_s"] * 1e6})
    return table(["impl", "median us", "p99 us", "min us", "calls", "what"], body), rows


def num3(v):
    """About three significant digits, never in exponent form."""
    return "%.0f" % v if abs(v) >= 100 else "%.1f" % v if abs(v) >= 10 else "%.3g" % v


def gemm_flops(part, cell, inp, h, b=64, t=50):
    g = GATES[cell] * h
    return {"gemm_fwd_in": 2.0 * t * b * inp * g, "gemm_fwd_rec": 2.0 * (t - 1) * b * h * g,
            "gemm_bwd_dh": 2.0 * (t - 1) * b * g * h,
            "gemm_bwd_w": 2.0 * t * b * (inp + h) * g}[part]


BREAKDOWN_LABELS = {"gemm_fwd_in": "gemm in", "gemm_fwd_rec": "gemm rec", "cell_fwd": "cell",
                    "fill_fwd": "bias fill", "gemm_bwd_dh": "gemm dh", "gemm_bwd_w": "gemm dW",
                    "cell_bwd": "cell", "transpose_bwd": "transpose U", "pack_bwd": "pack U^T",
                    "colsum_bwd": "bias grad"}
BREAKDOWN_WHOLE = ("layer_fwd", "layer_bwd", "adam", "predict", "fit_step")


def breakdown_table(recs, peak):
    """bench_breakdown's parts as shares of the layer's passes. The parts are
    whatever the program timed (names with _fwd or _bwd), in its order, so
    that a part added or dropped with the code shows without a change here."""
    parts, order = {}, []
    for r in recs:
        if r.get("kind") == "breakdown":
            parts.setdefault((r["cell"], r["input"], r["hidden"], r["threads"], r["steps"]),
                             {})[r["mode"]] = r["median_s"]
            if r["mode"] not in order and r["mode"] not in BREAKDOWN_WHOLE:
                order.append(r["mode"])
    fwd_parts = [k for k in order if "_fwd" in k]
    bwd_parts = [k for k in order if "_bwd" in k]
    gemms = [k for k in ("gemm_fwd_in", "gemm_fwd_rec", "gemm_bwd_dh", "gemm_bwd_w") if k in order]
    body, gbody, rows = [], [], []
    for (cell, inp, h, t, steps), p in sorted(parts.items(), key=lambda kv: (
            -kv[0][4], ("rnn", "lstm", "gru").index(kv[0][0]), kv[0][1], kv[0][2], kv[0][3])):
        if not all(k in p for k in BREAKDOWN_WHOLE):
            continue
        p["rest_fwd"] = p["layer_fwd"] - sum(p.get(k, 0) for k in fwd_parts)
        p["rest_bwd"] = p["layer_bwd"] - sum(p.get(k, 0) for k in bwd_parts)
        p["api_fwd"] = p["predict"] - p["layer_fwd"]
        p["api_step"] = p["fit_step"] - p["layer_fwd"] - p["layer_bwd"] - p["adam"]
        unit, scale = ("ms", 1e3) if p["layer_fwd"] >= 1e-3 else ("us", 1e6)
        ms = lambda v: num3(v * scale)
        share = lambda k, whole: "%s (%.0f%%)" % (ms(p[k]), 100 * p[k] / p[whole]) \
            if k in p else "-"
        signed = lambda v: ("+" if v >= 0 else "") + ms(v)
        body.append([CELL_NAMES[cell], steps, inp, h, t, unit, ms(p["layer_fwd"])]
                    + [share(k, "layer_fwd") for k in fwd_parts + ["rest_fwd"]]
                    + [ms(p["layer_bwd"])]
                    + [share(k, "layer_bwd") for k in bwd_parts + ["rest_bwd"]]
                    + [ms(p["adam"]), signed(p["api_fwd"]), signed(p["api_step"])])
        eff = {k: gemm_flops(k, cell, inp, h, t=steps) / p[k] / 1e9 for k in gemms if p.get(k)}
        pct = lambda v: " (%.0f%%)" % (100 * v / (peak * t)) if peak else ""
        gbody.append([CELL_NAMES[cell], steps, inp, h, t]
                     + ["%.0f%s" % (eff[k], pct(eff[k])) if k in eff else "-" for k in gemms])
        rows.append(dict(p, cell=cell, input=inp, hidden=h, threads=t, steps=steps,
                         gemm_gflops=eff))
    if not body:
        return "", rows
    label = lambda k: BREAKDOWN_LABELS.get(k, k)
    header = ["cell", "steps", "I", "H", "thr", "unit", "layer fwd"] \
        + [label(k) for k in fwd_parts] + ["rest", "layer bwd"] \
        + [label(k) for k in bwd_parts] \
        + ["rest", "Adam", "rl_predict - fwd", "rl_fit step - fwd - bwd - Adam"]
    gnames = {"gemm_fwd_in": "in: [T*B x I]x[I x GH]", "gemm_fwd_rec": "rec: [B x H]x[H x GH]",
              "gemm_bwd_dh": "dh: [B x GH]x[GH x H]", "gemm_bwd_w": "dW: [I+H x T*B]x[T*B x GH]"}
    gheader = ["cell", "steps", "I", "H", "thr"] + [gnames[k] for k in gemms]
    return table(header, body) + "\n\nGEMM GFLOP/s (% of peak) of those products:\n\n" + \
        table(gheader, gbody), rows


# ---- charts ----------------------------------------------------------------------------

# One colour and marker per implementation, one line style per input width;
# Okabe-Ito colours, readable by the colour-blind and in grey.
IMPL_STYLE = {"rnnlite": ("#0072B2", "circle"), "onednn": ("#D55E00", "square"),
              "pytorch-openblas": ("#009E73", "triangle"), "pytorch-skx": ("#009E73", "triangle"),
              "pytorch": ("#CC79A7", "diamond")}


def chart_subtitle(machine, what):
    return "%s; %s; %s" % (machine.get("cpu", "?"), machine.get("date", "?")[:10], what)


def input_style(opt, inp):
    """Solid line and filled markers for the largest input width, dashed and open for the rest."""
    widest = inp == max(opt.input)
    return ("" if widest else "6 4"), widest


def input_key(opt):
    others = [str(i) for i in opt.input if i != max(opt.input)]
    return "solid: I = %d" % max(opt.input) + (", dashed: I = " + ", ".join(others)
                                                if others else "")


def gflops_chart(cell, rows1, peers, peak, machine, opt):
    impls = ["rnnlite"] + [p for p in ("onednn", openblas_peer(peers)) if p in peers]
    panels = []
    for mode, name in (("fwd", "forward"), ("fwdbwd", "forward + backward")):
        series = []
        for impl in impls:
            color, marker = IMPL_STYLE[impl]
            for inp in opt.input:
                rs = {r["hidden"]: r for r in rows1
                      if r["cell"] == cell and r["mode"] == mode and r["input"] == inp}
                dash, filled = input_style(opt, inp)
                series.append(svgchart.Series(
                    "%s, I = %d" % (PEER_LABEL.get(impl, impl), inp),
                    [(h, rs[h].get(impl + "_gflops")) for h in sorted(rs)],
                    color, dash, marker, filled))
        rules = [svgchart.Rule(peak, "one-core peak %.0f GFLOP/s" % peak)] if peak else []
        panels.append(svgchart.Panel(
            "%s, %s" % (CELL_NAMES[cell], name), "hidden units H (log scale)",
            "GFLOP/s", series, rules, xticks=opt.hidden,
            y2=(100.0 / peak, "% of one-core peak") if peak else None))
    return svgchart.line_figure(
        "%s: GFLOP/s against hidden size, one thread" % CELL_NAMES[cell], panels,
        chart_subtitle(machine, "batch 64, 50 steps; " + input_key(opt)))


def speedup_chart(rows1, rows2, peers, machine, opt, fma_bound=None):
    """rnnlite's two-thread speed-up per case; oneDNN's own (widest input) in grey
    for comparison, when it ran."""
    one = {(r["cell"], r["mode"], r["input"], r["hidden"]): r for r in rows1}

    def onednn_speedup(r):
        o = one.get((r["cell"], r["mode"], r["input"], r["hidden"]), {})
        return o["onednn_ms"] / r["onednn_ms"] if o.get("onednn_ms") and r.get("onednn_ms") \
            else None

    panels, top = [], max(2.0, fma_bound or 0)
    modes = (("fwd", "forward", "#0072B2", "circle"),
             ("fwdbwd", "forward + backward", "#E69F00", "square"))
    for cell in ("rnn", "lstm", "gru"):
        series = []
        for mode, name, color, marker in modes:
            for inp in opt.input:
                rs = {r["hidden"]: r for r in rows2
                      if r["cell"] == cell and r["mode"] == mode and r["input"] == inp}
                dash, filled = input_style(opt, inp)
                pts = [(h, rs[h].get("speedup_vs_1T")) for h in sorted(rs)]
                top = max([top] + [y for _, y in pts if y is not None])
                series.append(svgchart.Series("rnnlite %s, I = %d" % (name, inp), pts, color,
                                              dash, marker, filled))
        if "onednn" in peers:
            for mode, name, _, marker in modes:
                rs = {r["hidden"]: r for r in rows2 if r["cell"] == cell and r["mode"] == mode
                      and r["input"] == max(opt.input)}
                pts = [(h, onednn_speedup(rs[h])) for h in sorted(rs)]
                if any(y for _, y in pts):
                    top = max([top] + [y for _, y in pts if y is not None])
                    series.append(svgchart.Series("oneDNN %s, I = %d" % (name, max(opt.input)),
                                                  pts, "#999", "", marker, False, width=1.2))
        panels.append(svgchart.Panel(CELL_NAMES[cell], "hidden units H (log scale)",
                                     "1-thread time / 2-thread time", series,
                                     [svgchart.Rule(1.0, "1.0x: no gain", "#666"),
                                      svgchart.Rule(1.8, "target 1.8x", "#B00020")] + (
                                         [svgchart.Rule(fma_bound, "FMA peak, 2 CPUs: %.2fx" %
                                                        fma_bound, "#444", "2 2", left=True)]
                                         if fma_bound else []),
                                     xticks=opt.hidden))
    for p in panels:
        p.yhi = top * 1.08
    return svgchart.line_figure("Two threads against one", panels,
                                chart_subtitle(machine, "batch 64, 50 steps; " + input_key(opt)),
                                panel_w=300)


def seed_chart(seed_rows, peers, machine):
    ob = openblas_peer(peers)
    impls = [("rnnlite", "rnnlite")] + [(p, PEER_LABEL[p] + (" (as installed)"
                                                             if p == "pytorch" else ""))
                                        for p in (ob, "pytorch") if p in peers]
    groups, marks = [], {}
    for r in seed_rows:
        name = "%s(50)+Dense(1)" % CELL_NAMES[r["cell"]]
        bars = []
        for impl, label in impls:
            t = r.get(impl + "_fit_s")
            if t:
                note = "" if impl == "rnnlite" else "= %.1fx rnnlite" % r.get(
                    impl + "_fit_ratio", t / r["rnnlite_fit_s"])
                bars.append(svgchart.Bar(label, t * 1e3, IMPL_STYLE[impl][0], note))
        if ob and r.get(ob + "_fit_s"):
            marks[name] = svgchart.Mark(r[ob + "_fit_s"] * 1e3 / 10, "")
        groups.append((name, bars))
    if not groups:
        return None
    return svgchart.bar_figure(
        "Seed workload: fit time, one thread (shorter is faster)", groups,
        "fit time, ms (log scale)", chart_subtitle(
            machine, "990 windows of 10, 10 epochs, batch 64, Adam"), unit="ms", marks=marks,
        mark_label="target: %s time / 10" % PEER_LABEL[ob] if ob else "")


def write_charts(outdir, rows1, rows2, seed_rows, peers, peak, machine, opt, fma_bound=None):
    """The SVG charts of a run into outdir; returns the paths written."""
    os.makedirs(outdir, exist_ok=True)
    docs = [("gflops-%s.svg" % cell, gflops_chart(cell, rows1, peers, peak, machine, opt))
            for cell in ("rnn", "lstm", "gru") if any(r["cell"] == cell for r in rows1)]
    if rows2:
        docs.append(("speedup-2t.svg", speedup_chart(rows1, rows2, peers, machine, opt,
                                                     fma_bound)))
    docs.append(("seed-fit.svg", seed_chart(seed_rows, peers, machine)))
    paths = []
    for name, doc in docs:
        if doc:
            path = os.path.join(outdir, name)
            with open(path, "w") as f:
                f.write(doc)
            paths.append(path)
    return paths


# ---- targets ---------------------------------------------------------------------------

def openblas_peer(peers):
    """The PyTorch + OpenBLAS configuration of this run (issue 11's yardstick)."""
    for p in ("pytorch-openblas", "pytorch-skx"):
        if p in peers:
            return p
    return None


def case_name(r):
    return "%s I=%d H=%d %s" % (CELL_NAMES[r["cell"]], r["input"], r["hidden"],
                               "fwd" if r["mode"] == "fwd" else "fwd+bwd")


def median(vals):
    v = sorted(vals)
    return (v[len(v) // 2] + v[(len(v) - 1) // 2]) / 2 if v else None


CEILING_MIN_HIDDEN = 256   # the sizes of the two-thread target (the ceiling: every size)


def ceiling_rows(recs, rows2):
    """Per case of bench_rnnlite --what ceiling: the halves' speedup (two
    independent half-batch models at once, the most any split reaches on
    this machine, paired against one thread), beside the pool's from the
    cells passes (rows2), and the pool's share of the ceiling."""
    case = lambda r: (r["cell"], r["input"], r["hidden"], r["mode"])
    pool = {case(r): r for r in rows2 if "speedup_vs_1T" in r}
    halves = {}
    for r in recs:
        if r.get("kind") != "ceiling" or r.get("threads") != 2 or "speedup" not in r:
            continue
        halves.setdefault(case(r), []).append(r)
    out = []
    for key, rs in halves.items():
        if key not in pool:
            continue
        # as the pool's figure: the median of the passes' paired medians
        sp = median([r["speedup"] for r in rs])
        out.append({"cell": key[0], "input": key[1], "hidden": key[2], "mode": key[3],
                    "pool_speedup": pool[key]["speedup_vs_1T"], "halves_speedup": sp,
                    "halves_speedup_range": [min(r["speedup_min"] for r in rs),
                                             max(r["speedup_max"] for r in rs)],
                    "halves_passes": len(rs),
                    "of_ceiling": pool[key]["speedup_vs_1T"] / sp})
    out.sort(key=lambda r: (list(CELL_NAMES).index(r["cell"]), r["input"], r["hidden"],
                            r["mode"] != "fwd"))
    return out


def ceiling_table(rows):
    lines = ["| case | pool 2T/1T | halves 2T/1T (ceiling) | pool / ceiling |",
             "|---|---|---|---|"]
    for r in rows:
        lines.append("| %s | %.2f | %.2f | %.2f |" % (case_name(r), r["pool_speedup"],
                                                      r["halves_speedup"], r["of_ceiling"]))
    return "\n".join(lines)


def ceiling_detail(rows, bar):
    """The two-thread target read against the machine's ceiling."""
    if not rows:
        return ""
    hv = [r["halves_speedup"] for r in rows]
    of = [r["of_ceiling"] for r in rows]
    return ("; the machine's ceiling (independent halves at once) %.2f-%.2fx, >= %.1fx in "
            "%d of %d; the pool at %.0f-%.0f %% of it (median %.0f %%)" % (
                min(hv), max(hv), bar, sum(x >= bar for x in hv), len(hv),
                100 * min(of), 100 * max(of), 100 * median(of)))


def below_detail(rows, bar):
    """The cases under `bar` read against the machine's ceiling at the same
    size (a pool that loses where the halves gain, or a machine that gains
    nothing there either)."""
    under = [r for r in rows if r["pool_speedup"] < bar]
    if not under:
        return ""
    return "; where under %.1fx, the machine's ceiling %s" % (bar, ", ".join(
        "%s %.2fx (the pool at %.0f %% of it)" % (case_name(r), r["halves_speedup"],
                                                   100 * r["of_ceiling"]) for r in under))


def targets(rows1, rows2, seed_rows, lat_rows, peers, ceiling=()):
    """Issue 11's targets, in the order of its table: each with the goal, what
    this run measured, met or not and the worst case."""
    out = []

    def verdict(name, goal, ok, measured, worst):
        out.append({"target": name, "goal": goal, "met": ok, "measured": measured,
                    "worst": worst, "detail": measured + ("; worst " + worst if worst else "")})

    ob = openblas_peer(peers)
    rs = [r for r in seed_rows if ob and ob + "_fit_ratio" in r]
    if rs:
        worst = min(rs, key=lambda r: r[ob + "_fit_ratio"])
        spread = [r[ob + "_fit_ratio_range"] for r in rs if r.get(ob + "_fit_ratio_range")]
        rounds = "; each the median of its rounds' ratios (ranges %s)" % " / ".join(
            "%.1f-%.1fx" % tuple(x) for x in spread) if spread else ""
        verdict("seed fit vs %s, RNN / LSTM / GRU" % PEER_LABEL[ob], ">= 10x each",
                all(r[ob + "_fit_ratio"] >= 10 for r in rs),
                " / ".join("%.1fx" % r[ob + "_fit_ratio"] for r in rs) + rounds,
                "%s %.1fx" % (CELL_NAMES[worst["cell"]], worst[ob + "_fit_ratio"]))

    def against_onednn(mode, name, goal, need_median):
        rs = [r for r in rows1 if r["hidden"] >= 64 and r["mode"] == mode and "onednn_ratio" in r]
        if not rs:
            return
        ratios = [r["onednn_ratio"] for r in rs]
        worst = min(rs, key=lambda r: r["onednn_ratio"])
        ok = all(x >= 1 for x in ratios) and (not need_median or median(ratios) >= 1.2)
        verdict(name % len(rs), goal, ok,
                ">= 1.0x in %d of %d; median %.2fx, range %.2f-%.2fx" % (
                    sum(x >= 1 for x in ratios), len(rs), median(ratios), min(ratios),
                    max(ratios)),
                "%s %.2fx" % (case_name(worst), worst["onednn_ratio"]))

    against_onednn("fwd", "forward vs oneDNN, %d cases at H >= 64",
                   ">= 1.0x in all, >= 1.2x median", True)
    against_onednn("fwdbwd", "forward + backward vs oneDNN, %d cases at H >= 64",
                   ">= 1.0x in all", False)

    rs = [r for r in rows1 if r["hidden"] >= 128 and r["mode"] == "fwd"
          and r["cell"] in ("lstm", "gru") and r["rnnlite_pct_peak"]]
    if rs:
        # Against the peak read beside each case where the run has those
        # readings (the clock of the same minute), else the run's best peak;
        # the other figure is quoted beside it.
        beside = all("rnnlite_pct_peak_beside" in r for r in rs)
        of = "rnnlite_pct_peak_beside" if beside else "rnnlite_pct_peak"
        pct = [r[of] for r in rs]
        worst = min(rs, key=lambda r: r[of])
        measured = "%.0f-%.0f %%; >= 80 %% in %d of %d" % (min(pct), max(pct),
                                                           sum(x >= 80 for x in pct), len(rs))
        if beside:
            run_pct = [r["rnnlite_pct_peak"] for r in rs]
            measured = "of the peak read beside each case " + measured + \
                "; of the run's best peak %.0f-%.0f %%, >= 80 %% in %d" % (
                    min(run_pct), max(run_pct), sum(x >= 80 for x in run_pct))
        verdict("forward, %% of peak at H >= 128, LSTM and GRU (%d cases)" % len(rs), ">= 80 %",
                all(x >= 80 for x in pct), measured,
                "%s %.0f %%" % (case_name(worst), worst[of]))

    def two_threads(rs, name, goal, bar, also=""):
        if not rs:
            return
        sp = [r["speedup_vs_1T"] for r in rs]
        worst = min(rs, key=lambda r: r["speedup_vs_1T"])
        verdict(name % len(rs), goal, all(x >= bar for x in sp),
                "%.2f-%.2fx; >= %.1fx in %d of %d" % (min(sp), max(sp), bar,
                                                      sum(x >= bar for x in sp), len(rs)) + also,
                "%s %.2fx" % (case_name(worst), worst["speedup_vs_1T"]))

    two_threads([r for r in rows2 if r["hidden"] >= CEILING_MIN_HIDDEN and "speedup_vs_1T" in r],
                "two threads vs one, H >= 256 (%d cases)", ">= 1.8x in all cases", 1.8,
                ceiling_detail([r for r in ceiling if r["hidden"] >= CEILING_MIN_HIDDEN], 1.8))
    two_threads([r for r in rows2 if "speedup_vs_1T" in r],
                "two threads vs one, any size (%d cases)", "never below 1.0x", 1.0,
                below_detail(ceiling, 1.0))

    for r in lat_rows:
        if r["impl"] == "rnnlite" and r["mode"] == "stream_stateful":
            verdict("stream step stateful, LSTM(50)+Dense(1)", "< 0.5 us", r["median_us"] < 0.5,
                    "median %.3f us" % r["median_us"], "p99 %.3f us" % r["p99_us"])
    return out


SEED_FIT_STEPS = 10 * 990 * 3   # epochs x windows x (forward + backward = 3 forwards)


def seed_fit_flops(cell):
    """The seed fit's FLOPs by the page's count: 10 epochs of 990 windows,
    forward + backward = 3 x 2*T*(I+H)*G*H with T = 10, I = 1, H = 50."""
    return SEED_FIT_STEPS * 2.0 * 10 * (1 + 50) * GATES[cell] * 50


def seed_shape_rows(recs):
    """The seedshape records (bench_rnnlite and dnnl_bench --what seedshape)
    as rows: GFLOP/s by the cells' count (flops()) and % of the one-core peak
    added by the caller."""
    rows = []
    for r in recs:
        if r.get("kind") == "seedshape":
            rows.append({"impl": r["impl"], "cell": r["cell"], "mode": r["mode"],
                         "batch": r["batch"], "steps": r["steps"], "input": r["input"],
                         "hidden": r["hidden"], "ms": r["median_s"] * 1e3,
                         "gflops": flops(r) / r["median_s"] / 1e9})
    return rows


SEED_SHAPE = {"steps": 10, "input": 1, "hidden": 50}
SEED_BATCH = 64   # the seed fit's batch (its last batch of an epoch is 30)


def seed_shape_bounds(recs, bd_rows, peak):
    """Bounds lines at the seed fit's own shape: one training step of rnnlite
    and of oneDNN in % of peak (the peer's own figure), and what rnnlite's
    products reach there alone, in cache (bench_breakdown --steps 10 --input
    1 --hidden 50: the whole product loop of a batch, its operands in L2),
    folded into one rate for all the products of a step."""
    out = []
    if not peak:
        return out
    pct = lambda g: 100 * g / peak
    rows = {(r["impl"], r["cell"], r["mode"], r["batch"]): r for r in seed_shape_rows(recs)}
    for batch in sorted({k[3] for k in rows}, reverse=True):
        parts = []
        for impl, label, what in (("onednn", "oneDNN", "forward_training + backward"),
                                  ("rnnlite", "rnnlite", "one rl_fit step with Adam")):
            cells = ["%s %.0f GFLOP/s (%.0f %%, %.3g ms)" % (
                CELL_NAMES[c], rows[k]["gflops"], pct(rows[k]["gflops"]), rows[k]["ms"])
                for c in ("lstm", "gru") for k in [(impl, c, "fwdbwd", batch)] if k in rows]
            if cells:
                parts.append("%s (%s) %s" % (label, what, ", ".join(cells)))
        if parts:
            out.append("One training step at the seed shape (T = 10, I = 1, H = 50, batch %d, "
                       "one thread; GFLOP/s by the cells' count, %% of peak): " % batch +
                       "; ".join(parts))
    prods = [b for b in bd_rows if b["threads"] == 1 and all(
        b[k] == v for k, v in SEED_SHAPE.items()) and b["cell"] in ("lstm", "gru")
        and all(b.get("gemm_gflops", {}).get(k) for k in ("gemm_fwd_rec", "gemm_bwd_dh",
                                                          "gemm_bwd_w"))]
    if prods:
        T, I, H = (SEED_SHAPE[k] for k in ("steps", "input", "hidden"))
        B, k_in, rows_w = SEED_BATCH, I + H, I + H + 1
        lines = []
        for b in prods:
            g, eff = GATES[b["cell"]] * H, b["gemm_gflops"]
            # A fit step's products at the rates measured alone: the forward's
            # T steps with the input folded in (k = I + H) at the recurrent
            # product's rate, dh's T - 1 steps, dW [x^T; h^T; 1] dZ; the rate
            # by the page's count (3 x 2*B*T*(I+H)*G*H), as the fit's own.
            t = (2.0 * T * B * k_in * g / eff["gemm_fwd_rec"] +
                 gemm_flops("gemm_bwd_dh", b["cell"], I, H, t=T) / eff["gemm_bwd_dh"] +
                 2.0 * T * B * rows_w * g / eff["gemm_bwd_w"]) / 1e9
            rate = 3 * 2.0 * T * B * k_in * g / t / 1e9
            lines.append("%s rec [%dx%d]x[%dx%d] %.0f %%, dh [%dx%d]x[%dx%d] %.0f %%, dW "
                         "[%dx%d]x[%dx%d] %.0f %%; a fit step's products alone at these "
                         "rates: %.0f us, %.0f GFLOP/s (%.0f %%)" % (
                             CELL_NAMES[b["cell"]], B, H, H, g, pct(eff["gemm_fwd_rec"]),
                             B, g, g, H, pct(eff["gemm_bwd_dh"]),
                             rows_w, T * B, T * B, g, pct(eff["gemm_bwd_w"]), t * 1e6, rate,
                             pct(rate)))
        out.append("The seed shape's products alone, in cache (bench_breakdown, T = %d, "
                   "I = %d, H = %d, batch %d, one thread), %% of peak: " % (T, I, H, B) +
                   "; ".join(lines))
    return out


GEMM_PEER_IMPLS = ("onednn", "libxsmm", "openblas", "openblas-skx", "blis")
GEMM_IMPLS = GEMM_PEER_IMPLS + ("rnnlite", "rnnlite-packed")
GEMM_IMPL_LABEL = {"onednn": "oneDNN matmul", "libxsmm": "LIBXSMM", "openblas": "OpenBLAS",
                   "openblas-skx": "OpenBLAS SKX", "blis": "BLIS", "rnnlite": "rnnlite",
                   "rnnlite-packed": "rnnlite, B packed once"}
GEMM_PRODUCT = {"seed_rec": "seed rec", "seed_dh": "seed dh", "seed_dh_t": "seed dh^T",
                "seed_dw": "seed dW", "fwd_rec": "forward rec", "bwd_dh": "backward dh"}
# bench_breakdown's part timing the same product (seed: T = 10, I = 1, H = 50;
# its rec has k = H, not H + I, and its dW is two products, x^T dZ and h^T dZ)
GEMM_BREAKDOWN_PART = {"seed_rec": "gemm_fwd_rec", "seed_dh": "gemm_bwd_dh",
                       "seed_dw": "gemm_bwd_w", "fwd_rec": "gemm_fwd_rec",
                       "bwd_dh": "gemm_bwd_dh"}


def padded_bound(n, lanes):
    """The share of a product's fmas that are real when each row of C is
    computed in whole vectors of `lanes` along n (dh's n = 50: 4 x 16 lanes,
    78 %): the FMA bound of the shape for a kernel vectorised along n."""
    return n / (lanes * -(-n // lanes))


def gemm_rows(recs, bd_rows, peak, lanes=16):
    """gemm_peers' records per shape: GFLOP/s and % of peak of every
    implementation, the best peer (oneDNN, LIBXSMM, OpenBLAS or BLIS), rnnlite's own
    figure
    (rec: B packed once, as the fused step's weights; dh and dW: the layers'
    calls) and bench_breakdown's rate for the same product in the same run."""
    shapes = {}
    for r in recs:
        if r.get("kind") == "gemm" and r.get("flops"):
            row = shapes.setdefault((r["cell"], r["mode"], r["hidden"]), {
                "cell": r["cell"], "mode": r["mode"], "hidden": r["hidden"],
                "shape": r.get("note", "").split(";")[0].split(" ", 1)[-1], "gflops": {},
                "notes": {}})
            row["gflops"][r["impl"]] = r["flops"] / r["median_s"] / 1e9
            if ";" in r.get("note", ""):
                row["notes"][r["impl"]] = r["note"].split(";", 1)[1].strip()
    order = lambda k: (list(GEMM_PRODUCT).index(k[1]), ("rnn", "lstm", "gru").index(k[0]), k[2])
    rows = []
    for key in sorted(shapes, key=order):
        row = shapes[key]
        g = row["gflops"]
        peers = [i for i in GEMM_PEER_IMPLS if i in g]
        if peers:
            row["best_peer"] = max(peers, key=lambda i: g[i])
        mine = "rnnlite-packed" if "rnnlite-packed" in g else "rnnlite"
        if mine in g:
            row["rnnlite_best"] = mine
        seed = row["mode"].startswith("seed")
        dims = re.match(r"\[(\d+)x(\d+)\]x\[\d+x(\d+)\]", row["shape"])
        if dims:
            row["padded_bound_pct"] = 100 * padded_bound(int(dims.group(3)), lanes)
        part = GEMM_BREAKDOWN_PART.get(row["mode"])
        for b in bd_rows:
            if b["threads"] == 1 and b["cell"] == row["cell"] and b["hidden"] == row["hidden"] \
                    and (b["steps"] == SEED_SHAPE["steps"] and b["input"] == SEED_SHAPE["input"]
                         if seed else b["steps"] == 50) and b.get("gemm_gflops", {}).get(part):
                row["breakdown_gflops"] = b["gemm_gflops"][part]
        if peak:
            row["pct"] = {i: 100 * v / peak for i, v in g.items()}
            if "breakdown_gflops" in row:
                row["breakdown_pct"] = 100 * row["breakdown_gflops"] / peak
        rows.append(row)
    return rows


def gemm_table(rows):
    """The products table: % of peak (GFLOP/s) per implementation."""
    impls = [i for i in GEMM_IMPLS if any(i in r["gflops"] for r in rows)]
    cell = lambda r, i: "%.0f %% (%.0f)" % (r["pct"][i], r["gflops"][i]) \
        if i in r.get("pct", {}) else "-"
    body = []
    for r in rows:
        best = r.get("best_peer")
        mine = r.get("rnnlite_best")
        ratio = "%.2fx" % (r["gflops"][mine] / r["gflops"][best]) if best and mine else "-"
        body.append([CELL_NAMES[r["cell"]], GEMM_PRODUCT[r["mode"]], r["shape"],
                     "%.0f %%" % r["padded_bound_pct"] if "padded_bound_pct" in r else "-"]
                    + [cell(r, i) for i in impls]
                    + ["%.0f %%" % r["breakdown_pct"] if "breakdown_pct" in r else "-", ratio])
    return table(["cell", "product", "m x k x n", "fmas on real lanes (16-lane rows)"]
                 + [GEMM_IMPL_LABEL[i] for i in impls]
                 + ["rnnlite (bench_breakdown)", "rnnlite / best peer"], body)


def gemm_bounds(rows):
    """One bounds line per group of products: the best peer against rnnlite."""
    out = []
    for group, label in (("seed", "The seed fit's products alone (gemm_peers: one thread, in "
                                  "cache, T = 10, I = 1, H = 50, batch 64; rec k = H + I, dW "
                                  "[x^T; h^T; 1] dZ), % of peak, best peer (oneDNN matmul, "
                                  "LIBXSMM, OpenBLAS, BLIS) against rnnlite: "),
                         ("fwd", "The forward's recurrent product [64 x H] x [H x G*H] alone "
                                 "(gemm_peers, one thread, B packed once), % of peak, best peer "
                                 "against rnnlite: "),
                         ("bwd", "The backward's dh [64 x G*H] x [G*H x H] alone (gemm_peers, "
                                 "one thread, U^T packed once), % of peak, best peer against "
                                 "rnnlite: ")):
        parts = []
        for r in rows:
            if not r["mode"].startswith(group) or "pct" not in r or not r.get("best_peer") \
                    or not r.get("rnnlite_best"):
                continue
            what = GEMM_PRODUCT[r["mode"]].split(" ", 1)[-1] if group == "seed" \
                else "H=%d" % r["hidden"]
            parts.append("%s %s %s %.0f %% vs %.0f %%" % (
                CELL_NAMES[r["cell"]], what, GEMM_IMPL_LABEL[r["best_peer"]],
                r["pct"][r["best_peer"]], r["pct"][r["rnnlite_best"]]))
        if parts:
            out.append(label + "; ".join(parts))
    return out


def bounds(rows1, rows2, seed_rows, bd_rows, scaling, peak, peers, recs=()):
    """What the targets ask of the machine, and the peers' own figures, from
    this run: the measurements behind 'physically out of reach'."""
    out = []
    ob = openblas_peer(peers)
    pct = lambda g: 100 * g / peak if peak else float("nan")
    rs = [r for r in seed_rows if ob and r.get(ob + "_fit_s")]
    if rs and peak:
        out.append("Seed fit 10x faster than %s needs, over the whole fit: " % PEER_LABEL[ob] +
                   "; ".join("%s %.0f GFLOP/s (%.0f %% of peak; this run %.0f, %.0f %%)" % (
                       CELL_NAMES[r["cell"]],
                       seed_fit_flops(r["cell"]) / (r[ob + "_fit_s"] / 10) / 1e9,
                       pct(seed_fit_flops(r["cell"]) / (r[ob + "_fit_s"] / 10) / 1e9),
                       seed_fit_flops(r["cell"]) / r["rnnlite_fit_s"] / 1e9,
                       pct(seed_fit_flops(r["cell"]) / r["rnnlite_fit_s"] / 1e9)) for r in rs))
    out += seed_shape_bounds(recs, bd_rows, peak)
    out += gemm_bounds(gemm_rows(recs, bd_rows, peak))
    prod = [b for b in bd_rows if b.get("gemm_gflops", {}).get("gemm_fwd_rec")
            and b["threads"] == 1 and b["steps"] == 50 and peak]
    if prod:
        out.append("The recurrent product [64 x H] x [H x G*H] alone (bench_breakdown, I = %s, "
                   "one thread): " % ", ".join(sorted({str(b["input"]) for b in prod})) +
                   "; ".join("%s H=%d %.0f %%" % (CELL_NAMES[b["cell"]], b["hidden"],
                                                  pct(b["gemm_gflops"]["gemm_fwd_rec"]))
                             for b in prod) + " of peak")
    dn = [r for r in rows1 if r["hidden"] >= 128 and r["mode"] == "fwd"
          and r["cell"] in ("lstm", "gru") and r.get("onednn_gflops") and peak]
    if dn:
        v = [pct(r["onednn_gflops"]) for r in dn]
        out.append("oneDNN's forward at H >= 128, LSTM and GRU: %.0f-%.0f %% of peak "
                   "(median %.0f %%)" % (min(v), max(v), median(v)))
    for isa, v in sorted((scaling or {}).items()):
        out.append("FMA peak with both CPUs busy (%s): %.2fx one core" % (isa, v["factor"]))
    one = {(r["cell"], r["mode"], r["input"], r["hidden"]): r for r in rows1}
    sp = [(r, one[k]["onednn_ms"] / r["onednn_ms"]) for r in rows2
          for k in [(r["cell"], r["mode"], r["input"], r["hidden"])]
          if r["hidden"] >= 256 and r.get("onednn_ms") and one.get(k, {}).get("onednn_ms")]
    if sp:
        v = [x for _, x in sp]
        out.append("oneDNN's own two-thread speed-up at H >= 256: %.2f-%.2fx (median %.2fx)" % (
            min(v), max(v), median(v)))
    pairs = {}
    for b in bd_rows:
        if b.get("gemm_gflops") and b["steps"] == 50:
            pairs.setdefault((b["cell"], b["input"], b["hidden"]), {})[b["threads"]] = b
    gains = ["%s H=%d %.2fx" % (CELL_NAMES[c], h, p[1]["gemm_fwd_rec"] / p[2]["gemm_fwd_rec"])
             for (c, i, h), p in sorted(pairs.items()) if 1 in p and 2 in p
             and p[1].get("gemm_fwd_rec") and p[2].get("gemm_fwd_rec")]
    if gains:
        out.append("rnnlite's recurrent products alone on two threads against one "
                   "(bench_breakdown): " + "; ".join(gains))
    return out


def latency_checks(lat_rows):
    """Earlier issues' latency targets, still checked: ratios within one run."""
    out = []

    def verdict(name, ok, detail):
        out.append({"target": name, "met": ok, "detail": detail})

    one = [r for r in lat_rows if r["impl"] == "rnnlite" and r["mode"] == "predict1"]
    for r in one:
        verdict("one-sample LSTM predict < 5 us", r["median_us"] < 5,
                "median %.2f us, p99 %.2f us" % (r["median_us"], r["p99_us"]))
    # The forecast against the predict of the same run: a ratio, not a time.
    loop = [r for r in lat_rows if r["impl"] == "rnnlite" and r["mode"] == "predict_loop24"]
    for r in lat_rows:
        if r["impl"] == "rnnlite" and r["mode"] == "forecast24" and one:
            ratio = r["median_us"] / one[0]["median_us"]
            r["ratio_to_predict1"] = ratio
            detail = "median %.2f us = %.2f x the predict's %.2f us" % (
                r["median_us"], ratio, one[0]["median_us"])
            if loop:
                r["ratio_to_predict_loop24"] = r["median_us"] / loop[0]["median_us"]
                detail += "; %.3f x the same 24 rl_predict calls timed as one block (%.2f us)" % (
                    r["ratio_to_predict_loop24"], loop[0]["median_us"])
            verdict("24-step rl_forecast < 24 x one-sample predict", ratio < 24, detail)
    # Stream steps against the predict of the same run.
    for r in lat_rows:
        if r["impl"] != "rnnlite" or not one:
            continue
        if r["mode"] == "stream_stateful":
            r["ratio_to_predict1"] = r["median_us"] / one[0]["median_us"]
        if r["mode"] == "stream_window":
            ratio = r["median_us"] / one[0]["median_us"]
            r["ratio_to_predict1"] = ratio
            verdict("window stream step no slower than one-sample predict", ratio <= 1,
                    "median %.2f us = %.2f x the predict's %.2f us" %
                    (r["median_us"], ratio, one[0]["median_us"]))
    return out


def targets_table(goals, base=None):
    """The verdicts as a table; with `base` (baseline_goals), that run's
    figures in a column before this run's, matched by the target."""
    if not base:
        return table(["measure (issue 11)", "target", "this run", "met", "worst case"],
                     [[g["target"], g["goal"], g["measured"], "yes" if g["met"] else "no",
                       g["worst"]] for g in goals], left=True)
    before, saved = base
    by_goal = {g["goal"]: g for g in before}
    rows = []
    for g in goals:
        b = by_goal.get(g["goal"])
        rows.append([g["target"], g["goal"],
                     b["measured"] + (" (worst " + b["worst"] + ")" if b["worst"] else "")
                     if b else "-", g["measured"], "yes" if g["met"] else "no", g["worst"]])
    return table(["measure (issue 11)", "target", "baseline (%s)" % saved["machine"].get(
        "date", "?")[:16].replace("T", " "), "this run", "met", "worst case"], rows, left=True)


# ---- main ------------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build-bench"),
                    help="build directory (configured with -Dbench=true if new)")
    ap.add_argument("--jobs", type=int, default=1, help="ninja -j (default 1)")
    ap.add_argument("--no-build", action="store_true", help="use the built programs as they are")
    ap.add_argument("--quick", action="store_true", help="hidden 32,128, short budgets")
    ap.add_argument("--hidden", default="32,64,128,256,512")
    ap.add_argument("--input", default="1,64")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--no-fetch", action="store_true",
                    help="do not apt-get download OpenBLAS for the PyTorch+OpenBLAS peers")
    ap.add_argument("--torch-installed-threads", default="1",
                    help="threads for PyTorch as installed (its 2-thread run alone takes "
                         "~5 minutes; PyTorch+SKX runs at every --threads)")
    ap.add_argument("--peers", default=",".join(PEERS + ["gemm"]),
                    help="'gemm': the products alone against oneDNN matmul and OpenBLAS "
                         "sgemm (gemm_peers)")
    ap.add_argument("--budget", type=float, default=0.4,
                    help="seconds of timed runs per case once 5 samples are in")
    ap.add_argument("--reps", type=int, default=25, help="most samples per case")
    # Three passes: a two-thread speed-up is the median of its passes' paired
    # figures, and with two passes that median is their mean, so one pass
    # disturbed by the machine dragged a case down (the fourth session's
    # SimpleRNN(256) misses: one pass 1.73x, the other 1.47x).
    ap.add_argument("--passes", type=int, default=3,
                    help="sweeps of rnnlite and oneDNN; per case the lower median counts, "
                         "and a two-thread speed-up is the median of the passes' figures")
    ap.add_argument("--seed-rounds", type=int, default=3,
                    help="turns of rnnlite's and PyTorch's seed fits; a ratio is the median "
                         "of its rounds' ratios")
    ap.add_argument("--breakdown", default="128,512",
                    help="hidden sizes for the layer time breakdown ('' for none)")
    ap.add_argument("--json", help="output JSON (default <build>/bench-results.json)")
    ap.add_argument("--markdown", help="output tables (default <build>/bench-results.md)")
    ap.add_argument("--baseline", metavar="FILE",
                    help="an earlier run's JSON: its figures become a column of the targets table")
    ap.add_argument("--charts", metavar="DIR",
                    help="where the SVG charts go (default: charts/ next to the JSON; '' for none)")
    ap.add_argument("--from-json", metavar="FILE",
                    help="print the tables of an earlier run's JSON and write its charts "
                         "(charts/ next to FILE unless --charts); runs nothing else")
    opt = ap.parse_args()
    ints = lambda s: [int(v) for v in s.split(",") if v]
    opt.hidden, opt.input, opt.threads = ints(opt.hidden), ints(opt.input), ints(opt.threads)
    opt.breakdown = ints(opt.breakdown)
    opt.torch_installed_threads = ints(opt.torch_installed_threads)
    opt.peers = [p for p in opt.peers.split(",") if p]
    if opt.quick:
        opt.hidden, opt.budget, opt.reps, opt.breakdown = [32, 128], 0.15, 7, [128]
        opt.passes = opt.seed_rounds = 1
    bdir = os.path.abspath(opt.build)

    if opt.from_json:
        with open(opt.from_json) as f:
            saved = json.load(f)
        for k in ("hidden", "input", "threads", "peers", "passes"):
            setattr(opt, k, saved["options"].get(k, 1))
        machine, recs = saved["machine"], saved["records"]
        if opt.charts is None:
            opt.charts = os.path.join(os.path.dirname(os.path.abspath(opt.from_json)), "charts")
        report(opt, machine, recs, saved["elapsed_s"], write=False)
        return

    started = datetime.datetime.now()
    machine = machine_info()
    if not opt.no_build:
        log("building in " + bdir)
        build(bdir, opt.jobs)
    recs = run_all(opt, bdir, machine)
    report(opt, machine, recs, (datetime.datetime.now() - started).total_seconds(), write=True)


def peaks_of(recs):
    peaks = {}
    for r in recs:
        if r.get("kind") == "peak":
            peaks[r["mode"]] = max(peaks.get(r["mode"], 0), r["flops"] / r["min_s"] / 1e9)
    return peaks, (max(peaks.values()) if peaks else None)


def baseline_goals(path):
    """Issue 11's verdicts of an earlier run's JSON (for --baseline)."""
    with open(path) as f:
        saved = json.load(f)
    o = argparse.Namespace(**{k: saved["options"].get(k) for k in ("hidden", "input", "threads",
                                                                   "peers")})
    recs = saved["records"]
    _, peak = peaks_of(recs)
    peers = [p for p in o.peers if any(r["impl"] == p for r in recs)]
    _, seed_rows = seed_table(recs, peers)
    _, lat_rows = latency_table(recs)
    rows2 = cell_rows(recs, o, peak, 2) if 2 in o.threads else []
    return targets(cell_rows(recs, o, peak, 1), rows2, seed_rows, lat_rows, peers), saved


def report(opt, machine, recs, elapsed, write):
    """Print the tables; with `write`, also the JSON and markdown files."""

    peaks, peak = peaks_of(recs)
    scaling = peak_scaling(recs)
    rows1 = cell_rows(recs, opt, peak, 1)
    rows2 = cell_rows(recs, opt, peak, 2) if 2 in opt.threads else []
    peers = [p for p in opt.peers if any(r["impl"] == p for r in recs)]
    seed_md, seed_rows = seed_table(recs, peers)
    lat_md, lat_rows = latency_table(recs)
    ceiling = ceiling_rows(recs, rows2)
    goals = targets(rows1, rows2, seed_rows, lat_rows, peers, ceiling)
    checks = latency_checks(lat_rows)
    base = baseline_goals(opt.baseline) if getattr(opt, "baseline", None) else None

    md = []
    md.append("Machine: %s (family/model %s), %s CPU(s), %s thread(s) per core%s; %s; "
              "Linux %s" % (machine.get("cpu"), machine.get("cpu_family_model"),
                            machine.get("cpus"), machine.get("threads_per_core"),
                            ", hypervisor " + machine["hypervisor"]
                            if machine.get("hypervisor") else "",
                            machine.get("cc", ""), machine.get("kernel")))
    md.append("Date: %s; run took %.0f s; load average at start %.2f" % (
        machine["date"], elapsed, machine.get("loadavg_at_start", float("nan"))))
    md.append("Versions: rnnlite %s (kernels %s), PyTorch %s, oneDNN %s" % (
        machine.get("rnnlite", "?"), machine.get("rnnlite_isa", "?").rstrip(","),
        machine.get("torch", "-"),
        machine.get("onednn", "-")))
    blas = machine.get("torch_blas_as_installed", "")
    md.append("PyTorch as installed loads %s%s. PT+OpenBLAS: Debian's %s (%s) through "
              "LD_LIBRARY_PATH, core detected: %s; SKX: the same with "
              "OPENBLAS_CORETYPE=SkylakeX (%s)." % (
                  blas or "?", " (the netlib reference BLAS)" if "/blas/" in blas else "",
                  OPENBLAS_DEB, machine.get("openblas_deb") or machine.get("openblas_dir") or "-",
                  machine.get("openblas_core_pytorch-openblas", "-"),
                  machine.get("openblas_core_pytorch-skx", "-")))
    md.append("Peak (one core, FMA-throughput loop, best of 2 x 31 runs; "
              "% peak at 2 threads is of twice this): " + ", ".join(
        "%s %.1f GFLOP/s" % (k, v) for k, v in sorted(peaks.items())))
    beside = sorted(peak_beside(recs).values())
    if beside:
        md.append("Peak read beside each hidden size of each pass (median of %d runs just "
                  "before and just after, the higher; \"%% beside\" is of it): "
                  "%.1f-%.1f GFLOP/s over %d readings" % (
                      ADJACENT_PEAK_REPS, beside[0], beside[-1], len(beside)))
    if scaling:
        md.append("All CPUs at once (one bench_peak process pinned to each; medians against "
                  "the one-core median): " + ", ".join(
                      "%s %s = %.1f GFLOP/s, %.2fx one core" % (
                          isa, " + ".join("%.1f" % g for g in v["per_cpu"]), sum(v["per_cpu"]),
                          v["factor"]) for isa, v in sorted(scaling.items())))
    md = ["- " + line for line in md]
    md.append("")
    md.append("Batch 64, 50 steps. Times are medians (rnnlite and oneDNN: the lower of %d "
              "interleaved passes); x = peer time / rnnlite time (> 1: rnnlite faster). "
              "fwd+bwd for rnnlite is one rl_fit step (includes its Adam update), for the "
              "peers forward + backward only. Peers at 2 threads: OpenMP pinned "
              "(OMP_PROC_BIND=close, OMP_PLACES=cores). rnnlite's vs 1T: one model per "
              "thread count in one process, their calls timed in turn (1T 2T, 2T 1T, ...), "
              "the median of the rounds' ratios 1T time / 2T time (median over the "
              "passes), not the ratio of the two medians shown." % opt.passes)
    md.append("")
    md.append("### One thread\n")
    md.append(cells_table(rows1, peers, 1))
    if rows2:
        md.append("\n### Two threads\n")
        md.append(cells_table(rows2, peers, 2))
    if ceiling:
        md.append("\n### Two threads against the machine's ceiling\n")
        md.append("The ceiling: the batch cut in two independent models of 32 samples, each "
                  "on a thread of its own, run at once (nothing shared: no weights, no state, "
                  "no hand-off), timed in turn with one model of the whole batch on one "
                  "thread (bench_rnnlite --what ceiling, in each pass just after the pool's "
                  "run of the same hidden size); like the pool's figure (the two-thread "
                  "table's), the median of the passes' paired medians.\n")
        md.append(ceiling_table(ceiling))
    md.append("\n### Seed workload (1 thread): 990 windows of 10, 10 epochs, batch 64, Adam\n")
    md.append(seed_md)
    md.append("\n### Latency (1 thread): one-sample predict (10 steps), forecast, stream steps\n")
    md.append(lat_md)
    bd, bd_rows = breakdown_table(recs, peak)
    if bd:
        md.append("\n### Where the time goes (rnnlite; time and share of the layer pass; "
                  "rest = the pass minus its listed parts; thr = threads)\n")
        md.append(bd)
    md.append("\n### Targets (issue 11; ratios from this run, one thread unless said)\n")
    md.append(targets_table(goals, base))
    limits = bounds(rows1, rows2, seed_rows, bd_rows, scaling, peak, peers, recs)
    if limits:
        md.append("\nWhat the targets ask of the machine, and the peers' own figures:\n")
        md += ["- " + line for line in limits]
    products = gemm_rows(recs, bd_rows, peak)
    if products:
        md.append("\n### The peers' own figure for the products (one thread, in cache; "
                  "% of peak (GFLOP/s); gemm_peers, the implementations timed in turns)\n")
        md.append(gemm_table(products))
    if checks:
        md.append("\nLatency targets of earlier issues, still checked:\n")
        for g in checks:
            md.append("- [%s] %s: %s" % ("x" if g["met"] else " ", g["target"], g["detail"]))
    text = "\n".join(md) + "\n"
    print(text)

    bdir = os.path.abspath(opt.build)
    out_json = opt.json or os.path.join(bdir, "bench-results.json")
    out_md = opt.markdown or os.path.join(bdir, "bench-results.md")
    charts_dir = opt.charts if opt.charts is not None else \
        os.path.join(os.path.dirname(out_json), "charts")
    if charts_dir:
        # the bound of the ISA rnnlite's kernels ran on (else the best one)
        isa = machine.get("rnnlite_isa", "").rstrip(",")
        bound = scaling[isa]["factor"] if isa in scaling else \
            max(v["factor"] for v in scaling.values()) if scaling else None
        for path in write_charts(charts_dir, rows1, rows2, seed_rows, peers, peak, machine, opt,
                                 bound):
            log("wrote " + path)
    if not write:
        return
    with open(out_json, "w") as f:
        json.dump({"machine": machine, "peak_gflops": peaks, "options": vars(opt),
                   "cells_1t": rows1, "cells_2t": rows2, "seed": seed_rows,
                   "latency": lat_rows, "breakdown": bd_rows, "targets": goals,
                   "latency_checks": checks, "peak_scaling": scaling,
                   "seed_shape": seed_shape_rows(recs), "bounds": limits,
                   "gemm_peers": products, "ceiling_2t": ceiling, "records": recs,
                   "elapsed_s": elapsed}, f, indent=1)
    with open(out_md, "w") as f:
        f.write(text)
    log("wrote %s and %s" % (out_json, out_md))


if __name__ == "__main__":
    main()
