"""Case contact phones are stored masked as apps.core.text.mask_phone masks them (landlines at least half hidden), and
the masks stored before are re-masked by migration cases/0004 without decrypting."""

import importlib

import pytest
from django.apps import apps

from apps.cases.models import Case
from apps.core.text import mask_phone
from tests.migration_editor import MigrationEditor


@pytest.mark.django_db
def test_landline_masks_and_their_migration(submit):
    landline, _ = submit(phone="02368123456")
    mobile, _ = submit(phone="13900001111")
    assert Case.objects.get(pk=landline.pk).phone_masked == "02*******56"
    Case.objects.filter(pk=landline.pk).update(phone_masked="023****3456")  # the mask before issue 9
    remask = importlib.import_module("apps.cases.migrations.0004_remask_phones").remask
    remask(apps, MigrationEditor())
    remask(apps, MigrationEditor())
    stored = dict(Case.objects.values_list("pk", "phone_masked"))
    assert stored[landline.pk] == mask_phone("02368123456") == "02*******56"
    assert stored[mobile.pk] == "139****1111"
