"""The workbook of a survey's results: per village (rank, answers, score, satisfaction rate, shares per grade of each
question) and per question over the villages, small cells as 样本不足 exactly as on the page (survey_selectors).
Written through core.excel.ExportWorkbook (formula-like names stay text)."""

import io

from django.utils.translation import gettext as _


def workbook(poll, results) -> io.BytesIO:
    from apps.core.excel import ExportWorkbook

    small = _("样本不足")
    wb = ExportWorkbook()
    ws = wb.create_sheet(_("按村（社区）"))
    ws.append([_("{title} 结果（每个村或题目少于{n}份答卷的不显示明细）").format(title=poll.title, n=results.min_cell)])
    header = [_("名次"), _("村（社区）"), _("答卷数"), _("得分"), _("满意率（%）")]
    for item in results.items:
        header += [f"{item.text} · {_('得分')}", *(f"{item.text} · {label}（%）" for label in results.labels)]
    ws.append(header)
    for v in results.villages:
        if v.suppressed:
            ws.append(["", v.subject.name, small, small, small, *([small] * (len(results.items) * (1 + len(results.labels))))])
            continue
        row = [v.rank, v.subject.name, v.answered, v.score, v.rate]
        for cell in v.cells:
            row += [small] * (1 + len(results.labels)) if cell.suppressed else [cell.score, *cell.shares]
        ws.append(row)
    ws = wb.create_sheet(_("按题目"))
    note = "" if results.overall_includes_small else _("（不含样本不足的村、社区）")
    ws.append([_("各题目汇总{note}").format(note=note)])
    ws.append([_("测评内容"), _("答卷数"), _("得分"), _("满意率（%）"), *(f"{label}（%）" for label in results.labels)])
    for item, q in zip(results.items, results.questions, strict=True):
        ws.append([item.text, small, small, small] if q.suppressed else [item.text, q.answered, q.score, q.rate, *q.shares])
    o = results.overall
    ws.append([_("总体"), small, small, small] if o.suppressed else [_("总体"), o.answered, o.score, o.rate])
    buffer = io.BytesIO()
    wb.save(buffer)
    buffer.seek(0)
    return buffer
