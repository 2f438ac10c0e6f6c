"""Pages of letters under /membership/letters/ and /membership/documents/: the 组织关系介绍信 (list with the 回执
flag, issuing, the print page, the PDF, 套打, a batch as one PDF, recording the 回执), registering a member arriving
from outside with a letter, 党员证明信 and 流动党员活动证, and the district's 套打 layout.

Access (transfer_scopes.py): MEMBER_VIEW on the letter's organization reads it, MEMBER_MANAGE issues and records;
the layout is set by RULES_MANAGE (district administrators)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.access import policy
from apps.audit.services import Action, audit_read
from apps.core.forms import submit

from . import transfer_pdf
from . import transfer_selectors as selectors
from . import transfer_services as services
from .transfer_forms import BatchForm, DocumentForm, IncomingForm, LetterForm, ReceiptForm, TemplateForm
from .transfer_models import IncomingLetter, IntroductionLetter, IssuedDocument, LetterTemplate
from .transfer_views import PAGE_SIZE, member_choice, require_member_manage, require_member_view


@login_required
def letter_list(request):
    require_member_view(request.user)
    today = timezone.localdate()
    overdue = request.GET.get("overdue") == "1"
    qs = policy.restrict(IntroductionLetter, request.user).select_related("organization", "member")
    if overdue:
        qs = qs.filter(selectors.receipt_overdue_q(today))
    page = Paginator(qs.order_by("-issued_on", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(letter, selectors.is_receipt_overdue(letter, today)) for letter in page.object_list]
    incoming = policy.restrict(IncomingLetter, request.user).select_related("organization", "member")[:20]
    return render(request, "membership/letter_list.html", {
        "page": page, "rows": rows, "overdue": overdue, "incoming": incoming, "section": "membership",
        "may_manage": policy.has_capability(request.user, policy.MEMBER_MANAGE),
        "may_layout": policy.has_capability(request.user, policy.RULES_MANAGE),
        "sync_max": settings.LETTER_BATCH_SYNC_MAX})


@login_required
def letter_create(request):
    require_member_manage(request.user)
    member, matches = member_choice(request)
    form = LetterForm(request.POST or None) if member else None
    if member and request.method == "POST":
        letter = submit(form, lambda d: services.letter_issue(
            actor=request.user, member=member, destination=d["destination"], reach=d["reach"],
            validity_days=d["validity_days"], request=request))
        if letter:
            messages.success(request, _("已开具介绍信{number}").format(number=letter.number))
            return redirect("membership:letter", letter.pk)
    return render(request, "membership/letter_form.html", {
        "member": member, "matches": matches, "form": form, "q": request.GET.get("q", ""), "section": "membership",
        "dues_paid_to": selectors.dues_paid_to(member) if member else None},
        status=400 if form is not None and form.is_bound else 200)


def _letter_page(request, letter, receipt_form=None, status=200):
    return render(request, "membership/letter_detail.html", {
        "letter": letter, "v": transfer_pdf.letter_values(letter), "section": "membership",
        "receipt_due": selectors.receipt_due(letter.issued_on),
        "receipt_overdue": selectors.is_receipt_overdue(letter, timezone.localdate()),
        "may_manage": policy.can(request.user, policy.MEMBER_MANAGE, letter),
        "receipt_form": receipt_form or ReceiptForm(initial={"received_on": timezone.localdate()})}, status=status)


@login_required
def letter_detail(request, pk):
    return _letter_page(request, policy.get(IntroductionLetter, request.user, pk))


def _no_template():
    """套打 asked for where the district has set no layout yet: a request that cannot be met as it stands (400)."""
    return HttpResponse(_("尚未设置介绍信套打模板，请由区委组织部在“套打模板”中设置后再套打，或打印完整介绍信"), status=400,
                        content_type="text/plain; charset=utf-8")


def _pdf_response(request, letters, *, overlay, filename):
    template = selectors.letter_template_for(letters[0].organization) if overlay else None
    if overlay and template is None:
        return _no_template()
    pdf = transfer_pdf.render_pdf(letters, template=template, overlay=overlay)
    for letter in letters:
        audit_read(actor=request.user, action=Action.EXPORT, obj=letter, request=request,
                   note=_("打印组织关系介绍信（PDF）"))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@login_required
def letter_pdf(request, pk):
    letter = policy.get(IntroductionLetter, request.user, pk)
    return _pdf_response(request, [letter], overlay=request.GET.get("overlay") == "1", filename=f"letter-{letter.pk}.pdf")


@login_required
@require_POST
def letter_batch_pdf(request):
    """Several letters as one PDF (one page each), in the order chosen; any letter out of scope: 404 for all. More
    than LETTER_BATCH_SYNC_MAX: made by a background job, whose page shows the progress and then offers the file."""
    require_member_view(request.user)
    if request.POST.get("scope") == "all":  # every letter the list shows (its filter), not only this page's
        ids, error = _listed_ids(request)
    else:
        form = BatchForm({"ids": " ".join(request.POST.getlist("ids"))})  # one checkbox per letter
        ids, error = (form.cleaned_data["ids"], "") if form.is_valid() else (
            [], " ".join(e for errs in form.errors.values() for e in errs))
    if error:
        return HttpResponse(error, status=400, content_type="text/plain; charset=utf-8")
    ids = list(dict.fromkeys(ids))
    found = policy.restrict(IntroductionLetter, request.user).select_related("organization", "member").in_bulk(ids)
    if len(found) != len(ids):
        return HttpResponse(_("所选介绍信不存在或不在您的权限范围内"), status=404,
                            content_type="text/plain; charset=utf-8")
    letters, overlay = [found[i] for i in ids], request.POST.get("overlay") == "1"
    if len(letters) > settings.LETTER_BATCH_SYNC_MAX:  # a long batch: a background job, its page shows the progress
        if overlay and selectors.letter_template_for(letters[0].organization) is None:
            return _no_template()
        job = services.letter_batch_start(actor=request.user, letters=letters, overlay=overlay, request=request)
        return redirect("core:job", job.pk)
    return _pdf_response(request, letters, overlay=overlay, filename="letters.pdf")


def _listed_ids(request):
    """The letters of the list as filtered (all, or those whose 回执 is overdue), newest first, at most LETTER_BATCH_MAX."""
    qs = policy.restrict(IntroductionLetter, request.user)
    if request.POST.get("overdue") == "1":
        qs = qs.filter(selectors.receipt_overdue_q(timezone.localdate()))
    ids = list(qs.order_by("-issued_on", "-id").values_list("pk", flat=True)[:settings.LETTER_BATCH_MAX + 1])
    if not ids:
        return [], _("没有可打印的介绍信")
    if len(ids) > settings.LETTER_BATCH_MAX:
        return [], _("符合条件的介绍信超过{n}封，一次最多打印{n}封：请先筛选（如“回执超期未回”）或逐页选择").format(
            n=settings.LETTER_BATCH_MAX)
    return ids, ""


@login_required
@require_POST
def letter_receipt(request, pk):
    letter = policy.get(IntroductionLetter, request.user, pk, policy.MEMBER_MANAGE)
    form = ReceiptForm(request.POST)
    done = submit(form, lambda d: services.letter_receipt_record(
        actor=request.user, letter=letter, received_on=d["received_on"], note=d["note"], request=request))
    if done:
        messages.success(request, _("已登记回执"))
        return redirect("membership:letter", letter.pk)
    return _letter_page(request, letter, receipt_form=form, status=400)


@login_required
def incoming_create(request):
    require_member_manage(request.user)
    form = IncomingForm(request.POST or None, user=request.user)

    def register(d):
        return services.incoming_register(
            actor=request.user, organization=d["organization"],
            member_data={k: d[k] for k in IncomingForm.MEMBER_KEYS}, letter_number=d["letter_number"],
            issued_by_name=d["issued_by_name"], issued_on=d["issued_on"], dues_paid_to=d["dues_paid_to"],
            request=request)

    incoming = submit(form, register)
    if incoming:
        messages.success(request, _("已登记转入党员{name}").format(name=incoming.member.name))
        return redirect("membership:letters")
    return render(request, "membership/letter_incoming.html", {"form": form, "section": "membership"},
                  status=400 if form.is_bound else 200)


@login_required
def document_list(request):
    require_member_view(request.user)
    qs = policy.restrict(IssuedDocument, request.user).select_related("organization", "member")
    page = Paginator(qs.order_by("-issued_on", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "membership/transfer_documents.html", {
        "page": page, "today": timezone.localdate(), "section": "membership",
        "may_manage": policy.has_capability(request.user, policy.MEMBER_MANAGE)})


@login_required
def document_create(request):
    require_member_manage(request.user)
    member, matches = member_choice(request)
    form = DocumentForm(request.POST or None) if member else None
    if member and request.method == "POST":
        doc = submit(form, lambda d: services.document_issue(actor=request.user, member=member, kind=d["kind"],
                                                             place=d["place"], valid_until=d["valid_until"],
                                                             request=request))
        if doc:
            messages.success(request, _("已开具{kind}{number}").format(kind=doc.get_kind_display(), number=doc.number))
            return redirect("membership:documents")
    return render(request, "membership/transfer_document_form.html", {
        "member": member, "matches": matches, "form": form, "q": request.GET.get("q", ""), "section": "membership"},
        status=400 if form is not None and form.is_bound else 200)


@login_required
@require_POST
def document_close(request, pk):
    doc = policy.get(IssuedDocument, request.user, pk, policy.MEMBER_MANAGE)
    try:
        services.document_close(actor=request.user, document=doc, request=request)
    except ValidationError as exc:
        return HttpResponse(" ".join(exc.messages), status=400, content_type="text/plain; charset=utf-8")
    messages.success(request, _("已收回"))
    return redirect("membership:documents")


@login_required
def template_edit(request):
    """The district's 套打 layout (one per top organization of the administrator's RULES_MANAGE scope)."""
    if not policy.has_capability(request.user, policy.RULES_MANAGE):
        raise PermissionDenied(_("只有区级管理员可以设置套打模板"))
    top_path = min(policy.scope_paths(request.user, policy.RULES_MANAGE), key=len)
    top = policy.restrict(policy.organization_model(), request.user, policy.RULES_MANAGE).get(path=top_path)
    template = policy.restrict(LetterTemplate, request.user).filter(organization=top).first()
    initial = {"name": template.name if template else _("组织关系介绍信（套打）")}
    for field, xy in (template.offsets if template else {}).items():
        initial[f"{field}_x"], initial[f"{field}_y"] = xy.get("x"), xy.get("y")
    form = TemplateForm(request.POST or None, initial=initial)
    done = submit(form, lambda d: services.letter_template_save(actor=request.user, organization=top, name=d["name"],
                                                                offsets=form.offsets(), request=request))
    if done:
        messages.success(request, _("已保存套打模板"))
        return redirect("membership:letter_template")
    return render(request, "membership/letter_template.html", {
        "form": form, "top": top, "section": "membership", "max_days": settings.LETTER_VALIDITY_DAYS_MAX},
        status=400 if form.is_bound else 200)
