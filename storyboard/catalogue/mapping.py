"""From a node's merged fields (our YAML names) to the exact flat body a model receives.

Every check here reads the catalogue data: which fields a model takes, each parameter's type,
allowed values and limits, and the rules between parameters. Problems are returned as
`FieldIssue`s in the user's vocabulary (`duration`, `start_frame`), never as API names alone.
File inputs stay symbolic in the body as {"$ref": "name"} until the graph resolves them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from storyboard.catalogue.models import Catalogue, ModelSpec, Param, load_catalogue, seconds_of
from storyboard.refs import ref
from storyboard.spec.load import suggest

# Fields that steer storyboard itself and are never sent as model parameters.
LOCAL_FIELDS = {"model", "take", "params", "crossfade"}


@dataclass(frozen=True)
class FieldIssue:
    field: str
    message: str
    hint: str = ""


@dataclass(frozen=True)
class Mapped:
    model: ModelSpec
    body: dict[str, Any]


def _fmt(values: list[Any], form: str = "") -> str:
    shown = []
    for v in values:
        if form == "duration":
            s = seconds_of(v)
            v = int(s) if s is not None and s.is_integer() else s
        shown.append(str(v).lower() if isinstance(v, bool) else str(v))
    return ", ".join(shown)


# (id of a catalogue, model id) -> (that catalogue, the name): a walk over the aliases was
# made for every node of a plan; the catalogue is kept so a new one at the same id misses.
_NAMES: dict[tuple[int, str], tuple[Catalogue, str]] = {}


def display_name(spec: ModelSpec, cat: Catalogue | None = None) -> str:
    """The name users write: `ray-flash-2` stands for both of its resolution variants."""
    cat = cat or load_catalogue()
    hit = _NAMES.get((id(cat), spec.id))
    if hit is not None and hit[0] is cat:
        return hit[1]
    aliases = [a for a, al in cat.aliases.items() if spec.id in al.by_resolution.values()]
    name = aliases[0] if aliases else spec.short
    _NAMES[(id(cat), spec.id)] = (cat, name)
    return name


def resolve_model(
    kind: str, name: str | None, resolution: str | None, cat: Catalogue | None = None
) -> tuple[ModelSpec | None, FieldIssue | None]:
    """Pick the model for a node; `ray-flash-2` + resolution picks the 540p or 720p model."""
    cat = cat or load_catalogue()
    name = name or cat.defaults[kind]
    if name in cat.aliases:
        alias = cat.aliases[name]
        res = resolution or alias.default_resolution
        if res not in alias.by_resolution:
            return None, FieldIssue(
                "resolution", f"{res} is not allowed for {name} "
                f"(allowed: {', '.join(alias.by_resolution)})",
                "use 540p or 720p, or a ray-3.2 model for 1080p",
            )
        spec = cat.by_id(alias.by_resolution[res])
    else:
        spec = cat.by_name(name)
    if spec is None:
        return None, FieldIssue(
            "model", f"unknown model '{name}'",
            suggest(name, cat.names()) or "run `storyboard models` to list the models",
        )
    if kind not in spec.kinds:
        fits = [display_name(x, cat) for x in cat.models if kind in x.kinds]
        article = "an" if kind[0] in "aeiou" else "a"
        return None, FieldIssue(
            "model", f"{display_name(spec, cat)} cannot run {article} {kind} node",
            f"models for {kind}: {', '.join(dict.fromkeys(fits))}",
        )
    if spec.fixed_resolution and resolution and resolution != spec.fixed_resolution:
        return None, FieldIssue(
            "resolution", f"{resolution} is not allowed for {spec.short} "
            f"(allowed: {spec.fixed_resolution})", "remove resolution or pick the matching model",
        )
    return spec, None


def _check_value(api: str, p: Param, value: Any, label: str, model: str) -> FieldIssue | None:
    form = "duration" if api == "duration" else ""
    if p.type == "boolean" and not isinstance(value, bool):
        return FieldIssue(label, f"{value!r} is not true or false", "write true or false")
    if p.type == "number" and (isinstance(value, bool) or not isinstance(value, int | float)):
        return FieldIssue(label, f"{value!r} is not a number", "write a number such as 0.5")
    if p.type == "string" and not isinstance(value, str):
        return FieldIssue(label, f"{value!r} is not text", "write it as text, in quotes")
    if p.type == "string_array":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return FieldIssue(label, f"{value!r} is not a list of text",
                              "write it as [a, b] with names as text")
        if p.allowed:
            bad = [v for v in value if v not in p.allowed]
            if bad:
                return FieldIssue(
                    label, f"{', '.join(bad)} {'is' if len(bad) == 1 else 'are'} not allowed for "
                    f"{model} (allowed: {_fmt(p.allowed)})",
                    suggest(bad[0], [str(a) for a in p.allowed])
                    or "use the allowed names only",
                )
        return None
    if p.allowed is not None and value not in p.allowed:
        shown = _fmt([value], form)
        return FieldIssue(
            label, f"{shown} is not allowed for {model} (allowed: {_fmt(p.allowed, form)})",
            suggest(str(value), [str(a) for a in p.allowed]) or "use one of the allowed values",
        )
    if isinstance(value, int | float) and not isinstance(value, bool):
        if p.min is not None and value < p.min:
            return FieldIssue(label, f"{value} is below the minimum {p.min:g} for {model}",
                              f"use at least {p.min:g}")
        if p.max is not None and value > p.max:
            return FieldIssue(label, f"{value} is above the maximum {p.max:g} for {model}",
                              f"use at most {p.max:g}")
    return None


def _duration_form(p: Param, seconds: float) -> Any:
    whole: Any = int(seconds) if float(seconds).is_integer() else seconds
    return f"{whole}s" if p.type == "string" else whole


def _is_set(body: dict[str, Any], api: str) -> bool:
    v = body.get(api)
    return v is not None and v is not False and v != []


def map_node(kind: str, fields: dict[str, Any], spec: ModelSpec) -> tuple[Mapped, list[FieldIssue]]:
    """Translate merged node fields into the model's body and check every catalogue rule."""
    cat = load_catalogue()
    shown = display_name(spec, cat)
    issues: list[FieldIssue] = []
    body: dict[str, Any] = {}
    for name, value in fields.items():
        if value is None or name in LOCAL_FIELDS:
            continue
        if name == "resolution" and spec.fixed_resolution:
            continue  # the resolution chose the model id; it is not a parameter
        if name == "loop" and kind == "loop":
            value = True
        api = spec.fields.get(name)
        if api is None:
            takers = sorted({display_name(x, cat) for x in cat.models if name in x.fields})
            verb = "takes" if len(takers) == 1 else "take"
            hint = f"only {', '.join(takers)} {verb} {name}" if takers else "remove it"
            issues.append(FieldIssue(name, f"{shown} does not take '{name}'", hint))
            continue
        p = spec.parameters[api]
        if p.type == "file":
            body[api] = ref(value)
            continue
        if name == "keyframes":
            body[api] = [{"frameIndex": k["frame"], "image": ref(k["image"])} for k in value]
            continue
        if name == "duration":
            value = _duration_form(p, float(value))
        issue = _check_value(api, p, value, name, shown)
        if issue:
            issues.append(issue)
            continue
        body[api] = value
    if kind == "loop" and "loop" in spec.fields and spec.fields["loop"] not in body:
        body[spec.fields["loop"]] = True
    for api, value in (fields.get("params") or {}).items():
        label = f"params.{api}"
        known = spec.parameters.get(api)
        if known is None:
            issues.append(FieldIssue(
                label, f"{shown} has no parameter '{api}'",
                suggest(api, list(spec.parameters)) or f"parameters: {', '.join(spec.parameters)}",
            ))
            continue
        if api in body:
            issues.append(FieldIssue(
                label, f"'{api}' is already set by the field '{spec.api_to_field(api)}'",
                "set it in one place",
            ))
            continue
        if known.type in ("file", "inputs_array"):
            issues.append(FieldIssue(
                label, f"file inputs cannot be passed through params ('{api}')",
                f"use the field '{spec.api_to_field(api)}'",
            ))
            continue
        issue = _check_value(api, known, value, label, shown)
        if issue:
            issues.append(issue)
            continue
        body[api] = value
    for api in _required(spec):
        if api not in body:
            field = spec.api_to_field(api)
            issues.append(FieldIssue(field, f"{field} is required for {shown}", f"add {field}"))
    issues.extend(_check_rules(spec, body))
    return Mapped(spec, dict(sorted(body.items()))), issues


