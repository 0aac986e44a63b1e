import { Logger } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { EventEmitter } from 'node:events';
import { RequestErrorGuard } from './request-error.guard';

function fakeResponse() {
  return { writableFinished: false, destroyed: false, destroy() { this.destroyed = true; } };
}

/** Runs `step` as a later asynchronous step of a request that went through the guard's middleware. */
function duringRequest(guard: RequestErrorGuard, response: ReturnType<typeof fakeResponse>, step: () => void): Promise<void> {
  return new Promise((done) => {
    const next: NextFunction = () => setTimeout(() => (step(), done()), 1);
    guard.use({ method: 'GET', originalUrl: '/v1/audit-logs/export?actor=ada@example.com' } as Request, response as unknown as Response, next);
  });
}

describe('RequestErrorGuard', () => {
  let logged: string[];
  beforeEach(() => {
    logged = [];
    jest.spyOn(Logger.prototype, 'error').mockImplementation((message: unknown) => void logged.push(String(message)));
    jest.spyOn(Logger.prototype, 'fatal').mockImplementation((message: unknown) => void logged.push(String(message)));
  });
  afterEach(() => jest.restoreAllMocks());

  it('should absorb an error raised in a later step of a request, log it with the request (without its query string) and cut that connection', async () => {
    const guard = new RequestErrorGuard();
    const response = fakeResponse();
    let absorbed: boolean | undefined;

    await duringRequest(guard, response, () => (absorbed = guard.absorb(new Error('a callback threw'))));

    expect({ absorbed, cut: response.destroyed }).toEqual({ absorbed: true, cut: true });
    expect(logged).toEqual([expect.stringMatching(/GET \/v1\/audit-logs\/export; .*a callback threw/)]);
    expect(logged[0]).not.toContain('ada@example.com');
  });

  it('should leave an error raised outside any request to end the process', () => {
    const guard = new RequestErrorGuard();
    expect(guard.absorb(new Error('the consumer crashed'))).toBe(false);
    expect(logged).toEqual([]);
  });

  it('should keep the process for an unhandled rejection of a request, and exit for one outside', async () => {
    const guard = new RequestErrorGuard();
    const target = Object.assign(new EventEmitter(), { exit: jest.fn() });
    guard.install(target as unknown as NodeJS.Process);

    await duringRequest(guard, fakeResponse(), () => void target.emit('unhandledRejection', new Error('nobody awaited this')));
    expect(target.exit).not.toHaveBeenCalled();

    target.emit('uncaughtException', new Error('outside'));
    expect(target.exit).toHaveBeenCalledWith(1);
  });
});
