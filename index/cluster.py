"""Embedding on a Ray cluster: cache misses go to Ray Data actors that each load the model once.

The actors run the project's own embedder (`index/embed.py`) with the driver's model path, dtype,
dimension and batch size, over the very forward batches in-process embedding would run, so the
vectors are the ones in-process embedding gives. Every node needs this checkout and its virtual
environment at the driver's path, and the model at the path the driver resolves: run
`python -m index fetch-model` on each node with the same NEWSRAG_MODEL_CACHE_DIR, or point
NEWSRAG_EMBED_MODEL at a folder every node sees.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import re
import shutil
import socket
import sqlite3
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from contracts import Progress
from errors import ModelError, NewsRagError
from index.cache import cache_key
from index.store import write_failure
from schema import Chunk

if TYPE_CHECKING:
    from index.cache import VectorCache

log = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parent.parent
# Ray reads some of these when it is imported, so they are set before the first import.
_ANY_RAY = {"RAY_USAGE_STATS_ENABLED": "0"}  # Ray otherwise reports usage to its servers hourly
_LOCAL_RAY = {
    "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0",  # a private instance listens on 127.0.0.1 only...
    "RAY_AUTH_MODE": "disabled",  # ...so it needs no token in ~/.ray
    "RAY_BACKEND_LOG_LEVEL": "fatal",  # else one C++ warning per actor pool about constructor arguments
}
_RESUME = ("이미 끝난 청크는 임베딩 캐시에 저장되어 있어 같은 명령을 다시 실행하면 나머지만 임베딩합니다. "
           "이번 묶음은 인덱스에 반영되지 않았습니다(앞서 끝난 묶음은 그대로입니다).")


class RayClusterError(NewsRagError):
    """Ray is missing, the cluster cannot be reached or lacks resources, or its workers failed."""


_ADDRESS = re.compile(r"local|auto|(ray://)?(\[[0-9A-Fa-f:.]+\]|[\w.-]+)(:\d+)?")


def check_address(address: str) -> None:
    """"local", "auto", host:port or ray://host[:port]; anything else is most likely a misplaced path."""
    m = _ADDRESS.fullmatch(address)
    if m is None or (m.group(2) and not m.group(1) and not m.group(3)):
        raise RayClusterError(
            f"Ray 주소가 아닙니다: {address}. local, auto, host:6379 또는 ray://host:10001 중 하나를 주세요 "
            "(--ray 바로 뒤에 파일이나 폴더를 쓰면 주소로 읽히니 경로를 앞에 쓰세요).")


@dataclass(frozen=True, slots=True)
class EmbedSpec:
    """What every actor loads: the in-process embedder's model, dtype, dimension and batch size."""

    model: str  # a folder (the same path on every node) or a hub name
    name: str  # the manifest's model id, part of the cache key
    dim: int
    dtype: str  # "bfloat16" or "float32": "auto" is resolved on the driver so all nodes agree
    truncate_dim: int | None = None
    batch_size: int = 8
    local: bool = True  # a folder: the actors load it offline


def resolve_dtype(dtype: str) -> str:
    """The dtype in-process embedding uses on this machine ("auto" depends on the CPU)."""
    if dtype != "auto":
        return dtype
    from index.embed import cpu_has_native_bf16

    return "bfloat16" if cpu_has_native_bf16() else "float32"


def forward_batches(lengths: Sequence[int], batch_size: int) -> list[list[int]]:
    """Positions per forward pass as SentenceTransformerEmbedder groups them: longest first."""
    order = sorted(range(len(lengths)), key=lambda i: lengths[i], reverse=True)
    return [order[i:i + batch_size] for i in range(0, len(order), batch_size)]


