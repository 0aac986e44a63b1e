import { Global, Inject, Module, type DynamicModule, type OnApplicationShutdown, type Provider } from '@nestjs/common';
import { AUDIT_MODULE_OPTIONS, type AuditModuleAsyncOptions, type AuditModuleOptions } from './audit-module.options';
import { AUDIT_PRODUCER_DEFAULTS } from './audit-producer.options';
import { AuditProducer } from './audit.producer';
import { AuditedInterceptor } from './audited.interceptor';

const producerProvider: Provider = {
  provide: AuditProducer,
  inject: [AUDIT_MODULE_OPTIONS],
  useFactory: (options: AuditModuleOptions) => new AuditProducer(options),
};

/**
 * Provides one `AuditProducer` to the whole application (global) and the interceptor behind
 * `@Audited`. The producer is closed (flushed, then disconnected) when the application shuts down.
 */
@Global()
@Module({})
export class AuditModule implements OnApplicationShutdown {
  constructor(
    private readonly producer: AuditProducer,
    @Inject(AUDIT_MODULE_OPTIONS) private readonly options: AuditModuleOptions,
  ) {}

  static forRoot(options: AuditModuleOptions): DynamicModule {
    return AuditModule.withOptions({ provide: AUDIT_MODULE_OPTIONS, useValue: options });
  }

  static forRootAsync(options: AuditModuleAsyncOptions): DynamicModule {
    return {
      ...AuditModule.withOptions({ provide: AUDIT_MODULE_OPTIONS, inject: options.inject ?? [], useFactory: options.useFactory }),
      imports: options.imports ?? [],
    };
  }

  private static withOptions(optionsProvider: Provider): DynamicModule {
    return {
      module: AuditModule,
      providers: [optionsProvider, producerProvider, AuditedInterceptor],
      exports: [AuditProducer, AuditedInterceptor, AUDIT_MODULE_OPTIONS],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.producer.close({ timeoutMs: this.options.closeTimeoutMs ?? this.options.shutdownTimeoutMs ?? AUDIT_PRODUCER_DEFAULTS.shutdownTimeoutMs });
  }
}
