//! People and permissions (issue 12) over HTTP on the real pack: every
//! write endpoint (scenario POST/PUT/DELETE, register PUT, account POST and
//! DELETE) and the restricted reads, as every role, as a stranger, after a
//! wrong password, with an ended session and as a partner of another
//! organisation, each with its exact status; login rate limiting per
//! address and per account; secrets hashed at rest; no credential in the
//! access log.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock};

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, HeaderMap, Request, StatusCode};
use axum::Router;
use needmap::auth::{AccountStore, NewAccount, Role};
use needmap::register::{seed_services, Partner, Register};
use needmap::serve::{AppState, EditSettings, ServeConfig};
use needmap::Engine;
use serde_json::{json, Value};
use tower::ServiceExt;

static RT: LazyLock<tokio::runtime::Runtime> =
    LazyLock::new(|| tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap());

static ENGINE: LazyLock<Arc<Engine>> = LazyLock::new(|| {
    let loc = needmap::dataset::locate(None).expect("the Bradford pack (NEEDMAP_DATA or ../shared/geodata/bradford)");
    Arc::new(Engine::load(&loc).expect("engine loads"))
});

const EDITOR: &str = "auth-test-editor-token-0123456789";
const ORIGIN: &str = "http://needmap.test:8080";

/// People of the test and their passwords.
const PEOPLE: [(&str, Role, Option<&str>); 5] = [
    ("ada", Role::Admin, None),
    ("rita", Role::Reviewer, None),
    ("pam", Role::Partner, Some("org-a")),
    ("pete", Role::Partner, Some("org-b")),
    ("vic", Role::Viewer, None),
];

fn password(name: &str) -> String {
    format!("the password of {name}!")
}

/// A server with accounts and a register of four services (two of org-a,
/// two of org-b), editing on or off.
struct App {
    router: Router,
    state: Arc<AppState>,
    dir: tempfile::TempDir,
    /// Service ids by organisation.
    org_a: Vec<String>,
    org_b: Vec<String>,
}

impl App {
    fn accounts(&self) -> PathBuf {
        self.dir.path().join("accounts.sqlite")
    }
}

fn app(allowed: bool) -> App {
    let dir = tempfile::tempdir().unwrap();
    let store = AccountStore::open_or_create(&dir.path().join("accounts.sqlite")).unwrap();
    for (name, role, org) in PEOPLE {
        store.add(&NewAccount { name, role, org, password: &password(name) }).unwrap();
    }
    drop(store);
    let loc = needmap::dataset::locate(None).unwrap();
    let mut diags = needmap::load::Diagnostics::default();
    let mut services: Vec<_> = seed_services(&loc, &mut diags).unwrap().into_iter().take(4).collect();
    for (i, s) in services.iter_mut().enumerate() {
        s.partner = Some(if i < 2 { "org-a" } else { "org-b" }.to_string());
    }
    let register = dir.path().join("register.gpkg");
    Register::create_with(&register, false, |r| {
        for org in ["org-a", "org-b"] {
            r.add_partner(&Partner { id: org.into(), name: format!("Organisation {org}"), contact: None }, "test")?;
        }
        r.add_services(&services, "test", None)
    })
    .unwrap();
    let mut config = ServeConfig::new("needmap.test:8080").unwrap();
    config.edits = EditSettings { allowed, token: Some(EDITOR.into()), scenarios_dir: Some(dir.path().join("scenarios")) };
    config.accounts.file = Some(dir.path().join("accounts.sqlite"));
    config.accounts.register = Some(register);
    let state = Arc::new(AppState::with_config(ENGINE.clone(), PathBuf::from("/nonexistent-web"), config).unwrap());
    App {
        router: needmap::serve::router(state.clone()),
        state,
        org_a: services[..2].iter().map(|s| s.id.clone()).collect(),
        org_b: services[2..].iter().map(|s| s.id.clone()).collect(),
        dir,
    }
}

