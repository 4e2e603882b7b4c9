"""Generated grips made to hold: datagen's squeeze-and-hold step applied to each held run of a generated clip.

The flow model places the hand within about a centimetre of a real grasp, but nothing in it knows whether
the grip holds: tracked, most generated grasps close and then let the object slip. Datagen keeps only
grasps that pass a physics hold test (:func:`hot.datagen.wrap.squeeze_and_hold`); this module runs the same
test on the generated grip, in the object's frame:

1. The grip is the wrist pose in the object's frame and the finger angles at the first frame of a
   contact-1 run (after the rigid-object step, the grip is constant over the run).
2. Candidates: that wrist pose and the same moved by each of ``shifts`` (m) from the palm centre towards
   the object's origin, its centre (a hand hovering a few mm off the surface cannot squeeze, one a few mm
   inside it fails the penetration limit), each with the fingers first opened by each fraction of
   ``reopens`` towards the open hand; and the wrap sampler's approach along the same line: the open hand
   backed off until it is clear of the object, moved in until it touches, then 2 mm back.
3. For each candidate the fingers close until they touch, as the wrap sampler's do
   (:func:`hot.datagen.closing.sweep_close`); then the squeeze in physics and the six-direction hold test,
   all candidates in one batch.
4. The candidate with the smallest change that holds becomes the grip.
5. When no candidate holds, the grasp nearest the grip among those datagen's samplers make for the object
   and its hold test keeps (:meth:`GripRefiner.bank`, made once per object) and whose hand stays clear of
   the platform becomes the grip; only when there is none is the grip left as generated (and counted).
6. Over the run the wrist follows the object with the new in-hand pose and the fingers take its squeeze
   targets (the PD targets that press, as datagen's clips do); the frames next to the run blend in over
   ``ramp`` frames.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from hot.assets.hands.base import HandModel
from hot.datagen.closing import hand_frame, sweep_close
from hot.datagen.grasp import VALIDATION_OBJECT_POS
from hot.datagen.ik import WristChain, wrist_ik
from hot.datagen.kinematics import HandKinematics
from hot.datagen.pinch import generate_pinch_grasps
from hot.datagen.wrap import ContactProbe, WrapConfig, generate_wrap_grasps, squeeze_and_hold
from hot.generate.postprocess import GripRefined, held_runs, partial_rotation
from hot.sim.scene import compile_scene
from hot.utils.rotations import quat_from_matrix, quat_to_matrix

__all__ = ["GripRefiner", "GripStats"]

_BANKS: dict[tuple, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
"""Grasp banks made in this process, by (hand, object, scale, candidates, seed): one synthesis per object."""


@dataclass
class GripStats:
    """What the refiner did over a generation run."""

    runs: int = 0
    """Held runs seen."""
    refined: int = 0
    """Runs whose grip was replaced by one that passed the hold test."""
    from_bank: int = 0
    """Runs whose grip no refinement made hold, replaced by the nearest grasp of the object's bank."""
    kept_start: int = 0
    """Runs that start at a given initial hand state (left alone: the clip must start there)."""

    def line(self) -> str:
        failed = self.runs - self.refined - self.from_bank - self.kept_start
        return (
            f"grips: of {self.runs} held runs, {self.refined} refined to pass the hold test, {self.from_bank} "
            f"replaced by the nearest held grasp of the object, {failed} kept as generated, "
            f"{self.kept_start} kept at the given start"
        )


