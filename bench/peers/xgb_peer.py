#!/usr/bin/python3
"""Peer learners for bench/training.ts, on one split written by the bench (raw float64 / int32 files
+ meta.json).

  xgb_peer.py fit DIR: trains xgboost hist (2 threads, 200 rounds, depth 8) and, for reference, the
    scikit-learn RandomForest and HistGradientBoosting; saves the booster to DIR/xgb.json and prints
    one JSON object with fit seconds and macro-F1 (over the classes present in the test labels).
  xgb_peer.py time-fit DIR: times that xgboost fit alone.
  xgb_peer.py quality DIR ETAS: for bench/quality.ts, xgboost hist (2 threads, 200 rounds, depth 8) at
    each learning rate of the comma-separated ETAS and RandomForest (200 trees, 2 jobs); prints fit
    seconds and macro-F1 of each. With XDR_PEER_ONEHOT=1, xgboost also on one-hot categoricals.
  xgb_peer.py time-predict DIR REPEATS: loads that booster and prints the best of REPEATS batch
    predicts on the test rows repeated to at least TIMING_ROWS. The bench calls both timers in
    windows that alternate with its own timing, so both sides meet the same machine load."""
import json
import os
import sys
import time

import numpy as np
import xgboost as xgb
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.metrics import accuracy_score, f1_score

# inference is timed on the test rows repeated to at least this many rows (bench/training.ts does the same)
TIMING_ROWS = 50_000


def load(folder):
    with open(os.path.join(folder, "meta.json")) as f:
        meta = json.load(f)
    cols = meta["cols"]
    xtr = np.fromfile(os.path.join(folder, "x_train.f64"), dtype="<f8").reshape(-1, cols)
    ytr = np.fromfile(os.path.join(folder, "y_train.i32"), dtype="<i4")
    xte = np.fromfile(os.path.join(folder, "x_test.f64"), dtype="<f8").reshape(-1, cols)
    yte = np.fromfile(os.path.join(folder, "y_test.i32"), dtype="<i4")
    return meta, xtr, ytr, xte, yte


def scores(yte, pred):
    present = sorted(set(yte.tolist()))
    return {
        "macroF1": float(f1_score(yte, pred, labels=present, average="macro", zero_division=0)),
        "accuracy": float(accuracy_score(yte, pred)),
    }


def best_of(fn, repeats):
    best = float("inf")
    out = None
    for _ in range(repeats):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def fit_xgboost(meta, xtr, ytr, eta=None):
    """xgboost hist, 2 threads, 200 rounds, depth 8 (eta: xgboost's default 0.3 unless given);
    returns the booster and the seconds taken (DMatrix construction included)."""
    params = {
        "objective": "multi:softprob",
        "num_class": meta["classes"],
        "tree_method": "hist",
        "max_depth": 8,
        "nthread": 2,
        "seed": meta["seed"],
        "verbosity": 0,
    }
    if eta is not None:
        params["eta"] = eta
    t = time.perf_counter()
    dtrain = xgb.DMatrix(xtr, label=ytr, nthread=2)
    booster = xgb.train(params, dtrain, num_boost_round=200)
    return booster, time.perf_counter() - t


def finite_or_nan(x):
    """xgboost cannot take +-inf; NaN = missing for every peer."""
    return np.where(np.isfinite(x), x, np.nan)


def time_fit(folder):
    meta, xtr, ytr, _, _ = load(folder)
    _, fit_s = fit_xgboost(meta, finite_or_nan(xtr), ytr)
    print(json.dumps({"fitSeconds": fit_s}))


