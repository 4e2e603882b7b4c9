"""Hand registry: ``get_hand(name)`` returns the :class:`~hot.assets.hands.base.HandModel` of a hand.

Builders are imported lazily and nothing is compiled at import; call ``hand.build_spec()`` for a
fresh ``mujoco.MjSpec`` with only the hand (see :mod:`hot.assets.hands.base` for the conventions).

* ``mano``: procedural MANO-topology right hand (51 DoF), no licensed MANO data;
* ``shadow``: Shadow Hand E3M5 from MuJoCo Menagerie (28 DoF), Apache-2.0;
* ``allegro``: Allegro Hand V3 from MuJoCo Menagerie (22 DoF), BSD-2-Clause.
"""

from __future__ import annotations

import importlib
from typing import Any

import mujoco

from hot.assets.hands.base import HandModel

HAND_NAMES = ("mano", "shadow", "allegro")

__all__ = ["HAND_NAMES", "HandModel", "get_hand"]


def _lazy_builder(name: str):
    def build(**kwargs: Any) -> mujoco.MjSpec:
        module = importlib.import_module(f"hot.assets.hands.{name}.builder")
        return module.build_spec(**kwargs)

    build.__name__ = f"build_{name}_spec"
    build.__doc__ = f"Build the {name} hand spec (``hot.assets.hands.{name}.builder.build_spec``)."
    return build


def get_hand(name: str) -> HandModel:
    """The hand called ``name`` (case-insensitive), e.g. ``get_hand("MANO")``.

    Raises:
        ValueError: unknown name; the message lists the valid ones.
    """
    key = str(name).strip().lower()
    if key not in HAND_NAMES:
        raise ValueError(f"unknown hand {name!r}; valid hands: {', '.join(HAND_NAMES)}")
    c = importlib.import_module(f"hot.assets.hands.{key}.constants")
    return HandModel(
        name=key,
        finger_dof_names=tuple(c.FINGER_DOF_NAMES),
        key_bodies=tuple(c.KEY_BODIES),
        contact_bodies=tuple(c.CONTACT_BODIES),
        fingertip_bodies=tuple(c.FINGERTIP_BODIES),
        builder=_lazy_builder(key),
    )
