//! Build script: turns on `cfg(needmap_gaps)` when the `gaps` module is part
//! of this source tree, so that the CLI's `--gap` / `--method` options use it
//! and otherwise say that gap scores are not available in this build.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(needmap_gaps)");
    println!("cargo::rerun-if-changed=src");
    if std::path::Path::new("src/gaps/mod.rs").is_file() {
        println!("cargo::rustc-cfg=needmap_gaps");
    }
}
