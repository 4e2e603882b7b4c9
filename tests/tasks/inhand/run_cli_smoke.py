"""Subprocess entry of the CLI smoke test: grasp cache -> PPO teacher (2 iterations) -> hot eval --load-run -1
-> student distillation (2 iterations) -> hot eval of the student, all through ``hot.cli.main`` in one process.

usage: python -m tests.tasks.inhand.run_cli_smoke WORK_DIR
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
    # one checkpoint file, no run folder: ship the newest teacher / student, evaluate with --checkpoint
    from hot.learning.adapter import latest_checkpoint
    from hot.learning.inhand import ship_checkpoint

    teacher = latest_checkpoint(next((work / "logs" / "ppo" / "AllegroInhandRotation").iterdir()))
    student = next((work / "logs" / "hora_distill" / "AllegroInhandRotation").glob("*/nn/student_ep_2.pth"))
    files = {"ppo": ship_checkpoint(teacher, work / "ship" / "t.pth", str(work / "cache" / "g")),
             "hora_distill": ship_checkpoint(student, work / "ship" / "s.pth", str(work / "cache" / "g"))}  # fmt: skip
    for algo, f in files.items():
        rc[f"eval_file_{algo}"] = main(["eval", "--algo", algo, "--task", "allegro_inhand", "--checkpoint", str(f),
                                        "--eval-out", str(work / f"eval_{algo}.json"), "training.eval_episodes=4",
                                        "env.episode_s=1", "training.logdir=" + str(work / "none")])  # fmt: skip
    rc["eval_file_wrong_algo"] = main(["eval", "--algo", "hora_distill", "--task", "allegro_inhand",
                                       "--checkpoint", str(files["ppo"]), "training.eval_episodes=4"])  # fmt: skip
    print("SMOKE " + json.dumps(rc))


if __name__ == "__main__":
    main_smoke(Path(sys.argv[1]))
