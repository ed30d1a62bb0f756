//! One board socket. This is the only file that knows `actix-web-actors` (deprecated upstream
//! in favour of `actix-ws`): moving to `actix-ws` means rewriting this file alone; the hub
//! only needs a `Recipient<Push>` (or, after the move, any non-blocking sender) per session.
//!
//! Protocol (docs/boards.md): the server sends `{"type":"snapshot","version":N,"board":{…}}`
//! first, then `{"type":"update",…}` (a whole board) or `{"type":"patch","base":M,…}` (what
//! changed since version M, at or before the version this session sent last) with increasing
//! versions; the client may send `{"type":"resync"}` for a fresh snapshot. The server pings
//! every heartbeat (10 s by default) and closes a socket it has not heard from for the idle
//! timeout (30 s); both come from [`SocketSettings`]. A message over [`MAX_INCOMING_FRAME`], a
//! fragmented or a binary one closes the socket: clients only ever send the few bytes of a
//! resync.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix::{Actor, ActorContext, AsyncContext, Handler, StreamHandler};
use actix_web::{web, HttpRequest, HttpResponse};
use actix_web_actors::ws;

use super::hub::{BoardHub, Channel, Frame, Push};
use crate::api::limits::{ClientAddresses, SocketLimiter, SocketPermit};
use crate::error::ApiError;

/// Clients only ever send `{"type":"resync"}`; anything much larger is refused by the codec.
pub const MAX_INCOMING_FRAME: usize = 4 * 1024;
/// Updates waiting for one socket. A session that falls this far behind is better served by
/// one fresh snapshot than by its backlog.
pub const MAILBOX: usize = 8;

/// How sockets are kept alive and how many one client may hold (from `config::Limits`).
pub struct SocketSettings {
    pub heartbeat: Duration,
    pub idle_timeout: Duration,
    pub limiter: SocketLimiter,
    pub addresses: ClientAddresses,
}

impl SocketSettings {
    /// A permit for one more socket from the request's client, or a 429 `socket.too_many`.
    pub fn admit(&self, req: &HttpRequest) -> Result<SocketPermit, ApiError> {
        self.limiter.acquire(self.addresses.of(req))
    }
}

struct BoardSocket {
    hub: BoardHub,
    heartbeat: Duration,
    idle_timeout: Duration,
    /// Counts this socket against its address until the session ends.
    _permit: SocketPermit,
    contest_id: String,
    channel: Channel,
    id: Option<u64>,
    last_heard: Instant,
    last_version: i64,
    stale: Arc<AtomicBool>,
}

/// Upgrades the request to a socket following `channel` of the contest. The caller has checked
/// who may watch and made sure the channel is published.
pub fn start(
    req: &HttpRequest,
    stream: web::Payload,
    hub: BoardHub,
    settings: &SocketSettings,
    permit: SocketPermit,
    contest_id: String,
    channel: Channel,
) -> Result<HttpResponse, actix_web::Error> {
    let session = BoardSocket {
        hub,
        heartbeat: settings.heartbeat,
        idle_timeout: settings.idle_timeout,
        _permit: permit,
        contest_id,
        channel,
        id: None,
        last_heard: Instant::now(),
        last_version: i64::MIN,
        stale: Arc::new(AtomicBool::new(false)),
    };
    ws::WsResponseBuilder::new(session, req, stream)
        .frame_size(MAX_INCOMING_FRAME)
        .start()
}

impl BoardSocket {
    fn send(&mut self, frame: Frame, ctx: &mut ws::WebsocketContext<Self>) {
        self.last_version = self.last_version.max(frame.version);
        ctx.text(frame.text);
    }

    fn send_snapshot(&mut self, reason: &'static str, ctx: &mut ws::WebsocketContext<Self>) {
        if let Some(frame) = self.hub.snapshot(&self.contest_id, self.channel) {
            self.count_snapshot(reason);
            self.send(frame, ctx);
        }
    }

    fn count_snapshot(&self, reason: &'static str) {
        metrics::counter!(crate::metrics::SNAPSHOTS_SENT, "channel" => self.channel.label(),
            "reason" => reason)
        .increment(1);
    }

