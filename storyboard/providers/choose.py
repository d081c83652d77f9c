"""From `--provider NAME` (or `provider:` in the file) to a `Provider`.

`preview` and `scenario` are built in; `package.module:factory` is a provider of the user's own,
made by `factory(project)` and checked against the declared contract. The name a provider
records in keys (`Provider.name`) can differ from the string that chose it: `key_name` answers
without opening anything paid, so offline commands key nodes as the build does.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from storyboard.errors import ProjectError
from storyboard.providers.base import Provider

if TYPE_CHECKING:
    from storyboard.media import Ffmpeg

# What the built-in providers record as their `name` (tests/engine checks these stay true):
# known without importing the scenario provider, which needs credentials to be made.
BUILTIN_NAMES = {"preview": "preview", "scenario": "scenario"}


class ProjectFiles(Protocol):
    """What making a provider needs of the workspace (structural: no import of the engine)."""

    @property
    def work(self) -> Path: ...

    @property
    def ffmpeg(self) -> Ffmpeg: ...


def make_provider(choice: str, root: Path, files: ProjectFiles, project: object) -> Provider:
    """The provider `choice` names; `project` is what a plugin's factory is given."""
    if choice == "preview":
        from storyboard.providers.preview import PreviewProvider

        return PreviewProvider(files.ffmpeg, files.work / "tmp")
    if choice == "scenario":
        try:
            from storyboard.providers.scenario import ScenarioProvider
        except ImportError:
            raise ProjectError("the scenario provider is not available in this build; "
                               "use --provider preview") from None
        return ScenarioProvider.from_settings(root, files)
    if ":" in choice:
        return _plugin(choice, project)
    raise ProjectError(f"unknown provider '{choice}' (providers: preview, scenario, or "
                       "package.module:factory for a provider of your own)")


def _plugin(spec: str, project: object) -> Provider:
    """`package.module:factory`: a provider of the user's own (the factory gets the project)."""
    module_name, _, attr = spec.partition(":")
    try:
        factory = getattr(importlib.import_module(module_name), attr)  # a module, not a provider
    except (ImportError, AttributeError) as exc:
        raise ProjectError(f"cannot load provider '{spec}': {exc} (check the module path and "
                           "that it is importable)") from None
    provider = factory(project)
    if not isinstance(provider, Provider):
        raise ProjectError(
            f"provider '{spec}' gave a {type(provider).__name__}, which is not a provider: it "
            "needs name, paid, poll_interval, open, close, estimate, submit, poll, fetch, "
            "claim, prepare, find_job and take_notices (subclass "
            "storyboard.providers.BaseProvider for the defaults)")
    return provider
