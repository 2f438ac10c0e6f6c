"""Intake: what a submission must be, the offline anti-abuse limits, the challenge, and photos (type, size, and the
EXIF location dropped unless shared)."""

import io
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import timezone

from apps.cases import challenge
from apps.cases.intake import Intake, SubmissionBlocked, case_submit, clean_phone
from apps.cases.models import Case, CaseEvent, CasePhoto, ServiceAttribute

pytestmark = pytest.mark.django_db


def jpeg(gps=None, size=(64, 48), name="photo.jpg"):
    from PIL import Image

    image = Image.new("RGB", size, (200, 80, 40))
    exif = Image.Exif()
    exif[0x0110] = "TestCam"  # camera model: ordinary metadata, kept
    if gps:
        exif.get_ifd(0x8825).update({1: "N", 2: (29.0, 42.0, 36.0), 3: "E", 4: (107.0, 23.0, 24.0)})
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif.tobytes())
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def stored_exif(photo):
    from PIL import Image

    with photo.file.open("rb") as f:
        return Image.open(f).getexif()


def intake(cases, **fields):
    data = {"service": cases.services["env"], "description": "小区垃圾无人清运", "area": cases.tree.branch_a,
            "contact_name": "杨学伦", "phone": "13900001111"}
    data.update(fields)
    return Intake(**data)


def test_text_is_plain_and_bounded(cases):
    case, _ = case_submit(intake=intake(cases, description="<p>楼道<b>灯</b>坏了</p>\r\n\r\n\r\n\r\n三天了<script>alert(1)</script>"))
    assert case.description == "楼道灯坏了\n\n三天了alert(1)"
    with pytest.raises(ValidationError) as exc:
        case_submit(intake=intake(cases, description="字" * 4001))
    assert "不能超过4000个字" in str(exc.value.message_dict["description"])
    with pytest.raises(ValidationError) as exc:
        case_submit(intake=intake(cases, description="<img src=x>", phone="12345", area=cases.dept_org))
    assert set(exc.value.message_dict) == {"description", "phone", "area"}
    assert Case.objects.count() == 1


@pytest.mark.parametrize("raw, expected", [("139 0000 1111", "13900001111"), ("+86 13900001111", "13900001111"),
                                           ("１３９００００１１１１", "13900001111"), ("023-72345678", "02372345678")])
def test_phone_forms(raw, expected):
    assert clean_phone(raw) == expected


@pytest.mark.parametrize("raw", ["1390000111", "23900001111", "abc", "139000011112"])
def test_bad_phones(raw):
    with pytest.raises(ValidationError, match="联系电话格式不正确"):
        clean_phone(raw)


def test_phone_is_required_on_the_web_and_encrypted(cases):
    with pytest.raises(ValidationError, match="以便办理后回访"):
        case_submit(intake=intake(cases, phone=""))
    case, _ = case_submit(intake=intake(cases))
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT contact_phone, phone_masked FROM cases_case WHERE id = %s", [case.pk])
        stored, masked = cursor.fetchone()
    assert "13900001111" not in stored and masked == "139****1111"
    assert Case.objects.get(pk=case.pk).contact_phone == "13900001111"


@override_settings(CASE_PHONE_DAILY_MAX=3, CASE_OPEN_PER_PHONE_MAX=10)
def test_a_phone_may_submit_a_few_a_day(cases):
    for n in range(3):
        case_submit(intake=intake(cases), ip=f"10.1.1.{n}")
    with pytest.raises(SubmissionBlocked, match="24小时内最多提交3件"):
        case_submit(intake=intake(cases), ip="10.1.1.9")
    # Another day, the phone may submit again.
    Case.objects.update(submitted_at=timezone.now() - timedelta(hours=25))
    case_submit(intake=intake(cases), ip="10.1.1.10")


@override_settings(CASE_OPEN_PER_PHONE_MAX=2, CASE_PHONE_DAILY_MAX=10)
def test_open_cases_per_phone_are_capped(cases):
    for n in range(2):
        case_submit(intake=intake(cases), ip=f"10.2.0.{n}")
    with pytest.raises(SubmissionBlocked, match="已有2件诉求正在办理"):
        case_submit(intake=intake(cases), ip="10.2.0.9")


@override_settings(CASE_IP_HOURLY_MAX=2)
def test_an_address_may_submit_a_few_an_hour(cases):
    for n in range(2):
        case_submit(intake=intake(cases, phone=f"1380000000{n}"), ip="192.168.1.5")
    with pytest.raises(SubmissionBlocked, match="每小时最多提交2件"):
        case_submit(intake=intake(cases, phone="13800000009"), ip="192.168.1.5")
    case_submit(intake=intake(cases, phone="13800000008"), ip="192.168.1.6")


