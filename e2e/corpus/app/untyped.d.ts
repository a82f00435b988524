// The parts of untyped corpus libraries (no @types package installed) that the pages use.

declare module 'memjs' {
  import type { Buffer } from 'buffer';
  interface MemjsClient {
    get(key: string): Promise<{ value: Buffer | null; flags: Buffer | null }>;
    set(key: string, value: string | Buffer, options: { expires?: number }): Promise<boolean>;
    add(key: string, value: string | Buffer, options: { expires?: number }): Promise<boolean>;
    increment(key: string, amount: number, options: { initial?: number; expires?: number }): Promise<{ success: boolean; value: number | null }>;
    delete(key: string): Promise<boolean>;
    stats(callback: (error: Error | null, server: string, stats: Record<string, string>) => void): void;
    quit(): void;
    close(): void;
  }
  const memjs: { Client: { create(servers: string, options?: { retries?: number; timeout?: number; username?: string; password?: string; logger?: { log(...args: unknown[]): void } }): MemjsClient } };
  export default memjs;
}

declare module 'memcached' {
  type Callback<T> = (error: Error | undefined, result: T) => void;
  class Memcached {
    constructor(servers: string, options?: Record<string, unknown>);
    get(key: string, callback: Callback<unknown>): void;
    gets(key: string, callback: Callback<Record<string, unknown> & { cas: string }>): void;
    getMulti(keys: string[], callback: Callback<Record<string, unknown>>): void;
    set(key: string, value: unknown, lifetime: number, callback: Callback<boolean>): void;
    add(key: string, value: unknown, lifetime: number, callback: Callback<boolean>): void;
    cas(key: string, value: unknown, cas: string, lifetime: number, callback: Callback<boolean>): void;
    incr(key: string, amount: number, callback: Callback<number | boolean>): void;
    del(key: string, callback: Callback<boolean>): void;
    version(callback: Callback<{ server: string; version: string }[]>): void;
    on(event: string, listener: (details: unknown) => void): this;
    end(): void;
  }
  export default Memcached;
}

declare module 'mysql' {
  type Callback<T> = (error: (Error & { code?: string }) | null | undefined, result: T) => void;
  interface QueryResult {
    readonly insertId: number;
  }
  interface Connection {
    connect(callback: (error: Error | null | undefined) => void): void;
    query(sql: string, values: unknown[], callback: Callback<Record<string, unknown>[] & QueryResult>): void;
    query(sql: string, callback: Callback<Record<string, unknown>[] & QueryResult>): void;
    beginTransaction(callback: (error: Error | null | undefined) => void): void;
    rollback(callback: (error: Error | null | undefined) => void): void;
    end(callback: (error: Error | null | undefined) => void): void;
    destroy(): void;
  }
  interface Pool {
    query(sql: string, values: unknown[], callback: Callback<Record<string, unknown>[] & QueryResult>): void;
    end(callback: (error: Error | null | undefined) => void): void;
  }
  const mysql: {
    createConnection(options: Record<string, unknown>): Connection;
    createPool(options: Record<string, unknown>): Pool;
  };
  export default mysql;
}
