//! A real SMTP server for tests: `mailin` speaks the protocol, this file moves the bytes.
//!
//! It listens on `127.0.0.1:0`, keeps every accepted message (envelope and raw data), can
//! answer with a chosen error code, can require AUTH PLAIN/LOGIN, and can be stopped and
//! started again on the same port to play an outage. One thread per connection.

use std::io::{BufRead, BufReader, Write};
use std::net::{IpAddr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use mailin::{AuthMechanism, Handler, Response, SessionBuilder};

/// One message as the server received it.
#[derive(Debug, Clone)]
pub struct ReceivedMail {
    pub from: String,
    pub to: Vec<String>,
    /// The message as sent after DATA (dot-unstuffed, CRLF line ends).
    pub data: Vec<u8>,
    /// When the message was complete (just before the server's 250 reply).
    pub at: std::time::Instant,
}

impl ReceivedMail {
    pub fn parsed(&self) -> mailparse::ParsedMail<'_> {
        mailparse::parse_mail(&self.data).expect("received message parses")
    }

    /// A decoded header value (RFC 2047 words decoded).
    pub fn header(&self, name: &str) -> Option<String> {
        let p = self.parsed();
        p.headers
            .iter()
            .find(|h| h.get_key().eq_ignore_ascii_case(name))
            .map(|h| h.get_value())
    }

    /// The decoded body of the first part with this MIME type, e.g. `text/html`.
    pub fn part(&self, mimetype: &str) -> Option<String> {
        fn find(p: &mailparse::ParsedMail<'_>, m: &str) -> Option<String> {
            if p.subparts.is_empty() && p.ctype.mimetype == m {
                return p.get_body().ok();
            }
            p.subparts.iter().find_map(|s| find(s, m))
        }
        find(&self.parsed(), mimetype)
    }
}

#[derive(Default)]
struct Shared {
    mails: Mutex<Vec<ReceivedMail>>,
    /// Answer MAIL FROM with this code and text instead of accepting.
    reject: Mutex<Option<(u16, String)>>,
    auth: Option<(String, String)>,
    connections: Mutex<Vec<TcpStream>>,
}

struct Running {
    stop: Arc<AtomicBool>,
    thread: JoinHandle<()>,
}

pub struct SmtpServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    running: Option<Running>,
}

impl SmtpServer {
    /// Starts an open relay on a free loopback port.
    pub fn start() -> SmtpServer {
        Self::with_shared(Shared::default())
    }

    /// Starts a server that requires AUTH (PLAIN or LOGIN) with these credentials.
    pub fn start_with_auth(user: &str, password: &str) -> SmtpServer {
        Self::with_shared(Shared {
            auth: Some((user.to_string(), password.to_string())),
            ..Shared::default()
        })
    }

    fn with_shared(shared: Shared) -> SmtpServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind SMTP test server");
        let addr = listener.local_addr().expect("local addr");
        let mut server = SmtpServer {
            addr,
            shared: Arc::new(shared),
            running: None,
        };
        server.serve(listener);
        server
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    pub fn is_running(&self) -> bool {
        self.running.is_some()
    }

    /// Closes the port and every open connection: clients now get "connection refused".
    pub fn stop(&mut self) {
        if let Some(r) = self.running.take() {
            r.stop.store(true, Ordering::SeqCst);
            let _ = r.thread.join();
        }
        for c in self.shared.connections.lock().unwrap().drain(..) {
            let _ = c.shutdown(Shutdown::Both);
        }
    }

    /// Listens again on the same port, keeping the messages received so far.
    pub fn restart(&mut self) {
        assert!(self.running.is_none(), "server is already running");
        let mut tries = 0;
        let listener = loop {
            match TcpListener::bind(self.addr) {
                Ok(l) => break l,
                Err(e) if tries < 50 => {
                    tries += 1;
                    let _ = e;
                    std::thread::sleep(Duration::from_millis(20));
                }
                Err(e) => panic!("cannot rebind {}: {e}", self.addr),
            }
        };
        self.serve(listener);
    }

