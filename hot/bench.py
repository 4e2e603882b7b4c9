"""Benchmarks: ``python -m hot.bench <command> ...``.

Commands:

* ``sim``: physics throughput of a simulator backend (``--sim mujoco``: ``mujoco.batch`` on CPU
  threads; ``--sim mjwarp``: MuJoCo Warp on ``--device``) with the hand pressed and closing on the
  object (contacts active), against single-thread ``mj_step`` on the same model.
* ``train``: end-to-end PPO training-loop env-steps/s, the raw batched-physics rate measured in the
  same run, their ratio and where the time goes.
* ``profile``: the time split of one ``mj_step`` (MuJoCo's timers) and the batched rate of solver-setting
  variants against the default (:mod:`hot.bench_physics`).
* ``learn``: wall-clock time to a held-out grasp success of a MANO Bottle teacher trained from scratch,
  per train config and seed (:mod:`hot.bench_learn`).
* ``report``: every benchmark in one run, written to ``docs/benchmarks.md`` (:mod:`hot.bench_report`;
  ``--quick``: under two minutes).
* ``grasps``: the data generator's grasp stage (wrap sampler: approach, close, squeeze in physics,
  6-direction hold test) per hand and object: validated grasps per minute, pass rate, penetration.

Numbers depend on the machine's load: on a shared machine, run each a few times.
"""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, cast

import mujoco
import numpy as np
import torch

from hot.utils.argtypes import int_at_least, positive_float

if TYPE_CHECKING:
    from hot.sim.mjwarp import MjWarpSim
    from hot.sim.mujoco_cpu import MujocoCpuSim

__all__ = ["main", "SimBenchResult", "bench_sim", "COMMANDS"]


@dataclass
class SimBenchResult:
    """Result of :func:`bench_sim` (physics steps = worlds x substeps)."""

    hand: str
    object: str
    num_envs: int
    nthread: int
    batch_steps_per_s: float
    """Physics steps per second summed over worlds, ``step`` + ``set_targets`` only."""
    batch_with_state_steps_per_s: float
    """Same, also reading ``state()`` every control step (what an env pays)."""
    single_steps_per_s: float
    """Single-thread ``mj_step`` on one MjData of the same model and contact state."""
    mean_contacts: float
    """Mean number of active contacts per world during the timed batch run."""
    mean_hand_contact: float
    """Fraction of worlds whose hand touches the object during the timed run."""
    single_mean_contacts: float
    backend: str = "mujoco"
    """Simulator backend (``--sim``)."""
    device: str = "cpu"
    """Where the physics ran: ``cpu`` (threads) or the Warp device (``cpu`` / ``cuda:N``)."""
    setup_s: float = 0.0
    """Building the simulator (scene compile; MuJoCo Warp: + model/data upload), seconds."""
    first_step_s: float = 0.0
    """First reset + first ``step`` after the build, seconds (MuJoCo Warp: the kernels are compiled,
    or loaded from Warp's kernel cache, on their first launch, so this holds the compile time)."""

    @property
    def ratio(self) -> float:
        return self.batch_steps_per_s / self.single_steps_per_s


def _finger_targets(lo: np.ndarray, hi: np.ndarray, t: float, phase: np.ndarray) -> np.ndarray:
    """Finger PD targets closing and opening between 58 % and 62 % of the range at 1 Hz (keeps the solver busy without flicking the object away)."""
    a = 0.6 + 0.02 * np.sin(2 * math.pi * t + phase)
    return lo + (hi - lo) * a


def _object_top_z(model: mujoco.MjModel, data: mujoco.MjData, body_id: int) -> tuple[np.ndarray, float]:
    """World xy centre and top z of the object's mesh geoms."""
    pts = []
    for g in range(model.ngeom):
        if model.geom_bodyid[g] != body_id or model.geom_type[g] != mujoco.mjtGeom.mjGEOM_MESH:
            continue
        mid = model.geom_dataid[g]
        a, n = model.mesh_vertadr[mid], model.mesh_vertnum[mid]
        v = model.mesh_vert[a : a + n]
        pts.append(v @ data.geom_xmat[g].reshape(3, 3).T + data.geom_xpos[g])
    p = np.concatenate(pts)
    return 0.5 * (p.min(0) + p.max(0)), float(p[:, 2].max())


