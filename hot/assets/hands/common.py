"""Building blocks shared by the hand builders: the virtual wrist, PD actuators, contract bits.

Every builder follows the same recipe (see :mod:`hot.assets.hands.base`):

1. :func:`new_hand_spec` makes an empty ``MjSpec`` holding ``hand_base`` and the 6-DoF wrist chain
   and returns the last wrist dummy body, under which the palm is mounted at identity pose;
2. the builder adds (MANO) or attaches (Shadow, Allegro) the hand below it;
3. :func:`add_position_actuators` adds ``act_<dof>`` in DoF order;
4. :func:`apply_hand_conventions` sets gravity compensation, collision bits and visual groups.

Nothing here sets ``spec.option``: the timestep, integrator and cone belong to the scene.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import mujoco

from hot.assets.hands.base import BASE_POS, HAND_CONAFFINITY, HAND_CONTYPE, WRIST_DOF_NAMES

WRIST_TRANSLATION_RANGE = 2.0
"""Slide range of the virtual wrist, metres (upstream: ±2 m)."""
WRIST_ROTATION_RANGE = 2.0 * math.pi
"""Hinge range of the virtual wrist, radians (upstream: ±6.28)."""
WRIST_DUMMY_MASS = 0.01
"""Mass of each wrist dummy body, kg (upstream 0.01)."""
WRIST_DUMMY_INERTIA = 1e-4
"""Diagonal inertia of each wrist dummy body, kg m^2. Upstream used 0.01, which makes the wrist
sluggish; the dummies only need a non-degenerate inertia, the PD damping does the rest."""
HAND_BASE_BODY = "hand_base"
VISUAL_GROUP = 1

DATA_MJCF_DIR = Path(__file__).resolve().parents[2] / "data" / "assets" / "mjcf"
"""``hot/data/assets/mjcf``: vendored hand MJCF (Shadow, Allegro)."""


@dataclass(frozen=True)
class Gains:
    """Position-drive gains of one joint class: torque = kp (q* - q) - kv qdot."""

    kp: float
    kv: float


def new_hand_spec(model_name: str, spec: mujoco.MjSpec | None = None) -> tuple[mujoco.MjSpec, mujoco.MjsBody]:
    """An ``MjSpec`` with ``hand_base`` at :data:`BASE_POS` and the virtual wrist chain below it.

    With ``spec`` given (a loaded vendored hand) the chain is added to its world body instead of a
    new spec.

    Joints ``wrist_tx/ty/tz`` are world-aligned slides (±2 m) and ``wrist_rx/ry/rz`` hinges about
    the parent's x, y, z (±2π), each on its own dummy body, so the wrist frame is
    ``T(tx,ty,tz) · Rx(rx) · Ry(ry) · Rz(rz)`` relative to ``hand_base``.

    Returns:
        (spec, body) where ``body`` is the last dummy (``wrist_rz_link``); mount the palm under it.
    """
    if spec is None:
        spec = mujoco.MjSpec()
        assert spec is not None  # mujoco's stub types MjSpec() as Any, which does not narrow `MjSpec | None`
        spec.compiler.degree = False
    spec.modelname = model_name
    base = spec.worldbody.add_body(name=HAND_BASE_BODY, pos=list(BASE_POS), quat=[1.0, 0.0, 0.0, 0.0])
    parent = base
    axes = [(1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0)] * 2
    for i, (dof, axis) in enumerate(zip(WRIST_DOF_NAMES, axes, strict=True)):
        body = parent.add_body(name=f"{dof}_link")
        set_inertial(body, WRIST_DUMMY_MASS, WRIST_DUMMY_INERTIA)
        slide = i < 3
        lim = WRIST_TRANSLATION_RANGE if slide else WRIST_ROTATION_RANGE
        body.add_joint(
            name=dof,
            type=mujoco.mjtJoint.mjJNT_SLIDE if slide else mujoco.mjtJoint.mjJNT_HINGE,
            axis=list(axis),
            range=[-lim, lim],
            limited=mujoco.mjtLimited.mjLIMITED_TRUE,
        )
        parent = body
    return spec, parent


def set_inertial(body: mujoco.MjsBody, mass: float, inertia: float) -> None:
    """Explicit inertial at the body origin: ``mass`` kg, diagonal ``inertia`` kg m^2.

    ``ipos``/``iquat`` must be set too, or ``MjSpec.to_xml`` drops the ``<inertial>`` element.
    """
    body.explicitinertial = True
    body.mass = mass
    body.inertia = [inertia] * 3
    body.ipos = [0.0, 0.0, 0.0]
    body.iquat = [1.0, 0.0, 0.0, 0.0]


def add_position_actuators(
    spec: mujoco.MjSpec,
    dof_names: Sequence[str],
    gains: Mapping[str, Gains],
) -> None:
    """One position actuator ``act_<dof>`` per DoF, in ``dof_names`` order.

    ``ctrlrange`` is the joint range; ``gainprm = [kp]``, ``biasprm = [0, -kp, -kv]`` (affine bias),
    i.e. torque = kp (ctrl - q) - kv qdot, with no force limit (Isaac's drives had none either).
    """
    for dof in dof_names:
        joint = spec.joint(dof)
        if joint is None:
            raise ValueError(f"hand spec {spec.modelname!r}: no joint named {dof!r} for actuator act_{dof}")
        g = gains[dof]
        act = spec.add_actuator(name=f"act_{dof}", target=dof, trntype=mujoco.mjtTrn.mjTRN_JOINT)
        act.set_to_position(kp=g.kp, kv=g.kv)
        act.ctrllimited = mujoco.mjtLimited.mjLIMITED_TRUE
        act.ctrlrange = list(joint.range)
        act.forcelimited = mujoco.mjtLimited.mjLIMITED_FALSE


def hand_bodies(spec: mujoco.MjSpec) -> list[mujoco.MjsBody]:
    """``hand_base`` and every body below it."""
    base = spec.body(HAND_BASE_BODY)
    return [base, *base.find_all(mujoco.mjtObj.mjOBJ_BODY)]


def apply_hand_conventions(spec: mujoco.MjSpec) -> None:
    """Set gravcomp = 1 on every hand body, and the contract's collision bits on every hand geom.

    A geom that arrives with ``contype = conaffinity = 0`` is visual-only: it keeps those bits and
    moves to ``group = 1``. Every other hand geom collides with the object only
    (``contype = 2``, ``conaffinity = 0``), so the hand never collides with itself.
    """
    for body in hand_bodies(spec):
        body.gravcomp = 1.0
        for geom in body.geoms:
            if geom.contype == 0 and geom.conaffinity == 0:
                geom.group = VISUAL_GROUP
            else:
                geom.contype = HAND_CONTYPE
                geom.conaffinity = HAND_CONAFFINITY


def absolutize_mesh_paths(spec: mujoco.MjSpec, xml_path: Path) -> None:
    """Rewrite every mesh ``file`` of a spec loaded from ``xml_path`` to an absolute path.

    Needed because an attached child keeps its file names but not its ``meshdir``.
    """
    mesh_dir = xml_path.parent / spec.meshdir if spec.meshdir else xml_path.parent
    for mesh in spec.meshes:
        if mesh.file and not Path(mesh.file).is_absolute():
            path = (mesh_dir / mesh.file).resolve()
            if not path.is_file():
                raise FileNotFoundError(f"{xml_path}: mesh {mesh.name!r} file {path} is missing")
            mesh.file = str(path)
    spec.meshdir = ""


def delete_unused_meshes(spec: mujoco.MjSpec) -> None:
    """Drop mesh assets no geom uses (e.g. Shadow's forearm meshes), so compile does not load them."""
    used = {g.meshname for g in spec.geoms if g.type == mujoco.mjtGeom.mjGEOM_MESH}
    for mesh in list(spec.meshes):
        if mesh.name not in used:
            spec.delete(mesh)
