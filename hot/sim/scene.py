"""Scene builder: hand + object + floor + platform as one ``mujoco.MjSpec``.

One function builds the whole scene from (hand, object, scale), so the CPU batch backend and the
MuJoCo Warp backend simulate exactly the same model. Upstream (Isaac Gym, spec §4.5/§5.1) had a
ground plane, a 3 m x 3 m x 1 cm platform centred at z = 0.1 that the object collides with and the
hand does not, dt 1/60 with 2 PhysX substeps; here physics runs at dt 1/120 and a control step is
2 MuJoCo steps.

Collision bits (contype / conaffinity; two geoms collide when
``(c1 & a2) | (c2 & a1)`` is non-zero):

=============  =======  ===========  ==========================================
geom           contype  conaffinity  collides with
=============  =======  ===========  ==========================================
hand           2        0            object only (no self-collision)
object         1        3            hand, floor, platform
floor/platform 1        1            object (world geoms never collide together)
=============  =======  ===========  ==========================================

Contact sensors (MuJoCo ``<contact>`` sensors; a ``netforce`` reading is the force that the
body1 side exerts on the body2 side, world frame; verified on mujoco 4.0.0):

* ``contact_force:<body>`` (3): force exerted by contact body ``<body>`` on everything else; the
  net contact force *on* the body is its negative (the sim negates it).
* ``obj_hand_force`` (3): force exerted by the hand subtree on the object = net hand contact force
  on the object.
* ``hand_obj_dist`` (1): min signed distance over hand-object contacts (negative = penetration; 0
  when there is no contact).
* ``hand_contact_count`` (1): number of contacts involving the hand subtree ("touches anything";
  the hand can only touch the object given the bits above).

All contact sensors are acceleration-stage: after ``Batch.step(stage=mjSTAGE_VEL)`` they hold the
values computed during the last physics substep, i.e. one substep (1/120 s) old.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol, cast

import mujoco
import numpy as np

from hot.assets.hands.base import BASE_POS, HandModel

__all__ = [
    "ObjectLike",
    "SceneOptions",
    "apply_options",
    "SceneIndex",
    "build_scene_spec",
    "compile_scene",
    "position_gains",
    "HAND_BASE_BODY",
    "OBJECT_BODY",
    "OBJECT_JOINT",
    "OBJ_HAND_FORCE",
    "HAND_OBJ_DIST",
    "HAND_CONTACT_COUNT",
    "contact_force_sensor",
]

HAND_BASE_BODY = "hand_base"
OBJECT_BODY = "object"
OBJECT_JOINT = "object_root"
OBJ_HAND_FORCE = "obj_hand_force"
HAND_OBJ_DIST = "hand_obj_dist"
HAND_CONTACT_COUNT = "hand_contact_count"

OBJECT_CONTYPE, OBJECT_CONAFFINITY = 1, 3
OBJECT_SOLMIX = 1000.0
"""``solmix`` of the object's geoms: their ``solimp`` governs every contact they take part in."""
STATIC_CONTYPE, STATIC_CONAFFINITY = 1, 1

# mjtConDataField bits and reduce modes of the <contact> sensor (intprm = [data, reduce, num]).
_CONDATA_FOUND = 1 << int(mujoco.mjtConDataField.mjCONDATA_FOUND)
_CONDATA_FORCE = 1 << int(mujoco.mjtConDataField.mjCONDATA_FORCE)
_CONDATA_DIST = 1 << int(mujoco.mjtConDataField.mjCONDATA_DIST)
_REDUCE_NONE, _REDUCE_MINDIST, _REDUCE_NETFORCE = 0, 1, 3


def contact_force_sensor(body: str) -> str:
    """Name of the net-force sensor of contact body ``body``."""
    return f"contact_force:{body}"


class ObjectLike(Protocol):
    """What the scene needs from ``hot.assets.objects.ObjectAsset`` (duck-typed; read only, so a frozen
    dataclass matches)."""

    @property
    def name(self) -> str: ...
    @property
    def hull_paths(self) -> Sequence[Path]: ...
    @property
    def mass(self) -> float: ...
    @property
    def friction(self) -> float: ...
    @property
    def damping(self) -> float: ...


