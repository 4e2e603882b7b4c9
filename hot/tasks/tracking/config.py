"""Typed schema of the tracking-environment config (the ``--cfg_env`` YAML).

Every setting has its default here with a one-line docstring; the YAML files under
``hot/data/cfg/`` only hold what differs. Command-line flags of ``hot/run.py`` override the YAML
(as upstream), then the resolved config is saved in the run folder and in every checkpoint.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

from hot.config.strict import (
    ConfigError,
    NonNegFloat,
    NonNegInt,
    PosFloat,
    PosInt,
    Range,
    UnitFloat,
    from_dict,
    load_yaml,
)

if TYPE_CHECKING:
    from hot.sim.scene import SceneOptions

__all__ = [
    "RewardWeightsCfg",
    "RefNoiseCfg",
    "TerminationCfg",
    "SimCfg",
    "EnvCfg",
    "TeacherEntry",
    "DistillTeachersCfg",
    "TrackingCfg",
    "load_env_config",
]


@dataclass
class RewardWeightsCfg:
    """Weights of the multiplicative tracking reward (spec §5.4); factor = exp(-w * error)."""

    p: NonNegFloat = 20.0
    """Key-body positions."""
    r: NonNegFloat = 20.0
    """Finger DoF angles."""
    wp: NonNegFloat = 20.0
    """Wrist position (the 3 slide DoFs)."""
    wr: NonNegFloat = 20.0
    """Wrist rotation (quaternion from the 3 hinge DoFs)."""
    wpv: NonNegFloat = 20.0
    """Wrist linear velocity (only while the object is in contact, not for throw)."""
    op: NonNegFloat = 50.0
    """Object position."""
    orot: NonNegFloat = 200.0
    """Object rotation (upstream key ``or``)."""
    opv: NonNegFloat = 0.0
    """Object linear velocity (0 upstream, so the factor is 1)."""
    ig: NonNegFloat = 20.0
    """Interaction graph (key bodies relative to the object)."""
    cg1: NonNegFloat = 5.0
    """Defined upstream, unused; kept for config compatibility."""
    cg2: NonNegFloat = 5.0
    """Contact graph (sim contact flag vs the reference label)."""
    pen: NonNegFloat = 0.0
    """Hand-object penetration depth in cm (not upstream; 0 = no such factor)."""


@dataclass
class TerminationCfg:
    """Early-termination thresholds (spec §5.6); errors as in the metrics (cm, deg, cm)."""

    min_progress: NonNegInt = 5
    """Early termination is checked only after this many steps."""
    obj_pos_contact: PosFloat = 8.0
    """E_op limit (cm) while any hand body is in contact."""
    obj_rot_contact: PosFloat = 90.0
    """E_or limit (deg) while in contact."""
    key_pos_contact: PosFloat = 15.0
    """E_h limit (cm) while in contact."""
    obj_pos_free: PosFloat = 10.0
    """E_op limit (cm) without contact."""
    obj_rot_free: PosFloat = 90.0
    """E_or limit (deg) without contact."""
    key_pos_free: PosFloat = 20.0
    """E_h limit (cm) without contact."""


@dataclass
class RefNoiseCfg:
    """Noisy demonstrations (training only): each episode, with probability ``prob``, the *hand* part of the
    reference is offset by one constant draw, U(-s, s) per DoF: wrist position (the key bodies move with it),
    wrist hinges and finger joints. The object reference stays exact, so the policy is rewarded for holding
    and moving the object where the demonstration's hand is slightly off. Tests and ``--test`` never add it."""

    prob: UnitFloat = 0.0
    """Fraction of training episodes with a perturbed hand reference (0 = off, upstream)."""
    wrist_pos: NonNegFloat = 0.01
    """Wrist translation offset bound per axis (m)."""
    wrist_rot: NonNegFloat = 0.1
    """Offset bound of each wrist hinge DoF (rad)."""
    fingers: NonNegFloat = 0.1
    """Offset bound of each finger DoF (rad)."""


