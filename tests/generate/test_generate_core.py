"""Flow-matching generator: loss, sampling, conditions, decoding (tiny configs, no shipped data)."""

from __future__ import annotations

import math

import pytest
import torch

from hot.assets.hands import get_hand
from hot.datagen.kinematics import matrix_to_rot6d
from hot.generate.checkpoint import Generator, build_model, load_generator, save_generator
from hot.generate.conditions import make_condition
from hot.generate.config import GenerateConfig, ModelConfig, SampleConfig, TrainConfig
from hot.generate.data import SKILL_NAMES, ClipSet
from hot.generate.features import encode_clip, feature_dim, layout, rotate_yaw
from hot.generate.flow import sample_flow
from hot.generate.postprocess import decode_clip, gaussian_smooth, majority_filter, rigid_object_track
from hot.generate.train import train
from hot.generate.vocab import PromptError, parse_prompt
from hot.motion.fk import KeyBodyFK
from hot.motion.io import clip_to_dict, validate_clip
from hot.motion.schema import MotionClip

NF = 45  # MANO finger DoFs
N = 8


def _toy_set(m: int = 24) -> ClipSet:
    """Two skills whose clips differ (skill 0 rises, skill 1 moves sideways), smooth, with noise."""
    g = torch.Generator().manual_seed(1)
    lay = layout(NF)
    d = feature_dim(NF)
    knots = torch.zeros(m, N, d)
    s = torch.linspace(0, 1, N)
    skill = torch.arange(m) % 2
    eye6 = matrix_to_rot6d(torch.eye(3))
    for i in range(m):
        k = knots[i]
        k[:, lay["wrist_r6"]] = eye6
        k[:, lay["obj_r6"]] = eye6
        k[:, lay["wrist_pos"].start + (2 if skill[i] == 0 else 0)] = 0.3 * s + 0.02 * torch.randn(
            1, generator=g
        )
        k[:, lay["fingers"]] = 0.5 * s[:, None] * (1 + skill[i])
        k[:, lay["obj_pos"].start + 2] = 0.14
        k[:, lay["contact"]] = (s > 0.5).float()[:, None]
        k[:, lay["log_len"]] = math.log(100 + 50 * int(skill[i]))
    return ClipSet(
        knots=knots,
        skill=skill,
        obj_index=torch.zeros(m, dtype=torch.long),
        objects=["Toy"],
        keypoints=torch.randn(1, 20, 3, generator=g) * 0.05,
        origins=torch.zeros(m, 2),
        paths=[f"/x/y/z/{i}.pt" for i in range(m)],
    )


def _tiny_cfg(steps: int = 150) -> GenerateConfig:
    return GenerateConfig(
        model=ModelConfig(num_knots=N, width=32, depth=1, heads=2),
        train=TrainConfig(steps=steps, batch_size=16, lr=3e-3, warmup=10, log_every=1000, ema=0.9),
        sample=SampleConfig(ode_steps=8),
    )


@pytest.fixture(scope="module")
def toy_trained() -> tuple[Generator, list[float]]:
    return train(_tiny_cfg(), _toy_set(), NF, log=lambda s: None)


def test_flow_matching_loss_falls_on_a_toy_set(toy_trained):
    _, losses = toy_trained
    first, last = sum(losses[:20]) / 20, sum(losses[-20:]) / 20
    assert last < 0.6 * first, (first, last)


def _cond(gen: Generator, skill: int, kp: torch.Tensor, b: int = 2):
    nf = gen.norm.num_fingers
    return make_condition(
        gen.norm,
        torch.full((b,), skill),
        kp.expand(b, -1, -1),
        torch.zeros(b, 9 + nf),
        torch.tensor([[0.14, 1, 0, 0, 0, 1, 0]]).repeat(b, 1),
        torch.zeros(b, dtype=torch.bool),
        torch.ones(b, dtype=torch.bool),
    )


