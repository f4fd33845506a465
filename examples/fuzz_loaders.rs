//! Bounded mutation fuzzer for the loaders (`make fuzz`; not part of `make test`).
//!
//! Copies a real data pack and its manifest into a temporary folder, then
//! again and again mutates one input file (GeoJSON, CSV, TOML or a
//! Shapefile part), runs `needmap check --data <copy>` on it with a time
//! limit, and puts the file back. A panic (exit code 101 or "panicked at"),
//! a death by signal, or a run over the time limit is a failure: the mutated
//! file and the run's output are saved as a reproducer, and the fuzzer exits
//! non-zero at the end. Refusing a bad file (exit code 1) is the expected
//! outcome, not a failure.
//!
//! Environment: `FUZZ_SECONDS` (total time, default 600), `FUZZ_TIMEOUT`
//! (seconds per input, default 30), `FUZZ_SEED`, `FUZZ_DATA` (the pack,
//! default ../shared/geodata/bradford), `FUZZ_MANIFEST` (default
//! geodata/bradford/dataset.toml), `FUZZ_OUT` (reproducers, default
//! target/fuzz-reproducers) and `NEEDMAP_BIN` (the binary to run).

use std::io::Read;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// xorshift64*: enough randomness for mutations, reproducible from a seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Values that have broken loaders before, or could.
const TOKENS: &[&str] = &[
    "-1", "0", "-0", "1e308", "-1e308", "NaN", "inf", "1.5", "11", "-1500", "99999999999", "", "[]", "[-1.7]",
    "[[]]", "null", "\"\"", "{}", ",", ",,", "\n", "\r\n", "\"", "\u{feff}", "\u{0}", "é", "\\u0000", "true",
    "[0,0]", "[1e308,1e308]", "[416258,438952]", "aliens", "..", "../x", "/dev/zero", "E01010568", "[[[0,0],[1,0],[0,0]]]",
];

fn mutate(bytes: &[u8], rng: &mut Rng) -> (Vec<u8>, String) {
    let mut b = bytes.to_vec();
    let len = b.len().max(1);
    let op = rng.below(9);
    let what = match op {
        0 => {
            let n = 1 + rng.below(8);
            for _ in 0..n {
                let i = rng.below(len).min(b.len().saturating_sub(1));
                if !b.is_empty() {
                    b[i] ^= 1 << rng.below(8);
                }
            }
            format!("flip {n} bit(s)")
        }
        1 => {
            let at = rng.below(len);
            let n = 1 + rng.below(64.min(len));
            let end = (at + n).min(b.len());
            b.drain(at.min(end)..end);
            format!("delete {n} byte(s) at {at}")
        }
        2 => {
            let at = rng.below(len).min(b.len());
            let n = 1 + rng.below(256.min(len));
            let end = (at + n).min(b.len());
            let chunk = b[at..end].to_vec();
            let to = rng.below(b.len() + 1);
            b.splice(to..to, chunk);
            format!("duplicate {n} byte(s) from {at} to {to}")
        }
        3 => {
            let t = rng.pick(TOKENS);
            let at = rng.below(b.len() + 1);
            b.splice(at..at, t.bytes());
            format!("insert {t:?} at {at}")
        }
        4 | 5 => {
            // Replace one number (a run of digits, signs, dots, e) with a token.
            let starts: Vec<usize> = (0..b.len())
                .filter(|&i| b[i].is_ascii_digit() && (i == 0 || !b[i - 1].is_ascii_digit() && b[i - 1] != b'.'))
                .collect();
            if starts.is_empty() {
                return mutate(bytes, rng);
            }
            let s = *rng.pick(&starts);
            let mut e = s;
            while e < b.len() && (b[e].is_ascii_digit() || b"+-.eE".contains(&b[e])) {
                e += 1;
            }
            let t = rng.pick(TOKENS);
            b.splice(s..e, t.bytes());
            format!("replace number at {s} with {t:?}")
        }
        6 => {
            let at = rng.below(len);
            b.truncate(at);
            format!("truncate at {at}")
        }
        7 => {
            // Swap two lines (rows of a CSV, lines of a manifest).
            let mut lines: Vec<&[u8]> = bytes.split(|&c| c == b'\n').collect();
            if lines.len() < 3 {
                return mutate(bytes, rng);
            }
            let (i, j) = (rng.below(lines.len()), rng.below(lines.len()));
            lines.swap(i, j);
            b = lines.join(&b'\n');
            format!("swap lines {i} and {j}")
        }
        _ => {
            // Replace a quoted string with a token (ids, file names, TOML values).
            let quotes: Vec<usize> = (0..b.len()).filter(|&i| b[i] == b'"').collect();
            if quotes.len() < 2 {
                return mutate(bytes, rng);
            }
            let k = rng.below(quotes.len() - 1);
            let (s, e) = (quotes[k] + 1, quotes[k + 1]);
            let t = rng.pick(TOKENS);
            b.splice(s..e, t.bytes());
            format!("replace string at {s} with {t:?}")
        }
    };
    (b, what)
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

enum Outcome {
    Fine(i32),
    Panic,
    Signal(i32),
    Hang,
}

fn run(bin: &Path, data: &Path, timeout: Duration) -> (Outcome, String) {
    let mut child = match Command::new(bin)
        // The loaders are under test, not the engine cache (each mutant would
        // otherwise be built and saved).
        .args(["check", "--no-cache", "--data"])
        .arg(data)
        .env("NEEDMAP_LOG", "off")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(c) => c,
        Err(e) => panic!("cannot run {}: {e}", bin.display()),
    };
    // Drain the pipes on threads so a chatty child cannot block.
    let mut out = child.stdout.take().expect("piped");
    let mut err = child.stderr.take().expect("piped");
    let out_t = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let err_t = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let start = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break Some(s),
            Ok(None) if start.elapsed() > timeout => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(_) => break None,
        }
    };
    let text = format!("{}\n--- stderr ---\n{}", out_t.join().unwrap_or_default(), err_t.join().unwrap_or_default());
    let outcome = match status {
        None => Outcome::Hang,
        Some(s) if s.code() == Some(101) || text.contains("panicked at") => Outcome::Panic,
        Some(s) => match (s.code(), s.signal()) {
            (Some(c), _) => Outcome::Fine(c),
            (None, Some(sig)) => Outcome::Signal(sig),
            (None, None) => Outcome::Signal(-1),
        },
    };
    (outcome, text)
}

