import { Injectable, Logger, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { AsyncLocalStorage } from 'node:async_hooks';

/** The request whose handling an asynchronous step belongs to. */
interface RequestScope {
  method: string;
  path: string;
  response: Response;
}

const describe = (error: unknown) => (error instanceof Error ? (error.stack ?? error.message) : String(error));

/**
 * Last resort for an error that escapes the handling of a request (a throw in a callback, a
 * rejected promise nobody awaits): it is logged with its request, that request's connection is
 * cut, and the process goes on serving — and ingesting, in the all-in-one app. An error raised
 * outside any request still ends the process, as Node would: nothing says its state is sound.
 *
 * Not a fix: every cause found is fixed where it arises, and the hostile-client tests assert that
 * this guard never had to act. It knows a request's steps by an AsyncLocalStorage entered for each
 * request (its middleware); Node reports uncaught exceptions and unhandled rejections in the
 * context of the code that raised them.
 */
@Injectable()
export class RequestErrorGuard implements NestMiddleware {
  private readonly logger = new Logger('RequestErrorGuard');
  private readonly requests = new AsyncLocalStorage<RequestScope>();

  use(request: Request, response: Response, next: NextFunction): void {
    this.requests.run({ method: request.method, path: (request.originalUrl ?? request.url).split('?')[0], response }, next);
  }

  /** Absorbs an error of a request's handling (true), or leaves it to end the process (false). */
  absorb(error: unknown): boolean {
    const scope = this.requests.getStore();
    if (!scope) return false;
    this.logger.error(`request-error guard: an error escaped the handling of ${scope.method} ${scope.path}; its connection is cut, the process goes on: ${describe(error)}`);
    if (!scope.response.writableFinished) scope.response.destroy();
    return true;
  }

  /** Routes the process's uncaught exceptions and unhandled rejections through {@link absorb}. */
  install(target: NodeJS.Process = process): void {
    const handle = (error: unknown) => {
      if (this.absorb(error)) return;
      this.logger.fatal(`an error escaped outside any request; the process ends: ${describe(error)}`);
      target.exit(1);
    };
    target.on('uncaughtException', handle);
    target.on('unhandledRejection', handle);
  }
}
