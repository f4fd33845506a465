//! Re-scoring after one edit to the services, without a full re-compute.
//!
//! [`Rescore`] keeps the baseline's per-origin state at the origin level
//! (estimated mode): each origin's k nearest services, its catchment pairs
//! and access, and each service's catchment pairs and supply-to-demand
//! ratio. An edit ([`ServiceEdit`]: add, move, close) updates only what it
//! touches: a service's 2SFCA ratio depends on the demand in its own
//! catchment alone, so opening or closing a site changes the ratio of that
//! site only and the access of the origins in its catchment only; nearest
//! and k-th nearest change only where the edited site is (or was) among an
//! origin's k nearest. What depends on every origin (the district access of
//! the shortfall rule, coverage shares, terciles, the rank) is recomputed
//! from the per-origin values, which is linear in the origins plus one sort.
//!
//! The table it keeps equals [`super::compute_with`] on the edited service
//! set to rounding (tests/it/gaps_rescore.rs checks 1e-9 relative over random
//! edits); its notes are the baseline's.

use geo::Coord;
use rstar::primitives::GeomWithData;
use rstar::RTree;

use super::coverage::{coverage_curve, shares};
use super::{compute_with, district_access, gap_index, Catchment, Decay, GapContext, GapError, GapQuery, GapTable, Method, Mode, UnmetRule};
use crate::engine::Engine;

type Point = GeomWithData<[f64; 2], usize>;

/// One change to the services of the query's filter.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ServiceEdit {
    /// A new site at a BNG point with a capacity (its supply).
    Add { bng: Coord<f64>, capacity: f64 },
    /// A site (by [`Rescore`] position) to a new BNG point.
    Move { service: usize, bng: Coord<f64> },
    /// A site (by position) closes.
    Close { service: usize },
}

#[derive(Debug, Clone)]
struct Site {
    bng: Coord<f64>,
    supply: f64,
    open: bool,
    /// (origin, cost) within the catchment (cost <= catchment).
    pairs: Vec<(u32, f64)>,
    ratio: f64,
}

/// Baseline state for fast re-scoring of one query at its origin level.
#[derive(Debug, Clone)]
pub struct Rescore {
    query: GapQuery,
    ctx_travel: super::TravelModel,
    origin_pts: Vec<Coord<f64>>,
    origin_tree: RTree<GeomWithData<[f64; 2], u32>>,
    demand: Vec<f64>,
    child_pop: Vec<f64>,
    in_need: Vec<Option<f64>>,
    sites: Vec<Site>,
    site_tree: RTree<Point>,
    /// Per origin: up to k nearest open sites (metres, position), nearest first.
    nearest: Vec<Vec<(f64, usize)>>,
    /// Per origin: (site, weight) pairs within the catchment.
    origin_pairs: Vec<Vec<(usize, f64)>>,
    access: Vec<f64>,
    radius_m: f64,
    decay: Decay,
    unmet_minutes: Option<f64>,
    table: GapTable,
}

fn supply_of(capacity: f64) -> f64 {
    Some(capacity).filter(|c| c.is_finite() && *c > 0.0).unwrap_or(0.0)
}

