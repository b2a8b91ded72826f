#!/usr/bin/env python3
"""Reads an rnnlite model file (.rlm) following docs/format.md alone, without
the library: checks the header, the CRC and the length of every known
section, and prints a summary. Exit status 1 when the file breaks the spec.

    python3 tests/golden/read_rlm.py tests/golden/*.rlm
"""
import binascii
import struct
import sys

MAGIC = b"\x89RLM\r\n\x1a\n"
KINDS = {0: ("Dense", 1, 1, False), 1: ("SimpleRNN", 1, 1, True),
         2: ("LSTM", 4, 1, True), 3: ("GRU", 3, 2, True),
         4: ("GRU-rb", 3, 1, True)}   # name, gates, bias rows, recurrent
ACTS = ["linear", "relu", "tanh", "sigmoid", "hard_sigmoid"]
OPTS = ["SGD", "Adam", "RMSprop"]
LOSSES = ["MSE", "MAE", "Huber"]
PARAMS = ["learning_rate", "beta1", "beta2", "epsilon", "momentum", "clipnorm", "seed",
          "shuffle", "validation_split", "patience", "threads", "rho"]


class Bad(Exception):
    pass


def need(cond, what):
    if not cond:
        raise Bad(what)


def read(data):
    need(len(data) >= 24, "shorter than header + CRC")
    need(data[:8] == MAGIC, "bad magic")
    version, size = struct.unpack_from("<IQ", data, 8)
    need(version in (1, 2), "version %d" % version)
    need(size == len(data), "size field %d, file %d" % (size, len(data)))
    crc = struct.unpack_from("<I", data, size - 4)[0]
    need(binascii.crc32(data[:-4]) == crc, "CRC mismatch")
    sections, at = {}, 20
    while at < size - 4:
        need(at + 16 <= size - 4, "section header past the end")
        tag, flags, length = struct.unpack_from("<4sIQ", data, at)
        need(flags & ~1 == 0, "reserved flag bits")
        need(at + 16 + length <= size - 4, "section %s past the end" % tag)
        name = tag.decode("ascii", "replace")
        need(name not in sections, "duplicate " + name)
        sections[name] = (flags, data[at + 16:at + 16 + length])
        at += 16 + length
    for name in ("ARCH", "PARM", "COMP", "WGHT"):
        need(name in sections, "missing " + name)

    arch = sections["ARCH"][1]
    steps, features, n_layers = struct.unpack_from("<QQQ", arch, 0)
    need(len(arch) == 24 + 32 * n_layers, "ARCH length")
    print("input [%d][%d], %d layers" % (steps, features, n_layers))
    width, n_w = features, []
    for i in range(n_layers):
        kind, act, rec, seq, inw, units = struct.unpack_from("<IIIIQQ", arch, 24 + 32 * i)
        name, gates, bias_rows, recurrent = KINDS[kind]
        need(inw == width, "layer %d input width" % i)
        n_w.append((inw + (units if recurrent else 0) + bias_rows) * gates * units)
        print("  %-9s units %-3d %s/%s seq=%d  %d weights" %
              (name, units, ACTS[act], ACTS[rec], seq, n_w[-1]))
        width = units

    parm = sections["PARM"][1]
    count, set_mask = struct.unpack_from("<IQ", parm, 0)
    need(len(parm) == 12 + 8 * count, "PARM length")
    values = struct.unpack_from("<%dd" % count, parm, 12)
    print("  params: " + ", ".join("%s=%g%s" % (PARAMS[p] if p < len(PARAMS) else p, v,
                                                "*" if set_mask >> p & 1 else "")
                                   for p, v in enumerate(values)))
    opt, loss = struct.unpack_from("<II", sections["COMP"][1], 0)
    need(len(sections["COMP"][1]) == 8, "COMP length")
    print("  %s, %s loss" % (OPTS[opt], LOSSES[loss]))

    wght = sections["WGHT"][1]
    need(len(wght) == sum(8 + 4 * n for n in n_w), "WGHT length")
    at = 0
    for n in n_w:
        need(struct.unpack_from("<Q", wght, at)[0] == n, "WGHT count")
        w = struct.unpack_from("<%df" % n, wght, at + 8)
        need(all(abs(x) != float("inf") and x == x for x in w), "non-finite weight")
        at += 8 + 4 * n
    if "OPTS" in sections:
        o = sections["OPTS"][1]
        need(len(o) == 40 + sum(8 + 8 * n for n in n_w), "OPTS length")
        print("  optimiser steps %d" % struct.unpack_from("<Q", o, 0)[0])
    if "SCAL" in sections:
        s = sections["SCAL"][1]
        kind, n, lo, hi = struct.unpack_from("<IQdd", s, 0)
        need(len(s) == 28 + 16 * n, "SCAL length")
        print("  scaler %s, %d columns, range (%g, %g)" %
              ({1: "MinMax", 2: "Standard"}[kind], n, lo, hi))
    if "TRGT" in sections:
        need(version >= 2, "TRGT in a version-1 file")
        t = sections["TRGT"][1]
        n = struct.unpack_from("<Q", t, 0)[0]
        need(1 <= n <= features and len(t) == 8 + 8 * n, "TRGT length")
        cols = struct.unpack_from("<%dQ" % n, t, 8)
        need(all(c < features for c in cols) and len(set(cols)) == n, "TRGT columns")
        print("  targets %s" % list(cols))
    if "TRFM" in sections:
        need(version >= 2, "TRFM in a version-1 file")
        t = sections["TRFM"][1]
        nf, n = struct.unpack_from("<QQ", t, 0)
        need(nf == features and n <= 64, "TRFM header")
        at, names = 16, []
        for k in range(n):
            need(at + 40 <= len(t), "TRFM step %d past the end" % k)
            kind, zero, column, lag = struct.unpack_from("<IIQQ", t, at)
            need(zero == 0 and kind in (1, 2, 3, 4, 5), "TRFM step %d header" % k)
            at += 40 + (16 * nf if kind in (4, 5) else 0)
            names.append({1: "log", 2: "log1p", 3: "diff(%d)" % lag, 4: "minmax",
                          5: "standard"}[kind] +
                         ("" if column == 2 ** 64 - 1 else "[col %d]" % column))
        need(at == len(t), "TRFM length")
        print("  transform " + " -> ".join(names))
    for name, (flags, _) in sections.items():
        known = ("ARCH", "PARM", "COMP", "WGHT", "OPTS", "SCAL", "TRGT", "TRFM")
        need(name in known or not flags & 1, "unknown required section " + name)


def main():
    ok = True
    for path in sys.argv[1:]:
        print(path)
        try:
            read(open(path, "rb").read())
        except (Bad, KeyError, IndexError, struct.error) as e:
            print("  BAD: %s" % e)
            ok = False
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
