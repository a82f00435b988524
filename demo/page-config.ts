/**
 * What /targets.json tells the page (demo/server.ts writes it, demo/main.ts reads it):
 * the destinations the demo's gateway allows and the defaults of the SQL and SSH forms.
 * Types only, so the page and the server agree on one shape.
 */

/** A destination the page offers. */
export interface DemoTarget {
  readonly label: string;
  readonly host: string;
  readonly port: number;
}

/** A login to prefill the SSH form with (a throwaway server's, from npm start -- --with-servers). */
export interface SshLogin {
  readonly username: string;
  readonly password?: string;
  readonly privateKey?: string;
}

/** The SSH terminal's server, and a login for it when the demo knows one. */
export interface SshTarget extends DemoTarget {
  readonly login?: SshLogin;
}

/** A PostgreSQL server and a login for it, to prefill the SQL console with. */
export interface SqlServer {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly database: string;
}

/** /targets.json. */
export interface PageConfig {
  /** The console's destinations (the line service, a closed port). */
  readonly targets: readonly DemoTarget[];
  /** The SSH terminal's server, when the demo allows one. */
  readonly ssh?: SshTarget;
  /** Single destinations the gateway allows beyond the demo's own (--allow, the SQL server). */
  readonly allowed: readonly DemoTarget[];
  /** The SQL console's server and login, when the demo knows one. */
  readonly sql?: SqlServer;
}