def test_sampling_is_deterministic_for_a_seed_and_conditions_matter(toy_trained):
    gen, _ = toy_trained
    kp = _toy_set().keypoints[0]
    shape = (2, N, feature_dim(NF))

    def run(skill, seed, points=kp):
        return sample_flow(
            gen.model, _cond(gen, skill, points), shape, 8, torch.Generator().manual_seed(seed)
        )

    a, b = run(0, 3), run(0, 3)
    assert torch.equal(a, b)
    assert not torch.allclose(run(0, 4), a)
    # the skill changes the motion: skill 0 rises (wrist z), skill 1 moves sideways (wrist x)
    lay = layout(NF)
    z = lay["wrist_pos"].start + 2
    x0 = gen.norm.denorm(run(0, 3))
    x1 = gen.norm.denorm(run(1, 3))
    rise0 = float((x0[:, -1, z] - x0[:, 0, z]).mean())
    rise1 = float((x1[:, -1, z] - x1[:, 0, z]).mean())
    assert rise0 > rise1 + 0.1, (rise0, rise1)
    # a different object geometry changes the output
    assert (run(0, 3, kp * 3) - a).abs().max() > 1e-3


def test_checkpoint_round_trip_is_weights_only(toy_trained, tmp_path):
    gen, _ = toy_trained
    path = save_generator(tmp_path / "g.pt", gen)
    raw = torch.load(path, weights_only=True)  # plain data only
    assert raw["format"] == "hot-generate-v1"
    back = load_generator(path)
    for k, v in gen.model.state_dict().items():
        assert torch.equal(back.model.state_dict()[k], v)
    assert torch.equal(back.norm.std, gen.norm.std) and back.lengths == gen.lengths


def test_load_refuses_a_non_generator_file(tmp_path):
    p = tmp_path / "x.pt"
    torch.save({"a": torch.zeros(1)}, p)
    with pytest.raises(ValueError, match="not a hot-generate-v1"):
        load_generator(p)


def test_rotate_yaw_keeps_rotations_and_turns_positions():
    k = _toy_set(2).knots
    k[:, :, layout(NF)["wrist_pos"]] = torch.tensor([1.0, 0.0, 0.2])
    out, kp = rotate_yaw(k, torch.ones(2, 20, 3), torch.tensor([math.pi / 2, 0.0]), NF)
    wp = out[0, 0, layout(NF)["wrist_pos"]]
    assert torch.allclose(wp, torch.tensor([0.0, 1.0, 0.2]), atol=1e-6)
    assert torch.equal(out[1], k[1])
    assert torch.allclose(kp[0, 0], torch.tensor([-1.0, 1.0, 1.0]), atol=1e-6)


# ------------------------------------------------------------------------------- decoding / validity


def _line_clip(t: int = 90) -> MotionClip:
    """Hand approaches, holds (contact 1) and lifts a box that rests until contact."""
    s = torch.linspace(0, 1, t)
    wrist = torch.zeros(t, 6)
    wrist[:, 0] = -0.2
    wrist[:, 2] = -0.3 + 0.2 * s
    obj = torch.tensor([-0.2, 0.0, 0.13]).repeat(t, 1)
    contact = (s > 0.4).float()
    obj[:, 2] = torch.where(contact > 0, 0.13 + 0.2 * (s - 0.4), torch.tensor(0.13))
    q = torch.tensor([1.0, 0, 0, 0]).repeat(t, 1)
    return MotionClip(
        root_pos=torch.tensor([0, 0, 0.5]).repeat(t, 1),
        root_rot=q.clone(),
        wrist_dof=wrist,
        fingers_dof=torch.zeros(t, NF),
        body_pos=torch.zeros(t, 16, 3),
        obj_pos=obj,
        obj_rot=q.clone(),
        obj_pos_vel=None,
        contact1=contact,
        contact2=torch.zeros(t),
    )


@pytest.fixture(scope="module")
def fk() -> KeyBodyFK:
    return KeyBodyFK(get_hand("mano"))


