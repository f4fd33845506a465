//! A folder of scenario files (`<id>.json`), versioned so that a stale
//! update is refused instead of overwriting someone else's change.
//!
//! Every write holds an exclusive lock on `<folder>/.lock` (an OS file lock,
//! so it excludes other threads and other processes, and dies with the
//! process) across read-check-write, and puts the file in place atomically
//! (temporary file, sync, rename: see [`crate::export::atomic`]). A killed
//! write leaves the old file intact; its temporary file is swept by the next
//! write.

use std::fs::File;
use std::path::{Path, PathBuf};

use super::model::Scenario;
use super::validate::check_id;
use super::ScenarioError;

/// Name of the lock file in the scenarios folder.
const LOCK_FILE: &str = ".lock";

/// Scenario files in one folder.
#[derive(Debug, Clone)]
pub struct ScenarioStore {
    dir: PathBuf,
}

/// Held while a write reads, checks and writes.
struct Lock {
    _file: File,
}

impl ScenarioStore {
    /// Open (and create, when missing) the scenarios folder `dir`.
    pub fn open(dir: &Path) -> Result<ScenarioStore, ScenarioError> {
        std::fs::create_dir_all(dir).map_err(|source| ScenarioError::Io { path: dir.to_path_buf(), source })?;
        if !dir.is_dir() {
            return Err(ScenarioError::Unreadable { path: dir.to_path_buf(), message: "is not a folder; give a folder for scenarios".into() });
        }
        Ok(ScenarioStore { dir: dir.to_path_buf() })
    }

    /// The default folder: `<data dir>/scenarios`.
    pub fn default_dir(data_dir: &Path) -> PathBuf {
        data_dir.join("scenarios")
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file of scenario `id` (the id is checked first).
    pub fn path_of(&self, id: &str) -> Result<PathBuf, ScenarioError> {
        check_id(id)?;
        Ok(self.dir.join(format!("{id}.json")))
    }

    fn lock(&self) -> Result<Lock, ScenarioError> {
        let path = self.dir.join(LOCK_FILE);
        let io = |source| ScenarioError::Io { path: path.clone(), source };
        let file = File::options().create(true).truncate(false).write(true).open(&path).map_err(io)?;
        file.lock().map_err(io)?;
        Ok(Lock { _file: file })
    }

    /// Every scenario, sorted by id. A file that cannot be read or parsed is
    /// an error naming it (see [`ScenarioStore::list_with_problems`] to get
    /// the readable ones as well).
    pub fn list(&self) -> Result<Vec<Scenario>, ScenarioError> {
        let (scenarios, problems) = self.list_with_problems()?;
        if !problems.is_empty() {
            return Err(ScenarioError::UnreadableFiles { problems });
        }
        Ok(scenarios)
    }

    /// The readable scenarios sorted by id, and one message per file that
    /// cannot be read (named, never skipped silently).
    pub fn list_with_problems(&self) -> Result<(Vec<Scenario>, Vec<String>), ScenarioError> {
        let entries = std::fs::read_dir(&self.dir).map_err(|source| ScenarioError::Io { path: self.dir.clone(), source })?;
        let mut scenarios = Vec::new();
        let mut problems = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|source| ScenarioError::Io { path: self.dir.clone(), source })?;
            let name = entry.file_name().to_string_lossy().into_owned();
            // Hidden files are the lock and interrupted writes' temporaries.
            if name.starts_with('.') || !name.ends_with(".json") {
                continue;
            }
            let id = &name[..name.len() - ".json".len()];
            match self.read(&entry.path(), id) {
                Ok(s) => scenarios.push(s),
                Err(e) => problems.push(e.to_string()),
            }
        }
        scenarios.sort_by(|a, b| a.id.cmp(&b.id));
        problems.sort();
        Ok((scenarios, problems))
    }

    /// Read one file, checking that the id inside matches its name.
    fn read(&self, path: &Path, id: &str) -> Result<Scenario, ScenarioError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| ScenarioError::Io { path: path.to_path_buf(), source })?;
        let s = Scenario::from_json(&text, &shown)?;
        if s.id != id {
            return Err(ScenarioError::Unreadable {
                path: path.to_path_buf(),
                message: format!("holds scenario id `{}`, but the file name says `{id}`; rename the file or fix the id", s.id),
            });
        }
        Ok(s)
    }

    /// The scenario `id`.
    pub fn get(&self, id: &str) -> Result<Scenario, ScenarioError> {
        let path = self.path_of(id)?;
        if !path.exists() {
            return Err(ScenarioError::NotFound { id: id.to_string(), dir: self.dir.clone() });
        }
        self.read(&path, id)
    }

    /// Save a new scenario at version 1 (refused when its id is taken).
    pub fn create(&self, mut s: Scenario) -> Result<Scenario, ScenarioError> {
        s.check()?;
        let path = self.path_of(&s.id)?;
        let _lock = self.lock()?;
        if path.exists() {
            let version = self.read(&path, &s.id).map(|c| c.version).unwrap_or(0);
            return Err(ScenarioError::Exists { id: s.id, version });
        }
        s.version = 1;
        s.updated = Some(crate::export::provenance::now_rfc3339());
        self.write(&path, &s)?;
        Ok(s)
    }

    /// Replace scenario `id` with `s`, if the saved one is still at version
    /// `based_on`; the saved scenario gets version `based_on + 1`.
    pub fn update(&self, id: &str, based_on: u64, mut s: Scenario) -> Result<Scenario, ScenarioError> {
        let path = self.path_of(id)?;
        if s.id != id {
            return Err(ScenarioError::Invalid {
                message: format!("the body is scenario `{}`, not `{id}`; a scenario's id cannot change (save it as a new scenario instead)", s.id),
                origin: String::new(),
            });
        }
        s.check()?;
        let _lock = self.lock()?;
        let current = self.get(id)?;
        if current.version != based_on {
            return Err(ScenarioError::Stale { id: id.to_string(), expected: based_on, current: current.version });
        }
        s.version = current.version + 1;
        s.updated = Some(crate::export::provenance::now_rfc3339());
        self.write(&path, &s)?;
        Ok(s)
    }

    /// Delete scenario `id`, if the saved one is still at version `based_on`.
    pub fn delete(&self, id: &str, based_on: u64) -> Result<(), ScenarioError> {
        let path = self.path_of(id)?;
        let _lock = self.lock()?;
        let current = self.get(id)?;
        if current.version != based_on {
            return Err(ScenarioError::Stale { id: id.to_string(), expected: based_on, current: current.version });
        }
        std::fs::remove_file(&path).map_err(|source| ScenarioError::Io { path, source })
    }

    fn write(&self, path: &Path, s: &Scenario) -> Result<(), ScenarioError> {
        let text = s.to_json();
        crate::export::atomic::write_file(path, true, |w| {
            w.write_all(text.as_bytes()).and_then(|_| w.write_all(b"\n")).map_err(|source| crate::export::ExportError::File { path: path.to_path_buf(), source })
        })
        .map_err(|e| ScenarioError::Write { path: path.to_path_buf(), message: e.to_string() })
    }
}
