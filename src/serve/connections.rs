//! The accept loop: HTTP/1.1 and HTTP/2 connections served by hyper with a
//! header-read timeout, an idle timeout, a connection limit and graceful
//! shutdown with a deadline.
//!
//! - A client has [`Limits::header_read_timeout`] to send the head of a
//!   request once the server waits for it (hyper's timer).
//! - A connection with no request in flight that moves no byte for
//!   [`Limits::idle_timeout`] is closed (keep-alive sockets, slow readers of a
//!   response).
//! - At [`Limits::max_connections`] a new connection makes room by closing the
//!   longest-idle connection that has no request in flight; when every
//!   connection is busy the new one is closed at once. Idle sockets therefore
//!   never lock real clients out.
//! - On shutdown the listener closes, idle connections close, requests in
//!   flight get [`Limits::shutdown_grace`] to finish, then everything left is
//!   closed.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;
use tower::ServiceExt;

use super::config::Limits;

/// Requests (including HTTP/2 streams) hyper may buffer the head of: more
/// than the server accepts, so the router answers 431 with a JSON body.
const HYPER_MAX_HEADERS: usize = 1000;

/// What the accept loop knows about one connection.
struct Connection {
    /// Milliseconds since the server started at the last byte read or written.
    last_active: AtomicU64,
    /// Requests being answered (the response not yet handed to hyper).
    in_flight: AtomicUsize,
    /// Told to close at once (evicted, or shutdown deadline passed).
    close: Notify,
}

/// Every open connection, for the limit and for shutdown.
struct Registry {
    started: Instant,
    next_id: AtomicU64,
    open: Mutex<HashMap<u64, Arc<Connection>>>,
}

impl Registry {
    fn now_ms(&self) -> u64 {
        self.started.elapsed().as_millis() as u64
    }

    fn len(&self) -> usize {
        self.open.lock().map_or(0, |m| m.len())
    }

    fn add(&self) -> (u64, Arc<Connection>) {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let c = Arc::new(Connection { last_active: AtomicU64::new(self.now_ms()), in_flight: AtomicUsize::new(0), close: Notify::new() });
        if let Ok(mut m) = self.open.lock() {
            m.insert(id, c.clone());
        }
        (id, c)
    }

    fn remove(&self, id: u64) {
        if let Ok(mut m) = self.open.lock() {
            m.remove(&id);
        }
    }

    /// Close the longest-idle connection with no request in flight; false
    /// when every connection is busy.
    fn evict_idle(&self) -> bool {
        let Ok(mut m) = self.open.lock() else { return false };
        let victim = m
            .iter()
            .filter(|(_, c)| c.in_flight.load(Ordering::Acquire) == 0)
            .min_by_key(|(_, c)| c.last_active.load(Ordering::Relaxed))
            .map(|(id, _)| *id);
        match victim.and_then(|id| m.remove(&id)) {
            Some(c) => {
                c.close.notify_one();
                true
            }
            None => false,
        }
    }

    fn close_all(&self) {
        if let Ok(m) = self.open.lock() {
            for c in m.values() {
                c.close.notify_one();
            }
        }
    }
}

/// A socket that notes when it last moved a byte.
struct Watched {
    inner: TcpStream,
    conn: Arc<Connection>,
    registry: Arc<Registry>,
}

impl Watched {
    fn touch(&self) {
        self.conn.last_active.store(self.registry.now_ms(), Ordering::Relaxed);
    }
}

impl AsyncRead for Watched {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let r = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(r, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.touch();
        }
        r
    }
}

impl AsyncWrite for Watched {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, data: &[u8]) -> Poll<std::io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write(cx, data);
        if matches!(r, Poll::Ready(Ok(n)) if n > 0) {
            self.touch();
        }
        r
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// Counts a request in flight until dropped.
struct InFlight(Arc<Connection>);

