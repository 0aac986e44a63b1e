import { Controller, Get, NotFoundException, Param, Res, ServiceUnavailableException } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { existsSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { ConsoleConfig } from './console.config';

/**
 * The page is static and talks to the API from the browser with the bearer token, so it needs
 * nothing from the server but files. `script-src 'self'` holds because the build emits no inline
 * script; the token travels in the URL fragment, which browsers never send to a server.
 */
const PAGE_HEADERS = {
  'Cache-Control': 'no-cache',
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
};

/** Serves the Auditing console built by Vite: the page at `/audit`, its hashed files under `/audit/assets`. */
@ApiExcludeController()
@Controller('audit')
export class ConsoleController {
  private readonly root: string;

  constructor(config: ConsoleConfig) {
    this.root = resolve(config.CONSOLE_ASSETS_DIR);
  }

  @Get()
  page(@Res() response: Response): void {
    if (!existsSync(join(this.root, 'index.html'))) {
      throw new ServiceUnavailableException({
        statusCode: 503,
        code: 'console_not_built',
        message: `the console is not built in ${this.root}: run \`node scripts/build.mjs\``,
      });
    }
    this.send(response, this.root, 'index.html', PAGE_HEADERS);
  }

  /** File names carry a content hash, so a browser may keep them for a year. */
  @Get('assets/:file')
  asset(@Param('file') file: string, @Res() response: Response): void {
    // A decoded `%2F` could smuggle a path into the parameter; only plain names are served.
    if (basename(file) !== file) throw this.notFound(file);
    this.send(response, join(this.root, 'assets'), file, { 'Cache-Control': 'public, max-age=31536000, immutable', 'X-Content-Type-Options': 'nosniff' });
  }

  private send(response: Response, root: string, file: string, headers: Record<string, string>): void {
    response.sendFile(file, { root, headers, dotfiles: 'deny', cacheControl: false }, (error) => {
      if (error && !response.headersSent) response.status(404).json(this.notFound(file).getResponse());
    });
  }

  private notFound(file: string): NotFoundException {
    return new NotFoundException({ statusCode: 404, code: 'not_found', message: `no console file named ${file}` });
  }
}
