//! Running a gap query against the engine.

use std::time::Instant;

use super::coverage::{coverage_curve, shares};
use super::grid::{GridRule, GridSummary, GridTable, Square, Squares, SQUARE_SIZES_M};
use super::network::{RoadNetwork, Snap};
use super::{
    default_unmet_minutes, district_access, floating_catchment, gap_index, nearest_straight_line, people_in_need, Catchment,
    Decay, District, GapError, GapQuery, GapRow, GapTable, Method, Mode, OriginPoints, Origins, Pair, TravelModel, UnmetRule, population_level, served_population,
};
use crate::engine::Engine;
use crate::index::ServiceIndex;

/// From this many origins on (postcode units, not areas), the nearest and
/// catchment searches run on several threads.
const PARALLEL_ORIGINS: usize = 4096;

/// What a query needs besides the engine, built once and reused per request.
#[derive(Debug, Default)]
pub struct GapContext {
    pub travel: TravelModel,
    /// Note on how the travel model was obtained.
    pub travel_note: String,
    pub network: Option<RoadNetwork>,
}

impl GapContext {
    /// Calibrate the driving model from the manifest's travel times (falling
    /// back, with a note, to the built-in model) and load the road network
    /// when `with_network` and the manifest names one.
    pub fn new(engine: &Engine, with_network: bool) -> Result<GapContext, GapError> {
        let (travel, travel_note) = match TravelModel::calibrate(engine) {
            Ok(m) => {
                let note = match &m.drive.fit {
                    Some(f) => format!(
                        "driving time = {:.3} + {:.4} km + {:.3} ln(1+km) minutes, fitted to {} ({} pairs, R^2 {:.3}, median absolute error {:.2} min)",
                        m.drive.a, m.drive.b, m.drive.c, f.file, f.pairs, f.r2, f.median_abs_error_min
                    ),
                    None => "driving time from the built-in model (no [travel_times] in the manifest)".into(),
                };
                (m, note)
            }
            Err(e) => (TravelModel::default(), format!("{e}; the built-in driving model is used")),
        };
        let network = match (&engine.manifest.network, with_network) {
            (Some(spec), true) => Some(RoadNetwork::from_pbf(&engine.data_dir.join(&spec.osm_pbf))?),
            _ => None,
        };
        Ok(GapContext { travel, travel_note, network })
    }
}

/// Compute a gap table, building the context (calibration, network) first.
pub fn compute(engine: &Engine, query: &GapQuery) -> Result<GapTable, GapError> {
    let ctx = GapContext::new(engine, query.mode == Mode::Network)?;
    compute_with(engine, &ctx, query)
}

fn known<'a>(it: impl Iterator<Item = &'a str>) -> String {
    it.collect::<Vec<_>>().join(", ")
}

fn bad(name: &str, value: impl ToString, reason: &str) -> GapError {
    GapError::BadParameter {
        name: name.into(),
        value: value.to_string(),
        reason: reason.into(),
    }
}

/// Whether `ancestor` is `level` or one of its parent levels.
fn parent_chain(engine: &Engine, level: usize, ancestor: usize) -> Option<Vec<usize>> {
    let mut chain = vec![level];
    let mut l = level;
    while l != ancestor {
        l = engine.levels[l].parent_level?;
        if chain.contains(&l) {
            return None;
        }
        chain.push(l);
    }
    Some(chain)
}

fn default_origins(engine: &Engine, level: usize) -> usize {
    let id = &engine.levels[level].id;
    if engine.centroids.contains_key(id) {
        return level;
    }
    // The finest level (last in manifest order) inside `level`.
    (0..engine.levels.len())
        .rev()
        .find(|&l| parent_chain(engine, l, level).is_some())
        .unwrap_or(level)
}

/// Compute a gap table with a prepared context.
pub fn compute_with(engine: &Engine, ctx: &GapContext, q: &GapQuery) -> Result<GapTable, GapError> {
    run(engine, ctx, q, None).map(|(table, _)| table)
}

