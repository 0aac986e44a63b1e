import { connect } from 'node:net';
import { WebhookReceiver } from './webhook.receiver';

describe('HttpReceiver', () => {
  it('should drop a request whose body its stop cut off, without an unhandled rejection', async () => {
    const rejections: unknown[] = [];
    const onRejection = (reason: unknown) => rejections.push(reason);
    process.on('unhandledRejection', onRejection);
    try {
      const receiver = await new WebhookReceiver().start();
      // Half of a declared body: the receiver is reading it when it goes down.
      const socket = connect(receiver.port, '127.0.0.1');
      socket.on('error', () => undefined);
      await new Promise<void>((resolve) => socket.once('connect', resolve));
      socket.write('POST /events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"events":[');
      await new Promise((resolve) => setTimeout(resolve, 100));
      await receiver.stop();
      await new Promise((resolve) => setTimeout(resolve, 100));
      socket.destroy();
      expect(rejections).toEqual([]);
    } finally {
      process.off('unhandledRejection', onRejection);
    }
  });
});