def _held_states(hand: str, obj: str, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """(dof_pos, obj_pos, obj_rot) of N envs at the first frames where shipped grasp clips label the
    object as touched (hand closed on it, object on the platform); None without such data."""
    from hot.config.resolve import REPO_ROOT
    from hot.motion.io import load_folder

    for root in (f"dexgrasp_train_{hand}_gmp", f"dexgrasp_train_{hand}"):
        folder = REPO_ROOT / "hot/data/motions" / root / obj.lower() / "grasp_higher_kp"
        if folder.is_dir() and any(folder.glob("*.pt")):
            break
    else:
        return None
    clips = load_folder(folder).clips
    rows = []
    for c in clips:
        idx = np.nonzero(c.contact1.numpy() > 0.5)[0]
        if len(idx):
            f = int(idx[0]) + 5
            rows.append(
                (c.dof_pos[f].double().numpy(), c.obj_pos[f].double().numpy(), c.obj_rot[f].double().numpy())
            )
    if not rows:
        return None
    pick = [rows[i % len(rows)] for i in range(n)]
    return np.stack([r[0] for r in pick]), np.stack([r[1] for r in pick]), np.stack([r[2] for r in pick])


def bench_sim(
    hand_name: str,
    object_name: str,
    num_envs: int = 256,
    seconds: float = 5.0,
    nthread: int | None = None,
    substeps: int = 2,
    sim_backend: str = "mujoco",
    device: str = "cpu",
    options=None,
) -> SimBenchResult:
    """Time a backend's batch with the hand pressing and closing on the object (see module docstring).

    ``sim_backend``: ``"mujoco"`` or ``"mjwarp"``; ``device``: where MuJoCo Warp runs (``cpu`` or
    ``cuda``; ignored by the CPU backend); ``options``: scene physics options
    (:class:`hot.sim.scene.SceneOptions`, default the project's).
    """
    from hot.assets.hands import get_hand
    from hot.assets.objects import get_object
    from hot.sim import make_sim
    from hot.sim.mujoco_cpu import MujocoCpuSim
    from hot.sim.scene import HAND_CONTACT_COUNT

    hand = get_hand(hand_name)
    obj = get_object(object_name)
    t_setup = time.perf_counter()
    kwargs = {"device": device} if sim_backend == "mjwarp" else {}
    sim = cast(
        "MujocoCpuSim | MjWarpSim",
        make_sim(sim_backend, hand, obj, num_envs, nthread=nthread, options=options, **kwargs),
    )
    setup_s = time.perf_counter() - t_setup
    ix = sim.index
    model = next(iter(sim.models.values()))  # one object scale here
    n, d = num_envs, hand.num_dofs
    lo, hi = ix.dof_limits[:, 0], ix.dof_limits[:, 1]
    fingers = slice(6, d)

    # 1) settle the object on the platform with the hand out of the way, dropped on its side
    #    (rotated 90 deg about x) so that tall objects such as the bottle lie stably when pressed
    data = mujoco.MjData(model)
    data.qpos[ix.obj_qpos_adr] = [0.0, 0.0, 0.3, math.sqrt(0.5), math.sqrt(0.5), 0.0, 0.0]
    data.ctrl[:] = 0.0
    for _ in range(240):
        mujoco.mj_step(model, data)
    obj_qpos = data.qpos[ix.obj_qpos_adr].copy()
    centre, top_z = _object_top_z(model, data, ix.object_body_id)

    # 2) place the half-closed hand (fingers at 60 % of their range) so its fingertip centroid is
    #    2 cm above the object's top (raised further until clear), then command the wrist 3 cm lower: the hand presses down on
    #    the object (the platform holds it) while the fingers close and open slightly (58-62 %).
    start = np.zeros(d)
    start[fingers] = lo[fingers] + 0.6 * (hi[fingers] - lo[fingers])
    data.qpos[ix.dof_qpos_adr] = start
    mujoco.mj_forward(model, data)
    tips = [mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_BODY, b) for b in hand.fingertip_bodies]
    centroid = data.xpos[tips].mean(0)
    start[:3] = [centre[0] - centroid[0], centre[1] - centroid[1], top_z + 0.02 - centroid[2]]
    # other parts of the hand (palm, knuckles) may hang lower than the fingertips: raise the hand
    # until it is clear of the object, so the run does not start with an explosive overlap
    count_adr = ix.sensor_adr[HAND_CONTACT_COUNT][0]
    for _ in range(80):
        data.qpos[ix.dof_qpos_adr] = start
        data.qvel[:] = 0.0
        mujoco.mj_forward(model, data)
        if data.sensordata[count_adr] == 0:
            break
        start[2] += 0.005
    start[2] += 0.005
    press = start.copy()
    press[2] -= 0.03

    t = torch.from_numpy
    phase = np.linspace(0.0, 2 * math.pi, n, endpoint=False)[:, None]
    dt_ctrl = substeps * model.opt.timestep
    held = _held_states(hand_name, object_name, n)
    t_first = time.perf_counter()
    if held is not None:
        # preferred: the hold frames of generated grasp clips (fingers closed on the object resting
        # on the platform); fingers oscillate ±0.02 rad about the grasp to keep contacts changing
        dof0, obj_p, obj_q = held
        sim.reset(
            torch.arange(n),
            t(dof0),
            torch.zeros(n, d),
            t(obj_p),
            t(obj_q),
            torch.zeros(n, 3),
            torch.zeros(n, 3),
        )
        targets = dof0.copy()

        def control(k: int) -> torch.Tensor:
            targets[:, fingers] = dof0[:, fingers] + 0.02 * np.sin(2 * math.pi * k * dt_ctrl + phase)
            return torch.from_numpy(targets)
    else:
        sim.reset(
            torch.arange(n),
            t(np.tile(start, (n, 1))),
            torch.zeros(n, d),
            t(np.tile(obj_qpos[:3], (n, 1))),
            t(np.tile(obj_qpos[3:], (n, 1))),
            torch.zeros(n, 3),
            torch.zeros(n, 3),
        )
        targets = np.tile(press, (n, 1))

        def control(k: int) -> torch.Tensor:
            targets[:, fingers] = _finger_targets(lo[fingers], hi[fingers], k * dt_ctrl, phase)
            return torch.from_numpy(targets)

    for k in range(60):  # 1 s warm-up: hand reaches the object (MuJoCo Warp: compiles on the first)
        sim.set_targets(control(k))
        sim.step(substeps)
        if k == 0:
            _sync(sim)
            first_step_s = time.perf_counter() - t_first

    def timed(read_state: bool, budget: float) -> tuple[float, float, float]:
        ncon, touch, calls = 0.0, 0.0, 0
        k0 = 60
        t0 = time.perf_counter()
        while time.perf_counter() - t0 < budget:
            sim.set_targets(control(k0 + calls))
            sim.step(substeps)
            if read_state:
                touch += float(sim.state().hand_contact.float().mean())
            ncon += float(sim.num_contacts().mean())
            calls += 1
        _sync(sim)
        el = time.perf_counter() - t0
        return calls * n * substeps / el, ncon / calls, touch / calls

    batch_rate, mean_con, _ = timed(False, seconds)
    state_rate, _, touch = timed(True, max(1.0, seconds / 2))

    # 3) single-thread mj_step on world 0's state and model, same control pattern
    single = _world_data(sim, model, 0)
    steps, ncon_sum, ctrl = 0, 0.0, np.zeros(model.nu)
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < max(1.0, seconds / 2):
        ctrl[ix.actuator_ids] = targets[0]
        ctrl[ix.actuator_ids[fingers]] = _finger_targets(
            lo[fingers], hi[fingers], steps * model.opt.timestep, phase[0]
        )
        single.ctrl[:] = ctrl
        mujoco.mj_step(model, single)
        ncon_sum += single.ncon
        steps += 1
    single_rate = steps / (time.perf_counter() - t0)
    return SimBenchResult(
        hand=hand_name,
        object=object_name,
        num_envs=n,
        nthread=sim.batch.nthread if isinstance(sim, MujocoCpuSim) else 1,
        batch_steps_per_s=batch_rate,
        batch_with_state_steps_per_s=state_rate,
        single_steps_per_s=single_rate,
        mean_contacts=mean_con,
        mean_hand_contact=touch,
        single_mean_contacts=ncon_sum / steps,
        backend=sim_backend,
        device=getattr(sim, "warp_device", "cpu"),
        setup_s=setup_s,
        first_step_s=first_step_s,
    )


