//! The server's HTTP API as the load generator uses it: the administrator sets up a contest
//! (organization, contest, scheme, teams, check-in, draw, judges, running) and judges sign in
//! from their links and send sheets.

use std::net::IpAddr;
use std::time::Duration;

use serde_json::{json, Value};

use crate::Result;

/// The per-address sign-in limit is 30 a minute: judges sign in from several loopback
/// addresses (127.0.0.2, 127.0.0.3, …), this many per address.
const SIGN_INS_PER_ADDRESS: usize = 20;

/// A signed-in HTTP client (cookie for the administrator, bearer for a judge).
#[derive(Clone)]
pub struct Api {
    base: String,
    client: reqwest::Client,
    bearer: Option<String>,
}

fn client(local: Option<IpAddr>) -> Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .cookie_store(true)
        .local_address(local)
        .pool_max_idle_per_host(4)
        .timeout(Duration::from_secs(60))
        .build()?)
}

impl Api {
    pub async fn admin(base: &str, password: &str) -> Result<Api> {
        let api = Api {
            base: base.trim_end_matches('/').to_owned(),
            client: client(None)?,
            bearer: None,
        };
        api.send(
            reqwest::Method::POST,
            "/api/v1/auth/login",
            Some(&json!({"username": "admin", "password": password})),
        )
        .await?;
        Ok(api)
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    /// Sends a JSON request; any status but 2xx is an error carrying the problem body.
    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Value> {
        let (status, value) = self.try_send(method.clone(), path, body).await?;
        if !(200..300).contains(&status) {
            return Err(format!("{method} {path}: {status} {value}").into());
        }
        Ok(value)
    }

    /// Like `send`, but hands back the status instead of failing on it.
    pub async fn try_send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<(u16, Value)> {
        let mut request = self.client.request(method, format!("{}{path}", self.base));
        if let Some(token) = &self.bearer {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await?;
        let status = response.status().as_u16();
        let bytes = response.bytes().await?;
        let value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Ok((status, value))
    }

    pub async fn post(&self, path: &str, body: &Value) -> Result<Value> {
        self.send(reqwest::Method::POST, path, Some(body)).await
    }

    pub async fn put(&self, path: &str, body: &Value) -> Result<Value> {
        self.send(reqwest::Method::PUT, path, Some(body)).await
    }

    /// The server's `/metrics` text (empty when it is refused).
    pub async fn metrics(&self) -> String {
        let url = format!("{}/metrics", self.base);
        match self.client.get(url).send().await {
            Ok(r) if r.status().is_success() => r.text().await.unwrap_or_default(),
            _ => String::new(),
        }
    }
}

/// The sum of a metric's series in Prometheus text (0 when absent).
pub fn metric(text: &str, name: &str) -> f64 {
    metric_where(text, name, &[])
}

/// The sum of a metric's series that carry every label of `labels` (each `name="value"`).
pub fn metric_where(text: &str, name: &str, labels: &[&str]) -> f64 {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.rsplit_once(' '))
        .filter(|(series, _)| {
            let (series_name, series_labels) = series.split_once('{').unwrap_or((series, ""));
            let series_labels: Vec<&str> = series_labels.trim_end_matches('}').split(',').collect();
            series_name == name && labels.iter().all(|label| series_labels.contains(label))
        })
        .filter_map(|(_, v)| v.parse::<f64>().ok())
        .sum()
}

/// What a scenario needs from its contest.
pub struct ContestSpec {
    pub teams: usize,
    /// Module codes and their criteria counts.
    pub modules: Vec<(String, usize)>,
    /// Judges per module panel.
    pub judges_per_module: usize,
    /// Criterion maximum and step, in points.
    pub max_mark: f64,
    pub step: f64,
}

pub struct JudgeLink {
    pub token: String,
    pub module: String,
}

pub struct Contest {
    pub slug: String,
    pub codes: Vec<String>,
    pub judges: Vec<JudgeLink>,
    pub criteria: Vec<(String, Vec<String>)>,
}

/// Creates and opens a contest through the API, as an organizer would.
pub async fn set_up(admin: &Api, spec: &ContestSpec) -> Result<Contest> {
    let tag = uuid::Uuid::new_v4().simple().to_string();
    let slug = format!("load-{}", &tag[..10]);
    let org = admin
        .post(
            "/api/v1/organizations",
            &json!({"name": format!("Load school {}", &tag[..10]), "kind": "school"}),
        )
        .await?;
    let org_id = org["id"]
        .as_str()
        .ok_or("organization without id")?
        .to_owned();
    admin
        .post(
            "/api/v1/contests",
            &json!({"slug": slug, "title_zh": "负载测试", "title_en": "Load test", "venue": "loopback",
                "starts_at": "2026-12-01T00:30:00Z", "ends_at": "2026-12-01T10:00:00Z",
                "lead_organization_id": org_id, "co_host_ids": [], "visibility": "codes"}),
        )
        .await?;
    let criteria: Vec<(String, Vec<String>)> = spec
        .modules
        .iter()
        .map(|(code, n)| {
            (
                code.clone(),
                (1..=*n).map(|i| format!("{code}{i}")).collect(),
            )
        })
        .collect();
    let modules: Vec<Value> = criteria
        .iter()
        .map(|(code, list)| {
            json!({"code": code, "title_zh": format!("模块{code}"), "title_en": format!("Module {code}"),
                "criteria": list.iter().map(|c| json!({"code": c, "text_zh": c, "text_en": c,
                    "kind": "measurement", "max_mark": spec.max_mark, "step": spec.step})).collect::<Vec<_>>()})
        })
        .collect();
    let base = format!("/api/v1/contests/{slug}");
    admin
        .put(&format!("{base}/scheme"), &json!({"modules": modules}))
        .await?;
    for i in 0..spec.teams {
        let team = admin
            .post(
                &format!("{base}/teams"),
                &json!({"name": format!("Team {i:04}"), "school": format!("School {}", i % 17),
                    "region": "浙江", "members": [{"name": format!("Contestant {i}")}]}),
            )
            .await?;
        let id = team["id"].as_str().ok_or("team without id")?;
        admin
            .post(&format!("{base}/teams/{id}/check-in"), &json!({}))
            .await?;
    }
    let draw = admin.post(&format!("{base}/draw"), &json!({})).await?;
    let codes: Vec<String> = draw["assignments"]
        .as_array()
        .ok_or("draw without assignments")?
        .iter()
        .filter_map(|a| a["code"].as_str().map(str::to_owned))
        .collect();
    let mut judges = Vec::new();
    for (code, _) in &spec.modules {
        for j in 0..spec.judges_per_module {
            let created = admin
                .post(
                    &format!("{base}/judges"),
                    &json!({"name": format!("Judge {code}{j}"), "modules": [code]}),
                )
                .await?;
            let link = created["link"].as_str().ok_or("judge without link")?;
            let token = link.split("#t=").nth(1).ok_or("link without token")?;
            judges.push(JudgeLink {
                token: token.to_owned(),
                module: code.clone(),
            });
        }
    }
    for state in ["registration", "running"] {
        admin
            .post(&format!("{base}/state"), &json!({"to": state}))
            .await?;
    }
    Ok(Contest {
        slug,
        codes,
        judges,
        criteria,
    })
}

/// Signs judge number `index` in from its link, from its own loopback address.
pub async fn judge_session(base: &str, token: &str, index: usize) -> Result<Api> {
    let octet = 2 + index / SIGN_INS_PER_ADDRESS;
    let local: IpAddr = format!("127.0.{}.{}", octet / 250, 1 + octet % 250).parse()?;
    let api = Api {
        base: base.trim_end_matches('/').to_owned(),
        client: client(Some(local))?,
        bearer: None,
    };
    let session = api
        .post("/api/v1/judge/session", &json!({"token": token}))
        .await?;
    let bearer = session["session"]
        .as_str()
        .ok_or("judge session without token")?;
    Ok(Api {
        bearer: Some(bearer.to_owned()),
        ..api
    })
}

/// A submitted sheet with every criterion of `module` at `value` points.
pub fn sheet(module: &str, criteria: &[String], team: &str, value: f64, version: i32) -> Value {
    let marks: serde_json::Map<String, Value> = criteria
        .iter()
        .map(|c| (c.clone(), json!({"value": value})))
        .collect();
    json!({"module": module, "team": team, "status": "submitted", "version": version,
        "marks": marks})
}
