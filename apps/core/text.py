"""Text normalization and pinyin keys shared by forms, imports and search."""

import unicodedata

from pypinyin import Style, lazy_pinyin


def normalize_text(value) -> str:
    """NFKC (full-width → half-width), collapse white space, trim."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFKC", str(value))
    return " ".join(text.split())


def normalize_name(value) -> str:
    # Chinese names carry no internal spaces; "张 三" typed with a space is "张三".
    text = normalize_text(value)
    if any("\u4e00" <= ch <= "\u9fff" for ch in text):
        text = text.replace(" ", "")
    return text


def pinyin_keys(name: str) -> tuple[str, str]:
    """Full pinyin without tones and initials, lower case: 张三 → ("zhangsan", "zs")."""
    syllables = [s for s in lazy_pinyin(name, style=Style.NORMAL, errors="ignore") if s]
    full = "".join(syllables).lower().replace("ü", "v")
    initials = "".join(s[0] for s in syllables).lower()
    return full[:120], initials[:40]


def mask_phone(phone: str) -> str:
    if not phone:
        return ""
    if len(phone) >= 7:
        return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]
    return "*" * len(phone)
