//! The bare floor: a minimal tokio-tungstenite broadcast server that fans the same bytes out to
//! the same sockets and does nothing else (no board, no database, no actors). A board's
//! fan-out is reported as a ratio to this floor measured in the same run.
//!
//! Any text a client sends is broadcast to every other socket (shared bytes, one bounded
//! queue per socket, a full queue drops the message for that socket, like the hub).

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;

use crate::watch::socket_config;
use crate::Result;

type Peers = Arc<Mutex<Vec<(u64, mpsc::Sender<Message>)>>>;

/// Runs the floor server until the process is stopped.
pub async fn serve(bind: SocketAddr) -> Result<()> {
    let listener = TcpListener::bind(bind).await?;
    println!("floor server on ws://{}/", listener.local_addr()?);
    let peers: Peers = Arc::default();
    let mut next_id = 0u64;
    loop {
        let (stream, _) = listener.accept().await?;
        next_id += 1;
        let id = next_id;
        let peers = peers.clone();
        tokio::spawn(async move {
            let _ = stream.set_nodelay(true);
            let Ok(socket) =
                tokio_tungstenite::accept_async_with_config(stream, Some(socket_config())).await
            else {
                return;
            };
            let (mut sink, mut source) = socket.split();
            let (tx, mut rx) = mpsc::channel::<Message>(8);
            peers
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push((id, tx));
            let writer = tokio::spawn(async move {
                while let Some(message) = rx.recv().await {
                    if sink.send(message).await.is_err() {
                        break;
                    }
                }
            });
            while let Some(Ok(message)) = source.next().await {
                if let Message::Text(text) = message {
                    let mut list = peers.lock().unwrap_or_else(|e| e.into_inner());
                    list.retain(|(peer, tx)| {
                        *peer == id
                            || !matches!(
                                tx.try_send(Message::Text(text.clone())),
                                Err(mpsc::error::TrySendError::Closed(_))
                            )
                    });
                }
            }
            peers
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .retain(|(peer, _)| *peer != id);
            writer.abort();
        });
    }
}
