"""Teacher discovery, routing tables and the stacked (vmapped) teacher evaluation."""

from pathlib import Path

import pytest
import torch

from hot.config.strict import ConfigError
from hot.distill.config import DistillCfg, TeacherEntry
from hot.distill.teachers import TeacherEnsemble, TeacherSpec, object_table, resolve_teachers, skill_table
from hot.learning.adapter import env_meta, load_policy
from tests.distill.helpers import make_env, save_tiny_teacher


def test_upstream_and_hot_file_naming(tmp_path):
    for name in ("GraspMovePlace_bottle_0.pth", "Rotate_bottle_6.pth", "mano_box_grasp-move-place.pth"):
        (tmp_path / name).write_bytes(b"")
    skill = resolve_teachers(DistillCfg(route_by="skill", teacher_dir=str(tmp_path)))
    assert [(s.path.name, s.skills) for s in skill] == [
        ("GraspMovePlace_bottle_0.pth", (0, 1, 2, 3)),  # id 0 = grasp/move/place, as upstream
        ("Rotate_bottle_6.pth", (6,)),
        ("mano_box_grasp-move-place.pth", (1, 2, 3)),
    ]
    obj = resolve_teachers(DistillCfg(route_by="object", teacher_dir=str(tmp_path)))
    assert [s.object for s in obj] == ["bottle", "bottle", "box"]


def test_explicit_entries_override_names(tmp_path):
    p = tmp_path / "t_x_y.pth"
    p.write_bytes(b"")
    cfg = DistillCfg(route_by="skill", teachers=[TeacherEntry(checkpoint=str(p), skills=["grasp", "009"])])
    assert resolve_teachers(cfg)[0].skills == (1, 9)
    with pytest.raises(ConfigError, match="unknown skill 'juggle'"):
        resolve_teachers(
            DistillCfg(route_by="skill", teachers=[TeacherEntry(checkpoint=str(p), skills=["juggle"])])
        )
    with pytest.raises(ConfigError, match="does not exist"):
        resolve_teachers(
            DistillCfg(route_by="skill", teachers=[TeacherEntry(checkpoint=str(tmp_path / "no.pth"))])
        )
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ConfigError, match="no \\*.pth"):
        resolve_teachers(DistillCfg(route_by="skill", teacher_dir=str(empty)))


def test_skill_table_routes_and_names_missing_skills():
    specs = [TeacherSpec(Path("a.pth"), skills=(1, 2, 3)), TeacherSpec(Path("b.pth"), skills=(9,))]
    table = skill_table(specs, torch.tensor([1, 2, 3, 9, 1]), {})
    assert table[torch.tensor([1, 2, 3, 9])].tolist() == [0, 0, 0, 1]
    with pytest.raises(ConfigError, match="no teacher for skill 006 \\(rotate_kp\\)"):
        skill_table(specs, torch.tensor([1, 6]), {6: "rotate_kp"})
    with pytest.raises(ConfigError, match="covered by two teachers"):
        skill_table(specs + [TeacherSpec(Path("c.pth"), skills=(2,))], torch.tensor([1]), {})


def test_object_table():
    specs = [TeacherSpec(Path("a.pth"), object="box"), TeacherSpec(Path("b.pth"), object="bottle")]
    assert object_table(specs, ["Bottle", "Box"]).tolist() == [1, 0]
    with pytest.raises(ConfigError, match="no teacher for object\\(s\\) \\['Hammer'\\]"):
        object_table(specs, ["Bottle", "Hammer"])


def test_stacked_teachers_equal_each_policy(tmp_path):
    env = make_env(num_envs=6)
    paths = [save_tiny_teacher(env, tmp_path / f"t{i}.pth", seed=i) for i in range(3)]
    ens = TeacherEnsemble(paths, env_meta(env), "cpu")
    obs = env.reset() + 0.1 * torch.randn(6, env.num_obs)
    ids = torch.tensor([0, 1, 2, 2, 1, 0])
    got = ens.mu(obs, ids)
    for i, p in enumerate(paths):
        ref = load_policy(p, env).mu(obs)
        rows = ids == i
        torch.testing.assert_close(got[rows], ref[rows], atol=1e-5, rtol=1e-5)
    # the teachers really differ (else the routing would not be tested)
    all_mu = ens.mu_all(obs)
    assert (all_mu[0] - all_mu[1]).abs().max() > 1e-3


