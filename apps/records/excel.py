"""The compliance workbook: the summary by subordinate organization and by domain, and for each
required activity type the organizations that missed it."""

import io

from django.utils.translation import gettext as _

from apps.core.excel import ExportWorkbook

from .compliance import compliance_table, missing_orgs


def _rate(cell):
    return round(cell.rate * 100, 1) if cell.rate is not None else None


def _summary_sheet(wb, title, table):
    ws = wb.create_sheet(title)
    header = [_("名称"), _("应开展（次）"), _("已开展（次）"), _("完成率%"), _("逾期"), _("临期")]
    for rule in table["rules"]:
        name = rule.activity_type.name
        header += [_("{type}应开展").format(type=name), _("{type}已开展").format(type=name)]
    ws.append(header)
    for row in [*table["rows"], table["total"]]:
        line = [row.label, row.total.required, row.total.held, _rate(row.total), row.total.overdue, row.total.warning]
        for rule in table["rules"]:
            cell = row.cells.get(rule.activity_type.pk)
            line += [cell.required if cell else 0, cell.held if cell else 0]
        ws.append(line)
    return ws


def compliance_workbook(root, period, target=None, progress=None):
    """Write the workbook to `target` (a path or file), or return its bytes; `progress(done, total, phase)`
    is told after each sheet and each activity type's list."""
    progress = progress or (lambda *args, **kwargs: None)
    wb = ExportWorkbook()
    by_children = compliance_table(root, period, group_by="children")
    steps = 2 + len(by_children["rules"])
    progress(0, steps, _("汇总"), force=True)
    _summary_sheet(wb, _("按下级组织"), by_children)
    _summary_sheet(wb, _("按领域"), compliance_table(root, period, group_by="domain"))
    progress(2, steps, _("未完成的组织"), force=True)
    ws = wb.create_sheet(_("未完成的组织"))
    ws.append([_("活动类型"), _("组织编码"), _("组织名称"), _("所属领域"), _("应开展（次）"), _("已开展（次）"), _("最近一次")])
    for i, rule in enumerate(by_children["rules"], start=3):
        qs = missing_orgs(root, period, rule.activity_type)[1]
        for org in qs.iterator(chunk_size=2000):
            ws.append([rule.activity_type.name, org.code, org.name, org.get_domain_display(), org.required, org.held,
                       org.last_held_on])
        progress(i, steps)
    if target is not None:
        wb.save(target)
        return None
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()

