"""The in-hand env on MuJoCo Warp (``--sim mjwarp``, :mod:`hot.sim.warp_worlds`) on Warp's CPU device,
against the C MuJoCo buckets.

Parity (measured on the shipped scale-1.0 grasp cache, 4 envs, zero actions, full randomisation, seeds
0-2): after a reset both backends hold the same state and the same touch-sensor readings (bitwise), the
derived constants agree to float32 rounding (relative 8e-8); after 1 / 3 / 5 / 10 control steps the
largest differences are
joints 1.7e-5 / 1.5e-5 / 4.1e-4 / 7.5e-3 rad, object position 3.0e-6 / 4.2e-6 / 1.8e-5 / 1.1e-3 m,
object quaternion 2.7e-5 / 7.1e-5 / 1.9e-4 / 2.9e-2; within 3 steps fingertip positions 1.5e-6 m and
observations 3.2e-5. float32 differences grow through the contacts (stick / slip), so the test compares
3 control steps with tolerances ~30x the measurement.

First run on a machine compiles Warp kernels (about a minute, cached in ~/.cache/warp); later runs load
them in seconds.
"""

from __future__ import annotations

import importlib.util
import json

import numpy as np
import pytest
import torch

from hot.config.resolve import REPO_ROOT
from hot.tasks.inhand.config import InhandEnvCfg

HAVE_WARP = (
    importlib.util.find_spec("mujoco_warp") is not None and importlib.util.find_spec("warp") is not None
)
pytestmark = [
    pytest.mark.warp,
    pytest.mark.skipif(
        not HAVE_WARP, reason="MuJoCo Warp not installed (pip install -e .[gpu]): --sim mjwarp cannot run"
    ),
]

CACHE = REPO_ROOT / "hot/data/inhand/allegro_grasp_1.npy"
STEPS = 3
TOL = {
    "joints": 5e-4,
    "obj_pos": 1e-4,
    "obj_quat": 2e-3,
    "tips": 5e-5,
    "obs": 1e-3,
}
"""Warp-vs-C parity bounds after STEPS control steps. Each is ~30x the gap measured with matched
releases (mujoco == mujoco-warp, e.g. joints 1.0e-5 rad: float32 Warp against float64 C over a few
contact steps) and at most 1/100 of the effects these tests look for (world 0's mass/friction change
moves its joints by 4.9e-2 rad), so a world that misses a change, or a field read from the wrong
world, fails. They do not cover mismatched releases (mujoco 4.0.1 against mujoco-warp 4.0.0 drifts by
2.2e-3 rad): the lock pins both to one release and tests/test_packaging.py checks that they match."""


def _cfg(randomize: bool = True) -> InhandEnvCfg:
    cfg = InhandEnvCfg()
    cfg.domain_rand.scale_list = [1.0]
    cfg.domain_rand.joint_noise = 0.0
    cfg.physics.nthread = 1
    dr = cfg.domain_rand
    dr.randomize_mass = dr.randomize_com = dr.randomize_friction = dr.randomize_pd_gains = randomize
    return cfg


def _caches() -> dict[float, np.ndarray]:
    return {1.0: np.load(CACHE)[:64]}


def _env(cfg, n, sim, seed=0, **kw):
    from hot.tasks.inhand.env import InhandEnv

    extra = {"warp_device": "cpu"} if sim == "mjwarp" else {}
    env = InhandEnv(cfg, n, seed=seed, sim=sim, **extra, **kw)
    env.fixed_dr_level = 1.0
    return env


def _state(env) -> dict[str, np.ndarray]:
    ix, bk = env.index, env.buckets[0]
    return {
        "joints": bk.qpos[:, ix.joint_qpos].astype(np.float64),
        "obj_pos": bk.qpos[:, ix.obj_qpos[:3]].astype(np.float64),
        "obj_quat": bk.qpos[:, ix.obj_qpos[3:]].astype(np.float64),
        "tips": bk.xpos[:, ix.tip_bodies].astype(np.float64),
        "touch": bk.sensordata[:, ix.tip_touch].astype(np.float64),
    }


