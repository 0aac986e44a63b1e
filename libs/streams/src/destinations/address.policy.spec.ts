import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { AddressPolicy, parseCidr } from './address.policy';

describe('AddressPolicy', () => {
  const policy = new AddressPolicy();

  it.each([
    '127.0.0.1',
    '127.255.0.9',
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '224.0.0.1',
    '::1',
    '::',
    'fe80::1',
    'fd00:ec2::254',
    'fc00::1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:a9fe:a9fe',
    '64:ff9b::a9fe:a9fe',
  ])('should refuse %s', (address) => {
    expect(() => policy.check(address)).toThrow(/loopback, private, link-local or reserved/);
  });

  it.each(['93.184.216.34', '8.8.8.8', '172.32.0.1', '2606:4700::1111', '::ffff:8.8.8.8'])('should allow the public address %s', (address) => {
    expect(() => policy.check(address)).not.toThrow();
  });

  it('should let the operator allow-list an internal range, and nothing beyond it', () => {
    const allowing = new AddressPolicy(['127.0.0.1/32', '10.20.0.0/16', '::1']);
    expect(() => allowing.check('127.0.0.1')).not.toThrow();
    expect(() => allowing.check('::1')).not.toThrow();
    expect(() => allowing.check('10.20.3.4')).not.toThrow();
    expect(() => allowing.check('10.21.3.4')).toThrow();
    expect(() => allowing.check('127.0.0.2')).toThrow();
  });

  it('should refuse an IP literal host before connecting, and check names only once resolved', () => {
    expect(() => policy.checkHost('[::1]')).toThrow();
    expect(() => policy.checkHost('169.254.169.254')).toThrow();
    expect(() => policy.checkHost('example.com')).not.toThrow();
  });

  it.each(['10.0.0.0/33', 'not-an-ip', '1.2.3.4/x', ''])('should refuse the allow-list entry %j', (entry) => {
    expect(() => parseCidr(entry)).toThrow(/is not a CIDR/);
  });

  describe('at connect time', () => {
    let server: Server;
    let port: number;

    beforeAll(async () => {
      server = createServer((_request, response) => response.end('ok'));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      port = (server.address() as AddressInfo).port;
    });

    afterAll(() => new Promise((resolve) => server.close(resolve)));

    const tryConnect = (lookupPolicy: AddressPolicy) =>
      new Promise<void>((resolve, reject) => {
        const socket = connect({ host: 'localhost', port, lookup: lookupPolicy.lookup, family: 4 });
        socket.once('connect', () => {
          socket.destroy();
          resolve();
        });
        socket.once('error', reject);
      });

    it('should refuse a name that resolves to a loopback address, on the socket itself', async () => {
      await expect(tryConnect(policy)).rejects.toThrow(/127\.0\.0\.1, a loopback, private/);
    });

    it('should connect to a name resolving into the allow-list', async () => {
      await expect(tryConnect(new AddressPolicy(['127.0.0.0/8']))).resolves.toBeUndefined();
    });
  });
});
