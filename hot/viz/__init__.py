"""hot.viz: headless rendering (frames, videos with reference ghosts), tracking and training plots.

Modules: :mod:`~hot.viz.gl` (OpenGL backend choice), :mod:`~hot.viz.render` (frames),
:mod:`~hot.viz.video` (H.264 files), :mod:`~hot.viz.recorder` (rollout/dataset videos),
:mod:`~hot.viz.traces` and :mod:`~hot.viz.plots` (error series and PNG plots),
:mod:`~hot.viz.bench` (rendering speed). Nothing here is imported by the simulator or the
training loop.
"""
