"""Pages of admission (发展党员) under /membership/admission/: the rule table, the applicants in scope by stage, an
applicant's 25 steps as a timeline with the next step's form, documents, the dashboard (counts, steps due, the plan),
the year's plan and the 入党志愿书 ranges, and the printable forms (receipt, 公示 notice, 政审 summary).

Access (admission_scopes.py): ADMISSION_VIEW reads; the branch's steps need ADMISSION_RECORD, the higher committee's
(13, 16, 17, 18, 24) ADMISSION_APPROVE strictly above the branch. Out of scope 404; visible but not allowed 403."""

from datetime import date

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from apps.access import policy
from apps.core.forms import apply_validation_error, submit
from apps.core.paging import KeysFirstPaginator
from apps.orgs.models import Organization, OrgKind

from . import admission_rules as rules
from . import admission_selectors as selectors
from . import admission_services as services
from .admission_forms import ApplicantForm, BookRangeForm, QuotaForm, StepForm
from .admission_models import AdmissionDocument, AdmissionStage, Applicant
from .admission_scopes import ADMISSION_APPROVE, ADMISSION_RECORD, ADMISSION_VIEW

BRANCH_KINDS = (OrgKind.BRANCH, OrgKind.JOINT_BRANCH, OrgKind.TEMPORARY_BRANCH, OrgKind.GENERAL_BRANCH)
PRINT_KINDS = {"receipt": gettext_lazy("入党申请书回执"), "publicity": gettext_lazy("公示"), "review": gettext_lazy("政治审查综合情况")}


def _require(user, capability):
    if not policy.has_capability(user, capability):
        raise PermissionDenied(_("您没有发展党员工作的权限"))


def _context(**extra):
    return {"section": "admission", **extra}


@login_required
def rules_page(request):
    _require(request.user, ADMISSION_VIEW)
    stages = [(number, name, [r for r in rules.RULES if r.stage == number]) for number, name in rules.STAGES.items()]
    return render(request, "membership/admission_rules.html", _context(
        stages=stages, publicity_days=settings.ADMISSION_PUBLICITY_WORKING_DAYS,
        review_months=settings.ADMISSION_REVIEW_MONTHS))


@login_required
def applicant_list(request):
    _require(request.user, ADMISSION_VIEW)
    stage = request.GET.get("stage", "")
    if stage and stage not in AdmissionStage.values:
        stage = ""
    qs = selectors.applicants(request.user, stage=stage)
    page = KeysFirstPaginator(qs, settings.LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "membership/admission_list.html", _context(
        page=page, stage=stage, stages=AdmissionStage.choices,
        can_record=policy.has_capability(request.user, ADMISSION_RECORD)))


def _branches(user):
    return (policy.restrict(Organization, user, ADMISSION_RECORD).filter(kind__in=BRANCH_KINDS, is_active=True)
            .order_by("path"))


@login_required
def applicant_create(request):
    _require(request.user, ADMISSION_RECORD)
    form = ApplicantForm(request.POST or None, organizations=_branches(request.user))
    applicant = submit(form, lambda d: services.applicant_create(
        actor=request.user, organization=d["organization"], data=d, request=request))
    if applicant:
        messages.success(request, _("已登记入党申请"))
        return redirect("membership:admission_detail", applicant.pk)
    return render(request, "membership/admission_form.html", _context(form=form),
                  status=400 if form.is_bound else 200)


def _may_take(user, applicant, number) -> bool:
    capability = ADMISSION_APPROVE if number in rules.HIGHER_STEPS else ADMISSION_RECORD
    return policy.can(user, capability, applicant)


@login_required
def applicant_detail(request, pk):
    applicant = policy.get(Applicant, request.user, pk)
    return _detail(request, applicant)


def _detail(request, applicant, form=None, number=None, status=200):
    number = number or applicant.next_step
    may = applicant.may["record"] and number in rules.BY_NUMBER and _may_take(request.user, applicant, number)
    if form is None and may:
        form = StepForm(number=number, applicant=applicant, user=request.user)
    return render(request, "membership/admission_detail.html", _context(
        applicant=applicant, timeline=selectors.timeline(applicant), form=form if may else None, number=number,
        today=date.today(),
        next_rule=rules.BY_NUMBER.get(number), may_review=applicant.next_step == 7 and _may_take(
            request.user, applicant, 6) and applicant.may["record"]), status=status)


