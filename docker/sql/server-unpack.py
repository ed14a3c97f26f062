"""Unpacks a server distribution (Trino's or Presto's) without the plugins the cluster does not load.

Usage: server-unpack.py ARCHIVE DEST PLUGIN...

Trino's archive stores a jar that several plugins share once and hard-links the other copies to it,
so GNU tar cannot pick some plugins out of it (a link to a plugin left out has no target).
Python's tarfile writes such a member from its target's data instead.
"""
import sys
import tarfile


def main() -> None:
    archive, dest, *plugins = sys.argv[1:]
    wanted = set(plugins)

    def keep(member: tarfile.TarInfo) -> bool:
        parts = member.name.split("/")
        # <top>/plugin/<name>/...: only the plugins asked for.
        return not (len(parts) > 2 and parts[1] == "plugin" and parts[2] not in wanted)

    # Pythons with extraction filters (3.12, and updates of older ones) want one named.
    options = {"filter": "tar"} if hasattr(tarfile, "tar_filter") else {}
    with tarfile.open(archive) as tar:
        members = [m for m in tar if keep(m)]
        tar.extractall(dest, members=members, **options)


if __name__ == "__main__":
    main()