@dataclass
class SimCfg:
    """Physics settings shared by both backends."""

    backend: Literal["auto", "mujoco", "mjwarp"] = "auto"
    """C MuJoCo batched on CPU threads, MuJoCo Warp on a GPU, or auto: mjwarp when the run's device is
    CUDA and hot[gpu] is installed, else mujoco (``hot.sim.pick_backend``; ``--sim`` overrides)."""
    dt: Annotated[float, Range(gt=0.0, le=0.1)] = 1.0 / 120.0
    """Physics timestep (s)."""
    substeps: Annotated[int, Range(ge=1, le=100)] = 2
    """Physics steps per control step (control at 1/(dt*substeps) = 60 Hz)."""
    nthread: NonNegInt = 0
    """CPU threads for mujoco.batch (0 = all cores)."""
    iterations: Annotated[int, Range(ge=1, le=1000)] = 50
    """Newton solver iteration cap (``hot.sim.scene.SceneOptions.iterations``)."""
    ls_iterations: Annotated[int, Range(ge=1, le=1000)] = 20
    """Line-search iterations per Newton iteration."""
    tolerance: Annotated[float, Range(gt=0.0, le=1e-2)] = 1e-8
    """Solver tolerance."""
    noslip_iterations: Annotated[int, Range(ge=0, le=1000)] = 10
    """No-slip post-solver iterations (0 = off)."""
    cone: Literal["elliptic", "pyramidal"] = "elliptic"
    """Friction cone."""
    joint_frictionloss: bool = False
    """Keep the hand joints' dry friction (off: one solver row less per joint, ``hot.sim.scene.SceneOptions``)."""
    object_solimp: list[Annotated[float, Range(gt=0.0, lt=1.0)]] = field(
        default_factory=lambda: [0.9, 0.95, 0.001]
    )
    """Object contact impedance [dmin, dmax, width (m)] (``hot.sim.scene.SceneOptions.object_solimp``)."""
    jacobian: Literal["auto", "dense", "sparse"] = "sparse"
    """Constraint Jacobian storage (``hot.sim.scene.SceneOptions.jacobian``)."""

    def __post_init__(self) -> None:
        imp = self.object_solimp
        if len(imp) != 3 or not (0.0 < imp[0] <= imp[1] < 1.0 and imp[2] > 0.0):
            raise ValueError(
                f"object_solimp must be [dmin, dmax, width] with 0 < dmin <= dmax < 1 and width > 0 (m), got {imp}"
            )

    def scene_options(self) -> SceneOptions:
        """These settings as the simulator layer's scene options (the rest at their defaults)."""
        from hot.sim.scene import (
            SceneOptions,  # lazy: importing mujoco here would fix the GL backend too early
        )

        return SceneOptions(
            timestep=self.dt,
            iterations=self.iterations,
            ls_iterations=self.ls_iterations,
            tolerance=self.tolerance,
            noslip_iterations=self.noslip_iterations,
            cone=self.cone,
            joint_frictionloss=self.joint_frictionloss,
            jacobian=self.jacobian,
            object_solimp=(self.object_solimp[0], self.object_solimp[1], self.object_solimp[2]),
        )


