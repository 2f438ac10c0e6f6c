"""The workbook of a counted poll's results: per subject and rating item the counts per grade, shares and score, the
subject's score and 好+较好 rate; the comments; the turnout. Written through core.excel.ExportWorkbook (text a
spreadsheet would run as a formula stays text; control characters dropped)."""

import io

from django.utils.translation import gettext as _


def workbook(poll, results, turnout) -> io.BytesIO:
    from apps.core.excel import ExportWorkbook

    labels = poll.scale_labels()
    wb = ExportWorkbook()
    ws = wb.create_sheet(_("测评结果"))
    ws.append([_("{title}（{year}年度）测评结果").format(title=poll.title, year=poll.year)])
    ws.append([_("测评对象"), _("职务"), _("所在组织"), _("测评项目"), *labels,
               *(_("{label}占比%").format(label=label) for label in labels), _("有效票"), _("得分"),
               _("综合得分"), _("好和较好率%")])
    for result in results:
        subject = result.subject
        for n, row in enumerate(result.items):
            first = n == 0
            ws.append([subject.name, subject.post, subject.organization.name, row.item.text, *row.counts, *row.shares,
                       row.answered, row.score, result.score if first else None, result.good_rate if first else None])
    comments = wb.create_sheet(_("意见建议"))
    comments.append([_("测评对象"), _("测评项目"), _("意见建议")])
    for result in results:
        for c in result.comments:
            comments.append([result.subject.name, c.item.text, c.text])
    sheet = wb.create_sheet(_("参评情况"))
    sheet.append([_("应参评"), _("发放测评码"), _("作废"), _("已使用"), _("有效票数"), _("核对一致"), _("名单指纹")])
    sheet.append([turnout["eligible"], turnout["issued"], turnout["voided"], turnout["used"], turnout["ballots"],
                  _("是") if turnout["reconciled"] else _("否"), poll.eligible_fingerprint])
    buffer = io.BytesIO()
    wb.save(buffer)
    buffer.seek(0)
    return buffer
