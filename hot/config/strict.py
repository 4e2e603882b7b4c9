"""Strict loading of typed dataclass configs from YAML, plus dotted overrides.

A config is a tree of dataclasses. :func:`from_dict` builds it from plain data and fails on the
first unknown key or wrongly typed value with a :class:`ConfigError` naming the file and the
dotted key, before any simulation starts. :func:`apply_overrides` takes ``a.b.c=value`` strings
(values parsed as YAML) with the same checks. :func:`to_dict` gives back plain data for saving
the resolved config.

Every numeric setting carries its valid range in its type: ``dt: PosFloat``, ``prob: UnitFloat``, or
``Annotated[float, Range(gt=0, le=0.1)]`` (``tests/config/test_ranges.py`` checks that no int or float
setting lacks one). A value outside its range, NaN or infinity is a :class:`ConfigError` naming the key and
the range. ``AnyFloat``/``AnyInt`` mark settings where any finite value is valid (signed reward weights).
"""

from __future__ import annotations

import dataclasses
import math
import re
import types
import typing
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import yaml

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

T = TypeVar("T", bound="DataclassInstance")

__all__ = [
    "ConfigError",
    "Range",
    "PosFloat",
    "NonNegFloat",
    "UnitFloat",
    "AnyFloat",
    "PosInt",
    "NonNegInt",
    "AnyInt",
    "from_dict",
    "to_dict",
    "load_yaml",
    "apply_overrides",
    "set_dotted",
]


class ConfigError(ValueError):
    """A config file or override is malformed; the message names the file and the key."""


@dataclasses.dataclass(frozen=True)
class Range:
    """Valid interval of a numeric setting, used as ``Annotated[float, Range(gt=0)]``. Any bound may be
    left out; every value must also be finite."""

    ge: float | None = None
    gt: float | None = None
    le: float | None = None
    lt: float | None = None

    def describe(self) -> str:
        lo = f"[{self.ge:g}" if self.ge is not None else f"({self.gt:g}" if self.gt is not None else "(-inf"
        hi = f"{self.le:g}]" if self.le is not None else f"{self.lt:g})" if self.lt is not None else "inf)"
        if self.ge is None and self.gt is None and self.le is None and self.lt is None:
            return "a finite number"
        if hi == "inf)" and (self.ge is not None or self.gt is not None):
            return f">= {self.ge:g}" if self.ge is not None else f"> {self.gt:g}"
        if lo == "(-inf" and (self.le is not None or self.lt is not None):
            return f"<= {self.le:g}" if self.le is not None else f"< {self.lt:g}"
        return f"in {lo}, {hi}"

    def contains(self, v: float) -> bool:
        return (
            math.isfinite(v)
            and (self.ge is None or v >= self.ge)
            and (self.gt is None or v > self.gt)
            and (self.le is None or v <= self.le)
            and (self.lt is None or v < self.lt)
        )


PosFloat = Annotated[float, Range(gt=0.0)]
NonNegFloat = Annotated[float, Range(ge=0.0)]
UnitFloat = Annotated[float, Range(ge=0.0, le=1.0)]
"""A probability or fraction, in [0, 1]."""
AnyFloat = Annotated[float, Range()]
"""Any finite number (a deliberate choice: signed weights and the like)."""
PosInt = Annotated[int, Range(ge=1)]
NonNegInt = Annotated[int, Range(ge=0)]
AnyInt = Annotated[int, Range()]


def _where(source: str | None, key: str) -> str:
    loc = f"'{key}'" if key else "the top level"
    return f"{source}: {loc}" if source else loc


_FLOAT_RE = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)[eE][-+]?\d+")
"""Scientific notation without a dot (``1e-3``), which YAML 1.1 leaves a string."""


def _check_value(tp: Any, value: Any, key: str, source: str | None) -> Any:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if tp is Any:
        return value
    if origin is Annotated:
        value = _check_value(args[0], value, key, source)
        for rng in args[1:]:
            if isinstance(rng, Range) and not rng.contains(value):
                raise ConfigError(f"{_where(source, key)} is {value!r}, must be {rng.describe()}")
        return value
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        errors = []
        for a in args:
            if a is type(None):
                continue
            try:
                return _check_value(a, value, key, source)
            except ConfigError as e:  # try the next member
                errors.append(str(e))
        raise ConfigError(f"{_where(source, key)} has value {value!r}, expected {tp}")
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):  # a field's type is a class, not an instance
        if not isinstance(value, dict):
            raise ConfigError(f"{_where(source, key)} must be a mapping, got {type(value).__name__}")
        return from_dict(tp, value, source=source, prefix=key)
    if origin in (list, tuple):
        if not isinstance(value, (list, tuple)):
            raise ConfigError(f"{_where(source, key)} must be a list, got {type(value).__name__} {value!r}")
        inner = args[0] if args else Any
        out = [_check_value(inner, v, f"{key}[{i}]", source) for i, v in enumerate(value)]
        return out if origin is list else tuple(out)
    if origin is dict:
        if not isinstance(value, dict):
            raise ConfigError(f"{_where(source, key)} must be a mapping, got {type(value).__name__}")
        vt = args[1] if len(args) == 2 else Any
        return {k: _check_value(vt, v, f"{key}.{k}", source) for k, v in value.items()}
    if origin is typing.Literal:
        if value not in args:
            raise ConfigError(f"{_where(source, key)} is {value!r}, expected one of {list(args)}")
        return value
    if tp is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{_where(source, key)} must be true/false, got {value!r}")
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{_where(source, key)} must be an integer, got {value!r}")
        return value
    if tp is float:
        if isinstance(value, str) and _FLOAT_RE.fullmatch(value.strip()):
            value = float(value)  # YAML 1.1 reads 1e-3 (no dot) as a string
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{_where(source, key)} must be a number, got {value!r}")
        return float(value)
    if tp is str:
        if not isinstance(value, str):
            raise ConfigError(f"{_where(source, key)} must be a string, got {value!r}")
        return value
    if isinstance(tp, type) and isinstance(value, tp):
        return value
    raise ConfigError(f"{_where(source, key)} has unsupported value {value!r} for type {tp}")


