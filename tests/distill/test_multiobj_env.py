"""Several objects in one env: contiguous object blocks, object-aware clip sampling, GroupedSim,
and the refined motion that must mirror the original clip for clip."""

import shutil

import pytest
import torch

from hot.assets.hands import get_hand
from hot.assets.objects import get_object
from hot.config.strict import ConfigError
from hot.motion.dataset import object_name_from_path
from hot.sim import make_sim
from hot.sim.grouped import GroupedSim, block_sizes
from tests.distill.helpers import GMP, make_env


def test_block_sizes():
    assert block_sizes(7, 3) == [3, 2, 2]
    assert block_sizes(3, 3) == [1, 1, 1]
    with pytest.raises(ValueError, match="raise --num_envs"):
        block_sizes(2, 3)


def test_envs_only_ever_track_their_own_object():
    env = make_env(objects=("Bottle", "Box", "Hammer"), num_envs=7)
    assert env.env_object.tolist() == [0, 0, 0, 1, 1, 2, 2]
    names = [object_name_from_path(p) for p in env.lib.paths]
    assert set(names) == {"bottle", "box", "hammer"}
    for _ in range(40):  # many resets of every env
        env._reset_envs(torch.arange(7))
        got = [names[c] for c in env.ep.clip.tolist()]
        assert got == ["bottle"] * 3 + ["box"] * 2 + ["hammer"] * 2
    # each env's keypoints are its own object's
    for i, o in enumerate(env.env_object.tolist()):
        kp = torch.as_tensor(env.objs[o].keypoints(dense=True)) * env.sim.object_scales[i]
        torch.testing.assert_close(env.keypoints_o[i], kp)
    # a few steps run end to end
    env.reset()
    for _ in range(3):
        obs, rew, done, info = env.step(torch.zeros(7, env.num_actions))
    assert obs.shape == (7, env.num_obs) and torch.isfinite(rew).all()


def test_test_mode_cycles_each_objects_clips():
    env = make_env(objects=("Bottle", "Box"), num_envs=4, mode="test", extra="--state_init 2")
    names = [object_name_from_path(p) for p in env.lib.paths]
    seen = set()
    for _ in range(5):
        env._reset_envs(torch.arange(4))
        clips = env.ep.clip.tolist()
        assert [names[c] for c in clips] == ["bottle", "bottle", "box", "box"]
        seen.update(clips)
    assert len(seen) == 20  # 10 distinct clips per object, no repeats within a cycle


def test_missing_object_folder_is_named(tmp_path):
    (tmp_path / "bottle").symlink_to(GMP / "bottle")
    with pytest.raises(ConfigError, match="no folder 'box' for object Box"):
        make_env(objects=("Bottle", "Box"), motion=tmp_path, num_envs=2)


def test_grouped_sim_equals_separate_batches():
    hand = get_hand("mano")
    objs = [get_object("Bottle"), get_object("Box")]
    grouped = GroupedSim([make_sim("mujoco", hand, o, 2, nthread=1) for o in objs])
    alone = [make_sim("mujoco", hand, o, 2, nthread=1) for o in objs]
    n, d = 4, hand.num_dofs
    g = torch.Generator().manual_seed(0)
    dof = torch.zeros(n, d)
    dof[:, 2] = 0.3 + 0.02 * torch.randn(n, generator=g)
    pos = torch.tensor([[0.0, 0.0, 0.1]]).repeat(n, 1)
    rot = torch.tensor([[1.0, 0, 0, 0]]).repeat(n, 1)
    z3 = torch.zeros(n, 3)
    ids = torch.tensor([3, 0, 2, 1])  # any order
    grouped.reset(ids, dof[ids], torch.zeros(n, d), pos, rot, z3, z3)
    for k, s in enumerate(alone):
        s.reset(torch.arange(2), dof[2 * k : 2 * k + 2], torch.zeros(2, d), pos[:2], rot[:2], z3[:2], z3[:2])
    targets = dof + 0.05
    grouped.set_targets(targets)
    for k, s in enumerate(alone):
        s.set_targets(targets[2 * k : 2 * k + 2])
    for _ in range(3):
        grouped.step(2)
        for s in alone:
            s.step(2)
    a, b = grouped.state(), [s.state() for s in alone]
    torch.testing.assert_close(a.dof_pos, torch.cat([x.dof_pos for x in b]))
    torch.testing.assert_close(a.obj_pos, torch.cat([x.obj_pos for x in b]))
    assert a.obj_pos[0, 2] != a.obj_pos[2, 2] or not torch.equal(a.key_pos[0], a.key_pos[2])
    assert grouped.diverged().shape == (4,) and grouped.num_envs == 4


def test_refined_motion_must_mirror_the_original(tmp_path):
    orig = GMP / "bottle" / "move_higher_kp"
    refined = tmp_path / "refined"
    shutil.copytree(orig, refined)
    files = sorted(refined.glob("*.pt"))
    files[3].unlink()
    with pytest.raises(ConfigError, match=f"no refined file {files[3].name}"):
        make_env(motion=orig, num_envs=2, extra=f"--refined_motion_file {refined}")


def test_rewards_follow_the_refined_motion(tmp_path):
    """A refined copy with the object 5 cm higher: the same rollout scores worse against it, and the
    teacher's observation stays on the original while the student's follows the refined targets."""
    orig = GMP / "bottle" / "move_higher_kp"
    refined = tmp_path / "refined"
    refined.mkdir()
    for f in sorted(orig.glob("*.pt")):
        d = torch.load(f, weights_only=True)
        d["obj_pos"] = d["obj_pos"] + torch.tensor([0.0, 0.0, 0.05])
        torch.save(d, refined / f.name)
    kw = dict(motion=orig, num_envs=3, mode="test", extra="--state_init 2")
    plain = make_env(**kw)
    ref_env = make_env(**{**kw, "extra": kw["extra"] + f" --refined_motion_file {refined}"})
    obs_env = make_env(**{**kw, "extra": kw["extra"] + f" --refined_motion_file {refined}"})
    obs_env.refined_as_obs = True
    outs = []
    for env in (plain, ref_env, obs_env):
        o0 = env.reset()
        _, r, _, _ = env.step(torch.zeros(3, env.num_actions))
        outs.append((o0, r, env.last_errors["E_op"], env.teacher_obs))
    assert (outs[1][2] > outs[0][2] + 1.5).all()  # E_op: mean |dx| over xyz, 5 cm in z = 1.67 cm
    assert (outs[1][1] < outs[0][1]).all()
    torch.testing.assert_close(outs[1][0], outs[0][0])  # student obs = original targets by default
    assert not torch.allclose(outs[2][0], outs[0][0])  # refined targets in the student's obs
    torch.testing.assert_close(outs[2][3], outs[0][3])  # teacher obs always the original
