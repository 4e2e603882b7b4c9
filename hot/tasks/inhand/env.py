"""Batched Allegro in-hand env, one block of simulated worlds per object scale: C MuJoCo on CPU threads
(``sim="mujoco"``, :class:`hot.sim.worlds.CpuWorlds`) or MuJoCo Warp (``sim="mjwarp"``,
:class:`hot.sim.warp_worlds.WarpWorlds`).

Scale buckets: ``env.domain_rand.scale_list`` gives one compiled model per scale; envs are split into
contiguous, near-even buckets (:func:`hot.sim.worlds.split_blocks`; env ``i`` belongs to the bucket whose
range holds it) and every bucket is its own block of worlds. A bucket resets only from its own scale's
grasp cache. Separate blocks (rather than ``Batch.set_models``) keep per-env model fields (mass, centre of
mass, friction, PD gains) expandable: ``mujoco.batch`` refuses ``expand()`` while caller models are set.

Two modes share the step pipeline:

* ``rotate`` (task ``allegro_inhand``): actions move the PD targets by ``action * action_scale`` rad
  (clipped to the joint ranges), 20 Hz control, HORA reward, drop termination, 20 s episodes, reset
  from the grasp cache;
* ``grasp`` (task ``allegro_inhand_grasp``): actions are ignored (targets held), reset = canonical pose
  + joint noise with the object at its spawn point, ``grasp.hold_s`` episodes, and
  ``info["grasp_rows"]`` carries the final states that pass the grasp filter.

Observation (N, num_obs) by name (``obs_layout``): ``proprio`` = the last ``obs_frames`` frames of
[joint positions scaled to [-1, 1] + uniform noise (16), PD targets (16)], oldest first; ``priv_info``
(when ``env.priv_info``) = object position relative to the spawn point (m), scale, mass, friction,
centre-of-mass offset (3), the last four mapped to [-1, 1] by fixed ranges. :attr:`proprio_hist` gives the
last ``proprio_hist_len`` frames (N, L, 32) for the student; at a reset every slot of an env's history
is filled with its reset frame (HORA).
"""

from __future__ import annotations

import os
from typing import Literal

import numpy as np
import torch

from hot.config.strict import to_dict
from hot.sim.worlds import CpuWorlds, split_blocks
from hot.tasks.inhand import constants as C
from hot.tasks.inhand.cache import load_caches
from hot.tasks.inhand.config import InhandEnvCfg
from hot.tasks.inhand.grasp import grasp_ok, tips_near
from hot.tasks.inhand.rewards import compute_reward, finite_diff_ang_vel, finite_diff_lin_vel, pd_torque
from hot.tasks.inhand.scene import InhandIndex, compile_inhand

__all__ = ["InhandEnv", "split_buckets", "curriculum_level", "ramp", "ACTION_MODE", "HAND_NAME"]

ACTION_MODE = "inhand_delta"
HAND_NAME = "allegro_inhand"


def split_buckets(num_envs: int, num_buckets: int) -> list[range]:
    """Contiguous near-even ranges of env ids, one per object scale (:func:`hot.sim.worlds.split_blocks`)."""
    return split_blocks(num_envs, num_buckets, "object scales")


def curriculum_level(env_steps: int, curriculum_steps: int, start: float = 0.0) -> float:
    """Randomisation level in [0, 1] after ``env_steps`` (linear from ``start`` to 1 over ``curriculum_steps``;
    1 when the curriculum is off)."""
    if curriculum_steps <= 0:
        return 1.0
    return float(min(1.0, start + (1.0 - start) * max(env_steps, 0) / curriculum_steps))


def ramp(nominal: float, lo: float, hi: float, level: float) -> tuple[float, float]:
    """The range ``[lo, hi]`` shrunk toward ``nominal`` by ``level`` (0: the point nominal, 1: the full range)."""
    return nominal + level * (lo - nominal), nominal + level * (hi - nominal)


def _unscale(q: torch.Tensor, lo: torch.Tensor, hi: torch.Tensor) -> torch.Tensor:
    return (2.0 * q - hi - lo) / (hi - lo)


def _to_unit(x: torch.Tensor, name: str) -> torch.Tensor:
    lo, hi = C.PRIV_INFO_BOUNDS[name]
    return (2.0 * x - hi - lo) / (hi - lo)


