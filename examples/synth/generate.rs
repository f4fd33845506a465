//! A synthetic dataset shaped like a district pack, deterministic from a seed.
//!
//! Shared by `examples/synth` (the command) and the integration test
//! `tests/it/synthetic.rs`, which includes this file with `#[path]`.
//!
//! The shapes:
//! - a fine jittered grid whose cells are the output areas (OAs); LSOAs are
//!   rectangular blocks of 2 x 2 or 2 x 3 fine cells (about 5 OAs each), so
//!   OAs nest exactly in LSOAs;
//! - a separate, coarser jittered grid for wards, so wards do not nest in
//!   LSOAs; constituencies are rectangular blocks of whole wards;
//! - every inner edge of a grid is subdivided into a wiggly line made from a
//!   hash of the edge, so the two cells beside it use the very same vertices
//!   (boundaries are shared exactly); the outer edges are straight, so every
//!   level covers the same rectangle;
//! - services in the categories of the district manifest, LSOA indicators
//!   (IMD-like score and decile, populations) with a smooth spatial trend.
//!
//! Boundaries are written as CRS84 GeoJSON and services as CRS84 and British
//! National Grid CSVs, like the real pack, so loading exercises both transforms.

use std::fmt::Write as _;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use geo::Coord;

/// How many areas and services one size has.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SizeSpec {
    /// Name as given on the command line (`1x`, `4x`, `16x`, `64x`, `england`).
    pub name: &'static str,
    /// About this many LSOAs.
    pub lsoas: usize,
    /// About this many wards.
    pub wards: usize,
    /// About this many constituencies.
    pub constituencies: usize,
    /// Exactly this many services.
    pub services: usize,
    /// Extent in BNG metres: (min x, min y, max x, max y).
    pub extent: (f64, f64, f64, f64),
}

/// District-sized multiples (1x is shaped like the real district: 310 LSOAs,
/// 30 wards, 5 constituencies, about 1,000 services) and England.
pub fn size(name: &str) -> Option<SizeSpec> {
    let multiple = |name: &'static str, k: usize| {
        // 1.18 km² per LSOA, 1.25 : 1 wide, centred on a northern district.
        let area = k as f64 * 310.0 * 1.18e6;
        let (w, h) = ((area * 1.25).sqrt(), (area / 1.25).sqrt());
        let (cx, cy) = (414_000.0, 437_000.0);
        SizeSpec {
            name,
            lsoas: 310 * k,
            wards: 30 * k,
            constituencies: 5 * k,
            services: 1000 * k,
            extent: (cx - w / 2.0, cy - h / 2.0, cx + w / 2.0, cy + h / 2.0),
        }
    };
    Some(match name {
        "1x" => multiple("1x", 1),
        "4x" => multiple("4x", 4),
        "16x" => multiple("16x", 16),
        "64x" => multiple("64x", 64),
        // England: about 130,000 km² of British National Grid.
        "england" => SizeSpec {
            name: "england",
            lsoas: 33_000,
            wards: 7_000,
            constituencies: 530,
            services: 30_000,
            extent: (180_000.0, 90_000.0, 600_000.0, 400_000.0),
        },
        _ => return None,
    })
}

/// Every size name [`size`] knows, smallest first.
pub const SIZES: [&str; 5] = ["1x", "4x", "16x", "64x", "england"];

/// What was written.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Summary {
    pub constituencies: usize,
    pub wards: usize,
    pub lsoas: usize,
    /// Output areas written (0 without `--oas`).
    pub oas: usize,
    pub services: usize,
    /// Sum of the LSOA total populations.
    pub total_population: f64,
    /// Sum of the LSOA child populations.
    pub child_population: f64,
}

/// SplitMix64: a tiny generator that gives the same numbers on every
/// platform and crate version, so a seed always makes the same dataset.
struct Random(u64);

impl Random {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix(self.0)
    }
    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Uniform in [a, b).
    fn range(&mut self, a: f64, b: f64) -> f64 {
        a + (b - a) * self.unit()
    }
}

fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A number in [-1, 1) from a hash of its inputs.
fn hashed(seed: u64, a: u64, b: u64) -> f64 {
    let h = mix(seed ^ mix(a.wrapping_mul(0x1000_0000_01B3) ^ mix(b)));
    (h >> 11) as f64 / (1u64 << 52) as f64 - 1.0
}