def _sync(sim) -> None:
    """Wait for queued device work (MuJoCo Warp on CUDA launches asynchronously)."""
    if getattr(sim, "warp_device", "cpu").startswith("cuda"):
        torch.cuda.synchronize()


def _world_data(sim, model: mujoco.MjModel, world: int) -> mujoco.MjData:
    """A C MjData holding world ``world``'s state (the CPU batch's own copy, or one filled from MuJoCo Warp)."""
    if hasattr(sim, "batch"):
        return sim.batch.get_data(world)
    data = mujoco.MjData(model)
    s = sim.state()
    ix = sim.index
    data.qpos[ix.dof_qpos_adr] = s.dof_pos[world].double().cpu().numpy()
    data.qvel[ix.dof_qvel_adr] = s.dof_vel[world].double().cpu().numpy()
    data.qpos[ix.obj_qpos_adr] = np.concatenate(
        [s.obj_pos[world].double().cpu().numpy(), s.obj_rot[world].double().cpu().numpy()]
    )
    mujoco.mj_forward(model, data)
    return data


def add_sim_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--hand", choices=("mano", "shadow", "allegro"), default="mano", help="hand model")
    p.add_argument("--object", default="bottle", help="object name (hot.assets.objects)")
    p.add_argument(
        "--num_envs",
        type=int_at_least(1),
        nargs="+",
        default=[256],
        help="worlds in the batch (several: one run each)",
    )
    p.add_argument("--seconds", type=positive_float, default=5.0, help="timed duration of the batch run")
    p.add_argument("--nthread", type=int_at_least(1), default=None, help="batch threads (default: all CPUs)")
    p.add_argument("--substeps", type=int_at_least(1), default=2, help="physics steps per control step")
    p.add_argument("--sim", choices=("mujoco", "mjwarp"), default="mujoco", help="simulator backend")
    p.add_argument(
        "--device", default=None, help="MuJoCo Warp device: cpu or cuda (default: cuda if available)"
    )


