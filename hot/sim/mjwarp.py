"""MuJoCo Warp backend: N worlds as one ``mujoco_warp`` batch (``nworld = num_envs``) on a GPU or on Warp's CPU device.

The model comes from the same :func:`hot.sim.scene.compile_scene` as the CPU backend
(``hot.sim.mujoco_cpu``), and every reading has the same meaning and timing as there (see that
module's docstring): after :meth:`MjWarpSim.step` positions, orientations and velocities describe
the new state (kinematics and COM velocities are recomputed after the last substep), the
``<contact>`` sensors hold the values of the last physics substep. Design notes, feature support
and measured parity are in ``docs/dev/MJWARP.md``.

Per-world object scale: **per-world model fields**, not one batch per scale bucket. The model put on
the device is a "union" model: the scene at the smallest scale plus, on a static holder body that
collides with nothing, one copy of the object's hull meshes at every other scale (a collision-enabled
geom must reference a mesh, or the compiler skips its convex hull and graph). Every model field that
differs between scales (object mass, inertia, geom size / AABB / rbound / pos, body_subtreemass,
invweight0, ...) is given a leading ``nworld`` dimension and filled from the C model compiled at that
world's scale; ``geom_dataid`` points each world's object geoms at its scale's meshes. Cost: the
extra meshes, and ``nworld`` copies of those small per-body / per-geom arrays; every world still runs
in the same kernels (one launch per stage for all scales). A field that differs between scales but
that mujoco_warp cannot batch raises ``NotImplementedError`` naming it, never silently shared.

Contact and constraint buffers: ``nconmax`` (contacts per world, pooled over worlds:
``naconmax = nconmax * nworld``) and ``njmax`` (constraint rows, hard limit per world) are sized from
the model (:func:`default_buffer_sizes`). mujoco_warp keeps counting past a full buffer and drops the
rest; this backend records the peak counts on the device after every physics step and raises
:class:`BufferOverflowError` with the size to use, so dropped contacts never pass silently.
"""

from __future__ import annotations

import dataclasses
import math
import os
import time
from collections.abc import Sequence

import mujoco
import numpy as np
import torch

from hot.assets.hands.base import HandModel
from hot.sim import MJWARP_INSTALL_HINT
from hot.sim.base import SimBackend
from hot.sim.mujoco_cpu import _np, quantise_scales
from hot.sim.scene import (
    HAND_CONTACT_COUNT,
    HAND_OBJ_DIST,
    OBJ_HAND_FORCE,
    OBJECT_BODY,
    ObjectLike,
    SceneIndex,
    SceneOptions,
    build_scene_spec,
    compile_scene,
    contact_force_sensor,
    index_scene,
    position_gains,
)
from hot.sim.state import SimState

try:
    import mujoco_warp as mjw
    import warp as wp
except ImportError as _exc:  # the module is imported only when --sim mjwarp is asked for
    raise ImportError(
        f"sim backend 'mjwarp' needs MuJoCo Warp, which is not installed: {MJWARP_INSTALL_HINT}"
    ) from _exc

__all__ = [
    "MjWarpSim",
    "BufferOverflowError",
    "default_buffer_sizes",
    "object_buffer_sizes",
    "resolve_buffer_sizes",
    "check_buffer_peaks",
    "read_peaks",
    "record_peaks",
    "step_guarded",
    "init_warp",
    "set_model_field",
    "run_cached",
    "CONTACTS_PER_HULL",
    "MIN_NCONMAX",
]

CONTACTS_PER_HULL = 16
"""Default contact budget per object hull and world: a hull resting on the platform gives up to 4
(multi-contact polygon), each hand segment touching it 1-4. Measured peaks with C MuJoCo on the
shipped Bottle clips (2 hulls): 14 (Allegro), 12 (MANO), 21 (Shadow) contacts in one world, means
4-7 (docs/dev/MJWARP.md)."""
MIN_NCONMAX = 32
"""Lower bound of the default ``nconmax``."""
NCONMAX_ENV = "HOT_MJWARP_NCONMAX"
"""Environment variable: contacts per world, instead of the automatic size (an explicit ``nconmax`` wins)."""
NJMAX_ENV = "HOT_MJWARP_NJMAX"
"""Environment variable: constraint rows per world, instead of the automatic size (``njmax`` wins)."""

_HOLDER_BODY = "mjwarp_mesh_holder"
# Model fields that may differ between object scales and that mujoco_warp does not batch, with why
# they can stay shared: dof_length only weights velocities for sleeping (disabled here); mesh arrays
# hold every scale's meshes (selected per world through geom_dataid); bvh/name arrays are not read
# by the physics.
_SHARED_OK = {"dof_length"}
_SHARED_OK_PREFIX = ("mesh_", "bvh_", "name_", "names")

# OverflowType bits that mean a buffer was too small (ITERATIONS / LS_ITERATIONS only say that a
# solver hit its iteration cap, which C MuJoCo does not flag either).
_BUFFER_BITS = int(
    mjw.OverflowType.NEFC
    | mjw.OverflowType.NJMAX_NNZ
    | mjw.OverflowType.BROADPHASE
    | mjw.OverflowType.NARROWPHASE
    | mjw.OverflowType.CCD
    | mjw.OverflowType.CONTACT_MATCH
)
_MAXVAL = 1e10  # MuJoCo's mjMAXVAL: |qpos| or |qvel| above it counts as diverged (mj_checkPos/Vel)


