from datetime import date

import pytest

from apps.core.idcard import IdNumberError, check_char, make_id_number, mask_id_number, parse_id_number


def test_check_character_follows_gb11643():
    # A published sample number: 11010519491231002X.
    assert check_char("11010519491231002") == "X"
    assert parse_id_number("11010519491231002X").sex == "F"


def test_birth_date_and_sex_are_derived():
    number = make_id_number("500102", date(1985, 3, 12), 11)
    parsed = parse_id_number(number)
    assert parsed.birth_date == date(1985, 3, 12)
    assert parsed.sex == "M"  # 17th digit odd


def test_full_width_lower_x_and_spaces_are_normalized():
    parsed = parse_id_number(" １１０１０５１９４９１２３１００２ｘ ")
    assert parsed.value == "11010519491231002X"


@pytest.mark.parametrize("raw, message", [
    ("", "不能为空"),
    ("1101051949123100", "18位"),
    ("110105194912310021", "校验位"),
    ("110105194913310028", "出生日期"),
    ("110105299912310020", "出生日期"),
])
def test_invalid_numbers_are_refused_with_a_chinese_reason(raw, message):
    with pytest.raises(IdNumberError) as exc:
        parse_id_number(raw)
    assert message in str(exc.value)


def test_mask_keeps_only_the_prefecture_and_remasks_old_forms():
    assert mask_id_number("500102198503120117") == "500***************"
    # Old masked forms (first 6 + last 4) still stored in audit rows are re-masked the same way.
    assert mask_id_number("500102********0117") == "500***************"
    assert mask_id_number(mask_id_number("50010219850312011X")) == "500***************"
