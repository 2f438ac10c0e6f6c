"""One-time codes: 8 characters from an alphabet without look-alikes (no 0/O, 1/l/I), drawn by `secrets`, stored only
as a keyed hash (HMAC with the field-hash key), unique across all polls: the code alone finds its poll in one index
lookup, however many polls are open (a province's year-end evaluations run in thousands of branches at once)."""

import secrets

from apps.core.crypto import keyed_hash

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # 31 characters: 31^8 ≈ 8.5 × 10^11 codes
LENGTH = 8
_FORGIVEN = str.maketrans({"O": "0", "I": "1", "L": "1"})  # never issued: typed by mistake for 0/1, still unknown


def new_codes(n: int) -> list[str]:
    """n distinct fresh codes."""
    codes = set()
    while len(codes) < n:
        codes.add("".join(secrets.choice(ALPHABET) for _ in range(LENGTH)))
    return list(codes)


def normalize(raw: str) -> str:
    """What a voter typed, as a code: spaces and dashes dropped, upper case. Not checked against the alphabet here: an
    impossible code is simply unknown."""
    return "".join(ch for ch in (raw or "").upper() if ch not in " -\t").translate(_FORGIVEN)[:32]


def looks_like_code(code: str) -> bool:
    return len(code) == LENGTH and all(ch in ALPHABET for ch in code)


def code_hash(code: str) -> str:
    return keyed_hash(f"ballot:{code}")


def spaced(code: str) -> str:
    """ABCD-EFGH: how a code is printed and shown (easier to read aloud and type)."""
    return f"{code[:4]}-{code[4:]}"
