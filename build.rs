//! Build script: a hash of the library's source, `Cargo.toml` and
//! `Cargo.lock`, exported as `NEEDMAP_SOURCE_HASH`.
//!
//! It keys the built-engine cache (`src/engine/cache.rs`) together with the
//! package version, so a binary built from other code (another branch, a
//! changed overlay or apportioning rule, another dependency version) never
//! loads an engine that this code did not build.

use std::path::{Path, PathBuf};

fn main() {
    let root = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let mut files = vec![root.join("Cargo.toml"), root.join("Cargo.lock")];
    collect(&root.join("src"), &mut files);
    files.sort();
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    for file in &files {
        let relative = file.strip_prefix(&root).unwrap_or(file);
        let name = relative.to_string_lossy();
        hasher.update(&(name.len() as u64).to_le_bytes());
        hasher.update(name.as_bytes());
        // A missing Cargo.lock (a fresh checkout before the first build) hashes as empty.
        let bytes = std::fs::read(file).unwrap_or_default();
        hasher.update(&(bytes.len() as u64).to_le_bytes());
        hasher.update(&bytes);
    }
    println!("cargo:rustc-env=NEEDMAP_SOURCE_HASH={:032x}", hasher.digest128());
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=Cargo.toml");
    println!("cargo:rerun-if-changed=Cargo.lock");
    println!("cargo:rerun-if-changed=build.rs");
}

/// Every file under `dir`, recursively.
fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, out);
        } else {
            out.push(path);
        }
    }
}