struct Resp {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Resp {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    fn header(&self, name: &str) -> &str {
        self.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
    }
}

fn send_from(router: &Router, peer: Option<SocketAddr>, method: &str, uri: &str, headers: &[(&str, &str)], body: impl Into<Body>) -> Resp {
    let mut b = Request::builder().method(method).uri(uri).header(header::HOST, "needmap.test:8080");
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    let mut req = b.body(body.into()).unwrap();
    if let Some(p) = peer {
        req.extensions_mut().insert(ConnectInfo(p));
    }
    RT.block_on(async {
        let res = router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let body = axum::body::to_bytes(res.into_body(), usize::MAX).await.unwrap().to_vec();
        Resp { status, headers, body }
    })
}

fn send(router: &Router, method: &str, uri: &str, headers: &[(&str, &str)], body: impl Into<Body>) -> Resp {
    send_from(router, None, method, uri, headers, body)
}

/// Log in; the session cookie's value on success.
fn login_from(a: &App, peer: Option<SocketAddr>, name: &str, password: &str) -> Resp {
    let body = json!({"name": name, "password": password}).to_string();
    send_from(&a.router, peer, "POST", "/api/login", &[("content-type", "application/json"), ("origin", ORIGIN)], body)
}

fn session_of(r: &Resp) -> String {
    assert_eq!(r.status, StatusCode::NO_CONTENT, "login: {}", r.text());
    let cookie = r.header("set-cookie");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && cookie.contains("Path=/"), "{cookie}");
    assert!(!cookie.contains("Secure"), "http public URL: no Secure flag: {cookie}");
    cookie.split(';').next().unwrap().strip_prefix("needmap_session=").unwrap().to_string()
}

/// Who makes a request, as headers.
#[derive(Clone)]
struct As {
    label: String,
    headers: Vec<(String, String)>,
}

impl As {
    fn stranger() -> As {
        As { label: "stranger".into(), headers: Vec::new() }
    }
    fn bearer(label: &str, token: &str) -> As {
        As { label: label.into(), headers: vec![("authorization".into(), format!("Bearer {token}"))] }
    }
    fn cookie(label: &str, id: &str) -> As {
        As { label: label.into(), headers: vec![("cookie".into(), format!("needmap_session={id}")), ("origin".into(), ORIGIN.into())] }
    }
    fn send(&self, a: &App, method: &str, uri: &str, extra: &[(&str, &str)], body: Option<&Value>) -> Resp {
        let mut h: Vec<(&str, &str)> = self.headers.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        h.extend_from_slice(extra);
        if body.is_some() {
            h.push(("content-type", "application/json"));
        }
        send(&a.router, method, uri, &h, body.map_or_else(String::new, Value::to_string))
    }
}

fn hub(id: &str) -> Value {
    let s = ENGINE.services.iter().find(|s| s.category != "family_hub" && s.areas.iter().all(Option::is_some)).unwrap();
    json!({
        "needmap_scenario": 1, "id": id, "name": "Auth test hub",
        "edits": [{"op": "add", "id": "auth-hub-1", "name": "Auth Test Hub", "category": "family_hub", "lon": s.wgs84.x, "lat": s.wgs84.y}]
    })
}

/// The callers of the table: every role by login, the editor token, an
/// API token, a stranger, a wrong password, an ended session, a bogus token.
fn callers(a: &App) -> Vec<(As, Role)> {
    let mut out = Vec::new();
    for (name, role, _) in PEOPLE {
        let id = session_of(&login_from(a, None, name, &password(name)));
        out.push((As::cookie(name, &id), role));
    }
    out.push((As::bearer("editor token", EDITOR), Role::Admin));
    let store = AccountStore::open(&a.accounts()).unwrap();
    let token = store.new_token("pam", Some("test")).unwrap();
    out.push((As::bearer("pam's API token", &token), Role::Partner));
    out
}

/// Callers that must get 401 on every write and restricted read.
fn refused(a: &App) -> Vec<As> {
    let wrong = login_from(a, None, "pam", "not pam's password");
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED, "wrong password: {}", wrong.text());
    assert!(wrong.header("set-cookie").is_empty(), "no cookie after a wrong password");
    let unknown = login_from(a, None, "nobody", "whatever it is");
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    assert_eq!(unknown.json()["message"], wrong.json()["message"], "an unknown name answers as a wrong password");
    // An ended session: started, then aged past its absolute time in the file.
    let id = session_of(&login_from(a, None, "ada", &password("ada")));
    let conn = rusqlite::Connection::open(a.accounts()).unwrap();
    let n = conn
        .execute("UPDATE sessions SET created = created - 86400 * 2, last_seen = last_seen - 60 WHERE id_sha256 = ?1", [needmap::auth::secret::digest(&id)])
        .unwrap();
    assert_eq!(n, 1);
    vec![
        As::stranger(),
        As { label: "after a wrong password".into(), headers: vec![("origin".into(), ORIGIN.into())] },
        As::cookie("ended session", &id),
        As::cookie("made-up session", &"ab".repeat(32)),
        As::bearer("wrong token", "auth-test-editor-token-0123456789X"),
    ]
}

