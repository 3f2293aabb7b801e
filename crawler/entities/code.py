"""Code inside an article's text, where no entity is named: :func:`mask_code`.

Model launches and API guides print code, and trafilatura keeps a ``<pre>`` block as lines of
plain text (the markup does not reach entity detection). In code, ``from openai import OpenAI``,
``--reasoning-parser deepseek_r1`` or ``# Use the endpoint provided by Alibaba Model Studio``
name a library, a parser flag and a comment, not the lab an analyst tracks; counting them would
inflate a mention count or announce a lab the prose never names. So code is blanked before
anything is matched, in two sizes:

- whole lines that are code by their shape: imports, definitions, assignments, keyword
  arguments, quoted dictionary keys, calls, shell prompts and commands, lone brackets, and
  comments or indented lines inside such a block;
- code inside a prose line: a command (``pip install qwen-agent``, ``ollama run qwen3``) with
  its arguments, a ``--flag`` with its value, and identifiers joined by ``_`` or by dots
  (``deepseek_r1``, ``openai.ChatCompletion``).

A package name in an install command (``pip install qwen-agent``) is code too: it names the
library, which an article about the lab names in its prose anyway. Blanking keeps every
offset and every line break, so spans found in the masked text point into the original.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_IDENT = r"[A-Za-z_][A-Za-z0-9_]*"
_STATEMENT = re.compile(
    rf"(?:from\s+{_IDENT}(?:\.{_IDENT})*\s+import\s+\S"
    rf"|import\s+{_IDENT}(?:\.{_IDENT})*(?:\s+as\s+{_IDENT})?(?:\s*,\s*{_IDENT}(?:\.{_IDENT})*)*\s*;?$"
    rf"|(?:async\s+)?def\s+{_IDENT}\s*\(|class\s+{_IDENT}\s*[:(]"
    r"|(?:return|raise|yield|await)\b|(?:pass|break|continue)$"
    r"|(?:elif|else|try|except|finally)\b.*:$|(?:for|while|if|with)\s.*:$"
    rf"|(?:const|let|var)\s+{_IDENT}\s*="
    r"|@\w+[({]"  # decorators, BibTeX entries
    r"|#include\b|#!/)"
)
"""Statements; the keywords are lower case, which a line of prose never starts with."""
_ASSIGNMENT = re.compile(rf"{_IDENT}(?:\.{_IDENT}|\[[^\]\n]*\])*\s*[-+*/%|&]?=(?!=)\s*\S")
"""``client = OpenAI(``, ``model_name = "Qwen/..."``, ``api_key=os.getenv(...)``."""
_DICT_ENTRY = re.compile(
    r"[{\[(]*\s*[\"'][^\"'\n]*[\"']\s*:\s*"
    r"(?:[\"'\[{(\d-]|(?:True|False|None|true|false|null)\b|.*[,{\[(]\s*$)"
)
"""``"model": "deepseek-chat",``, ``{'role': 'user', ...}``, ``"messages": messages,``: a
quoted key and a value that is code. A quoted headline ("Sputnik moment": DeepSeek shakes AI)
is prose."""
_CALL_LINE = re.compile(rf"(?:[a-z_][A-Za-z0-9_]*|{_IDENT}(?:\.{_IDENT})+)\(.*\)\s*[;,]?$")
"""A line that is one call: ``print(completion.choices[0].message)``. The name is lower case
or dotted, and glued to its parenthesis: a heading "DeepSeek (深度求索)" is prose."""
_BRACKETS = re.compile(r"[()\[\]{}<>;,.:\s]+$")
_PROMPT = re.compile(r"(?:\$|>>>|PS>)\s+\S")
_COMMENT = re.compile(r"(?:#|//)\s*\S")
_COMMANDS = (
    r"pip3?|conda|mamba|npm|npx|yarn|pnpm|uvx?|brew|apt(?:-get)?|docker|git|curl|wget|"
    r"python3?|vllm|ollama|torchrun|deepspeed|accelerate|huggingface-cli|modelscope|llamafactory-cli|"
    r"sglang|lmdeploy|export|sudo"
)
_SUBCOMMAND = (
    r"install|uninstall|add|run|pull|push|serve|clone|download|launch|exec|create|activate|"
    r"build|start|login|-m|-c|-[A-Za-z]|--[a-z][\w-]*|[\w./-]+\.(?:py|sh)|[A-Z_][A-Z0-9_]*="
)
_COMMAND = re.compile(
    rf"(?<![\w./-])(?:{_COMMANDS})\s+(?:{_SUBCOMMAND})(?=\s|$)"
    r"(?:[^\S\n]+(?!(?:to|and|or|the|a|an|with|for|then|which|that|in|on|as|is|if|you|"
    r"by|from|of|at|can|will)\b)[^\s，。；、：（）()“”\u3400-\u9fff]+)*"
)
"""A command with its subcommand and arguments, up to the first ordinary English word, a
Chinese character or the end of the line."""
_COMMAND_LINE = re.compile(rf"(?:sudo\s+)?(?:{_COMMANDS})\s+(?:{_SUBCOMMAND})(?:\s|$)")
_FLAG = re.compile(
    r"(?<![\w-])--[a-z][a-z0-9-]*(?:=[^\s，。；、（）()]+|[^\S\n]+(?!-)[^\s，。；、（）()\u3400-\u9fff]+)?"
)
"""``--reasoning-parser deepseek_r1``, ``--model-path=Qwen/Qwen3-8B``: a flag and its value."""
_UNDERSCORED = re.compile(r"(?<![\w.-])[A-Za-z0-9]*+_[A-Za-z0-9_]*+(?:\.[A-Za-z_]\w*+)*+(?![\w-])")
"""``deepseek_r1``, ``qwen_agent.agents``, ``__init__``."""
_DOTTED_NAME = re.compile(
    rf"(?<![\w.-])[a-z][a-z0-9_]*+(?:(?:\.{_IDENT})++(?=\s*\()|\.[A-Z]\w*+(?:\.{_IDENT})*+)"
)
"""``client.chat.completions.create(``, ``openai.ChatCompletion``. A dotted name needs a
lower-case module first and a call or a capitalised attribute after it: "e.g.", "U.S." and
"Node.js" are prose."""
_GLUED_DOT = re.compile(r"[a-z0-9_]\.[A-Za-z_]")
_COMMAND_WORDS = tuple(re.sub(r"\(\?:-get\)\?|3\?|x\?", "", _COMMANDS).split("|"))
_INLINE: tuple[tuple[re.Pattern[str], Callable[[str], bool]], ...] = (
    (_COMMAND, lambda line: any(word in line for word in _COMMAND_WORDS)),
    (_FLAG, lambda line: "--" in line),
    (_UNDERSCORED, lambda line: "_" in line),
    (_DOTTED_NAME, lambda line: _GLUED_DOT.search(line) is not None),
)
"""Each inline pattern with a cheap test its line must pass first: most lines have no code,
and the patterns themselves cost a few milliseconds on a long article."""


def mask_code(text: str) -> str:
    """``text`` with its code blanked: same length, same line breaks, spaces for the code."""
    chars = list(text)
    previous_code = False
    lines = list(re.finditer(r"[^\n]*", text))
    kinds = [_line_kind(m.group()) for m in lines]
    for i, (line, kind) in enumerate(zip(lines, kinds, strict=True)):
        if kind == "maybe":  # a comment or an indented line: code only beside code
            after = next((k for k in kinds[i + 1 :] if k != "blank"), "prose")
            kind = "code" if previous_code or after == "code" else "prose"
        if kind == "code":
            _blank(chars, line.start(), line.end())
        elif kind == "prose":
            for pattern, hint in _INLINE:
                if hint(line.group()):
                    for match in pattern.finditer(text, line.start(), line.end()):
                        _blank(chars, match.start(), match.end())
        if kind != "blank":
            previous_code = kind == "code"
    return "".join(chars)


def _line_kind(line: str) -> str:
    stripped = line.strip()
    if not stripped:
        return "blank"
    if (
        _STATEMENT.match(stripped)
        or _ASSIGNMENT.match(stripped)
        or _DICT_ENTRY.match(stripped)
        or _CALL_LINE.match(stripped)
        or _PROMPT.match(stripped)
        or _COMMAND_LINE.match(stripped)
        or (_BRACKETS.fullmatch(stripped) and any(c in stripped for c in "()[]{}"))
    ):
        return "code"
    if _COMMENT.match(stripped) or line[:2] in ("  ", "\t"):
        return "maybe"
    return "prose"


def _blank(chars: list[str], start: int, end: int) -> None:
    for i in range(start, end):
        if chars[i] != "\n":
            chars[i] = " "
