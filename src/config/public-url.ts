import type { AddressInfo } from 'node:net';
import type { Config } from './config.js';

/**
 * The base of every URL the service emits (`prepare_url`): KAIZEN_PUBLIC_URL,
 * else the address the service listens on. Never a request header: a client
 * sending `Host: evil.example.com` must not make discover hand an
 * orchestrator (and its bearer token) a link to another host. `address` is
 * the bound socket's (so `PORT=0` gives the real port); before listening
 * (tests using inject) the configured HOST and PORT stand in.
 */
export function publicBaseUrl(config: Pick<Config, 'publicUrl' | 'host' | 'port'>, address: AddressInfo | string | null): string {
  if (config.publicUrl) return config.publicUrl;
  const { host, port } = address !== null && typeof address === 'object' ? { host: address.address, port: address.port } : { host: config.host, port: config.port };
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}
