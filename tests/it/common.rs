//! Set-up shared by the integration tests on the real pack: the loaded
//! engine, the gap context and CSV fixture rows.
#![allow(dead_code)] // each test crate uses a subset

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::OnceLock;

use needmap::dataset::locate;
use needmap::gaps::GapContext;
use needmap::Engine;

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The Bradford pack at ../shared/geodata/bradford, loaded once per test binary.
pub fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let loc = locate(Some(&root().join("../shared/geodata/bradford"))).expect("the Bradford pack is at ../shared/geodata/bradford");
        Engine::load(&loc).expect("the Bradford pack loads")
    })
}

/// The gap context (calibrated travel model, no road network) of [`engine`].
pub fn ctx() -> &'static GapContext {
    static CTX: OnceLock<GapContext> = OnceLock::new();
    CTX.get_or_init(|| GapContext::new(engine(), false).expect("travel model"))
}

/// Rows of a CSV file under the repository, as header -> value maps.
pub fn csv_rows(path: &str) -> Vec<HashMap<String, String>> {
    let path = root().join(path);
    let mut r = csv::Reader::from_path(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let headers = r.headers().unwrap().clone();
    r.records()
        .map(|rec| headers.iter().zip(rec.unwrap().iter()).map(|(h, v)| (h.to_string(), v.to_string())).collect())
        .collect()
}

/// `GET uri` through `app` in-process (Host `needmap.test:8080`): status and body.
pub fn oneshot_get(app: &axum::Router, uri: &str) -> (axum::http::StatusCode, Vec<u8>) {
    use tower::ServiceExt;
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    let rt = RT.get_or_init(|| tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap());
    rt.block_on(async {
        let req = axum::http::Request::get(uri)
            .header(axum::http::header::HOST, "needmap.test:8080")
            .body(axum::body::Body::empty())
            .unwrap();
        let res = app.clone().oneshot(req).await.unwrap();
        let status = res.status();
        (status, axum::body::to_bytes(res.into_body(), usize::MAX).await.unwrap().to_vec())
    })
}

/// A writable copy of the pack (with its manifest) in `dir/bradford`.
pub fn copy_pack(dir: &std::path::Path) -> PathBuf {
    let to = dir.join("bradford");
    std::fs::create_dir_all(&to).unwrap();
    for entry in std::fs::read_dir(root().join("../shared/geodata/bradford")).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        std::fs::write(&target, std::fs::read(entry.path()).unwrap()).unwrap();
    }
    std::fs::copy(root().join("geodata/bradford/dataset.toml"), to.join("dataset.toml")).unwrap();
    to
}
