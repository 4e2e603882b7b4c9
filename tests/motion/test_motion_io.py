"""Motion file I/O: round trip, validation messages, unsafe pickles, fuzzing, folders."""

from __future__ import annotations

import os
import pickle
import warnings
from pathlib import Path

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hot.motion.io import (
    MotionSkipWarning,
    clip_to_dict,
    find_motion_files,
    load_clip,
    load_folder,
    save_clip,
)
from hot.motion.schema import CLIP_FIELDS, MotionClip, MotionFormatError, skill_code_from_name
from hot.utils.rotations import wxyz_to_xyzw

from .helpers import make_clip

T, F, K = 10, 4, 5


def _bits(x: torch.Tensor) -> torch.Tensor:
    return x.contiguous().view(torch.int32)


def test_round_trip_is_bitwise_exact(tmp_path: Path) -> None:
    clip = make_clip(T, F, K, seed=3)
    clip.obj_pos[2, 1] = -0.0  # signed zero must survive too
    path = tmp_path / "sub" / "001_bottle_0_0.pt"
    save_clip(path, clip)
    back = load_clip(path, num_dofs=6 + F, num_key_bodies=K)
    for name in CLIP_FIELDS:
        a, b = getattr(clip, name), getattr(back, name)
        assert b.dtype == torch.float32 and b.shape == a.shape, name
        assert torch.equal(_bits(a), _bits(b)), name
    assert back.dof_pos.shape == (T, 6 + F) and back.num_frames == T
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temp file left behind


def test_file_layout_matches_upstream(tmp_path: Path) -> None:
    clip = make_clip(T, F, K, seed=1, with_obj_vel=False)
    path = tmp_path / "c.pt"
    save_clip(path, clip)
    d = torch.load(path, weights_only=True)
    assert d["obj_pos_vel"] is None
    assert d["body_pos"].shape == (T, 3 * K)
    assert torch.equal(d["body_pos"].reshape(T, K, 3), clip.body_pos)
    assert d["contact1"].shape == (T, 1) and d["contact2"].shape == (T, 1)
    assert torch.equal(d["root_rot"], wxyz_to_xyzw(clip.root_rot))  # xyzw on disk
    assert torch.equal(d["obj_rot"][:, 3], clip.obj_rot[:, 0])
    assert d["obj2_pos"].shape == (T, 3) and d["obj2_rot"].shape == (T, 4)
    assert load_clip(path).obj_pos_vel is None


def test_save_refuses_invalid_clip_and_writes_nothing(tmp_path: Path) -> None:
    clip = make_clip(T, F, K)
    clip.obj_rot[4] *= 2.0
    with pytest.raises(MotionFormatError, match="non-unit quaternion at frame 4"):
        save_clip(tmp_path / "bad.pt", clip)
    assert list(tmp_path.iterdir()) == []


def _valid_dict(seed: int = 0, t: int = T, f: int = F, k: int = K) -> dict:
    return clip_to_dict(make_clip(t, f, k, seed=seed))


def _set(key, value):
    def edit(d):
        d[key] = value(d) if callable(value) else value
        return d

    return edit


def _poke(key, index, value):
    def edit(d):
        d[key] = d[key].clone()
        d[key][index] = value
        return d

    return edit


