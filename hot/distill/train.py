"""``--task Distill`` / ``--task MultiObjDistill``: train a student from stacked teachers (spec §7).

The student trains on the normal rl-games loop (:func:`hot.learning.adapter.train`) with the
:class:`~hot.distill.agent.DistillAgent`; its checkpoints are ordinary ``hot`` checkpoints, so the
student runs through the normal ``--test`` path.
"""

from __future__ import annotations

import os
from typing import Any

from hot.config.strict import ConfigError
from hot.distill.agent import DistillAgent
from hot.distill.config import RouteBy, load_distill_cfg
from hot.distill.teachers import TeacherEnsemble, object_table, resolve_teachers, skill_table
from hot.learning import adapter

__all__ = ["train_distill", "ROUTE_BY_TASK"]

ROUTE_BY_TASK: dict[str, RouteBy] = {"Distill": "skill", "MultiObjDistill": "object"}
"""How each distillation task picks an env's teacher."""


def train_distill(
    env: Any,
    train_cfg: dict,
    run_dir: str | os.PathLike,
    route_by: RouteBy,
    max_epochs: int | None = None,
    resume_from: str | os.PathLike | None = None,
    init_from: str | os.PathLike | None = None,
    seed: int = 0,
    show_progress: bool = True,
    source: str = "train config",
) -> dict:
    """Distil the teachers named in ``train_cfg['params']['distill']`` into a student on ``env``.

    Returns :func:`hot.learning.adapter.train`'s result plus ``teachers`` (paths) and ``distill_log``
    (per-epoch beta, phase, expert loss, explained variance), also written to ``run_dir/distill_log.csv``.
    """
    dcfg = load_distill_cfg(train_cfg, route_by, source, env_teachers=getattr(env.cfg, "distill", None))
    specs = resolve_teachers(dcfg)
    meta = adapter.env_meta(env)
    teachers = TeacherEnsemble([s.path for s in specs], meta, env.device, dcfg.teacher_obs_clip)
    if route_by == "skill":
        dirs = dict(zip(env.lib.skill_codes.tolist(), env.clip_skill_dirs(), strict=True))
        table = skill_table(specs, env.lib.skill_codes, dirs).to(env.device)

        def route(e):
            return table[e.skill]
    elif route_by == "object":
        table = object_table(specs, [o.name for o in env.objs]).to(env.device)

        def route(e):
            return table[e.env_object]
    else:
        raise ConfigError(f"route_by must be 'skill' or 'object', got {route_by!r}")
    if teachers.action_mode != meta["action_mode"]:
        print(
            f"[hot] teachers act in '{teachers.action_mode}', the student in '{meta['action_mode']}' (its flags): "
            "each teacher action is converted to the student action with the same PD targets"
        )
    print(
        f"[hot] distilling {len(specs)} teacher(s) by {route_by}: "
        + "; ".join(f"{s.path.name} -> {s.object or ','.join(f'{c:03d}' for c in s.skills)}" for s in specs)
    )
    out = adapter.train(
        env,
        train_cfg,
        run_dir,
        max_epochs=max_epochs,
        resume_from=resume_from,
        init_from=init_from,
        seed=seed,
        show_progress=show_progress,
        make_agent=lambda **kw: DistillAgent(teachers=teachers, route=route, dcfg=dcfg, **kw),
    )
    out["distill_log"] = out["agent"].distill_log
    out["teachers"] = [str(s.path) for s in specs]
    return out
