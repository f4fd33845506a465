//! Write a synthetic dataset shaped like a district pack (`make bench-scale`).
//!
//! ```text
//! cargo run --release --example synth -- SIZE OUT_DIR [--seed N] [--oas]
//! ```
//! SIZE is one of 1x, 4x, 16x, 64x (multiples of a 310-LSOA district) or
//! england (33,000 LSOAs, 7,000 wards, 530 constituencies, 30,000 services).
//! `--oas` adds about 5 output areas nested in each LSOA. The same size and
//! seed always write the same files. See `generate.rs` for the shapes.

mod generate;

use std::path::PathBuf;
use std::process::ExitCode;

fn usage() -> String {
    format!("usage: synth SIZE OUT_DIR [--seed N] [--oas]   (SIZE: {})", generate::SIZES.join(", "))
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let (mut size, mut out, mut seed, mut oas) = (None, None, 1u64, false);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--seed" => match args.next().and_then(|s| s.parse().ok()) {
                Some(s) => seed = s,
                None => {
                    eprintln!("--seed needs a whole number\n{}", usage());
                    return ExitCode::from(2);
                }
            },
            "--oas" => oas = true,
            "-h" | "--help" => {
                println!("{}", usage());
                return ExitCode::SUCCESS;
            }
            _ if size.is_none() => size = Some(a),
            _ if out.is_none() => out = Some(PathBuf::from(a)),
            _ => {
                eprintln!("unexpected argument `{a}`\n{}", usage());
                return ExitCode::from(2);
            }
        }
    }
    let (Some(size), Some(out)) = (size, out) else {
        eprintln!("{}", usage());
        return ExitCode::from(2);
    };
    let Some(spec) = generate::size(&size) else {
        eprintln!("unknown size `{size}`\n{}", usage());
        return ExitCode::from(2);
    };
    let clock = std::time::Instant::now();
    match generate::generate(&out, &spec, seed, oas) {
        Ok(s) => {
            println!(
                "{}: {} constituencies, {} wards, {} LSOAs, {} OAs, {} services, population {} -> {} ({:.1} s)",
                spec.name,
                s.constituencies,
                s.wards,
                s.lsoas,
                s.oas,
                s.services,
                s.total_population,
                out.display(),
                clock.elapsed().as_secs_f64()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("cannot write {}: {e}", out.display());
            ExitCode::FAILURE
        }
    }
}