@dataclass
class EnvCfg:
    """The tracking task (upstream ``env:`` section)."""

    num_envs: PosInt = 2048
    """Parallel environments (``--num_envs`` overrides)."""
    episode_length: Annotated[int, Range(ge=2)] = 60
    """Maximum steps per episode (``--episode_length``)."""
    hand_model: Literal["mano", "shadow", "allegro"] = "mano"
    """Which hand (``--hand_model``)."""
    object_names: list[str] = field(default_factory=lambda: ["Bottle"])
    """Object assets; envs are assigned objects round-robin (``--objnames``)."""
    motion_file: str = ""
    """A .pt clip or a folder searched recursively (``--motion_file``)."""
    refined_motion_file: str = ""
    """Distillation: refined motions mirroring motion_file (empty = none)."""
    state_init: str = "Random"
    """'Random' reference-state init, or an integer frame N >= 2 (``--state_init``)."""
    state_noise_prob: UnitFloat = 0.0
    """Probability of each start-state noise term (spec §5.7)."""
    enable_obj_keypoints: bool = False
    """Add object keypoints to the observation."""
    dense_obj: bool = True
    """200 dense keypoints instead of 20 sparse (set from the train config's model)."""
    enable_ig_scale: bool = False
    """Distance-dependent interaction-graph weight 2 exp(-2 d_min)."""
    action_mode: Literal["absolute", "delta", "residual"] = "absolute"
    """PD-target mode (``--use_delta_action`` / ``--use_res_action``)."""
    residual_scale: list[NonNegFloat] = field(default_factory=lambda: [0.0, 0.0, 0.0])
    """Residual-action scale [wrist slides (m), wrist hinges (rad), fingers (rad)] per unit action;
    0 keeps upstream's half joint range (±2 m / ±2π for the wrist)."""
    velocity_feedforward: Literal["all", "wrist", "none"] = "all"
    """Residual mode: PD target q* = q_ref + (kv/kp)·q̇_ref on these DoFs, so the heavily damped
    servos track the reference velocity (hot.tasks.tracking.env). 'wrist' is the behaviour before this
    option existed; checkpoints trained that way need it set again."""
    closure_bias: Annotated[float, Range(ge=0.0, le=0.5)] = 0.0
    """Residual mode: a grasp-closure prior (rad). While the reference is in contact, every finger joint
    that flexes (the datagen squeeze's joints, ``hot.datagen.closing.hand_frame``) gets its PD target this
    much further towards the closed hand, so a grasp that lands a few mm off the reference still squeezes.
    0 (default) replays the reference exactly."""
    free_residual_scale: Annotated[float, Range(gt=0.0, le=1.0)] = 1.0
    """Residual mode: factor on the whole residual while the reference is not in contact (the approach
    and after the release). Below 1 the hand follows the reference where nothing is held, so the grasp
    starts where the reference grasps, and the policy corrects in contact. 1 (default) leaves the
    residual as is."""
    enable_dof_obs: bool = False
    """Add the target contact, target DoFs and DoF residual blocks."""
    enable_early_termination: bool = False
    """Error-based early termination (spec §5.6)."""
    obj_rand_scale: bool = False
    """Per-env random object scale (independent per env, fixing upstream's shared-scale bug)."""
    obj_rand_scale_prob: UnitFloat = 0.2
    """Fraction of envs that get a random scale."""
    obj_scale_range: list[PosFloat] = field(default_factory=lambda: [0.75, 1.5])
    """Uniform range of random scales."""
    obj_scale_quantum: Annotated[float, Range(gt=0.0, le=1.0)] = 0.05
    """Scales are rounded to this step so compiled models can be shared."""
    data_fps: Annotated[float, Range(gt=0.0, le=1000.0)] = 60.0
    """Frame rate of the motion data."""
    skip_bad_motion_files: bool = False
    """Skip malformed clips with a warning instead of failing."""
    ref_noise: RefNoiseCfg = field(default_factory=RefNoiseCfg)
    """Noisy hand references while training."""
    reward_weights: RewardWeightsCfg = field(default_factory=RewardWeightsCfg)
    """Reward weights."""
    termination: TerminationCfg = field(default_factory=TerminationCfg)
    """Early-termination thresholds."""

    def __post_init__(self) -> None:
        if self.state_init != "Random":
            try:
                n = int(self.state_init)
            except ValueError:
                raise ValueError(
                    f"state_init must be 'Random' or an integer >= 2, got {self.state_init!r}"
                ) from None
            if n < 2:
                raise ValueError(f"state_init frame must be >= 2 (velocities need two past frames), got {n}")
        if len(self.obj_scale_range) != 2 or not self.obj_scale_range[0] <= self.obj_scale_range[1]:
            raise ValueError(
                f"obj_scale_range must be [low, high] with low <= high, got {self.obj_scale_range}"
            )
        if len(self.residual_scale) != 3:
            raise ValueError(f"residual_scale must be 3 numbers, got {self.residual_scale}")
        if not self.object_names:
            raise ValueError("object_names must name at least one object")


@dataclass
class TeacherEntry:
    """One teacher checkpoint and what it covers."""

    checkpoint: str = ""
    """Path of a teacher ``.pth`` (repo-relative paths work from any directory)."""
    skills: list[str] = field(default_factory=list)
    """Distill: skill names (``grasp``, ``move``, ...) or 3-digit codes this teacher drives."""
    object: str = ""
    """MultiObjDistill: the object this teacher drives (case-insensitive)."""


@dataclass
class DistillTeachersCfg:
    """The teachers of a distillation run, named in the env YAML as upstream does
    (``hot/data/cfg/skillmimic_distill.yaml``); when set, they replace the train YAML's
    ``params.distill`` teachers. Ignored by the other tasks."""

    teachers: list[TeacherEntry] = field(default_factory=list)
    """Teacher checkpoints with the skills (Distill) or the object (MultiObjDistill) each drives."""
    teacher_dir: str = ""
    """Or a folder of teachers named as upstream (see ``hot.distill.config.DistillCfg.teacher_dir``)."""


@dataclass
class TrackingCfg:
    """A whole env config file: ``env:``, ``sim:`` and (distillation only) ``distill:`` sections."""

    env: EnvCfg = field(default_factory=EnvCfg)
    sim: SimCfg = field(default_factory=SimCfg)
    distill: DistillTeachersCfg = field(default_factory=DistillTeachersCfg)


def load_env_config(path: str | Path) -> TrackingCfg:
    """Load an env YAML strictly: unknown keys or wrong types raise :class:`ConfigError`."""
    data = load_yaml(path)
    if not data:
        raise ConfigError(
            f"{path}: the env YAML is empty; it needs at least an 'env:' section (see "
            "hot/data/cfg/mano/mano_stage1_precise_track.yaml)"
        )
    # upstream spells the object-rotation weight 'or' (a Python keyword); accept that spelling
    rw = data.get("env", {}).get("reward_weights") if isinstance(data.get("env"), dict) else None
    if isinstance(rw, dict) and "or" in rw:
        if "orot" in rw:
            raise ConfigError(f"{path}: 'env.reward_weights' sets both 'or' and 'orot'")
        rw["orot"] = rw.pop("or")
    return from_dict(TrackingCfg, data, source=str(path))