def test_decode_of_encode_gives_back_the_clip_and_passes_the_validator(fk):
    clip = _line_clip()
    knots, origin = encode_clip(clip, 32)
    # the speed limit is off: this toy box rests 13 mm above the platform, and putting it down at the start
    # of the lift is a 13 mm step that the limit would spread over two frames (tested in test_grip.py);
    # the eased lift-off is off too: it slows this clip's sudden lift on purpose (tested above)
    out = decode_clip(knots, origin, "grasp", (2, 600), SampleConfig(max_step=0.0, ease_lift=False), fk)
    assert out.num_frames == clip.num_frames
    validate_clip(clip_to_dict(out), num_dofs=51, num_key_bodies=16)
    assert (out.wrist_dof[:, :3] - clip.wrist_dof[:, :3]).abs().max() < 5e-3
    assert (out.obj_pos - clip.obj_pos).norm(dim=-1).max() < 0.02


def test_decode_clamps_to_joint_limits(fk):
    knots, origin = encode_clip(_line_clip(), 16)
    knots[:, layout(NF)["fingers"]] = 10.0  # far outside every finger range
    out = decode_clip(knots, origin, "grasp", (2, 600), SampleConfig(), fk)
    m = fk.model
    hi = torch.tensor([m.jnt_range[m.joint(n).id][1] for n in fk.hand.finger_dof_names], dtype=torch.float32)
    assert torch.all(out.fingers_dof <= hi + 1e-6) and torch.allclose(
        out.fingers_dof, hi.expand_as(out.fingers_dof)
    )


def test_rigid_object_track_follows_the_wrist_and_rests_before():
    t = 40
    wp = torch.zeros(t, 3, dtype=torch.float64)
    wp[:, 2] = torch.linspace(0, 0.3, t)
    wr = torch.eye(3, dtype=torch.float64).repeat(t, 1, 1)
    op = torch.tensor([0.05, 0.0, -0.05], dtype=torch.float64).repeat(t, 1) + 0.01 * torch.randn(
        t, 3, dtype=torch.float64
    )
    orot = torch.eye(3, dtype=torch.float64).repeat(t, 1, 1)
    contact = (torch.arange(t) >= 10).double()
    p, r = rigid_object_track(wp, wr, op, orot, contact, ballistic=False)
    rest = p[:10]
    assert torch.allclose(rest, rest[0].expand_as(rest))  # still while resting
    rel = p[10:] - wp[10:]
    assert torch.allclose(rel, rel[0].expand_as(rel), atol=1e-9)  # rigid in the hand
    assert torch.allclose(r, torch.eye(3, dtype=torch.float64).expand_as(r), atol=1e-9)


def test_smoothing_and_majority_filter():
    x = torch.ones(50, 2)
    assert torch.allclose(gaussian_smooth(x, 3.0), x)
    noisy = torch.zeros(200, 1)
    noisy[::2] = 1.0
    assert gaussian_smooth(noisy, 3.0)[20:-20].std() < 0.05 * noisy.std()
    assert majority_filter(torch.tensor([0, 0, 1, 0, 0, 1, 1, 1])).tolist() == [0, 0, 0, 0, 0, 1, 1, 1]


# ------------------------------------------------------------------------------------------ prompts


OBJECTS = ["Bottle", "Mug", "TennisBall"]


def test_prompt_sequence_and_object():
    p = parse_prompt("pick up the mug and put it down", OBJECTS)
    assert p.skills == ("grasp", "place") and p.object == "Mug"
    p = parse_prompt("Grab the tennis ball, then throw it.", OBJECTS)
    assert p.skills == ("grasp", "throw") and p.object == "TennisBall"
    assert parse_prompt("rotate", OBJECTS).object is None


def test_unknown_word_is_refused_with_the_vocabulary():
    with pytest.raises(PromptError) as e:
        parse_prompt("pick up the mug and juggle it", OBJECTS)
    msg = str(e.value)
    assert "'juggle'" in msg and "pick up->grasp" in msg and "mug" in msg and "\n" not in msg
    with pytest.raises(PromptError, match="no verb"):
        parse_prompt("the mug", OBJECTS)
    with pytest.raises(PromptError, match="several objects"):
        parse_prompt("grasp the mug and the bottle", OBJECTS)


