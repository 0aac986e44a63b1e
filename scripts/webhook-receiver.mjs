#!/usr/bin/env node
// A local webhook receiver for outbound streams (docs/streams.md): verifies each batch's signature,
// checks that each organization's ranges follow one another (no gap), prints what arrived.
// `WEBHOOK_SECRET=<the stream's secret> node scripts/webhook-receiver.mjs [port]` (default 4000).
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';

const secret = process.env.WEBHOOK_SECRET;
const port = Number(process.argv[2] ?? process.env.WEBHOOK_PORT ?? 4000);
if (!secret) {
  console.error('set WEBHOOK_SECRET to the stream\'s signing secret');
  process.exit(2);
}

// The README's check: HMAC-SHA256 of "<timestamp>.<raw body>" with the stream's secret, within 5 minutes.
function verify(secret, timestamp, body, signature) {
  const expected = 'v1=' + createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
  const fresh = Math.abs(Date.now() / 1000 - Number(timestamp)) <= 300;
  return fresh && signature.length === expected.length && timingSafeEqual(Buffer.from(signature), Buffer.from(expected));
}

/** Per organization, the last sequence covered so far: a range starting further on is a gap. */
const covered = new Map();

createServer((request, response) => {
  const chunks = [];
  request.on('data', (chunk) => chunks.push(chunk));
  request.on('end', () => {
    const body = Buffer.concat(chunks);
    if (!verify(secret, String(request.headers['x-audit-timestamp']), body, String(request.headers['x-audit-signature'] ?? ''))) {
      console.log(`refused a batch with a bad signature (${request.headers['x-audit-stream-id']})`);
      return response.writeHead(401).end();
    }
    const batch = JSON.parse(body.toString());
    const ranges = batch.ranges.map(({ organizationId, firstSeq, lastSeq }) => {
      const last = covered.get(organizationId);
      const gap = last !== undefined && firstSeq > last + 1 ? ` GAP after ${last}` : '';
      covered.set(organizationId, Math.max(last ?? 0, lastSeq));
      return `${organizationId} ${firstSeq}-${lastSeq}${gap}`;
    });
    console.log(`batch ${batch.batchSeq} of stream ${batch.streamId}: ${batch.events.length} events, ${batch.checkpoints.length} checkpoints; covers ${ranges.join(', ') || 'nothing (a test)'}`);
    for (const item of batch.events.slice(0, 3)) {
      const event = item.event ?? item;
      console.log(`  ${event.occurredAt ?? new Date(event.time).toISOString()} ${event.action ?? event.api?.operation} ${event.resource?.type ?? ''} seq ${item.seq ?? item.metadata?.sequence}`);
    }
    response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  });
}).listen(port, '127.0.0.1', () => console.log(`webhook receiver on http://127.0.0.1:${port}/audit (signatures checked with WEBHOOK_SECRET)`));