/// A jittered grid of `nx` x `ny` cells over a rectangle whose inner edges
/// are wiggly lines of `points` extra vertices, the same for both cells.
struct Grid {
    nx: usize,
    ny: usize,
    vertices: Vec<Coord<f64>>,
    points: usize,
    seed: u64,
    /// Points on the outline of the extent that every grid's outer edges pass
    /// through (the outline vertices of all grids), so that the levels share
    /// their outer boundary vertex for vertex.
    stops: Vec<Coord<f64>>,
}

impl Grid {
    fn new(nx: usize, ny: usize, extent: (f64, f64, f64, f64), points: usize, rng: &mut Random) -> Grid {
        let (x0, y0, x1, y1) = extent;
        let (cw, ch) = ((x1 - x0) / nx as f64, (y1 - y0) / ny as f64);
        let mut vertices = Vec::with_capacity((nx + 1) * (ny + 1));
        for j in 0..=ny {
            for i in 0..=nx {
                // Jitter a quarter cell; vertices on the outer edge slide along it only.
                let dx = if i == 0 || i == nx { 0.0 } else { rng.range(-0.25, 0.25) * cw };
                let dy = if j == 0 || j == ny { 0.0 } else { rng.range(-0.25, 0.25) * ch };
                // Exactly on the extent's sides, so that every grid has the same outline.
                let x = match i { 0 => x0, _ if i == nx => x1, _ => x0 + i as f64 * cw + dx };
                let y = match j { 0 => y0, _ if j == ny => y1, _ => y0 + j as f64 * ch + dy };
                vertices.push(Coord { x, y });
            }
        }
        Grid { nx, ny, vertices, points, seed: rng.next_u64(), stops: Vec::new() }
    }

    /// The vertices of this grid on the outline of the extent.
    fn outline_vertices(&self) -> impl Iterator<Item = Coord<f64>> + '_ {
        self.vertices.iter().enumerate().filter_map(|(k, c)| {
            let (i, j) = (k % (self.nx + 1), k / (self.nx + 1));
            (i == 0 || i == self.nx || j == 0 || j == self.ny).then_some(*c)
        })
    }

    fn id(&self, i: usize, j: usize) -> usize {
        j * (self.nx + 1) + i
    }

    fn on_outer_edge(&self, a: (usize, usize), b: (usize, usize)) -> bool {
        (a.0 == b.0 && (a.0 == 0 || a.0 == self.nx)) || (a.1 == b.1 && (a.1 == 0 || a.1 == self.ny))
    }

    /// The vertices of the unit edge from grid vertex `a` to its neighbour `b`:
    /// `a` and the inner points, not `b`. Built in one canonical direction
    /// and reversed, so both cells beside an edge get identical coordinates.
    fn push_edge(&self, a: (usize, usize), b: (usize, usize), out: &mut Vec<Coord<f64>>) {
        let (ia, ib) = (self.id(a.0, a.1), self.id(b.0, b.1));
        out.push(self.vertices[ia]);
        if self.on_outer_edge(a, b) {
            let (p, q) = (self.vertices[ia], self.vertices[ib]);
            let along = |c: &Coord<f64>| if p.x == q.x { c.y } else { c.x };
            let (lo, hi) = (along(&p).min(along(&q)), along(&p).max(along(&q)));
            let mut between: Vec<Coord<f64>> = self
                .stops
                .iter()
                .filter(|c| if p.x == q.x { c.x == p.x } else { c.y == p.y })
                .filter(|c| along(c) > lo && along(c) < hi)
                .copied()
                .collect();
            between.sort_by(|u, v| along(u).total_cmp(&along(v)));
            if along(&p) > along(&q) {
                between.reverse();
            }
            out.extend(between);
            return;
        }
        let (lo, hi) = (ia.min(ib), ia.max(ib));
        let (p, q) = (self.vertices[lo], self.vertices[hi]);
        let (dx, dy) = (q.x - p.x, q.y - p.y);
        let len = dx.hypot(dy);
        let (nx, ny) = (-dy / len, dx / len);
        let edge = (lo as u64) << 32 | hi as u64;
        let inner: Vec<Coord<f64>> = (1..=self.points)
            .map(|k| {
                let t = (k as f64 + 0.3 * hashed(self.seed, edge, 2 * k as u64)) / (self.points + 1) as f64;
                let off = 0.035 * len * (std::f64::consts::PI * t).sin() * hashed(self.seed, edge, 2 * k as u64 + 1);
                Coord { x: p.x + dx * t + nx * off, y: p.y + dy * t + ny * off }
            })
            .collect();
        if ia == lo {
            out.extend(inner);
        } else {
            out.extend(inner.into_iter().rev());
        }
    }

    /// The closed, counter-clockwise ring around the block of cells
    /// `[i0, i1) x [j0, j1)`.
    fn block_ring(&self, i0: usize, i1: usize, j0: usize, j1: usize) -> Vec<Coord<f64>> {
        let mut ring = Vec::new();
        for i in i0..i1 {
            self.push_edge((i, j0), (i + 1, j0), &mut ring);
        }
        for j in j0..j1 {
            self.push_edge((i1, j), (i1, j + 1), &mut ring);
        }
        for i in (i0 + 1..=i1).rev() {
            self.push_edge((i, j1), (i - 1, j1), &mut ring);
        }
        for j in (j0 + 1..=j1).rev() {
            self.push_edge((i0, j), (i0, j - 1), &mut ring);
        }
        ring.push(ring[0]);
        ring
    }
}

