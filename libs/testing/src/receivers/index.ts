export { DeliveryLedger, type LedgerReport } from './delivery.ledger';
export { HttpReceiver, type Behaviour, type ReceivedRequest, type Reply } from './http.receiver';
export { WebhookReceiver } from './webhook.receiver';
export { SplunkHecReceiver } from './splunk-hec.receiver';
export { DatadogLogsReceiver } from './datadog-logs.receiver';
export { SyslogReceiver, type SyslogMessage } from './syslog.receiver';
export { testCertificate } from './test-certificate';
