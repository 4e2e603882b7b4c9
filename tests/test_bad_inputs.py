"""Bad inputs, one row each: the command, the exit code and a fragment of the one-line message it must give.

Every user mistake ends in exit code 2 with a message on stderr that names the flag, file or key (a
traceback here fails the test: it means a bug in hot). Rows run in-process through the entry points'
``main`` (``hot/run.py``, ``python -m hot.eval_table``), so an exception escaping them fails the row.
"""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest
import torch

from hot.config.resolve import REPO_ROOT

GRASP = "hot/data/motions/dexgrasp_train_mano/bottle/grasp_higher_kp"
CKPT = "checkpoint/mano/mano_bottle_grasp-move-place.pth"
TEST = (
    f"--test --num_envs 2 --episode_length 10 --cfg_env hot/data/cfg/mano/mano_stage1_precise_track.yaml "
    f"--motion_file {GRASP} --state_init 2 --enable_obj_keypoints --use_res_action --enable_dof_obs "
    f"--objnames Bottle --checkpoint {CKPT}"
)
TRAIN = (
    "--num_envs 4 --horizon_length 8 --max_iterations 1 --cfg_env hot/data/cfg/mano/mano_stage1_precise_track.yaml "
    "--cfg_train hot/data/cfg/train/rlg/skillmimic_denseobj_cpu.yaml "
    f"--motion_file {GRASP} --enable_obj_keypoints --use_res_action --enable_dof_obs --objnames Bottle"
)


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    """Broken files the rows refer to as {name}."""
    from hot.learning.checkpoint import load_checkpoint, save_checkpoint

    d = tmp_path_factory.mktemp("bad")
    out = {"dir": d}
    out["noclips"] = d / "noclips"  # a folder no other row writes clips into
    out["noclips"].mkdir()
    out["bytes"] = d / "random.pth"
    out["bytes"].write_bytes(bytes(range(256)) * 16)
    good = load_checkpoint(REPO_ROOT / CKPT)
    out["nomodel"] = d / "nomodel.pth"
    save_checkpoint(out["nomodel"], {k: v for k, v in good["rlg"].items() if k != "model"}, good["meta"])
    nan = {k: v.clone() if torch.is_tensor(v) else v for k, v in good["rlg"]["model"].items()}
    first = next(k for k, v in nan.items() if torch.is_tensor(v) and v.is_floating_point() and v.numel() > 1)
    nan[first][0] = float("nan")
    out["nan"] = d / "nan.pth"
    save_checkpoint(out["nan"], dict(good["rlg"], model=nan), good["meta"])
    out["box"] = d / "box.obj"
    __import__("trimesh").creation.box(extents=[0.06, 0.03, 0.1]).export(out["box"])
    out["empty_yaml"] = d / "empty.yaml"
    out["empty_yaml"].write_text("")
    sim_bad = (REPO_ROOT / "hot/data/cfg/mano/mano_stage1_precise_track.yaml").read_text()
    out["substeps0"] = d / "substeps0.yaml"
    out["substeps0"].write_text(sim_bad.replace("substeps: 2", "substeps: 0"))
    out["dtneg"] = d / "dtneg.yaml"
    out["dtneg"].write_text(sim_bad.replace("dt: 0.008333333333333333", "dt: -0.01"))
    out["weightneg"] = d / "weightneg.yaml"
    out["weightneg"].write_text(sim_bad.replace("op: 50,", "op: -50,"))
    out["dupkey"] = d / "dupkey.yaml"
    out["dupkey"].write_text(sim_bad.replace("  substeps: 2\n", "  substeps: 2\n  substeps: 3\n"))
    noskill = d / "clips" / "bottle" / "not_a_skill"
    noskill.mkdir(parents=True)
    for p in sorted((REPO_ROOT / GRASP).glob("*.pt"))[:2]:
        (noskill / p.name).write_bytes(p.read_bytes())
    out["noskill"] = noskill
    huge = d / "huge" / "grasp_higher_kp"
    huge.mkdir(parents=True)
    src = sorted((REPO_ROOT / GRASP).glob("*.pt"))[0]
    clip = torch.load(src, weights_only=True)
    clip["obj_pos"] = clip["obj_pos"].clone()
    clip["obj_pos"][5, 2] = 1e30
    torch.save(clip, huge / src.name)
    out["huge"] = huge
    train = (REPO_ROOT / "hot/data/cfg/train/rlg/skillmimic_denseobj_cpu.yaml").read_text()
    for name, (a, b) in {
        "lr_typo": ("    learning_rate: 1.0e-4", "    learning_rat: 1.0e-4"),
        "lr_word": ("    learning_rate: 1.0e-4", "    learning_rate: fast"),
        "mini_epochs_neg": ("    mini_epochs: 4", "    mini_epochs: -1"),
        "train_dupkey": ("    mini_epochs: 4", "    mini_epochs: 4\n    mini_epochs: 2"),
        "net_key": ("    point_features: 60", "    point_feature: 60"),
        "not_yaml": ("params:", "params: [unclosed"),
    }.items():
        assert a in train, a
        out[name] = d / f"{name}.yaml"
        out[name].write_text(train.replace(a, b, 1))
    return out


