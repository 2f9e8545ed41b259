"""The ``sk-lenet`` subcommands: train, evaluate, predict, grid-search, serve
and export.

Each takes the parsed arguments and returns the exit status; bad usage raises
:class:`~sk_lenet.cli.report.CLIError`.
"""

from __future__ import annotations

import os
import time

import numpy as np

from sk_lenet._pipeline import final_estimator
from sk_lenet.cli import data, estimators, report
from sk_lenet.cli.report import CLIError, label, out
from sk_lenet.persistence import MODEL_FILE_FORMATS, read_model_file, write_model_file

__all__ = ["evaluate", "export", "grid_search", "predict", "serve", "train"]


def _save(model, args, stem: str) -> str:
    path = os.path.join(args.output_dir, stem + MODEL_FILE_FORMATS[args.format])
    write_model_file(model, path, args.format)
    return path


def _figures(args, kinds, model, X, y, names, stem: str) -> None:
    if not args.no_plots:
        report.figures(args.output_dir, kinds, model, X, y, names, stem)


def train(args) -> int:
    """``sk-lenet train``: fit, report, save the model and its figures."""
    pipe, origin = estimators.build_pipeline(args)  # checked before loading data
    split = data.load_split(args)
    clf = pipe[-1]
    out(
        f"Training {type(clf).__name__} ({args.model}) on {split.name}: "
        f"{len(split.y_train)} training / {len(split.y_test)} test images of "
        f"{report.fmt_shape(split.image_shape)}, {split.split}."
    )
    out(f"Hyperparameters ({origin}; override with options or --set NAME=VALUE):")
    out(f"  {estimators.describe(clf)}")
    if not args.quiet:
        clf.set_params(callbacks=[report.make_epoch_logger()])
    t0 = time.perf_counter()
    pipe.fit(split.X_train, split.y_train)
    elapsed = time.perf_counter() - t0
    clf.set_params(callbacks=None)
    clf._initialize_callbacks()  # drop the logger from the saved model
    out(f"Trained in {elapsed:.1f}s.")
    if args.quick:
        out("(--quick is a smoke run on a subsample: expect a low accuracy)")
    out()
    report.classification(pipe, split.X_test, split.y_test, split.target_names)
    stem = f"{estimators.run_name(args)}_{split.name}"
    out(f"Saved model: {_save(pipe, args, stem)}")
    _figures(
        args,
        ("learning_curves", "confusion_matrix", "predictions"),
        pipe,
        split.X_test,
        split.y_test,
        split.target_names,
        stem,
    )
    return 0


def evaluate(args) -> int:
    """``sk-lenet evaluate``: a saved model's report on a dataset subset."""
    model = read_model_file(args.model_file)
    dataset = data.dataset_for(model, args.dataset)
    X, y = data.load_subset(
        dataset, args.subset, quick=args.quick, data_home=args.data_home
    )
    names = data.target_names(dataset)
    out(
        f"Evaluating {args.model_file} on {dataset} ({args.subset} subset, "
        f"{len(y)} images)."
    )
    report.classification(model, X, y, names)
    report.confusion_text(model, X, y, names)
    if args.output_dir is None:
        args.output_dir = os.path.dirname(os.path.abspath(args.model_file))
    stem = os.path.splitext(os.path.basename(args.model_file))[0]
    _figures(
        args,
        ("confusion_matrix",),
        model,
        X,
        y,
        names,
        f"{stem}_{dataset}_{args.subset}",
    )
    return 0


def predict(args) -> int:
    """``sk-lenet predict``: classify image files or dataset samples."""
    model = read_model_file(args.model_file)
    if bool(args.images) == (args.index is not None):
        raise CLIError(
            "give image files, or --dataset NAME --index I [I ...], not both"
            if args.images
            else "nothing to predict: give image files or --index I [I ...]"
        )
    truth = None
    if args.images:
        from sk_lenet._images import load_image_files

        images = load_image_files(
            args.images, data.model_shape(model), invert=True if args.invert else None
        )
        X = data.images_to_rows(model, images)
        sources = list(args.images)
        dataset = args.dataset or data.dataset_for(model, required=False)
    else:
        dataset = data.dataset_for(model, args.dataset)
        X_all, y_all = data.load_subset(dataset, args.subset, data_home=args.data_home)
        n = len(y_all)
        bad = [i for i in args.index if not -n <= i < n]
        if bad:
            raise CLIError(
                f"--index {bad[0]} is out of range: the {dataset} {args.subset} "
                f"subset has {n} images (0..{n - 1})"
            )
        X, truth = X_all[args.index], y_all[args.index]
        sources = [f"{dataset}[{args.subset}][{i}]" for i in args.index]
    names = data.target_names(dataset)
    # reshape: scikeras returns shape (n_classes,) for a single sample
    proba = np.asarray(model.predict_proba(X)).reshape(len(X), -1)
    classes = final_estimator(model).classes_
    order = np.argsort(-proba, axis=1)
    width = max(len(s) for s in sources)
    for i, src in enumerate(sources):
        best = order[i, 0]
        line = f"{src:<{width}}  {label(classes[best], names)}  p={proba[i, best]:.3f}"
        if args.top > 1:
            runner = ", ".join(
                f"{label(classes[k], names)} {proba[i, k]:.3f}"
                for k in order[i, 1 : args.top]
            )
            line += f"  (next: {runner})"
        if truth is not None:
            ok = classes[best] == truth[i]
            line += f"  true={label(truth[i], names)}" + ("" if ok else "  WRONG")
        out(line)
    return 0


