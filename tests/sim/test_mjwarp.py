"""MuJoCo Warp backend (``--sim mjwarp``) against the C MuJoCo backend, on Warp's CPU device.

Scene: Allegro + Bottle (the cheapest real hand), states taken from the shipped Allegro grasp clips,
so both backends simulate the exact model the env uses. Tolerances come from measurements on this
scene (docs/dev/MJWARP.md, "Parity"): without hand contact the two agree to float32 rounding
(~1e-7 over 10 control steps); with the fingers on the object the contact sets are identical but
forces differ by < 0.1 % (float32 + mujoco_warp's solver tolerance floor of 1e-6), and the contact
dynamics amplify that to ~3e-4 rad / 0.3 mm over 10 control steps.

First run on a machine compiles the Warp kernels (about a minute, cached in ~/.cache/warp or
``WARP_CACHE_PATH``); later runs load them in a few seconds.
"""

from __future__ import annotations

import importlib.util
import math
import re

import numpy as np
import pytest
import torch

from hot.assets.hands import get_hand
from hot.assets.objects import get_object
from hot.config.resolve import REPO_ROOT
from hot.motion.io import load_folder
from hot.sim import make_sim
from hot.sim.mujoco_cpu import MujocoCpuSim
from hot.sim.state import SimState

HAVE_WARP = (
    importlib.util.find_spec("mujoco_warp") is not None and importlib.util.find_spec("warp") is not None
)
needs_warp = pytest.mark.skipif(not HAVE_WARP, reason="MuJoCo Warp not installed (pip install -e .[gpu])")
# two Allegro/Bottle grasp clips frozen as a fixture (the session-4 shipped set): the frames below
# were picked on them, so regenerating the shipped data does not move the test's states
GRASP_CLIPS = REPO_ROOT / "tests/fixtures/data/allegro_bottle_grasp"
FREE_FRAME = 20  # hand above the bottle, bottle lying on the platform
TOUCH_FRAME = 50  # fingers on the bottle in every world for the next 10 control steps (C backend)
N = 3

# measured maxima x ~15-30 (docs/dev/MJWARP.md): free motion, 10 control steps (pos 1.2e-7, rot 3.9e-7,
# vel 6.4e-7, angular vel 8.6e-6)
FREE_TOL = {"pos": 2e-6, "rot": 5e-6, "vel": 2e-5, "ang_vel": 2e-4}
# with hand contact, 10 control steps (measured: dof 3.0e-4 rad, key bodies 3.1e-4 m, object 1.6e-4 m)
CONTACT_TOL = {"dof_pos": 3e-3, "key_pos": 3e-3, "obj_pos": 2e-3}


def _cuda() -> bool:
    if not HAVE_WARP or not torch.cuda.is_available():
        return False
    import warp as wp

    wp.init()
    return wp.get_cuda_device_count() > 0


# ---------------------------------------------------------------------------------------- helpers
@pytest.fixture(scope="module")
def allegro():
    return get_hand("allegro")


@pytest.fixture(scope="module")
def bottle():
    return get_object("Bottle")


@pytest.fixture(scope="module")
def clips():
    return load_folder(GRASP_CLIPS).clips


def _frame_state(clips, frame: int, n: int = N) -> tuple[torch.Tensor, ...]:
    cl = [clips[i % len(clips)] for i in range(n)]
    q = torch.stack([c.dof_pos[frame] for c in cl]).float()
    pos = torch.stack([c.obj_pos[frame] for c in cl]).float()
    rot = torch.stack([c.obj_rot[frame] for c in cl]).float()
    return q, torch.zeros_like(q), pos, rot, torch.zeros(n, 3), torch.zeros(n, 3)


def _targets(clips, frame: int, n: int = N) -> torch.Tensor:
    return torch.stack([clips[i % len(clips)].dof_pos[frame] for i in range(n)]).float()


def _reset(sim, clips, frame: int, ids=None) -> None:
    q, qd, pos, rot, lin, ang = _frame_state(clips, frame, sim.num_envs)
    ids = torch.arange(sim.num_envs) if ids is None else torch.as_tensor(ids)
    sim.reset(ids, q[ids], qd[ids], pos[ids], rot[ids], lin[ids], ang[ids])