def _warp_device(arg: str | None) -> str:
    if arg:
        return arg
    return "cuda" if torch.cuda.is_available() else "cpu"


def run_sim(args: argparse.Namespace) -> None:
    dev = _warp_device(args.device)
    for n in args.num_envs:
        r = bench_sim(args.hand, args.object, n, args.seconds, args.nthread, args.substeps, args.sim, dev)
        _print_sim(r)


def _print_sim(r: SimBenchResult) -> None:
    where = f"nthread={r.nthread}" if r.backend == "mujoco" else f"warp device={r.device}"
    print(f"hand={r.hand} object={r.object} sim={r.backend} num_envs={r.num_envs} {where} dt=1/120 s")
    if r.backend == "mjwarp":
        print(
            f"  setup {r.setup_s:.1f} s, first reset + step (kernel compile or cache load) {r.first_step_s:.1f} s"
        )
    label = "mujoco.batch" if r.backend == "mujoco" else "MuJoCo Warp"
    print(f"{f'  batch ({label}):':30}{r.batch_steps_per_s:10.0f} physics steps/s")
    print(f"  batch + state() each step:  {r.batch_with_state_steps_per_s:10.0f} physics steps/s")
    print(f"  single-thread mj_step:      {r.single_steps_per_s:10.0f} physics steps/s")
    print(f"  ratio batch / single:       {r.ratio:10.2f} x")
    print(
        f"  contacts: mean {r.mean_contacts:.1f} per world (single-thread run {r.single_mean_contacts:.1f}); "
        f"hand touching object in {100 * r.mean_hand_contact:.0f} % of worlds"
    )


