//! Composing one printed map page as SVG.

use std::collections::HashMap;

use geo::{BoundingRect, Contains, Rect as GeoRect};

use super::classes::{change_fill, gap_fill, Classes, ClassEntry, BIVARIATE, NO_DATA, OUTSIDE, SUPPRESSED};
use super::labels::{place, LabelRequest, Rect};
use super::page::Layout;
use super::svg::{wrap, Projection, Svg};
use super::{PrintError, PrintRequest, Theme, ATTRIBUTION};
use crate::engine::Engine;
use crate::export::disclosure::{self, Suppression};
use crate::report::{area_report, Cell, Report};

/// A composed page.
#[derive(Debug, Clone)]
pub struct PrintedMap {
    pub svg: String,
    pub layout: Layout,
    pub title: String,
    pub subtitle: String,
    /// Legend entries, in order.
    pub legend: Vec<String>,
    pub labels_placed: Vec<String>,
    pub labels_dropped: usize,
    /// Areas whose mapped value was suppressed by disclosure control.
    pub suppressed_areas: usize,
    /// Sensitive services of the mapped category not drawn.
    pub sensitive_withheld: usize,
    /// Service points drawn.
    pub points_drawn: usize,
    /// 1:N scale of the map on the page.
    pub scale_denominator: f64,
}

/// Areas of the Area Committee level: (code, name).
pub fn committee_areas(engine: &Engine, committee_level: &str) -> Result<Vec<(String, String)>, PrintError> {
    let l = level_index(engine, committee_level)?;
    Ok(engine.levels[l].areas.iter().map(|a| (a.code.clone(), a.name.clone())).collect())
}

fn level_index(engine: &Engine, id: &str) -> Result<usize, PrintError> {
    engine.level_index(id).ok_or_else(|| PrintError::UnknownLevel {
        level: id.to_string(),
        known: engine.levels.iter().map(|l| l.id.as_str()).collect::<Vec<_>>().join(", "),
    })
}

fn find_area(engine: &Engine, level: usize, wanted: &str) -> Result<usize, PrintError> {
    let lv = &engine.levels[level];
    let w = wanted.trim().to_lowercase();
    lv.areas
        .iter()
        .position(|a| a.code.to_lowercase() == w || a.name.to_lowercase() == w)
        .ok_or_else(|| PrintError::UnknownArea {
            area: wanted.to_string(),
            level: lv.id.clone(),
            known: lv.areas.iter().map(|a| a.name.as_str()).collect::<Vec<_>>().join(", "),
        })
}

/// `Ward (2013)` -> `ward (2013)`, but `LSOA (2011)` stays.
fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match (c.next(), c.clone().next()) {
        (Some(f), Some(second)) if second.is_lowercase() => f.to_lowercase().collect::<String>() + c.as_str(),
        _ => s.to_string(),
    }
}

fn today() -> String {
    let fmt = time::macros::format_description!("[day padding:none] [month repr:long] [year]");
    time::OffsetDateTime::now_utc().format(&fmt).unwrap_or_default()
}

