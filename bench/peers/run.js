#!/usr/bin/env node
// Runs the benchmark workload (../../../shared/workload/WORKLOAD.md, files written by
// //bench/workload:generate) through the JavaScript engines a user would otherwise pick --
// mingo, sift, LokiJS and @seald-io/nedb (in memory) -- and prints their figures next to
// minimongo's own (//bench/runner:run_workload), with ratios, on the same files and queries.
//
//   npm ci            # once, in this folder (versions pinned in package.json / package-lock.json)
//   node run.js --dir /tmp/wl --size 100000 [--ours ours.jsonl | --runner PATH] [--reps 5]
//              [--min-ms 100] [--engines mingo,sift,lokijs,nedb] [--json]
//
// What is timed, per engine (medians of --reps repetitions, like the runner):
//   load     JSON.parse of every line of files-N.jsonl with EJSON dates revived as Date
//            objects, plus the engine's insert (mingo and sift query a plain array: no insert)
//   queries  each query of queries.json, compiled every time as a caller would, results
//            materialised as an array; repeated back to back for at least --min-ms per
//            repetition. ns/doc = time per query / collection size.
//   updates  updates-N.jsonl (parsed before the clock starts) where the engine has an update
//            call: nedb updateAsync({_id}, modifier), mingo update() on the document found in
//            a Map by _id. sift (a filter) and LokiJS (no modifier language) have none.
// Result counts are compared across every engine and minimongo; a query whose counts differ
// is flagged with "!" and listed under the table, with every engine's count.
//
// Query adaptations (the engines' own dialects; the selectors are otherwise passed unchanged):
//   - {$regex: "s", $options: "i"} becomes a RegExp for LokiJS and nedb, which take only
//     RegExp objects (mingo and sift get the MongoDB form).
//   - sort, skip, limit and projection are done by hand after sift's filter (sift only
//     filters); LokiJS uses simplesort/offset/limit and has no projection (counts are the same).
//
// minimongo's figures come from the runner's --json output: run as a child process (--runner,
// default ../../bazel-out/k8-opt/bin/bench/runner/run_workload) or read from a file (--ours)
// holding its output lines.

'use strict';

const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');

const ENGINES = ['mingo', 'sift', 'lokijs', 'nedb'];

function usage(message) {
  if (message) process.stderr.write(`run.js: ${message}\n`);
  process.stderr.write(
    'usage: node run.js --dir DIR --size N [--ours FILE | --runner PATH] [--reps R]\n' +
      '                   [--min-ms MS] [--engines LIST] [--json]\n');
  process.exit(2);
}

function parseArgs(argv) {
  const args = {
    dir: null,
    size: null,
    ours: null,
    runner: path.join(__dirname, '../../bazel-out/k8-opt/bin/bench/runner/run_workload'),
    reps: 5,
    minMs: 100,
    engines: ENGINES,
    json: false,
  };
  for (let i = 0; i < argv.length; ++i) {
    const arg = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) usage(`${arg} needs a value`);
      return argv[++i];
    };
    if (arg === '--dir') args.dir = value();
    else if (arg === '--size') args.size = Number(value());
    else if (arg === '--ours') args.ours = value();
    else if (arg === '--runner') args.runner = value();
    else if (arg === '--reps') args.reps = Number(value());
    else if (arg === '--min-ms') args.minMs = Number(value());
    else if (arg === '--engines') args.engines = value().split(',');
    else if (arg === '--json') args.json = true;
    else if (arg === '--help' || arg === '-h') usage();
    else usage(`unknown argument "${arg}"`);
  }
  if (!args.dir) usage('--dir is required');
  if (!Number.isInteger(args.size) || args.size < 1) usage('--size needs a positive integer');
  if (!Number.isInteger(args.reps) || args.reps < 5) usage('--reps needs an integer >= 5');
  for (const e of args.engines) if (!ENGINES.includes(e)) usage(`unknown engine "${e}"`);
  return args;
}

const progress = (message) => process.stderr.write(message + '\n');

// ---- EJSON ----

// JSON.parse reviver for the forms the workload uses: {"$date": ms} becomes a Date. (The
// workload has no other special form; a plain object with one "$date" key would be escaped.)
function reviveEjson(key, value) {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const keys = Object.keys(value);
    if (keys.length === 1 && keys[0] === '$date' && typeof value.$date === 'number') {
      return new Date(value.$date);
    }
  }
  return value;
}

