import { Controller, Get, Header, Res } from '@nestjs/common';
import type { Response } from 'express';
import { Registry } from 'prom-client';

/** Prometheus scrape endpoint of the app (no authentication: bind it to an internal interface). */
@Controller('metrics')
export class MetricsController {
  constructor(private readonly registry: Registry) {}

  @Get()
  @Header('Cache-Control', 'no-store')
  async scrape(@Res() response: Response): Promise<void> {
    const body = await this.registry.metrics();
    response.type(this.registry.contentType).send(body);
  }
}
