"""Loads the Korean prompt templates kept in this folder as plain data, checked for their variables.

A template is a UTF-8 file `prompts/<name>.txt` with a system part and a human part, separated by a
line that holds only `---human---`:

    당신은 … (system text)
    ---human---
    질문: {question}
    {context}

Variables are written `{name}` (Python format syntax, the f-string format of LangChain's
ChatPromptTemplate). Literal braces must be doubled: `{{` and `}}` come out as `{` and `}`.
`load_prompt` fails at load, naming the file, when a required variable is missing, when the file uses a
variable nobody fills, or when a brace is not doubled. answer/chain.py turns the result into a
ChatPromptTemplate, so this module imports no langchain.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from string import Formatter

from errors import NewsRagError

PROMPTS_DIR = Path(__file__).resolve().parent
SEPARATOR = "---human---"


@dataclass(frozen=True, slots=True)
class PromptTemplateText:
    """One template split into its two messages; `variables` are the `{name}` fields used in either."""

    name: str
    system: str
    human: str
    variables: frozenset[str]


def load_prompt(name: str, required: set[str] | frozenset[str],
                directory: Path = PROMPTS_DIR) -> PromptTemplateText:
    """Read `directory/<name>.txt` and check that it uses exactly the `required` variables."""
    path = directory / (name if name.endswith(".txt") else f"{name}.txt")
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise NewsRagError(f"프롬프트 파일을 찾을 수 없습니다: {path}. "
                           "prompts/ 폴더에 파일을 두세요.") from None
    lines = text.replace("\r\n", "\n").split("\n")
    marks = [i for i, line in enumerate(lines) if line.strip() == SEPARATOR]
    if len(marks) != 1:
        raise NewsRagError(f"프롬프트 파일 {path}: 시스템 부분과 사용자 부분을 나누는 "
                           f"`{SEPARATOR}` 줄이 정확히 한 번 있어야 합니다.")
    system = "\n".join(lines[:marks[0]]).strip()
    human = "\n".join(lines[marks[0] + 1:]).strip()
    used = _fields(path, system) | _fields(path, human)
    if missing := sorted(set(required) - used):
        names = ", ".join(f"{{{v}}}" for v in missing)
        raise NewsRagError(f"프롬프트 파일 {path}에 필수 변수 {names}이(가) 없습니다. 템플릿에 추가하세요.")
    if extra := sorted(used - set(required)):
        names = ", ".join(f"{{{v}}}" for v in extra)
        raise NewsRagError(f"프롬프트 파일 {path}에 채울 수 없는 변수 {names}이(가) 있습니다. "
                           "글자 그대로의 중괄호라면 {{ }}처럼 두 번 쓰세요.")
    return PromptTemplateText(name=path.stem, system=system, human=human, variables=frozenset(used))


def _fields(path: Path, template: str) -> set[str]:
    try:
        parsed = list(Formatter().parse(template))
    except ValueError:
        raise NewsRagError(f"프롬프트 파일 {path}: 짝이 맞지 않는 중괄호가 있습니다. "
                           "글자 그대로의 중괄호는 {{ }}처럼 두 번 쓰세요.") from None
    fields = {f for _, f, _, _ in parsed if f is not None}
    if bad := sorted(f for f in fields if not f.isidentifier()):
        raise NewsRagError(f"프롬프트 파일 {path}: 변수 이름이 올바르지 않습니다: {bad}. "
                           "{question}처럼 쓰고, 글자 그대로의 중괄호는 {{ }}처럼 두 번 쓰세요.")
    return fields
