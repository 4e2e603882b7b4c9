"""The hand contract shared by MANO, Shadow and Allegro.

A :class:`HandModel` names everything downstream code needs (DoFs in order, key bodies in
order, contact bodies) and builds an ``mujoco.MjSpec`` holding only the hand, mounted on its
fixed base with the 6-DoF virtual wrist. The scene builder (``hot.sim.scene``) adds the
object, floor and platform to that spec.

Conventions every hand's ``build_spec`` follows (tests check them):

* world body ``hand_base`` fixed at ``BASE_POS`` = (0, 0, 0.5), identity orientation;
* below it the wrist chain: slide joints ``wrist_tx``, ``wrist_ty``, ``wrist_tz`` (±2 m), then
  hinge joints ``wrist_rx``, ``wrist_ry``, ``wrist_rz`` (±2π), so the wrist orientation relative
  to the base is Rx(a)·Ry(b)·Rz(c);
* joint names in the compiled model equal ``dof_names`` and appear in that order in ``qpos``
  (the hand's joints come first in the model, before any object joint);
* one position actuator per DoF, named ``act_<dof name>``, in ``dof_names`` order,
  ``ctrlrange`` = joint range, kp/kv from the hand's gain table;
* every hand body has ``gravcomp = 1``; hand collision geoms have ``contype=2, conaffinity=0``
  (collide with the object, not with each other, the platform or the floor); purely visual
  geoms have ``contype=conaffinity=0`` and ``group=1``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import mujoco

BASE_POS = (0.0, 0.0, 0.5)
WRIST_DOF_NAMES = ("wrist_tx", "wrist_ty", "wrist_tz", "wrist_rx", "wrist_ry", "wrist_rz")
NUM_WRIST_DOFS = len(WRIST_DOF_NAMES)
"""Every hand's DoF vector starts with the virtual wrist: 3 slides (m), then 3 hinges (rad); fingers follow."""
WRIST_POS = slice(0, 3)
"""DoF columns of the wrist slides."""
WRIST_ROT = slice(3, NUM_WRIST_DOFS)
"""DoF columns of the wrist hinges."""
WRIST = slice(0, NUM_WRIST_DOFS)
"""DoF columns of the whole wrist."""
FINGERS = slice(NUM_WRIST_DOFS, None)
"""DoF columns of the fingers."""
HAND_CONTYPE = 2
HAND_CONAFFINITY = 0


@dataclass(frozen=True)
class HandModel:
    """Everything about one hand that the rest of ``hot`` may rely on.

    Attributes:
        name: registry name (``"mano"``, ``"shadow"``, ``"allegro"``).
        finger_dof_names: finger joint names in simulator DoF order.
        key_bodies: key-body names in order; the last one is the wrist/palm frame.
        contact_bodies: bodies whose net contact force goes into the observation.
        fingertip_bodies: the distal bodies (used by grasp synthesis and metrics).
        builder: callable returning a fresh ``mujoco.MjSpec`` with only the hand.
    """

    name: str
    finger_dof_names: tuple[str, ...]
    key_bodies: tuple[str, ...]
    contact_bodies: tuple[str, ...]
    fingertip_bodies: tuple[str, ...]
    builder: Callable[..., mujoco.MjSpec] = field(repr=False, compare=False)

    @property
    def dof_names(self) -> tuple[str, ...]:
        """All DoF names: the 6 virtual-wrist DoFs then the fingers."""
        return WRIST_DOF_NAMES + self.finger_dof_names

    @property
    def num_dofs(self) -> int:
        return len(WRIST_DOF_NAMES) + len(self.finger_dof_names)

    @property
    def num_finger_dofs(self) -> int:
        return len(self.finger_dof_names)

    @property
    def num_key_bodies(self) -> int:
        return len(self.key_bodies)

    @property
    def wrist_body(self) -> str:
        """The wrist/palm frame: the last key body."""
        return self.key_bodies[-1]

    def build_spec(self, **kwargs) -> mujoco.MjSpec:
        """A fresh ``MjSpec`` with only this hand (see the module docstring for conventions)."""
        return self.builder(**kwargs)