impl Rescore {
    /// Compute the baseline with [`compute_with`] (which checks the query)
    /// and keep its state. The query must use estimated travel and an
    /// output level that is its own origin level (e.g. `oa`).
    pub fn new(engine: &Engine, ctx: &GapContext, q: &GapQuery) -> Result<Rescore, GapError> {
        let bad = |name: &str, value: &str, reason: &str| GapError::BadParameter { name: name.into(), value: value.into(), reason: reason.into() };
        if q.mode != Mode::Estimated {
            return Err(bad("mode", q.mode.as_str(), "re-scoring works with estimated travel only"));
        }
        let table = compute_with(engine, ctx, q)?;
        if !table.is_origin_level() {
            return Err(bad("level", &q.level, "re-scoring works at an origin level (e.g. oa or lsoa), not at a parent level"));
        }
        let level = engine.level_index(&table.origin_level).ok_or_else(|| bad("level", &q.level, "unknown"))?;
        let origins = super::Origins::new(engine, level, &table.population_id);
        let origin_pts: Vec<Coord<f64>> = origins.bng().collect();
        let origin_tree = RTree::bulk_load(origin_pts.iter().enumerate().map(|(i, c)| GeomWithData::new([c.x, c.y], i as u32)).collect());
        let children = &engine.manifest.dataset.child_population;
        let child_pop: Vec<f64> = match engine.population_of(level, children) {
            Some(p) => p.iter().map(|v| v.filter(|v| v.is_finite() && *v > 0.0).unwrap_or(0.0)).collect(),
            None => vec![0.0; origin_pts.len()],
        };
        let in_need = table.rows.iter().map(|r| r.in_need).collect();
        let cv = q.catchment.value();
        let decay = match q.method {
            Method::Enhanced => Decay::Gaussian { sigma: q.sigma.unwrap_or(cv / 2.0) },
            _ => Decay::Step,
        };
        let radius_m = match q.catchment {
            Catchment::Km(km) => km * 1000.0,
            Catchment::Minutes(m) => ctx.travel.radius_m(q.travel, m),
        };
        let mut r = Rescore {
            query: q.clone(),
            ctx_travel: ctx.travel.clone(),
            origin_tree,
            demand: origins.demand.clone(),
            child_pop,
            in_need,
            sites: Vec::new(),
            site_tree: RTree::new(),
            nearest: vec![Vec::new(); origin_pts.len()],
            origin_pairs: vec![Vec::new(); origin_pts.len()],
            access: vec![0.0; origin_pts.len()],
            origin_pts,
            radius_m,
            decay,
            unmet_minutes: match table.district.rule {
                Some(UnmetRule::Beyond { minutes }) => Some(minutes),
                _ => None,
            },
            table,
        };
        let filtered = engine.services.iter().filter(|s| {
            q.category.as_ref().is_none_or(|c| &s.category == c) && q.tier.as_ref().is_none_or(|t| &s.tier == t) && (q.include_sensitive || !s.sensitive)
        });
        let points: Vec<(Coord<f64>, f64)> = filtered.map(|s| (s.bng, supply_of(s.capacity))).collect();
        r.site_tree = RTree::bulk_load(points.iter().enumerate().map(|(i, (c, _))| GeomWithData::new([c.x, c.y], i)).collect());
        for (bng, supply) in points {
            r.sites.push(Site { bng, supply, open: true, pairs: Vec::new(), ratio: 0.0 });
        }
        for s in 0..r.sites.len() {
            r.catch(s);
        }
        for o in 0..r.origin_pts.len() {
            r.refresh_nearest(o);
            r.refresh_access(o);
        }
        r.finish();
        Ok(r)
    }

    /// The current table (origin level).
    pub fn table(&self) -> &GapTable {
        &self.table
    }

    /// Number of site positions (open or closed); an `Add` takes the next one.
    pub fn sites(&self) -> usize {
        self.sites.len()
    }

    /// Whether the site at `position` is open.
    pub fn is_open(&self, position: usize) -> bool {
        self.sites.get(position).is_some_and(|s| s.open)
    }

    fn cost(&self, metres: f64) -> f64 {
        match self.query.catchment {
            Catchment::Km(_) => metres / 1000.0,
            Catchment::Minutes(_) => self.ctx_travel.minutes(self.query.travel, metres),
        }
    }

    fn minutes(&self, metres: f64) -> f64 {
        self.ctx_travel.minutes(self.query.travel, metres)
    }

