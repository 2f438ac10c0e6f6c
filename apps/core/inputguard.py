"""Characters that text must never carry, shared by the input guard (middleware, API parsers, imports) and the
writers (Excel exports, Open311 XML).

Two classes, treated differently:

- Unsafe (refused from machine clients and in URLs; stripped from page forms, NUL refused everywhere):
  - control characters (C0 except tab, line feed and carriage return; DEL; C1): PostgreSQL refuses NUL in any
    text, and the others are illegal in XML 1.0, so an .xlsx (XML inside) holding one cannot be written;
  - the direction overrides and isolates U+202D, U+202E, U+2066–U+2069: they reorder what follows them
    ("‮gpj.exe" shows as "exe.jpg"), the classic spoofing of names and file names;
  - lone surrogates (only a JSON "\\ud800" escape can produce one) cannot be encoded to UTF-8 for the database,
    and U+FFFE/U+FFFF are not characters at all.
- Invisible (silently removed wherever text enters — fields, JSON strings, query strings, imports — never refused):
  - the direction marks LRM/RLM/ALM (U+200E, U+200F, U+061C) and the embeddings U+202A–U+202C. Phone numbers
    copied from Windows or WeChat contacts carry them and Uyghur text uses RLM: refusing them refused ordinary
    pastes, while an embedding cannot reorder anything once its terminator is gone or the text is stored alone;
  - zero-width and other invisible format characters (U+200B–U+200D, U+2060–U+2064, U+FEFF, U+180E, soft hyphen
    U+00AD): they carry nothing a reader sees, but split a number so that no masking or search recognizes it
    ("138\\u200b0013\\u200b8000"). U+200D (zero-width joiner) is kept between two emoji, where it forms one
    picture (👨‍👩‍👧): digits are never emoji, so a kept joiner cannot split a number.
"""

import re

# The characters refused at input and stripped at output; tab, LF and CR are ordinary text (text areas).
UNSAFE_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202d\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]")
# In a URL path even tab, LF and CR are never meaningful.
UNSAFE_PATH_CHARS = re.compile("[\t\n\r]|" + UNSAFE_CHARS.pattern)

# Emoji blocks (arrows, symbols, dingbats … and the supplementary pictographs with skin tones) and the emoji
# variation selector U+FE0F, which may precede the joiner (❤️‍🔥). A simple range test, on purpose: a joiner
# that is kept wrongly between two symbols changes nothing a mask or search looks at.
_EMOJI = "\u2190-\u2bff\U0001f000-\U0001faff"
INVISIBLE_CHARS = re.compile(
    "[\u00ad\u061c\u180e\u200b\u200c\u200e\u200f\u202a-\u202c\u2060-\u2064\ufeff]"
    f"|(?<![{_EMOJI}\ufe0f])\u200d|\u200d(?![{_EMOJI}])")

# Nesting deeper than this in a JSON body is refused: no API document of this project nests beyond 5 levels, and
# Python's JSON decoder would otherwise recurse once per level (a 100 000-deep body exhausts the stack).
JSON_MAX_DEPTH = 20
# A JSON string from its opening quote to its closing one, or to the end of the text when it is never closed.
# Possessive and never failing, so it cannot backtrack: the scan is linear however the quotes and backslashes
# are arranged (a failing `"(?:[^"\\]|\\.)*"` restarted at every quote of an unclosed string: quadratic).
_JSON_STRING = re.compile(r'"[^"\\]*+(?:\\.[^"\\]*+)*+"?', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]++")
_AS_SQUARE = str.maketrans("{}", "[]")


class UnsafeText(ValueError):
    """An unsafe character at `where` (a field name or a JSON path)."""

    def __init__(self, where, char):
        super().__init__(where, char)
        self.where, self.char = where, char


def first_unsafe(text: str, pattern=UNSAFE_CHARS) -> str | None:
    """The first unsafe character of `text`, or None."""
    match = pattern.search(text)
    return match.group() if match else None


def strip_invisible(text: str) -> str:
    if text.isascii():  # every invisible character is outside ASCII; the C-speed test spares the regex on most input
        return text
    return INVISIBLE_CHARS.sub("", text)


