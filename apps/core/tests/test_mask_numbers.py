"""Personal numbers in free text are masked however they are typed (apps.core.text.mask_numbers)."""

import re
import unicodedata

import pytest

from apps.core.text import mask_numbers, remove_numbers

ID = "500102198503120011"


@pytest.mark.parametrize("typed, hidden", [
    ("13800138000", "00138"),
    ("138 0013 8000", "0013"),
    ("138-0013-8000", "0013"),
    ("138 – 0013 – 8000", "0013"),
    ("138.0013.8000", "0013"),
    ("138\u30000013\u30008000", "0013"),  # ideographic spaces
    ("１３８００１３８０００", "００１３"),  # full-width digits
    ("１３８ ００１３ ８０００", "００１３"),
    ("+86 138 0013 8000", "0013"),
    ("+86-13800138000", "00138"),
    ("008613800138000", "00138"),
    ("(0755) 8612 3456", "8612"),
    ("023-68123456", "6812"),
    ("010 6812 3456", "6812"),
    (ID, "02198503120011"),
    ("500102 19850312 0011", "19850312"),
    ("500 102 1985 0312 0011", "1985"),
    ("500102-1985-0312-001X", "0312"),
    ("50010219850312001x", "19850312"),
    ("５００１０２１９８５０３１２００１Ｘ", "１９８５０３１２"),
    ("500102850312001", "850312"),  # the old 15-digit number
    ("6222 0212 3456 7890 123", "0212"),  # a bank card
    ("138_0013_8000", "0013"),  # underscores and commas (ASCII, full-width, 、) as separators
    ("138,0013,8000", "0013"),
    ("138，0013，8000", "0013"),
    ("138、0013、8000", "0013"),
    ("138, 0013, 8000", "0013"),
    ("500102_19850312_0011", "19850312"),
])
def test_every_form_is_masked(typed, hidden):
    for text in (typed, f"请联系{typed}谢谢", f"电话：{typed}。", f"tel:{typed}"):
        masked = mask_numbers(text)
        assert hidden not in masked and "*" in masked, (text, masked)
        assert len(masked) == len(text)  # separators and the rest of the text stay as typed
        assert typed not in remove_numbers(text) and hidden not in remove_numbers(text)


def test_what_stays_visible():
    assert mask_numbers("13800138000") == "138****8000"
    assert mask_numbers("138 0013 8000") == "138 **** 8000"
    assert mask_numbers(f"身份证{ID}，门口积水") == "身份证500***************，门口积水"
    assert mask_numbers("023-68123456") == "023-****3456"
    assert mask_numbers("13800138000 13900139000") == "138****8000 139****9000"  # two phones, not one long run


@pytest.mark.parametrize("text", ["2024年5月6日", "2024-05-06", "2024.05.06", "3栋2单元1203室", "400-800-8820", "共 12345 户",
                                  "第20240506号文件", "邮编 401120"])
def test_ordinary_numbers_stay(text):
    assert mask_numbers(text) == text and remove_numbers(text) == text


def test_a_date_next_to_a_phone_stays_readable():
    assert mask_numbers("2024.05.06 13800138000") == "2024.05.06 138****8000"
    assert re.sub(r"\s+", " ", remove_numbers("2024.05.06 13800138000 来电")).strip() == "2024.05.06 来电"


# Invisible format characters (Unicode category Cf) between the digits: zero-width space, non-joiner, joiner, word
# joiner, BOM, soft hyphen, direction marks — as many as one likes, and mixed with separators.
@pytest.mark.parametrize("typed, hidden", [
    ("138\u200b0013\u200b8000", "0013"),
    ("1\u200b3\u200c8\u200d0\u20600\ufeff1\u00ad3\u200e8\u200f0\u202a0\u202c0", "0013"),
    ("138\u200b\u200b\u200b\u200b\u200b0013\u200b\u200b\u200b\u200b8000", "0013"),
    ("138 \u200b0013\u200b_8000", "0013"),
    ("500102\u200b19850312\u200b0011", "19850312"),
    ("\u2060" + ID, "19850312"),
])
def test_format_characters_do_not_split_a_number(typed, hidden):
    for text in (typed, f"请联系{typed}谢谢"):
        masked = mask_numbers(text)
        visible = "".join(ch for ch in masked if unicodedata.category(ch) != "Cf")
        assert hidden not in visible and "*" in masked, (text, masked)
        assert len(masked) == len(text)  # the invisible characters stay where they were; only digits change
        removed = "".join(ch for ch in remove_numbers(text) if unicodedata.category(ch) != "Cf")
        assert hidden not in removed and not re.search(r"\d{3}", removed)


def test_format_characters_elsewhere_stay():
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # an emoji ZWJ sequence
    assert mask_numbers(f"{family} 13800138000") == f"{family} 138****8000"
    assert mask_numbers("138\u200b0013\u200b8000") == "138\u200b****\u200b8000"


@pytest.mark.parametrize("text", ["共 12,345 户", "1、2、3", "第1,2,3条", "a_1_b", "2024，5月"])
def test_ordinary_numbers_with_the_new_separators_stay(text):
    assert mask_numbers(text) == text and remove_numbers(text) == text