@dataclass(frozen=True)
class SceneOptions:
    """Physics options of the scene; every default is the project's setting."""

    timestep: float = 1.0 / 120.0
    """Physics step (s); a 1/60 s control step is 2 of them."""
    iterations: int = 50
    """Newton iterations cap. Newton converges in a handful of iterations on these scenes; the cap
    only bounds the worst case (MuJoCo's default 100 is never reached either)."""
    ls_iterations: int = 20
    """Line-search iterations per Newton iteration (MuJoCo default 50; exact line search rarely
    needs more than ~10)."""
    tolerance: float = 1e-8
    """Solver tolerance (MuJoCo default); looser values made PD-held grasps drift."""
    impratio: float = 10.0
    """Friction-to-normal impedance ratio. >1 with elliptic cones makes friction "harder" (less
    creep), which grasps need; 10 is the value the stack notes ran stably with."""
    gravity: tuple[float, float, float] = (0.0, 0.0, -9.81)
    object_condim: int = 4
    """4 = sliding + torsional friction: an object pinched between two fingertips must not spin
    freely about the contact normal (condim 3 would allow that); rolling friction (6) costs more
    and has no PhysX counterpart upstream."""
    object_solimp: tuple[float, float, float] = (0.9, 0.95, 0.001)
    """Contact impedance (MuJoCo ``solimp``: dmin, dmax, width in m) of the object's contacts, with the
    hand and the platform alike (the object's geoms get a high ``solmix``, so their value governs).
    MuJoCo's default; a dmax nearer 1 makes contacts stiffer, so a squeezing finger sinks less deep."""
    object_torsional_friction: float = 0.005
    """Torsional friction coefficient (m), MuJoCo's default."""
    floor_friction: float = 1.0
    """Plane friction (upstream 1.0). MuJoCo combines geom frictions by max, PhysX averaged."""
    platform_size: tuple[float, float, float] = (3.0, 3.0, 0.01)
    """Full extents of the platform box (m)."""
    platform_z: float = 0.1
    """Height of the platform's centre (m); its top is at platform_z + size_z / 2."""
    object_pos: tuple[float, float, float] = (0.0, 0.0, 0.3)
    """Object position in the model's default state (qpos0)."""
    damping_armature: bool = True
    """Give every actuated hand joint an armature of at least ``timestep * kv``. With implicitfast
    the servos' damping ``kv`` is integrated implicitly, so a joint moves as if its inertia were
    ``M + timestep * kv`` -- but the contact solver only sees ``M``. On MANO's few-gram segments
    (``M`` ~1e-5 kg m^2 against ``timestep * kv`` ~0.2) that mismatch makes contacts far too soft
    for the servo pushing through them, and a PD-held grasp ejects its object. Adding the same
    amount as armature lets the solver see the inertia the integrator uses; free motion barely
    changes (the servos are overdamped, their slow pole kp/kv stays where it was). Measured in
    docs/dev/GRASPS.md."""
    noslip_iterations: int = 10
    """Iterations of MuJoCo's no-slip post-solver. Soft friction creeps under a steady load (an
    object held against gravity slides out of a grasp at mm/s); the no-slip pass removes that creep.
    0 turns it off. Cost: 0.92x physics steps/s against 0 (MANO/Bottle, 128 worlds, object resting on
    the platform, one run; docs/benchmarks.md). 5 was measured on 2026-12-06: about 1.03-1.05x, tracking
    unchanged, but pinch grasps of a thin slab held in fewer directions (docs/results/physics_defaults.md)."""
    cone: Literal["elliptic", "pyramidal"] = "elliptic"
    """Friction cone. Elliptic cones with impratio > 1 hold grasps with less creep; pyramidal ones are
    cheaper per contact (``python -m hot.bench profile`` measures both)."""
    joint_frictionloss: bool = False
    """Keep the hand joints' dry friction (MANO 1e-4 N m, Shadow 0.01 N m, from the hand models). Every
    joint with friction adds one constraint row to each step's solver and no-slip pass (45 of the 85 rows
    of a MANO hand holding the Bottle), for a torque far below the servos'. Off by default
    (``mjDSBL_FRICTIONLOSS``): with the sparse Jacobian, 1.7x physics steps/s with holding contacts and
    the same held-out tracking (``docs/benchmarks.md``, ``docs/results/physics_defaults.md``)."""
    jacobian: Literal["auto", "dense", "sparse"] = "sparse"
    """Constraint Jacobian storage (MuJoCo's ``jacobian`` option; auto = dense below 60 DoFs). Sparse is
    faster on the hands' branched kinematic trees once the friction rows are gone."""


