#!/usr/bin/env python3
"""Train the benchmark-only LightGBM models (not committed) and a matching rows file.

Writes (default folder bench/out, git-ignored):

  multiclass-1000.txt            3 classes x 1000 iterations = 3000 trees, 31 leaves, 45 features
  multiclass-1000.rows.f64       benchmark rows: little-endian float64, row-major
  multiclass-1000.rows.f64.json  sidecar: {"num_rows", "num_features", "dtype", "layout", "seed"}

Everything is synthetic and deterministic (fixed numpy seeds, deterministic single-threaded
LightGBM), so every machine gets the same model and rows.

Usage: .venv/bin/python bench/compare/make_models.py [--out bench/out] [--rows 20000] [--force]
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
NUM_FEATURES = 45
NUM_CLASS = 3


def synthetic(rng: np.random.Generator, n: int) -> np.ndarray:
    """45 features of mixed kinds: gaussian, rounded uniform, small integers, skewed; ~2% NaN."""
    X = np.empty((n, NUM_FEATURES))
    for j in range(NUM_FEATURES):
        kind = j % 4
        if kind == 0:
            X[:, j] = rng.normal(size=n)
        elif kind == 1:
            X[:, j] = np.round(rng.uniform(-5, 5, size=n), 2)
        elif kind == 2:
            X[:, j] = rng.integers(0, 20, size=n).astype(float)
        else:
            X[:, j] = rng.exponential(2.0, size=n)
    X[rng.random(X.shape) < 0.02] = np.nan
    return X


def labels(rng: np.random.Generator, X: np.ndarray) -> np.ndarray:
    Z = np.nan_to_num(X)
    w = rng.normal(size=(NUM_FEATURES, NUM_CLASS)) / np.sqrt(NUM_FEATURES)
    logits = Z @ w
    logits[:, 0] += 0.8 * np.sin(Z[:, 1]) * Z[:, 0]
    logits[:, 1] += 0.3 * (Z[:, 2] > 10) - 0.2 * np.log1p(Z[:, 3])
    logits[:, 2] += 0.5 * np.abs(Z[:, 4]) - 0.5
    logits += rng.gumbel(size=logits.shape)  # noisy labels: trees keep finding splits
    return np.argmax(logits, axis=1).astype(float)


def train_multiclass_1000(out: Path) -> dict:
    rng = np.random.default_rng(20240601)
    X = synthetic(rng, 30000)
    y = labels(rng, X)
    params = {
        "objective": "multiclass",
        "num_class": NUM_CLASS,
        "num_leaves": 31,
        "learning_rate": 0.05,
        "min_data_in_leaf": 20,
        "feature_fraction": 0.8,
        "bagging_fraction": 0.8,
        "bagging_freq": 1,
        "num_threads": 1,
        "deterministic": True,
        "force_row_wise": True,
        "seed": 11,
        "verbose": -1,
    }
    t0 = time.perf_counter()
    booster = lgb.train(params, lgb.Dataset(X, label=y), num_boost_round=1000)
    booster.save_model(str(out), num_iteration=-1)
    return {"model": str(out), "num_trees": booster.num_trees(), "train_seconds": round(time.perf_counter() - t0, 1)}


def write_rows(path: Path, n: int, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    X = np.ascontiguousarray(synthetic(rng, n), dtype="<f8")
    path.write_bytes(X.tobytes(order="C"))
    meta = {"num_rows": n, "num_features": NUM_FEATURES, "dtype": "float64le", "layout": "row-major", "seed": seed}
    Path(str(path) + ".json").write_text(json.dumps(meta, indent=2) + "\n")
    return {"rows": str(path), **meta}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=str(REPO / "bench" / "out"))
    ap.add_argument("--rows", type=int, default=20000, help="number of benchmark rows to write (0 = none)")
    ap.add_argument("--force", action="store_true", help="retrain even if the model file exists")
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    report = {"lightgbm_version": lgb.__version__}
    model = out / "multiclass-1000.txt"
    if model.exists() and not args.force:
        report["multiclass-1000"] = {"model": str(model), "skipped": "exists (use --force to retrain)"}
    else:
        report["multiclass-1000"] = train_multiclass_1000(model)
    if args.rows > 0:
        report["rows"] = write_rows(out / "multiclass-1000.rows.f64", args.rows, seed=977)
    json.dump(report, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