class BufferOverflowError(RuntimeError):
    """A MuJoCo Warp contact/constraint buffer was too small for a step (its results are wrong)."""


# ---------------------------------------------------------------------------------------- kernels
# Warp's kernel syntax annotates arguments with calls (wp.array(dtype=...)), which a type checker refuses
@wp.kernel
def _record_peaks(
    nacon: wp.array(dtype=wp.int32),  # pyright: ignore[reportInvalidTypeForm]
    ncollision: wp.array(dtype=wp.int32),  # pyright: ignore[reportInvalidTypeForm]
    nefc: wp.array(dtype=wp.int32),  # pyright: ignore[reportInvalidTypeForm]
    overflow: wp.array(dtype=wp.int32),  # pyright: ignore[reportInvalidTypeForm]
    buffer_bits: wp.int32,
    peaks: wp.array(dtype=wp.int32),  # pyright: ignore[reportInvalidTypeForm]
):
    """peaks = [max nacon, max ncollision, max nefc of any world, OR of buffer overflow bits]."""
    w = wp.tid()
    if w == 0:
        wp.atomic_max(peaks, 0, nacon[0])
        wp.atomic_max(peaks, 1, ncollision[0])
    wp.atomic_max(peaks, 2, nefc[w])
    bits = overflow[w] & buffer_bits
    if bits != 0:
        wp.atomic_or(peaks, 3, bits)


@wp.kernel
def _guard_worlds(
    qpos0: wp.array2d(dtype=wp.float32),  # pyright: ignore[reportInvalidTypeForm]
    qpos: wp.array2d(dtype=wp.float32),  # pyright: ignore[reportInvalidTypeForm]
    qvel: wp.array2d(dtype=wp.float32),  # pyright: ignore[reportInvalidTypeForm]
    qacc_warmstart: wp.array2d(dtype=wp.float32),  # pyright: ignore[reportInvalidTypeForm]
    sensordata: wp.array2d(dtype=wp.float32),  # pyright: ignore[reportInvalidTypeForm]
    maxval: wp.float32,
    bad: wp.array(dtype=wp.int32),  # pyright: ignore[reportInvalidTypeForm]
):
    """A world with a non-finite or huge qpos/qvel is put back at qpos0 at rest and flagged, as
    C MuJoCo's mj_checkPos/Vel/Acc do (warning + mj_resetData), so NaNs never reach observations."""
    w = wp.tid()
    ok = int(1)  # noqa: UP018 -- Warp needs the call to make a mutable (dynamic) loop variable
    for i in range(qpos.shape[1]):
        if not (wp.abs(qpos[w, i]) <= maxval):  # False for NaN too
            ok = 0
    for i in range(qvel.shape[1]):
        if not (wp.abs(qvel[w, i]) <= maxval):
            ok = 0
    if ok == 0:
        bad[w] = 1
        row = w % qpos0.shape[0]
        for i in range(qpos.shape[1]):
            qpos[w, i] = qpos0[row, i]
        for i in range(qvel.shape[1]):
            qvel[w, i] = 0.0
            qacc_warmstart[w, i] = 0.0
        for i in range(sensordata.shape[1]):
            sensordata[w, i] = 0.0


# ---------------------------------------------------------------------------------------- sizing
def _constraint_rows_per_contact(model: mujoco.MjModel) -> int:
    condim = int(max(model.geom_condim.max(initial=1), model.pair_dim.max(initial=1)))
    if model.opt.cone == mujoco.mjtCone.mjCONE_ELLIPTIC:
        return condim
    return max(1, 2 * (condim - 1))  # pyramidal


def default_buffer_sizes(model: mujoco.MjModel, index: SceneIndex) -> tuple[int, int]:
    """Default ``(nconmax, njmax)`` of a scene.

    ``nconmax`` = max(MIN_NCONMAX, CONTACTS_PER_HULL x object hulls) contacts per world (pooled:
    worlds share ``nconmax * nworld`` slots). ``njmax`` = the rows of ``nconmax`` contacts
    (condim each, elliptic cones) + one row per limited joint / tendon, per DoF or tendon with
    friction loss, and 6 per equality constraint, so one world can use the whole contact budget.
    """
    return object_buffer_sizes(model, index.object_body_id)


def object_buffer_sizes(model: mujoco.MjModel, object_body_id: int) -> tuple[int, int]:
    """:func:`default_buffer_sizes` of any model whose object is body ``object_body_id`` (-1: none);
    its geoms count as the hulls."""
    hulls = 0
    if object_body_id >= 0:
        hulls = int(model.body_geomnum[object_body_id])
    nconmax = max(MIN_NCONMAX, CONTACTS_PER_HULL * hulls)
    fixed = (
        int(model.jnt_limited.sum())
        + int(model.tendon_limited.sum())
        + int((model.dof_frictionloss > 0).sum())
        + int((model.tendon_frictionloss > 0).sum())
        + 6 * int(model.neq)
    )
    njmax = _constraint_rows_per_contact(model) * nconmax + fixed
    return nconmax, njmax


