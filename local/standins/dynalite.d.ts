/** dynalite 4 ships no types: the factory returns a Node HTTP server speaking DynamoDB's JSON protocol. */
declare module 'dynalite' {
  import type { Server } from 'node:http';
  interface DynaliteOptions {
    createTableMs?: number;
    deleteTableMs?: number;
    updateTableMs?: number;
    maxItemSizeKb?: number;
    path?: string;
  }
  const dynalite: (options?: DynaliteOptions) => Server;
  export default dynalite;
}