def time_predict(folder, repeats):
    """Best of `repeats` predicts on the test rows repeated to at least TIMING_ROWS (small test sets
    time too noisily); a fresh DMatrix per repetition, built outside the timing: booster.predict
    caches its output per DMatrix object."""
    _, _, _, xte, _ = load(folder)
    xtime = np.tile(finite_or_nan(xte), (-(-TIMING_ROWS // len(xte)), 1))
    booster = xgb.Booster(model_file=os.path.join(folder, "xgb.json"))
    booster.set_param({"nthread": 2})
    booster.predict(xgb.DMatrix(xtime, nthread=2))  # warm-up
    pred_s = float("inf")
    for _ in range(repeats):
        dtest = xgb.DMatrix(xtime, nthread=2)
        t = time.perf_counter()
        booster.predict(dtest)
        pred_s = min(pred_s, time.perf_counter() - t)
    inplace_s, _ = best_of(lambda: booster.inplace_predict(xtime), repeats)
    print(json.dumps({"predictSeconds": pred_s, "inplacePredictSeconds": inplace_s, "rows": len(xtime)}))


def fit(folder):
    meta, xtr, ytr, xte, yte = load(folder)
    k = meta["classes"]
    xtr = finite_or_nan(xtr)
    xte = finite_or_nan(xte)
    result = {"xgboostVersion": xgb.__version__}

    booster, fit_s = fit_xgboost(meta, xtr, ytr)
    booster.save_model(os.path.join(folder, "xgb.json"))
    proba = booster.predict(xgb.DMatrix(xte, nthread=2))
    pred = proba.reshape(-1, k).argmax(axis=1)
    result["xgboost"] = {"fitSeconds": fit_s, **scores(yte, pred)}

    xtr0 = np.nan_to_num(xtr, nan=-1.0)
    xte0 = np.nan_to_num(xte, nan=-1.0)
    t = time.perf_counter()
    rf = RandomForestClassifier(n_estimators=200, n_jobs=2, random_state=meta["seed"]).fit(xtr0, ytr)
    rf_fit = time.perf_counter() - t
    result["randomForest"] = {"fitSeconds": rf_fit, **scores(yte, rf.predict(xte0))}

    t = time.perf_counter()
    hgb = HistGradientBoostingClassifier(random_state=meta["seed"]).fit(xtr, ytr)
    hgb_fit = time.perf_counter() - t
    result["histGradientBoosting"] = {"fitSeconds": hgb_fit, **scores(yte, hgb.predict(xte))}
    print(json.dumps(result))


def quality(folder, etas):
    meta, xtr, ytr, xte, yte = load(folder)
    k = meta["classes"]
    xtr = finite_or_nan(xtr)
    xte = finite_or_nan(xte)
    result = {"xgboostVersion": xgb.__version__, "xgboost": {}}
    for eta in etas:
        # CPU seconds of the process (every thread) beside the wall time: on a loaded machine the
        # wall time moves by 2x or more between runs, the CPU time much less
        c = time.process_time()
        booster, fit_s = fit_xgboost(meta, xtr, ytr, eta)
        cpu_s = time.process_time() - c
        pred = booster.predict(xgb.DMatrix(xte, nthread=2)).reshape(-1, k).argmax(axis=1)
        result["xgboost"][str(eta)] = {"fitSeconds": fit_s, "cpuSeconds": cpu_s, **scores(yte, pred)}
    categorical = meta.get("categorical", [])
    if categorical and os.environ.get("XDR_PEER_ONEHOT") == "1":
        # xgboost on one-hot categoricals (each vocabulary code its own 0/1 column; NaN / unseen: all 0)
        xtr1, xte1 = one_hot(xtr, categorical), one_hot(xte, categorical)
        for eta in etas:
            booster, fit_s = fit_xgboost(meta, xtr1, ytr, eta)
            pred = booster.predict(xgb.DMatrix(xte1, nthread=2)).reshape(-1, k).argmax(axis=1)
            result.setdefault("xgboostOneHot", {})[str(eta)] = {"fitSeconds": fit_s, **scores(yte, pred)}
    xtr0 = np.nan_to_num(xtr, nan=-1.0)
    xte0 = np.nan_to_num(xte, nan=-1.0)
    t = time.perf_counter()
    c = time.process_time()
    rf = RandomForestClassifier(n_estimators=200, n_jobs=2, random_state=meta["seed"]).fit(xtr0, ytr)
    rf_cpu = time.process_time() - c
    rf_fit = time.perf_counter() - t
    result["randomForest"] = {"fitSeconds": rf_fit, "cpuSeconds": rf_cpu, **scores(yte, rf.predict(xte0))}
    print(json.dumps(result))


def one_hot(x, categorical):
    """Replaces each categorical column ({"col", "size"} in meta.json) by `size` 0/1 columns."""
    keep = [j for j in range(x.shape[1]) if j not in {c["col"] for c in categorical}]
    parts = [x[:, keep]]
    for c in categorical:
        codes = x[:, c["col"]]
        block = np.zeros((len(x), c["size"]), dtype=np.float64)
        ok = np.isfinite(codes) & (codes >= 0) & (codes < c["size"])
        block[np.nonzero(ok)[0], codes[ok].astype(np.int64)] = 1.0
        parts.append(block)
    return np.hstack(parts)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "fit":
        fit(sys.argv[2])
    elif len(sys.argv) == 3 and sys.argv[1] == "time-fit":
        time_fit(sys.argv[2])
    elif len(sys.argv) == 4 and sys.argv[1] == "quality":
        quality(sys.argv[2], [float(e) for e in sys.argv[3].split(",")])
    elif len(sys.argv) == 4 and sys.argv[1] == "time-predict":
        time_predict(sys.argv[2], int(sys.argv[3]))
    else:
        sys.exit("usage: xgb_peer.py fit DIR | time-fit DIR | quality DIR ETAS | time-predict DIR REPEATS")
