import glob
import re

import pytest

from hot.cli.upstream_args import MEANINGLESS_FLAGS, parse_args
from hot.config.resolve import REPO_ROOT
from hot.config.strict import ConfigError, apply_overrides, from_dict, to_dict
from hot.tasks.tracking.config import EnvCfg, TrackingCfg, load_env_config
from hot.tasks.tracking.resolve import resolve_env_config


def test_shipped_env_yamls_load():
    paths = sorted(glob.glob("hot/data/cfg/*/*_stage*.yaml"))
    assert len(paths) >= 4
    for p in paths:
        cfg = load_env_config(p)
        assert cfg.env.hand_model in p


def test_upstream_or_spelling_maps_to_orot():
    cfg = load_env_config("hot/data/cfg/mano/mano_stage1_precise_track.yaml")
    assert cfg.env.reward_weights.orot == 200.0
    cfg2 = load_env_config("hot/data/cfg/mano/mano_stage2_noisey_generalize.yaml")
    assert cfg2.env.reward_weights.orot == 50.0 and cfg2.env.reward_weights.p == 5.0


def test_unknown_key_names_file_and_key(tmp_path):
    p = tmp_path / "bad.yaml"
    p.write_text("env:\n  num_envz: 4\n")
    with pytest.raises(
        ConfigError, match=r"bad.yaml: 'env.num_envz' is not a known setting \(did you mean 'num_envs'"
    ):
        load_env_config(p)


@pytest.mark.parametrize(
    "text,match",
    [
        ("env:\n  num_envs: four\n", "'env.num_envs' must be an integer"),
        ("env:\n  enable_ig_scale: 1\n", "'env.enable_ig_scale' must be true/false"),
        ("env:\n  hand_model: mona\n", "'env.hand_model' is 'mona'"),
        ("env:\n  object_names: Bottle\n", "'env.object_names' must be a list"),
        ("env:\n  reward_weights: {p: high}\n", "'env.reward_weights.p' must be a number"),
        ("env:\n  state_init: '1'\n", "state_init frame must be >= 2"),
        ("- a\n- b\n", "top level must be a mapping"),
    ],
)
def test_wrong_types_fail(tmp_path, text, match):
    p = tmp_path / "c.yaml"
    p.write_text(text)
    with pytest.raises(ConfigError, match=match):
        load_env_config(p)


def test_missing_file():
    with pytest.raises(ConfigError, match="config file not found"):
        load_env_config("nope/nothing.yaml")


def test_overrides_roundtrip():
    cfg = TrackingCfg()
    cfg2 = apply_overrides(
        TrackingCfg, cfg, ["env.num_envs=8", "env.reward_weights.op=3.5", "sim.substeps=4"]
    )
    assert cfg2.env.num_envs == 8 and cfg2.env.reward_weights.op == 3.5 and cfg2.sim.substeps == 4
    with pytest.raises(ConfigError, match="'env.nope' is not a known setting"):
        apply_overrides(TrackingCfg, cfg, ["env.nope=1"])
    with pytest.raises(ConfigError, match="must be an integer"):
        apply_overrides(TrackingCfg, cfg, ["env.num_envs=abc"])
    assert from_dict(TrackingCfg, to_dict(cfg2)) == cfg2


def test_cli_overrides_yaml():
    args = parse_args(
        [
            "--cfg_env",
            "hot/data/cfg/mano/mano_stage1_precise_track.yaml",
            "--num_envs",
            "4",
            "--episode_length",
            "30",
            "--use_delta_action",
            "--enable_dof_obs",
            "--objnames",
            "Box",
            "--state_init",
            "2",
            "--op",
            "7",
            "--state_noise_prob",
            "0.5",
        ]
    )
    cfg = resolve_env_config(args)
    assert cfg.env.num_envs == 4 and cfg.env.episode_length == 30
    assert cfg.env.action_mode == "delta" and cfg.env.enable_dof_obs
    assert cfg.env.object_names == ["Box"] and cfg.env.state_init == "2"
    assert cfg.env.reward_weights.op == 7.0 and cfg.env.state_noise_prob == 0.5
    assert not cfg.env.enable_early_termination