def import_ray(address: str) -> Any:
    """Import Ray with quiet, local-only defaults; a Korean error when it is not installed."""
    env = {**_ANY_RAY, **(_LOCAL_RAY if address == "local" else {})}
    for key, value in env.items():
        os.environ.setdefault(key, value)
    try:
        import ray
    except ImportError as e:
        raise RayClusterError(
            "Ray가 설치되어 있지 않아 --ray(NEWSRAG_RAY_ADDRESS)로 임베딩할 수 없습니다. "
            "`pip install -r requirements-scale.txt`로 설치하거나 --ray 없이 실행하세요.") from e
    if address == "local":
        try:
            from ray._private import ray_constants
        except ImportError:  # pragma: no cover - a private module: the variable above still applies
            return ray
        # Ray may have been imported before the variable was set: keep this instance on the loopback.
        ray_constants.ENABLE_RAY_CLUSTER = False
    return ray


# The Ray this module started or joined, and how many ray_session blocks use it: app sessions may
# ingest at once, and a process holds one Ray connection, shared until the last block ends.
_SESSION_LOCK = threading.Lock()
_session: dict[str, Any] = {"users": 0, "temp_dir": None}


@contextmanager
def ray_session(address: str, num_cpus: int | None = None) -> Iterator[None]:
    """Ray for the block: "local" starts a private instance (stopped after), anything else joins one.

    A Ray this process had joined some other way (a test session, a notebook) is used as it is and
    left up; blocks overlapping in threads share the first one's Ray.
    """
    check_address(address)
    ray = import_ray(address)
    with _SESSION_LOCK:
        ours = _session["users"] > 0 or not ray.is_initialized()
        if ours:
            if _session["users"] == 0:
                _session["temp_dir"] = _start_ray(ray, address, num_cpus)
            _session["users"] += 1
    try:
        yield
    finally:
        if ours:
            with _SESSION_LOCK:
                _session["users"] -= 1
                if _session["users"] == 0:
                    ray.shutdown()
                    temp_dir, _session["temp_dir"] = _session["temp_dir"], None
                    _remove(temp_dir)


def _start_ray(ray: Any, address: str, num_cpus: int | None) -> str | None:
    """ray.init for the address; returns the private instance's temp folder, if one was made."""
    if address.startswith("ray://") and importlib.util.find_spec("grpc") is None:  # ray[client] adds grpcio
        raise _connect_failure(address, ImportError("ray[client]"))
    temp_dir = None
    try:
        if address == "local":
            # Ray's socket paths live under it and must stay under 108 bytes: no long temp folders.
            temp_dir = tempfile.mkdtemp(prefix="ray", dir="/tmp" if os.path.isdir("/tmp") else None)
            ray.init(address="local", num_cpus=num_cpus or os.cpu_count(), include_dashboard=False,
                     _temp_dir=temp_dir, logging_level=logging.ERROR, log_to_driver=False)
        else:
            _check_reachable(address)
            ray.init(address=address, logging_level=logging.ERROR, log_to_driver=False)
    except (ConnectionError, RuntimeError, ValueError, OSError, SystemExit) as e:
        ray.shutdown()
        _remove(temp_dir)
        raise _connect_failure(address, e) from e
    return temp_dir


def _remove(temp_dir: str | None) -> None:
    if temp_dir:
        shutil.rmtree(temp_dir, ignore_errors=True)


def _check_reachable(address: str, timeout_s: float = 5.0) -> None:
    """Fail in seconds: Ray retries an unreachable head for minutes, then exits the process."""
    target: str | None = address
    if address == "auto":
        try:
            from ray._private.services import canonicalize_bootstrap_address

            target = canonicalize_bootstrap_address("auto")
        except ConnectionError:
            raise
        except Exception:  # a private helper: if it moved, ray.init reports on its own
            target = None
    if not target:
        return
    host, _, port = target.removeprefix("ray://").rpartition(":")
    if not host or "]" in port:  # no port given: Ray Client's default
        host, port = target.removeprefix("ray://"), "10001"
    try:
        socket.create_connection((host.strip("[]") or "127.0.0.1", int(port)), timeout=timeout_s).close()
    except (OSError, ValueError) as e:
        raise ConnectionError(f"{target}: {e}") from e