def test_teachers_with_another_architecture_are_refused(tmp_path):
    env = make_env(num_envs=2)
    a = save_tiny_teacher(env, tmp_path / "a.pth", seed=0, units=(32, 16))
    b = save_tiny_teacher(env, tmp_path / "b.pth", seed=1, units=(16, 16))
    with pytest.raises(ConfigError, match="another network architecture"):
        TeacherEnsemble([a, b], env_meta(env), "cpu")


def test_slim_checkpoint_keeps_the_policy_not_the_optimizer(tmp_path):
    from hot.learning.checkpoint import load_checkpoint, save_checkpoint, slim_checkpoint

    env = make_env(num_envs=2)
    full = save_tiny_teacher(env, tmp_path / "full.pth", seed=3)
    payload = load_checkpoint(full)
    payload["rlg"]["optimizer"] = {"state": {0: {"exp_avg": torch.zeros(1000, 100)}}, "param_groups": []}
    save_checkpoint(full, payload["rlg"], payload["meta"])
    slim = slim_checkpoint(full, tmp_path / "slim.pth")
    assert slim.stat().st_size < full.stat().st_size / 2
    assert "optimizer" not in load_checkpoint(slim)["rlg"]
    obs = env.reset()
    torch.testing.assert_close(load_policy(slim, env).mu(obs), load_policy(full, env).mu(obs))


def test_residual_teachers_drive_a_delta_student_through_the_same_pd_targets(tmp_path):
    """Upstream's distillation commands say --use_delta_action; the shipped teachers are residual. The
    teacher's action is converted to the student's action that sets the same PD targets."""
    from hot.cli.upstream_args import parse_args
    from hot.tasks.tracking.actions import action_to_targets
    from hot.tasks.tracking.env import TrackingEnv
    from hot.tasks.tracking.resolve import resolve_env_config
    from tests.distill.helpers import ENV_FLAGS, GMP, REPO

    args = parse_args(
        f"{ENV_FLAGS.replace('--use_res_action', '--use_delta_action')} --num_envs 4 "
        f"--motion_file {GMP / 'bottle'} --objnames Bottle".split()
    )
    cfg = resolve_env_config(args)
    env = TrackingEnv(cfg, mode="train", seed=0)
    ens = TeacherEnsemble([REPO / "checkpoint/mano/mano_bottle_grasp-move-place.pth"], env_meta(env), "cpu")
    assert ens.action_mode.startswith("residual") and env_meta(env)["action_mode"] == "delta"
    env.reset()
    mu = ens.mu(env.teacher_obs, torch.zeros(4, dtype=torch.long))
    student = env.convert_actions(mu, ens.env_cfg)
    dof, ref_q, ref_qd, _ = env._pd_frame()
    ff, rs = env._action_space(ens.env_cfg["velocity_feedforward"], ens.env_cfg["residual_scale"])
    q_teacher = action_to_targets(mu, "residual", dof, ref_q + ff * ref_qd, env.lower, env.upper, rs)
    q_student = action_to_targets(student, "delta", dof, None, env.lower, env.upper)
    torch.testing.assert_close(q_student, q_teacher, atol=1e-5, rtol=0)
    assert (student - mu).abs().max() > 0.05  # a real conversion, not the identity
    # the student's own action space: unchanged
    assert env.convert_actions(student, {"action_mode": "delta"}) is student