def test_meaningless_flag_is_refused_with_reason(capsys):
    for flag in ("--physics_engine", "--horovod", "--reweight"):
        with pytest.raises(SystemExit) as e:
            parse_args([flag, "physx"])
        assert "means nothing in this MuJoCo port" in str(e.value) and MEANINGLESS_FLAGS[flag] in str(e.value)


def test_unknown_flag_is_an_error():
    with pytest.raises(SystemExit):
        parse_args(["--no_such_flag"])


def test_delta_and_residual_exclusive():
    with pytest.raises(SystemExit, match="mutually exclusive"):
        parse_args(["--use_delta_action", "--use_res_action"])


def test_envcfg_validation():
    with pytest.raises(ConfigError, match="'env.num_envs' is 0, must be >= 1"):
        from_dict(TrackingCfg, {"env": {"num_envs": 0}})
    with pytest.raises(ValueError, match="low <= high"):
        EnvCfg(obj_scale_range=[1.5, 0.75])


# ------------------------------------------------------------------------------- sim backend choice
@pytest.fixture
def hardware(monkeypatch):
    """Set what ``hot.sim.pick_backend`` sees: CUDA present or not, MuJoCo Warp installed or not."""
    import torch

    import hot.sim

    def set_hw(cuda: bool, warp: bool) -> None:
        monkeypatch.setattr(torch.cuda, "is_available", lambda: cuda)
        monkeypatch.setattr(hot.sim, "mjwarp_missing", lambda: None if warp else "warp is not installed")

    return set_hw


def _auto_yaml(tmp_path, backend: str | None = None):
    p = tmp_path / "env.yaml"
    p.write_text("env:\n  num_envs: 2\n" + (f"sim:\n  backend: {backend}\n" if backend else ""))
    return str(p)


@pytest.mark.parametrize(
    "cuda,warp,device,expected,why",
    [
        (True, True, None, "mjwarp", "CUDA device cuda and MuJoCo Warp installed"),
        (True, True, "cuda:1", "mjwarp", "CUDA device cuda:1"),
        (True, True, "cpu", "mujoco", "device cpu is not a CUDA device"),
        (True, False, None, "mujoco", r"MuJoCo Warp is not installed \(pip install -e \.\[gpu\]"),
        (False, True, None, "mujoco", "no CUDA device"),
    ],
)
def test_auto_backend_by_hardware(hardware, capsys, tmp_path, cuda, warp, device, expected, why):
    hardware(cuda, warp)
    argv = ["--cfg_env", _auto_yaml(tmp_path)] + (["--device", device] if device else [])
    cfg = resolve_env_config(parse_args(argv))
    assert cfg.sim.backend == expected
    line = capsys.readouterr().out.strip()
    assert line.startswith(f"[hot] sim backend: {expected} (auto: ") and re.search(why, line), line
    assert len(line.splitlines()) == 1


def test_explicit_backend_wins(hardware, capsys, tmp_path):
    hardware(cuda=True, warp=True)
    cfg = resolve_env_config(parse_args(["--cfg_env", _auto_yaml(tmp_path), "--sim", "mujoco"]))
    assert cfg.sim.backend == "mujoco" and "(--sim mujoco)" in capsys.readouterr().out
    hardware(cuda=False, warp=False)  # explicit mjwarp is kept (app.py then names the install command)
    cfg = resolve_env_config(parse_args(["--cfg_env", _auto_yaml(tmp_path), "--sim", "mjwarp"]))
    assert cfg.sim.backend == "mjwarp"
    # a backend written in the env YAML is explicit too; --sim auto overrides it
    hardware(cuda=True, warp=True)
    pinned = _auto_yaml(tmp_path, "mujoco")
    cfg = resolve_env_config(parse_args(["--cfg_env", pinned]))
    assert cfg.sim.backend == "mujoco" and "sim.backend: mujoco in env.yaml" in capsys.readouterr().out
    assert resolve_env_config(parse_args(["--cfg_env", pinned, "--sim", "auto"])).sim.backend == "mjwarp"