def _connect_failure(address: str, e: BaseException) -> RayClusterError:
    if "ray[client]" in str(e):
        return RayClusterError(
            f"원격 Ray 클러스터({address})에 접속하려면 ray[client]가 필요합니다. "
            "`pip install 'ray[client]==2.60.0'`로 설치하거나, 클러스터의 노드에서 --ray auto로 실행하세요.")
    return RayClusterError(
        f"Ray 클러스터({address})에 연결할 수 없습니다: {_one_line(e)}. 헤드 노드에서 `ray start --head`가 "
        "실행 중인지, 주소(auto, host:6379, ray://host:10001)가 맞는지 확인하거나, "
        "이 컴퓨터에서만 돌리려면 --ray local을 쓰세요.")


class ChunkEncoder:
    """The Ray Data UDF: loads the model once per actor, then embeds one forward batch per call."""

    def __init__(self, spec: EmbedSpec, device: str = "cpu") -> None:
        from index.embed import load_embedder

        if spec.local and not Path(spec.model).is_dir():
            raise ModelError(
                f"Ray 노드 {socket.gethostname()}에 임베딩 모델 폴더가 없습니다: {spec.model}. 모든 노드에서 같은 "
                "NEWSRAG_MODEL_CACHE_DIR로 `python -m index fetch-model`을 실행하거나, 모든 노드가 보는 "
                "공유 폴더를 NEWSRAG_EMBED_MODEL에 지정하세요.")
        self.embedder = load_embedder(spec.model, dtype=spec.dtype, dim=spec.truncate_dim,
                                      batch_size=spec.batch_size, name=spec.name)
        if device != "cpu":
            self.embedder._model.to(device)  # load_embedder always loads on the CPU
        if self.embedder.dim != spec.dim:
            raise ModelError(
                f"Ray 노드 {socket.gethostname()}의 모델({spec.model})은 {self.embedder.dim}차원인데 이 컴퓨터의 "
                f"모델은 {spec.dim}차원입니다. 모든 노드에 같은 모델을 받으세요.")
        self.batch_size = spec.batch_size

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        vectors = self.embedder.encode_documents(batch["title"].tolist(), batch["text"].tolist(),
                                                 batch_size=self.batch_size)
        return {"pos": batch["pos"], "embedding": vectors}