/// The gap table of the squares of where people live (see [`super::grid`]):
/// postcode origins (whatever `q.origin_points` says) summarised on
/// `rule.size_m` squares of the British National Grid; squares that the
/// rule withholds are left out of the rows and the gap index and counted.
/// `q.level` is unused: the need is the served population's level's.
pub fn compute_grid(engine: &Engine, ctx: &GapContext, q: &GapQuery, rule: &GridRule) -> Result<GridTable, GapError> {
    if !SQUARE_SIZES_M.contains(&rule.size_m) {
        return Err(bad("size_m", rule.size_m, "the square size must be 250, 500 or 1000 metres"));
    }
    let served = served_population(engine, q.category.as_deref());
    let q = GapQuery {
        level: engine.levels.get(population_level(engine, &served)).map(|l| l.id.clone()).unwrap_or_default(),
        origin_points: OriginPoints::Postcodes,
        ..q.clone()
    };
    let (table, grid) = run(engine, ctx, &q, Some(rule))?;
    let (squares, summary) = grid.ok_or_else(|| GapError::NoPostcodes { message: "the squares need postcode origins".into() })?;
    Ok(GridTable { table, squares, summary })
}

/// A gap table at a level, or (`grid`) over the squares of the postcode
/// origins with the squares kept and the rule's summary.
fn run(engine: &Engine, ctx: &GapContext, q: &GapQuery, grid: Option<&GridRule>) -> Result<(GapTable, Option<(Vec<Square>, GridSummary)>), GapError> {
    let started = Instant::now();
    let mut notes = Vec::new();
    // ---- parameters
    let level = engine.level_index(&q.level).ok_or_else(|| GapError::UnknownLevel {
        level: q.level.clone(),
        known: known(engine.levels.iter().map(|l| l.id.as_str())),
    })?;
    let origin_level = match &q.origins {
        Some(o) => engine.level_index(o).ok_or_else(|| GapError::UnknownLevel {
            level: o.clone(),
            known: known(engine.levels.iter().map(|l| l.id.as_str())),
        })?,
        None => default_origins(engine, level),
    };
    let by_postcode = q.origin_points == OriginPoints::Postcodes;
    if !by_postcode {
        parent_chain(engine, origin_level, level).ok_or_else(|| GapError::NotAParent {
            level: q.level.clone(),
            origins: engine.levels[origin_level].id.clone(),
        })?;
    }
    let cv = q.catchment.value();
    if !(cv.is_finite() && cv > 0.0) {
        return Err(bad("catchment", cv, "must be a positive number (km or minutes)"));
    }
    let sigma = q.sigma.unwrap_or(cv / 2.0);
    if !(sigma.is_finite() && sigma > 0.0) {
        return Err(bad("sigma", sigma, "the Gaussian decay width must be a positive number"));
    }
    if !(q.max_snap_m.is_finite() && q.max_snap_m >= 0.0) {
        return Err(bad("max_snap_m", q.max_snap_m, "must be a distance in metres, 0 or more"));
    }
    if q.k == 0 || q.k > 100 {
        return Err(bad("k", q.k, "the k of the k-th nearest service must be 1 to 100"));
    }
    if q.thresholds.metres.iter().chain(&q.thresholds.minutes).any(|t| !(t.is_finite() && *t > 0.0)) {
        return Err(bad("thresholds", format!("{:?}", q.thresholds), "thresholds must be positive"));
    }
    if q.category.is_none() && q.tier.is_none() {
        return Err(GapError::NoFilter);
    }
    let category = match &q.category {
        Some(c) => Some(engine.categories.get(c).ok_or_else(|| GapError::UnknownCategory {
            category: c.clone(),
            known: known(engine.categories.keys().map(String::as_str)),
        })?),
        None => None,
    };
    if let Some(c) = category.filter(|c| c.sensitive && !q.include_sensitive) {
        return Err(GapError::SensitiveCategory {
            category: c.id.clone(),
            min_population: engine.manifest.disclosure.sensitive_min_population,
        });
    }
    if let Some(t) = &q.tier {
        if !engine.tiers.iter().any(|x| &x.id == t) {
            return Err(GapError::UnknownTier {
                tier: t.clone(),
                known: known(engine.tiers.iter().map(|t| t.id.as_str())),
            });
        }
    }
    let filter = match (&q.category, &q.tier) {
        (Some(c), Some(t)) => format!("category `{c}` and tier `{t}`"),
        (Some(c), None) => format!("category `{c}`"),
        (None, Some(t)) => format!("tier `{t}`"),
        (None, None) => unreachable!("checked above"),
    };
    let matching = engine
        .services
        .iter()
        .enumerate()
        .filter(|(_, s)| q.category.as_ref().is_none_or(|c| &s.category == c) && q.tier.as_ref().is_none_or(|t| &s.tier == t));
    let (services, sensitive): (Vec<usize>, Vec<usize>) =
        matching.map(|(i, _)| i).partition(|&i| q.include_sensitive || !engine.services[i].sensitive);
    if !sensitive.is_empty() {
        notes.push(format!(
            "{} service(s) of sensitive categories match {filter} and are left out: distances to them would locate them",
            sensitive.len()
        ));
    }
    if q.include_sensitive && services.iter().any(|&i| engine.services[i].sensitive) {
        notes.push("includes sensitive sites (--include-sensitive): for internal analysis only, never publish these figures".into());
    }
    if services.is_empty() {
        let filter = match sensitive.len() {
            0 => filter,
            n => format!("{filter} apart from {n} site(s) of sensitive categories, which are left out"),
        };
        return Err(GapError::NoServices { filter });
    }
    let supply: Vec<f64> = services
        .iter()
        .map(|&i| Some(engine.services[i].capacity).filter(|c| c.is_finite() && *c > 0.0).unwrap_or(0.0))
        .collect();
    let services_without_capacity = supply.iter().filter(|s| **s == 0.0).count();
    if services_without_capacity > 0 {
        notes.push(format!(
            "{services_without_capacity} of {} service(s) have capacity 0 (zero or invalid in the file): they count for nearest and coverage but add no supply to 2SFCA/E2SFCA; services with no capacity column use the category's default (1 unless dataset.toml says otherwise)",
            services.len()
        ));
    }
    let population_id = served_population(engine, category.map(|c| c.id.as_str()));

    let indicator_k = need_indicator(engine, q, category, level)?;
    let need_raw: Vec<Option<f64>> = match indicator_k {
        Some(k) => engine.values[level].indicators[k].clone(),
        None => vec![None; engine.levels[level].len()],
    };

    // ---- origins
    let origins = if by_postcode {
        let o = Origins::postcodes(engine, &population_id).map_err(|message| GapError::NoPostcodes { message })?;
        if let Some(u) = &o.units {
            let home = &engine.levels[u.home_level];
            notes.push(format!(
                "origins: {} postcode units of {} lying in a {} area, each with an equal share of its {} `{population_id}` population ({} units outside every {} area are not origins)",
                o.len() - u.area_fallback,
                u.units_read,
                home.id,
                home.id,
                u.units_outside,
                home.id
            ));
            if u.area_fallback > 0 {
                notes.push(format!(
                    "{} {} area(s) hold no postcode unit: each is one origin at its representative point with its whole population",
                    u.area_fallback, home.id
                ));
            }
        }
        o
    } else {
        Origins::new(engine, origin_level, &population_id)
    };
    let origin_level = origins.level;
    if origins.missing_population > 0 {
        notes.push(format!(
            "{} {} area(s) have no `{population_id}` population: demand 0, excluded from the gap index",
            origins.missing_population, engine.levels[origin_level].id
        ));
    }
    if origins.zero_population > 0 {
        notes.push(format!(
            "{} {} area(s) have population 0: they add no demand, their coverage counts for nobody, and they are classed `no-population`",
            origins.zero_population, engine.levels[origin_level].id
        ));
    }
    let n = origins.len();

    // ---- travel: nearest, times, catchment pairs
    let (nearest_m, nearest_min, kth_m, kth_min, pairs) = match q.mode {
        Mode::Estimated => {
            let index = ServiceIndex::new(services.iter().enumerate().map(|(p, &i)| (p, engine.services[i].bng)));
            let radius = match q.catchment {
                Catchment::Km(km) => km * 1000.0,
                Catchment::Minutes(m) => ctx.travel.radius_m(q.travel, m),
            };
            let points: Vec<geo::Coord<f64>> = origins.bng().collect();
            // Nearest and catchment pairs of the origins `start..` in `chunk`.
            let search = |start: usize, chunk: &[geo::Coord<f64>]| {
                let near = nearest_straight_line(&index, chunk.iter().copied(), q.k);
                let mut pairs = Vec::new();
                for (o, p) in chunk.iter().enumerate() {
                    for (s, d) in index.within(*p, radius) {
                        let cost = match q.catchment {
                            Catchment::Km(_) => d / 1000.0,
                            Catchment::Minutes(_) => ctx.travel.minutes(q.travel, d),
                        };
                        pairs.push(Pair { origin: (start + o) as u32, service: s as u32, cost });
                    }
                }
                (near, pairs)
            };
            // Many origins (postcode units): contiguous chunks on a few
            // threads, joined in origin order, so the result is the same.
            let threads = if points.len() >= PARALLEL_ORIGINS {
                std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 4)
            } else {
                1
            };
            let chunk = points.len().div_ceil(threads).max(1);
            let parts: Vec<_> = if threads == 1 {
                vec![search(0, &points)]
            } else {
                std::thread::scope(|scope| {
                    let search = &search;
                    let handles: Vec<_> = points.chunks(chunk).enumerate().map(|(i, c)| scope.spawn(move || search(i * chunk, c))).collect();
                    handles.into_iter().map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))).collect()
                })
            };
            let (mut nearest_m, mut kth_m, mut pairs) = (Vec::with_capacity(points.len()), Vec::with_capacity(points.len()), Vec::new());
            for (near, p) in parts {
                nearest_m.extend(near.nearest_m);
                kth_m.extend(near.kth_m);
                pairs.extend(p);
            }
            let mins = |v: &[Option<f64>]| v.iter().map(|d| d.map(|d| ctx.travel.minutes(q.travel, d))).collect::<Vec<_>>();
            let (nearest_min, kth_min) = (mins(&nearest_m), mins(&kth_m));
            (nearest_m, nearest_min, kth_m, kth_min, pairs)
        }
        Mode::Network => {
            let net = ctx.network.as_ref().ok_or(GapError::NoNetwork)?;
            let graph = net.graph(q.travel);
            let o_pts: Vec<_> = origins.bng().collect();
            let s_pts: Vec<_> = services.iter().map(|&i| engine.services[i].bng).collect();
            let o_snap: Vec<Option<Snap>> = graph.snap_all(&o_pts, q.max_snap_m);
            let s_snap: Vec<Option<Snap>> = graph.snap_all(&s_pts, q.max_snap_m);
            let (uo, us) = (o_snap.iter().filter(|s| s.is_none()).count(), s_snap.iter().filter(|s| s.is_none()).count());
            if us == s_snap.len() {
                return Err(GapError::Network {
                    file: net.source.clone(),
                    message: format!(
                        "none of the {} service(s) of {filter} is within {} m of a {} road; the network does not cover them (use a larger extract or --mode estimated)",
                        s_snap.len(), q.max_snap_m, q.travel.as_str()
                    ),
                });
            }
            if uo > 0 || us > 0 {
                notes.push(format!(
                    "{uo} origin(s) and {us} service(s) are more than {} m from a usable {} road and cannot be routed: origins get no nearest time, access or gap score; services are left out",
                    q.max_snap_m, q.travel.as_str()
                ));
            }
            let kn = graph.nearest_k(&o_snap, &s_snap, q.k);
            let pairs = graph.catchment_pairs(&o_snap, &s_snap, q.catchment);
            (kn.nearest_m, kn.nearest_min, kn.kth_m, kn.kth_min, pairs)
        }
    };

    // ---- floating catchment
    let mut service_ratios = Vec::new();
    let access: Option<Vec<f64>> = match q.method {
        Method::Nearest => None,
        Method::TwoStep | Method::Enhanced => {
            let decay = if q.method == Method::TwoStep { Decay::Step } else { Decay::Gaussian { sigma } };
            let a = floating_catchment(&origins.demand, &supply, &pairs, cv, decay);
            if a.origins_without_service > 0 {
                notes.push(format!(
                    "{} origin(s) have no service within the {} catchment: access 0",
                    a.origins_without_service,
                    q.catchment.label()
                ));
            }
            if a.services_without_demand > 0 {
                notes.push(format!(
                    "{} service(s) have no {population_id} population within the catchment: ratio 0 (PySAL would give infinity)",
                    a.services_without_demand
                ));
            }
            service_ratios = services.iter().zip(&a.ratio).map(|(&i, &r)| (i, r)).collect();
            Some(a.access)
        }
    };
    let access_of = |o: usize| -> Option<f64> {
        match &access {
            Some(a) => (nearest_m[o].is_some() || q.mode == Mode::Estimated).then_some(a[o]),
            None => nearest_min[o].map(|m| -m),
        }
    };

    // ---- people in need and unmet need per origin
    let origin_access: Vec<Option<f64>> = (0..n).map(access_of).collect();
    let rule = match q.method {
        Method::Nearest => {
            let minutes = q.unmet_minutes.unwrap_or(default_unmet_minutes(q.travel));
            if !(minutes.is_finite() && minutes > 0.0) {
                return Err(bad("unmet_minutes", minutes, "the access threshold for unmet need must be a positive number of minutes"));
            }
            UnmetRule::Beyond { minutes }
        }
        Method::TwoStep | Method::Enhanced => UnmetRule::Shortfall {
            district_access: match q.reference_access {
                Some(r) if r.is_finite() && r > 0.0 => r,
                Some(r) => return Err(bad("reference_access", r, "the reference access rate must be a positive number")),
                None => district_access(&origin_access, &origins.demand),
            },
        },
    };
    let (in_need, unmet): (Vec<Option<f64>>, Vec<Option<f64>>) = match indicator_k {
        Some(k) => {
            let people = people_in_need(engine, &origins, k, &population_id)?;
            notes.push(format!("{}; {}", people.rule.describe(&engine.indicators[k]), rule.describe(q.travel)));
            if people.unknown > 0 {
                notes.push(format!(
                    "{} {} origin(s) have no `{}` value (or no `{population_id}` population where it is a count): no people in need counted there",
                    people.unknown, engine.levels[origin_level].id, engine.indicators[k].id
                ));
            }
            let unmet: Vec<Option<f64>> = (0..n)
                .map(|o| people.per_origin[o].and_then(|p| rule.unmet(p, nearest_min[o], origin_access[o])))
                .collect();
            let unrouted = (0..n).filter(|&o| people.per_origin[o].is_some() && unmet[o].is_none()).count();
            if unrouted > 0 {
                notes.push(format!("{unrouted} origin(s) have people in need but no known access: their unmet need is not counted"));
            }
            (people.per_origin, unmet)
        }
        None => {
            notes.push(format!(
                "no default need indicator is offered for {}: people in need and unmet need are left empty (choose a coarser level, or an indicator published at this level)",
                engine.levels[level].plural_name()
            ));
            (vec![None; n], vec![None; n])
        }
    };
    let sum_known = |v: &[Option<f64>]| -> Option<f64> {
        let known: Vec<f64> = v.iter().flatten().copied().collect();
        (!known.is_empty()).then(|| known.iter().sum())
    };

    // ---- coverage per origin, district figures
    let covered: Vec<Vec<bool>> = (0..n).map(|o| q.thresholds.covered(nearest_m[o], nearest_min[o])).collect();
    let nt = q.thresholds.len();
    let children = engine.manifest.dataset.child_population.clone();
    let child_pop: Vec<f64> = origins.population(engine, &children);
    let district = District {
        population: origins.demand.iter().sum(),
        coverage: shares(&covered, &origins.demand, nt),
        coverage_children: shares(&covered, &child_pop, nt),
        curve: coverage_curve(&nearest_m, &origins.demand, 100.0),
        in_need: sum_known(&in_need),
        unmet_need: sum_known(&unmet),
        rule: indicator_k.map(|_| rule),
    };

    // ---- rows at the requested level
    let lvl = &engine.levels[level];
    let m = lvl.len();
    let mut rows: Vec<GapRow>;
    let mut access_rows: Vec<Option<f64>>;
    // The squares of the origins, when the rows are squares.
    let squares = grid.map(|rule| {
        let is_unit = (0..n).map(|o| origins.units.as_ref().is_some_and(|u| u.unit[o].is_some()));
        Squares::of(origins.bng(), is_unit, rule.size_m)
    });
    if level == origin_level && !by_postcode {
        access_rows = (0..n).map(access_of).collect();
        rows = (0..n)
            .map(|o| GapRow {
                code: lvl.areas[o].code.clone(),
                name: lvl.areas[o].name.clone(),
                rep: Some(origins.points[o]),
                rep_kind: Some(origins.kinds[o]),
                origins: 1,
                population: origins.demand[o],
                need: need_raw[o],
                nearest_m: nearest_m[o],
                nearest_min: nearest_min[o],
                kth_m: kth_m[o],
                kth_min: kth_min[o],
                coverage: covered[o].iter().map(|c| Some(if *c { 1.0 } else { 0.0 })).collect(),
                access: access.as_ref().and_then(|_| access_of(o)),
                in_need: in_need[o],
                unmet_need: unmet[o],
                unmet_need_per_1k: None,
                gap_class: super::GapClass::NoData,
                gap_rank: None,
            })
            .collect();
    } else {
        // Population-weighted means of origin scores (unweighted when an area has no population).
        #[derive(Default, Clone)]
        struct Acc {
            n: usize,
            pop: f64,
            sums: [(f64, f64, f64, f64); 5],
            cov: Vec<f64>,
            in_need: Option<f64>,
            unmet: Option<f64>,
        }
        let (m, pieces) = match &squares {
            Some(sq) => (sq.len(), (0..n).map(|o| (o, sq.of_origin[o], 1.0)).collect()),
            None => (m, origins.pieces_in(engine, level)),
        };
        let mut acc = vec![Acc { cov: vec![0.0; nt], ..Default::default() }; m];
        // Each origin area is split across the areas of the level by area
        // share, exactly as the engine apportions populations, so an area's
        // population here equals its population in the area report. A
        // postcode origin lies wholly in one area.
        let mut placed = vec![false; n];
        let mut main_piece: Vec<Option<(usize, f64)>> = vec![None; n];
        for (o, a, share) in pieces {
            placed[o] = true;
            if main_piece[o].is_none_or(|(_, s)| share > s) {
                main_piece[o] = Some((a, share));
            }
            let w = origins.demand[o] * share;
            let e = &mut acc[a];
            e.pop += w;
            let vals = [nearest_m[o], nearest_min[o], kth_m[o], kth_min[o], access_of(o)];
            for (s, v) in e.sums.iter_mut().zip(vals) {
                if let Some(v) = v.filter(|v| v.is_finite()) {
                    s.0 += w * v;
                    s.1 += w;
                    s.2 += share * v;
                    s.3 += share;
                }
            }
            for (t, c) in covered[o].iter().enumerate() {
                if *c {
                    e.cov[t] += w;
                }
            }
            if let Some(v) = in_need[o] {
                *e.in_need.get_or_insert(0.0) += v * share;
            }
            if let Some(v) = unmet[o] {
                *e.unmet.get_or_insert(0.0) += v * share;
            }
        }
        for (a, _) in main_piece.iter().flatten() {
            acc[*a].n += 1;
        }
        let unplaced = placed.iter().filter(|p| !**p).count();
        if unplaced > 0 {
            notes.push(format!("{unplaced} origin(s) have no parent area at `{}` and are left out of its rows", q.level));
        }
        let mean = |s: &(f64, f64, f64, f64)| -> Option<f64> {
            if s.1 > 0.0 {
                Some(s.0 / s.1)
            } else if s.3 > 0.0 {
                Some(s.2 / s.3)
            } else {
                None
            }
        };
        access_rows = acc.iter().map(|e| mean(&e.sums[4])).collect();
        rows = (0..m)
            .map(|a| {
                let e = &acc[a];
                let (code, name, need) = match &squares {
                    Some(sq) => (sq.squares[a].code(), sq.squares[a].name(), None),
                    None => (lvl.areas[a].code.clone(), lvl.areas[a].name.clone(), need_raw[a]),
                };
                GapRow {
                    code,
                    name,
                    rep: None,
                    rep_kind: None,
                    origins: e.n,
                    population: e.pop,
                    need,
                    nearest_m: mean(&e.sums[0]),
                    nearest_min: mean(&e.sums[1]),
                    kth_m: mean(&e.sums[2]),
                    kth_min: mean(&e.sums[3]),
                    coverage: e.cov.iter().map(|c| (e.pop > 0.0).then(|| c / e.pop)).collect(),
                    access: access.as_ref().and_then(|_| access_rows[a]),
                    in_need: e.in_need,
                    unmet_need: e.unmet,
                    unmet_need_per_1k: None,
                    gap_class: super::GapClass::NoData,
                    gap_rank: None,
                }
            })
            .collect();
    }

    // ---- squares: only those the disclosure rule lets out
    let mut grid_out = None;
    if let (Some(rule), Some(sq)) = (grid, squares) {
        let total = sq.len();
        // The rule counts residents (the total population), whatever the category serves.
        let mut residents = vec![0.0; total];
        for (o, r) in origins.population(engine, &engine.manifest.dataset.total_population).into_iter().enumerate() {
            residents[sq.of_origin[o]] += r;
        }
        let (mut kept_rows, mut kept_access, mut kept) = (Vec::new(), Vec::new(), Vec::new());
        let (mut withheld, mut withheld_population, mut withheld_residents) = (0, 0.0, 0.0);
        for (((row, access), mut square), r) in rows.into_iter().zip(access_rows).zip(sq.squares).zip(residents) {
            square.residents = r;
            if square.disclosed(rule) {
                kept_rows.push(row);
                kept_access.push(access);
                kept.push(square);
            } else {
                withheld += 1;
                withheld_population += row.population;
                withheld_residents += r;
            }
        }
        (rows, access_rows) = (kept_rows, kept_access);
        notes.push(format!(
            "{} of {total} {} m squares holding people are shown; {withheld} squares with fewer than {} residents or fewer than {} postcode units ({:.0} residents, {:.0} of the `{population_id}` population, in all) are withheld so that no square shows one postcode's figure",
            kept.len(),
            rule.size_m,
            crate::load::number_text(rule.min_population),
            rule.min_postcodes,
            withheld_residents,
            withheld_population
        ));
        let summary = GridSummary { rule: *rule, squares: total, published: kept.len(), withheld, withheld_population, withheld_residents };
        grid_out = Some((kept, summary));
    }

    // ---- gap index: classes and rank by unmet need
    let pops: Vec<f64> = rows.iter().map(|r| r.population).collect();
    let row_unmet: Vec<Option<f64>> = rows.iter().map(|r| r.unmet_need).collect();
    let row_need: Vec<Option<f64>> = rows.iter().map(|r| r.in_need).collect();
    let codes: Vec<&str> = rows.iter().map(|r| r.code.as_str()).collect();
    let g = gap_index(&row_unmet, &row_need, &access_rows, &pops, &codes);
    for (i, r) in rows.iter_mut().enumerate() {
        r.unmet_need_per_1k = r.unmet_need.filter(|_| r.population > 0.0).map(|u| u / r.population * 1000.0);
        r.gap_class = g.class[i];
        r.gap_rank = g.rank[i];
    }
    notes.push(ctx.travel_note.clone());
    tracing::debug!("gaps: {} rows in {:.1} ms", rows.len(), started.elapsed().as_secs_f64() * 1e3);
    let mut query = q.clone();
    query.indicator = indicator_k.map(|k| engine.indicators[k].id.clone());
    let table = GapTable {
        query,
        origin_level: if by_postcode { "postcode".into() } else { engine.levels[origin_level].id.clone() },
        rep_kind: origins.kind_summary(),
        services: services.len(),
        services_without_capacity,
        population_id,
        threshold_labels: q.thresholds.labels(),
        rows,
        district,
        service_ratios,
        notes,
    };
    Ok((table, grid_out))
}

