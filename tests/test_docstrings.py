"""Run the Examples sections of d2lmini's docstrings as doctests.

Every public function must carry a runnable example, and every example must
print exactly what its docstring says.  A broken example fails here.
"""

from __future__ import annotations

import doctest
import importlib
import inspect
import pkgutil

import matplotlib

matplotlib.use("Agg")  # the plot examples draw figures

import matplotlib.pyplot as plt
import pytest
import torch

import d2lmini

MODULES = [d2lmini] + [
    importlib.import_module(f"d2lmini.{info.name}") for info in pkgutil.iter_modules(d2lmini.__path__)
]
FINDER = doctest.DocTestFinder(exclude_empty=True)


def collect_doctests() -> list[doctest.DocTest]:
    tests, seen = [], set()
    for module in MODULES:
        for test in FINDER.find(module):
            if test.name not in seen and test.examples:
                seen.add(test.name)
                tests.append(test)
    return sorted(tests, key=lambda t: t.name)


DOCTESTS = collect_doctests()


def run_doctest(test: doctest.DocTest) -> tuple[doctest.TestResults, str]:
    """Run one DocTest on a fresh copy of its globals; return the result and the failure report."""
    test.globs = dict(test.globs)
    runner = doctest.DocTestRunner(verbose=False, optionflags=doctest.NORMALIZE_WHITESPACE)
    report: list[str] = []
    torch.set_printoptions(profile="default")  # examples expect torch's default printing
    try:
        with matplotlib.rc_context():  # examples such as set_figsize must not leak settings into other tests
            result = runner.run(test, out=report.append, clear_globs=True)
    finally:
        plt.close("all")
        torch.set_printoptions(profile="default")
    return result, "".join(report)


def public_functions() -> list[str]:
    names = []
    for name in d2lmini.__all__:
        obj = getattr(d2lmini, name)
        if inspect.isfunction(obj):
            names.append(f"{obj.__module__}.{obj.__qualname__}")
    return sorted(names)


@pytest.mark.parametrize("test", DOCTESTS, ids=[t.name for t in DOCTESTS])
def test_docstring_examples_run(test):
    result, report = run_doctest(test)
    assert result.attempted > 0
    if result.failed:
        pytest.fail(f"{result.failed} of {result.attempted} examples in {test.name} failed:\n{report}", pytrace=False)


@pytest.mark.parametrize("qualname", public_functions())
def test_every_public_function_has_a_runnable_example(qualname):
    module_name, _, func_name = qualname.rpartition(".")
    func = getattr(importlib.import_module(module_name), func_name)
    doc = inspect.getdoc(func) or ""
    assert "Examples\n--------" in doc, f"{qualname} has no NumPy-style Examples section"
    assert qualname in {t.name for t in DOCTESTS}, f"{qualname} has no doctest that this file runs"


def test_every_module_was_searched():
    names = {m.__name__ for m in MODULES}
    expected = {"d2lmini.data", "d2lmini.model", "d2lmini.losses", "d2lmini.optim", "d2lmini.stats",
                "d2lmini.timing", "d2lmini.hardware", "d2lmini.plotting"}  # fmt: skip
    assert expected <= names
    assert len(public_functions()) >= 14


def test_the_harness_reports_a_broken_example():
    # a doctest whose output is wrong must come back as a failure, or this file could never fail
    parser = doctest.DocTestParser()
    broken = parser.get_doctest(">>> 1 + 1\n3\n", {}, "broken", "<broken>", 0)
    result, report = run_doctest(broken)
    assert result.failed == 1 and "Expected:\n    3\nGot:\n    2" in report
    raising = parser.get_doctest(">>> d2lmini.squared_loss([1.0], [1.0, 2.0])\n0\n", {"d2lmini": d2lmini}, "raising", "<r>", 0)
    result, report = run_doctest(raising)
    assert result.failed == 1 and "ValueError" in report
