"""Text normalization and pinyin keys shared by forms, imports and search."""

import re
import unicodedata

from pypinyin import Style, lazy_pinyin

from .inputguard import strip_unsafe


def normalize_text(value) -> str:
    """NFKC (full-width → half-width), collapse white space, trim; without the characters the input guard refuses
    or removes (control characters, direction overrides and marks, zero-width characters): text that reaches a
    service without passing the guard — an Excel import, a management command — is cleaned the same way, so that no
    row stores a character that breaks an export or splits a number out of reach of masking and search."""
    if value is None:
        return ""
    text = str(value)
    # Printable ASCII (most cells of an import) is left as it is by NFKC and holds no unsafe or invisible character.
    if not (text.isascii() and text.isprintable()):
        text = strip_unsafe(unicodedata.normalize("NFKC", text))
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
    """A phone number with at least half of its digits hidden (apart from mobiles, below).

    An 11-digit mobile keeps the usual 3 + 4 (138****8000): the hidden middle four digits name a regional block of
    the carrier prefix; of what a viewer sees next to a masked phone only the organization bears on them (the city),
    and a city holds hundreds of blocks per prefix, so the number stays undetermined. Any other number (a landline,
    with or without its area code: 7 to 12 digits) keeps the first 2 and last 2 digits when it has 8 or more, else
    the last 2 only — a short local number with 3 + 4 visible would be shown whole. Only positions count (a `*` is
    kept where it stands), so the function is idempotent and re-masks an older, weaker mask from the mask itself:
    it never shows more than it is given (migration members/0005)."""
    if not phone:
        return ""
    n = len(phone)
    if n == 11 and phone.startswith("1"):
        lead, tail = 3, 4
    elif n >= 8:
        lead, tail = 2, 2
    elif n >= 4:
        lead, tail = 0, 2
    else:
        lead, tail = 0, 0
    return phone[:lead] + "*" * (n - lead - tail) + phone[n - tail:]


# Digits as people type them into free text: ASCII or full-width, in groups split by spaces (any width), dashes,
# dots, brackets, underscores or commas (ASCII, full-width, the enumeration comma 、): 138 0013 8000, 138-0013-8000,
# （023）6812-3456, 138_0013_8000, 138，0013，8000, ５００１０２…, 500102 19850312 001X. Invisible format characters
# (zero-width spaces, joiners, direction marks, soft hyphens: Unicode category Cf) are skipped before matching.
_DIGIT = "0-9\uff10-\uff19"
_SEP = r"\s\-\u2010-\u2015\u2212\uff0d.\uff0e\u00b7\u30fb/()\uff08\uff09+\uff0b_\uff3f,\uff0c\u3001\ufe50\ufe51"
_NUMBER_RUN = re.compile(rf"(?<![{_DIGIT}])[{_DIGIT}](?:[{_SEP}]{{0,3}}[{_DIGIT}])*(?:[{_SEP}]{{0,3}}[XxＸｘ](?![A-Za-z]))?")
_GROUP = re.compile(rf"[{_DIGIT}]+|[XxＸｘ]")
_ID18 = re.compile(r"^\d{17}[\dX]$")
_ID15 = re.compile(r"^\d{15}$")
_MOBILE = re.compile(r"^(?:0{0,2}86)?1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{9,11}$")
_CARD = re.compile(r"^\d{16,19}$")


def _keep_positions(groups: list[str]) -> tuple[int, int] | None:
    """For consecutive digit groups that together are a personal number: how many leading and trailing digits stay
    visible (None: not such a number)."""
    digits = "".join(groups)
    if _ID18.match(digits):
        return 3, 0  # as apps.core.idcard.mask_id_number
    if _MOBILE.match(digits):
        return len(digits) - 8, 4  # (country code and) carrier prefix, last four: 138****8000
    if _LANDLINE.match(digits):
        return (3 if digits[1] in "12" else 4), 4  # area code (010, 02x or 0xxx) and the last four
    # Old 15-digit 身份证号 and card numbers only written as such (one block, or cards in fours): joined across
    # separators they would swallow dates next to a phone number (2024.05.06 13800138000).
    if len(groups) == 1 and _ID15.match(digits):
        return 3, 0
    if _CARD.match(digits) and all(len(g) == 4 for g in groups[:-1]):
        return 0, 4
    return None


def _mask_run(run: str, *, remove: bool = False) -> str:
    groups = list(_GROUP.finditer(run))
    compact = [unicodedata.normalize("NFKC", g.group()).upper() for g in groups]
    hidden = set()
    i = 0
    # The longest stretch of consecutive groups that reads as a personal number is masked, then the search goes on
    # after it: “13800138000 13900139000” is two phones, “500102 19850312 001X” one 身份证号.
    while i < len(groups):
        for j in range(len(groups), i, -1):
            keep = _keep_positions(compact[i:j])
            if keep is None:
                continue
            lead, tail = keep
            digits = "".join(compact[i:j])
            if remove:
                hidden.update(range(groups[i].start(), groups[j - 1].end()))
                i = j
                break
            position = 0
            for g in groups[i:j]:
                for offset in range(g.end() - g.start()):
                    if lead <= position < len(digits) - tail:
                        hidden.add(g.start() + offset)
                    position += 1
            i = j
            break
        else:
            i += 1
    return "".join((" " if remove else "*") if k in hidden else ch for k, ch in enumerate(run))


def _substitute(text: str, *, remove: bool) -> str:
    """Mask (or blank) every personal number of `text`, reading through format characters (category Cf) as if
    they were not there: “138\u200b0013\u200b8000” is one phone. They stay where they were in the answer (they may
    join an emoji sequence elsewhere in the text); only the characters of a number are replaced."""
    if text.isascii() or not any(unicodedata.category(ch) == "Cf" for ch in text):
        return _NUMBER_RUN.sub(lambda m: _mask_run(m.group(), remove=remove), text)
    positions = [i for i, ch in enumerate(text) if unicodedata.category(ch) != "Cf"]
    visible = "".join(text[i] for i in positions)
    result = list(text)
    for match in _NUMBER_RUN.finditer(visible):
        masked = _mask_run(match.group(), remove=remove)  # as long as the run: one character for one
        for offset, ch in enumerate(masked):
            result[positions[match.start() + offset]] = ch
    return "".join(result)


def mask_numbers(text) -> str:
    """Free text with every 身份证号 (18 or 15 digits), mobile, landline with area code and card number in it masked,
    however it is written (spaces, dashes, dots, underscores, commas, full-width digits, a +86 prefix, invisible
    characters in between). The one function for text shown to people who may not see such numbers: public case
    pages, Open311, the audit trail."""
    if not text:
        return "" if text is None else text
    return _substitute(str(text), remove=False)


def remove_numbers(text) -> str:
    """Free text with every personal number (as found by `mask_numbers`) blanked out entirely: for search indexes
    and queries, so that no search can tell whether a given number is in a text, however it was typed."""
    if not text:
        return "" if text is None else text
    return _substitute(str(text), remove=True)


_MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")


def normalize_phone(value) -> str:
    """A mainland mobile number as 11 digits (full-width digits, spaces, dashes and +86 allowed), or "" if it is not
    one: the form a number is hashed in, so the same phone typed two ways hashes alike."""
    phone = unicodedata.normalize("NFKC", str(value or ""))
    phone = re.sub(r"[\s\-()（）]", "", phone)
    phone = re.sub(r"^(\+86|0086)", "", phone)
    return phone if _MOBILE_RE.match(phone) else ""
