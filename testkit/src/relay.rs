//! A small SMTP relay for tests and benchmarks, on a free loopback port: it takes every message
//! except for recipients whose address contains [`REFUSED_MARK`], which it refuses for good
//! (`550`), and counts what it took by `Message-ID`, so a run can check that each deliverable
//! mail arrived exactly once. It speaks just what lettre's client sends (EHLO/HELO, MAIL, RCPT,
//! DATA, RSET, NOOP, QUIT), without TLS or authentication.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// A recipient whose address contains this is refused with `550`.
pub const REFUSED_MARK: &str = "+refuse";

/// What the relay saw.
#[derive(Default)]
struct Seen {
    taken: Mutex<HashMap<String, u32>>,
    refused: AtomicUsize,
}

/// A running relay; it stops when the process ends.
pub struct Relay {
    /// Its SMTP port on 127.0.0.1.
    pub port: u16,
    seen: Arc<Seen>,
}

impl Relay {
    /// Starts one on a free port.
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the relay");
        let port = listener.local_addr().expect("addr").port();
        let seen = Arc::new(Seen::default());
        let shared = seen.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let seen = shared.clone();
                std::thread::spawn(move || session(stream, &seen));
            }
        });
        Self { port, seen }
    }

    /// Messages taken, by `Message-ID`, with how many times each arrived.
    pub fn taken(&self) -> HashMap<String, u32> {
        self.seen.taken.lock().expect("lock").clone()
    }

    /// Recipients refused so far (each attempt counts).
    pub fn refusals(&self) -> usize {
        self.seen.refused.load(Ordering::Relaxed)
    }
}

/// One SMTP session; ends when the client quits or the connection drops.
fn session(stream: TcpStream, seen: &Seen) {
    let Ok(read_half) = stream.try_clone() else { return };
    let mut reader = BufReader::new(read_half);
    let mut out = stream;
    let say = |out: &mut TcpStream, line: &str| out.write_all(format!("{line}\r\n").as_bytes()).is_ok();
    if !say(&mut out, "220 tepei test relay") {
        return;
    }
    let mut recipients = 0;
    let mut line = String::new();
    loop {
        line.clear();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let command = line.trim_end().to_ascii_uppercase();
        let answer = if command.starts_with("EHLO") {
            "250-tepei test relay\r\n250 8BITMIME"
        } else if command.starts_with("HELO") || command.starts_with("NOOP") {
            "250 OK"
        } else if command.starts_with("MAIL FROM") || command.starts_with("RSET") {
            recipients = 0;
            "250 OK"
        } else if command.starts_with("RCPT TO") {
            if line.contains(REFUSED_MARK) {
                seen.refused.fetch_add(1, Ordering::Relaxed);
                "550 5.1.1 mailbox unavailable"
            } else {
                recipients += 1;
                "250 OK"
            }
        } else if command.starts_with("DATA") {
            if recipients == 0 {
                "554 no valid recipients"
            } else {
                if !say(&mut out, "354 end with <CRLF>.<CRLF>") {
                    return;
                }
                let mut id = String::new();
                loop {
                    line.clear();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    if line == ".\r\n" || line == ".\n" {
                        break;
                    }
                    if id.is_empty() && line.to_ascii_lowercase().starts_with("message-id:") {
                        id = line["message-id:".len()..].trim().to_owned();
                    }
                }
                *seen.taken.lock().expect("lock").entry(id).or_default() += 1;
                recipients = 0;
                "250 OK queued"
            }
        } else if command.starts_with("QUIT") {
            say(&mut out, "221 bye");
            return;
        } else {
            "502 command not implemented"
        };
        if !say(&mut out, answer) {
            return;
        }
    }
}
