import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { Express } from 'express';

export interface Listening {
  /** Base URL of the server, e.g. `http://127.0.0.1:43125`. */
  origin: string;
  server: Server;
  /** Stops accepting connections, drops kept-alive ones and waits for the server to close. */
  close(): Promise<void>;
}

/** Starts the app on a free TCP port on 127.0.0.1, for clients that need a real socket. */
export function listen(app: Express): Promise<Listening> {
  return new Promise((resolve, reject) => {
    const server = app.listen(0, '127.0.0.1');
    server.once('error', reject);
    server.once('listening', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        origin: `http://127.0.0.1:${port}`,
        server,
        close: () => new Promise<void>((done, fail) => {
          server.close((err) => (err ? fail(err) : done()));
          server.closeAllConnections();
        }),
      });
    });
  });
}
