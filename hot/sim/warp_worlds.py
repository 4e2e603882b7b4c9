"""A block of worlds on MuJoCo Warp: the same small interface as :class:`hot.sim.worlds.CpuWorlds`, on one
``mujoco_warp`` ``Model`` / ``Data`` pair (``nworld`` = the block's envs) on a GPU or on Warp's CPU device.
The in-hand env runs one block per object scale (``--sim mjwarp``).

Interface (:class:`hot.sim.worlds.CpuWorlds`): ``ids``, ``sl``, ``model`` (the block's C model), host numpy arrays ``qpos``, ``qvel``, ``ctrl``, ``xpos``, ``sensordata``, ``xfrc`` (N, ...) and
``model_fields`` (name -> (N, ...) per-world values), and ``reset(local)``, ``set_const(local)``,
``forward(local)``, ``step(nstep) -> local ids of diverged worlds``.

Host <-> device traffic (first version, deliberately simple): the numpy arrays are host mirrors of the
device arrays. On Warp's CPU device they *are* the device memory (zero-copy views, no copies at all);
on CUDA they are pinned host buffers and every control step copies ``ctrl`` and ``xfrc_applied`` to the
GPU and ``qpos``, ``qvel``, ``xpos``, ``sensordata`` back (a few hundred bytes per world); a reset also
uploads the per-world model fields. The env's torch tensors therefore stay on the host; keeping them on
the GPU (zero-copy ``wp.to_torch`` views, as :class:`hot.sim.mjwarp.MjWarpSim` does) is the next step.

Semantics, matching :class:`hot.sim.worlds.CpuWorlds` (``mujoco.batch`` with ``stage=mjSTAGE_VEL``):

* ``step``: ``nstep`` x (``mujoco_warp.step``, buffer-peak record, divergence guard), then ``kinematics``
  of the new state, so ``xpos`` is the new state's and ``sensordata`` (the fingertip touch sensors,
  acceleration stage) holds the values of the last physics substep. Captured as a CUDA graph on CUDA
  (plain launches on Warp's CPU device).
* ``reset(local)``: ``mujoco_warp.reset_data`` on those worlds (qpos0, zero velocities / controls / applied
  forces / warm start / sensors); ``forward(local)`` runs ``mujoco_warp.forward`` on every world (mujoco_warp
  has no per-world mask) and puts the other worlds' ``sensordata`` back, so they read what they read
  before, exactly as ``Batch.forward(ids)``.
* Per-world model fields: every field the env randomises (``expand``) gets a leading ``nworld``
  dimension on the device (``put_model(batch_sizes=...)``), so world ``i`` simulates with its own mass,
  centre of mass, friction and PD gains.
* Derived constants (``set_const``): mujoco_warp's kernels read constants that C's ``mj_setConst``
  derives from mass, inertia and centre of mass (``body_subtreemass``, ``body_invweight0``,
  ``dof_invweight0``: the latter two set the softness of the object's contacts). They are batched per
  world too and, for the reset worlds, computed on the host by C ``mj_setConst`` on a scratch copy of the
  model holding that world's values -- the same function ``Batch.set_const`` runs, so both backends use
  the same constants (float32-rounded here). Cost ~70 us per reset world on one CPU core.
  ``mujoco_warp.set_const`` would do it on the device, but for every world at once with ~160 solver
  launches per call; not used. Derived fields that mujoco_warp does not read (``dof_M0``, ``bvh_aabb``;
  ``dof_length`` only weights sleeping, which is off) are not updated.
* Divergence: mujoco_warp has no bad-state check; the guard kernel of :mod:`hot.sim.mjwarp` puts a
  world whose qpos / qvel is non-finite or huge back at qpos0 at rest and flags it; ``step`` returns the
  flagged worlds (``CpuWorlds``: ``SimulationError.ids``), and the env ends their episodes.
* Contact / constraint buffers: sized as the tracking backend's (:func:`hot.sim.mjwarp.object_buffer_sizes`,
  ``HOT_MJWARP_NCONMAX`` / ``HOT_MJWARP_NJMAX`` override); an overflow raises ``BufferOverflowError``
  with the size to use.
"""

