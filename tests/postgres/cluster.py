"""A throw-away PostgreSQL cluster for the tests: initdb + pg_ctl on 127.0.0.1.

Debian's server programs refuse to run as root, so as root the cluster runs as the
``postgres`` system user (``runuser -u postgres --``) with its data directory in a temporary
folder that user owns; as any other user it simply runs as that user. The server listens on
127.0.0.1 only, on an unused port, with its unix socket inside the temporary folder and trust
authentication; it is stopped by ``pg_ctl stop -m immediate`` (then by its pid) when the
session ends, at interpreter exit should the session end early, and by a small reaper process
(in its own session, waiting on a pipe) should the test process be killed outright.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

REQUIRE_ENV = "DEBATE_BOT_REQUIRE_POSTGRES"
BINDIR_ENV = "DEBATE_BOT_PG_BINDIR"
SERVER_USER = "postgres"
SUPERUSER = "postgres"


#: Waits for the test process to die (end of its pipe), then stops the server and deletes it.
#: argv: a JSON list with the pg_ctl command (prefixed by runuser when root), data dir, root.
REAPER = """
import json, os, shutil, signal, subprocess, sys
pg_ctl, data, root = json.loads(sys.argv[1])
sys.stdin.buffer.read()
if os.path.isdir(data):
    subprocess.run([*pg_ctl, "stop", "-m", "immediate", "-D", data], capture_output=True)
    try:
        with open(os.path.join(data, "postmaster.pid")) as pid_file:
            os.kill(int(pid_file.readline()), signal.SIGKILL)
    except (OSError, ValueError):
        pass
