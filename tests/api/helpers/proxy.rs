//! A TCP proxy the test can cut and restore, to make a database unreachable on demand. It runs
//! on its own threads: the server under test connects to the database synchronously, so a proxy
//! on the test's async runtime would never get to accept.

use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;

pub struct TcpProxy {
    port: u16,
    cut: Arc<AtomicBool>,
    open: Arc<Mutex<Vec<TcpStream>>>,
}

impl TcpProxy {
    pub fn start(upstream: &str) -> TcpProxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let cut = Arc::new(AtomicBool::new(false));
        let open: Arc<Mutex<Vec<TcpStream>>> = Arc::default();
        let upstream = upstream.to_owned();
        thread::spawn({
            let cut = cut.clone();
            let open = open.clone();
            move || {
                for inbound in listener.incoming() {
                    let Ok(inbound) = inbound else { break };
                    if cut.load(Ordering::SeqCst) {
                        continue; // dropping the socket refuses the connection
                    }
                    let Ok(outbound) = TcpStream::connect(&upstream) else {
                        continue;
                    };
                    let mut sockets = open.lock().unwrap();
                    sockets.push(inbound.try_clone().unwrap());
                    sockets.push(outbound.try_clone().unwrap());
                    pipe(inbound.try_clone().unwrap(), outbound.try_clone().unwrap());
                    pipe(outbound, inbound);
                }
            }
        });
        TcpProxy { port, cut, open }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Closes every open connection and refuses new ones.
    pub fn cut(&self) {
        self.cut.store(true, Ordering::SeqCst);
        for socket in self.open.lock().unwrap().drain(..) {
            let _ = socket.shutdown(Shutdown::Both);
        }
    }

    pub fn restore(&self) {
        self.cut.store(false, Ordering::SeqCst);
    }
}

fn pipe(mut from: TcpStream, mut to: TcpStream) {
    thread::spawn(move || {
        let _ = std::io::copy(&mut from, &mut to);
        let _ = to.shutdown(Shutdown::Both);
    });
}

impl Drop for TcpProxy {
    fn drop(&mut self) {
        self.cut();
    }
}
