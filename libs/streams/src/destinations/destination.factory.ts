import { readFileSync } from 'node:fs';
import type { StreamDefinition } from '../definition/stream-definition';
import type { StreamsConfig } from '../streams.config';
import { AddressPolicy } from './address.policy';
import { DatadogLogsDestination } from './datadog-logs.destination';
import type { Destination } from './destination';
import { HttpTransport } from './http.transport';
import { SplunkHecDestination } from './splunk-hec.destination';
import { SyslogDestination } from './syslog.destination';
import { WebhookDestination } from './webhook.destination';

/**
 * Builds destinations for stream definitions, all behind one {@link AddressPolicy} and one HTTP
 * transport (timeouts, response cap, no redirects) from the configuration. Validated at boot: a bad
 * allow-list entry or an unreadable CA file stops the process, naming the variable.
 */
export class DestinationFactory {
  readonly policy: AddressPolicy;
  private readonly transport: HttpTransport;
  private readonly ca?: string;

  constructor(private readonly config: StreamsConfig) {
    try {
      this.policy = new AddressPolicy(config.allowedCidrs);
    } catch (error) {
      throw new Error(`STREAMS_ALLOWED_CIDRS: ${(error as Error).message}`);
    }
    if (config.STREAMS_TLS_CA_FILE) {
      try {
        this.ca = readFileSync(config.STREAMS_TLS_CA_FILE, 'utf8');
      } catch (error) {
        throw new Error(`STREAMS_TLS_CA_FILE cannot be read: ${(error as Error).message}`);
      }
    }
    this.transport = new HttpTransport({ policy: this.policy, timeoutMs: config.STREAMS_HTTP_TIMEOUT_MS, maxResponseBytes: config.STREAMS_MAX_RESPONSE_BYTES, ca: this.ca });
  }

  /** `secret`: the opened destination secret (webhook signing key, Splunk token, Datadog API key). */
  create(definition: StreamDefinition, secret: string | undefined): Destination {
    const { destination } = definition;
    const needSecret = () => {
      if (!secret) throw new Error(`stream ${definition.id}: a ${destination.type} destination needs its secret`);
      return secret;
    };
    switch (destination.type) {
      case 'webhook':
        return new WebhookDestination(destination, needSecret(), this.transport);
      case 'splunk':
        return new SplunkHecDestination(destination, needSecret(), this.transport);
      case 'datadog':
        return new DatadogLogsDestination(destination, needSecret(), this.transport);
      case 'syslog':
        return new SyslogDestination(destination, { policy: this.policy, timeoutMs: this.config.STREAMS_HTTP_TIMEOUT_MS, ca: this.ca });
    }
  }

  close(): void {
    this.transport.close();
  }
}
