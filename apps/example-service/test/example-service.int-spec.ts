// The example service end to end: HTTP calls to @Audited handlers produce audit events on the
// real broker's topic, with actor, tenant, resource and outcome.
import { loadConfig } from '@audit/config';
import type { AuditEvent } from '@audit/contract';
import { createTestTopics, readTopic, testBrokers, testKafka } from '@audit/testing';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { ExampleConfig } from '../src/example.config';
import { ExampleModule } from '../src/example.module';

jest.setTimeout(60_000);

describe('example service', () => {
  const kafka = testKafka('example-service-int');
  let app: INestApplication;
  let url: string;
  let topic: string;

  beforeAll(async () => {
    ({ topic } = await createTestTopics(kafka, 3));
    const config = loadConfig(ExampleConfig, { KAFKA_BROKERS: testBrokers().join(','), AUDIT_TOPIC: topic });
    const moduleRef = await Test.createTestingModule({ imports: [ExampleModule.forRoot(config)] }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.listen(0, '127.0.0.1');
    url = await app.getUrl();
  });

  afterAll(async () => {
    await app.close();
  });

  it('records each audited HTTP call on the topic, successes and failures alike', async () => {
    const headers = { 'content-type': 'application/json', 'x-user-id': 'user_ada', 'x-org-id': 'org_example', 'x-user-email': 'ada@example.test', 'x-request-id': 'req_example_1' };
    const invited = await fetch(`${url}/members`, { method: 'POST', headers, body: JSON.stringify({ email: 'grace@example.test' }) });
    expect(invited.status).toBe(201);
    const { id } = (await invited.json()) as { id: string };
    const changed = await fetch(`${url}/members/${id}/role`, { method: 'PATCH', headers, body: JSON.stringify({ role: 'admin' }) });
    expect(changed.status).toBe(200);
    const missing = await fetch(`${url}/members/member_nobody/role`, { method: 'PATCH', headers, body: JSON.stringify({ role: 'admin' }) });
    expect(missing.status).toBe(404);

    const events = (await readTopic(kafka, topic, { count: 3 })).map((m) => JSON.parse(m.value ?? '') as AuditEvent);
    const common = { organizationId: 'org_example', actor: expect.objectContaining({ id: 'user_ada', email: 'ada@example.test' }), requestId: 'req_example_1' };
    expect(events).toEqual([
      expect.objectContaining({ ...common, action: 'invite', status: 'success', resource: { type: 'Member', id, name: 'grace@example.test' } }),
      expect.objectContaining({ ...common, action: 'role.change', status: 'success', resource: { type: 'Member', id } }),
      expect.objectContaining({ ...common, action: 'role.change', status: 'failure', reason: 'no member member_nobody', resource: { type: 'Member', id: 'member_nobody' } }),
    ]);
  });
});