def test_parity_with_c_mujoco_on_cached_grasps_under_randomisation():
    n = 4
    cpu, wrp = (_env(_cfg(), n, s, seed=1, caches=_caches()) for s in ("mujoco", "mjwarp"))
    o_c, o_w = cpu.reset(), wrp.reset()
    bc, bw = cpu.buckets[0], wrp.buckets[0]
    assert type(bw).__name__ == "WarpWorlds" and bw.warp_device == "cpu"
    # same start states and randomisation (same seed), same touch readings at the reset state
    assert torch.equal(cpu.mass, wrp.mass) and torch.equal(cpu.kp, wrp.kp)
    assert torch.allclose(o_c, o_w, atol=1e-6)
    s_c, s_w = _state(cpu), _state(wrp)
    assert np.array_equal(s_c["touch"], s_w["touch"]) and s_w["touch"].sum() > 0
    # per-world derived constants (set_const) equal C's mj_setConst per world, to float32 rounding
    assert set(bw.derived) >= {"body_subtreemass", "body_invweight0", "dof_invweight0"}
    for name, values in bw.derived.items():
        ref = np.stack([getattr(bc.batch.get_model(i), name) for i in range(n)])
        assert np.allclose(values, ref, rtol=1e-6, atol=1e-7), name
    agree = []
    for _ in range(STEPS):
        o_c, _, d_c, _ = cpu.step(torch.zeros(n, 16))
        o_w, _, d_w, _ = wrp.step(torch.zeros(n, 16))
        assert torch.equal(d_c, d_w) and not d_w.any()
        s_c, s_w = _state(cpu), _state(wrp)
        for k in ("joints", "obj_pos", "obj_quat", "tips"):
            assert np.abs(s_c[k] - s_w[k]).max() < TOL[k], k
        assert (o_c - o_w).abs().max() < TOL["obs"]
        agree.append(((s_c["touch"] > 0) == (s_w["touch"] > 0)).mean())
    # contact counts at the margin may differ (a contact at ~zero depth), most readings agree
    assert np.mean(agree) >= 0.75 and s_w["touch"].sum() > 0


def test_randomised_fields_are_per_world_on_the_device():
    """Changing world 0's mass, CoM, friction and kp changes world 0 only; the device arrays hold per-world
    values; and world 0 follows C MuJoCo with the same change (measured: 1.0e-5 rad, 6.5e-7 m, 1.3e-5 after
    3 steps, while the change itself moves world 0 by 4.9e-2 rad, 5.7e-3 m, 6.6e-2)."""
    cfg = _cfg()
    dr = cfg.domain_rand  # randomised fields (expanded per world) at their nominal values
    dr.mass_range, dr.com_range, dr.friction_range = [0.05, 0.05], 0.0, [1.0, 1.0]
    dr.kp_range, dr.kd_range = [3.0, 3.0], [0.1, 0.1]
    ref, mod, cpu = (_env(cfg, 2, s, seed=1, caches=_caches()) for s in ("mjwarp", "mjwarp", "mujoco"))
    for env in (ref, mod, cpu):
        env.reset()
        if env is ref:  # ref: the nominal values everywhere
            continue
        ix, bk = env.index, env.buckets[0]
        f = bk.model_fields
        f["body_mass"][0, ix.obj_body] = 0.25
        f["body_inertia"][0, ix.obj_body] *= 5.0
        f["body_ipos"][0, ix.obj_body] = [0.006, -0.004, 0.002]
        f["geom_friction"][0, np.append(ix.hand_geoms, ix.obj_geom), 0] = 0.5  # MuJoCo combines by max
        f["actuator_gainprm"][0, ix.actuators, 0] = 2.0
        f["actuator_biasprm"][0, ix.actuators, 1] = -2.0
        bk.set_const(np.array([0]))
        bk.forward(np.array([0]))
    bw, ix = mod.buckets[0], mod.index
    m = bw.m  # the mujoco_warp model: one row per world
    assert m.body_mass.shape[0] == 2 and m.geom_friction.shape[0] == 2 and m.dof_invweight0.shape[0] == 2
    assert np.allclose(m.body_mass.numpy()[:, ix.obj_body], [0.25, 0.05])
    assert np.allclose(m.body_subtreemass.numpy()[:, ix.obj_body], [0.25, 0.05])
    assert np.allclose(
        m.geom_friction.numpy()[:, [ix.obj_geom, ix.hand_geoms[0]], 0], [[0.5, 0.5], [1.0, 1.0]]
    )
    assert np.allclose(m.actuator_gainprm.numpy()[:, ix.actuators, 0], [[2.0] * 16, [3.0] * 16])
    inv = m.dof_invweight0.numpy()[:, ix.obj_qvel]
    assert not np.allclose(inv[0], inv[1])
    for _ in range(STEPS):
        for env in (ref, mod, cpu):
            env.step(torch.zeros(2, 16))
    s_ref, s_mod, s_cpu = _state(ref), _state(mod), _state(cpu)
    for k in ("joints", "obj_pos", "obj_quat"):
        assert np.array_equal(s_mod[k][1], s_ref[k][1]), k  # world 1 does not see world 0's change
        assert np.abs(s_mod[k][0] - s_cpu[k][0]).max() < TOL[k], k  # world 0 simulates the change
    assert np.abs(s_mod["obj_pos"][0] - s_ref["obj_pos"][0]).max() > 10 * TOL["obj_pos"]


