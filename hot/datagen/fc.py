"""Force-closure grasps (``--grasp_method fc``): energy optimisation from palm-facing starts, then the
wrap sampler's squeeze in physics and hold test.

1. **Start poses.** The wrap sampler's palm placements (:func:`hot.datagen.wrap._approaches`): the
   open hand facing a wrappable principal axis of the object, 2 mm off its surface. The fingers
   start ``init_close`` of the way from the open to the closed hand.
2. **Force-closure energy** (:func:`hot.datagen.grasp.synthesize_grasps`, DexGraspNet's
   ``E_fc + 100 E_dis + 100 E_pen + 0.5 E_prior + 10 E_spen``) optimised over the wrist pose, the
   finger angles, a positive force per contact (``GraspConfig.weighted_fc``) and the contact
   choice, one contact on the thumb and the others on the other fingers
   (``GraspConfig.thumb_contacts``).
3. **Squeeze and hold test in MuJoCo** (:func:`hot.datagen.wrap.squeeze_and_hold`): the optimised
   pose closes onto the free object under capped torques without gravity; the settled pose must
   then hold for 1 s under gravity along each of ±x, ±y, ±z (2 cm, 15°) with ≤ 2 mm penetration.

The energies of step 2 are kept per grasp (``e_fc`` ...), and the valid grasps are ordered by them.
"""

from __future__ import annotations

from dataclasses import asdict

import numpy as np
import torch

from hot.assets.hands.base import HandModel
from hot.datagen.closing import hand_frame, sweep_close
from hot.datagen.grasp import VALIDATION_OBJECT_POS, GraspConfig, GraspProblem, GraspSet, synthesize_grasps
from hot.datagen.ik import WristChain, wrist_ik
from hot.datagen.wrap import (
    ContactProbe,
    WrapConfig,
    _approaches,
    _empty,
    _meta,
    _wrist_in_object_frame,
    squeeze_and_hold,
)
from hot.sim.scene import compile_scene
from hot.utils.rotations import quat_to_matrix

__all__ = ["generate_fc_grasps"]

INIT_CLOSE = 0.3
"""Fraction of the way from the open to the closed hand at which the fingers start."""


def generate_fc_grasps(
    hand: HandModel,
    obj,
    scale: float = 1.0,
    num_candidates: int = 64,
    seed: int = 0,
    cfg: GraspConfig | None = None,
    wrap_cfg: WrapConfig | None = None,
    nthread: int | None = None,
    progress=None,
    problem: GraspProblem | None = None,
) -> GraspSet:
    """Optimise ``num_candidates`` force-closure grasps (one batch), squeeze and hold-test them in MuJoCo.

    ``problem``: a prepared :class:`GraspProblem` for this hand, object and scale (its ``cfg`` is
    used, and its ``scene`` physics options); built from ``cfg`` otherwise.
    """
    prob = problem or GraspProblem(hand, obj, scale, cfg or GraspConfig())
    wcfg = wrap_cfg or WrapConfig()
    rng = np.random.default_rng(seed)
    gen = torch.Generator().manual_seed(int(seed) % (2**63))
    frame = hand_frame(hand)
    model, index = compile_scene(hand, obj, scale, prob.scene)
    chain = WristChain(model)
    probe = ContactProbe(model, index, hand)
    meta = {**_meta(hand, obj, scale, seed, wcfg, "fc"), "grasp_config": asdict(prob.cfg)}
    wrist0 = _approaches(hand, obj, scale, frame, probe, chain, num_candidates, rng, wcfg)
    g = len(wrist0)
    if progress:
        progress(num_candidates - g)
    if g == 0:
        out = _empty(hand, obj, scale, seed, wcfg, "fc")
        out.meta = meta
        return out

    # ---- start poses in the object frame (the object sits at the validation pose, unrotated)
    qp = np.tile(model.qpos0, (g, 1))
    qp[:, index.dof_qpos_adr[:6]] = wrist0
    qp[:, index.dof_qpos_adr[6:]] = frame.opened
    qp[:, index.obj_qpos_adr[:3]] = VALIDATION_OBJECT_POS
    qp[:, index.obj_qpos_adr[3:]] = [1.0, 0.0, 0.0, 0.0]
    wp, wq = _wrist_in_object_frame(model, index, hand, qp)
    q0 = np.tile(frame.opened + INIT_CLOSE * (frame.closed - frame.opened), (g, 1))
    init = (torch.as_tensor(wp), quat_to_matrix(torch.as_tensor(wq)), torch.as_tensor(q0))

    # ---- force-closure optimisation
    syn = synthesize_grasps(prob, g, gen, init=init)
    ik = wrist_ik(
        chain,
        (torch.tensor(VALIDATION_OBJECT_POS, dtype=torch.float64) + torch.as_tensor(syn.wrist_pos_o))[
            :, None
        ],
        torch.as_tensor(syn.wrist_quat_o)[:, None],
    )
    wrist = ik.dofs[:, 0].numpy()
    ik_ok = ik.ok[:, 0].numpy()
    # close every finger from the optimised pose until it touches (the energy leaves the contacts a
    # few mm off the surface and the other fingers open), as the wrap sampler's fingers do
    fingers = np.array(syn.fingers, dtype=np.float64)
    touched = np.zeros((g, len(probe.groups)), dtype=bool)
    for i in range(g):
        fingers[i], touched[i] = sweep_close(
            probe.set_pose,
            wrist[i],
            fingers[i],
            frame.closed,
            probe.groups,
            range(len(probe.groups)),
            wcfg.sweep_steps,
            wcfg.contact_depth,
        )

    # ---- squeeze in physics + hold test
    gs = squeeze_and_hold(model, index, chain, hand, frame, wrist, fingers, touched, wcfg, nthread, meta)
    gs.valid = np.asarray(gs.valid) & ik_ok
    for k in ("energy", "e_fc", "e_dis", "e_pen", "e_prior", "e_spen"):
        setattr(gs, k, np.asarray(getattr(syn, k), dtype=np.float64))
    gs.contact_idx = syn.contact_idx
    gs.meta["contact_forces"] = syn.meta.get("contact_forces", [[1.0] * syn.contact_idx.shape[1]] * g)
    if progress:
        progress(g)
    return gs
