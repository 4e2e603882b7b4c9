"""Subprocess entry for the PPO smoke test: trains the toy env, prints one JSON line of results.

usage: python -m tests.learning.train_toy RUN_DIR EPOCHS SEED
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import torch

from hot.learning import adapter
from tests.learning.helpers import toy_cfg
from tests.learning.toy_env import ToyReachEnv


def main() -> None:
    run_dir, epochs, seed = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    res = adapter.train(
        ToyReachEnv(num_envs=64, seed=seed),
        toy_cfg(log_std_init=-1.0),
        run_dir,
        max_epochs=epochs,
        seed=seed,
        show_progress=False,
    )
    eval_env = ToyReachEnv(num_envs=256, seed=1234)
    policy = adapter.load_policy(res["checkpoint"], eval_env)
    trained = adapter.mean_step_reward(eval_env, policy, 48)
    zero = adapter.mean_step_reward(
        ToyReachEnv(num_envs=256, seed=1234), lambda o: torch.zeros(o.shape[0], 3), 48
    )
    hist = [h["reward"] for h in res["history"]]
    print(
        json.dumps(
            {
                "trained": trained,
                "zero": zero,
                "first": hist[0],
                "last3": sum(hist[-3:]) / 3,
                "epoch": res["epoch"],
                "checkpoint": str(res["checkpoint"]),
            }
        )
    )


if __name__ == "__main__":
    main()
