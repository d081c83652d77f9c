"""Turn Scenario's model reference page (the seed text, `seed/luma-models-on-scenario.txt`) into
the fake's model rules, `seed/luma-models.json`: `python -m storyboard.testing.seed_table`.

The fake reads that JSON and never `storyboard.catalogue`, so a mistake in our catalogue shows
up as a refusal from the fake. The table rows are parsed mechanically; the cross-parameter rules
and limits come from the sentences of the descriptions, by the patterns below. A sentence that
sounds like a rule but matches no pattern stops the script: a rule the fake silently skipped
would let it accept what the service refuses.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent / "seed"
SEED = HERE / "luma-models-on-scenario.txt"
OUT = HERE / "luma-models.json"

_ROW = re.compile(
    r"^(?P<name>[a-zA-Z]+?)(?P<type>string_array|inputs_array|string|number|boolean|file)"
    r"(?P<req>Yes|No)(?P<default>-|[^-]+?)(?P<min>-|\d+(?:\.\d+)?)(?P<max>-|\d+(?:\.\d+)?)"
    r"(?P<allowed>-|[a-z0-9_:., ]+?)(?P<desc>[A-Z].*)$")
_RULE_WORDS = re.compile(r"requires|maximum|exclusive|not available|cannot", re.I)
# Labels of Scenario's UI that the descriptions use for other parameters.
_LABELS = {"guide frame": ["startFrame"], "multi-anchor keyframes": ["keyframes"],
           "anchor frames": ["startFrame", "endFrame"]}


def _value(text: str, kind: str) -> Any:
    if kind == "boolean":
        return text == "true"
    if kind == "number":
        return float(text) if "." in text else int(text)
    return text


def _row(line: str) -> dict[str, Any]:
    m = _ROW.match(line)
    if m is None:
        raise ValueError(f"cannot read this table row: {line!r}")
    kind = m["type"]
    p: dict[str, Any] = {"type": kind, "required": m["req"] == "Yes"}
    if m["default"] != "-":
        p["default"] = _value(m["default"], kind)
    for bound in ("min", "max"):
        if m[bound] != "-":
            p[bound] = _value(m[bound], "number")
    if m["allowed"] != "-":
        one = "string" if kind == "string_array" else kind
        p["allowed"] = [_value(v.strip(), one) for v in m["allowed"].split(",")]
    if kind == "file":
        p["file_kind"] = "video" if "video" in m["name"].lower() else "image"
    p["description"] = m["desc"]
    return {m["name"]: p}


def _names(label: str, params: dict[str, Any]) -> list[str]:
    label = label.strip().lower()
    if label in _LABELS:
        return _LABELS[label]
    for name in params:
        if name.lower() == label.replace(" ", ""):
            return [name]
    raise ValueError(f"no parameter is called {label!r}")


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.;])\s+", text) if s.strip()]


def _rules(model_id: str, params: dict[str, Any]) -> tuple[list[dict[str, Any]], dict[str, int]]:
    rules: list[dict[str, Any]] = []
    limits: dict[str, int] = {}
    first_frame = [n for n, p in params.items() if p["type"] == "file"
                   and "first frame" in p["description"].lower()]  # fmt: skip

    def forbid(param: str, value: Any, others: list[str]) -> None:
        for r in rules:
            if r["rule"] == "forbids_with" and (r["param"], r["value"]) == (param, value):
                r["others"] += [o for o in others if o not in r["others"]]
                return
        rules.append({"rule": "forbids_with", "param": param, "value": value, "others": others})

    def add(rule: dict[str, Any]) -> None:
        if rule not in rules:
            rules.append(rule)

    def seconds(n: str) -> Any:
        allowed = params.get("duration", {}).get("allowed", [])
        return next((v for v in allowed if str(v).rstrip("s") == n), n)

    for name, p in params.items():
        for sentence in _sentences(p["description"]):
            matched = False
            if m := re.search(r"Requires a first frame", sentence):
                add({"rule": "requires", "param": name, "needs": first_frame[0]})
                matched = True
            if m := re.search(r"(?:^|(\w+) )[Rr]equires ((?:\d+p)(?: or \d+p)*)", sentence):
                param = _names(m[1], params)[0] if m[1] else name
                add({"rule": "requires_value", "param": param, "needs": "resolution",
                     "values": m[2].split(" or ")})
                matched = True
            if m := re.search(r"not available at (\d+) seconds duration", sentence):
                forbid("duration", seconds(m[1]), [name])
                matched = True
            if m := re.search(r"^(\d+) seconds is not available with (.+)\.$", sentence):
                labels = re.split(r",\s*(?:or\s+)?|\s+or\s+", m[2])
                forbid(name, seconds(m[1]), [n for lab in labels for n in _names(lab, params)])
                matched = True
            if m := re.search(r"(?:[Mm]utually exclusive with|Cannot be used together with) "
                              r"(.+?)\.?$", sentence):
                pair = sorted([name, *_names(m[1], params)], key=list(params).index)
                add({"rule": "exclusive", "params": pair})
                matched = True
            if m := re.search(r"Maximum video size is (\d+)mb", sentence):
                limits["source_max_bytes"] = int(m[1]) * 1000 * 1000
                matched = True
            if m := re.search(r"Maximum video duration is (\d+) seconds", sentence):
                limits["source_max_seconds"] = int(m[1])
                matched = True
            if not matched and _RULE_WORDS.search(sentence):
                raise ValueError(f"{model_id}.{name}: a rule this script cannot read: "
                                 f"{sentence!r}")
    return rules, limits


def parse(text: str) -> dict[str, Any]:
    models: list[dict[str, Any]] = []
    model: dict[str, Any] | None = None
    in_table = False
    for line in (raw.strip() for raw in text.splitlines()):
        if line.startswith("Model ID:"):
            model = {"id": line.split(":", 1)[1].strip(), "parameters": {}}
            models.append(model)
            in_table = False
        elif model is not None and line.startswith("Capabilities:"):
            model["capabilities"] = [c.strip() for c in line.split(":", 1)[1].split(",")]
        elif line.startswith("ParameterType"):
            in_table = True
        elif not line:
            in_table = False
        elif in_table and model is not None:
            model["parameters"].update(_row(line))
    for m in models:
        video2video = "video2video" in m["capabilities"]
        m["kinds"] = (["reframe"] if "reframe" in m["id"] else ["edit"]) if video2video else [
            "generate"]
        fixed = re.search(r"-(\d+p)$", m["id"])
        m["fixed_resolution"] = fixed[1] if fixed else None
        m["rules"], m["limits"] = _rules(m["id"], m["parameters"])
    return {"source": "Scenario's model reference for Luma Labs (seed/luma-models-on-scenario.txt)",
            "models": models}


def render(text: str) -> str:
    return json.dumps(parse(text), indent=2, ensure_ascii=False) + "\n"


def main() -> int:
    OUT.write_text(render(SEED.read_text("utf-8")), "utf-8")
    sys.stdout.write(f"wrote {OUT}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
