"""The API reference (docs/api.rst) documents every public name of every public module.

Public modules are found with pkgutil, so a new module (``sklearn_lad.inference``, ...) is
checked the moment it exists: a module is public when no part of its dotted name starts with
an underscore, and then it must define ``__all__``. The backend modules inside
``sklearn_lad.solvers`` (``br``, ``fn``, ...) are the exception: they register themselves and
their public surface is ``solver="<name>"``, documented on the backends page.

A name counts as documented when the object it names is listed in an ``autosummary`` block (or
an ``auto*`` directive) of the API reference under any public path: re-exports such as
``sklearn_lad.pinball_loss`` are documented once, where they are defined.
"""

import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import pytest

import sklearn_lad

API_SOURCE = Path(__file__).resolve().parent.parent / "docs" / "api.rst"
BACKENDS_PACKAGE = "sklearn_lad.solvers"


def _public_module_names():
    names = ["sklearn_lad"]
    # onerror: a subpackage whose optional dependency is missing is still listed (and skipped
    # with a reason below), never silently dropped.
    for info in pkgutil.walk_packages(sklearn_lad.__path__, "sklearn_lad.",
                                      onerror=lambda name: None):
        parts = info.name.split(".")
        if any(part.startswith("_") for part in parts):
            continue
        if info.name.rsplit(".", 1)[0] == BACKENDS_PACKAGE and not info.ispkg:
            continue
        names.append(info.name)
    return names


def _documented_names(source: str) -> set[str]:
    """Fully qualified names listed by autosummary blocks and auto* directives."""
    documented = set()
    module = None
    in_autosummary = False
    for line in source.splitlines():
        stripped = line.strip()
        if match := re.match(r"\.\. (?:current)?module:: (\S+)", stripped):
            module, in_autosummary = match.group(1), False
        elif stripped.startswith(".. autosummary::"):
            in_autosummary = True
        elif match := re.match(r"\.\. auto(?:class|function|data|method):: (\S+)", stripped):
            name = match.group(1)
            documented.add(name if "." in name or module is None else f"{module}.{name}")
            in_autosummary = False
        elif in_autosummary:
            if not stripped or stripped.startswith(":"):
                continue  # blank lines and options (:toctree:, :template:)
            if not line.startswith((" ", "\t")):
                in_autosummary = False  # back at top level: the block ended
                continue
            name = stripped.lstrip("~")
            documented.add(name if module is None or name.startswith("sklearn_lad.")
                           else f"{module}.{name}")
    return documented


def _resolve(qualified: str):
    module_name, _, attr = qualified.rpartition(".")
    return getattr(importlib.import_module(module_name), attr)


DOCUMENTED = _documented_names(API_SOURCE.read_text(encoding="utf-8"))
MODULES = _public_module_names()


def _import_or_skip(module_name):
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.split(".")[0] == "sklearn_lad":
            raise
        pytest.skip(f"{module_name} needs the optional dependency {exc.name!r}")


def test_parser_reads_the_reference():
    # If the format of api.rst changes so that nothing parses, every check below would pass.
    assert "sklearn_lad.QuantileRegressor" in DOCUMENTED
    assert "sklearn_lad.losses.pinball_loss" in DOCUMENTED
    assert {"sklearn_lad", "sklearn_lad.losses", "sklearn_lad.datasets"} <= set(MODULES)


def test_documented_names_exist():
    missing = []
    for name in sorted(DOCUMENTED):
        try:
            _resolve(name)
        except (ImportError, AttributeError):
            missing.append(name)
    assert not missing, f"docs/api.rst lists names that do not exist: {missing}"


@pytest.mark.parametrize("module_name", MODULES)
def test_every_public_name_is_in_the_api_reference(module_name):
    module = _import_or_skip(module_name)
    assert hasattr(module, "__all__"), (
        f"{module_name} is a public module (no leading underscore) but defines no __all__: "
        "add __all__ with its public names, or rename it with a leading underscore."
    )
    documented_objects = [obj for obj in map(_try_resolve, DOCUMENTED) if obj is not None]
    missing = [
        name for name in module.__all__
        if f"{module_name}.{name}" not in DOCUMENTED
        and not any(getattr(module, name) is obj for obj in documented_objects)
    ]
    assert not missing, (
        f"{module_name}.__all__ names missing from docs/api.rst: {missing}. Add each to an "
        f"autosummary block under '.. currentmodule:: {module_name}' (see docs/README.md)."
    )


@pytest.mark.parametrize("module_name", MODULES)
def test_every_public_name_has_an_example(module_name):
    # numpydoc validation in the docs build checks parameters and returns; the house rule
    # "an Examples section on every public object" is checked here, for the public names only
    # (methods such as fit/predict are shown by their class's example).
    module = _import_or_skip(module_name)
    lacking = [
        name for name in getattr(module, "__all__", [])
        if (inspect.isclass(getattr(module, name)) or callable(getattr(module, name)))
        and not re.search(r"^\s*Examples\n\s*-{8}", inspect.getdoc(getattr(module, name)) or "",
                          flags=re.M)
    ]
    assert not lacking, f"public names of {module_name} without an Examples section: {lacking}"


def _try_resolve(name):
    try:
        return _resolve(name)
    except (ImportError, AttributeError):
        return None