@dataclass
class SceneIndex:
    """Addresses into a compiled scene, all looked up by name.

    Attributes:
        dof_names: (D,) hand DoF names, ``hand.dof_names`` order.
        dof_qpos_adr: (D,) qpos address of each hand DoF.
        dof_qvel_adr: (D,) qvel address of each hand DoF.
        actuator_ids: (D,) id of ``act_<dof>`` (= its ctrl index).
        dof_limits: (D, 2) joint ranges (lower, upper).
        obj_qpos_adr: (7,) object freejoint qpos addresses (pos xyz, quat wxyz).
        obj_qvel_adr: (6,) object freejoint qvel addresses (lin vel world, ang vel body frame).
        object_body_id: id of body ``object``.
        hand_base_body_id: id of body ``hand_base``.
        key_body_ids: (K,) key-body ids, ``hand.key_bodies`` order.
        contact_body_ids: (C,) contact-body ids, ``hand.contact_bodies`` order.
        sensor_adr: sensor name -> (address in sensordata, dimension).
    """

    dof_names: tuple[str, ...]
    dof_qpos_adr: np.ndarray
    dof_qvel_adr: np.ndarray
    actuator_ids: np.ndarray
    dof_limits: np.ndarray
    obj_qpos_adr: np.ndarray
    obj_qvel_adr: np.ndarray
    object_body_id: int
    hand_base_body_id: int
    key_body_ids: np.ndarray
    contact_body_ids: np.ndarray
    sensor_adr: dict[str, tuple[int, int]] = field(default_factory=dict)

    def sensor_slice(self, name: str) -> slice:
        """``sensordata`` slice of sensor ``name``."""
        adr, dim = self.sensor_adr[name]
        return slice(adr, adr + dim)


def _load_hull(path: Path) -> tuple[np.ndarray, np.ndarray, float]:
    """Vertices (V,3), faces (F,3) and convex-hull volume of one hull file."""
    import trimesh

    try:
        # force="mesh" returns a Trimesh (trimesh annotates load() with the Geometry base class)
        mesh = cast(trimesh.Trimesh, trimesh.load(str(path), force="mesh", process=True))
    except Exception as exc:  # trimesh raises many types for unreadable files
        raise ValueError(f"{path}: cannot read convex hull mesh ({exc})") from exc
    if len(mesh.vertices) < 4:
        raise ValueError(f"{path}: a convex hull needs at least 4 vertices, got {len(mesh.vertices)}")
    volume = float(mesh.convex_hull.volume)
    if not volume > 0:
        raise ValueError(f"{path}: convex hull has zero volume (flat or degenerate mesh)")
    return np.asarray(mesh.vertices, dtype=np.float64), np.asarray(mesh.faces, dtype=np.int32), volume