# ------------------------------------------------------------------------------------------ train
def _default_motion(hand: str) -> str:
    from hot.config.resolve import REPO_ROOT

    for cand in (
        f"hot/data/motions/dexgrasp_train_{hand}_gmp/bottle",
        f"hot/data/motions/dexgrasp_train_{hand}/bottle",
    ):
        if (REPO_ROOT / cand).exists():
            return str(REPO_ROOT / cand)
    return ""


def steady_rate(history: list[dict]) -> float:
    """Env-steps/s of a training run without its start-up: the epochs after the first, from the per-epoch rates
    of :func:`hot.learning.adapter.train`'s history (each epoch collects the same number of env-steps, so the
    rate over them is the harmonic mean). NaN with fewer than two epochs."""
    rates = [float(r["env_steps_per_s"]) for r in history[1:] if r.get("env_steps_per_s", 0.0) > 0.0]
    return len(rates) / sum(1.0 / r for r in rates) if rates else float("nan")


def bench_train(
    hand: Literal["mano", "shadow", "allegro"],
    num_envs: int,
    epochs: int,
    motion_file: str,
    cfg_train: str,
    nthread: int | None = None,
    sim_backend: Literal["auto", "mujoco", "mjwarp"] = "mujoco",
    device: str = "cpu",
) -> dict:
    """End-to-end PPO (rl-games) env-steps/s and, in the same run, the raw batched-physics rate.

    ``loop_physics_env_steps_per_s``: env-steps over the time of the run's own ``sim.step`` calls (the hand
    following the clips, unlike the raw rate's held targets). ``steady_*``: the same without the run's start-up (network build, first reset, first epoch), see
    :func:`steady_rate`. Time fractions: physics (``sim.step``), env (everything else in ``env.step``: targets,
    observations, rewards, metrics, resets) and learning (policy inference + PPO update + rl-games
    bookkeeping = wall time minus ``env.step``).
    """
    import tempfile

    from hot.cli.tracking import _dense_from_train_cfg
    from hot.learning.adapter import load_train_cfg, train
    from hot.tasks.tracking.config import EnvCfg, SimCfg, TrackingCfg
    from hot.tasks.tracking.env import TrackingEnv

    if not motion_file:
        raise SystemExit(f"bench train: no shipped motion data for hand '{hand}'; pass --motion_file DIR")
    tcfg = load_train_cfg(cfg_train)
    env_cfg = EnvCfg(
        num_envs=num_envs,
        episode_length=60,
        hand_model=hand,
        motion_file=motion_file,
        state_noise_prob=0.2,
        enable_obj_keypoints=True,
        enable_ig_scale=True,
        enable_dof_obs=True,
        enable_early_termination=True,
        action_mode="residual",
        residual_scale=[0.02, 0.1, 0.2],
        # as hot/run.py builds it for this config: 200 keypoints for the point encoder, 20 for a plain MLP
        dense_obj=_dense_from_train_cfg(tcfg),
    )
    sim_cfg = SimCfg(backend=sim_backend, nthread=nthread or 0)
    env = TrackingEnv(TrackingCfg(env=env_cfg, sim=sim_cfg), device=device, seed=0)
    timers = {"physics": 0.0, "env": 0.0}
    sim_step, env_step = env.sim.step, env.step

    def timed_sim_step(substeps: int = 2) -> None:
        t0 = time.perf_counter()
        sim_step(substeps)
        timers["physics"] += time.perf_counter() - t0

    def timed_env_step(actions):
        t0 = time.perf_counter()
        out = env_step(actions)
        timers["env"] += time.perf_counter() - t0
        return out

    env.sim.step = timed_sim_step
    env.step = timed_env_step
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        out = train(env, tcfg, f"{tmp}/run", max_epochs=epochs, seed=0, show_progress=False)
        wall = time.perf_counter() - t0
    frames = int(out["frame"])
    # raw batched physics on the same sim, same worlds, fresh timing
    env.sim.step = sim_step
    n_ctrl = 50
    targets = env.sim.state().dof_pos
    env.sim.set_targets(targets)
    t0 = time.perf_counter()
    for _ in range(n_ctrl):
        sim_step(env.substeps)
    raw_ctrl_per_s = n_ctrl * num_envs / (time.perf_counter() - t0)
    env_only = timers["env"] - timers["physics"]
    steady = steady_rate(out.get("history", []))
    return {
        "hand": hand,
        "num_envs": num_envs,
        "epochs": epochs,
        "env_steps": frames,
        "wall_s": wall,
        "train_env_steps_per_s": frames / wall,
        "raw_physics_env_steps_per_s": raw_ctrl_per_s,
        "ratio": (frames / wall) / raw_ctrl_per_s,
        "loop_physics_env_steps_per_s": frames / max(timers["physics"], 1e-9),
        "steady_env_steps_per_s": steady,
        "steady_ratio": steady / raw_ctrl_per_s,
        "frac_physics": timers["physics"] / wall,
        "frac_env": env_only / wall,
        "frac_learning": (wall - timers["env"]) / wall,
    }


