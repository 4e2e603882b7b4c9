"""Copy a trained teacher / student checkpoint into the package (``hot/data/inhand/``) for shipping.

    python -m hot.learning.inhand_ship --teacher logs/ppo/AllegroInhandRotation/<run>/nn/<file>.pth \
        --student logs/hora_distill/AllegroInhandRotation/<run>/nn/student_ep_<k>.pth

The copies hold no optimizer state and their env config points at the shipped grasp caches
(``hot/data/inhand/allegro_grasp_<scale>.npy``), so ``hot eval --checkpoint shipped`` works after an install.
"""

from __future__ import annotations

import argparse

from hot.learning.inhand import SHIPPED_CHECKPOINTS, SHIPPED_DIR, ship_checkpoint


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m hot.learning.inhand_ship", description=__doc__)
    p.add_argument("--teacher", help="PPO teacher checkpoint (.pth)")
    p.add_argument("--student", help="hora_distill student checkpoint (.pth)")
    a = p.parse_args(argv)
    for algo, src in (("ppo", a.teacher), ("hora_distill", a.student)):
        if src:
            dst = ship_checkpoint(src, SHIPPED_DIR / SHIPPED_CHECKPOINTS[algo])
            print(f"{src} -> {dst} ({dst.stat().st_size / 1e6:.2f} MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
