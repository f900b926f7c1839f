// Runs the JavaScript assertions of the web-platform-tests WebVTT file-parsing corpus
// (tests/data/webvtt-wpt/<name>.test) against the cues PinkFlow parsed, as given on
// stdin by tests/webvtt_conformance.rs:
//   {"dir": "...", "files": [{"name": "arrows", "cues": [{"id", "text", "startTime", "endTime"}]}]}
// Cues carry only what PinkFlow promises (count, ids, text, times): an assertion about
// anything else (settings, regions, style sheets) reads a SKIP value and is counted as
// skipped, not passed. Prints one JSON result per file: checked, skipped, failures.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const SKIP = new Proxy(function skip() {}, {
  get: (_t, prop) => (prop === Symbol.toPrimitive ? () => NaN : SKIP),
  apply: () => SKIP,
});

function run(dir, file) {
  const source = fs.readFileSync(path.join(dir, `${file.name}.test`), 'utf8');
  const afterMeta = source.slice(source.indexOf('\n\n') + 2);
  const end = afterMeta.search(/^===$/m);
  const code = afterMeta.slice(0, end);
  const result = { name: file.name, checked: 0, skipped: 0, failures: [] };
  const check = (ok, skip, describe) => {
    if (skip) result.skipped += 1;
    else if (ok) result.checked += 1;
    else result.failures.push(describe());
  };
  const show = (v) => JSON.stringify(v);
  const api = {
    assert_equals: (a, b, m) =>
      check(a === b || (Number.isNaN(a) && Number.isNaN(b)), a === SKIP || b === SKIP,
        () => `expected ${show(b)}, got ${show(a)} ${m ?? ''}`),
    assert_not_equals: (a, b, m) =>
      check(a !== b, a === SKIP || b === SKIP, () => `expected not ${show(b)} ${m ?? ''}`),
    assert_true: (a, m) => check(a === true, a === SKIP, () => `expected true, got ${show(a)} ${m ?? ''}`),
    assert_false: (a, m) => check(a === false, a === SKIP, () => `expected false, got ${show(a)} ${m ?? ''}`),
  };
  const cues = file.cues.map((cue) => new Proxy(cue, { get: (t, p) => (p in t ? t[p] : SKIP) }));
  try {
    const body = new Function('cues', 'document', 'CSSRule', ...Object.keys(api), code);
    body(cues, SKIP, SKIP, ...Object.values(api));
  } catch (e) {
    result.failures.push(`threw ${e}`);
  }
  return result;
}

const input = JSON.parse(fs.readFileSync(0, 'utf8'));
process.stdout.write(JSON.stringify(input.files.map((f) => run(input.dir, f))));
