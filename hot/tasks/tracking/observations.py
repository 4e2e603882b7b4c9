"""Policy observation blocks (upstream ``skillmimic.py::_compute_observations``, spec §5.3).

Every block is a pure function of the simulator state (:class:`~hot.sim.state.SimState`), the
reference frame the policy should reach next (:class:`~hot.sim.state.RefFrame`) and the object
keypoints in the object frame. Blocks are named and laid out by :func:`make_obs_layout`, so a
network slices ``obs[:, layout["obj_keypoints"]]`` instead of hard-coded offsets (upstream's
268 / 868).

Frames: "heading frame" (``_h``) is the world frame rotated by the inverse **yaw-only** part of
the wrist orientation (the wrist is the last key body); yaw is the heading of the wrist x-axis
projected on the xy-plane (:func:`hot.utils.rotations.heading_quat_inv`). Rotations are encoded
as 6-D tan-norm (rotated x-axis then rotated z-axis).

Deliberate choices, kept from upstream and documented here:

* Block ``wrist_pose`` is the **global** wrist position and orientation, not localised, so a
  policy depends on the fixed hand base at (0, 0, 0.5) (spec §11 item 9). Kept for parity.
* Quaternions in the observation (``wrist_pose``, ``target_obj_rot``, ``target_obj_rot_res``)
  are **wxyz** (this project's convention); upstream fed xyzw. Upstream checkpoints cannot be
  loaded into this port anyway, so only the order of the four numbers differs.
* ``target_dof_res`` wraps **every** DoF difference to [-π, π), the wrist slides included, as
  upstream does (harmless: slides stay within ±2 m).
* The upstream-only ``--enable_future_target_obs`` block (19) is not implemented.

Sizes (blocks 1-6 = 15K - 2 + 3C; block 7 = 15; block 8 = 3P; blocks 9-15 = 17 + 6K;
blocks 16-18 = 1 + 2D) reproduce upstream totals: MANO (D=51, K=16, C=5, P=200) 1084,
Shadow (D=28, K=23, C=21) 1233 and Allegro (D=22, K=17, C=17) 1083. C for Shadow/Allegro follows
from the spec's hand parts 406 = 15·23 - 2 + 3C and 304 = 15·17 - 2 + 3C.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import torch

from hot.motion.schema import FREEMOVE_SKILL
from hot.sim.state import RefFrame, SimState
from hot.utils.rotations import (
    heading_quat_inv,
    quat_mul,
    quat_rotate,
    quat_rotate_points,
    quat_to_matrix,
    quat_to_tan_norm,
    wrap_to_pi,
)

__all__ = [
    "OBJECT_BLOCKS",
    "FREEMOVE_SKILL",
    "ObsLayout",
    "make_obs_layout",
    "object_points_world",
    "clip_norm",
    "compute_obs_blocks",
    "compute_observations",
    "zero_object_blocks",
]

#: Blocks zeroed for the freemove skill (spec §5.3, distill envs): object state and keypoints.
OBJECT_BLOCKS = ("obj_state", "obj_keypoints")
#: Offsets of the object and its keypoints from the wrist are clipped to this norm (m).
CLIP_NORM_M = 0.5


@dataclass(frozen=True)
class ObsLayout(Mapping):
    """Ordered mapping block name -> ``slice`` into the observation vector.

    Attributes:
        sizes: ``((name, size), ...)`` in observation order.
        num_dofs, num_key_bodies, num_contact_bodies, num_keypoints: the sizes it was built for.
    """

    sizes: tuple[tuple[str, int], ...]
    num_dofs: int
    num_key_bodies: int
    num_contact_bodies: int
    num_keypoints: int

    def __getitem__(self, name: str) -> slice:
        start = 0
        for n, size in self.sizes:
            if n == name:
                return slice(start, start + size)
            start += size
        raise KeyError(f"observation block {name!r} is not in this layout; blocks: {list(self)}")

    def __iter__(self) -> Iterator[str]:
        return (n for n, _ in self.sizes)

    def __len__(self) -> int:
        return len(self.sizes)

    @property
    def dim(self) -> int:
        """Total observation size."""
        return sum(size for _, size in self.sizes)

    def size(self, name: str) -> int:
        """Width of one block."""
        s = self[name]
        return s.stop - s.start


def make_obs_layout(
    num_dofs: int,
    num_key_bodies: int,
    num_contact_bodies: int,
    num_keypoints: int,
    enable_obj_keypoints: bool = True,
    enable_dof_obs: bool = True,
) -> ObsLayout:
    """Block names and widths (spec §5.3 order), computing nothing.

    Args:
        num_dofs: D, hand DoFs (6 wrist + fingers).
        num_key_bodies: K, key bodies including the wrist (last).
        num_contact_bodies: C, bodies whose net contact force is observed.
        num_keypoints: P, object keypoints (200 dense / 20 sparse); ignored when
            ``enable_obj_keypoints`` is False.
        enable_obj_keypoints: include block 8 ``obj_keypoints`` (P*3, contiguous).
        enable_dof_obs: include blocks 16-18 (contact label, reference DoFs, DoF residual).
    """
    for name, value, low in (
        ("num_dofs", num_dofs, 7),
        ("num_key_bodies", num_key_bodies, 2),
        ("num_contact_bodies", num_contact_bodies, 0),
        ("num_keypoints", num_keypoints, 0),
    ):
        if int(value) != value or value < low:
            raise ValueError(f"make_obs_layout: {name} must be an integer >= {low}, got {value!r}")
    d, k, c, p = num_dofs, num_key_bodies, num_contact_bodies, num_keypoints
    sizes: list[tuple[str, int]] = [
        ("wrist_pose", 7),  # 1: global wrist pos + quat (wxyz)
        ("key_pos", (k - 1) * 3),  # 2: key bodies minus wrist, heading frame, wrist removed
        ("key_rot", (k - 1) * 6),  # 3: tan-norm of heading-frame key-body quats, wrist removed
        ("key_lin_vel", k * 3),  # 4
        ("key_ang_vel", k * 3),  # 5
        ("contact_force", c * 3),  # 6: world frame
        ("obj_state", 15),  # 7: pos(3) rot tan-norm(6) lin vel(3) ang vel(3), heading frame
    ]
    if enable_obj_keypoints:
        sizes.append(("obj_keypoints", p * 3))  # 8
    sizes += [
        ("target_obj_pos", 3),  # 9
        ("target_obj_rot", 4),  # 10
        ("target_key_pos", k * 3),  # 11
        ("target_key_res", k * 3),  # 12
        ("target_wrist_vel", 3),  # 13
        ("target_obj_pos_res", 3),  # 14
        ("target_obj_rot_res", 4),  # 15
    ]
    if enable_dof_obs:
        sizes += [("target_contact", 1), ("target_dof_pos", d), ("target_dof_res", d)]  # 16-18
    return ObsLayout(tuple(sizes), d, k, c, p if enable_obj_keypoints else 0)


def object_points_world(points_o: torch.Tensor, obj_pos: torch.Tensor, obj_rot: torch.Tensor) -> torch.Tensor:
    """Place object-frame points in the world: ``p_w = R(q)·p_o + t``.

    Args:
        points_o: (N, P, 3) points in the object frame (already scaled per env).
        obj_pos: (N, 3) object world position.
        obj_rot: (N, 4) object world orientation (wxyz).

    Returns:
        (N, P, 3) world points.
    """
    return torch.baddbmm(obj_pos.unsqueeze(1), points_o, quat_to_matrix(obj_rot).transpose(1, 2))


def clip_norm(v: torch.Tensor, max_norm: float) -> torch.Tensor:
    """Scale vectors ``(..., 3)`` down so their norm is at most ``max_norm`` (direction kept)."""
    n = v.norm(dim=-1, keepdim=True)
    return v * (max_norm / n.clamp_min(1e-12)).clamp(max=1.0)


def _rot_h(h: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """Rotate ``v (N, M, 3)`` or ``(N, 3)`` by per-env heading quats ``h (N, 4)``."""
    if v.dim() == 3:
        return quat_rotate_points(h, v)
    return quat_rotate(h, v)


def _check_shapes(sim: SimState, ref: RefFrame, keypoints_o: torch.Tensor | None, layout: ObsLayout) -> None:
    n = sim.dof_pos.shape[0]
    expect = {
        "sim.dof_pos": (sim.dof_pos, (n, layout.num_dofs)),
        "sim.key_pos": (sim.key_pos, (n, layout.num_key_bodies, 3)),
        "sim.key_rot": (sim.key_rot, (n, layout.num_key_bodies, 4)),
        "sim.contact_force": (sim.contact_force, (n, layout.num_contact_bodies, 3)),
        "ref.dof_pos": (ref.dof_pos, (n, layout.num_dofs)),
        "ref.key_pos": (ref.key_pos, (n, layout.num_key_bodies, 3)),
    }
    if "obj_keypoints" in layout:
        if keypoints_o is None:
            raise ValueError("compute_observations: layout has 'obj_keypoints' but keypoints_o is None")
        expect["keypoints_o"] = (keypoints_o, (n, layout.num_keypoints, 3))
    for name, (t, shape) in expect.items():
        if tuple(t.shape) != shape:
            raise ValueError(
                f"compute_observations: {name} has shape {tuple(t.shape)}, layout expects {shape}"
            )


def compute_obs_blocks(
    sim: SimState, ref: RefFrame, keypoints_o: torch.Tensor | None, layout: ObsLayout
) -> dict[str, torch.Tensor]:
    """Every block in ``layout`` as ``(N, size)`` tensors, keyed by block name.

    Args:
        sim: simulator state (world frame, wxyz); wrist = ``sim.key_*[:, -1]``.
        ref: reference frame to reach next (world frame).
        keypoints_o: (N, P, 3) object keypoints in the object frame, scaled per env; may be None
            when the layout has no ``obj_keypoints`` block.
        layout: from :func:`make_obs_layout`.
    """
    _check_shapes(sim, ref, keypoints_o, layout)
    n = sim.dof_pos.shape[0]
    wrist_pos = sim.key_pos[:, -1]
    wrist_rot = sim.key_rot[:, -1]
    h = heading_quat_inv(wrist_rot)  # (N, 4) world -> heading frame
    k = layout.num_key_bodies

    b: dict[str, torch.Tensor] = {}
    b["wrist_pose"] = torch.cat([wrist_pos, wrist_rot], dim=-1)
    b["key_pos"] = _rot_h(h, sim.key_pos[:, :-1] - wrist_pos.unsqueeze(1)).reshape(n, -1)
    key_rot_h = quat_mul(h.unsqueeze(1).expand(-1, k - 1, -1), sim.key_rot[:, :-1])
    b["key_rot"] = quat_to_tan_norm(key_rot_h).reshape(n, -1)
    b["key_lin_vel"] = _rot_h(h, sim.key_lin_vel).reshape(n, -1)
    b["key_ang_vel"] = _rot_h(h, sim.key_ang_vel).reshape(n, -1)
    b["contact_force"] = sim.contact_force.reshape(n, -1)
    b["obj_state"] = torch.cat(
        [
            _rot_h(h, clip_norm(sim.obj_pos - wrist_pos, CLIP_NORM_M)),
            quat_to_tan_norm(quat_mul(h, sim.obj_rot)),
            _rot_h(h, sim.obj_lin_vel),
            _rot_h(h, sim.obj_ang_vel),
        ],
        dim=-1,
    )
    if "obj_keypoints" in layout:
        assert keypoints_o is not None  # _check_shapes refuses None with this block
        kp_w = object_points_world(keypoints_o, sim.obj_pos, sim.obj_rot)
        b["obj_keypoints"] = _rot_h(h, clip_norm(kp_w - wrist_pos.unsqueeze(1), CLIP_NORM_M)).reshape(n, -1)
    b["target_obj_pos"] = _rot_h(h, ref.obj_pos - wrist_pos)
    b["target_obj_rot"] = quat_mul(h, ref.obj_rot)
    b["target_key_pos"] = _rot_h(h, ref.key_pos - wrist_pos.unsqueeze(1)).reshape(n, -1)
    b["target_key_res"] = _rot_h(h, ref.key_pos - sim.key_pos).reshape(n, -1)
    b["target_wrist_vel"] = _rot_h(h, ref.dof_vel[:, 0:3])
    b["target_obj_pos_res"] = _rot_h(h, ref.obj_pos - sim.obj_pos)
    b["target_obj_rot_res"] = quat_mul(heading_quat_inv(sim.obj_rot), ref.obj_rot)
    if "target_dof_pos" in layout:
        b["target_contact"] = ref.contact.to(sim.dof_pos.dtype).reshape(n, 1)
        b["target_dof_pos"] = ref.dof_pos
        b["target_dof_res"] = wrap_to_pi(ref.dof_pos - sim.dof_pos)
    return {name: b[name] for name in layout}


def zero_object_blocks(obs: torch.Tensor, layout: ObsLayout, mask: torch.Tensor) -> torch.Tensor:
    """Zero the object blocks (``obj_state``, ``obj_keypoints``) of envs where ``mask`` is True.

    Upstream's distill envs do this for the freemove skill (``mask = skill == 9``).

    Args:
        obs: (N, obs_dim). mask: (N,) bool. Returns a new (N, obs_dim) tensor.
    """
    out = obs.clone()
    keep = (~mask).to(obs.dtype).unsqueeze(-1)
    for name in OBJECT_BLOCKS:
        if name in layout:
            s = layout[name]
            out[:, s] = out[:, s] * keep
    return out


def compute_observations(
    sim: SimState,
    ref: RefFrame,
    keypoints_o: torch.Tensor | None,
    layout: ObsLayout,
    freemove_mask: torch.Tensor | None = None,
) -> torch.Tensor:
    """The policy observation ``(N, layout.dim)``: blocks concatenated in layout order.

    Args:
        sim, ref, keypoints_o, layout: see :func:`compute_obs_blocks`.
        freemove_mask: optional (N,) bool; where True the object blocks are zeroed
            (:func:`zero_object_blocks`), e.g. ``skill == FREEMOVE_SKILL`` in distillation.
    """
    obs = torch.cat(list(compute_obs_blocks(sim, ref, keypoints_o, layout).values()), dim=-1)
    if freemove_mask is not None:
        obs = zero_object_blocks(obs, layout, freemove_mask)
    return obs
