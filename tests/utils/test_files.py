"""hot.utils.files: the one atomic-write helper."""


def test_atomic_write_replaces_whole_follows_the_umask_and_cleans_up(tmp_path):
    import os

    import pytest

    from hot.utils.files import atomic_write, atomic_write_text

    path = tmp_path / "sub" / "table.csv"
    atomic_write_text(path, "old\n")
    old = os.umask(0o022)
    try:
        with pytest.raises(RuntimeError), atomic_write(path) as f:
            f.write("half a fil")
            raise RuntimeError("disk full")
        assert path.read_text() == "old\n"  # untouched by the failed write
        assert [p.name for p in path.parent.iterdir()] == ["table.csv"]  # no .tmp left behind
        atomic_write_text(path, "new\n")
        assert path.read_text() == "new\n"
        assert (path.stat().st_mode & 0o777) == 0o644  # not mkstemp's 0600
    finally:
        os.umask(old)