def test_schema_default_is_auto_and_make_sim_resolves_it(hardware, monkeypatch):
    from hot.sim import make_sim, pick_backend
    from hot.tasks.tracking.config import SimCfg

    assert SimCfg().backend == "auto"
    hardware(cuda=True, warp=True)
    assert pick_backend("auto", "cpu")[0] == "mujoco" and pick_backend("auto", "cuda")[0] == "mjwarp"
    with pytest.raises(ValueError, match="unknown sim backend 'physx'"):
        pick_backend("physx")
    import hot.sim.mujoco_cpu

    built = []
    monkeypatch.setattr(
        hot.sim.mujoco_cpu, "MujocoCpuSim", lambda *a, **kw: built.append(kw["device"]) or "cpu-sim"
    )
    assert make_sim("auto", None, None, 2, device="cpu") == "cpu-sim" and built == ["cpu"]


def test_blank_arguments_are_ignored():
    """Upstream's README has `--episode_length 180 \\ ` (a space after the backslash): argv gets ' '."""
    from hot.cli.upstream_args import parse_args

    args = parse_args(["--test", "--episode_length", "180", " ", "--objnames", "Bottle", ""])
    assert args.episode_length == 180 and args.objnames == ["Bottle"]


def test_cpu_run_with_gpu_scale_envs_gets_one_warning_with_time_and_the_cpu_command():
    import os

    import torch

    from hot.cli.tracking import CPU_ENV_STEPS_PER_CORE, cpu_scale_warning
    from hot.cli.upstream_args import parse_args
    from hot.learning.adapter import load_train_cfg

    args = parse_args(["--cfg_train", "hot/data/cfg/train/rlg/skillmimic_denseobj.yaml"])
    train = load_train_cfg(REPO_ROOT / args.cfg_train)
    msg = cpu_scale_warning(args, 4096, train, torch.device("cpu"))
    per_epoch = 4096 * 32 / (CPU_ENV_STEPS_PER_CORE * (os.cpu_count() or 1))
    assert f"about {per_epoch:,.0f} s per PPO epoch" in msg
    assert "--num_envs 256 --cfg_train hot/data/cfg/train/rlg/skillmimic_denseobj_cpu.yaml" in msg
    assert cpu_scale_warning(args, 256, train, torch.device("cpu")) is None
    assert cpu_scale_warning(args, 4096, train, torch.device("meta")) is None  # not a CPU run


def test_test_mode_takes_action_and_observation_settings_from_the_checkpoint(capsys):
    from hot.cli.tracking import apply_checkpoint_settings
    from hot.cli.upstream_args import parse_args
    from hot.tasks.tracking.resolve import resolve_env_config

    ckpt = REPO_ROOT / "checkpoint/mano/mano_bottle_grasp-move-place.pth"
    args = parse_args(
        [
            "--test",
            "--use_delta_action",
            "--enable_obj_keypoints",
            "--checkpoint",
            str(ckpt),
            "--motion_file",
            "hot/data/motions/dexgrasp_train_mano/bottle/grasp_higher_kp",
        ]
    )
    cfg = resolve_env_config(args)
    cfg.env.residual_scale = [0.0, 0.0, 0.0]
    changed = apply_checkpoint_settings(cfg, args, ckpt)
    assert changed == [
        "action_mode: delta -> residual (--use_delta_action)",
        "enable_dof_obs: False -> True (no --enable_dof_obs)",
    ]
    assert cfg.env.action_mode == "residual" and cfg.env.residual_scale == [0.02, 0.1, 0.2]
    assert apply_checkpoint_settings(cfg, args, ckpt) == []  # now they agree


