// Calls the judge API. Every failure becomes one of two errors: NetworkError (no answer, or
// an answer that says "try again later") or ApiError (the server refused, with a stable code).

export class NetworkError extends Error {}

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.code = problem.code || `http.${status}`;
    this.problem = problem;
  }
}

const TIMEOUT_MS = 15000;

export async function call(method, path, { body, session } = {}) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (session) headers.Authorization = `Bearer ${session}`;
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), TIMEOUT_MS);
  let response;
  let text;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: abort.signal,
      cache: 'no-store',
      credentials: 'same-origin',
    });
    text = await response.text();
  } catch (error) {
    throw new NetworkError(String(error));
  } finally {
    clearTimeout(timer);
  }
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (response.ok) return { status: response.status, data };
  // A gateway's or an overloaded server's answer is not the server's verdict: retry later.
  if (response.status >= 500 || !data || !data.code) {
    throw new NetworkError(`HTTP ${response.status}`);
  }
  throw new ApiError(response.status, data);
}