def test_skill_table_is_the_datagen_one():
    from hot.datagen.skills import SKILLS

    assert SKILL_NAMES == tuple(SKILLS)
    assert build_model(_tiny_cfg(), NF, len(SKILL_NAMES)).skill.num_embeddings == len(SKILLS)


def test_training_without_out_gets_a_run_folder(tmp_path):
    """``python -m hot.generate.train`` never overwrites the shipped checkpoint by default: a run folder."""
    import yaml

    from hot.generate.config import GenerateConfig
    from hot.generate.train import new_run_checkpoint

    cfg = GenerateConfig()
    path = new_run_checkpoint(cfg, ["d1"], root=tmp_path)
    run = path.parents[1]
    assert run.parent == tmp_path / "flow" / "Generate" and run.name.endswith("_torch")
    assert path.name == "mano_flow.pt" and path.parent.is_dir() and not path.exists()
    saved = yaml.safe_load((run / "config.yaml").read_text())
    assert saved["data"] == ["d1"] and saved["generate"]["train"]["steps"] == cfg.train.steps


def test_monotone_lift_removes_dips_and_keeps_the_grip():
    from hot.generate.postprocess import monotone_lift

    z = torch.tensor([0.0, 0.0, 0.0, 0.004, 0.0003, 0.0, 0.002, 0.005, 0.02, 0.04, 0.06, 0.05, 0.06, 0.03,
                      0.012, 0.016, 0.004, 0.0, 0.0])  # fmt: skip
    contact = torch.tensor([0.0, 0.0] + [1.0] * 15 + [0.0, 0.0])
    obj = torch.zeros(len(z), 3)
    obj[:, 2] = z
    wrist = obj + torch.tensor([0.01, -0.02, 0.05])
    wrist[:2, 0] += 0.1  # free frames: the hand elsewhere
    wp, op = monotone_lift(wrist, obj, contact, 0.03)
    zz = op[:, 2]
    assert torch.all(zz[2:10].diff() >= 0)  # the lift never dips until 3 cm up (frame 9)
    assert torch.all(zz[13:17].diff() <= 0)  # the set-down never rises after the last frame 3 cm up
    assert torch.equal(zz[9:14], z[9:14])  # in between: untouched (the 0.06 -> 0.05 -> 0.06 wobble stays)
    assert torch.allclose(zz[:2], z[:2]) and torch.allclose(zz[17:], z[17:])  # free frames untouched
    assert torch.allclose(wp - op, wrist - obj)  # the hand moves with the object: the grip is unchanged
    assert float(zz[4]) == pytest.approx(0.004) and float(zz[14]) == pytest.approx(0.016)
    # a held run that never rises 3 cm (sliding on the support) is left alone
    flat = obj.clone()
    flat[:, 2] = torch.where(contact > 0, 0.002 * torch.sin(torch.arange(len(z)).float()), 0.0)
    assert torch.equal(monotone_lift(wrist, flat, contact, 0.03)[1], flat)


def test_eased_lift_starts_from_rest_and_rejoins_the_clip():
    from hot.generate.postprocess import monotone_lift

    n = 40
    contact = torch.tensor([0.0] * 5 + [1.0] * (n - 5))
    obj = torch.zeros(n, 3)
    obj[5:, 2] = 0.01 * torch.arange(n - 5).float()  # 1 cm per frame from the first held frame: a jump
    wrist = obj + torch.tensor([0.0, 0.0, 0.05])
    wp, op = monotone_lift(wrist, obj, contact, 0.03, accel=0.002)
    zz, z = op[:, 2], obj[:, 2]
    t = torch.arange(n - 5).float()
    assert torch.all(zz[5:] <= 0.001 * t**2 + 1e-6)  # under the parabola from rest
    assert torch.all(zz[5:].diff() >= 0)
    assert torch.all(zz[5:].diff()[:5] < 0.01)  # slower than the clip's 1 cm per frame at first
    joined = int(torch.nonzero(torch.isclose(zz[6:], z[6:]))[0]) + 6
    assert torch.equal(zz[joined:], z[joined:]) and joined < n - 5  # then the clip itself
    assert torch.allclose(wp - op, wrist - obj)