def resolve_buffer_sizes(
    auto: tuple[int, int], nconmax: int | None = None, njmax: int | None = None
) -> tuple[int, int]:
    """``(nconmax, njmax)`` in use: an explicit value, else ``HOT_MJWARP_NCONMAX`` / ``HOT_MJWARP_NJMAX``,
    else ``auto`` (from :func:`default_buffer_sizes` / :func:`object_buffer_sizes`)."""
    return (
        int(nconmax or _env_int(NCONMAX_ENV) or auto[0]),
        int(njmax or _env_int(NJMAX_ENV) or auto[1]),
    )


def _env_int(name: str) -> int | None:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return None
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"environment variable {name}={raw!r}: expected a positive integer") from None
    if value < 1:
        raise ValueError(f"environment variable {name}={raw!r}: expected a positive integer")
    return value


# ---------------------------------------------------------------------------------------- model
def _free_collision_bit(spec: mujoco.MjSpec) -> int:
    """A contype bit that no geom's conaffinity has: a geom with it (and conaffinity 0) collides with nothing."""
    used = 0
    for g in spec.geoms:
        used |= int(g.conaffinity)
    for bit in range(31):
        if not used & (1 << bit):
            return 1 << bit
    raise ValueError("every collision bit is used by some geom's conaffinity; cannot add mesh holders")


def _union_model(
    hand: HandModel, obj: ObjectLike, scales: Sequence[float], options: SceneOptions | None
) -> tuple[mujoco.MjModel, dict[float, np.ndarray]]:
    """The scene at ``scales[0]`` plus the object's hull meshes at the other scales.

    Returns ``(model, mesh_ids)``: ``mesh_ids[s][i]`` is the mesh of hull ``i`` at scale ``s``.
    """
    spec = build_scene_spec(hand, obj, scales[0], options)
    obj_geoms = [g for g in spec.geoms if g.name.startswith(f"{OBJECT_BODY}_geom")]
    base_meshes = [g.meshname for g in obj_geoms]
    names = {scales[0]: list(base_meshes)}
    if len(scales) > 1:
        holder = spec.worldbody.add_body(name=_HOLDER_BODY)
        bit = _free_collision_bit(spec)
        for s in scales[1:]:
            names[s] = []
            for mesh_name in base_meshes:
                src = spec.mesh(mesh_name)
                mesh = spec.add_mesh(name=f"{mesh_name}@{s!r}")
                mesh.uservert = list(src.uservert)
                mesh.userface = list(src.userface)
                mesh.scale = [s, s, s]
                # collision-enabled (contype set) so that the compiler builds the hull and graph
                # mujoco_warp's convex collision uses; conaffinity 0 + a free bit: touches nothing
                holder.add_geom(
                    name=f"mjwarp_holder:{mesh.name}",
                    type=mujoco.mjtGeom.mjGEOM_MESH,
                    meshname=mesh.name,
                    contype=bit,
                    conaffinity=0,
                    mass=0.0,
                    group=5,
                )
                names[s].append(mesh.name)
    try:
        model = spec.compile()
    except ValueError as exc:
        raise ValueError(
            f"hand {hand.name!r} + object {obj.name!r}: MuJoCo Warp scene failed to compile: {exc}"
        ) from exc
    ids = {
        s: np.array([mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_MESH, n) for n in ns], dtype=np.int64)
        for s, ns in names.items()
    }
    return model, ids


def _batchable_fields() -> dict[str, object]:
    """mujoco_warp Model array fields that accept a leading per-world dimension ("*")."""
    out = {}
    for f in dataclasses.fields(mjw.Model):
        shape = getattr(f.type, "shape", None)
        if isinstance(shape, tuple) and shape and shape[0] == "*":
            out[f.name] = f.type
    return out


def _model_fields() -> set[str]:
    return {f.name for f in dataclasses.fields(mjw.Model)}


def _restrict(value: np.ndarray, union: mujoco.MjModel, ref: mujoco.MjModel) -> np.ndarray:
    """Rows of a union-model array that exist in ``ref`` (the holder body / geoms are appended last)."""
    if value.ndim and union.nbody != ref.nbody and value.shape[0] == union.nbody:
        return value[: ref.nbody]
    if value.ndim and union.ngeom != ref.ngeom and value.shape[0] == union.ngeom:
        return value[: ref.ngeom]
    return value


def _per_world_fields(
    union: mujoco.MjModel,
    models: dict[float, mujoco.MjModel],
    mesh_ids: dict[float, np.ndarray],
    obj_geoms: np.ndarray,
    world_scales: np.ndarray,
) -> dict[str, np.ndarray]:
    """``{field: (nworld, ...) array}`` for every model field that differs between the worlds' scales.

    Raises ``NotImplementedError`` for a differing field that mujoco_warp cannot batch.
    """
    batchable = _batchable_fields()
    used = _model_fields()
    n = len(world_scales)
    out: dict[str, np.ndarray] = {}
    for name in sorted(used):
        uval = getattr(union, name, None)
        if not isinstance(uval, np.ndarray) or name.startswith(_SHARED_OK_PREFIX):
            continue
        per_scale = {s: getattr(m, name) for s, m in models.items()}
        base = _restrict(uval, union, next(iter(models.values())))
        if all(v.shape == base.shape and np.array_equal(v, base) for v in per_scale.values()):
            continue
        if name == "geom_dataid":
            continue  # set below from mesh_ids
        if name not in batchable:
            if name in _SHARED_OK:
                continue
            raise NotImplementedError(
                f"model field {name!r} differs between object scales but mujoco_warp {mjw.__version__} "
                "cannot give it per-world values; run one object scale (no --obj_rand_scale) or use --sim mujoco"
            )
        arr = np.broadcast_to(uval, (n, *uval.shape)).copy()
        for s, v in per_scale.items():
            arr[world_scales == s, : v.shape[0] if v.ndim else None] = v
        out[name] = arr
    if len(models) > 1:
        dataid = np.broadcast_to(union.geom_dataid, (n, union.ngeom)).copy()
        for s in models:
            dataid[np.ix_(world_scales == s, obj_geoms)] = mesh_ids[s]
        out["geom_dataid"] = dataid
    return out


