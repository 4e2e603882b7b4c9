"""Offscreen frames of hand-object scenes with the reference drawn as a ghost.

The render model is the simulation scene (:func:`hot.sim.scene.build_scene_spec`, same hand,
object and scale) plus things that only exist for the camera, all with ``contype = conaffinity
= 0`` and no joints, so they add nothing to ``qpos`` and never touch physics:

* ``ghost``: a mocap body carrying a translucent copy of the object's hulls, placed at the
  reference object pose;
* ``ghost_key<i>``: one mocap sphere per key body at the reference key-body position;
* lights, a skybox and a checker texture on the platform.

The simulator's own models are never modified; a :class:`SceneRenderer` compiles its own copy
per object scale. The object's colour shows the reference contact label of the frame
(:data:`LABEL_RGBA`). Frames are ``(H, W, 3) uint8``; several envs are tiled with :func:`tile`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import mujoco
import numpy as np

from hot.assets.hands.base import HandModel
from hot.sim.scene import HAND_BASE_BODY, OBJECT_BODY, ObjectLike, SceneIndex, build_scene_spec, index_scene
from hot.viz.gl import SYSTEM_PACKAGES, GLUnavailableError, select_gl_backend

__all__ = [
    "LABEL_RGBA",
    "LABEL_NAMES",
    "PART_BACKGROUND",
    "PART_HAND",
    "PART_OBJECT",
    "PART_GHOST",
    "View",
    "TrackingCamera",
    "SceneRenderer",
    "RenderModel",
    "build_render_spec",
    "grid_shape",
    "tile",
]

GHOST_BODY = "ghost"
GHOST_KEY_PREFIX = "ghost_key"
GHOST_GROUP = 2  # visible with MuJoCo's default geom groups (0, 1, 2)

LABEL_RGBA: dict[int, tuple[float, float, float, float]] = {
    1: (0.20, 0.75, 0.30, 1.0),  # must touch: green
    0: (0.25, 0.50, 0.95, 1.0),  # must not touch: blue
    -1: (0.62, 0.62, 0.62, 1.0),  # don't care: grey
}
"""Object colour per reference contact label (``contact1``: 1 touch, 0 free, -1 don't care)."""
LABEL_NAMES = {1: "in contact", 0: "free", -1: "don't care"}
GHOST_RGBA = (1.0, 0.85, 0.25, 0.35)
MARKER_RGBA = (0.95, 0.15, 0.75, 0.9)
MARKER_RADIUS = 0.005

PART_BACKGROUND, PART_HAND, PART_OBJECT, PART_GHOST = 0, 1, 2, 3
"""Values of :meth:`SceneRenderer.render_parts`: what each pixel shows (world geoms count as background)."""


@dataclass
class View:
    """What one tile shows; numpy arrays, world frame, quaternions wxyz.

    Attributes:
        dof_pos: (D,) hand DoFs, ``hand.dof_names`` order.
        obj_pos: (3,) object position.
        obj_rot: (4,) object orientation.
        ref_obj_pos: (3,) reference object position, or None to hide the ghost.
        ref_obj_rot: (4,) reference object orientation (ignored when ``ref_obj_pos`` is None).
        ref_key_pos: (K, 3) reference key-body positions, or None to hide the markers.
        label: reference contact label (1, 0 or -1); picks the object's colour.
        scale: object scale of this env (a model is compiled per distinct scale).
        caption: one line of text drawn in the tile's top-left corner ("" for none).
    """

    dof_pos: np.ndarray
    obj_pos: np.ndarray
    obj_rot: np.ndarray
    ref_obj_pos: np.ndarray | None = None
    ref_obj_rot: np.ndarray | None = None
    ref_key_pos: np.ndarray | None = None
    label: int = -1
    scale: float = 1.0
    caption: str = ""


@dataclass
class TrackingCamera:
    """A free camera that looks at the midpoint of wrist and object, smoothed over frames.

    The distance grows with the wrist-object separation so both stay in view. ``smoothing`` is
    the fraction of the remaining offset kept per frame (0 = no smoothing).
    """

    azimuth: float = 150.0
    elevation: float = -25.0
    min_distance: float = 0.45
    max_distance: float = 1.2
    margin: float = 0.3
    smoothing: float = 0.85
    _lookat: np.ndarray | None = field(default=None, init=False, repr=False)
    _distance: float = field(default=0.0, init=False, repr=False)

    def update(self, wrist_pos: np.ndarray, obj_pos: np.ndarray) -> mujoco.MjvCamera:
        """The camera for the next frame, given the wrist and object world positions (3,)."""
        mid = 0.5 * (np.asarray(wrist_pos, np.float64) + np.asarray(obj_pos, np.float64))
        sep = float(np.linalg.norm(np.asarray(wrist_pos) - np.asarray(obj_pos)))
        dist = min(max(self.margin + 1.5 * sep, self.min_distance), self.max_distance)
        if not (np.all(np.isfinite(mid)) and np.isfinite(sep)):  # a diverged world: hold the view
            mid = self._lookat if self._lookat is not None else np.array([0.0, 0.0, 0.3])
            dist = self._distance if self._lookat is not None else self.max_distance
        if self._lookat is None:
            self._lookat, self._distance = mid, dist
        else:
            a = self.smoothing
            self._lookat = a * self._lookat + (1.0 - a) * mid
            self._distance = a * self._distance + (1.0 - a) * dist
        cam = mujoco.MjvCamera()
        cam.type = mujoco.mjtCamera.mjCAMERA_FREE
        cam.lookat[:] = self._lookat
        cam.distance = self._distance
        cam.azimuth = self.azimuth
        cam.elevation = self.elevation
        return cam

    def reset(self) -> None:
        """Forget the smoothed state (the next frame jumps to its target)."""
        self._lookat = None


def build_render_spec(
    hand: HandModel, obj: ObjectLike, scale: float = 1.0, width: int = 640, height: int = 480
) -> mujoco.MjSpec:
    """The simulation scene plus ghost, key-body markers, lights and floor texture (see module doc)."""
    spec = build_scene_spec(hand, obj, scale)
    vis = spec.visual
    vis.global_.offwidth = max(int(width), 64)
    vis.global_.offheight = max(int(height), 64)
    vis.headlight.ambient = [0.35, 0.35, 0.35]
    vis.headlight.diffuse = [0.5, 0.5, 0.5]
    vis.quality.shadowsize = 2048

    spec.add_texture(
        name="hot_sky",
        type=mujoco.mjtTexture.mjTEXTURE_SKYBOX,
        builtin=mujoco.mjtBuiltin.mjBUILTIN_GRADIENT,
        rgb1=[0.55, 0.65, 0.78],
        rgb2=[0.08, 0.09, 0.12],
        width=64,
        height=64,
    )
    spec.add_texture(
        name="hot_grid",
        type=mujoco.mjtTexture.mjTEXTURE_2D,
        builtin=mujoco.mjtBuiltin.mjBUILTIN_CHECKER,
        rgb1=[0.30, 0.32, 0.35],
        rgb2=[0.36, 0.38, 0.41],
        width=256,
        height=256,
    )
    mat = spec.add_material(name="hot_grid", texrepeat=[30, 30], reflectance=0.05)
    mat.textures[mujoco.mjtTextureRole.mjTEXROLE_RGB] = "hot_grid"
    for geom in spec.geoms:
        if geom.name in ("platform", "floor"):
            geom.material = "hot_grid"
    world = spec.worldbody
    world.add_light(pos=[0.6, -0.6, 1.6], dir=[-0.4, 0.4, -1.0], diffuse=[0.6, 0.6, 0.6], castshadow=True)
    world.add_light(pos=[-0.8, 0.5, 1.2], dir=[0.6, -0.3, -1.0], diffuse=[0.25, 0.25, 0.3], castshadow=False)

    visual = dict(contype=0, conaffinity=0, group=GHOST_GROUP)
    ghost = world.add_body(name=GHOST_BODY, mocap=True)
    obj_meshes = [m.name for m in spec.meshes if m.name.startswith(f"{OBJECT_BODY}_hull")]
    for i, mesh in enumerate(obj_meshes):
        ghost.add_geom(
            name=f"{GHOST_BODY}_geom{i}",
            type=mujoco.mjtGeom.mjGEOM_MESH,
            meshname=mesh,
            rgba=list(GHOST_RGBA),
            **visual,
        )
    for i in range(hand.num_key_bodies):
        body = world.add_body(name=f"{GHOST_KEY_PREFIX}{i}", mocap=True)
        body.add_geom(
            type=mujoco.mjtGeom.mjGEOM_SPHERE, size=[MARKER_RADIUS, 0, 0], rgba=list(MARKER_RGBA), **visual
        )
    return spec


def grid_shape(n: int) -> tuple[int, int]:
    """(rows, cols) of a near-square grid for ``n`` tiles, wider than tall."""
    if n < 1:
        raise ValueError(f"need at least one tile, got {n}")
    cols = math.ceil(math.sqrt(n))
    return math.ceil(n / cols), cols


def tile(frames: Sequence[np.ndarray], cols: int | None = None) -> np.ndarray:
    """Tile equal-size ``(H, W, 3)`` frames row-major into one frame; empty cells are black."""
    if not frames:
        raise ValueError("no frames to tile")
    h, w, c = frames[0].shape
    cols = cols or grid_shape(len(frames))[1]
    rows = math.ceil(len(frames) / cols)
    out = np.zeros((rows * h, cols * w, c), dtype=frames[0].dtype)
    for i, f in enumerate(frames):
        r, k = divmod(i, cols)
        out[r * h : (r + 1) * h, k * w : (k + 1) * w] = f
    return out


class RenderModel:
    """A compiled render model (one object scale) and its data; :meth:`pose` shows a :class:`View`.

    Used by :class:`SceneRenderer` (offscreen) and by the interactive viewer (``hot.play``).
    """

    def __init__(
        self, hand: HandModel, obj: ObjectLike, scale: float = 1.0, width: int = 640, height: int = 480
    ) -> None:
        spec = build_render_spec(hand, obj, scale, width, height)
        self.model = spec.compile()
        self.data = mujoco.MjData(self.model)
        self.index: SceneIndex = index_scene(self.model, hand)
        m = self.model
        body_of = m.geom_bodyid
        ghost_id = mujoco.mj_name2id(m, mujoco.mjtObj.mjOBJ_BODY, GHOST_BODY)
        self.obj_geoms = np.flatnonzero(body_of == self.index.object_body_id)
        self.ghost_geoms = np.flatnonzero(body_of == ghost_id)
        marker_bodies = [
            mujoco.mj_name2id(m, mujoco.mjtObj.mjOBJ_BODY, f"{GHOST_KEY_PREFIX}{i}")
            for i in range(hand.num_key_bodies)
        ]
        self.marker_mocap = m.body_mocapid[marker_bodies].copy()
        self.ghost_mocap = int(m.body_mocapid[ghost_id])
        self.marker_geoms = np.flatnonzero(np.isin(body_of, marker_bodies))
        hand_root = mujoco.mj_name2id(m, mujoco.mjtObj.mjOBJ_BODY, HAND_BASE_BODY)
        parts = np.full(m.ngeom + 1, PART_BACKGROUND, dtype=np.uint8)  # last entry: "no geom" (-1)
        parts[:-1][m.body_rootid[body_of] == hand_root] = PART_HAND
        parts[self.obj_geoms] = PART_OBJECT
        parts[self.ghost_geoms] = PART_GHOST
        parts[self.marker_geoms] = PART_GHOST
        self.parts = parts
        self.wrist_body = int(self.index.key_body_ids[-1])

    def pose(self, view: View) -> None:
        """Write ``view`` into the data (and the ghost / object colours into the model), run the kinematics."""
        m, d, ix = self.model, self.data, self.index
        d.qpos[ix.dof_qpos_adr] = view.dof_pos
        d.qpos[ix.obj_qpos_adr] = np.concatenate([view.obj_pos, _unit(view.obj_rot)])
        show_ghost = (
            view.ref_obj_pos is not None and view.ref_obj_rot is not None and np.any(view.ref_obj_rot)
        )
        if show_ghost:
            assert view.ref_obj_rot is not None  # show_ghost checked it
            d.mocap_pos[self.ghost_mocap] = view.ref_obj_pos
            d.mocap_quat[self.ghost_mocap] = _unit(view.ref_obj_rot)
        m.geom_rgba[self.ghost_geoms, 3] = GHOST_RGBA[3] if show_ghost else 0.0
        if view.ref_key_pos is not None:
            d.mocap_pos[self.marker_mocap] = view.ref_key_pos
        m.geom_rgba[self.marker_geoms, 3] = MARKER_RGBA[3] if view.ref_key_pos is not None else 0.0
        m.geom_rgba[self.obj_geoms] = LABEL_RGBA.get(int(view.label), LABEL_RGBA[-1])
        mujoco.mj_kinematics(m, d)

    def wrist_and_object(self) -> tuple[np.ndarray, np.ndarray]:
        """World positions (3,) of the wrist key body and the object after the last :meth:`pose`."""
        return self.data.xpos[self.wrist_body].copy(), self.data.xpos[self.index.object_body_id].copy()


@dataclass
class _Scene:
    """A render model with its offscreen renderer."""

    rm: RenderModel
    renderer: mujoco.Renderer


def _unit(q: np.ndarray) -> np.ndarray:
    q = np.asarray(q, np.float64)
    n = float(np.linalg.norm(q))
    return q / n if n > 0 else np.array([1.0, 0.0, 0.0, 0.0])


def _make_renderer(model: mujoco.MjModel, width: int, height: int) -> mujoco.Renderer:
    """``mujoco.Renderer`` on the chosen backend; failures become :class:`GLUnavailableError`."""
    backend = select_gl_backend()
    try:
        return mujoco.Renderer(model, height, width)
    except Exception as exc:  # the GL backends raise many types (ImportError, RuntimeError, GLError)
        if backend in SYSTEM_PACKAGES:
            hint = f"is the Debian/Ubuntu package {SYSTEM_PACKAGES[backend]} installed?"
        else:
            hint = "for headless rendering set MUJOCO_GL=egl (or osmesa) before Python starts"
        raise GLUnavailableError(f"mujoco.Renderer failed with MUJOCO_GL={backend}: {exc}; {hint}") from exc


class SceneRenderer:
    """Renders :class:`View` s of one hand + object offscreen, one render model per object scale.

    Args:
        hand, obj: what the simulator simulates.
        width, height: tile size in pixels.
    """

    def __init__(self, hand: HandModel, obj: ObjectLike, width: int = 640, height: int = 480) -> None:
        if width < 16 or height < 16:
            raise ValueError(f"tile size must be at least 16x16 pixels, got {width}x{height}")
        self.hand, self.obj = hand, obj
        self.width, self.height = int(width), int(height)
        self._scenes: dict[float, _Scene] = {}

    def scene(self, scale: float = 1.0) -> _Scene:
        """The render model and renderer for object ``scale`` (built on first use)."""
        key = round(float(scale), 6)
        if key not in self._scenes:
            rm = RenderModel(self.hand, self.obj, key, self.width, self.height)
            self._scenes[key] = _Scene(rm, _make_renderer(rm.model, self.width, self.height))
        return self._scenes[key]

    def _prepare(self, view: View, camera: TrackingCamera | mujoco.MjvCamera | None) -> _Scene:
        s = self.scene(view.scale)
        s.rm.pose(view)
        cam = TrackingCamera(smoothing=0.0) if camera is None else camera
        if isinstance(cam, TrackingCamera):
            cam = cam.update(*s.rm.wrist_and_object())
        s.renderer.update_scene(s.rm.data, cam)
        return s

    def render(self, view: View, camera: TrackingCamera | mujoco.MjvCamera | None = None) -> np.ndarray:
        """(H, W, 3) uint8 frame of ``view``; a :class:`TrackingCamera` is advanced by one frame."""
        s = self._prepare(view, camera)
        frame = s.renderer.render()
        if view.caption:
            frame = draw_caption(frame, view.caption, LABEL_RGBA.get(int(view.label), LABEL_RGBA[-1]))
        return frame

    def render_parts(self, view: View, camera: TrackingCamera | mujoco.MjvCamera | None = None) -> np.ndarray:
        """(H, W) uint8 map of what each pixel shows: ``PART_HAND``, ``PART_OBJECT``, ``PART_GHOST``
        or ``PART_BACKGROUND`` (segmentation rendering; for tests and diagnostics)."""
        s = self._prepare(view, camera)
        r = s.renderer
        r.enable_segmentation_rendering()
        try:
            seg = r.render()
        finally:
            r.disable_segmentation_rendering()
        geom = np.where(seg[..., 1] == int(mujoco.mjtObj.mjOBJ_GEOM), seg[..., 0], -1)
        return s.rm.parts[geom]

    def close(self) -> None:
        """Free the GL contexts."""
        for s in self._scenes.values():
            s.renderer.close()
        self._scenes.clear()

    def __enter__(self) -> SceneRenderer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def draw_caption(frame: np.ndarray, text: str, swatch_rgba: Sequence[float] | None = None) -> np.ndarray:
    """``frame`` with ``text`` on a dark band at the top (and a colour swatch before it)."""
    from PIL import Image, ImageDraw

    img = Image.fromarray(frame)
    draw = ImageDraw.Draw(img, "RGBA")
    band = 18
    draw.rectangle([0, 0, img.width, band], fill=(0, 0, 0, 150))
    x = 4
    if swatch_rgba is not None:
        rgb = tuple(int(255 * c) for c in swatch_rgba[:3])
        draw.rectangle([x, 4, x + 10, 14], fill=rgb + (255,))
        x += 15
    draw.text((x, 3), text, fill=(255, 255, 255, 255))
    return np.asarray(img)
