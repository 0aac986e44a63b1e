#!/usr/bin/env node
// Runs a real Apache Kafka broker (KRaft, broker+controller in one JVM) from the official jars on
// Maven Central: a single node by default, or a three-node cluster with KAFKA_NODES=3 (failover
// tests). Used by `npm start`, `npm test`, the fault runs and by people directly:
//   node scripts/kafka.mjs start [NODE] | stop | kill NODE | pause NODE | status
// The jars are resolved once into infra/kafka/.libs; data, config and log live in .data/kafka.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const infraDir = join(root, 'infra', 'kafka');
const libsDir = join(infraDir, '.libs');

/**
 * Where the broker (or the cluster's nodes) listen and keep their data. KAFKA_NODES=3 is the
 * cluster mode: three nodes, each broker and controller (a three-voter KRaft quorum), replication
 * factor 3 and min.insync.replicas 2 for every topic, internal ones included. Node n (1-based)
 * takes the ports KAFKA_PORT + 2(n-1) (clients) and the one above it (controller); a single node
 * keeps its data directly in KAFKA_DATA_DIR, cluster nodes in KAFKA_DATA_DIR/node-n.
 */
export function kafkaSettings(env = process.env) {
  const port = Number(env.KAFKA_PORT ?? 19092);
  const count = Number(env.KAFKA_NODES ?? 1);
  if (count !== 1 && count !== 3) throw new Error(`KAFKA_NODES must be 1 (a single broker) or 3 (the cluster mode), got "${env.KAFKA_NODES}"`);
  const dataDir = resolve(root, env.KAFKA_DATA_DIR ?? join('.data', 'kafka'));
  const nodes = Array.from({ length: count }, (_, index) => {
    const nodeDir = count === 1 ? dataDir : join(dataDir, `node-${index + 1}`);
    const nodePort = port + 2 * index;
    return {
      id: index + 1,
      port: nodePort,
      controllerPort: nodePort + 1,
      dataDir: nodeDir,
      pidFile: join(nodeDir, 'broker.pid'),
      logFile: join(nodeDir, 'broker.log'),
      broker: `127.0.0.1:${nodePort}`,
    };
  });
  return {
    port,
    dataDir,
    nodes,
    replicationFactor: count,
    minInsyncReplicas: Math.min(count, 2),
    heap: env.KAFKA_HEAP_OPTS ?? (count === 1 ? '-Xms256m -Xmx512m' : '-Xms128m -Xmx384m'),
    brokers: nodes.map((node) => node.broker).join(','),
  };
}

function log(message) {
  process.stderr.write(`[kafka] ${message}\n`);
}

/** Downloads the broker jars through Maven the first time; a marker makes later runs free. */
export function ensureJars() {
  const pom = readFileSync(join(infraDir, 'pom.xml'), 'utf8');
  const marker = join(libsDir, '.resolved');
  if (existsSync(marker) && readFileSync(marker, 'utf8') === pom) return;
  log('resolving the broker jars from Maven Central (first run only)…');
  rmSync(libsDir, { recursive: true, force: true });
  const mvn = spawnSync(
    'mvn',
    ['-B', '-q', 'dependency:copy-dependencies', `-DoutputDirectory=${libsDir}`, '-DincludeScope=runtime'],
    { cwd: infraDir, stdio: 'inherit' },
  );
  if (mvn.status !== 0) throw new Error(`mvn could not resolve the Kafka jars (exit ${mvn.status})`);
  writeFileSync(marker, pom);
}

function java(args, options) {
  const javaHome = process.env.JAVA_HOME;
  const bin = javaHome ? join(javaHome, 'bin', 'java') : 'java';
  return { bin, args: ['-cp', `${libsDir}/*`, ...args], options };
}

