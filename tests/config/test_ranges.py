"""Every numeric setting of every config schema carries a valid range, and values outside it are refused.

The walk below covers the env YAML (``TrackingCfg``), the train YAML (``TrainParams`` and ``params.distill``)
and the in-hand configs (``InhandCfg``). A new int or float setting without a range fails the first test.
"""

from __future__ import annotations

import dataclasses
import math
import typing
from typing import Annotated, Any

import pytest

from hot.config.strict import ConfigError, Range, apply_overrides, from_dict
from hot.distill.config import DistillCfg
from hot.learning.train_config import TrainParams
from hot.tasks.inhand.config import InhandCfg
from hot.tasks.tracking.config import TrackingCfg, load_env_config

ROOTS = [TrackingCfg, TrainParams, DistillCfg, InhandCfg]


def _numeric_leaves(cls: type, prefix: str = "") -> list[tuple[str, Any, Any]]:
    """(dotted key, type hint, default) of every int/float setting or list of them under ``cls``."""
    out = []
    hints = typing.get_type_hints(cls, include_extras=True)
    for f in dataclasses.fields(cls):
        tp, key = hints[f.name], f"{prefix}{f.name}"
        default = f.default if f.default is not dataclasses.MISSING else f.default_factory()  # type: ignore[misc]
        base = typing.get_args(tp)[0] if typing.get_origin(tp) is Annotated else tp
        if typing.get_origin(base) in (list, tuple):
            inner = typing.get_args(base)[0]
            inner_base = typing.get_args(inner)[0] if typing.get_origin(inner) is Annotated else inner
            if inner_base in (int, float):
                out.append((key, inner, default))
        elif dataclasses.is_dataclass(base):
            out += _numeric_leaves(base, key + ".")
        elif base in (int, float) and base is not bool:
            out.append((key, tp, default))
    return out


def _range(tp: Any) -> Range | None:
    if typing.get_origin(tp) is not Annotated:
        return None
    return next((m for m in typing.get_args(tp)[1:] if isinstance(m, Range)), None)


@dataclasses.dataclass
class _Inner:
    gains: list[float] = dataclasses.field(default_factory=lambda: [1.0])


@dataclasses.dataclass
class _Outer:
    x: float = 0.0
    inner: _Inner = dataclasses.field(default_factory=_Inner)


LEAVES = [(root, key, tp, default) for root in ROOTS for key, tp, default in _numeric_leaves(root)]


def test_every_numeric_setting_has_a_range() -> None:
    assert len(LEAVES) > 100  # the walk reaches the nested sections
    missing = [f"{root.__name__}.{key}" for root, key, tp, _ in LEAVES if _range(tp) is None]
    assert not missing, f"numeric settings without a Range: {missing}"


@pytest.mark.parametrize("root,key,tp,default", LEAVES, ids=[f"{r.__name__}.{k}" for r, k, _, _ in LEAVES])
def test_defaults_in_range_and_nan_refused(root: type, key: str, tp: Any, default: Any) -> None:
    rng = _range(tp)
    assert rng is not None
    values = default if isinstance(default, list) else [default]
    assert all(rng.contains(float(v)) for v in values), f"default {default} of {key} is not {rng.describe()}"
    if typing.get_args(tp)[0] is float:  # NaN / inf (YAML .nan / .inf) are numbers, never valid settings
        data: dict = {}
        cur = data
        for p in key.split(".")[:-1]:
            cur = cur.setdefault(p, {})
        cur[key.split(".")[-1]] = [math.nan] * len(default) if isinstance(default, list) else math.inf
        with pytest.raises(ConfigError, match=rf"'{key}(\[0\])?' is (nan|inf), must be"):
            from_dict(root, data, source="x.yaml")


@pytest.mark.parametrize(
    "section,key,value,fragment",
    [
        ("env", "data_fps", -5, r"'env.data_fps' is -5.0, must be in \(0, 1000\]"),
        ("env", "obj_rand_scale_prob", 1.5, r"'env.obj_rand_scale_prob' is 1.5, must be in \[0, 1\]"),
        ("env", "obj_scale_quantum", 0, r"'env.obj_scale_quantum' is 0.0, must be in \(0, 1\]"),
        ("env", "reward_weights", {"op": -1}, r"'env.reward_weights.op' is -1.0, must be >= 0"),
        ("env", "termination", {"obj_pos_free": 0}, r"'env.termination.obj_pos_free' is 0.0, must be > 0"),
        ("env", "termination", {"min_progress": -1}, r"'env.termination.min_progress' is -1, must be >= 0"),
        ("env", "residual_scale", [0.02, -0.1, 0.2], r"'env.residual_scale\[1\]' is -0.1, must be >= 0"),
        ("sim", "nthread", -2, r"'sim.nthread' is -2, must be >= 0"),
    ],
)
def test_env_yaml_out_of_range(tmp_path, section: str, key: str, value: Any, fragment: str) -> None:
    import yaml

    p = tmp_path / "env.yaml"
    p.write_text(
        yaml.safe_dump(
            {"env": {"num_envs": 4}, section: {key: value}} if section != "env" else {"env": {key: value}}
        )
    )
    with pytest.raises(ConfigError, match=str(p).replace(".", r"\.") + ": " + fragment):
        load_env_config(p)


@pytest.mark.parametrize(
    "override,fragment",
    [
        ("env.physics.iterations=0", r"'env.physics.iterations' is 0, must be >= 1"),
        ("env.domain_rand.push.prob=2", r"'env.domain_rand.push.prob' is 2.0, must be in \[0, 1\]"),
        ("env.control.kp=-3", r"'env.control.kp' is -3.0, must be > 0"),
        ("algo.ppo.gamma=1.5", r"'algo.ppo.gamma' is 1.5, must be in \(0, 1\]"),
        ("env.grasp.min_tip_contacts=7", r"'env.grasp.min_tip_contacts' is 7, must be in \[0, 4\]"),
    ],
)
def test_inhand_override_out_of_range(override: str, fragment: str) -> None:
    with pytest.raises(ConfigError, match=fragment):
        apply_overrides(InhandCfg, InhandCfg(), [override])


def test_walker_finds_unranged_settings() -> None:
    """The first test can fail: a plain float, nested or in a list, is reported as lacking a range."""

    leaves = _numeric_leaves(_Outer)
    assert [k for k, tp, _ in leaves if _range(tp) is None] == ["x", "inner.gains"]