function readLines(file) {
  return fs.readFileSync(file, 'utf8').split('\n').filter((line) => line.length > 0);
}

// ---- Statistics and formatting ----

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const nowNs = () => Number(process.hrtime.bigint());

function grouped(x) {
  return Math.round(x).toLocaleString('en-US');
}

function short(x) {
  if (x >= 100) return grouped(x);
  if (x >= 10) return x.toFixed(1);
  if (x >= 1) return x.toFixed(2);
  if (x >= 0.1) return x.toFixed(3);
  if (x >= 0.01) return x.toFixed(4);
  return x.toFixed(5);
}

const pad = (s, w) => String(s).padStart(w);
const padEnd = (s, w) => String(s).padEnd(w);

// ---- Query helpers ----

// Deep copy of a selector with {$regex: string, $options} turned into RegExp objects.
function regexToRegExp(selector) {
  if (Array.isArray(selector)) return selector.map(regexToRegExp);
  if (selector === null || typeof selector !== 'object' || selector instanceof Date) {
    return selector;
  }
  if (typeof selector.$regex === 'string') {
    const out = {};
    for (const [k, v] of Object.entries(selector)) {
      if (k === '$options') continue;
      out[k] = k === '$regex' ? new RegExp(v, selector.$options || '') : regexToRegExp(v);
    }
    return out;
  }
  const out = {};
  for (const [k, v] of Object.entries(selector)) out[k] = regexToRegExp(v);
  return out;
}

function getPath(doc, dotted) {
  let v = doc;
  for (const part of dotted.split('.')) {
    if (v === null || typeof v !== 'object') return undefined;
    v = v[part];
  }
  return v;
}

// Comparator for the workload's sort keys (strings, numbers, dates; missing sorts first as in
// MongoDB). Array.prototype.sort is stable, so ties keep insertion order like minimongo.
function comparator(sort) {
  const keys = Object.entries(sort);
  return (a, b) => {
    for (const [key, dir] of keys) {
      let x = getPath(a, key);
      let y = getPath(b, key);
      if (x instanceof Date) x = x.getTime();
      if (y instanceof Date) y = y.getTime();
      if (x === y) continue;
      if (x === undefined) return -dir;
      if (y === undefined) return dir;
      return (x < y ? -1 : 1) * dir;
    }
    return 0;
  };
}

// Inclusion projection (the workload's only kind): _id plus the named (dotted) paths.
function project(doc, fields) {
  const out = { _id: doc._id };
  for (const [key, on] of Object.entries(fields)) {
    if (!on) continue;
    const parts = key.split('.');
    let src = doc;
    let dst = out;
    for (let i = 0; i < parts.length; ++i) {
      if (src === null || typeof src !== 'object' || !(parts[i] in src)) break;
      if (i === parts.length - 1) {
        dst[parts[i]] = src[parts[i]];
      } else {
        src = src[parts[i]];
        dst[parts[i]] = dst[parts[i]] || {};
        dst = dst[parts[i]];
      }
    }
  }
  return out;
}

// ---- Engines ----
// Each engine: load(lines) -> state; query(state, q) -> results (array or Promise of one);
// update(state, u) -> void or Promise, or null when the engine has no update call.

function parseDocs(lines) {
  const docs = new Array(lines.length);
  for (let i = 0; i < lines.length; ++i) docs[i] = JSON.parse(lines[i], reviveEjson);
  return docs;
}