    /// A session the hub found with a full mailbox skips its backlog: one fresh snapshot.
    fn catch_up_if_stale(&mut self, ctx: &mut ws::WebsocketContext<Self>) -> bool {
        let stale = self.stale.swap(false, Ordering::AcqRel);
        if stale {
            self.send_snapshot("stale", ctx);
        }
        stale
    }
}

impl Actor for BoardSocket {
    type Context = ws::WebsocketContext<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        ctx.set_mailbox_capacity(MAILBOX);
        let (id, snapshot) = self.hub.subscribe(
            &self.contest_id,
            self.channel,
            ctx.address().recipient(),
            self.stale.clone(),
        );
        self.id = Some(id);
        metrics::gauge!(crate::metrics::SOCKETS_OPEN, "channel" => self.channel.label())
            .increment(1.0);
        if let Some(frame) = snapshot {
            self.count_snapshot("open");
            self.send(frame, ctx);
        }
        ctx.run_interval(self.heartbeat, |act, ctx| {
            if act.last_heard.elapsed() > act.idle_timeout {
                ctx.close(Some(ws::CloseReason {
                    code: ws::CloseCode::Away,
                    description: Some("idle".into()),
                }));
                ctx.stop();
                return;
            }
            act.catch_up_if_stale(ctx);
            ctx.ping(b"");
        });
    }

    fn stopped(&mut self, _: &mut Self::Context) {
        if let Some(id) = self.id.take() {
            self.hub.unsubscribe(&self.contest_id, self.channel, id);
            metrics::gauge!(crate::metrics::SOCKETS_OPEN, "channel" => self.channel.label())
                .decrement(1.0);
        }
    }
}

impl Handler<Push> for BoardSocket {
    type Result = ();

    fn handle(&mut self, Push(frame): Push, ctx: &mut Self::Context) {
        if self.catch_up_if_stale(ctx) {
            return;
        }
        if frame.version <= self.last_version {
            return;
        }
        match frame.base {
            Some(base) if base > self.last_version => self.send_snapshot("gap", ctx),
            _ => self.send(frame, ctx),
        }
    }
}

#[derive(serde::Deserialize)]
struct ClientMessage {
    #[serde(rename = "type")]
    kind: String,
}

impl StreamHandler<Result<ws::Message, ws::ProtocolError>> for BoardSocket {
    fn handle(&mut self, message: Result<ws::Message, ws::ProtocolError>, ctx: &mut Self::Context) {
        let message = match message {
            Ok(message) => message,
            Err(error) => {
                tracing::debug!(%error, "board socket protocol error");
                let code = match error {
                    ws::ProtocolError::Overflow => ws::CloseCode::Size,
                    _ => ws::CloseCode::Protocol,
                };
                close(ctx, code, "refused");
                return;
            }
        };
        self.last_heard = Instant::now();
        match message {
            ws::Message::Ping(bytes) => ctx.pong(&bytes),
            ws::Message::Text(text) => {
                match serde_json::from_str::<ClientMessage>(&text) {
                    Ok(m) if m.kind == "resync" => {
                        self.stale.store(false, Ordering::Release);
                        self.send_snapshot("resync", ctx);
                    }
                    _ => ctx.text(
                        r#"{"type":"error","code":"message.unknown","detail":"Send {\"type\":\"resync\"} for a fresh snapshot."}"#,
                    ),
                }
            }
            ws::Message::Close(reason) => {
                ctx.close(reason);
                ctx.stop();
            }
            // A resync fits in one small text frame: anything else is not one of ours.
            ws::Message::Continuation(_) => close(ctx, ws::CloseCode::Size, "too large"),
            ws::Message::Binary(_) => close(ctx, ws::CloseCode::Unsupported, "text only"),
            ws::Message::Pong(_) | ws::Message::Nop => {}
        }
    }
}

fn close(ctx: &mut ws::WebsocketContext<BoardSocket>, code: ws::CloseCode, why: &str) {
    ctx.close(Some(ws::CloseReason {
        code,
        description: Some(why.to_owned()),
    }));
    ctx.stop();
}
