"""Subprocess entry of the CLI smoke test: grasp cache -> PPO teacher (2 iterations) -> hot eval --load-run -1
-> student distillation (2 iterations) -> hot eval of the student, all through ``hot.cli.main`` in one process.

usage: python -m tests.inhand.run_cli_smoke WORK_DIR
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from hot.cli import main


def main_smoke(work: Path) -> None:
    common = [
        f"training.logdir={work / 'logs'}",
        f"env.grasp_cache_path={work / 'cache' / 'g'}",
        "training.progress=false",
    ]
    small = ["env.domain_rand.scale_list=[0.9,1.0]", "algo.num_envs=8"]
    rc = {}
    rc["grasp"] = main(["train", "--algo", "ppo", "--task", "allegro_inhand_grasp", "--sim", "mujoco",
                        "training.no_play=true", "env.grasp_collection_target=6", *common, *small])  # fmt: skip
    rc["teacher"] = main(["train", "--algo", "ppo", "--task", "allegro_inhand", "--sim", "mujoco", "--profile", "hora",
                          "algo.max_iterations=2", "algo.ppo.horizon_length=4", *common, *small])  # fmt: skip
    rc["eval_teacher"] = main(["eval", "--algo", "ppo", "--task", "allegro_inhand", "--load-run", "-1",
                               "training.eval_episodes=4", "env.episode_s=1", *common])  # fmt: skip
    rc["student"] = main(["train", "--algo", "hora_distill", "--task", "allegro_inhand", "--sim", "mujoco",
                          "algo.max_iterations=2", "algo.distill.steps_per_iter=2", *common, *small])  # fmt: skip
    rc["eval_student"] = main(["eval", "--algo", "hora_distill", "--task", "allegro_inhand", "--load-run", "-1",
                               "training.eval_episodes=4", "env.episode_s=1", *common])  # fmt: skip
    print("SMOKE " + json.dumps(rc))


if __name__ == "__main__":
    main_smoke(Path(sys.argv[1]))
