"""Training of the flow-matching generator on the project's synthetic clips.

``python -m hot.generate.train [--out FILE]`` trains on
:data:`hot.generate.data.DEFAULT_ROOTS` (every MANO skill and object with clips), printing loss, speed
and ETA, and writes the EMA weights atomically every ``train.ckpt_every`` steps and at the end.
``--set train.steps=2000`` (dotted overrides, checked by :mod:`hot.config.strict`) changes settings.
Without ``--out`` the run gets a folder of the shared scheme (:mod:`hot.utils.runs`),
``logs/flow/Generate/<timestamp>_torch/`` with the resolved settings in ``config.yaml`` and the weights in
``nn/mano_flow.pt``; copy them to :data:`hot.generate.checkpoint.DEFAULT_CHECKPOINT` to ship them.
"""

from __future__ import annotations

import argparse
import copy
import math
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import torch

from hot.config.strict import ConfigError, apply_overrides
from hot.generate.checkpoint import DEFAULT_CHECKPOINT, Generator, build_model, save_generator
from hot.generate.conditions import Normalizer, condition_from_knots
from hot.generate.config import GenerateConfig
from hot.generate.data import DEFAULT_ROOTS, SKILL_NAMES, ClipSet, build_clipset, feature_stats
from hot.generate.features import layout, obj_init_of, rotate_yaw
from hot.generate.flow import flow_matching_loss

__all__ = ["train", "dataset_metadata", "main"]


def dataset_metadata(data: ClipSet, num_fingers: int, per_pair: int = 8) -> tuple[dict, dict]:
    """``starts`` and ``lengths`` metadata (see :class:`hot.generate.checkpoint.Generator`)."""
    lay = layout(num_fingers)
    starts: dict[str, dict[str, list[list[float]]]] = {}
    lengths: dict[str, list[int]] = {}
    for i in range(len(data)):
        obj, skill = data.objects[int(data.obj_index[i])], SKILL_NAMES[int(data.skill[i])]
        rows = starts.setdefault(obj, {}).setdefault(skill, [])
        if len(rows) < per_pair:
            o = obj_init_of(data.knots[i], num_fingers)
            rows.append([float(v) for v in (*data.origins[i].tolist(), *o.tolist())])
        t = int(round(math.exp(float(data.knots[i, 0, lay["log_len"]].item()))))
        lo, hi = lengths.get(skill, [t, t])
        lengths[skill] = [min(lo, t), max(hi, t)]
    return starts, lengths


def train(
    cfg: GenerateConfig,
    data: ClipSet,
    num_fingers: int,
    out: str | Path | None = None,
    log: Callable[[str], None] = print,
) -> tuple[Generator, list[float]]:
    """Train a generator on ``data``; returns it (EMA weights) and the loss of every step.

    With ``out`` the EMA weights are written there every ``cfg.train.ckpt_every`` steps and at the end.
    """
    tc = cfg.train
    torch.manual_seed(tc.seed)
    torch.set_num_threads(tc.threads)
    g = torch.Generator().manual_seed(tc.seed)
    mean, std = feature_stats(data, num_fingers, seed=tc.seed)
    norm = Normalizer(mean, std, num_fingers)
    model = build_model(cfg, num_fingers, len(SKILL_NAMES))
    ema = copy.deepcopy(model).eval()
    for p in ema.parameters():
        p.requires_grad_(False)
    opt = torch.optim.AdamW(model.parameters(), lr=tc.lr, weight_decay=tc.weight_decay)

    def lr_at(step: int) -> float:
        if step < tc.warmup:
            return tc.lr * (step + 1) / tc.warmup
        frac = (step - tc.warmup) / max(1, tc.steps - tc.warmup)
        return tc.lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * frac)))

    starts, lengths = dataset_metadata(data, num_fingers)
    n_params = sum(p.numel() for p in model.parameters())
    gen = Generator(cfg, ema, norm, list(SKILL_NAMES), list(data.objects), starts, lengths, {})
    log(
        f"[generate] training on {len(data)} clips ({', '.join(data.objects)}), {n_params / 1e6:.2f} M parameters"
    )
    kps_all = data.keypoints[data.obj_index]
    losses: list[float] = []
    t0 = time.time()
    for step in range(tc.steps):
        idx = torch.randint(0, len(data), (tc.batch_size,), generator=g)
        knots, kps = data.knots[idx], kps_all[idx]
        if tc.yaw_augment:
            ang = torch.rand(len(idx), generator=g) * 2 * math.pi
            knots, kps = rotate_yaw(knots, kps, ang, num_fingers)
        hand_mask = torch.rand(len(idx), generator=g) >= tc.drop_hand_init
        obj_mask = torch.rand(len(idx), generator=g) >= tc.drop_obj_init
        cond = condition_from_knots(norm, knots, data.skill[idx], kps, hand_mask, obj_mask)
        for group in opt.param_groups:
            group["lr"] = lr_at(step)
        loss = flow_matching_loss(model, norm.norm(knots), cond, generator=g)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        with torch.no_grad():
            decay = min(tc.ema, (1 + step) / (10 + step))
            for pe, pm in zip(ema.parameters(), model.parameters(), strict=True):
                pe.mul_(decay).add_(pm.detach(), alpha=1 - decay)
        losses.append(float(loss.detach()))
        done = step + 1
        if done % tc.log_every == 0 or done == tc.steps:
            el = time.time() - t0
            recent = sum(losses[-tc.log_every :]) / len(losses[-tc.log_every :])
            eta = el / done * (tc.steps - done)
            log(
                f"[generate] step {done}/{tc.steps} loss {recent:.4f} lr {lr_at(step):.2e} "
                f"{done / el:.1f} steps/s elapsed {el / 60:.1f} min ETA {eta / 60:.1f} min"
            )
        if out is not None and (done % tc.ckpt_every == 0 or done == tc.steps):
            gen.training = {
                "steps": done,
                "wall_s": round(time.time() - t0, 1),
                "threads": tc.threads,
                "clips": len(data),
                "final_loss": round(sum(losses[-200:]) / len(losses[-200:]), 5),
                "data": sorted({str(Path(p).parents[2].name) for p in data.paths}),
            }
            save_generator(out, gen)
    return gen, losses