fn nice_length(target_m: f64) -> f64 {
    let mag = 10f64.powf(target_m.max(1.0).log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .filter(|v| *v <= target_m)
        .fold(mag, f64::max)
}

/// What fills each area, and the legend.
struct Fills {
    fills: Vec<String>,
    legend_title: String,
    entries: Vec<ClassEntry>,
    note: String,
    suppressed_areas: usize,
}

fn cell_value(cell: Option<&Cell>) -> Option<f64> {
    match cell {
        Some(Cell::Number(Some(v))) if v.is_finite() => Some(*v),
        Some(Cell::Count(n)) => Some(*n as f64),
        _ => None,
    }
}

/// An indicator of the dataset that is not offered at level `l` (published
/// for a coarser level) is refused: its map would be all "No data".
fn refuse_not_offered(engine: &Engine, l: usize, id: &str) -> Result<(), PrintError> {
    let Some(k) = engine.indicator_index(id) else { return Ok(()) };
    if engine.offers(k, l) {
        return Ok(());
    }
    let ind = &engine.indicators[k];
    let published = engine
        .level(&ind.published_level)
        .map(|p| format!("published for {}", p.plural_name()))
        .unwrap_or_else(|| format!("published at level `{}`", ind.published_level));
    let levels: Vec<&str> = (0..engine.levels.len()).filter(|&m| engine.offers(k, m)).map(|m| engine.levels[m].id.as_str()).collect();
    Err(PrintError::NotOffered {
        indicator: id.to_string(),
        level: engine.levels[l].id.clone(),
        published,
        levels: levels.join(", "),
    })
}

fn indicator_fills(
    engine: &Engine,
    table: &Report,
    rows: &[Option<usize>],
    suppression: &Suppression,
    indicator: &str,
) -> Result<Fills, PrintError> {
    let ind = engine.indicators.iter().find(|i| i.id == indicator).ok_or_else(|| PrintError::UnknownIndicator {
        indicator: indicator.to_string(),
        known: engine.indicators.iter().map(|i| i.id.as_str()).collect::<Vec<_>>().join(", "),
    })?;
    let col = table.column(indicator).ok_or_else(|| PrintError::MissingColumn {
        column: indicator.to_string(),
        hint: String::new(),
    })?;
    let values: Vec<Option<f64>> = rows.iter().map(|r| r.and_then(|r| cell_value(table.rows[r].get(col)))).collect();
    let finite: Vec<f64> = values.iter().flatten().copied().collect();
    let classes = Classes::quantiles(&finite, ind.direction);
    let mut suppressed_areas = 0;
    let fills = values
        .iter()
        .zip(rows)
        .map(|(v, r)| match (v, r) {
            (Some(v), _) => classes.fill_of(*v).unwrap_or(NO_DATA).to_string(),
            (None, Some(r)) if suppression.is_suppressed(*r, col) => {
                suppressed_areas += 1;
                SUPPRESSED.to_string()
            }
            _ => NO_DATA.to_string(),
        })
        .collect();
    let mut entries = classes.entries.clone();
    // Most need first.
    if ind.direction == crate::dataset::Direction::HigherIsWorse {
        entries.reverse();
    }
    let mut legend_title = ind.label.clone();
    if !ind.unit.is_empty() && !ind.label.contains(&ind.unit) {
        legend_title = format!("{legend_title} ({})", ind.unit);
    }
    let note = if classes.values.is_some() {
        "One class per value; darker = more need.".to_string()
    } else {
        format!("Quintiles of all {} areas; darker = more need.", values.len())
    };
    Ok(Fills {
        fills,
        legend_title,
        entries,
        note,
        suppressed_areas,
    })
}

fn gap_fills(table: &Report, rows: &[Option<usize>], category_label: &str) -> Result<Fills, PrintError> {
    let col = table.column("gap_class").ok_or_else(|| PrintError::MissingColumn {
        column: "gap_class".into(),
        hint: ": gap scores are not available for this table; pass a gap table (needmap::gaps) or the area table with gap columns".into(),
    })?;
    let fills = rows
        .iter()
        .map(|r| {
            let class = r.and_then(|r| match table.rows[r].get(col) {
                Some(Cell::Text(Some(t))) => Some(t.as_str()),
                _ => None,
            });
            match class {
                Some(c) => gap_fill(c).unwrap_or(if c == "no-population" { "#f7f7f7" } else { NO_DATA }).to_string(),
                None => NO_DATA.to_string(),
            }
        })
        .collect();
    Ok(Fills {
        fills,
        legend_title: format!("Coverage gap: {category_label}"),
        entries: Vec::new(),
        note: "Need and access in thirds (terciles) across the district. Darkest: high need, low access (the gap).".into(),
        suppressed_areas: 0,
    })
}

fn change_fills(engine: &Engine, level: usize, inside: &[bool], series: Option<&str>, from: &str, to: &str) -> Result<Fills, PrintError> {
    let q = crate::report::ChangeQuery {
        series: series.map(String::from),
        from: from.to_string(),
        to: to.to_string(),
        level: engine.levels[level].id.clone(),
    };
    let change = crate::report::need_change(engine, &q).map_err(|e| PrintError::Change { message: e.to_string() })?;
    let fills: Vec<String> = change.areas.iter().map(|a| change_fill(a.class.label()).unwrap_or(NO_DATA).to_string()).collect();
    // Counts of the areas drawn (the committee's, when one is framed).
    let entries = crate::report::ChangeClass::ALL
        .iter()
        .map(|c| (c, change.areas.iter().zip(inside).filter(|(a, i)| **i && a.class == *c).count()))
        .filter_map(|(c, n)| {
            let fill = change_fill(c.label())?;
            let mut words = c.words().to_string();
            words[..1].make_ascii_uppercase();
            Some(ClassEntry { label: format!("{words} ({n})"), fill: fill.to_string() })
        })
        .collect();
    let rule = if change.published_level {
        "Need rose: the national decile moved down (more deprived); fell: moved up.".to_string()
    } else {
        format!(
            "Need rose: the share of residents in national deciles 1-2 (most deprived 20%) rose by at least {} percentage points; fell: fell by as much.",
            crate::report::change::SHARE_TOLERANCE * 100.0
        )
    };
    Ok(Fills {
        fills,
        legend_title: format!("Need over time: {} {} to {}", change.series.to_uppercase(), change.from, change.to),
        entries,
        note: format!("{rule} {}", crate::report::change::CHANGE_CAVEAT),
        suppressed_areas: 0,
    })
}

/// Compose the page.
pub fn render_svg(engine: &Engine, request: &PrintRequest) -> Result<PrintedMap, PrintError> {
    let l = level_index(engine, &request.level)?;
    let level = &engine.levels[l];
    if level.is_empty() {
        return Err(PrintError::Empty { level: level.id.clone() });
    }
    let mut table = match &request.table {
        Some(t) => t.clone(),
        None => area_report(engine, &level.id)?,
    };
    let suppression = request.disclosure.apply(engine, &mut table);
    let code_col = table.column("code").ok_or_else(|| PrintError::MissingColumn {
        column: "code".into(),
        hint: " to match rows to areas".into(),
    })?;
    let by_code: HashMap<String, usize> = table
        .rows
        .iter()
        .enumerate()
        .filter_map(|(r, row)| match row.get(code_col) {
            Some(Cell::Text(Some(c))) => Some((c.clone(), r)),
            _ => None,
        })
        .collect();
    let rows: Vec<Option<usize>> = level.areas.iter().map(|a| by_code.get(&a.code).copied()).collect();

    // Committee framing: an area is in the committee when its interior
    // point is (small areas do not always nest exactly in wards).
    let committee = match &request.area {
        Some(name) => {
            let cl = level_index(engine, &request.committee_level)?;
            Some((cl, find_area(engine, cl, name)?))
        }
        None => None,
    };
    let in_committee = |lv: usize, a: usize| -> bool {
        match committee {
            None => true,
            Some((cl, ca)) if cl == lv => a == ca,
            Some((cl, ca)) => engine.levels[cl].areas[ca].bng.contains(&geo::Point(engine.levels[lv].areas[a].interior_bng)),
        }
    };
    let inside: Vec<bool> = (0..level.len()).map(|a| in_committee(l, a)).collect();
    if let Some((cl, _)) = committee {
        if !inside.iter().any(|i| *i) {
            return Err(PrintError::AreaLevel {
                level: level.id.clone(),
                committee: engine.levels[cl].id.clone(),
            });
        }
    }

    // Theme.
    let (fills, category) = match &request.theme {
        Theme::Indicator(id) => {
            let id = match id {
                Some(i) => i.clone(),
                None => {
                    let offered: Vec<&crate::model::Indicator> =
                        engine.indicators.iter().enumerate().filter(|(k, _)| engine.offers(*k, l)).map(|(_, i)| i).collect();
                    offered
                        .iter()
                        .find(|i| i.id == "imd_score")
                        .or(offered.first())
                        .map(|i| i.id.clone())
                        .ok_or(PrintError::NoIndicators)?
                }
            };
            refuse_not_offered(engine, l, &id)?;
            (indicator_fills(engine, &table, &rows, &suppression, &id)?, None)
        }
        Theme::Gap { category } => {
            let known = engine.categories.contains_key(category) || engine.services.iter().any(|s| &s.category == category);
            if !known {
                return Err(PrintError::UnknownCategory {
                    category: category.clone(),
                    known: engine.categories.keys().cloned().collect::<Vec<_>>().join(", "),
                });
            }
            let label = engine.categories.get(category).map(|c| c.label.clone()).unwrap_or_else(|| category.clone());
            (gap_fills(&table, &rows, &label)?, Some((category.clone(), label)))
        }
        Theme::Change { series, from, to } => (change_fills(engine, l, &inside, series.as_deref(), from, to)?, None),
    };

    let mut layout = Layout::new(request.paper, request.landscape);
    let k = layout.k;
    // A table of figures takes a band under the map, as high as it needs.
    let (table_size, table_min) = (2.6 * k, 1.6 * k);
    let summary = request.summary.as_ref().filter(|t| !t.is_empty());
    let band = summary.map(|t| layout.reserve_band(t.wanted_height(layout.frame.w, table_size, table_min)));
    let frame = layout.frame;

    // Extent and projection.
    let extent: GeoRect<f64> = match committee {
        Some((cl, ca)) => engine.levels[cl].areas[ca].bng.bounding_rect(),
        None => {
            let mut r: Option<GeoRect<f64>> = None;
            for a in &level.areas {
                if let Some(b) = a.bng.bounding_rect() {
                    r = Some(match r {
                        None => b,
                        Some(r) => GeoRect::new(
                            geo::coord! { x: r.min().x.min(b.min().x), y: r.min().y.min(b.min().y) },
                            geo::coord! { x: r.max().x.max(b.max().x), y: r.max().y.max(b.max().y) },
                        ),
                    });
                }
            }
            r
        }
    }
    .ok_or_else(|| PrintError::Empty { level: level.id.clone() })?;
    let proj = Projection::fit(extent, frame, 0.04);

    let mut svg = Svg::new();
    svg.raw(&format!(
        r##"<defs><clipPath id="frame"><rect x="{:.2}" y="{:.2}" width="{:.2}" height="{:.2}"/></clipPath><pattern id="suppressed" patternUnits="userSpaceOnUse" width="{h:.2}" height="{h:.2}" patternTransform="rotate(45)"><rect x="0" y="0" width="{h:.2}" height="{h:.2}" fill="#ffffff"/><rect x="0" y="0" width="{w:.2}" height="{h:.2}" fill="#808080"/></pattern></defs>"##,
        frame.x,
        frame.y,
        frame.w,
        frame.h,
        h = 1.2 * k,
        w = 0.35 * k
    ));
    svg.raw(r#"<g clip-path="url(#frame)">"#);
    let thin = 0.12 * k;
    for (a, area) in level.areas.iter().enumerate() {
        if !inside[a] {
            svg.path(&proj.path(&area.bng), OUTSIDE, "#ffffff", thin);
        }
    }
    for (a, area) in level.areas.iter().enumerate() {
        if inside[a] {
            svg.path(&proj.path(&area.bng), &fills.fills[a], "#ffffff", thin);
        }
    }

    // Label level: the committee's wards, or the printed level when it is
    // small enough, else the first coarser level that is.
    let (label_level, label_areas): (usize, Vec<usize>) = match committee {
        Some((cl, _)) => {
            let child = engine
                .levels
                .iter()
                .position(|x| x.parent_level == Some(cl) && x.group_of.is_none())
                .unwrap_or(l);
            let areas = (0..engine.levels[child].len()).filter(|&a| in_committee(child, a)).collect();
            (child, areas)
        }
        None => {
            let mut ll = l;
            while engine.levels[ll].len() > 40 {
                match engine.levels[ll].parent_level {
                    Some(p) => ll = p,
                    None => break,
                }
            }
            (ll, (0..engine.levels[ll].len()).collect())
        }
    };
    let outline = if label_level != l { 0.35 * k } else { 0.25 * k };
    for &a in &label_areas {
        svg.path(&proj.path(&engine.levels[label_level].areas[a].bng), "none", "#333333", outline);
    }
    if let Some((cl, ca)) = committee {
        svg.path(&proj.path(&engine.levels[cl].areas[ca].bng), "none", "#000000", 0.7 * k);
    }
    // Change maps with a table that has `emerging_gap`: those areas get a dashed outline.
    let emerging: Option<usize> = match (&request.theme, table.column("emerging_gap")) {
        (Theme::Change { .. }, Some(col)) => {
            let mut n = 0;
            for (a, area) in level.areas.iter().enumerate() {
                let flagged = rows[a].is_some_and(|r| matches!(table.rows[r].get(col), Some(Cell::Count(1))));
                if inside[a] && flagged {
                    n += 1;
                    svg.raw(&format!(
                        r##"<path d="{}" fill="none" stroke="#000000" stroke-width="{:.2}" stroke-dasharray="{:.2} {:.2}"/>"##,
                        proj.path(&area.bng),
                        0.8 * k,
                        1.6 * k,
                        0.8 * k
                    ));
                }
            }
            Some(n)
        }
        _ => None,
    };

    // Service points (gap maps): never the sensitive ones.
    let mut sensitive_withheld = 0;
    let mut points_drawn = 0;
    if let Some((cat, _)) = &category {
        let in_view = |x: f64, y: f64| x >= frame.x && x <= frame.x + frame.w && y >= frame.y && y <= frame.y + frame.h;
        for s in engine.services.iter().filter(|s| &s.category == cat) {
            let (x, y) = proj.point(s.bng);
            if disclosure::is_sensitive(engine, s) {
                if in_view(x, y) {
                    sensitive_withheld += 1;
                }
                continue;
            }
            if in_view(x, y) {
                svg.circle(x, y, 0.8 * k, "#ffffff", "#000000", 0.25 * k);
                points_drawn += 1;
            }
        }
    }
    svg.raw("</g>");
    svg.rect(frame, "none", Some(("#000000", 0.3 * k)));

    // North arrow (top right) and scale bar (bottom left), kept clear of labels.
    let na = Rect {
        x: frame.x + frame.w - 12.0 * k,
        y: frame.y + 2.0 * k,
        w: 10.0 * k,
        h: 15.0 * k,
    };
    let (ax, ay) = (na.x + na.w / 2.0, na.y + 5.5 * k);
    svg.raw(&format!(
        r##"<path d="M{:.2} {:.2}L{:.2} {:.2}L{:.2} {:.2}L{:.2} {:.2}Z" fill="#000000" stroke="#000000" stroke-width="{:.2}"/>"##,
        ax,
        ay,
        ax - 2.6 * k,
        ay + 8.0 * k,
        ax,
        ay + 6.2 * k,
        ax + 2.6 * k,
        ay + 8.0 * k,
        0.1 * k
    ));
    svg.text(ax, ay - 1.0 * k, 4.0 * k, "N", "middle", "bold", "#000000");

    let bar_m = nice_length(frame.w * 0.22 / proj.scale);
    let bar_mm = bar_m * proj.scale;
    let sb = Rect {
        x: frame.x + 3.0 * k,
        y: frame.y + frame.h - 11.0 * k,
        w: bar_mm + 12.0 * k,
        h: 9.0 * k,
    };
    svg.rect(sb, "#ffffff", None);
    let (bx, by) = (sb.x + 2.0 * k, sb.y + 5.0 * k);
    for i in 0..4 {
        let seg = Rect {
            x: bx + bar_mm * i as f64 / 4.0,
            y: by,
            w: bar_mm / 4.0,
            h: 1.4 * k,
        };
        svg.rect(seg, if i % 2 == 0 { "#000000" } else { "#ffffff" }, Some(("#000000", 0.15 * k)));
    }
    let km = bar_m / 1000.0;
    let bar_label = if km >= 1.0 { format!("{} km", super::classes::format_number(km)) } else { format!("{} m", bar_m) };
    svg.text(bx, by - 1.0 * k, 2.6 * k, "0", "middle", "normal", "#000000");
    svg.text(bx + bar_mm, by - 1.0 * k, 2.6 * k, &bar_label, "middle", "normal", "#000000");
    svg.text(bx, by + 3.6 * k, 2.2 * k, &format!("Scale 1:{}", super::classes::format_number(proj.denominator())), "start", "normal", "#000000");

    // Labels.
    let lv = &engine.levels[label_level];
    let requests: Vec<LabelRequest> = label_areas
        .iter()
        .map(|&a| {
            let area = &lv.areas[a];
            let name = if area.name.is_empty() { area.code.clone() } else { area.name.clone() };
            LabelRequest {
                text: name,
                anchor: proj.point(area.interior_bng),
                priority: area.area_m2,
            }
        })
        .collect();
    let sizes: Vec<f64> = if committee.is_some() { vec![3.4 * k, 2.8 * k, 2.4 * k, 2.0 * k] } else { vec![2.8 * k, 2.4 * k, 2.0 * k] };
    let (placed, labels_dropped) = place(requests, &sizes, frame, &[na, sb]);
    for p in &placed {
        svg.halo_text(p.x, p.y + p.size * 0.35, p.size, &p.text);
    }

    if let (Some(t), Some(band)) = (summary, band) {
        t.draw(&mut svg, band, table_size, table_min);
    }

    // Title block.
    let committee_name = committee.map(|(cl, ca)| engine.levels[cl].areas[ca].name.clone());
    let level_words = lower_first(&level.label);
    let title = request.title.clone().unwrap_or_else(|| match (&request.theme, &category) {
        (Theme::Gap { .. }, Some((_, label))) => format!("Coverage gaps: {label}"),
        _ => fills.legend_title.clone(),
    });
    let subtitle = request.subtitle.clone().unwrap_or_else(|| {
        let place_words = match &committee_name {
            Some(n) => format!("{n} Area Committee"),
            None => engine.name().to_string(),
        };
        match &category {
            Some((_, label)) => format!("{place_words}: need against access to {}, by {level_words}", label.to_lowercase()),
            None => format!("{place_words}, by {level_words}"),
        }
    });
    let (tx, ty) = layout.title_at;
    svg.text(tx, ty + 6.0 * k, 5.6 * k, &title, "start", "bold", "#000000");
    svg.text(tx, ty + 12.0 * k, 3.4 * k, &subtitle, "start", "normal", "#333333");

    // Legend.
    let panel = layout.panel;
    let legend_w = if layout.landscape { panel.w } else { panel.w * 0.42 };
    let mut y = panel.y + 3.0 * k;
    let lx = panel.x;
    let mut legend = Vec::new();
    for line in wrap(&fills.legend_title, legend_w, 3.0 * k) {
        svg.text(lx, y + 3.0 * k, 3.0 * k, &line, "start", "bold", "#000000");
        y += 3.8 * k;
    }
    y += 1.0 * k;
    let sw = (6.0 * k, 3.6 * k);
    let entry = |svg: &mut Svg, y: &mut f64, legend: &mut Vec<String>, fill: &str, label: &str| {
        svg.rect(Rect { x: lx, y: *y, w: sw.0, h: sw.1 }, fill, Some(("#666666", 0.15 * k)));
        svg.text(lx + sw.0 + 2.0 * k, *y + sw.1 * 0.8, 2.7 * k, label, "start", "normal", "#000000");
        legend.push(label.to_string());
        *y += sw.1 + 1.2 * k;
    };
    if category.is_some() {
        // 3 x 3 grid: rows need (high at the top), columns access (high left).
        let cell = 6.0 * k;
        let gx = lx + 12.0 * k;
        for (need, row) in BIVARIATE.iter().enumerate() {
            for (col, fill) in row.iter().enumerate() {
                let r = Rect {
                    x: gx + col as f64 * cell,
                    y: y + (2 - need) as f64 * cell,
                    w: cell,
                    h: cell,
                };
                svg.rect(r, fill, Some(("#ffffff", 0.2 * k)));
            }
        }
        let s = 2.3 * k;
        // Need rises upwards; access falls to the right, so the gap is top right.
        for (i, t) in ["high", "mid", "low"].iter().enumerate() {
            svg.text(gx - 1.0 * k, y + i as f64 * cell + cell * 0.65, s, t, "end", "normal", "#000000");
            svg.text(gx + i as f64 * cell + cell / 2.0, y + 3.0 * cell + 3.0 * k, s, t, "middle", "normal", "#000000");
        }
        svg.text(gx + 3.0 * cell + 2.0 * k, y + 0.7 * cell, s, "Need", "start", "bold", "#000000");
        svg.text(gx + 3.0 * cell + 2.0 * k, y + 3.0 * cell + 3.0 * k, s, "Access", "start", "bold", "#000000");
        let gap_cell = Rect { x: gx + 2.0 * cell, y, w: cell, h: cell };
        svg.rect(gap_cell, "none", Some(("#000000", 0.35 * k)));
        svg.text(gx + 3.0 * cell + 2.0 * k, y + 1.6 * cell, s, "= gap (high need,", "start", "normal", "#000000");
        svg.text(gx + 3.0 * cell + 2.0 * k, y + 1.6 * cell + 2.8 * k, s, "low access)", "start", "normal", "#000000");
        legend.extend(["High need, low access (gap)".to_string(), "Need".into(), "Access".into()]);
        y += 3.0 * cell + 6.0 * k;
        entry(&mut svg, &mut y, &mut legend, NO_DATA, "No data");
        if let Some((_, label)) = &category {
            let cy = y + sw.1 / 2.0;
            svg.circle(lx + sw.0 / 2.0, cy, 0.8 * k, "#ffffff", "#000000", 0.25 * k);
            let text = format!("{label} ({points_drawn} shown)");
            svg.text(lx + sw.0 + 2.0 * k, y + sw.1 * 0.8, 2.7 * k, &text, "start", "normal", "#000000");
            legend.push(text);
            y += sw.1 + 1.2 * k;
        }
    } else {
        for e in &fills.entries {
            entry(&mut svg, &mut y, &mut legend, &e.fill, &e.label);
        }
        if fills.fills.iter().any(|f| f == NO_DATA) {
            entry(&mut svg, &mut y, &mut legend, NO_DATA, "No data");
        }
        if let Some(n) = emerging {
            svg.raw(&format!(
                r##"<rect x="{lx:.2}" y="{:.2}" width="{:.2}" height="{:.2}" fill="#ffffff" stroke="#000000" stroke-width="{:.2}" stroke-dasharray="{:.2} {:.2}"/>"##,
                y,
                sw.0,
                sw.1,
                0.5 * k,
                1.2 * k,
                0.6 * k
            ));
            let text = format!("Emerging gap: need rose, access in the lowest third ({n})");
            svg.text(lx + sw.0 + 2.0 * k, y + sw.1 * 0.8, 2.7 * k, &text, "start", "normal", "#000000");
            legend.push(text);
            y += sw.1 + 1.2 * k;
        }
        if fills.suppressed_areas > 0 {
            let text = format!("Suppressed (fewer than {} people)", request.disclosure.threshold);
            entry(&mut svg, &mut y, &mut legend, SUPPRESSED, &text);
        }
    }
    if let Some(n) = &committee_name {
        entry(&mut svg, &mut y, &mut legend, OUTSIDE, &format!("Outside {n}"));
    }
    for line in wrap(&fills.note, legend_w, 2.3 * k) {
        svg.text(lx, y + 2.5 * k, 2.3 * k, &line, "start", "normal", "#333333");
        y += 3.0 * k;
    }

    // Notes: attribution, sources and vintages, disclosure, caveats, date.
    let (nx, ny, nw, nh) = if layout.landscape {
        (panel.x, y + 4.0 * k, panel.w, panel.y + panel.h - y - 4.0 * k)
    } else {
        (panel.x + panel.w * 0.46, panel.y, panel.w * 0.54, panel.h)
    };
    let mut notes: Vec<(String, &str)> = vec![(ATTRIBUTION.to_string(), "bold")];
    notes.push(("Data sources and vintages:".into(), "bold"));
    for s in &engine.manifest.sources {
        notes.push((format!("{}: {} ({}).", s.title, s.vintage, s.licence), "normal"));
    }
    let mut footnote = format!(
        "Disclosure control: counts of fewer than {} people are suppressed; sensitive sites (such as refuges) are never shown at their location, only counted in their area.",
        request.disclosure.threshold
    );
    if fills.suppressed_areas > 0 {
        footnote.push_str(&format!(" {} area(s) suppressed on this map.", fills.suppressed_areas));
    }
    if sensitive_withheld > 0 {
        footnote.push_str(&format!(" {sensitive_withheld} sensitive site(s) not shown."));
    }
    notes.push((footnote, "normal"));
    notes.extend(request.notes.iter().map(|n| (n.clone(), "normal")));
    if category.is_some() {
        if let Some(t) = &engine.manifest.tier_note {
            notes.push((t.clone(), "normal"));
        }
    }
    if let Some(n) = &level.note {
        notes.push((format!("{}: {n}.", level.label), "normal"));
    }
    if labels_dropped > 0 {
        notes.push((format!("{labels_dropped} area label(s) left out for lack of space."), "normal"));
    }
    let printed_on = request.printed_on.clone().unwrap_or_else(today);
    notes.push((
        format!(
            "Printed {printed_on} with needmap {} on {} {} paper. Dataset: {}.",
            env!("CARGO_PKG_VERSION"),
            request.paper.as_str(),
            if request.landscape { "landscape" } else { "portrait" },
            engine.name()
        ),
        "normal",
    ));
    // Shrink the notes until they fit the space.
    let mut size = 2.4 * k;
    let lines = loop {
        let lines: Vec<(String, &str)> = notes
            .iter()
            .flat_map(|(t, w)| wrap(t, nw, size).into_iter().map(move |l| (l, *w)))
            .collect();
        if lines.len() as f64 * size * 1.25 <= nh || size <= 1.5 * k {
            break lines;
        }
        size *= 0.92;
    };
    let mut y2 = ny + size * 1.1;
    for (line, weight) in &lines {
        svg.text(nx, y2, size, line, "start", weight, "#000000");
        y2 += size * 1.25;
    }

    Ok(PrintedMap {
        svg: svg.finish(layout.width, layout.height),
        layout,
        title,
        subtitle,
        legend,
        labels_placed: placed.iter().map(|p| p.text.clone()).collect(),
        labels_dropped,
        suppressed_areas: fills.suppressed_areas,
        sensitive_withheld,
        points_drawn,
        scale_denominator: proj.denominator(),
    })
}
