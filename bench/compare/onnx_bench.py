#!/usr/bin/env python3
"""ONNX Runtime as a second peer of the same-run comparison (one thread).

onnxmltools, the usual LightGBM -> ONNX converter, does not install here (no wheel in the
offline package mirror), so this script converts the model itself from LightGBM's own
`dump_model()`: one ai.onnx.ml TreeEnsembleRegressor with the thresholds and leaf values
as double tensors (`nodes_values_as_tensor`, `target_weights_as_tensor`), `BRANCH_LEQ`
nodes, NaN sent where LightGBM sends it (`nodes_missing_value_tracks_true`), one target
per class, SUM aggregation: the raw scores. ONNX Runtime returns them as float32, so they
are compared with LightGBM's raw scores within float32 precision, not bit for bit. Only
numerical splits are converted (the benchmark models have no categorical splits).

Usage: .venv/bin/python bench/compare/onnx_bench.py --rows ROWS.f64 [--repeats 5] [--single-calls 1000] model.txt
Prints one JSON object (or {"error": ...} when onnxruntime or onnx is missing).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402


def convert(booster, num_features: int):
    from onnx import TensorProto, helper, numpy_helper

    dump = booster.dump_model()
    num_class = dump.get("num_tree_per_iteration", 1)
    a = {k: [] for k in ("treeids", "nodeids", "featureids", "modes", "values", "true", "false", "missing")}
    t_tree, t_node, t_id, t_weight = [], [], [], []
    for tree_index, info in enumerate(dump["tree_info"]):
        counter = [0]

        def visit(node, tree_index=tree_index, counter=counter):
            my_id = counter[0]
            counter[0] += 1
            a["treeids"].append(tree_index)
            a["nodeids"].append(my_id)
            if "leaf_value" in node or "split_feature" not in node:
                a["featureids"].append(0)
                a["modes"].append("LEAF")
                a["values"].append(0.0)
                a["true"].append(0)
                a["false"].append(0)
                a["missing"].append(0)
                t_tree.append(tree_index)
                t_node.append(my_id)
                t_id.append(tree_index % num_class)
                t_weight.append(float(node.get("leaf_value", 0.0)))
                return my_id
            if node.get("decision_type", "<=") != "<=":
                raise ValueError("categorical splits are not converted")
            slot = len(a["modes"])
            threshold = float(node["threshold"])
            missing = node.get("missing_type", "None")
            tracks_true = bool(node.get("default_left")) if missing in ("NaN", "Zero") else 0.0 <= threshold
            a["featureids"].append(int(node["split_feature"]))
            a["modes"].append("BRANCH_LEQ")
            a["values"].append(threshold)
            a["true"].append(0)
            a["false"].append(0)
            a["missing"].append(1 if tracks_true else 0)
            a["true"][slot] = visit(node["left_child"])
            a["false"][slot] = visit(node["right_child"])
            return my_id

        visit(info["tree_structure"])
    node = helper.make_node(
        "TreeEnsembleRegressor",
        ["X"],
        ["Y"],
        domain="ai.onnx.ml",
        n_targets=num_class,
        aggregate_function="SUM",
        post_transform="NONE",
        nodes_treeids=a["treeids"],
        nodes_nodeids=a["nodeids"],
        nodes_featureids=a["featureids"],
        nodes_modes=a["modes"],
        nodes_values_as_tensor=numpy_helper.from_array(np.array(a["values"], dtype=np.float64), "nodes_values"),
        nodes_truenodeids=a["true"],
        nodes_falsenodeids=a["false"],
        nodes_missing_value_tracks_true=a["missing"],
        target_treeids=t_tree,
        target_nodeids=t_node,
        target_ids=t_id,
        target_weights_as_tensor=numpy_helper.from_array(np.array(t_weight, dtype=np.float64), "target_weights"),
    )
    graph = helper.make_graph(
        [node],
        "lightgbm",
        [helper.make_tensor_value_info("X", TensorProto.DOUBLE, [None, num_features])],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, [None, num_class])],
    )
    model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("ai.onnx.ml", 3)]
    )
    model.ir_version = 8
    return model.SerializeToString(), num_class


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model")
    ap.add_argument("--rows", required=True)
    ap.add_argument("--num-features", type=int)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--single-calls", type=int, default=1000)
    args = ap.parse_args()
    try:
        import lightgbm as lgb
        import onnx
        import onnxruntime as ort
    except ImportError as error:
        print(json.dumps({"error": f"not installed: {error.name}"}))
        return
    booster = lgb.Booster(model_file=args.model)
    num_features = args.num_features or booster.num_feature()
    X = np.fromfile(args.rows, dtype="<f8").reshape(-1, num_features)
    t0 = time.perf_counter()
    try:
        data, num_class = convert(booster, num_features)
    except ValueError as error:
        print(json.dumps({"error": str(error)}))
        return
    convert_s = time.perf_counter() - t0
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    t0 = time.perf_counter()
    session = ort.InferenceSession(data, options, providers=["CPUExecutionProvider"])
    session_s = time.perf_counter() - t0
    first = time.perf_counter()
    out = session.run(None, {"X": X})[0]
    first_s = time.perf_counter() - first
    times = []
    for _ in range(args.repeats):
        t = time.perf_counter()
        session.run(None, {"X": X})
        times.append(time.perf_counter() - t)
    raw = booster.predict(X, raw_score=True, num_threads=1).reshape(len(X), num_class)
    diff = np.abs(out.astype(np.float64) - raw)
    single = []
    for i in range(args.single_calls):
        row = X[i % len(X)].reshape(1, -1)
        t = time.perf_counter()
        session.run(None, {"X": row})
        single.append((time.perf_counter() - t) * 1e6)
    print(
        json.dumps(
            {
                "onnxruntime_version": ort.__version__,
                "onnx_version": onnx.__version__,
                "model": str(Path(args.model)),
                "onnx_bytes": len(data),
                "convert_seconds": convert_s,
                "session_seconds": session_s,
                "first_batch_rows_per_s": len(X) / first_s,
                "batch": {"rows": len(X), "seconds_best": min(times), "rows_per_s": len(X) / min(times)},
                "single_row": {"calls": len(single), "us_median": float(np.median(single))},
                "max_abs_diff_raw": float(diff.max()),
                "max_rel_diff_raw": float((diff / np.maximum(np.abs(raw), 1e-300)).max()),
            }
        )
    )


if __name__ == "__main__":
    sys.exit(main())
