"""Kinematic skill trajectories built from validated grasps and stable poses (upstream §9.2).

Every clip is a :class:`Plan` of world-frame wrist poses, finger angles, object poses and contact
labels at 60 Hz, and every frame's object is in one of three kinematically exact states:

* **held**: fixed wrist-object transform (the grasp's), ``obj = wrist ∘ grasp⁻¹``;
* **ballistic**: ``p(t) = p0 + v0 t + g t²/2`` and constant angular velocity;
* **resting**: constant pose at a stable pose on the platform.

Wrist DoFs come from :func:`hot.datagen.ik.wrist_ik` (frames failing its MuJoCo FK check reject the
clip), key-body positions from ``hot.motion.fk.KeyBodyFK``. Every clip is checked for bounded
per-frame wrist/object motion and, on every frame labelled 0 ("must not touch"), for clearance
between the hand's surface samples and the object (grid SDF); a hand below the platform top
rejects the clip too.

Skill codes and folders (the metric factory reads the first ``_`` token of the folder):

=====  ============  ================================================================
code   folder        design
=====  ============  ================================================================
001    grasp_higher_kp §9.2 step 5: approach on a 45° cone, 5 mm/frame, hold 20, lift 0.5 m, 60 tail
002    move_higher_kp  §9.2 step 3: lerp/slerp between random poses, 180° turn, padding 1/3 each
003    place_higher_kp exact time reversal of a grasp clip
005    regrasp_kp    hold grasp A on the platform, release and retreat, go over the top to grasp B, lift
006    rotate_kp     held object reoriented about its own centre (wrist-driven; the object stays rigid
                     in the hand, so this is not finger gaiting)
007    catch_kp      object in ballistic flight into the open hand, fingers close, hand absorbs
008    throw_kp      exact time reversal of a catch (reversed ballistic flight is ballistic)
009    freemove_kp   hand moves between random poses, object resting, never touched
010    long_kp       grasp -> move (carry, yaw change) -> place at a new spot
=====  ============  ================================================================
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import torch

from hot.assets.hands.base import BASE_POS, HandModel
from hot.datagen.grasp import GraspSet
from hot.datagen.ik import WristChain, wrist_ik
from hot.datagen.kinematics import HandKinematics
from hot.datagen.sdf import ObjectSDF
from hot.datagen.stable_poses import StablePoses
from hot.motion.schema import MotionClip
from hot.utils.rotations import (
    identity_quat,
    quat_conj,
    quat_from_axis_angle,
    quat_from_exp_map,
    quat_mul,
    quat_normalize,
    quat_rotate,
    quat_sign_continuity,
    quat_to_exp_map,
    quat_to_matrix,
)

if TYPE_CHECKING:
    from hot.motion.fk import KeyBodyFK

__all__ = ["SKILLS", "SkillConfig", "SkillContext", "Plan", "make_clip", "reverse_plan", "plan_to_clip"]

FPS = 60.0
DT = 1.0 / FPS
GRAVITY = np.array([0.0, 0.0, -9.81])

SKILLS: dict[str, tuple[int, str]] = {
    "grasp": (1, "grasp_higher_kp"),
    "move": (2, "move_higher_kp"),
    "place": (3, "place_higher_kp"),
    "regrasp": (5, "regrasp_kp"),
    "rotate": (6, "rotate_kp"),
    "catch": (7, "catch_kp"),
    "throw": (8, "throw_kp"),
    "freemove": (9, "freemove_kp"),
    "long": (10, "long_kp"),
}
"""skill name -> (upstream code, folder)."""


@dataclass(frozen=True)
class FlightDesign:
    """Ballistic flight of a catch (and, reversed, of a throw)."""

    min_up: float = 0.3
    """Opening rule (``palm_up`` 0): the grasp opening (wrist -> object) must point up at least this much (z of
    the unit direction); the object is launched from in front of the opening."""
    palm_up: float = 0.0
    """When > 0, the pose is chosen by the palm instead: the palm normal (``closing.hand_frame``) must point
    up at least this much, and the object comes in along that normal, onto the palm, so the open hand carries
    it while the fingers close."""
    dist: tuple[float, float] = (0.4, 0.7)
    """Launch distance (m) along that direction, uniform."""
    flight_s: tuple[float, float] = (0.3, 0.5)
    """Flight time (s), uniform; with the distance it sets the arrival speed."""
    max_spin: float = 3.0
    """Largest spin (rad/s) of the flying object."""
    over_palm: float = 0.0
    """When > 0 (with ``palm_up``), the catch pose puts the object's centre above the palm centre: the
    direction from the palm centre to the object's centre in the grasp points up to within this angle
    (rad), with a random turn about the vertical, and the object falls onto the hand from above. An
    object whose centre lies off the palm rolls or slides off it before the fingers close (open loop on
    MANO Bottle catches: 2 of 8 held with the centre 7.6-8.7 cm off the palm centre's normal, against 18
    of 24 within 6 cm). A grasp that cannot meet both rules gives no catch (reason ``catch_off_palm``)."""


@dataclass
class SkillConfig:
    """Trajectory settings (distances in m, angles in rad, per 1/60 s frame)."""

    step: float = 0.005
    """Wrist/object path length per frame (upstream 5 mm)."""
    max_rot_step: float = 0.05
    """Largest rotation per frame for slerped segments (upstream has none; 3°/frame)."""
    cone_radius: float = 0.2
    cone_half_angle: float = math.radians(45.0)
    hold_frames: int = 20
    close_frames: int = 12
    """The fingers stay open on the approach and close over its last ``close_frames`` frames. Closing
    them over the whole approach (as upstream) sweeps half-closed wrap fingers through the object
    before the wrist arrives: open-loop replay then knocks the object aside and lifts an empty hand."""
    lift: float = 0.5
    ramp_frames: int = 15
    """The lift (and so the place's descent) speeds up to ``step`` per frame and slows down to rest
    linearly over this many frames (upstream starts and stops at full speed). An instant 0.3 m/s
    start shook the object out of an open-loop replay of the place clips (0/5 held)."""
    tail_frames: int = 60
    workspace_xy: float = 0.5
    workspace_z: tuple[float, float] = (0.5, 1.0)
    min_wrist_z: float = 0.05
    clearance: float = 0.0
    """Required hand-object signed distance on frames labelled 0 (m)."""
    max_wrist_step: float = 0.012
    """Bound on wrist translation per frame outside ballistic phases (checked)."""
    max_fast_step: float = 0.06
    """Bound on wrist/object translation per frame in catch/throw (checked)."""
    max_tries: int = 100
    catch_min_z: float = 0.35
    """Lowest world height (m) of the wrist and the object while held in a catch clip. The upstream
    catch metric (``hot.tasks.tracking.metrics.success.CatchMetric``) needs both above 0.3 m on steps 51-88, and
    the absorb phase carries them down by up to v·τ; 2 of 6 MANO/Bottle catch clips ended at
    0.27-0.30 m, so even an exact replay failed the metric."""
    catch: FlightDesign = field(
        default_factory=lambda: FlightDesign(
            palm_up=0.8, dist=(0.1, 0.25), flight_s=(0.15, 0.3), max_spin=1.0, over_palm=0.2
        )
    )
    """How catch clips fly: a toss of 0.1-0.25 m onto an upturned palm, the object's centre above the palm
    centre. Open loop on MANO Bottle clips of two seeds (10 per seed, docs/dev/2026-12-05-session-10.md):
    65 % (13 of 20), against 6 % (1 of 18) with the throw design below, which launches along the grasp
    opening and often past the palm. With the centre over the palm (``over_palm`` 0.2; session 15, dev
    seeds 3 and 5): 24 of 24 against 20 of 32 without; the grasps whose centre lies off the palm give no
    catch (4 of 16 jobs per seed)."""
    throw: FlightDesign = field(default_factory=FlightDesign)
    """How throw clips (reversed catches) fly: the original catch design, launched along the grasp opening."""
    catch_match_frames: int = 0
    """Frames before the catch over which the open hand accelerates from rest to the object's
    arrival velocity (linear and angular), moving along the path a held object would have, so the
    object meets the hand at zero relative speed ("soft catch"). 0 (default): the hand waits still
    and takes the object's velocity at contact. Measured on the MANO training grasps (107 catches,
    open loop, docs/dev/2026-11-datagen-history.md, session 6): 6 frames gave 17.8 % against 24.3 %
    for 0, so it is off."""
    catch_close_lead: int = 0
    """Frames before contact at which the fingers start closing (they take 8 frames in all). With
    ``catch_match_frames`` 6, a lead of 4 gave 21.5 % open loop on the same 107 catches (0: 24.3 %)."""
    catch_min_frames: int = 102
    """Catch clips are padded (held still) to at least this many frames: a test runs 100 steps from
    frame 2 (``hot.eval_table``) and CatchMetric latches at step 88, past the end of the 70-77
    frame clips (the reference is zero there). Throw clips, the reversed catch, are not padded."""


_HAND_FRAMES: dict = {}


@dataclass
class SkillContext:
    """What a skill needs about one (hand, object) pair."""

    hand: HandModel
    chain: WristChain
    kin: HandKinematics
    sdf: ObjectSDF
    grasps: GraspSet
    poses: StablePoses
    platform_top: float
    cfg: SkillConfig = field(default_factory=SkillConfig)
    key_fk: KeyBodyFK | None = None
    open_pose: np.ndarray | None = None
    """Finger angles of the open hand (F,); None: zeros within the joint limits. The pipeline passes
    the grasp sampler's own open pose (``closing.hand_frame``: fingers straight, thumb tucked behind
    the palm plane): a MANO thumb at zero sticks out in front of the palm, through the object at
    the wrap grasps' wrist pose (8-14 mm deep), and knocked the object aside while closing."""
    open_poses: np.ndarray | None = None
    """Per-grasp open poses (G, F), e.g. the pinch sampler's pre-shapes (fingertips just apart
    around the object, the other fingers curled); the approach and release of grasp ``g`` use row
    ``g`` instead of ``open_pose``."""
    rejected: str | None = None
    """Why the last planner call returned None, where the planner says (:func:`_reject`); read and
    cleared by :func:`make_clip` to count failure reasons."""

    def grasp_tf(self, g: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Wrist pose in the object frame and fingers of grasp ``g`` (float64)."""
        gs = self.grasps
        return (
            torch.tensor(gs.wrist_pos_o[g], dtype=torch.float64),
            torch.tensor(gs.wrist_quat_o[g], dtype=torch.float64),
            torch.tensor(gs.fingers[g], dtype=torch.float64),
        )

    def _hand_frame(self):
        """``hot.datagen.closing.hand_frame`` of this hand, computed once per hand."""
        if self.hand.name not in _HAND_FRAMES:
            from hot.datagen.closing import hand_frame

            _HAND_FRAMES[self.hand.name] = hand_frame(self.hand)
        return _HAND_FRAMES[self.hand.name]

    @property
    def palm_normal(self) -> torch.Tensor:
        """Unit palm normal in the wrist frame (``hot.datagen.closing.hand_frame``)."""
        return torch.tensor(np.asarray(self._hand_frame().palm_normal, dtype=np.float64))

    @property
    def palm_center(self) -> torch.Tensor:
        """Palm centre in the wrist frame (``hot.datagen.closing.hand_frame``)."""
        return torch.tensor(np.asarray(self._hand_frame().palm_center, dtype=np.float64))

    def open_for(self, g: int) -> torch.Tensor:
        """The open hand of grasp ``g``'s approach and release."""
        if self.open_poses is None:
            return self.q_open
        lo, hi = self.kin.finger_lo.double(), self.kin.finger_hi.double()
        return torch.as_tensor(self.open_poses[g], dtype=torch.float64).clamp(lo, hi)

    @property
    def q_open(self) -> torch.Tensor:
        lo, hi = self.kin.finger_lo.double(), self.kin.finger_hi.double()
        if self.open_pose is None:
            return torch.zeros_like(lo).clamp(lo, hi)
        return torch.as_tensor(self.open_pose, dtype=torch.float64).clamp(lo, hi)


@dataclass
class Plan:
    """World-frame kinematic plan, T frames (float64, wxyz).

    Attributes: wrist_pos (T, 3), wrist_quat (T, 4), fingers (T, F), obj_pos (T, 3), obj_quat (T, 4),
    contact (T,), fast (T,) bool marking ballistic/catching frames (looser motion bound).
    """

    wrist_pos: torch.Tensor
    wrist_quat: torch.Tensor
    fingers: torch.Tensor
    obj_pos: torch.Tensor
    obj_quat: torch.Tensor
    contact: torch.Tensor
    fast: torch.Tensor

    def __len__(self) -> int:
        return int(self.wrist_pos.shape[0])

    @staticmethod
    def cat(plans: list[Plan]) -> Plan:
        return Plan(**{k: torch.cat([getattr(p, k) for p in plans]) for k in Plan.__dataclass_fields__})

    def pad(self, first: int = 0, last: int = 0) -> Plan:
        idx = torch.cat(
            [
                torch.zeros(first, dtype=torch.long),
                torch.arange(len(self)),
                torch.full((last,), len(self) - 1, dtype=torch.long),
            ]
        )
        return Plan(**{k: getattr(self, k)[idx] for k in Plan.__dataclass_fields__})


def reverse_plan(p: Plan) -> Plan:
    """Exact time reversal."""
    return Plan(**{k: torch.flip(getattr(p, k), [0]) for k in Plan.__dataclass_fields__})


# ------------------------------------------------------------------------------------------ geometry


def _attach(obj_pos, obj_quat, wp_o, wq_o):
    """Wrist world pose from object poses ``(T, 3/4)`` and the grasp transform."""
    wq = quat_mul(obj_quat, wq_o.expand_as(obj_quat))
    return obj_pos + quat_rotate(obj_quat, wp_o.expand_as(obj_pos)), quat_normalize(wq)


def _detach(w_pos, w_quat, wp_o, wq_o):
    """Object world pose from wrist poses and the grasp transform."""
    oq = quat_normalize(quat_mul(w_quat, quat_conj(wq_o).expand_as(w_quat)))
    return w_pos - quat_rotate(oq, wp_o.expand_as(w_pos)), oq


def _slerp(q0: torch.Tensor, q1: torch.Tensor, s: torch.Tensor) -> torch.Tensor:
    """Slerp between two quaternions at fractions ``s (T,)`` (shortest path)."""
    if float((q0 * q1).sum()) < 0:
        q1 = -q1
    d = quat_mul(quat_conj(q0), q1)
    e = quat_to_exp_map(d)
    return quat_normalize(quat_mul(q0.expand(len(s), 4), quat_from_exp_map(e * s[:, None])))


def _n_frames(dist: float, angle: float, cfg: SkillConfig) -> int:
    return max(2, int(math.ceil(dist / cfg.step)), int(math.ceil(angle / cfg.max_rot_step)) + 1)


def _segment(p0, q0, p1, q1, cfg: SkillConfig, n: int | None = None):
    """Lerp/slerp from (p0, q0) to (p1, q1) inclusive, at most ``cfg.step`` m per frame."""
    ang = float(quat_to_exp_map(quat_mul(quat_conj(q0), q1)).norm())
    if n is None:
        n = _n_frames(float((p1 - p0).norm()), ang, cfg)
    s = torch.linspace(0, 1, n, dtype=torch.float64)
    return p0 + (p1 - p0) * s[:, None], _slerp(q0, q1, s)


def _yaw_quat(yaw: float) -> torch.Tensor:
    return torch.tensor([math.cos(yaw / 2), 0.0, 0.0, math.sin(yaw / 2)], dtype=torch.float64)


def _random_quat(rng: np.random.Generator) -> torch.Tensor:
    q = rng.normal(size=4)
    q /= np.linalg.norm(q)
    return torch.tensor(q, dtype=torch.float64)


def _reject(ctx: SkillContext, reason: str) -> None:
    """Record why a planner gives up (see :data:`REJECT_REASONS`) and return None, its failure value."""
    ctx.rejected = reason


def _const(x: torch.Tensor, n: int) -> torch.Tensor:
    return x.unsqueeze(0).expand(n, *x.shape).clone()


def _plan(wp, wq, f, op, oq, c, fast=False) -> Plan:
    n = len(wp)
    return Plan(
        wp,
        wq,
        f,
        op,
        oq,
        torch.as_tensor(c, dtype=torch.float64).expand(n).clone(),
        torch.full((n,), bool(fast)),
    )


# ------------------------------------------------------------------------------------------ skills


def _placement(ctx: SkillContext, s: int, rng: np.random.Generator):
    """Random placement of stable pose ``s``: x, y in the workspace, random yaw."""
    xy = rng.uniform(-ctx.cfg.workspace_xy, ctx.cfg.workspace_xy, size=2)
    yaw = rng.uniform(-math.pi, math.pi)
    pos = torch.tensor([xy[0], xy[1], float(ctx.poses.z[s])], dtype=torch.float64)
    quat = quat_normalize(quat_mul(_yaw_quat(yaw), torch.tensor(ctx.poses.quat[s], dtype=torch.float64)))
    return pos, quat


def _pregrasp(ctx: SkillContext, w_pos, o_pos, rng: np.random.Generator):
    """Start on the cone shell (radius 0.2 m, 45° about object->wrist), within 45° of +z, in the workspace."""
    cfg = ctx.cfg
    axis = torch.nn.functional.normalize(w_pos - o_pos, dim=0).numpy()
    n = 512
    cos_t = rng.uniform(math.cos(cfg.cone_half_angle), 1.0, n)
    phi = rng.uniform(0, 2 * math.pi, n)
    sin_t = np.sqrt(1 - cos_t**2)
    tmp = np.array([1.0, 0, 0]) if abs(axis[0]) < 0.9 else np.array([0, 1.0, 0])
    e1 = np.cross(axis, tmp)
    e1 /= np.linalg.norm(e1)
    e2 = np.cross(axis, e1)
    d = cos_t[:, None] * axis + sin_t[:, None] * (np.cos(phi)[:, None] * e1 + np.sin(phi)[:, None] * e2)
    start = w_pos.numpy() + cfg.cone_radius * d
    inside = (
        (np.abs(start[:, :2] - np.array(BASE_POS[:2])) <= cfg.workspace_xy).all(-1)
        & (start[:, 2] >= float(w_pos[2]))
        & (start[:, 2] <= cfg.workspace_z[1])
    )
    idx = np.nonzero(inside & (d[:, 2] >= math.cos(math.radians(45.0))))[0]
    if len(idx) == 0:
        # side grasps: the 45° cone about a near-horizontal axis never comes within 45° of +z;
        # take the steepest sampled direction that still comes from above (documented deviation)
        idx = np.nonzero(inside & (d[:, 2] > 0.2))[0]
        if len(idx) == 0:
            return None
        idx = idx[np.argsort(-d[idx, 2], kind="stable")]
    return torch.tensor(start[idx[0]], dtype=torch.float64)


def _approach(ctx: SkillContext, g: int, o_pos, o_quat, rng) -> Plan | None:
    """Pre-grasp -> grasp (object resting), fingers open until the last ``close_frames`` frames,
    then closing to the grasp; labels 0 ... -1 x4; then hold 20."""
    cfg = ctx.cfg
    wp_o, wq_o, fingers = ctx.grasp_tf(g)
    w_pos, w_quat = _attach(o_pos[None], o_quat[None], wp_o, wq_o)
    w_pos, w_quat = w_pos[0], w_quat[0]
    if float(w_pos[2]) < cfg.min_wrist_z:
        return _reject(ctx, "grasp_below_platform")
    start = _pregrasp(ctx, w_pos, o_pos, rng)
    if start is None:
        return _reject(ctx, "no_approach")
    n = int(round(cfg.cone_radius / cfg.step))
    s = torch.linspace(0, 1, n + 1, dtype=torch.float64)[:-1]
    wp = start + (w_pos - start) * s[:, None]
    c = torch.zeros(n, dtype=torch.float64)
    c[-4:] = -1
    k = min(cfg.close_frames, n)
    s_f = ((torch.arange(n, dtype=torch.float64) - (n - k)) / k).clamp(min=0.0)
    q_open = ctx.open_for(g)
    f = q_open + (fingers - q_open) * s_f[:, None]
    appr = Plan(
        wp, _const(w_quat, n), f, _const(o_pos, n), _const(o_quat, n), c, torch.zeros(n, dtype=torch.bool)
    )
    h = cfg.hold_frames
    hold = _plan(
        _const(w_pos, h), _const(w_quat, h), _const(fingers, h), _const(o_pos, h), _const(o_quat, h), 1.0
    )
    return Plan.cat([appr, hold])


def _eased(dist: float, step: float, ramp: int) -> torch.Tensor:
    """Cumulative distances (n,) ending at ``dist``: speed ``step`` per frame, reached and left
    linearly over ``ramp`` frames (n = dist/step + ramp frames)."""
    n = int(round(dist / step)) + ramp
    i = torch.arange(n, dtype=torch.float64) + 0.5
    v = torch.minimum(
        torch.minimum(i / max(ramp, 1), (n - i) / max(ramp, 1)), torch.ones(n, dtype=torch.float64)
    )
    c = torch.cumsum(v, 0)
    return c * (dist / float(c[-1]))


def _lift(ctx: SkillContext, g: int, last: Plan, height: float) -> Plan:
    cfg = ctx.cfg
    wp_o, wq_o, fingers = ctx.grasp_tf(g)
    z = _eased(height, cfg.step, cfg.ramp_frames)
    n = len(z)
    dz = torch.zeros(n, 3, dtype=torch.float64)
    dz[:, 2] = z
    wp = last.wrist_pos[-1] + dz
    wq = _const(last.wrist_quat[-1], n)
    op, oq = _detach(wp, wq, wp_o, wq_o)
    return _plan(wp, wq, _const(fingers, n), op, oq, 1.0)


def skill_grasp(ctx: SkillContext, g: int, s: int, rng) -> Plan | None:
    o_pos, o_quat = _placement(ctx, s, rng)
    a = _approach(ctx, g, o_pos, o_quat, rng)
    if a is None:
        return None
    lift = _lift(ctx, g, a, ctx.cfg.lift)
    return Plan.cat([a, lift]).pad(last=ctx.cfg.tail_frames)


def skill_place(ctx: SkillContext, g: int, s: int, rng) -> Plan | None:
    p = skill_grasp(ctx, g, s, rng)
    return None if p is None else reverse_plan(p)


def skill_move(ctx: SkillContext, g: int, s: int, rng) -> Plan | None:
    cfg = ctx.cfg
    wp_o, wq_o, fingers = ctx.grasp_tf(g)

    def rand_pos():
        xy = rng.uniform(-cfg.workspace_xy, cfg.workspace_xy, 2)
        return torch.tensor([xy[0], xy[1], rng.uniform(*cfg.workspace_z)], dtype=torch.float64)

    p1, p2 = rand_pos(), rand_pos()
    q1 = _random_quat(rng)
    axis = torch.tensor(rng.normal(size=3), dtype=torch.float64)
    axis = axis / axis.norm()
    n = _n_frames(float((p2 - p1).norm()), math.pi, cfg)
    s_ = torch.linspace(0, 1, n, dtype=torch.float64)
    op = p1 + (p2 - p1) * s_[:, None]
    d = quat_from_axis_angle(axis.expand(n, 3), math.pi * s_)  # the 180° turn, about the world axis
    oq = quat_normalize(quat_mul(d, q1.expand(n, 4)))
    wp, wq = _attach(op, oq, wp_o, wq_o)
    p = _plan(wp, wq, _const(fingers, n), op, oq, 1.0)
    mode = rng.integers(3)
    k = int(rng.integers(1, 31))
    return p.pad(last=k) if mode == 0 else (p.pad(first=k) if mode == 1 else p)


def _release(ctx: SkillContext, g: int, last: Plan, retreat: float = 0.1, n_open: int = 15) -> Plan:
    """Open the fingers while backing off along the wrist->object axis (object resting)."""
    wp_o, wq_o, fingers = ctx.grasp_tf(g)
    w_pos, w_quat = last.wrist_pos[-1], last.wrist_quat[-1]
    o_pos, o_quat = last.obj_pos[-1], last.obj_quat[-1]
    away = torch.nn.functional.normalize(w_pos - o_pos, dim=0)
    n = max(n_open, int(round(retreat / ctx.cfg.step)))
    s = torch.linspace(0, 1, n + 1, dtype=torch.float64)[1:]
    wp = w_pos + away * retreat * s[:, None]
    f = fingers + (ctx.open_for(g) - fingers) * (s[:, None] * n / n_open).clamp(max=1.0)
    c = torch.zeros(n, dtype=torch.float64)
    c[:4] = -1
    return Plan(
        wp, _const(w_quat, n), f, _const(o_pos, n), _const(o_quat, n), c, torch.zeros(n, dtype=torch.bool)
    )


def _transit(ctx: SkillContext, p0, q0, p1, q1, f, o_pos, o_quat, via=None) -> Plan:
    """Free hand motion (label 0) through optional via points; orientation slerped over the whole path."""
    pts = [p0] + ([] if via is None else list(via)) + [p1]
    lens = [float((b - a).norm()) for a, b in zip(pts[:-1], pts[1:], strict=True)]
    total = sum(lens)
    ang = float(quat_to_exp_map(quat_mul(quat_conj(q0), q1)).norm())
    n = _n_frames(total, ang, ctx.cfg)
    s = torch.linspace(0, 1, n + 1, dtype=torch.float64)[1:]
    # arc-length parameterisation of the polyline
    cum = np.concatenate([[0.0], np.cumsum(lens)]) / max(total, 1e-9)
    wp = torch.empty(n, 3, dtype=torch.float64)
    for i, si in enumerate(s.tolist()):
        k = min(int(np.searchsorted(cum, si, side="right")) - 1, len(lens) - 1)
        u = (si - cum[k]) / max(cum[k + 1] - cum[k], 1e-12)
        wp[i] = pts[k] + (pts[k + 1] - pts[k]) * u
    wq = _slerp(q0, q1, s)
    return _plan(wp, wq, _const(f, n), _const(o_pos, n), _const(o_quat, n), 0.0)


def skill_regrasp(ctx: SkillContext, g: int, s: int, rng) -> Plan | None:
    cands = [k for k in range(len(ctx.grasps)) if k != g]
    if not cands:
        return None
    g2 = int(cands[int(rng.integers(len(cands)))])
    o_pos, o_quat = _placement(ctx, s, rng)
    wp_o, wq_o, fingers = ctx.grasp_tf(g)
    w_pos, w_quat = _attach(o_pos[None], o_quat[None], wp_o, wq_o)
    h = 10
    hold = _plan(
        _const(w_pos[0], h),
        _const(w_quat[0], h),
        _const(fingers, h),
        _const(o_pos, h),
        _const(o_quat, h),
        1.0,
    )
    rel = _release(ctx, g, hold)
    second = _approach(ctx, g2, o_pos, o_quat, rng)
    if second is None:
        return None
    via = [o_pos + torch.tensor([0.0, 0.0, 0.25], dtype=torch.float64)]
    tr = _transit(
        ctx,
        rel.wrist_pos[-1],
        rel.wrist_quat[-1],
        second.wrist_pos[0],
        second.wrist_quat[0],
        ctx.q_open,
        o_pos,
        o_quat,
        via,
    )
    lift = _lift(ctx, g2, second, 0.3)
    return Plan.cat([hold, rel, tr, second, lift]).pad(last=30)


def skill_rotate(ctx: SkillContext, g: int, s: int, rng) -> Plan | None:
    cfg = ctx.cfg
    wp_o, wq_o, fingers = ctx.grasp_tf(g)
    xy = rng.uniform(-0.3, 0.3, 2)
    p = torch.tensor([xy[0], xy[1], rng.uniform(0.6, 0.9)], dtype=torch.float64)
    q0 = _random_quat(rng)
    axis = torch.tensor(rng.normal(size=3), dtype=torch.float64)
    axis = axis / axis.norm()
    angle = rng.uniform(math.pi / 2, math.pi)
    n = int(math.ceil(angle / cfg.max_rot_step)) + 1
    a = torch.linspace(0, angle, n, dtype=torch.float64)
    oq = quat_normalize(quat_mul(quat_from_axis_angle(axis.expand(n, 3), a), q0.expand(n, 4)))
    op = _const(p, n)
    wp, wq = _attach(op, oq, wp_o, wq_o)
    plan = _plan(wp, wq, _const(fingers, n), op, oq, 1.0)
    return plan.pad(first=10, last=max(10, 120 - n - 10))


def _quat_between(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """The shortest rotation taking unit vector ``a`` onto unit vector ``b`` (wxyz)."""
    axis = torch.linalg.cross(a, b)
    s, c = float(axis.norm()), float(a @ b)
    if s < 1e-9:
        if c > 0:
            return torch.tensor([1.0, 0.0, 0.0, 0.0], dtype=torch.float64)
        perp = torch.linalg.cross(a, torch.tensor([1.0, 0.0, 0.0], dtype=torch.float64))
        if float(perp.norm()) < 1e-6:
            perp = torch.linalg.cross(a, torch.tensor([0.0, 1.0, 0.0], dtype=torch.float64))
        return quat_from_axis_angle(perp / perp.norm(), torch.tensor(math.pi, dtype=torch.float64))
    return quat_from_axis_angle(axis / s, torch.tensor(math.atan2(s, c), dtype=torch.float64))


def _over_palm_pose(
    ctx: SkillContext, centre: torch.Tensor, rng, design: FlightDesign
) -> torch.Tensor | None:
    """A wrist orientation (world, wxyz) that puts the object's centre above the palm centre within
    ``design.over_palm`` (random turn about the vertical) with the palm facing up at least
    ``design.palm_up``; None when the grasp's centre lies too far off the palm for both. ``centre``: palm
    centre -> object centre in the wrist frame."""
    d = centre / centre.norm()
    z = torch.tensor([0.0, 0.0, 1.0], dtype=torch.float64)
    to_z = _quat_between(d, z)
    for _ in range(50):
        tilt = math.acos(1.0 - rng.uniform(0.0, 1.0) * (1.0 - math.cos(design.over_palm)))
        az = rng.uniform(-math.pi, math.pi)
        up = torch.tensor(
            [math.sin(tilt) * math.cos(az), math.sin(tilt) * math.sin(az), math.cos(tilt)],
            dtype=torch.float64,
        )
        q = quat_mul(_quat_between(z, up), quat_mul(_yaw_quat(rng.uniform(-math.pi, math.pi)), to_z))
        if float(quat_rotate(q, ctx.palm_normal)[2]) > design.palm_up:
            return quat_normalize(q)
    return None


def _catch_pose(
    ctx: SkillContext, wp_o: torch.Tensor, wq_o: torch.Tensor, rng, design: FlightDesign
) -> tuple[torch.Tensor, torch.Tensor] | None:
    """(wrist orientation, unit direction the object comes in from) of a catch, both world; None if
    no draw meets ``design``'s rule."""
    to_obj = -quat_rotate(quat_conj(wq_o), wp_o)  # wrist -> object, wrist frame
    if design.palm_up > 0 and design.over_palm > 0:
        centre = to_obj - ctx.palm_center
        wq_c = _over_palm_pose(ctx, centre, rng, design)
        if wq_c is None:
            return None
        return wq_c, quat_rotate(wq_c, centre / centre.norm())
    for _ in range(200 if design.palm_up > 0 else 50):
        wq_c = _random_quat(rng)
        if design.palm_up > 0:
            o_dir = quat_rotate(wq_c, ctx.palm_normal)
            if float(o_dir[2]) > design.palm_up:
                return wq_c, o_dir
        else:
            o_dir = quat_rotate(wq_c, to_obj / to_obj.norm())
            if float(o_dir[2]) > design.min_up:
                return wq_c, o_dir
    return None


def _catch(ctx: SkillContext, g: int, rng, design: FlightDesign) -> Plan | None:
    """Ballistic flight into the open hand, then fingers close while the hand absorbs the motion."""
    wp_o, wq_o, fingers = ctx.grasp_tf(g)
    # catch pose: a wrist orientation whose grasp opening (wrist -> object) is not pointing down, or
    # (design.palm_up) whose palm faces up; the object comes in along that direction. With
    # design.over_palm the object's centre sits above the palm centre and falls onto it from above.
    picked = _catch_pose(ctx, wp_o, wq_o, rng, design)
    if picked is None:
        return _reject(ctx, "catch_off_palm") if design.over_palm > 0 and design.palm_up > 0 else None
    wq_c, o_dir = picked
    xy = rng.uniform(-0.3, 0.3, 2)
    w_c = torch.tensor([xy[0], xy[1], rng.uniform(0.5, 0.8)], dtype=torch.float64)
    o_c, oq_c = _detach(w_c[None], wq_c[None], wp_o, wq_o)
    o_c, oq_c = o_c[0], oq_c[0]
    # launch point: along that direction, design.dist away, flight design.flight_s
    t_f = rng.uniform(*design.flight_s)
    dist = rng.uniform(*design.dist)
    n_f = int(round(t_f * FPS))
    t_f = n_f * DT
    p0 = o_c.numpy() + dist * o_dir.numpy()
    v0 = (o_c.numpy() - p0 - 0.5 * GRAVITY * t_f**2) / t_f
    omega = rng.normal(size=3)
    omega = omega / np.linalg.norm(omega) * rng.uniform(0.0, design.max_spin)  # rad/s
    t = np.arange(n_f + 1) * DT
    op = torch.tensor(p0 + v0 * t[:, None] + 0.5 * GRAVITY * t[:, None] ** 2)
    oq = quat_normalize(
        quat_mul(quat_from_exp_map(torch.tensor(omega * (t - t_f)[:, None])), oq_c.expand(len(t), 4))
    )
    v_c = v0 + GRAVITY * t_f
    ang = quat_to_exp_map(quat_mul(quat_conj(oq[-2]), oq[-1])) * FPS  # ω at arrival
    # the open hand waits, then over the last m frames matches the object's velocity: it rides a
    # virtual "held" object displaced by v (t + t^2 / (2 T)), t in [-T, 0], so it is at rest at -T
    # and moves with (v_c, ω) at contact
    m = min(int(ctx.cfg.catch_match_frames), n_f)
    tm = np.minimum(t - t_f, 0.0)
    tm = np.maximum(tm, -m * DT) if m > 0 else np.zeros_like(tm)
    s_m = tm + tm**2 / (2 * m * DT) if m > 0 else tm
    vq = quat_normalize(
        quat_mul(quat_from_exp_map(ang[None] * torch.tensor(s_m)[:, None]), oq_c.expand(len(t), 4))
    )
    w_f, wq_f = _attach(o_c + torch.tensor(v_c[None] * s_m[:, None]), vq, wp_o, wq_o)
    lead = min(int(ctx.cfg.catch_close_lead), 8, n_f)
    sf_f = torch.tensor(np.clip((np.arange(n_f + 1) - (n_f - lead)) / 8.0, 0, 1))
    flight = _plan(w_f, wq_f, ctx.q_open + (fingers - ctx.q_open) * sf_f[:, None], op, oq, 0.0, fast=True)
    flight.contact[-4:] = -1
    flight = Plan(**{k: getattr(flight, k)[:-1] for k in Plan.__dataclass_fields__})  # frame n_f = first held
    # absorb: the held object decelerates exponentially from v_c (tau 0.1 s); fingers close in 8 frames
    tau = 0.1
    n_a = 30
    ta = np.arange(n_a) * DT
    disp = v_c[None] * tau * (1 - np.exp(-ta / tau))[:, None]
    o_pa = o_c + torch.tensor(disp)
    ang_disp = ang[None] * torch.tensor(tau * (1 - np.exp(-ta / tau)))[:, None]
    oq_a = quat_normalize(quat_mul(quat_from_exp_map(ang_disp), oq_c.expand(n_a, 4)))
    w_pa, wq_a = _attach(o_pa, oq_a, wp_o, wq_o)
    sf = torch.tensor(np.clip((np.arange(n_a) + lead) / 8.0, 0, 1))
    f = ctx.q_open + (fingers - ctx.q_open) * sf[:, None]
    c = torch.ones(n_a, dtype=torch.float64)
    c[:4] = -1
    if float(min(o_pa[:, 2].min(), w_pa[:, 2].min())) < ctx.cfg.catch_min_z:
        return None  # caught too low for the catch metric's height rule
    absorb = Plan(w_pa, wq_a, f, o_pa, oq_a, c, torch.ones(n_a, dtype=torch.bool))
    return Plan.cat([flight, absorb]).pad(last=20)


def skill_catch(ctx: SkillContext, g: int, s: int, rng) -> Plan | None:
    p = _catch(ctx, g, rng, ctx.cfg.catch)
    return None if p is None else p.pad(last=max(0, ctx.cfg.catch_min_frames - len(p)))


def skill_throw(ctx: SkillContext, g: int, s: int, rng) -> Plan | None:
    p = _catch(ctx, g, rng, ctx.cfg.throw)
    return None if p is None else reverse_plan(p)


def skill_freemove(ctx: SkillContext, g: int, s: int, rng) -> Plan | None:
    cfg = ctx.cfg
    o_pos, o_quat = _placement(ctx, s, rng)
    lo, hi = ctx.kin.finger_lo.double(), ctx.kin.finger_hi.double()
    plans = []
    p = None
    for _ in range(3):
        xy = rng.uniform(-cfg.workspace_xy, cfg.workspace_xy, 2)
        p_new = torch.tensor([xy[0], xy[1], rng.uniform(*cfg.workspace_z)], dtype=torch.float64)
        q_new = _random_quat(rng)
        f_new = lo + (hi - lo) * torch.tensor(rng.uniform(0.0, 0.5, len(lo)))
        if p is None:
            p, q, f = p_new, q_new, f_new
            continue
        seg = _transit(ctx, p, q, p_new, q_new, f, o_pos, o_quat)
        k = len(seg)
        seg.fingers = f + (f_new - f) * torch.linspace(1.0 / k, 1.0, k, dtype=torch.float64)[:, None]
        plans.append(seg)
        p, q, f = p_new, q_new, f_new
    first = plans[0]
    start = _plan(
        first.wrist_pos[:1], first.wrist_quat[:1], first.fingers[:1], o_pos[None], o_quat[None], 0.0
    )
    return Plan.cat([start] + plans).pad(last=10)


def skill_long(ctx: SkillContext, g: int, s: int, rng) -> Plan | None:
    def checked(fn):
        for _ in range(20):
            p = fn(ctx, g, s, rng)
            if p is not None and check_plan(ctx, p) is None:
                return p
        return None

    grasp = checked(skill_grasp)
    place = checked(skill_place) if grasp is not None else None
    if grasp is None or place is None:
        return None
    grasp = Plan(
        **{k: getattr(grasp, k)[: len(grasp) - ctx.cfg.tail_frames] for k in Plan.__dataclass_fields__}
    )
    place = Plan(**{k: getattr(place, k)[ctx.cfg.tail_frames :] for k in Plan.__dataclass_fields__})
    wp_o, wq_o, fingers = ctx.grasp_tf(g)
    op, oq = _segment(grasp.obj_pos[-1], grasp.obj_quat[-1], place.obj_pos[0], place.obj_quat[0], ctx.cfg)
    op, oq = op[1:-1], oq[1:-1]
    wp, wq = _attach(op, oq, wp_o, wq_o)
    carry = _plan(wp, wq, _const(fingers, len(op)), op, oq, 1.0)
    return Plan.cat([grasp, carry, place])


SKILL_FNS = {
    "grasp": skill_grasp,
    "move": skill_move,
    "place": skill_place,
    "regrasp": skill_regrasp,
    "rotate": skill_rotate,
    "catch": skill_catch,
    "throw": skill_throw,
    "freemove": skill_freemove,
    "long": skill_long,
}


# ------------------------------------------------------------------------------------------ checks


def check_plan(ctx: SkillContext, p: Plan) -> str | None:
    """Why ``p`` is rejected (None if it passes): motion bounds, platform, clearance on label-0 frames."""
    cfg = ctx.cfg
    if len(p) < 2:
        return "too short"
    dw = (p.wrist_pos[1:] - p.wrist_pos[:-1]).norm(dim=-1)
    do = (p.obj_pos[1:] - p.obj_pos[:-1]).norm(dim=-1)
    fast = p.fast[1:] | p.fast[:-1]
    lim = torch.where(fast, torch.tensor(cfg.max_fast_step), torch.tensor(cfg.max_wrist_step)).double()
    if (dw > lim).any() or (do > lim).any():
        return "per-frame motion bound"
    trans = p.wrist_pos.float()
    rot = quat_to_matrix(p.wrist_quat).float()
    with torch.no_grad():
        pos, brot = ctx.kin.forward(trans, rot, p.fingers.float())
        pts, _ = ctx.kin.surface(pos, brot)
    if float(pts[..., 2].min()) < ctx.platform_top - 1e-3:
        return "hand below the platform"
    free = p.contact == 0
    if free.any():
        o_pts = quat_rotate(
            quat_conj(p.obj_quat[free]).float()[:, None].expand(-1, pts.shape[1], 4),
            pts[free] - p.obj_pos[free].float()[:, None],
        )
        sd, _ = ctx.sdf.query(o_pts, normals=False)
        if float(sd.min()) < cfg.clearance:
            return "hand touches the object on a no-contact frame"
    return None


GRASP_ON_PLATFORM = ("grasp", "place", "regrasp", "long")
"""Skills whose clips hold grasp ``g`` on the object resting in stable pose ``s``: a (grasp, pose) pair
that fails :func:`platform_fit` can give none of their clips."""


def platform_fit(
    kin: HandKinematics,
    grasps: GraspSet,
    poses: StablePoses,
    pose_ids: list[int],
    platform_top: float,
    min_wrist_z: float,
) -> np.ndarray:
    """Which grasps can be taken from which resting poses: ``(G, len(pose_ids))`` bool.

    Grasp ``g`` fits pose ``s`` when, closed on the object resting in that pose, its wrist is at least
    ``min_wrist_z`` high and every hand surface sample lies above the platform top (with the 1 mm
    tolerance of :func:`check_plan`). A grasp clip holds exactly this configuration for
    ``hold_frames`` frames, so a pair that does not fit fails every draw: wraps that enclose a thin
    object lying down put their fingers through the platform. Heading and position on the platform
    do not change the heights, so one placement per pose decides.
    """
    g_n = len(grasps)
    out = np.zeros((g_n, len(pose_ids)), dtype=bool)
    if g_n == 0 or not pose_ids:
        return out
    wp_o = torch.as_tensor(np.asarray(grasps.wrist_pos_o), dtype=torch.float64)
    wq_o = torch.as_tensor(np.asarray(grasps.wrist_quat_o), dtype=torch.float64)
    fingers = torch.as_tensor(np.asarray(grasps.fingers), dtype=torch.float32)
    for j, s in enumerate(pose_ids):
        o_pos = torch.tensor([0.0, 0.0, float(poses.z[s])], dtype=torch.float64).expand(g_n, 3)
        o_quat = torch.as_tensor(poses.quat[s], dtype=torch.float64).expand(g_n, 4)
        w_pos, w_quat = _attach(o_pos, o_quat, wp_o, wq_o)
        with torch.no_grad():
            pos, brot = kin.forward(w_pos.float(), quat_to_matrix(w_quat).float(), fingers)
            pts, _ = kin.surface(pos, brot)
        low = pts[..., 2].amin(dim=-1).numpy()
        out[:, j] = (w_pos[:, 2].numpy() >= min_wrist_z) & (low >= platform_top - 1e-3)
    return out


def plan_to_clip(ctx: SkillContext, p: Plan) -> MotionClip | None:
    """IK + key-body FK; None if any frame fails the IK check."""
    ik = wrist_ik(ctx.chain, p.wrist_pos, p.wrist_quat)
    if not bool(ik.ok.all()):
        return None
    t = len(p)
    obj_quat = quat_sign_continuity(p.obj_quat)
    vel = torch.zeros(t, 3, dtype=torch.float64)
    if t > 1:
        vel[1:-1] = (p.obj_pos[2:] - p.obj_pos[:-2]) * (FPS / 2)
        vel[0] = (p.obj_pos[1] - p.obj_pos[0]) * FPS
        vel[-1] = (p.obj_pos[-1] - p.obj_pos[-2]) * FPS
    f32 = torch.float32
    clip = MotionClip(
        root_pos=torch.tensor(BASE_POS, dtype=f32).repeat(t, 1),
        root_rot=identity_quat(t),
        wrist_dof=ik.dofs.to(f32),
        fingers_dof=p.fingers.to(f32),
        body_pos=torch.zeros(t, ctx.hand.num_key_bodies, 3),
        obj_pos=p.obj_pos.to(f32),
        obj_rot=obj_quat.to(f32),
        obj_pos_vel=vel.to(f32),
        contact1=p.contact.to(f32),
        contact2=torch.zeros(t),
    )
    if ctx.key_fk is None:
        from hot.motion.fk import KeyBodyFK

        ctx.key_fk = KeyBodyFK(ctx.hand)
    return clip.replace(body_pos=ctx.key_fk(clip).to(f32))


REJECT_REASONS: dict[str, str] = {
    "open_loop": "the hand does not execute the clip when it is replayed open loop (the open-loop check)",
    "grasp_below_platform": "the grasp's wrist is below the platform in this stable pose",
    "no_approach": "no approach from above (the grasp faces the platform in this stable pose)",
    "planner": "the skill's planner found no feasible plan",
    "too short": "plan too short",
    "per-frame motion bound": "per-frame motion bound exceeded",
    "hand below the platform": "hand collides with the platform",
    "hand touches the object on a no-contact frame": "hand touches the object on a no-contact frame",
    "ik": "wrist IK failure",
    "grasp_meets_platform": "the hand, closed at the grasp, meets the platform in this stable pose",
    "catch_off_palm": "the object's centre lies too far off the palm for the hand to catch it palm up",
}
"""Why a clip attempt fails (key -> words): the planners' :func:`_reject` keys, :func:`check_plan`'s
reasons and IK. The pipeline counts failed clip jobs by their most frequent reason."""


def make_clip(
    ctx: SkillContext,
    skill: str,
    g: int,
    s: int,
    rng: np.random.Generator,
    why: dict[str, int] | None = None,
):
    """Up to ``cfg.max_tries`` attempts at one clip; returns ``(plan, clip, tries)`` or ``(None, None, tries)``.

    ``why``, if given, counts each failed attempt's reason (a :data:`REJECT_REASONS` key).
    """
    fn = SKILL_FNS[skill]
    for tries in range(1, ctx.cfg.max_tries + 1):
        ctx.rejected = None
        p = fn(ctx, g, s, rng)
        reason = (ctx.rejected or "planner") if p is None else check_plan(ctx, p)
        if reason is None:
            assert p is not None  # check_plan ran, so the planner returned a plan
            clip = plan_to_clip(ctx, p)
            if clip is not None:
                return p, clip, tries
            reason = "ik"
        if why is not None:
            why[reason] = why.get(reason, 0) + 1
    return None, None, ctx.cfg.max_tries