class RayChunkEmbedder:
    """A ChunkEmbedder whose cache misses are embedded by Ray Data actors (one model load each).

    The misses are grouped into the forward batches the in-process embedder would run (sorted by
    input length, batch_size at a time), one Ray block each; every block's vectors go into the
    embedding cache as it comes back, so a killed run resumes without re-embedding them. Ray is
    joined (or started) at the first cache miss, not before, and left again by close().
    """

    def __init__(self, spec: EmbedSpec, cache: VectorCache, address: str = "local", actors: int = 1,
                 gpus_per_actor: float = 0.0,
                 format_documents: Callable[[Sequence[str], Sequence[str]], tuple[list[str], str]] | None = None
                 ) -> None:
        """format_documents: the in-process embedder's, whose input lengths order the forward batches."""
        check_address(address)
        if importlib.util.find_spec("ray") is None:
            import_ray(address)  # raises the message saying how to install it
        self.spec, self.cache, self.address = spec, cache, address
        self.name, self.dim = spec.name, spec.dim
        self.actors, self.gpus_per_actor = actors, gpus_per_actor
        self._format = format_documents
        self._embedded = 0
        self._session: ExitStack | None = None

    def __enter__(self) -> RayChunkEmbedder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Leave Ray (and stop the private instance "local" started)."""
        if self._session is not None:
            session, self._session = self._session, None
            session.close()

    def newly_embedded(self) -> int:
        return self._embedded

    def embed_chunks(self, chunks: Sequence[Chunk], progress: Progress | None = None) -> np.ndarray:
        keys = [cache_key(self.name, self.dim, c.title, c.text) for c in chunks]
        found = self.cache.get_many(keys, self.dim)
        if progress:
            progress(0, len(keys))
            if cached := sum(k in found for k in keys):
                progress(cached, len(keys))
        todo = sorted({k: i for i, k in enumerate(keys) if k not in found}.values())

        def arrived(positions: np.ndarray, vectors: np.ndarray) -> None:
            part = [keys[todo[p]] for p in positions.tolist()]
            self._put(part, vectors)
            found.update(zip(part, vectors, strict=True))
            self._embedded += len(part)
            if progress:
                progress(len(part), len(keys))

        if todo:
            self._embed_on_ray([chunks[i] for i in todo], arrived)
        if missing := sum(k not in found for k in keys):
            raise RayClusterError(f"Ray 작업자가 청크 {missing}개의 벡터를 돌려주지 않았습니다. {_RESUME}")
        if not keys:
            return np.empty((0, self.dim), dtype=np.float32)
        return np.stack([found[k] for k in keys]).astype(np.float32)

    def _put(self, keys: list[str], vectors: np.ndarray) -> None:
        if vectors.shape != (len(keys), self.dim):
            raise RayClusterError(f"Ray 작업자의 벡터 모양 {vectors.shape}이(가) ({len(keys)}, {self.dim})이 아닙니다. "
                                  "모든 노드에 같은 모델과 설정이 있는지 확인하세요.")
        try:
            self.cache.put_many(keys, vectors)
        except (OSError, sqlite3.OperationalError) as e:
            path = getattr(self.cache, "path", None)  # a file-backed cache; PostgreSQL's explains itself
            if path is not None and (failure := write_failure(e, Path(path).parent)):
                raise failure from e
            raise

    def _embed_on_ray(self, chunks: Sequence[Chunk], arrived: Callable[[np.ndarray, np.ndarray], None]) -> None:
        """Run the chunks through the actors, handing each block's (positions, vectors) to arrived."""
        if self._session is None:
            session = ExitStack()
            session.enter_context(ray_session(self.address))
            self._session = session
        import ray

        titles, texts = [c.title for c in chunks], [c.text for c in chunks]
        ds = self._dataset(ray, forward_batches(self._input_lengths(titles, texts), self.spec.batch_size),
                           titles, texts)
        blocks = iter(ds.iter_batches(batch_size=None, batch_format="numpy"))
        try:
            while True:
                try:
                    out = next(blocks)
                except StopIteration:
                    return
                except ray.exceptions.RayError as e:
                    raise _worker_failure(e) from e
                arrived(out["pos"], np.asarray(out["embedding"], dtype=np.float32))
        finally:
            # Stops the run and frees its actors when we leave early (an error, an interrupt).
            close = getattr(blocks, "close", None)
            if close is not None:
                close()

    def _input_lengths(self, titles: list[str], texts: list[str]) -> list[int]:
        if self._format is None:  # no formatter given: title and text as most models get them
            return [len(t) + 1 + len(x) for t, x in zip(titles, texts, strict=True)]
        return [len(x) for x in self._format(titles, texts)[0]]

    def _dataset(self, ray: Any, batches: list[list[int]], titles: list[str], texts: list[str]) -> Any:
        import pyarrow as pa
        from ray.data import ActorPoolStrategy

        # Set after ray.data configures its logging on import: no per-run lines between the bars, and
        # failures come as our own message (the full traces stay in the session's logs/ray-data).
        logging.getLogger("ray.data").setLevel(logging.CRITICAL)

        tables = [pa.table({"pos": pa.array(b, type=pa.int64()), "title": [titles[i] for i in b],
                            "text": [texts[i] for i in b]}) for b in batches]
        cpus, gpus = self._resources(ray)
        ds = ray.data.from_arrow(tables).map_batches(
            ChunkEncoder, fn_constructor_kwargs={"spec": self.spec, "device": "cuda" if gpus else "cpu"},
            batch_size=self.spec.batch_size, batch_format="numpy", num_cpus=cpus, num_gpus=gpus,
            compute=ActorPoolStrategy(size=self.actors), runtime_env={"env_vars": self._worker_env()})
        ctx = ds.context
        ctx.execution_options.preserve_order = True  # the default lets blocks come back as actors finish
        ctx.enable_progress_bars = False
        ctx.print_on_execution_start = False
        return ds

    def _resources(self, ray: Any) -> tuple[float, float]:
        """(CPUs, GPUs) per actor: a GPU share where asked for and present, else the CPUs split evenly."""
        total = ray.cluster_resources()
        if self.gpus_per_actor > 0 and total.get("GPU", 0) > 0:
            if self.actors * self.gpus_per_actor > total["GPU"]:
                raise RayClusterError(
                    f"작업자 {self.actors}개 × GPU {self.gpus_per_actor:g}개가 클러스터의 GPU {total['GPU']:g}개보다 "
                    "많습니다. NEWSRAG_RAY_ACTORS나 NEWSRAG_RAY_GPUS_PER_ACTOR를 줄이세요.")
            return 1.0, self.gpus_per_actor
        if self.gpus_per_actor > 0:
            log.warning("the Ray cluster has no GPU: embedding on CPUs")
        node_cpus = max((n["Resources"].get("CPU", 0) for n in ray.nodes() if n.get("Alive")), default=0)
        cpus = min(node_cpus, total.get("CPU", 0) // self.actors)  # Ray sets each actor's torch threads to it
        if cpus < 1:
            raise RayClusterError(
                f"Ray 클러스터의 CPU {total.get('CPU', 0):g}개로는 작업자 {self.actors}개를 띄울 수 없습니다. "
                "NEWSRAG_RAY_ACTORS를 줄이거나 노드를 더하세요.")
        return float(cpus), 0.0

    def _worker_env(self) -> dict[str, str]:
        # Ray expands ${VAR} from the node's own environment (an unset one becomes empty).
        env = {"PYTHONPATH": os.pathsep.join([str(REPO_ROOT), "${PYTHONPATH}"])}
        if self.spec.local:
            env["HF_HUB_OFFLINE"] = "1"
        return env


def _worker_failure(e: BaseException) -> NewsRagError:
    """Our own error raised on a worker (a node without the model) as it is; anything else explained."""
    cause = _root_cause(e)
    if isinstance(cause, NewsRagError):
        return cause
    return RayClusterError(f"Ray 작업자가 임베딩하다 실패했습니다({_summary(cause)}). 작업자 로그는 Ray 세션 "
                           f"폴더의 logs/에 있습니다. {_RESUME}")


def _root_cause(e: BaseException) -> BaseException:
    """The error under Ray's wrappers (RayTaskError.cause, ActorDiedError's creation task, __cause__):
    our own if there is one, else the first that is not Ray's, else e."""
    queue, seen, first_other = [e], set(), None
    while queue:
        err = queue.pop(0)
        if id(err) in seen:
            continue
        seen.add(id(err))
        if isinstance(err, NewsRagError):
            return err
        if first_other is None and not type(err).__module__.startswith("ray."):
            first_other = err
        queue += [w for w in (getattr(err, "cause", None), err.__cause__, *err.args) if isinstance(w, BaseException)]
    return first_other or e


_ERROR_LINE = re.compile(r"[A-Za-z_][\w.]*(Error|Exception|Exit)(: .*)?")


def _summary(e: BaseException) -> str:
    """One line: the error itself, or for Ray's wrappers the user error their traceback text names."""
    if type(e).__module__.startswith("ray."):
        lines = [ln.strip() for ln in str(e).splitlines()]
        named = [ln for ln in lines if _ERROR_LINE.fullmatch(ln) and not ln.startswith("ray.")]
        if named:
            return named[0][:300]
    return _one_line(e)


def _one_line(e: BaseException) -> str:
    lines = [ln.strip() for ln in str(e).splitlines() if ln.strip()]
    text = lines[0] if lines else ""
    return f"{type(e).__name__}: {text[:300]}" if text else type(e).__name__
