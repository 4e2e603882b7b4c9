"""Static grasp synthesis (force closure, in the spirit of DexGraspNet) and MuJoCo validation.

Synthesis (:func:`synthesize_grasps`)
    Variables per candidate: wrist-frame position and orientation (6-D rotation) in the object
    frame, finger joint angles, and the indices of ``n_contacts`` contact points chosen among the
    hand's contact candidates (surface samples on the finger collision geoms). Energy, as in
    DexGraspNet::

        E = E_fc + 100 E_dis + 100 E_pen + 0.5 E_prior + 10 E_spen

    * ``E_fc``: norm of the net wrench of forces along the inward object normals at the chosen
      contacts (force closure when ~0), torques about the object origin (= its centre of mass).
      DexGraspNet uses unit forces; here each contact has a positive force, ``n * softmax(w)``,
      optimised with the pose (``weighted_fc``; a thumb opposing three fingers cannot balance
      them with unit forces), and the first ``thumb_contacts`` contacts lie on the thumb;
    * ``E_dis``: sum of |signed distance| of the chosen contacts to the object surface;
    * ``E_pen``: sum of the depth of hand surface samples inside the object;
    * ``E_prior``: finger joint-limit violation (rad);
    * ``E_spen``: hand self-penetration, sum of overlaps of the spheres approximating the collision
      geoms of non-adjacent bodies.

    Optimiser (documented deviation from DexGraspNet's MALA-style annealing): Adam on the continuous
    variables with a cosine-decayed step, plus every ``switch_every`` iterations a Metropolis step on
    the discrete contact choice (each contact re-drawn with probability ``switch_prob``, accepted if
    the energy drops or with probability ``exp(-ΔE / T)``, T annealed geometrically). Candidates start
    palm-facing: the hand's grasp centre (fingertip centroid at a half-closed pose) is put 0-2 cm
    outside a random object-surface sample, its approach axis along the inward normal, random roll.

Validation (:func:`validate_grasps`)
    The first validation of these candidates, kept as a library function (tested); the pipeline's
    ``--grasp_method fc`` (:mod:`hot.datagen.fc`) instead closes the fingers to contact and uses the
    wrap sampler's squeeze in physics and hold test. Each candidate is simulated in the compiled scene (``hot.sim.scene.compile_scene``) with
    ``mujoco.batch``: 6 worlds per grasp, gravity along +x, -x, +y, -y, +z, -z (per-world
    ``opt.gravity``; the hand has gravity compensation), the wrist PD-held at the grasp (IK from
    :mod:`hot.datagen.ik`) and the fingers PD-held at a "squeezed" target: the finger angles that
    move each chosen contact point ``squeeze`` (5 mm) further along the inward normal, found by a
    few gradient steps on the torch FK (DexGraspNet squeezes the same way before its simulation
    test). After ``duration`` (1 s) the object must stay within ``max_drift`` (2 cm) and
    ``max_rot_drift`` (15°) of its start pose relative to the wrist frame in all 6 worlds, and the
    hand-object penetration at the (unsqueezed) grasp, read from MuJoCo's contact distance, must be
    at most ``max_penetration`` (2 mm).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, cast

import numpy as np
import torch

from hot.assets.hands.base import HandModel
from hot.datagen.ik import WristChain, wrist_ik
from hot.datagen.kinematics import HandKinematics, matrix_to_rot6d, rot6d_to_matrix
from hot.datagen.sdf import ObjectSDF
from hot.sim.worlds import new_batch
from hot.utils.files import atomic_write
from hot.utils.rotations import (
    quat_conj,
    quat_diff_angle,
    quat_from_matrix,
    quat_mul,
    quat_rotate,
    quat_to_matrix,
)

if TYPE_CHECKING:
    from hot.sim.scene import SceneOptions

__all__ = [
    "GraspConfig",
    "GraspSet",
    "GraspProblem",
    "grasp_energies",
    "draw_contacts",
    "net_wrench_norm",
    "synthesize_grasps",
    "validate_grasps",
    "GRAVITY_DIRS",
]

GRAVITY_DIRS = np.array(
    [[1, 0, 0], [-1, 0, 0], [0, 1, 0], [0, -1, 0], [0, 0, 1], [0, 0, -1]], dtype=np.float64
)
"""The 6 gravity directions of the validation test."""

VALIDATION_OBJECT_POS = (0.0, 0.0, 0.8)
"""Object position during validation: far above the platform (top at 0.105 m) for any hand pose."""


@dataclass
class GraspConfig:
    """Grasp synthesis and validation settings."""

    batch_size: int = 64
    """Candidates optimised together."""
    iters: int = 300
    """Adam iterations per batch."""
    n_contacts: int = 4
    """Contact points in the force-closure energy (DexGraspNet: 4)."""
    w_dis: float = 100.0
    w_pen: float = 100.0
    w_prior: float = 0.5
    w_spen: float = 10.0
    lr_pos: float = 0.004
    """Adam step on the wrist position (m)."""
    lr_rot: float = 0.03
    """Adam step on the 6-D rotation entries."""
    lr_q: float = 0.05
    """Adam step on the finger angles (rad)."""
    weighted_fc: bool = True
    """Force closure with a free positive force per contact (``n_contacts * softmax(w)``, optimised
    with the pose): zero net wrench of positive contact forces, the usual force-closure condition.
    With unit forces (``False``, DexGraspNet's E_fc) a thumb opposing three fingers cannot balance."""
    lr_w: float = 0.05
    """Adam step on the contact-force logits."""
    thumb_contacts: int = 1
    """Contacts drawn from the thumb's candidates (the chain of the last fingertip body); the rest
    come from the other fingers, so the thumb opposes them. 0: any candidate."""
    switch_every: int = 10
    switch_prob: float = 0.5
    temp0: float = 1.0
    """Initial Metropolis temperature of the contact switches."""
    temp_decay: float = 0.9
    """Temperature factor per switch step."""
    init_gap: tuple[float, float] = (0.0, 0.02)
    """Distance range of the grasp centre outside the surface at initialisation (m)."""
    surface_spacing: float = 0.005
    """Spacing of the hand surface samples (m)."""
    # validation
    squeeze: float = 0.005
    """How far past contact (m, along the inward normal) the finger targets are set."""
    finger_kp_scale: float = 0.1
    """Finger PD gains during validation, relative to the hand's (the task gains, e.g. MANO's
    80-180 N·m/rad, turn a 0.1 rad squeeze into hundreds of newtons and eject the object)."""
    max_squeeze_angle: float = 0.1
    """Largest finger-target change of the squeeze (rad)."""
    duration: float = 1.0
    """Seconds of each gravity test."""
    max_drift: float = 0.02
    max_rot_drift_deg: float = 15.0
    max_penetration: float = 0.002
    nthread: int = 0
    """mujoco.batch threads (0: all CPUs)."""


@dataclass
class GraspSet:
    """Grasps of one hand on one object (object frame, wxyz).

    Attributes:
        wrist_pos_o: (G, 3) wrist-frame position in the object frame.
        wrist_quat_o: (G, 4) wrist-frame orientation in the object frame.
        fingers: (G, F) finger angles (``hand.finger_dof_names`` order).
        contact_idx: (G, n) chosen contacts, indices into ``GraspProblem.cand_local``.
        energy, e_fc, e_dis, e_pen, e_prior, e_spen: (G,) energy terms at the end of synthesis.
        penetration: (G,) MuJoCo hand-object penetration at the grasp (m, >= 0); NaN if not validated.
        valid: (G,) bool, passed the validation.
        meta: hand/object names, scale, seed, config.
    """

    wrist_pos_o: np.ndarray
    wrist_quat_o: np.ndarray
    fingers: np.ndarray
    contact_idx: np.ndarray
    energy: np.ndarray
    e_fc: np.ndarray
    e_dis: np.ndarray
    e_pen: np.ndarray
    e_prior: np.ndarray
    e_spen: np.ndarray
    penetration: np.ndarray
    valid: np.ndarray
    meta: dict = field(default_factory=dict)

    ARRAYS = (
        "wrist_pos_o",
        "wrist_quat_o",
        "fingers",
        "contact_idx",
        "energy",
        "e_fc",
        "e_dis",
        "e_pen",
        "e_prior",
        "e_spen",
        "penetration",
        "valid",
    )

    def __len__(self) -> int:
        return int(self.wrist_pos_o.shape[0])

    def subset(self, idx: np.ndarray) -> GraspSet:
        meta = dict(self.meta)
        idx_list = np.arange(len(self))[idx].tolist()
        for k, v in list(meta.items()):
            if isinstance(v, list) and len(v) == len(self):
                meta[k] = [v[i] for i in idx_list]
        return GraspSet(**{k: getattr(self, k)[idx] for k in self.ARRAYS}, meta=meta)

    @staticmethod
    def concat(sets: list[GraspSet]) -> GraspSet:
        # empty sets add no grasps; their meta lacks the per-grasp lists, which kept the first set's
        # list (one entry per grasp of that set only) for the whole concatenation
        sets = [s for s in sets if len(s)] or sets[:1]
        meta = dict(sets[0].meta) if sets else {}
        # per-grasp lists in meta (one entry per grasp) are concatenated too; one that some set lacks
        # is dropped rather than left shorter than the grasps
        for k, v in list(meta.items()):
            if isinstance(v, list) and len(v) == len(sets[0]):
                if all(isinstance(s.meta.get(k), list) and len(s.meta[k]) == len(s) for s in sets):
                    meta[k] = [x for s in sets for x in s.meta[k]]
                elif len(sets) > 1:
                    del meta[k]
        return GraspSet(
            **{k: np.concatenate([getattr(s, k) for s in sets]) for k in GraspSet.ARRAYS},
            meta=meta,
        )

    def save(self, path: str | os.PathLike) -> None:
        """Atomic ``.npz`` write (arrays + meta as a JSON string)."""
        import json

        with atomic_write(path, "wb") as f:
            np.savez(f, **{k: getattr(self, k) for k in self.ARRAYS}, meta=np.array(json.dumps(self.meta)))

    @classmethod
    def load(cls, path: str | os.PathLike) -> GraspSet:
        import json

        try:
            with np.load(path, allow_pickle=False) as z:
                missing = [k for k in cls.ARRAYS if k not in z]
                if missing:
                    raise ValueError(f"{path}: grasp file lacks keys {missing}")
                return cls(**{k: z[k] for k in cls.ARRAYS}, meta=json.loads(str(z["meta"])))
        except (OSError, ValueError) as exc:
            raise ValueError(f"{path}: cannot read grasp file ({exc})") from exc


class GraspProblem:
    """Everything grasp synthesis needs about one (hand, object) pair.

    Args:
        hand: the hand contract.
        obj: object asset with ``hull_paths`` (and ``name``, ``mass``, ``friction``, ``damping`` for
            validation, see ``hot.sim.scene.ObjectLike``).
        scale: object scale.
        cfg: settings.
        scene: physics options of the validation (``hot.sim.scene.SceneOptions``; the project's
            defaults if None).
    """

    def __init__(
        self,
        hand: HandModel,
        obj,
        scale: float = 1.0,
        cfg: GraspConfig | None = None,
        scene: SceneOptions | None = None,
    ):
        self.hand, self.obj, self.scale = hand, obj, scale
        self.cfg = cfg or GraspConfig()
        self.scene = scene
        self.kin = HandKinematics(hand, spacing=self.cfg.surface_spacing)
        self.sdf = ObjectSDF.from_hull_paths(list(obj.hull_paths), scale)
        self.surface_p, self.surface_n = self._object_surface()
        lo, hi = self.kin.finger_lo, self.kin.finger_hi
        self.q_open = torch.zeros_like(lo).clamp(lo, hi)
        self.q_mid = lo + 0.35 * (hi - lo)
        # grasp centre and approach axis in the wrist frame: fingertip centroid at a closed pose
        # (60 % of the range towards the upper limits; for a flat hand that point lies in front of
        # the palm, for a gripper between its fingers)
        eye = torch.eye(3).unsqueeze(0)
        q_close = lo + 0.6 * (hi - lo)
        pos, rot = self.kin.forward(torch.zeros(1, 3), eye, q_close.unsqueeze(0))
        tips = [self.kin.body_ids.index(self.kin.model.body(b).id) for b in hand.fingertip_bodies]
        tip_surf = torch.isin(self.kin.surf_body, torch.tensor(tips))
        pts, _ = self.kin.surface(pos, rot)
        self.centre_h = pts[0, tip_surf].mean(0)
        self.approach_h = torch.nn.functional.normalize(self.centre_h, dim=0)
        # contact candidates: only finger surface points whose outward normal faces the grasp centre
        # at the half-closed pose (the inner sides of the fingers; backs of fingers can never touch)
        pos_m, rot_m = self.kin.forward(torch.zeros(1, 3), eye, self.q_mid.unsqueeze(0))
        pts_m, _ = self.kin.surface(pos_m, rot_m)
        centre_m = pts_m[0, tip_surf].mean(0)
        cp, cn = self.kin.surface(pos_m, rot_m, self.kin.cand)
        facing = ((centre_m - cp[0]) * cn[0]).sum(-1) > 0
        self.cand_local = torch.nonzero(facing).squeeze(-1)
        if len(self.cand_local) < self.cfg.n_contacts:
            raise ValueError(
                f"hand {hand.name!r}: only {len(self.cand_local)} contact candidates face the palm"
            )
        # thumb candidates: surface points on the bodies from the last fingertip up to the wrist frame
        m = self.kin.model
        thumb, b = set(), m.body(hand.fingertip_bodies[-1]).id
        while b > 0 and m.body(b).name != hand.wrist_body:
            thumb.add(b)
            b = int(m.body_parentid[b])
        body_of = torch.tensor(self.kin.body_ids)[self.kin.surf_body[self.kin.cand[self.cand_local]]]
        self.cand_thumb = torch.isin(body_of, torch.tensor(sorted(thumb), dtype=torch.long))

    def _object_surface(self, n: int = 4096) -> tuple[torch.Tensor, torch.Tensor]:
        """Samples on the union's outer surface (hull faces not buried in another hull) with normals."""
        import trimesh

        meshes = [trimesh.convex.convex_hull(v) for v in self._hull_vertices()]
        area = np.array([m.area for m in meshes])
        counts = np.maximum(1, np.round(n * area / area.sum()).astype(int))
        ps, ns = [], []
        rng = np.random.default_rng(0)
        for m, c in zip(meshes, counts, strict=True):
            tri = np.asarray(m.triangles)
            fa = np.asarray(m.area_faces)
            face = rng.choice(len(tri), size=c, p=fa / fa.sum())
            uv = rng.random((c, 2))
            flip = uv.sum(1) > 1
            uv[flip] = 1 - uv[flip]
            t = tri[face]
            ps.append(t[:, 0] + uv[:, :1] * (t[:, 1] - t[:, 0]) + uv[:, 1:] * (t[:, 2] - t[:, 0]))
            ns.append(np.asarray(m.face_normals)[face])
        p = torch.tensor(np.concatenate(ps))
        nrm = torch.tensor(np.concatenate(ns))
        outer = self.sdf.exact(p + 0.002 * nrm) > 0.0015
        return p[outer].float(), nrm[outer].float()

    def _hull_vertices(self) -> list[np.ndarray]:
        import trimesh

        return [
            np.asarray(cast(trimesh.Trimesh, trimesh.load(str(p), force="mesh", process=True)).vertices)
            * self.scale
            for p in self.obj.hull_paths
        ]

    def init_poses(self, n: int, gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Palm-facing initial ``trans (n, 3)``, ``rot (n, 3, 3)``, ``q (n, F)`` around the object."""
        idx = torch.randint(len(self.surface_p), (n,), generator=gen)
        ps, ns = self.surface_p[idx], self.surface_n[idx]
        gap = self.cfg.init_gap[0] + torch.rand(n, 1, generator=gen) * (
            self.cfg.init_gap[1] - self.cfg.init_gap[0]
        )
        # rotation taking approach_h onto -n, then a random roll about -n
        a = self.approach_h.expand(n, 3)
        b = -ns
        v = torch.cross(a, b, dim=-1)
        c = (a * b).sum(-1, keepdim=True)
        vx = torch.zeros(n, 3, 3)
        vx[:, 0, 1], vx[:, 0, 2], vx[:, 1, 2] = -v[:, 2], v[:, 1], -v[:, 0]
        vx = vx - vx.transpose(1, 2)
        r_align = torch.eye(3) + vx + vx @ vx / (1 + c).clamp_min(1e-6).unsqueeze(-1)
        flip = c.squeeze(-1) < -0.999  # antiparallel: rotate π about any axis orthogonal to a
        if flip.any():
            perp = torch.nn.functional.normalize(
                torch.cross(a[flip], torch.randn(int(flip.sum()), 3, generator=gen), dim=-1), dim=-1
            )
            r_align[flip] = 2 * perp.unsqueeze(-1) * perp.unsqueeze(-2) - torch.eye(3)
        roll = torch.rand(n, generator=gen) * 2 * math.pi
        from hot.datagen.kinematics import _axis_angle_mat

        rot = _axis_angle_mat(b, roll) @ r_align
        trans = ps + ns * gap - (rot @ self.centre_h)
        jitter = torch.rand(n, self.kin.num_fingers, generator=gen) * 0.3
        q = self.q_open + jitter * (self.q_mid - self.q_open)
        return trans, rot, q


def draw_contacts(prob: GraspProblem, n: int, gen: torch.Generator) -> torch.Tensor:
    """``(n, n_contacts)`` contact indices into ``prob.cand_local``: the first ``cfg.thumb_contacts``
    on the thumb, the others on the other fingers (uniform over all candidates when the hand has
    no candidates on one of the two sides or ``thumb_contacts`` is 0)."""
    k, nc = prob.cfg.thumb_contacts, prob.cfg.n_contacts
    th = torch.nonzero(prob.cand_thumb).squeeze(-1)
    ot = torch.nonzero(~prob.cand_thumb).squeeze(-1)
    if k <= 0 or len(th) == 0 or len(ot) == 0 or k >= nc:
        return torch.randint(len(prob.cand_local), (n, nc), generator=gen)
    c = ot[torch.randint(len(ot), (n, nc), generator=gen)]
    c[:, :k] = th[torch.randint(len(th), (n, k), generator=gen)]
    return c


def contact_forces(prob: GraspProblem, w_logit: torch.Tensor | None) -> torch.Tensor | None:
    """Force magnitudes ``(B, n)`` from their logits (mean 1), or ``None`` for unit forces."""
    if w_logit is None or not prob.cfg.weighted_fc:
        return None
    return torch.softmax(w_logit, dim=-1) * w_logit.shape[-1]


def net_wrench_norm(
    cp: torch.Tensor, normals: torch.Tensor, forces: torch.Tensor | None = None
) -> torch.Tensor:
    """``E_fc``: norm of the net wrench ``(B,)`` of forces along the inward normals ``-normals``
    at the contacts ``cp (B, n, 3)``, torques about the object origin; ``forces (B, n)`` scales
    them (``None``: unit forces)."""
    f = -normals if forces is None else -normals * forces.unsqueeze(-1)
    return torch.cat([f.sum(1), torch.cross(cp, f, dim=-1).sum(1)], dim=-1).norm(dim=-1)


def grasp_energies(
    prob: GraspProblem,
    trans: torch.Tensor,
    r6: torch.Tensor,
    q: torch.Tensor,
    cidx: torch.Tensor,
    w_logit: torch.Tensor | None = None,
) -> dict[str, torch.Tensor]:
    """Energy terms, each ``(B,)``; ``trans (B, 3)``, ``r6 (B, 6)``, ``q (B, F)``, ``cidx (B, n)`` (object frame).

    ``w_logit (B, n)``: contact-force logits of the weighted force closure (``cfg.weighted_fc``);
    without them every contact pushes with a unit force.
    """
    kin, sdf, cfg = prob.kin, prob.sdf, prob.cfg
    rot = rot6d_to_matrix(r6)
    pos, brot = kin.forward(trans, rot, q)
    surf, _ = kin.surface(pos, brot)
    sd_s, _ = sdf.query(surf, normals=False)
    e_pen = torch.relu(-sd_s).sum(-1)
    cp, _ = kin.gather_surface(pos, brot, kin.cand[prob.cand_local[cidx]])
    sd_c, n_c = sdf.query(cp)
    e_dis = sd_c.abs().sum(-1)
    e_fc = net_wrench_norm(cp, n_c, contact_forces(prob, w_logit))
    e_prior = (torch.relu(q - kin.finger_hi) + torch.relu(kin.finger_lo - q)).sum(-1)
    sc = kin.spheres(pos, brot)
    d = (sc[:, kin.spen_i] - sc[:, kin.spen_j]).norm(dim=-1)
    e_spen = torch.relu(kin.sph_r[kin.spen_i] + kin.sph_r[kin.spen_j] - d).sum(-1)
    total = e_fc + cfg.w_dis * e_dis + cfg.w_pen * e_pen + cfg.w_prior * e_prior + cfg.w_spen * e_spen
    return {
        "energy": total,
        "e_fc": e_fc,
        "e_dis": e_dis,
        "e_pen": e_pen,
        "e_prior": e_prior,
        "e_spen": e_spen,
    }


def synthesize_grasps(
    prob: GraspProblem,
    n: int,
    gen: torch.Generator,
    history: list[float] | None = None,
    init: tuple[torch.Tensor, torch.Tensor, torch.Tensor] | None = None,
) -> GraspSet:
    """Optimise ``n`` grasp candidates (one batch); appends the mean energy per iteration to ``history``.

    ``init``: start poses ``(trans (n, 3), rot (n, 3, 3), q (n, F))`` in the object frame (e.g. the
    palm placements of :mod:`hot.datagen.fc`); default :meth:`GraspProblem.init_poses`.
    """
    cfg = prob.cfg
    trans0, rot0, q0 = prob.init_poses(n, gen) if init is None else (t.float() for t in init)
    trans = trans0.clone().requires_grad_(True)
    r6 = matrix_to_rot6d(rot0).clone().requires_grad_(True)
    q = q0.clone().requires_grad_(True)
    w_logit = torch.zeros(n, cfg.n_contacts, requires_grad=True)
    cidx = draw_contacts(prob, n, gen)
    groups = [
        {"params": [trans], "lr": cfg.lr_pos},
        {"params": [r6], "lr": cfg.lr_rot},
        {"params": [q], "lr": cfg.lr_q},
    ]
    if cfg.weighted_fc:
        groups.append({"params": [w_logit], "lr": cfg.lr_w})
    opt = torch.optim.Adam(groups)
    base_lrs = [g["lr"] for g in opt.param_groups]
    temp = cfg.temp0
    for it in range(cfg.iters):
        e = grasp_energies(prob, trans, r6, q, cidx, w_logit)
        if history is not None:
            history.append(float(e["energy"].detach().mean()))
        opt.zero_grad()
        e["energy"].sum().backward()
        opt.step()
        # cosine decay of every group's step to 5 % of its start
        frac = 0.5 * (1 + math.cos(math.pi * (it + 1) / cfg.iters))
        for g, lr0 in zip(opt.param_groups, base_lrs, strict=True):
            g["lr"] = lr0 * (0.05 + 0.95 * frac)
        with torch.no_grad():
            q.clamp_(prob.kin.finger_lo, prob.kin.finger_hi)
            if cfg.switch_every and (it + 1) % cfg.switch_every == 0 and it + 1 < cfg.iters:
                e_old = grasp_energies(prob, trans, r6, q, cidx, w_logit)["energy"]
                mask = torch.rand(n, cfg.n_contacts, generator=gen) < cfg.switch_prob
                prop = torch.where(mask, draw_contacts(prob, n, gen), cidx)
                e_new = grasp_energies(prob, trans, r6, q, prop, w_logit)["energy"]
                accept = (e_new < e_old) | (torch.rand(n, generator=gen) < torch.exp((e_old - e_new) / temp))
                cidx = torch.where(accept.unsqueeze(-1), prop, cidx)
                temp *= cfg.temp_decay
    with torch.no_grad():
        e = grasp_energies(prob, trans, r6, q, cidx, w_logit)
        rot = rot6d_to_matrix(r6)
        w = contact_forces(prob, w_logit)
    return GraspSet(
        wrist_pos_o=trans.detach().double().numpy(),
        wrist_quat_o=quat_from_matrix(rot.double()).numpy(),
        fingers=q.detach().double().numpy(),
        contact_idx=cidx.numpy().astype(np.int64),
        **{k: v.double().numpy() for k, v in e.items()},
        penetration=np.full(n, np.nan),
        valid=np.zeros(n, bool),
        meta={} if w is None else {"contact_forces": w.double().numpy().tolist()},
    )


def squeeze_targets(prob: GraspProblem, grasps: GraspSet, steps: int = 40) -> np.ndarray:
    """Finger targets ``(G, F)`` moving each chosen contact ``cfg.squeeze`` m along the inward normal.

    Each joint moves at most ``cfg.max_squeeze_angle`` from the grasp, so unreachable goals cannot
    turn into large PD forces.
    """
    kin = prob.kin
    max_angle = prob.cfg.max_squeeze_angle
    trans = torch.tensor(grasps.wrist_pos_o, dtype=torch.float32)
    rot = quat_to_matrix(torch.tensor(grasps.wrist_quat_o)).float()
    q0 = torch.tensor(grasps.fingers, dtype=torch.float32)
    cidx = kin.cand[prob.cand_local[torch.tensor(grasps.contact_idx)]]
    with torch.no_grad():
        pos, brot = kin.forward(trans, rot, q0)
        cp, _ = kin.gather_surface(pos, brot, cidx)
        _, n_c = prob.sdf.query(cp)
        goal = cp - prob.cfg.squeeze * n_c
    q = q0.clone().requires_grad_(True)
    opt = torch.optim.Adam([q], lr=0.01)
    for _ in range(steps):
        pos, brot = kin.forward(trans, rot, q)
        cp, _ = kin.gather_surface(pos, brot, cidx)
        loss = ((cp - goal) ** 2).sum()
        opt.zero_grad()
        loss.backward()
        opt.step()
        with torch.no_grad():
            # "slightly past contact": never more than max_squeeze_angle from the grasp
            q.copy_(torch.minimum(torch.maximum(q, q0 - max_angle), q0 + max_angle))
            q.clamp_(kin.finger_lo, kin.finger_hi)
    return q.detach().double().numpy()


def validate_grasps(prob: GraspProblem, grasps: GraspSet, chain: WristChain | None = None) -> GraspSet:
    """Simulate every grasp under 6 gravity directions; fills ``penetration`` and ``valid`` (in place, returned)."""
    from hot.sim.scene import HAND_OBJ_DIST, compile_scene

    cfg = prob.cfg
    g = len(grasps)
    if g == 0:
        return grasps
    model, index = compile_scene(prob.hand, prob.obj, prob.scale, prob.scene)
    chain = chain or WristChain(model)
    obj_pos = torch.tensor(VALIDATION_OBJECT_POS, dtype=torch.float64)
    wp = obj_pos + torch.tensor(grasps.wrist_pos_o)
    wq = torch.tensor(grasps.wrist_quat_o)
    ik = wrist_ik(chain, wp[:, None], wq[:, None])
    wrist = ik.dofs[:, 0].numpy()
    ik_ok = ik.ok[:, 0].numpy()
    targets = squeeze_targets(prob, grasps)

    nw = 6
    sim = new_batch(model, nsim=g * nw, nthread=cfg.nthread)
    grav = sim.expand("opt.gravity")
    grav[:] = np.tile(GRAVITY_DIRS * 9.81, (g, 1))
    qpos = sim.bind("qpos")
    qvel = sim.bind("qvel")
    ctrl = sim.bind("ctrl")
    # derived fields must be bound before the calls that fill them
    sens = sim.bind("sensordata")
    xpos, xquat = sim.bind("xpos"), sim.bind("xquat")
    q0 = np.tile(model.qpos0, (g * nw, 1))
    hand_q = np.concatenate([wrist, grasps.fingers], axis=1)
    q0[:, index.dof_qpos_adr] = np.repeat(hand_q, nw, axis=0)
    q0[:, index.obj_qpos_adr[:3]] = VALIDATION_OBJECT_POS
    q0[:, index.obj_qpos_adr[3:]] = [1.0, 0.0, 0.0, 0.0]
    qpos[:] = q0
    qvel[:] = 0.0
    c = np.zeros((g * nw, model.nu))
    c[:, index.actuator_ids] = np.repeat(np.concatenate([wrist, targets], axis=1), nw, axis=0)
    ctrl[:] = c
    if cfg.finger_kp_scale != 1.0:
        fa = index.actuator_ids[6:]
        gain = sim.expand("actuator_gainprm")
        bias = sim.expand("actuator_biasprm")
        gain[:, fa, 0] *= cfg.finger_kp_scale
        bias[:, fa, 1] *= cfg.finger_kp_scale
        bias[:, fa, 2] *= math.sqrt(cfg.finger_kp_scale)
    sim.forward()
    dist = sens[:, index.sensor_slice(HAND_OBJ_DIST)][:, 0].reshape(g, nw)[:, 0].copy()
    penetration = np.clip(-dist, 0.0, None)
    sim.step(nstep=int(round(cfg.duration / model.opt.timestep)))
    sim.forward()
    qf = qpos.copy()
    wrist_id = chain.body_id
    wp_f = torch.tensor(xpos[:, wrist_id].copy())
    wq_f = torch.tensor(xquat[:, wrist_id].copy())
    op_f = torch.tensor(qf[:, index.obj_qpos_adr[:3]])
    oq_f = torch.tensor(qf[:, index.obj_qpos_adr[3:]])
    # object pose relative to the wrist frame, start (= the grasp) vs end
    rel_p0 = torch.repeat_interleave(-quat_rotate(quat_conj(wq), torch.tensor(grasps.wrist_pos_o)), nw, 0)
    rel_q0 = torch.repeat_interleave(quat_conj(wq), nw, 0)
    rel_p = quat_rotate(quat_conj(wq_f), op_f - wp_f)
    rel_q = quat_mul(quat_conj(wq_f), oq_f)
    drift = (rel_p - rel_p0).norm(dim=-1).reshape(g, nw).numpy()
    rot_drift = quat_diff_angle(rel_q, rel_q0).reshape(g, nw).numpy()
    finite = np.isfinite(qf).all(-1).reshape(g, nw)
    held = (drift <= cfg.max_drift) & (rot_drift <= math.radians(cfg.max_rot_drift_deg)) & finite
    grasps.penetration = penetration
    grasps.valid = held.all(-1) & (penetration <= cfg.max_penetration) & ik_ok
    grasps.meta.setdefault("validation", {})
    grasps.meta["validation"] = {
        "max_drift": drift.max(-1).tolist(),
        "max_rot_drift": rot_drift.max(-1).tolist(),
    }
    return grasps
