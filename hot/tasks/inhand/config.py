"""Typed schema of the in-hand tasks (``allegro_inhand_grasp``, ``allegro_inhand``) and their trainers.

One file per (algo, task, profile) under ``hot/data/cfg/inhand/<algo>/<task>[_<profile>].yaml`` holds only
what differs from the defaults here. Loading is strict (``hot.config.strict``): an unknown key or a wrongly
typed value fails before any simulation starts, and so does a dotted command-line override
(``env.domain_rand.scale_list=[0.8,1.0]``) that names a key the schema does not have.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Literal

from hot.config.strict import (
    AnyFloat,
    AnyInt,
    ConfigError,
    NonNegFloat,
    NonNegInt,
    PosFloat,
    PosInt,
    Range,
    UnitFloat,
    apply_overrides,
    from_dict,
    load_yaml,
)

__all__ = [
    "ObjectCfg",
    "ControlCfg",
    "PhysicsCfg",
    "RewardCfg",
    "PushCfg",
    "DomainRandCfg",
    "GraspCfg",
    "InhandEnvCfg",
    "PpoCfg",
    "DistillCfg",
    "AlgoCfg",
    "TrainingCfg",
    "InhandCfg",
    "CFG_DIR",
    "TASKS",
    "ALGOS",
    "owner_yaml",
    "load_inhand_config",
]

CFG_DIR = Path(__file__).resolve().parents[2] / "data" / "cfg" / "inhand"
TASKS = ("allegro_inhand_grasp", "allegro_inhand")
ALGOS = ("ppo", "hora_distill")


@dataclass
class ObjectCfg:
    """The free object (a primitive, so every scale bucket is exact geometry, no meshes)."""

    shape: Literal["cylinder", "cube"] = "cylinder"
    """Cylinder (axis = world z at rest, as HORA's training objects) or cube."""
    radius: PosFloat = 0.04
    """Cylinder radius at scale 1 (m)."""
    half_height: PosFloat = 0.03
    """Cylinder half-height at scale 1 (m)."""
    half_size: PosFloat = 0.03
    """Cube half edge at scale 1 (m)."""
    mass: PosFloat = 0.05
    """Mass (kg) when mass randomisation is off; it does not change with scale (HORA)."""
    friction: PosFloat = 1.0
    """Sliding friction of the object and of the hand geoms (MuJoCo combines them by max)."""


@dataclass
class ControlCfg:
    """Joint PD control, HORA's torque-controlled Allegro expressed as MuJoCo position actuators."""

    kp: PosFloat = 3.0
    """Proportional gain (N m / rad), HORA's p_gain."""
    kd: NonNegFloat = 0.1
    """Derivative gain (N m s / rad), HORA's d_gain."""
    torque_limit: PosFloat = 0.5
    """Actuator force range (N m), HORA's effort limit."""
    action_scale: PosFloat = 1.0 / 24.0
    """Target increment per unit action per control step (rad)."""
    armature: NonNegFloat = 0.001
    """Joint armature (kg m^2), HORA's value."""
    frictionloss: NonNegFloat = 0.01
    """Joint dry friction (N m), HORA's value."""


@dataclass
class PhysicsCfg:
    """MuJoCo options of the in-hand scene."""

    timestep: Annotated[float, Range(gt=0.0, le=0.1)] = 1.0 / 120.0
    """Physics step (s), HORA's 120 Hz."""
    control_hz: Annotated[float, Range(gt=0.0, le=1000.0)] = 20.0
    """Policy rate; substeps = 1 / (timestep * control_hz) must be an integer."""
    impratio: Annotated[float, Range(ge=1.0)] = 10.0
    """Friction-to-normal impedance ratio (elliptic cones)."""
    noslip_iterations: NonNegInt = 0
    """No-slip post-solver iterations (0 = off; the fingertips hold the object from below, creep is small)."""
    iterations: PosInt = 50
    """Newton iterations cap."""
    ls_iterations: PosInt = 20
    """Line-search iterations."""
    torsional_friction: NonNegFloat = 0.005
    """Torsional friction coefficient of the object (condim 4)."""
    nthread: NonNegInt = 0
    """Threads per mujoco.batch (0 = all cores)."""

    @property
    def substeps(self) -> int:
        return int(round(1.0 / (self.timestep * self.control_hz)))

    def __post_init__(self) -> None:
        n = 1.0 / (self.timestep * self.control_hz)
        if abs(n - round(n)) > 1e-6 or round(n) < 1:
            raise ValueError(f"1 / (timestep * control_hz) = {n:.4f} must be a positive integer (substeps)")


@dataclass
class RewardCfg:
    """Signed weights of the HORA reward terms (reward = sum of weight * term, per control step)."""

    rotate: AnyFloat = 1.0
    """clip(omega . axis, angvel_clip_min, angvel_clip_max), rad/s."""
    obj_linvel: AnyFloat = -0.3
    """L1 norm of the object's linear velocity (m/s)."""
    pose_diff: AnyFloat = -0.3
    """Squared distance of the joint positions from the episode's initial pose (rad^2)."""
    torque: AnyFloat = -0.1
    """Squared norm of the PD torques (N^2 m^2)."""
    work: AnyFloat = -2.0
    """(torque . joint velocity)^2 (W^2)."""
    angvel_clip_min: AnyFloat = -0.5
    """Lower clip of the rotation term (rad/s)."""
    angvel_clip_max: AnyFloat = 0.5
    """Upper clip of the rotation term (rad/s)."""
    rot_axis: list[AnyFloat] = field(default_factory=lambda: [0.0, 0.0, 1.0])
    """Desired rotation axis, world frame (HORA turns about -z, UniLab about +z)."""
    scale_by_dt: bool = False
    """Multiply the reward by the control period (UniLab) instead of HORA's unscaled sum."""
    drop_penalty: AnyFloat = 0.0
    """Added once on the step that ends in a drop (signed; e.g. -10). 0 = HORA (no termination penalty).
    A deviation from HORA against the few-env "spin and drop" optimum; scaled by dt like the rest."""
    alive_bonus: AnyFloat = 0.0
    """Added on every step the object is still held (signed). 0 = HORA. Deviation, see drop_penalty."""

    def __post_init__(self) -> None:
        if len(self.rot_axis) != 3 or math.hypot(*self.rot_axis) < 1e-9:
            raise ValueError(f"reward.rot_axis must be a non-zero 3-vector, got {self.rot_axis}")
        if self.angvel_clip_min > self.angvel_clip_max:
            raise ValueError("reward.angvel_clip_min must be <= angvel_clip_max")


@dataclass
class PushCfg:
    """Random pushes on the object (HORA's random forces): a new force N(0,1)*mass*scale per axis with
    probability ``prob`` per control step, decaying by ``decay`` every ``decay_interval`` seconds."""

    enabled: bool = False
    """Apply random pushes."""
    scale: NonNegFloat = 2.0
    """Force scale (multiplies mass * standard normal), m/s^2."""
    prob: UnitFloat = 0.25
    """Probability of a new force per env per control step."""
    decay: UnitFloat = 0.9
    """Decay factor of the applied force per decay interval."""
    decay_interval: PosFloat = 0.08
    """Decay interval (s)."""


@dataclass
class DomainRandCfg:
    """Domain randomisation (resampled at every reset) and the object-scale buckets."""

    scale_list: list[PosFloat] = field(default_factory=lambda: [0.9, 1.0, 1.1])
    """Object scales; envs are split into contiguous buckets, one per scale, each resetting from its own
    grasp cache ``<grasp_cache_path>_<scale>.npy``."""
    randomize_mass: bool = False
    """Object mass uniform in mass_range (inertia scaled with it)."""
    mass_range: list[PosFloat] = field(default_factory=lambda: [0.01, 0.25])
    """kg (HORA)."""
    randomize_com: bool = False
    """Object centre-of-mass offset uniform in [-com_range, com_range] per axis."""
    com_range: NonNegFloat = 0.01
    """m (HORA)."""
    randomize_friction: bool = False
    """One friction coefficient for the object and all hand geoms, uniform in friction_range."""
    friction_range: list[PosFloat] = field(default_factory=lambda: [0.3, 3.0])
    """HORA's range."""
    randomize_pd_gains: bool = False
    """Per-joint kp, kd uniform in the ranges below."""
    kp_range: list[PosFloat] = field(default_factory=lambda: [2.9, 3.1])
    """HORA's range (N m / rad)."""
    kd_range: list[PosFloat] = field(default_factory=lambda: [0.09, 0.11])
    """HORA's range (N m s / rad)."""
    joint_noise: NonNegFloat = 0.02
    """Uniform noise added to the observed joint positions (rad)."""
    push: PushCfg = field(default_factory=PushCfg)
    """Random pushes."""
    curriculum_steps: NonNegInt = 0
    """Randomisation curriculum (a deviation from HORA, which randomises fully from the start): over the
    first ``curriculum_steps`` env-steps (summed over envs) of a training run every randomised range grows
    linearly from the nominal value (object.mass, object.friction, control.kp/kd, no CoM offset, no push)
    to its full range above. 0 = off (HORA). Evaluation always uses the full ranges."""
    curriculum_start: UnitFloat = 0.0
    """Level of the curriculum at env-step 0 (0 = nominal values, 1 = full ranges)."""

    def __post_init__(self) -> None:
        if not self.scale_list:
            raise ValueError("domain_rand.scale_list must hold at least one scale")
        if len(set(self.scale_list)) != len(self.scale_list):
            raise ValueError(f"domain_rand.scale_list has duplicates: {self.scale_list}")
        for name in ("mass_range", "friction_range", "kp_range", "kd_range"):
            r = getattr(self, name)
            if len(r) != 2 or not r[0] <= r[1]:
                raise ValueError(f"domain_rand.{name} must be [low, high] with low <= high, got {r}")


@dataclass
class GraspCfg:
    """Grasp-cache generation (task ``allegro_inhand_grasp``): HORA's recipe."""

    joint_noise: NonNegFloat = 0.25
    """Canonical pose + U(-joint_noise, joint_noise) rad per joint, clipped to the joint ranges."""
    hold_s: PosFloat = 3.0
    """Seconds the hand holds still with the object; the final state is kept if it passes the filter."""
    max_tip_dist: PosFloat = 0.10
    """Every fingertip within this distance (m) of the object centre."""
    min_tip_contacts: Annotated[int, Range(ge=0, le=4)] = 2
    """At least this many fingertips touching the object."""
    save_every_s: PosFloat = 30.0
    """Write the files at least this often (s), so an interrupted run keeps what it collected."""


@dataclass
class InhandEnvCfg:
    """The in-hand environment."""

    episode_s: PosFloat = 20.0
    """Episode length (s): 400 control steps at 20 Hz."""
    hand_pos: list[AnyFloat] = field(default_factory=lambda: [0.0, 0.0, 0.5])
    """World position of the palm frame (the hand is fixed, palm up, fingers along +x)."""
    object_offset: list[AnyFloat] = field(default_factory=lambda: [0.01, -0.005, 0.14])
    """Object spawn position for grasp generation, relative to hand_pos (world axes, m); the object's
    bottom is put on this point's height minus nothing: it is the centre at scale 1."""
    drop_height: AnyFloat = 0.07
    """The object counts as dropped when its centre is lower than hand_pos.z + drop_height (m)."""
    max_fall: NonNegFloat = 0.0
    """Also count a drop when the object centre falls more than this (m) below its height at the start of
    the episode (0 = off, HORA-like strictness is ~0.015-0.02: a slipping object ends the episode early)."""
    obs_frames: PosInt = 3
    """Proprioceptive frames stacked in the actor observation."""
    proprio_hist_len: PosInt = 30
    """Frames in the student's proprioceptive history."""
    grasp_cache_path: str = "caches/inhand/allegro_grasp"
    """Prefix of the grasp caches; files are ``<prefix>_<scale>.npy`` (scale formatted with %g). A relative
    prefix is looked up from the current directory, then from the repository root."""
    grasp_collection_target: PosInt = 50000
    """Rows to collect per scale (task allegro_inhand_grasp)."""
    priv_info: bool = True
    """Put the privileged block (object position, scale, mass, friction, CoM) in the observation; the
    teacher encodes it, the student never reads it."""
    priv_pos_noise: NonNegFloat = 0.0
    """Std (m) of Gaussian noise added to the object position of the privileged block at every step while
    training (HORA: 0). Not applied in ``hot eval``, ``diagnose`` or as distillation labels. A teacher that
    cannot rely on millimetre-exact positions is one a proprioceptive student can imitate."""
    object: ObjectCfg = field(default_factory=ObjectCfg)
    control: ControlCfg = field(default_factory=ControlCfg)
    physics: PhysicsCfg = field(default_factory=PhysicsCfg)
    reward: RewardCfg = field(default_factory=RewardCfg)
    domain_rand: DomainRandCfg = field(default_factory=DomainRandCfg)
    grasp: GraspCfg = field(default_factory=GraspCfg)

    @property
    def max_episode_steps(self) -> int:
        return int(round(self.episode_s * self.physics.control_hz))

    def __post_init__(self) -> None:
        if self.proprio_hist_len < self.obs_frames:
            raise ValueError("env.proprio_hist_len must be >= env.obs_frames")
        if len(self.hand_pos) != 3 or len(self.object_offset) != 3:
            raise ValueError("env.hand_pos and env.object_offset must be 3-vectors")


@dataclass
class PpoCfg:
    """PPO settings handed to rl-games (``hot.learning.adapter``)."""

    network: Literal["hora_teacher", "mlp"] = "hora_teacher"
    """``hora_teacher``: privileged block -> encoder -> latent, concatenated with the proprioception; ``mlp``:
    one MLP over the whole observation."""
    units: list[PosInt] = field(default_factory=lambda: [512, 256, 128])
    """Actor-critic trunk (shared, HORA)."""
    priv_units: list[PosInt] = field(default_factory=lambda: [256, 128])
    """Hidden layers of the privileged-information encoder."""
    latent_dim: PosInt = 8
    """Extrinsics latent size (HORA 8)."""
    init_log_std: Annotated[float, Range(ge=-10.0, le=2.0)] = 0.0
    """Initial log standard deviation of the Gaussian policy (learned)."""
    horizon_length: PosInt = 8
    """Steps per env per PPO iteration."""
    minibatch_size: PosInt = 4096
    """Rounded down to a divisor of num_envs * horizon_length."""
    mini_epochs: PosInt = 5
    learning_rate: Annotated[float, Range(gt=0.0, le=1.0)] = 5e-3
    kl_threshold: PosFloat = 0.02
    """Adaptive learning-rate target KL."""
    gamma: Annotated[float, Range(gt=0.0, le=1.0)] = 0.99
    tau: UnitFloat = 0.95
    """GAE lambda."""
    e_clip: Annotated[float, Range(gt=0.0, lt=1.0)] = 0.2
    critic_coef: NonNegFloat = 4.0
    entropy_coef: NonNegFloat = 0.0
    bounds_loss_coef: NonNegFloat = 0.0001
    grad_norm: PosFloat = 1.0
    save_frequency: NonNegInt = 50
    """Checkpoint every this many iterations (plus the last one)."""
    torch_threads: NonNegInt = 0
    """Torch CPU threads of the learner (0 = the adapter's default, min(4, cores)); with
    ``env.physics.nthread=1`` a run stays on about one core."""


@dataclass
class DistillCfg:
    """HORA stage 2: adaptation-module regression on student-driven rollouts."""

    teacher_run: str = "-1"
    """Teacher run id under logs/ppo/<Task>/ (``-1`` = newest), or a checkpoint / run-folder path."""
    learning_rate: Annotated[float, Range(gt=0.0, le=1.0)] = 3e-4
    """Adam learning rate of the adaptation module."""
    steps_per_iter: PosInt = 8
    """Env steps per iteration (the latent loss is averaged over them)."""
    save_frequency: PosInt = 50
    updates_per_iter: PosInt = 1
    """Adam steps per iteration (HORA: 1, on the iteration's own samples)."""
    replay_iters: PosInt = 1
    """Samples of the last this-many iterations form the replay set the updates draw from (HORA: 1). The
    labels (teacher latent and action) depend only on the state, so older student-driven samples stay valid
    (DAgger's aggregated data set); more updates per env-step where the simulator is the bottleneck."""
    minibatch_size: NonNegInt = 0
    """Samples per update, drawn from the replay set without replacement (0 = all of this iteration's)."""
    adapt: Literal["tconv", "mlp"] = "tconv"
    """Adaptation module: ``tconv`` (HORA's temporal convolution over the whole history) or ``mlp`` (an MLP on
    the newest ``mlp_frames`` frames, see docs/dev/2026-11-inhand-history.md "Round 4")."""
    mlp_frames: PosInt = 8
    """``adapt: mlp``: newest history frames it reads."""
    mlp_units: list[PosInt] = field(default_factory=lambda: [256, 128])
    """``adapt: mlp``: hidden layer sizes (ELU)."""
    action_loss: NonNegFloat = 0.0
    """Weight of ``mse(teacher head(proprio, z_student), teacher head(proprio, z_teacher))`` added to the latent
    loss (HORA: 0): errors in the latent directions the teacher's actions depend on cost more."""

    def __post_init__(self) -> None:
        if not self.mlp_units:
            raise ValueError("algo.distill.mlp_units must name at least one layer")


@dataclass
class AlgoCfg:
    """What trains, on how many envs, for how long."""

    num_envs: PosInt = 256
    """Parallel environments."""
    max_iterations: PosInt = 200
    """Training iterations (PPO epochs / distillation iterations)."""
    load_run: str = ""
    """Resume / evaluate this run (``-1`` = newest; a run id such as 2026-01-01_12-00-00_mujoco)."""
    seed: AnyInt = 42
    ppo: PpoCfg = field(default_factory=PpoCfg)
    distill: DistillCfg = field(default_factory=DistillCfg)


@dataclass
class TrainingCfg:
    """Run bookkeeping."""

    logdir: str = "logs"
    """Runs go to ``<logdir>/<algo>/<Task>/<timestamp>_<sim>/``."""
    no_play: bool = True
    """Skip the short evaluation after training."""
    play_only: bool = False
    """Evaluate only (set by ``hot eval``)."""
    eval_episodes: PosInt = 100
    """Episodes ``hot eval`` averages over: one per env, so this many envs run in parallel."""
    progress: bool = True
    """Show progress bars."""


@dataclass
class InhandCfg:
    """A whole in-hand config: ``task``, ``algo``, ``env``, ``sim``, ``training`` sections."""

    task: Literal["allegro_inhand_grasp", "allegro_inhand"] = "allegro_inhand"
    algo_name: Literal["ppo", "hora_distill"] = "ppo"
    profile: str = ""
    """``hora`` for the teacher profile (privileged encoder), empty otherwise."""
    sim: Literal["mujoco", "mjwarp"] = "mujoco"
    """Physics backend: ``mujoco`` (C MuJoCo on CPU threads, ``mujoco.batch``) or ``mjwarp`` (MuJoCo Warp: CUDA
    when a GPU is present, else Warp's CPU device, which is for tests only; ``hot/sim/warp_worlds.py``)."""
    env: InhandEnvCfg = field(default_factory=InhandEnvCfg)
    algo: AlgoCfg = field(default_factory=AlgoCfg)
    training: TrainingCfg = field(default_factory=TrainingCfg)


def owner_yaml(algo: str, task: str, profile: str = "") -> Path:
    """The YAML for (algo, task, profile): ``hot/data/cfg/inhand/<algo>/<task>[_<profile>].yaml``."""
    name = f"{task}_{profile}" if profile else task
    return CFG_DIR / algo / f"{name}.yaml"


def load_inhand_config(
    algo: str, task: str, profile: str = "", sim: str = "mujoco", overrides: list[str] | None = None
) -> InhandCfg:
    """Load the owner YAML strictly, set task/algo/profile/sim, then apply dotted overrides.

    Raises:
        ConfigError: unknown task / algo / profile combination, unknown key, wrong type, bad value.
    """
    if task not in TASKS:
        raise ConfigError(f"--task {task!r}: unknown in-hand task; known: {', '.join(TASKS)}")
    if algo not in ALGOS:
        raise ConfigError(f"--algo {algo!r}: unknown; known: {', '.join(ALGOS)}")
    path = owner_yaml(algo, task, profile)
    if not path.is_file():
        have = sorted(str(p.relative_to(CFG_DIR)) for p in CFG_DIR.glob("*/*.yaml"))
        raise ConfigError(
            f"no config for --algo {algo} --task {task}"
            + (f" --profile {profile}" if profile else "")
            + f" ({path} does not exist); configured: {', '.join(have)}"
        )
    data = load_yaml(path)
    data.update({"task": task, "algo_name": algo, "profile": profile, "sim": sim})
    cfg = from_dict(InhandCfg, data, source=str(path))
    if overrides:
        cfg = apply_overrides(InhandCfg, cfg, list(overrides))
    for key, want in (("task", task), ("algo_name", algo), ("profile", profile), ("sim", sim)):
        if getattr(cfg, key) != want:
            raise ConfigError(
                f"override '{key}' conflicts with the command line ({getattr(cfg, key)!r} vs {want!r})"
            )
    if cfg.sim == "mjwarp":
        from hot import sim as _sim  # light: looks the packages up without importing Warp

        if why := _sim.mjwarp_missing():
            raise ConfigError(f"--sim mjwarp: {why}")
    return cfg
