//! The board hub: one per process. It keeps each watched contest's board in memory, refreshes
//! it when a writer says the contest changed, serialises each update once and pushes the same
//! bytes to every socket of that board, and (on PostgreSQL) tells the other nodes.
//!
//! Work happens on one background thread (`board-hub`), off the async workers: writers only
//! enqueue a job. Refreshes of one contest are coalesced to at most one per
//! [`MIN_PUSH_INTERVAL`] (DESIGN §4: ≤ ~10 updates/s per board).
//!
//! Sockets are fed with `try_send`, never `do_send`: a session whose mailbox is full is marked
//! stale and skipped, and when it drains it sends its client a fresh snapshot instead of the
//! backlog (DESIGN §4: a slow socket never stalls the others).

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant};

use actix::dev::SendError;
use actix::{Message, Recipient};
use actix_web::web;
use bytestring::ByteString;
use chrono::Utc;

use super::board::{LoadedBoard, PublicBoard};
use super::{patch, progress};
use crate::error::ApiError;
use crate::store::group_commit::GroupCommitter;
use crate::store::{boards, contests, Db, DbConnection};

/// At most one push per board in this interval: bursts of submissions are coalesced.
pub const MIN_PUSH_INTERVAL: Duration = Duration::from_millis(100);

/// How long after a failed refresh the hub tries again.
const REFRESH_RETRY: Duration = Duration::from_secs(1);

/// The PostgreSQL channel every node LISTENs on. Payload: `CONTEST_ID VERSION NODE_ID`.
pub const NOTIFY_CHANNEL: &str = "skillboard_board";

/// Which stream of a contest a socket follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// The public board.
    Board,
    /// The organizers' progress board.
    Progress,
}

impl Channel {
    /// The `channel` label of this channel's metrics.
    pub fn label(self) -> &'static str {
        match self {
            Channel::Board => "board",
            Channel::Progress => "progress",
        }
    }
}

/// One serialised message for a socket, shared by every session (the bytes are reference
/// counted, never copied per socket).
#[derive(Debug, Clone)]
pub struct Frame {
    pub version: i64,
    /// For a patch: the version it applies to. The board is the same at every version from
    /// `base` up to this frame's, so a session that last sent one of those sends the patch;
    /// one that is further behind sends a fresh snapshot instead.
    pub base: Option<i64>,
    pub text: ByteString,
}

/// What the hub sends a session.
#[derive(Message, Clone)]
#[rtype(result = "()")]
pub struct Push(pub Frame);

struct Subscriber {
    id: u64,
    recipient: Recipient<Push>,
    stale: Arc<AtomicBool>,
}

/// The latest serialised view of one channel.
struct Published {
    version: i64,
    /// The view's JSON without the version, to tell a real change from a version bump.
    content: String,
    /// The HTTP body: the view with its version.
    body: ByteString,
    snapshot: Frame,
    /// The public board this was made from (board channel only), to patch the next one from.
    view: Option<PublicBoard>,
    /// The version of the last frame pushed to sockets. Versions after it with the same
    /// content were published without a push, so a patch to the next change is based on it.
    pushed: i64,
}

impl Published {
    fn new(version: i64, content: String, view: Option<PublicBoard>, pushed: i64) -> Published {
        let rest = content.strip_prefix('{').unwrap_or("}");
        let separator = if rest == "}" { "" } else { "," };
        let body = format!("{{\"version\":{version}{separator}{rest}");
        let snapshot = message("snapshot", version, &content);
        Published {
            version,
            body: body.into(),
            snapshot: Frame {
                version,
                base: None,
                text: snapshot,
            },
            content,
            view,
            pushed,
        }
    }
}

fn message(kind: &str, version: i64, content: &str) -> ByteString {
    format!("{{\"type\":\"{kind}\",\"version\":{version},\"board\":{content}}}").into()
}

