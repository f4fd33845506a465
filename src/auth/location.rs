//! Where the accounts file is: `--accounts FILE`, else the manifest's
//! `[accounts] file` (relative to the data folder, or absolute), else
//! `<data dir>/accounts.sqlite`.

use std::path::{Path, PathBuf};

use crate::dataset::Manifest;

/// The default file name in the data folder.
pub const DEFAULT_FILE: &str = "accounts.sqlite";

/// How the accounts file was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountsOrigin {
    /// `--accounts FILE`.
    Flag,
    /// `[accounts] file` in the manifest.
    Manifest,
    /// `<data dir>/accounts.sqlite`.
    Default,
}

/// The accounts file and how it was chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountsLocation {
    pub path: PathBuf,
    pub origin: AccountsOrigin,
}

/// The accounts file for `given` (the flag), the manifest and the data folder.
pub fn accounts_file(given: Option<&Path>, data_dir: &Path, manifest: &Manifest) -> AccountsLocation {
    match (given, &manifest.accounts) {
        (Some(p), _) => AccountsLocation { path: p.to_path_buf(), origin: AccountsOrigin::Flag },
        (None, Some(spec)) => AccountsLocation { path: data_dir.join(&spec.file), origin: AccountsOrigin::Manifest },
        (None, None) => AccountsLocation { path: data_dir.join(DEFAULT_FILE), origin: AccountsOrigin::Default },
    }
}
