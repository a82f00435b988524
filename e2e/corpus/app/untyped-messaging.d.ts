// The parts of untyped corpus libraries of the mail/LDAP group (no @types package installed) that the pages use.

declare module 'nodemailer' {
  import type { Buffer } from 'buffer';
  interface SentMessageInfo {
    readonly accepted: string[];
    readonly rejected: string[];
    readonly response: string;
    readonly messageId: string;
  }
  interface Address {
    readonly name: string;
    readonly address: string;
  }
  interface MailOptions {
    from: string | Address;
    to: string | string[];
    subject: string;
    text?: string;
    html?: string;
    attachments?: { filename: string; content: string | Buffer; contentType?: string }[];
  }
  interface Transporter {
    verify(): Promise<true>;
    sendMail(mail: MailOptions): Promise<SentMessageInfo>;
    close(): void;
  }
  const nodemailer: { createTransport(options: Record<string, unknown>): Transporter };
  export default nodemailer;
}

declare module 'ldapjs' {
  import type { EventEmitter } from 'events';
  type Callback<T = void> = (error: Error | null, result: T) => void;
  interface SearchResultEntry {
    readonly pojo: { objectName: string; attributes: { type: string; values: string[] }[] };
  }
  interface SearchResponse extends EventEmitter {
    on(event: 'searchEntry', listener: (entry: SearchResultEntry) => void): this;
    on(event: 'error', listener: (error: Error) => void): this;
    on(event: 'end', listener: (result: { status: number } | null) => void): this;
  }
  export interface LdapjsClient extends EventEmitter {
    readonly connected: boolean;
    bind(dn: string, password: string, callback: Callback): void;
    add(dn: string, entry: Record<string, string | string[]>, callback: Callback): void;
    search(base: string, options: { scope: 'base' | 'one' | 'sub'; filter: string; attributes: string[] }, callback: Callback<SearchResponse>): void;
    modify(dn: string, changes: Change[], callback: Callback): void;
    del(dn: string, callback: Callback): void;
    unbind(callback: Callback): void;
  }
  class Attribute {
    constructor(options: { type: string; values: string[] });
  }
  class Change {
    constructor(options: { operation: 'add' | 'delete' | 'replace'; modification: Attribute });
  }
  const ldap: {
    createClient(options: { url: string[]; timeout?: number; connectTimeout?: number; reconnect?: boolean }): LdapjsClient;
    Attribute: typeof Attribute;
    Change: typeof Change;
  };
  export default ldap;
}