/// The need indicator of a query: the one asked for (refused when it is not
/// offered at `level`), else the manifest's default for the category
/// (`child_need_indicator` when it serves `child_population`, else
/// `need_indicator`), else the first indicator that counts people in need.
/// `None` when no default is offered at `level` (access is still computed).
fn need_indicator(engine: &Engine, q: &GapQuery, category: Option<&crate::model::Category>, level: usize) -> Result<Option<usize>, GapError> {
    let not_published = |k: usize| {
        let ind = &engine.indicators[k];
        let published = engine.level(&ind.published_level).map(|l| l.plural_name()).unwrap_or_else(|| ind.published_level.clone());
        GapError::NotPublishedAt {
            indicator: ind.id.clone(),
            level: engine.levels[level].id.clone(),
            published,
            published_level: ind.published_level.clone(),
        }
    };
    if let Some(id) = &q.indicator {
        let k = engine.indicator_index(id).ok_or_else(|| GapError::UnknownIndicator {
            indicator: id.clone(),
            known: known(engine.indicators.iter().map(|i| i.id.as_str())),
        })?;
        if !engine.offers(k, level) {
            return Err(not_published(k));
        }
        super::InNeed::of(&engine.indicators[k]).map_err(|reason| GapError::NotANeed { indicator: id.clone(), reason })?;
        return Ok(Some(k));
    }
    let d = &engine.manifest.dataset;
    let serves_children = category.is_some_and(|c| c.serves == d.child_population);
    let named = [
        serves_children.then_some(("child_need_indicator", d.child_need_indicator.as_ref())),
        Some(("need_indicator", d.need_indicator.as_ref())),
    ];
    for (field, id) in named.into_iter().flatten() {
        let Some(id) = id else { continue };
        let k = engine.indicator_index(id).ok_or_else(|| GapError::BadDefaultNeed {
            field: field.into(),
            indicator: id.clone(),
            known: known(engine.indicators.iter().map(|i| i.id.as_str())),
        })?;
        return Ok(engine.offers(k, level).then_some(k));
    }
    Ok((0..engine.indicators.len()).find(|&k| engine.offers(k, level) && super::InNeed::of(&engine.indicators[k]).is_ok()))
}