function makeEngines() {
  const mingo = require('mingo');
  const sift = require('sift').default;
  const Loki = require('lokijs');
  const Datastore = require('@seald-io/nedb');

  return {
    mingo: {
      version: require('mingo/package.json').version,
      load(lines) {
        const docs = parseDocs(lines);
        return { docs, byId: null };
      },
      query(state, q) {
        let cursor = new mingo.Query(q.selector).find(state.docs, q.fields);
        if (q.sort) cursor = cursor.sort(q.sort);
        if (q.skip) cursor = cursor.skip(q.skip);
        if (q.limit) cursor = cursor.limit(q.limit);
        return cursor.all();
      },
      prepareUpdates(state) {
        state.byId = new Map(state.docs.map((d) => [d._id, d]));
      },
      update(state, u) {
        mingo.update(state.byId.get(u.id), u.modifier);
      },
    },
    sift: {
      version: require('sift/package.json').version,
      load(lines) {
        return { docs: parseDocs(lines) };
      },
      query(state, q) {
        let results = state.docs.filter(sift(q.selector));
        if (q.sort) results.sort(comparator(q.sort));
        if (q.skip || q.limit) {
          results = results.slice(q.skip || 0, q.limit ? (q.skip || 0) + q.limit : undefined);
        }
        if (q.fields) results = results.map((d) => project(d, q.fields));
        return results;
      },
      update: null,
    },
    lokijs: {
      version: require('lokijs/package.json').version,
      load(lines) {
        const db = new Loki('bench.db', { env: 'NODEJS', persistenceMethod: 'memory' });
        const files = db.addCollection('files', {
          unique: ['_id'],
          clone: false,
          disableMeta: true,
        });
        files.insert(parseDocs(lines));
        return { db, files };
      },
      query(state, q) {
        let chain = state.files.chain().find(q.lokiSelector);
        if (q.sort) {
          chain = chain.compoundsort(Object.entries(q.sort).map(([k, d]) => [k, d < 0]));
        }
        if (q.skip) chain = chain.offset(q.skip);
        if (q.limit) chain = chain.limit(q.limit);
        return chain.data();
      },
      update: null,
    },
    nedb: {
      version: require('@seald-io/nedb/package.json').version,
      async load(lines) {
        const db = new Datastore({ inMemoryOnly: true });
        await db.insertAsync(parseDocs(lines));
        return { db };
      },
      async query(state, q) {
        let cursor = state.db.findAsync(q.nedbSelector);
        if (q.sort) cursor = cursor.sort(q.sort);
        if (q.skip) cursor = cursor.skip(q.skip);
        if (q.limit) cursor = cursor.limit(q.limit);
        if (q.fields) cursor = cursor.projection(q.fields);
        return await cursor;
      },
      async update(state, u) {
        const r = await state.db.updateAsync({ _id: u.id }, u.modifier);
        if (r.numAffected !== 1) throw new Error(`nedb: update of ${u.id} matched ${r.numAffected}`);
      },
    },
  };
}

// ---- Measuring ----

async function timeQuery(engine, state, q, minMs) {
  const minNs = minMs * 1e6;
  let runs = 0;
  let count = 0;
  const start = nowNs();
  let elapsed = 0;
  do {
    const results = await engine.query(state, q);
    count = results.length;
    ++runs;
    elapsed = nowNs() - start;
  } while (elapsed < minNs);
  return { ns: elapsed / runs, count };
}

async function measureEngine(name, engine, work, args) {
  const n = work.docLines.length;
  const figures = { engine: name, version: engine.version, queries: {} };

  const loadRates = [];
  let state = null;
  for (let rep = 0; rep < args.reps; ++rep) {
    state = null;
    if (global.gc) global.gc();
    const start = nowNs();
    state = await engine.load(work.docLines);
    const s = (nowNs() - start) / 1e9;
    loadRates.push(n / s);
    progress(`${name} n=${n} load ${rep + 1}/${args.reps}: ${s.toFixed(3)} s`);
  }
  figures.load_docs_per_s = median(loadRates);

  for (const q of work.queries) {
    await timeQuery(engine, state, q, 0);  // warm-up
    const samples = [];
    let count = 0;
    for (let rep = 0; rep < args.reps; ++rep) {
      const r = await timeQuery(engine, state, q, args.minMs);
      samples.push(r.ns);
      count = r.count;
    }
    const ns = median(samples);
    figures.queries[q.name] = { count, ns_per_doc: ns / n, qps: 1e9 / ns };
    progress(`${name} n=${n} query ${q.name}: ${count} results, ${short(ns / n)} ns/doc`);
  }

  if (engine.update) {
    const rates = [];
    for (let rep = 0; rep < args.reps; ++rep) {
      // Every repetition starts from a freshly loaded collection, like the runner's.
      state = null;
      state = await engine.load(work.docLines);
      if (engine.prepareUpdates) engine.prepareUpdates(state);
      const start = nowNs();
      for (const u of work.updates) await engine.update(state, u);
      const s = (nowNs() - start) / 1e9;
      rates.push(work.updates.length / s);
      progress(`${name} n=${n} updates ${rep + 1}/${args.reps}: ${grouped(rates.at(-1))} ops/s`);
    }
    figures.updates_ops_per_s = median(rates);
  }
  return figures;
}

