"""Text embedders: the Embedder protocol, a sentence-transformers implementation and a hash fake for tests."""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from errors import ModelError

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

# EmbeddingGemma's built-in document prompt is "title: none | text: "; the model card asks for the
# real title in place of "none", which encode_document cannot do per text, so we format it ourselves.
_TITLE_SLOT = "title: none"


class Embedder(Protocol):
    name: str  # model id recorded in the index manifest
    dim: int

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Return float32 (n, dim) L2-normalised query vectors."""
        ...

    def encode_documents(
        self,
        titles: Sequence[str],
        texts: Sequence[str],
        batch_size: int | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> np.ndarray:
        """Return float32 (n, dim) L2-normalised vectors; progress gets each finished batch's size."""
        ...


class SentenceTransformerEmbedder:
    """Wraps a loaded SentenceTransformer, applying its query/document prompts with the article title.

    encode_query/encode_document equal plain encode for models without prompts or a task Router, so
    one code path serves every model; the prompt is always passed explicitly.
    """

    def __init__(self, model: SentenceTransformer, name: str, batch_size: int = 8,
                 query_prefix: str = "", document_prefix: str = "") -> None:
        self._model, self.name, self.batch_size = model, name, batch_size
        # One forward pass at a time: concurrent passes from app sessions (or a query during an
        # ingest) would oversubscribe the cores with torch's intra-op threads and share the
        # tokenizer, which is not thread-safe. Held per batch, so queries slip in between batches.
        self._lock = threading.Lock()
        self.dim = int(model.get_embedding_dimension())
        prompts = model.prompts or {}
        # Models without prompts get the optional prefixes; prompt="" stops any default prompt.
        self._query_prompt = prompts.get("query") or query_prefix
        self._doc_prompt = next((prompts[k] for k in ("document", "passage", "corpus") if prompts.get(k)),
                                document_prefix)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(list(texts), self._model.encode_query, self._query_prompt, None, None)

    def encode_documents(self, titles: Sequence[str], texts: Sequence[str], batch_size: int | None = None,
                         progress: Callable[[int], None] | None = None) -> np.ndarray:
        if len(titles) != len(texts):
            raise ValueError(f"{len(titles)} titles for {len(texts)} texts")
        inputs, prompt = self.format_documents(titles, texts)
        return self._encode(inputs, self._model.encode_document, prompt, batch_size, progress)

    def format_documents(self, titles: Sequence[str], texts: Sequence[str]) -> tuple[list[str], str]:
        """Return the model inputs and the prompt still to prepend to each of them."""
        pairs = [(_one_line(t), x) for t, x in zip(titles, texts, strict=True)]
        if _TITLE_SLOT in self._doc_prompt:
            return [self._doc_prompt.replace(_TITLE_SLOT, f"title: {t or 'none'}") + x for t, x in pairs], ""
        # Other models: the title leads the passage, and the model's own prompt (or prefix) goes in front.
        return [f"{t}\n{x}" if t else x for t, x in pairs], self._doc_prompt

    def _encode(self, texts: list[str], encode: Callable[..., Any], prompt: str,
                batch_size: int | None, progress: Callable[[int], None] | None) -> np.ndarray:
        """Encode in length-sorted batches (less padding) and return rows in input order."""
        size = batch_size or self.batch_size
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]), reverse=True)
        for start in range(0, len(order), size):
            rows = order[start:start + size]
            with self._lock:
                vecs = encode([texts[i] for i in rows], prompt=prompt, batch_size=len(rows),
                              show_progress_bar=False, convert_to_tensor=True, normalize_embeddings=True)
                out[rows] = vecs.float().cpu().numpy()
            if progress is not None:
                progress(len(rows))
        # Renormalise in float32: bfloat16 output is only approximately unit-norm.
        out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
        return out


# Batches are padded to a multiple of this many tokens. Every new (batch, length) shape makes
# oneDNN build and cache new kernels and leaves the allocator with odd-sized blocks: a server
# answering varied questions grew by ~300 MB over 60 s of 8-thread load (bench/load.py). With
# lengths rounded up to 16 the growth stopped; the padding costs ~3 % per batch.
PAD_MULTIPLE = 16