# ---------------------------------------------------------------------------------------- shared helpers
# (also used by hot.sim.warp_worlds, the MuJoCo Warp blocks of the in-hand env)
def init_warp(quiet: bool = True) -> None:
    """``wp.init()``; ``quiet`` silences Warp's banner and per-module compile messages (raises
    ``warp.config.log_level`` to warnings; process-wide, as Warp's config is)."""
    if quiet:  # warp >= 1.17 logs by level (one line per compiled module at INFO); older: config.quiet
        if hasattr(wp, "LOG_WARNING"):
            wp.config.log_level = max(wp.config.log_level, wp.LOG_WARNING)
        else:
            wp.config.quiet = True  # pyright: ignore[reportAttributeAccessIssue]  # older Warp only
    wp.init()


def set_model_field(m: mjw.Model, model: mujoco.MjModel, name: str, values: np.ndarray, why: str) -> None:
    """Overwrite the (per-world) device field ``m.<name>`` with ``values`` (leading dimension = its batch).

    Raises ``NotImplementedError`` (ending with ``why``) when ``put_model`` stored the C field
    ``model.<name>`` transformed, since values in C layout would then be wrong.
    """
    arr = getattr(m, name)
    target = (*arr.shape, *getattr(arr.dtype, "_shape_", ()))
    stored = arr.numpy().reshape(target)[0]
    if not np.allclose(stored.reshape(-1), np.asarray(getattr(model, name)).reshape(-1)):
        raise NotImplementedError(
            f"mujoco_warp {mjw.__version__} stores model field {name!r} transformed; {why}"
        )
    arr.assign(wp.array(values.reshape(target).astype(stored.dtype), dtype=arr.dtype, shape=arr.shape))


def run_cached(graphs: dict, warmed: set, use_graph: bool, key: object, work, *args) -> None:
    """Run ``work(*args)`` on the current Warp device. With ``use_graph`` (CUDA only): the first call
    runs plainly (it compiles and loads the kernels, which cannot happen inside a capture), the
    second captures the work as a graph in ``graphs[key]`` and launches it, later calls replay it."""
    captured = graphs.get(key)
    if captured is not None:
        wp.capture_launch(captured)
    elif not use_graph or key not in warmed:
        work(*args)
        warmed.add(key)
    else:
        with wp.ScopedCapture() as capture:
            work(*args)
        captured = graphs[key] = capture.graph
        assert captured is not None  # set when the capture block exits
        wp.capture_launch(captured)


def record_peaks(d: mjw.Data, n: int, peaks: wp.array) -> None:
    """Fold this step's buffer use of the ``n`` worlds of ``d`` into ``peaks`` (see :func:`read_peaks`)."""
    wp.launch(
        _record_peaks,
        dim=n,
        inputs=[d.nacon, d.ncollision, d.nefc, d.overflow, _BUFFER_BITS],
        outputs=[peaks],
    )


def step_guarded(m: mjw.Model, d: mjw.Data, n: int, nstep: int, peaks: wp.array, bad: wp.array) -> None:
    """``nstep`` x (``mujoco_warp.step``, :func:`record_peaks`, divergence guard): a world whose state is
    non-finite or huge is put back at qpos0 at rest and flagged in ``bad`` (``n`` int32)."""
    for _ in range(nstep):
        mjw.step(m, d)
        record_peaks(d, n, peaks)
        wp.launch(
            _guard_worlds,
            dim=n,
            inputs=[m.qpos0, d.qpos, d.qvel, d.qacc_warmstart, d.sensordata, _MAXVAL],
            outputs=[bad],
        )


def read_peaks(peaks: wp.array) -> dict[str, int]:
    """The buffer peaks recorded by ``_record_peaks`` in ``peaks`` (4 int32) as a dict."""
    p = peaks.numpy()
    return {
        "contacts": int(p[0]),
        "broadphase_pairs": int(p[1]),
        "rows_per_world": int(p[2]),
        "overflow_bits": int(p[3]),
    }