from __future__ import annotations

import copy
import dataclasses

import mujoco
import numpy as np
import torch

from hot.sim.mjwarp import (
    _BUFFER_BITS,
    _SHARED_OK,
    _SHARED_OK_PREFIX,
    _batchable_fields,
    check_buffer_peaks,
    init_warp,
    mjw,
    object_buffer_sizes,
    read_peaks,
    record_peaks,
    resolve_buffer_sizes,
    run_cached,
    set_model_field,
    step_guarded,
    wp,
)

__all__ = ["WarpWorlds", "pick_warp_device", "derived_fields"]

_INPUTS = frozenset(mujoco.MjModel._setconst_inputs)
_OUTPUTS = tuple(mujoco.MjModel._setconst_outputs)


def pick_warp_device(torch_device: str | torch.device = "cpu", warp_device: str | None = None) -> str:
    """The Warp device of a block's physics: ``warp_device`` when given, else the torch device when it is
    CUDA, else ``cuda`` when Warp sees a CUDA device, else ``cpu``."""
    if warp_device:
        return str(warp_device)
    dev = torch.device(torch_device)
    if dev.type == "cuda":
        return str(dev)
    init_warp()
    return "cuda:0" if wp.is_cuda_available() else "cpu"


def derived_fields(model: mujoco.MjModel, expand: list[str]) -> list[str]:
    """mujoco_warp model fields that ``mj_setConst`` derives from the fields in ``expand`` (those must
    then be per world as well). Found by probing: every ``mj_setConst`` input in ``expand`` is changed
    on a scratch copy of ``model``, and each output that changes and that mujoco_warp reads is listed.

    Raises ``NotImplementedError`` for such an output that mujoco_warp cannot batch.
    """
    inputs = [f for f in expand if f in _INPUTS]
    if not inputs:
        return []
    probe = copy.copy(model)
    for f in inputs:
        a = getattr(probe, f)
        a[...] = a * 1.5 + 1e-3
    mujoco.mj_setConst(probe, mujoco.MjData(probe))
    used = {f.name for f in dataclasses.fields(mjw.Model)}
    batchable = _batchable_fields()
    out = []
    for f in _OUTPUTS:
        if f not in used or f in _SHARED_OK or f.startswith(_SHARED_OK_PREFIX) or f in expand:
            continue
        if np.array_equal(getattr(model, f), getattr(probe, f)):
            continue
        if f not in batchable:
            raise NotImplementedError(
                f"model field {f!r} is derived from {inputs} by mj_setConst but mujoco_warp "
                f"{mjw.__version__} cannot give it per-world values; turn that randomisation off or use --sim mujoco"
            )
        out.append(f)
    return out


# Warp's kernel syntax annotates arguments with calls (wp.array(dtype=...)), which a type checker refuses
@wp.kernel
def _clear_flags(mask: wp.array(dtype=wp.bool), bad: wp.array(dtype=wp.int32)):  # pyright: ignore[reportInvalidTypeForm]
    """Clear the divergence flag of the worlds being reset."""
    w = wp.tid()
    if mask[w]:
        bad[w] = 0


class _Mirror:
    """A host numpy array for a device array: the device memory itself on Warp's CPU device, a pinned
    host buffer with explicit copies on CUDA."""

    def __init__(self, dev: wp.array) -> None:
        self.dev = dev
        assert dev.device is not None  # an allocated array has a device
        self.host = dev if dev.device.is_cpu else wp.empty_like(dev, device="cpu", pinned=True)
        if self.host is not dev:
            wp.copy(self.host, dev)
            wp.synchronize_device(dev.device)
        self.np = self.host.numpy()  # a view of self.host's memory

    def push(self) -> None:
        if self.host is not self.dev:
            wp.copy(self.dev, self.host)

    def pull(self) -> None:
        if self.host is not self.dev:
            wp.copy(self.host, self.dev)


