import type { AddressInfo, Server } from 'node:net';

/** Listens on 127.0.0.1:`port` (0: any free port); resolves with the port. */
export async function listen(server: Server, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

export function closeServer(server: Server | undefined): Promise<unknown> {
  return server ? new Promise((resolve) => server.close(resolve)) : Promise.resolve();
}
