"""Owner-only files: no link followed, no one else's file written into, 0600 whatever was there."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from postisupport.config.private import open_private, replacing
from postisupport.errors import FileProblem


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_file_is_0600(tmp_path: Path) -> None:
    with open_private(tmp_path / "new") as out:
        out.write("x")
    assert mode(tmp_path / "new") == 0o600


def test_an_existing_0666_file_is_made_0600(tmp_path: Path) -> None:
    path = tmp_path / "loose"
    path.write_text("old")
    path.chmod(0o666)
    with open_private(path, "a") as out:
        out.write("new")
    assert (mode(path), path.read_text()) == (0o600, "oldnew")


def test_a_planted_symlink_is_refused_and_its_target_untouched(tmp_path: Path) -> None:
    target = tmp_path / "victim"
    target.write_text("precious")
    (tmp_path / "trace").symlink_to(target)
    with pytest.raises(FileProblem) as caught:
        open_private(tmp_path / "trace", "a")
    assert caught.value.reason == "is a symbolic link, which is refused for a private file"
    assert target.read_text() == "precious"


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to give a file to another user")
def test_a_file_owned_by_someone_else_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "theirs"
    path.write_text("theirs")
    os.chown(path, 65534, 65534)
    with pytest.raises(FileProblem) as caught:
        open_private(path, "a")
    assert caught.value.reason == "belongs to another user; refusing to write personal data into it"
    assert path.read_text() == "theirs"


def test_a_missing_folder_and_a_folder_are_plain_reasons(tmp_path: Path) -> None:
    with pytest.raises(FileProblem) as missing:
        open_private(tmp_path / "nowhere" / "file")
    with pytest.raises(FileProblem) as folder:
        open_private(tmp_path)
    reasons = (missing.value.reason, folder.value.reason)
    assert reasons == ("no such file or folder", "is a folder, not a file")


def test_replacing_keeps_the_old_mode_and_leaves_nothing_on_failure(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    path.write_text("old")
    path.chmod(0o400)
    with replacing(path) as out:
        out.write("new")
    assert (path.read_text(), mode(path)) == ("new", 0o400)
    with pytest.raises(RuntimeError), replacing(path) as out:
        out.write("half")
        raise RuntimeError("stop")
    assert path.read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]


def test_replacing_never_widens_a_loose_old_mode_and_ignores_a_planted_tmp_link(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    path.write_text("old")
    path.chmod(0o644)
    victim = tmp_path / "victim"
    victim.write_text("precious")
    (tmp_path / "out.csv.tmp").symlink_to(victim)
    with replacing(path) as out:
        out.write("new")
    assert (path.read_text(), mode(path), victim.read_text()) == ("new", 0o600, "precious")
