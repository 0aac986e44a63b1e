#!/usr/bin/env node
// Runs a real single-node Apache Kafka broker (KRaft, broker+controller in one JVM) from the
// official jars on Maven Central. Used by `npm start`, `npm test` and by people directly:
//   node scripts/kafka.mjs start|stop|status
// The jars are resolved once into infra/kafka/.libs; data, config and log live in .data/kafka.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const infraDir = join(root, 'infra', 'kafka');
const libsDir = join(infraDir, '.libs');

export function kafkaSettings(env = process.env) {
  const port = Number(env.KAFKA_PORT ?? 19092);
  const dataDir = resolve(root, env.KAFKA_DATA_DIR ?? join('.data', 'kafka'));
  return {
    port,
    controllerPort: Number(env.KAFKA_CONTROLLER_PORT ?? port + 1),
    dataDir,
    pidFile: join(dataDir, 'broker.pid'),
    logFile: join(dataDir, 'broker.log'),
    brokers: `127.0.0.1:${port}`,
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

function readPid(settings) {
  if (!existsSync(settings.pidFile)) return undefined;
  const pid = Number(readFileSync(settings.pidFile, 'utf8'));
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

function portOpen(port) {
  return new Promise((done) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      done(true);
    });
    socket.once('error', () => done(false));
  });
}

function formattedClusterId(settings) {
  const meta = join(settings.dataDir, 'logs', 'meta.properties');
  if (!existsSync(meta)) return undefined;
  return /^cluster\.id=(.+)$/m.exec(readFileSync(meta, 'utf8'))?.[1]?.trim();
}

/**
 * Ready means a client can fetch cluster metadata from this broker, not merely that the port is
 * open: the cluster id must be the one this data directory was formatted with, so another broker
 * answering on the same port is never mistaken for ours.
 */
async function waitUntilReady(settings, timeoutMs) {
  const { Kafka, logLevel } = await import('kafkajs');
  const deadline = Date.now() + timeoutMs;
  let lastError;
  while (Date.now() < deadline) {
    if (!readPid(settings)) {
      throw new Error(`the broker exited during start; see ${settings.logFile}`);
    }
    if (await portOpen(settings.port)) {
      const admin = new Kafka({ brokers: [settings.brokers], logLevel: logLevel.NOTHING, retry: { retries: 0 } }).admin();
      try {
        await admin.connect();
        const cluster = await admin.describeCluster();
        const expected = formattedClusterId(settings);
        if (expected && cluster.clusterId !== expected) {
          throw new Error(`another Kafka cluster (${cluster.clusterId}) answers on port ${settings.port}; set KAFKA_PORT`);
        }
        if (cluster.controller !== null && cluster.brokers.length > 0) return;
      } catch (error) {
        if (error.message.startsWith('another Kafka cluster')) throw error;
        lastError = error;
      } finally {
        await admin.disconnect().catch(() => undefined);
      }
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the broker did not accept clients within ${timeoutMs} ms (${lastError?.message ?? 'port closed'}); see ${settings.logFile}`);
}

export async function startKafka({ env = process.env, timeoutMs = 90_000 } = {}) {
  const settings = kafkaSettings(env);
  if (readPid(settings)) {
    await waitUntilReady(settings, timeoutMs);
    log(`already running on ${settings.brokers}`);
    return { ...settings, startedHere: false };
  }
  for (const port of [settings.port, settings.controllerPort]) {
    if (await portOpen(port)) throw new Error(`port ${port} is taken by another process; set KAFKA_PORT (the controller uses KAFKA_PORT + 1)`);
  }
  ensureJars();
  const logDirs = join(settings.dataDir, 'logs');
  mkdirSync(logDirs, { recursive: true });
  const properties = readFileSync(join(infraDir, 'server.properties.template'), 'utf8')
    .replaceAll('${KAFKA_PORT}', String(settings.port))
    .replaceAll('${CONTROLLER_PORT}', String(settings.controllerPort))
    .replaceAll('${LOG_DIRS}', logDirs);
  const propertiesFile = join(settings.dataDir, 'server.properties');
  writeFileSync(propertiesFile, properties);

  const logging = [`-Dlog4j2.configurationFile=${join(infraDir, 'log4j2.properties')}`, `-Dkafka.logfile=${settings.logFile}`];
  if (!existsSync(join(logDirs, 'meta.properties'))) {
    // A KRaft log directory must be formatted once with a cluster id before first start.
    const clusterId = randomBytes(16).toString('base64url');
    const format = java([...logging, 'kafka.tools.StorageTool', 'format', '--ignore-formatted', `--cluster-id=${clusterId}`, '--config', propertiesFile]);
    const result = spawnSync(format.bin, format.args, { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`formatting Kafka storage failed: ${result.stderr || result.stdout}`);
  }

  const heap = env.KAFKA_HEAP_OPTS ?? '-Xms256m -Xmx512m';
  const server = java([...heap.split(/\s+/), '-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20', '-Djava.awt.headless=true', ...logging, 'kafka.Kafka', propertiesFile]);
  const out = openSync(settings.logFile, 'a');
  const child = spawn(server.bin, server.args, { detached: true, stdio: ['ignore', out, out] });
  closeSync(out);
  child.unref();
  writeFileSync(settings.pidFile, String(child.pid));
  log(`starting broker (pid ${child.pid}) on ${settings.brokers}; log ${settings.logFile}`);
  await waitUntilReady(settings, timeoutMs);
  log('broker ready');
  return { ...settings, startedHere: true };
}

export async function stopKafka({ env = process.env, timeoutMs = 30_000 } = {}) {
  const settings = kafkaSettings(env);
  const pid = readPid(settings);
  if (!pid) return false;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      process.kill(pid, 0);
    } catch {
      rmSync(settings.pidFile, { force: true });
      log('broker stopped');
      return true;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  process.kill(pid, 'SIGKILL');
  rmSync(settings.pidFile, { force: true });
  log('broker killed after a slow shutdown');
  return true;
}

/** Synchronous last resort for exit handlers, where no promise can be awaited. */
export function killKafkaNow(env = process.env) {
  const settings = kafkaSettings(env);
  const pid = readPid(settings);
  if (!pid) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* already gone */
  }
  rmSync(settings.pidFile, { force: true });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const command = process.argv[2];
  const run = {
    start: async () => console.log(`KAFKA_BROKERS=${(await startKafka()).brokers}`),
    stop: async () => console.log((await stopKafka()) ? 'stopped' : 'not running'),
    status: async () => console.log(readPid(kafkaSettings()) ? 'running' : 'not running'),
  }[command];
  if (!run) {
    console.error('usage: node scripts/kafka.mjs start|stop|status');
    process.exit(2);
  }
  run().catch((error) => {
    console.error(error.message);
    process.exit(1);
  });
}
