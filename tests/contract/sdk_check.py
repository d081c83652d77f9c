"""Parse a fake answer with the official SDK's response model, and refuse what the model does
not know: the SDK's models accept unknown fields silently (extra="allow"), so a field the fake
invents would pass a plain `model_validate` and let our client depend on something the real
service never sends."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel

M = TypeVar("M", bound=BaseModel)

# Fields the fake sends that the SDK's models do not declare, and why that is fine.
TOLERATED: dict[str, str] = {}


class ContractError(AssertionError):
    pass


def _unknown(value: Any, where: str) -> list[str]:
    out: list[str] = []
    if isinstance(value, BaseModel):
        for key in value.model_extra or {}:
            if key not in TOLERATED:
                out.append(f"{where}.{key}")
        for name in type(value).model_fields:
            out += _unknown(getattr(value, name), f"{where}.{name}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            out += _unknown(item, f"{where}[{i}]")
    return out


def parse(model: type[M], data: Any) -> M:
    """`data` as the SDK's `model`; a ContractError says which field breaks the contract."""
    try:
        parsed = model.model_validate(data)
    except Exception as e:  # pydantic's ValidationError names the fields
        raise ContractError(f"{model.__name__}: {e}") from e
    unknown = _unknown(parsed, model.__name__)
    if unknown:
        raise ContractError(f"{model.__name__}: fields the SDK does not know: {unknown}")
    return parsed
