"""A tiny torch-vectorised env that follows the ``hot`` env contract (for learning-layer tests only).

Point-mass reaching in 3-D: position p (world frame), action a in [-1, 1]^3 moves p by ``speed * a``.
A target t is drawn per episode; the reward is ``exp(-4 |p - t|^2)``. The observation has blocks
``pos`` (3), ``obj_keypoints`` (P*3: t plus fixed offsets, a fake point cloud), ``target`` (3) and ``time``
(1) in an order that can be changed (``block_order``). Episodes time out after ``episode_len`` steps and
terminate early when ``|p|_inf > bound``.
"""

from __future__ import annotations

from collections import OrderedDict

import torch

BLOCK_SIZES = {"pos": 3, "obj_keypoints": None, "target": 3, "time": 1}


class ToyReachEnv:
    def __init__(
        self,
        num_envs: int = 64,
        num_points: int = 4,
        episode_len: int = 16,
        block_order: tuple[str, ...] = ("pos", "obj_keypoints", "target", "time"),
        hand: str = "toy_hand",
        speed: float = 0.15,
        bound: float = 2.0,
        seed: int = 0,
        device: str = "cpu",
    ) -> None:
        self.num_envs = num_envs
        self.num_actions = 3
        self.device = torch.device(device)
        self.episode_len = episode_len
        self.speed = speed
        self.bound = bound
        self.hand = hand
        self.num_points = num_points
        sizes = dict(BLOCK_SIZES, obj_keypoints=3 * num_points)
        self.obs_layout: OrderedDict[str, slice] = OrderedDict()
        start = 0
        for name in block_order:
            self.obs_layout[name] = slice(start, start + sizes[name])
            start += sizes[name]
        self.num_obs = start
        self.gen = torch.Generator(device="cpu").manual_seed(seed)
        self.offsets = torch.linspace(-0.1, 0.1, num_points * 3).reshape(num_points, 3).to(self.device)
        self.pos = torch.zeros(num_envs, 3, device=self.device)
        self.target = torch.zeros(num_envs, 3, device=self.device)
        self.t = torch.zeros(num_envs, dtype=torch.long, device=self.device)

    def seed(self, seed: int) -> None:
        self.gen.manual_seed(seed)

    def metadata(self) -> dict:
        return {
            "hand": self.hand,
            "obs_layout": [[n, s.start, s.stop] for n, s in self.obs_layout.items()],
            "action_mode": "delta_pos",
            "config": {"episode_len": self.episode_len, "num_points": self.num_points},
        }

    def _reset_idx(self, idx: torch.Tensor) -> None:
        n = int(idx.numel())
        if n == 0:
            return
        self.pos[idx] = 0.0
        self.target[idx] = (torch.rand(n, 3, generator=self.gen) * 2.0 - 1.0).to(self.device)
        self.t[idx] = 0

    def _obs(self) -> torch.Tensor:
        obs = torch.empty(self.num_envs, self.num_obs, device=self.device)
        kp = (self.target[:, None, :] + self.offsets[None]).reshape(self.num_envs, -1)
        blocks = {
            "pos": self.pos,
            "obj_keypoints": kp,
            "target": self.target,
            "time": (self.t.float() / self.episode_len)[:, None],
        }
        for name, sl in self.obs_layout.items():
            obs[:, sl] = blocks[name]
        return obs

    def reset(self) -> torch.Tensor:
        self._reset_idx(torch.arange(self.num_envs, device=self.device))
        return self._obs()

    def step(self, actions: torch.Tensor):
        a = actions.clamp(-1.0, 1.0)
        self.pos = self.pos + self.speed * a
        self.t += 1
        dist2 = ((self.pos - self.target) ** 2).sum(-1)
        reward = torch.exp(-4.0 * dist2)
        terminate = self.pos.abs().amax(-1) > self.bound
        time_outs = self.t >= self.episode_len
        done = terminate | time_outs
        info = {
            "time_outs": time_outs.clone(),
            "terminate": terminate.clone(),
            "episode_terms": {"dist": float(dist2.sqrt().mean()), "reward": float(reward.mean())},
        }
        self._reset_idx(done.nonzero(as_tuple=False).squeeze(-1))
        return self._obs(), reward, done, info