function oursFigures(args) {
  let text;
  if (args.ours) {
    text = fs.readFileSync(args.ours, 'utf8');
  } else {
    progress(`running ${args.runner}`);
    text = execFileSync(
        args.runner,
        ['--size', String(args.size), '--dir', args.dir, '--json', '--phases', 'main', '--reps',
         String(args.reps), '--min-query-ms', String(args.minMs)],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 26 });
  }
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const j = JSON.parse(line);
    if (j.phase === 'main' && j.n === args.size) return j;
  }
  throw new Error(`no "main" phase with n = ${args.size} in minimongo's output`);
}

// ---- Report ----

function report(n, ours, peers, queryNames) {
  const lines = [];
  const names = ['minimongo', ...peers.map((p) => p.engine)];
  const w = 12;
  lines.push(`n = ${grouped(n)}: ns per collection document (ratio: engine / minimongo; ` +
             'above 1 means minimongo is faster)');
  lines.push(padEnd('query', 22) + pad('count', 9) +
             names.map((e) => pad(e, w) + (e === 'minimongo' ? '' : pad('x', 8))).join(''));
  const mismatches = [];
  for (const q of queryNames) {
    const base = ours.queries[q];
    const counts = [base.count, ...peers.map((p) => p.queries[q].count)];
    const agree = counts.every((c) => c === counts[0]);
    if (!agree) mismatches.push(`${q}: ` + names.map((e, i) => `${e} ${counts[i]}`).join(', '));
    let row = padEnd(q + (agree ? '' : ' !'), 22) + pad(grouped(base.count), 9) +
              pad(short(base.ns_per_doc), w);
    for (const p of peers) {
      const f = p.queries[q];
      row += pad(short(f.ns_per_doc), w) + pad(short(f.ns_per_doc / base.ns_per_doc), 8);
    }
    lines.push(row);
  }
  lines.push('');
  const rateRow = (label, oursValue, key) => {
    let row = padEnd(label, 31) + pad(grouped(oursValue), w);
    for (const p of peers) {
      if (p[key] === undefined) {
        row += pad('-', w) + pad('', 8);
      } else {
        row += pad(grouped(p[key]), w) + pad(short(oursValue / p[key]), 8);
      }
    }
    return row;
  };
  lines.push(padEnd('per second (x: minimongo / engine)', 31) +
             names.map((e) => pad(e, w) + (e === 'minimongo' ? '' : pad('x', 8))).join(''));
  lines.push(rateRow('load docs/s', ours.load.docs_per_s, 'load_docs_per_s'));
  lines.push(rateRow('updates ops/s', ours.updates.ops_per_s, 'updates_ops_per_s'));
  lines.push('');
  lines.push('versions: ' + peers.map((p) => `${p.engine} ${p.version}`).join(', ') +
             `, node ${process.version}`);
  if (mismatches.length) {
    lines.push('result counts differ (!):');
    for (const m of mismatches) lines.push('  ' + m);
  } else {
    lines.push('result counts agree across all engines');
  }
  return { text: lines.join('\n') + '\n', mismatches };
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const file = (name) => path.join(args.dir, name);
  const docLines = readLines(file(`files-${args.size}.jsonl`));
  if (docLines.length !== args.size) {
    throw new Error(`files-${args.size}.jsonl has ${docLines.length} lines`);
  }
  const queriesFile = JSON.parse(fs.readFileSync(file('queries.json'), 'utf8'), reviveEjson);
  const queries = queriesFile.queries.map((q) => ({
    name: q.name,
    selector: q.selector,
    lokiSelector: regexToRegExp(q.selector),
    nedbSelector: regexToRegExp(q.selector),
    sort: q.sort,
    skip: q.skip,
    limit: q.limit,
    fields: q.fields,
  }));
  const updates = readLines(file(`updates-${args.size}.jsonl`)).map((l) => JSON.parse(l, reviveEjson));
  const work = { docLines, queries, updates };

  const ours = oursFigures(args);
  const engines = makeEngines();
  const peers = [];
  for (const name of args.engines) peers.push(await measureEngine(name, engines[name], work, args));

  const { text, mismatches } = report(args.size, ours, peers, queries.map((q) => q.name));
  if (args.json) {
    process.stdout.write(JSON.stringify({ n: args.size, minimongo: ours, peers, mismatches }) + '\n');
  } else {
    process.stdout.write(text);
  }
}

main().catch((e) => {
  process.stderr.write(`run.js: ${e.stack || e}\n`);
  process.exit(1);
});