shutil.rmtree(root, ignore_errors=True)
"""


class PostgresUnavailable(RuntimeError):
    """The cluster cannot be started on this machine; the message says why."""


def postgres_required() -> bool:
    """Whether PostgreSQL tests must fail, not skip, when no cluster can be started (CI)."""
    return os.environ.get(REQUIRE_ENV, "").strip() not in ("", "0", "false", "no")


def find_bindir() -> Path:
    """The folder of the server programs: $DEBATE_BOT_PG_BINDIR when set, else
    ``pg_config --bindir``, else Debian's usual place."""
    candidates: list[Path] = []
    pg_config = shutil.which("pg_config")
    if os.environ.get(BINDIR_ENV):
        candidates.append(Path(os.environ[BINDIR_ENV]))
    elif pg_config:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            out = subprocess.run(
                [pg_config, "--bindir"], capture_output=True, text=True, timeout=10, check=True
            )
            candidates.append(Path(out.stdout.strip()))
    debian = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
        reverse=True,
    )
    if not os.environ.get(BINDIR_ENV):
        candidates.extend(debian)
    for folder in candidates:
        if all((folder / name).is_file() for name in ("initdb", "pg_ctl", "postgres", "psql")):
            return folder
    raise PostgresUnavailable(
        "PostgreSQL server programs not found (no initdb/pg_ctl/postgres/psql in "
        f"{', '.join(map(str, candidates)) or 'pg_config --bindir, /usr/lib/postgresql/*/bin'}); "
        "install Debian's `postgresql` package"
    )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class PostgresCluster:
    """One running throw-away cluster; :meth:`start` it, :meth:`stop` it."""

    bindir: Path
    root: Path
    port: int = 0
    pid: int | None = None
    _run_as: list[str] = field(default_factory=list)
    _reaper: subprocess.Popen[bytes] | None = None
    _stopped: bool = False

    @classmethod
    def create(cls) -> PostgresCluster:
        """Check the machine and prepare (but do not start) a cluster."""
        bindir = find_bindir()
        run_as: list[str] = []
        owner: pwd.struct_passwd | None = None
        if os.geteuid() == 0:
            try:
                owner = pwd.getpwnam(SERVER_USER)
            except KeyError:
                raise PostgresUnavailable(
                    f"running as root, and there is no `{SERVER_USER}` system user to run the "
                    "server as (initdb and postgres refuse to run as root)"
                ) from None
            runuser = shutil.which("runuser")
            if runuser is None:
                raise PostgresUnavailable("running as root, and `runuser` is not installed")
            run_as = [runuser, "-u", SERVER_USER, "--"]
        root = Path(tempfile.mkdtemp(prefix="debate-bot-pg-"))
        if owner is not None:
            os.chown(root, owner.pw_uid, owner.pw_gid)
        root.chmod(0o700)
        return cls(bindir=bindir, root=root, _run_as=run_as)

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def log(self) -> Path:
        return self.root / "server.log"

    def url(self, database: str = "postgres") -> str:
        """The SQLAlchemy URL of ``database`` in this cluster (asyncpg over TCP, loopback)."""
        return f"postgresql+asyncpg://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def _program(self, name: str, *args: str, timeout: float = 60, server: bool = True) -> str:
        """Run one of the cluster's programs, as the server's user unless ``server`` is off."""
        command = [*(self._run_as if server else []), str(self.bindir / name), *args]
        done = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=self.root,
            check=False,
            env={**os.environ, "LC_ALL": "C", "PGTZ": "UTC"},
        )
        if done.returncode != 0:
            raise PostgresUnavailable(
                f"{name} failed (exit {done.returncode}): {done.stderr.strip() or done.stdout}"
            )
        return done.stdout

    def start(self) -> None:
        """initdb, then start the server; the cluster is stopped at exit whatever happens."""
        atexit.register(self.stop)
        pg_ctl = [*self._run_as, str(self.bindir / "pg_ctl")]
        self._reaper = subprocess.Popen(
            [sys.executable, "-c", REAPER, json.dumps([pg_ctl, str(self.data), str(self.root)])],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # outlives a kill of the test process group
        )
        self._program(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            SUPERUSER,
            "--auth=trust",
            "--encoding=UTF8",
            "--no-locale",
            "--no-sync",
        )
        last: PostgresUnavailable | None = None
        for _attempt in range(3):  # the free port may be taken between probe and bind
            self.port = free_port()
            try:
                self.start_server()
            except PostgresUnavailable as exc:
                last = exc
                continue
            return
        tail = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
        raise PostgresUnavailable(f"the server did not start: {last}\n{tail}")

    def start_server(self) -> None:
        """Start the initialised server on :attr:`port` (again, after :meth:`stop_server`)."""
        options = " ".join(
            [
                "-c listen_addresses=127.0.0.1",
                f"-c unix_socket_directories={self.root}",
                "-c max_connections=300",
                "-c fsync=off",
                "-c full_page_writes=off",
                "-c synchronous_commit=off",
                "-c timezone=UTC",
            ]
        )
        self._program(
            "pg_ctl",
            "start",
            "-w",
            "-t",
            "60",
            "-D",
            str(self.data),
            "-l",
            str(self.log),
            "-o",
            f"-p {self.port} {options}",
            timeout=90,
        )
        self.pid = self._read_pid()

    def stop_server(self) -> None:
        """Shut the server down as an operator would (``pg_ctl stop -m fast``): sessions are
        terminated and new connections refused until :meth:`start_server`."""
        self._program("pg_ctl", "stop", "-m", "fast", "-w", "-t", "60", "-D", str(self.data))

    def _read_pid(self) -> int | None:
        with contextlib.suppress(OSError, ValueError, IndexError):
            return int((self.data / "postmaster.pid").read_text().splitlines()[0])
        return None

    def psql(self, sql: str, database: str = "postgres") -> str:
        """Run one SQL command as the superuser (over the cluster's unix socket)."""
        return self._program(
            "psql",
            "-X",
            "-q",
            "-A",
            "-t",
            "-v",
            "ON_ERROR_STOP=1",
            "-h",
            str(self.root),
            "-p",
            str(self.port),
            "-U",
            SUPERUSER,
            "-d",
            database,
            "-c",
            sql,
            server=False,
        )

    def create_database(self, name: str, template: str | None = None) -> str:
        """A new database (a cheap copy of ``template`` when given); returns its URL."""
        suffix = f" TEMPLATE {quote(template)}" if template else ""
        self.psql(f"CREATE DATABASE {quote(name)}{suffix}")
        return self.url(name)

    def drop_database(self, name: str) -> None:
        self.psql(f"DROP DATABASE IF EXISTS {quote(name)} WITH (FORCE)")

    def stop(self) -> None:
        """Stop the server at once (it holds nothing worth a clean shutdown) and delete it."""
        if self._stopped:
            return
        self._stopped = True
        with contextlib.suppress(Exception):
            atexit.unregister(self.stop)
        if self.data.exists() and self.pid is not None:
            with contextlib.suppress(Exception):
                self._program("pg_ctl", "stop", "-m", "immediate", "-w", "-D", str(self.data))
            if _alive(self.pid):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(self.pid, signal.SIGKILL)
                deadline = time.monotonic() + 10
                while _alive(self.pid) and time.monotonic() < deadline:
                    time.sleep(0.05)
        shutil.rmtree(self.root, ignore_errors=True)
        if self._reaper is not None and self._reaper.stdin is not None:
            self._reaper.stdin.close()  # nothing left to reap: it exits at once
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._reaper.wait(timeout=10)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def quote(identifier: str) -> str:
    """A double-quoted SQL identifier."""
    return '"' + identifier.replace('"', '""') + '"'