def _add_object(spec: mujoco.MjSpec, obj: ObjectLike, scale: float, opts: SceneOptions) -> None:
    hull_paths = [Path(p) for p in obj.hull_paths]
    if not hull_paths:
        raise ValueError(
            f"object {obj.name!r}: hull_paths is empty; run the object's convex decomposition first"
        )
    if not scale > 0:
        raise ValueError(f"object {obj.name!r}: scale must be > 0, got {scale}")
    hulls = [_load_hull(p) for p in hull_paths]
    total_volume = sum(h[2] for h in hulls)
    total_mass = float(obj.mass) * scale**3

    body = spec.worldbody.add_body(name=OBJECT_BODY, pos=list(opts.object_pos))
    joint = body.add_freejoint(name=OBJECT_JOINT)
    joint.damping = [float(obj.damping), 0.0, 0.0]  # [linear, polynomial terms]
    for i, (verts, faces, volume) in enumerate(hulls):
        mesh_name = f"{OBJECT_BODY}_hull{i}"
        mesh = spec.add_mesh(name=mesh_name)
        mesh.uservert = verts.reshape(-1).tolist()
        mesh.userface = faces.reshape(-1).tolist()
        mesh.scale = [scale, scale, scale]
        # mass split by hull volume: total mass = obj.mass * scale^3 exactly, inertia from geometry
        body.add_geom(
            name=f"{OBJECT_BODY}_geom{i}",
            type=mujoco.mjtGeom.mjGEOM_MESH,
            meshname=mesh_name,
            mass=total_mass * volume / total_volume,
            contype=OBJECT_CONTYPE,
            conaffinity=OBJECT_CONAFFINITY,
            condim=opts.object_condim,
            friction=[float(obj.friction), opts.object_torsional_friction, 0.0001],
            solimp=[*opts.object_solimp, 0.5, 2.0],
            solmix=OBJECT_SOLMIX,
        )


def position_gains(model: mujoco.MjModel, actuator_ids) -> np.ndarray:
    """(len(actuator_ids), 2) gains (kp, kv) of position actuators: ``gainprm = [kp]``,
    ``biasprm = [0, -kp, -kv]`` (``hot.assets.hands.common``)."""
    ids = np.asarray(actuator_ids)
    return np.stack([model.actuator_gainprm[ids, 0], -model.actuator_biasprm[ids, 2]], 1)


def _armature_from_damping(spec: mujoco.MjSpec, timestep: float) -> None:
    """Raise each servo-driven joint's armature to ``timestep * kv`` (see ``SceneOptions``)."""
    for act in spec.actuators:
        kv = -float(act.biasprm[2])
        joint = spec.joint(act.target)
        if joint is not None and kv > 0:
            joint.armature = max(float(joint.armature), timestep * kv)


def apply_options(spec: mujoco.MjSpec, opts: SceneOptions) -> None:
    """Set ``spec``'s physics options from ``opts``: implicitfast integration, elliptic cones, the Newton
    solver and the iteration caps, tolerance, impratio, gravity and no-slip of every scene of the project
    (tracking, datagen and in-hand alike)."""
    o = spec.option
    o.timestep = opts.timestep
    o.integrator = mujoco.mjtIntegrator.mjINT_IMPLICITFAST
    o.cone = mujoco.mjtCone.mjCONE_ELLIPTIC if opts.cone == "elliptic" else mujoco.mjtCone.mjCONE_PYRAMIDAL
    o.solver = mujoco.mjtSolver.mjSOL_NEWTON
    o.iterations = opts.iterations
    o.ls_iterations = opts.ls_iterations
    o.tolerance = opts.tolerance
    o.impratio = opts.impratio
    o.gravity = list(opts.gravity)
    o.noslip_iterations = opts.noslip_iterations
    o.jacobian = {
        "auto": mujoco.mjtJacobian.mjJAC_AUTO,
        "dense": mujoco.mjtJacobian.mjJAC_DENSE,
        "sparse": mujoco.mjtJacobian.mjJAC_SPARSE,
    }[opts.jacobian]
    if not opts.joint_frictionloss:
        o.disableflags |= int(mujoco.mjtDisableBit.mjDSBL_FRICTIONLOSS)


