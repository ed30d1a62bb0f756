//! Print-ready HTML: the results sheet with signature lines, and one award certificate per
//! awarded team. Every piece of user text goes through [`escape`]; the pages load nothing but
//! the font shipped in `web/fonts/` (the page's CSP allows only that).

use std::fmt::Write;

use super::{award_label, two_decimals, Export, ResultRow};
use crate::api::html::escape;

/// Where the shipped font is served (web/fonts/README.md).
pub const FONT_URL: &str = "/static/fonts/NotoSansSC-Regular-GB2312.woff2";

/// The @font-face every print page starts with; bold text is synthesised from this one face.
fn font_face() -> String {
    format!(
        "@font-face {{ font-family: 'Skillboard Sans SC'; src: url('{FONT_URL}') format('woff2'); \
         font-weight: 400; font-style: normal; font-display: block; }}\n\
         body {{ font-family: 'Skillboard Sans SC', 'Noto Sans CJK SC', 'Microsoft YaHei', sans-serif; \
         color: #000; margin: 0; }}\n"
    )
}

const RESULTS_CSS: &str = "\
@page { size: A4; margin: 14mm 12mm; }
* { box-sizing: border-box; }
h1 { font-size: 18pt; margin: 0; text-align: center; }
.en { text-align: center; margin: 1mm 0 0; font-size: 11pt; }
h2 { font-size: 14pt; text-align: center; margin: 4mm 0 2mm; }
.meta { text-align: center; font-size: 9pt; margin: 0 0 4mm; }
.provisional { border: 0.5mm solid #000; padding: 2mm; font-weight: bold; }
.note { font-size: 9pt; }
table { width: 100%; border-collapse: collapse; font-size: 9.5pt; }
th, td { border: 0.3mm solid #000; padding: 1.2mm 1.5mm; text-align: left; vertical-align: top; }
th small { font-weight: normal; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.code { font-family: monospace; }
thead { display: table-header-group; }
tr { break-inside: avoid; page-break-inside: avoid; }
.awards h3 { font-size: 12pt; margin: 6mm 0 2mm; }
.awards p { margin: 1mm 0; font-size: 10pt; }
.signatures { margin-top: 10mm; display: flex; flex-wrap: wrap; gap: 8mm 12mm; break-inside: avoid; }
.sign { flex: 1 1 75mm; font-size: 10pt; display: flex; flex-direction: column;
  justify-content: flex-end; }
.sign .role { display: block; margin-bottom: 14mm; }
.sign .line { display: block; border-bottom: 0.3mm solid #000; margin-bottom: 1mm; }
.sign .date { display: block; font-size: 9pt; }
footer { margin-top: 6mm; font-size: 7.5pt; word-break: break-all; }
@media screen { body { max-width: 210mm; margin: 0 auto; padding: 8mm; } }
";

const CERTIFICATE_CSS: &str = "\
@page { size: A4 landscape; margin: 0; }
* { box-sizing: border-box; }
.certificate { width: 297mm; height: 210mm; padding: 12mm; break-after: page;
  page-break-after: always; }
.certificate:last-child { break-after: auto; page-break-after: auto; }
.frame { height: 100%; border: 3mm double #8b1a1a; padding: 14mm 20mm; display: flex;
  flex-direction: column; align-items: center; text-align: center; }
.frame h1 { font-size: 40pt; letter-spacing: 6mm; margin: 4mm 0 0; color: #8b1a1a; }
.frame .title-en { font-size: 14pt; letter-spacing: 1mm; margin: 1mm 0 10mm; }
.recipient { font-size: 26pt; font-weight: bold; margin: 0; }
.school { font-size: 14pt; margin: 2mm 0 0; }
.body { font-size: 16pt; margin: 8mm 0 0; }
.award { font-size: 30pt; font-weight: bold; color: #8b1a1a; margin: 4mm 0; }
.body-en { font-size: 12pt; margin: 0; }
.rank { font-size: 11pt; margin: 4mm 0 0; }
.issuers { margin-top: auto; font-size: 13pt; display: flex; flex-wrap: wrap;
  justify-content: center; gap: 2mm 14mm; }
.date { font-size: 12pt; margin-top: 2mm; }
@media screen { body { background: #ddd; } .certificate { background: #fff; margin: 8mm auto; } }
";

/// The page's title and the two trusted pieces the page is built from: CSS and body markup.
pub struct PrintPage {
    pub title: String,
    pub css: String,
    pub body: String,
}

/// The recipient as the page may show them: name when names are shown, else code and station.
fn who(row: &ResultRow) -> String {
    match &row.name {
        Some(name) => escape(name),
        None => {
            let station = row
                .station
                .map(|s| format!(" · 工位 Station {s}"))
                .unwrap_or_default();
            format!("编码 Code {}{station}", escape(&row.code))
        }
    }
}

/// The printable results: ranking with awards and module scores, the award lists, and a
/// signature line for the chief judge and for each co-hosting organization.
pub fn results_page(export: &Export) -> PrintPage {
    let document = &export.document;
    let contest = &document.contest;
    let named = document.names_shown;
    let title = format!("{} · 成绩 Results", contest.title_zh);
    let mut body = String::new();
    let _ = write!(
        body,
        "<header>\n<h1>{}</h1>\n<p class=\"en\">{}</p>\n<h2>成绩公布 Results</h2>\n\
         <p class=\"meta\">{} · {} · 生成于 Generated {} UTC · 看板版本 Board version {}</p>\n</header>\n",
        escape(&contest.title_zh),
        escape(&contest.title_en),
        escape(&contest.venue),
        contest.starts_at.format("%Y-%m-%d"),
        document.generated_at.format("%Y-%m-%d %H:%M"),
        document.board_version,
    );
    if document.provisional {
        body.push_str(
            "<p class=\"provisional\">暂定成绩：仍有评分未提交，非最终结果。\
             Provisional: some marks are still missing; these are not final results.</p>\n",
        );
    }
    if !named {
        body.push_str(
            "<p class=\"note\">成绩揭晓前只显示编码与工位。\
             Until the results are revealed only codes and stations are shown.</p>\n",
        );
    }
    body.push_str(
        "<table class=\"ranking\">\n<thead><tr><th>名次<br>Rank</th><th>奖项<br>Award</th>\
         <th>编码<br>Code</th><th>工位<br>Station</th>",
    );
    if named {
        body.push_str("<th>队名<br>Team</th><th>学校<br>School</th>");
    }
    for module in &document.modules {
        let _ = write!(
            body,
            "<th class=\"num\">{}<br><small>{}</small></th>",
            escape(&module.code),
            escape(&module.title_zh)
        );
    }
    body.push_str("<th class=\"num\">总分<br>Total</th></tr></thead>\n<tbody>\n");
    for row in &document.rows {
        let award = row.award.map(|t| award_label(t).0).unwrap_or_default();
        let _ = write!(
            body,
            "<tr><td>{}</td><td>{award}</td><td class=\"code\">{}</td><td>{}</td>",
            row.rank,
            escape(&row.code),
            row.station.map(|s| s.to_string()).unwrap_or_default(),
        );
        if named {
            let _ = write!(
                body,
                "<td>{}</td><td>{}</td>",
                escape(row.name.as_deref().unwrap_or_default()),
                escape(row.school.as_deref().unwrap_or_default())
            );
        }
        for module in &row.modules {
            let mark = if module.provisional { "*" } else { "" };
            let _ = write!(
                body,
                "<td class=\"num\">{}{mark}</td>",
                two_decimals(module.score)
            );
        }
        let _ = writeln!(
            body,
            "<td class=\"num\"><b>{}</b></td></tr>",
            two_decimals(row.total)
        );
    }
    body.push_str("</tbody>\n</table>\n");
    if document.provisional {
        body.push_str("<p class=\"note\">* 暂定 provisional</p>\n");
    }

    body.push_str("<section class=\"awards\">\n<h3>获奖名单 Awards</h3>\n");
    if document.awards.is_empty() {
        body.push_str("<p>暂无 None yet.</p>\n");
    }
    for group in &document.awards {
        let winners: Vec<String> = document
            .rows
            .iter()
            .filter(|r| r.award == Some(group.tier))
            .map(who)
            .collect();
        let _ = writeln!(
            body,
            "<p><b>{} {}</b>（{}）：{}</p>",
            escape(&group.label_zh),
            escape(&group.label_en),
            group.teams.len(),
            winners.join("；"),
        );
    }
    body.push_str("</section>\n<section class=\"signatures\">\n");
    let chiefs: Vec<String> = export.chief_judges.iter().map(|n| escape(n)).collect();
    let _ = writeln!(
        body,
        "<div class=\"sign chief\"><span class=\"role\">裁判长 Chief judge{}</span>\
         <span class=\"line\"></span><span class=\"date\">签字 Signature　　日期 Date</span></div>",
        if chiefs.is_empty() {
            String::new()
        } else {
            format!("：{}", chiefs.join("、"))
        }
    );
    for host in &export.hosts {
        let lead = if host.is_lead {
            "（主办 Lead host）"
        } else {
            "（协办 Co-host）"
        };
        let _ = writeln!(
            body,
            "<div class=\"sign host\"><span class=\"role\">{}{lead}</span>\
             <span class=\"line\"></span><span class=\"date\">负责人签字（盖章）Signature and seal　　日期 Date</span></div>",
            escape(&host.name),
        );
    }
    body.push_str("</section>\n");
    let _ = writeln!(
        body,
        "<footer>审计链末项哈希 Audit chain head: {}</footer>",
        escape(document.audit_head.as_deref().unwrap_or("—"))
    );
    PrintPage {
        title,
        css: format!("{}{RESULTS_CSS}", font_face()),
        body,
    }
}

/// One A4 landscape certificate per team with an award, in ranking order.
pub fn certificates(export: &Export) -> PrintPage {
    let document = &export.document;
    let contest = &document.contest;
    let title = format!("{} · 获奖证书 Certificates", contest.title_zh);
    let issuers: Vec<String> = export
        .hosts
        .iter()
        .map(|h| format!("<span>{}</span>", escape(&h.name)))
        .collect();
    let date = contest.ends_at.format("%Y年%-m月%-d日").to_string();
    let mut body = String::new();
    for row in document.rows.iter() {
        let Some(tier) = row.award else { continue };
        let (award_zh, award_en) = award_label(tier);
        let school = row
            .school
            .as_deref()
            .filter(|s| !s.is_empty())
            .map(|s| format!("<p class=\"school\">{}</p>", escape(s)))
            .unwrap_or_default();
        let _ = writeln!(
            body,
            "<section class=\"certificate\"><div class=\"frame\">\
             <h1>荣誉证书</h1><p class=\"title-en\">CERTIFICATE OF AWARD</p>\
             <p class=\"recipient\">{}</p>{school}\
             <p class=\"body\">在 {} 中荣获</p><p class=\"award\">{award_zh}</p>\
             <p class=\"body-en\">awarded {award_en} at {}</p>\
             <p class=\"rank\">名次 Rank {} · 总分 Total {}</p>\
             <div class=\"issuers\">{}</div><div class=\"date\">{date}</div>\
             </div></section>",
            who(row),
            escape(&contest.title_zh),
            escape(&contest.title_en),
            row.rank,
            two_decimals(row.total),
            issuers.concat(),
        );
    }
    if body.is_empty() {
        body.push_str("<p>尚无获奖队伍 · No team holds an award yet.</p>\n");
    }
    PrintPage {
        title,
        css: format!("{}{CERTIFICATE_CSS}", font_face()),
        body,
    }
}
