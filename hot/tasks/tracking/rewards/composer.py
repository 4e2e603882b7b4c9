"""The HOT imitation reward: a product of named exponential factors (spec §5.4).

``r = r_b · r_w · r_o · r_ig · r_cg`` with

* body ``r_b = r_p · r_r`` (key-body positions, finger DoFs);
* wrist ``r_w = r_wp · r_wr``, times ``r_wpv`` only where the sim object is in contact and the
  skill is not 8 (throw);
* object ``r_o = r_op · r_or · r_opv``;
* interaction graph ``r_ig = exp(-w_ig · f · e_ig)``, f = 2·exp(-2·d_min) with ``enable_ig_scale``
  else 1;
* contact ``r_cg = exp(-w_cg2·|c_sim - c_ref|)``, 1 where the reference label is -1;
* penetration ``r_pen = exp(-w_pen · d_cm)``, d the hand-object penetration depth in cm (not upstream: w_pen
  0 by default, so r_pen = 1);
* freemove (skill 9): ``r = r_b · r_w`` (the object is ignored).

Every factor and error is returned in a dict for logging. The sim/reference alignment (which
reference frame the post-step state is compared with) is the env's choice, not this module's.
"""

from __future__ import annotations

import torch

from hot.motion.schema import FREEMOVE_SKILL, SKILL_CODES
from hot.sim.state import RefFrame, SimState
from hot.tasks.tracking.config import RewardWeightsCfg
from hot.tasks.tracking.rewards import terms

__all__ = ["THROW_SKILL", "FREEMOVE_SKILL", "compute_reward"]

THROW_SKILL = SKILL_CODES["throw"]


def compute_reward(
    sim: SimState,
    ref: RefFrame,
    keypoints_o: torch.Tensor,
    weights: RewardWeightsCfg,
    skill: torch.Tensor,
    enable_ig_scale: bool,
    obj_contact: torch.Tensor,
) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """Per-env reward and its named factors.

    Args:
        sim: simulator state (world frame).
        ref: reference frame compared with ``sim``.
        keypoints_o: (N, P, 3) object keypoints in the object frame (scaled per env); used only
            for the ig scale (placed at the reference object pose).
        weights: factor weights, the env YAML's ``env.reward_weights`` (``or`` there is ``orot`` here).
        skill: (N,) int skill code (8 throw, 9 freemove, ...).
        enable_ig_scale: scale the ig weight by f = 2·exp(-2·d_min).
        obj_contact: (N,) bool, the sim object is touched (:func:`terms.object_in_contact`).

    Returns:
        ``reward`` (N,) and ``terms``: errors ``e_*``, factors ``r_*`` (including the products
        ``r_b``, ``r_w``, ``r_o``), and ``ig_scale``, each (N,).
    """
    w = weights
    t: dict[str, torch.Tensor] = {}
    t["e_p"] = terms.key_pos_error(sim.key_pos, ref.key_pos)
    t["e_r"] = terms.finger_dof_error(sim.dof_pos, ref.dof_pos)
    t["e_wp"] = terms.wrist_pos_error(sim.dof_pos, ref.dof_pos)
    t["e_wr"] = terms.wrist_rot_error(sim.dof_pos, ref.dof_pos)
    t["e_wpv"] = terms.wrist_vel_error(sim.dof_vel, ref.dof_vel)
    t["e_op"] = terms.obj_pos_error(sim.obj_pos, ref.obj_pos)
    t["e_or"] = terms.obj_rot_error(sim.obj_rot, ref.obj_rot)
    t["e_opv"] = terms.obj_vel_error(sim.obj_lin_vel, ref.obj_lin_vel)
    t["e_ig"] = terms.interaction_graph_error(sim.key_pos, sim.obj_pos, ref.key_pos, ref.obj_pos)
    if enable_ig_scale:
        t["ig_scale"] = terms.ig_scale(ref.key_pos, ref.obj_pos, ref.obj_rot, keypoints_o)
    else:
        t["ig_scale"] = torch.ones_like(t["e_ig"])

    t["r_p"] = terms.exp_factor(t["e_p"], w.p)
    t["r_r"] = terms.exp_factor(t["e_r"], w.r)
    t["r_b"] = t["r_p"] * t["r_r"]
    t["r_wp"] = terms.exp_factor(t["e_wp"], w.wp)
    t["r_wr"] = terms.exp_factor(t["e_wr"], w.wr)
    t["r_wpv"] = terms.exp_factor(t["e_wpv"], w.wpv)
    obj_contact = obj_contact.bool()
    use_wpv = obj_contact & (skill != THROW_SKILL)
    t["r_w"] = t["r_wp"] * t["r_wr"] * torch.where(use_wpv, t["r_wpv"], torch.ones_like(t["r_wpv"]))
    t["r_op"] = terms.exp_factor(t["e_op"], w.op)
    t["r_or"] = terms.exp_factor(t["e_or"], w.orot)
    t["r_opv"] = terms.exp_factor(t["e_opv"], w.opv)
    t["r_o"] = t["r_op"] * t["r_or"] * t["r_opv"]
    t["r_ig"] = terms.exp_factor(t["e_ig"] * t["ig_scale"], w.ig)
    t["r_cg"] = terms.contact_factor(obj_contact, ref.contact, w.cg2).to(t["r_ig"].dtype)

    t["e_pen"] = sim.penetration * 100.0
    t["r_pen"] = terms.exp_factor(t["e_pen"], w.pen)
    full = t["r_b"] * t["r_w"] * t["r_o"] * t["r_ig"] * t["r_cg"] * t["r_pen"]
    reward = torch.where(skill == FREEMOVE_SKILL, t["r_b"] * t["r_w"], full)
    return reward, t
