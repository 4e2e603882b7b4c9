"""The hand-object tracking environment (upstream ``SkillMimicHandRand``), one code path for every hand.

Wiring only: the simulator (``hot.sim``), the motion library (``hot.motion``) and the pure
observation / reward / termination / noise functions (``hot.envs.*``, ``hot.tasks.tracking.rewards``,
``hot.tasks.tracking.metrics``) do the work.

Time alignment (chosen on purpose, see spec §5.2): at control step t an env has taken ``t``
actions since its reset from reference frame ``s`` (its start frame). The observation at step t
holds the targets of reference frame ``s + t + 1`` — the frame the next action should reach —
and after that action the *post-step* simulator state is compared with frame ``s + t + 1`` in the
reward, errors and termination. Upstream compares a state that appears to lag one step behind;
comparing the freshly stepped state with the frame the action was aimed at removes that lag.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import torch

from hot.assets.hands import get_hand
from hot.assets.objects import get_object
from hot.config.strict import ConfigError, to_dict
from hot.motion.dataset import MotionLibrary, MultiObjectMotionLibrary
from hot.motion.io import load_folder
from hot.motion.schema import FREEMOVE_SKILL
from hot.sim import make_sim
from hot.sim.grouped import GroupedSim, block_sizes
from hot.sim.state import RefFrame, SimState
from hot.tasks.tracking.actions import action_to_targets, targets_to_actions
from hot.tasks.tracking.config import TrackingCfg
from hot.tasks.tracking.metrics.errors import compute_errors
from hot.tasks.tracking.noise import StartNoiseConfig, apply_start_noise
from hot.tasks.tracking.observations import compute_observations, make_obs_layout
from hot.tasks.tracking.rewards.composer import compute_reward
from hot.tasks.tracking.rewards.terms import object_in_contact
from hot.tasks.tracking.terminations import compute_reset

__all__ = ["TrackingEnv", "EnvMode", "FREEMOVE_SKILL"]

EnvMode = str  # "train" | "test" | "refine"


@dataclass
class _Episode:
    clip: torch.Tensor  # (N,) clip index
    start: torch.Tensor  # (N,) start frame
    progress: torch.Tensor  # (N,) actions taken since reset
    length: torch.Tensor  # (N,) episode length for the timeout


class TrackingEnv:
    """N parallel envs tracking reference hand-object clips.

    Args:
        cfg: resolved tracking config.
        device: torch device of observations, rewards and the motion library.
        mode: ``"train"`` (random clips and start frames, auto-reset), ``"test"`` (env i plays
            clip i mod C from ``state_init`` for ``episode_length`` steps) or ``"refine"``
            (as test but from frame 0, for ``--save_refined_data``).
        seed: seeds clip sampling, noise and object scales.
        library: an already loaded motion library (else loaded from ``cfg.env.motion_file``).
        refined_as_obs: with ``cfg.env.refined_motion_file``, the observation's targets come from the
            refined motion too (upstream ``--refined_motion_as_obs``); the teacher's observation
            (:attr:`teacher_obs`) always uses the original motion.

    Several objects (``cfg.env.object_names`` with more than one name): object ``o`` owns a
    contiguous block of envs (:attr:`env_object`), its clips are read from ``motion_file/<object>``
    and an env only ever samples clips of its own object (fixing upstream's MultiObjDistill, spec
    §7.3). A refined motion (``cfg.env.refined_motion_file``) must mirror the original clip for clip
    (same file names); rewards, errors and terminations are then measured against it.
    """

    def __init__(
        self,
        cfg: TrackingCfg,
        device: str | torch.device = "cpu",
        mode: EnvMode = "train",
        seed: int = 0,
        library: MotionLibrary | None = None,
        refined_as_obs: bool = False,
    ) -> None:
        if mode not in ("train", "test", "refine"):
            raise ValueError(f"mode must be train, test or refine, got {mode!r}")
        e = cfg.env
        self.cfg = cfg
        self.mode = mode
        self.device = torch.device(device)
        self.hand = get_hand(e.hand_model)
        self.objs = [get_object(name) for name in e.object_names]
        if len({o.name for o in self.objs}) != len(self.objs):
            raise ConfigError(f"env.object_names lists an object twice: {e.object_names}")
        self.obj = self.objs[0]
        self.multi: MultiObjectMotionLibrary | None = None
        if library is None:
            if not e.motion_file:
                raise ConfigError("env.motion_file is empty: pass --motion_file FILE_OR_FOLDER")
            clips, paths = self._load_clips(e.motion_file)
            if len(self.objs) > 1:
                self.multi = MultiObjectMotionLibrary(
                    clips,
                    paths,
                    object_names=[o.name.lower() for o in self.objs],
                    fps=e.data_fps,
                    device=self.device,
                )
                library = self.multi.library
            else:
                library = MotionLibrary(clips, paths=paths, fps=e.data_fps, device=self.device)
        elif len(self.objs) > 1:
            raise ConfigError(
                "a pre-loaded motion library is single-object; load multi-object clips from a folder"
            )
        if library.num_dofs != self.hand.num_dofs or library.num_key_bodies != self.hand.num_key_bodies:
            raise ConfigError(
                f"motion clips have {library.num_dofs} DoFs / {library.num_key_bodies} key bodies but hand "
                f"'{self.hand.name}' has {self.hand.num_dofs} / {self.hand.num_key_bodies}"
            )
        self._check_state_init(library)
        self.lib = library
        self.refined: MotionLibrary | None = (
            self._load_refined(e.refined_motion_file) if e.refined_motion_file else None
        )
        if refined_as_obs and self.refined is None:
            raise ConfigError("--refined_motion_as_obs needs --refined_motion_file")
        self.refined_as_obs = bool(refined_as_obs)
        self.num_envs = n = e.num_envs
        self.gen = torch.Generator(device=self.device).manual_seed(int(seed))

        scales = torch.ones(n)
        if e.obj_rand_scale:
            cpu_gen = torch.Generator().manual_seed(int(seed) + 7919)
            lo, hi = e.obj_scale_range
            pick = torch.rand(n, generator=cpu_gen) < e.obj_rand_scale_prob
            scales = torch.where(pick, lo + (hi - lo) * torch.rand(n, generator=cpu_gen), scales)
        sizes = block_sizes(n, len(self.objs))
        self.env_object = torch.repeat_interleave(torch.arange(len(self.objs)), torch.tensor(sizes)).to(
            self.device
        )
        sims = []
        start = 0
        for obj, size in zip(self.objs, sizes, strict=True):
            sims.append(
                make_sim(
                    cfg.sim.backend,
                    self.hand,
                    obj,
                    size,
                    scales=scales[start : start + size],
                    nthread=cfg.sim.nthread or None,
                    device=self.device,
                    scale_step=e.obj_scale_quantum,
                    options=cfg.sim.scene_options(),
                )
            )
            start += size
        self.sim = sims[0] if len(sims) == 1 else GroupedSim(sims)
        self.substeps = cfg.sim.substeps
        # keypoints scaled by the scale each world really simulates
        kps = [
            torch.as_tensor(o.keypoints(dense=e.dense_obj, scale=1.0), dtype=torch.float32) for o in self.objs
        ]
        if len({k.shape for k in kps}) != 1:
            raise ConfigError(
                "objects "
                + ", ".join(f"{o.name} ({k.shape[0]} keypoints)" for o, k in zip(self.objs, kps, strict=True))
                + " have different keypoint counts; one run needs one observation size"
            )
        kp = kps[0]
        per_env = torch.stack(kps).to(self.device)[self.env_object]
        self.keypoints_o = per_env * self.sim.object_scales.to(self.device).view(n, 1, 1)
        self.obs_layout = make_obs_layout(
            self.hand.num_dofs,
            self.hand.num_key_bodies,
            len(self.hand.contact_bodies),
            kp.shape[0],
            enable_obj_keypoints=e.enable_obj_keypoints,
            enable_dof_obs=e.enable_dof_obs,
        )
        self.num_obs = self.obs_layout.dim
        self.num_actions = self.hand.num_dofs
        lim = self.sim.dof_limits.to(self.device)
        self.lower, self.upper = lim[:, 0], lim[:, 1]
        self.ff_gain, self.residual_scale = self._action_space(e.velocity_feedforward, e.residual_scale)
        # convert_actions' cache: (ff gain, residual scale, closure offset, free scale) of other action spaces
        self._other_spaces: dict[
            tuple, tuple[torch.Tensor, torch.Tensor, torch.Tensor | None, torch.Tensor | None]
        ] = {}
        self.closure = self._closure_offset(e.closure_bias) if e.action_mode == "residual" else None
        self.free_scale = (
            self._free_scale(self.residual_scale, e.free_residual_scale)
            if e.action_mode == "residual"
            else None
        )
        self.weights = e.reward_weights
        self.thresholds = e.termination
        self.noise = StartNoiseConfig(prob=e.state_noise_prob)
        # noisy hand references (training only): per-env constant offsets of the reference DoFs
        self.ref_offset = (
            torch.zeros(self.num_envs, self.hand.num_dofs, device=self.device)
            if self.mode == "train" and e.ref_noise.prob > 0
            else None
        )
        self.fixed_start = None if e.state_init == "Random" else int(e.state_init)
        zeros = torch.zeros(n, dtype=torch.long, device=self.device)
        self.ep = _Episode(
            clip=zeros.clone(), start=zeros.clone(), progress=zeros.clone(), length=zeros.clone()
        )
        self.skill = zeros.clone()
        self.diverged_count = 0
        self._test_clip_cursor = 0
        self._object_cursor: dict[int, int] = {}
        self.teacher_obs: torch.Tensor | None = None
        self.last_state: SimState | None = None
        self._obs_ref: RefFrame | None = None
        self.last_ref: RefFrame | None = None
        self.last_errors: dict[str, torch.Tensor] | None = None

    # ------------------------------------------------------------------ loading

    def _load_folder(self, path):
        e = self.cfg.env
        return load_folder(
            path,
            num_dofs=self.hand.num_dofs,
            num_key_bodies=self.hand.num_key_bodies,
            min_frames=3,
            skip_bad=e.skip_bad_motion_files,
        )

    def _check_clip_objects(self, paths: list, obj) -> None:
        """Refuse clips whose file name names another known object (``001_Bottle_0_29-0.pt`` is Bottle's)."""
        from hot.assets.objects import list_objects

        known = {n.lower(): n for n in list_objects()}
        for p in paths:
            parts = Path(p).name.split("_")
            named = parts[1].lower() if len(parts) > 2 else ""
            if named in known and named != obj.name.lower():
                raise ConfigError(
                    f"--motion_file: clip {p} is a {known[named]} clip (its file name says so) but the env's object "
                    f"is {obj.name}: pass --objnames {known[named]}, or the {obj.name} clips"
                )

    def _check_state_init(self, library) -> None:
        """A fixed start frame must leave at least one step in every clip (it was silently clamped)."""
        e = self.cfg.env
        if e.state_init == "Random":
            return
        shortest = int(library.lengths.min())
        if int(e.state_init) >= shortest - 1:
            raise ConfigError(
                f"--state_init {e.state_init}: the shortest clip has {shortest} frames, so the start frame must be "
                f"below {shortest - 1}"
            )

    def _load_clips(self, root: str) -> tuple[list, list]:
        """Clips and paths under ``root``; with several objects, from ``root/<object>`` per object."""
        if len(self.objs) == 1:
            folder = self._load_folder(root)
            self._check_clip_objects(folder.paths, self.objs[0])
            return folder.clips, folder.paths
        clips, paths = [], []
        for obj in self.objs:
            sub = Path(root) / obj.name.lower()
            if not sub.is_dir():
                have = (
                    sorted(d.name for d in Path(root).iterdir() if d.is_dir()) if Path(root).is_dir() else []
                )
                raise ConfigError(
                    f"--motion_file {root}: no folder '{sub.name}' for object {obj.name} "
                    f"(multi-object runs read <motion_file>/<object>/...; found {have})"
                )
            folder = self._load_folder(sub)
            self._check_clip_objects(folder.paths, obj)
            clips += folder.clips
            paths += folder.paths
        return clips, paths

    def _load_refined(self, root: str) -> MotionLibrary:
        """The refined motion, reordered to mirror :attr:`lib` clip for clip (matched by file name)."""
        if self.lib.paths is None:
            raise ConfigError("a refined motion needs the original clips loaded from files")
        clips, paths = self._load_clips(root)  # with several objects, from root/<object> as the originals
        by_name: dict[str, int] = {}
        for i, path in enumerate(paths):
            if path.name in by_name:
                raise ConfigError(
                    f"--refined_motion_file {root}: file name {path.name} appears twice "
                    f"({paths[by_name[path.name]]} and {path})"
                )
            by_name[path.name] = i
        order = []
        for path in self.lib.paths:
            if path.name not in by_name:
                raise ConfigError(
                    f"--refined_motion_file {root} does not mirror --motion_file: no refined file {path.name} "
                    f"for {path} (the first missing one)"
                )
            order.append(by_name[path.name])
        return MotionLibrary(
            [clips[i] for i in order],
            paths=[paths[i] for i in order],
            skill_codes=self.lib.skill_codes.tolist(),
            fps=self.cfg.env.data_fps,
            device=self.device,
        )

    def clip_length(self, clips: torch.Tensor) -> torch.Tensor:
        """Usable frames of ``clips``: the shorter of the original and the refined clip."""
        lengths = self.lib.clip_length(clips)
        if self.refined is not None:
            lengths = torch.minimum(lengths, self.refined.clip_length(clips))
        return lengths

    # ------------------------------------------------------------------ public API

    def metadata(self) -> dict:
        """What a checkpoint must agree with (hand, observation layout, action mode) + the config."""
        return {
            "hand": self.hand.name,
            "obs_layout": [[k, s.start, s.stop] for k, s in self.obs_layout.items()],
            "num_actions": self.num_actions,
            "action_mode": self._action_mode_tag(),
            "config": to_dict(self.cfg),
        }

    def _closure_offset(self, bias: float) -> torch.Tensor | None:
        """``(D,)`` PD-target offset of the grasp-closure prior (``EnvCfg.closure_bias``), None when 0:
        ``bias`` rad towards the closed hand on each finger joint the datagen squeeze flexes."""
        if bias <= 0:
            return None
        from hot.datagen.closing import hand_frame

        frame = hand_frame(self.hand)
        out = torch.zeros(self.hand.num_dofs, device=self.device)
        n = len(self.hand.finger_dof_names)
        out[-n:] = bias * torch.sign(torch.as_tensor(frame.closed - frame.opened, dtype=torch.float32))
        return out

    def _free_scale(self, scale: torch.Tensor, factor: float) -> torch.Tensor | None:
        """``(D,)`` residual scale while the reference is not in contact (``EnvCfg.free_residual_scale``):
        ``scale * factor``; None when the factor is 1."""
        return None if factor >= 1.0 else scale * factor

    @staticmethod
    def _scale_now(scale: torch.Tensor, free: torch.Tensor | None, touching: torch.Tensor) -> torch.Tensor:
        """The residual scale per env ``(N, D)`` (or ``(D,)`` without a free scale): ``scale`` where
        ``touching (N, 1)``, else ``free``."""
        return scale if free is None else torch.where(touching, scale, free)

    def _action_space(
        self, feedforward: str, residual_scale: list[float]
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """``(ff_gain (D,), residual_scale (D,))`` of an action space: the velocity feed-forward gain
        kv/kp per DoF and the residual scale per DoF (half the joint range where a scale is 0)."""
        gains = self.sim.pd_gains.to(self.device)
        ff_gain = gains[:, 1] / gains[:, 0].clamp_min(1e-9)
        if feedforward == "wrist":
            ff_gain[6:] = 0.0
        elif feedforward == "none":
            ff_gain.zero_()
        half = 0.5 * (self.upper - self.lower)
        rs = residual_scale
        scale = torch.cat(
            [
                torch.full((3,), rs[0], device=self.device) if rs[0] > 0 else half[:3],
                torch.full((3,), rs[1], device=self.device) if rs[1] > 0 else half[3:6],
                torch.full((self.hand.num_finger_dofs,), rs[2], device=self.device)
                if rs[2] > 0
                else half[6:],
            ]
        )
        return ff_gain, scale

    def _pd_frame(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """``(current dof_pos, reference dof_pos, reference dof_vel)`` (N, D) that the next action aims at,
        and that frame's contact label (N,)."""
        ep = self.ep
        # the frame this action aims at was already looked up for the last observation
        ref_next = (
            self._obs_ref
            if self._obs_ref is not None
            else self._ref_frames(self.lib, ep.clip, ep.start + ep.progress + 1)
        )
        cur = self.last_state if self.last_state is not None else self.sim.state()
        return cur.dof_pos, ref_next.dof_pos, ref_next.dof_vel, ref_next.contact

    def convert_actions(self, actions: torch.Tensor, env_cfg: dict) -> torch.Tensor:
        """Actions (N, D) of a policy trained with env settings ``env_cfg`` (a checkpoint's saved
        ``action_mode``, ``residual_scale``, ``velocity_feedforward``) -> the actions in this env's
        action space that give the same PD targets now (clipped where this space cannot reach them).

        Distillation uses it when the student's action mode (its command-line flags) differs from the
        teachers'. An identical action space returns ``actions`` unchanged.
        """
        e = self.cfg.env
        mode = env_cfg.get("action_mode", e.action_mode)
        rs = list(env_cfg.get("residual_scale", e.residual_scale))
        ff = env_cfg.get("velocity_feedforward", e.velocity_feedforward)
        closure = float(env_cfg.get("closure_bias", 0.0)) if mode == "residual" else 0.0
        own_closure = e.closure_bias if e.action_mode == "residual" else 0.0
        free = float(env_cfg.get("free_residual_scale", 1.0)) if mode == "residual" else 1.0
        own_free = e.free_residual_scale if e.action_mode == "residual" else 1.0
        same_residual = mode != "residual" or (
            rs == list(e.residual_scale)
            and ff == e.velocity_feedforward
            and closure == own_closure
            and free == own_free
        )
        if mode == e.action_mode and same_residual:
            return actions
        dof_pos, ref_q, ref_qd, contact = self._pd_frame()
        key = (ff, tuple(rs), closure, free)  # called every distillation step: build the teacher's space once
        if key not in self._other_spaces:
            offset = self._closure_offset(closure)
            gains, their_scale = self._action_space(ff, rs)
            self._other_spaces[key] = (gains, their_scale, offset, self._free_scale(their_scale, free))
        ff_gain, scale, offset, their_free = self._other_spaces[key]
        touching = (contact > 0.5).unsqueeze(-1)
        their_ref = ref_q + ff_gain * ref_qd
        if offset is not None:
            their_ref = their_ref + offset * touching
        targets = action_to_targets(
            actions.to(self.device, torch.float32),
            mode,
            dof_pos,
            their_ref,
            self.lower,
            self.upper,
            residual_scale=self._scale_now(scale, their_free, touching),
        )
        own_ref = ref_q + self.ff_gain * ref_qd if e.action_mode == "residual" else ref_q
        if self.closure is not None:
            own_ref = own_ref + self.closure * touching
        return targets_to_actions(
            targets,
            e.action_mode,
            dof_pos,
            own_ref,
            self.lower,
            self.upper,
            residual_scale=self._scale_now(self.residual_scale, self.free_scale, touching),
        )

    def _action_mode_tag(self) -> str:
        """How actions become PD targets; a checkpoint must match it. Wrist-only feed-forward (the
        behaviour before ``velocity_feedforward`` existed) adds nothing, so older checkpoints match."""
        e = self.cfg.env
        if e.action_mode != "residual":
            return e.action_mode
        ff = "" if e.velocity_feedforward == "wrist" else f" ff={e.velocity_feedforward}"
        closure = f" closure={e.closure_bias:g}" if e.closure_bias > 0 else ""
        free = f" free={e.free_residual_scale:g}" if e.free_residual_scale < 1 else ""
        return f"{e.action_mode} scale={e.residual_scale}{ff}{closure}{free}"

    def reset(self) -> torch.Tensor:
        """Reset every env; returns observations ``(N, num_obs)``."""
        self._reset_envs(torch.arange(self.num_envs, device=self.device))
        return self._observe(self.sim.state())

    def step(self, actions: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, dict]:
        """Apply ``actions (N, D)`` in [-1, 1]; returns ``(obs, reward, done, info)``.

        ``info``: ``time_outs`` and ``terminate`` (N,) bool, ``episode_terms`` (dict of float means
        of every reward factor and error for logging), ``diverged`` (N,) bool.
        Envs that are done are reset before the observation is computed.
        """
        actions = actions.to(self.device, torch.float32)
        ep = self.ep
        # the frame this action aims at was already looked up for the last observation
        ref_next = (
            self._obs_ref
            if self._obs_ref is not None
            else self._ref_frames(self.lib, ep.clip, ep.start + ep.progress + 1)
        )
        cur = self.last_state if self.last_state is not None else self.sim.state()
        ref_q = ref_next.dof_pos
        if self.cfg.env.action_mode == "residual":
            # velocity feed-forward: with q* = q_ref + (kv/kp)·q̇_ref the actuator force is
            # kp(q_ref - q) + kv(q̇_ref - q̇), i.e. PD tracking of the reference *velocity* too;
            # without it the heavily damped wrist (kv/kp = 0.4 s) lagged the 5 mm/frame approach of
            # the grasp clips by 5-7 cm (open-loop key-body error 7.6 cm, 0.6 cm with it), and the
            # fingers (kv/kp ~ 0.2 s) stopped 0.02-0.04 rad short of the grasp after the 20 hold
            # frames, never touching the object (open-loop grasp success 0 % -> 100 % on 10 clips)
            ref_q = ref_q + self.ff_gain * ref_next.dof_vel
            touching = (ref_next.contact > 0.5).unsqueeze(-1)
            if self.closure is not None:
                ref_q = ref_q + self.closure * touching
            scale = self._scale_now(self.residual_scale, self.free_scale, touching)
        else:
            scale = self.residual_scale
        targets = action_to_targets(
            actions,
            self.cfg.env.action_mode,
            cur.dof_pos,
            ref_q,
            self.lower,
            self.upper,
            residual_scale=scale,
        )
        self.sim.set_targets(targets)
        self.sim.step(self.substeps)
        ep.progress += 1
        state = self.sim.state()
        # rewards, errors and terminations follow the refined motion when there is one (spec §7.1)
        ref = (
            ref_next
            if self.refined is None
            else self._ref_frames(self.refined, ep.clip, ep.start + ep.progress)
        )
        obj_contact = object_in_contact(state.obj_contact_force)
        reward, terms = compute_reward(
            state, ref, self.keypoints_o, self.weights, self.skill, self.cfg.env.enable_ig_scale, obj_contact
        )
        errors = compute_errors(state, ref, self.keypoints_o)
        test_len = self.cfg.env.episode_length if self.mode != "train" else None
        reset, terminate = compute_reset(
            ep.progress,
            errors["E_op"],
            errors["E_or"],
            errors["E_h"],
            state.hand_contact,
            ep.length,
            enable_early_termination=self.cfg.env.enable_early_termination,
            test_episode_length=test_len,
            thresholds=self.thresholds,
        )
        diverged = self.sim.diverged().to(self.device)
        finite = torch.isfinite(reward)
        diverged = diverged | ~finite
        if diverged.any():
            if bool(diverged.all()) and self.num_envs > 1:
                # nothing can be learnt or measured from here on (e.g. sim.dt < 0 or far too large)
                raise ConfigError(
                    f"every one of the {self.num_envs} worlds diverged in the same step (dt {self.cfg.sim.dt} s x "
                    f"{self.substeps} substeps): the physics settings or the clips are unstable; check sim.dt and "
                    "sim.substeps of the env YAML"
                )
            self.diverged_count += int(diverged.sum())
            reward = torch.where(diverged, torch.zeros_like(reward), reward)
            terminate = terminate | diverged
            reset = reset | diverged
        self.last_state, self.last_ref, self.last_errors = state, ref, errors
        # logged means exclude diverged worlds (their state is garbage until they are reset)
        ok = ~diverged
        if not diverged.any():
            episode_terms = {k: float(v.float().mean()) for k, v in terms.items()}
            episode_terms.update({k: float(errors[k].mean()) for k in ("E_op", "E_or", "E_h")})
            episode_terms["penetration_mm"] = float(state.penetration.mean() * 1000.0)
        elif ok.any():
            episode_terms = {k: float(v.float()[ok].mean()) for k, v in terms.items()}
            episode_terms.update({k: float(errors[k][ok].mean()) for k in ("E_op", "E_or", "E_h")})
            episode_terms["penetration_mm"] = float(state.penetration[ok].mean() * 1000.0)
        else:
            episode_terms = {}
        episode_terms["diverged_total"] = float(self.diverged_count)
        info = {
            "time_outs": reset & ~terminate,
            "terminate": terminate,
            "diverged": diverged,
            "episode_terms": episode_terms,
        }
        if self.mode == "train" and reset.any():
            self._reset_envs(reset.nonzero().squeeze(-1))
            state = self.sim.state()
        obs = self._observe(state)
        self.last_state = state
        return obs, reward, reset, info

    # ------------------------------------------------------------------ internals

    def _observe(self, state: SimState) -> torch.Tensor:
        """Observation of ``state``; also sets :attr:`teacher_obs` (targets from the original motion)."""
        ep = self.ep
        frames = ep.start + ep.progress + 1
        ref_next = self._ref_frames(self.lib, ep.clip, frames)
        self._obs_ref = ref_next
        freemove = self.skill == FREEMOVE_SKILL
        mask = freemove if freemove.any() else None
        obs = compute_observations(state, ref_next, self.keypoints_o, self.obs_layout, freemove_mask=mask)
        self.teacher_obs = obs
        if self.refined_as_obs:
            assert self.refined is not None  # __init__ refuses refined_as_obs without refined data
            ref_obs = self._ref_frames(self.refined, ep.clip, frames)
            obs = compute_observations(state, ref_obs, self.keypoints_o, self.obs_layout, freemove_mask=mask)
        self.last_state = state
        return obs

    def _pick_clips(self, env_ids: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        m = env_ids.numel()
        if self.mode == "train":
            if self.multi is not None:  # only clips of each env's own object
                clips = self.multi.sample_clips_for_objects(self.env_object[env_ids], self.gen)
            else:
                clips = self.lib.sample_clips(m, self.gen)
            if self.fixed_start is None:
                starts = self.lib.sample_start_frames(clips, self.gen)
            else:
                starts = torch.full_like(clips, self.fixed_start)
        elif self.multi is not None:
            # deterministic per object: its envs play its clips in order
            objs = self.env_object[env_ids]
            clips = torch.empty(m, dtype=torch.long, device=self.device)
            for o in range(len(self.objs)):
                rows = (objs == o).nonzero().squeeze(-1)
                members = (self.multi.clip_object_ids == o).nonzero().squeeze(-1)
                cursor = self._object_cursor.get(o, 0)
                clips[rows] = members[
                    (torch.arange(rows.numel(), device=self.device) + cursor) % members.numel()
                ]
                self._object_cursor[o] = (cursor + rows.numel()) % members.numel()
            start = 0 if self.mode == "refine" else (self.fixed_start if self.fixed_start is not None else 2)
            starts = torch.full_like(clips, start)
        else:
            # deterministic: env i plays clip (cursor + i) mod C
            c = self.lib.num_clips
            clips = (torch.arange(m, device=self.device) + self._test_clip_cursor) % c
            self._test_clip_cursor = (self._test_clip_cursor + m) % c
            start = 0 if self.mode == "refine" else (self.fixed_start if self.fixed_start is not None else 2)
            starts = torch.full_like(clips, start)
        lengths = self.clip_length(clips)
        starts = torch.minimum(starts, (lengths - 2).clamp_min(0))
        return clips, starts

    def _reset_envs(self, env_ids: torch.Tensor) -> None:
        env_ids = env_ids.to(self.device)
        if env_ids.numel() == 0:
            return
        self._obs_ref = None  # the cached target frame no longer matches these envs
        clips, starts = self._pick_clips(env_ids)
        lengths = self.clip_length(clips)
        ep = self.ep
        ep.clip[env_ids] = clips
        ep.start[env_ids] = starts
        ep.progress[env_ids] = 0
        ep.length[env_ids] = torch.clamp(lengths - starts, max=self.cfg.env.episode_length)
        self.skill[env_ids] = self.lib.skill_codes[clips]
        if self.ref_offset is not None:
            self._draw_ref_offsets(env_ids)
        init = self.lib.initial_state(clips, starts)
        if self.mode == "train" and self.noise.prob > 0:
            init = apply_start_noise(init, init["contact"], self.noise, self.gen)
        self.sim.reset(
            env_ids,
            init["dof_pos"],
            init["dof_vel"],
            init["obj_pos"],
            init["obj_rot"],
            init["obj_lin_vel"],
            init["obj_ang_vel"],
        )

    def _ref_frames(self, lib: MotionLibrary, clips: torch.Tensor, frames: torch.Tensor) -> RefFrame:
        """Reference frames of ``lib``, with each env's hand offset (``env.ref_noise``) while training."""
        ref = lib.ref_frames(clips, frames)
        if self.ref_offset is None:
            return ref
        shift = self.ref_offset[:, None, :3]
        return dataclasses.replace(ref, dof_pos=ref.dof_pos + self.ref_offset, key_pos=ref.key_pos + shift)

    def _draw_ref_offsets(self, env_ids: torch.Tensor) -> None:
        """New constant hand-reference offsets for the envs being reset (zero with probability 1 - prob)."""
        assert self.ref_offset is not None  # only called with reference noise on
        rn = self.cfg.env.ref_noise
        d = self.ref_offset.shape[1]
        bound = torch.full((d,), rn.fingers, device=self.device)
        bound[:3], bound[3:6] = rn.wrist_pos, rn.wrist_rot
        m = env_ids.numel()
        u = torch.rand(m, d, generator=self.gen, device=self.device) * 2 - 1
        on = torch.rand(m, 1, generator=self.gen, device=self.device) < rn.prob
        self.ref_offset[env_ids] = u * bound * on

    # ------------------------------------------------------------------ helpers for tools

    def clip_skill_dirs(self) -> list[str]:
        """Per clip, the name of its skill folder (e.g. ``grasp_higher_kp``), for the metrics."""
        if self.lib.paths is None:
            return [f"{int(c):03d}" for c in self.lib.skill_codes.tolist()]
        return [p.parent.name for p in self.lib.paths]

    @property
    def control_dt(self) -> float:
        return self.cfg.sim.dt * self.substeps
