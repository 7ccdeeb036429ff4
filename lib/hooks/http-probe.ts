import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import type { HttpAnswer } from './judge.js';

/** One probe request. `servername` sets the TLS server name (SNI) when it differs from the URL's host. */
export interface HttpProbeRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
  signal: AbortSignal;
  servername?: string;
}

/** Sends one request and resolves with the whole answer; rejects on transport errors and on abort. */
export type HttpFetch = (request: HttpProbeRequest) => Promise<HttpAnswer>;

export interface HttpFetchOptions {
  /** Extra certificate authorities to trust (a private CA of an internal load balancer). */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Bodies are read up to this size; the rest is dropped and the answer marked truncated. */
  maxBodyBytes?: number;
}

const flatten = (headers: IncomingHttpHeaders): Record<string, string> =>
  Object.fromEntries(
    Object.entries(headers)
      .filter((entry): entry is [string, string | string[]] => entry[1] !== undefined)
      .map(([name, value]) => [name.toLowerCase(), Array.isArray(value) ? value.join(', ') : value]),
  );

/**
 * The probe's HTTP client, on node:http/node:https rather than fetch: fetch cannot set the TLS
 * server name, which an HTTPS listener reached by its load balancer DNS name needs. Every request
 * opens its own connection, so each measurement includes connecting, as a user's first request would.
 */
export const createHttpFetch = (options: HttpFetchOptions = {}): HttpFetch => {
  const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
  return (probe) =>
    new Promise<HttpAnswer>((resolve, reject) => {
      const url = new URL(probe.url);
      const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
      let settled = false;
      const settle = (fn: () => void) => {
        if (!settled) {
          settled = true;
          fn();
        }
      };
      const req = send(
        url,
        {
          method: probe.method,
          headers: probe.headers,
          signal: probe.signal,
          agent: false,
          // RFC 6066 forbids an IP address as server name: send none unless a host name is known.
          ...(url.protocol === 'https:'
            ? { servername: probe.servername ?? (isIP(url.hostname) ? '' : url.hostname), ca: options.ca }
            : {}),
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          let truncated = false;
          const finish = () =>
            settle(() =>
              resolve({
                status: res.statusCode ?? 0,
                headers: flatten(res.headers),
                body: Buffer.concat(chunks).toString('utf8'),
                truncated,
              }),
            );
          res.on('data', (chunk: Buffer) => {
            if (truncated) return;
            const room = maxBodyBytes - size;
            chunks.push(chunk.subarray(0, Math.max(0, room)));
            size += Math.min(chunk.length, room);
            if (chunk.length > room) {
              truncated = true;
              finish();
              res.destroy();
            }
          });
          res.on('end', finish);
          res.on('error', (error) => settle(() => reject(error)));
        },
      );
      req.on('error', (error) => settle(() => reject(error)));
      req.end(probe.body);
    });
};
