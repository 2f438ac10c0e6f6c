"""Characters that text must never carry, shared by the input guard (middleware, API parser) and the writers
(Excel exports, Open311 XML).

- Control characters (C0 except tab, line feed and carriage return; DEL; C1): PostgreSQL refuses NUL in any
  text, and the others are illegal in XML 1.0, so an .xlsx (XML inside) holding one cannot be written.
- Bidirectional overrides and marks (U+202A–U+202E, U+2066–U+2069, U+200E/U+200F, U+061C): invisible, they
  reorder what is displayed ("‮gpj.exe" shows as "exe.jpg"), the classic spoofing of names and file names.
- Lone surrogates (only a JSON "\\ud800" escape can produce one) cannot be encoded to UTF-8 for the database,
  and U+FFFE/U+FFFF are not characters at all.
"""

import re

# The characters refused at input and stripped at output; tab, LF and CR are ordinary text (text areas).
UNSAFE_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
                          "\ud800-\udfff\ufffe\uffff]")
# In a URL path even tab, LF and CR are never meaningful.
UNSAFE_PATH_CHARS = re.compile("[\t\n\r]|" + UNSAFE_CHARS.pattern)

# Nesting deeper than this in a JSON body is refused: no API document of this project nests beyond 5 levels, and
# Python's JSON decoder would otherwise recurse once per level (a 100 000-deep body exhausts the stack).
JSON_MAX_DEPTH = 20
_JSON_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)


def first_unsafe(text: str, pattern=UNSAFE_CHARS) -> str | None:
    """The first unsafe character of `text`, or None."""
    match = pattern.search(text)
    return match.group() if match else None


def strip_unsafe(text: str) -> str:
    return UNSAFE_CHARS.sub("", text)


def describe(char: str) -> str:
    """A character as the user can look it up: U+202E."""
    return f"U+{ord(char):04X}"


def unsafe_message(field, char: str) -> str:
    """The refusal, naming the field and the character."""
    from django.utils.translation import gettext as _

    name = strip_unsafe(str(field or ""))[:60]
    if name:
        return _("“{field}”中含有不允许的字符 {char}（控制字符或文字方向控制符），请删除后重试").format(
            field=name, char=describe(char))
    return _("提交的内容中含有不允许的字符 {char}（控制字符或文字方向控制符），请删除后重试").format(char=describe(char))


def json_depth_message() -> str:
    from django.utils.translation import gettext as _

    return _("提交的JSON嵌套层数过多（最多{n}层）").format(n=JSON_MAX_DEPTH)


def json_depth_exceeds(text: str, limit: int = JSON_MAX_DEPTH) -> bool:
    """Whether the JSON text nests arrays/objects deeper than `limit`, found without parsing it (a linear scan
    that skips strings, so brackets inside strings do not count)."""
    if text.count("[") + text.count("{") <= limit:
        return False
    depth = 0
    for match in _JSON_TOKENS.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            if depth > limit:
                return True
        elif token in "]}":
            depth -= 1
    return False


def find_unsafe_in(data, path: str = "") -> tuple[str, str] | None:
    """(where, character) of the first unsafe character in a parsed JSON document's keys and string values,
    or None. The depth is bounded by `json_depth_exceeds`, checked before parsing."""
    if isinstance(data, str):
        char = first_unsafe(data)
        return (path, char) if char else None
    if isinstance(data, dict):
        for key, value in data.items():
            where = f"{path}.{key}" if path else str(key)
            char = first_unsafe(str(key))
            if char:
                return where, char
            found = find_unsafe_in(value, where)
            if found:
                return found
    elif isinstance(data, list):
        for i, value in enumerate(data):
            found = find_unsafe_in(value, f"{path}[{i}]")
            if found:
                return found
    return None