/// A grid of about `n` cells over `extent` with cells about square.
fn grid_shape(n: usize, extent: (f64, f64, f64, f64)) -> (usize, usize) {
    let aspect = (extent.2 - extent.0) / (extent.3 - extent.1);
    let nx = ((n as f64 * aspect).sqrt().round() as usize).max(1);
    let ny = ((n as f64 / nx as f64).round() as usize).max(1);
    (nx, ny)
}

/// Cut `0..n` into runs of the given lengths, chosen at random from `lengths`.
fn runs(n: usize, lengths: &[usize], rng: &mut Random) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    while start < n {
        let len = lengths[(rng.next_u64() % lengths.len() as u64) as usize].min(n - start);
        out.push((start, start + len));
        start += len;
    }
    out
}

/// One area to write: code, name, ring in BNG.
struct Feature {
    code: String,
    name: String,
    ring: Vec<Coord<f64>>,
}

/// A smooth deprivation trend over the extent, in [0, 1].
fn trend(c: Coord<f64>, seed: u64) -> f64 {
    let phase = |k: u64| hashed(seed, 77, k) * std::f64::consts::PI;
    let (x, y) = (c.x / 1000.0, c.y / 1000.0);
    let v = (x / 7.0 + phase(1)).sin() * (y / 9.0 + phase(2)).cos()
        + 0.6 * (x / 3.1 + y / 4.3 + phase(3)).sin()
        + 0.4 * (x / 23.0 - y / 17.0 + phase(4)).cos();
    ((v / 2.0) + 0.5).clamp(0.0, 1.0)
}