/// The frame that brings sockets from the previous published version to this one: a patch
/// when the board can be patched and the patch is the shorter, else the whole board.
fn update_frame(previous: Option<&Published>, version: i64, published: &Published) -> Frame {
    let patched = previous.and_then(|previous| {
        let before = previous.view.as_ref()?;
        let after = published.view.as_ref()?;
        let json = serde_json::to_string(&patch::board_patch(before, after)?).ok()?;
        (json.len() < published.content.len()).then_some((previous.pushed, json))
    });
    match patched {
        Some((base, json)) => Frame {
            version,
            base: Some(base),
            text: format!(
                "{{\"type\":\"patch\",\"version\":{version},\"base\":{base},\"patch\":{json}}}"
            )
            .into(),
        },
        None => Frame {
            version,
            base: None,
            text: message("update", version, &published.content),
        },
    }
}

#[derive(Default)]
struct Frames {
    board: Option<Published>,
    progress: Option<Published>,
    board_subscribers: Vec<Subscriber>,
    progress_subscribers: Vec<Subscriber>,
}

impl Frames {
    fn subscribers(&mut self, channel: Channel) -> &mut Vec<Subscriber> {
        match channel {
            Channel::Board => &mut self.board_subscribers,
            Channel::Progress => &mut self.progress_subscribers,
        }
    }

    fn published(&mut self, channel: Channel) -> &mut Option<Published> {
        match channel {
            Channel::Board => &mut self.board,
            Channel::Progress => &mut self.progress,
        }
    }
}

/// One contest's state in the hub. `board` is held while the store is read; `frames` only for
/// moments, so sessions never wait on the database.
#[derive(Default)]
struct Slot {
    board: Mutex<Option<LoadedBoard>>,
    frames: Mutex<Frames>,
}

pub(crate) enum Job {
    /// A contest changed; `bump` when this node committed the change (so it owns the version
    /// bump and the NOTIFY), not when another node told us.
    Changed { contest_id: String, bump: bool },
    /// The NOTIFY listener reconnected and may have missed changes.
    RefreshAll,
}

#[derive(Default)]
struct Stats {
    stale_marks: AtomicU64,
    refreshes: AtomicU64,
}

struct Inner {
    db: Db,
    committer: GroupCommitter,
    node: String,
    jobs: mpsc::Sender<Job>,
    slots: Mutex<HashMap<String, Arc<Slot>>>,
    slugs: Mutex<HashMap<String, String>>,
    next_id: AtomicU64,
    stats: Stats,
}