def test_diverged_world_is_flagged_ended_and_reset():
    env = _env(_cfg(randomize=False), 2, "mjwarp", caches=_caches())
    env.reset()
    bk, ix = env.buckets[0], env.index
    q1 = bk.qpos[1].copy()
    bk.qvel[0, ix.obj_qvel] = np.nan  # Warp's CPU device: the mirror is the device memory
    assert bk.step(1).tolist() == [0]  # flagged and put back at qpos0 at rest, as C MuJoCo's auto reset
    assert (
        np.allclose(bk.qpos[0], bk.model.qpos0)
        and not bk.qvel[0].any()
        and not np.array_equal(bk.qpos[1], q1)
    )
    assert bk.step(1).tolist() == []  # the flag is cleared once reported
    bk.qvel[0, ix.obj_qvel] = 1e12  # finite but beyond mjMAXVAL: diverged as well
    obs, rew, done, info = env.step(torch.zeros(2, 16))
    assert done.tolist() == [True, False] and info["terminate"].tolist() == [True, False]
    assert rew[0] == 0.0 and torch.isfinite(obs).all() and torch.isfinite(rew).all()
    assert np.isfinite(bk.qpos).all() and np.isfinite(bk.qvel).all()  # world 0 started a new episode
    assert env.progress.tolist() == [0, 1]


def test_buffer_overflow_names_the_size_to_use(monkeypatch):
    from hot.sim.mjwarp import NCONMAX_ENV, BufferOverflowError

    monkeypatch.setenv(NCONMAX_ENV, "1")
    env = _env(_cfg(randomize=False), 2, "mjwarp", caches=_caches())
    assert env.buckets[0].nconmax == 1
    with pytest.raises(
        BufferOverflowError, match=rf"use nconmax >= \d+ at least \({NCONMAX_ENV}=\d+ in the environment\)"
    ):
        env.reset()


def test_grasp_mode_runs_on_warp():
    cfg = _cfg(randomize=False)
    cfg.grasp.hold_s = 0.3
    env = _env(cfg, 2, "mjwarp", mode="grasp")
    env.reset()
    ended = torch.zeros(2, dtype=torch.bool)
    for _ in range(env.max_steps):
        _, _, done, info = env.step(torch.zeros(2, 16))
        ended |= done
        assert all(r.shape[1] == 23 for r in info["grasp_rows"].values())
    assert env.max_steps == 6 and ended.all()


def test_cli_grasp_collection_on_mjwarp(tmp_path, capsys):
    from hot.cli import main

    rc = main(["train", "--algo", "ppo", "--task", "allegro_inhand_grasp", "--sim", "mjwarp", "training.no_play=true",
               "env.grasp_collection_target=2", "env.grasp.hold_s=1.0", "algo.num_envs=4",
               "env.domain_rand.scale_list=[1.0]", f"env.grasp_cache_path={tmp_path / 'g'}",
               f"training.logdir={tmp_path / 'logs'}", "training.progress=false"])  # fmt: skip
    assert rc == 0, capsys.readouterr().err[-2000:]
    (run,) = (tmp_path / "logs" / "ppo" / "AllegroInhandRotationGrasp").iterdir()
    assert run.name.endswith("_mjwarp") and np.load(tmp_path / "g_1.npy").shape == (2, 23)


def test_cli_train_and_eval_on_mjwarp(tmp_path, capsys):
    from hot.cli import main
    from tests.tasks.inhand.helpers import marked_caches, small_cfg

    marked_caches(small_cfg(tmp_path, scales=(1.0,)), rows=4)
    common = [
        f"training.logdir={tmp_path / 'logs'}",
        f"env.grasp_cache_path={tmp_path / 'cache' / 'g'}",
        "training.progress=false",
        "env.domain_rand.scale_list=[1.0]",
    ]
    rc = main(["train", "--algo", "ppo", "--task", "allegro_inhand", "--sim", "mjwarp", "algo.num_envs=2",
               "algo.max_iterations=2", "algo.ppo.horizon_length=2", "algo.ppo.minibatch_size=4",
               "algo.ppo.torch_threads=1", "env.physics.nthread=1", *common])  # fmt: skip
    assert rc == 0, capsys.readouterr().err[-2000:]
    (run,) = (tmp_path / "logs" / "ppo" / "AllegroInhandRotation").iterdir()
    assert run.name.endswith("_mjwarp") and list((run / "nn").glob("*_ep_2_*.pth"))
    # no --sim: the run's own backend
    rc = main(["eval", "--algo", "ppo", "--task", "allegro_inhand", "--load-run", "-1",
               "training.eval_episodes=2", "env.episode_s=0.25", *common])  # fmt: skip
    assert rc == 0, capsys.readouterr().err[-2000:]
    ev = json.loads((run / "eval.json").read_text())
    assert ev["episodes"] == 2 and 0.0 <= ev["drop_rate"] <= 1.0