class GripRefiner:
    """Squeeze-and-hold refinement of generated grips for one hand, object and scale.

    Call it as ``refiner(wrist_pos, wrist_rot, fingers, obj_pos, obj_rot, contact, keep_start)`` (world
    frame, ``(T, 3)``, ``(T, 3, 3)``, ``(T, F)``, ...); it returns ``(wrist_pos, wrist_rot, fingers,
    refined)`` with ``refined`` (T,) True on the frames of runs it replaced.
    """

    def __init__(
        self,
        hand: HandModel,
        obj,
        scale: float = 1.0,
        shifts: tuple[float, ...] = (0.0, 0.004, -0.004, 0.008),
        reopens: tuple[float, ...] = (0.0, 0.15),
        ramp: int = 6,
        cfg: WrapConfig | None = None,
        nthread: int | None = None,
        bank_candidates: int = 64,
        bank_min: int = 16,
        bank_rounds: int = 4,
        seed: int = 0,
        platform_top: float = 0.105,
        approach: int = 24,
        pregrasp: float = 0.05,
    ):
        self.hand, self.obj, self.scale = hand, obj, scale
        self.model, self.index = compile_scene(hand, obj, scale)
        self.chain = WristChain(self.model)
        self.frame = hand_frame(hand)
        self.probe = ContactProbe(self.model, self.index, hand)
        self.cfg = cfg or WrapConfig()
        self.shifts = tuple(shifts)
        self.reopens = tuple(reopens)
        self.ramp = ramp
        self.nthread = nthread
        self.stats = GripStats()
        self.bank_candidates, self.seed, self.platform_top = bank_candidates, seed, platform_top
        self.bank_min, self.bank_rounds = bank_min, bank_rounds
        self.approach, self.pregrasp = approach, pregrasp
        self._bank: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        self.kin = HandKinematics(hand)

    # ------------------------------------------------------------------------------------------ one grip
    def refine_grip(
        self, rel_pos: np.ndarray, rel_rot: np.ndarray, fingers: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """The held grip nearest the given one (wrist position ``(3,)`` and rotation ``(3, 3)`` in the object
        frame, fingers ``(F,)``): ``(rel_pos, rel_rot, finger targets)``, or None when no candidate holds."""
        palm = rel_pos + rel_rot @ self.frame.palm_center
        normal = -palm / max(float(np.linalg.norm(palm)), 1e-9)  # palm centre -> object origin (its centre)
        obj_pos = np.asarray(VALIDATION_OBJECT_POS)
        quat = quat_from_matrix(torch.as_tensor(rel_rot)).double()
        combos = [(s, ro) for s in self.shifts for ro in self.reopens]
        combos.sort(key=lambda c: abs(c[0]) + 0.01 * c[1])
        touch = self._touch_shift(rel_pos, normal, quat)
        if (
            touch is not None
        ):  # the open hand moved in until it touches, 2 mm back: the wrap sampler's approach
            combos += [(touch, ro) for ro in self.reopens] + [(touch, 1.0)]
        cands = [rel_pos + s * normal for s, _ in combos]
        ik = wrist_ik(
            self.chain,
            torch.as_tensor(np.stack(cands) + obj_pos)[:, None],
            quat.expand(len(cands), 4)[:, None],
        )
        wrist = ik.dofs[:, 0].numpy()
        closed = np.zeros((len(cands), len(fingers)))
        touched = np.zeros((len(cands), len(self.probe.groups)), dtype=bool)
        for i in range(len(cands)):
            closed[i], touched[i] = sweep_close(
                self.probe.set_pose,
                wrist[i],
                fingers + combos[i][1] * (self.frame.opened - fingers),
                self.frame.closed,
                self.probe.groups,
                range(len(self.probe.groups)),
                self.cfg.sweep_steps,
                self.cfg.contact_depth,
            )
        gs = squeeze_and_hold(
            self.model,
            self.index,
            self.chain,
            self.hand,
            self.frame,
            wrist,
            closed,
            touched,
            self.cfg,
            self.nthread,
            {"method": "generated"},
        )
        ok = np.asarray(gs.valid) & ik.ok[:, 0].numpy()
        if not ok.any():
            return None
        i = int(np.argmax(ok))  # the smallest change that holds
        rot = quat_to_matrix(torch.as_tensor(gs.wrist_quat_o[i])).numpy()
        return np.asarray(gs.wrist_pos_o[i]), rot, np.asarray(gs.meta["squeeze_targets"][i])

    def bank(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Grasps of this object that passed datagen's hold test: wrist positions ``(G, 3)`` and rotations
        ``(G, 3, 3)`` in the object frame and finger targets ``(G, F)``; made once per process. Each round
        draws ``bank_candidates`` power wraps, and as many pinches when fewer than 8 wraps hold (as ``hot
        datagen --grasp_method auto`` does); rounds with new seeds follow until ``bank_min`` grasps hold or
        ``bank_rounds`` rounds are drawn (thin and small objects hold few grasps per round)."""
        key = (self.hand.name, self.obj.name, self.scale, self.bank_candidates, self.seed, self.bank_min)
        if self._bank is None and key in _BANKS:
            self._bank = _BANKS[key]
        if self._bank is None:
            sets, held = [], 0
            for r in range(self.bank_rounds):
                seed = self.seed + 1000 * r
                wraps = generate_wrap_grasps(self.hand, self.obj, self.scale, self.bank_candidates, seed=seed)
                sets.append(wraps)
                n_wraps = int(np.asarray(wraps.valid).sum())
                held += n_wraps
                if n_wraps < 8:
                    pinches = generate_pinch_grasps(
                        self.hand, self.obj, self.scale, self.bank_candidates, seed=seed
                    )
                    sets.append(pinches)
                    held += int(np.asarray(pinches.valid).sum())
                if held >= self.bank_min:
                    break
            pos, rot, fin = [], [], []
            for gs in sets:
                ok = np.nonzero(np.asarray(gs.valid))[0]
                if not len(ok):
                    continue
                pos.append(np.asarray(gs.wrist_pos_o)[ok])
                rot.append(quat_to_matrix(torch.as_tensor(np.asarray(gs.wrist_quat_o)[ok])).numpy())
                fin.append(np.asarray(gs.meta["squeeze_targets"])[ok])
            nf = self.hand.num_finger_dofs
            self._bank = (
                np.concatenate(pos) if pos else np.zeros((0, 3)),
                np.concatenate(rot) if rot else np.zeros((0, 3, 3)),
                np.concatenate(fin) if fin else np.zeros((0, nf)),
            )
            _BANKS[key] = self._bank
        return self._bank

    def nearest_held(
        self, rel_pos: np.ndarray, rel_rot: np.ndarray, obj_pos: np.ndarray, obj_rot: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """The bank grasp nearest the grip (position distance + 5 cm per radian of rotation) whose hand bodies
        stay 1 cm above the platform with the object at ``obj_pos``, ``obj_rot`` (world); None if none."""
        pos, rot, fin = self.bank()
        if not len(pos):
            return None
        cos = (np.einsum("gij,ij->g", rot, rel_rot) - 1.0) / 2.0
        cost = np.linalg.norm(pos - rel_pos, axis=1) + 0.05 * np.arccos(np.clip(cos, -1.0, 1.0))
        w_pos = torch.as_tensor(obj_pos + pos @ obj_rot.T, dtype=torch.float32)
        w_rot = torch.as_tensor(obj_rot @ rot, dtype=torch.float32)
        body, _ = self.kin.forward(w_pos, w_rot, torch.as_tensor(fin, dtype=torch.float32))
        clear = body[..., 2].amin(dim=1).numpy() > self.platform_top + 0.01
        if not clear.any():
            return None
        i = int(np.argmin(np.where(clear, cost, np.inf)))
        return pos[i], rot[i], fin[i]

    def _touch_shift(self, rel_pos: np.ndarray, normal: np.ndarray, quat: torch.Tensor) -> float | None:
        """The shift along ``normal`` (m, in [-3, +5] cm) 2 mm before the open hand first touches the object
        (None when it touches from the start or never)."""
        grid = np.arange(-0.03, 0.0501, 0.002)
        obj_pos = np.asarray(VALIDATION_OBJECT_POS)
        ik = wrist_ik(
            self.chain,
            torch.as_tensor(rel_pos + grid[:, None] * normal + obj_pos)[:, None],
            quat.expand(len(grid), 4)[:, None],
            refine=False,
        )
        for k, s in enumerate(grid):
            if any(c[2] < 0 for c in self.probe.set_pose(ik.dofs[k, 0].numpy(), self.frame.opened)):
                return None if k == 0 else float(s - 0.002)
        return None

    # ------------------------------------------------------------------------------------------ a clip
    def __call__(
        self,
        wrist_pos: torch.Tensor,
        wrist_rot: torch.Tensor,
        fingers: torch.Tensor,
        obj_pos: torch.Tensor,
        obj_rot: torch.Tensor,
        contact: torch.Tensor,
        keep_start: bool = False,
        dwell: int = 0,
    ) -> GripRefined:
        """Returns ``(wrist_pos, wrist_rot, fingers, obj_pos, obj_rot, contact, refined)``, longer by ``dwell``
        frames per refined run that starts from a resting object (see :meth:`_insert_dwell`)."""
        wp, wr, fg = wrist_pos.clone(), wrist_rot.clone(), fingers.clone()
        refined = torch.zeros(len(contact), dtype=torch.bool)
        dwells: list[tuple[int, torch.Tensor, torch.Tensor, torch.Tensor]] = []
        for a, b in held_runs(contact):
            self.stats.runs += 1
            if keep_start and a == 0:
                self.stats.kept_start += 1
                continue
            r_o = obj_rot[a].numpy()
            rel_pos = r_o.T @ (wrist_pos[a] - obj_pos[a]).numpy()
            rel_rot = r_o.T @ wrist_rot[a].numpy()
            got = self.refine_grip(rel_pos, rel_rot, fingers[a].numpy())
            if got is None:
                got = self.nearest_held(rel_pos, rel_rot, obj_pos[a].numpy(), r_o)
                if got is None:
                    continue
                self.stats.from_bank += 1
            else:
                self.stats.refined += 1
            new_pos, new_rot, targets = (torch.as_tensor(v, dtype=wp.dtype) for v in got)
            new_wp = obj_pos[a : b + 1] + torch.einsum("tij,j->ti", obj_rot[a : b + 1], new_pos)
            new_wr = obj_rot[a : b + 1] @ new_rot
            close = dwell > 0 and a > 0
            d_pos = new_wp[0] - wp[a]
            d_rot = new_wr[0] @ wr[a].T
            wp[a : b + 1], wr[a : b + 1], fg[a : b + 1] = new_wp, new_wr, targets
            refined[a : b + 1] = True
            if close:
                self._approach(wp, wr, fg, contact, a, obj_pos[a - 1], obj_rot[a - 1], new_pos, new_rot)
            for j in range(0 if close else 1, self.ramp + 1):  # frames before the run move part of the way
                f, w = a - j, 1 - j / (self.ramp + 1)
                if close or f < 0 or contact[f] > 0.5:
                    break
                wp[f] = wp[f] + w * d_pos
                wr[f] = partial_rotation(d_rot, w) @ wr[f]
                fg[f] = w * targets + (1 - w) * fg[f]
            for j in range(1, self.ramp + 1):  # and after it, back again
                f, w = b + j, 1 - j / (self.ramp + 1)
                if f >= len(contact) or contact[f] > 0.5:
                    break
                d_end = new_wp[-1] - wrist_pos[b]
                wp[f] = wp[f] + w * d_end
                wr[f] = partial_rotation(new_wr[-1] @ wrist_rot[b].T, w) @ wr[f]
                fg[f] = w * targets + (1 - w) * fg[f]
            if close:
                dwells.append((a, new_pos, new_rot, targets))
        op, orr, ct = obj_pos.clone(), obj_rot.clone(), contact.clone()
        for a, new_pos, new_rot, targets in reversed(dwells):  # later runs first: indices stay valid
            wp, wr, fg, op, orr, ct, refined = self._insert_dwell(
                (wp, wr, fg, op, orr, ct, refined), a, dwell, new_pos, new_rot, targets
            )
        return wp, wr, fg, op, orr, ct, refined

    def _approach(
        self,
        wp: torch.Tensor,
        wr: torch.Tensor,
        fg: torch.Tensor,
        contact: torch.Tensor,
        a: int,
        rest_p: torch.Tensor,
        rest_r: torch.Tensor,
        new_pos: torch.Tensor,
        new_rot: torch.Tensor,
    ) -> None:
        """Datagen's approach on the ``approach`` frames before a run that lifts a resting object (in place):
        from where the generated wrist is, to a pre-grasp ``pregrasp`` m back from the grip along the line from
        the palm centre to the object's centre (rotation slerped to the grip's), then straight in with the
        grip's rotation; the fingers open to the sampler's open hand (they close in the dwell)."""
        n = min(self.approach, a)
        if n < 2:
            return
        start = a - n
        grip_p = rest_p + rest_r @ new_pos
        grip_r = rest_r @ new_rot
        palm = new_pos + new_rot @ torch.as_tensor(self.frame.palm_center, dtype=new_pos.dtype)
        line = rest_r @ (-palm / palm.norm().clamp(min=1e-9))
        pre = grip_p - self.pregrasp * line
        half = n // 2
        w0, r0, f0 = wp[start].clone(), wr[start].clone(), fg[start].clone()
        opened = torch.as_tensor(self.frame.opened, dtype=fg.dtype)
        d_rot = grip_r @ r0.T
        for k in range(n):
            f = start + k
            if k < half:  # to the pre-grasp, turning to the grip's rotation
                u = (k + 1) / half
                wp[f] = w0 + u * (pre - w0)
                wr[f] = partial_rotation(d_rot, u) @ r0
            else:  # straight in
                u = (k - half + 1) / (n - half)
                wp[f] = pre + u * (grip_p - pre)
                wr[f] = grip_r
            fg[f] = opened + max(0.0, 1.0 - 3.0 * (k + 1) / n) * (f0 - opened)
            contact[f] = 0.0 if contact[f] > 0.5 else contact[f]

    @staticmethod
    def _insert_dwell(
        seqs: tuple[torch.Tensor, ...],
        a: int,
        k: int,
        new_pos: torch.Tensor,
        new_rot: torch.Tensor,
        targets: torch.Tensor,
    ) -> tuple[torch.Tensor, ...]:
        """``k`` frames inserted before frame ``a``: the object rests where it was at ``a - 1``, the wrist is at
        the grip and the fingers close from their frame ``a - 1`` angles to ``targets`` over the first 60 %,
        then press; as datagen's grasp clips close for about 25 frames before the lift."""
        wp, wr, fg, op, orr, ct, refined = seqs
        rest_p, rest_r = op[a - 1], orr[a - 1]
        w = torch.clamp(torch.arange(1, k + 1, dtype=fg.dtype) / (0.6 * k), max=1.0)[:, None]
        ins = (
            (rest_p + rest_r @ new_pos).expand(k, 3),
            (rest_r @ new_rot).expand(k, 3, 3),
            fg[a - 1] + w * (targets - fg[a - 1]),
            rest_p.expand(k, 3),
            rest_r.expand(k, 3, 3),
            torch.ones(k, dtype=ct.dtype),
            torch.ones(k, dtype=torch.bool),
        )
        return tuple(torch.cat([x[:a], y, x[a:]]) for x, y in zip(seqs, ins, strict=True))
