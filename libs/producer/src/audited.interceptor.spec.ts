import type { AuditEvent } from '@audit/contract';
import { Body, Controller, ForbiddenException, Get, Injectable, Module, Param, Post, type INestApplication, type NestMiddleware } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { FakeKafkaProducer } from '../test/fake-kafka.producer';
import type { AuditModuleOptions } from './audit-module.options';
import { AuditModule } from './audit.module';
import { AuditProducer } from './audit.producer';
import { Audited } from './audited.decorator';

@Controller('members')
class MembersController {
  @Post(':id/role')
  @Audited({ action: 'role.change', resourceType: 'Member', resourceId: 'params.id' })
  changeRole(@Param('id') id: string, @Body() body: { role: string }) {
    if (body.role === 'owner') throw new ForbiddenException('only an owner can make an owner\r\nreally');
    return { id, role: body.role };
  }

  @Post()
  @Audited({ action: 'invite', resourceType: 'Member', resourceId: 'result.id', resourceName: (call) => (call.body as { email: string }).email })
  invite() {
    return { id: 'member_new' };
  }

  @Get(':id')
  read(@Param('id') id: string) {
    return { id };
  }
}

/** Stands in for the product's auth guard: the principal from two test headers. */
@Injectable()
class FakeAuthMiddleware implements NestMiddleware {
  use(request: { headers: Record<string, string>; user?: unknown }, _response: unknown, next: () => void) {
    if (request.headers['x-test-user']) request.user = { sub: request.headers['x-test-user'], org: request.headers['x-test-org'], email: 'ada@acme.test' };
    next();
  }
}

async function appWith(moduleImport: ReturnType<typeof AuditModule.forRoot>): Promise<{ app: INestApplication; url: string }> {
  @Module({ imports: [moduleImport], controllers: [MembersController] })
  class TestModule {
    configure(consumer: { apply(m: unknown): { forRoutes(path: string): void } }) {
      consumer.apply(FakeAuthMiddleware).forRoutes('*');
    }
  }
  const moduleRef = await Test.createTestingModule({ imports: [TestModule] }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.listen(0, '127.0.0.1');
  return { app, url: await app.getUrl() };
}

const options = (kafka: FakeKafkaProducer): AuditModuleOptions => ({ kafkaProducer: kafka, exitHooks: false, lingerMs: 1 });
const headers = { 'content-type': 'application/json', 'x-test-user': 'user_1', 'x-test-org': 'org_acme', 'x-request-id': 'req_42' };

describe('@Audited with AuditModule', () => {
  let kafka: FakeKafkaProducer;
  let app: INestApplication;
  let url: string;

  beforeEach(async () => {
    kafka = new FakeKafkaProducer();
    ({ app, url } = await appWith(AuditModule.forRoot(options(kafka))));
  });

  afterEach(async () => {
    // Closing twice is harmless: the producer's close() is idempotent.
    await app.close();
  });

  const recorded = async (): Promise<AuditEvent[]> => {
    await app.get(AuditProducer).flush();
    return kafka.values();
  };

  it('records a successful call with actor, tenant, request id and the resource from the route', async () => {
    const response = await fetch(`${url}/members/member_7/role`, { method: 'POST', headers, body: JSON.stringify({ role: 'admin' }) });
    expect(response.status).toBe(201);
    expect(await recorded()).toEqual([
      expect.objectContaining({
        organizationId: 'org_acme',
        actor: expect.objectContaining({ id: 'user_1', type: 'user', email: 'ada@acme.test', ip: '127.0.0.1' }),
        action: 'role.change',
        resource: { type: 'Member', id: 'member_7' },
        status: 'success',
        requestId: 'req_42',
      }),
    ]);
  });

  it('records a failed call with the error as its reason, control characters removed, and keeps the error response', async () => {
    const response = await fetch(`${url}/members/member_7/role`, { method: 'POST', headers, body: JSON.stringify({ role: 'owner' }) });
    expect(response.status).toBe(403);
    expect(await recorded()).toEqual([expect.objectContaining({ status: 'failure', reason: 'only an owner can make an owner  really', resource: { type: 'Member', id: 'member_7' } })]);
  });

  it('takes the resource id from the result and the name from the body', async () => {
    await fetch(`${url}/members`, { method: 'POST', headers, body: JSON.stringify({ email: 'grace@acme.test' }) });
    expect((await recorded())[0].resource).toEqual({ type: 'Member', id: 'member_new', name: 'grace@acme.test' });
  });

  it('does not record undecorated handlers', async () => {
    await fetch(`${url}/members/member_7`, { headers });
    expect(await recorded()).toEqual([]);
  });

  it('answers normally but records nothing when the request has no principal', async () => {
    const response = await fetch(`${url}/members/member_7/role`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ role: 'admin' }) });
    expect(response.status).toBe(201);
    expect(await recorded()).toEqual([]);
  });

  it('closes the producer, delivering what was recorded, when the application shuts down', async () => {
    await fetch(`${url}/members/member_7/role`, { method: 'POST', headers, body: JSON.stringify({ role: 'admin' }) });
    await app.close();
    expect(kafka.values()).toHaveLength(1);
    expect(kafka.disconnects).toBe(1);
  });

  it('builds the producer from async options with a custom context resolver', async () => {
    await app.close();
    ({ app, url } = await appWith(
      AuditModule.forRootAsync({
        useFactory: async () => ({ ...options(kafka), resolveContext: () => ({ organizationId: 'org_async', actor: { id: 'svc_billing', type: 'service' } }) }),
      }),
    ));
    await fetch(`${url}/members/member_9/role`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ role: 'admin' }) });
    expect(await recorded()).toEqual([expect.objectContaining({ organizationId: 'org_async', actor: { id: 'svc_billing', type: 'service' } })]);
  });
});