def from_dict(cls: type[T], data: dict, source: str | None = None, prefix: str = "") -> T:
    """Build dataclass ``cls`` from ``data``, refusing unknown keys and wrong types."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{_where(source, prefix)} must be a mapping, got {type(data).__name__}")
    hints = typing.get_type_hints(cls, include_extras=True)
    names = {f.name for f in dataclasses.fields(cls)}
    for k in data:
        if k not in names:
            key = f"{prefix}.{k}" if prefix else str(k)
            import difflib

            close = difflib.get_close_matches(str(k), sorted(names), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise ConfigError(f"{_where(source, key)} is not a known setting{hint}")
    kwargs = {}
    for f in dataclasses.fields(cls):
        if f.name in data:
            key = f"{prefix}.{f.name}" if prefix else f.name
            kwargs[f.name] = _check_value(hints[f.name], data[f.name], key, source)
    try:
        return cls(**kwargs)
    except (TypeError, ValueError) as e:
        raise ConfigError(f"{_where(source, prefix)}: {e}") from e


def to_dict(obj: Any) -> Any:
    """Plain-data (YAML-safe) copy of a dataclass tree."""
    if dataclasses.is_dataclass(obj):
        return {f.name: to_dict(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, (list, tuple)):
        return [to_dict(v) for v in obj]
    if isinstance(obj, dict):
        return {k: to_dict(v) for k, v in obj.items()}
    return obj


class _UniqueKeyLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that refuses a mapping with the same key twice (PyYAML keeps the last silently)."""


def _unique_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: dict = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)  # pyright: ignore[reportArgumentType]
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"key '{key}' appears twice (lines {seen[key]} and {key_node.start_mark.line + 1})",
                key_node.start_mark,
            )  # fmt: skip
        seen[key] = key_node.start_mark.line + 1
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _unique_mapping)


def safe_load_unique(text: Any) -> Any:
    """``yaml.safe_load`` that also refuses duplicate keys (``yaml.YAMLError`` naming the key and lines)."""
    return yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 (a SafeLoader subclass)


def load_yaml(path: str | Path) -> dict:
    """Read a YAML mapping; errors name the file."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: config file not found")
    try:
        with open(path) as f:
            data = safe_load_unique(f)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise ConfigError(f"{path}: not valid YAML{where}: {str(e).splitlines()[0]}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: top level must be a mapping, got {type(data).__name__}")
    return data


def set_dotted(data: dict, dotted: str, value: Any) -> None:
    """Set ``data[a][b][c] = value`` for ``dotted = 'a.b.c'``, creating mappings as needed."""
    parts = dotted.split(".")
    cur = data
    for p in parts[:-1]:
        nxt = cur.get(p)
        if nxt is None:
            nxt = cur[p] = {}
        if not isinstance(nxt, dict):
            raise ConfigError(f"override '{dotted}': '{p}' is not a mapping")
        cur = nxt
    cur[parts[-1]] = value


def apply_overrides(cls: type[T], cfg: T, overrides: list[str], source: str = "override") -> T:
    """Apply ``key.path=value`` strings to a config and re-validate the whole tree."""
    data = to_dict(cfg)
    for ov in overrides:
        if "=" not in ov:
            raise ConfigError(f"{source} '{ov}' must look like key.path=value")
        key, raw = ov.split("=", 1)
        try:
            value = yaml.safe_load(raw)
        except yaml.YAMLError as e:
            raise ConfigError(f"{source} '{ov}': value is not valid YAML: {e}") from e
        # refuse keys that do not exist in the schema (set_dotted would create them)
        cur: Any = data
        for p in key.split("."):
            if not isinstance(cur, dict) or p not in cur:
                raise ConfigError(f"{source} '{ov}': '{key}' is not a known setting")
            cur = cur[p]
        set_dotted(data, key, value)
    return from_dict(cls, data, source=source)
