/** A port for a test's own server, chosen by the OS (never a fixed number: tests share the machine). */
import type { Server } from 'node:net';

/** Listen on 127.0.0.1 on a port the OS picks; resolves with that port, rejects if listening fails. */
export function listenOnFreePort(server: Server): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      const address = server.address();
      if (address === null || typeof address === 'string') reject(new Error(`not a TCP address: ${String(address)}`));
      else resolve(address.port);
    });
  });
}