#[test]
fn every_write_as_every_caller_gets_its_exact_status() {
    let a = app(true);
    let known = callers(&a);
    let strangers = refused(&a);
    let editor = As::bearer("editor token", EDITOR);
    let mut n = 0;
    let mut check = |r: Resp, want: u16, what: String| {
        assert_eq!(r.status.as_u16(), want, "{what}: {}", r.text());
        if want >= 400 {
            let v = r.json();
            assert_eq!(v["status"], want, "{what}");
            assert!(v["message"].as_str().is_some_and(|m| !m.is_empty()), "{what}: {v}");
        }
        n += 1;
    };
    let mut all: Vec<(As, Option<Role>)> = known.iter().map(|(c, r)| (c.clone(), Some(*r))).collect();
    all.extend(strangers.iter().map(|c| (c.clone(), None)));
    for (i, (who, role)) in all.iter().enumerate() {
        let l = &who.label;
        // Scenarios: partner, reviewer and admin may write; a viewer may not.
        let scenario_ok = role.is_some_and(|r| r >= Role::Partner);
        let deny = |ok: bool, status: u16| if ok { status } else if role.is_some() { 403 } else { 401 };
        let id = format!("auth-{i}");
        check(who.send(&a, "POST", "/api/scenarios", &[], Some(&hub(&id))), deny(scenario_ok, 201), format!("{l}: POST scenario"));
        let target = format!("auth-target-{i}");
        assert_eq!(editor.send(&a, "POST", "/api/scenarios", &[], Some(&hub(&target))).status, 201);
        let mut changed = hub(&target);
        changed["name"] = json!("renamed");
        let uri = format!("/api/scenarios/{target}");
        check(who.send(&a, "PUT", &uri, &[("if-match", "\"1\"")], Some(&changed)), deny(scenario_ok, 200), format!("{l}: PUT scenario"));
        let version = if scenario_ok { "2" } else { "1" };
        check(who.send(&a, "DELETE", &format!("{uri}?version={version}"), &[], None), deny(scenario_ok, 204), format!("{l}: DELETE scenario"));

        // The register: a partner its own organisation's rows only; reviewers and admins all.
        let org = who_org(l);
        for (svc_org, ids) in [("org-a", &a.org_a), ("org-b", &a.org_b)] {
            let ok = role.is_some_and(|r| r >= Role::Reviewer) || org == Some(svc_org);
            let body = json!({"status": format!("checked by {l}"), "opening_hours": "Mo-Fr 09:00-17:00"});
            let r = who.send(&a, "PUT", &format!("/api/register/services/{}", ids[0]), &[], Some(&body));
            check(r, deny(ok, 200), format!("{l}: PUT register service of {svc_org}"));
            let list = who.send(&a, "GET", &format!("/api/register/services?org={svc_org}"), &[], None);
            check(list, deny(ok, 200), format!("{l}: GET register services of {svc_org}"));
        }
        let own = who.send(&a, "GET", "/api/register/services", &[], None);
        let lists = role.is_some_and(|r| r >= Role::Partner);
        if lists {
            let v = own.json();
            let want = match org {
                Some(_) => 2,
                None => 4,
            };
            assert_eq!(v["count"], want, "{l}: the rows it sees: {v}");
        }
        check(own, deny(lists, 200), format!("{l}: GET register services"));

        // Accounts: admins only.
        let admin = *role == Some(Role::Admin);
        check(who.send(&a, "GET", "/api/users", &[], None), deny(admin, 200), format!("{l}: GET users"));
        let new = json!({"name": format!("new-{i}"), "role": "partner", "org": "org-b", "password": "a brand new password"});
        check(who.send(&a, "POST", "/api/users", &[], Some(&new)), deny(admin, 201), format!("{l}: POST users"));
        let victim = format!("victim-{i}");
        AccountStore::open(&a.accounts()).unwrap().add(&NewAccount { name: &victim, role: Role::Viewer, org: None, password: "victim's password" }).unwrap();
        check(who.send(&a, "DELETE", &format!("/api/users/{victim}"), &[], None), deny(admin, 204), format!("{l}: DELETE users"));
    }
    assert_eq!(n, 11 * all.len(), "every check ran for every caller");

    // The audit log names who changed each register row.
    let changes = Register::open_read_only(&a.dir.path().join("register.gpkg")).unwrap().changes().unwrap();
    let whos: Vec<&str> = changes.iter().filter(|c| c.action == "update").map(|c| c.who.as_str()).collect();
    for w in ["ada (admin)", "rita (reviewer)", "pam (partner, org-a)", "pete (partner, org-b)", "editor token", "pam (partner, org-a, API token)"] {
        assert!(whos.contains(&w), "{w} not in {whos:?}");
    }
    assert!(!whos.iter().any(|w| w.starts_with("vic")), "{whos:?}");
}