/// Write the dataset into `dir` (created if missing): boundaries, indicator
/// table, service files and `dataset.toml`.
pub fn generate(dir: &Path, spec: &SizeSpec, seed: u64, with_oas: bool) -> io::Result<Summary> {
    std::fs::create_dir_all(dir)?;
    let mut rng = Random(seed ^ 0x005E_ED0F_DA7A);
    let to_wgs84 = needmap::crs::Transform::new(needmap::crs::BNG, needmap::crs::WGS84)
        .map_err(|e| io::Error::other(e.to_string()))?;
    let mut summary = Summary::default();

    // Fine grid (OAs) and LSOA blocks of 2 columns x 2 or 3 rows.
    let (fx, fy) = grid_shape(spec.lsoas * 5, spec.extent);
    let fine = Grid::new(fx, fy, spec.extent, 8, &mut rng);
    let (wx, wy) = grid_shape(spec.wards, spec.extent);
    let mut wards_grid = Grid::new(wx, wy, spec.extent, 30, &mut rng);
    let mut fine = fine;
    let stops: Vec<Coord<f64>> = fine.outline_vertices().chain(wards_grid.outline_vertices()).collect();
    fine.stops = stops.clone();
    wards_grid.stops = stops;
    let mut lsoas = Vec::new();
    let mut oas = Vec::new();
    for (c0, c1) in runs(fx, &[2], &mut rng) {
        for (r0, r1) in runs(fy, &[2, 3], &mut rng) {
            let l = lsoas.len() + 1;
            let code = format!("L{l:07}");
            lsoas.push(Feature { name: format!("Synthetic LSOA {l}"), ring: fine.block_ring(c0, c1, r0, r1), code: code.clone() });
            if with_oas {
                for j in r0..r1 {
                    for i in c0..c1 {
                        let o = oas.len() + 1;
                        oas.push(Feature { code: format!("O{o:08}"), name: String::new(), ring: fine.block_ring(i, i + 1, j, j + 1) });
                    }
                }
            }
        }
    }

    // Ward grid, and constituencies as blocks of whole wards.
    let per = (wx * wy) as f64 / spec.constituencies as f64;
    let bw = (per.sqrt().round() as usize).clamp(1, wx);
    let bh = ((per / bw as f64).round() as usize).clamp(1, wy);
    let mut wards = Vec::new();
    let mut constituencies = Vec::new();
    for (bj, j0) in (0..wy).step_by(bh).enumerate() {
        for (bi, i0) in (0..wx).step_by(bw).enumerate() {
            let (i1, j1) = ((i0 + bw).min(wx), (j0 + bh).min(wy));
            let c = constituencies.len() + 1;
            constituencies.push(Feature { code: format!("C{c:05}"), name: format!("Synthetic Constituency {c} ({bi},{bj})"), ring: wards_grid.block_ring(i0, i1, j0, j1) });
            for j in j0..j1 {
                for i in i0..i1 {
                    let w = wards.len() + 1;
                    let code = format!("W{w:06}");
                    wards.push(Feature { code, name: format!("Synthetic Ward {w}"), ring: wards_grid.block_ring(i, i + 1, j, j + 1) });
                }
            }
        }
    }

    write_geojson(&dir.join("constituencies.geojson"), &constituencies, &to_wgs84)?;
    write_geojson(&dir.join("wards.geojson"), &wards, &to_wgs84)?;
    write_geojson(&dir.join("lsoa.geojson"), &lsoas, &to_wgs84)?;
    if with_oas {
        write_geojson(&dir.join("oa.geojson"), &oas, &to_wgs84)?;
    }
    summary.constituencies = constituencies.len();
    summary.wards = wards.len();
    summary.lsoas = lsoas.len();
    summary.oas = oas.len();

    // LSOA indicators: populations and an IMD-like score with a smooth trend.
    let trend_seed = rng.next_u64();
    struct Row {
        code: String,
        total: u32,
        children: u32,
        older: u32,
        working: u32,
        score: f64,
        income_pct: f64,
    }
    let mut rows: Vec<Row> = lsoas
        .iter()
        .map(|l| {
            let centre = ring_centre(&l.ring);
            let d = (0.75 * trend(centre, trend_seed) + 0.25 * rng.unit()).clamp(0.0, 1.0);
            let total = rng.range(1000.0, 2600.0).round() as u32;
            let children = (total as f64 * rng.range(0.14, 0.22 + 0.12 * d)).round() as u32;
            let older = (total as f64 * rng.range(0.10, 0.30 - 0.08 * d)).round() as u32;
            Row {
                code: l.code.clone(),
                total,
                children,
                older,
                working: total - children - older,
                score: (2.0 + 75.0 * d * d + rng.range(0.0, 3.0)).min(92.0),
                income_pct: (2.0 + 45.0 * d * d + rng.range(0.0, 2.0)).min(60.0),
            }
        })
        .collect();
    // Deciles: 1 = the most deprived tenth by score.
    let mut order: Vec<usize> = (0..rows.len()).collect();
    order.sort_by(|&a, &b| rows[b].score.total_cmp(&rows[a].score));
    let mut decile = vec![0u32; rows.len()];
    for (rank, &k) in order.iter().enumerate() {
        decile[k] = 1 + (rank * 10 / rows.len()) as u32;
    }
    {
        let mut w = BufWriter::new(std::fs::File::create(dir.join("imd_lsoa.csv"))?);
        writeln!(w, "lsoa_code,pop_total,pop_children,pop_60_plus,pop_working_age,imd_score,imd_decile,income_score_pct,children_income_deprived")?;
        for (r, d) in rows.iter_mut().zip(&decile) {
            let deprived_children = (r.children as f64 * (r.income_pct / 100.0) * 1.3).round();
            writeln!(
                w,
                "{},{},{},{},{},{:.3},{},{:.1},{}",
                r.code, r.total, r.children, r.older, r.working, r.score, d, r.income_pct, deprived_children
            )?;
            summary.total_population += r.total as f64;
            summary.child_population += r.children as f64;
        }
        w.flush()?;
    }

    // Services: schools in British National Grid, the rest in CRS84.
    let categories: [(&str, f64); 14] = [
        ("school", 0.18),
        ("early_years", 0.14),
        ("community_centre", 0.13),
        ("pharmacy", 0.10),
        ("gp", 0.08),
        ("warm_space", 0.08),
        ("dentist", 0.06),
        ("clinic_health_centre", 0.04),
        ("youth_service", 0.04),
        ("library", 0.03),
        ("social_facility", 0.03),
        ("family_hub", 0.04),
        ("college", 0.03),
        ("hospital", 0.02),
    ];
    let (x0, y0, x1, y1) = spec.extent;
    let mut bng = BufWriter::new(std::fs::File::create(dir.join("schools_bng.csv"))?);
    let mut lonlat = BufWriter::new(std::fs::File::create(dir.join("services.csv"))?);
    writeln!(bng, "id,name,category,subcategory,easting,northing")?;
    writeln!(lonlat, "id,name,category,subcategory,lon,lat")?;
    for k in 1..=spec.services {
        let mut pick = rng.unit();
        let category = categories
            .iter()
            .find(|(_, p)| {
                pick -= p;
                pick < 0.0
            })
            .map_or("school", |c| c.0);
        let p = Coord { x: rng.range(x0 + 20.0, x1 - 20.0), y: rng.range(y0 + 20.0, y1 - 20.0) };
        let name = format!("Synthetic {} {k}", category.replace('_', " "));
        if category == "school" {
            let sub = if rng.unit() < 0.8 { "primary" } else { "secondary" };
            writeln!(bng, "S{k:06},{name},{category},{sub},{:.1},{:.1}", p.x, p.y)?;
        } else {
            let w = to_wgs84.coord(p).map_err(|e| io::Error::other(e.to_string()))?;
            writeln!(lonlat, "S{k:06},{name},{category},,{:.6},{:.6}", w.x, w.y)?;
        }
    }
    bng.flush()?;
    lonlat.flush()?;
    summary.services = spec.services;

    std::fs::write(dir.join("dataset.toml"), manifest(spec, seed, with_oas))?;
    Ok(summary)
}