def _errors(a: SimState, b: SimState) -> dict[str, float]:
    """Max abs difference per field (quaternions compared up to sign)."""
    out = {}
    for name in SimState.__dataclass_fields__:
        x, y = getattr(a, name).double().cpu(), getattr(b, name).double().cpu()
        if name in ("key_rot", "obj_rot"):
            x = x * torch.sign((x * y).sum(-1, keepdim=True))
        out[name] = float((x - y).abs().max())
    return out


def _run_pair(
    warp_sim, cpu_sim, clips, frame: int, steps: int, perturb_step: int | None = None
) -> dict[str, float]:
    """Reset both at ``frame``, follow the clip's next targets; returns the errors after ``steps``."""
    for sim in (warp_sim, cpu_sim):
        _reset(sim, clips, frame)
    for k in range(steps):
        tgt = _targets(clips, frame + k + 1, warp_sim.num_envs)
        cpu_sim.set_targets(tgt)
        cpu_sim.step(2)
        if perturb_step is not None and k >= perturb_step:
            tgt = tgt.clone()
            tgt[:, 6:] += 0.05  # every finger 0.05 rad further closed
        warp_sim.set_targets(tgt)
        warp_sim.step(2)
    return _errors(warp_sim.state(), cpu_sim.state())


@pytest.fixture(scope="module")
def wsim(allegro, bottle):
    if not HAVE_WARP:
        pytest.skip("MuJoCo Warp not installed (pip install -e .[gpu])")
    from hot.sim.mjwarp import MjWarpSim

    return MjWarpSim(allegro, bottle, N)


@pytest.fixture(scope="module")
def csim(allegro, bottle):
    return MujocoCpuSim(allegro, bottle, N, nthread=1)


# ---------------------------------------------------------------------------------------- always
def test_make_sim_without_warp_names_the_install_command(monkeypatch, capsys, tiny_hand, box_object):
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name in ("warp", "mujoco_warp") else real(name, *a),
    )
    with pytest.raises(ImportError, match=r"pip install -e \.\[gpu\]"):
        make_sim("mjwarp", tiny_hand, box_object, 2)
    # and the command line says so before building anything
    from hot.run import main

    argv = [
        "--task",
        "OpenLoop",
        "--test",
        "--sim",
        "mjwarp",
        "--num_envs",
        "2",
        "--hand_model",
        "allegro",
        "--motion_file",
        str(GRASP_CLIPS),
        "--objnames",
        "Bottle",
    ]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "--sim mjwarp" in err and "pip install -e .[gpu]" in err, err


# ---------------------------------------------------------------------------------------- warp (CPU)
@pytest.mark.warp
@needs_warp
def test_make_sim_builds_warp_backend_on_cpu(wsim, allegro, bottle):
    from hot.sim.mjwarp import MjWarpSim

    sim = make_sim("mjwarp", allegro, bottle, 2, nthread=1, scale_step=0.01)
    assert isinstance(sim, MjWarpSim) and sim.num_envs == 2 and sim.warp_device == "cpu"
    torch.testing.assert_close(sim.pd_gains, wsim.pd_gains)
    torch.testing.assert_close(sim.dof_limits, wsim.dof_limits)


