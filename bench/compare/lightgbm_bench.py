#!/usr/bin/env python3
"""Time LightGBM (the C++ library behind the Python package) on one thread, for comparison
with leafwise in the same run on the same rows.

For each model:
  * load       lgb.Booster(model_file=...), best of --load-repeats (default 3)
  * batch      Booster.predict(rows, raw_score=False, num_threads=1), best of --repeats
  * single     one row at a time through the C API fast path
               LGBM_BoosterPredictForMatSingleRowFastInit / ...SingleRowFast (ctypes),
               median over --single-calls calls (default 2000); the ctypes call overhead of
               this Python process is measured separately and reported (not subtracted)
  * contrib    Booster.predict(pred_contrib=True) on the first --contrib-rows rows (default 100)

Rows: binary little-endian float64, row-major. The number of features comes from
--num-features or from a JSON sidecar (`<rows>.json`, or `<rows without extension>.json`)
holding {"num_features": F}.

Prints ONE JSON object to stdout (progress goes to stderr). With --save-pred, LightGBM's
batch predictions are written as little-endian float64 row-major (num_rows x num_class),
with a sidecar `<path>.json`, so the TypeScript side can check equality in the same run.

Usage:
  .venv/bin/python bench/compare/lightgbm_bench.py --rows bench/out/multiclass-1000.rows.f64 \\
      bench/out/multiclass-1000.txt [more models...] [--save-pred bench/out/{name}.lgb-pred.f64]
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import lightgbm as lgb  # noqa: E402
import numpy as np  # noqa: E402
from lightgbm.basic import _LIB  # noqa: E402

C_API_PREDICT_NORMAL = 0
C_API_DTYPE_FLOAT64 = 1


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def check(ret: int) -> None:
    if ret != 0:
        raise RuntimeError("LightGBM error: " + _LIB.LGBM_GetLastError().decode("utf-8"))


def read_rows(path: Path, num_features: int | None) -> np.ndarray:
    if num_features is None:
        for side in (Path(str(path) + ".json"), path.with_suffix(".json")):
            if side.exists():
                num_features = int(json.loads(side.read_text())["num_features"])
                break
    if num_features is None:
        raise SystemExit(f"no --num-features given and no sidecar {path}.json with num_features")
    data = np.fromfile(path, dtype="<f8")
    if data.size % num_features:
        raise SystemExit(f"{path}: {data.size} values is not a multiple of num_features={num_features}")
    return np.ascontiguousarray(data.reshape(-1, num_features).astype(np.float64, copy=False))


def best_of(fn, repeats: int) -> tuple[float, list[float]]:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times), times


def ctypes_overhead_us(calls: int) -> float:
    """Median cost of one trivial ctypes call into the library (LGBM_GetLastError)."""
    f = _LIB.LGBM_GetLastError
    samples = []
    pc = time.perf_counter_ns
    for _ in range(calls):
        t0 = pc()
        f()
        samples.append(pc() - t0)
    return statistics.median(samples) / 1000.0


def single_row(booster: lgb.Booster, X: np.ndarray, calls: int, num_class: int, predict_type: int) -> dict:
    ncol = X.shape[1]
    fast = ctypes.c_void_p()
    check(_LIB.LGBM_BoosterPredictForMatSingleRowFastInit(
        booster._handle,
        ctypes.c_int(predict_type),
        ctypes.c_int(0),   # start_iteration
        ctypes.c_int(-1),  # num_iteration: all
        ctypes.c_int(C_API_DTYPE_FLOAT64),
        ctypes.c_int32(ncol),
        ctypes.c_char_p(b"num_threads=1"),
        ctypes.byref(fast),
    ))
    try:
        out = np.zeros(num_class, dtype=np.float64)
        out_ptr = out.ctypes.data_as(ctypes.POINTER(ctypes.c_double))
        out_len = ctypes.c_int64(0)
        out_len_ref = ctypes.byref(out_len)
        base = X.ctypes.data
        stride = X.strides[0]
        n = X.shape[0]
        ptrs = [ctypes.c_void_p(base + (i % n) * stride) for i in range(calls)]
        predict = _LIB.LGBM_BoosterPredictForMatSingleRowFast
        # warm-up, and a check against the batch path on the first rows
        first = []
        for i in range(min(n, 20)):
            check(predict(fast, ptrs[i], out_len_ref, out_ptr))
            first.append(out.copy())
        pc = time.perf_counter_ns
        samples = []
        for p in ptrs:
            t0 = pc()
            predict(fast, p, out_len_ref, out_ptr)
            samples.append(pc() - t0)
        samples.sort()
        return {
            "calls": calls,
            "us_median": statistics.median(samples) / 1000.0,
            "us_p10": samples[len(samples) // 10] / 1000.0,
            "us_p90": samples[(len(samples) * 9) // 10] / 1000.0,
            "rows_checked": len(first),
            "_first": np.array(first),
        }
    finally:
        _LIB.LGBM_FastConfigFree(fast)


def model_names(paths: list[Path]) -> list[str]:
    """File name without extension; for `<dir>/model.txt` the folder name. Made unique."""
    names = []
    for p in paths:
        base = p.parent.name if p.stem == "model" and p.parent.name else p.stem
        name, k = base, 2
        while name in names:
            name, k = f"{base}-{k}", k + 1
        names.append(name)
    return names


def bench_model(path: Path, name: str, X: np.ndarray, args, save_pred: str | None) -> dict:
    log(f"[{name}] load")
    load_best, load_all = best_of(lambda: lgb.Booster(model_file=str(path)), args.load_repeats)
    booster = lgb.Booster(model_file=str(path))
    num_features = booster.num_feature()
    if num_features != X.shape[1]:
        raise SystemExit(f"{path}: model has {num_features} features, rows have {X.shape[1]}")
    num_trees = booster.num_trees()
    n = X.shape[0]

    log(f"[{name}] batch predict of {n} rows x {args.repeats}")
    holder = {}

    def batch():
        holder["pred"] = booster.predict(X, raw_score=False, num_threads=1)

    batch_best, batch_all = best_of(batch, args.repeats)
    pred = np.asarray(holder["pred"], dtype=np.float64).reshape(n, -1)
    num_class = pred.shape[1]

    log(f"[{name}] single-row fast path x {args.single_calls}")
    single = single_row(booster, X, args.single_calls, num_class, C_API_PREDICT_NORMAL)
    first = single.pop("_first")
    single["matches_batch"] = bool(np.array_equal(first, pred[: len(first)]))

    m = min(n, args.contrib_rows)
    log(f"[{name}] pred_contrib on {m} rows x {args.contrib_repeats}")
    Xc = np.ascontiguousarray(X[:m])
    contrib_best, contrib_all = best_of(
        lambda: booster.predict(Xc, pred_contrib=True, num_threads=1), args.contrib_repeats
    )

    result = {
        "name": name,
        "model": str(path),
        "model_bytes": path.stat().st_size,
        "num_trees": num_trees,
        "num_class": num_class,
        "num_features": num_features,
        "load": {"ms_best": load_best * 1e3, "ms_all": [t * 1e3 for t in load_all]},
        "batch": {
            "rows": n,
            "seconds_best": batch_best,
            "seconds_all": batch_all,
            "rows_per_s": n / batch_best,
            "us_per_row": batch_best / n * 1e6,
        },
        "single_row": single,
        "contrib": {
            "rows": m,
            "seconds_best": contrib_best,
            "seconds_all": contrib_all,
            "rows_per_s": m / contrib_best,
        },
    }
    if save_pred:
        out = Path(save_pred.replace("{name}", name))
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(np.ascontiguousarray(pred, dtype="<f8").tobytes(order="C"))
        Path(str(out) + ".json").write_text(json.dumps({
            "num_rows": n, "num_class": num_class, "dtype": "float64le", "layout": "row-major",
            "model": str(path), "raw_score": False, "lightgbm_version": lgb.__version__,
        }, indent=2) + "\n")
        result["pred_file"] = str(out)
    return result


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("models", nargs="+", help="model.txt files")
    ap.add_argument("--rows", required=True, help="rows file: little-endian float64, row-major")
    ap.add_argument("--num-features", type=int, default=None, help="columns per row (else read from sidecar)")
    ap.add_argument("--max-rows", type=int, default=0, help="use only the first N rows for the batch (0 = all)")
    ap.add_argument("--repeats", type=int, default=5, help="batch predict repeats (best is reported)")
    ap.add_argument("--load-repeats", type=int, default=3)
    ap.add_argument("--single-calls", type=int, default=2000)
    ap.add_argument("--contrib-rows", type=int, default=100)
    ap.add_argument("--contrib-repeats", type=int, default=3)
    ap.add_argument("--save-pred", default=None,
                    help="write batch predictions here (float64le, num_rows x num_class); with several "
                         "models the path must contain {name} (model file name without extension, or the "
                         "folder name for <dir>/model.txt)")
    args = ap.parse_args()
    if args.save_pred and len(args.models) > 1 and "{name}" not in args.save_pred:
        raise SystemExit("--save-pred needs a {name} placeholder when several models are given")

    X = read_rows(Path(args.rows), args.num_features)
    if args.max_rows > 0:
        X = np.ascontiguousarray(X[: args.max_rows])

    report = {
        "tool": "lightgbm",
        "lightgbm_version": lgb.__version__,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "num_threads": 1,
        "rows_file": args.rows,
        "num_rows": int(X.shape[0]),
        "num_features": int(X.shape[1]),
        "ctypes_overhead_us": ctypes_overhead_us(args.single_calls),
        "models": [
            bench_model(Path(m), name, X, args, args.save_pred)
            for m, name in zip(args.models, model_names([Path(m) for m in args.models]))
        ],
    }
    json.dump(report, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