# (id, entry point, argv (formatted with the fixture's files), fragment of the message)
ROWS = [
    ("num_envs_zero", "run", TEST + " --num_envs 0", "--num_envs"),
    ("num_envs_negative", "run", TEST + " --num_envs -5", "--num_envs"),
    ("max_iterations_negative", "run", TRAIN + " --max_iterations -1", "--max_iterations"),
    ("frames_scale_negative", "run", TEST + " --frames_scale -2", "--frames_scale"),
    ("episode_length_one", "run", TEST + " --episode_length 1", "--episode_length"),
    ("state_noise_prob_above_one", "run", TEST + " --state_noise_prob 1.5", "--state_noise_prob"),
    ("test_rounds_zero", "run", TEST + " --test_rounds 0", "--test_rounds"),
    ("ball_size_negative", "run", TEST + " --ball_size -1", "--ball_size -1.0: must be in [0, 100]"),
    ("video_envs_zero", "run", TEST + " --video_envs 0", "--video_envs 0: must be in [1, 64]"),
    ("horizon_zero", "run", TRAIN + " --horizon_length 0", "--horizon_length"),
    ("reward_weight_negative", "run", TEST + " --cg1 -2", "--cg1"),
    ("unknown_object", "run", TEST.replace("--objnames Bottle", "--objnames Teapot"), "Teapot"),
    ("bad_device", "run", TEST + " --device foo", "--device foo"),
    (
        "load_run_no_runs",
        "run",
        TEST.replace(f"--checkpoint {CKPT}", "--load_run -1 --output_path {dir}"),
        "no runs",
    ),
    ("load_run_and_checkpoint", "run", TEST + " --load_run -1", "not both"),
    ("load_run_without_test", "run", TRAIN + " --load_run -1", "add --test"),
    (
        "shipped_missing_hand_object",
        "run",
        TEST.replace(f"--checkpoint {CKPT}", "--checkpoint shipped").replace(
            "--objnames Bottle", "--objnames Knife"
        ),
        "no shipped mano policy",
    ),
    ("random_bytes_checkpoint", "run", TEST.replace(CKPT, "{bytes}"), "random.pth"),
    ("checkpoint_without_model", "run", TEST.replace(CKPT, "{nomodel}"), "nomodel.pth"),
    ("checkpoint_with_nan_weights", "run", TEST.replace(CKPT, "{nan}"), "non-finite"),
    (
        "empty_env_yaml",
        "run",
        TEST.replace("hot/data/cfg/mano/mano_stage1_precise_track.yaml", "{empty_yaml}"),
        "empty.yaml",
    ),
    (
        "sim_substeps_zero",
        "run",
        TEST.replace("hot/data/cfg/mano/mano_stage1_precise_track.yaml", "{substeps0}"),
        "substeps",
    ),
    (
        "sim_dt_negative",
        "run",
        TEST.replace("hot/data/cfg/mano/mano_stage1_precise_track.yaml", "{dtneg}"),
        "dt",
    ),
    (
        "env_yaml_value_out_of_range",
        "run",
        TEST.replace("hot/data/cfg/mano/mano_stage1_precise_track.yaml", "{weightneg}"),
        "'env.reward_weights.op' is -50.0, must be >= 0",
    ),
    (
        "env_yaml_duplicate_key",
        "run",
        TEST.replace("hot/data/cfg/mano/mano_stage1_precise_track.yaml", "{dupkey}"),
        "key 'substeps' appears twice",
    ),
    (
        "train_yaml_duplicate_key",
        "run",
        TRAIN.replace("hot/data/cfg/train/rlg/skillmimic_denseobj_cpu.yaml", "{train_dupkey}"),
        "key 'mini_epochs' appears twice",
    ),
    ("clips_of_another_object", "run", TEST.replace("--objnames Bottle", "--objnames Box"), "bottle"),
    ("state_init_past_the_clip", "run", TEST.replace("--state_init 2", "--state_init 5000"), "--state_init"),
    ("test_folder_is_no_skill", "run", TEST.replace(GRASP, "{noskill}"), "not_a_skill"),
    ("clip_value_1e30", "run", TEST.replace(GRASP, "{huge}"), "beyond the physical bound"),
    ("resume_at_or_past_max_iterations", "run", TRAIN + f" --resume_from {CKPT}", "--max_iterations"),
    (
        "train_yaml_typo",
        "run",
        TRAIN.replace("hot/data/cfg/train/rlg/skillmimic_denseobj_cpu.yaml", "{lr_typo}"),
        "'params.config.learning_rat' is not a known setting (did you mean 'learning_rate'?)",
    ),
    (
        "train_yaml_wrong_type",
        "run",
        TRAIN.replace("hot/data/cfg/train/rlg/skillmimic_denseobj_cpu.yaml", "{lr_word}"),
        "'params.config.learning_rate' must be a number",
    ),
    (
        "train_yaml_out_of_range",
        "run",
        TRAIN.replace("hot/data/cfg/train/rlg/skillmimic_denseobj_cpu.yaml", "{mini_epochs_neg}"),
        "mini_epochs",
    ),
    (
        "train_yaml_unknown_network_key",
        "run",
        TRAIN.replace("hot/data/cfg/train/rlg/skillmimic_denseobj_cpu.yaml", "{net_key}"),
        "params.network.point_feature",
    ),
    (
        "train_yaml_invalid",
        "run",
        TRAIN.replace("hot/data/cfg/train/rlg/skillmimic_denseobj_cpu.yaml", "{not_yaml}"),
        "not valid YAML",
    ),
    (
        "inhand_eval_episodes_zero",
        "cli",
        "eval --algo ppo --task allegro_inhand --checkpoint shipped training.eval_episodes=0",
        "training.eval_episodes",
    ),
    (
        "inhand_eval_episodes_below_scales",
        "cli",
        "eval --algo ppo --task allegro_inhand --checkpoint shipped training.eval_episodes=2",
        "needs at least one env per object scale",
    ),
    (
        "inhand_ppo_out_of_range",
        "cli",
        "train --algo ppo --task allegro_inhand algo.ppo.mini_epochs=0",
        "mini_epochs",
    ),
    (
        "inhand_env_setting_out_of_range",
        "cli",
        "train --algo ppo --task allegro_inhand env.physics.iterations=0",
        "'env.physics.iterations' is 0, must be >= 1",
    ),
    (
        "datagen_scale_negative",
        "datagen",
        "--hand mano --objects Bottle --out {dir}/dg --scale -1",
        "--scale",
    ),
    (
        "datagen_num_stable_zero",
        "datagen",
        "--hand mano --objects Bottle --out {dir}/dg --num_stable 0",
        "--num_stable",
    ),
    (
        "datagen_max_candidates_negative",
        "datagen",
        "--hand mano --objects Bottle --out {dir}/dg --max_candidates -3",
        "--max_candidates",
    ),
    (
        "datagen_object_solimp_out_of_range",
        "datagen",
        "--hand mano --objects Bottle --out {dir}/dg --object_solimp 0.99 1.2 0.001",
        "--object_solimp must be DMIN DMAX WIDTH",
    ),
    (
        "datagen_open_loop_check_catch",
        "datagen",
        "--hand mano --objects Bottle --out {dir}/dg --open_loop_check grasp catch",
        "--open_loop_check catch: not a skill the hand can execute open loop",
    ),
    (
        "objects_add_mass_negative",
        "objects",
        "add --name TBox --mesh {box} --root {dir}/obj --mass -2",
        "mass must be > 0",
    ),
    ("bench_seconds_negative", "bench", "sim --seconds -1", "argument --seconds: -1 is not > 0"),
    ("bench_epochs_zero", "bench", "train --epochs 0", "argument --epochs: 0 is not >= 1"),
    ("bench_learn_target", "bench", "learn --target 1.5", "--target must be in (0, 1], got 1.5"),
    ("bench_learn_heldout", "bench", "learn --heldout {dir}/none", "does not exist (also looked in"),
    ("bench_learn_no_clips", "bench", "learn --heldout {noclips}", "no <object>/grasp_*/*.pt clips there"),
    (
        "eval_table_zero_envs",
        "eval_table",
        f"--checkpoint {CKPT} --objects Bottle --num_envs 0",
        "--num_envs",
    ),
]