/// The live boards of this process. Cheap to clone; created once in `startup.rs`.
#[derive(Clone)]
pub struct BoardHub {
    inner: Arc<Inner>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl BoardHub {
    /// Starts the hub's worker thread and, with a PostgreSQL URL, the LISTEN thread.
    pub fn start(db: Db, committer: GroupCommitter, postgres_url: Option<String>) -> BoardHub {
        let (jobs, receiver) = mpsc::channel();
        let hub = BoardHub {
            inner: Arc::new(Inner {
                db,
                committer,
                node: uuid::Uuid::new_v4().simple().to_string(),
                jobs,
                slots: Mutex::new(HashMap::new()),
                slugs: Mutex::new(HashMap::new()),
                next_id: AtomicU64::new(1),
                stats: Stats::default(),
            }),
        };
        let weak = Arc::downgrade(&hub.inner);
        let spawned = std::thread::Builder::new()
            .name("board-hub".into())
            .spawn(move || run_worker(weak, receiver));
        if let Err(error) = spawned {
            tracing::error!(%error, "cannot start the board hub thread; boards will not update");
        }
        if let Some(url) = postgres_url {
            super::pg_notify::spawn(url, &hub);
        }
        hub
    }

    /// Call after a transaction that changes what a board shows has committed (sheet submitted
    /// or reopened, module locked, teams drawn, scheme changed, imported marks, reveal). Never
    /// blocks: the hub bumps `contests.board_version`, refreshes the board incrementally,
    /// pushes to this node's sockets and NOTIFYs the other nodes, on its own thread.
    pub fn contest_changed(&self, contest_id: &str) {
        self.send(Job::Changed {
            contest_id: contest_id.to_owned(),
            bump: true,
        });
    }

    pub(crate) fn send(&self, job: Job) {
        if self.inner.jobs.send(job).is_err() {
            tracing::error!("the board hub thread has stopped; boards will not update");
        }
    }

    pub(crate) fn downgrade(&self) -> WeakHub {
        WeakHub(Arc::downgrade(&self.inner))
    }

    /// The version this node last published for a contest's public board.
    pub fn published_version(&self, contest_id: &str) -> Option<i64> {
        let slot = self.existing_slot(contest_id)?;
        let frames = lock(&slot.frames);
        frames.board.as_ref().map(|p| p.version)
    }

    /// Sessions that were found with a full mailbox, since the start (for monitoring, tests).
    pub fn stale_marks(&self) -> u64 {
        self.inner.stats.stale_marks.load(Ordering::Relaxed)
    }

    /// Board refreshes done, since the start.
    pub fn refreshes(&self) -> u64 {
        self.inner.stats.refreshes.load(Ordering::Relaxed)
    }

    /// Sockets following a contest's channel on this node.
    pub fn subscribers(&self, contest_id: &str, channel: Channel) -> usize {
        self.existing_slot(contest_id)
            .map_or(0, |slot| lock(&slot.frames).subscribers(channel).len())
    }

    /// The contest id for a slug, cached (slugs never change).
    pub async fn contest_id(&self, slug: &str) -> Result<Option<String>, ApiError> {
        if let Some(id) = lock(&self.inner.slugs).get(slug) {
            return Ok(Some(id.clone()));
        }
        let wanted = slug.to_owned();
        let found = self
            .inner
            .db
            .read(move |conn| Ok(contests::find_by_slug(conn, &wanted)?.map(|c| c.id)))
            .await?;
        if let Some(id) = &found {
            lock(&self.inner.slugs).insert(slug.to_owned(), id.clone());
        }
        Ok(found)
    }

    /// The public board's JSON (with its version), or `None` when the board is private.
    pub async fn public_body(&self, contest_id: String) -> Result<Option<ByteString>, ApiError> {
        let hub = self.clone();
        web::block(move || {
            let slot = hub.ensure_loaded(&contest_id)?;
            let frames = lock(&slot.frames);
            Ok(frames.board.as_ref().map(|p| p.body.clone()))
        })
        .await?
    }

    /// Runs `f` on the contest's in-memory board, loading it first if needed.
    pub async fn with_board<T, F>(&self, contest_id: String, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&LoadedBoard) -> Result<T, ApiError> + Send + 'static,
    {
        let hub = self.clone();
        web::block(move || {
            let slot = hub.ensure_loaded(&contest_id)?;
            let board = lock(&slot.board);
            match board.as_ref() {
                Some(board) => f(board),
                None => Err(ApiError::internal("board vanished while loading")),
            }
        })
        .await?
    }

    /// Makes sure the progress board is published (for a socket about to open).
    pub async fn prepare_progress(&self, contest_id: String) -> Result<(), ApiError> {
        let hub = self.clone();
        web::block(move || {
            let slot = hub.ensure_loaded(&contest_id)?;
            let version = lock(&slot.board).as_ref().map_or(0, |b| b.meta.version);
            let mut conn = hub.inner.db.connection()?;
            hub.publish_progress(&slot, &mut conn, &contest_id, version)
        })
        .await?
    }

    /// Registers a session and returns what it must send first: the latest snapshot. Both
    /// happen under one lock, so no update falls between them.
    pub fn subscribe(
        &self,
        contest_id: &str,
        channel: Channel,
        recipient: Recipient<Push>,
        stale: Arc<AtomicBool>,
    ) -> (u64, Option<Frame>) {
        let id = self.inner.next_id.fetch_add(1, Ordering::Relaxed);
        let slot = self.slot(contest_id);
        let mut frames = lock(&slot.frames);
        let snapshot = frames
            .published(channel)
            .as_ref()
            .map(|p| p.snapshot.clone());
        frames.subscribers(channel).push(Subscriber {
            id,
            recipient,
            stale,
        });
        (id, snapshot)
    }

    pub fn unsubscribe(&self, contest_id: &str, channel: Channel, id: u64) {
        if let Some(slot) = self.existing_slot(contest_id) {
            lock(&slot.frames)
                .subscribers(channel)
                .retain(|s| s.id != id);
        }
    }

    /// The latest snapshot of a channel (for `resync` and for a session that was stale).
    pub fn snapshot(&self, contest_id: &str, channel: Channel) -> Option<Frame> {
        let slot = self.existing_slot(contest_id)?;
        let mut frames = lock(&slot.frames);
        frames
            .published(channel)
            .as_ref()
            .map(|p| p.snapshot.clone())
    }

    fn slot(&self, contest_id: &str) -> Arc<Slot> {
        lock(&self.inner.slots)
            .entry(contest_id.to_owned())
            .or_default()
            .clone()
    }

    fn existing_slot(&self, contest_id: &str) -> Option<Arc<Slot>> {
        lock(&self.inner.slots).get(contest_id).cloned()
    }

    /// Blocking: loads the contest's board if this node has not yet, and publishes it.
    fn ensure_loaded(&self, contest_id: &str) -> Result<Arc<Slot>, ApiError> {
        let slot = self.slot(contest_id);
        let mut board = lock(&slot.board);
        if board.is_none() {
            let mut conn = self.inner.db.connection()?;
            let Some(contest) = boards::contest_by_id(&mut conn, contest_id)? else {
                drop(board);
                lock(&self.inner.slots).remove(contest_id);
                return Err(ApiError::not_found(
                    "contest.not_found",
                    "There is no such contest.",
                ));
            };
            let loaded = LoadedBoard::load(&mut conn, &contest)?;
            self.publish_board(&slot, &loaded);
            *board = Some(loaded);
        }
        drop(board);
        Ok(slot)
    }

    /// Blocking, on the hub thread: bumps the version (for local changes), NOTIFYs, refreshes
    /// a board this node holds and pushes what changed. Returns the freeze time still ahead,
    /// if any, so the thread can refresh the public board when it freezes.
    fn refresh(&self, contest_id: &str, bump: bool) -> Result<Option<Duration>, ApiError> {
        let started = Instant::now();
        if bump {
            // Through group commit: the bump shares the next batch's commit (and fsync) with
            // the sheets waiting in it instead of holding the writer for a commit of its own.
            // The NOTIFY is delivered when the batch commits.
            let node = self.inner.node.clone();
            let contest = contest_id.to_owned();
            let bumped = self.inner.committer.run_blocking(move |conn| {
                let Some(version) = boards::bump_version(conn, &contest)? else {
                    return Ok(false);
                };
                let payload = format!("{contest} {version} {node}");
                boards::notify(conn, NOTIFY_CHANNEL, &payload)?;
                Ok(true)
            })?;
            record_stage("commit", started);
            if !bumped {
                return Ok(None);
            }
        }
        let loading = Instant::now();
        let mut conn = self.inner.db.connection()?;
        let Some(slot) = self.existing_slot(contest_id) else {
            // Nobody on this node watches the contest: nothing to refresh.
            return Ok(None);
        };
        let Some(contest) = boards::contest_by_id(&mut conn, contest_id)? else {
            // Not a contest of this database (a NOTIFY from another schema) or deleted.
            lock(&self.inner.slots).remove(contest_id);
            return Ok(None);
        };
        self.inner.stats.refreshes.fetch_add(1, Ordering::Relaxed);
        metrics::counter!(crate::metrics::BOARD_REFRESHES).increment(1);
        let (version, freeze_ahead) = {
            let mut board = lock(&slot.board);
            match board.as_mut() {
                Some(loaded) => loaded.refresh(&mut conn, &contest)?,
                None => *board = Some(LoadedBoard::load(&mut conn, &contest)?),
            }
            let Some(loaded) = board.as_ref() else {
                return Ok(None);
            };
            record_stage("load", loading);
            let publishing = Instant::now();
            self.publish_board(&slot, loaded);
            record_stage("publish", publishing);
            let now = Utc::now().naive_utc();
            let ahead = loaded
                .meta
                .freeze_at
                .filter(|at| *at > now)
                .and_then(|at| (at - now).to_std().ok());
            (loaded.meta.version, ahead)
        };
        let watched = !lock(&slot.frames).progress_subscribers.is_empty();
        if watched {
            let progress = Instant::now();
            self.publish_progress(&slot, &mut conn, contest_id, version)?;
            record_stage("progress", progress);
        }
        Ok(freeze_ahead)
    }

    /// Serialises the public board once and, if it changed, pushes the same bytes to every
    /// session of it.
    fn publish_board(&self, slot: &Slot, board: &LoadedBoard) {
        let now = Utc::now().naive_utc();
        let view = board.public_board(now, None);
        let content = match view.as_ref().map(serde_json::to_string) {
            Some(Ok(content)) => Some(content),
            Some(Err(error)) => {
                tracing::error!(%error, "cannot serialise a board");
                return;
            }
            None => None,
        };
        self.publish(slot, Channel::Board, board.meta.version, content, view);
    }

    fn publish_progress(
        &self,
        slot: &Slot,
        conn: &mut DbConnection,
        contest_id: &str,
        version: i64,
    ) -> Result<(), ApiError> {
        let view = progress::load(conn, contest_id, version)?;
        let content = serde_json::to_string(&view).map_err(ApiError::internal)?;
        self.publish(slot, Channel::Progress, version, Some(content), None);
        Ok(())
    }

    fn publish(
        &self,
        slot: &Slot,
        channel: Channel,
        version: i64,
        content: Option<String>,
        view: Option<PublicBoard>,
    ) {
        let mut frames = lock(&slot.frames);
        let Some(content) = content else {
            // The board went private: its sockets get nothing more.
            *frames.published(channel) = None;
            frames.subscribers(channel).clear();
            return;
        };
        let previous = frames.published(channel).as_ref();
        let changed = previous.is_none_or(|p| p.content != content);
        if !changed && previous.is_some_and(|p| p.version >= version) {
            return;
        }
        // A client drops updates that are not newer than what it has, so a change must carry
        // a higher version even when the store's bump is not visible yet (a load that raced a
        // writer's commit); the store's versions catch up on the next bump.
        let version = match previous {
            Some(p) if changed => version.max(p.version + 1),
            Some(p) => version.max(p.version),
            None => version,
        };
        let pushed = match previous {
            Some(p) if !changed => p.pushed,
            _ => version,
        };
        let published = Published::new(version, content, view, pushed);
        if changed {
            let update = update_frame(previous, version, &published);
            let stale_marks = &self.inner.stats.stale_marks;
            let (mut sent, mut dropped) = (0u64, 0u64);
            frames.subscribers(channel).retain(|subscriber| {
                match subscriber.recipient.try_send(Push(update.clone())) {
                    Ok(()) => {
                        sent += 1;
                        true
                    }
                    Err(SendError::Full(_)) => {
                        dropped += 1;
                        if !subscriber.stale.swap(true, Ordering::AcqRel) {
                            stale_marks.fetch_add(1, Ordering::Relaxed);
                        }
                        true
                    }
                    Err(SendError::Closed(_)) => false,
                }
            });
            let label = channel.label();
            metrics::counter!(crate::metrics::UPDATES_SENT, "channel" => label).increment(sent);
            metrics::counter!(crate::metrics::UPDATES_DROPPED, "channel" => label)
                .increment(dropped);
        }
        *frames.published(channel) = Some(published);
    }

    fn loaded_contests(&self) -> Vec<String> {
        lock(&self.inner.slots).keys().cloned().collect()
    }
}

/// Records how long a stage of a refresh took, since `started`.
fn record_stage(stage: &'static str, started: Instant) {
    metrics::histogram!(crate::metrics::BOARD_REFRESH_SECONDS, "stage" => stage)
        .record(started.elapsed().as_secs_f64());
}

/// A handle that does not keep the hub alive (for the LISTEN thread).
pub(crate) struct WeakHub(Weak<Inner>);

impl WeakHub {
    /// This node's id, or `None` once the hub is gone.
    pub(crate) fn node(&self) -> Option<String> {
        self.0.upgrade().map(|inner| inner.node.clone())
    }