def build_scene_spec(
    hand: HandModel,
    obj: ObjectLike | None,
    scale: float = 1.0,
    options: SceneOptions | None = None,
) -> mujoco.MjSpec:
    """The scene spec: ``hand``'s spec plus floor, platform, object and contact sensors.

    Args:
        hand: the hand contract; its ``build_spec()`` gives the hand on its fixed base.
        obj: the object asset (duck-typed, see :class:`ObjectLike`) or None for a hand-only scene.
        scale: uniform object scale (mesh scale; mass scales with scale^3).
        options: physics options; defaults to :class:`SceneOptions`.

    Returns:
        A fresh ``mujoco.MjSpec`` (not compiled).
    """
    opts = options or SceneOptions()
    spec = hand.build_spec()
    if spec.body(HAND_BASE_BODY) is None:
        raise ValueError(
            f"hand {hand.name!r}: its spec has no body {HAND_BASE_BODY!r} (see hot/assets/hands/base.py)"
        )

    apply_options(spec, opts)
    if opts.damping_armature:
        _armature_from_damping(spec, opts.timestep)

    world = spec.worldbody
    world.add_geom(
        name="floor",
        type=mujoco.mjtGeom.mjGEOM_PLANE,
        size=[5.0, 5.0, 0.1],
        contype=STATIC_CONTYPE,
        conaffinity=STATIC_CONAFFINITY,
        friction=[opts.floor_friction, 0.005, 0.0001],
    )
    half = [s / 2 for s in opts.platform_size]
    world.add_geom(
        name="platform",
        type=mujoco.mjtGeom.mjGEOM_BOX,
        size=half,
        pos=[0.0, 0.0, opts.platform_z],
        contype=STATIC_CONTYPE,
        conaffinity=STATIC_CONAFFINITY,
        friction=[opts.floor_friction, 0.005, 0.0001],
    )

    contact = mujoco.mjtSensor.mjSENS_CONTACT
    for body in hand.contact_bodies:
        spec.add_sensor(
            name=contact_force_sensor(body),
            type=contact,
            objtype=mujoco.mjtObj.mjOBJ_BODY,
            objname=body,
            intprm=[_CONDATA_FORCE, _REDUCE_NETFORCE, 1],
        )
    spec.add_sensor(
        name=HAND_CONTACT_COUNT,
        type=contact,
        objtype=mujoco.mjtObj.mjOBJ_XBODY,  # XBODY = the body's subtree
        objname=HAND_BASE_BODY,
        intprm=[_CONDATA_FOUND, _REDUCE_NONE, 1],
    )
    if obj is not None:
        _add_object(spec, obj, scale, opts)
        spec.add_sensor(
            name=OBJ_HAND_FORCE,
            type=contact,
            objtype=mujoco.mjtObj.mjOBJ_XBODY,
            objname=HAND_BASE_BODY,
            reftype=mujoco.mjtObj.mjOBJ_BODY,
            refname=OBJECT_BODY,
            intprm=[_CONDATA_FORCE, _REDUCE_NETFORCE, 1],
        )
        spec.add_sensor(
            name=HAND_OBJ_DIST,
            type=contact,
            objtype=mujoco.mjtObj.mjOBJ_XBODY,
            objname=HAND_BASE_BODY,
            reftype=mujoco.mjtObj.mjOBJ_BODY,
            refname=OBJECT_BODY,
            intprm=[_CONDATA_DIST, _REDUCE_MINDIST, 1],
        )
    return spec


def _ids(
    model: mujoco.MjModel, objtype: mujoco.mjtObj, names: Sequence[str], what: str, hand: str
) -> np.ndarray:
    ids = []
    for n in names:
        i = mujoco.mj_name2id(model, objtype, n)
        if i < 0:
            raise ValueError(f"hand {hand!r}: {what} {n!r} not found in the compiled scene")
        ids.append(i)
    return np.asarray(ids, dtype=np.int64)


