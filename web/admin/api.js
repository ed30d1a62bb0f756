// The JSON API under /api/v1. Failures become a Problem carrying the server's stable `code` and
// its `errors[]` (field, code, message, line), so screens can put each one where it belongs.

export class Problem extends Error {
  constructor(status, body) {
    super(body.detail || body.title || `HTTP ${status}`);
    this.status = status;
    this.code = body.code || `http.${status}`;
    this.errors = Array.isArray(body.errors) ? body.errors : [];
  }
}

let onUnauthorized = () => {};
export function whenSignedOut(handler) {
  onUnauthorized = handler;
}

async function parse(status, contentType, text) {
  const isJson = contentType.includes('json');
  let data = text;
  if (isJson && text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = { detail: text };
    }
  }
  if (status >= 200 && status < 300) return isJson ? data || null : text;
  const body = isJson && data && typeof data === 'object' ? data : { detail: text || undefined };
  const problem = new Problem(status, body);
  if (status === 401 && problem.code !== 'auth.invalid_credentials') onUnauthorized();
  throw problem;
}

/** api('POST', '/contests', {json: {...}}) */
export async function api(method, path, { json, query } = {}) {
  const headers = { Accept: 'application/json' };
  const init = { method, headers, credentials: 'same-origin' };
  if (json !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(json);
  }
  const qs = query ? `?${new URLSearchParams(query)}` : '';
  let response;
  try {
    response = await fetch(`/api/v1${path}${qs}`, init);
  } catch {
    throw new Problem(0, { code: 'network.unreachable' });
  }
  const text = await response.text();
  return parse(response.status, response.headers.get('content-type') || '', text);
}

/** Sends a file as the raw request body, reporting upload progress (0..1) as it goes. */
export function upload(path, file, { query, onProgress, contentType } = {}) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    const qs = query ? `?${new URLSearchParams(query)}` : '';
    xhr.open('POST', `/api/v1${path}${qs}`);
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.setRequestHeader('Content-Type', contentType || file.type || 'application/octet-stream');
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable && onProgress) onProgress(e.loaded / e.total);
    };
    xhr.onerror = () => reject(new Problem(0, { code: 'network.unreachable' }));
    xhr.onload = () => {
      parse(xhr.status, xhr.getResponseHeader('content-type') || '', xhr.responseText).then(resolve, reject);
    };
    xhr.send(file);
  });
}

export const contestPath = (slug, rest = '') => `/contests/${encodeURIComponent(slug)}${rest}`;