function readPid(node) {
  if (!existsSync(node.pidFile)) return undefined;
  const pid = Number(readFileSync(node.pidFile, 'utf8'));
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

/**
 * Whether something listens on `port`. The probe connects from 127.0.0.2 where the system has
 * it (Linux routes all of 127/8 to loopback; macOS does not): from 127.0.0.1 the kernel could
 * pick `port` itself as the probe's local port (the ports may lie in its ephemeral range),
 * connect the socket to itself, and leave a TIME_WAIT that keeps the broker off the port for a
 * minute.
 */
function portOpen(port, localAddress = '127.0.0.2') {
  return new Promise((done) => {
    const socket = createConnection({ host: '127.0.0.1', port, localAddress });
    socket.once('connect', () => {
      socket.destroy();
      done(true);
    });
    socket.once('error', (error) => done(error.code === 'EADDRNOTAVAIL' && localAddress ? portOpen(port, undefined) : false));
  });
}

function formattedClusterId(node) {
  const meta = join(node.dataDir, 'logs', 'meta.properties');
  if (!existsSync(meta)) return undefined;
  return /^cluster\.id=(.+)$/m.exec(readFileSync(meta, 'utf8'))?.[1]?.trim();
}

function portBindable(port) {
  return new Promise((done) => {
    const server = createServer();
    server.once('error', () => done(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => done(true)));
  });
}

/**
 * Waits until the node's ports can be bound. When they lie in the kernel's ephemeral range (e.g.
 * KAFKA_PORT=35000 with the usual 32768–60999), any client connection may have used one as its
 * local port, and its TIME_WAIT keeps a listener off that port for up to a minute.
 */
async function untilPortsBindable(node, timeoutMs = 90_000) {
  const deadline = Date.now() + timeoutMs;
  for (const port of [node.port, node.controllerPort]) {
    while (!(await portBindable(port))) {
      if (Date.now() > deadline) throw new Error(`port ${port} of broker ${node.id} stayed in use for ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/**
 * Ready means a client can fetch cluster metadata from each of `nodes`, and that metadata lists
 * every one of them as a registered broker with a controller elected, not merely that a port is
 * open. The cluster id must be the one the data directory was formatted with, so another broker
 * answering on the same port is never mistaken for ours.
 */
async function waitUntilReady(nodes, timeoutMs) {
  const { Kafka, logLevel } = await import('kafkajs');
  const deadline = Date.now() + timeoutMs;
  const waiting = new Set(nodes);
  let lastError;
  while (Date.now() < deadline) {
    for (const node of waiting) {
      if (!readPid(node)) throw Object.assign(new Error(`broker ${node.id} exited during start; see ${node.logFile}`), { exitedNode: node });
      if (!(await portOpen(node.port))) continue;
      const admin = new Kafka({ brokers: [node.broker], logLevel: logLevel.NOTHING, retry: { retries: 0 } }).admin();
      try {
        await admin.connect();
        const cluster = await admin.describeCluster();
        const expected = formattedClusterId(node);
        if (expected && cluster.clusterId !== expected) {
          throw new Error(`another Kafka cluster (${cluster.clusterId}) answers on port ${node.port}; set KAFKA_PORT`);
        }
        const registered = new Set(cluster.brokers.map((broker) => broker.nodeId));
        if (cluster.controller !== null && nodes.every(({ id }) => registered.has(id))) waiting.delete(node);
      } catch (error) {
        if (error.message.startsWith('another Kafka cluster')) throw error;
        lastError = error;
      } finally {
        await admin.disconnect().catch(() => undefined);
      }
    }
    if (waiting.size === 0) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  const logs = [...waiting].map((node) => node.logFile).join(', ');
  throw new Error(`the broker did not accept clients within ${timeoutMs} ms (${lastError?.message ?? 'port closed'}); see ${logs}`);
}

function nodeProperties(settings, node) {
  const voters = settings.nodes.map(({ id, controllerPort }) => `${id}@127.0.0.1:${controllerPort}`).join(',');
  return readFileSync(join(infraDir, 'server.properties.template'), 'utf8')
    .replaceAll('${NODE_ID}', String(node.id))
    .replaceAll('${QUORUM_VOTERS}', voters)
    .replaceAll('${KAFKA_PORT}', String(node.port))
    .replaceAll('${CONTROLLER_PORT}', String(node.controllerPort))
    .replaceAll('${LOG_DIRS}', join(node.dataDir, 'logs'))
    .replaceAll('${REPLICATION_FACTOR}', String(settings.replicationFactor))
    .replaceAll('${MIN_INSYNC_REPLICAS}', String(settings.minInsyncReplicas));
}

const loggingOptions = (node) => [`-Dlog4j2.configurationFile=${join(infraDir, 'log4j2.properties')}`, `-Dkafka.logfile=${node.logFile}`];

/** Writes the node's properties and, on its first start, formats its storage (nodes format in parallel). */
async function prepareNode(settings, node, clusterId) {
  mkdirSync(join(node.dataDir, 'logs'), { recursive: true });
  writeFileSync(join(node.dataDir, 'server.properties'), nodeProperties(settings, node));
  if (formattedClusterId(node)) return;
  // A KRaft log directory must be formatted once, with the id every node of the cluster shares.
  const format = java([...loggingOptions(node), 'kafka.tools.StorageTool', 'format', '--ignore-formatted', `--cluster-id=${clusterId}`, '--config', join(node.dataDir, 'server.properties')]);
  const child = spawn(format.bin, format.args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const status = await new Promise((done) => child.once('close', done));
  if (status !== 0) throw new Error(`formatting Kafka storage of broker ${node.id} failed: ${output}`);
}

/** Starts the node's JVM (without waiting). Returns where its log stood before, so that what this start logged can be read. */
function launchNode(settings, node) {
  const logOffset = existsSync(node.logFile) ? statSync(node.logFile).size : 0;
  const server = java([...settings.heap.split(/\s+/), '-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20', '-Djava.awt.headless=true', ...loggingOptions(node), 'kafka.Kafka', join(node.dataDir, 'server.properties')]);
  const out = openSync(node.logFile, 'a');
  const child = spawn(server.bin, server.args, { detached: true, stdio: ['ignore', out, out] });
  closeSync(out);
  child.unref();
  writeFileSync(node.pidFile, String(child.pid));
  log(`starting broker ${node.id} (pid ${child.pid}) on ${node.broker}; log ${node.logFile}`);
  return logOffset;
}

/** Whether a node that exited during start could not bind a port (see untilPortsBindable). */
function portWasTaken(node, logOffset) {
  return readFileSync(node.logFile).subarray(logOffset).toString().includes('Address already in use');
}

/**
 * Starts every node that is not running (or only node `node`, e.g. after `killKafkaNode`) and
 * waits until each started node is a registered broker of the cluster.
 */
export async function startKafka({ env = process.env, timeoutMs = 90_000, node: only } = {}) {
  const settings = kafkaSettings(env);
  const targets = only === undefined ? settings.nodes : [nodeOf(env, only)];
  const stopped = targets.filter((node) => !readPid(node));
  if (stopped.length === 0) {
    await waitUntilReady(targets, timeoutMs);
    log(`already running on ${targets.map((node) => node.broker).join(',')}`);
    return { ...settings, startedHere: false };
  }
  for (const port of stopped.flatMap((node) => [node.port, node.controllerPort])) {
    if (await portOpen(port)) throw new Error(`port ${port} is taken by another process; set KAFKA_PORT (each node uses two ports from KAFKA_PORT up)`);
  }
  ensureJars();
  const clusterId = settings.nodes.map(formattedClusterId).find(Boolean) ?? randomBytes(16).toString('base64url');
  await Promise.all(stopped.map((node) => prepareNode(settings, node, clusterId)));
  const launch = async (node) => {
    await untilPortsBindable(node);
    return launchNode(settings, node);
  };
  const logOffsets = new Map();
  for (const node of stopped) logOffsets.set(node, await launch(node));
  for (let attempt = 1; ; attempt += 1) {
    try {
      await waitUntilReady(only === undefined ? settings.nodes : stopped, timeoutMs);
      break;
    } catch (error) {
      const node = error.exitedNode;
      if (!node || attempt >= 3 || !portWasTaken(node, logOffsets.get(node))) throw error;
      // The broker binds its client port seconds after start: a connection may take it meanwhile.
      log(`broker ${node.id} found a port taken by a client connection; starting it again`);
      logOffsets.set(node, await launch(node));
    }
  }
  log(settings.nodes.length === 1 ? 'broker ready' : `${stopped.length} of ${settings.nodes.length} nodes started, cluster ready`);
  return { ...settings, startedHere: true };
}

async function gone(pid, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      process.kill(pid, 0);
    } catch {
      return true;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

/** Stops every running node (SIGTERM, a controlled shutdown; SIGKILL after `timeoutMs`). */
export async function stopKafka({ env = process.env, timeoutMs = 30_000 } = {}) {
  const settings = kafkaSettings(env);
  const running = settings.nodes.flatMap((node) => {
    const pid = readPid(node);
    return pid ? [{ node, pid }] : [];
  });
  for (const { pid } of running) {
    process.kill(pid, 'SIGTERM');
    // A paused node (pauseKafkaNode) handles the signal only once it runs again.
    process.kill(pid, 'SIGCONT');
  }
  await Promise.all(
    running.map(async ({ node, pid }) => {
      const stopped = await gone(pid, timeoutMs);
      if (!stopped) process.kill(pid, 'SIGKILL');
      rmSync(node.pidFile, { force: true });
      log(stopped ? `broker ${node.id} stopped` : `broker ${node.id} killed after a slow shutdown`);
    }),
  );
  return running.length > 0;
}

function nodeOf(env, id) {
  const { nodes } = kafkaSettings(env);
  const node = nodes.find((candidate) => candidate.id === Number(id));
  if (!node) throw new Error(`there is no node ${id} (KAFKA_NODES=${nodes.length})`);
  return node;
}

/**
 * Kills one node with SIGKILL (no controlled shutdown: its partitions lose their leader at once)
 * and returns when its ports are closed, so `startKafka({ node })` can restart it right away.
 */
export async function killKafkaNode({ env = process.env, node: id }) {
  const node = nodeOf(env, id);
  const pid = readPid(node);
  if (!pid) return false;
  process.kill(pid, 'SIGKILL');
  for (const deadline = Date.now() + 10_000; (await portOpen(node.port)) || (await portOpen(node.controllerPort)); ) {
    if (Date.now() > deadline) throw new Error(`broker ${node.id} still listens 10 s after SIGKILL`);
    await new Promise((r) => setTimeout(r, 100));
  }
  rmSync(node.pidFile, { force: true });
  log(`broker ${node.id} killed (SIGKILL)`);
  return true;
}

/**
 * Freezes one node with SIGSTOP: it neither answers nor closes its connections, so a request in
 * flight to it hangs until the node is killed (its connections then reset) or continued.
 */
export function pauseKafkaNode({ env = process.env, node: id }) {
  const node = nodeOf(env, id);
  const pid = readPid(node);
  if (!pid) throw new Error(`node ${id} is not running`);
  process.kill(pid, 'SIGSTOP');
  log(`broker ${node.id} paused (SIGSTOP)`);
}

/** Synchronous last resort for exit handlers, where no promise can be awaited. */
export function killKafkaNow(env = process.env) {
  for (const node of kafkaSettings(env).nodes) {
    const pid = readPid(node);
    if (!pid) continue;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
    rmSync(node.pidFile, { force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [command, node] = process.argv.slice(2);
  const run = {
    start: async () => console.log(`KAFKA_BROKERS=${(await startKafka({ node })).brokers}`),
    stop: async () => console.log((await stopKafka()) ? 'stopped' : 'not running'),
    kill: async () => console.log((await killKafkaNode({ node })) ? `node ${node} killed` : `node ${node} not running`),
    pause: async () => pauseKafkaNode({ node }),
    status: async () => {
      const { nodes } = kafkaSettings();
      const state = (n) => (readPid(n) ? 'running' : 'not running');
      console.log(nodes.length === 1 ? state(nodes[0]) : nodes.map((n) => `node ${n.id}: ${state(n)}`).join('\n'));
    },
  }[command];
  if (!run || (['kill', 'pause'].includes(command) && node === undefined)) {
    console.error('usage: node scripts/kafka.mjs start [NODE] | stop | kill NODE | pause NODE | status   (KAFKA_NODES=3: the three-node cluster)');
    process.exit(2);
  }
  run().catch((error) => {
    console.error(error.message);
    process.exit(1);
  });
}