def _main(entry: str):
    if entry == "run":
        from hot.run import main
    elif entry == "cli":
        from hot.cli import main
    elif entry == "datagen":
        from hot.datagen.__main__ import main
    elif entry == "objects":
        from hot.assets.objects.__main__ import main
    elif entry == "bench":
        from hot.bench import main
    else:
        from hot.eval_table import main
    return main


@pytest.mark.parametrize("entry,argv,fragment", [r[1:] for r in ROWS], ids=[r[0] for r in ROWS])
def test_bad_input_is_one_clear_line_and_exit_2(entry, argv, fragment, files, capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(REPO_ROOT)
    args = shlex.split(argv.format(**{k: str(v) for k, v in files.items()}))
    if entry == "run" and "--test" not in args:
        args += ["--output_path", str(tmp_path)]
    try:
        rc = _main(entry)(args)
    except SystemExit as e:  # argparse and flag checks exit with a message
        rc = e.code if isinstance(e.code, int) else 2
        if isinstance(e.code, str):
            print(e.code, file=__import__("sys").stderr)
    err = capsys.readouterr().err
    assert rc == 2, f"exit code {rc}, stderr: {err[-2000:]}"
    assert fragment in err, err[-2000:]
    assert "Traceback" not in err and "weights_only=False" not in err
    if entry == "run" and "--test" not in args:
        assert not any(tmp_path.iterdir()), "a failed start left a run folder"
