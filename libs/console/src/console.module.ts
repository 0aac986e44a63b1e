import { loadConfig } from '@audit/config';
import { Module, type DynamicModule } from '@nestjs/common';
import { ConsoleConfig } from './console.config';
import { ConsoleController } from './console.controller';

/** The Auditing console (apps/console, built into CONSOLE_ASSETS_DIR) served at `/audit` by the query API. */
@Module({})
export class ConsoleModule {
  static forRoot(config = loadConfig(ConsoleConfig)): DynamicModule {
    return {
      module: ConsoleModule,
      controllers: [ConsoleController],
      providers: [{ provide: ConsoleConfig, useValue: config }],
    };
  }
}