class WarpWorlds:
    """``len(ids)`` worlds of one C model on MuJoCo Warp (see the module docstring).

    Args:
        model: the C model of every world.
        ids: the env ids of the block (world ``i`` is env ``ids[i]``).
        expand: model fields with per-world values (``model_fields``).
        obj_body: the body id of the free object (sizes the contact buffers).
        warp_device: Warp device (see :func:`pick_warp_device`).
        nconmax, njmax: contact / constraint buffer sizes per world (default: from the model, or the
            ``HOT_MJWARP_NCONMAX`` / ``HOT_MJWARP_NJMAX`` environment variables).
        cuda_graph: capture ``step`` as a CUDA graph (default: on CUDA).
    """

    def __init__(
        self,
        model: mujoco.MjModel,
        ids: range,
        expand: list[str],
        obj_body: int,
        warp_device: str = "cpu",
        nconmax: int | None = None,
        njmax: int | None = None,
        cuda_graph: bool | None = None,
    ) -> None:
        init_warp()
        self.ids = ids
        self.model = model
        n = self._n = len(ids)
        self._wdev = wp.get_device(warp_device)
        cuda = self._wdev.is_cuda
        if cuda_graph and not cuda:
            raise ValueError("cuda_graph=True needs a CUDA warp_device")
        self._use_graph = cuda if cuda_graph is None else bool(cuda_graph)
        self._graphs: dict[object, object] = {}
        self._warmed: set[object] = set()
        self._inputs = [f for f in expand if f in _INPUTS]
        self._derived = derived_fields(model, list(expand))
        self._scratch = copy.copy(model) if self._inputs else None
        self._scratch_data = mujoco.MjData(self._scratch) if self._scratch is not None else None
        self.nconmax, self.njmax = resolve_buffer_sizes(object_buffer_sizes(model, obj_body), nconmax, njmax)
        batched = list(expand) + self._derived
        with wp.ScopedDevice(self._wdev):
            self.m = mjw.put_model(model, batch_sizes=dict.fromkeys(batched, n))
            self.m.opt.warn_overflow = _BUFFER_BITS  # overflows are raised here; iteration caps are no error
            for name in batched:
                value = np.asarray(getattr(model, name))
                set_model_field(
                    self.m, model, name, np.broadcast_to(value, (n, *value.shape)),
                    "per-world model fields cannot hold it",
                )  # fmt: skip
            self.d = mjw.put_data(
                model, mujoco.MjData(model), nworld=n, nconmax=self.nconmax, njmax=self.njmax
            )
            self._peaks = wp.zeros(4, dtype=wp.int32)
            self._bad = wp.zeros(n, dtype=wp.int32)
            self._mask = _Mirror(wp.zeros(n, dtype=wp.bool))
            mjw.kinematics(self.m, self.d)
        d = self.d
        self._state_in = {k: _Mirror(getattr(d, k)) for k in ("qpos", "qvel", "ctrl", "xfrc_applied")}
        self._state_out = [
            self._state_in["qpos"],
            self._state_in["qvel"],
            _Mirror(d.xpos),
            _Mirror(d.sensordata),
        ]
        self._fields = {name: _Mirror(getattr(self.m, name)) for name in batched}
        self.qpos, self.qvel, self.ctrl = (self._state_in[k].np for k in ("qpos", "qvel", "ctrl"))
        self.xfrc = self._state_in["xfrc_applied"].np
        self.xpos, self.sensordata = self._state_out[2].np, self._state_out[3].np
        self.model_fields = {name: self._fields[name].np for name in expand}
        self.derived = {name: self._fields[name].np for name in self._derived}
        """Per-world constants derived by :meth:`set_const` (name -> (N, ...))."""
        self._qpos0 = np.asarray(model.qpos0, dtype=np.float32)

    @property
    def sl(self) -> slice:
        return slice(self.ids.start, self.ids.stop)

    @property
    def warp_device(self) -> str:
        return str(self._wdev)

    # ---- interface ------------------------------------------------------------------------------------
    def reset(self, local: np.ndarray) -> None:
        """Worlds ``local`` back to the model's defaults (state only; model fields keep their values)."""
        local = np.asarray(local, dtype=np.int64)
        self._mask.np[:] = False
        self._mask.np[local] = True
        with wp.ScopedDevice(self._wdev):
            self._mask.push()
            # not captured: mujoco_warp.reset_data defines its kernels anew on every call
            mjw.reset_data(self.m, self.d, reset=self._mask.dev)
            wp.launch(_clear_flags, dim=self._n, inputs=[self._mask.dev], outputs=[self._bad])
        # the same on the host mirrors (on Warp's CPU device they are the device arrays: no-ops)
        self.qpos[local] = self._qpos0
        self.qvel[local] = 0.0
        self.ctrl[local] = 0.0
        self.xfrc[local] = 0.0

    def set_const(self, local: np.ndarray) -> None:
        """Recompute the per-world derived constants of worlds ``local`` from their model fields (C
        ``mj_setConst`` on a scratch model, as ``Batch.set_const``); uploaded by :meth:`forward`."""
        if self._scratch is None:
            return
        s = self._scratch
        for w in np.asarray(local, dtype=np.int64):
            for f in self._inputs:
                getattr(s, f)[...] = self.model_fields[f][w]
            mujoco.mj_setConst(s, self._scratch_data)
            for f in self._derived:
                self.derived[f][w] = getattr(s, f)

    def forward(self, local: np.ndarray) -> None:
        """After a reset of ``local`` and writes to its state / model fields: upload, ``forward`` every
        world, read back; the other worlds keep the sensor readings of their last step."""
        local = np.asarray(local, dtype=np.int64)
        keep = self.sensordata.copy()
        with wp.ScopedDevice(self._wdev):
            for mir in (*self._fields.values(), *self._state_in.values()):
                mir.push()
            mjw.forward(self.m, self.d)
            self._record()
            for mir in self._state_out[2:]:
                mir.pull()
            wp.synchronize_device(self._wdev)
        other = np.ones(self._n, dtype=bool)
        other[local] = False
        self.sensordata[other] = keep[other]
        if self._wdev.is_cuda:
            self._state_out[3].push()  # the restored readings back on the device
        self.check_buffers()

    def step(self, nstep: int) -> np.ndarray:
        """``nstep`` physics steps of every world; returns the local ids of worlds that diverged (they were
        put back at qpos0 at rest)."""
        with wp.ScopedDevice(self._wdev):
            self._state_in["ctrl"].push()
            self._state_in["xfrc_applied"].push()
            run_cached(
                self._graphs, self._warmed, self._use_graph, ("step", int(nstep)), self._step_work, int(nstep)
            )
            for mir in self._state_out:
                mir.pull()
            wp.synchronize_device(self._wdev)
            bad = self._bad.numpy()
        diverged = np.flatnonzero(bad)
        if diverged.size:
            with wp.ScopedDevice(self._wdev):
                self._bad.zero_()
        self.check_buffers()
        return diverged.astype(np.int64)

    # ---- buffers -----------------------------------------------------------------------------------------
    def buffer_peaks(self) -> dict[str, int]:
        """Peak buffer use since construction (see ``MjWarpSim.buffer_peaks``)."""
        return read_peaks(self._peaks)

    def check_buffers(self) -> None:
        """Raise ``BufferOverflowError`` if a step so far needed more than a buffer holds."""
        check_buffer_peaks(
            self.buffer_peaks(), self._n, int(self.d.naconmax), self.nconmax, self.njmax, owner=None
        )

    # ---- device work ---------------------------------------------------------------------------------------
    def _record(self) -> None:
        record_peaks(self.d, self._n, self._peaks)

    def _step_work(self, nstep: int) -> None:
        step_guarded(self.m, self.d, self._n, nstep, self._peaks, self._bad)
        mjw.kinematics(self.m, self.d)  # the new state's poses (CpuWorlds: stage=mjSTAGE_VEL)
