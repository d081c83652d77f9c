"""The Luma model catalogue: typed views over `luma-models.json`, the single source of truth.

The JSON is package data transcribed from the Scenario model reference; code reads it through
these models and never spells a parameter name or an allowed value of its own.
"""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

ParamType = Literal["string", "number", "boolean", "file", "string_array", "inputs_array"]


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Param(_Frozen):
    type: ParamType
    required: bool = False
    default: Any = None
    allowed: list[Any] | None = None
    min: float | None = None
    max: float | None = None
    file_kind: Literal["image", "video", "audio"] | None = None
    description: str = ""


class Rule(_Frozen):
    """A constraint between parameters, checked before anything runs.

    requires:       when `param` is set, `needs` must be set too
    requires_value: when `param` is truthy, `needs` must be one of `values`
    forbids_with:   when `param` == `value`, none of `others` may be set (truthy)
    exclusive:      at most one of `params` may be set
    """

    rule: Literal["requires", "requires_value", "forbids_with", "exclusive"]
    param: str | None = None
    needs: str | None = None
    values: list[Any] | None = None
    value: Any = None
    others: list[str] | None = None
    params: list[str] | None = None
    message: str
    hint: str = ""


class Limits(_Frozen):
    source_max_seconds: float | None = None
    source_max_bytes: int | None = None


class ModelSpec(_Frozen):
    id: str
    name: str
    short_names: list[str]
    kinds: list[Literal["generate", "edit", "reframe", "loop"]]
    capabilities: list[str]
    fixed_resolution: str | None = None
    parameters: dict[str, Param]
    fields: dict[str, str] = Field(description="our YAML field name -> API parameter name")
    rules: list[Rule] = []
    limits: Limits = Limits()

    @property
    def short(self) -> str:
        return self.short_names[0]

    def api_to_field(self, api: str) -> str:
        for ours, theirs in self.fields.items():
            if theirs == api:
                return ours
        return f"params.{api}"

    def default_duration(self) -> float | None:
        p = self.parameters.get("duration")
        return seconds_of(p.default) if p is not None and p.default is not None else None


class Alias(_Frozen):
    by_resolution: dict[str, str]
    default_resolution: str


# id of a model list -> (the list, its length, names, ids): see `Catalogue._index`.
_INDEXES: dict[int, tuple[list[ModelSpec], int, dict[str, ModelSpec], dict[str, ModelSpec]]] = {}


class Catalogue(_Frozen):
    version: int
    source: str
    aliases: dict[str, Alias]
    defaults: dict[str, str]
    models: list[ModelSpec]

    def by_id(self, model_id: str) -> ModelSpec | None:
        return self._index[1].get(model_id)

    def by_name(self, name: str) -> ModelSpec | None:
        return self._index[0].get(name)

    @property
    def _index(self) -> tuple[dict[str, ModelSpec], dict[str, ModelSpec]]:
        """(short name or id -> model, id -> model), the first model listed winning as the
        scans they replace did: each node's lookup was a walk over the catalogue. Kept beside
        the model list it indexes (not on the instance: `model_copy` would carry it over)."""
        hit = _INDEXES.get(id(self.models))
        if hit is not None and hit[0] is self.models and hit[1] == len(self.models):
            return hit[2], hit[3]
        names: dict[str, ModelSpec] = {}
        ids: dict[str, ModelSpec] = {}
        for x in self.models:
            for name in (*x.short_names, x.id):
                names.setdefault(name, x)
            ids.setdefault(x.id, x)
        _INDEXES[id(self.models)] = (self.models, len(self.models), names, ids)
        return names, ids

    def names(self) -> list[str]:
        out = list(self.aliases)
        for x in self.models:
            out.extend(x.short_names)
            out.append(x.id)
        return out


def seconds_of(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str) and value.endswith("s"):
        try:
            return float(value[:-1])
        except ValueError:
            return None
    return None


@functools.cache
def load_catalogue() -> Catalogue:
    text = resources.files("storyboard.catalogue").joinpath("luma-models.json").read_text("utf-8")
    return Catalogue.model_validate(json.loads(text))
