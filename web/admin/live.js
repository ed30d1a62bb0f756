// The organizers' progress socket (`/ws/contests/{slug}/progress`, docs/boards.md): a snapshot,
// then whole-board updates with rising versions. While the socket is down the screen polls
// instead (`poll`, every 15 s) and the socket is retried with a growing pause.

const POLL_MS = 15000;
const RETRY_MIN_MS = 1000;
const RETRY_MAX_MS = 30000;

/**
 * watchProgress(slug, {onBoard(board), onStatus('live'|'polling'|'connecting'), poll()})
 * returns stop(). `poll` is called every 15 s only while the socket is not open.
 */
export function watchProgress(slug, { onBoard, onStatus, poll }) {
  let socket = null;
  let stopped = false;
  let retry = RETRY_MIN_MS;
  let retryTimer = null;
  let pollTimer = null;
  let version = -1;

  const status = (s) => onStatus && onStatus(s);
  const startPolling = () => {
    if (pollTimer || stopped) return;
    status('polling');
    pollTimer = setInterval(() => {
      if (!document.hidden && poll) poll();
    }, POLL_MS);
  };
  const stopPolling = () => {
    clearInterval(pollTimer);
    pollTimer = null;
  };

  const connect = () => {
    if (stopped) return;
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    try {
      socket = new WebSocket(`${proto}//${location.host}/ws/contests/${encodeURIComponent(slug)}/progress`);
    } catch {
      scheduleRetry();
      return;
    }
    socket.addEventListener('message', (event) => {
      let msg;
      try {
        msg = JSON.parse(event.data);
      } catch {
        return;
      }
      if (msg.type === 'snapshot' || msg.type === 'update') {
        // A snapshot is authoritative (a reconnect may land on another node); an update older
        // than what is shown is dropped.
        if (msg.type === 'update' && msg.version <= version) return;
        version = msg.version;
        retry = RETRY_MIN_MS;
        stopPolling();
        status('live');
        onBoard(msg.board);
      }
    });
    socket.addEventListener('close', () => {
      socket = null;
      if (stopped) return;
      startPolling();
      scheduleRetry();
    });
    socket.addEventListener('error', () => {
      // `close` follows and handles it.
    });
  };
  const scheduleRetry = () => {
    if (stopped) return;
    clearTimeout(retryTimer);
    retryTimer = setTimeout(connect, retry);
    retry = Math.min(retry * 2, RETRY_MAX_MS);
  };
  // A laptop waking up may hold a socket that silently died: ask for a fresh snapshot.
  const onVisible = () => {
    if (document.visibilityState === 'visible' && socket && socket.readyState === WebSocket.OPEN) {
      socket.send(JSON.stringify({ type: 'resync' }));
    }
  };
  document.addEventListener('visibilitychange', onVisible);
  status('connecting');
  connect();

  return () => {
    stopped = true;
    clearTimeout(retryTimer);
    stopPolling();
    document.removeEventListener('visibilitychange', onVisible);
    if (socket) socket.close();
  };
}
