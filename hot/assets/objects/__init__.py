"""Object assets: the registry of prepared objects and the tools that prepare them.

Use :func:`get_object` / :func:`list_objects`; rebuild the shipped set with
``python -m hot.assets.objects build`` and add a mesh with ``python -m hot.assets.objects add``.
"""

from hot.assets.objects.registry import (
    DEFAULT_ROOT,
    ObjectAsset,
    ObjectAssetError,
    get_object,
    list_objects,
)

__all__ = ["DEFAULT_ROOT", "ObjectAsset", "ObjectAssetError", "get_object", "list_objects"]