def grid_search(args) -> int:
    """``sk-lenet grid-search``: cross-validated search, report, save the best."""
    from sklearn.model_selection import GridSearchCV, StratifiedKFold

    if not args.param:
        raise CLIError(
            "grid-search needs at least one --param NAME=V1,V2 (e.g. "
            "--param learning_rate=0.01,0.1)"
        )
    if args.cv < 2:
        raise CLIError(f"--cv must be at least 2; got {args.cv}")
    pipe, origin = estimators.build_pipeline(args)
    grid = estimators.grid(args, pipe)  # checked before loading data
    split = data.load_split(args)
    n_candidates = int(np.prod([len(v) for v in grid.values()]))
    out(
        f"Grid search over {type(pipe[-1]).__name__} ({args.model}) on "
        f"{split.name}: {n_candidates} candidates x {args.cv} folds on "
        f"{len(split.y_train)} training images ({split.split})."
    )
    out(f"Base hyperparameters ({origin}):")
    out(f"  {estimators.describe(pipe[-1])}")
    out("Grid: " + "; ".join(f"{k[5:]}={v!r}" for k, v in grid.items()))
    cv = StratifiedKFold(args.cv, shuffle=True, random_state=args.random_state)
    search = GridSearchCV(
        pipe,
        grid,
        cv=cv,
        n_jobs=args.n_jobs,
        verbose=0 if args.quiet else 1,
        error_score="raise",
    )
    t0 = time.perf_counter()
    try:
        search.fit(split.X_train, split.y_train)
    except (TypeError, ValueError) as exc:
        raise CLIError(
            f"a grid candidate failed to fit ({report.one_line(exc)}); check the "
            "--param values"
        ) from None
    out(f"Searched in {time.perf_counter() - t0:.1f}s.")
    out()
    out(report.format_cv_results(search.cv_results_))
    out()
    best = {k[5:]: v for k, v in search.best_params_.items()}
    out(f"Best parameters: {best} (mean CV accuracy {search.best_score_:.4f})")
    report.classification(
        search.best_estimator_, split.X_test, split.y_test, split.target_names
    )
    stem = f"{estimators.run_name(args)}_{split.name}_grid_search"
    out(f"Saved best model: {_save(search.best_estimator_, args, stem + '_best')}")
    _figures(
        args,
        ("learning_curves", "confusion_matrix"),
        search.best_estimator_,
        split.X_test,
        split.y_test,
        split.target_names,
        stem,
    )
    return 0


def serve(args) -> int:
    """``sk-lenet serve``: the draw-a-digit page of a saved model."""
    from sk_lenet.serve.app import _web

    _web()  # without the extra: which one to install, before loading a model
    from sk_lenet.serve import serve as run_server

    if not 0 <= args.port <= 65535:
        raise CLIError(f"--port must be in 0..65535; got {args.port}")
    model = read_model_file(args.model_file)
    try:
        run_server(
            model,
            host=args.host,
            port=args.port,
            name=os.path.basename(args.model_file),
            announce=out,
        )
    except OSError as exc:
        raise CLIError(
            f"cannot listen on {args.host}:{args.port} ({exc.strerror or exc}); "
            "choose another --port or --host"
        ) from None
    return 0


def export(args) -> int:
    """``sk-lenet export``: a saved model as an ONNX file."""
    from sk_lenet.export import describe_onnx, export_onnx

    model = read_model_file(args.model_file)
    try:
        path = export_onnx(
            model,
            args.output,
            input="images" if args.images else "rows",
            input_dtype=args.input_dtype,
            opset=args.opset,
        )
    except TypeError as exc:  # a step export_onnx cannot translate
        raise CLIError(str(exc)) from None
    out(f"Wrote {path} ({path.stat().st_size / 1024:.0f} kB) from {args.model_file}")
    for line in describe_onnx(path):
        out(f"  {line}")
    return 0