    /// Pairs, demand and ratio of site `s` (open), added to its origins' pair lists.
    fn catch(&mut self, s: usize) {
        let c = self.sites[s].bng;
        let cv = self.query.catchment.value();
        let mut pairs = Vec::new();
        let mut weighted = 0.0;
        for e in self.origin_tree.locate_within_distance([c.x, c.y], self.radius_m * self.radius_m) {
            let (dx, dy) = (c.x - e.geom()[0], c.y - e.geom()[1]);
            let cost = self.cost((dx * dx + dy * dy).sqrt());
            if cost <= cv {
                let o = e.data;
                pairs.push((o, cost));
                let d = self.demand[o as usize];
                weighted += self.decay.weight(cost) * if d.is_finite() && d > 0.0 { d } else { 0.0 };
            }
        }
        let site = &mut self.sites[s];
        site.ratio = if weighted > 0.0 && weighted.is_finite() { site.supply / weighted } else { 0.0 };
        for &(o, cost) in &pairs {
            self.origin_pairs[o as usize].push((s, self.decay.weight(cost)));
        }
        self.sites[s].pairs = pairs;
    }

    /// Take site `s` out of its origins' pair lists; returns the origins touched.
    fn uncatch(&mut self, s: usize) -> Vec<u32> {
        let pairs = std::mem::take(&mut self.sites[s].pairs);
        for &(o, _) in &pairs {
            self.origin_pairs[o as usize].retain(|p| p.0 != s);
        }
        pairs.into_iter().map(|p| p.0).collect()
    }

    fn refresh_access(&mut self, o: usize) {
        self.access[o] = self.origin_pairs[o].iter().map(|&(s, w)| w * self.sites[s].ratio).sum();
    }

    fn refresh_nearest(&mut self, o: usize) {
        let p = self.origin_pts[o];
        let k = self.query.k.max(1);
        self.nearest[o] = self.site_tree.nearest_neighbor_iter_with_distance_2(&[p.x, p.y]).take(k).map(|(e, d2)| (d2.sqrt(), e.data)).collect();
    }

    /// Apply one edit; returns the position of the site it added or changed.
    pub fn apply(&mut self, edit: ServiceEdit) -> Result<usize, GapError> {
        let unknown = |s: usize| GapError::BadParameter {
            name: "service".into(),
            value: s.to_string(),
            reason: "no open site has this position".into(),
        };
        let s = match edit {
            ServiceEdit::Add { bng, capacity } => {
                if !(bng.x.is_finite() && bng.y.is_finite()) {
                    return Err(GapError::BadParameter { name: "point".into(), value: format!("{bng:?}"), reason: "coordinates must be finite".into() });
                }
                let s = self.sites.len();
                self.sites.push(Site { bng, supply: supply_of(capacity), open: true, pairs: Vec::new(), ratio: 0.0 });
                self.open_at(s);
                s
            }
            ServiceEdit::Move { service, bng } => {
                if !self.is_open(service) {
                    return Err(unknown(service));
                }
                if !(bng.x.is_finite() && bng.y.is_finite()) {
                    return Err(GapError::BadParameter { name: "point".into(), value: format!("{bng:?}"), reason: "coordinates must be finite".into() });
                }
                self.close_at(service);
                self.sites[service].bng = bng;
                self.sites[service].open = true;
                self.open_at(service);
                service
            }
            ServiceEdit::Close { service } => {
                if !self.is_open(service) {
                    return Err(unknown(service));
                }
                self.close_at(service);
                service
            }
        };
        self.finish();
        Ok(s)
    }

    fn open_at(&mut self, s: usize) {
        let c = self.sites[s].bng;
        self.site_tree.insert(GeomWithData::new([c.x, c.y], s));
        self.catch(s);
        let touched: Vec<u32> = self.sites[s].pairs.iter().map(|p| p.0).collect();
        for o in touched {
            self.refresh_access(o as usize);
        }
        let k = self.query.k.max(1);
        for o in 0..self.origin_pts.len() {
            let p = self.origin_pts[o];
            let (dx, dy) = (p.x - c.x, p.y - c.y);
            let d = (dx * dx + dy * dy).sqrt();
            let list = &mut self.nearest[o];
            if list.len() < k || list.last().is_some_and(|l| d < l.0) {
                let at = list.partition_point(|l| l.0 <= d);
                list.insert(at, (d, s));
                list.truncate(k);
            }
        }
    }