# (id, edit of a valid dict (or replacement object), load kwargs, expected message fragment)
MALFORMED = [
    ("not_a_dict", lambda d: [1, 2, 3], {}, "is not a dict of tensors (got list)"),
    ("legacy_flat", lambda d: torch.zeros(T, 119), {}, "legacy flat-tensor format"),
    (
        "missing_key",
        lambda d: {k: v for k, v in d.items() if k != "obj_rot"},
        {},
        "missing key(s) ['obj_rot']",
    ),
    (
        "not_a_tensor",
        _set("root_pos", [[0.0, 0.0, 0.5]] * T),
        {},
        "key 'root_pos' is not a tensor (got list)",
    ),
    ("complex", _set("obj_pos", lambda d: d["obj_pos"].to(torch.complex64)), {}, "unsupported dtype"),
    (
        "wrong_width",
        _set("root_rot", lambda d: d["root_rot"][:, :3]),
        {},
        "key 'root_rot' has shape (10, 3) but expected (T, 4)",
    ),
    (
        "wrong_ndim",
        _set("wrist_dof", lambda d: d["wrist_dof"][None]),
        {},
        "key 'wrist_dof' has shape (1, 10, 6)",
    ),
    ("contact_shape", _set("contact1", lambda d: d["contact1"].repeat(1, 2)), {}, "expected (T, 1) or (T,)"),
    ("body_pos_width", _set("body_pos", lambda d: d["body_pos"][:, :-1]), {}, "not a multiple of 3"),
    (
        "inconsistent_T",
        _set("obj_pos", lambda d: d["obj_pos"][:-1]),
        {},
        "inconsistent frame count: key 'obj_pos' has 9",
    ),
    (
        "obj_vel_shape",
        _set("obj_pos_vel", lambda d: torch.zeros(T, 4)),
        {},
        "key 'obj_pos_vel' has shape (10, 4)",
    ),
    ("too_few_frames", lambda d: d, {"min_frames": 11}, "has 10 frames, fewer than the 11 required"),
    ("dof_count", lambda d: d, {"num_dofs": 6 + F + 1}, "DoF count mismatch"),
    ("key_body_count", lambda d: d, {"num_key_bodies": K - 1}, "key-body count mismatch"),
    (
        "nan",
        _poke("fingers_dof", (3, 1), float("nan")),
        {},
        "key 'fingers_dof' contains NaN or Inf (first at frame 3)",
    ),
    (
        "inf",
        _poke("body_pos", (7, 0), float("-inf")),
        {},
        "key 'body_pos' contains NaN or Inf (first at frame 7)",
    ),
    (
        "f64_overflow",
        _poke("obj_pos", (5, 2), 1e300),
        {},
        "key 'obj_pos' contains NaN or Inf (first at frame 5)",
    ),
    (
        "non_unit_quat",
        _poke("obj_rot", 2, torch.tensor([0.0, 0.0, 0.0, 1.01])),
        {},
        "key 'obj_rot' holds a non-unit quaternion at frame 2",
    ),
    ("zero_quat", _poke("root_rot", 0, 0.0), {}, "key 'root_rot' holds a non-unit quaternion at frame 0"),
    ("contact_value", _poke("contact1", (6, 0), 2.0), {}, "key 'contact1' has value 2 at frame 6"),
]


@pytest.mark.parametrize(
    ("edit", "kwargs", "fragment"), [m[1:] for m in MALFORMED], ids=[m[0] for m in MALFORMED]
)
def test_validator_rejects_each_problem(tmp_path: Path, edit, kwargs, fragment) -> None:
    data = _valid_dict()
    if fragment == "key 'obj_pos' contains NaN or Inf (first at frame 5)":
        data["obj_pos"] = data["obj_pos"].double()
    data = edit(data)
    path = tmp_path / "001_bad.pt"
    torch.save(data, path)
    with pytest.raises(MotionFormatError) as info:
        load_clip(path, **kwargs)
    assert fragment in str(info.value)
    assert str(path) in str(info.value) and info.value.path == str(path)


def test_malformed_messages_are_distinct() -> None:
    fragments = [m[3] for m in MALFORMED]
    assert len(set(fragments)) == len(fragments)


def test_valid_variants_load(tmp_path: Path) -> None:
    """Things upstream files legitimately do: float64, (T,) contacts, no obj_pos_vel key, extra keys."""
    data = _valid_dict()
    data["obj_pos"] = data["obj_pos"].double()
    data["contact1"] = data["contact1"].reshape(T)
    del data["obj_pos_vel"]
    data["note"] = "extra keys are ignored"
    torch.save(data, tmp_path / "x.pt")
    clip = load_clip(tmp_path / "x.pt", num_dofs=6 + F, num_key_bodies=K)
    assert clip.obj_pos.dtype == torch.float32 and clip.obj_pos_vel is None and clip.contact1.shape == (T,)


class _Evil:
    def __init__(self, target: str):
        self.target = target

    def __reduce__(self):
        return (os.system, (f"touch {self.target}",))


@pytest.mark.parametrize("wrap", ["dict", "bare"])
def test_malicious_pickle_is_refused(tmp_path: Path, wrap: str) -> None:
    target = tmp_path / "pwned"
    evil = _Evil(str(target))
    path = tmp_path / "001_evil.pt"
    if wrap == "dict":
        torch.save({**_valid_dict(), "root_pos": evil}, path)
    else:
        with open(path, "wb") as f:
            pickle.dump(evil, f, protocol=2)
    with pytest.raises(MotionFormatError, match="weights_only") as info:
        load_clip(path)
    assert str(path) in str(info.value)
    assert "system" in str(info.value)  # the refused global is named
    assert not target.exists()
    # sanity: the payload really would run if unpickled unsafely (so the test can fail)
    with open(path, "rb") as f:
        data = f.read()
    assert b"system" in data


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="nope.pt"):
        load_clip(tmp_path / "nope.pt")
    with pytest.raises(FileNotFoundError, match="missing_dir"):
        load_folder(tmp_path / "missing_dir")
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="contains no"):
        load_folder(tmp_path / "empty")


def test_skill_code() -> None:
    assert skill_code_from_name("some/dir/003_bottle_1_2.pt") == 3
    assert skill_code_from_name(Path("010_x.pt")) == 10
    with pytest.raises(MotionFormatError, match=r"ab1_x\.pt: .*3-digit"):
        skill_code_from_name("dir/ab1_x.pt")
    with pytest.raises(MotionFormatError, match="3-digit"):
        skill_code_from_name("1.pt")


