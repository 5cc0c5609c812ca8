"""Loading and running a model safely: skops, ONNX, or (only when trusted) pickle/joblib.

Unpickling runs arbitrary code, so an audit tool that unpickled whatever it was handed would
be a way to attack the reviewer's machine.  skops files are inspected first and refused if
they contain types the user has not listed as trusted; ONNX files hold no code at all.
``.pkl``/``.joblib`` are loaded only with ``estimator.trusted: true`` in the config.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .config import EstimatorConfig
from .errors import ModelLoadError


def is_positive(value: Any, positive_label: Any) -> bool:
    """Whether a model's class label is the configured positive label (1 matches "1")."""
    return bool(value == positive_label) or str(value) == str(positive_label)


@dataclass
class LoadedModel:
    """A model ready to score rows, with how it was loaded (recorded in results.json)."""

    kind: str  # "skops", "onnx" or "pickle"
    path: Path
    predict_score: Any  # callable(frame) -> np.ndarray of P(positive) or None
    predict_label: Any  # callable(frame) -> np.ndarray of labels


def load_model(cfg: EstimatorConfig) -> LoadedModel:
    """Load the model named by ``estimator.path``, refusing unsafe formats by default."""
    path = cfg.path
    if not path.is_file():
        raise ModelLoadError(f"{path}: the model file does not exist. Check 'estimator.path'.")
    suffix = path.suffix.lower()
    if suffix == ".skops":
        return _load_skops(cfg)
    if suffix == ".onnx":
        return _load_onnx(cfg)
    if suffix in (".pkl", ".pickle", ".joblib"):
        if not cfg.trusted:
            raise ModelLoadError(
                f"{path}: refusing to load a {suffix} file, because unpickling runs any code the "
                "file contains. Save the model with skops (skops.io.dump) or export it to ONNX; "
                "or, if you made this file yourself and trust it, set 'estimator.trusted: true'."
            )
        import joblib

        try:
            return _sklearn_model("pickle", path, joblib.load(path))
        except Exception as exc:  # noqa: BLE001 - any failure to unpickle is a bad file
            raise ModelLoadError(f"{path}: could not load the model: {exc}.") from None
    raise ModelLoadError(
        f"{path}: unknown model format '{suffix}'. Use .skops, .onnx, or a trusted .joblib/.pkl."
    )


def _load_skops(cfg: EstimatorConfig) -> LoadedModel:
    import skops.io as sio

    try:
        untrusted = sio.get_untrusted_types(file=cfg.path)
    except Exception as exc:  # noqa: BLE001 - skops raises many types for a corrupt archive
        raise ModelLoadError(f"{cfg.path}: not a readable skops file: {exc}.") from None
    unlisted = [t for t in untrusted if t not in cfg.trusted_types]
    if unlisted:
        raise ModelLoadError(
            f"{cfg.path}: the skops file contains types that are not trusted by default: "
            f"{', '.join(unlisted)}. If you know where the file came from, list them under "
            "'estimator.trusted_types' in the config."
        )
    try:
        model = sio.load(cfg.path, trusted=list(untrusted))
    except Exception as exc:  # noqa: BLE001 - any load failure is a bad file
        raise ModelLoadError(f"{cfg.path}: could not load the skops file: {exc}.") from None
    return _sklearn_model("skops", cfg.path, model)


def _sklearn_model(kind: str, path: Path, model: Any) -> LoadedModel:
    if not hasattr(model, "predict"):
        raise ModelLoadError(f"{path}: the object loaded has no predict() method.")

    def score(frame, positive_label: Any = 1):
        if not hasattr(model, "predict_proba"):
            return None
        proba = np.asarray(model.predict_proba(frame))
        classes = list(getattr(model, "classes_", [0, 1]))
        if proba.ndim != 2 or proba.shape[1] != 2:
            raise ModelLoadError(
                f"{path}: the model predicts {proba.shape[-1]} classes; "
                "essex-standard audits binary decisions (flag / do not flag)."
            )
        matches = [i for i, c in enumerate(classes) if is_positive(c, positive_label)]
        if not matches:
            raise ModelLoadError(
                f"{path}: the model's classes are {classes!r} and none is the positive label "
                f"{positive_label!r}. Set 'data.positive_label' to the class that means 'flag'."
            )
        return proba[:, matches[0]]

    return LoadedModel(kind, path, score, lambda frame: np.asarray(model.predict(frame)))


def _load_onnx(cfg: EstimatorConfig) -> LoadedModel:
    try:
        import onnxruntime as ort
    except ImportError:
        raise ModelLoadError(
            f"{cfg.path}: running ONNX models needs onnxruntime: "
            "pip install 'essex-standard[onnx]'."
        ) from None
    try:
        session = ort.InferenceSession(str(cfg.path), providers=["CPUExecutionProvider"])
    except Exception as exc:  # noqa: BLE001 - onnxruntime raises its own untyped errors
        raise ModelLoadError(f"{cfg.path}: not a valid ONNX model: {exc}.") from None
    inputs = session.get_inputs()
    outputs = [o.name for o in session.get_outputs()]

    def feeds(frame):
        if len(inputs) == 1:
            kind = "float" if "float" in inputs[0].type else None
            arr = frame.to_numpy(dtype=np.float32 if kind else object)
            return {inputs[0].name: arr}
        out = {}
        for inp in inputs:
            if inp.name not in frame:
                raise ModelLoadError(
                    f"{cfg.path}: the ONNX model expects an input '{inp.name}', which is not "
                    "in 'estimator.features'."
                )
            col = frame[inp.name].to_numpy()
            dtype = (
                np.float32 if "float" in inp.type else (np.int64 if "int" in inp.type else object)
            )
            out[inp.name] = col.astype(dtype).reshape(-1, 1)
        return out

    def run(frame):
        return session.run(None, feeds(frame))

    def label(frame):
        return np.asarray(run(frame)[0]).reshape(-1)

    def score(frame, positive_label: Any = 1):
        result = run(frame)
        if len(result) < 2:
            return None
        probs = result[1]
        if isinstance(probs, list):  # skl2onnx ZipMap output: list of {class: p}
            key = next((k for k in probs[0] if is_positive(k, positive_label)), None)
            if key is None:
                raise ModelLoadError(
                    f"{cfg.path}: the model's classes are {list(probs[0])!r} and none is the "
                    f"positive label {positive_label!r}. Set 'data.positive_label'."
                )
            return np.array([row[key] for row in probs], dtype=float)
        probs = np.asarray(probs)
        return probs[:, 1] if probs.ndim == 2 else probs.reshape(-1)

    del outputs
    return LoadedModel("onnx", cfg.path, score, label)
