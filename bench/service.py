"""The stores a bench run uses, the service process it loads, and what /proc says about both.

A `Tier` holds what lives for the whole run (a temporary folder; on the servers tier FerretDB and
MinIO, started from ~/.cache/hoso/servers/bin by tests/servers/launch.py). `tier.fresh(label)`
gives the settings of new, empty stores: a new data folder on the embedded tier, a new database
(and bucket) on the servers tier. `running_service(settings)` starts `python -m core serve` on
them as a user does, on a free port of 127.0.0.1, and always stops it again.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench.credentials import BENCH_TOKEN
from core.settings import Settings, load_settings
from tests.servers.launch import FerretDBServer, MinioServer, free_port
from tests.service_process import service_env

REPO = Path(__file__).resolve().parent.parent
TICKS = os.sysconf("SC_CLK_TCK")
START_TIMEOUT = 90.0  # seconds; the embedded store reads 100k documents twice at start


def clear_settings_environment() -> list[str]:
    """Drop HOSO_* settings from the environment, and say which: the bench chooses every setting
    itself. HOSO_SERVERS_DIR stays: it says where tests/servers/build.sh put the servers."""
    dropped = [
        name for name in os.environ if name.startswith("HOSO_") and name != "HOSO_SERVERS_DIR"
    ]
    for name in dropped:
        del os.environ[name]
    return dropped


class Tier:
    """`embedded` (SQLite-backed store in a folder, files in a folder) or `servers` (FerretDB
    1.24 on SQLite, MinIO). A context manager: leaving it stops the servers and removes the
    temporary folder."""

    def __init__(self, name: str) -> None:
        if name not in ("embedded", "servers"):
            raise ValueError(f"unknown tier {name!r}")
        self.name = name
        self.root = Path(tempfile.mkdtemp(prefix=f"hoso-bench-{name}-"))
        self.ferretdb: FerretDBServer | None = None
        self.minio: MinioServer | None = None
        self._count = 0

    def __enter__(self) -> Tier:
        try:
            if self.name == "servers":
                self.ferretdb = FerretDBServer().start()
                self.minio = MinioServer().start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        for server in (self.ferretdb, self.minio):
            if server is not None:
                server.close()
        shutil.rmtree(self.root, ignore_errors=True)

    @property
    def max_workers(self) -> int:
        # Several workers need a shared database: only the servers tier has one.
        return 2 if self.name == "servers" else 1

    def fresh(self, label: str) -> Settings:
        """Settings of new, empty stores for one scenario."""
        self._count += 1
        name = f"{label}-{self._count}"
        folder = self.root / name
        overrides: dict[str, object] = {
            "data_dir": folder / "data",
            "blob_dir": folder / "blobs",
            "log_level": "warning",
            # The load acts as the province administrator: an API token made at first start.
            "bootstrap_token": BENCH_TOKEN,
        }
        if self.ferretdb is not None and self.minio is not None:
            overrides.update(
                mongodb_url=self.ferretdb.url,
                mongodb_database=f"bench_{name.replace('-', '_')}",
                s3_endpoint=self.minio.endpoint,
                s3_access_key=self.minio.access_key,
                s3_secret_key=self.minio.secret_key,
                s3_bucket=f"bench-{name}",
            )
        return load_settings(**overrides)

    def server_groups(self) -> dict[str, list[int]]:
        """The database and blob servers' processes, by name, for their CPU time."""
        return {
            server.name: [server.pid]
            for server in (self.ferretdb, self.minio)
            if server is not None and server.pid is not None
        }


@dataclass
class Service:
    base: str
    pid: int
    log: Path
    workers: int
    started: float = field(default_factory=time.monotonic)

    def pids(self) -> list[int]:
        """The service's processes: uvicorn's main one and its workers."""
        return process_tree(self.pid)

    def peak_rss(self) -> int:
        """VmHWM of the main process, bytes: the most memory it ever held (one worker only)."""
        return peak_rss(self.pid)

    def log_tail(self, lines: int = 30) -> str:
        with suppress(OSError):
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        return ""


@contextmanager
def running_service(settings: Settings, *, workers: int = 1) -> Iterator[Service]:
    """`python -m core serve` on `settings`, answering /health; stopped on leaving, whatever
    happens (error, Ctrl-C)."""
    port = free_port()
    env = service_env(settings, port)
    env["HOSO_WORKERS"] = str(workers)
    env["HOSO_LOG_LEVEL"] = settings.log_level
    log = Path(tempfile.mkstemp(prefix="hoso-bench-service-", suffix=".log")[1])
    with log.open("ab") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "core", "serve"],
            cwd=REPO,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            # Its own process group: a Ctrl-C reaches the bench, which stops the service (and
            # its workers) itself; and the kernel kills it if the bench dies without doing so.
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )
    service = Service(f"http://127.0.0.1:{port}", process.pid, log, workers)
    try:
        _wait_healthy(service, process)
        yield service
    finally:
        _stop(process)
        log.unlink(missing_ok=True)


def _wait_healthy(service: Service, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        with suppress(httpx.TransportError):
            if httpx.get(f"{service.base}/health", timeout=2, trust_env=False).status_code == 200:
                return
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the service did not start:\n{service.log_tail()}")
        time.sleep(0.2)


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM (uvicorn stops its workers), then SIGKILL to the group it leads if it lingers."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        with suppress(subprocess.TimeoutExpired):
            process.wait(timeout=20)
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)  # the group of the process we started
    process.wait()


_LIBC = ctypes.CDLL(None, use_errno=True) if sys.platform == "linux" else None


def _die_with_parent() -> None:
    if _LIBC is not None:
        _LIBC.prctl(1, int(signal.SIGKILL), 0, 0, 0)  # PR_SET_PDEATHSIG


# --- /proc: memory and CPU time ---------------------------------------------------------------


def peak_rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmHWM for process {pid}")


def _stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2 :].split()  # fields after the command name


def process_tree(pid: int) -> list[int]:
    """`pid` and every process below it."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (fields := _stat(int(entry))) is not None:
            children.setdefault(int(fields[1]), []).append(int(entry))
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        pending.extend(children.get(current, []))
    return found


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time used so far by these processes."""
    total = 0
    for pid in pids:
        if (fields := _stat(pid)) is not None:
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICKS


class CpuMeter:
    """CPU time each named group of processes uses between `start()` and `stop()`, as a share
    of one core over the wall time: shows who was busy (and that the generator was not)."""

    def __init__(self, groups: dict[str, list[int]]) -> None:
        self.groups = groups
        self.shares: dict[str, float] = {}

    def start(self) -> CpuMeter:
        self._wall = time.monotonic()
        self._own = time.process_time()
        self._before = {name: cpu_seconds(pids) for name, pids in self.groups.items()}
        return self

    def stop(self) -> dict[str, float]:
        wall = max(time.monotonic() - self._wall, 1e-9)
        self.shares = {"generator": (time.process_time() - self._own) / wall}
        for name, pids in self.groups.items():
            self.shares[name] = (cpu_seconds(pids) - self._before[name]) / wall
        return self.shares

    def describe(self) -> str:
        return ", ".join(f"{name} {share:.0%}" for name, share in self.shares.items())
