"""CPU backend: N worlds on ``mujoco.batch.Batch`` (persistent, thread-pooled, bit-deterministic).

Per-world object scale: each distinct (quantised) scale compiles the scene once; worlds are run on
their own model with ``Batch.set_models`` (models of one spec at different mesh scales have the
same MjData layout). So every world's object is scaled independently, unlike upstream's shared
``obj_size`` quirk (spec §4.3).

Timing of the readings after ``step``: the batch steps with ``stage=mjSTAGE_VEL``, so positions,
orientations and velocities describe the new state; the ``<contact>`` sensors are
acceleration-stage and hold values from the last physics substep (1/120 s older).
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import mujoco
import numpy as np
import torch
from mujoco import batch as mjbatch

from hot.assets.hands.base import HandModel
from hot.sim.base import SimBackend
from hot.sim.scene import (
    HAND_CONTACT_COUNT,
    HAND_OBJ_DIST,
    OBJ_HAND_FORCE,
    ObjectLike,
    SceneIndex,
    SceneOptions,
    compile_scene,
    contact_force_sensor,
    position_gains,
)
from hot.sim.state import SimState

__all__ = ["MujocoCpuSim", "quantise_scales"]

_VEL = mujoco.mjtStage.mjSTAGE_VEL
_NONE = mujoco.mjtStage.mjSTAGE_NONE


def quantise_scales(scales: np.ndarray, step: float) -> np.ndarray:
    """Round scales to multiples of ``step`` (so few distinct models are compiled)."""
    if step <= 0:
        return np.asarray(scales, dtype=np.float64)
    return np.round(np.round(np.asarray(scales, dtype=np.float64) / step) * step, 10)


def _np(x: torch.Tensor | np.ndarray | Sequence[float], shape: tuple[int, ...], what: str) -> np.ndarray:
    arr = (
        x.detach().to("cpu", torch.float64).numpy()
        if isinstance(x, torch.Tensor)
        else np.asarray(x, np.float64)
    )
    if arr.shape != shape:
        raise ValueError(f"{what}: expected shape {shape}, got {tuple(arr.shape)}")
    return arr


def _slice_or_index(idx: np.ndarray) -> slice | np.ndarray:
    """A slice when ``idx`` is a contiguous ascending range (basic indexing: views, faster writes)."""
    if len(idx) and np.array_equal(idx, np.arange(idx[0], idx[0] + len(idx))):
        return slice(int(idx[0]), int(idx[0]) + len(idx))
    return idx


class MujocoCpuSim(SimBackend):
    """N hand + object worlds on ``mujoco.batch.Batch``.

    Args:
        hand: the hand contract.
        obj: object asset (duck-typed ``ObjectLike``) or None for hand-only worlds (object
            fields of the state are then zeros / identity).
        num_envs: N.
        scales: (N,) object scale per world, or None for 1.0 everywhere.
        nthread: batch threads; None = ``os.cpu_count()``.
        device: device of the returned tensors (physics runs on the CPU regardless).
        options: scene physics options.
        scale_step: quantisation of ``scales``; 0 compiles one model per exact value.
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
    ) -> None:
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

        # one compiled model per distinct scale, all from the same spec builder
        self.models: dict[float, mujoco.MjModel] = {}
        index: SceneIndex | None = None
        for s in sorted(set(self._scales.tolist())):
            model, idx = compile_scene(hand, obj, s, options)
            self.models[s] = model
            index = index or idx
        assert index is not None
        self.index = index
        first = self.models[float(self._scales[0])]
        for s, m in self.models.items():
            if (m.nq, m.nv, m.nu, m.nbody, m.nsensordata) != (
                first.nq,
                first.nv,
                first.nu,
                first.nbody,
                first.nsensordata,
            ):
                raise ValueError(
                    f"object {getattr(obj, 'name', '?')!r}: scale {s} gives a model of different size"
                )

        self.batch = mjbatch.Batch(first, self._n, nthread or os.cpu_count() or 1, persistent=True)
        if len(self.models) > 1:
            self.batch.set_models([self.models[float(s)] for s in self._scales])

        # bind every field before the first step (binding registers the field with the batch)
        b = self.batch
        self._qpos = b.bind("qpos")
        self._qvel = b.bind("qvel")
        self._ctrl = b.bind("ctrl")
        self._xpos = b.bind("xpos")
        self._xquat = b.bind("xquat")
        self._cvel = b.bind("cvel")
        self._subtree_com = b.bind("subtree_com")
        self._sensordata = b.bind("sensordata")
        self._ncon = b.bind("ncon")
        self._warning = b.warning  # (N, mjNWARNING, 2) [lastinfo, number], live; reset clears it

        ix = self.index
        self._dof_q = _slice_or_index(ix.dof_qpos_adr)
        self._dof_v = _slice_or_index(ix.dof_qvel_adr)
        self._act = _slice_or_index(ix.actuator_ids)
        self._dof_q_idx = ix.dof_qpos_adr
        self._dof_v_idx = ix.dof_qvel_adr
        self._act_idx = ix.actuator_ids
        self._key_ids = ix.key_body_ids
        self._key_root = first.body_rootid[ix.key_body_ids].astype(np.int64)
        self._obj_id = ix.object_body_id
        self._obj_root = int(first.body_rootid[self._obj_id]) if obj is not None else -1
        self._cf_adr = np.array(
            [np.arange(3) + ix.sensor_adr[contact_force_sensor(c)][0] for c in hand.contact_bodies],
            dtype=np.int64,
        ).reshape(-1, 3)
        self._count_adr = ix.sensor_adr[HAND_CONTACT_COUNT][0]
        if obj is not None:
            self._objf = ix.sensor_slice(OBJ_HAND_FORCE)
            self._dist_adr = ix.sensor_adr[HAND_OBJ_DIST][0]
        self._dof_limits = torch.as_tensor(ix.dof_limits, dtype=torch.float32, device=self._device)
        self._errored = np.zeros(self._n, dtype=bool)
        b.reset()  # every world at the model default; targets = 0 until reset()/set_targets()

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
    def dof_limits(self) -> torch.Tensor:
        return self._dof_limits

    @property
    def pd_gains(self) -> torch.Tensor:
        """(D, 2) float32 position-actuator gains (kp, kv) in ``hand.dof_names`` order."""
        gains = position_gains(next(iter(self.models.values())), self._act_idx)
        return torch.as_tensor(gains, dtype=torch.float32, device=self._device)

    @property
    def object_scales(self) -> torch.Tensor:
        return torch.as_tensor(self._scales, dtype=torch.float32, device=self._device)

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
        ids = np.asarray(
            env_ids.detach().cpu().numpy() if isinstance(env_ids, torch.Tensor) else env_ids, np.int64
        )
        ids = ids.reshape(-1)
        m, d = len(ids), self._hand.num_dofs
        if m == 0:
            return
        if len(np.unique(ids)) != m or ids.min() < 0 or ids.max() >= self._n:
            raise ValueError(f"env_ids must be unique indices in [0, {self._n}), got {ids.tolist()[:8]}...")
        order = np.argsort(ids)  # Batch wants sorted ids
        ids = ids[order]
        q = _np(dof_pos, (m, d), "dof_pos")[order]
        qd = _np(dof_vel, (m, d), "dof_vel")[order]

        b = self.batch
        b.reset(ids, stage=_NONE)  # discards earlier writes, clears warnings and warm-start
        rows = ids[:, None]
        self._qpos[rows, self._dof_q_idx] = q
        self._qvel[rows, self._dof_v_idx] = qd
        self._ctrl[rows, self._act_idx] = q
        if self._obj is not None:
            pos = _np(obj_pos, (m, 3), "obj_pos")[order]
            rot = _np(obj_rot, (m, 4), "obj_rot")[order]
            rot = rot / np.linalg.norm(rot, axis=-1, keepdims=True)
            lin = _np(obj_lin_vel, (m, 3), "obj_lin_vel")[order]
            ang = _np(obj_ang_vel, (m, 3), "obj_ang_vel")[order]
            # freejoint qvel: linear velocity in world, angular velocity in the body frame
            ang_local = _rotate_inv_np(rot, ang)
            qa, va = self.index.obj_qpos_adr, self.index.obj_qvel_adr
            self._qpos[rows, qa] = np.concatenate([pos, rot], axis=1)
            self._qvel[rows, va] = np.concatenate([lin, ang_local], axis=1)
        self._errored[ids] = False
        self._forward(ids)

    def set_targets(self, targets: torch.Tensor) -> None:
        t = _np(targets, (self._n, self._hand.num_dofs), "targets")
        if isinstance(self._act, slice):
            self._ctrl[:, self._act] = t
        else:
            self._ctrl[:, self._act_idx] = t

    def step(self, substeps: int = 2) -> None:
        try:
            self.batch.step(nstep=int(substeps), stage=_VEL)
        except mjbatch.SimulationError as exc:  # those worlds kept their state; others completed
            self._errored[np.asarray(exc.ids, dtype=np.int64)] = True

    def _forward(self, ids: np.ndarray | None) -> None:
        try:
            self.batch.forward(ids)
        except mjbatch.SimulationError as exc:
            self._errored[np.asarray(exc.ids, dtype=np.int64)] = True

    # ---- readings -------------------------------------------------------------------------------
    def _t(self, a: np.ndarray) -> torch.Tensor:
        # bound output arrays are read-only; basic slices of them are views, so copy those
        if not a.flags.writeable or not a.flags.c_contiguous:
            a = np.array(a, dtype=np.float32)
        return torch.from_numpy(a).to(self._device, torch.float32)

    def state(self) -> SimState:
        n = self._n
        xpos, xquat, cvel, com = self._xpos, self._xquat, self._cvel, self._subtree_com
        sd = self._sensordata

        kid = self._key_ids
        key_pos = xpos[:, kid]
        # cvel = [ang, lin] at the subtree COM of the body's root, world axes; shift to the body origin
        kv = cvel[:, kid]
        key_ang = kv[..., :3]
        key_lin = kv[..., 3:] + np.cross(key_ang, key_pos - com[:, self._key_root])

        if self._obj is not None:
            o = self._obj_id
            obj_pos = xpos[:, o]
            ov = cvel[:, o]
            obj_ang = ov[:, :3]
            obj_lin = ov[:, 3:] + np.cross(obj_ang, obj_pos - com[:, self._obj_root])
            obj_rot = xquat[:, o]
            obj_force = sd[:, self._objf]
            pen = np.maximum(-sd[:, self._dist_adr], 0.0)
        else:
            obj_pos = obj_lin = obj_ang = obj_force = np.zeros((n, 3))
            obj_rot = np.tile([1.0, 0.0, 0.0, 0.0], (n, 1))
            pen = np.zeros(n)

        dof_pos = (
            self._qpos[:, self._dof_q] if isinstance(self._dof_q, slice) else self._qpos[:, self._dof_q_idx]
        )
        dof_vel = (
            self._qvel[:, self._dof_v] if isinstance(self._dof_v, slice) else self._qvel[:, self._dof_v_idx]
        )
        return SimState(
            dof_pos=self._t(dof_pos),
            dof_vel=self._t(dof_vel),
            key_pos=self._t(key_pos),
            key_rot=self._t(xquat[:, kid]),
            key_lin_vel=self._t(key_lin),
            key_ang_vel=self._t(key_ang),
            obj_pos=self._t(obj_pos),
            obj_rot=self._t(obj_rot),
            obj_lin_vel=self._t(obj_lin),
            obj_ang_vel=self._t(obj_ang),
            # the sensor gives the force the body exerts on the rest; the force on it is the negative
            contact_force=self._t(-sd[:, self._cf_adr]),
            obj_contact_force=self._t(obj_force),
            hand_contact=torch.from_numpy(sd[:, self._count_adr] > 0).to(self._device),
            penetration=self._t(pen),
        )

    def diverged(self) -> torch.Tensor:
        bad = ~np.isfinite(self._qpos).all(axis=1) | ~np.isfinite(self._qvel).all(axis=1)
        bad |= self._warning[:, :, 1].sum(axis=1) > 0
        bad |= self._errored
        return torch.from_numpy(bad).to(self._device)

    def num_contacts(self) -> np.ndarray:
        """(N,) number of active contacts per world (diagnostics; CPU backend only)."""
        return self._ncon.reshape(self._n).copy()


def _rotate_inv_np(q: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Rotate ``v (M,3)`` by the inverse of unit wxyz quaternions ``q (M,4)``."""
    w = q[:, :1]
    u = -q[:, 1:]
    t = 2.0 * np.cross(u, v)
    return v + w * t + np.cross(u, t)