@login_required
@require_POST
def step_record(request, pk):
    """Record the applicant's next step (or, for an activist, another half-yearly review: ?number=6)."""
    applicant = policy.get(Applicant, request.user, pk)
    try:
        number = int(request.POST.get("number") or applicant.next_step)
    except ValueError:
        number = 0
    if number not in rules.BY_NUMBER:
        return _refused(request, applicant, _("步骤编号无效"))
    capability = ADMISSION_APPROVE if number in rules.HIGHER_STEPS else ADMISSION_RECORD
    applicant = policy.get(Applicant, request.user, pk, capability)
    form = StepForm(request.POST, request.FILES, number=number, applicant=applicant, user=request.user)
    if form.is_valid():
        data = dict(form.cleaned_data)
        uploads = data.pop("documents", []) or []
        try:
            services.step_record(actor=request.user, applicant=applicant, number=number, data=data, uploads=uploads,
                                 request=request)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("已记录第{n}步：{name}").format(n=number, name=rules.BY_NUMBER[number].name))
            return redirect("membership:admission_detail", applicant.pk)
    applicant.refresh_from_db()
    return _detail(request, applicant, form=form, number=number, status=400)


def _refused(request, applicant, message):
    messages.error(request, message)
    return _detail(request, applicant, status=400)


@login_required
def document_download(request, pk):
    item = policy.get(AdmissionDocument, request.user, pk)
    try:
        handle = item.file.open("rb")
    except FileNotFoundError:
        raise Http404(_("文件已不存在")) from None
    return FileResponse(handle, as_attachment=True, filename=item.name, content_type=item.content_type)


@login_required
def applicant_print(request, pk, kind):
    """A4 forms filled from the record: the receipt of the application, the 公示 notice, the 政审 summary skeleton."""
    if kind not in PRINT_KINDS:
        raise Http404(_("没有这种表单"))
    applicant = policy.get(Applicant, request.user, pk)
    point = request.GET.get("point", "")
    return render(request, f"membership/admission_print_{kind}.html", _context(
        applicant=applicant, timeline=selectors.timeline(applicant), title=PRINT_KINDS[kind], today=date.today(),
        point=point if point in ("activist", "target", "admission", "conversion") else "admission",
        publicity_days=settings.ADMISSION_PUBLICITY_WORKING_DAYS))


@login_required
def dashboard(request):
    _require(request.user, ADMISSION_VIEW)
    try:
        year = int(request.GET.get("year") or date.today().year)
    except ValueError:
        year = date.today().year
    year = min(max(year, 2000), 2100)
    return render(request, "membership/admission_dashboard.html", _context(
        counts=selectors.stage_counts(request.user), due=selectors.due_items(request.user),
        plan=selectors.plan(request.user, year), year=year, today=date.today(),
        can_plan=policy.has_capability(request.user, ADMISSION_APPROVE)))


@login_required
def quota_set(request):
    """The year's plan of an organization (set by the committee above it: ADMISSION_APPROVE on a strict ancestor)."""
    _require(request.user, ADMISSION_APPROVE)
    form = QuotaForm(request.POST or None, organizations=selectors.organizations_set_from_above(request.user),
                     initial={"year": date.today().year})
    done = submit(form, lambda d: services.quota_set(actor=request.user, organization=d["organization"],
                                                     year=d["year"], quota=d["quota"], request=request))
    if done:
        messages.success(request, _("已保存发展党员计划"))
        return redirect("membership:admission_dashboard")
    return render(request, "membership/admission_setting_form.html", _context(form=form, title=_("发展党员计划")),
                  status=400 if form.is_bound else 200)


@login_required
def book_range_create(request):
    """A range of 入党志愿书 numbers for an organization (the committee above it hands them out)."""
    _require(request.user, ADMISSION_APPROVE)
    form = BookRangeForm(request.POST or None, organizations=selectors.organizations_set_from_above(request.user))
    done = submit(form, lambda d: services.volunteer_book_range_create(
        actor=request.user, organization=d["organization"], data=d, request=request))
    if done:
        messages.success(request, _("已分配入党志愿书编号段"))
        return redirect("membership:admission_dashboard")
    return render(request, "membership/admission_setting_form.html", _context(form=form, title=_("入党志愿书编号段")),
                  status=400 if form.is_bound else 200)

