"""Data-parallel PPO on torchrun: one process per GPU (NCCL) or several CPU processes (gloo).

Each process (rank) steps its own env instance with its own seed, computes gradients on its own
rollouts, and every optimiser step uses the gradients averaged over all ranks, so every rank holds
the same weights. The effective batch per epoch is ``world_size x num_envs x horizon_length``;
``minibatch_size`` stays per rank.

rl-games 1.6.5's own multi-GPU mode (``params.config.multi_gpu``) does the data-parallel part:
one ``all_reduce`` of all gradients per minibatch (``A2CBase.trancate_gradients_and_step``), the
initial weights broadcast from rank 0 at the start of ``train()``, the learning rate, KL and the
stop flag shared, the frame count multiplied by ``world_size``, and tensorboard, checkpoints and
printed statistics on rank 0 only. It also assumes one CUDA GPU per rank with NCCL, in three
places, which this module works around without editing rl-games:

1. ``A2CBase.__init__`` calls ``dist.init_process_group("nccl", ...)`` itself. We create the
   process group first (NCCL on CUDA, gloo on CPU) and, while the agent is built, show rl-games a
   ``torch.distributed`` whose ``init_process_group`` accepts the group that already exists
   (:func:`rl_games_on_existing_group`).
2. It then sets ``config['device'] = 'cuda:LOCAL_RANK'``. :class:`DevicePinnedConfig` keeps the
   device the env runs on (``cuda:LOCAL_RANK`` from ``hot/run.py --multi_gpu``, or ``cpu``).
3. ``train()`` calls ``torch.cuda.set_device(self.local_rank)``; torch documents negative indices
   as a no-op, so on a non-CUDA device the agent's ``local_rank`` is set to -1
   (:func:`adapt_agent`).

And one thing it does not do: the observation (and value) normalisers are updated from each
rank's own minibatches, so the ranks' models drift apart although their gradients are averaged.
:class:`SyncedRunningMeanStd` replaces them with normalisers that update from the moments of the
minibatches of all ranks (one ``all_reduce`` per update), so the ranks stay identical — weights
and normaliser statistics — and match one process that saw all ranks' minibatches at once.

The process group is made from torchrun's environment (``RANK``, ``LOCAL_RANK``, ``WORLD_SIZE``,
``MASTER_ADDR``/``MASTER_PORT``): ``hot.learning.adapter.train`` trains data-parallel whenever it
runs under torchrun. ``hot/run.py --multi_gpu`` adds the per-rank device and seed
(:func:`cli_device`, :func:`rank_seed`).
"""

from __future__ import annotations

import atexit
import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import torch
import torch.distributed as dist
from torch import nn

__all__ = [
    "World",
    "from_env",
    "rank_seed",
    "cli_device",
    "init_process_group",
    "ensure_process_group",
    "broadcast_object",
    "check_same_on_all_ranks",
    "DevicePinnedConfig",
    "prepare_params",
    "rl_games_on_existing_group",
    "adapt_agent",
    "SyncedRunningMeanStd",
]

TORCHRUN_VARS = ("RANK", "LOCAL_RANK", "WORLD_SIZE")


@dataclass(frozen=True)
class World:
    """This process's place in a torchrun job."""

    rank: int
    """Global rank, 0 .. world_size - 1 (rank 0 writes checkpoints, tensorboard and config.yaml)."""
    local_rank: int
    """Rank on this node: the GPU index of this process (``cuda:local_rank``)."""
    world_size: int
    """Processes over all nodes."""
    local_world_size: int
    """Processes on this node (CPU threads are shared among them)."""

    @property
    def is_writer(self) -> bool:
        return self.rank == 0