def test_teachers_in_different_action_modes_each_convert_to_the_student(tmp_path):
    """A closure teacher beside a closure + free-phase teacher (issue 20): each teacher's action becomes the
    student's action for that teacher's PD targets; the teacher in the student's own mode passes through."""
    from hot.cli.upstream_args import parse_args
    from hot.tasks.tracking.env import TrackingEnv
    from hot.tasks.tracking.resolve import resolve_env_config
    from tests.distill.helpers import ENV_FLAGS, GMP, REPO

    args = parse_args(
        f"{ENV_FLAGS} --num_envs 6 --motion_file {GMP / 'bottle'} --objnames Bottle "
        f"--cfg_env {REPO / 'hot/data/cfg/mano/mano_stage1_closure.yaml'}".split()
    )
    env = TrackingEnv(resolve_env_config(args), mode="train", seed=0)
    ckpts = [REPO / "checkpoint/mano/mano_bottle_grasp-move-place_closure.pth",
             REPO / "checkpoint/mano/mano_box_grasp-move-place_closure_free.pth"]  # fmt: skip
    ens = TeacherEnsemble(ckpts, env_meta(env), "cpu")
    student_mode = env_meta(env)["action_mode"]
    assert [t for t, _ in ens.spaces] == [student_mode, student_mode + " free=0.05"]
    env.reset()
    assert env._obs_ref is not None
    env._obs_ref.contact[:] = torch.tensor([0.0, 0.0, 0.0, 1.0, 0.0, 1.0])
    ids = torch.tensor([0, 1, 1, 1, 0, 0])
    mu = ens.mu(env.teacher_obs, ids)
    got = ens.to_student(env, mu, ids, student_mode)
    torch.testing.assert_close(got[ids == 0], mu[ids == 0])  # same mode: unchanged
    torch.testing.assert_close(got[3], mu[3])  # free-phase teacher, reference in contact: same targets
    inside = mu[1:3].abs() < 1
    torch.testing.assert_close(got[1:3][inside], 0.05 * mu[1:3][inside], atol=1e-6, rtol=0)  # not in contact
    assert (mu[1:3] - got[1:3]).abs().max() > 1e-3


def test_teachers_named_in_the_env_yaml_replace_the_train_yamls():
    """Upstream names teachers in the env YAML (skillmimic_*distill.yaml); the task sets the routing."""
    from hot.distill.config import load_distill_cfg
    from hot.learning.adapter import load_train_cfg
    from hot.tasks.tracking.config import DistillTeachersCfg, load_env_config
    from tests.distill.helpers import REPO

    train = load_train_cfg(REPO / "hot/data/cfg/train/rlg/skillmimic_distill.yaml")
    env_cfg = load_env_config(REPO / "hot/data/cfg/skillmimic_multiobjs_distill.yaml")
    cfg = load_distill_cfg(train, "object", env_teachers=env_cfg.distill)
    assert cfg.route_by == "object" and [t.object for t in cfg.teachers] == ["Bottle", "Box", "Hammer"]
    assert [s.object for s in resolve_teachers(cfg)] == ["bottle", "box", "hammer"]
    skill = load_distill_cfg(
        train, "skill", env_teachers=DistillTeachersCfg()
    )  # nothing named: the train YAML's
    assert skill.teachers[0].skills == ["grasp", "move", "place", "freemove"]
    with pytest.raises(ConfigError, match="params.distill needs 'teachers'"):
        load_distill_cfg(
            {"params": {"distill": {"beta_start_epoch": 1}}}, "skill", env_teachers=DistillTeachersCfg()
        )


@pytest.mark.parametrize(
    "name",
    [
        "skillmimic_multiobjs_distill_cpu.yaml",
        "skillmimic_multiobjs_distill_closure_free_cpu.yaml",
        "skillmimic_multiobjs_distill_stiff_cpu.yaml",
    ],
)
def test_shipped_student_configs_name_shipped_teachers_of_one_object_each(name):
    """The recipes of the shipped 3-object students name checkpoints that exist in the repo, one per object, each a
    MANO policy that loads (a stale output/ path would only fail an hour into a user's run)."""
    from hot.distill.config import load_distill_cfg
    from hot.learning.adapter import load_train_cfg
    from hot.learning.checkpoint import load_checkpoint
    from hot.tasks.tracking.config import DistillTeachersCfg
    from tests.distill.helpers import REPO

    train = load_train_cfg(REPO / "hot/data/cfg/train/rlg" / name)
    specs = resolve_teachers(load_distill_cfg(train, "object", env_teachers=DistillTeachersCfg()))
    assert sorted(s.object for s in specs) == ["bottle", "box", "hammer"]
    for s in specs:
        assert Path(s.path).resolve().is_relative_to((REPO / "checkpoint" / "mano").resolve())
        meta = load_checkpoint(s.path)["meta"]  # weights-only load: the file is a checkpoint, not a pickle
        assert meta["hand"] == "mano" and meta["config"]["env"]["env"]["object_names"] == [s.object.title()]
