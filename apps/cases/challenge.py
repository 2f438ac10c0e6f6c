"""A self-hosted challenge for the public form: a small sum drawn as a picture on the server (no external
captcha service, no JavaScript). The form carries an encrypted token holding the answer and a one-time nonce;
a token is good for CASE_CHALLENGE_MINUTES and for one submission."""

import io
import json
import random
import secrets
import time

from cryptography.fernet import InvalidToken
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from apps.core import ratelimit
from apps.core.crypto import _fernet


def _box():
    return _fernet(settings.SECRET_KEY + ":case-challenge")


_DIGITS = "零一二三四五六七八九"
_ENGLISH = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
            "seventeen eighteen nineteen").split()
_ENGLISH_TENS = {2: "twenty", 3: "thirty"}


def chinese_number(n: int) -> str:
    """0..99 in Chinese numerals as spoken (十二, 二十, 二十一)."""
    if n < 10:
        return _DIGITS[n]
    tens, ones = divmod(n, 10)
    return f"{'' if tens == 1 else _DIGITS[tens]}十{_DIGITS[ones] if ones else ''}"


def english_number(n: int) -> str:
    """0..39 in English words."""
    if n < 20:
        return _ENGLISH[n]
    tens, ones = divmod(n, 10)
    return _ENGLISH_TENS[tens] + (f"-{_ENGLISH[ones]}" if ones else "")


# The same sum in words, for those who cannot see the picture (WCAG 1.1.1): a screen reader reads it, nothing leaves
# the server. Several phrasings, numbers in words, so it is no easier for a script than the picture; what stops
# scripts is the same for both: one guess per token, and the form's rate limits. Worded in the reader's language
# when asked for (the token keeps the sum and which phrasing).
_WORDED = {
    "+": [gettext_lazy("{a}加{b}等于多少？"), gettext_lazy("{a}加上{b}是几？"), gettext_lazy("比{a}多{b}的数是几？")],
    "-": [gettext_lazy("{a}减{b}等于多少？"), gettext_lazy("从{a}里减去{b}，还剩几？"), gettext_lazy("比{a}少{b}的数是几？")],
}


def new_challenge() -> str:
    rng = random.SystemRandom()
    a, b = rng.randint(2, 19), rng.randint(1, 9)
    op = rng.choice("+-") if a > b else "+"
    answer = a + b if op == "+" else a - b
    worded = [a, op, b, rng.randrange(len(_WORDED[op]))]
    payload = {"q": f"{a} {op} {b} = ?", "w": worded, "a": answer, "n": secrets.token_hex(8), "t": int(time.time())}
    return _box().encrypt(json.dumps(payload).encode()).decode()


def question_in_words(token) -> str | None:
    """The token's question as text in the current language (None: expired or forged)."""
    payload = _payload(token, ttl=settings.CASE_CHALLENGE_MINUTES * 60)
    if not payload or not isinstance(payload.get("w"), list):
        return None
    a, op, b, phrasing = payload["w"]
    words = chinese_number if (get_language() or "zh").startswith("zh") else english_number
    return str(_WORDED[op][phrasing]).format(a=words(a), b=words(b))


def _payload(token, ttl=None):
    try:
        return json.loads(_box().decrypt(token.encode(), ttl=ttl))
    except (InvalidToken, ValueError, TypeError, AttributeError):
        return None


def verify(token, answer):
    """Accept a correct answer once; ValidationError with the reason otherwise."""
    payload = _payload(token, ttl=settings.CASE_CHALLENGE_MINUTES * 60)
    if payload is None:
        raise ValidationError(_("验证题已过期，请换一题后重新作答"))
    # Spent by any attempt, right or wrong: one token, one guess. The claim is one atomic statement (a database
    # upsert, or SET NX in Redis with REDIS_URL; a cache add is not atomic across processes on the file cache), so
    # parallel posts of one token get one guess, on however many servers.
    if not ratelimit.claim_once("case-challenge", payload["n"], ttl=settings.CASE_CHALLENGE_MINUTES * 60 + 60):
        raise ValidationError(_("该验证题已使用，请换一题"))
    try:
        correct = int(str(answer).strip()) == payload["a"]
    except (TypeError, ValueError):
        correct = False
    if not correct:
        raise ValidationError(_("验证题答案不正确"))


def peek_answer(token):
    """The answer a token holds (for the test suite and the benchmark, which post the form as a resident would)."""
    payload = _payload(token)
    return payload["a"] if payload else None


def render_png(token) -> bytes | None:
    payload = _payload(token, ttl=settings.CASE_CHALLENGE_MINUTES * 60)
    if payload is None:
        return None
    from PIL import Image, ImageDraw, ImageFont

    rng = random.Random(payload["n"])
    width, height = 200, 64
    image = Image.new("RGB", (width, height), (250, 246, 240))
    draw = ImageDraw.Draw(image)
    for _i in range(6):
        draw.line([(rng.randint(0, width), rng.randint(0, height)), (rng.randint(0, width), rng.randint(0, height))],
                  fill=(rng.randint(150, 210), rng.randint(150, 210), rng.randint(150, 210)), width=2)
    font = ImageFont.load_default(size=34)
    x = 10
    for char in payload["q"].replace(" ", ""):
        glyph = Image.new("RGBA", (40, 52), (0, 0, 0, 0))
        ImageDraw.Draw(glyph).text((6, 4), char, font=font, fill=(rng.randint(90, 160), 20, 20, 255))
        glyph = glyph.rotate(rng.uniform(-22, 22), resample=Image.BICUBIC, expand=False)
        image.paste(glyph, (x, rng.randint(0, 10)), glyph)
        x += 26 if char not in "=?" else 30
    for _i in range(120):
        draw.point((rng.randint(0, width - 1), rng.randint(0, height - 1)), fill=(120, 120, 120))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