class InhandEnv:
    """N Allegro hands with a free object, torch tensors in and out (see the module docstring).

    Args:
        cfg: the env config.
        num_envs: N (at least one per scale).
        mode: ``rotate`` or ``grasp``.
        device: device of returned tensors (physics: CPU threads, or the Warp device).
        seed: seeds the env's own random streams (resets, noise, randomisation).
        caches: ``{scale: (M, 23)}`` grasp rows (rotate mode); None reads ``cfg.grasp_cache_path``.
        sim: ``mujoco`` (C MuJoCo, ``mujoco.batch``) or ``mjwarp`` (MuJoCo Warp, needs ``hot[gpu]``).
        warp_device: Warp device for ``sim="mjwarp"``; default: ``device`` when it is CUDA, else ``cuda``
            when Warp sees one, else ``cpu`` (:func:`hot.sim.warp_worlds.pick_warp_device`).
    """

    def __init__(
        self,
        cfg: InhandEnvCfg,
        num_envs: int,
        mode: Literal["rotate", "grasp"] = "rotate",
        device: str | torch.device = "cpu",
        seed: int = 0,
        caches: dict[float, np.ndarray] | None = None,
        sim: Literal["mujoco", "mjwarp"] = "mujoco",
        warp_device: str | None = None,
    ) -> None:
        if mode not in ("rotate", "grasp"):
            raise ValueError(f"mode must be 'rotate' or 'grasp', got {mode!r}")
        if sim not in ("mujoco", "mjwarp"):
            raise ValueError(f"sim must be 'mujoco' or 'mjwarp', got {sim!r}")
        self.cfg = cfg
        self.sim = sim
        self.mode = mode
        self._n = int(num_envs)
        self._device = torch.device(device)
        self.scales = [float(s) for s in cfg.domain_rand.scale_list]
        ranges = split_buckets(self._n, len(self.scales))
        if mode == "rotate":
            caches = load_caches(cfg.grasp_cache_path, self.scales) if caches is None else caches
            missing = [s for s in self.scales if s not in caches]
            if missing:
                raise ValueError(f"caches given for {sorted(caches)} but scale_list also holds {missing}")
            self.caches = {
                s: torch.as_tensor(np.asarray(caches[s]), dtype=torch.float32) for s in self.scales
            }
        else:
            self.caches = {}
        self.ctrl_dt = cfg.physics.timestep * cfg.physics.substeps
        self.max_steps = (
            cfg.max_episode_steps
            if mode == "rotate"
            else int(round(cfg.grasp.hold_s * cfg.physics.control_hz))
        )
        self._rng = np.random.default_rng(seed)
        self._gen = torch.Generator().manual_seed(seed)

        nthread = cfg.physics.nthread or os.cpu_count() or 1
        dr = cfg.domain_rand
        expand = []
        if dr.randomize_mass:
            expand += ["body_mass", "body_inertia"]
        if dr.randomize_com:
            expand += ["body_ipos"]
        if dr.randomize_friction:
            expand += ["geom_friction"]
        if dr.randomize_pd_gains:
            expand += ["actuator_gainprm", "actuator_biasprm"]
        self.buckets: list = []
        """One block of worlds per scale (``self.scales`` order): :class:`hot.sim.worlds.CpuWorlds` or
        :class:`hot.sim.warp_worlds.WarpWorlds`."""
        index: InhandIndex | None = None
        if sim == "mjwarp":
            from hot.sim.warp_worlds import WarpWorlds, pick_warp_device  # needs hot[gpu]

            self.warp_device = pick_warp_device(self._device, warp_device)
        for s, r in zip(self.scales, ranges, strict=True):
            model, ix = compile_inhand(cfg, s)
            index = index or ix
            if sim == "mjwarp":
                self.buckets.append(WarpWorlds(model, r, expand, ix.obj_body, self.warp_device))
            else:
                self.buckets.append(CpuWorlds(model, r, nthread, expand))
        assert index is not None
        self.index = index
        self.frozen = np.zeros(len(self.buckets), dtype=bool)

        n, d, J = self._n, self._device, C.NUM_JOINTS
        lim = torch.as_tensor(index.joint_limits, dtype=torch.float32, device=d)
        self.lo, self.hi = lim[:, 0], lim[:, 1]
        self.canonical = torch.as_tensor(C.CANONICAL_POSE, dtype=torch.float32, device=d)
        self.spawn = torch.as_tensor(np.add(cfg.hand_pos, cfg.object_offset), dtype=torch.float32, device=d)
        self.drop_z = float(cfg.hand_pos[2] + cfg.drop_height)
        self.env_scale = torch.zeros(n, device=d)
        for s, bk in zip(self.scales, self.buckets, strict=True):
            self.env_scale[bk.sl] = s
        self.targets = torch.zeros(n, J, device=d)
        self.init_pose = torch.zeros(n, J, device=d)
        self.kp = torch.full((n, J), cfg.control.kp, device=d)
        self.kd = torch.full((n, J), cfg.control.kd, device=d)
        self.mass = torch.full((n,), cfg.object.mass, device=d)
        self.com = torch.zeros(n, 3, device=d)
        self.friction = torch.full((n,), cfg.object.friction, device=d)
        self.push_force = torch.zeros(n, 3, device=d)
        self.progress = torch.zeros(n, dtype=torch.long, device=d)
        self.hist_len = max(cfg.proprio_hist_len, cfg.obs_frames)
        self.hist = torch.zeros(n, self.hist_len, C.FRAME_DIM, device=d)
        self.prev_obj_pos = torch.zeros(n, 3, device=d)
        self.prev_obj_quat = torch.zeros(n, 4, device=d)
        self.ep_return = torch.zeros(n, device=d)
        self.ep_rot = torch.zeros(n, device=d)
        self.start_z = torch.zeros(n, device=d)
        self.env_steps = 0
        """Env-steps taken so far (summed over envs), drives the randomisation curriculum."""
        self.priv_pos_noise = float(cfg.priv_pos_noise)
        """Std (m) of the noise on the privileged object position; evaluation and distillation set it to 0."""
        self.fixed_dr_level: float | None = None
        """When set, the randomisation level used instead of the curriculum's (evaluation: 1.0)."""
        axis = torch.as_tensor(cfg.reward.rot_axis, dtype=torch.float32, device=d)
        self.rot_axis = axis / axis.norm()

        n_prop = cfg.obs_frames * C.FRAME_DIM
        self.obs_layout: dict[str, slice] = {"proprio": slice(0, n_prop)}
        if cfg.priv_info:
            self.obs_layout["priv_info"] = slice(n_prop, n_prop + C.PRIV_INFO_DIM)
        self.num_obs = n_prop + (C.PRIV_INFO_DIM if cfg.priv_info else 0)
        self.num_actions = J

    # ------------------------------------------------------------------------------------------ contract
    @property
    def num_envs(self) -> int:
        return self._n

    @property
    def device(self) -> torch.device:
        return self._device

    @property
    def proprio_hist(self) -> torch.Tensor:
        """(N, proprio_hist_len, 32) the student's history, oldest frame first."""
        return self.hist[:, -self.cfg.proprio_hist_len :]

    def metadata(self) -> dict:
        return {
            "hand": HAND_NAME,
            "obs_layout": self.obs_layout,
            "action_mode": ACTION_MODE,
            "config": to_dict(self.cfg),
        }

    def seed(self, seed: int) -> None:
        self._rng = np.random.default_rng(seed)
        self._gen = torch.Generator().manual_seed(seed)

    @property
    def dr_level(self) -> float:
        """Current randomisation level (1 = the full configured ranges)."""
        if self.fixed_dr_level is not None:
            return float(self.fixed_dr_level)
        dr = self.cfg.domain_rand
        return curriculum_level(self.env_steps, dr.curriculum_steps, dr.curriculum_start)

    def freeze_bucket(self, i: int, frozen: bool = True) -> None:
        """Stop (or restart) stepping bucket ``i`` (grasp collection skips scales that are full)."""
        self.frozen[i] = bool(frozen)

    # ----------------------------------------------------------------------------------------- reading
    def _read(self) -> dict[str, torch.Tensor]:
        ix = self.index
        parts: dict[str, list[np.ndarray]] = {k: [] for k in ("q", "qd", "obj", "tips", "touch")}
        for bk in self.buckets:
            parts["q"].append(bk.qpos[:, ix.joint_qpos])
            parts["qd"].append(bk.qvel[:, ix.joint_qvel])
            parts["obj"].append(bk.qpos[:, ix.obj_qpos])
            parts["tips"].append(bk.xpos[:, ix.tip_bodies])
            parts["touch"].append(bk.sensordata[:, ix.tip_touch])
        out = {
            k: torch.from_numpy(np.concatenate(v)).to(self._device, torch.float32) for k, v in parts.items()
        }
        out["obj_pos"], out["obj_quat"] = out["obj"][:, :3], out["obj"][:, 3:]
        return out

    def _frame(self, q: torch.Tensor, noise: bool) -> torch.Tensor:
        if noise and self.cfg.domain_rand.joint_noise > 0:
            u = torch.rand(q.shape, generator=self._gen).to(self._device)
            q = q + (2.0 * u - 1.0) * self.cfg.domain_rand.joint_noise
        return torch.cat([_unscale(q, self.lo, self.hi), self.targets], dim=-1)

    def _priv_info(self, obj_pos: torch.Tensor) -> torch.Tensor:
        rel = obj_pos - self.spawn
        if self.priv_pos_noise > 0:
            rel = rel + torch.randn(rel.shape, generator=self._gen).to(self._device) * self.priv_pos_noise
        return torch.cat(
            [
                rel,
                _to_unit(self.env_scale, "obj_scale")[:, None],
                _to_unit(self.mass, "obj_mass")[:, None],
                _to_unit(self.friction, "obj_friction")[:, None],
                _to_unit(self.com, "obj_com"),
            ],
            dim=-1,
        )

    def _obs(self, obj_pos: torch.Tensor) -> torch.Tensor:
        prop = self.hist[:, -self.cfg.obs_frames :].reshape(self._n, -1)
        if not self.cfg.priv_info:
            return prop.clone()
        return torch.cat([prop, self._priv_info(obj_pos)], dim=-1)

    # ------------------------------------------------------------------------------------------- reset
    def _sample_start(self, scale: float, m: int) -> tuple[np.ndarray, np.ndarray]:
        """(m, 16) joint positions and (m, 7) object poses for new episodes at object scale ``scale``."""
        if self.mode == "grasp":
            noise = self._rng.uniform(-1.0, 1.0, (m, C.NUM_JOINTS)) * self.cfg.grasp.joint_noise
            q = np.clip(
                np.asarray(C.CANONICAL_POSE) + noise,
                self.index.joint_limits[:, 0],
                self.index.joint_limits[:, 1],
            )
            pose = np.tile(np.concatenate([self.spawn.cpu().numpy(), [1.0, 0.0, 0.0, 0.0]]), (m, 1))
            return q, pose
        rows = self.caches[scale]
        pick = self._rng.integers(0, len(rows), size=m)
        sel = rows[pick].numpy().astype(np.float64)
        return sel[:, : C.NUM_JOINTS], sel[:, C.NUM_JOINTS :]

    def _randomize(self, bk: CpuWorlds, local: np.ndarray, glob: torch.Tensor) -> bool:
        """Resample this bucket's randomised model fields for ``local`` envs; True if set_const is needed."""
        dr, ix, m = self.cfg.domain_rand, self.index, len(local)
        f = bk.model_fields
        const = False
        lv = self.dr_level
        ob, ct = self.cfg.object, self.cfg.control
        if dr.randomize_mass:
            mass = self._rng.uniform(*ramp(ob.mass, dr.mass_range[0], dr.mass_range[1], lv), size=m)
            base_i = bk.model.body_inertia[ix.obj_body] / bk.model.body_mass[ix.obj_body]
            f["body_mass"][local, ix.obj_body] = mass
            f["body_inertia"][local, ix.obj_body] = mass[:, None] * base_i
            self.mass[glob] = torch.as_tensor(mass, dtype=torch.float32)
            const = True
        if dr.randomize_com:
            com = self._rng.uniform(-dr.com_range * lv, dr.com_range * lv, size=(m, 3))
            f["body_ipos"][local, ix.obj_body] = com + np.array([0.0, 0.0, 1e-6])
            self.com[glob] = torch.as_tensor(com, dtype=torch.float32)
            const = True
        if dr.randomize_friction:
            mu = self._rng.uniform(*ramp(ob.friction, dr.friction_range[0], dr.friction_range[1], lv), size=m)
            geoms = np.concatenate([ix.hand_geoms, [ix.obj_geom]])
            f["geom_friction"][local[:, None], geoms[None, :], 0] = mu[:, None]
            self.friction[glob] = torch.as_tensor(mu, dtype=torch.float32)
        if dr.randomize_pd_gains:
            kp = self._rng.uniform(*ramp(ct.kp, dr.kp_range[0], dr.kp_range[1], lv), size=(m, C.NUM_JOINTS))
            kd = self._rng.uniform(*ramp(ct.kd, dr.kd_range[0], dr.kd_range[1], lv), size=(m, C.NUM_JOINTS))
            a = ix.actuators[None, :]
            f["actuator_gainprm"][local[:, None], a, 0] = kp
            f["actuator_biasprm"][local[:, None], a, 1] = -kp
            f["actuator_biasprm"][local[:, None], a, 2] = -kd
            self.kp[glob] = torch.as_tensor(kp, dtype=torch.float32)
            self.kd[glob] = torch.as_tensor(kd, dtype=torch.float32)
        return const

    def reset_idx(self, env_ids: torch.Tensor) -> None:
        """Start new episodes in ``env_ids`` (any order); the history of each is refilled with its first frame."""
        ids = torch.as_tensor(env_ids, dtype=torch.long).reshape(-1).cpu()
        if ids.numel() == 0:
            return
        ix = self.index
        for scale, bk in zip(self.scales, self.buckets, strict=True):
            glob = ids[(ids >= bk.ids.start) & (ids < bk.ids.stop)].sort().values
            if glob.numel() == 0:
                continue
            local = (glob - bk.ids.start).numpy()
            q, pose = self._sample_start(scale, len(local))
            bk.reset(local)
            rows = local[:, None]
            bk.qpos[rows, ix.joint_qpos] = q
            bk.qvel[rows, ix.joint_qvel] = 0.0
            bk.ctrl[rows, ix.actuators] = q
            bk.qpos[rows, ix.obj_qpos] = pose
            bk.qvel[rows, ix.obj_qvel] = 0.0
            bk.xfrc[local] = 0.0
            if self._randomize(bk, local, glob):
                bk.set_const(local)
            bk.forward(local)
            gd = glob.to(self._device)
            qt = torch.as_tensor(q, dtype=torch.float32, device=self._device)
            self.targets[gd] = qt
            self.init_pose[gd] = qt
            pt = torch.as_tensor(pose, dtype=torch.float32, device=self._device)
            self.prev_obj_pos[gd] = pt[:, :3]
            self.prev_obj_quat[gd] = pt[:, 3:]
            self.start_z[gd] = pt[:, 2]
            # HORA refills the whole history with the reset frame: joint positions, targets = positions
            frame = torch.cat([_unscale(qt, self.lo, self.hi), qt], dim=-1)
            self.hist[gd] = frame[:, None, :].expand(-1, self.hist_len, -1)
        d = ids.to(self._device)
        self.progress[d] = 0
        self.push_force[d] = 0.0
        self.ep_return[d] = 0.0
        self.ep_rot[d] = 0.0

    def reset(self) -> torch.Tensor:
        """Reset every env; returns the observation (N, num_obs)."""
        self.reset_idx(torch.arange(self._n))
        return self._obs(self._read()["obj_pos"])

    # -------------------------------------------------------------------------------------------- step
    def _apply_pushes(self) -> None:
        p = self.cfg.domain_rand.push
        if not p.enabled:
            return
        self.push_force *= p.decay ** (self.ctrl_dt / p.decay_interval)
        new = torch.rand(self._n, generator=self._gen).to(self._device) < p.prob
        if new.any():
            f = torch.randn(int(new.sum()), 3, generator=self._gen).to(self._device)
            self.push_force[new] = f * self.mass[new, None] * (p.scale * self.dr_level)
        force = self.push_force.cpu().numpy()
        for bk in self.buckets:
            bk.xfrc[:, self.index.obj_body, :3] = force[bk.sl]

    def step(self, actions: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, dict]:
        """Advance one control step. Returns ``(obs (N, num_obs), reward (N,), done (N,) bool, info)``.

        ``info``: ``terminate`` / ``time_outs`` (N,) bool, ``episode_terms`` (name -> float, per-step means
        for logging), ``episodes`` (per finished env: return, length_s, dropped, rot_speed) and, in grasp
        mode, ``grasp_rows`` ({scale: (k, 23) float32 array}).
        """
        ix, cfg = self.index, self.cfg
        a = torch.as_tensor(actions, dtype=torch.float32, device=self._device).clamp(-1.0, 1.0)
        if self.mode == "rotate":
            self.targets = torch.minimum(
                torch.maximum(self.targets + cfg.control.action_scale * a, self.lo), self.hi
            )
        tnp = self.targets.cpu().numpy()
        self._apply_pushes()
        diverged = np.zeros(self._n, dtype=bool)
        active = torch.ones(self._n, dtype=torch.bool, device=self._device)
        for i, bk in enumerate(self.buckets):
            if self.frozen[i]:
                active[bk.sl] = False
                continue
            bk.ctrl[:, ix.actuators] = tnp[bk.sl]
            diverged[bk.step(cfg.physics.substeps) + bk.ids.start] = True
        s = self._read()
        q, qd, obj_pos, obj_quat = s["q"], s["qd"], s["obj_pos"], s["obj_quat"]
        bad = (
            torch.from_numpy(diverged).to(self._device)
            | ~torch.isfinite(s["obj"]).all(-1)
            | ~torch.isfinite(q).all(-1)
        )

        ang_vel = finite_diff_ang_vel(self.prev_obj_quat, obj_quat, self.ctrl_dt)
        lin_vel = finite_diff_lin_vel(self.prev_obj_pos, obj_pos, self.ctrl_dt)
        torque = pd_torque(self.kp, self.kd, self.targets, q, qd, cfg.control.torque_limit)
        reward, terms = compute_reward(
            cfg.reward, ang_vel, lin_vel, q, self.init_pose, torque, qd, self.ctrl_dt
        )
        reward = torch.where(bad | ~active, torch.zeros_like(reward), torch.nan_to_num(reward))
        rot_speed = (ang_vel * self.rot_axis).sum(-1)

        self.progress += active.long()
        dropped = obj_pos[:, 2] < self.drop_z
        if cfg.max_fall > 0:
            dropped |= obj_pos[:, 2] < self.start_z - cfg.max_fall
        terminate = (dropped | bad) & active
        if self.mode == "grasp":
            terminate |= ~tips_near(s["tips"], obj_pos, cfg.grasp.max_tip_dist) & active
        timeout = (self.progress >= self.max_steps) & ~terminate & active
        if cfg.reward.drop_penalty or cfg.reward.alive_bonus:  # config-gated deviations from HORA
            k = self.ctrl_dt if cfg.reward.scale_by_dt else 1.0
            extra = torch.where(terminate, cfg.reward.drop_penalty, cfg.reward.alive_bonus) * k
            reward = reward + torch.where(bad | ~active, torch.zeros_like(extra), extra)
        self.env_steps += int(active.sum())
        done = terminate | timeout
        self.ep_return += reward
        # the step that ends in a drop is a tumble, not in-hand rotation: it does not count toward rot_speed
        self.ep_rot += torch.where(
            terminate | ~active, torch.zeros_like(rot_speed), torch.nan_to_num(rot_speed)
        )

        info: dict = {
            "terminate": terminate,
            "time_outs": timeout,
            "episode_terms": {
                **{f"reward/{k}": float(v[active].mean()) if active.any() else 0.0 for k, v in terms.items()},
                "rot_speed": float(rot_speed[active].mean()) if active.any() else 0.0,
                "drop_rate_per_step": float(terminate.float().mean()),
                "dr_level": self.dr_level,
            },
        }
        if self.mode == "grasp":
            ok = timeout & grasp_ok(
                s["tips"],
                obj_pos,
                s["touch"],
                self.drop_z,
                cfg.grasp.max_tip_dist,
                cfg.grasp.min_tip_contacts,
            )
            rows = torch.cat([q, obj_pos, obj_quat], dim=-1)
            info["grasp_rows"] = {
                s: rows[bk.sl][ok[bk.sl]].cpu().numpy().astype(np.float32)
                for s, bk in zip(self.scales, self.buckets, strict=True)
            }
        done_ids = done.nonzero().squeeze(-1)
        if done_ids.numel():
            steps = self.progress[done_ids].float()
            info["episodes"] = {
                "return": self.ep_return[done_ids].clone(),
                "length_s": steps * self.ctrl_dt,
                "dropped": terminate[done_ids].clone(),
                "rot_speed": self.ep_rot[done_ids] / steps.clamp_min(1.0),
                "scale": self.env_scale[done_ids].clone(),
            }
        self.prev_obj_pos = obj_pos.clone()
        self.prev_obj_quat = obj_quat.clone()
        new_frame = self._frame(q, noise=True)
        self.hist = torch.cat([self.hist[:, 1:], new_frame[:, None]], dim=1)
        if done_ids.numel():
            self.reset_idx(done_ids)
            obj_pos = obj_pos.clone()
            obj_pos[done_ids] = self.prev_obj_pos[done_ids]
        return self._obs(obj_pos), reward, done, info
