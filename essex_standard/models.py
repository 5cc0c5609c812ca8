"""Loading and running a model safely: skops, ONNX, or (only when trusted) pickle/joblib.

Unpickling runs arbitrary code, so an audit tool that unpickled whatever it was handed would
be a way to attack the reviewer's machine.  skops files are inspected first and refused if
they contain types the user has not listed as trusted; ONNX files hold no code at all.
``.pkl``/``.joblib`` are loaded only with ``estimator.trusted: true`` in the config.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .config import EstimatorConfig
from .errors import EssexStandardWarning, ModelLoadError, shown


def is_positive(value: Any, positive_label: Any) -> bool:
    """Whether a model's class label is the configured positive label (1 matches "1").

    >>> is_positive(1, "1"), is_positive(1.0, 1), is_positive("no", "yes")
    (True, True, False)
    """
    from .predictions import _norm

    return bool(value == positive_label) or _norm(value) == _norm(positive_label)


def model_positive_class(classes: list[Any], positive_class: Any, positive_label: Any,
                         path: Path) -> Any:
    """The model's class that means "flag", kept apart from the outcome's positive value.

    ``estimator.positive_class`` when given; else ``data.positive_label`` when it is one of
    the classes; else the obvious member of a 0/1, false/true or no/yes pair.  A text outcome
    (``">50K"``) and a 0/1 model can so be audited together, and classes such as 1 and 2 are
    never guessed.

    >>> model_positive_class([0, 1], None, ">50K", Path("m.skops"))
    1
    >>> model_positive_class(["no", "yes"], None, "yes", Path("m.skops"))
    'yes'
    """
    from .predictions import _obvious_positive

    if positive_class is not None:
        match = [c for c in classes if is_positive(c, positive_class)]
        if not match:
            raise ModelLoadError(
                f"{path}: 'estimator.positive_class' is {shown(positive_class)}, but the model's "
                f"classes are {shown(list(classes))}. Give one of them."
            )
        return match[0]
    if positive_label is not None:
        match = [c for c in classes if is_positive(c, positive_label)]
        if match:
            return match[0]
    obvious = _obvious_positive(list(classes))
    if obvious is not None:
        return obvious
    raise ModelLoadError(
        f"{path}: the model's classes are {shown(list(classes))}, and which one means 'flag' is "
        "not obvious. Set 'estimator.positive_class' to it (the audit will not guess)."
    )


@dataclass
class LoadedModel:
    """A model ready to score rows, with how it was loaded (recorded in results.json)."""

    kind: str  # "skops", "onnx" or "pickle"
    path: Path
    predict_score: Any  # callable(frame, positive_class) -> np.ndarray of P(positive) or None
    predict_label: Any  # callable(frame) -> np.ndarray of labels
    classes: list[Any] | None = None  # the model's classes when it declares them


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

        warnings.warn(EssexStandardWarning(
            f"{path}: 'estimator.trusted: true', so this {suffix} file was unpickled, which ran "
            "any code it contains with your permissions. Do this only for a file you made "
            "yourself; prefer skops or ONNX."), stacklevel=2)
        try:
            obj = joblib.load(path)
        except Exception as exc:  # noqa: BLE001 - any failure to unpickle is a bad file
            raise ModelLoadError(f"{path}: could not load the model: "
                                 f"{shown(str(exc), 300)}.") from None
        return _sklearn_model("pickle", path, obj)
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

    declared = getattr(model, "classes_", None)
    classes = None if declared is None else [
        c.item() if hasattr(c, "item") else c for c in np.asarray(declared).tolist()]
    if classes is not None and len(classes) != 2:
        raise ModelLoadError(
            f"{path}: the model has {len(classes)} classes ({shown(classes)}); essex-standard "
            "audits binary decisions (flag / do not flag)."
        )

    def score(frame, positive_class: Any):
        if not hasattr(model, "predict_proba"):
            return None
        proba = np.asarray(model.predict_proba(frame))
        if proba.ndim != 2 or proba.shape[1] != 2:
            raise ModelLoadError(
                f"{path}: predict_proba() returned an array of shape {proba.shape}; a binary "
                "model gives two columns, one per class."
            )
        names = classes if classes is not None else [0, 1]
        matches = [i for i, c in enumerate(names) if is_positive(c, positive_class)]
        return proba[:, matches[0] if matches else 1]

    return LoadedModel(kind, path, score, lambda frame: np.asarray(model.predict(frame)),
                       classes)


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

    def score(frame, positive_class: Any):
        result = run(frame)
        if len(result) < 2:
            return None
        probs = result[1]
        if isinstance(probs, list):  # skl2onnx ZipMap output: list of {class: p}
            if not probs:
                return np.zeros(0)
            key = next((k for k in probs[0] if is_positive(k, positive_class)), None)
            if key is None:
                raise ModelLoadError(
                    f"{cfg.path}: the model's classes are {shown(list(probs[0]))} and none is "
                    f"{shown(positive_class)}. Set 'estimator.positive_class'."
                )
            return np.array([row[key] for row in probs], dtype=float)
        probs = np.asarray(probs)
        return probs[:, 1] if probs.ndim == 2 else probs.reshape(-1)

    del outputs
    return LoadedModel("onnx", cfg.path, score, label)