def strip_unsafe(text: str) -> str:
    """Without unsafe and invisible characters: what a page form keeps, and what every writer (Excel, XML) puts
    out, so that rows stored before the guard existed still export."""
    return strip_invisible(UNSAFE_CHARS.sub("", text))


def clean_text(text: str) -> str:
    """Input text from a machine client: invisible characters removed; unsafe ones raise UnsafeText."""
    char = first_unsafe(text)
    if char:
        raise UnsafeText("", char)
    return strip_invisible(text)


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


def json_size_message(limit: int) -> str:
    from django.utils.translation import gettext as _

    return _("提交的JSON内容过大（最大{size} KB）").format(size=max(1, limit // 1024))


def json_depth_exceeds(text: str, limit: int = JSON_MAX_DEPTH) -> bool:
    """Whether the JSON text nests arrays/objects deeper than `limit`, found without parsing it.

    Linear, in C loops only (a Python loop per character or token costs about a second per megabyte): strings are
    cut out (brackets inside them do not count), what remains is reduced to its brackets, and the innermost
    pairs are removed `limit` times — one pass lowers the depth by exactly one, so a pair left over means deeper
    than `limit`, and so do more than `limit` openers never closed ("[[[[…"). Other unpaired brackets make the
    text invalid JSON: the parser refuses it (its recursion on them is bounded and caught as RecursionError)."""
    if text.count("[") + text.count("{") <= limit:
        return False
    brackets = _NOT_BRACKET.sub("", _JSON_STRING.sub("", text)).translate(_AS_SQUARE)
    for _ in range(limit):
        shorter = brackets.replace("[]", "")
        if len(shorter) == len(brackets):
            break
        brackets = shorter
    return "[]" in brackets or brackets.count("[") > limit


def json_may_hold_unsafe(text: str) -> bool:
    """Whether the parsed document could hold an unsafe or invisible character: not when the raw text has none
    and no escape at all (an escape such as \\b or \\u202e is how one arrives spelled in ASCII). Lets the guard
    skip parsing and walking the common body."""
    return "\\" in text or bool(UNSAFE_CHARS.search(text)) or bool(INVISIBLE_CHARS.search(text))


def find_unsafe_in(data, path: str = "") -> tuple[str, str] | None:
    """(where, character) of the first unsafe character in a parsed JSON document's keys and string values,
    or None. The depth is bounded by `json_depth_exceeds`, checked before parsing."""
    try:
        clean_json(data, path)
    except UnsafeText as exc:
        return exc.where, exc.char
    return None


def clean_json(data, path: str = ""):
    """A parsed JSON document with invisible characters removed from its keys and strings; an unsafe character
    raises UnsafeText naming where it is. Depth bounded beforehand by `json_depth_exceeds`."""
    if isinstance(data, str):
        char = first_unsafe(data)
        if char:
            raise UnsafeText(path, char)
        return strip_invisible(data)
    if isinstance(data, dict):
        cleaned = {}
        for key, value in data.items():
            where = f"{path}.{key}" if path else str(key)
            char = first_unsafe(str(key))
            if char:
                raise UnsafeText(where, char)
            cleaned[strip_invisible(key)] = clean_json(value, where)
        return cleaned
    if isinstance(data, list):
        return [clean_json(value, f"{path}[{i}]") for i, value in enumerate(data)]
    return data


def find_unsafe_in_querydict(data, only=None) -> tuple[str, str] | None:
    """(key, character) of the first unsafe character (or of `only`) in a QueryDict's keys and values."""
    for key, values in data.lists():
        for text in (key, *values):
            char = (only if only in text else None) if only else first_unsafe(text)
            if char:
                return key, char
    return None


def clean_querydict(data, strip=strip_invisible):
    """The QueryDict with `strip` applied to every key and value (immutable, as Django's), or `data` itself when
    nothing changes."""
    if not any(strip(key) != key or any(strip(v) != v for v in values) for key, values in data.lists()):
        return data
    cleaned = data.copy()
    for key in list(cleaned):
        values = [strip(v) for v in cleaned.getlist(key)]
        del cleaned[key]
        if strip(key):
            cleaned.setlist(strip(key), cleaned.getlist(strip(key)) + values)
    cleaned._mutable = False
    return cleaned