/// The mean of a ring's vertices (the closing vertex not counted twice).
fn ring_centre(ring: &[Coord<f64>]) -> Coord<f64> {
    let n = (ring.len() - 1) as f64;
    let (sx, sy) = ring[..ring.len() - 1].iter().fold((0.0, 0.0), |(sx, sy), c| (sx + c.x, sy + c.y));
    Coord { x: sx / n, y: sy / n }
}

/// Write features as a CRS84 GeoJSON FeatureCollection with `code` and
/// `name` properties, coordinates to 6 decimals as in published files.
fn write_geojson(path: &Path, features: &[Feature], to_wgs84: &needmap::crs::Transform) -> io::Result<()> {
    let mut w = BufWriter::new(std::fs::File::create(path)?);
    w.write_all(b"{\"type\":\"FeatureCollection\",\"features\":[\n")?;
    for (k, f) in features.iter().enumerate() {
        let mut line = geo::LineString(f.ring.clone());
        to_wgs84.geometry(&mut line).map_err(|e| io::Error::other(e.to_string()))?;
        let mut text = String::with_capacity(line.0.len() * 24 + 120);
        let _ = write!(
            text,
            "{}{{\"type\":\"Feature\",\"properties\":{{\"code\":\"{}\",\"name\":\"{}\"}},\"geometry\":{{\"type\":\"Polygon\",\"coordinates\":[[",
            if k == 0 { "" } else { ",\n" },
            f.code,
            f.name
        );
        for (i, c) in line.0.iter().enumerate() {
            let _ = write!(text, "{}[{:.6},{:.6}]", if i == 0 { "" } else { "," }, c.x, c.y);
        }
        text.push_str("]]}}");
        w.write_all(text.as_bytes())?;
    }
    w.write_all(b"\n]}\n")?;
    w.flush()
}