    /// From now on, answer MAIL FROM with `code` (e.g. 451 transient, 550 permanent);
    /// `None` accepts mail again.
    pub fn reject_with(&self, code: Option<u16>) {
        *self.shared.reject.lock().unwrap() = code.map(|c| (c, format!("test server says {c}")));
    }

    /// Every message received so far, oldest first.
    pub fn messages(&self) -> Vec<ReceivedMail> {
        self.shared.mails.lock().unwrap().clone()
    }

    /// Waits until at least `n` messages arrived; panics after `timeout`.
    pub async fn wait_for(&self, n: usize, timeout: Duration) -> Vec<ReceivedMail> {
        super::eventually(&format!("{n} SMTP message(s)"), timeout, || {
            let m = self.messages();
            (m.len() >= n).then_some(m)
        })
        .await
    }

    fn serve(&mut self, listener: TcpListener) {
        listener
            .set_nonblocking(true)
            .expect("nonblocking listener");
        let stop = Arc::new(AtomicBool::new(false));
        let shared = Arc::clone(&self.shared);
        let stop2 = Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            while !stop2.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((stream, peer)) => {
                        let _ = stream.set_nonblocking(false);
                        if let Ok(c) = stream.try_clone() {
                            shared.connections.lock().unwrap().push(c);
                        }
                        let shared = Arc::clone(&shared);
                        std::thread::spawn(move || {
                            let _ = converse(stream, peer.ip(), shared);
                        });
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                        std::thread::sleep(Duration::from_millis(5));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        self.running = Some(Running { stop, thread });
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// One SMTP session: lines in, `mailin` decides, responses out.
fn converse(stream: TcpStream, ip: IpAddr, shared: Arc<Shared>) -> std::io::Result<()> {
    let mut builder = SessionBuilder::new("sturmglas-test-smtp");
    if shared.auth.is_some() {
        builder
            .enable_auth(AuthMechanism::Plain)
            .enable_auth(AuthMechanism::Login)
            .insecure_enable_plaintext_auth();
    }
    let handler = Collector {
        shared: Arc::clone(&shared),
        from: String::new(),
        to: Vec::new(),
        data: Vec::new(),
    };
    let mut session = builder.build(ip, handler);
    let mut writer = stream.try_clone()?;
    let mut reader = BufReader::new(stream);
    session.greeting().write_to(&mut writer)?;
    let mut line = Vec::new();
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line)? == 0 {
            return Ok(());
        }
        let response = session.process(&line);
        match response.action {
            mailin::Action::Reply => response.write_to(&mut writer)?,
            mailin::Action::NoReply => {}
            mailin::Action::Close | mailin::Action::UpgradeTls => {
                // TLS is not offered, so an upgrade request means a confused client: close.
                response.write_to(&mut writer)?;
                writer.flush()?;
                return Ok(());
            }
        }
        writer.flush()?;
    }
}

struct Collector {
    shared: Arc<Shared>,
    from: String,
    to: Vec<String>,
    data: Vec<u8>,
}

impl Handler for Collector {
    fn mail(&mut self, _ip: IpAddr, _domain: &str, from: &str) -> Response {
        if let Some((code, text)) = self.shared.reject.lock().unwrap().clone() {
            return Response::custom(code, text);
        }
        self.from = from.to_string();
        self.to.clear();
        self.data.clear();
        mailin::response::OK
    }

    fn data_start(&mut self, _domain: &str, _from: &str, _is8bit: bool, to: &[String]) -> Response {
        self.to = to.to_vec();
        mailin::response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.data.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        self.shared.mails.lock().unwrap().push(ReceivedMail {
            from: std::mem::take(&mut self.from),
            to: std::mem::take(&mut self.to),
            data: std::mem::take(&mut self.data),
            at: std::time::Instant::now(),
        });
        mailin::response::OK
    }

    fn auth_plain(&mut self, _authz: &str, user: &str, password: &str) -> Response {
        self.check(user, password)
    }

    fn auth_login(&mut self, user: &str, password: &str) -> Response {
        self.check(user, password)
    }
}

impl Collector {
    fn check(&self, user: &str, password: &str) -> Response {
        match &self.shared.auth {
            Some((u, p)) if u == user && p == password => mailin::response::AUTH_OK,
            _ => mailin::response::INVALID_CREDENTIALS,
        }
    }
}