# ------------------------------------------------------------------------------- folders


def _write_folder(root: Path, names: list[str]) -> None:
    for i, n in enumerate(names):
        save_clip(root / n, make_clip(T, F, K, seed=i))


def test_folder_sorted_by_trailing_integer(tmp_path: Path) -> None:
    names = ["a/001_b_0_10.pt", "a/001_b_0_2.pt", "b/003_b_0_1.pt", "001_b_0_2-1.pt", "002_b.pt"]
    _write_folder(tmp_path, names)
    (tmp_path / "notes.txt").write_text("ignored")
    files = [p.relative_to(tmp_path).as_posix() for p in find_motion_files(tmp_path)]
    assert files == ["001_b_0_2-1.pt", "b/003_b_0_1.pt", "a/001_b_0_2.pt", "a/001_b_0_10.pt", "002_b.pt"]
    folder = load_folder(tmp_path, num_dofs=6 + F)
    assert [p.relative_to(tmp_path).as_posix() for p in folder.paths] == files
    assert len(folder.clips) == 5
    single = load_folder(tmp_path / "b" / "003_b_0_1.pt")
    assert single.paths == [tmp_path / "b" / "003_b_0_1.pt"]


def test_folder_follows_linked_folders_once(tmp_path: Path) -> None:
    # a dataset may link skill folders of another one (the multi-skill training root does); a cycle is read once
    _write_folder(tmp_path / "src" / "grasp_kp", ["001_b_0_1.pt", "001_b_0_2.pt"])
    ds = tmp_path / "ds" / "bottle"
    ds.mkdir(parents=True)
    (ds / "grasp_kp").symlink_to(tmp_path / "src" / "grasp_kp", target_is_directory=True)
    (ds / "loop").symlink_to(ds, target_is_directory=True)
    files = [p.relative_to(tmp_path / "ds").as_posix() for p in find_motion_files(tmp_path / "ds")]
    assert files == ["bottle/grasp_kp/001_b_0_1.pt", "bottle/grasp_kp/001_b_0_2.pt"]


