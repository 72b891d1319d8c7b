"""A throwaway PostgreSQL server on 127.0.0.1 for the test suite (a cluster under ``.pg/``).

``make test`` installs Debian's ``postgresql`` package when it is missing (``scripts/ensure-postgres.sh``);
the session fixture in ``conftest.py`` starts the server with :func:`start` and stops it at the end.
When no server can be started, :func:`start` returns the reason and the PostgreSQL tests are skipped.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path

USER = "kzfeed"
_MIGRATED: set[int] = set()  # the servers (ports) whose migrated template database exists
_TEMPLATE_LOCK = threading.Lock()


@dataclass(frozen=True)
class PgServer:
    root: Path
    port: int
    bindir: Path
    run_as: str | None

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{USER}@127.0.0.1:{self.port}/{database}"

    def create_database(self, template: str | None = None) -> str:
        """A fresh, empty database (a copy of database ``template``, which nothing may be
        connected to, when given); returns its kzfeed URL."""
        import psycopg

        name = f"t_{uuid.uuid4().hex[:12]}"
        copy = f' TEMPLATE "{template}"' if template else ""
        with psycopg.connect(
            f"host=127.0.0.1 port={self.port} user={USER} dbname=postgres", autocommit=True
        ) as c:
            c.execute(f'CREATE DATABASE "{name}"{copy}')
        return self.url(name)

    def create_migrated_database(self) -> str:
        """A database at the newest schema, made once per server by kzfeed's migrations and
        copied each time after (a copy takes milliseconds, migrating seconds); its URL."""
        from kzfeed.storage import open_store

        template = "kzfeed_migrated"
        with _TEMPLATE_LOCK:
            if self.port not in _MIGRATED:
                url = self.create_database()
                open_store(url).close()
                import psycopg

                with psycopg.connect(
                    f"host=127.0.0.1 port={self.port} user={USER} dbname=postgres", autocommit=True
                ) as c:
                    c.execute(f'ALTER DATABASE "{url.rsplit("/", 1)[1]}" RENAME TO "{template}"')
                _MIGRATED.add(self.port)
        return self.create_database(template)

    def stop(self) -> None:
        _run(self, [str(self.bindir / "pg_ctl"), "-D", str(self.root / "data"), "-m", "fast", "-w", "stop"])


def find_bindir() -> Path | None:
    """Where initdb and pg_ctl are: PATH, else Debian's /usr/lib/postgresql/<version>/bin."""
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(os.path.realpath(found)).parent
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if (Path(candidate) / "initdb").is_file():
            return Path(candidate)
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run(server: PgServer, argv: list[str]) -> subprocess.CompletedProcess[str]:
    if server.run_as:
        argv = ["runuser", "-u", server.run_as, "--", *argv]
    return subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)


def start(root: Path, options: str = "") -> PgServer | str:
    """Start a fresh cluster under ``root`` (``options``: more ``-c name=value`` server
    settings); returns the server, or why it cannot run."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg is not installed (pip install 'kzfeed[postgres]')"
    bindir = find_bindir()
    if bindir is None:
        return "PostgreSQL is not installed (make test installs Debian's postgresql package as root)"
    run_as = None
    if os.geteuid() == 0:  # initdb refuses to run as root
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no 'postgres' user to run the server as"
        run_as = "postgres"
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    if run_as:
        shutil.chown(root.parent, user=run_as)
        shutil.chown(root, user=run_as)
    server = PgServer(root=root, port=_free_port(), bindir=bindir, run_as=run_as)
    data = root / "data"
    steps = [
        [str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", USER, "--no-sync", "-E", "UTF8", "--locale=C.UTF-8"],
        [
            str(bindir / "pg_ctl"), "-D", str(data), "-l", str(root / "server.log"), "-w", "-t", "30",
            "-o", f"-h 127.0.0.1 -p {server.port} -k {root} -c fsync=off -c full_page_writes=off -c max_connections=100 {options}",
            "start",
        ],
    ]  # fmt: skip
    for argv in steps:
        done = _run(server, argv)
        if done.returncode != 0:
            return f"{Path(argv[0]).name} failed: {(done.stderr or done.stdout).strip()[-300:]}"
    return server
