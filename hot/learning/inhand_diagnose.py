"""Zero-action hold test: how stable is the cached grasp under each randomisation term?

    python -m hot.learning.inhand_diagnose [--episodes 99] [--terms none,mass,com,friction,pd,push,all] [--sim mujoco]
        [key.path=value ...]

Every env holds its cached grasp (zero actions, i.e. the PD targets stay at the cached joint positions)
for one episode; the same metrics as ``hot eval`` are printed per randomisation setting: ``none`` (all
randomisation off), each term alone, and ``all`` (the teacher profile's full randomisation). Overrides
are applied to the ``ppo/allegro_inhand_hora`` config before the terms are switched.
"""

from __future__ import annotations

import argparse
import copy
import json

import torch

from hot.tasks.inhand.config import InhandCfg, load_inhand_config

__all__ = ["TERMS", "with_terms", "zero_action_metrics", "main"]

TERMS = ("none", "mass", "com", "friction", "pd", "push", "all")


def with_terms(cfg: InhandCfg, term: str) -> InhandCfg:
    """A copy of ``cfg`` with only ``term`` randomised (``none``: nothing, ``all``: every term)."""
    if term not in TERMS:
        raise ValueError(f"term {term!r} not in {TERMS}")
    c = copy.deepcopy(cfg)
    dr = c.env.domain_rand
    on = {
        "mass": term in ("mass", "all"),
        "com": term in ("com", "all"),
        "friction": term in ("friction", "all"),
        "pd_gains": term in ("pd", "all"),
    }
    for k, v in on.items():
        setattr(dr, f"randomize_{k}", v)
    dr.push.enabled = term in ("push", "all")
    return c


def zero_action_metrics(cfg: InhandCfg, episodes: int, seed: int = 1) -> dict:
    from hot.learning.inhand import rollout_metrics
    from hot.tasks.inhand.env import InhandEnv

    env = InhandEnv(cfg.env, episodes, mode="rotate", seed=seed, sim=cfg.sim)
    env.fixed_dr_level = 1.0
    env.priv_pos_noise = 0.0
    return rollout_metrics(env, lambda obs: torch.zeros(obs.shape[0], env.num_actions), episodes)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m hot.learning.inhand_diagnose", description=__doc__)
    p.add_argument("--episodes", type=int, default=99)
    p.add_argument("--terms", default=",".join(TERMS))
    p.add_argument("--sim", default="mujoco", choices=("mujoco", "mjwarp"), help="physics backend")
    p.add_argument("overrides", nargs="*")
    a = p.parse_args(argv)
    torch.set_num_threads(1)
    base = load_inhand_config("ppo", "allegro_inhand", "hora", a.sim, a.overrides)
    for term in a.terms.split(","):
        m = zero_action_metrics(with_terms(base, term), a.episodes)
        per = {s: round(v["drop_rate"], 3) for s, v in m["per_scale"].items()}
        row = {k: round(v, 4) for k, v in m.items() if k != "per_scale"}
        print(json.dumps({"term": term, **row, "drop_per_scale": per}), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
