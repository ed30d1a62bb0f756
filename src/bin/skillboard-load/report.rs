//! Percentiles (hdrhistogram, in microseconds) and the server's memory.

use hdrhistogram::Histogram;

use crate::api::{metric, metric_where, Api};

pub fn histogram() -> Histogram<u64> {
    // 1 µs to 10 minutes, 3 significant digits.
    Histogram::new_with_bounds(1, 600_000_000, 3).unwrap_or_else(|_| Histogram::new(3).unwrap())
}

/// `p50 / p99 / max` in milliseconds.
pub fn summary(h: &Histogram<u64>) -> String {
    if h.is_empty() {
        return "no samples".to_owned();
    }
    format!(
        "p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms (n = {})",
        h.value_at_quantile(0.5) as f64 / 1000.0,
        h.value_at_quantile(0.99) as f64 / 1000.0,
        h.max() as f64 / 1000.0,
        h.len()
    )
}

pub fn ms(us: u64) -> f64 {
    us as f64 / 1000.0
}

/// The server's resident memory in bytes: from /proc/<pid>/status when the pid is known,
/// else from its `/metrics`.
pub async fn server_rss(api: &Api, pid: Option<u32>) -> Option<u64> {
    if let Some(pid) = pid {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
        let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
        let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
        return Some(kib * 1024);
    }
    let value = metric(&api.metrics().await, "process_resident_memory_bytes");
    (value > 0.0).then_some(value as u64)
}

pub fn mib(bytes: Option<u64>) -> String {
    bytes.map_or("?".to_owned(), |b| {
        format!("{:.1} MiB", b as f64 / 1048576.0)
    })
}

/// CPU seconds (user + system) used so far by process `pid`, or by the load tool itself for
/// `None`, from `/proc/…/stat`.
pub fn cpu_seconds(pid: Option<u32>) -> Option<f64> {
    let path = pid.map_or_else(
        || "/proc/self/stat".to_owned(),
        |p| format!("/proc/{p}/stat"),
    );
    let stat = std::fs::read_to_string(path).ok()?;
    // The command name (field 2) may hold spaces; the fields after it are plain numbers.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    // SAFETY: sysconf only reads a constant of the running system.
    let per_second = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    (per_second > 0).then(|| ticks / per_second as f64)
}

/// The server's board hub between two scrapes of `/metrics`: for each stage of a refresh, its
/// mean and how many took over 100 ms, so a late first socket can be told from a slow hub.
pub fn hub_stages(before: &str, after: &str) -> String {
    const NAME: &str = "skillboard_board_refresh_seconds";
    let delta = |series: &str, labels: &[&str]| {
        let name = format!("{NAME}_{series}");
        metric_where(after, &name, labels) - metric_where(before, &name, labels)
    };
    let stages: Vec<String> = ["commit", "load", "publish", "progress"]
        .iter()
        .filter_map(|stage| {
            let stage_label = format!("stage=\"{stage}\"");
            let count = delta("count", &[&stage_label]);
            if count <= 0.0 {
                return None;
            }
            let within = delta("bucket", &[&stage_label, "le=\"0.1\""]);
            let mean_ms = delta("sum", &[&stage_label]) / count * 1e3;
            Some(format!(
                "{stage} mean {mean_ms:.2} ms, {} of {count} over 100 ms",
                count - within
            ))
        })
        .collect();
    if stages.is_empty() {
        "board hub: no refresh timings in the server's metrics".to_owned()
    } else {
        format!("board hub per refresh: {}", stages.join("; "))
    }
}

#[cfg(test)]
mod tests {
    use super::hub_stages;

    #[test]
    fn hub_stages_are_read_between_two_scrapes() {
        let before = "skillboard_board_refresh_seconds_bucket{stage=\"load\",le=\"0.1\"} 10\n\
                      skillboard_board_refresh_seconds_sum{stage=\"load\"} 0.05\n\
                      skillboard_board_refresh_seconds_count{stage=\"load\"} 10\n";
        let after = "skillboard_board_refresh_seconds_bucket{stage=\"load\",le=\"0.05\"} 11\n\
                     skillboard_board_refresh_seconds_bucket{stage=\"load\",le=\"0.1\"} 11\n\
                     skillboard_board_refresh_seconds_sum{stage=\"load\"} 0.35\n\
                     skillboard_board_refresh_seconds_count{stage=\"load\"} 12\n\
                     skillboard_board_refresh_seconds_count{stage=\"commit\"} 0\n";
        assert_eq!(
            hub_stages(before, after),
            "board hub per refresh: load mean 150.00 ms, 1 of 2 over 100 ms"
        );
    }
}