def load_embedder(name_or_path: str, dtype: str = "auto", dim: int | None = None, batch_size: int = 8,
                  name: str | None = None) -> SentenceTransformerEmbedder:
    """Load a sentence-transformers model on CPU.

    Args:
        name_or_path: a local model folder (loaded offline) or a hub model name.
        dtype: "auto" (bfloat16 where the CPU has native bf16 instructions), "bfloat16" or "float32".
        dim: Matryoshka truncation; None keeps the model's full size.
        name: id for the index manifest; defaults to the folder name or the hub name.
    """
    local = Path(name_or_path).expanduser()
    if local.exists():
        # Read only when huggingface_hub is first imported, hence also local_files_only below.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from sentence_transformers import SentenceTransformer

    torch_dtype = _resolve_dtype(dtype)
    try:
        model = SentenceTransformer(str(local) if local.exists() else name_or_path, device="cpu",
                                    truncate_dim=dim, local_files_only=local.exists(),
                                    model_kwargs={"dtype": torch_dtype})
    except (OSError, ValueError) as e:
        raise ModelError(
            f"임베딩 모델 '{name_or_path}'을(를) 불러오지 못했습니다: {e} "
            "기본 모델은 `python -m index fetch-model`로 받고, 다른 모델은 환경 변수 NEWSRAG_EMBED_MODEL에 "
            "sentence-transformers 모델 이름이나 로컬 폴더 경로로 지정하세요."
        ) from e
    full = model.get_embedding_dimension()
    if dim is not None and (dim < 1 or (full is not None and dim > full)):
        raise ModelError(f"임베딩 차원 {dim}은(는) 이 모델에서 쓸 수 없습니다. NEWSRAG_EMBED_DIM을 1~{full} "
                         "사이로 지정하거나 비워 두세요.")
    _pad_to_multiple(model, PAD_MULTIPLE)
    label = name or (local.resolve().name if local.exists() else name_or_path)
    return SentenceTransformerEmbedder(model, label, batch_size=batch_size)


def _pad_to_multiple(model: SentenceTransformer, multiple: int) -> None:
    """Ask the model's text module to pad to a multiple of `multiple` (sentence-transformers 6+)."""
    first = model[0] if len(model) else None
    kwargs = getattr(first, "processing_kwargs", None)
    if isinstance(kwargs, dict):
        text = {"pad_to_multiple_of": multiple, **(kwargs.get("text") or {})}
        first.processing_kwargs = {**kwargs, "text": text}


def _resolve_dtype(dtype: str) -> Any:
    import torch

    choices = {"bfloat16": torch.bfloat16, "float32": torch.float32}
    if dtype == "auto":
        return torch.bfloat16 if cpu_has_native_bf16() else torch.float32
    if dtype not in choices:
        raise ModelError(f"알 수 없는 임베딩 dtype '{dtype}'입니다. NEWSRAG_EMBED_DTYPE을 auto, bfloat16, "
                         "float32 중 하나로 지정하세요.")
    return choices[dtype]


def cpu_has_native_bf16() -> bool:
    """True on CPUs with AVX512-BF16 or AMX, where bfloat16 matmuls beat float32 instead of being emulated."""
    import torch

    checks = [getattr(torch.cpu, n, None) for n in ("_is_avx512_bf16_supported", "_is_amx_tile_supported")]
    return any(check() for check in checks if callable(check))


class HashEmbedder:
    """Deterministic fake: character bigrams hashed into a signed vector, for tests that ignore meaning."""

    def __init__(self, dim: int = 64) -> None:
        self.dim, self.name = dim, f"hash-{dim}"

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return np.stack([self._vector(t) for t in texts]) if texts else np.empty((0, self.dim), np.float32)

    def encode_documents(self, titles: Sequence[str], texts: Sequence[str], batch_size: int | None = None,
                         progress: Callable[[int], None] | None = None) -> np.ndarray:
        out = self.encode_queries([f"{t}\n{x}" for t, x in zip(titles, texts, strict=True)])
        if progress is not None and len(out):
            progress(len(out))
        return out

    def _vector(self, text: str) -> np.ndarray:
        vec = np.zeros(self.dim, dtype=np.float32)
        for a, b in zip(text, text[1:] or " ", strict=False):
            h = int.from_bytes(hashlib.blake2b((a + b).encode(), digest_size=8).digest(), "little")
            vec[h % self.dim] += 1.0 if (h >> 32) & 1 else -1.0
        norm = np.linalg.norm(vec)
        if norm == 0:  # e.g. the empty string: any fixed unit vector keeps the contract
            vec[0], norm = 1.0, 1.0
        return vec / norm


def _one_line(title: str) -> str:
    return " ".join(title.split())
