#!/usr/bin/env python3
"""Train the warm-up benchmark's extra model shapes (not committed), deterministically.

Two shapes that none of the tuned benchmarks use (issue 21):

  shape-255x500.txt    regression, 500 trees of up to 255 leaves, 100 features
  shape-31x3000.txt    multiclass, 3 classes x 1000 iterations = 3000 trees, 31 leaves, 45 features

Writes to bench/out (git-ignored). Fixed numpy seeds and deterministic single-threaded
LightGBM, so every machine gets the same models. Existing files are kept unless --force.

Usage: .venv/bin/python bench/compare/make_shapes.py [--out bench/out] [--force]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import lightgbm as lgb  # noqa: E402
import numpy as np  # noqa: E402

REPO = Path(__file__).resolve().parents[2]

COMMON = {
    "num_threads": 1,
    "deterministic": True,
    "force_row_wise": True,
    "verbose": -1,
    "min_data_in_leaf": 5,
    "feature_fraction": 0.9,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
}


def features(rng: np.random.Generator, n: int, d: int) -> np.ndarray:
    X = rng.normal(size=(n, d))
    X[rng.random(X.shape) < 0.02] = np.nan
    return X


def regression_255(out: Path) -> dict:
    rng = np.random.default_rng(2101)
    n, d = 40000, 100
    X = features(rng, n, d)
    Z = np.nan_to_num(X)
    w = rng.normal(size=d)
    y = Z @ w + 2 * np.sin(3 * Z[:, 0]) * Z[:, 1] + np.abs(Z[:, 2] * Z[:, 3]) + rng.normal(size=n)
    params = {**COMMON, "objective": "regression", "num_leaves": 255, "learning_rate": 0.05, "seed": 21}
    t0 = time.perf_counter()
    booster = lgb.train(params, lgb.Dataset(X, label=y), num_boost_round=500)
    booster.save_model(str(out))
    return {"model": str(out), "num_trees": booster.num_trees(), "seconds": round(time.perf_counter() - t0, 1)}


def multiclass_31(out: Path) -> dict:
    rng = np.random.default_rng(2102)
    n, d = 30000, 45
    X = features(rng, n, d)
    Z = np.nan_to_num(X)
    logits = Z @ (rng.normal(size=(d, 3)) / np.sqrt(d))
    logits[:, 0] += np.sin(2 * Z[:, 5]) * Z[:, 6]
    logits[:, 1] += 0.5 * (Z[:, 7] > 0.5) - 0.3 * np.abs(Z[:, 8])
    logits += rng.gumbel(size=logits.shape)
    y = np.argmax(logits, axis=1).astype(float)
    params = {**COMMON, "objective": "multiclass", "num_class": 3, "num_leaves": 31, "learning_rate": 0.05, "seed": 22}
    t0 = time.perf_counter()
    booster = lgb.train(params, lgb.Dataset(X, label=y), num_boost_round=1000)
    booster.save_model(str(out))
    return {"model": str(out), "num_trees": booster.num_trees(), "seconds": round(time.perf_counter() - t0, 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=str(REPO / "bench" / "out"))
    ap.add_argument("--force", action="store_true")
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    report = {"lightgbm_version": lgb.__version__}
    for name, train in (("shape-255x500", regression_255), ("shape-31x3000", multiclass_31)):
        path = out / f"{name}.txt"
        report[name] = {"model": str(path), "skipped": "exists"} if path.exists() and not args.force else train(path)
        print(json.dumps({name: report[name]}), file=sys.stderr)
    json.dump(report, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