/// The manifest: levels, one LSOA indicator table, two service files, and
/// the district manifest's tiers and categories.
fn manifest(spec: &SizeSpec, seed: u64, with_oas: bool) -> String {
    let oa_level = if with_oas {
        "\n[[level]]\nid = \"oa\"\nlabel = \"Output Area (synthetic)\"\nfile = \"oa.geojson\"\nid_field = \"code\"\nparent = \"lsoa\"\n"
    } else {
        ""
    };
    let oa_file = if with_oas { ", \"oa.geojson\"" } else { "" };
    format!(
        r#"# Synthetic dataset made by `cargo run --release --example synth -- {name} --seed {seed}`.
# Shaped like a district pack; the areas, people and services are invented.

tier_note = "Illustrative tiers for a synthetic dataset."

[dataset]
name = "Synthetic {name} (seed {seed})"
description = "Synthetic dataset for scale tests: jittered-grid LSOAs, a separate ward grid, constituencies of whole wards."
total_population = "total"
child_population = "children"
need_indicator = "imd_decile"
child_need_indicator = "children_income_deprived"
equity_decile_indicator = "imd_decile"
need_caveat = "Synthetic data: invented people in invented neighbourhoods."

[[level]]
id = "constituency"
label = "Constituency (synthetic)"
file = "constituencies.geojson"
id_field = "code"
name_field = "name"

[[level]]
id = "ward"
label = "Ward (synthetic)"
file = "wards.geojson"
id_field = "code"
name_field = "name"
parent = "constituency"

[[level]]
id = "lsoa"
label = "LSOA (synthetic)"
file = "lsoa.geojson"
id_field = "code"
name_field = "name"
parent = "ward"
{oa_level}
[[indicator_table]]
file = "imd_lsoa.csv"
join_column = "lsoa_code"
level = "lsoa"
[indicator_table.populations]
total = "pop_total"
children = "pop_children"
age_60_plus = "pop_60_plus"
working_age = "pop_working_age"

[[indicator_table.indicator]]
id = "imd_score"
label = "IMD-like score"
unit = "score"
kind = "score"
direction = "higher_is_worse"

[[indicator_table.indicator]]
id = "imd_decile"
label = "IMD-like decile (1 = most deprived 10%)"
unit = "decile"
kind = "decile"
direction = "higher_is_better"

[[indicator_table.indicator]]
id = "income_score_pct"
label = "Income deprivation (% of people)"
unit = "%"
kind = "rate"
direction = "higher_is_worse"

[[indicator_table.indicator]]
id = "children_income_deprived"
label = "Children in income-deprived families"
unit = "children"
kind = "count"
direction = "higher_is_worse"
weight = "children"

[[service_file]]
file = "services.csv"
id_column = "id"
name_column = "name"
category_column = "category"
subcategory_column = "subcategory"
x_column = "lon"
y_column = "lat"
crs = "CRS84"

[[service_file]]
file = "schools_bng.csv"
id_column = "id"
name_column = "name"
category_column = "category"
subcategory_column = "subcategory"
x_column = "easting"
y_column = "northing"
crs = "EPSG:27700"

[tiers.0]
label = "Tier 0: community capacity"
[tiers.1]
label = "Tier 1: universal information and advice"
[tiers.2]
label = "Tier 2: targeted prevention (universal plus)"
[tiers.3]
label = "Tier 3: reducing established needs"
[tiers.acute]
label = "Acute"

[categories.community_centre]
label = "Community centre"
tier = "0"
[categories.warm_space]
label = "Warm space"
tier = "0"
[categories.library]
label = "Library"
tier = "1"
[categories.school]
label = "School"
tier = "1"
serves = "children"
[categories.early_years]
label = "Early years setting"
tier = "1"
serves = "children"
[categories.college]
label = "College"
tier = "1"
[categories.gp]
label = "GP surgery"
tier = "1"
[categories.pharmacy]
label = "Pharmacy"
tier = "1"
[categories.dentist]
label = "Dentist"
tier = "1"
[categories.clinic_health_centre]
label = "Clinic or health centre"
tier = "2"
[categories.social_facility]
label = "Social facility"
tier = "2"
[categories.family_hub]
label = "Family hub / children's centre"
tier = "2"
serves = "children"
[categories.youth_service]
label = "Youth service"
tier = "2"
serves = "children"
[categories.hospital]
label = "Hospital"
tier = "acute"

[[source]]
title = "Synthetic boundaries, indicators and services"
files = ["constituencies.geojson", "wards.geojson", "lsoa.geojson"{oa_file}, "imd_lsoa.csv", "services.csv", "schools_bng.csv"]
publisher = "needmap examples/synth"
licence = "Public domain (invented data)"
vintage = "synthetic, seed {seed}"
"#,
        name = spec.name,
    )
}
