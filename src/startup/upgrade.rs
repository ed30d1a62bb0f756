//! Serves the requests that switch protocols (the board WebSockets) on a lean connection.
//!
//! actix-http's HTTP/1 dispatcher keeps an 8 KiB read buffer and an 8 KiB write buffer for the
//! whole life of a connection. A spectator's socket idles for hours with nothing to read and a
//! patch of a few hundred bytes to write now and then, so those two buffers were most of what a
//! socket cost (docs/boards.md, "Memory"). actix-http hands a request that asks to switch
//! protocols, with the connection itself, to an upgrade service instead; this is that service.
//!
//! The request still goes through the whole application (middleware, routing, extractors, the
//! caller's role, the per-address limits) and the session is still an actix-web-actors actor;
//! only the bytes travel differently: read in small chunks as they arrive, and written to the
//! socket straight from the frames the session produces. A response that does not switch
//! protocols (a refusal, or an ordinary page asked for with an `Upgrade` header) is written
//! whole and the connection closed, as the client cannot reuse it for HTTP anyway.
//!
//! When the server shuts down gracefully, each socket gets a close frame with 1001 "going away"
//! at once, so boards reconnect (to another node behind the load balancer) instead of the server
//! waiting out its 30 s grace period for sockets that would never end by themselves.

use std::future::poll_fn;
use std::io;
use std::pin::pin;
use std::rc::Rc;

use actix_codec::{Encoder, Framed, FramedParts};
use actix_http::body::{BodySize, MessageBody};
use actix_http::error::PayloadError;
use actix_http::h1::{Codec, Message};
use actix_http::ws::{self, CloseCode, CloseReason};
use actix_http::{ConnectionType, Payload, Request, Response, StatusCode};
use actix_server::GracefulShutdownSignal;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::rt::net::TcpStream;
use bytes::{Bytes, BytesMut};
use futures_util::{stream, StreamExt, TryStreamExt};
use tokio::io::AsyncWriteExt;
use tokio::net::tcp::OwnedWriteHalf;
use tokio_util::io::ReaderStream;

/// What actix-http hands over: the request and its connection, with the dispatcher's buffers.
pub type Upgrade = (Request, Framed<TcpStream, Codec>);

/// Bytes read from the client at a time. Board clients send only pongs, closes and the odd
/// `{"type":"resync"}`; the session's codec reassembles anything longer.
const READ_CHUNK: usize = 512;

/// The kernel's send buffer for a board socket (Linux doubles it for its own bookkeeping, so
/// 512 KiB). Left to itself the kernel grows it up to 4 MiB (`tcp_wmem`), which it would fill
/// for every spectator that stops reading, for up to the stall timeout, before the server
/// noticed anything. Capped, a stalled reader blocks its writer after some seconds of patches:
/// its session's mailbox fills and the hub marks it stale and skips it. Not lower: a whole
/// snapshot must fit, or writing one to a slow phone would block the session long enough for
/// the board's next updates to mark it stale, and it would be sent a snapshot again, and again
/// (a 1,000-team board's snapshot is ~310 KB, `cargo bench --bench board`).
const SEND_BUFFER: usize = 256 * 1024;

/// Runs one upgrade request through `app` and then, if it switched protocols, carries the
/// session's frames until either side ends it. Connection failures end the connection; they are
/// logged, not returned, as actix-http would log a returned error as a server fault.
pub async fn serve<S, B>(
    app: Rc<S>,
    (request, connection): Upgrade,
    shutdown: GracefulShutdownSignal,
) -> Result<(), actix_web::Error>
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody + 'static,
{
    if let Err(error) = exchange(&*app, request, connection, shutdown).await {
        tracing::debug!(%error, "an upgraded connection ended with an error");
    }
    Ok(())
}