def new_run_checkpoint(cfg: GenerateConfig, data: Sequence[str], root: str | Path = "logs") -> Path:
    """``<root>/flow/Generate/<timestamp>_torch/nn/mano_flow.pt`` in a new run folder whose ``config.yaml``
    holds ``cfg`` and the dataset roots."""
    import yaml

    from hot.config.strict import to_dict
    from hot.utils.files import atomic_write_text
    from hot.utils.runs import new_run

    run = new_run(root, "flow", "Generate", "torch", flag="--out")
    text = yaml.safe_dump({"generate": to_dict(cfg), "data": [str(d) for d in data]}, sort_keys=False)
    atomic_write_text(run / "config.yaml", text)
    (run / "nn").mkdir()
    return run / "nn" / DEFAULT_CHECKPOINT.name


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="Train the flow-matching hand-object motion generator.")
    p.add_argument(
        "--out",
        default="",
        help=f"checkpoint to write (default: nn/mano_flow.pt in a new run folder logs/flow/Generate/"
        f"<timestamp>_torch/; the shipped one is {DEFAULT_CHECKPOINT})",
    )
    p.add_argument("--data", nargs="+", default=list(DEFAULT_ROOTS), help="dataset roots (MANO clips)")
    p.add_argument("--cache", default=None, help="optional .pt cache of the encoded clips (made if missing)")
    p.add_argument(
        "--set", nargs="*", default=[], metavar="KEY=VALUE", help="config overrides, e.g. train.steps=2000"
    )
    args = p.parse_args(argv)
    try:
        cfg = apply_overrides(GenerateConfig, GenerateConfig(), args.set, source="--set")
    except ConfigError as e:
        print(f"hot generate train: {e}", file=sys.stderr)
        return 2
    from hot.assets.hands import get_hand

    hand = get_hand(cfg.hand)
    nf = hand.num_finger_dofs
    cache = Path(args.cache) if args.cache else None
    if cache is not None and cache.is_file():
        raw = torch.load(cache, weights_only=True)
        data = ClipSet(**raw)
        print(f"[generate] {len(data)} clips from cache {cache}")
    else:
        data = build_clipset(args.data, cfg.model.num_knots, hand.num_dofs)
        if cache is not None:
            from hot.utils.files import atomic_torch_save

            atomic_torch_save(vars(data), cache)
    out = Path(args.out) if args.out else new_run_checkpoint(cfg, args.data)
    gen, _ = train(cfg, data, nf, out=out, log=lambda s: print(s, flush=True))
    print(f"[generate] wrote {out} ({gen.training})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
