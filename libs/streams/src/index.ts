export { StreamsModule, type StreamsModuleOptions } from './streams.module';
export { StreamDelivery } from './delivery/stream-delivery';
export { StreamDeliveryHealth } from './delivery/stream-delivery.health';
export { StreamsConfig } from './streams.config';
export {
  ALL_ORGANIZATIONS,
  DESTINATION_TYPES,
  STREAM_FORMATS,
  STREAM_STATES,
  type StreamDefinition,
  type StreamDestination,
  type StreamFilter,
  type StreamFormat,
  type StreamPosition,
  type StreamState,
  type StreamStatus,
} from './definition/stream-definition';
export { SecretCipher } from './definition/secret.cipher';
export { StreamStore } from './definition/stream.store';
export { StreamSupervisor } from './delivery/stream.supervisor';
export { WEBHOOK_HEADERS, verifyWebhookSignature, webhookSignature } from './destinations/webhook.signature';
export { toOcsfApiActivity, ocsfActivityId, OCSF_VERSION } from './format/ocsf.format';
export type { DeliveryBatch, CoveredRange, V1EventItem, CheckpointItem, CoverageItem } from './format/delivery-batch';