@pytest.mark.warp
@needs_warp
def test_reset_reads_back_the_given_state_like_the_cpu_backend(wsim, csim):
    """Object thrown in the air (rotated, moving, spinning), fingers moving: the state right after
    reset equals the inputs and the C backend's reading (body-origin velocities in the world frame)."""
    from hot.utils.rotations import quat_from_axis_angle

    g = torch.Generator().manual_seed(3)
    q = wsim.dof_limits[:, 0] + torch.rand(N, wsim.hand.num_dofs, generator=g) * (
        wsim.dof_limits[:, 1] - wsim.dof_limits[:, 0]
    )
    q[:, :3] = torch.tensor([0.0, 0.0, 0.3])  # hand above everything
    qd = 0.5 * torch.randn(N, wsim.hand.num_dofs, generator=g)
    pos = torch.tensor([[0.5, 0.0, 0.6], [-0.5, 0.2, 0.7], [0.0, -0.5, 0.8]])
    rot = quat_from_axis_angle(torch.randn(N, 3, generator=g), torch.tensor([0.7, -1.9, 2.5]))
    lin, ang = torch.randn(N, 3, generator=g), 3.0 * torch.randn(N, 3, generator=g)
    for sim in (wsim, csim):
        sim.reset(torch.arange(N), q, qd, pos, rot, lin, ang)
    a, b = wsim.state(), csim.state()
    torch.testing.assert_close(a.dof_vel, qd)
    torch.testing.assert_close(a.obj_lin_vel, lin, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(a.obj_ang_vel, ang, atol=1e-5, rtol=1e-5)
    err = _errors(a, b)
    assert max(err.values()) < 1e-5, err


@pytest.mark.warp
@needs_warp
def test_free_motion_parity(wsim, csim, clips):
    """Hand moving above the bottle (bottle lying on the platform): float32-level agreement."""
    err = _run_pair(wsim, csim, clips, FREE_FRAME, steps=10)
    assert not wsim.state().hand_contact.any()
    for name in ("dof_pos", "key_pos", "obj_pos"):
        assert err[name] < FREE_TOL["pos"], (name, err)
    for name in ("key_rot", "obj_rot"):
        assert err[name] < FREE_TOL["rot"], (name, err)
    for name in ("dof_vel", "key_lin_vel", "obj_lin_vel"):
        assert err[name] < FREE_TOL["vel"], (name, err)
    assert err["key_ang_vel"] < FREE_TOL["ang_vel"] and err["obj_ang_vel"] < FREE_TOL["ang_vel"], err
    assert err["contact_force"] == 0 and err["obj_contact_force"] == 0 and err["penetration"] == 0


@pytest.mark.warp
@needs_warp
def test_contact_readings_parity_at_a_grasp_state(wsim, csim, clips):
    """Fingers on the bottle, right after reset (one forward pass): same contacts, forces within 1 %."""
    for sim in (wsim, csim):
        _reset(sim, clips, TOUCH_FRAME)
    a, b = wsim.state(), csim.state()
    assert b.hand_contact.all() and torch.equal(a.hand_contact, b.hand_contact)
    assert np.array_equal(wsim.num_contacts(), csim.num_contacts())
    torch.testing.assert_close(a.penetration, b.penetration, atol=1e-6, rtol=0)
    scale = b.contact_force.norm(dim=-1).max()
    assert scale > 1.0  # a real squeeze
    assert (a.contact_force - b.contact_force).abs().max() < 0.01 * scale
    assert (a.obj_contact_force - b.obj_contact_force).abs().max() < 0.01 * scale


@pytest.mark.warp
@needs_warp
def test_contact_sequence_parity_and_a_different_sequence_breaks_it(wsim, csim, clips):
    err = _run_pair(wsim, csim, clips, TOUCH_FRAME, steps=10)
    assert wsim.state().hand_contact.all()
    for name, tol in CONTACT_TOL.items():
        assert err[name] < tol, (name, err)
    # the same check with the fingers commanded 0.05 rad differently from step 3 on must fail
    bad = _run_pair(wsim, csim, clips, TOUCH_FRAME, steps=10, perturb_step=3)
    assert bad["dof_pos"] > 5 * CONTACT_TOL["dof_pos"], bad


@pytest.mark.warp
@needs_warp
def test_subset_reset_leaves_other_worlds_bitwise_untouched(allegro, bottle, clips, csim):
    from hot.sim.mjwarp import MjWarpSim

    a, b = MjWarpSim(allegro, bottle, N), MjWarpSim(allegro, bottle, N)
    for sim in (a, b):
        _reset(sim, clips, TOUCH_FRAME)
        for k in range(3):
            sim.set_targets(_targets(clips, TOUCH_FRAME + k + 1))
            sim.step(2)
    before = a.state()
    assert before.hand_contact.all()  # so the kept worlds' contact sensors are non-trivial
    _reset(a, clips, FREE_FRAME, ids=[1])
    after = a.state()
    for name in SimState.__dataclass_fields__:
        x, y = getattr(before, name), getattr(after, name)
        assert torch.equal(x[[0, 2]], y[[0, 2]]), name  # incl. the contact sensors of the other worlds
    # the reset world reads back its new state and matches the C backend's reset of the same world
    _reset(csim, clips, FREE_FRAME)
    err = _errors(after.map(lambda t: t[[1]]), csim.state().map(lambda t: t[[1]]))
    assert max(err.values()) < 1e-6, err
    # and the untouched worlds keep stepping exactly as in a sim that never saw the reset
    for k in range(3, 6):
        for sim in (a, b):
            sim.set_targets(_targets(clips, TOUCH_FRAME + k + 1))
            sim.step(2)
    sa, sb = a.state(), b.state()
    for name in ("dof_pos", "dof_vel", "obj_pos", "obj_rot", "contact_force"):
        assert torch.equal(getattr(sa, name)[[0, 2]], getattr(sb, name)[[0, 2]]), name


@pytest.mark.warp
@needs_warp
def test_contact_buffer_overflow_is_reported_with_the_size_to_use(allegro, bottle, clips):
    from hot.sim.mjwarp import BufferOverflowError, MjWarpSim

    def grasp(**sizes):
        sim = MjWarpSim(allegro, bottle, 2, **sizes)
        _reset(sim, clips, TOUCH_FRAME)
        return sim

    ok = grasp()
    peaks = ok.buffer_peaks()  # default sizes hold the grasp: 2 worlds x (fingers + platform contacts)
    assert 0 < peaks["contacts"] <= 2 * ok.nconmax and 0 < peaks["rows_per_world"] <= ok.njmax
    # a pool smaller than the contacts of one forward pass: raised, with the per-world size to use.
    # After a broadphase overflow the dropped pairs' contacts are uncounted, so the size is a lower
    # bound ("at least") and following the message may take a second round; it must converge.
    size, rounds = 2, 0
    while True:
        try:
            sim = grasp(nconmax=size)
            break
        except BufferOverflowError as exc:
            msg = exc.args[0]
            assert re.search(r"\d+ contacts \(\d+ broadphase pairs\) in one step across 2 worlds", msg), msg
            new = int(re.search(r"use nconmax >= (\d+)", msg).group(1))
            assert new > size, msg
            size, rounds = new, rounds + 1
    assert 1 <= rounds <= 3
    assert sim.buffer_peaks() == peaks  # same contacts as with the default sizes, nothing dropped
    assert size == -(-max(peaks["contacts"], peaks["broadphase_pairs"]) // 2)  # ceil(need / worlds)
    # constraint rows: per-world hard limit
    with pytest.raises(BufferOverflowError, match=r"use njmax >= (\d+)") as info:
        grasp(njmax=4)
    need = int(info.value.args[0].split("use njmax >= ")[1].split()[0])
    assert need == peaks["rows_per_world"]
    grasp(njmax=need)


@pytest.mark.warp
@needs_warp
def test_buffer_sizes_from_environment_variables(allegro, bottle, clips, monkeypatch):
    from hot.sim.mjwarp import NCONMAX_ENV, NJMAX_ENV, BufferOverflowError, MjWarpSim, default_buffer_sizes

    auto = default_buffer_sizes(*_first_model(allegro, bottle))
    monkeypatch.setenv(NCONMAX_ENV, str(auto[0] + 5))
    monkeypatch.setenv(NJMAX_ENV, str(auto[1] + 7))
    sim = MjWarpSim(allegro, bottle, 2)
    assert (sim.nconmax, sim.njmax) == (auto[0] + 5, auto[1] + 7)
    assert int(sim.d.naconmax) == 2 * (auto[0] + 5) and int(sim.d.njmax) == auto[1] + 7  # what Warp allocated
    sim = MjWarpSim(allegro, bottle, 2, nconmax=40, njmax=200)  # explicit sizes win
    assert (sim.nconmax, sim.njmax) == (40, 200)
    # too small from the environment: the error names the variable and the value to set it to
    monkeypatch.setenv(NCONMAX_ENV, "2")
    monkeypatch.delenv(NJMAX_ENV)
    with pytest.raises(BufferOverflowError, match=rf"{NCONMAX_ENV}=\d+ in the environment"):
        _reset(MjWarpSim(allegro, bottle, 2), clips, TOUCH_FRAME)
    monkeypatch.setenv(NJMAX_ENV, "ten")
    with pytest.raises(ValueError, match=rf"variable {NJMAX_ENV}='ten': expected a positive integer"):
        MjWarpSim(allegro, bottle, 2)


def _first_model(hand, obj):
    from hot.sim.scene import compile_scene

    return compile_scene(hand, obj, 1.0)


@pytest.mark.warp
@needs_warp
def test_per_world_object_scale_matches_cpu_backend(allegro, bottle, clips):
    from hot.sim.mjwarp import MjWarpSim

    scales = [1.0, 1.2, 0.8, 1.2]
    w = MjWarpSim(allegro, bottle, 4, scales=scales)
    c = MujocoCpuSim(allegro, bottle, 4, scales=scales, nthread=1)
    torch.testing.assert_close(w.object_scales, c.object_scales)
    oid = w.index.object_body_id
    masses = w.m.body_mass.numpy()[:, oid]
    np.testing.assert_allclose(masses, [0.3 * s**3 for s in scales], rtol=1e-6)
    q = torch.zeros(4, allegro.num_dofs)
    q[:, 2] = 0.3  # hand out of the way
    side = torch.tensor([[math.sqrt(0.5), math.sqrt(0.5), 0.0, 0.0]]).repeat(4, 1)  # lying down
    for sim in (w, c):
        sim.reset(
            torch.arange(4),
            q,
            torch.zeros_like(q),
            torch.tensor([[0.0, 0.0, 0.3]] * 4),
            side,
            torch.zeros(4, 3),
            torch.zeros(4, 3),
        )
        for _ in range(40):
            sim.set_targets(q)
            sim.step(2)
    a, b = w.state(), c.state()
    z = a.obj_pos[:, 2]
    assert z[1] > z[0] > z[2] and abs(float(z[1] - z[3])) < 1e-6  # bigger bottles rest higher
    torch.testing.assert_close(a.obj_pos, b.obj_pos, atol=1e-5, rtol=0)


@pytest.mark.warp
@needs_warp
def test_diverged_world_is_reset_and_flagged(allegro, bottle, clips):
    from hot.sim.mjwarp import MjWarpSim

    sim = MjWarpSim(allegro, bottle, 3)
    _reset(sim, clips, FREE_FRAME)
    assert not sim.diverged().any()
    sim._qvel[2, 0] = math.nan  # what an exploding world looks like
    assert sim.diverged().tolist() == [False, False, True]
    sim.set_targets(_targets(clips, FREE_FRAME + 1))
    sim.step(2)
    assert sim.diverged().tolist() == [False, False, True]  # flagged until reset
    s = sim.state()
    for name in SimState.__dataclass_fields__:
        assert torch.isfinite(getattr(s, name).float()).all(), name  # put back at qpos0, no NaN leaks
    _reset(sim, clips, FREE_FRAME, ids=[2])
    assert not sim.diverged().any()


@pytest.mark.warp
@needs_warp
def test_env_observations_and_reward_terms_agree(tmp_path):
    """TrackingEnv with ``cfg.sim.backend`` switched: every observation block and reward term."""
    from hot.tasks.tracking.config import EnvCfg, SimCfg, TrackingCfg
    from hot.tasks.tracking.env import TrackingEnv
    from hot.tasks.tracking.rewards.composer import compute_reward
    from hot.tasks.tracking.rewards.terms import object_in_contact

    def env(backend):
        cfg = TrackingCfg(
            env=EnvCfg(
                num_envs=2,
                episode_length=100,
                hand_model="allegro",
                motion_file=str(GRASP_CLIPS),
                action_mode="residual",
                state_init="2",
                enable_obj_keypoints=True,
                enable_dof_obs=True,
                enable_ig_scale=True,
            ),
            sim=SimCfg(backend=backend, nthread=1),
        )
        return TrackingEnv(cfg, mode="test", seed=0)

    envs = {b: env(b) for b in ("mujoco", "mjwarp")}
    layout = envs["mujoco"].obs_layout
    obs = {b: e.reset() for b, e in envs.items()}
    act = torch.zeros(2, envs["mujoco"].num_actions)
    worst_obs, worst_terms = {}, {}

    def record(o, with_terms=True):
        for block, sl in layout.items():
            d = float((o["mujoco"][:, sl] - o["mjwarp"][:, sl]).abs().max())
            worst_obs[block] = max(worst_obs.get(block, 0.0), d)
        if not with_terms:  # right after reset there is no compared reference frame yet
            return
        terms = {}
        for b, e in envs.items():
            s = e.last_state
            _, terms[b] = compute_reward(
                s, e.last_ref, e.keypoints_o, e.weights, e.skill, True, object_in_contact(s.obj_contact_force)
            )
        for k in terms["mujoco"]:
            d = float((terms["mujoco"][k].float() - terms["mjwarp"][k].float()).abs().max())
            worst_terms[k] = max(worst_terms.get(k, 0.0), d)

    record(obs, with_terms=False)
    for _ in range(15):  # the approach: the hand closes in on the bottle, no hand contact yet
        out = {b: e.step(act) for b, e in envs.items()}
        torch.testing.assert_close(out["mujoco"][1], out["mjwarp"][1], atol=1e-4, rtol=0)
        record({b: o[0] for b, o in out.items()})
    # measured: every observation entry <= 1.7e-5, every term and reward <= 1.1e-6
    assert max(worst_obs.values()) < 1e-3, worst_obs
    assert max(worst_terms.values()) < 1e-4, worst_terms
    # a different action on one backend shows up in the same comparison
    bumped = act.clone()
    bumped[:, 6:] = 0.1
    oa = envs["mujoco"].step(act)[0]
    ob = envs["mjwarp"].step(bumped)[0]
    assert float((oa[:, layout["wrist_pose"]] - ob[:, layout["wrist_pose"]]).abs().max()) < 1e-3
    assert float((oa - ob).abs().max()) > 1e-2


@pytest.mark.warp
@needs_warp
def test_graph_capture_schedule(wsim, monkeypatch):
    """CUDA-graph bookkeeping, run on the CPU with Warp's capture API faked: plain on the first call
    (kernels load), captured + launched on the second, replayed after; ``graph=False`` stays plain."""
    import hot.sim.mjwarp as mod

    events = []

    class FakeCapture:
        def __enter__(self):
            events.append("capture")
            self.graph = object()
            return self

        def __exit__(self, *exc):
            return False

    monkeypatch.setattr(mod.wp, "ScopedCapture", FakeCapture)
    monkeypatch.setattr(mod.wp, "capture_launch", lambda g: events.append("launch"))
    monkeypatch.setattr(wsim, "_use_graph", True)
    monkeypatch.setattr(wsim, "_graphs", {})
    monkeypatch.setattr(wsim, "_warmed", set())

    def work():
        events.append("work")

    for _ in range(3):
        wsim._run("k", work)
    assert events == ["work", "capture", "work", "launch", "launch"]
    events.clear()
    for _ in range(3):
        wsim._run("plain", work, graph=False)
    assert events == ["work"] * 3


# ---------------------------------------------------------------------------------------- GPU
gpu = pytest.mark.skipif(not _cuda(), reason="needs a CUDA device and MuJoCo Warp")


@pytest.mark.gpu
@gpu
def test_gpu_parity(allegro, bottle, clips, csim):
    from hot.sim.mjwarp import MjWarpSim

    w = MjWarpSim(allegro, bottle, N, device="cuda")
    assert w.warp_device.startswith("cuda") and w.state().dof_pos.is_cuda
    err = _run_pair(w, csim, clips, FREE_FRAME, steps=10)
    for name in ("dof_pos", "key_pos", "obj_pos"):
        assert err[name] < 10 * FREE_TOL["pos"], (name, err)
    err = _run_pair(w, csim, clips, TOUCH_FRAME, steps=10)
    for name, tol in CONTACT_TOL.items():
        assert err[name] < tol, (name, err)


@pytest.mark.gpu
@gpu
def test_cuda_graph_replay_equals_plain_stepping(allegro, bottle, clips):
    from hot.sim.mjwarp import MjWarpSim

    sims = [MjWarpSim(allegro, bottle, N, device="cuda", cuda_graph=g) for g in (True, False)]
    for sim in sims:
        _reset(sim, clips, TOUCH_FRAME)
        for k in range(10):
            sim.set_targets(_targets(clips, TOUCH_FRAME + k + 1).cuda())
            sim.step(2)
        _reset(sim, clips, FREE_FRAME, ids=[1])
        sim.step(2)
    err = _errors(sims[0].state(), sims[1].state())
    # GPU contact atomics are unordered, so equal up to float32 rounding, not bitwise
    assert err["dof_pos"] < 1e-5 and err["obj_pos"] < 1e-5, err
