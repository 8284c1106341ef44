"""Start and stop the real servers (FerretDB, MinIO) that hoso's server test tier runs against.

The binaries are built once by ``tests/servers/build.sh`` into
``${HOSO_SERVERS_DIR:-~/.cache/hoso/servers}/bin``. This module only starts them: each server
listens on 127.0.0.1 on a free port, keeps its data and log in a temporary directory, and is
always stopped again -- by ``stop()``/``close()``, by leaving the ``with`` block, at interpreter
exit, and (on Linux) by the kernel if the Python process dies without cleaning up.

Standard library only at import time; ``pymongo`` and ``minio`` are imported lazily when
available (readiness check, client helpers).

    with FerretDBServer() as db, MinioServer() as s3:
        client = pymongo.MongoClient(db.url)
        blobs = minio.Minio(s3.endpoint, s3.access_key, s3.secret_key, secure=False)
"""

from __future__ import annotations

import atexit
import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO, Any, ClassVar, Self

__all__ = [
    "FerretDBServer",
    "MinioServer",
    "ServerError",
    "ServerNotBuilt",
    "free_port",
    "server_binary",
    "servers_bin_dir",
    "servers_dir",
]

HOST = "127.0.0.1"
STOP_GRACE_SECONDS = 5.0
LOG_TAIL_LINES = 40


class ServerError(RuntimeError):
    """A server failed to start (the message ends with the tail of its log)."""


class ServerNotBuilt(ServerError):
    """The server binary is not in the cache: run tests/servers/build.sh."""


def servers_dir() -> Path:
    """The cache directory used by build.sh: ``$HOSO_SERVERS_DIR`` or ``~/.cache/hoso/servers``."""
    configured = os.environ.get("HOSO_SERVERS_DIR")
    if configured:
        return Path(configured).expanduser()
    return Path.home() / ".cache" / "hoso" / "servers"


def servers_bin_dir() -> Path:
    """Where build.sh puts the ``minio`` and ``ferretdb`` binaries."""
    return servers_dir() / "bin"


def server_binary(name: str) -> Path | None:
    """Path of the built binary ``name`` (``"minio"`` or ``"ferretdb"``), or None if not built."""
    path = servers_bin_dir() / name
    if path.is_file() and os.access(path, os.X_OK):
        return path
    return None


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


# Requests to our own local servers must never go through an HTTP(S)_PROXY of the environment.
_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _port_is_open(port: int, timeout: float = 0.2) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=timeout):
            return True
    except OSError:
        return False


# --- cleanup: every server not closed yet is stopped (and its directory removed) at exit ----------

_OPEN: set[_Server] = set()
_OPEN_LOCK = threading.Lock()


def _stop_all_at_exit() -> None:
    with _OPEN_LOCK:
        servers = list(_OPEN)
    for server in servers:
        with contextlib.suppress(Exception):
            server.close()


atexit.register(_stop_all_at_exit)


def _load_prctl() -> Any:
    """libc's prctl, looked up in the parent: nothing may be imported in the forked child."""
    if sys.platform != "linux":
        return None
    try:
        import ctypes

        return ctypes.CDLL(None, use_errno=True).prctl
    except (ImportError, OSError, AttributeError):
        return None


_PRCTL = _load_prctl()
_PR_SET_PDEATHSIG = 1


def _parent_death_signal() -> None:
    """In the child, before exec: ask Linux to SIGKILL it when the parent dies."""
    _PRCTL(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)


