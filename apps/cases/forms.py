"""Forms of the citizen-request system: the resident's form, staff intake, the steps of handling, and the district's
settings. Validation of substance (limits, routing, states) is the services'; forms check shape and types."""

from django import forms
from django.conf import settings
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from apps.access import policy
from apps.core.lookups import parse_pk
from apps.core.periods import parse_period
from apps.orgs.models import Organization
from apps.orgs.picker import OrgChoiceField

from . import areas, intake_config
from .intake import DESCRIPTION_MAX
from .models import (
    STAFF_CHANNELS,
    AttributeType,
    HandlingUnit,
    Rating,
    RoutingRule,
    Service,
    ServiceAttribute,
    Urgency,
)

TEXTAREA = {"rows": 4}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several files from one input; the services check each photo."""

    widget = MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"})

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else ([data] if data else [])
        if len(files) > settings.CASE_PHOTOS_MAX:
            raise forms.ValidationError(_("最多上传{n}张照片").format(n=settings.CASE_PHOTOS_MAX))
        return [super(PhotosField, self).clean(f, initial) for f in files]


def services_choices():
    return Service.objects.filter(is_active=True).order_by("sort_order", "id")


def attribute_fields(service):
    """Form fields for a category's extra questions, named attr_<code>."""
    fields = {}
    if service is None:
        return fields
    for attr in service.attributes.all():
        options = {"label": attr.description, "required": attr.required, "help_text": attr.datatype_description}
        choices = [(str(v["key"]), v["name"]) for v in attr.values]
        if attr.datatype == AttributeType.SINGLE:
            field = forms.ChoiceField(choices=[("", "---------"), *choices], **options)
        elif attr.datatype == AttributeType.MULTI:
            field = forms.MultipleChoiceField(choices=choices, widget=forms.CheckboxSelectMultiple, **options)
        elif attr.datatype == AttributeType.NUMBER:
            field = forms.DecimalField(**options)
        elif attr.datatype == AttributeType.DATETIME:
            field = forms.DateTimeField(widget=forms.DateTimeInput(attrs={"type": "datetime-local"}), **options)
        elif attr.datatype == AttributeType.TEXT:
            field = forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 3}), **options)
        else:
            field = forms.CharField(max_length=200, **options)
        fields[f"attr_{attr.code}"] = field
    return fields


class KnownChoiceField(forms.ModelChoiceField):
    """A choice validated against the intake configuration in memory (`cases.intake_config`) by the form's `lookup`
    (pk -> object or None) instead of a query; the page still lists its queryset."""

    lookup = None

    def to_python(self, value):
        if self.lookup is None or value in self.empty_values:
            return super().to_python(value)
        found = self.lookup(parse_pk(getattr(value, "pk", value)))
        if found is None:
            raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return found


