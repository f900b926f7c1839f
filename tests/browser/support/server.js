'use strict';
// Starts the real `pinkflow serve` binary for one test file: a free port, a fresh database
// (SQLite in a temporary directory by default; a new PostgreSQL database when
// PINKFLOW_TEST_BACKEND=postgres, like the Rust integration tests), polled until /healthz answers.

const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const crypto = require('node:crypto');

const ROOT = path.resolve(__dirname, '..', '..', '..');

function binaryPath() {
  if (process.env.PINKFLOW_BIN) return process.env.PINKFLOW_BIN;
  const target = process.env.CARGO_TARGET_DIR || path.join(ROOT, 'target');
  return path.join(target, 'debug', 'pinkflow');
}

/**
 * Build the binary and its FFmpeg helper (`pinkflow-media`, found next to it) when either is
 * missing (the Makefile target always builds first).
 */
function ensureBinary() {
  const bin = binaryPath();
  const helper = path.join(path.dirname(bin), 'pinkflow-media');
  if (fs.existsSync(bin) && fs.existsSync(helper)) return bin;
  if (process.env.PINKFLOW_BIN) {
    throw new Error(`PINKFLOW_BIN=${bin}: it and pinkflow-media next to it must exist`);
  }
  const r = spawnSync('cargo', ['build', '--bin', 'pinkflow', '--bin', 'pinkflow-media'], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0 || !fs.existsSync(bin) || !fs.existsSync(helper)) {
    throw new Error(`cargo build failed; no binaries at ${bin} and ${helper}`);
  }
  return bin;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function psql(adminUrl, sql) {
  const r = spawnSync('psql', [adminUrl, '-v', 'ON_ERROR_STOP=1', '-qAtc', sql], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`psql failed: ${r.stderr || r.error}`);
}

/** A database for this server: { url, drop() }. */
function createDatabase(dir) {
  if (process.env.PINKFLOW_TEST_BACKEND !== 'postgres') {
    return { url: `sqlite://${path.join(dir, 't.db')}`, drop() {}, backend: 'sqlite' };
  }
  const adminUrl = process.env.TEST_POSTGRES_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
  const name = `pinkflow_browser_${crypto.randomBytes(8).toString('hex')}`;
  psql(adminUrl, `CREATE DATABASE "${name}"`);
  const base = adminUrl.replace(/\/[^/?]*(\?.*)?$/, '');
  const query = (adminUrl.match(/\?.*$/) || [''])[0];
  return {
    url: `${base}/${name}${query}`,
    backend: 'postgres',
    drop() {
      try { psql(adminUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`); } catch (e) { console.error(e.message); }
    },
  };
}

async function waitHealthy(baseURL, child, logs, timeoutMs = 30000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`pinkflow exited with ${child.exitCode} before it was healthy:\n${logs.join('')}`);
    }
    try {
      const r = await fetch(`${baseURL}/healthz`, { signal: AbortSignal.timeout(2000) });
      if (r.status === 200) return;
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`pinkflow not healthy after ${timeoutMs} ms:\n${logs.join('')}`);
}

/**
 * Start a server. Returns { baseURL, stop(), logs() }.
 * `extraEnv` overrides settings (e.g. a short session timeout).
 */
async function startServer(extraEnv = {}) {
  const bin = ensureBinary();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pinkflow-browser-'));
  const db = createDatabase(dir);
  const port = await freePort();
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    APP_ENV: 'testing',
    HOST: '127.0.0.1',
    PORT: String(port),
    DATABASE_URL: db.url,
    BCRYPT_COST: '4',
    SECRET_KEY: 'browser-test-access-secret-0123456789abcdef',
    REFRESH_SECRET_KEY: 'browser-test-refresh-secret-0123456789abcdef',
    RATE_LIMIT_LOGIN: '1000/minute',
    RATE_LIMIT_REGISTER: '1000/minute',
    RATE_LIMIT_REFRESH: '1000/minute',
    RATE_LIMIT_API: '10000/minute',
    VIDEO_UPLOAD_FOLDER: path.join(dir, 'videos'),
    WORKERS: '1',
    LOG_FORMAT: process.env.LOG_FORMAT || 'pretty',
    RUST_LOG: process.env.RUST_LOG || 'warn',
    ...(db.backend === 'postgres' && process.env.TEST_REDIS_URL ? { REDIS_URL: process.env.TEST_REDIS_URL } : {}),
    ...extraEnv,
  };
  const logs = [];
  const child = spawn(bin, ['serve'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const keep = (b) => { logs.push(b.toString()); if (logs.length > 400) logs.shift(); };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const baseURL = `http://127.0.0.1:${port}`;
  let stopped = false;
  child.once('exit', (code, signal) => {
    if (!stopped) console.error(`pinkflow serve exited unexpectedly (code ${code}, signal ${signal}); last output:\n${logs.join('').slice(-4000)}`);
  });
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    }
    db.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitHealthy(baseURL, child, logs);
  } catch (e) {
    await stop();
    throw e;
  }
  /**
   * Run SQL against this server's database behind its back (to provoke a 500). Returns false
   * when the command-line client (sqlite3 or psql) is not installed.
   */
  const sql = (statement) => {
    const [cmd, args] = db.backend === 'postgres'
      ? ['psql', [db.url, '-v', 'ON_ERROR_STOP=1', '-qAtc', statement]]
      : ['sqlite3', [db.url.replace(/^sqlite:\/\//, ''), statement]];
    const r = spawnSync(cmd, args, { encoding: 'utf8' });
    if (r.error && r.error.code === 'ENOENT') return false;
    if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr}`);
    return true;
  };
  return { baseURL, stop, sql, logs: () => logs.join(''), backend: db.backend, databaseUrl: db.url };
}

module.exports = { startServer, ensureBinary, ROOT };
