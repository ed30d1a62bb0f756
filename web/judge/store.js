// IndexedDB: the tablet's own copy of everything. A sheet is written here before anything is
// sent, with strict durability, so a closed tab or a dead battery loses nothing typed.

const DB_NAME = 'skillboard-judge';
const DB_VERSION = 1;
let opening = null;

function open() {
  if (!opening) {
    opening = new Promise((resolve, reject) => {
      const request = indexedDB.open(DB_NAME, DB_VERSION);
      request.onupgradeneeded = () => {
        const db = request.result;
        db.createObjectStore('kv');
        const sheets = db.createObjectStore('sheets', { keyPath: 'key' });
        sheets.createIndex('by_judge', 'judge_id');
      };
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }
  return opening;
}

async function run(storeName, mode, action) {
  const db = await open();
  return new Promise((resolve, reject) => {
    const options = mode === 'readwrite' ? { durability: 'strict' } : undefined;
    const tx = db.transaction(storeName, mode, options);
    let result;
    const request = action(tx.objectStore(storeName));
    if (request) request.onsuccess = () => { result = request.result; };
    tx.oncomplete = () => resolve(result);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
  });
}

export const kvGet = (key) => run('kv', 'readonly', (s) => s.get(key));
export const kvSet = (key, value) => run('kv', 'readwrite', (s) => s.put(value, key));
export const kvDelete = (key) => run('kv', 'readwrite', (s) => s.delete(key));

export const sheetKey = (judgeId, module, team) => `${judgeId}|${module}|${team}`;
export const getSheet = (key) => run('sheets', 'readonly', (s) => s.get(key));
export const putSheet = (record) => run('sheets', 'readwrite', (s) => s.put(record));
export const sheetsOf = (judgeId) =>
  run('sheets', 'readonly', (s) => s.index('by_judge').getAll(judgeId));

/// Reads, changes and writes one sheet in a single transaction, so the screen (marks) and the
/// outbox (versions, answers) never overwrite each other's fields. `change` gets the stored
/// record or undefined and returns the record to store, or nothing to leave it.
export async function updateSheet(key, change) {
  const db = await open();
  return new Promise((resolve, reject) => {
    const tx = db.transaction('sheets', 'readwrite', { durability: 'strict' });
    const sheets = tx.objectStore('sheets');
    let result;
    const read = sheets.get(key);
    read.onsuccess = () => {
      result = change(read.result);
      if (result) sheets.put(result);
    };
    tx.oncomplete = () => resolve(result);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
  });
}