class CaseFieldsForm(forms.Form):
    """What a case is made of, for the resident's form and for staff intake."""

    service = KnownChoiceField(label=_("反映问题类别"), queryset=Service.objects.none(), empty_label=_("请选择"))
    description = forms.CharField(label=_("问题描述"), max_length=DESCRIPTION_MAX,
                                  widget=forms.Textarea(attrs={"rows": 6, "maxlength": DESCRIPTION_MAX}),
                                  help_text=format_lazy(_("请写明发生了什么、在哪里、持续多久，至少{min}字，最多4000字"),
                                                        min=settings.CASE_DESCRIPTION_MIN_CHARS))
    township = KnownChoiceField(label=_("乡镇（街道）"), queryset=areas.townships(), empty_label=_("请选择"))
    village = KnownChoiceField(label=_("村（社区）"), queryset=areas.villages(None), required=False,
                               empty_label=_("不清楚或不涉及"))
    address = forms.CharField(label=_("详细地址"), max_length=200, required=False,
                              help_text=_("如：3组12号、某小区5栋门口"))
    lat = forms.DecimalField(required=False, widget=forms.HiddenInput, max_digits=9, decimal_places=6)
    lng = forms.DecimalField(required=False, widget=forms.HiddenInput, max_digits=9, decimal_places=6)
    share_location = forms.BooleanField(label=_("共享我的位置（照片中的位置信息随之保留）"), required=False)
    photos = PhotosField(label=_("现场照片"), required=False,
                         help_text=format_lazy(_("最多{n}张，每张不超过{mb}MB；未共享位置时，照片中的位置信息会被去除"),
                                               n=settings.CASE_PHOTOS_MAX, mb=settings.CASE_PHOTO_MAX_MB))
    contact_name = forms.CharField(label=_("您的称呼"), max_length=40)
    phone = forms.CharField(label=_("联系电话"), max_length=20, help_text=_("用于办理后回访，不会公开"))
    hide_name = forms.BooleanField(label=_("不公开我的姓名"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Categories and places are validated against the configuration in memory, without a query; the querysets
        # are what the page lists (the same rows).
        self.table = intake_config.current()
        self.fields["service"].queryset = services_choices()
        self.fields["service"].lookup = self.table.services.get
        self.fields["township"].lookup = self.table.townships.get
        self.bound_township = self._bound_township()  # the villages listed (villages()) and allowed are its
        self.fields["village"].lookup = lambda pk: self._village(self.bound_township, pk)
        self.service = self._bound_service()
        self.fields.update(attribute_fields(self.service))

    def _village(self, township, pk):
        village = self.table.villages.get(pk)
        if township is None or village is None or village.path[: -village.steplen] != township.path:
            return None
        return village

    def _bound_value(self, name):
        return (self.data.get(name) if self.is_bound else None) or self.initial.get(name)

    def _bound_township(self):
        value = self._bound_value("township")
        value = getattr(value, "pk", value)
        return self.table.townships.get(parse_pk(value))

    def _bound_service(self):
        value = self._bound_value("service")
        value = getattr(value, "pk", value)
        return self.table.services.get(parse_pk(value))

    def attribute_bound_fields(self):
        return [self[name] for name in self.fields if name.startswith("attr_")]

    def townships(self):
        return areas.with_places(areas.townships())

    def service_groups(self):
        """[(group, [services])] in the categories' order, each group where its first category is."""
        groups = {}
        for service in self.fields["service"].queryset:
            groups.setdefault(service.group or _("其他"), []).append(service)
        return list(groups.items())

    def villages(self):
        return areas.with_places(areas.villages(self.bound_township))

    def attribute_values(self):
        return {name[5:]: (value.isoformat() if hasattr(value, "isoformat") else value)
                for name, value in self.cleaned_data.items() if name.startswith("attr_") and value not in (None, "", [])}

    def area(self):
        return self.cleaned_data.get("village") or self.cleaned_data.get("township")

    def intake_field(self, key):
        """The form field an intake error is about (intake names some differently), or None for the top."""
        if key.startswith("attribute[") and key.endswith("]"):
            key = f"attr_{key[10:-1]}"
        key = {"area": "township", "lat": None, "lng": None}.get(key, key)  # the position's fields are hidden
        return key if key in self.fields else None

    def add_intake_errors(self, exc, *, skip_fields_with_errors=False):
        """Put intake's ValidationError on the form; with skip_fields_with_errors, a field the form already refused
        keeps its own message only (intake judged what was left of it)."""
        if not hasattr(exc, "error_dict"):
            self.add_error(None, exc.messages)
            return
        for key, messages in exc.message_dict.items():
            name = self.intake_field(key)
            if skip_fields_with_errors and name in self.errors:
                continue
            self.add_error(name, messages)


class PublicCaseForm(CaseFieldsForm):
    emergency = forms.BooleanField(label=_("情况紧急：危及生命或财产安全"), required=False)
    challenge_token = forms.CharField(widget=forms.HiddenInput)
    challenge_answer = forms.CharField(label=_("验证题：请计算算式的结果（图片或文字题）"), max_length=4,
                                       widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}))
    # A field people never see: a program that fills in every input gives itself away.
    website = forms.CharField(required=False, widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}))

    field_order = ["service", "emergency", "description"]


class StaffIntakeForm(CaseFieldsForm):
    channel = forms.ChoiceField(label=_("来源渠道"), choices=[(c.value, c.label) for c in STAFF_CHANNELS])
    unit = forms.ModelChoiceField(label=_("接收单位（首接负责）"), queryset=HandlingUnit.objects.none())
    urgency = forms.ChoiceField(label=_("时限类别"), choices=[("", _("按类别默认")), *Urgency.choices], required=False)
    handle_here = forms.BooleanField(label=_("本单位直接办理（不再派单）"), required=False)
    is_public = forms.BooleanField(label=_("在办件公开页公开（不含联系方式）"), required=False, initial=True)

    field_order = ["channel", "unit", "service", "urgency", "description"]

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = HandlingUnit.objects.filter(pk__in=[u.pk for u in units])
        self.fields["phone"].required = False
        self.fields["contact_name"].required = False
        self.fields["contact_name"].label = _("群众姓名")


# ---- steps of handling ----

class AcceptForm(forms.Form):
    service = forms.ModelChoiceField(label=_("诉求类别"), queryset=Service.objects.filter(is_active=True))
    urgency = forms.ChoiceField(label=_("时限类别"), choices=Urgency.choices)
    is_public = forms.BooleanField(label=_("在办件公开页公开（不含联系方式）"), required=False)


class ReclassifyForm(AcceptForm):
    """The dispatcher's correction of a case accepted by the rules."""


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("理由"), max_length=300, widget=forms.Textarea(attrs={"rows": 2}))


class DispatchForm(forms.Form):
    lead = forms.ModelChoiceField(label=_("牵头单位"), queryset=HandlingUnit.objects.filter(is_active=True))
    assisting = forms.ModelMultipleChoiceField(label=_("协办单位"), queryset=HandlingUnit.objects.filter(is_active=True),
                                               required=False, widget=forms.SelectMultiple(attrs={"size": 4}))
    note = forms.CharField(label=_("派单说明"), max_length=200, required=False)


