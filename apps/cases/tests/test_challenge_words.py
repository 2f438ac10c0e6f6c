"""The challenge in words (for screen readers): every phrasing in both languages states the same sum as the picture,
numbers written out; an expired or forged token gets no question; the page serves only the text."""

import json
import re

import pytest
from django.utils import translation

from apps.cases import challenge
from tests.browser.test_keyboard import solve

pytestmark = pytest.mark.django_db


def _token(a, op, b, phrasing):
    payload = {"q": f"{a} {op} {b} = ?", "w": [a, op, b, phrasing], "a": a + b if op == "+" else a - b,
               "n": "00" * 8, "t": int(__import__("time").time())}
    return challenge._box().encrypt(json.dumps(payload).encode()).decode()


@pytest.mark.parametrize("n, words", [(0, "零"), (7, "七"), (10, "十"), (12, "十二"), (20, "二十"), (28, "二十八")])
def test_chinese_numbers(n, words):
    assert challenge.chinese_number(n) == words


@pytest.mark.parametrize("n, words", [(7, "seven"), (13, "thirteen"), (20, "twenty"), (28, "twenty-eight")])
def test_english_numbers(n, words):
    assert challenge.english_number(n) == words


@pytest.mark.parametrize("op", ["+", "-"])
@pytest.mark.parametrize("phrasing", [0, 1, 2])
def test_every_phrasing_states_the_sum_without_digits(op, phrasing):
    token = _token(19, op, 9, phrasing)
    with translation.override("zh-hans"):
        question = challenge.question_in_words(token)
    assert not re.search(r"\d", question)
    assert solve(question) == challenge.peek_answer(token)  # readable from the text alone
    with translation.override("en"):
        english = challenge.question_in_words(token)
    assert "nineteen" in english and "nine" in english and not re.search(r"\d", english)


def test_a_fresh_challenge_has_its_question_in_words():
    token = challenge.new_challenge()
    with translation.override("zh-hans"):
        assert solve(challenge.question_in_words(token)) == challenge.peek_answer(token)


def test_no_question_for_a_forged_or_expired_token(client, settings):
    assert challenge.question_in_words("forged") is None
    response = client.get("/report/challenge/text/?t=forged")
    assert response.status_code == 404
    settings.CASE_CHALLENGE_MINUTES = -1
    assert challenge.question_in_words(challenge.new_challenge()) is None


def test_the_text_page_serves_the_question(client):
    token = challenge.new_challenge()
    response = client.get("/report/challenge/text/", {"t": token}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    html = response.content.decode()
    assert response.status_code == 200 and "文字题" in html and str(challenge.peek_answer(token)) not in html.split("（")[0]
    assert response["Cache-Control"].startswith("max-age=0") or "no-cache" in response["Cache-Control"]
