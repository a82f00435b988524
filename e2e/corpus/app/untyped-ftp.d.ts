// The parts of mscdex's ftp (no @types package installed) that the ftp page uses.

declare module 'ftp' {
  import type { Buffer } from 'buffer';
  import type { EventEmitter } from 'events';
  import type { Readable } from 'stream';
  type Callback<T> = (error: (Error & { code?: number }) | undefined | null, result: T) => void;
  interface ListEntry {
    readonly type: string;
    readonly name: string;
    readonly size: number;
  }
  class Client extends EventEmitter {
    connect(options: { host?: string; port?: number; user?: string; password?: string; connTimeout?: number; pasvTimeout?: number }): void;
    pwd(callback: Callback<string>): void;
    list(callback: Callback<ListEntry[]>): void;
    get(path: string, callback: Callback<Readable>): void;
    put(input: Buffer | string | Readable, path: string, callback: (error: Error | undefined | null) => void): void;
    mkdir(path: string, callback: (error: Error | undefined | null) => void): void;
    cwd(path: string, callback: Callback<string | undefined>): void;
    size(path: string, callback: Callback<number>): void;
    rename(from: string, to: string, callback: (error: Error | undefined | null) => void): void;
    delete(path: string, callback: (error: Error | undefined | null) => void): void;
    end(): void;
    destroy(): void;
  }
  export default Client;
}