    /// Hands a job to the hub; `false` once the hub is gone.
    pub(crate) fn send(&self, job: Job) -> bool {
        self.0
            .upgrade()
            .is_some_and(|inner| inner.jobs.send(job).is_ok())
    }
}

/// The hub thread: gathers jobs, coalesces them per contest, refreshes when due.
fn run_worker(hub: Weak<Inner>, jobs: mpsc::Receiver<Job>) {
    let mut due: HashMap<String, Instant> = HashMap::new();
    let mut bumps: HashSet<String> = HashSet::new();
    let mut last_run: HashMap<String, Instant> = HashMap::new();
    let mut freezes: HashMap<String, Instant> = HashMap::new();
    loop {
        let next = due.values().chain(freezes.values()).min().copied();
        let wait = next.map_or(Duration::from_secs(60), |at| {
            at.saturating_duration_since(Instant::now())
        });
        let first = match jobs.recv_timeout(wait) {
            Ok(job) => Some(job),
            Err(mpsc::RecvTimeoutError::Timeout) => None,
            Err(mpsc::RecvTimeoutError::Disconnected) => return,
        };
        let Some(inner) = hub.upgrade() else {
            return;
        };
        let hub_handle = BoardHub { inner };
        let now = Instant::now();
        let mut schedule = |contest_id: String, bump: bool| {
            if bump {
                bumps.insert(contest_id.clone());
            }
            let earliest = last_run
                .get(&contest_id)
                .map_or(now, |at| *at + MIN_PUSH_INTERVAL)
                .max(now);
            due.entry(contest_id).or_insert(earliest);
        };
        for job in first
            .into_iter()
            .chain(std::iter::from_fn(|| jobs.try_recv().ok()))
        {
            match job {
                Job::Changed { contest_id, bump } => schedule(contest_id, bump),
                Job::RefreshAll => {
                    for contest_id in hub_handle.loaded_contests() {
                        schedule(contest_id, false);
                    }
                }
            }
        }
        let frozen_now: Vec<String> = freezes
            .iter()
            .filter(|(_, at)| **at <= now)
            .map(|(id, _)| id.clone())
            .collect();
        for contest_id in frozen_now {
            freezes.remove(&contest_id);
            // The public board froze: its `frozen` flag changed, which is a new version.
            bumps.insert(contest_id.clone());
            due.entry(contest_id).or_insert(now);
        }
        let ready: Vec<String> = due
            .iter()
            .filter(|(_, at)| **at <= now)
            .map(|(id, _)| id.clone())
            .collect();
        for contest_id in ready {
            due.remove(&contest_id);
            let bump = bumps.remove(&contest_id);
            match hub_handle.refresh(&contest_id, bump) {
                Ok(Some(ahead)) => {
                    freezes.insert(
                        contest_id.clone(),
                        Instant::now() + ahead + Duration::from_millis(50),
                    );
                }
                Ok(None) => {}
                Err(error) => {
                    // Try again shortly (a full write queue, a database restarting): otherwise
                    // the board would show the old version until the next change.
                    tracing::error!(contest = %contest_id, %error, "board refresh failed");
                    if bump {
                        bumps.insert(contest_id.clone());
                    }
                    due.insert(contest_id.clone(), Instant::now() + REFRESH_RETRY);
                }
            }
            last_run.insert(contest_id, Instant::now());
        }
    }
}
