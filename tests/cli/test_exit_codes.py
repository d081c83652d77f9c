"""Every exception in storyboard's tree has a deliberate exit code, from one table."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import storyboard
from storyboard import errors
from storyboard.cli import exit_codes
from storyboard.cli.exit_codes import EXIT_CODES, code_for


def _load_every_module() -> None:
    """Import the whole package so exceptions defined anywhere are subclasses we can see."""
    for info in pkgutil.walk_packages(storyboard.__path__, "storyboard."):
        if info.name.endswith("__main__"):
            continue
        importlib.import_module(info.name)


def _tree(cls: type[BaseException]) -> list[type[BaseException]]:
    out = [cls]
    for sub in cls.__subclasses__():
        out += _tree(sub)
    return out


def test_every_storyboard_error_has_its_own_exit_code() -> None:
    _load_every_module()
    # Private exceptions never leave their module (errors.py says so); the rest must be listed.
    public = [c for c in _tree(errors.StoryboardError) if not c.__name__.startswith("_")]
    missing = [f"{c.__module__}.{c.__qualname__}" for c in public if c not in EXIT_CODES]
    assert not missing, f"no exit code in cli/exit_codes.py for: {missing}"


def test_every_storyboard_error_lives_in_errors_py() -> None:
    _load_every_module()
    public = [c for c in _tree(errors.StoryboardError) if not c.__name__.startswith("_")]
    elsewhere = [f"{c.__module__}.{c.__qualname__}" for c in public
                 if c.__module__ != "storyboard.errors"]
    assert not elsewhere, f"exceptions outside storyboard/errors.py: {elsewhere}"


def test_the_docstring_draws_every_class() -> None:
    doc = errors.__doc__ or ""
    public = [c for c in _tree(errors.StoryboardError) if c.__module__ == "storyboard.errors"]
    assert [c.__name__ for c in public if c.__name__ not in doc] == []


@pytest.mark.parametrize(("exc", "code"), [
    (errors.SpecError([]), exit_codes.INVALID),
    (errors.CredentialsError("no key"), exit_codes.INVALID),
    (errors.BudgetError("too dear"), exit_codes.BUDGET),
    (errors.NodeRefused("over the cap"), exit_codes.BUDGET),
    (errors.BusyError("busy"), exit_codes.FAILED),
    (errors.Rejected("bad body", status=422), exit_codes.FAILED),
    (errors.AmbiguousSubmission("lost", may_have_arrived=True), exit_codes.FAILED),
    (KeyboardInterrupt(), exit_codes.INTERRUPTED),
    (ValueError("a bug"), exit_codes.FAILED),
])
def test_codes(exc: BaseException, code: int) -> None:
    assert code_for(exc) == code


def test_a_subclass_of_our_own_gets_its_parents_code() -> None:
    class PluginSpecProblem(errors.ProjectError):
        pass

    assert code_for(PluginSpecProblem("x")) == exit_codes.INVALID


def test_rejected_is_not_a_failed_job() -> None:
    """A refused request created no job; a failed job ran. The engine treats them apart."""
    assert not issubclass(errors.Rejected, errors.JobFailed)
    assert issubclass(errors.Rejected, errors.ProviderError)
    assert str(errors.Rejected("bad", "fix it", "t-1")) == "bad (hint: fix it) [trace id t-1]"


def test_exit_code_table_is_data_not_code() -> None:
    """One mapping: `code_for` only looks classes up in it."""
    source = inspect.getsource(code_for)
    assert "isinstance" not in source