def add_train_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--hand", choices=("mano", "shadow", "allegro"), default="mano", help="hand model")
    p.add_argument("--num_envs", type=int_at_least(1), default=256, help="parallel envs")
    p.add_argument("--epochs", type=int_at_least(1), default=3, help="PPO epochs to time (horizon 32 each)")
    p.add_argument("--motion_file", default=None, help="clips to track (default: the shipped Bottle data)")
    p.add_argument(
        "--cfg_train", default="hot/data/cfg/train/rlg/skillmimic_denseobj.yaml", help="rl-games train YAML"
    )
    p.add_argument(
        "--nthread", type=int_at_least(1), default=None, help="physics threads (default: all CPUs)"
    )
    p.add_argument("--sim", choices=("mujoco", "mjwarp"), default="mujoco", help="simulator backend")
    p.add_argument(
        "--device", default="cpu", help="torch device of env and policy (MuJoCo Warp runs there too)"
    )


def run_train(args: argparse.Namespace) -> None:
    from hot.config.resolve import resolve_path

    motion = args.motion_file if args.motion_file is not None else _default_motion(args.hand)
    r = bench_train(
        args.hand,
        args.num_envs,
        args.epochs,
        motion,
        str(resolve_path(args.cfg_train, "--cfg_train")),
        args.nthread,
        args.sim,
        args.device,
    )
    print(
        f"hand={r['hand']} sim={args.sim} device={args.device} num_envs={r['num_envs']} epochs={r['epochs']} "
        f"env_steps={r['env_steps']} wall={r['wall_s']:.1f}s"
    )
    print(f"  training loop:          {r['train_env_steps_per_s']:10.0f} env-steps/s")
    print(f"  raw batched physics:    {r['raw_physics_env_steps_per_s']:10.0f} env-steps/s (2 substeps each)")
    print(
        f"  physics in the loop:    {r['loop_physics_env_steps_per_s']:10.0f} env-steps/s (the run's sim.step calls)"
    )
    print(f"  ratio train / physics:  {r['ratio']:10.2f}")
    if r["epochs"] >= 2:
        print(
            f"  without start-up:       {r['steady_env_steps_per_s']:10.0f} env-steps/s, ratio "
            f"{r['steady_ratio']:.2f} (epochs 2-{r['epochs']})"
        )
    print(
        f"  time: physics {100 * r['frac_physics']:.0f}%, env (obs/reward/reset) {100 * r['frac_env']:.0f}%, "
        f"policy + PPO update {100 * r['frac_learning']:.0f}%"
    )