# id of a model -> (that model, its required parameters): the same few models for every node.
_REQUIRED: dict[int, tuple[ModelSpec, tuple[str, ...]]] = {}


def _required(spec: ModelSpec) -> tuple[str, ...]:
    hit = _REQUIRED.get(id(spec))
    if hit is None or hit[0] is not spec:
        hit = _REQUIRED[id(spec)] = (spec, tuple(a for a, p in spec.parameters.items()
                                                 if p.required))
    return hit[1]


def _check_rules(spec: ModelSpec, body: dict[str, Any]) -> list[FieldIssue]:
    issues = []
    for r in spec.rules:
        broken = False
        api: str | None = r.param  # the parameter the issue is about, named only when broken
        if r.rule == "requires" and r.param and r.needs:
            broken = _is_set(body, r.param) and not _is_set(body, r.needs)
        elif r.rule == "requires_value" and r.param and r.needs and r.values is not None:
            value = body.get(r.needs, spec.parameters[r.needs].default)
            broken = _is_set(body, r.param) and value not in r.values
        elif r.rule == "forbids_with" and r.param and r.others is not None:
            broken = body.get(r.param) == r.value and any(_is_set(body, o) for o in r.others)
        elif r.rule == "exclusive" and r.params:
            present = [x for x in r.params if _is_set(body, x)]
            broken = len(present) > 1
            api = present[-1] if broken else None
        if broken and api is not None:
            issues.append(FieldIssue(spec.api_to_field(api),
                                     f"{r.message} for {display_name(spec)}", r.hint))
    return issues


def inferred_duration(spec: ModelSpec, body: dict[str, Any]) -> float | None:
    """Seconds of output a generation model will make, from the body or the model default."""
    if "duration" in spec.parameters:
        s = seconds_of(body.get("duration"))
        return s if s is not None else spec.default_duration()
    return None


def frame_size(aspect_ratio: str, resolution: str) -> tuple[int, int]:
    """`720p` names the short side: 1280x720 at 16:9, 720x1280 at 9:16. Sizes are even."""
    short = int(resolution.rstrip("p"))
    a, b = (int(x) for x in aspect_ratio.split(":"))
    w, h = (short * a / b, float(short)) if a >= b else (float(short), short * b / a)
    return int(round(w / 2) * 2), int(round(h / 2) * 2)