class _Server:
    """A server process on 127.0.0.1 with its own temporary directory.

    The port(s) and the data directory are chosen once, in ``__init__``, so ``start()`` after
    ``stop()``/``kill()`` brings the same server back on the same address with the same data.
    """

    name: ClassVar[str] = "server"

    def __init__(
        self,
        *,
        binary: str | os.PathLike[str] | None = None,
        data_dir: str | os.PathLike[str] | None = None,
        port: int | None = None,
        start_timeout: float = 20.0,
    ) -> None:
        if binary is None:
            found = server_binary(self.name)
            if found is None:
                raise ServerNotBuilt(
                    f"{self.name} is not built: expected {servers_bin_dir() / self.name}; "
                    "run tests/servers/build.sh"
                )
            binary = found
        self.binary = Path(binary)
        self.start_timeout = start_timeout
        self.tmp_dir = Path(tempfile.mkdtemp(prefix=f"hoso-{self.name}-"))
        self.data_dir = Path(data_dir) if data_dir is not None else self.tmp_dir / "data"
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = self.tmp_dir / f"{self.name}.log"
        self._port_given = port is not None
        self.port = port if port is not None else free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self._log_file: IO[bytes] | None = None
        self._closed = False
        with _OPEN_LOCK:
            _OPEN.add(self)

    # -- to be provided by subclasses --

    def _command(self) -> list[str]:
        raise NotImplementedError

    def _environment(self) -> Mapping[str, str]:
        return os.environ

    def _ready(self) -> bool:
        raise NotImplementedError

    def _ports(self) -> Sequence[int]:
        return (self.port,)

    def _choose_new_ports(self) -> None:
        self.port = free_port()

    # -- life cycle --

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    @property
    def returncode(self) -> int | None:
        """Exit code of the last process (None while it runs or before the first start)."""
        return self.process.poll() if self.process is not None else None

    def start(self) -> Self:
        """Start the server (or start it again, same port and data) and wait until it is ready."""
        if self._closed:
            raise ServerError(f"{self.name}: start() after close()")
        if self.running:
            return self
        first_start = self.process is None
        try:
            self._spawn_and_wait()
        except ServerError:
            # Another process may have taken the port between free_port() and the bind. Only on
            # the first start, and only for ports we picked, try once more on fresh ports.
            if not (first_start and not self._port_given and self._address_in_use()):
                raise
            self._choose_new_ports()
            self._spawn_and_wait()
        return self

    def _spawn_and_wait(self) -> None:
        for port in self._ports():
            if _port_is_open(port):
                raise ServerError(f"{self.name}: port {port} on {HOST} is already in use")
        self._close_log()
        self._log_file = open(self.log_path, "ab")  # noqa: SIM115 - kept open while it runs
        self._log_file.write(f"--- {time.strftime('%H:%M:%S')} start {self._command()}\n".encode())
        self._log_file.flush()
        in_main_thread = threading.current_thread() is threading.main_thread()
        self.process = subprocess.Popen(
            self._command(),
            stdin=subprocess.DEVNULL,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            env=dict(self._environment()),
            cwd=self.tmp_dir,
            # Own session: a Ctrl-C in the terminal reaches the test run, which then stops us.
            start_new_session=True,
            # The death signal is tied to the forking thread; only use it from the main thread.
            preexec_fn=_parent_death_signal if _PRCTL is not None and in_main_thread else None,
        )
        deadline = time.monotonic() + self.start_timeout
        while True:
            code = self.process.poll()
            if code is not None:
                self._forget()
                raise ServerError(self._failure(f"exited with code {code} while starting"))
            if self._ready():
                return
            if time.monotonic() > deadline:
                self._terminate(kill_only=True)
                raise ServerError(self._failure(f"not ready after {self.start_timeout:g} s"))
            time.sleep(0.1)

    def stop(self, timeout: float = STOP_GRACE_SECONDS) -> int | None:
        """SIGTERM, then SIGKILL after ``timeout`` seconds; wait for exit. Returns the exit code."""
        return self._terminate(kill_only=False, timeout=timeout)

    def kill(self) -> int | None:
        """SIGKILL at once (a crash); ``start()`` brings it back on the same port and data."""
        return self._terminate(kill_only=True)

    def close(self) -> None:
        """Stop the server and delete its temporary directory (unless HOSO_SERVERS_KEEP=1)."""
        if self._closed:
            return
        try:
            self.stop()
        finally:
            self._closed = True
            with _OPEN_LOCK:
                _OPEN.discard(self)
            self._close_log()
            if os.environ.get("HOSO_SERVERS_KEEP") != "1":
                shutil.rmtree(self.tmp_dir, ignore_errors=True)

    def _terminate(self, *, kill_only: bool, timeout: float = STOP_GRACE_SECONDS) -> int | None:
        proc = self.process
        if proc is None:
            return None
        try:
            if proc.poll() is None:
                if not kill_only:
                    proc.send_signal(signal.SIGTERM)
                    with contextlib.suppress(subprocess.TimeoutExpired):
                        proc.wait(timeout=timeout)
                if proc.poll() is None:
                    proc.kill()
                proc.wait()
        finally:
            self._forget()
        return proc.returncode

    def _forget(self) -> None:
        self._close_log()

    def _close_log(self) -> None:
        if self._log_file is not None:
            with contextlib.suppress(OSError):
                self._log_file.close()
            self._log_file = None

    def log_tail(self, lines: int = LOG_TAIL_LINES) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def _address_in_use(self) -> bool:
        return "address already in use" in self.log_tail(200).lower()

    def _failure(self, what: str) -> str:
        return (
            f"{self.name} ({self.binary}) {what}; log {self.log_path} "
            "(deleted on close unless HOSO_SERVERS_KEEP=1), last lines:\n"
            f"{self.log_tail() or '(empty)'}"
        )

    def __enter__(self) -> Self:
        try:
            return self.start()
        except BaseException:
            self.close()
            raise

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"<{type(self).__name__} {HOST}:{self.port} {state} pid={self.pid}>"