class NoteForm(forms.Form):
    text = forms.CharField(label=_("办理进展"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    is_public = forms.BooleanField(label=_("向群众公开此条进展"), required=False)


class ExtensionForm(forms.Form):
    until = forms.DateTimeField(label=_("申请延至"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    reason = forms.CharField(label=_("延期理由"), max_length=300, widget=forms.Textarea(attrs={"rows": 2}))


class DecideExtensionForm(forms.Form):
    approve = forms.TypedChoiceField(label=_("审批"), choices=[("1", _("批准")), ("0", _("不批准"))], coerce=lambda v: v == "1",
                                     widget=forms.RadioSelect)
    note = forms.CharField(label=_("审批意见"), max_length=300, required=False)


class ResolveForm(forms.Form):
    answer = forms.CharField(label=_("答复群众"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4}),
                             help_text=_("办理结果将原文展示给群众"))
    photos = PhotosField(label=_("办结照片"), required=False)


class RatingForm(forms.Form):
    solved = forms.TypedChoiceField(label=_("问题是否已解决"), choices=[("1", _("已解决")), ("0", _("未解决"))],
                                    coerce=lambda v: v == "1", widget=forms.RadioSelect)
    rating = forms.ChoiceField(label=_("对办理结果是否满意"), choices=Rating.choices, widget=forms.RadioSelect)
    comment = forms.CharField(label=_("意见和建议"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2}))


class CallbackForm(RatingForm):
    """The same questions, asked by a dispatcher over the phone (the view records it as a phone callback)."""


class MergeForm(forms.Form):
    master = forms.CharField(label=_("合并到诉求（受理编号）"), max_length=20)


class LookupForm(forms.Form):
    number = forms.CharField(label=_("受理编号"), max_length=20)
    code = forms.CharField(label=_("查询码"), max_length=12, widget=forms.TextInput(attrs={"autocomplete": "off"}))


class RankingForm(forms.Form):
    period = forms.CharField(label=_("期间"), required=False, help_text=_("如 2026-11（月）、2026Q4（季度）、2026（年）"))

    def clean_period(self):
        value = self.cleaned_data.get("period", "").strip()
        if not value:
            return None
        try:
            return parse_period(value)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None


# ---- the district's settings ----

class UnitForm(forms.ModelForm):
    # The organization picker, scoped by the view to the organizations the administrator sets rules for.
    organization_code = OrgChoiceField(label=_("对应党组织"), capability=policy.RULES_MANAGE,
                                       help_text=_("在该党组织及其上级任职的工作人员代表本单位办理"))

    class Meta:
        model = HandlingUnit
        fields = ["name", "kind", "parent", "is_active", "sort_order"]

    def __init__(self, *args, orgs=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = HandlingUnit.objects.filter(kind="township")
        self.fields["organization_code"].queryset = orgs if orgs is not None else Organization.objects.none()
        if self.instance.pk:
            self.fields["organization_code"].initial = self.instance.organization


class RuleForm(forms.ModelForm):
    area_code = OrgChoiceField(label=_("区域（乡镇或村社区）"), capability=policy.RULES_MANAGE, required=False,
                               help_text=_("不填：任何区域"))

    class Meta:
        model = RoutingRule
        fields = ["service", "to_area_unit", "unit", "assisting", "is_active", "note"]
        widgets = {"assisting": forms.SelectMultiple(attrs={"size": 5})}

    def __init__(self, *args, orgs=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = HandlingUnit.objects.filter(is_active=True)
        self.fields["assisting"].queryset = HandlingUnit.objects.filter(is_active=True)
        self.fields["service"].empty_label = _("任何类别")
        self.fields["area_code"].queryset = orgs if orgs is not None else Organization.objects.none()
        if self.instance.pk and self.instance.area_id:
            self.fields["area_code"].initial = self.instance.area


class ServiceForm(forms.ModelForm):
    class Meta:
        model = Service
        fields = ["code", "name", "group", "description", "keywords", "urgency", "is_active", "sort_order"]


class AttributeForm(forms.ModelForm):
    values_text = forms.CharField(label=_("选项"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                                  help_text=_("单选、多选题每行一个选项：代码=名称，如 1=室内"))

    class Meta:
        model = ServiceAttribute
        fields = ["code", "description", "datatype", "datatype_description", "required", "order"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["values_text"].initial = "\n".join(f"{v['key']}={v['name']}" for v in self.instance.values)

    def clean_values_text(self):
        values = []
        for line in self.cleaned_data.get("values_text", "").splitlines():
            if not line.strip():
                continue
            key, sep, name = line.partition("=")
            if not sep or not key.strip() or not name.strip():
                raise forms.ValidationError(_("选项格式应为 代码=名称：{line}").format(line=line.strip()))
            values.append({"key": key.strip(), "name": name.strip()})
        return values