def _env_int(name: str, default: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None:
        if default is None:
            raise RuntimeError(f"environment variable {name} is not set (torchrun sets it)")
        return default
    try:
        return int(raw)
    except ValueError:
        raise RuntimeError(
            f"environment variable {name}={raw!r}: expected an integer (torchrun sets it)"
        ) from None


def from_env() -> World | None:
    """The torchrun job this process belongs to, or None when it was not started by torchrun.

    torchrun sets ``RANK``, ``LOCAL_RANK`` and ``WORLD_SIZE`` (and ``LOCAL_WORLD_SIZE``); a process
    without ``WORLD_SIZE`` is a plain single process.
    """
    if "WORLD_SIZE" not in os.environ:
        return None
    missing = [v for v in TORCHRUN_VARS if v not in os.environ]
    if missing:
        raise RuntimeError(
            f"WORLD_SIZE is set but {', '.join(missing)} is not: start multi-process training with torchrun"
        )
    world = World(
        rank=_env_int("RANK"),
        local_rank=_env_int("LOCAL_RANK"),
        world_size=_env_int("WORLD_SIZE"),
        local_world_size=_env_int("LOCAL_WORLD_SIZE", _env_int("WORLD_SIZE")),
    )
    if not (0 <= world.rank < world.world_size and 0 <= world.local_rank < world.local_world_size):
        raise RuntimeError(f"inconsistent torchrun environment: {world}")
    return world


def rank_seed(seed: int, world: World | None = None) -> int:
    """``seed + rank``: each rank draws its own clips, noise and actions (rank 0 keeps ``seed``)."""
    world = world if world is not None else from_env()
    return int(seed) + (world.rank if world is not None else 0)


def cli_device(requested: str | None, world: World) -> str:
    """The torch device of this rank for ``--multi_gpu``: ``cuda:LOCAL_RANK`` when CUDA is there, else ``cpu``.

    ``requested`` is ``--device``: None or ``cuda`` give the rank's GPU (``cpu`` without CUDA),
    ``cpu`` keeps every rank on the CPU (gloo). A fixed ``cuda:N`` is refused: every rank would take
    the same GPU.
    """
    if requested in (None, ""):
        return f"cuda:{world.local_rank}" if torch.cuda.is_available() else "cpu"
    dev = torch.device(requested)
    if dev.type == "cpu":
        return "cpu"
    if dev.type == "cuda" and dev.index is None:
        if not torch.cuda.is_available():
            raise ValueError(f"--device {requested}: CUDA is not available in this torch build")
        if world.local_rank >= torch.cuda.device_count():
            raise ValueError(
                f"--multi_gpu: local rank {world.local_rank} has no GPU (this node has "
                f"{torch.cuda.device_count()}); start at most that many processes per node (--nproc_per_node)"
            )
        return f"cuda:{world.local_rank}"
    raise ValueError(
        f"--device {requested} with --multi_gpu: each rank uses cuda:LOCAL_RANK; give --device cuda (or cpu)"
    )


def init_process_group(world: World, device: torch.device | str) -> bool:
    """Create the default process group for ``world`` (NCCL on CUDA, gloo otherwise).

    Returns True if it was created here, False if one already exists (then it must have this rank
    and size).
    """
    device = torch.device(device)
    if dist.is_initialized():
        if dist.get_rank() != world.rank or dist.get_world_size() != world.world_size:
            raise RuntimeError(
                f"a process group exists with rank {dist.get_rank()} of {dist.get_world_size()}, "
                f"but torchrun says rank {world.rank} of {world.world_size}"
            )
        return False
    if device.type == "cuda":
        if device.index is None:
            device = torch.device("cuda", world.local_rank)
        torch.cuda.set_device(device)
        dist.init_process_group("nccl", rank=world.rank, world_size=world.world_size, device_id=device)
    else:
        dist.init_process_group("gloo", rank=world.rank, world_size=world.world_size)
    print(
        f"[hot] rank {world.rank}/{world.world_size} (local {world.local_rank}): device {device}, "
        f"backend {dist.get_backend()}",
        flush=True,
    )
    return True


def broadcast_object(obj: Any, src: int = 0) -> Any:
    """Rank ``src``'s ``obj`` on every rank (picklable objects)."""
    box = [obj]
    dist.broadcast_object_list(box, src=src)
    return box[0]


def check_same_on_all_ranks(values: dict[str, Any], what: str = "training setup") -> None:
    """Raise ``ValueError`` on every rank if ``values`` differ between ranks, naming the keys and ranks.

    Ranks must agree on every size that fixes the number of collective calls per epoch
    (minibatches, mini-epochs) and on the network, or they would hang or mix unrelated gradients.
    """
    gathered: list[dict[str, Any] | None] = [None] * dist.get_world_size()
    dist.all_gather_object(gathered, values)
    problems = []
    for key in values:
        per_rank = [g.get(key) if g is not None else None for g in gathered]
        if any(v != per_rank[0] for v in per_rank):
            problems.append(f"{key}: " + ", ".join(f"rank {r} {v!r}" for r, v in enumerate(per_rank)))
    if problems:
        raise ValueError(f"torchrun ranks disagree on the {what}: " + "; ".join(problems))


# ------------------------------------------------------------------------------------ rl-games hooks
class DevicePinnedConfig(dict):
    """rl-games ``params['config']`` whose ``'device'`` entry, once set, is not overwritten.

    rl-games 1.6.5's multi-GPU branch of ``A2CBase.__init__`` writes ``config['device'] =
    'cuda:LOCAL_RANK'`` right before reading it back as the training device; the env already runs
    on the device chosen for this rank (possibly the CPU), and the model must be on the same one.
    """

    def __setitem__(self, key: Any, value: Any) -> None:
        if key == "device" and "device" in self:
            return
        super().__setitem__(key, value)


def prepare_params(params: dict, world: World, threads_given: bool = False) -> None:
    """Switch resolved rl-games ``params`` (``adapter.build_params``) to multi-GPU mode in place.

    Sets ``config.multi_gpu``, pins ``config.device`` (:class:`DevicePinnedConfig`) and, unless the
    train YAML gave ``torch_threads`` (``threads_given``), shares the node's CPU cores among its ranks.
    """
    cfg = DevicePinnedConfig(params["config"])
    cfg["multi_gpu"] = True
    params["config"] = cfg
    if not threads_given:
        params["torch_threads"] = max(1, min(4, (os.cpu_count() or 1) // max(1, world.local_world_size)))


class _ExistingGroupDist:
    """``torch.distributed`` as rl-games sees it while the agent is built: the group already exists."""

    def __getattr__(self, name: str) -> Any:
        return getattr(dist, name)

    @staticmethod
    def init_process_group(backend: Any = None, rank: int = -1, world_size: int = -1, **_: Any) -> None:
        if not dist.is_initialized():
            raise RuntimeError("hot.learning.distributed: create the process group before the rl-games agent")
        if (rank, world_size) != (dist.get_rank(), dist.get_world_size()):
            raise RuntimeError(
                f"rl-games asked for rank {rank} of {world_size}, the process group has "
                f"{dist.get_rank()} of {dist.get_world_size()}"
            )


@contextlib.contextmanager
def rl_games_on_existing_group() -> Iterator[None]:
    """While active, rl-games' ``A2CBase.__init__`` uses the existing process group (any backend).

    Replaces the module attribute ``rl_games.common.a2c_common.dist`` (the only caller of
    ``init_process_group`` in the agent) and puts it back on exit. Wrap only the agent's construction.
    """
    from rl_games.common import a2c_common

    real = a2c_common.dist
    a2c_common.dist = _ExistingGroupDist()
    try:
        yield
    finally:
        a2c_common.dist = real


def adapt_agent(agent: Any) -> None:
    """Finish an rl-games agent built with ``multi_gpu``: CUDA device index and synced normalisers."""
    device = torch.device(agent.ppo_device)
    # rl-games' train() calls torch.cuda.set_device(agent.local_rank); torch documents a negative
    # index as a no-op, which is what a rank training on the CPU needs.
    agent.local_rank = device.index if device.type == "cuda" else -1
    model = agent.model
    for name in ("running_mean_std", "value_mean_std"):
        norm = getattr(model, name, None)
        if norm is None or isinstance(norm, SyncedRunningMeanStd):
            continue
        synced = SyncedRunningMeanStd.from_rl_games(norm)
        setattr(model, name, synced)
        if name == "value_mean_std" and getattr(agent, "value_mean_std", None) is norm:
            agent.value_mean_std = synced


class SyncedRunningMeanStd(nn.Module):
    """rl-games' ``RunningMeanStd`` (flat inputs) whose updates use the batch moments of all ranks.

    Same buffers (``running_mean``, ``running_var``, ``count``, float64) and the same output as
    rl-games' normaliser, so checkpoints load into either. In training mode each call all-reduces
    ``[sum x, sum x^2, n]`` of the local batch (``x``: (B, D), float64), and every rank applies the
    same update: the statistics equal those of one normaliser fed the concatenated batches. Every
    rank must call it the same number of times in training mode (rl-games does: a fixed number of
    minibatches per epoch, checked by :func:`check_same_on_all_ranks`).
    """

    # buffers (register_buffer in __init__); declared so they read as tensors, not `Tensor | Module`
    running_mean: torch.Tensor
    running_var: torch.Tensor
    count: torch.Tensor

    def __init__(self, size: int, epsilon: float = 1e-5, norm_only: bool = False) -> None:
        super().__init__()
        self.epsilon = float(epsilon)
        self.norm_only = bool(norm_only)
        self.register_buffer("running_mean", torch.zeros(size, dtype=torch.float64))
        self.register_buffer("running_var", torch.ones(size, dtype=torch.float64))
        self.register_buffer("count", torch.ones((), dtype=torch.float64))

    @classmethod
    def from_rl_games(cls, norm: Any) -> SyncedRunningMeanStd:
        """Copy of an rl-games ``RunningMeanStd`` (plain or TorchScript), statistics and training flag included."""
        if not hasattr(norm, "running_mean") or bool(getattr(norm, "per_channel", False)):
            raise NotImplementedError(
                f"multi-GPU training syncs flat observation normalisers only, not {type(norm).__name__}"
            )
        mean = norm.running_mean
        out = cls(mean.numel(), epsilon=norm.epsilon, norm_only=bool(norm.norm_only)).to(mean.device)
        out.load_state_dict({k: v.detach().clone() for k, v in norm.state_dict().items()})
        out.train(norm.training)
        return out

    @torch.no_grad()
    def _update(self, x: torch.Tensor) -> None:
        x = x.detach().to(torch.float64).reshape(-1, self.running_mean.numel())
        stats = torch.cat([x.sum(0), (x * x).sum(0), x.new_tensor([x.shape[0]])])
        if dist.is_initialized():
            dist.all_reduce(stats, op=dist.ReduceOp.SUM)
        d = self.running_mean.numel()
        n = stats[-1]
        batch_mean = stats[:d] / n
        batch_var = (stats[d : 2 * d] / n - batch_mean**2).clamp_min(0.0)
        # rl-games' _update_mean_var_count_from_moments (parallel-variance merge)
        delta = batch_mean - self.running_mean
        total = self.count + n
        new_mean = self.running_mean + delta * n / total
        m2 = self.running_var * self.count + batch_var * n + delta**2 * self.count * n / total
        self.running_mean.copy_(new_mean)
        self.running_var.copy_(m2 / total)
        self.count.copy_(total)

    def forward(
        self, input: torch.Tensor, denorm: bool = False, mask: torch.Tensor | None = None
    ) -> torch.Tensor:
        """Normalise ``input`` (B, D) (or undo it with ``denorm``), updating the statistics first in training mode."""
        if mask is not None:
            raise NotImplementedError("masked (RNN) normaliser updates are not synced across ranks")
        if self.training:
            self._update(input)
        mean, var = self.running_mean.float(), self.running_var.float()
        if denorm:
            y = torch.clamp(input, min=-5.0, max=5.0)
            return torch.sqrt(var + self.epsilon) * y + mean
        if self.norm_only:
            return input / torch.sqrt(var + self.epsilon)
        return torch.clamp((input - mean) / torch.sqrt(var + self.epsilon), min=-5.0, max=5.0)


def ensure_process_group(world: World | None, device: torch.device | str) -> None:
    """The default process group of ``world`` (nothing when ``world`` is None), made once per process.

    It stays until the process exits (destroyed then, by ``atexit``): destroying it and making a
    new one in the same torchrun process reuses the rendezvous store's keys, and a rank can then
    connect to the old group's closed ports (seen as "Connection reset by peer" in a second
    ``train()`` call). A later call finds the group and checks that it matches ``world``.
    """
    if world is not None and init_process_group(world, device):
        atexit.register(_destroy_if_initialized)


def _destroy_if_initialized() -> None:
    if dist.is_initialized():
        dist.destroy_process_group()