def test_test_mode_takes_the_grasp_priors_from_the_checkpoint():
    """A closure teacher tested with the plain stage-1 YAML runs with its own closure_bias (part of its action
    mode) instead of failing the compatibility check; the override is reported, and so are physics settings
    that differ from its training's."""
    from hot.cli.tracking import apply_checkpoint_settings, physics_differences
    from hot.cli.upstream_args import parse_args
    from hot.tasks.tracking.resolve import resolve_env_config

    ckpt = REPO_ROOT / "checkpoint/mano/mano_bottle_grasp-move-place_closure.pth"
    args = parse_args(
        ["--test", "--use_res_action", "--enable_obj_keypoints", "--enable_dof_obs", "--checkpoint", str(ckpt),
         "--motion_file", "hot/data/motions/dexgrasp_train_mano/bottle/grasp_higher_kp"]
    )  # fmt: skip
    cfg = resolve_env_config(args)
    assert cfg.env.closure_bias == 0.0
    changed = apply_checkpoint_settings(cfg, args, ckpt)
    assert changed == ["closure_bias: 0.0 -> 0.05 (env.closure_bias of mano_stage1_precise_track.yaml)"]
    assert cfg.env.closure_bias == 0.05 and cfg.env.free_residual_scale == 1.0
    # physics stays the YAML's (testing under other contacts is an experiment), but the difference is named
    assert cfg.sim.object_solimp == [0.9, 0.95, 0.001]
    assert physics_differences(cfg, args, ckpt) == [
        "sim.object_solimp is [0.9, 0.95, 0.001] (from mano_stage1_precise_track.yaml); the checkpoint was "
        "trained with [0.95, 0.99, 0.001]"
    ]
    cfg.sim.object_solimp = [0.95, 0.99, 0.001]
    assert physics_differences(cfg, args, ckpt) == []


def test_a_checkpoint_older_than_a_grasp_prior_runs_without_it():
    """mano_3obj_student_closure.pth was trained before env.free_residual_scale existed (its meta has no such
    key): tested with the free-phase YAML it runs at the schema default 1.0 instead of failing the mode check."""
    from hot.cli.tracking import apply_checkpoint_settings
    from hot.cli.upstream_args import parse_args
    from hot.learning.checkpoint import load_checkpoint
    from hot.tasks.tracking.resolve import resolve_env_config

    ckpt = REPO_ROOT / "checkpoint/mano/mano_3obj_student_closure.pth"
    assert (
        "free_residual_scale" not in load_checkpoint(ckpt, map_location="cpu")["meta"]["config"]["env"]["env"]
    )
    args = parse_args(
        ["--test", "--use_res_action", "--enable_obj_keypoints", "--enable_dof_obs", "--checkpoint", str(ckpt),
         "--cfg_env", "hot/data/cfg/mano/mano_stage1_closure_free.yaml",
         "--motion_file", "hot/data/motions/dexgrasp_train_mano/bottle/grasp_higher_kp"]
    )  # fmt: skip
    cfg = resolve_env_config(args)
    assert cfg.env.free_residual_scale == 0.05
    changed = apply_checkpoint_settings(cfg, args, ckpt)
    assert changed == [
        "free_residual_scale: 0.05 -> 1.0 (env.free_residual_scale of mano_stage1_closure_free.yaml)"
    ]
    assert cfg.env.free_residual_scale == 1.0 and cfg.env.closure_bias == 0.05
    assert apply_checkpoint_settings(cfg, args, ckpt) == []


STIFF_PAIRS = [  # (checkpoint, the YAML it was fine-tuned and is documented with)
    (
        "checkpoint/shadow/shadow_bottle_grasp-move-place.pth",
        "hot/data/cfg/shadow/shadow_stage1_precise_track.yaml",
    ),
    (
        "checkpoint/mano/mano_bottle_grasp-move-place_stiff.pth",
        "hot/data/cfg/mano/mano_stage1_closure_free_stiff.yaml",
    ),
    (
        "checkpoint/mano/mano_hammer_grasp-move-place_stiff.pth",
        "hot/data/cfg/mano/mano_stage1_closure_stiff.yaml",
    ),
    (
        "checkpoint/mano/mano_box_grasp-move-place_stiff.pth",
        "hot/data/cfg/mano/mano_stage1_closure_free_stiff.yaml",
    ),
    (  # the student distilled from the `_stiff` teachers (beside the default student)
        "checkpoint/mano/mano_3obj_student_stiff.pth",
        "hot/data/cfg/mano/mano_stage1_closure_free_stiff.yaml",
    ),
    (  # stage 2 at the stiff contacts: trained with the stage-2 YAML, tested with the stage-1 one
        "checkpoint/mano/mano_bottle_grasp-move-place_stage2_stiff.pth",
        "hot/data/cfg/mano/mano_stage2_closure_free_stiff.yaml",
    ),
    (
        "checkpoint/mano/mano_bottle_grasp-move-place_stage2_stiff.pth",
        "hot/data/cfg/mano/mano_stage1_closure_free_stiff.yaml",
    ),
    (
        "checkpoint/allegro/allegro_bottle_grasp-move-place.pth",
        "hot/data/cfg/allegro/allegro_stage1_closure_free.yaml",
    ),
    (
        "checkpoint/allegro/allegro_bottle_grasp-move-place.pth",
        "hot/data/cfg/allegro/allegro_stage1_precise_track.yaml",
    ),
]


