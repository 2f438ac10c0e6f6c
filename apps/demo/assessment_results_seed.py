"""The demo district's published assessment results: a closed round's results on the public page (/results/) with a
月点评 note, written through result_services like everything else the seed writes (audited, the rules checked).
The lead wires it into seed.py once a closed demo round exists: `write_publication(district, today, log, closed_round)`."""

from apps.assessment import result_services

NOTE = ("本期考核总体情况良好：各党组织按规定开展“三会一课”和主题党日，组织生活完成率稳步提高；"
        "群众诉求响应及时，满意率保持较高水平。\n"
        "存在的不足：少数党组织纪实录入不及时，党员参会率偏低。请排名靠后的党组织对照“需改进”事项逐项整改，"
        "乡镇（街道）党（工）委加强督促指导。")


def write_publication(district, today, log, closed_round):
    """Publish `closed_round` (a closed round of the district) with a 月点评 note; returns the publication."""
    publication = result_services.publication_create(actor=None, round=closed_round, data={
        "kind": "month", "title": f"{closed_round.name} 考核结果及月点评", "note": NOTE, "selection": "all"})
    log(f"考核结果发布：{publication.title}（{district.name}，{today:%Y-%m-%d}）")
    return publication
