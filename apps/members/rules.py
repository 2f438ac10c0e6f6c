"""Validation of a member record, shared by the form, the API and the Excel import.

`validate_member_data` takes normalized values and returns (cleaned, errors) where errors
maps field → message (in the active language); it never touches the database except for lookups.
"""

from datetime import date

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from apps.core import codes
from apps.core.dates import add_years
from apps.core.idcard import IdNumberError, parse_id_number
from apps.core.text import normalize_name, normalize_text

from .models import CURRENT_STATUSES, MemberCategory, MemberStatus

ETHNICITY_CODES = dict(codes.ETHNICITIES)
EDUCATION_CODES = dict(codes.EDUCATIONS)
OCCUPATION_CODES = dict(codes.OCCUPATIONS)
MIN_JOIN_AGE = 18
# Computed once: TextChoices.values builds a new list on every access, and an import validates 63,000 rows.
CATEGORY_VALUES = frozenset(MemberCategory.values)
STATUS_VALUES = frozenset(MemberStatus.values)
FULL, PROBATIONARY = MemberCategory.FULL.value, MemberCategory.PROBATIONARY.value
FLOWING = MemberStatus.FLOWING.value
CURRENT_STATUS_VALUES = frozenset(s.value for s in CURRENT_STATUSES)
# 停止党籍, 出党 and 去世 are 党籍变动 (apps.membership: dated, with the approving body and 文号, kept for good): the
# edit form and the API neither set them nor take a member out of them (恢复党籍 and corrections are 党籍变动 too).
# The Excel import keeps them: it brings in the registry as it stands (a legacy 出党 member is imported as such).
BY_STATUS_CHANGE_ONLY = frozenset(s.value for s in (MemberStatus.SUSPENDED, MemberStatus.LEFT, MemberStatus.DECEASED))


def status_edit_error(current: str | None, new: str) -> str | None:
    """Why a direct edit (form, API) may not move a member from `current` (None: a new member) to `new`, or None."""
    if new == current:
        return None
    if new in BY_STATUS_CHANGE_ONLY or current in BY_STATUS_CHANGE_ONLY:
        return _("停止党籍、恢复党籍、出党、去世须在党员页面“党员历程”中办理党籍变动（填写批准机关和文号），不能直接修改")
    return None


MEMBER_ORG_KINDS = frozenset(("branch", "joint_branch", "temporary_branch", "general_branch", "committee", "working_committee"))
# The coded columns' tables and labels; the label is translated only for a row that has the error.
_CODED = (("ethnicity", ETHNICITY_CODES, gettext_noop("民族")), ("education", EDUCATION_CODES, gettext_noop("学历")),
          ("occupation", OCCUPATION_CODES, gettext_noop("职业类别")))


def validate_member_data(data: dict, *, today: date | None = None) -> tuple[dict, dict]:
    today = today or date.today()
    errors, cleaned = {}, dict(data)

    name = normalize_name(data.get("name"))
    if not name:
        errors["name"] = _("姓名不能为空")
    elif len(name) > 60:
        errors["name"] = _("姓名过长")
    cleaned["name"] = name

    parsed = None
    try:
        parsed = parse_id_number(data.get("id_number"), today=today)
        cleaned["id_number"] = parsed.value
        cleaned["birth_date"] = parsed.birth_date
        cleaned["sex"] = parsed.sex
    except IdNumberError as exc:
        errors["id_number"] = str(exc)

    # Birth date and sex given separately must agree with the number.
    if parsed and data.get("declared_birth_date") and data["declared_birth_date"] != parsed.birth_date:
        errors["birth_date"] = _("出生日期与身份证号不一致（身份证号显示为{date}）").format(date=f"{parsed.birth_date:%Y-%m-%d}")
    if parsed and data.get("declared_sex") and data["declared_sex"] != parsed.sex:
        errors["sex"] = _("性别与身份证号不一致（身份证号第17位奇数为男、偶数为女）")

    for key, table, label in _CODED:
        value = data.get(key) or ""
        if value and value not in table:
            errors[key] = _("{label}不在标准代码表中").format(label=_(label))
    cleaned["ethnicity"] = data.get("ethnicity") or "01"

    joined, full_on = data.get("joined_on"), data.get("full_member_on")
    category = data.get("category") or MemberCategory.FULL
    cleaned["category"] = category
    if category not in CATEGORY_VALUES:
        errors["category"] = _("人员类别应为正式党员或预备党员")
    if not joined:
        errors["joined_on"] = _("入党日期不能为空")
    else:
        if joined > today:
            errors["joined_on"] = _("入党日期不能晚于今天")
        elif parsed and joined < add_years(parsed.birth_date, MIN_JOIN_AGE):
            errors["joined_on"] = _("入党时应年满18周岁，请核对入党日期与身份证号")
    if category == PROBATIONARY and full_on:
        errors["full_member_on"] = _("预备党员不应填写转正日期")
    if category == FULL:
        if not full_on:
            errors["full_member_on"] = _("正式党员须填写转正日期")
        elif full_on > today:
            errors["full_member_on"] = _("转正日期不能晚于今天")
        elif joined and full_on < joined:
            errors["full_member_on"] = _("转正日期不能早于入党日期")

    status = data.get("status") or MemberStatus.NORMAL
    cleaned["status"] = status
    if status not in STATUS_VALUES:
        errors["status"] = _("党员状态不正确")
    if status == FLOWING and not normalize_text(data.get("flow_place")):
        errors["flow_place"] = _("流动党员须填写流动去向")

    phone = normalize_text(data.get("phone")).replace(" ", "").replace("-", "")
    if phone and not (phone.isascii() and phone.isdigit() and (len(phone) == 11 and phone.startswith("1") or 7 <= len(phone) <= 12)):
        errors["phone"] = _("手机号格式不正确，应为11位手机号码或固定电话")
    cleaned["phone"] = phone

    org = data.get("organization")
    if org is not None:
        if not org.is_active:
            errors["organization"] = _("所在党组织已撤销")
        elif org.kind == "group":
            errors["organization"] = _("党员应编入党支部，党小组请在“所在党小组”中选择")
        elif status in CURRENT_STATUS_VALUES and org.kind not in MEMBER_ORG_KINDS:
            errors["organization"] = _("所在党组织类别不正确")
    else:
        errors.setdefault("organization", _("请选择所在党组织"))
    group = data.get("party_group")
    if group is not None and org is not None and (group.kind != "group" or not group.path.startswith(org.path)):
        errors["party_group"] = _("所选党小组不属于该党员所在党组织")

    for key in ("flow_place", "flow_contact"):
        cleaned[key] = normalize_text(data.get(key))
    return cleaned, errors