def check_buffer_peaks(
    p: dict[str, int], n: int, naconmax: int, nconmax: int, njmax: int, owner: str | None = "MjWarpSim"
) -> None:
    """Raise :class:`BufferOverflowError` when the peaks ``p`` (:func:`read_peaks`) of ``n`` worlds
    exceed the buffers; the message gives the size to use (``owner``: the class whose ``nconmax=`` /
    ``njmax=`` arguments set them too, None: only the environment variables)."""
    problems = []
    need = max(p["contacts"], p["broadphase_pairs"])
    also = (lambda arg: f", or {owner}({arg}=...)") if owner else (lambda arg: "")
    if need > naconmax:
        # the narrowphase only runs the pairs that fit, so after a broadphase overflow the
        # contact count is a lower bound (the suggestion may need a second round)
        bound = " at least" if p["broadphase_pairs"] > naconmax else ""
        problems.append(
            f"{p['contacts']} contacts ({p['broadphase_pairs']} broadphase pairs) in one step across {n} worlds, "
            f"but the contact buffer holds naconmax = {naconmax} (nconmax {nconmax} per world); "
            f"use nconmax >= {math.ceil(need / n)}{bound} "
            f"({NCONMAX_ENV}={math.ceil(need / n)} in the environment{also('nconmax')})"
        )
    if p["rows_per_world"] > njmax:
        problems.append(
            f"{p['rows_per_world']} constraint rows in one world, but njmax = {njmax}; "
            f"use njmax >= {p['rows_per_world']} "
            f"({NJMAX_ENV}={p['rows_per_world']} in the environment{also('njmax')})"
        )
    other = p["overflow_bits"] & ~int(
        mjw.OverflowType.NEFC | mjw.OverflowType.BROADPHASE | mjw.OverflowType.NARROWPHASE
    )
    if other:
        names = [
            f.name for f in mjw.OverflowType if f.value and not f.value & (f.value - 1) and other & f.value
        ]
        problems.append(f"mujoco_warp buffer overflow {names} (see mujoco_warp.OverflowType)")
    if problems:
        raise BufferOverflowError(
            "MuJoCo Warp buffer overflow, results of the overflowing step are wrong (dropped contacts or "
            "constraints): " + "; ".join(problems)
        )