class FerretDBServer(_Server):
    """FerretDB (MongoDB wire protocol, SQLite backend) built from tests/servers/ferretdb.

    ``url`` is ``mongodb://127.0.0.1:PORT/``. Ready when it answers a MongoDB ``ping``.
    """

    name = "ferretdb"

    def __init__(
        self,
        *,
        binary: str | os.PathLike[str] | None = None,
        data_dir: str | os.PathLike[str] | None = None,
        port: int | None = None,
        start_timeout: float = 20.0,
        log_level: str = "warn",
    ) -> None:
        super().__init__(binary=binary, data_dir=data_dir, port=port, start_timeout=start_timeout)
        self.log_level = log_level

    @property
    def url(self) -> str:
        return f"mongodb://{HOST}:{self.port}/"

    def _command(self) -> list[str]:
        return [
            str(self.binary),
            "-listen",
            f"{HOST}:{self.port}",
            "-data",
            str(self.data_dir),
            "-log-level",
            self.log_level,
        ]

    def _ready(self) -> bool:
        if not _port_is_open(self.port):
            return False
        try:
            import pymongo
        except ImportError:  # no driver: an open port is the best we can check
            return True
        client: Any = pymongo.MongoClient(
            self.url,
            directConnection=True,
            serverSelectionTimeoutMS=500,
            connectTimeoutMS=500,
            socketTimeoutMS=2000,
        )
        try:
            client.admin.command("ping")
            return True
        except Exception:  # not ready yet
            return False
        finally:
            client.close()


class MinioServer(_Server):
    """MinIO (S3) on ``endpoint`` = ``127.0.0.1:PORT``, console on a second local port.

    Ready when ``GET /minio/health/cluster`` answers 200 (see ``_ready`` for why not ``live``).
    """

    name = "minio"

    def __init__(
        self,
        *,
        binary: str | os.PathLike[str] | None = None,
        data_dir: str | os.PathLike[str] | None = None,
        port: int | None = None,
        console_port: int | None = None,
        access_key: str = "hoso-test",
        secret_key: str | None = None,
        start_timeout: float = 20.0,
    ) -> None:
        super().__init__(binary=binary, data_dir=data_dir, port=port, start_timeout=start_timeout)
        self.console_port = console_port if console_port is not None else self._other_port()
        if len(access_key) < 3:
            raise ValueError("MinIO needs an access key of at least 3 characters")
        self.access_key = access_key
        self.secret_key = secret_key if secret_key is not None else secrets.token_hex(16)
        if len(self.secret_key) < 8:
            raise ValueError("MinIO needs a secret key of at least 8 characters")

    def _other_port(self) -> int:
        while True:
            port = free_port()
            if port != self.port:
                return port

    @property
    def endpoint(self) -> str:
        return f"{HOST}:{self.port}"

    @property
    def url(self) -> str:
        return f"http://{self.endpoint}"

    def client(self) -> Any:
        """A ``minio.Minio`` client for this server (needs the minio SDK)."""
        import minio

        return minio.Minio(
            self.endpoint, access_key=self.access_key, secret_key=self.secret_key, secure=False
        )

    def _ports(self) -> Sequence[int]:
        return (self.port, self.console_port)

    def _choose_new_ports(self) -> None:
        self.port = free_port()
        self.console_port = self._other_port()

    def _command(self) -> list[str]:
        return [
            str(self.binary),
            "server",
            str(self.data_dir),
            "--address",
            f"{HOST}:{self.port}",
            "--console-address",
            f"{HOST}:{self.console_port}",
            "--certs-dir",
            str(self.tmp_dir / "certs"),
            "--quiet",
        ]

    def _environment(self) -> Mapping[str, str]:
        # Drop any MINIO_* settings of the caller (an app's own config must not leak in).
        env = {k: v for k, v in os.environ.items() if not k.startswith("MINIO_")}
        env.update(
            MINIO_ROOT_USER=self.access_key,
            MINIO_ROOT_PASSWORD=self.secret_key,
            MINIO_UPDATE="off",
            MINIO_BROWSER="off",
        )
        return env

    def _ready(self) -> bool:
        # Not /minio/health/live: it answers 200 as soon as the HTTP listener is up, before the
        # object layer, bucket metadata and IAM are initialised. A request sent then gets 503
        # with "Retry-After: 60", which the SDK's urllib3 honours: a 60 s stall. The cluster
        # check answers 200 only once all three are ready.
        try:
            with _NO_PROXY.open(f"{self.url}/minio/health/cluster", timeout=2) as resp:
                return int(resp.status) == 200
        except (urllib.error.URLError, OSError):
            return False


def main(argv: Sequence[str] | None = None) -> int:
    """``python tests/servers/launch.py ferretdb|minio``: run one server until Ctrl-C."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1 or args[0] not in ("ferretdb", "minio"):
        print("usage: launch.py ferretdb|minio", file=sys.stderr)
        return 2
    server: _Server = FerretDBServer() if args[0] == "ferretdb" else MinioServer()
    with server:
        if isinstance(server, FerretDBServer):
            print(f"FerretDB ready: {server.url}")
        elif isinstance(server, MinioServer):
            print(f"MinIO ready: endpoint {server.endpoint}")
            print(f"  access key {server.access_key}  secret key {server.secret_key}")
        print(f"  data {server.data_dir}  log {server.log_path}  (Ctrl-C stops it)", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            while server.running:
                time.sleep(0.5)
        if not server.running:
            print(server._failure(f"exited with code {server.returncode}"), file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
