import { KafkaJSConnectionError, KafkaJSError, KafkaJSNonRetriableError, KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError } from 'kafkajs';
import { permanentRefusal } from './publish-error.classifier';

/** A broker error as kafkajs raises it from a produce response. */
const broker = (type: string, retriable: boolean) => new KafkaJSProtocolError({ message: `${type} from the broker`, type, code: 0, retriable } as unknown as Error);

describe('publish error classification', () => {
  it.each(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE', 'INVALID_RECORD'])('should take %s as a refusal for good, bare or wrapped by kafkajs', (type) => {
    expect(permanentRefusal(broker(type, false))).toBe(type);
    expect(permanentRefusal(Object.assign(new KafkaJSNonRetriableError(broker(type, false)), { cause: broker(type, false) }))).toBe(type);
    const aggregate = Object.assign(new Error('Multiple errors'), { name: 'KafkaJSAggregateError', errors: [new KafkaJSError('other'), broker(type, false)] });
    expect(permanentRefusal(aggregate)).toBe(type);
  });

  it.each([
    ['a leader election', broker('LEADER_NOT_AVAILABLE', true)],
    ['retries exhausted on a moving leader', new KafkaJSNumberOfRetriesExceeded(broker('NOT_LEADER_FOR_PARTITION', true), { retryCount: 5, retryTime: 1000 } as never)],
    ['a missing topic (an operator can create it)', broker('UNKNOWN_TOPIC_OR_PARTITION', true)],
    ['a topic not authorized (an operator can grant it)', broker('TOPIC_AUTHORIZATION_FAILED', false)],
    ['a broker away', new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:9092')],
    ['an error of unknown kind', new TypeError('something else')],
  ])('should retry %s', (_what, error) => {
    expect(permanentRefusal(error)).toBeUndefined();
  });
});