impl InFlight {
    fn new(conn: Arc<Connection>) -> InFlight {
        conn.in_flight.fetch_add(1, Ordering::AcqRel);
        InFlight(conn)
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}

fn builder(limits: &Limits) -> auto::Builder<TokioExecutor> {
    let mut b = auto::Builder::new(TokioExecutor::new());
    b.http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .max_headers(HYPER_MAX_HEADERS)
        .max_buf_size((4 * (limits.max_header_bytes + limits.max_uri_bytes)).max(64 * 1024));
    b.http2()
        .timer(TokioTimer::new())
        .keep_alive_interval(limits.idle_timeout / 2)
        .keep_alive_timeout(limits.header_read_timeout)
        .max_header_list_size(u32::try_from(4 * (limits.max_header_bytes + limits.max_uri_bytes)).unwrap_or(u32::MAX))
        .max_concurrent_streams(64);
    b
}

/// Serve `app` on `listener` within `limits` until `shutdown` resolves; then
/// finish requests in flight for at most [`Limits::shutdown_grace`].
pub async fn serve(
    listener: TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
    limits: Limits,
) -> std::io::Result<()> {
    let builder = Arc::new(builder(&limits));
    let registry = Arc::new(Registry { started: Instant::now(), next_id: AtomicU64::new(0), open: Mutex::new(HashMap::new()) });
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and the like: back off, never spin.
                    tracing::warn!("cannot accept a connection: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        if registry.len() >= limits.max_connections && !registry.evict_idle() {
            tracing::warn!("connection limit {} reached and every connection is busy: closing {peer}", limits.max_connections);
            drop(stream);
            continue;
        }
        let _ = stream.set_nodelay(true);
        let (id, conn) = registry.add();
        let io = TokioIo::new(Watched { inner: stream, conn: conn.clone(), registry: registry.clone() });
        let app = app.clone();
        let conn_for_requests = conn.clone();
        let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
            req.extensions_mut().insert(ConnectInfo(peer));
            let in_flight = InFlight::new(conn_for_requests.clone());
            let app = app.clone();
            async move {
                let res = app.oneshot(req.map(Body::new)).await;
                drop(in_flight);
                res
            }
        });
        let http = builder.serve_connection_with_upgrades(io, service).into_owned();
        let watched = graceful.watch(http);
        let registry = registry.clone();
        let idle = limits.idle_timeout;
        tokio::spawn(async move {
            tokio::pin!(watched);
            loop {
                let last = conn.last_active.load(Ordering::Relaxed);
                let wake = Duration::from_millis(last).saturating_add(idle);
                let sleep = tokio::time::sleep_until((registry.started + wake).into());
                tokio::select! {
                    r = &mut watched => {
                        if let Err(e) = r {
                            tracing::debug!("connection from {peer}: {e}");
                        }
                        break;
                    }
                    _ = conn.close.notified() => {
                        tracing::debug!("closing connection from {peer}");
                        break;
                    }
                    _ = sleep => {
                        let quiet = registry.now_ms().saturating_sub(conn.last_active.load(Ordering::Relaxed));
                        if quiet >= idle.as_millis() as u64 && conn.in_flight.load(Ordering::Acquire) == 0 {
                            tracing::debug!("closing idle connection from {peer}");
                            break;
                        }
                        if conn.in_flight.load(Ordering::Acquire) > 0 {
                            // Busy answering: look again after another idle period.
                            conn.last_active.store(registry.now_ms(), Ordering::Relaxed);
                        }
                    }
                }
            }
            registry.remove(id);
        });
    }
    drop(listener);
    tracing::info!("shutting down: {} connections open, waiting up to {:.0} s for requests in flight", registry.len(), limits.shutdown_grace.as_secs_f64());
    if tokio::time::timeout(limits.shutdown_grace, graceful.shutdown()).await.is_err() {
        tracing::warn!("shutdown deadline passed: closing {} connections", registry.len());
        registry.close_all();
    }
    Ok(())
}