fn main() {
    let seconds: u64 = env_or("FUZZ_SECONDS", 600);
    let timeout = Duration::from_secs(env_or("FUZZ_TIMEOUT", 30));
    let seed: u64 = env_or("FUZZ_SEED", std::process::id() as u64 ^ 0x9E37_79B9_7F4A_7C15);
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let pack = PathBuf::from(env_or("FUZZ_DATA", root.join("../shared/geodata/bradford").display().to_string()));
    let manifest = PathBuf::from(env_or("FUZZ_MANIFEST", root.join("geodata/bradford/dataset.toml").display().to_string()));
    let out_dir = PathBuf::from(env_or("FUZZ_OUT", root.join("target/fuzz-reproducers").display().to_string()));
    let bin = PathBuf::from(std::env::var("NEEDMAP_BIN").expect("set NEEDMAP_BIN to the needmap binary"));

    let work = tempfile::tempdir().expect("temp dir");
    let data = work.path().join("pack");
    std::fs::create_dir(&data).expect("pack dir");
    for entry in std::fs::read_dir(&pack).expect("read the data pack") {
        let p = entry.expect("entry").path();
        if p.is_file() {
            std::fs::copy(&p, data.join(p.file_name().expect("name"))).expect("copy pack file");
        }
    }
    let manifest_text = std::fs::read_to_string(&manifest).expect("read manifest");
    // Shapefile parts are only read when a level uses them: a second manifest
    // points the LSOA level at the Shapefile.
    let shp_manifest = manifest_text.replacen("file = \"lsoa.geojson\"", "file = \"lsoa_bng.shp\"", 1);
    let targets: Vec<(&str, bool)> = [
        ("dataset.toml", false),
        ("wards.geojson", false),
        ("lsoa.geojson", false),
        ("oa.geojson", false),
        ("msoa.geojson", false),
        ("constituencies.geojson", false),
        ("imd2019_lsoa.csv", false),
        ("constituency_indicators_2017.csv", false),
        ("services.csv", false),
        ("schools_bng.csv", false),
        ("lsoa_centroids.csv", false),
        ("travel_time_lsoa_to_stroke_units.csv", false),
        ("stroke_units.csv", false),
        ("lsoa_bng.shp", true),
        ("lsoa_bng.dbf", true),
        ("lsoa_bng.shx", true),
    ]
    .into_iter()
    .filter(|(f, _)| *f == "dataset.toml" || data.join(f).exists())
    .collect();

    println!("fuzzing {} for {seconds} s (seed {seed}, {} s per input); reproducers go to {}", pack.display(), timeout.as_secs(), out_dir.display());
    let mut rng = Rng(seed.max(1));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let (mut runs, mut refused, mut failures) = (0usize, 0usize, 0usize);
    while Instant::now() < deadline {
        let (target, shp) = *rng.pick(&targets);
        let base_manifest = if shp { &shp_manifest } else { &manifest_text };
        std::fs::write(data.join("dataset.toml"), base_manifest).expect("write manifest");
        let original = if target == "dataset.toml" { base_manifest.as_bytes().to_vec() } else { std::fs::read(data.join(target)).expect("read target") };
        // One to three stacked mutations.
        let (mut bytes, mut what) = (original.clone(), Vec::new());
        for _ in 0..1 + rng.below(3) {
            let (b, w) = mutate(&bytes, &mut rng);
            bytes = b;
            what.push(w);
        }
        std::fs::write(data.join(target), &bytes).expect("write mutation");
        let (outcome, text) = run(&bin, &data, timeout);
        runs += 1;
        let failure = match outcome {
            Outcome::Fine(0) => None,
            Outcome::Fine(_) => {
                refused += 1;
                None
            }
            Outcome::Panic => Some("panic".to_string()),
            Outcome::Signal(s) => Some(format!("signal {s}")),
            Outcome::Hang => Some(format!("no answer in {} s", timeout.as_secs())),
        };
        if let Some(kind) = failure {
            failures += 1;
            let dir = out_dir.join(format!("{seed}-{runs}"));
            std::fs::create_dir_all(&dir).expect("reproducer dir");
            std::fs::write(dir.join(target), &bytes).expect("save reproducer");
            if shp {
                std::fs::write(dir.join("dataset.toml"), base_manifest).expect("save manifest");
            }
            std::fs::write(dir.join("README.txt"), format!("{kind} after mutating {target}: {}\n\n{text}", what.join("; "))).expect("save notes");
            println!("FAILURE {kind}: {target} ({}) -> {}", what.join("; "), dir.display());
        }
        std::fs::write(data.join(target), &original).expect("restore");
        if runs % 100 == 0 {
            println!("  {runs} inputs, {refused} refused with a message, {failures} failure(s)");
        }
    }
    println!("fuzz: {runs} inputs run, {refused} refused with a message, {} loaded, {failures} failure(s) (panic, signal or hang)", runs - refused - failures);
    if failures > 0 {
        std::process::exit(1);
    }
}