def bench_grasps(
    hand_name: str,
    obj_name: str,
    candidates: int,
    seed: int = 0,
    method: str = "wrap",
    iters: int | None = None,
) -> dict:
    """Time one batch of ``candidates`` grasps of :func:`hot.datagen.wrap.generate_wrap_grasps`
    (``method="wrap"``) or :func:`hot.datagen.fc.generate_fc_grasps` (``"fc"``, ``iters`` Adam
    iterations; the problem set-up, mostly the object SDF, is timed too)."""
    from hot.assets.hands import get_hand
    from hot.assets.objects import get_object
    from hot.datagen.fc import generate_fc_grasps
    from hot.datagen.grasp import GraspConfig
    from hot.datagen.wrap import generate_wrap_grasps

    hand, obj = get_hand(hand_name), get_object(obj_name)
    t0 = time.perf_counter()
    if method == "fc":
        cfg = (
            GraspConfig(batch_size=candidates)
            if iters is None
            else GraspConfig(batch_size=candidates, iters=iters)
        )
        gs = generate_fc_grasps(hand, obj, 1.0, candidates, seed=seed, cfg=cfg)
    else:
        gs = generate_wrap_grasps(hand, obj, 1.0, candidates, seed=seed)
    wall = time.perf_counter() - t0
    valid = np.asarray(gs.valid, dtype=bool)
    pen = np.asarray(gs.penetration)[valid] * 1000.0 if len(gs) else np.zeros(0)
    return {
        "hand": hand_name,
        "object": obj.name,
        "candidates": candidates,
        "valid": int(valid.sum()),
        "e_fc_mean": float(np.nanmean(gs.e_fc)) if len(gs) and np.isfinite(gs.e_fc).any() else float("nan"),
        "wall_s": wall,
        "valid_per_min": 60.0 * valid.sum() / wall,
        "pen_mean_mm": float(pen.mean()) if len(pen) else float("nan"),
        "pen_max_mm": float(pen.max()) if len(pen) else float("nan"),
    }


def add_grasp_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--hand", nargs="+", choices=("mano", "shadow", "allegro"), default=["mano"], help="hands")
    p.add_argument("--objects", nargs="+", default=["Bottle"], help="object names (hot.assets.objects)")
    p.add_argument(
        "--candidates", type=int_at_least(1), default=64, help="wrap candidates per (hand, object)"
    )
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--method", choices=("wrap", "fc"), default="wrap", help="grasp sampler (datagen --grasp_method)"
    )
    p.add_argument(
        "--iters",
        type=int_at_least(1),
        default=None,
        help="fc: optimisation iterations (default GraspConfig.iters)",
    )


