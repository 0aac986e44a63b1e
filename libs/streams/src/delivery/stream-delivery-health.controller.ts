import { Controller, Get, HttpCode, HttpException, HttpStatus } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { StreamDelivery } from './stream-delivery';

/** `/health/live` and `/health/ready` of the standalone delivery (apps/stream-delivery): ready once its streams are started. */
@ApiExcludeController()
@Controller('health')
export class StreamDeliveryHealthController {
  constructor(private readonly delivery: StreamDelivery) {}

  @Get('live')
  @HttpCode(200)
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  ready(): { status: 'ok'; streams: number } {
    if (!this.delivery.started) throw new HttpException({ status: 'starting' }, HttpStatus.SERVICE_UNAVAILABLE);
    return { status: 'ok', streams: this.delivery.supervisor.running() };
  }
}