def index_scene(model: mujoco.MjModel, hand: HandModel, with_object: bool = True) -> SceneIndex:
    """Look up every address the simulator needs, by name (no numeric assumptions)."""
    jids = _ids(model, mujoco.mjtObj.mjOBJ_JOINT, hand.dof_names, "joint", hand.name)
    for j, name in zip(jids, hand.dof_names, strict=True):
        if int(model.jnt_type[j]) not in (int(mujoco.mjtJoint.mjJNT_HINGE), int(mujoco.mjtJoint.mjJNT_SLIDE)):
            raise ValueError(f"hand {hand.name!r}: DoF {name!r} is not a hinge/slide joint")
    act = _ids(
        model, mujoco.mjtObj.mjOBJ_ACTUATOR, [f"act_{d}" for d in hand.dof_names], "actuator", hand.name
    )
    # contract: ctrlrange = joint range. A mismatch usually means the joint range was compiled in
    # degrees (MjSpec's compiler.degree defaults to True) while the actuator range is in radians.
    mismatch = np.abs(model.actuator_ctrlrange[act] - model.jnt_range[jids]).max(axis=1) > 1e-6
    if mismatch.any():
        bad = [hand.dof_names[i] for i in np.flatnonzero(mismatch)]
        raise ValueError(
            f"hand {hand.name!r}: actuator ctrlrange differs from the joint range for {bad} "
            "(set spec.compiler.degree = False when ranges are in radians)"
        )
    if with_object:
        obj_body = mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_BODY, OBJECT_BODY)
        oj = mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_JOINT, OBJECT_JOINT)
        qadr, vadr = int(model.jnt_qposadr[oj]), int(model.jnt_dofadr[oj])
        if qadr <= int(model.jnt_qposadr[jids].max()):
            raise ValueError(f"hand {hand.name!r}: object joint must come after the hand's joints in qpos")
        obj_qpos = np.arange(qadr, qadr + 7)
        obj_qvel = np.arange(vadr, vadr + 6)
    else:
        obj_body, obj_qpos, obj_qvel = -1, np.zeros(0, np.int64), np.zeros(0, np.int64)
    sensors = {}
    for i in range(model.nsensor):
        sensors[model.sensor(i).name] = (int(model.sensor_adr[i]), int(model.sensor_dim[i]))
    return SceneIndex(
        dof_names=hand.dof_names,
        dof_qpos_adr=model.jnt_qposadr[jids].astype(np.int64),
        dof_qvel_adr=model.jnt_dofadr[jids].astype(np.int64),
        actuator_ids=act,
        dof_limits=model.jnt_range[jids].copy(),
        obj_qpos_adr=obj_qpos,
        obj_qvel_adr=obj_qvel,
        object_body_id=int(obj_body),
        hand_base_body_id=int(mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_BODY, HAND_BASE_BODY)),
        key_body_ids=_ids(model, mujoco.mjtObj.mjOBJ_BODY, hand.key_bodies, "key body", hand.name),
        contact_body_ids=_ids(
            model, mujoco.mjtObj.mjOBJ_BODY, hand.contact_bodies, "contact body", hand.name
        ),
        sensor_adr=sensors,
    )


def compile_scene(
    hand: HandModel,
    obj: ObjectLike | None,
    scale: float = 1.0,
    options: SceneOptions | None = None,
) -> tuple[mujoco.MjModel, SceneIndex]:
    """Compile :func:`build_scene_spec` and index it.

    Returns:
        ``(model, index)``; raises ``ValueError`` naming the hand/object when compilation fails.
    """
    spec = build_scene_spec(hand, obj, scale, options)
    try:
        model = spec.compile()
    except ValueError as exc:
        what = f"hand {hand.name!r}" + (f" + object {obj.name!r} at scale {scale}" if obj is not None else "")
        raise ValueError(f"{what}: scene failed to compile: {exc}") from exc
    if tuple(model.body_pos[mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_BODY, HAND_BASE_BODY)]) != BASE_POS:
        raise ValueError(f"hand {hand.name!r}: body {HAND_BASE_BODY!r} must sit at {BASE_POS}")
    return model, index_scene(model, hand, with_object=obj is not None)