def run_grasps(args: argparse.Namespace) -> None:
    import os

    print(
        f"{args.method} grasps, {args.candidates} candidates per pair, seed {args.seed}, load average "
        f"{os.getloadavg()[0]:.1f} at start"
    )
    print(
        "| hand | object | valid / candidates | pass | validated grasps/min | wall (s) | pen. mean / max (mm) "
        "| mean E_fc |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for h in args.hand:
        for o in args.objects:
            r = bench_grasps(h, o, args.candidates, args.seed, args.method, args.iters)
            print(
                f"| {h} | {r['object']} | {r['valid']} / {r['candidates']} | {100 * r['valid'] / r['candidates']:.0f} % "
                f"| {r['valid_per_min']:.1f} | {r['wall_s']:.1f} | {r['pen_mean_mm']:.2f} / {r['pen_max_mm']:.2f} "
                f"| {r['e_fc_mean']:.2f} |",
                flush=True,
            )


# ------------------------------------------------------------------------------------------ profile
def add_profile_args(p: argparse.ArgumentParser) -> None:
    from hot.bench_physics import VARIANTS

    p.add_argument("--hand", choices=("mano", "shadow", "allegro"), default="mano", help="hand model")
    p.add_argument("--object", default="bottle", help="object name (hot.assets.objects)")
    p.add_argument("--num_envs", type=int_at_least(1), default=128, help="worlds of the batched runs")
    p.add_argument("--seconds", type=positive_float, default=2.0, help="timed duration of each batched run")
    p.add_argument("--rounds", type=int_at_least(1), default=2, help="interleaved rounds over the variants")
    p.add_argument(
        "--variants",
        nargs="+",
        choices=list(VARIANTS),
        default=list(VARIANTS),
        help="scene-option variants to time (default: all); 'default' is always timed first",
    )


def run_profile(args: argparse.Namespace) -> None:
    for line in profile_tables(
        args.hand, args.object, args.num_envs, args.seconds, args.variants, args.rounds
    ):
        print(line, flush=True)


def profile_tables(
    hand: str, obj: str, num_envs: int, seconds: float, variants: list[str], rounds: int = 2
) -> list[str]:
    """Markdown lines: the time split of ``mj_step`` and the settings table (:mod:`hot.bench_physics`)."""
    from hot.bench_physics import VARIANTS, profile_settings, profile_step

    p = profile_step(hand, obj)
    out = [
        f"Time split of one `mj_step`, {hand} + {obj}, hand closed on the object ({p.steps} steps, "
        f"{p.contacts:.1f} contacts per world, {p.us_per_step:.0f} µs per step single-thread):",
        "",
        "| stage | share of the step |",
        "|---|---:|",
    ]
    out += [f"| {k} | {100 * v:.0f} % |" for k, v in p.shares.items()]
    names = ["default"] + [v for v in variants if v != "default"]
    rows = profile_settings(hand, obj, num_envs, seconds, {n: VARIANTS[n] for n in names}, rounds)
    out += [
        "",
        f"Scene-option variants, {hand} + {obj}, {num_envs} worlds, `mujoco.batch` on all threads; medians of "
        f"{rounds} interleaved rounds, each ratio against the default of its own round:",
        "",
        "| variant | physics steps/s | ratio to default | single-thread µs/step | solver share | contacts / world "
        "| hand touching |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    out += [
        f"| {r['variant']} | {r['steps_per_s']:,.0f} | {r['ratio']:.2f}× | {r['us_per_step_single']:.0f} "
        f"| {100 * r['solver_share']:.0f} % | {r['contacts']:.1f} | {100 * r['hand_contact']:.0f} % |"
        for r in rows
    ]
    return out


def _add_learn_args(p: argparse.ArgumentParser) -> None:
    from hot.bench_learn import add_learn_args

    add_learn_args(p)


def _run_learn(args: argparse.Namespace) -> None:
    from hot.bench_learn import run_learn

    run_learn(args)


def _add_report_args(p: argparse.ArgumentParser) -> None:
    from hot.bench_report import add_report_args

    add_report_args(p)


def _run_report(args: argparse.Namespace) -> None:
    from hot.bench_report import run_report

    run_report(args)


Command = tuple[Callable[[argparse.ArgumentParser], None], Callable[[argparse.Namespace], None], str]
COMMANDS: dict[str, Command] = {
    "sim": (add_sim_args, run_sim, "physics throughput of the CPU batch vs single-thread mj_step"),
    "train": (add_train_args, run_train, "end-to-end PPO env-steps/s vs raw batched physics"),
    "grasps": (add_grasp_args, run_grasps, "validated wrap grasps per minute per hand and object"),
    "profile": (add_profile_args, run_profile, "time split of mj_step and the cost of solver settings"),
    "learn": (
        _add_learn_args,
        _run_learn,
        "wall-clock to a held-out grasp success, MANO Bottle teacher from scratch, per train config",
    ),
    "report": (
        _add_report_args,
        _run_report,
        "regenerate docs/benchmarks.md from one run of every benchmark",
    ),
}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m hot.bench", description=(__doc__ or "").partition("\n")[0]
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for name, (add_args, _, help_text) in COMMANDS.items():
        add_args(sub.add_parser(name, help=help_text))
    args = parser.parse_args(argv)
    COMMANDS[args.command][1](args)


if __name__ == "__main__":
    main()
