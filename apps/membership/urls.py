from django.urls import path

from . import admission_views as admission
from . import discipline_views, status_views, transfer_views
from . import flow_views as flows
from . import transfer_letter_views as letter_views

app_name = "membership"
urlpatterns = [
    # admission (发展党员), probation and 转正 (admission_views.py)
    path("admission/", admission.applicant_list, name="admission_list"),
    path("admission/rules/", admission.rules_page, name="admission_rules"),
    path("admission/new/", admission.applicant_create, name="admission_create"),
    path("admission/dashboard/", admission.dashboard, name="admission_dashboard"),
    path("admission/plan/", admission.quota_set, name="admission_quota"),
    path("admission/book-ranges/new/", admission.book_range_create, name="admission_book_range"),
    path("admission/<int:pk>/", admission.applicant_detail, name="admission_detail"),
    path("admission/<int:pk>/step/", admission.step_record, name="admission_step"),
    path("admission/<int:pk>/print/<str:kind>/", admission.applicant_print, name="admission_print"),
    path("admission/documents/<int:pk>/", admission.document_download, name="admission_document"),
    # transfers and letters (transfer_views.py, transfer_letter_views.py)
    path("transfers/", transfer_views.transfer_list, name="transfers"),
    path("transfers/new/", transfer_views.transfer_create, name="transfer_create"),
    path("transfers/<int:pk>/", transfer_views.transfer_detail, name="transfer"),
    path("transfers/<int:pk>/accept/", transfer_views.transfer_accept, name="transfer_accept"),
    path("transfers/<int:pk>/reject/", transfer_views.transfer_reject, name="transfer_reject"),
    path("transfers/<int:pk>/resend/", transfer_views.transfer_resend, name="transfer_resend"),
    path("transfers/<int:pk>/withdraw/", transfer_views.transfer_withdraw, name="transfer_withdraw"),
    path("letters/", letter_views.letter_list, name="letters"),
    path("letters/new/", letter_views.letter_create, name="letter_create"),
    path("letters/batch.pdf", letter_views.letter_batch_pdf, name="letter_batch_pdf"),
    path("letters/incoming/new/", letter_views.incoming_create, name="incoming_create"),
    path("letters/template/", letter_views.template_edit, name="letter_template"),
    path("letters/<int:pk>/", letter_views.letter_detail, name="letter"),
    path("letters/<int:pk>/pdf/", letter_views.letter_pdf, name="letter_pdf"),
    path("letters/<int:pk>/receipt/", letter_views.letter_receipt, name="letter_receipt"),
    path("documents/", letter_views.document_list, name="documents"),
    path("documents/new/", letter_views.document_create, name="document_create"),
    path("documents/<int:pk>/close/", letter_views.document_close, name="document_close"),
    # flowing members: 流出, 流入, 失联, the follow-up list (flow_views.py)
    path("flows/", flows.flow_out_list, name="flows"),
    path("flows/out/new/", flows.flow_out_create, name="flow_out_create"),
    path("flows/out/<int:pk>/", flows.flow_out_detail, name="flow_out"),
    path("flows/out/<int:pk>/report/", flows.flow_out_report, name="flow_out_report"),
    path("flows/out/<int:pk>/end/", flows.flow_out_end, name="flow_out_end"),
    path("flows/in/", flows.flow_in_list, name="flows_in"),
    path("flows/in/new/", flows.flow_in_create, name="flow_in_create"),
    path("flows/in/<int:pk>/", flows.flow_in_detail, name="flow_in"),
    path("flows/in/<int:pk>/end/", flows.flow_in_end, name="flow_in_end"),
    path("flows/lost/", flows.lost_list, name="flows_lost"),
    path("flows/lost/new/", flows.lost_create, name="flow_lost_create"),
    path("flows/lost/<int:pk>/", flows.lost_detail, name="flow_lost"),
    path("flows/lost/<int:pk>/search/", flows.lost_search, name="flow_lost_search"),
    path("flows/lost/<int:pk>/found/", flows.lost_close, name="flow_lost_close"),
    path("flows/follow-up/", flows.followup, name="flows_followup"),
    # 党籍变动 (status_views.py)
    path("status-changes/", status_views.change_list, name="status_changes"),
    path("status-changes/new/", status_views.change_create, name="status_change_create"),
    path("status-changes/<int:pk>/", status_views.change_detail, name="status_change"),
    path("status-changes/<int:pk>/correct/", status_views.change_correct, name="status_change_correct"),
    # 党纪处分 (discipline_views.py)
    path("discipline/", discipline_views.discipline_list, name="disciplines"),
    path("discipline/new/", discipline_views.discipline_create, name="discipline_create"),
    path("discipline/<int:pk>/", discipline_views.discipline_detail, name="discipline"),
    path("discipline/<int:pk>/end/", discipline_views.discipline_end, name="discipline_end"),
]
