"""The shared form rendering: an error summary linking each error to its field, help and error ids matching the
aria-describedby Django's widgets carry, a required message that says what to do."""

from django import forms
from django.template import Context, Template

from apps.core.templatetags.ui import error_summary


class _Form(forms.Form):
    name = forms.CharField(label="姓名", help_text="真实姓名")
    code = forms.CharField(label="编码", widget=forms.HiddenInput)


def _render(form):
    return Template('{% load ui %}{% with form=form|bootstrap %}{% include "includes/form_fields.html" %}{% endwith %}').render(
        Context({"form": form}))


def test_summary_lists_every_error_with_a_link_to_its_field():
    form = _Form(data={})
    form.is_valid()
    form.add_error(None, "整体有误")
    items = error_summary(form)
    assert items[0] == ("", "", "整体有误")
    assert ("id_name", "姓名", "此项为必填项，请填写或选择后再提交。") in items
    assert ("", "编码", "此项为必填项，请填写或选择后再提交。") in items  # a hidden field: no link to nowhere


def test_no_summary_for_an_unbound_or_valid_form():
    assert error_summary(_Form()) == []
    assert error_summary(_Form(data={"name": "张三", "code": "1"})) == []


def test_rendered_ids_match_aria_describedby():
    form = _Form(data={"code": "1"})
    form.is_valid()
    html = _render(form)
    assert 'aria-describedby="id_name_helptext id_name_error"' in html and 'aria-invalid="true"' in html
    assert 'id="id_name_helptext"' in html and 'id="id_name_error"' in html
    assert 'data-error-summary' in html and '<a href="#id_name" data-error-link>姓名：' in html


def test_hand_written_controls_get_the_widgets_aria():
    form = _Form(data={"code": "1"})
    form.is_valid()
    html = Template('{% load ui %}<input name="name"{% field_aria form.name "hint" %}>|<input{% field_aria form.name help=True %}>'
                    '|<input{% field_aria form.code %}>').render(Context({"form": form}))
    assert html == ('<input name="name" aria-invalid="true" aria-describedby="hint id_name_error">'
                    '|<input aria-invalid="true" aria-describedby="id_name_helptext id_name_error">|<input>')


def test_a_formset_summary_lists_its_own_and_each_forms_errors():
    formset = forms.formset_factory(_Form, extra=0)(data={"form-TOTAL_FORMS": "2", "form-INITIAL_FORMS": "0",
                                                          "form-0-name": "张三", "form-0-code": "1", "form-1-code": "2"})
    formset.is_valid()
    formset.service_errors = ["等次重叠"]
    assert error_summary(formset) == [("", "", "等次重叠"),
                                      ("id_form-1-name", "姓名", "此项为必填项，请填写或选择后再提交。")]
    assert error_summary(forms.formset_factory(_Form)()) == []


def test_a_group_of_options_is_linked_by_its_first_option():
    class Choose(forms.Form):
        kinds = forms.MultipleChoiceField(label="类别", choices=[("a", "甲"), ("b", "乙")],
                                          widget=forms.CheckboxSelectMultiple)

    form = Choose(data={})
    assert error_summary(form) == [("id_kinds_0", "类别", "此项为必填项，请填写或选择后再提交。")]