    fn close_at(&mut self, s: usize) {
        let c = self.sites[s].bng;
        self.site_tree.remove(&GeomWithData::new([c.x, c.y], s));
        self.sites[s].open = false;
        self.sites[s].ratio = 0.0;
        for o in self.uncatch(s) {
            self.refresh_access(o as usize);
        }
        for o in 0..self.origin_pts.len() {
            if self.nearest[o].iter().any(|l| l.1 == s) {
                self.refresh_nearest(o);
            }
        }
    }

    /// Recompute what depends on every origin: rows, district, classes, ranks.
    fn finish(&mut self) {
        let q = &self.query;
        let n = self.origin_pts.len();
        let k = q.k.max(1);
        let nearest_m: Vec<Option<f64>> = self.nearest.iter().map(|l| l.first().map(|f| f.0)).collect();
        let kth_m: Vec<Option<f64>> = self.nearest.iter().map(|l| l.get(k - 1).map(|f| f.0)).collect();
        let nearest_min: Vec<Option<f64>> = nearest_m.iter().map(|d| d.map(|d| self.minutes(d))).collect();
        let access: Vec<Option<f64>> = match q.method {
            Method::Nearest => nearest_min.iter().map(|m| m.map(|m| -m)).collect(),
            _ => self.access.iter().map(|a| Some(*a)).collect(),
        };
        let rule = match (q.method, self.unmet_minutes) {
            (Method::Nearest, Some(minutes)) => UnmetRule::Beyond { minutes },
            (Method::Nearest, None) => UnmetRule::Beyond { minutes: q.unmet_minutes.unwrap_or(super::default_unmet_minutes(q.travel)) },
            _ => UnmetRule::Shortfall { district_access: district_access(&access, &self.demand) },
        };
        let unmet: Vec<Option<f64>> = (0..n).map(|o| self.in_need[o].and_then(|p| rule.unmet(p, nearest_min[o], access[o]))).collect();
        let covered: Vec<Vec<bool>> = (0..n).map(|o| q.thresholds.covered(nearest_m[o], nearest_min[o])).collect();
        let nt = q.thresholds.len();
        let t = &mut self.table;
        t.services = self.sites.iter().filter(|s| s.open).count();
        t.services_without_capacity = self.sites.iter().filter(|s| s.open && s.supply == 0.0).count();
        for o in 0..n {
            let r = &mut t.rows[o];
            r.nearest_m = nearest_m[o];
            r.nearest_min = nearest_min[o];
            r.kth_m = kth_m[o];
            r.kth_min = kth_m[o].map(|d| self.ctx_travel.minutes(q.travel, d));
            r.coverage = covered[o].iter().map(|c| Some(if *c { 1.0 } else { 0.0 })).collect();
            if q.method != Method::Nearest {
                r.access = access[o];
            }
            r.unmet_need = unmet[o];
            r.unmet_need_per_1k = r.unmet_need.filter(|_| r.population > 0.0).map(|u| u / r.population * 1000.0);
        }
        let sum_known = |v: &[Option<f64>]| -> Option<f64> {
            let known: Vec<f64> = v.iter().flatten().copied().collect();
            (!known.is_empty()).then(|| known.iter().sum())
        };
        t.district.coverage = shares(&covered, &self.demand, nt);
        t.district.coverage_children = shares(&covered, &self.child_pop, nt);
        t.district.curve = coverage_curve(&nearest_m, &self.demand, 100.0);
        if t.district.rule.is_some() {
            t.district.unmet_need = sum_known(&unmet);
            t.district.rule = Some(rule);
        }
        let pops: Vec<f64> = t.rows.iter().map(|r| r.population).collect();
        let row_need: Vec<Option<f64>> = t.rows.iter().map(|r| r.in_need).collect();
        let codes: Vec<&str> = t.rows.iter().map(|r| r.code.as_str()).collect();
        let g = gap_index(&unmet, &row_need, &access, &pops, &codes);
        for (i, r) in t.rows.iter_mut().enumerate() {
            r.gap_class = g.class[i];
            r.gap_rank = g.rank[i];
        }
    }
}
