//! Regression tests of issue 19's defect 5 against the real binary: slow-header and slow-body
//! clients are cut off, and 1,100 idle connections neither exhaust the daemon's file
//! descriptors nor keep a normal request out.

mod harness;

use std::time::{Duration, Instant};

use harness::{config_with_server, free_port, Daemon, TOKEN};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

async fn start(server: &str) -> (tempfile::TempDir, Daemon) {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let text = config_with_server(
        port,
        dir.path(),
        server,
        "[[brands]]\nname = \"Acme\"\nkeywords = [\"acme\"]\n",
    );
    let d = Daemon::start(dir.path(), port, &text).await;
    (dir, d)
}

/// Reads until the server closes the connection; the bytes it sent, or `None` if it was still
/// open after `within`.
async fn closed_within(sock: &mut TcpStream, within: Duration) -> Option<String> {
    let mut out = Vec::new();
    let read = tokio::time::timeout(within, async {
        let mut buf = [0u8; 4096];
        loop {
            match sock.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => out.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    read.ok()
        .map(|()| String::from_utf8_lossy(&out).into_owned())
}

#[tokio::test]
async fn slow_header_and_slow_body_clients_are_cut_off() {
    let (_dir, d) = start("header_timeout = \"1s\"\nbody_timeout = \"1s\"\n").await;
    let mut headers = Vec::new();
    for _ in 0..20 {
        let mut s = TcpStream::connect(("127.0.0.1", d.port)).await.unwrap();
        s.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0")
            .await
            .unwrap();
        headers.push(s);
    }
    let mut idle = TcpStream::connect(("127.0.0.1", d.port)).await.unwrap();
    let mut body = TcpStream::connect(("127.0.0.1", d.port)).await.unwrap();
    let head = format!(
        "POST /api/v1/mentions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {TOKEN}\r\n\
         Content-Length: 1000\r\n\r\n{{\"text\":"
    );
    body.write_all(head.as_bytes()).await.unwrap();
    let started = Instant::now();
    for s in &mut headers {
        assert!(
            closed_within(s, Duration::from_secs(5)).await.is_some(),
            "a slow-header connection is still open after {:?}",
            started.elapsed()
        );
    }
    assert!(
        closed_within(&mut idle, Duration::from_secs(5))
            .await
            .is_some(),
        "an idle connection is still open"
    );
    let reply = closed_within(&mut body, Duration::from_secs(5))
        .await
        .expect("a slow-body connection is still open");
    assert!(reply.starts_with("HTTP/1.1 408"), "{reply}");
    assert!(reply.contains("body_timeout"), "{reply}");
    // Nothing of the cut-off body was counted.
    assert_eq!(d.brand("Acme").await["mentions"], 0);
}

/// Open files of a process, from /proc.
fn open_files(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .map(|d| d.count())
        .unwrap_or(0)
}

/// Lets this test process hold more than 1,100 sockets.
fn raise_file_limit() {
    // SAFETY: getrlimit/setrlimit on our own process with a valid struct.
    unsafe {
        let mut lim = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) == 0 && lim.rlim_cur < 4096 {
            lim.rlim_cur = lim.rlim_max.min(4096);
            libc::setrlimit(libc::RLIMIT_NOFILE, &lim);
        }
    }
}

#[tokio::test]
async fn eleven_hundred_idle_connections_do_not_lock_out_a_request() {
    raise_file_limit();
    let (_dir, d) = start("max_connections = 200\nheader_timeout = \"30s\"\n").await;
    let mut idle = Vec::new();
    for i in 0..1100 {
        match TcpStream::connect(("127.0.0.1", d.port)).await {
            Ok(s) => idle.push(s),
            Err(e) => panic!("connection {i} failed: {e}"),
        }
    }
    // Let the daemon accept what it will.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let files = open_files(d.pid());
    assert!(
        files < 200 + 60,
        "the daemon holds {files} files with a cap of 200 connections"
    );
    let started = Instant::now();
    let (status, body) = d
        .post_mentions(r#"{"text":"acme works","id":"x1"}"#, Some(TOKEN))
        .await;
    assert_eq!(status, 202, "{body}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "the request waited {:?}",
        started.elapsed()
    );
    assert_eq!(d.brand("Acme").await["mentions"], 1);
    drop(idle);
}