/// The organisation of a table caller, by its label.
fn who_org(label: &str) -> Option<&'static str> {
    match label {
        "pam" | "pam's API token" => Some("org-a"),
        "pete" => Some("org-b"),
        _ => None,
    }
}

#[test]
fn with_editing_off_every_write_is_403_even_for_an_admin() {
    let a = app(false);
    let ada = As::cookie("ada", &session_of(&login_from(&a, None, "ada", &password("ada"))));
    let body = json!({"status": "x"});
    for (method, uri, body) in [
        ("POST", "/api/scenarios".to_string(), Some(hub("off"))),
        ("PUT", "/api/scenarios/off".to_string(), Some(hub("off"))),
        ("DELETE", "/api/scenarios/off?version=1".to_string(), None),
        ("PUT", format!("/api/register/services/{}", a.org_a[0]), Some(body.clone())),
        ("POST", "/api/users".to_string(), Some(json!({"name": "x", "role": "viewer", "password": "long enough password"}))),
        ("DELETE", "/api/users/vic".to_string(), None),
    ] {
        let r = ada.send(&a, method, &uri, &[], body.as_ref());
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{method} {uri}: {}", r.text());
        assert!(r.json()["message"].as_str().unwrap().contains("--allow-edits"));
    }
    // Reads that need a login still work.
    assert_eq!(ada.send(&a, "GET", "/api/users", &[], None).status, StatusCode::OK);
}

#[test]
fn cookie_writes_must_come_from_the_own_origin() {
    let a = app(true);
    let id = session_of(&login_from(&a, None, "rita", &password("rita")));
    let cookie = format!("needmap_session={id}");
    let uri = format!("/api/register/services/{}", a.org_a[1]);
    let body = json!({"contact": "01234 567890"}).to_string();
    let ct = ("content-type", "application/json");
    let no_origin = send(&a.router, "PUT", &uri, &[("cookie", &cookie), ct], body.clone());
    assert_eq!(no_origin.status, StatusCode::FORBIDDEN, "{}", no_origin.text());
    let foreign = send(&a.router, "PUT", &uri, &[("cookie", &cookie), ct, ("origin", "http://evil.example")], body.clone());
    assert_eq!(foreign.status, StatusCode::FORBIDDEN);
    let fetch = send(&a.router, "PUT", &uri, &[("cookie", &cookie), ct, ("sec-fetch-site", "same-origin")], body.clone());
    assert_eq!(fetch.status, StatusCode::OK, "{}", fetch.text());
    assert_eq!(fetch.json()["contact"], "01234 567890");
    // A login from another site is refused too.
    let r = send(&a.router, "POST", "/api/login", &[ct, ("origin", "http://evil.example")], json!({"name": "rita", "password": password("rita")}).to_string());
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Credentials never in the URL: the login takes no query parameters.
    let r = send(&a.router, "POST", "/api/login?password=x", &[ct], json!({"name": "rita", "password": password("rita")}).to_string());
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

#[test]
fn me_login_and_logout() {
    let a = app(true);
    assert!(a.state.auth.store.is_some());
    let me = |h: &[(&str, &str)]| send(&a.router, "GET", "/api/me", h, Body::empty()).json();
    assert_eq!(me(&[]), json!({"role": "viewer", "name": null, "org": null, "via": "none"}));
    let id = session_of(&login_from(&a, None, "pam", &password("pam")));
    let cookie = format!("needmap_session={id}");
    assert_eq!(me(&[("cookie", &cookie)]), json!({"role": "partner", "name": "pam", "org": "org-a", "via": "session"}));
    assert_eq!(me(&[("authorization", &format!("Bearer {EDITOR}"))])["role"], "admin");
    let out = send(&a.router, "POST", "/api/logout", &[("cookie", &cookie), ("origin", ORIGIN)], Body::empty());
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    assert!(out.header("set-cookie").contains("Max-Age=0"));
    let after = me(&[("cookie", &cookie)]);
    assert_eq!(after["role"], "viewer");
    assert!(after["note"].as_str().unwrap().contains("log in again"), "{after}");
    assert_eq!(AccountStore::open(&a.accounts()).unwrap().session_count().unwrap(), 0, "logout deleted the session");
    // Bad bodies: 400 naming the problem.
    let r = send(&a.router, "POST", "/api/login", &[("content-type", "application/json")], "{\"name\": \"pam\"}");
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text());
    assert!(r.text().contains("password"), "{}", r.text());
}

