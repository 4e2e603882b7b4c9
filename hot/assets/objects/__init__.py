"""Object assets: the registry of prepared objects and the tools that prepare them.

Use :func:`get_object` / :func:`list_objects`; rebuild the shipped set with
``python -m hot.assets.objects build`` and add a mesh with ``python -m hot.assets.objects add``
(``--into DIR`` keeps it out of the package; DIR is then found through ``$HOT_OBJECTS_PATH`` or
``python -m hot.datagen --objects_dir DIR``).
"""

from hot.assets.objects.registry import (
    DEFAULT_ROOT,
    PATH_ENV,
    ObjectAsset,
    ObjectAssetError,
    get_object,
    list_objects,
    object_search_path,
)

__all__ = [
    "DEFAULT_ROOT",
    "PATH_ENV",
    "ObjectAsset",
    "ObjectAssetError",
    "get_object",
    "list_objects",
    "object_search_path",
]