@pytest.mark.parametrize(
    ("ckpt", "yaml_path"), STIFF_PAIRS, ids=[f"{c.split('/')[-1]}-{y.split('/')[-1]}" for c, y in STIFF_PAIRS]
)
def test_teachers_of_generator_clips_run_with_the_generator_contacts(ckpt, yaml_path):
    """The teachers for clips of ``python -m hot.datagen`` simulate with the contacts the clips were hold-tested
    with: their YAML's sim.object_solimp is the generator's default, and equals the physics the checkpoint was
    trained with (no physics note at --test). A YAML left at the softer scene default would sink the fingers
    2-4 mm instead of about 1 mm."""
    from hot.cli.tracking import physics_differences
    from hot.datagen.pipeline import OBJECT_SOLIMP

    cfg = load_env_config(str(REPO_ROOT / yaml_path))
    assert cfg.sim.object_solimp == list(OBJECT_SOLIMP)
    args = parse_args(["--test", "--checkpoint", ckpt, "--cfg_env", yaml_path])
    assert physics_differences(cfg, args, REPO_ROOT / ckpt) == []


def test_test_mode_names_clips_generated_with_other_contacts(tmp_path):
    """Clips hold-tested by the generator under one contact model and tracked under another lose the guarantee of
    the hold test: --test says so, from the settings the generator records next to the clips."""
    import json

    from hot.cli.tracking import clip_contact_differences

    root = tmp_path / "set"
    (root / "bottle" / "grasp_higher_kp").mkdir(parents=True)
    marker = root / "_datagen" / "Bottle" / "done_mano.json"
    marker.parent.mkdir(parents=True)
    marker.write_text(json.dumps({"settings": {"object_solimp": [0.99, 0.999, 0.001]}}))
    yaml_path = str(REPO_ROOT / "hot/data/cfg/mano/mano_stage1_closure.yaml")
    args = parse_args(
        ["--test", "--cfg_env", yaml_path, "--motion_file", str(root / "bottle" / "grasp_higher_kp")]
    )
    cfg = load_env_config(yaml_path)
    cfg.env.motion_file = str(root / "bottle" / "grasp_higher_kp")
    assert clip_contact_differences(cfg, args) == [
        f"the clips under {root} were generated with object contacts [0.99, 0.999, 0.001] (python -m hot.datagen "
        "--object_solimp); this run simulates [0.95, 0.99, 0.001] (sim.object_solimp of mano_stage1_closure.yaml), "
        "so their hold test does not carry over"
    ]
    cfg.sim.object_solimp = [0.99, 0.999, 0.001]
    assert clip_contact_differences(cfg, args) == []
    # a marker from before the setting: the scene default made those clips
    marker.write_text(json.dumps({"settings": {"seed": 3}}))
    assert "[0.9, 0.95, 0.001]" in clip_contact_differences(cfg, args)[0]
    # another hand's marker, or none at all (the shipped sets), says nothing
    cfg.env.hand_model = "shadow"
    assert clip_contact_differences(cfg, args) == []
    cfg.env.motion_file = str(REPO_ROOT / "hot/data/motions/dexgrasp_train_mano_gmp/bottle")
    assert clip_contact_differences(cfg, args) == []
