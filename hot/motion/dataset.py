"""Motion libraries: padded reference tensors, clip / start-frame sampling, reference lookups.

Port of upstream ``MotionDataHandler`` (spec §2.4) and ``MultiMotionDataHandler`` (§2.5), with
named fields (:class:`~hot.sim.state.RefFrame`) instead of flat "hoi rows".

Storage: every per-frame quantity is a padded tensor ``(num_clips, Tmax, ...)`` on ``device``
plus ``lengths (num_clips,)``; frames at or after a clip's end hold zeros (upstream zero-pads
each env's reference window the same way). All sampling and lookups are vectorised torch ops
(no Python loop over envs); only construction loops over clips.

Derived quantities, at ``fps`` = 60 (upstream ``dataFPS × dataFramesScale``):

* ``obj_rot`` (and the root quaternion) are made sign-continuous: q_i is flipped when
  dot(q_{i-1}, q_i) < 0 (after the flip of q_{i-1}).
* ``dof_vel``, ``key_vel`` and, when the file has no ``obj_pos_vel``, ``obj_lin_vel`` are
  ``(x_i - x_{i-1}) × fps`` with a zero first row (upstream calls this the forward difference).
* ``obj_ang_vel``: upstream computes ``exp_map(conj(q_{i-1}) ⊗ q_i) × fps``. That relative
  rotation is expressed in the frame of q_{i-1}, i.e. it is a **body-frame** angular velocity.
  The simulator reports world-frame angular velocities, and :class:`RefFrame` is world-frame,
  so here ``obj_ang_vel = R(q_{i-1}) · exp_map(conj(q_{i-1}) ⊗ q_i) × fps
  = exp_map(q_i ⊗ conj(q_{i-1})) × fps`` (**world frame**); :attr:`MotionLibrary.obj_ang_vel_b`
  keeps upstream's body-frame value. Zero first row.
* ``contact`` = ``round(contact1)``.

The hand root is fixed in every upstream data set, so root velocities are not stored.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import torch

from hot.motion.io import load_folder
from hot.motion.schema import GRASP_SKILL, MotionClip, skill_code_from_name
from hot.sim.state import RefFrame
from hot.utils.rotations import quat_conj, quat_mul, quat_rotate, quat_to_exp_map

__all__ = [
    "DATA_FPS",
    "GRASP_SKILL",
    "MotionLibrary",
    "MultiObjectMotionLibrary",
    "class_balanced_weights",
    "forward_diff",
    "object_name_from_path",
    "quat_continuity",
]

DATA_FPS = 60.0
"""Frame rate of every motion file (upstream ``dataFPS: 60``, ``dataFramesScale: 1``)."""
"""Skill code whose sampling weight is doubled (spec §2.4 step 5)."""
START_FRAME_MIN = 2
"""Earliest sampled start frame (upstream ``sample_time``: uniform over [2, len-1))."""


# --------------------------------------------------------------------------------------------
# pure helpers


def forward_diff(x: torch.Tensor, fps: float, dim: int = 0) -> torch.Tensor:
    """``(x_i - x_{i-1}) × fps`` along ``dim`` with a zero first entry; same shape as ``x``."""
    d = torch.diff(x, dim=dim) * fps
    zero = torch.zeros_like(x.narrow(dim, 0, 1))
    return torch.cat([zero, d], dim=dim)


def quat_continuity(q: torch.Tensor, dim: int = 0) -> torch.Tensor:
    """Sign-continuous quaternions along ``dim`` (vectorised, no loop over frames).

    q_i is flipped when its dot product with the (already processed) q_{i-1} is negative. Since
    flipping q_{i-1} flips that dot product, the sign of frame i is the running product of the
    raw signs s_j = sign(dot(q_{j-1}, q_j)) (0 counts as +1), j ≤ i.
    """
    qm = q.movedim(dim, 0)
    dots = (qm[1:] * qm[:-1]).sum(-1)
    s = torch.where(dots < 0, -1.0, 1.0).to(q.dtype)
    s = torch.cat([torch.ones_like(s[:1]), s], dim=0).cumprod(dim=0)
    return (qm * s.unsqueeze(-1)).movedim(0, dim)


def angular_velocity(q: torch.Tensor, fps: float, dim: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """World- and body-frame angular velocities of a (sign-continuous) quaternion sequence.

    Args:
        q: (..., T, ...) wxyz with the time axis at ``dim`` (last axis = quaternion).
    Returns:
        (ang_vel_w, ang_vel_b), each with ``q``'s shape but 3 in the last axis, zero first frame.
        ``ang_vel_b[i] = exp_map(conj(q_{i-1}) ⊗ q_i) × fps`` (upstream's value, frame of q_{i-1});
        ``ang_vel_w[i] = R(q_{i-1}) · ang_vel_b[i]``.
    """
    qm = q.movedim(dim, 0)
    prev, cur = qm[:-1], qm[1:]
    w_b = quat_to_exp_map(quat_mul(quat_conj(prev), cur)) * fps
    w_w = quat_rotate(prev, w_b)
    zero = torch.zeros_like(w_b[:1])
    return torch.cat([zero, w_w], 0).movedim(0, dim), torch.cat([zero, w_b], 0).movedim(0, dim)


def class_balanced_weights(skill_codes: torch.Tensor, grasp_skill: int = GRASP_SKILL) -> torch.Tensor:
    """Sampling weights of spec §2.4 step 5: 1 / count(class) per clip, grasp doubled, sum 1.

    ``skill_codes`` (C,) long -> (C,) float32.
    """
    _, inverse, counts = torch.unique(skill_codes, return_inverse=True, return_counts=True)
    w = 1.0 / counts[inverse].to(torch.float64)
    w = torch.where(skill_codes == grasp_skill, 2.0 * w, w)
    return (w / w.sum()).to(torch.float32)


def object_name_from_path(path: str | os.PathLike) -> str:
    """Object name of a motion file: its grandparent folder, lowercased
    (``.../bottle/grasp_kp/001_bottle_3_0.pt`` -> ``"bottle"``)."""
    return Path(path).parent.parent.name.lower()


# --------------------------------------------------------------------------------------------
# single library


REF_FIELDS = ("dof_pos", "dof_vel", "key_pos", "obj_pos", "obj_rot", "obj_lin_vel", "obj_ang_vel", "contact")
"""The per-frame fields of a :class:`hot.sim.state.RefFrame`, in the order they are packed."""


class MotionLibrary:
    """All clips of a data set as padded tensors, with upstream's sampling rules.

    Attributes (C clips, Tmax longest clip, D DoFs, K key bodies; all on ``device``):
        names: clip names (file names) in load order; ``paths`` the files (or None).
        skill_codes: (C,) long skill label per clip.
        weights: (C,) float32 sampling weights (sum 1).
        lengths: (C,) long frames per clip.
        dof_pos, dof_vel: (C, Tmax, D).
        key_pos, key_vel: (C, Tmax, K, 3) world.
        obj_pos, obj_lin_vel, obj_ang_vel: (C, Tmax, 3) world.
        obj_ang_vel_b: (C, Tmax, 3) upstream's body-frame object angular velocity.
        obj_rot: (C, Tmax, 4) wxyz, sign-continuous; zeros past each clip's end.
        root_pos, root_rot: (C, Tmax, 3) / (C, Tmax, 4) hand base pose (fixed in practice).
        contact: (C, Tmax) rounded ``contact1``.
    """

    # the padded per-frame fields, set with setattr at the end of __init__
    dof_pos: torch.Tensor
    dof_vel: torch.Tensor
    key_pos: torch.Tensor
    key_vel: torch.Tensor
    obj_pos: torch.Tensor
    obj_rot: torch.Tensor
    obj_lin_vel: torch.Tensor
    obj_ang_vel: torch.Tensor
    obj_ang_vel_b: torch.Tensor
    root_pos: torch.Tensor
    root_rot: torch.Tensor
    contact: torch.Tensor

    def __init__(
        self,
        clips: Sequence[MotionClip],
        names: Sequence[str] | None = None,
        paths: Sequence[str | os.PathLike] | None = None,
        skill_codes: Sequence[int] | None = None,
        fps: float = DATA_FPS,
        device: str | torch.device = "cpu",
    ):
        """
        Args:
            clips: at least one clip; all must share D and K.
            names: clip names; default: the file names of ``paths``.
            paths: source files (optional).
            skill_codes: one per clip; default: read from ``names`` (first 3 characters).
        """
        if len(clips) == 0:
            raise ValueError("MotionLibrary needs at least one clip")
        if paths is not None and len(paths) != len(clips):
            raise ValueError(f"{len(paths)} paths for {len(clips)} clips")
        self.paths = [Path(p) for p in paths] if paths is not None else None
        if names is None:
            if self.paths is None:
                raise ValueError("MotionLibrary needs names or paths (skill codes come from file names)")
            names = [p.name for p in self.paths]
        if len(names) != len(clips):
            raise ValueError(f"{len(names)} names for {len(clips)} clips")
        self.names = list(names)
        if skill_codes is None:
            skill_codes = [skill_code_from_name(n) for n in self.names]
        if len(skill_codes) != len(clips):
            raise ValueError(f"{len(skill_codes)} skill codes for {len(clips)} clips")
        d, k = clips[0].num_dofs, clips[0].num_key_bodies
        for n, c in zip(self.names, clips, strict=True):
            if c.num_dofs != d or c.num_key_bodies != k:
                raise ValueError(
                    f"clip {n} has {c.num_dofs} DoFs / {c.num_key_bodies} key bodies but clip "
                    f"{self.names[0]} has {d} / {k}; all clips must be for the same hand"
                )

        self.fps = float(fps)
        self.device = torch.device(device)
        self.num_dofs, self.num_key_bodies = d, k
        lengths = [c.num_frames for c in clips]
        self.max_length = max(lengths)
        self.lengths = torch.tensor(lengths, dtype=torch.long, device=self.device)
        self.skill_codes = torch.tensor(list(skill_codes), dtype=torch.long, device=self.device)
        self.weights = class_balanced_weights(self.skill_codes)

        # Derived quantities per clip on the CPU, then one padded copy to the device.
        fields: dict[str, list[torch.Tensor]] = {
            n: []
            for n in (
                "dof_pos",
                "dof_vel",
                "key_pos",
                "key_vel",
                "obj_pos",
                "obj_rot",
                "obj_lin_vel",
                "obj_ang_vel",
                "obj_ang_vel_b",
                "root_pos",
                "root_rot",
                "contact",
            )
        }
        for c in clips:
            dof_pos = c.dof_pos.float()
            obj_rot = quat_continuity(c.obj_rot.float())
            ang_w, ang_b = angular_velocity(obj_rot, self.fps)
            obj_pos = c.obj_pos.float()
            lin = c.obj_pos_vel.float() if c.obj_pos_vel is not None else forward_diff(obj_pos, self.fps)
            fields["dof_pos"].append(dof_pos)
            fields["dof_vel"].append(forward_diff(dof_pos, self.fps))
            fields["key_pos"].append(c.body_pos.float())
            fields["key_vel"].append(forward_diff(c.body_pos.float(), self.fps))
            fields["obj_pos"].append(obj_pos)
            fields["obj_rot"].append(obj_rot)
            fields["obj_lin_vel"].append(lin)
            fields["obj_ang_vel"].append(ang_w)
            fields["obj_ang_vel_b"].append(ang_b)
            fields["root_pos"].append(c.root_pos.float())
            fields["root_rot"].append(quat_continuity(c.root_rot.float()))
            fields["contact"].append(c.contact1.float().round())
        padded = {
            n: torch.nn.utils.rnn.pad_sequence(seqs, batch_first=True, padding_value=0.0)
            for n, seqs in fields.items()
        }
        # The fields a RefFrame holds live side by side in one (C, Tmax, F) tensor, and are views of it:
        # ref_frames() gathers a window of frames once instead of once per field.
        n_clips = len(clips)
        self._ref_packed = torch.cat(
            [padded[n].reshape(n_clips, self.max_length, -1) for n in REF_FIELDS], dim=-1
        ).to(self.device)
        self._ref_slices: dict[str, tuple[slice, torch.Size]] = {}
        start = 0
        for n in REF_FIELDS:
            shape = padded[n].shape[2:]
            width = int(torch.Size(shape).numel())
            self._ref_slices[n] = (slice(start, start + width), shape)
            setattr(self, n, self._ref_packed[..., start : start + width].reshape(padded[n].shape))
            start += width
        for n, t in padded.items():
            if n not in self._ref_slices:
                setattr(self, n, t.to(self.device))

    # ---------------------------------------------------------------- construction helpers

    @classmethod
    def from_folder(
        cls,
        path: str | os.PathLike,
        num_dofs: int | None = None,
        num_key_bodies: int | None = None,
        min_frames: int = 1,
        skip_bad: bool = False,
        fps: float = DATA_FPS,
        device: str | torch.device = "cpu",
    ) -> MotionLibrary:
        """Load every ``*.pt`` under ``path`` (see :func:`hot.motion.io.load_folder`)."""
        folder = load_folder(path, num_dofs, num_key_bodies, min_frames, skip_bad)
        return cls(folder.clips, paths=folder.paths, fps=fps, device=device)

    # ---------------------------------------------------------------- queries

    @property
    def num_clips(self) -> int:
        return int(self.lengths.shape[0])

    def clip_length(self, clip_ids: torch.Tensor) -> torch.Tensor:
        """(N,) long frames of each clip in ``clip_ids (N,)``."""
        return self.lengths[clip_ids]

    def sample_clips(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """(n,) long clip ids drawn with replacement by :attr:`weights` (upstream multinomial).

        ``generator`` must live on :attr:`device`.
        """
        return torch.multinomial(self.weights, n, replacement=True, generator=generator)

    def sample_start_frames(
        self, clip_ids: torch.Tensor, generator: torch.Generator | None = None
    ) -> torch.Tensor:
        """(N,) long start frames, uniform over [2, len-1) per clip (len-3 choices, as upstream).

        Clips shorter than 4 frames have no such frame; they start at min(2, len-1).
        """
        lengths = self.lengths[clip_ids]
        choices = (lengths - 1 - START_FRAME_MIN).clamp_min(1)
        u = torch.rand(clip_ids.shape, generator=generator, device=self.device)
        offset = torch.minimum((u * choices).long(), choices - 1)
        return torch.minimum(START_FRAME_MIN + offset, lengths - 1)

    def _gather(self, clip_ids: torch.Tensor, frame_ids: torch.Tensor) -> tuple[torch.Tensor, ...]:
        clip_ids, frame_ids = torch.broadcast_tensors(clip_ids.to(self.device), frame_ids.to(self.device))
        valid = (frame_ids >= 0) & (frame_ids < self.lengths[clip_ids])
        f = frame_ids.clamp(0, self.max_length - 1)
        return clip_ids, f, valid

    def ref_frames(self, clip_ids: torch.Tensor, frame_ids: torch.Tensor) -> RefFrame:
        """Reference frames for envs playing ``clip_ids`` at ``frame_ids``.

        ``clip_ids`` and ``frame_ids`` are long tensors that broadcast to a shape S (e.g. (N,),
        or (N, 1) with (N, L) for a window of L frames per env); every field has leading shape S.
        Frames outside [0, len) are all zeros (``obj_rot`` included) with ``valid = False``,
        matching upstream's zero padding of the reference window.
        """
        c, f, valid = self._gather(clip_ids, frame_ids)
        x = self._ref_packed[c, f]  # (*S, F): one gather for every field
        x = torch.where(valid.unsqueeze(-1), x, torch.zeros((), dtype=x.dtype, device=x.device))
        lead = valid.shape
        parts = {n: x[..., sl].reshape(lead + shape) for n, (sl, shape) in self._ref_slices.items()}
        return RefFrame(**parts, valid=valid)

    def initial_state(self, clip_ids: torch.Tensor, frame_ids: torch.Tensor) -> dict[str, torch.Tensor]:
        """State to reset envs to: the reference at ``frame_ids`` (clamped to [0, len-1]).

        Returns a dict of (N, ...) world-frame tensors: ``dof_pos``/``dof_vel`` (N, D),
        ``obj_pos`` (N, 3), ``obj_rot`` (N, 4) wxyz, ``obj_lin_vel``/``obj_ang_vel`` (N, 3),
        ``key_pos`` (N, K, 3), ``contact`` (N,).
        """
        c = clip_ids.to(self.device)
        f = torch.minimum(frame_ids.to(self.device).clamp_min(0), self.lengths[c] - 1)
        return {
            "dof_pos": self.dof_pos[c, f],
            "dof_vel": self.dof_vel[c, f],
            "obj_pos": self.obj_pos[c, f],
            "obj_rot": self.obj_rot[c, f],
            "obj_lin_vel": self.obj_lin_vel[c, f],
            "obj_ang_vel": self.obj_ang_vel[c, f],
            "key_pos": self.key_pos[c, f],
            "contact": self.contact[c, f],
        }


# --------------------------------------------------------------------------------------------
# multi-object library


class MultiObjectMotionLibrary:
    """A :class:`MotionLibrary` whose clips belong to several objects (spec §2.5).

    The object of a clip is its file's grandparent folder, lowercased. Envs map to objects
    round robin (``env % num_objects``). :meth:`sample_clips_for_objects` draws, per env, only
    clips of that env's object, with §2.4's class-balanced weights computed **within** the
    object's clips (grasp doubled) -- so each object's skill mix is balanced on its own.

    Attributes:
        library: the underlying :class:`MotionLibrary` (all clips, all objects).
        object_names: tuple of lowercased object names; index = object id.
        clip_object_ids: (C,) long object id per clip.
        object_weights: (C,) float32, each object's clips' weights summing to 1.
    """

    def __init__(
        self,
        clips: Sequence[MotionClip],
        paths: Sequence[str | os.PathLike],
        object_names: Sequence[str] | None = None,
        fps: float = DATA_FPS,
        device: str | torch.device = "cpu",
    ):
        """
        Args:
            clips, paths: one path per clip (object and skill come from it).
            object_names: the object order (upstream cfg ``objectNames``, lowercased here);
                default: sorted names found in ``paths``. Every clip's object must be listed and
                every listed object must have a clip.
        """
        self.library = MotionLibrary(clips, paths=paths, fps=fps, device=device)
        found = [object_name_from_path(p) for p in paths]
        names = sorted(set(found)) if object_names is None else [n.lower() for n in object_names]
        if len(set(names)) != len(names):
            raise ValueError(f"duplicate object names in {list(object_names or names)}")
        self.object_names = tuple(names)
        index = {n: i for i, n in enumerate(names)}
        for p, n in zip(paths, found, strict=True):
            if n not in index:
                raise ValueError(
                    f"motion file {p} belongs to object {n!r} (its grandparent folder), not in {names}"
                )
        empty = [n for n in names if n not in set(found)]
        if empty:
            raise ValueError(f"object(s) {empty} have no motion clips among the {len(paths)} files given")
        dev = self.library.device
        self.clip_object_ids = torch.tensor([index[n] for n in found], dtype=torch.long, device=dev)

        # Per-object weights and one concatenated CDF, objects in id order, so sampling is a single
        # searchsorted: object o's clips occupy (o, o+1] of the CDF.
        weights = torch.zeros(self.library.num_clips, dtype=torch.float32, device=dev)
        for o in range(len(names)):
            members = (self.clip_object_ids == o).nonzero().squeeze(1)
            weights[members] = class_balanced_weights(self.library.skill_codes[members]).to(dev)
        self.object_weights = weights
        self._order = torch.argsort(self.clip_object_ids, stable=True)
        ordered = weights[self._order].to(torch.float64)
        obj_sorted = self.clip_object_ids[self._order]
        cum = torch.cumsum(ordered, 0)
        counts = torch.bincount(self.clip_object_ids, minlength=len(names))
        self._seg_end = torch.cumsum(counts, 0)  # exclusive end of each object's segment
        self._seg_start = self._seg_end - counts
        # Re-anchor each segment at its object id and divide by its own total, so object o's CDF
        # ends at exactly o + 1 and a draw o + u (u < 1) cannot leave the segment.
        seg_base = torch.cat([torch.zeros(1, dtype=torch.float64, device=dev), cum[self._seg_end[:-1] - 1]])
        local = cum - seg_base[obj_sorted]
        seg_total = local[self._seg_end - 1]
        self._cdf = obj_sorted.to(torch.float64) + local / seg_total[obj_sorted]

    @classmethod
    def from_folder(
        cls,
        path: str | os.PathLike,
        object_names: Sequence[str] | None = None,
        num_dofs: int | None = None,
        num_key_bodies: int | None = None,
        min_frames: int = 1,
        skip_bad: bool = False,
        fps: float = DATA_FPS,
        device: str | torch.device = "cpu",
    ) -> MultiObjectMotionLibrary:
        """Load every ``*.pt`` under ``path`` (layout ``<object>/<skill_dir>/<file>.pt``)."""
        folder = load_folder(path, num_dofs, num_key_bodies, min_frames, skip_bad)
        return cls(folder.clips, folder.paths, object_names=object_names, fps=fps, device=device)

    @property
    def num_objects(self) -> int:
        return len(self.object_names)

    def env_object_ids(self, num_envs: int) -> torch.Tensor:
        """(num_envs,) long object id per env, round robin: ``env % num_objects``."""
        return torch.arange(num_envs, device=self.library.device) % self.num_objects

    def sample_clips_for_objects(
        self, obj_ids: torch.Tensor, generator: torch.Generator | None = None
    ) -> torch.Tensor:
        """(N,) long clip ids, each drawn from the clips of ``obj_ids[i]`` by :attr:`object_weights`."""
        obj_ids = obj_ids.to(self.library.device)
        u = torch.rand(obj_ids.shape, generator=generator, device=self.library.device, dtype=torch.float64)
        return self.clips_from_uniform(obj_ids, u)

    def clips_from_uniform(self, obj_ids: torch.Tensor, u: torch.Tensor) -> torch.Tensor:
        """Inverse-CDF step of :meth:`sample_clips_for_objects`: ``u (N,)`` float64 in [0, 1)."""
        obj_ids = obj_ids.to(self.library.device)
        idx = torch.searchsorted(self._cdf, obj_ids.to(torch.float64) + u, right=True)
        # o + u can round up to o + 1 (e.g. 1 + (1 - 2**-53) == 2.0): stay inside the object's clips
        idx = torch.maximum(torch.minimum(idx, self._seg_end[obj_ids] - 1), self._seg_start[obj_ids])
        return self._order[idx]

    # forwarding of the per-clip queries, for convenience
    def sample_start_frames(
        self, clip_ids: torch.Tensor, generator: torch.Generator | None = None
    ) -> torch.Tensor:
        """See :meth:`MotionLibrary.sample_start_frames`."""
        return self.library.sample_start_frames(clip_ids, generator)

    def ref_frames(self, clip_ids: torch.Tensor, frame_ids: torch.Tensor) -> RefFrame:
        """See :meth:`MotionLibrary.ref_frames`."""
        return self.library.ref_frames(clip_ids, frame_ids)

    def initial_state(self, clip_ids: torch.Tensor, frame_ids: torch.Tensor) -> dict[str, torch.Tensor]:
        """See :meth:`MotionLibrary.initial_state`."""
        return self.library.initial_state(clip_ids, frame_ids)

    def clip_length(self, clip_ids: torch.Tensor) -> torch.Tensor:
        """See :meth:`MotionLibrary.clip_length`."""
        return self.library.clip_length(clip_ids)
