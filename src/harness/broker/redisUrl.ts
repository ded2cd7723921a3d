/**
 * A Redis URL read into connection options. Apart from redisBacking.ts (which loads ioredis) so
 * that the CLI can check `--redis` without loading the Redis client.
 */

/** ioredis options from redis://[:password@]host:port[/db]. */
export function redisOptions(url: string): { host: string; port: number; password?: string; db?: number } {
  const u = new URL(url);
  if (u.protocol !== 'redis:') throw new RangeError(`a Redis URL is redis://host:port (got "${url}")`);
  const db = u.pathname.length > 1 ? Number(u.pathname.slice(1)) : undefined;
  if (db !== undefined && !Number.isInteger(db)) throw new RangeError(`the Redis database in "${url}" is not a number`);
  return {
    host: u.hostname || '127.0.0.1',
    port: u.port ? Number(u.port) : 6379,
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(db !== undefined ? { db } : {}),
  };
}