#[test]
fn a_secure_cookie_behind_https() {
    let dir = tempfile::tempdir().unwrap();
    let store = AccountStore::open_or_create(&dir.path().join("a.sqlite")).unwrap();
    store.add(&NewAccount { name: "ada", role: Role::Admin, org: None, password: "ada's long password" }).unwrap();
    let mut config = ServeConfig::new("https://maps.example.org").unwrap();
    config.accounts.file = Some(dir.path().join("a.sqlite"));
    let state = Arc::new(AppState::with_config(ENGINE.clone(), PathBuf::from("/nonexistent-web"), config).unwrap());
    let router = needmap::serve::router(state);
    let r = send(&router, "POST", "/api/login", &[("content-type", "application/json")], json!({"name": "ada", "password": "ada's long password"}).to_string());
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text());
    assert!(r.header("set-cookie").ends_with("; Secure"), "{}", r.header("set-cookie"));
}

#[test]
fn logins_are_limited_per_address_and_per_account() {
    let a = app(true);
    let here: SocketAddr = "127.0.0.2:40000".parse().unwrap();
    let elsewhere: SocketAddr = "127.0.0.3:40000".parse().unwrap();
    let third: SocketAddr = "127.0.0.4:40000".parse().unwrap();
    // Five wrong passwords for five names from one address: the address is then blocked.
    for (i, name) in ["ada", "pete", "vic", "nobody", "somebody"].iter().enumerate() {
        assert_eq!(login_from(&a, Some(here), name, "wrong password").status, StatusCode::UNAUTHORIZED, "failure {i}");
    }
    let blocked = login_from(&a, Some(here), "pam", &password("pam"));
    assert_eq!(blocked.status, StatusCode::TOO_MANY_REQUESTS, "{}", blocked.text());
    let wait: u64 = blocked.header("retry-after").parse().unwrap();
    assert!((1..=60).contains(&wait), "Retry-After {wait}");
    // The same right password from another address works.
    session_of(&login_from(&a, Some(elsewhere), "pam", &password("pam")));
    // Five wrong passwords for one account from many addresses: the account is then blocked.
    for i in 0..5u16 {
        let peer: SocketAddr = format!("127.0.1.{}:1", i + 1).parse().unwrap();
        assert_eq!(login_from(&a, Some(peer), "rita", "wrong again").status, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(login_from(&a, Some(third), "rita", &password("rita")).status, StatusCode::TOO_MANY_REQUESTS);
    // Another account from that address is fine.
    session_of(&login_from(&a, Some(third), "vic", &password("vic")));
}

#[test]
fn secrets_are_hashed_at_rest() {
    let a = app(true);
    let id = session_of(&login_from(&a, None, "pam", &password("pam")));
    let token = AccountStore::open(&a.accounts()).unwrap().new_token("ada", None).unwrap();
    // The accounts file and its write-ahead log.
    let mut bytes = Vec::new();
    for suffix in ["", "-wal"] {
        let p = PathBuf::from(format!("{}{suffix}", a.accounts().display()));
        if p.is_file() {
            bytes.extend(std::fs::read(&p).unwrap());
        }
    }
    assert!(bytes.len() > 1000);
    let has = |s: &str| bytes.windows(s.len()).any(|w| w == s.as_bytes());
    for (name, _, _) in PEOPLE {
        assert!(!has(&password(name)), "the password of {name} is in the file");
    }
    assert!(!has(&id), "a session id is in the file");
    assert!(!has(&token), "an API token is in the file");
    assert!(has("$argon2id$v=19$"), "passwords are stored as Argon2id PHC strings");
    assert!(has(&needmap::auth::secret::digest(&id)), "the session is stored by its digest");
    assert_eq!(std::fs::metadata(a.accounts()).map(|m| mode(&m)).unwrap(), 0o600);
}

#[cfg(unix)]
fn mode(m: &std::fs::Metadata) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    m.permissions().mode() & 0o777
}

/// One HTTP/1.1 request to `addr` on a new connection: status and the whole answer.
fn http(addr: &str, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> (u16, String) {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n", body.len());
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(body);
    s.write_all(req.as_bytes()).unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    let status = answer.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    (status, answer)
}

#[test]
fn no_credential_reaches_the_access_log() {
    use std::io::BufRead;
    // The real server, every request logged at the most detailed level.
    let a = app(true);
    let token = AccountStore::open(&a.accounts()).unwrap().new_token("pam", None).unwrap();
    let log_path = a.dir.path().join("server.log");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_needmap"))
        .args(["serve", "--addr", "127.0.0.1:0", "--prerender", "0", "--web", "/nonexistent-web", "--allow-edits", "--access-log-sample", "1"])
        .arg("--accounts")
        .arg(a.accounts())
        // Its own scenario folder: the default is inside the (shared, read-only) data folder.
        .arg("--scenarios")
        .arg(a.dir.path().join("scenarios"))
        .env("NEEDMAP_LOG", "needmap=trace")
        .env("NEEDMAP_EDIT_TOKEN", EDITOR)
        .stdout(std::process::Stdio::piped())
        .stderr(std::fs::File::create(&log_path).unwrap())
        .spawn()
        .expect("start needmap serve");
    let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    let addr = line.split_whitespace().skip_while(|w| *w != "on").nth(1).unwrap_or_else(|| panic!("no address in {line:?}")).to_string();
    let json = [("content-type", "application/json")];
    let (st, _) = http(&addr, "POST", "/api/login", &json, &json!({"name": "pam", "password": "a wrong password guess"}).to_string());
    assert_eq!(st, 401);
    let (st, answer) = http(&addr, "POST", "/api/login", &json, &json!({"name": "pam", "password": password("pam")}).to_string());
    assert_eq!(st, 204, "{answer}");
    let session = answer
        .lines()
        .find_map(|l| l.strip_prefix("set-cookie: needmap_session="))
        .and_then(|v| v.split(';').next())
        .unwrap_or_else(|| panic!("no cookie in {answer}"))
        .to_string();
    let cookie = format!("needmap_session={session}");
    assert_eq!(http(&addr, "GET", "/api/register/services", &[("cookie", &cookie)], "").0, 404, "no register in this server");
    assert_eq!(http(&addr, "GET", "/api/me", &[("authorization", &format!("Bearer {token}"))], "").0, 200);
    assert_eq!(http(&addr, "GET", "/api/users", &[("authorization", &format!("Bearer {EDITOR}"))], "").0, 200);
    // A secret put in a query string by mistake is not logged either.
    assert_eq!(http(&addr, "GET", &format!("/api/me?token={token}"), &[], "").0, 400);
    assert_eq!(http(&addr, "POST", "/api/logout", &[("cookie", &cookie)], "").0, 204);
    let _ = std::process::Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
    let _ = child.wait();
    drop(out);
    let log = std::fs::read_to_string(&log_path).unwrap();
    for path in ["/api/login", "/api/logout", "/api/users", "/api/register/services", "401", "204"] {
        assert!(log.contains(path), "the access log has no `{path}`:\n{log}");
    }
    for secret in [password("pam").as_str(), "a wrong password guess", session.as_str(), token.as_str(), EDITOR] {
        assert!(!log.contains(secret), "`{secret}` is in the log:\n{log}");
    }
}

#[test]
fn the_default_accounts_file_is_never_made_in_a_read_only_data_folder() {
    // The shared pack is read-only: no accounts file there, and the server starts without one.
    let data = needmap::dataset::locate(None).unwrap().data_dir;
    let default = data.join(needmap::auth::location::DEFAULT_FILE);
    assert!(!default.exists());
    if std::fs::metadata(&data).unwrap().permissions().readonly() {
        let e = AccountStore::open_or_create(&default).err().expect("refused");
        assert!(e.to_string().contains("--accounts FILE"), "{e}");
    }
    let state = AppState::with_config(ENGINE.clone(), PathBuf::from("/nonexistent-web"), ServeConfig::new("x:1").unwrap()).unwrap();
    assert!(state.auth.store.is_none());
    // A named file that does not exist is an error naming `needmap users add`.
    let mut config = ServeConfig::new("x:1").unwrap();
    config.accounts.file = Some(Path::new("/nonexistent/accounts.sqlite").to_path_buf());
    let e = AppState::with_config(ENGINE.clone(), PathBuf::from("/nonexistent-web"), config).err().expect("refused");
    assert!(e.to_string().contains("needmap users add"), "{e}");
}