async fn exchange<S, B>(
    app: &S,
    request: Request,
    connection: Framed<TcpStream, Codec>,
    shutdown: GracefulShutdownSignal,
) -> io::Result<()>
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody + 'static,
{
    // The dispatcher's 8 KiB buffers go here: only what the client sent after the request head
    // (nothing, for a WebSocket client, which waits for the 101) is kept.
    let FramedParts {
        io,
        mut codec,
        read_buf,
        ..
    } = connection.into_parts();
    let already_read = (!read_buf.is_empty()).then(|| Bytes::copy_from_slice(&read_buf));
    drop(read_buf);

    let (reader, writer) = io.into_split();
    let incoming = stream::iter(already_read.map(Ok))
        .chain(ReaderStream::with_capacity(reader, READ_CHUNK))
        .map_err(PayloadError::Io);
    let (request, _) = request.replace_payload(Payload::from(
        Box::pin(incoming) as actix_http::BoxedPayloadStream
    ));

    // Boxed so that the application's (large) future does not size every connection's task.
    let response: Response<B> = match Box::pin(app.call(request)).await {
        Ok(response) => response.into(),
        Err(error) => return write_whole(&mut codec, writer, error.error_response().into()).await,
    };
    if response.status() == StatusCode::SWITCHING_PROTOCOLS {
        carry_frames(&mut codec, writer, response, shutdown).await
    } else {
        write_whole(&mut codec, writer, response.map_into_boxed_body()).await
    }
}

/// Writes the 101 head, then every chunk the session's body yields, as it yields it, until the
/// session ends or the server shuts down. While a write waits for a slow reader the body is not
/// polled, so the session's mailbox fills and the hub marks it stale (live::session), exactly as
/// under actix-http's dispatcher. Each chunk holds whole frames, so the close frame never lands
/// inside another.
async fn carry_frames<B: MessageBody>(
    codec: &mut Codec,
    mut writer: OwnedWriteHalf,
    response: Response<B>,
    shutdown: GracefulShutdownSignal,
) -> io::Result<()> {
    if let Err(error) = socket2::SockRef::from(writer.as_ref()).set_send_buffer_size(SEND_BUFFER) {
        tracing::debug!(%error, "cannot cap a board socket's send buffer");
    }
    let (head, body) = response.into_parts();
    let mut head_bytes = BytesMut::new();
    codec.encode(Message::Item((head, body.size())), &mut head_bytes)?;
    writer.write_all(&head_bytes).await?;
    drop(head_bytes);

    let mut body = pin!(body);
    let mut shutting_down = pin!(shutdown.notified());
    loop {
        let chunk = tokio::select! {
            chunk = poll_fn(|cx| body.as_mut().poll_next(cx)) => chunk,
            () = &mut shutting_down => {
                writer.write_all(&going_away()?).await?;
                break;
            }
        };
        let Some(chunk) = chunk else { break };
        let chunk = chunk.map_err(|error| io::Error::other(error.into().to_string()))?;
        writer.write_all(&chunk).await?;
    }
    writer.shutdown().await
}

/// The close frame a socket gets when the server shuts down.
fn going_away() -> io::Result<BytesMut> {
    let mut frame = BytesMut::new();
    let reason = CloseReason {
        code: CloseCode::Away,
        description: Some("server shutting down".into()),
    };
    ws::Codec::new()
        .encode(ws::Message::Close(Some(reason)), &mut frame)
        .map_err(|error| io::Error::other(error.to_string()))?;
    Ok(frame)
}

/// Writes a response that did not switch protocols, with its length, and closes.
async fn write_whole(
    codec: &mut Codec,
    mut writer: OwnedWriteHalf,
    response: Response<actix_http::body::BoxBody>,
) -> io::Result<()> {
    let (mut head, body) = response.into_parts();
    head.head_mut().set_connection_type(ConnectionType::Close);
    let size = body.size();
    let body = actix_http::body::to_bytes(body)
        .await
        .map_err(|error| io::Error::other(error.to_string()))?;
    let size = match size {
        BodySize::None => BodySize::None,
        _ => BodySize::Sized(body.len() as u64),
    };
    let mut bytes = BytesMut::with_capacity(256 + body.len());
    codec.encode(Message::Item((head, size)), &mut bytes)?;
    if size != BodySize::None {
        codec.encode(Message::Chunk(Some(body)), &mut bytes)?;
        codec.encode(Message::Chunk(None), &mut bytes)?;
    }
    writer.write_all(&bytes).await?;
    writer.shutdown().await
}