# ---------------------------------------------------------------------------------------- backend
class MjWarpSim(SimBackend):
    """N hand + object worlds on MuJoCo Warp.

    Args:
        hand: the hand contract.
        obj: object asset (duck-typed ``ObjectLike``) or None for hand-only worlds.
        num_envs: N (= mujoco_warp ``nworld``).
        scales: (N,) object scale per world, or None for 1.0 everywhere.
        nthread: accepted for interface compatibility with the CPU backend; unused (Warp's CPU
            device runs kernels on one thread).
        device: torch device of the returned tensors. The physics runs on ``warp_device``.
        options: scene physics options.
        scale_step: quantisation of ``scales`` (as the CPU backend, so both simulate the same scales).
        warp_device: Warp device; default: ``device`` when it is a CUDA device, else ``"cpu"``.
        nconmax: contacts per world (pooled over worlds); default from :func:`default_buffer_sizes`,
            or the environment variable ``HOT_MJWARP_NCONMAX``.
        njmax: constraint rows per world; default likewise, or ``HOT_MJWARP_NJMAX``.
        cuda_graph: capture each ``step(substeps)`` (and the reset pass) as a CUDA graph; default
            True on CUDA. Not available on Warp's CPU device (plain launches there).
        check_overflow: raise :class:`BufferOverflowError` after a step that overflowed a buffer
            (one small device-to-host read per step). Turning it off loses the check, not the record:
            :meth:`buffer_peaks` still reports the peaks.
        quiet: silence Warp's banner and per-module compile messages (raises ``warp.config.log_level``
            to warnings; process-wide, as Warp's config is).

    Attributes:
        models: C MuJoCo model per simulated scale (the CPU backend's models, for comparison).
        model: the union model put on the device.
        m, d: mujoco_warp ``Model`` and ``Data``.
        nconmax, njmax: buffer sizes in use.
    """

    def __init__(
        self,
        hand: HandModel,
        obj: ObjectLike | None,
        num_envs: int,
        scales: torch.Tensor | np.ndarray | Sequence[float] | None = None,
        nthread: int | None = None,
        device: str | torch.device = "cpu",
        options: SceneOptions | None = None,
        scale_step: float = 0.01,
        warp_device: str | None = None,
        nconmax: int | None = None,
        njmax: int | None = None,
        cuda_graph: bool | None = None,
        check_overflow: bool = True,
        quiet: bool = True,
    ) -> None:
        del nthread  # see docstring
        if num_envs < 1:
            raise ValueError(f"num_envs must be >= 1, got {num_envs}")
        self._hand = hand
        self._obj = obj
        self._n = int(num_envs)
        self._device = torch.device(device)
        raw = np.ones(self._n) if scales is None else _np(scales, (self._n,), "scales")
        if not np.all(raw > 0):
            raise ValueError(f"scales must all be > 0, got min {raw.min()}")
        self._scales = quantise_scales(raw, scale_step) if obj is not None else np.ones(self._n)

        init_warp(quiet)
        if warp_device is None:
            warp_device = str(self._device) if self._device.type == "cuda" else "cpu"
        self._wdev = wp.get_device(warp_device)
        self._cuda = self._wdev.is_cuda
        self._torch_dev = torch.device(wp.device_to_torch(self._wdev))
        self._torch_streams: dict[int, wp.Stream] = {}
        if cuda_graph and not self._cuda:
            raise ValueError(
                "cuda_graph=True needs a CUDA warp_device (graphs do not exist on Warp's CPU device)"
            )
        self._use_graph = self._cuda if cuda_graph is None else bool(cuda_graph)
        self._check = bool(check_overflow)

        # C models per scale (identical to the CPU backend's), then the union model for the device
        distinct = sorted(set(self._scales.tolist()))
        self.models: dict[float, mujoco.MjModel] = {}
        index: SceneIndex | None = None
        for s in distinct:
            model, idx = compile_scene(hand, obj, s, options)
            self.models[s] = model
            index = index or idx
        assert index is not None
        self.index = index
        first = self.models[distinct[0]]
        if obj is not None and len(distinct) > 1:
            self.model, mesh_ids = _union_model(hand, obj, distinct, options)
            if index_scene(self.model, hand).sensor_adr != index.sensor_adr:
                raise ValueError("MuJoCo Warp union model: sensor layout differs from the scene's")
        else:
            self.model, mesh_ids = first, {distinct[0]: np.zeros(0, np.int64)}
        obj_geoms = (
            np.flatnonzero(first.geom_bodyid == index.object_body_id)
            if obj is not None
            else np.zeros(0, np.int64)
        )
        per_world = _per_world_fields(self.model, self.models, mesh_ids, obj_geoms, self._scales)

        self.nconmax, self.njmax = resolve_buffer_sizes(default_buffer_sizes(first, index), nconmax, njmax)

        t0 = time.perf_counter()
        with wp.ScopedDevice(self._wdev):
            mjd = mujoco.MjData(self.model)
            self.m = mjw.put_model(self.model, batch_sizes={k: self._n for k in per_world})
            # buffer overflows are raised by this class with the size to use; solver iteration caps
            # are not errors (C MuJoCo does not warn about them either)
            self.m.opt.warn_overflow = _BUFFER_BITS
            for name, values in per_world.items():
                set_model_field(self.m, self.model, name, values, "per-world object scales cannot fill it")
            self.d = mjw.put_data(self.model, mjd, nworld=self._n, nconmax=self.nconmax, njmax=self.njmax)
            self._peaks = wp.zeros(4, dtype=wp.int32)
            self._bad = wp.zeros(self._n, dtype=wp.int32)
            self._reset_mask = wp.zeros(self._n, dtype=wp.bool)
        self.put_seconds = time.perf_counter() - t0
        self.first_step_seconds: float | None = None
        self._graphs: dict[object, object] = {}
        self._warmed: set[object] = set()

        # zero-copy torch views of the device arrays (shared memory, same device)
        t = wp.to_torch
        d = self.d
        self._qpos, self._qvel, self._ctrl = t(d.qpos), t(d.qvel), t(d.ctrl)
        self._xpos, self._xquat = t(d.xpos), t(d.xquat)
        self._cvel, self._subtree_com = t(d.cvel), t(d.subtree_com)
        self._sensordata = t(d.sensordata)
        self._bad_t = t(self._bad)
        self._mask_t = t(self._reset_mask)
        tdev = self._qpos.device

        ix = self.index

        def lt(a: np.ndarray) -> torch.Tensor:
            return torch.as_tensor(np.asarray(a, dtype=np.int64), device=tdev)

        self._dof_q, self._dof_v, self._act = lt(ix.dof_qpos_adr), lt(ix.dof_qvel_adr), lt(ix.actuator_ids)
        self._key_ids = lt(ix.key_body_ids)
        self._key_root = lt(first.body_rootid[ix.key_body_ids])
        self._obj_id = ix.object_body_id
        self._obj_root = int(first.body_rootid[self._obj_id]) if obj is not None else -1
        self._cf_adr = lt(
            np.array(
                [np.arange(3) + ix.sensor_adr[contact_force_sensor(c)][0] for c in hand.contact_bodies],
                dtype=np.int64,
            ).reshape(-1, 3)
        )
        self._count_adr = ix.sensor_adr[HAND_CONTACT_COUNT][0]
        if obj is not None:
            self._objf = ix.sensor_slice(OBJ_HAND_FORCE)
            self._dist_adr = ix.sensor_adr[HAND_OBJ_DIST][0]
            self._obj_qa, self._obj_va = lt(ix.obj_qpos_adr), lt(ix.obj_qvel_adr)
        self._dof_limits = torch.as_tensor(ix.dof_limits, dtype=torch.float32, device=self._device)
        # every world at the model default (qpos0, targets 0) with its kinematics. No collision pass:
        # the default state overlaps hand and object, and its contacts could overflow buffers sized
        # for real scenes before the first reset places anything (contact sensors read 0 until then).
        self._run("kinematics", self._kinematics_work, graph=False)  # once

    # ---- interface properties -------------------------------------------------------------------
    @property
    def num_envs(self) -> int:
        return self._n

    @property
    def hand(self) -> HandModel:
        return self._hand

    @property
    def device(self) -> torch.device:
        return self._device

    @property
    def warp_device(self) -> str:
        """The Warp device the physics runs on (``"cpu"`` or ``"cuda:N"``)."""
        return str(self._wdev)

    @property
    def dof_limits(self) -> torch.Tensor:
        return self._dof_limits

    @property
    def pd_gains(self) -> torch.Tensor:
        """(D, 2) float32 position-actuator gains (kp, kv) in ``hand.dof_names`` order."""
        gains = position_gains(next(iter(self.models.values())), self.index.actuator_ids)
        return torch.as_tensor(gains, dtype=torch.float32, device=self._device)

    @property
    def object_scales(self) -> torch.Tensor:
        return torch.as_tensor(self._scales, dtype=torch.float32, device=self._device)

    # ---- torch <-> warp stream order (CUDA only; Warp's CPU launches are synchronous) --------------
    def _torch_stream(self) -> wp.Stream | None:
        """Torch's current stream as a Warp stream, or None for the legacy default stream, which
        already orders itself against Warp's (blocking) streams."""
        ts = torch.cuda.current_stream(self._torch_dev)
        if ts.cuda_stream == 0:
            return None
        ws = self._torch_streams.get(ts.cuda_stream)
        if ws is None:
            ws = self._torch_streams[ts.cuda_stream] = wp.stream_from_torch(ts)
        return ws

    def _torch_before_warp(self) -> None:
        if self._cuda and (ts := self._torch_stream()) is not None:
            wp.get_stream(self._wdev).wait_stream(ts)

    def _warp_before_torch(self) -> None:
        if self._cuda and (ts := self._torch_stream()) is not None:
            ts.wait_stream(wp.get_stream(self._wdev))

    # ---- warp work --------------------------------------------------------------------------------
    def _record(self) -> None:
        record_peaks(self.d, self._n, self._peaks)

    def _step_work(self, substeps: int) -> None:
        step_guarded(self.m, self.d, self._n, substeps, self._peaks, self._bad)
        self._kinematics_work()  # the new state's poses and velocities (CPU backend: mjSTAGE_VEL)

    def _kinematics_work(self) -> None:
        mjw.kinematics(self.m, self.d)
        mjw.com_pos(self.m, self.d)
        mjw.com_vel(self.m, self.d)

    def _reset_work(self) -> None:
        mjw.reset_data(self.m, self.d, reset=self._reset_mask)

    def _forward_work(self) -> None:
        mjw.forward(self.m, self.d)
        self._record()

    def _run(self, key: object, work, *args, graph: bool = True) -> None:
        """Run ``work(*args)`` on the Warp device. With CUDA graphs (and ``graph``): the first call
        runs plainly (it compiles and loads the kernels, which cannot happen inside a capture), the
        second captures the work as a graph and launches it, later calls replay the graph."""
        with wp.ScopedDevice(self._wdev):
            self._torch_before_warp()
            run_cached(self._graphs, self._warmed, self._use_graph and graph, key, work, *args)
            self._warp_before_torch()

    # ---- control --------------------------------------------------------------------------------
    def reset(
        self,
        env_ids: torch.Tensor,
        dof_pos: torch.Tensor,
        dof_vel: torch.Tensor,
        obj_pos: torch.Tensor,
        obj_rot: torch.Tensor,
        obj_lin_vel: torch.Tensor,
        obj_ang_vel: torch.Tensor,
    ) -> None:
        """See :meth:`SimBackend.reset`. ``mujoco_warp.reset_data`` on the masked worlds (clears
        warm start, controls, sensors), the new state written through the torch views, then one
        ``forward`` of all worlds; the other worlds' sensor readings are restored afterwards so they
        keep the values of their last step, exactly as the CPU backend's per-world ``forward(ids)``."""
        dev = self._qpos.device
        ids = torch.as_tensor(env_ids).reshape(-1).to(dev, torch.long)
        m, nd = ids.numel(), self._hand.num_dofs
        if m == 0:
            return
        if len(torch.unique(ids)) != m or int(ids.min()) < 0 or int(ids.max()) >= self._n:
            raise ValueError(f"env_ids must be unique indices in [0, {self._n}), got {ids.tolist()[:8]}...")

        def arg(x: torch.Tensor, shape: tuple[int, ...], what: str) -> torch.Tensor:
            x = torch.as_tensor(x)
            if tuple(x.shape) != shape:
                raise ValueError(f"{what}: expected shape {shape}, got {tuple(x.shape)}")
            return x.to(dev, torch.float32)

        q = arg(dof_pos, (m, nd), "dof_pos")
        qd = arg(dof_vel, (m, nd), "dof_vel")
        if self._obj is not None:
            pos = arg(obj_pos, (m, 3), "obj_pos")
            rot = arg(obj_rot, (m, 4), "obj_rot")
            rot = rot / rot.norm(dim=-1, keepdim=True)
            lin = arg(obj_lin_vel, (m, 3), "obj_lin_vel")
            ang = arg(obj_ang_vel, (m, 3), "obj_ang_vel")

        self._mask_t.zero_()
        self._mask_t.index_fill_(0, ids, True)
        # not captured: mujoco_warp.reset_data defines its kernels anew on every call
        self._run("reset", self._reset_work, graph=False)
        qpos_cols, qvel_cols = [(self._dof_q, q)], [(self._dof_v, qd)]
        if self._obj is not None:
            # freejoint qvel: linear velocity in world, angular velocity in the body frame
            qpos_cols.append((self._obj_qa, torch.cat([pos, rot], 1)))
            qvel_cols.append((self._obj_va, torch.cat([lin, _rotate_inv(rot, ang)], 1)))
        _write_rows(self._qpos, ids, qpos_cols)
        _write_rows(self._qvel, ids, qvel_cols)
        _write_rows(self._ctrl, ids, [(self._act, q)])
        self._bad_t.index_fill_(0, ids, 0)
        saved = self._sensordata.clone()
        self._run("forward", self._forward_work)
        self._sensordata.copy_(torch.where(self._mask_t[:, None], self._sensordata, saved))
        self.check_buffers()

    def set_targets(self, targets: torch.Tensor) -> None:
        t = torch.as_tensor(targets)
        if tuple(t.shape) != (self._n, self._hand.num_dofs):
            raise ValueError(
                f"targets: expected shape {(self._n, self._hand.num_dofs)}, got {tuple(t.shape)}"
            )
        self._ctrl.index_copy_(1, self._act, t.to(self._ctrl.device, torch.float32))

    def step(self, substeps: int = 2) -> None:
        substeps = int(substeps)
        if substeps < 1:
            raise ValueError(f"substeps must be >= 1, got {substeps}")
        first = self.first_step_seconds is None
        t0 = time.perf_counter()
        self._run(("step", substeps), self._step_work, substeps)
        if first:
            if self._cuda:
                wp.synchronize_device(self._wdev)
            self.first_step_seconds = time.perf_counter() - t0
        if self._check:
            self.check_buffers()

    # ---- buffers ------------------------------------------------------------------------------------
    def buffer_peaks(self) -> dict[str, int]:
        """Peak counts since construction: ``contacts`` (all worlds, one step), ``broadphase_pairs``,
        ``rows_per_world`` (max constraint rows of one world) and the OR of buffer ``overflow_bits``."""
        return read_peaks(self._peaks)

    def check_buffers(self) -> None:
        """Raise :class:`BufferOverflowError` if any step so far needed more than a buffer holds."""
        check_buffer_peaks(self.buffer_peaks(), self._n, int(self.d.naconmax), self.nconmax, self.njmax)

    # ---- readings -------------------------------------------------------------------------------
    def _out(self, x: torch.Tensor) -> torch.Tensor:
        return x.to(self._device)

    def state(self) -> SimState:
        """See :meth:`SimBackend.state`; every tensor is a fresh copy (never a view of device memory)."""
        n = self._n
        xpos, xquat, cvel, com = self._xpos, self._xquat, self._cvel, self._subtree_com
        sd = self._sensordata
        # index_select, not x[:, idx]: torch's CPU advanced indexing goes through its thread pool and
        # took ~8 ms per call on a loaded 2-core machine (index_select: ~10 us)
        kid = self._key_ids
        key_pos = xpos.index_select(1, kid)
        # cvel = [ang, lin] at the subtree COM of the body's root, world axes; shift to the body origin
        kv = cvel.index_select(1, kid)
        key_ang = kv[..., :3]
        key_lin = kv[..., 3:] + torch.cross(key_ang, key_pos - com.index_select(1, self._key_root), dim=-1)
        dev = xpos.device
        if self._obj is not None:
            o = self._obj_id
            obj_pos = xpos[:, o].clone()
            ov = cvel[:, o]
            obj_ang = ov[:, :3].clone()
            obj_lin = ov[:, 3:] + torch.cross(obj_ang, obj_pos - com[:, self._obj_root], dim=-1)
            obj_rot = xquat[:, o].clone()
            obj_force = sd[:, self._objf].clone()
            pen = torch.clamp(-sd[:, self._dist_adr], min=0.0)
        else:
            obj_pos = obj_lin = obj_ang = obj_force = torch.zeros(n, 3, device=dev)
            obj_rot = torch.tensor([[1.0, 0.0, 0.0, 0.0]], device=dev).repeat(n, 1)
            pen = torch.zeros(n, device=dev)
        o = self._out
        return SimState(
            dof_pos=o(self._qpos.index_select(1, self._dof_q)),
            dof_vel=o(self._qvel.index_select(1, self._dof_v)),
            key_pos=o(key_pos),
            key_rot=o(xquat.index_select(1, kid)),
            key_lin_vel=o(key_lin),
            key_ang_vel=o(key_ang.clone()),
            obj_pos=o(obj_pos),
            obj_rot=o(obj_rot),
            obj_lin_vel=o(obj_lin),
            obj_ang_vel=o(obj_ang),
            # the sensor gives the force the body exerts on the rest; the force on it is the negative
            contact_force=o(-sd.index_select(1, self._cf_adr.reshape(-1)).reshape(n, -1, 3)),
            obj_contact_force=o(obj_force),
            hand_contact=o(sd[:, self._count_adr] > 0),
            penetration=o(pen),
        )

    def diverged(self) -> torch.Tensor:
        """(N,) bool: a non-finite or huge qpos/qvel occurred since the world's last reset (the world
        was then put back at qpos0, like C MuJoCo's automatic reset)."""
        bad = self._bad_t != 0
        bad = bad | ~torch.isfinite(self._qpos).all(dim=1) | ~torch.isfinite(self._qvel).all(dim=1)
        return bad.to(self._device)

    def num_contacts(self) -> np.ndarray:
        """(N,) contacts per world in the last collision pass (diagnostics, as the CPU backend's)."""
        nacon = min(int(self.d.nacon.numpy()[0]), int(self.d.naconmax))
        worlds = self.d.contact.worldid.numpy()[:nacon]
        return np.bincount(worlds, minlength=self._n)[: self._n]


def _write_rows(dst: torch.Tensor, rows: torch.Tensor, cols: list[tuple[torch.Tensor, torch.Tensor]]) -> None:
    """``dst[rows[:, None], c] = v`` for each ``(c, v)``, through index_select / index_copy_ (see state())."""
    sub = dst.index_select(0, rows)
    for c, v in cols:
        sub.index_copy_(1, c, v)
    dst.index_copy_(0, rows, sub)


def _rotate_inv(q: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """Rotate ``v (M,3)`` by the inverse of unit wxyz quaternions ``q (M,4)``."""
    w = q[:, :1]
    u = -q[:, 1:]
    t = 2.0 * torch.cross(u, v, dim=-1)
    return v + w * t + torch.cross(u, t, dim=-1)