def test_challenge_once_and_correct_and_in_time():
    token = challenge.new_challenge()
    answer = challenge.peek_answer(token)
    with pytest.raises(ValidationError, match="答案不正确"):
        challenge.verify(token, answer + 1)
    with pytest.raises(ValidationError, match="已使用"):  # one token, one guess: no trying every sum
        challenge.verify(token, answer)
    with pytest.raises(ValidationError, match="答案不正确"):
        challenge.verify(challenge.new_challenge(), "abc")
    token = challenge.new_challenge()
    challenge.verify(token, str(challenge.peek_answer(token)))
    with pytest.raises(ValidationError, match="已使用"):
        challenge.verify(token, challenge.peek_answer(token))
    with pytest.raises(ValidationError, match="已过期"):
        challenge.verify("forged-token", 3)
    old = challenge.new_challenge()
    with override_settings(CASE_CHALLENGE_MINUTES=0):
        time.sleep(1.1)
        with pytest.raises(ValidationError, match="已过期"):
            challenge.verify(old, challenge.peek_answer(old))
    png = challenge.render_png(challenge.new_challenge())
    assert png.startswith(b"\x89PNG")


def test_photo_location_is_removed_unless_shared(cases):
    case, _ = case_submit(intake=intake(cases, photos=[jpeg(gps=True)]))
    photo = CasePhoto.objects.get(case=case)
    exif = stored_exif(photo)
    assert 0x8825 not in exif and exif.get(0x0110) == "TestCam"
    assert case.lat is None and photo.content_type == "image/jpeg" and photo.file.name.startswith("cases/")
    assert "photo" not in photo.file.name  # the resident's file name is not kept in the path

    shared, _ = case_submit(intake=intake(cases, phone="13900002222", photos=[jpeg(gps=True)], share_location=True))
    exif = stored_exif(CasePhoto.objects.get(case=shared))
    assert exif.get_ifd(0x8825).get(1) == "N"
    assert shared.lat == Decimal("29.710000") and shared.lng == Decimal("107.390000")  # from the photo


def test_bad_photos_refuse_the_whole_submission(cases):
    fake = SimpleUploadedFile("x.jpg", b"not an image at all", content_type="image/jpeg")
    with pytest.raises(ValidationError, match="损坏或无法识别"):
        case_submit(intake=intake(cases, photos=[jpeg(), fake]))
    with pytest.raises(ValidationError, match="只接受"):
        case_submit(intake=intake(cases, photos=[SimpleUploadedFile("x.gif", b"GIF89a", content_type="image/gif")]))
    png_named_jpg = jpeg(name="x.png")
    with pytest.raises(ValidationError, match="扩展名不符"):
        case_submit(intake=intake(cases, photos=[png_named_jpg]))
    with override_settings(CASE_PHOTOS_MAX=1), pytest.raises(ValidationError, match="最多上传1张"):
        case_submit(intake=intake(cases, photos=[jpeg(), jpeg()]))
    with override_settings(CASE_PHOTO_MAX_MB=0), pytest.raises(ValidationError, match="不能超过"):
        case_submit(intake=intake(cases, photos=[jpeg()]))
    assert not Case.objects.exists() and not CasePhoto.objects.exists() and not CaseEvent.objects.exists()


def test_large_photos_are_scaled_down(cases):
    case, _ = case_submit(intake=intake(cases, photos=[jpeg(size=(4000, 3000))]))
    from PIL import Image

    with CasePhoto.objects.get(case=case).file.open("rb") as f:
        assert max(Image.open(f).size) == 2560


def test_category_questions(cases):
    service = cases.services["housing"]
    ServiceAttribute.objects.create(service=service, code="kind", description="房屋类型", datatype="singlevaluelist",
                                    required=True, values=[{"key": "self", "name": "自建房"}, {"key": "flat", "name": "商品房"}])
    ServiceAttribute.objects.create(service=service, code="floors", description="层数", datatype="number")
    with pytest.raises(ValidationError, match="请回答：房屋类型"):
        case_submit(intake=intake(cases, service=service))
    with pytest.raises(ValidationError) as exc:
        case_submit(intake=intake(cases, service=service, attributes={"kind": "castle", "floors": "三"}))
    assert set(exc.value.message_dict) == {"attribute[kind]", "attribute[floors]"}
    case, _ = case_submit(intake=intake(cases, service=service, attributes={"kind": "self", "floors": "3", "other": "x"}))
    assert case.attributes == {"kind": "self", "floors": "3"}


def test_location_needs_both_coordinates(cases):
    with pytest.raises(ValidationError, match="坐标不正确"):
        case_submit(intake=intake(cases, lat=Decimal("29.7"), share_location=True))
    with pytest.raises(ValidationError, match="坐标不正确"):
        case_submit(intake=intake(cases, lat=Decimal("95"), lng=Decimal("107"), share_location=True))
    kept, _ = case_submit(intake=intake(cases, lat=Decimal("29.7"), lng=Decimal("107.39"), share_location=True))
    assert kept.lat == Decimal("29.700000")
    dropped, _ = case_submit(intake=intake(cases, phone="13900003333", lat=Decimal("29.7"), lng=Decimal("107.39")))
    assert dropped.lat is None  # not shared: not kept