def test_folder_with_bad_file(tmp_path: Path) -> None:
    _write_folder(tmp_path, ["001_b_0.pt", "001_b_1.pt", "001_b_3.pt"])
    bad = tmp_path / "001_b_2.pt"
    torch.save({"root_pos": torch.zeros(3, 3)}, bad)
    corrupt = tmp_path / "001_b_4.pt"
    corrupt.write_bytes(b"not a torch file")
    with pytest.raises(MotionFormatError) as info:
        load_folder(tmp_path)
    assert str(bad) in str(info.value) and "missing key" in str(info.value)
    with pytest.warns(MotionSkipWarning) as rec:
        folder = load_folder(tmp_path, skip_bad=True)
    assert len(rec) == 1
    msg = str(rec[0].message)
    assert f"{bad}: missing key" in msg and f"{corrupt}: cannot be read" in msg
    assert [p.name for p in folder.paths] == ["001_b_0.pt", "001_b_1.pt", "001_b_3.pt"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_folder(tmp_path / "001_b_0.pt", skip_bad=True)  # nothing skipped -> no warning


def test_folder_all_bad_with_skip(tmp_path: Path) -> None:
    (tmp_path / "001_a.pt").write_bytes(b"")
    with pytest.raises(MotionFormatError, match="no valid motion file"):
        load_folder(tmp_path, skip_bad=True)


# ------------------------------------------------------------------------------- fuzzing

_FLOAT_KEYS = (
    "root_pos",
    "wrist_dof",
    "fingers_dof",
    "body_pos",
    "obj_pos",
    "obj_pos_vel",
    "contact1",
    "contact2",
)
_ALL_KEYS = _FLOAT_KEYS + ("root_rot", "obj_rot")
_REQUIRED = tuple(k for k in _ALL_KEYS if k != "obj_pos_vel")


@st.composite
def _mutated_dicts(draw):
    """(data, is_valid): a valid dict, then neutral edits, then (maybe) invalidating edits.

    Neutral edits come first so no later edit can repair an invalid one.
    """
    t = draw(st.integers(1, 5))
    f = draw(st.integers(0, 3))
    k = draw(st.integers(1, 3))
    d = clip_to_dict(make_clip(t, f, k, seed=draw(st.integers(0, 1000)), with_obj_vel=draw(st.booleans())))
    for _ in range(draw(st.integers(0, 3))):
        op = draw(st.sampled_from(["cast", "cast_quat", "flat_contact", "drop_vel", "extra"]))
        if op == "cast":
            key = draw(st.sampled_from(_FLOAT_KEYS))
            if d.get(key) is not None:
                dtype = draw(
                    st.sampled_from([torch.float64, torch.float16, torch.bfloat16, torch.int32, torch.int64])
                )
                d[key] = d[key].to(dtype)
        elif op == "cast_quat":
            key = draw(st.sampled_from(["root_rot", "obj_rot"]))
            d[key] = d[key].double()
        elif op == "flat_contact":
            key = draw(st.sampled_from(["contact1", "contact2"]))
            d[key] = d[key].reshape(-1)
        elif op == "drop_vel":
            if draw(st.booleans()):
                d.pop("obj_pos_vel", None)
            else:
                d["obj_pos_vel"] = None
        else:
            d[draw(st.text(max_size=5).filter(lambda s: s not in _ALL_KEYS))] = draw(
                st.one_of(st.none(), st.integers(), st.text(max_size=3))
            )
    valid = True
    for _ in range(draw(st.integers(0, 2))):
        op = draw(
            st.sampled_from(["delete", "junk", "bad_shape", "nonfinite", "non_unit", "contact", "complex"])
        )
        present = [key for key in _ALL_KEYS if isinstance(d.get(key), torch.Tensor)]
        if op == "delete":
            d.pop(draw(st.sampled_from(_REQUIRED)), None)
        elif op == "junk":
            d[draw(st.sampled_from(_REQUIRED))] = draw(
                st.one_of(
                    st.none(),
                    st.integers(),
                    st.floats(),
                    st.text(max_size=4),
                    st.lists(st.floats(), max_size=3),
                )
            )
        elif op == "bad_shape":
            # each of these is wrong for any key: one frame too many, a third axis, or the wrong
            # width (for fingers_dof any width is fine, so only the first two apply there)
            key = draw(st.sampled_from(present)) if present else "root_pos"
            w = d[key].shape[1] if isinstance(d.get(key), torch.Tensor) and d[key].ndim == 2 else 1
            shapes = [(t + 1, w), (t, w, 1)] + ([] if key == "fingers_dof" else [(t, w + 1)])
            d[key] = torch.zeros(draw(st.sampled_from(shapes)))
        elif op == "nonfinite" and present:
            key = draw(st.sampled_from(present))
            v = d[key].double().clone()
            flat = v.view(-1)
            if flat.numel():
                flat[draw(st.integers(0, flat.numel() - 1))] = draw(
                    st.sampled_from([float("nan"), float("inf"), -1e300])
                )
                d[key] = v
            else:
                continue
        elif op == "non_unit":
            key = draw(st.sampled_from(["root_rot", "obj_rot"]))
            if not isinstance(d.get(key), torch.Tensor) or d[key].ndim != 2 or d[key].shape[-1] != 4:
                continue  # already broken by an earlier invalid edit
            v = d[key].double().clone()
            v[draw(st.integers(0, t - 1))] *= draw(st.sampled_from([0.0, 0.5, 1.01, 3.0]))
            d[key] = v
        elif op == "contact":
            key = draw(st.sampled_from(["contact1", "contact2"]))
            if not isinstance(d.get(key), torch.Tensor) or d[key].numel() != t:
                continue
            v = d[key].double().clone().reshape(-1)
            v[draw(st.integers(0, t - 1))] = draw(st.sampled_from([1.6, -1.6, 7.0, -40.0]))
            d[key] = v
        elif op == "complex" and present:
            key = draw(st.sampled_from(present))
            d[key] = d[key].to(torch.complex64)
        else:
            continue
        valid = False
    return d, valid


_junk = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(_ALL_KEYS + ("x",)), inner, max_size=4)
    ),
    max_leaves=10,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=_mutated_dicts())
def test_fuzz_load_clip_mutations(tmp_path_factory, case) -> None:
    data, valid = case
    path = tmp_path_factory.mktemp("fuzz") / "001_f.pt"
    torch.save(data, path)
    if valid:
        clip = load_clip(path)
        assert isinstance(clip, MotionClip)
        assert clip.root_rot.dtype == torch.float32 and clip.contact1.ndim == 1
    else:
        with pytest.raises(MotionFormatError):
            load_clip(path)


@settings(max_examples=60, deadline=None)
@given(data=_junk)
def test_fuzz_load_clip_junk_objects(tmp_path_factory, data) -> None:
    path = tmp_path_factory.mktemp("junk") / "001_j.pt"
    torch.save(data, path)
    with pytest.raises(MotionFormatError):
        load_clip(path)


@settings(max_examples=40, deadline=None)
@given(blob=st.binary(max_size=200))
def test_fuzz_load_clip_random_bytes(tmp_path_factory, blob) -> None:
    path = tmp_path_factory.mktemp("bytes") / "001_b.pt"
    path.write_bytes(blob)
    with pytest.raises(MotionFormatError, match="cannot be read"):
        load_clip(path)
