"""Putting restored uploads in place of the old ones (manage.py restore, apps.core.backup) so that at no moment
neither set is there, also when MEDIA_ROOT is a mount point or a symbolic link to shared storage."""

import os
import shutil
import tempfile
from pathlib import Path

from django.utils.translation import gettext as _


class MediaSwapError(OSError):
    """The swap failed and not every old entry could be moved back: the message says where they are."""


def copy_file(src, dst):
    return shutil.copy2(src, dst)  # looked up at each call: the tests make a copy fail half-way


def swap_media(new: Path, media_root: Path, old: Path):
    """Put the restored files in place: two renames on one file system; if the second fails, the old directory is
    renamed back (it lies in the staging directory, which is deleted afterwards). MEDIA_ROOT as a mount point (a
    shared NFS export) or a symbolic link to shared storage cannot be renamed: its contents are swapped instead."""
    new.mkdir(mode=0o700, exist_ok=True)
    if media_root.is_symlink() or (media_root.is_dir() and os.path.ismount(media_root)):
        return swap_contents(new, media_root.resolve())
    try:
        if media_root.exists():
            os.replace(media_root, old)
    except OSError:
        if not media_root.is_dir():
            raise
        return swap_contents(new, media_root)  # EBUSY/EXDEV: a mount point os.path.ismount did not see
    try:
        os.replace(new, media_root)
    except OSError:
        if old.exists() and not media_root.exists():
            os.replace(old, media_root)
        raise


def swap_contents(new: Path, root: Path):
    """Swap the contents of `root` for `new`'s without ever having neither: the new files are first copied into a
    folder inside `root` (so on its file system, where renames are atomic), then the old entries are renamed into a
    second folder inside it and the new ones into `root`. On any failure every entry goes back where it was; the old
    entries are deleted only once all new ones are in place."""
    incoming = Path(tempfile.mkdtemp(dir=root, prefix=".restore-new-"))
    outgoing = Path(tempfile.mkdtemp(dir=root, prefix=".restore-old-"))
    moved_out, moved_in = [], []
    try:
        shutil.copytree(new, incoming, dirs_exist_ok=True, copy_function=copy_file)
        for entry in sorted(root.iterdir()):
            if entry not in (incoming, outgoing):
                os.rename(entry, outgoing / entry.name)
                moved_out.append(entry.name)
        for entry in sorted(incoming.iterdir()):
            os.rename(entry, root / entry.name)
            moved_in.append(entry.name)
    except BaseException:
        try:
            for name in moved_in:
                os.rename(root / name, incoming / name)
            for name in moved_out:
                os.rename(outgoing / name, root / name)
        except OSError as exc:
            raise MediaSwapError(_("上传文件替换失败，且未能全部移回原处：原有文件在 {path}，请手工移回。{error}").format(
                path=outgoing, error=exc)) from exc
        shutil.rmtree(incoming, ignore_errors=True)
        outgoing.rmdir()
        raise
    shutil.rmtree(outgoing, ignore_errors=True)
    incoming.rmdir()
